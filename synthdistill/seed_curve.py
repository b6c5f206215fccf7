"""The seed-count curve from its points (stage seed_curve): mean macro-F1 per seed count,
pooled paired deltas against the seeds-only student, and the verdict."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

import numpy as np

from synthdistill.errors import DataError
from synthdistill.metrics.stats import RESAMPLES, _encode, _interval, _scores

Row = dict[str, Any]


def _macro_f1(gold: np.ndarray, pred: np.ndarray, n_labels: int) -> np.ndarray:
    """Macro-F1 of each row of ``gold``/``pred`` (resamples x examples)."""
    return _scores(gold, pred, n_labels)[1]


def pooled_delta(
    gold: Sequence[str],
    system: Sequence[Sequence[str]],
    reference: Sequence[Sequence[str]],
    labels: Sequence[str],
    resamples: int = RESAMPLES,
    seed: int = 0,
) -> dict[str, Any]:
    """Mean over seed draws of macro-F1(system) - macro-F1(reference), paired on the same
    test rows, with a 95% CI from a two-level bootstrap: the draws are resampled (the seeds
    a user happens to hold vary) and so are the test rows (one index set for every draw)."""
    labels = list(labels)
    g, _ = _encode(gold, gold, labels)
    a = np.stack([_encode(gold, preds, labels)[1] for preds in system])
    b = np.stack([_encode(gold, preds, labels)[1] for preds in reference])
    n_draws, n = a.shape
    full = [
        float(
            _macro_f1(g[None], a[d][None], len(labels))[0]
            - _macro_f1(g[None], b[d][None], len(labels))[0]
        )
        for d in range(n_draws)
    ]
    rng = np.random.default_rng(seed)
    rows = rng.integers(0, n, size=(resamples, n))
    picks = rng.integers(0, n_draws, size=(resamples, n_draws))
    per_draw = np.stack(
        [
            _macro_f1(g[rows], a[d][rows], len(labels))
            - _macro_f1(g[rows], b[d][rows], len(labels))
            for d in range(n_draws)
        ],
        axis=1,
    )  # resamples x draws
    means = np.take_along_axis(per_draw, picks, axis=1).mean(axis=1)
    low, high = _interval(means)
    return {
        "delta": round(float(np.mean(full)), 4),
        "ci_low": low,
        "ci_high": high,
        "draws": n_draws,
        "verdict": "better" if low > 0 else "worse" if high < 0 else "within noise",
    }


AXES = {"seeds_per_label": "seed(s) per label", "teacher_calls": "teacher calls"}


def collect(
    points: Sequence[dict[str, Any]], labels: Sequence[str], axis: str = "seeds_per_label"
) -> tuple[list[Row], dict[str, Any]]:
    """The curve (one row per value of ``axis``, seeds per label or teacher calls: mean
    macro-F1 over draws of every system, the ``dvc plots`` data) and the summary (pooled
    paired deltas against the seeds-only student per value and method, and the verdict)."""
    if not points:
        raise DataError("seed curve: no points to collect")
    groups: dict[tuple[int, str], list[dict[str, Any]]] = defaultdict(list)
    for point in points:
        groups[(int(point[axis]), point["method"])].append(point)
    methods = sorted({point["method"] for point in points})
    curve: list[Row] = []
    summary: dict[str, Any] = {
        "task": points[0]["task"],
        "axis": axis,
        "n_test": len(points[0]["gold"]),
        "methods": methods,
        "points": [],
    }
    for k in sorted({key[0] for key in groups}):
        # A method may be absent at a value: annotation stops at the pool, so on the
        # teacher-calls axis its largest budget lands on the pool's size, not the budget.
        present = [method for method in methods if (k, method) in groups]
        anchor = sorted(groups[(k, present[0])], key=_run)
        row: Row = {axis: k, "draws": len(anchor)}
        row["seeds_only"] = _mean(p["eval"]["seed_student"]["macro_f1"] for p in anchor)
        row["teacher_prompting"] = _mean(p["eval"]["teacher_prompting"]["macro_f1"] for p in anchor)
        entry: dict[str, Any] = {
            axis: k,
            "draws": [p["draw"] for p in anchor],
            **_generation_seeds(anchor),
            "seeds_only": row["seeds_only"],
            "teacher_prompting": row["teacher_prompting"],
            "teacher_prompting_n": anchor[0]["eval"]["teacher_prompting"]["n"],
            **_baseline_cis(anchor),
            "headroom": [p["eval"]["headroom"]["verdict"] for p in anchor],
            "methods": {},
        }
        for method in present:
            runs = sorted(groups[(k, method)], key=_run)
            if [_run(p) for p in runs] != [_run(p) for p in anchor]:
                raise DataError(f"seed curve: {method} at {axis} {k} has other draws")
            gold = runs[0]["gold"]
            seeds_only = [p["predictions"]["seed_student"] for p in runs]
            # A draw whose synthetic data kept fewer than two labels has no synthetic-only
            # student (studies.run_point): no score or delta for it at this value, no 0.0.
            missing = [
                {"draw": p["draw"], "reason": p["missing"]["student"]}
                for p in runs
                if "student" in p.get("missing", {})
            ]
            if not missing:
                row[method] = _mean(p["eval"]["student"]["macro_f1"] for p in runs)
            row[f"{method}_plus_seeds"] = _mean(
                p["eval"]["student_plus_seeds"]["macro_f1"] for p in runs
            )
            entry["methods"][method] = {
                "teacher_calls": [p["teacher_calls"] for p in runs],
                "kept": [p["kept"] for p in runs],
                "student": row.get(method),
                "student_plus_seeds": row[f"{method}_plus_seeds"],
                "student_vs_seeds_only": None
                if missing
                else pooled_delta(
                    gold, [p["predictions"]["student"] for p in runs], seeds_only, labels
                ),
                "plus_seeds_vs_seeds_only": pooled_delta(
                    gold, [p["predictions"]["student_plus_seeds"] for p in runs], seeds_only, labels
                ),
            }
            if missing:
                entry["methods"][method]["missing_student"] = missing
        curve.append(row)
        summary["points"].append(entry)
    summary["verdict"] = verdict(summary)
    summary["headroom_rule"] = headroom_rule(summary)
    return curve, summary


def _run(point: dict[str, Any]) -> tuple[int, int]:
    """A point's run within its value: its seed draw, then its generation seed (if any)."""
    return int(point["draw"]), int(point.get("generation_seed", -1))


