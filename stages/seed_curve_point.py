"""Stage seed_curve_point: one point of the seed-count curve (seeds per label, draw, method)."""

from pathlib import Path

from synthdistill.stage import parser, run
from synthdistill.studies import run_point


def main() -> None:
    p = parser(__doc__)
    p.add_argument("--method", required=True, help="the generation method")
    p.add_argument("--k", type=int, required=True, help="seeds per label")
    p.add_argument("--draw", type=int, required=True, help="which seed draw (and sampling seed)")
    p.add_argument("--budget", type=int, required=True, help="the method's teacher calls")
    p.add_argument(
        "--teacher-examples", type=int, required=True, help="test rows teacher prompting labels"
    )
    p.add_argument("--seed", type=Path, required=True, help="the task's seeds (drawn from)")
    p.add_argument("--pool", type=Path, required=True, help="the task's pool (drawn from)")
    p.add_argument("--test", type=Path, required=True, help="the task's test set")
    p.add_argument("--out", type=Path, required=True, help="the point (JSON)")
    p.add_argument(
        "--generation-seed",
        type=int,
        help="seeds the method's sampling instead of --draw (same seeds, other synthetic data)",
    )
    args = p.parse_args()
    run_point(
        args.task,
        args.method,
        args.k,
        args.draw,
        args.budget,
        args.teacher_examples,
        Path(args.params),
        (args.seed, args.pool, args.test),
        args.out,
        args.generation_seed,
    )


if __name__ == "__main__":
    run(main)
