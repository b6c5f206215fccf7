import json
import logging
import math
from pathlib import Path
from typing import Any

import pytest
from scipy import stats

from synthdistill.compare import (
    ExperimentRow,
    collect_experiments,
    format_table,
    summarise,
    t_interval,
)

FIXTURE = Path(__file__).parent / "fixtures" / "exp_show_sample.json"
EVAL = "metrics/bbc_news/eval.json"


def entry(
    rev: str,
    method: str,
    seed: int,
    f1: float | None,
    *,
    name: str | None = None,
    timestamp: str | None = "2026-01-01T00:00:00",
    plus_seeds: float | None = None,
    error: dict[str, str] | None = None,
) -> dict[str, Any]:
    """One entry shaped like dvc 3.67's `dvc exp show --json` (see the saved real sample)."""
    student: dict[str, Any] = {"accuracy": 0.9, "macro_f1": f1}
    metrics: dict[str, Any] = {"n_test": 100, "student": student}
    if plus_seeds is not None:
        metrics["student_plus_seeds"] = {"macro_f1": plus_seeds}
    metrics_files: dict[str, Any] = {EVAL: {"data": metrics}}
    if f1 is None:
        metrics_files = {EVAL: {"error": {"type": "FileNotFoundError", "msg": "[Errno 2]"}}}
    return {
        "rev": rev,
        "name": name,
        "data": {
            "rev": rev,
            "timestamp": timestamp,
            "params": {
                "params.yaml": {
                    "data": {
                        "generate": {"method": method, "seed": seed, "budget": 100},
                        "train": {"student": "minilm-l6"},
                    }
                }
            },
            "metrics": metrics_files,
            "deps": {},
            "outs": {},
            "meta": {},
        },
        "error": error,
        "experiments": None,
    }


def commit(base: dict[str, Any], experiments: list[dict[str, Any]]) -> dict[str, Any]:
    base["experiments"] = [
        {"revs": [exp], "executor": None, "name": exp["name"]} for exp in experiments
    ]
    return base


FEWGEN = [0.80, 0.82, 0.81]
ZEROGEN = [0.70, 0.71, 0.69]  # clearly worse
SYNTH = [0.83, 0.79, 0.82]  # diffs +0.03 -0.03 +0.01: within noise
ATTR = [0.86, 0.87, 0.855]  # diffs +0.06 +0.05 +0.045: clearly better


def hand_built() -> list[dict[str, Any]]:
    experiments = []
    stamp = 10
    for method, values in (("zerogen", ZEROGEN), ("synthesizrr", SYNTH), ("attr", ATTR)):
        for seed, value in enumerate(values):
            stamp += 1
            experiments.append(
                entry(
                    f"{method}{seed}".ljust(40, "0"),
                    method,
                    seed,
                    value,
                    name=f"bbc-{method}-s{seed}",
                    timestamp=f"2026-01-01T00:00:{stamp:02d}",
                    plus_seeds=value + 0.01 if method == "attr" else None,
                )
            )
    experiments.reverse()  # dvc lists experiments newest first
    for seed, value in ((1, FEWGEN[1]), (2, FEWGEN[2])):
        experiments.append(
            entry(
                f"fewgen{seed}".ljust(40, "0"),
                "fewgen",
                seed,
                value,
                name=f"bbc-fewgen-s{seed}",
                timestamp="2026-01-01T00:00:05",
            )
        )
    failed = entry("f" * 40, "broken", 0, 0.99, name="bbc-broken")
    failed["error"] = {"msg": "Experiment run failed", "type": ""}
    experiments.insert(0, failed)
    return [
        entry("workspace", "fewgen", 0, FEWGEN[0], timestamp=None),
        commit(entry("a" * 40, "fewgen", 0, FEWGEN[0], name="main"), experiments),
        # an older commit before eval.json existed, and one with an older fewgen result
        entry("b" * 40, "fewgen", 0, None, timestamp="2025-12-01T00:00:00"),
        entry("c" * 40, "fewgen", 0, 0.5, timestamp="2025-11-01T00:00:00"),
    ]


