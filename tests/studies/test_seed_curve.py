"""The seed-count study: seed draws never touch the test set and nest across seed counts;
the pooled paired delta and the verdict say what the points say."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from synthdistill.errors import DataError
from synthdistill.seed_curve import collect, pooled_delta, verdict
from synthdistill.studies import derived_params, draw_seeds, synthetic_only_missing

LABELS = ["a", "b", "c"]


def rows(per_label: int) -> list[dict[str, Any]]:
    return [
        {"id": f"{label}-{i:03d}", "text": f"text {label} {i}", "label": label}
        for label in LABELS
        for i in range(per_label)
    ]


def test_draw_takes_k_per_label_and_leaves_the_rest_as_pool() -> None:
    data = rows(10)
    seeds, pool = draw_seeds(data, LABELS, 3, draw=0)
    assert sorted(r["label"] for r in seeds) == sorted(LABELS * 3)
    assert {r["id"] for r in seeds}.isdisjoint(r["id"] for r in pool)
    assert len(seeds) + len(pool) == len(data)


def test_draws_nest_across_seed_counts_and_differ_between_draws() -> None:
    data = rows(20)
    small, _ = draw_seeds(data, LABELS, 2, draw=1)
    large, _ = draw_seeds(data, LABELS, 8, draw=1)
    assert {r["id"] for r in small} <= {r["id"] for r in large}
    other, _ = draw_seeds(data, LABELS, 8, draw=2)
    assert {r["id"] for r in other} != {r["id"] for r in large}
    again, _ = draw_seeds(list(reversed(data)), LABELS, 8, draw=1)  # input order is irrelevant
    assert [r["id"] for r in again] == [r["id"] for r in large]


def test_a_label_with_too_few_rows_is_a_clear_error() -> None:
    with pytest.raises(DataError, match="label 'a': 2 rows outside the test set, 4 seeds"):
        draw_seeds(rows(2), LABELS, 4, draw=0)


def test_derived_params_set_the_study_knobs_only(tmp_path: Path) -> None:
    root = tmp_path / "params.yaml"
    root.write_text(
        yaml.safe_dump(
            {
                "tasks": {"t": {"method": "zerogen", "budget": 7, "labels": {"a": "x"}}},
                "generate": {"method": "fewgen", "budget": 80, "seed": 0, "shots": 2},
                "teacher_prompting": {"max_examples": 40, "latency_probe": 4, "shots": True},
            }
        )
    )
    params = derived_params(root, "t", "annotate", 40, 2, 30)
    assert params["tasks"]["t"] == {"method": None, "budget": None, "labels": {"a": "x"}}
    assert params["generate"] == {"method": "annotate", "budget": 40, "seed": 2, "shots": 2}
    assert params["teacher_prompting"] == {"max_examples": 30, "latency_probe": 0, "shots": True}


GOLD = ["a"] * 20 + ["b"] * 20 + ["c"] * 20


def test_pooled_delta_is_zero_for_identical_systems_and_positive_for_a_better_one() -> None:
    weak = [GOLD[:30] + ["a"] * 30, GOLD[:30] + ["b"] * 30]
    same = pooled_delta(GOLD, weak, weak, LABELS)
    assert same["delta"] == 0 and same["ci_low"] == 0 and same["ci_high"] == 0
    assert same["verdict"] == "within noise" and same["draws"] == 2
    better = pooled_delta(GOLD, [GOLD, GOLD], weak, LABELS)
    assert better["delta"] > 0.3 and better["ci_low"] > 0 and better["verdict"] == "better"
    assert pooled_delta(GOLD, weak, [GOLD, GOLD], LABELS)["verdict"] == "worse"


def point(k: int, draw: int, method: str, plus: list[str], seeds: list[str]) -> dict[str, Any]:
    score = {"macro_f1": 0.5, "macro_f1_ci_low": 0.4, "macro_f1_ci_high": 0.6}
    return {
        "task": "t",
        "method": method,
        "seeds_per_label": k,
        "draw": draw,
        "teacher_calls": 40,
        "kept": 30,
        "gold": GOLD,
        "eval": {
            "student": score,
            "student_plus_seeds": score,
            "seed_student": score,
            "teacher_prompting": {
                "macro_f1": 0.6,
                "macro_f1_ci_low": 0.45,
                "macro_f1_ci_high": 0.75,
                "n": 12,
            },
            "headroom": {"verdict": "teacher ahead"},
        },
        "predictions": {"student": seeds, "seed_student": seeds, "student_plus_seeds": plus},
    }


def test_collect_finds_where_synthetic_data_helps() -> None:
    weak = GOLD[:30] + ["a"] * 30
    points = [point(1, d, m, GOLD, weak) for d in (0, 1) for m in ("fewgen", "zerogen")]
    points += [point(8, d, m, GOLD, GOLD) for d in (0, 1) for m in ("fewgen", "zerogen")]
    curve, summary = collect(points, LABELS)
    assert [row["seeds_per_label"] for row in curve] == [1, 8]
    assert set(curve[0]) >= {"seeds_only", "teacher_prompting", "fewgen", "fewgen_plus_seeds"}
    at_one = summary["points"][0]["methods"]["fewgen"]["plus_seeds_vs_seeds_only"]
    assert at_one["verdict"] == "better" and at_one["draws"] == 2
    assert summary["points"][1]["methods"]["fewgen"]["plus_seeds_vs_seeds_only"]["delta"] == 0
    assert summary["verdict"]["helps_up_to"] == 1
    assert summary["verdict"]["text"].startswith("Synthetic data helped at 1 seed(s) per label")


def test_collect_refuses_points_with_mismatched_draws() -> None:
    points = [point(1, 0, "fewgen", GOLD, GOLD), point(1, 1, "zerogen", GOLD, GOLD)]
    with pytest.raises(DataError, match="other draws"):
        collect(points, LABELS)


def test_no_help_anywhere_says_so() -> None:
    summary = {
        "points": [
            {
                "seeds_per_label": 2,
                "methods": {
                    "fewgen": {
                        "plus_seeds_vs_seeds_only": {"verdict": "within noise", "delta": 0.01}
                    }
                },
            }
        ]
    }
    assert verdict(summary)["helps_up_to"] is None


def test_the_docs_block_shows_every_seed_count_and_the_verdict(tmp_path: Path) -> None:
    from synthdistill.docs_gen import SEED_CURVE, seed_curve_summary

    weak = GOLD[:30] + ["a"] * 30
    points = [point(k, d, "fewgen", GOLD, weak) for k in (1, 4) for d in (0, 1)]
    _, summary = collect(points, LABELS)
    (tmp_path / SEED_CURVE).parent.mkdir(parents=True)
    (tmp_path / SEED_CURVE).write_text(json.dumps(summary))
    compact = seed_curve_summary(tmp_path, compact=True)
    rows = [line for line in compact.splitlines() if line.startswith("| ") and "---" not in line]
    assert [row.split(" | ")[0] for row in rows] == ["| seeds per label", "| 1", "| 4"]
    assert "better" in rows[1] and "teacher ahead, teacher ahead" in rows[1]
    assert "2 seed draw(s) per point" in compact and "40 teacher calls" in compact
    assert compact.rstrip().endswith(summary["verdict"]["text"])
    full = seed_curve_summary(tmp_path)
    assert "**synthetic data only**" in full and "**student + seeds**" in full


def test_the_headroom_rule_is_checked_at_every_seed_count() -> None:
    weak = GOLD[:30] + ["a"] * 30
    points = [point(1, d, "fewgen", GOLD, weak) for d in (0, 1)]  # teacher ahead, helped
    points += [point(8, d, "fewgen", GOLD, GOLD) for d in (0, 1)]  # teacher ahead, no help
    _, summary = collect(points, LABELS)
    rule = summary["headroom_rule"]
    assert [c["held"] for c in rule["checks"]] == [True, False]
    assert rule["text"].endswith("held at 1; it failed at 8 seed(s) per label.")


def test_too_few_labels_kept_means_no_synthetic_only_student() -> None:
    assert synthetic_only_missing([{"label": "a"}, {"label": "b"}]) is None
    assert synthetic_only_missing([]) == "the synthetic data kept 0 example(s) of 0 label(s)"
    assert synthetic_only_missing([{"label": "a"}] * 3) == (
        "the synthetic data kept 3 example(s) of 1 label(s)"
    )


def test_a_draw_without_a_synthetic_only_student_gets_no_score_but_plus_seeds_does(
    tmp_path: Path,
) -> None:
    from synthdistill.docs_gen import SEED_CURVE, seed_curve_summary

    weak = GOLD[:30] + ["a"] * 30
    points = [point(1, d, "fewgen", GOLD, weak) for d in (0, 1)]
    lost = points[1]
    del lost["eval"]["student"], lost["predictions"]["student"]
    lost["missing"] = {"student": "the synthetic data kept 2 example(s) of 1 label(s)"}
    curve, summary = collect(points, LABELS)
    assert "fewgen" not in curve[0] and curve[0]["fewgen_plus_seeds"] == 0.5
    result = summary["points"][0]["methods"]["fewgen"]
    assert result["student"] is None and result["student_vs_seeds_only"] is None
    assert result["missing_student"] == [{"draw": 1, "reason": lost["missing"]["student"]}]
    assert result["plus_seeds_vs_seeds_only"]["verdict"] == "better"
    (tmp_path / SEED_CURVE).parent.mkdir(parents=True)
    (tmp_path / SEED_CURVE).write_text(json.dumps(summary))
    assert "none: fewer than two labels kept (draw 1)" in seed_curve_summary(tmp_path)


def test_a_method_absent_at_a_value_gets_its_own_row_not_an_error(tmp_path: Path) -> None:
    from synthdistill.docs_gen import seed_curve_summary

    weak = GOLD[:30] + ["a"] * 30
    points = [point(48, 0, m, GOLD, weak) for m in ("annotate", "fewgen")]
    points += [point(205, 0, "annotate", GOLD, weak), point(400, 0, "fewgen", GOLD, weak)]
    for p in points:
        p["teacher_calls"] = p.pop("seeds_per_label")
    curve, summary = collect(points, LABELS, axis="teacher_calls")
    assert [row["teacher_calls"] for row in curve] == [48, 205, 400]
    assert sorted(summary["points"][1]["methods"]) == ["annotate"]
    assert "fewgen" not in curve[1] and "annotate_plus_seeds" in curve[1]
    path = tmp_path / "metrics/studies/ja_scale/summary.json"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(summary))
    table = seed_curve_summary(tmp_path, name="ja_scale")
    row = next(line for line in table.splitlines() if line.startswith("| 205 |"))
    assert row.rstrip(" |").endswith("no point at this value")


def test_the_verdict_says_not_above_only_where_a_larger_value_was_tried() -> None:
    weak = GOLD[:30] + ["a"] * 30
    _, summary = collect([point(1, 0, "fewgen", GOLD, weak)], LABELS)
    text = summary["verdict"]["text"]
    assert "(the largest value tried included)" in text and "not above" not in text
    assert text.endswith("(1 seed draw(s)).")


def test_a_generation_seed_seeds_the_method_and_the_annotated_pool_sample(tmp_path: Path) -> None:
    root = tmp_path / "params.yaml"
    root.write_text(
        yaml.safe_dump(
            {
                "tasks": {"t": {"method": None, "budget": None}},
                "generate": {"method": "fewgen", "budget": 80, "seed": 0},
                "finetune": {"seed": 0, "epochs": 3},
                "teacher_prompting": {"max_examples": 40, "latency_probe": 4},
            }
        )
    )
    by_draw = derived_params(root, "t", "annotate", 40, 2, 30)
    assert by_draw["generate"]["seed"] == 2 and by_draw["finetune"]["seed"] == 0
    by_seed = derived_params(root, "t", "annotate", 40, 2, 30, generation_seed=5)
    assert by_seed["generate"]["seed"] == 5 and by_seed["finetune"] == {"seed": 5, "epochs": 3}


def test_generation_seeds_pool_as_runs_of_one_draw(tmp_path: Path) -> None:
    from synthdistill.docs_gen import seed_curve_summary

    weak = GOLD[:30] + ["a"] * 30
    points = [point(200, 0, m, GOLD, weak) for m in ("annotate", "fewgen") for _ in (0, 1)]
    for p, gen in zip(points, (0, 1, 1, 0), strict=True):  # file order is irrelevant
        p["generation_seed"] = gen
        p["teacher_calls"] = p.pop("seeds_per_label")
    _, summary = collect(points, LABELS, axis="teacher_calls")
    entry = summary["points"][0]
    assert entry["draws"] == [0, 0] and entry["generation_seeds"] == [0, 1]
    assert entry["methods"]["fewgen"]["plus_seeds_vs_seeds_only"]["draws"] == 2
    assert summary["verdict"]["text"].endswith("(2 runs (1 seed draw(s) x 2 generation seed(s))).")
    path = tmp_path / "metrics/studies/ja_scale/summary.json"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(summary))
    assert "2 runs (1 seed draw(s) x 2 generation seed(s)) per point" in seed_curve_summary(
        tmp_path, name="ja_scale"
    )
    points[1]["generation_seed"] = 7
    with pytest.raises(DataError, match="other draws"):
        collect(points, LABELS, axis="teacher_calls")


def test_the_readme_verdict_block_says_the_verdict_and_the_baselines(tmp_path: Path) -> None:
    from synthdistill.docs_gen import study_verdict, verdict_markers

    weak = GOLD[:30] + ["a"] * 30
    _, summary = collect([point(2, d, "fewgen", GOLD, weak) for d in (0, 1)], LABELS)
    path = tmp_path / "metrics/studies/seed_curve/summary.json"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(summary))
    text = study_verdict(tmp_path, "seed_curve")
    assert text.startswith(summary["verdict"]["text"])
    assert "At 2 seed(s) per label: seeds-only student 0.500, teacher prompting 0.600" in text
    assert "(test rows: the first 12 (labels in turn))" in text
    assert verdict_markers("seed_curve")[0].startswith("<!-- verdict-seed_curve:begin ")
    assert "not run yet" in study_verdict(tmp_path, "ja_scale")


def test_baselines_carry_their_ci_only_where_one_seed_draw_is_behind_them(tmp_path: Path) -> None:
    from synthdistill.docs_gen import seed_curve_summary

    weak = GOLD[:30] + ["a"] * 30
    _, one = collect([point(1, 0, "fewgen", GOLD, weak)], LABELS)
    assert one["points"][0]["seeds_only_ci"] == [0.4, 0.6]
    assert one["points"][0]["teacher_prompting_ci"] == [0.45, 0.75]
    _, two = collect([point(1, d, "fewgen", GOLD, weak) for d in (0, 1)], LABELS)
    assert "seeds_only_ci" not in two["points"][0]
    path = tmp_path / "metrics/studies/seed_curve/summary.json"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(one))
    assert "| 1 | 0.500 [0.400, 0.600] | 0.600 [0.450, 0.750] (12) |" in seed_curve_summary(
        tmp_path
    )
