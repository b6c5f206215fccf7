"""One resolved `generate` config per task (synthdistill.params.load_generate): a task's
``method`` / ``budget`` override the section's, a stage's ``--method`` overrides both, and
every stage that asks which method a task uses gets the same answer."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
import yaml
from script_module import REPO, load_script

from synthdistill.io import write_jsonl
from synthdistill.methods import GENERATION_METHODS, METHODS
from synthdistill.params import load_generate
from synthdistill.retrieval import NO_INDEX


def _params(tmp_path: Path, task: str, **override: object) -> Path:
    params = yaml.safe_load((REPO / "params.yaml").read_text())
    params["generate"]["method"] = "fewgen"
    params["tasks"][task].update(override)
    path = tmp_path / "params.yaml"
    path.write_text(yaml.safe_dump(params, allow_unicode=True))
    return path


@pytest.mark.parametrize(
    ("task", "method"),
    [("bbc_news", m) for m in METHODS] + [("bbc_headline", m) for m in GENERATION_METHODS],
)
def test_a_task_override_is_the_method_for_every_method(
    tmp_path: Path, task: str, method: str
) -> None:
    path = _params(tmp_path, task, method=method, budget=7)
    resolved = load_generate(task, path)
    assert (resolved.method, resolved.budget) == (method, 7)
    assert load_generate(task, path, "zerogen").method == "zerogen"  # --method wins


def test_without_an_override_the_section_applies(tmp_path: Path) -> None:
    path = _params(tmp_path, "bbc_news", method=None, budget=None)
    resolved = load_generate("bbc_news", path)
    assert (resolved.method, resolved.budget) == ("fewgen", 80)


def test_a_task_that_overrides_the_method_to_synthesizrr_gets_its_index(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The bug this replaced: retrieve_index read generate.method only, wrote a "no index"
    placeholder for a task whose own method was synthesizrr, and generate failed later."""
    path = _params(tmp_path, "bbc_news", method="synthesizrr")
    params = yaml.safe_load(path.read_text())
    params["retrieval"]["extra_sources"] = []  # the pool alone: fast
    path.write_text(yaml.safe_dump(params, allow_unicode=True))
    topics = ["shares", "bank", "profit", "match", "goal", "league", "film", "album", "vote"]
    pool = [
        {"id": f"p{i}", "text": f"A long enough passage about {t} number {i} in the news today."}
        for i, t in enumerate(topics * 2)
    ]
    write_jsonl(tmp_path / "pool.jsonl", pool)
    write_jsonl(tmp_path / "test.jsonl", [{"id": "t0", "text": "Nothing like the pool at all."}])
    argv = ["retrieve_index.py", "--task", "bbc_news", "--params", str(path)]
    argv += ["--pool", str(tmp_path / "pool.jsonl"), "--test", str(tmp_path / "test.jsonl")]
    argv += ["--out-dir", str(tmp_path / "retrieval")]
    monkeypatch.setattr(sys, "argv", argv)
    load_script("stages/retrieve_index.py").main()
    meta = json.loads((tmp_path / "retrieval/index/meta.json").read_text())
    assert meta["kind"] != NO_INDEX
    assert (tmp_path / "retrieval/corpus.jsonl").stat().st_size > 0
