"""Stage quality: data-quality metrics of the training set (counts, diversity, fidelity)."""

from pathlib import Path

from synthdistill.io import read_json, read_jsonl, write_json
from synthdistill.metrics.diversity import dataset_quality, per_label_rows
from synthdistill.metrics.quality import data_quality_counts
from synthdistill.params import load_section, load_task
from synthdistill.stage import log, parser, run
from synthdistill.students import load_student


def main() -> None:
    p = parser(__doc__)
    p.add_argument("--train", type=Path, required=True, help="clean training set")
    p.add_argument("--generate-report", type=Path, required=True, help="parse counts")
    p.add_argument("--preprocess-report", type=Path, required=True, help="filter counts")
    p.add_argument("--test", type=Path, required=True, help="gold test set (MAUVE reference)")
    p.add_argument("--gold-model", type=Path, required=True, help="gold student (label check)")
    p.add_argument("--metrics", type=Path, required=True, help="data_quality.json")
    p.add_argument("--plots", type=Path, required=True, help="per-label metrics (JSON rows)")
    args = p.parse_args()
    task = load_task(args.task, args.params)
    params = load_section("quality", args.params)
    rows = read_jsonl(args.train, required=("id", "text", "label"), allow_empty=True)
    test = read_jsonl(args.test, required=("id", "text", "label"))
    quality = data_quality_counts(
        read_json(args.generate_report), read_json(args.preprocess_report), rows
    )
    if len(rows) >= 2:
        gold = load_student(args.gold_model)
        quality.update(
            dataset_quality(rows, test, task.language, gold.predict, params.sample, params.seed)
        )
    write_json(args.metrics, quality)
    write_json(args.plots, per_label_rows(quality))
    log.info(
        "quality %s: %s",
        args.task,
        {k: v for k, v in quality.items() if isinstance(v, float | int)},
    )


if __name__ == "__main__":
    run(main)
