"""Generation tasks: params validation, loaders (BBC headlines, user files), the split."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import ValidationError

from synthdistill.generation import first_answer, task_prompt
from synthdistill.io import DataError
from synthdistill.params import TaskParams, load_task
from synthdistill.sampling import sample_like
from synthdistill.tasks import load_examples, split_examples


def _gen_task(**data: object) -> TaskParams:
    return TaskParams.model_validate(
        {
            "language": "en",
            "kind": "generation",
            "description": "toy",
            "instruction": "Write the title.",
            "data": {"source": "file", "seed_count": 2, "test_count": 3, **data},
        }
    )


def test_kind_validation_names_what_is_wrong() -> None:
    with pytest.raises(ValidationError, match="needs an instruction"):
        TaskParams.model_validate(
            {"language": "en", "kind": "generation", "description": "x", "data": {"source": "f"}}
        )
    with pytest.raises(ValidationError, match="has no labels"):
        TaskParams.model_validate({**_gen_task().model_dump(), "labels": {"a": "b", "c": "d"}})
    with pytest.raises(ValidationError, match="at least two labels"):
        TaskParams.model_validate({"language": "en", "description": "x", "data": {"source": "f"}})
    with pytest.raises(ValidationError, match="kind"):
        TaskParams.model_validate(
            {"language": "en", "kind": "math", "description": "x", "data": {"source": "f"}}
        )


def test_bbc_headline_pairs_are_real_and_the_split_is_disjoint() -> None:
    task = load_task("bbc_headline")
    rows = load_examples("bbc_headline", task)
    assert len(rows) > 2000 and all(set(r) == {"id", "text", "output"} for r in rows)
    assert len({r["output"].casefold() for r in rows}) == len(rows)  # one pair per headline
    assert all(len(r["text"]) <= task.data.text_max_chars for r in rows)
    splits = split_examples(rows, task, seed=0)
    assert [len(splits[s]) for s in ("seed", "test")] == [16, 300]
    ids = [{r["id"] for r in splits[s]} for s in ("seed", "test", "pool")]
    assert not (ids[0] & ids[1] or ids[0] & ids[2] or ids[1] & ids[2])
    assert split_examples(list(reversed(rows)), task, seed=0) == splits


def test_file_source_reads_input_and_output_fields(tmp_path: Path) -> None:
    path = tmp_path / "pairs.jsonl"
    rows = [{"article": f"Lead sentence {i}.", "title": f"Title {i}"} for i in range(6)]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    task = _gen_task(path=str(path), text_field="article", output_field="title")
    loaded = load_examples("toy", task)
    assert loaded[0] == {"id": "toy-000000", "text": "Lead sentence 0.", "output": "Title 0"}
    split = split_examples(loaded, task, seed=0)
    assert [len(split[s]) for s in ("seed", "test", "pool")] == [2, 3, 1]
    # the gold-pairs baseline samples as many pairs as the synthetic set holds
    assert len(sample_like(loaded, loaded[:4], seed=0)) == 4


def test_file_source_errors_name_the_line_and_field(tmp_path: Path) -> None:
    path = tmp_path / "pairs.jsonl"
    path.write_text('{"text": "a lead", "output": "t"}\n{"text": "another lead"}\n')
    with pytest.raises(DataError, match=r"pairs.jsonl:2: no field 'output'"):
        load_examples("toy", _gen_task(path=str(path)))
    path.write_text('{"text": "a lead", "output": "  "}\n')
    with pytest.raises(DataError, match=r"pairs.jsonl:1: field 'output' is empty"):
        load_examples("toy", _gen_task(path=str(path)))
    path.write_text('{"text": "a lead", "output": "t"}\n')
    with pytest.raises(DataError, match="1 pairs; seed_count \\+ test_count = 5 needed"):
        split_examples(load_examples("toy", _gen_task(path=str(path))), _gen_task(), seed=0)


def test_prompt_and_answer_cleanup() -> None:
    assert task_prompt(_gen_task(), " A lead. ") == "Write the title.\n\nA lead."
    assert first_answer('\n**Headline:** "Markets rally"\nMore text') == "Markets rally"
    assert first_answer("Title: Oil falls\n") == "Oil falls"
    assert first_answer("  \n") == ""
