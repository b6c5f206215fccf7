"""Compare generation methods across seeds from ``dvc exp show --json`` output.

The input is what ``dvc exp show --json [-A]`` prints (checked against dvc 3.67): a list of
commit entries, the workspace first::

    [{"rev": "workspace" | "<sha>", "name": "<branch>" | None,
      "data": {"rev": ..., "timestamp": "2026-01-31T10:37:25" | None,
               "params": {"params.yaml": {"data": {...nested params...}}},
               "metrics": {"metrics/bbc_news/eval.json": {"data": {...nested metrics...}}},
               "deps": {...}, "outs": {...}, "meta": {...}},
      "error": None | {"msg": ..., "type": ...},
      "experiments": None | [{"name": "<exp name>", "executor": None | {"state": ...},
                              "revs": [<entry of the same shape as a commit entry>]}]}]

A params or metrics file that could not be read has ``{"error": {...}}`` in place of
``{"data": {...}}``; a failed experiment has a non-null ``error`` (and its ``data`` may still
hold the baseline's stale metrics, so it must be skipped).

:func:`collect_experiments` flattens that into :class:`ExperimentRow` s, :func:`summarise`
groups the rows by method and compares every group with a baseline across seeds (Student t
intervals; paired by seed), and :func:`format_table` renders the result as Markdown.
"""

from __future__ import annotations

import logging
import math
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from scipy import stats

from synthdistill.metrics.stats import CONFIDENCE

log = logging.getLogger(__name__)

DEFAULT_PARAMS_FILE = "params.yaml"
RowKind = Literal["workspace", "commit", "experiment"]


@dataclass(frozen=True)
class ExperimentRow:
    """One workspace, commit or experiment from ``dvc exp show``, flattened.

    ``params``: dotted keys ("generate.method"); keys from a params file other than
    params.yaml are prefixed with the file ("other.yaml:key"). ``metrics``: keyed
    "<metrics file>:<dotted key>" ("metrics/bbc_news/eval.json:student.macro_f1").
    """

    name: str
    rev: str
    kind: RowKind = "commit"
    baseline_rev: str | None = None  # the commit an experiment was run on
    timestamp: str | None = None  # ISO 8601 as dvc prints it; None for the workspace
    params: dict[str, Any] = field(default_factory=dict)
    metrics: dict[str, Any] = field(default_factory=dict)

    @property
    def label(self) -> str:
        """A short name for messages: "name@sha7" (or "workspace")."""
        if self.kind == "workspace":
            return "workspace"
        short = self.rev[:7]
        return short if self.name in ("", short) else f"{self.name}@{short}"


@dataclass(frozen=True)
class MetricStats:
    """A metric across a group's seeds: mean and a Student t interval of the mean.

    ``ci`` is None when n < 2 (one seed gives no estimate of seed-to-seed variance).
    """

    n: int
    mean: float
    std: float | None
    ci: tuple[float, float] | None
    values: tuple[float, ...]


@dataclass(frozen=True)
class PairedComparison:
    """Group minus baseline, seed by seed (rows matched on the pair key).

    ``verdict``: "better" / "worse" when the interval of the mean difference lies above /
    below 0, "within noise" when it contains 0; "undefined (1 pair)" and "no shared seeds"
    when there are too few pairs for an interval; "baseline" for the baseline itself.
    """

    n_pairs: int
    mean_diff: float | None
    ci: tuple[float, float] | None
    verdict: str
    pairs: tuple[tuple[Any, float, float], ...] = ()  # (pair value, group, baseline)


@dataclass(frozen=True)
class GroupSummary:
    """One group (e.g. one generation method) of rows, one row per seed."""

    label: str
    key: tuple[Any, ...]
    stats: MetricStats
    paired: PairedComparison | None
    extras: dict[str, MetricStats]
    seeds: tuple[Any, ...]
    experiments: tuple[str, ...]


