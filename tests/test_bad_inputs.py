"""Bad inputs found by a probe get one clear line and exit 2, never a traceback; the
cache stays consistent."""

from __future__ import annotations

import gzip
import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from synthdistill.cli import main
from synthdistill.errors import DataError, TeacherError
from synthdistill.params import PreprocessParams, TaskParams
from synthdistill.preprocess import clean_dataset
from synthdistill.tasks import load_examples
from synthdistill.teachers.base import Completion, Message, TeacherRequest
from synthdistill.teachers.cache import TeacherCache
from synthdistill.teachers.fake import FakeBackend
from synthdistill.teachers.http import parse_reply
from synthdistill.teachers.teacher import Teacher

REQUESTS = [TeacherRequest(messages=(Message("user", f"q{i}"),)) for i in range(3)]


def test_a_lone_surrogate_in_a_reply_is_stored_as_a_replacement_char(tmp_path: Path) -> None:
    teacher = Teacher(FakeBackend(lambda r: "bad \ud800 pair"), TeacherCache(tmp_path / "c"))
    answers = teacher.generate(REQUESTS[:1])
    assert answers[0][0].text == "bad \ufffd pair"  # and the re-run reads it back
    again = Teacher(FakeBackend(), TeacherCache(tmp_path / "c")).generate(REQUESTS[:1])
    assert again[0][0].text == "bad \ufffd pair" and again[0][0].cached


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores file permissions")
def test_a_read_only_cache_serves_its_hits_and_says_it_is_read_only(tmp_path: Path) -> None:
    path = tmp_path / "ro" / "cache.sqlite"
    Teacher(FakeBackend(), TeacherCache(path)).generate(REQUESTS[:2])
    path.chmod(stat.S_IRUSR)
    path.parent.chmod(stat.S_IRUSR | stat.S_IXUSR)
    try:
        cache = TeacherCache(path)
        assert cache.read_only
        backend = FakeBackend()
        assert len(Teacher(backend, cache).generate(REQUESTS[:2])) == 2 and backend.calls == 0
        with pytest.raises(TeacherError, match="1 of 3 teacher calls are not in the read-only"):
            Teacher(backend, TeacherCache(path)).generate(REQUESTS)
    finally:
        path.parent.chmod(stat.S_IRWXU)


def test_a_cache_opened_read_only_refuses_to_store(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite"
    Teacher(FakeBackend(), TeacherCache(path)).generate(REQUESTS[:2])
    cache = TeacherCache(path)
    cache.read_only = True  # what a read-only file or folder gives (root can't show it)
    with pytest.raises(TeacherError, match="read-only"):
        Teacher(FakeBackend(), cache).generate(REQUESTS)
    assert len(TeacherCache(path)) == 2  # nothing half-written


def test_replay_import_of_a_non_gzip_file_or_a_null_text(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SYNTHDISTILL_CACHE_DIR", str(tmp_path / "cache"))
    plain = tmp_path / "calls.jsonl.gz"
    plain.write_text("{}\n")
    assert main(["replay", "import", "--file", str(plain)]) == 2
    assert "not a replay file" in capsys.readouterr().err
    record = dict(
        key="k", text=None, finish_reason="stop", prompt_tokens=1, completion_tokens=1, model="m"
    )
    with gzip.open(plain, "wt") as handle:
        handle.write(json.dumps(record) + "\n")
    assert main(["replay", "import", "--file", str(plain)]) == 2
    assert f"{plain}:1: field 'text' is None, not text" in capsys.readouterr().err
    assert len(TeacherCache(tmp_path / "cache" / "teacher_cache.sqlite")) == 0


def test_a_symlink_loop_as_the_cache_dir(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "a").symlink_to(tmp_path / "b")
    (tmp_path / "b").symlink_to(tmp_path / "a")
    monkeypatch.setenv("SYNTHDISTILL_CACHE_DIR", str(tmp_path / "a"))
    assert main(["replay", "import", "--file", str(tmp_path / "x.gz")]) == 2
    assert "cannot be used as a cache directory" in capsys.readouterr().err


def test_a_bad_usage_field_names_the_field_and_the_server() -> None:
    reply = {"choices": [{"message": {"content": "hi"}}], "usage": {"prompt_tokens": "many"}}
    with pytest.raises(TeacherError, match=r"http://h:1/v1/chat.*usage.prompt_tokens is 'many'"):
        parse_reply(reply, True, "http://h:1/v1/chat")
    ok = parse_reply({"choices": [{"message": {"content": "hi"}}]}, True, "p")
    assert ok == Completion("hi", "stop", 0, 0)


def test_tag_and_control_characters_in_generated_text_are_dropped() -> None:
    rows = [
        {"id": 1, "text": "A clean sentence about the economy today.", "label": "e"},
        {"id": 2, "text": "Hidden \U000e0041\U000e0042 tags in a sentence.", "label": "e"},
        {"id": 3, "text": "A NUL \x00 in a sentence about markets.", "label": "e"},
    ]
    result = clean_dataset(rows, [], "en", ["e"], PreprocessParams(min_chars=5, max_chars=500))
    assert {r["id"]: r["reason"] for r in result.rejected} == {
        2: "control_chars",
        3: "control_chars",
    }


def test_a_full_disk_in_a_stage_is_one_line_and_exit_2(tmp_path: Path) -> None:
    script = (
        "import errno\n"
        "from synthdistill.stage import run\n"
        "def main():\n"
        "    raise OSError(errno.ENOSPC, 'No space left on device', 'data/t/train.jsonl')\n"
        "run(main)\n"
    )
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "No space left on device" in proc.stderr and "the disk is full" in proc.stderr


def test_input_data_with_nul_and_tag_characters_is_cleaned(tmp_path: Path) -> None:
    data = tmp_path / "d.csv"
    data.write_text('text,label\n"nul \x00 here",a\n"tag \U000e0041 here",b\n', encoding="utf-8")
    task = TaskParams.model_validate(
        {
            "language": "en",
            "description": "d",
            "labels": {"a": "x", "b": "y"},
            "data": {"source": "file", "path": str(data)},
        }
    )
    rows = load_examples("t", task)
    assert [r["text"] for r in rows] == ["nul here", "tag here"]
    with pytest.raises(DataError, match="a directory, not a data file"):
        load_examples(
            "t",
            task.model_copy(update={"data": task.data.model_copy(update={"path": str(tmp_path)})}),
        )
