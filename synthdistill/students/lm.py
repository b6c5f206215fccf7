"""A causal language model as the student of a generation task: tuned on the task's
input -> output rows (the LM toolkit, :mod:`synthdistill.lm`), the epoch with the best
validation ROUGE-L kept, and saved for the evaluate stage.
"""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from synthdistill.generation import first_answer, task_prompt
from synthdistill.io import write_json
from synthdistill.live import open_live
from synthdistill.lm.model import META, LMStudent, load_lm, save_lm
from synthdistill.lm.tuning import train_lm
from synthdistill.metrics.text import rouge
from synthdistill.params import LMParams, TaskParams


def fit_lm_student(
    task: TaskParams,
    rows: Sequence[dict[str, Any]],
    params: LMParams,
    out_dir: Path,
    live_dir: Path | None = None,
    val_rows: Sequence[dict[str, Any]] = (),
) -> dict[str, Any]:
    """Tune ``params.student`` on a generation task's input -> output rows and save it.

    With ``val_rows`` the epoch with the best mean ROUGE-L on them is kept (SELF-GUIDE
    picks its epoch on held-out pairs, never the test set). No rows: the untuned base
    is saved as a reference (``lm_student.json`` only), e.g. an empty synthetic set.
    """
    pairs = [(task_prompt(task, r["text"]), r["output"]) for r in rows]
    if not pairs:  # e.g. SELF-GUIDE kept nothing: the student is the untuned base
        shutil.rmtree(out_dir, ignore_errors=True)
        out_dir.mkdir(parents=True)
        write_json(out_dir / META, {"base": params.student, "lora": False, "pairs": 0})
        live = open_live(live_dir)
        if live is not None:
            live.log_metric("train/pairs", 0)
            live.end()
        return {"pairs": 0}
    base = load_lm(params.student)

    def validate(student: LMStudent) -> float:
        prompts = [task_prompt(task, r["text"]) for r in val_rows]
        outputs = student.generate(prompts, params.max_new_tokens, batch_size=16)
        scores = [
            rouge(first_answer(o), r["output"], task.language)["rougeL"] if o.strip() else 0.0
            for o, r in zip(outputs, val_rows, strict=True)
        ]
        return sum(scores) / len(scores)

    tuned = train_lm(base, pairs, params, live_dir, validate if val_rows else None)
    summary = {"pairs": len(pairs), "validation_pairs": len(val_rows)}
    save_lm(tuned, params.student, out_dir, summary)
    return {**summary, "best_epoch": tuned.best_epoch, "epoch_scores": tuned.epoch_scores}