def _generation_seeds(runs: Sequence[dict[str, Any]]) -> dict[str, list[int]]:
    """``{"generation_seeds": [...]}`` where the runs set one apart from the draw, else {}."""
    if not any("generation_seed" in p for p in runs):
        return {}
    return {"generation_seeds": [int(p.get("generation_seed", p["draw"])) for p in runs]}


def _baseline_cis(runs: Sequence[dict[str, Any]]) -> dict[str, list[float]]:
    """The seeds-only student's and teacher prompting's 95% CIs where every run of a value
    shares one seed draw (so both baselines are the same model on the same rows), else {}:
    a mean over draws has no CI of its own here."""
    if len({p["draw"] for p in runs}) > 1:
        return {}
    scores = runs[0]["eval"]
    return {
        f"{name}_ci": [scores[system]["macro_f1_ci_low"], scores[system]["macro_f1_ci_high"]]
        for name, system in (
            ("seeds_only", "seed_student"),
            ("teacher_prompting", "teacher_prompting"),
        )
    }


def runs_unit(summary: dict[str, Any]) -> str:
    """What the pooled runs are: seed draws, or seed draws x generation seeds."""
    first = summary["points"][0]
    if "generation_seeds" not in first:
        return "seed draw(s)"
    return (
        f"runs ({len(set(first['draws']))} seed draw(s) x "
        f"{len(set(first['generation_seeds']))} generation seed(s))"
    )


def _mean(values: Any) -> float:
    return round(float(np.mean(list(values))), 4)


def verdict(summary: dict[str, Any]) -> dict[str, Any]:
    """Below which seed count synthetic data helped: the seed counts where some method's
    student + seeds beat the seeds-only student (pooled CI above 0), the largest of them,
    and the best gain there."""
    axis = summary.get("axis", "seeds_per_label")
    unit = AXES[axis]
    helped: list[tuple[int, str, dict[str, Any]]] = [
        (entry[axis], method, result["plus_seeds_vs_seeds_only"])
        for entry in summary["points"]
        for method, result in entry["methods"].items()
        if result["plus_seeds_vs_seeds_only"]["verdict"] == "better"
    ]
    if not helped:
        return {
            "helps_up_to": None,
            "helped_at": [],
            "text": (
                f"At no value of {unit} did a method's student + seeds beat the seeds-only "
                "student (pooled 95% CI)."
            ),
        }
    top = max(k for k, _, _ in helped)
    method, best = max((h[1:] for h in helped if h[0] == top), key=lambda h: h[1]["delta"])
    counts = sorted({k for k, _, _ in helped})
    gap = f"{best['delta']:+.3f} [{best['ci_low']:+.3f}, {best['ci_high']:+.3f}]"
    # "not above" only where a larger value was tried: the top of the range says no more.
    tried = max(entry[axis] for entry in summary["points"])
    reach = f"and not above {top}" if top < tried else "(the largest value tried included)"
    return {
        "helps_up_to": top,
        "helped_at": counts,
        "best_at_top": {"method": method, **best},
        "text": (
            f"Synthetic data helped at {', '.join(map(str, counts))} {unit} {reach}: "
            f"at {top}, {method} + seeds beat the seeds-only student by {gap} "
            f"macro-F1 ({best['draws']} {runs_unit(summary)})."
        ),
    }


def headroom_rule(summary: dict[str, Any]) -> dict[str, Any]:
    """Did the headroom line predict each seed count's outcome? It predicts help where the
    teacher is ahead of the seeds-only student in every draw and none where it is behind
    in every draw (mixed or unclear draws: no prediction); the outcome is whether some
    method's student + seeds beat the seeds-only student."""
    axis = summary.get("axis", "seeds_per_label")
    checks = []
    for entry in summary["points"]:
        verdicts = set(entry["headroom"])
        predicted = (
            True
            if verdicts == {"teacher ahead"}
            else False
            if verdicts == {"teacher behind"}
            else None
        )
        helped = any(
            r["plus_seeds_vs_seeds_only"]["verdict"] == "better" for r in entry["methods"].values()
        )
        held = None if predicted is None else predicted == helped
        checks.append(
            {
                axis: entry[axis],
                "predicted_help": predicted,
                "helped": helped,
                "held": held,
            }
        )
    judged = [c for c in checks if c["held"] is not None]
    held = sum(c["held"] for c in judged)
    failed = [c[axis] for c in judged if not c["held"]]
    text = (
        f"The headroom rule made a prediction at {len(judged)} of {len(checks)} points "
        f"and held at {held}"
        + (f"; it failed at {', '.join(map(str, failed))} {AXES[axis]}." if failed else ".")
    )
    return {"checks": checks, "judged": len(judged), "held": held, "text": text}
