"""Extraction of the example from a teacher reply, and the artefact filters.

The replies are the kinds the issue found in real runs (prompt echo as a heading, label
keys, commentary, bullet lists, Chinese/English fragments in Japanese).
"""

from __future__ import annotations

import pytest

from synthdistill.params import load_section
from synthdistill.preprocess import ArtefactContext, artefact_filters, leak_terms, normalized_row
from synthdistill.text.artefacts import extract, find_list, foreign_share, label_terms, term_in

ART = load_section("artefacts")
JA_LABELS = {
    "sports": "スポーツ：試合・成績・記録・選手・チーム",
    "conflict_terrorism": "紛争・テロ：軍事攻撃・爆弾テロ・その死傷者",
}
EN_LABELS = {"sports": "sport results, players and teams", "tech": "technology and gadgets"}


def ja(raw: str, items: str = "first") -> list[str]:
    cues = ART.words("lead_in", "ja") + list(label_terms(JA_LABELS, "ja"))
    return extract(raw, "ja", cues, ART.words("commentary", "ja"), items).items


def en(raw: str, items: str = "first") -> list[str]:
    cues = ART.words("lead_in", "en") + list(label_terms(EN_LABELS, "en"))
    return extract(raw, "en", cues, ART.words("commentary", "en"), items).items


def test_heading_that_echoes_the_prompt_is_cut() -> None:
    raw = "「体育:戦略の決定」に当てはまる実際のニュース文の例: - 朝の戦略決定で監督が先発を発表した。"  # noqa: E501
    assert ja(raw) == ["朝の戦略決定で監督が先発を発表した。"]
    assert en('Here\'s a new example of the category "sports":\nChelsea beat Arsenal 2-0.') == [
        "Chelsea beat Arsenal 2-0."
    ]


def test_label_prefix_is_cut() -> None:
    assert en("Sports: Football teams met in Paris on Sunday.") == [
        "Football teams met in Paris on Sunday."
    ]


def test_a_list_gives_its_first_item_or_every_item() -> None:
    raw = "「スポーツ」の例:\n- 選手Aが世界記録を更新した。\n- チームBが優勝した。\n- 監督Cが辞任した。"  # noqa: E501
    assert ja(raw) == ["選手Aが世界記録を更新した。"]
    assert ja(raw, items="each") == [
        "選手Aが世界記録を更新した。",
        "チームBが優勝した。",
        "監督Cが辞任した。",
    ]
    flat = "「スポーツ」の例: - 選手Aが世界記録を更新した。 - チームBが優勝した。"
    assert ja(flat, items="each") == ["選手Aが世界記録を更新した。", "チームBが優勝した。"]


def test_an_english_dash_is_punctuation_not_a_list() -> None:
    text = "Early Elvis recordings go on sale. Some recordings - including takes - are sold."
    assert en(text) == [text]


def test_trailing_commentary_is_cut_and_commentary_alone_is_rejected() -> None:
    raw = "台風5号が台湾に上陸した。このニュース文は、台風の被害を説明しています。"
    assert ja(raw) == ["台風5号が台湾に上陸した。"]
    glued = "台風5号が台湾に上陸しますこのニュース文は、台風の現象を説明しています。"
    assert ja(glued) == ["台風5号が台湾に上陸します"]
    assert en("Apple sold more phones. This example shows a tech story.") == [
        "Apple sold more phones."
    ]
    only = extract("この例では、スポーツの要素を含んでいます。", "ja", [], ["この例"])
    assert only.items == [] and only.reason == "meta_commentary"


def _filter(lang: str, labels: dict[str, str], real: list[str], instructions: str = "") -> object:
    return artefact_filters(lang, ART, ArtefactContext(labels, instructions, real))


def _reason(check: object, text: str, lang: str) -> str | None:
    drop = check.check(normalized_row({"id": "r", "text": text, "label": "x"}, lang))  # type: ignore[attr-defined]
    return None if drop is None else drop.reason


def test_label_key_in_japanese_text_is_a_leak() -> None:
    check = _filter("ja", JA_LABELS, ["選手が優勝した。"] * 50)
    text = "この例は「conflict_terrorism」の言葉に当てはまるニュース文で、爆発があった。"
    assert _reason(check, text, "ja") == "label_leak"
    assert _reason(check, "首都で爆発があり、3人が死亡した。", "ja") is None


