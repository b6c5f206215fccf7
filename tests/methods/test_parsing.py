from synthdistill.methods.parsing import clean_text, parse_generated, parse_label
from synthdistill.params import load_section
from synthdistill.teachers.base import Completion

LABELS = {"business": "markets", "sports": "games", "tech": "gadgets"}
ARTEFACTS = load_section("artefacts")


def _c(text: str, finish: str = "stop") -> Completion:
    return Completion(text, finish)


def parse(  # type: ignore[no-untyped-def]
    completion: Completion, label: str, labels=LABELS, lang: str = "en"
) -> tuple[str | None, str]:
    """(the first example or None, reason)."""
    parsed = parse_generated(completion, label, dict.fromkeys(labels, ""), lang, ARTEFACTS)
    return (parsed.texts[0] if parsed.texts else None), parsed.reason


def test_accepts_and_cleans() -> None:
    text, reason = parse(_c('Example: "Stocks rose sharply today."'), "business", LABELS, "en")
    assert (text, reason) == ("Stocks rose sharply today.", "ok")
    assert clean_text("**Headline:** Big win\n\nThe team won.") == "Big win The team won."


def test_rejections_have_reasons() -> None:
    assert parse(_c("   "), "tech", LABELS, "en") == (None, "empty")
    assert parse(_c("The market", "length"), "tech", LABELS, "en") == (None, "truncated")
    assert parse(_c("I'm sorry, I can't help"), "tech", LABELS, "en")[1] == "refused"
    assert parse(_c("申し訳ありませんが"), "tech", LABELS, "ja")[1] == "refused"
    bad = _c("Arsenal won 2-0 at home.\nCategory: sports")
    assert parse(bad, "tech", LABELS, "en") == (None, "mislabelled")
    ok = parse(bad, "sports", LABELS, "en")
    assert ok == ("Arsenal won 2-0 at home.", "ok")


def test_json_code_or_markup_is_rejected_not_kept() -> None:
    for raw in ('{ "status": "HACKED" }', '  ["a", "b"]', "```python\nprint(1)\n```", "<b>x</b>"):
        assert parse(_c(raw), "tech", LABELS, "en") == (None, "structured_output")
    prose = parse(_c("[Reuters] Intel cut prices."), "tech", LABELS, "en")
    assert prose == (None, "structured_output")  # a bracket at the very start is not prose
    assert parse(_c("「新型の半導体を発表した。」"), "tech", LABELS, "ja")[1] == "ok"


def test_parse_label() -> None:
    assert parse_label("Sports", LABELS) == "sports"
    assert parse_label("Category: tech.", LABELS) == "tech"
    assert parse_label("This is about business news", LABELS) == "business"
    assert parse_label("weather", LABELS) is None
