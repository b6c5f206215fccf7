"""The student family of each task kind: its settings and how it is fitted.

A classification task's student is a classifier (params section ``train``, the task's
``student`` override; an LM classifier also reads ``lm``); a generation task's is an LM
tuned on input -> output pairs (section ``lm``). Stage train asks
``STUDENT_FAMILIES[kind]`` instead of branching on the kind.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from synthdistill.params import LMParams, TaskParams, TrainParams, load_section
from synthdistill.students import is_lm, is_setfit, train_student
from synthdistill.students.lm import fit_lm_student
from synthdistill.task_kinds import CLASSIFICATION, GENERATION

Example = dict[str, Any]


# A family's settings (TrainParams or LMParams): each has the ``seed`` that samples rows.
Settings = TrainParams | LMParams
Fit = Callable[
    [TaskParams, list[Example], Any, "str | Path", Path, "Path | None", Sequence[Example]],
    dict[str, Any],
]


@dataclass(frozen=True)
class StudentFamily:
    """``settings(task, params_path)``, and ``fit(task, rows, settings, params_path, out,
    live_dir, val_rows) -> summary`` (``val_rows`` choose an LM student's best epoch)."""

    settings: Callable[[TaskParams, str | Path], Settings]
    fit: Fit


def _classifier_settings(task: TaskParams, params_path: str | Path) -> Settings:
    params: TrainParams = load_section("train", params_path)
    return params.model_copy(update={"student": task.student}) if task.student else params


def _fit_classifier(
    task: TaskParams,
    rows: list[Example],
    settings: Any,
    params_path: str | Path,
    out: Path,
    live: Path | None,
    val: Sequence[Example],
) -> dict[str, Any]:
    lm = load_section("lm", params_path) if is_lm(settings.student) else None
    setfit = load_section("setfit", params_path) if is_setfit(settings.student) else None
    return train_student(rows, list(task.labels), settings, out, live, task.language, lm, setfit)


def _lm_settings(task: TaskParams, params_path: str | Path) -> Settings:
    params: LMParams = load_section("lm", params_path)
    return params


def _fit_lm(
    task: TaskParams,
    rows: list[Example],
    settings: Any,
    params_path: str | Path,
    out: Path,
    live: Path | None,
    val: Sequence[Example],
) -> dict[str, Any]:
    return fit_lm_student(task, rows, settings, out, live, val)


STUDENT_FAMILIES: dict[str, StudentFamily] = {
    CLASSIFICATION: StudentFamily(_classifier_settings, _fit_classifier),
    GENERATION: StudentFamily(_lm_settings, _fit_lm),
}
