import hashlib
import os
from pathlib import Path

import pytest

from synthdistill.assets import (
    REGISTRY,
    AssetError,
    ModelAsset,
    content_sha256,
    engine_version,
    file_sha256,
    resolve_model,
)


def test_registry_names() -> None:
    for name in (
        "smollm2-135m-instruct",
        "qwen2.5-0.5b-instruct",
        "qwen2.5-1.5b-instruct",
        "gemma3-270m",
        "minilm-l6",
    ):
        assert name in REGISTRY


def test_unknown_model_lists_choices() -> None:
    with pytest.raises(AssetError, match="Unknown model 'nope'; choose one of: .*smollm2"):
        resolve_model("nope")


@pytest.fixture
def private_caches(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Hash stamps (kept in the models dir) and the teacher cache under ``tmp_path``."""
    monkeypatch.setenv("SYNTHDISTILL_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("SYNTHDISTILL_MODELS_DIR", str(tmp_path / "models"))
    return tmp_path / "models"


def test_local_path_and_hub_name(tmp_path: Path, private_caches: Path) -> None:
    file = tmp_path / "m.gguf"
    file.write_bytes(b"GGUF fake")
    resolved = resolve_model(str(file))
    assert resolved.local and resolved.sha256 == file_sha256(file)
    hub = resolve_model("org/some-model")
    assert not hub.local and hub.path == "org/some-model"


def test_parts_are_assembled_and_verified(tmp_path: Path, private_caches: Path) -> None:
    parts = []
    for i, chunk in enumerate([b"abc", b"def"]):
        part = tmp_path / f"p{i}"
        part.write_bytes(chunk)
        parts.append(part)
    whole = tmp_path / "whole"
    whole.write_bytes(b"abcdef")
    good = ModelAsset("toy", "gguf", "toy", lambda: parts, sha256=file_sha256(whole))
    path = good.path()
    assert path.read_bytes() == b"abcdef"
    assert good.path() == path  # second call uses the verified stamp
    bad = ModelAsset("toy2", "gguf", "toy", lambda: parts, sha256="0" * 64)
    with pytest.raises(AssetError, match="sha256 .* does not match .* refusing"):
        bad.path()


def test_tampered_file_is_refused(tmp_path: Path, private_caches: Path) -> None:
    file = tmp_path / "model.gguf"
    file.write_bytes(b"original")
    asset = ModelAsset("one", "gguf", "one", lambda: [file], sha256=file_sha256(file))
    assert asset.path() == file
    file.write_bytes(b"tampered!")
    with pytest.raises(AssetError, match="does not match"):
        asset.path()


def _model_dir(root: Path, files: dict[str, bytes]) -> Path:
    for name, content in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(content)
    return root


def test_local_dir_resolves_to_its_content_hash(tmp_path: Path, private_caches: Path) -> None:
    model = _model_dir(tmp_path / "model", {"config.json": b"{}", "weights.bin": b"\0" * 64})
    resolved = resolve_model(str(model))
    assert resolved.local and resolved.path == str(model.resolve())
    assert resolved.sha256 == content_sha256(model)


def test_content_sha256_of_a_file_is_its_sha256(tmp_path: Path, private_caches: Path) -> None:
    file = _model_dir(tmp_path, {"m.gguf": b"GGUF weights"}) / "m.gguf"
    assert content_sha256(file) == file_sha256(file) == hashlib.sha256(b"GGUF weights").hexdigest()
    assert content_sha256(file) == file_sha256(file)  # again, from the stamp
    assert list((private_caches / "verified").glob("*.json"))  # stamps stay in our tmp dir
    empty = tmp_path / "empty"
    empty.mkdir()
    assert content_sha256(empty) == hashlib.sha256().hexdigest()


def test_content_sha256_covers_bytes_not_sizes(tmp_path: Path, private_caches: Path) -> None:
    """Same names and sizes, different weights: different hashes (a size fingerprint
    would call them equal)."""
    a = _model_dir(tmp_path / "a", {"config.json": b"{}", "model.safetensors": b"\x01" * 32})
    b = _model_dir(tmp_path / "b", {"config.json": b"{}", "model.safetensors": b"\x02" * 32})
    assert content_sha256(a) != content_sha256(b)


def test_content_sha256_same_content_same_hash(tmp_path: Path, private_caches: Path) -> None:
    files = {"config.json": b'{"a": 1}', "sub/tokenizer.json": b"[]", "w.bin": b"weights"}
    a = _model_dir(tmp_path / "a", files)
    b = _model_dir(tmp_path / "elsewhere" / "b", dict(reversed(files.items())))
    assert content_sha256(a) == content_sha256(b)


def test_content_sha256_covers_relative_names(tmp_path: Path, private_caches: Path) -> None:
    model = _model_dir(tmp_path / "m", {"config.json": b"{}", "w.bin": b"weights"})
    before = content_sha256(model)
    (model / "w.bin").rename(model / "w2.bin")
    renamed = content_sha256(model)
    assert renamed != before
    (model / "sub").mkdir()
    (model / "w2.bin").rename(model / "sub" / "w2.bin")  # same name, another folder
    assert content_sha256(model) not in (before, renamed)
    (model / "sub" / "w2.bin").rename(model / "w.bin")
    assert content_sha256(model) == before


def test_content_sha256_sees_a_modified_file(tmp_path: Path, private_caches: Path) -> None:
    """Per-file hashes are remembered by size + mtime: new bytes of the same size with a
    new mtime are hashed again."""
    model = _model_dir(tmp_path / "m", {"config.json": b"{}", "w.bin": b"AAAA"})
    before = content_sha256(model)
    weights = model / "w.bin"
    mtime = weights.stat().st_mtime_ns
    weights.write_bytes(b"BBBB")
    os.utime(weights, ns=(mtime + 5_000_000_000, mtime + 5_000_000_000))
    after = content_sha256(model)
    assert after != before
    assert after == content_sha256(
        _model_dir(tmp_path / "fresh", {"config.json": b"{}", "w.bin": b"BBBB"})
    )
    assert content_sha256(weights) == hashlib.sha256(b"BBBB").hexdigest()


def test_engine_version() -> None:
    assert engine_version("pytest") == f"pytest=={pytest.__version__}"
    assert engine_version("no-such-dist-synthdistill") == "no-such-dist-synthdistill==?"
    both = engine_version("pytest", "no-such-dist-synthdistill")
    assert both == f"pytest=={pytest.__version__},no-such-dist-synthdistill==?"
    assert engine_version() == ""
