"""Print the README's result tables (Markdown) from the committed metrics files.

    .venv/bin/python scripts/results_tables.py [--task bbc_news ...]

Every number comes from metrics/<task>/*.json as `dvc repro` wrote them.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SYSTEMS = {
    "student": "student (synthetic only)",
    "student_plus_seeds": "student + seeds",
    "seed_student": "seeds-only student",
    "gold_student": "gold student (real, same size as synthetic)",
    "teacher_prompting": "teacher prompting",
}


def load(task: str, name: str) -> Any:
    path = ROOT / "metrics" / task / name
    return json.loads(path.read_text()) if path.exists() else {}


def ci(m: dict[str, Any], key: str) -> str:
    return f"{m[key]:.3f} [{m[key + '_ci_low']:.3f}, {m[key + '_ci_high']:.3f}]"


def eval_table(task: str) -> str:
    ev = load(task, "eval.json")
    latency = load(task, "runtime/latency.json")
    teacher = load(task, "runtime/teacher_prompting.json")
    lines = [
        "| system | n test | accuracy [95% CI] | macro-F1 [95% CI] | latency, batch 1 (median) |",
        "|---|---|---|---|---|",
    ]
    for key, name in SYSTEMS.items():
        if key not in ev:
            continue
        m = ev[key]
        ms = (teacher if key == "teacher_prompting" else latency.get(key, {})).get(
            "latency_ms_batch1_median"
        )
        lat = f"{ms:.0f} ms" if ms is not None else "n/a"
        lines.append(f"| {name} | {m['n']} | {ci(m, 'accuracy')} | {ci(m, 'macro_f1')} | {lat} |")
    return "\n".join(lines)


def comparison_table(task: str) -> str:
    ev = load(task, "eval.json")
    lines = ["| paired bootstrap (same test examples) | macro-F1 difference [95% CI] | verdict |"]
    lines.append("|---|---|---|")
    for name, c in ev.get("comparisons", {}).items():
        a, b = name.split("_vs_")
        lines.append(
            f"| {a} - {b} | {c['macro_f1_delta']:+.3f} [{c['ci_low']:+.3f}, {c['ci_high']:+.3f}] "
            f"| {c['verdict']} |"
        )
    return "\n".join(lines)


def curve_table() -> str:
    """The budget curve (bench/budget_curve.py): student macro-F1 per teacher budget."""
    lines = [
        "| method | teacher calls | new calls | kept | student macro-F1 [95% CI] |",
        "|---|---|---|---|---|",
    ]
    for path in sorted((ROOT / "metrics" / "budget_curve").glob("*.json")):
        for p in json.loads(path.read_text()):
            f1 = (
                f"{p['student_macro_f1']:.3f} "
                f"[{p['student_macro_f1_ci_low']:.3f}, {p['student_macro_f1_ci_high']:.3f}]"
            )
            lines.append(
                f"| {path.stem} | {p['teacher_calls']} | {p['new_teacher_calls']} "
                f"| {p['kept']} | {f1} |"
            )
    return "\n".join(lines)


def _pct(m: dict[str, Any]) -> str:
    if m["value"] is None:
        return "n/a"
    low, high = m["ci"]
    return f"{100 * m['value']:.1f}% [{100 * low:.1f}, {100 * high:.1f}] ({m['k']}/{m['n']})"


def audit_table() -> str:
    """Dirty share of kept rows before/after the cleaning, per audit split (Wilson CIs)."""
    audit = json.loads((ROOT / "metrics" / "artefacts" / "audit.json").read_text())
    lines = [
        "| task | split (generate.seed) | rows | dirty, as kept by the other filters | "
        "precision of the drops | recall | dirty share of what the cleaning keeps |",
        "|---|---|---|---|---|---|---|",
    ]
    for task, splits in audit.items():
        if task == "self_consistency":
            continue
        for split in ("before", "tune", "heldout"):
            m = splits.get(split)
            if m is None:
                continue
            lines.append(
                f"| {task} | {split} | {m['rows']} | {_pct(m['dirty_before'])} "
                f"| {_pct(m['precision'])} | {_pct(m['recall'])} | {_pct(m['dirty_after'])} |"
            )
    return "\n".join(lines)


def students_table() -> str:
    """Student macro-F1 before/after the cleaning work (metrics/artefacts/students/)."""
    base = ROOT / "metrics" / "artefacts" / "students"
    named = ("before_e932c73", "after_100calls_ba95e55")  # old prompts, then new at 100 calls
    runs = [(name, base / name) for name in named] + [("default pipeline", ROOT / "metrics")]
    lines = [
        "| task | run | teacher calls | kept | student macro-F1 [95% CI] | "
        "student + seeds [95% CI] | label preservation |",
        "|---|---|---|---|---|---|---|",
    ]
    for task in ("bbc_news", "ja_news"):
        for name, root in runs:
            ev = json.loads((root / task / "eval.json").read_text())
            dq = json.loads((root / task / "data_quality.json").read_text())
            lines.append(
                f"| {task} | {name} | {dq['teacher_samples']} | {dq['kept']} "
                f"| {ci(ev['student'], 'macro_f1')} | {ci(ev['student_plus_seeds'], 'macro_f1')} "
                f"| {dq.get('label_preservation', float('nan')):.3f} |"
            )
    return "\n".join(lines)


def dispatch_table() -> str:
    """bench/teacher_dispatch.py: the Teacher vs a plain async client on a loopback server."""
    data = json.loads((ROOT / "bench/results/teacher_dispatch.json").read_text())
    lines = [
        f"`{data['command']}` ({data['machine']}); best of {len(data['rows'][0]['runs']['plain'])}"
        " alternating runs each",
        "",
        "| requests | in flight | latency | synthdistill | plain aiohttp client | ideal "
        "| synthdistill / plain | synthdistill / ideal | plain / ideal |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in data["rows"]:
        latency = "0.5 s fixed" if r["latency"] == "fixed" else "0.1-0.9 s uniform"
        lines.append(
            f"| {r['requests']:,} | {r['in_flight']} | {latency} | {r['synthdistill_s']:.2f} s "
            f"| {r['plain_s']:.2f} s | {r['ideal_s']:.2f} s | {r['synthdistill_vs_plain']:.0%} "
            f"| {r['synthdistill_vs_ideal']:.0%} | {r['plain_vs_ideal']:.0%} |"
        )
    return "\n".join(lines)


def mix_table() -> str:
    """bench/llamacpp_mix.py: the in-process llama.cpp path on the bbc_news request mix."""
    data = json.loads((ROOT / "bench/results/llamacpp_mix.json").read_text())
    names = {
        "synthdistill": "synthdistill (Teacher + LlamaCppBackend)",
        "engine_http": "engine direct: plain aiohttp client at its listener",
        "engine_threads": "engine direct: in-process calls from threads",
        "two_servers": "two llama.cpp servers as two endpoints (half the threads/slots each)",
    }
    lines = [
        f"`{data['command']}` ({data['machine']}; {data['model']}, {data['threads']} threads, "
        f"{data['parallel']} slots)",
        "",
        "| path | wall | prompt tok/s | completion tok/s | prompt tokens read / from KV cache |",
        "|---|---|---|---|---|",
    ]
    for key, name in names.items():
        r = data["best"].get(key)
        if r is None:
            continue
        lines.append(
            f"| {name} | {r['wall_s']:.1f} s | {r['prompt_tok_s']:.1f} | "
            f"{r['completion_tok_s']:.1f} | {r['prompt_read']:,} / {r['prompt_from_kv_cache']:,} |"
        )
    return "\n".join(lines)


def generation_table(task: str) -> str:
    """A generation task's eval.json: every system's ROUGE-L, ROUGE-1, chrF, BLEU with CIs,
    then the paired ROUGE-L differences."""
    ev = load(task, "eval.json")
    latency = load(task, "runtime/latency.json")

    def one(m: dict[str, Any], key: str) -> str:
        return f"{m[key]:.1f} [{m[key + '_ci_low']:.1f}, {m[key + '_ci_high']:.1f}]"

    lines = [
        "| system | n | ROUGE-L [95% CI] | ROUGE-1 | chrF | BLEU | ms / example |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, m in ev.items():
        if not isinstance(m, dict) or "rougeL" not in m:
            continue
        ms = latency.get(f"{name}_ms_per_example", "")
        lines.append(
            f"| {name} | {m['n']} | {one(m, 'rougeL')} | {one(m, 'rouge1')} | "
            f"{one(m, 'chrf')} | {one(m, 'bleu')} | {ms} |"
        )
    lines += ["", "| paired bootstrap (same test pairs) | ROUGE-L difference [95% CI] | verdict |"]
    lines.append("|---|---|---|")
    for name, c in ev.get("comparisons", {}).items():
        lines.append(
            f"| {name} | {c['delta']:+.1f} [{c['ci_low']:+.1f}, {c['ci_high']:+.1f}] | "
            f"{c['verdict']} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--task", nargs="+", default=["bbc_news", "ja_news"])
    parser.add_argument("--generation-task", nargs="*", default=["bbc_headline"])
    args = parser.parse_args()
    for task in args.generation_task:
        print(f"### {task}\n\n{generation_table(task)}\n")
        report = ROOT / "data" / task / "generate_report.json"
        print("generate:", json.loads(report.read_text()) if report.exists() else {}, "\n")
    for task in args.task:
        print(f"### {task}\n\n{eval_table(task)}\n\n{comparison_table(task)}\n")
        quality = load(task, "data_quality.json")
        keys = ("teacher_samples", "kept", "dropped", "self_bleu_1", "distinct_2", "mauve")
        print({k: quality.get(k) for k in keys}, "\n")
        print(
            "seed filter:", {k: v for k, v in load(task, "seed_filter.json").items() if k != "rows"}
        )
        print()
    print(curve_table())
    print()
    print(audit_table())
    print()
    print(students_table())
    print()
    print(dispatch_table())
    print()
    print(mix_table())


if __name__ == "__main__":
    main()
