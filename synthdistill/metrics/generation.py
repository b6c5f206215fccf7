"""Scores of a generation task's predictions: ROUGE-1/2/L, chrF, BLEU, exact match, each
with a 95% bootstrap interval over the test examples, and paired differences.

Per-example ROUGE and chrF are averaged (the interval resamples examples); BLEU is a
corpus score, so its interval recomputes corpus BLEU on each resample. Everything is on
a 0-100 scale and language-aware (``metrics.text``: MeCab for Japanese).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from sacrebleu.metrics import CHRF

from synthdistill.metrics.stats import RESAMPLES, _indices, _interval, mean_ci
from synthdistill.metrics.text import ROUGE_TYPES, bleu, rouge
from synthdistill.text import normalize

PER_EXAMPLE = (*ROUGE_TYPES, "chrf", "exact_match")
BLEU_RESAMPLES = 200  # corpus BLEU per resample is slower; 200 resamples give a stable 95% CI


def per_example(preds: Sequence[str], refs: Sequence[str], lang: str) -> list[dict[str, float]]:
    """ROUGE-1/2/L, sentence chrF and exact match (0/100) of each prediction."""
    chrf = CHRF()
    rows = []
    for pred, ref in zip(preds, refs, strict=True):
        scores = rouge(pred, ref, lang) if pred.strip() else dict.fromkeys(ROUGE_TYPES, 0.0)
        a, b = normalize(pred, lang), normalize(ref, lang)
        scores["chrf"] = float(chrf.sentence_score(a, [b]).score)
        scores["exact_match"] = 100.0 if a.strip().casefold() == b.strip().casefold() else 0.0
        rows.append({k: round(v, 4) for k, v in scores.items()})
    return rows


def generation_scores(
    preds: Sequence[str], refs: Sequence[str], lang: str, seed: int = 0
) -> tuple[dict[str, Any], list[dict[str, float]]]:
    """Every metric with ``<name>_ci_low`` / ``<name>_ci_high``, and the per-example rows."""
    rows = per_example(preds, refs, lang)
    out: dict[str, Any] = {"n": len(rows)}
    for name in PER_EXAMPLE:
        mean, low, high = mean_ci([r[name] for r in rows], seed=seed)
        out.update({name: mean, f"{name}_ci_low": low, f"{name}_ci_high": high})
    out["bleu"] = round(bleu(preds, refs, lang), 4)
    idx = _indices(len(rows), BLEU_RESAMPLES, seed)
    values = np.array(
        [bleu([preds[i] for i in sample], [refs[i] for i in sample], lang) for sample in idx]
    )
    out["bleu_ci_low"], out["bleu_ci_high"] = _interval(values)
    out["ci_resamples"] = RESAMPLES
    return out, rows


def paired_difference(
    a: Sequence[float], b: Sequence[float], resamples: int = RESAMPLES, seed: int = 0
) -> dict[str, Any]:
    """Mean of A - B over the same examples with its 95% bootstrap interval; ``verdict``
    is ``better`` / ``worse`` only when the interval excludes 0."""
    diff = np.asarray(a, dtype=float) - np.asarray(b, dtype=float)
    mean, low, high = mean_ci(list(diff), resamples, seed)
    verdict = "better" if low > 0 else "worse" if high < 0 else "within noise"
    return {"delta": mean, "ci_low": low, "ci_high": high, "verdict": verdict}
