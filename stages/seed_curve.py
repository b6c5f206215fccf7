"""Stages seed_curve and ja_scale: a study's table/curve (dvc plots data) and its verdict from
its points (seed_curve_point outputs)."""

from pathlib import Path

from synthdistill.io import read_json, write_json
from synthdistill.params import load_task
from synthdistill.seed_curve import AXES, collect
from synthdistill.stage import log, parser, run


def main() -> None:
    p = parser(__doc__)
    p.add_argument("--points", type=Path, required=True, help="seed_curve_point outputs (dir)")
    p.add_argument("--curve", type=Path, required=True, help="mean macro-F1 per seed count (plot)")
    p.add_argument("--summary", type=Path, required=True, help="pooled paired deltas + verdict")
    p.add_argument(
        "--axis", default="seeds_per_label", choices=sorted(AXES), help="what the points vary"
    )
    args = p.parse_args()
    labels = list(load_task(args.task, args.params).labels)
    points = [read_json(path) for path in sorted(args.points.glob("*.json"))]
    curve, summary = collect(points, labels, args.axis)
    write_json(args.curve, curve)
    write_json(args.summary, summary)
    log.info("seed_curve %s: %s", args.task, summary["verdict"]["text"])


if __name__ == "__main__":
    run(main)