def test_a_word_common_in_real_texts_is_no_leak_term() -> None:
    real = ["The sports minister spoke."] * 5 + ["Markets fell."] * 95
    terms = leak_terms(EN_LABELS, real, "en", max_real_share=0.001)
    assert "sports" not in terms and '"sports"' in terms
    check = _filter("en", EN_LABELS, real)
    assert _reason(check, "The sports minister resigned on Monday.", "en") is None
    assert _reason(check, 'An example of "sports": the team won.', "en") == "label_leak"


def test_prompt_echo_multi_example_meta_and_foreign() -> None:
    instructions = (
        "BBC News articles, each given as its headline followed by the opening one or two "
        "sentences of the article (under 60 words in all), to be classified by topic."
    )
    check = _filter("en", EN_LABELS, ["Markets fell."] * 100, instructions)
    echo = (
        "BBC News articles, each given as its headline followed by the opening one or two "
        "sentences. Markets rose."
    )
    assert _reason(check, echo, "en") == "prompt_echo"
    assert _reason(check, "Rates rise. 1. Banks lend. 2. Shares fall.", "en") == "multi_example"
    assert _reason(check, "Shares fell, an example of business news today.", "en") == (
        "meta_commentary"
    )
    ja_check = _filter("ja", JA_LABELS, ["選手が優勝した。"] * 100)
    assert _reason(ja_check, "多くの観众が会場に集まり、它は大きな話題になった。", "ja") == (
        "foreign_script"
    )
    assert _reason(ja_check, "政府は新しい方針をconsiderationしましたが決定しなかった。", "ja") == (
        "foreign_script"
    )
    assert _reason(ja_check, "なお、toto会員でなくても利用できる予定である。", "ja") is None


@pytest.mark.parametrize(
    ("text", "lang", "found"),
    [
        ("Example 2: the team won.", "en", True),
        ("Rugby - England beat Wales - a report.", "en", False),
        ("選手が記録を更新 - チームが優勝 - 監督が辞任", "ja", True),
        ("The bank lent $4. 2 trillion to firms.", "en", False),
    ],
)
def test_find_list(text: str, lang: str, found: bool) -> None:
    assert (find_list(text, lang) is not None) == found


def test_foreign_share_counts_non_jis_han() -> None:
    share, units = foreign_share("观众が集まった。", "ja", [])
    assert units == ["观"] and share > 0


def test_plain_label_words_are_no_leak_but_compound_heads_and_foreign_keys_are() -> None:
    labels = {"politics": "政治:選挙・議会・政府・外交", "economy": "経済・ビジネス:企業・市場"}
    terms = leak_terms(labels, ["選手が優勝した。"] * 10, "ja", max_real_share=0.001)
    assert "政治" not in terms  # an ordinary word, even if this small sample lacks it
    assert {"経済・ビジネス", "economy", "「政治」"} <= set(terms)


def test_enumerating_a_label_description_is_prompt_echo() -> None:
    labels = {"sports": "スポーツ:試合・成績・記録・選手・チーム・リーグ・移籍"}
    check = _filter("ja", labels, ["選手が優勝した。"] * 100)
    text = (
        "スポーツの記事には、通常、選手の成績や試合の結果、チームの情報、リーグの情報が含まれる。"  # noqa: E501
    )
    assert _reason(check, text, "ja") == "prompt_echo"
    assert _reason(check, "選手がチームの試合で決勝点を挙げた。", "ja") is None  # 3 items: real


def test_a_reply_that_opens_with_kore_wa_is_commentary() -> None:
    only = ja("これは、世界遺産の登録が地域の魅力を増すことを示す。")
    assert only == []


def test_a_chinese_word_in_shared_characters_is_foreign_script() -> None:
    check = _filter("ja", JA_LABELS, ["住民が避難した。"] * 50)
    assert _reason(check, "地震で近30万の居民が避難し、被害が広がった。", "ja") == "foreign_script"
    assert _reason(check, "地震で近隣の住民が避難し、被害が広がった。", "ja") is None


def test_a_label_named_as_a_label_leaks_on_any_task() -> None:
    """Not only news: "reflects a negative sentiment" names the label of a review task."""
    labels = {"positive": "the reviewer liked it", "negative": "the reviewer disliked it"}
    real = ["the very best of the series .", "a dull , lifeless film ."] * 50
    nouns = ["sentiment", "tone", "category"]
    terms = leak_terms(labels, real, "en", max_real_share=0.001, nouns=nouns)
    assert "negative sentiment" in terms and "category: positive" in terms
    text = "The plot drags on forever, which reflects a negative sentiment."
    assert any(term_in(term, text) for term in terms)
    assert not any(term_in(term, "A negative review would be unfair here.") for term in terms)
