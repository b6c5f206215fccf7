"""Training curves for ``dvc plots show``: one dvclive logger for every trained model
(the students and the tuned causal LMs)."""

from __future__ import annotations

from pathlib import Path

from dvclive import Live


def open_live(live_dir: Path | None) -> Live | None:
    """A dvclive logger that never writes dvc.yaml, commits, or saves a DVC experiment.

    dvc.yaml declares ``<live_dir>/metrics.json`` as metrics and ``<live_dir>/plots/metrics``
    as plots (x: step), so curves show in ``dvc plots show`` and ``dvc exp show``.
    """
    if live_dir is None:
        return None
    return Live(str(live_dir), dvcyaml=False, save_dvc_exp=False)