def rows() -> list[ExperimentRow]:
    return collect_experiments(hand_built())


def by_label(summary: Any) -> dict[str, Any]:
    return {group.label: group for group in summary.groups}


def test_collect_flattens_params_and_metrics_and_skips_errors() -> None:
    collected = rows()
    names = [row.name for row in collected]
    assert names[0] == "workspace" and names[1] == "main"
    assert "bbc-broken" not in names  # failed experiment: its metrics are stale
    assert len(collected) == 1 + 1 + 11 + 2
    main = collected[1]
    assert main.kind == "commit"
    assert main.params["generate.method"] == "fewgen"
    assert main.params["train.student"] == "minilm-l6"
    assert main.metrics[f"{EVAL}:student.macro_f1"] == 0.80
    assert main.metrics[f"{EVAL}:n_test"] == 100
    exp = collected[2]
    assert exp.kind == "experiment" and exp.baseline_rev == "a" * 40
    old = next(row for row in collected if row.rev == "b" * 40)
    assert old.metrics == {}


def test_collect_real_sample(caplog: pytest.LogCaptureFixture) -> None:
    """A real `dvc exp show --json -A` (dvc 3.67) of a toy repo: one failed experiment,
    one commit whose metrics file is corrupt, and the workspace equal to HEAD."""
    data = json.loads(FIXTURE.read_text(encoding="utf-8"))
    with caplog.at_level(logging.WARNING, logger="synthdistill.compare"):
        collected = collect_experiments(data)
    assert [(row.kind, row.name) for row in collected] == [
        ("workspace", "workspace"),
        ("commit", "broken-metrics"),
        ("commit", "master"),
        ("commit", "e59c6a7"),
        ("experiment", "stray-sida"),
        ("experiment", "toy-zerogen-s0"),
        ("experiment", "toy-fewgen-s1"),
    ]
    assert "toy-broken" in caplog.text and "Experiment run failed" in caplog.text
    assert "JSON file structure is corrupted" in caplog.text
    assert collected[1].metrics == {}
    zerogen = collected[5]
    assert zerogen.params == {"generate.method": "zerogen", "generate.seed": 0}
    assert zerogen.metrics["metrics/toy/eval.json:student.macro_f1"] == 0.7
    assert zerogen.baseline_rev == "e59c6a7ec7a8f15f665e5f0ed94fda150fb65025"

    summary = summarise(collected, "toy")
    groups = by_label(summary)
    assert groups["fewgen"].stats.values == (0.8, 0.81)
    assert groups["fewgen"].experiments == ("workspace", "toy-fewgen-s1@7c5fdc1")
    assert groups["zerogen"].paired is not None
    assert groups["zerogen"].paired.n_pairs == 2
    assert any("3 rows; kept workspace" in message for message in summary.warnings)


def test_collect_rejects_unknown_shapes() -> None:
    with pytest.raises(ValueError, match="list of commit entries"):
        collect_experiments({"workspace": {"baseline": {}}})
    single = entry("workspace", "fewgen", 0, 0.8, timestamp=None)
    assert len(collect_experiments(single)) == 1


def test_means_and_t_intervals_match_scipy() -> None:
    summary = summarise(rows(), "bbc_news")
    groups = by_label(summary)
    for label, values in (("fewgen", FEWGEN), ("zerogen", ZEROGEN), ("attr", ATTR)):
        group = groups[label]
        n = len(values)
        mean = sum(values) / n
        sd = math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1))
        half = stats.t.ppf(0.975, n - 1) * sd / math.sqrt(n)
        assert group.stats.n == 3
        assert group.stats.mean == pytest.approx(mean)
        assert group.stats.ci == pytest.approx((mean - half, mean + half))
        low, high = stats.t.interval(0.95, n - 1, loc=mean, scale=stats.sem(values))
        assert group.stats.ci == pytest.approx((low, high))
    # baseline first, then by mean, best first
    assert [g.label for g in summary.groups] == ["fewgen", "attr", "synthesizrr", "zerogen"]


