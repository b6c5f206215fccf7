from pathlib import Path

import pytest
import yaml

from synthdistill.methods import get_method
from synthdistill.params import (
    ParamsError,
    describe_calls,
    load_raw,
    load_section,
    load_task,
    planned_calls,
)

REPO = Path(__file__).resolve().parent.parent


def test_repo_params_are_valid() -> None:
    params = REPO / "params.yaml"
    for name in ("teacher", "generate", "preprocess", "train", "teacher_prompting", "prepare"):
        load_section(name, params)
    for task in yaml.safe_load(params.read_text())["tasks"]:
        load_task(task, params)


def test_every_params_knob_has_a_comment() -> None:
    """Section knobs (2-space indent), task fields (4-space) and task data fields
    (6-space, under ``data:``) carry a comment."""
    parent = ""  # the last 4-space key: a task field, or ``data`` above its fields
    for lineno, line in enumerate((REPO / "params.yaml").read_text().splitlines(), 1):
        indent = len(line) - len(line.lstrip())
        key, sep, value = line.strip().partition(":")
        if not sep or line.strip().startswith(("#", "-")):
            continue
        if indent == 4:
            parent = key
        if indent not in (2, 4) and not (indent == 6 and parent == "data"):
            continue
        if key == "description" or (not value.strip() and indent == 2):
            continue  # free text / a task's own block
        assert "#" in value, f"params.yaml:{lineno}: knob '{key}' has no comment"


def _write(tmp_path: Path, data: dict) -> Path:
    path = tmp_path / "params.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_bad_values_name_the_key(tmp_path: Path) -> None:
    path = _write(tmp_path, {"train": {"lr": -1, "epochs": 2}})
    with pytest.raises(ParamsError, match=r"train\.lr"):
        load_section("train", path)
    path = _write(tmp_path, {"train": {"learning_rate": 0.1}})
    with pytest.raises(ParamsError, match=r"train\.learning_rate"):
        load_section("train", path)


def test_unknown_names_list_valid_choices(tmp_path: Path) -> None:
    with pytest.raises(
        ParamsError,
        match=(
            r"Unknown method for a classification task 'fewgenn' "
            r"\(did you mean 'fewgen'\?\); choose one of: .*fewgen"
        ),
    ):
        get_method("fewgenn")
    with pytest.raises(
        ParamsError,
        match="generation task 'synthesizrr'; choose one of: fewgen, selfguide",
    ):
        get_method("synthesizrr", "generation")
    path = _write(tmp_path, {"tasks": {"a": {}}})
    with pytest.raises(ParamsError, match="Unknown task 'b'; choose one of: a"):
        load_task("b", path)
    path = _write(tmp_path, {"tasks": {"a": {"language": "en", "data": {"source": "x"}}}})
    with pytest.raises(ParamsError, match=r"tasks\.a\.description"):
        load_task("a", path)


def test_task_data_keys_are_nested(tmp_path: Path) -> None:
    """Data-loading keys live under ``tasks.<name>.data``; errors name the nested key."""
    task = {"language": "en", "description": "d", "labels": {"a": "x", "b": "y"}}
    path = _write(tmp_path, {"tasks": {"t": {**task, "data": {"source": "file"}}}})
    loaded = load_task("t", path)
    assert loaded.data.source == "file" and loaded.data.seed_per_label == 8
    path = _write(
        tmp_path, {"tasks": {"t": {**task, "data": {"source": "f", "seed_per_label": -1}}}}
    )
    with pytest.raises(ParamsError, match=r"tasks\.t\.data\.seed_per_label"):
        load_task("t", path)
    path = _write(tmp_path, {"tasks": {"t": {**task, "source": "file"}}})  # the old flat layout
    with pytest.raises(ParamsError, match=r"tasks\.t\.source: Extra inputs") as err:
        load_task("t", path)
    assert "tasks.t.data: Field required" in str(err.value)


def test_planned_calls_count_generation_and_teacher_prompting() -> None:
    calls = planned_calls("ja_news", REPO / "params.yaml")
    raw = load_raw(REPO / "params.yaml")
    prompting = raw["teacher_prompting"]
    assert calls == {
        "generate": raw["tasks"]["ja_news"]["budget"] or raw["generate"]["budget"],
        "teacher_prompting": prompting["max_examples"] + prompting["latency_probe"],
    }
    assert describe_calls(calls).startswith(f"at most {sum(calls.values())} teacher calls")
