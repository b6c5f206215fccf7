"""Student models trained on teacher-made data.

``train.student`` (or ``tasks.<task>.student``) is an HF encoder (registry name, local
path, hub name) fine-tuned as a classifier, one of :data:`STUDENTS`, a scikit-learn
pipeline: ``tfidf`` (TF-IDF over the language layer's tokens, MeCab for Japanese, +
logistic regression) or ``e5-linear`` (frozen multilingual-e5-small embeddings +
logistic regression), ``setfit`` / ``setfit:<encoder>`` (SetFit: a contrastively tuned
sentence-transformer body + logistic head, ``setfit`` params), or a packaged causal LM
(e.g. ``smollm2-135m-instruct``) that answers with the label name (``lm`` params;
classification as generation).
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from synthdistill.assets import REGISTRY, is_hub_name
from synthdistill.params import (
    LMParams,
    ParamsError,
    SetFitParams,
    TrainParams,
    check_choice,
)
from synthdistill.students import e5_linear, setfit_student, tfidf
from synthdistill.students.classifier import Classifier, load_classifier, train_classifier
from synthdistill.students.linear import load_pipeline, saved_student_name

# Students that are not a fine-tuned HF encoder.
STUDENTS: tuple[str, ...] = (tfidf.STUDENT_NAME, e5_linear.STUDENT_NAME)


# Written by stage train into every student directory: the rows it trained on, and, for a
# baseline sampled to match another set (the gold student), how many it asked for.
TRAINING_FILE = "training.json"


class Student(Protocol):
    labels: list[str]

    def predict(self, texts: Any, batch_size: int = 32) -> list[str]: ...

    def predict_proba(self, texts: Any, batch_size: int = 32) -> np.ndarray: ...


def check_student(name: str) -> str:
    """``name`` if it is one of :data:`STUDENTS`, a registry model, a local path or a hub
    name (the classifier explains a registry model that is no encoder); else a ParamsError
    listing the choices."""
    if setfit_student.is_setfit(name):
        check_student(setfit_student.body_of(name))
        return name
    known = name in STUDENTS or name in REGISTRY or is_hub_name(name)
    if known or Path(name).expanduser().exists():
        return name
    encoders = [model for model, asset in REGISTRY.items() if asset.kind == "hf_encoder"]
    try:
        return check_choice("student", name, [*STUDENTS, setfit_student.STUDENT_NAME, *encoders])
    except ParamsError as err:
        also = "a local model directory, or a hub name like 'org/model'"
        raise ParamsError(f"{err}, {also}") from None


def is_setfit(name: str) -> bool:
    """Whether the student ``name`` is a SetFit student (``setfit``, ``setfit:<encoder>``)."""
    return setfit_student.is_setfit(name)


def is_lm(name: str) -> bool:
    """Whether the student ``name`` is a causal LM (a packaged GGUF chat model)."""
    return name in REGISTRY and REGISTRY[name].kind == "gguf" or name.endswith(".gguf")


def train_student(
    rows: list[dict[str, Any]],
    labels: list[str],
    params: TrainParams,
    out_dir: Path,
    live_dir: Path | None = None,
    lang: str = "en",
    lm: LMParams | None = None,
    setfit: SetFitParams | None = None,
) -> dict[str, Any]:
    """Train the student ``params.student`` and save it to ``out_dir`` (an LM student
    is tuned with ``lm``'s settings, a SetFit student with ``setfit``'s)."""
    student = check_student(params.student)
    if is_lm(student):
        from synthdistill.students.lm_classifier import train_lm_classifier  # lazy: peft

        settings = (lm or LMParams()).model_copy(update={"student": student})
        return train_lm_classifier(rows, labels, settings, out_dir, live_dir, lang)
    if setfit_student.is_setfit(student):
        settings_sf = setfit or SetFitParams()
        return setfit_student.train_setfit(
            rows, labels, student, params, settings_sf, out_dir, live_dir
        )
    if student in STUDENTS:
        shutil.rmtree(out_dir, ignore_errors=True)  # may hold an encoder's files
    if student == tfidf.STUDENT_NAME:
        return tfidf.train_tfidf(rows, labels, params, out_dir, lang, live_dir)
    if student == e5_linear.STUDENT_NAME:
        return e5_linear.train_e5_linear(rows, labels, params, out_dir, live_dir)
    return train_classifier(rows, labels, params, out_dir, live_dir)


def load_student(path: str | Path) -> Student:
    """Load any student written by :func:`train_student`."""
    directory = Path(path)
    from synthdistill.students.lm_classifier import (  # lazy: peft, LM tuning
        is_lm_classifier,
        load_lm_classifier,
    )

    if is_lm_classifier(directory):
        return load_lm_classifier(directory)
    if setfit_student.is_setfit_dir(directory):
        return setfit_student.load_setfit(directory)
    if saved_student_name(directory) in STUDENTS:
        return load_pipeline(directory)
    return load_classifier(directory)


__all__ = [
    "STUDENTS",
    "is_setfit",
    "Classifier",
    "Student",
    "check_student",
    "load_classifier",
    "load_student",
    "train_classifier",
    "train_student",
]