def test_paired_verdicts() -> None:
    groups = by_label(summarise(rows(), "bbc_news"))
    better = groups["attr"].paired
    assert better is not None and better.verdict == "better"
    diffs = [a - f for a, f in zip(ATTR, FEWGEN, strict=True)]
    assert better.mean_diff == pytest.approx(sum(diffs) / 3)
    assert better.ci == pytest.approx(t_interval(diffs))
    assert better.ci is not None and better.ci[0] > 0
    noise = groups["synthesizrr"].paired
    assert noise is not None and noise.verdict == "within noise"
    assert noise.ci is not None and noise.ci[0] < 0 < noise.ci[1]
    worse = groups["zerogen"].paired
    assert worse is not None and worse.verdict == "worse"
    assert groups["fewgen"].paired is not None and groups["fewgen"].paired.verdict == "baseline"


def test_duplicates_keep_the_newest_and_warn() -> None:
    summary = summarise(rows(), "bbc_news")
    fewgen = by_label(summary)["fewgen"]
    # workspace, main and the older commit all have fewgen seed 0: the workspace wins,
    # the older commit's 0.5 is not counted
    assert fewgen.seeds == (0, 1, 2)
    assert fewgen.stats.values == tuple(FEWGEN)
    assert fewgen.experiments[0] == "workspace"
    (warning,) = summary.warnings
    assert "fewgen generate.seed=0: 3 rows" in warning and "different values" in warning


def test_single_seed_has_no_interval() -> None:
    data = [
        entry("workspace", "fewgen", 0, 0.8, timestamp=None),
        entry("d" * 40, "zerogen", 0, 0.7, name="z"),
    ]
    summary = summarise(collect_experiments(data), "bbc_news")
    groups = by_label(summary)
    assert groups["fewgen"].stats.ci is None and groups["fewgen"].stats.std is None
    paired = groups["zerogen"].paired
    assert paired is not None
    assert paired.verdict == "undefined (1 pair)" and paired.mean_diff == pytest.approx(-0.1)
    table = format_table(summary)
    assert "undefined (n=1)" in table and "undefined: 1 pair" in table


def test_missing_baseline_and_other_group_by() -> None:
    summary = summarise(rows(), "bbc_news", baseline="nope")
    assert not summary.baseline_found
    assert all(group.paired is None for group in summary.groups)
    assert any("baseline 'nope' not found" in message for message in summary.warnings)
    by_two = summarise(
        rows(), "bbc_news", group_by=["generate.method", "generate.budget"], baseline="fewgen / 100"
    )
    assert by_two.baseline_found
    assert "attr / 100" in by_label(by_two)
    assert summarise(rows(), "other_task").groups == []


def test_format_table() -> None:
    summary = summarise(rows(), "bbc_news")
    assert summary.extra_metrics == ["student_plus_seeds.macro_f1"]
    table = format_table(summary)
    lines = table.splitlines()
    header = lines[2]
    assert header.startswith(
        "| method | n seeds | mean macro-F1 | 95% CI | paired diff vs fewgen [95% CI] | verdict |"
    )
    assert "student_plus_seeds macro-F1 mean [95% CI]" in header
    rows_by_method = {line.split("|")[1].strip(): line for line in lines[4:]}
    assert set(rows_by_method) == {"fewgen", "attr", "synthesizrr", "zerogen"}
    attr = rows_by_method["attr"]
    assert "| better |" in attr and f"| {sum(ATTR) / 3:.4f} |" in attr
    assert "(3 pairs)" in attr
    assert "| within noise |" in rows_by_method["synthesizrr"]
    assert "| worse |" in rows_by_method["zerogen"]
    assert rows_by_method["fewgen"].rstrip().endswith("| — |")  # no extra metric there
    assert all(line.count("|") == header.count("|") for line in lines[2:])
