"""GGUF header metadata on the real packaged SmolLM2-135M GGUF: the streaming reader
agrees with the ``gguf`` package's full reader, and anything that is no GGUF file is a
ValueError naming it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from gguf import GGUFReader

from synthdistill.assets import resolve_model
from synthdistill.lm.gguf_file import gguf_has_chat_template, gguf_metadata
from synthdistill.teachers import supports_chat

MODEL = "smollm2-135m-instruct"
KEYS = {
    "general.architecture",  # string
    "llama.block_count",  # uint32
    "llama.rope.freq_base",  # float32
    "tokenizer.chat_template",  # string after the vocabulary arrays
    "tokenizer.ggml.tokens",  # array of strings
    "tokenizer.ggml.token_type",  # array of int32
}


@pytest.fixture(scope="module")
def gguf_path() -> Path:
    return Path(resolve_model(MODEL).path)


def test_metadata_matches_the_gguf_package_reader(gguf_path: Path) -> None:
    found = gguf_metadata(gguf_path, KEYS | {"no.such.key"})
    assert set(found) == KEYS  # a missing key is absent
    assert found["general.architecture"] == "llama"
    reader = GGUFReader(gguf_path)
    assert found == {key: reader.fields[key].contents() for key in KEYS}


def test_chat_template(gguf_path: Path) -> None:
    assert gguf_has_chat_template(gguf_path)
    assert supports_chat(str(gguf_path))  # a local GGUF path: read from its header


def test_metadata_stops_at_the_last_wanted_key(gguf_path: Path) -> None:
    assert gguf_metadata(gguf_path, {"general.architecture"}) == {"general.architecture": "llama"}
    assert gguf_metadata(gguf_path, set()) == {}


def test_a_file_that_is_no_gguf_is_a_value_error_naming_it(tmp_path: Path) -> None:
    text = tmp_path / "model.gguf"
    text.write_text("not a model at all\n", encoding="utf-8")
    with pytest.raises(ValueError, match=re.escape(f"{text}: not a GGUF file")):
        gguf_metadata(text, {"general.architecture"})
    empty = tmp_path / "empty.gguf"
    empty.write_bytes(b"")
    with pytest.raises(ValueError, match=re.escape(f"{empty}: not a GGUF file")):
        gguf_has_chat_template(empty)


def test_a_truncated_header_is_a_value_error_naming_the_file(
    gguf_path: Path, tmp_path: Path
) -> None:
    cut = tmp_path / "cut.gguf"
    cut.write_bytes(gguf_path.read_bytes()[:200])
    with pytest.raises(ValueError, match=re.escape(f"{cut}: truncated GGUF header")):
        gguf_metadata(cut, {"tokenizer.chat_template"})
    old = tmp_path / "v1.gguf"
    old.write_bytes(b"GGUF" + (1).to_bytes(4, "little") + bytes(16))
    with pytest.raises(ValueError, match=re.escape(f"{old}: GGUF version 1 is not supported")):
        gguf_metadata(old, {"general.architecture"})


def test_a_missing_file_is_an_os_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        gguf_metadata(tmp_path / "absent.gguf", {"general.architecture"})
