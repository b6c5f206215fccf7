from pathlib import Path

import pytest

from synthdistill.assets import REGISTRY, AssetError, ModelAsset, file_sha256, resolve_model


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


def test_local_path_and_hub_name(tmp_path: Path) -> None:
    file = tmp_path / "m.gguf"
    file.write_bytes(b"GGUF fake")
    resolved = resolve_model(str(file))
    assert resolved.local and resolved.sha256 == file_sha256(file)
    hub = resolve_model("org/some-model")
    assert not hub.local and hub.path == "org/some-model"


def test_parts_are_assembled_and_verified(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SYNTHDISTILL_CACHE_DIR", str(tmp_path / "cache"))
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


def test_tampered_file_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SYNTHDISTILL_CACHE_DIR", str(tmp_path / "cache"))
    file = tmp_path / "model.gguf"
    file.write_bytes(b"original")
    asset = ModelAsset("one", "gguf", "one", lambda: [file], sha256=file_sha256(file))
    assert asset.path() == file
    file.write_bytes(b"tampered!")
    with pytest.raises(AssetError, match="does not match"):
        asset.path()
