import json
from pathlib import Path

import pytest

from synthdistill.io import DataError, atomic_open, read_jsonl, write_json, write_jsonl


def test_roundtrip_keeps_japanese_readable(tmp_path: Path) -> None:
    path = tmp_path / "x.jsonl"
    assert write_jsonl(path, [{"id": "1", "text": "東京のニュース"}]) == 1
    assert "東京" in path.read_text(encoding="utf-8")
    assert read_jsonl(path) == [{"id": "1", "text": "東京のニュース"}]


def test_malformed_json_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text('{"id": "1", "text": "ok"}\n\n{"id": 2, text}\n', encoding="utf-8")
    with pytest.raises(DataError, match=r"bad\.jsonl:3: malformed JSON"):
        read_jsonl(path)


def test_missing_and_empty_fields(tmp_path: Path) -> None:
    path = tmp_path / "x.jsonl"
    path.write_text('{"id": "1", "text": "a"}\n{"id": "2"}\n', encoding="utf-8")
    with pytest.raises(DataError, match=r"x\.jsonl:2: missing field 'text'"):
        read_jsonl(path, required=("id", "text"))
    path.write_text('{"id": "1", "text": "  "}\n', encoding="utf-8")
    with pytest.raises(DataError, match=r"x\.jsonl:1: field 'text' is empty"):
        read_jsonl(path, required=("text",))


def test_empty_file_and_invalid_utf8(tmp_path: Path) -> None:
    empty = tmp_path / "empty.jsonl"
    empty.write_text("", encoding="utf-8")
    with pytest.raises(DataError, match="empty"):
        read_jsonl(empty)
    assert read_jsonl(empty, allow_empty=True) == []
    bad = tmp_path / "latin.jsonl"
    bad.write_bytes(b'{"text": "ok"}\n{"text": "caf\xe9"}\n')
    with pytest.raises(DataError, match=r"latin\.jsonl:2: invalid UTF-8"):
        read_jsonl(bad)


def test_non_object_line(tmp_path: Path) -> None:
    path = tmp_path / "x.jsonl"
    path.write_text("[1, 2]\n", encoding="utf-8")
    with pytest.raises(DataError, match="expected a JSON object"):
        read_jsonl(path)


def test_atomic_write_leaves_old_file_on_failure(tmp_path: Path) -> None:
    path = tmp_path / "out.json"
    write_json(path, {"a": 1})
    with pytest.raises(RuntimeError), atomic_open(path) as handle:
        handle.write("half")
        raise RuntimeError("crash mid-write")
    assert json.loads(path.read_text()) == {"a": 1}
    assert list(tmp_path.iterdir()) == [path]
