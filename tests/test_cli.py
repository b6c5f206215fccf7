import json
import subprocess
import sys
from pathlib import Path

import pytest

from synthdistill import cli
from synthdistill.cli import main

FIXTURE = Path(__file__).parent / "fixtures" / "exp_show_sample.json"
LONG = "A very long generated article about markets. " * 10


def write_jsonl(path: Path, rows: list[dict[str, object]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    data = tmp_path / "data" / "bbc_news"
    write_jsonl(
        data / "generate_rejected.jsonl",
        [
            {
                "id": "g1",
                "text": "Example 1: {json}",
                "reason": "structured_output",
                "label": "tech",
            },
            {"id": "g2", "text": "I'm sorry, I cannot", "reason": "refused", "label": "politics"},
            {"id": "g3", "text": LONG, "reason": "truncated", "label": "business"},
        ],
    )
    write_jsonl(
        data / "preprocess_rejected.jsonl",
        [
            {"id": "p1", "text": "short", "reason": "length", "label": "sports"},
            {"id": "p2", "text": "dup text", "reason": "near_duplicate", "detail": "of p0"},
            {"id": "p3", "text": "dup again", "reason": "near_duplicate", "label": "tech"},
        ],
    )
    return tmp_path


def test_show_rejected_counts_and_rows(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["show-rejected", "bbc_news", "--root", str(repo)]) == 0
    out = capsys.readouterr().out
    assert "generate: 3 rejected" in out and "preprocess: 3 rejected" in out
    assert "near_duplicate       2" in out
    assert "6 rows with all reasons; showing 6" in out
    assert "[preprocess] p2  near_duplicate  label=-" in out and "detail: of p0" in out
    long_line = next(line for line in out.splitlines() if "very long generated" in line)
    assert long_line.strip().endswith("…") and len(long_line.strip()) == 100


def test_show_rejected_filters(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["show-rejected", "bbc_news", "--root", str(repo)]
    assert main([*args, "--reason", "near_duplicate"]) == 0
    out = capsys.readouterr().out
    assert "2 rows with reason 'near_duplicate'" in out
    assert "p2" in out and "p3" in out and "[generate]" not in out

    assert main([*args, "--stage", "generate", "--limit", "1"]) == 0
    out = capsys.readouterr().out
    assert "preprocess:" not in out and "g1" in out and "g2" not in out
    assert "2 more (--limit 0 shows all)" in out

    assert main([*args, "--reason", "refused", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["counts"]["generate"] == {"structured_output": 1, "refused": 1, "truncated": 1}
    assert [row["id"] for row in report["rows"]] == ["g2"]
    assert report["rows"][0]["stage"] == "generate"


def test_show_rejected_unknown_reason_exits_2(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["show-rejected", "bbc_news", "--root", str(repo), "--reason", "nope"])
    assert code == 2
    err = capsys.readouterr().err
    assert err.startswith("error: unknown reason 'nope'")
    assert "valid reasons: length, near_duplicate, refused, structured_output, truncated" in err
    # a reason of the other stage is unknown when only one stage is read
    code = main(
        [
            "show-rejected",
            "bbc_news",
            "--root",
            str(repo),
            "--stage",
            "generate",
            "--reason",
            "length",
        ]
    )
    assert code == 2


def test_show_rejected_missing_file_and_task(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (repo / "data" / "bbc_news" / "preprocess_rejected.jsonl").unlink()
    assert main(["show-rejected", "bbc_news", "--root", str(repo)]) == 2
    err = capsys.readouterr().err
    assert "preprocess_rejected.jsonl not found" in err and "dvc repro preprocess@bbc_news" in err
    assert main(["show-rejected", "bbc_news", "--root", str(repo), "--stage", "generate"]) == 0
    capsys.readouterr()
    assert main(["show-rejected", "ja_news", "--root", str(repo)]) == 2
    assert "tasks with data: bbc_news" in capsys.readouterr().err


def test_show_rejected_bad_jsonl(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (repo / "data" / "bbc_news" / "generate_rejected.jsonl").write_text("{oops\n")
    assert main(["show-rejected", "bbc_news", "--root", str(repo)]) == 2
    assert "generate_rejected.jsonl:1: malformed JSON" in capsys.readouterr().err


def test_compare_json_file(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["compare", "--task", "toy", "--json-file", str(FIXTURE)]) == 0
    captured = capsys.readouterr()
    assert "| method | n seeds | mean macro-F1 | 95% CI |" in captured.out
    assert "| fewgen | 2 | 0.8050 |" in captured.out
    assert "| zerogen | 2 | 0.7050 |" in captured.out
    assert "warning: experiment toy-broken skipped: Experiment run failed" in captured.err


def test_compare_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["compare", "--json-file", str(FIXTURE)]) == 2  # default task bbc_news
    assert "no experiment has metrics/bbc_news/eval.json:student.macro_f1" in (
        capsys.readouterr().err
    )
    empty = tmp_path / "empty.json"
    empty.write_text("")
    assert main(["compare", "--json-file", str(empty)]) == 2
    assert "is empty" in capsys.readouterr().err
    assert main(["compare", "--json-file", str(tmp_path / "absent.json")]) == 2
    assert "error: cannot read" in capsys.readouterr().err


def test_compare_runs_dvc(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    calls: list[list[str]] = []

    def fake_run(command: list[str], **_: object) -> subprocess.CompletedProcess[str]:
        calls.append(command)
        return subprocess.CompletedProcess(command, 0, FIXTURE.read_text(), "")

    monkeypatch.setattr(cli.subprocess, "run", fake_run)
    assert main(["compare", "--task", "toy"]) == 0
    assert calls[0][-4:] == ["exp", "show", "--json", "-A"]
    assert "| zerogen |" in capsys.readouterr().out

    def failing(command: list[str], **_: object) -> subprocess.CompletedProcess[str]:
        return subprocess.CompletedProcess(command, 253, "", "ERROR: not a DVC repository")

    monkeypatch.setattr(cli.subprocess, "run", failing)
    assert main(["compare"]) == 2
    assert "exit 253): ERROR: not a DVC repository" in capsys.readouterr().err


@pytest.mark.parametrize("command", [[], ["show-rejected"], ["compare"]])
def test_help(command: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main([*command, "--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: synthdistill")
    if not command:
        assert "show-rejected" in out and "compare" in out


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.startswith("synthdistill ")


def test_console_script_help() -> None:
    script = Path(sys.executable).parent / "synthdistill"
    if not script.exists():
        pytest.skip(f"console script not installed at {script}")
    done = subprocess.run(
        [str(script), "--help"], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    assert "show-rejected" in done.stdout and "compare" in done.stdout
