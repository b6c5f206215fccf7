"""`synthdistill init`: a user's CSV becomes a task block whose placeholders stop every
stage before any teacher call, whose split leaves seeds, test and pool, and whose data
file is a dependency of stage prepare by construction."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest
import yaml

from synthdistill.cli import main
from synthdistill.errors import ParamsError
from synthdistill.params import check_choice, load_raw, load_task
from synthdistill.tasks import load_examples, split_examples

REPO = Path(__file__).resolve().parent.parent


def _csv(path: Path, counts: dict[str, int]) -> Path:
    """Short sentences of a made-up support-ticket task: other labels, other lengths."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=["ticket", "queue"])
        writer.writeheader()
        for label, n in counts.items():
            for i in range(n):
                writer.writerow(
                    {"ticket": f"My {label} problem number {i} is still open.", "queue": label}
                )
    return path


@pytest.fixture
def project(tmp_path: Path) -> Path:
    shutil.copy(REPO / "params.yaml", tmp_path / "params.yaml")
    return tmp_path


def test_init_writes_a_task_that_waits_for_its_descriptions(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    data = _csv(project / "tickets.csv", {"billing": 60, "login": 45})
    params = project / "params.yaml"
    before = params.read_text(encoding="utf-8")
    code = main(
        [
            "init",
            str(data),
            "--task",
            "tickets",
            "--text-field",
            "ticket",
            "--label-field",
            "queue",
            "--language",
            "en",
            "--params",
            str(params),
        ]
    )
    assert code == 0
    out = capsys.readouterr().out
    assert "seed_per_label = 8, test_per_label = 18" in out and "next:" in out
    # 36 test rows (< teacher_prompting.max_examples) + the latency probe
    assert "cost: at most 120 teacher calls: generate 80, teacher_prompting 40" in out
    raw = load_raw(params)
    assert raw["run_tasks"] == ["tickets"]
    block = raw["tasks"]["tickets"]
    assert block["data"]["path"] == "data/tasks/tickets.csv"
    # every tasks.<task>.* key a dvc.yaml stage lists exists (dvc fails on a missing one)
    for key in ("teacher_model", "student", "budget", "method", "attributes", "labels"):
        assert key in block
    assert (project / "data/tasks/tickets.csv").read_bytes() == data.read_bytes()
    # every line of the old file is still there, comments included
    after = params.read_text(encoding="utf-8")
    kept = [
        line
        for line in before.splitlines()
        if line.strip() and "- ja_news" not in line and "- bbc_news" not in line
    ]
    assert all(line in after for line in kept)
    with pytest.raises(ParamsError, match=r"tasks\.tickets.*placeholder"):
        load_task("tickets", params)
    # filled in, the task loads and splits with a pool left for every label
    filled = yaml.safe_load(after)
    filled["tasks"]["tickets"]["description"] = "Support tickets, routed to a queue."
    filled["tasks"]["tickets"]["labels"] = {"billing": "payments", "login": "sign-in trouble"}
    params.write_text(yaml.safe_dump(filled), encoding="utf-8")
    task = load_task("tickets", params)
    monkeypatch.chdir(project)
    splits = split_examples(load_examples("tickets", task), task, seed=0)
    assert {k: len(v) for k, v in splits.items()} == {"seed": 16, "test": 36, "pool": 53}


def test_init_errors_name_the_problem(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    params = str(project / "params.yaml")
    tiny = _csv(project / "tiny.csv", {"billing": 30, "login": 2})
    assert (
        main(
            [
                "init",
                str(tiny),
                "--task",
                "t",
                "--text-field",
                "ticket",
                "--label-field",
                "queue",
                "--language",
                "en",
                "--params",
                params,
            ]
        )
        == 2
    )
    assert "label 'login' has 2 rows" in capsys.readouterr().err
    assert (
        main(
            [
                "init",
                str(tiny),
                "--task",
                "t",
                "--text-field",
                "body",
                "--label-field",
                "queue",
                "--language",
                "en",
                "--params",
                params,
            ]
        )
        == 2
    )
    assert "no field 'body'; the record has: ticket, queue" in capsys.readouterr().err
    assert (
        main(["init", str(project), "--task", "t", "--label-field", "queue", "--params", params])
        == 2
    )
    assert "a directory, not a data file" in capsys.readouterr().err
    ok = _csv(project / "ok.csv", {"billing": 30, "login": 30})
    assert (
        main(
            [
                "init",
                str(ok),
                "--task",
                "bbc_news",
                "--text-field",
                "ticket",
                "--label-field",
                "queue",
                "--language",
                "en",
                "--params",
                params,
            ]
        )
        == 2
    )
    assert "tasks.bbc_news exists" in capsys.readouterr().err


def test_an_unknown_name_gets_a_did_you_mean() -> None:
    with pytest.raises(ParamsError, match=r"'bbc_nwes' \(did you mean 'bbc_news'\?\)"):
        check_choice("task", "bbc_nwes", ["bbc_news", "ja_news"])


def test_labels_that_differ_only_by_case_are_refused(tmp_path: Path) -> None:
    raw = load_raw(REPO / "params.yaml")
    raw["tasks"]["bbc_news"]["labels"]["Sports "] = "again"
    path = tmp_path / "params.yaml"
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    with pytest.raises(ParamsError, match="differ only by case or spaces"):
        load_task("bbc_news", path)


def test_check_names_a_misspelt_run_task_before_dvc_runs(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    params = project / "params.yaml"
    raw = load_raw(params)
    raw["run_tasks"] = ["bbc_nwes"]
    params.write_text(yaml.safe_dump(raw), encoding="utf-8")
    assert main(["check", "--params", str(params)]) == 2
    err = capsys.readouterr().err
    assert "Unknown task in run_tasks 'bbc_nwes' (did you mean 'bbc_news'?)" in err
    raw["run_tasks"] = ["bbc_news"]
    params.write_text(yaml.safe_dump(raw), encoding="utf-8")
    assert main(["check", "--params", str(params)]) == 0
    assert "bbc_news: at most" in capsys.readouterr().out