@dataclass(frozen=True)
class Summary:
    """The output of :func:`summarise`; :func:`format_table` renders it."""

    task: str
    metric: str
    metrics_file: str
    group_by: tuple[str, ...]
    baseline: str
    pair_key: str
    confidence: float
    groups: list[GroupSummary]
    extra_metrics: list[str]
    warnings: list[str]
    baseline_found: bool


# --------------------------------------------------------------------------- parsing


def flatten(data: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested dicts to dotted keys; lists and scalars are leaves."""
    flat: dict[str, Any] = {}
    for key, value in data.items():
        dotted = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, Mapping) and value:
            flat.update(flatten(value, dotted))
        else:
            flat[dotted] = value
    return flat


def _file_data(files: Any, what: str, where: str) -> Iterable[tuple[str, Mapping[str, Any]]]:
    """(path, data) of every readable file of a ``params``/``metrics`` mapping."""
    if not isinstance(files, Mapping):
        return
    for path, content in files.items():
        if not isinstance(content, Mapping):
            continue
        error = content.get("error")
        if error:
            # A file absent from a commit (older than the stage that writes it) is normal.
            missing = isinstance(error, Mapping) and error.get("type") == "FileNotFoundError"
            log.log(
                logging.INFO if missing else logging.WARNING,
                "%s: %s file %s unreadable (%s); skipped",
                where,
                what,
                path,
                _error_text(error),
            )
            continue
        data = content.get("data")
        if isinstance(data, Mapping):
            yield str(path), data


def _error_text(error: Any) -> str:
    if isinstance(error, Mapping):
        return str(error.get("msg") or error.get("type") or error)
    return str(error)


def _row(entry: Mapping[str, Any], kind: RowKind, baseline_rev: str | None) -> ExperimentRow:
    data = entry.get("data") or {}
    rev = str(entry.get("rev") or data.get("rev") or "")
    name = entry.get("name")
    if kind == "workspace":
        name = "workspace"
    elif not name:
        name = rev[:7]
    label = ExperimentRow(name=str(name), rev=rev, kind=kind).label
    params: dict[str, Any] = {}
    for path, values in _file_data(data.get("params"), "params", label):
        prefix = "" if path == DEFAULT_PARAMS_FILE else f"{path}:"
        params.update({prefix + key: value for key, value in flatten(values).items()})
    metrics: dict[str, Any] = {}
    for path, values in _file_data(data.get("metrics"), "metrics", label):
        metrics.update({f"{path}:{key}": value for key, value in flatten(values).items()})
    return ExperimentRow(
        name=str(name),
        rev=rev,
        kind=kind,
        baseline_rev=baseline_rev,
        timestamp=data.get("timestamp"),
        params=params,
        metrics=metrics,
    )


def _usable(entry: Any, what: str) -> bool:
    """False (with a warning) for entries dvc marks with an error or gives no data."""
    if not isinstance(entry, Mapping):
        return False
    where = f"{what} {entry.get('name') or str(entry.get('rev', '?'))[:7]}"
    if entry.get("error"):
        log.warning("%s skipped: %s", where, _error_text(entry["error"]))
        return False
    if not isinstance(entry.get("data"), Mapping):
        log.warning("%s skipped: no data", where)
        return False
    return True


def collect_experiments(exp_show_json: list[Any] | dict[str, Any]) -> list[ExperimentRow]:
    """Rows for the workspace, every commit and every experiment in ``dvc exp show --json``.

    Entries with an error (failed experiments, unreadable commits) are skipped with a
    warning, as are params/metrics files that dvc could not read (only logged at INFO when
    the file is simply absent from an older commit). Output order is dvc's:
    workspace, then each commit followed by its experiments (newest first).
    """
    if isinstance(exp_show_json, Mapping):
        if "rev" not in exp_show_json:
            raise ValueError(
                "unrecognised exp show JSON: expected a list of commit entries "
                "(the `dvc exp show --json` format of dvc 3)"
            )
        exp_show_json = [exp_show_json]
    if not isinstance(exp_show_json, list):
        raise ValueError(f"unrecognised exp show JSON: a {type(exp_show_json).__name__}")
    rows: list[ExperimentRow] = []
    for commit in exp_show_json:
        if not isinstance(commit, Mapping):
            raise ValueError("unrecognised exp show JSON: an entry is not an object")
        rev = str(commit.get("rev", ""))
        kind: RowKind = "workspace" if rev == "workspace" else "commit"
        if _usable(commit, kind):
            rows.append(_row(commit, kind, None))
        for experiment in commit.get("experiments") or []:
            if not isinstance(experiment, Mapping):
                continue
            for exp_rev in experiment.get("revs") or []:
                if _usable(exp_rev, "experiment"):
                    rows.append(_row(exp_rev, "experiment", rev))
    return rows


# --------------------------------------------------------------------------- statistics


def t_interval(values: Sequence[float], confidence: float = CONFIDENCE) -> tuple[float, float]:
    """Student t interval of the mean (n-1 degrees of freedom); needs n >= 2."""
    n = len(values)
    if n < 2:
        raise ValueError("a t interval needs at least 2 values")
    mean = statistics.fmean(values)
    half = float(stats.t.ppf((1 + confidence) / 2, n - 1)) * statistics.stdev(values) / math.sqrt(n)
    return mean - half, mean + half


def metric_stats(values: Sequence[float], confidence: float = CONFIDENCE) -> MetricStats:
    """Mean, sample std and t interval (None for a single value) of ``values``."""
    if not values:
        raise ValueError("no values")
    n = len(values)
    return MetricStats(
        n=n,
        mean=math.fsum(values) / n,
        std=statistics.stdev(values) if n > 1 else None,
        ci=t_interval(values, confidence) if n > 1 else None,
        values=tuple(values),
    )


def paired_comparison(
    group: Mapping[Any, float], baseline: Mapping[Any, float], confidence: float = CONFIDENCE
) -> PairedComparison:
    """Compare ``group`` with ``baseline`` (both pair value -> metric) on shared pair values."""
    shared = sorted((key for key in group if key in baseline), key=_sort_key)
    pairs = tuple((key, group[key], baseline[key]) for key in shared)
    diffs = [g - b for _, g, b in pairs]
    if not diffs:
        return PairedComparison(0, None, None, "no shared seeds", pairs)
    mean_diff = math.fsum(diffs) / len(diffs)
    if len(diffs) == 1:
        return PairedComparison(1, mean_diff, None, "undefined (1 pair)", pairs)
    low, high = t_interval(diffs, confidence)
    verdict = "better" if low > 0 else "worse" if high < 0 else "within noise"
    return PairedComparison(len(diffs), mean_diff, (low, high), verdict, pairs)


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def value_label(value: Any) -> str:
    """How a param value is shown and matched (--baseline): strings as they are."""
    if isinstance(value, str):
        return value
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _newest_first(rows: Sequence[ExperimentRow]) -> list[ExperimentRow]:
    """Workspace first, then by timestamp, newest first; ties keep dvc's order."""
    workspace = [row for row in rows if row.kind == "workspace"]
    dated = [row for row in rows if row.kind != "workspace" and row.timestamp]
    undated = [row for row in rows if row.kind != "workspace" and not row.timestamp]
    dated.sort(key=lambda row: row.timestamp or "", reverse=True)  # stable for ties
    return workspace + dated + undated


def summarise(
    rows: Sequence[ExperimentRow],
    task: str,
    group_by: Sequence[str] = ("generate.method",),
    metric: str = "student.macro_f1",
    baseline: str = "fewgen",
    pair_key: str = "generate.seed",
    extra_metrics: Sequence[str] = ("student_plus_seeds.macro_f1",),
    confidence: float = CONFIDENCE,
) -> Summary:
    """Group rows by ``group_by`` params and compare each group with ``baseline``.

    Uses ``metrics/<task>/eval.json:<metric>``; rows without it (or without a group-by
    param) are left out. Rows sharing a group and ``pair_key`` value are duplicates (the
    workspace and HEAD, or the same run on several commits): the newest is kept (the
    workspace counts as newest) and a warning names the rest. ``baseline`` is matched
    against group labels: the group-by values, joined by " / " when there are several.
    ``extra_metrics`` are summarised too where any row has them.
    """
    group_by = tuple(group_by)
    if not group_by:
        raise ValueError("group_by needs at least one param")
    metrics_file = f"metrics/{task}/eval.json"
    metric_key = f"{metrics_file}:{metric}"
    warnings: list[str] = []

    candidates = [
        row
        for row in rows
        if _number(row.metrics.get(metric_key)) is not None
        and all(key in row.params for key in group_by)
    ]
    kept: dict[tuple[tuple[Any, ...], str], ExperimentRow] = {}
    dropped: dict[tuple[tuple[Any, ...], str], list[ExperimentRow]] = {}
    for row in _newest_first(candidates):
        group_key = tuple(row.params[key] for key in group_by)
        slot = (group_key, value_label(row.params.get(pair_key)))
        if slot in kept:
            dropped.setdefault(slot, []).append(row)
        else:
            kept[slot] = row
    for slot, extra in dropped.items():
        winner = kept[slot]
        same = all(row.metrics[metric_key] == winner.metrics[metric_key] for row in extra)
        names = ", ".join(row.label for row in extra[:4]) + (" ..." if len(extra) > 4 else "")
        warnings.append(
            f"{_group_label(slot[0])} {pair_key}={slot[1]}: {len(extra) + 1} rows; kept "
            f"{winner.label} ({winner.metrics[metric_key]}), dropped {names}"
            + (" (same value)" if same else " (different values)")
        )

    by_group: dict[tuple[Any, ...], list[ExperimentRow]] = {}
    for (group_key, _), row in kept.items():
        by_group.setdefault(group_key, []).append(row)
    per_seed: dict[tuple[Any, ...], dict[Any, float]] = {
        group_key: {row.params.get(pair_key): float(row.metrics[metric_key]) for row in members}
        for group_key, members in by_group.items()
    }
    baseline_key = next((k for k in by_group if _group_label(k) == baseline), None)
    if baseline_key is None and by_group:
        warnings.append(
            f"baseline {baseline!r} not found among {', '.join(_group_label(k) for k in by_group)}"
            "; no paired comparison"
        )

    present_extras = [
        name
        for name in extra_metrics
        if name != metric
        and any(
            _number(row.metrics.get(f"{metrics_file}:{name}")) is not None for row in kept.values()
        )
    ]
    groups: list[GroupSummary] = []
    for group_key, members in by_group.items():
        members.sort(key=lambda row: _sort_key(row.params.get(pair_key)))
        values = [float(row.metrics[metric_key]) for row in members]
        paired: PairedComparison | None = None
        if baseline_key is not None:
            if group_key == baseline_key:
                paired = PairedComparison(len(values), 0.0, None, "baseline")
            else:
                paired = paired_comparison(per_seed[group_key], per_seed[baseline_key], confidence)
        extras: dict[str, MetricStats] = {}
        for name in present_extras:
            found = [_number(row.metrics.get(f"{metrics_file}:{name}")) for row in members]
            numbers = [value for value in found if value is not None]
            if numbers:
                extras[name] = metric_stats(numbers, confidence)
        groups.append(
            GroupSummary(
                label=_group_label(group_key),
                key=group_key,
                stats=metric_stats(values, confidence),
                paired=paired,
                extras=extras,
                seeds=tuple(row.params.get(pair_key) for row in members),
                experiments=tuple(row.label for row in members),
            )
        )
    groups.sort(key=lambda g: (g.key != baseline_key, -g.stats.mean, g.label))
    for message in warnings:
        log.warning("%s", message)
    return Summary(
        task=task,
        metric=metric,
        metrics_file=metrics_file,
        group_by=group_by,
        baseline=baseline,
        pair_key=pair_key,
        confidence=confidence,
        groups=groups,
        extra_metrics=present_extras,
        warnings=warnings,
        baseline_found=baseline_key is not None,
    )


def _group_label(key: tuple[Any, ...]) -> str:
    return " / ".join(value_label(value) for value in key)


def _sort_key(value: Any) -> tuple[int, float, str]:
    number = _number(value)
    return (0, number, "") if number is not None else (1, 0.0, value_label(value))


# --------------------------------------------------------------------------- rendering


def _metric_name(metric: str) -> str:
    leaf = metric.rsplit(".", 1)[-1]
    pretty = {"macro_f1": "macro-F1", "micro_f1": "micro-F1", "f1": "F1"}.get(leaf, leaf)
    head = metric.rsplit(".", 1)[0] if "." in metric else ""
    return pretty if head in ("", "student") else f"{head} {pretty}"


def _fmt_ci(ci: tuple[float, float] | None, n: int) -> str:
    if ci is None:
        return f"undefined (n={n})"
    return f"[{ci[0]:.4f}, {ci[1]:.4f}]"


def _fmt_paired(paired: PairedComparison | None) -> str:
    if paired is None:
        return "n/a (no baseline)"
    if paired.verdict == "baseline":
        return "(baseline)"
    if paired.mean_diff is None:
        return "n/a (no shared seeds)"
    if paired.ci is None:
        return f"{paired.mean_diff:+.4f} [undefined: 1 pair]"
    low, high = paired.ci
    return f"{paired.mean_diff:+.4f} [{low:+.4f}, {high:+.4f}] ({paired.n_pairs} pairs)"


def format_table(summary: Summary) -> str:
    """A Markdown table: group | n seeds | mean | CI | paired diff vs baseline [CI] | verdict.

    One more column per extra metric present ("mean [CI]"). A caption line above the
    table names the task, metric, interval and pairing.
    """
    level = f"{summary.confidence * 100:g}%"
    name = _metric_name(summary.metric)
    group_header = " / ".join(key.rsplit(".", 1)[-1] for key in summary.group_by)
    header = [
        group_header,
        "n seeds",
        f"mean {name}",
        f"{level} CI",
        f"paired diff vs {summary.baseline} [{level} CI]",
        "verdict",
    ]
    header += [f"{_metric_name(extra)} mean [{level} CI]" for extra in summary.extra_metrics]
    lines = [
        f"Task {summary.task}: {summary.metrics_file}:{summary.metric}; mean over seeds with a "
        f"{level} Student t interval (n-1 df); paired by {summary.pair_key} "
        f"against {summary.baseline}.",
        "",
        "| " + " | ".join(header) + " |",
        "|"
        + "|".join(
            ["---", "---:", "---:", "---", "---", "---"] + ["---"] * len(summary.extra_metrics)
        )
        + "|",
    ]
    for group in summary.groups:
        verdict = group.paired.verdict if group.paired else "n/a"
        cells = [
            group.label,
            str(group.stats.n),
            f"{group.stats.mean:.4f}",
            _fmt_ci(group.stats.ci, group.stats.n),
            _fmt_paired(group.paired),
            verdict,
        ]
        for extra in summary.extra_metrics:
            found = group.extras.get(extra)
            cells.append("—" if found is None else f"{found.mean:.4f} {_fmt_ci(found.ci, found.n)}")
        lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
    if not summary.groups:
        lines.append("| (no experiment has this metric) |" + " |" * (len(header) - 1))
    return "\n".join(lines) + "\n"
