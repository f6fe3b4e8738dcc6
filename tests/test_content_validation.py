"""Each kind of editor mistake is reported as `file:line: message`, and nothing half-loads."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.content.loader import ContentError, ContentHolder, inspect_content, load_content
from bot.risk.detector import RiskDetector


def t(text: str) -> str:
    """A text in all five languages, in YAML flow style."""
    return (
        "{"
        + ", ".join(f"{lang}: '{text} {lang}'" for lang in ("ru", "ky", "uz", "tg", "en"))
        + "}"
    )


def phrasings(text: str) -> str:
    return (
        "{"
        + ", ".join(f"{lang}: ['{text} {lang}']" for lang in ("ru", "ky", "uz", "tg", "en"))
        + "}"
    )


FILES = {
    "faq.yaml": f"""version: 1
topics:
  - id: alpha
    verified: true
    title: {t("Alpha")}
    answer: {t("Alpha answer")}
    phrasings: {phrasings("alpha question")}
    related: [beta]
    flow: tiny
  - id: beta
    verified: true
    title: {t("Beta")}
    answer: {t("Beta answer")}
    phrasings: {phrasings("beta question")}
""",
    "ui.yaml": f"""version: 1
strings:
  menu_title: {t("Menu")}
""",
    "risk.yaml": f"""version: 1
negations: [not]
human_request: {phrasings("operator")}
categories:
  - id: violence
    label: {t("Violence")}
    patterns: {phrasings("beat")}
""",
    "hotlines.yaml": f"""version: 1
countries:
  - code: GB
    name: {t("UK")}
    hotlines:
      - id: gb-msh
        kind: hotline
        name: {t("Modern Slavery Helpline")}
        phone: "0800 0121 700"
        verified: true
""",
    "services.yaml": f"""version: 1
regions:
  - id: gb-all
    country: GB
    name: {t("Whole UK")}
services:
  - id: gb-glaa
    country: GB
    region: gb-all
    kinds: [legal]
    name: {t("GLAA")}
    description: {t("Licensing authority")}
    phone: "0800 432 0804"
    verified: true
""",
    "flows/tiny.yaml": f"""version: 1
id: tiny
title: {t("Tiny")}
intro: {t("Intro")}
related: [alpha]
steps:
  - id: first
    question: {t("First?")}
    options:
      - id: yes
        text: {t("Yes")}
        next: last
      - id: no
        text: {t("No")}
  - id: middle
    info: {t("Middle")}
  - id: last
    info: {t("Last")}
""",
}


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    for name, text in FILES.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return tmp_path


def errors_of(folder: Path) -> list[str]:
    _, problems = inspect_content(folder)
    return [str(p) for p in problems if p.severity == "error"]


def edit(folder: Path, name: str, old: str, new: str) -> None:
    path = folder / name
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_the_minimal_folder_is_valid(folder: Path) -> None:
    assert errors_of(folder) == []
    content = load_content(folder)
    assert set(content.flows) == {"tiny"}


def test_yaml_syntax_error_names_its_line(folder: Path) -> None:
    edit(folder, "ui.yaml", "strings:\n", "strings:\n  broken: [unclosed\n")
    found = errors_of(folder)
    assert len(found) == 1 and found[0].startswith("ui.yaml:") and "YAML syntax" in found[0]
    assert int(found[0].split(":")[1]) >= 3


def test_missing_translation_names_language_and_line(folder: Path) -> None:
    edit(folder, "faq.yaml", "answer: {ru: 'Beta answer ru', ", "answer: {")
    assert errors_of(folder) == ["faq.yaml:13: topics.1.answer: missing translation 'ru'"]


def test_unknown_related_topic(folder: Path) -> None:
    edit(folder, "faq.yaml", "related: [beta]", "related: [gamma]")
    assert errors_of(folder) == ["faq.yaml:8: alpha: unknown related topic 'gamma'"]


def test_duplicate_topic_id(folder: Path) -> None:
    edit(folder, "faq.yaml", "id: beta", "id: alpha")
    found = errors_of(folder)
    assert "faq.yaml:10: duplicate id 'alpha'" in found


def test_empty_answer(folder: Path) -> None:
    edit(folder, "faq.yaml", "'Beta answer en'", "''")
    found = errors_of(folder)
    assert any(f.startswith("faq.yaml:13:") and "answer" in f for f in found), found


def test_bad_phone_number(folder: Path) -> None:
    edit(folder, "hotlines.yaml", '"0800 0121 700"', '"+44 12"')
    assert errors_of(folder) == ["hotlines.yaml:9: bad phone number '+44 12' for GB"]


def test_unknown_field_is_a_typo(folder: Path) -> None:
    edit(folder, "faq.yaml", "    verified: true\n", "    verifed: true\n")
    found = errors_of(folder)
    assert any(f.startswith("faq.yaml:4:") and "verifed" in f for f in found), found


def test_missing_file(folder: Path) -> None:
    (folder / "risk.yaml").unlink()
    assert errors_of(folder) == ["risk.yaml:1: file is missing"]


def test_flow_dangling_next(folder: Path) -> None:
    edit(folder, "flows/tiny.yaml", "next: last", "next: nowhere")
    assert "flows/tiny.yaml:12: unknown next step 'nowhere'" in errors_of(folder)


def test_flow_unreachable_step(folder: Path) -> None:
    edit(folder, "flows/tiny.yaml", "      - id: no\n", "      - id: no\n        next: last\n")
    assert errors_of(folder) == ["flows/tiny.yaml:16: step 'middle' is unreachable"]


def test_flow_cycle_without_exit(folder: Path) -> None:
    edit(
        folder,
        "flows/tiny.yaml",
        "    info: {ru: 'Last ru'",
        "    next: middle\n    info: {ru: 'Last ru'",
    )
    edit(
        folder,
        "flows/tiny.yaml",
        "    info: {ru: 'Middle ru'",
        "    next: last\n    info: {ru: 'Middle ru'",
    )
    found = errors_of(folder)
    assert any("cycle with no way to the end" in f for f in found), found


def test_flow_missing_translation(folder: Path) -> None:
    edit(folder, "flows/tiny.yaml", "question: {ru: 'First? ru', ", "question: {")
    assert errors_of(folder) == ["flows/tiny.yaml:8: steps.0.question: missing translation 'ru'"]


def test_flow_callback_over_64_bytes(folder: Path) -> None:
    edit(
        folder,
        "flows/tiny.yaml",
        "      - id: no\n",
        "      - id: a-very-long-option-name-indeed-x\n",
    )
    edit(folder, "flows/tiny.yaml", "  - id: first\n", "  - id: a-rather-long-step-name\n")
    assert errors_of(folder) == [
        "flows/tiny.yaml:13: button data for option 'a-very-long-option-name-indeed-x'"
        " is 66 bytes (Telegram allows 64)"
    ]


def test_load_never_half_succeeds(folder: Path) -> None:
    good = load_content(folder)
    holder = ContentHolder(folder, good)
    edit(folder, "faq.yaml", "related: [beta]", "related: [gamma]")
    problems = holder.reload()
    assert [str(p) for p in problems] == ["faq.yaml:8: alpha: unknown related topic 'gamma'"]
    assert holder.current is good
    with pytest.raises(ContentError):
        load_content(folder)


def test_reload_picks_up_a_good_edit(folder: Path) -> None:
    holder = ContentHolder(folder, load_content(folder))
    edit(folder, "faq.yaml", "'Alpha answer en'", "'New answer'")
    assert holder.reload() == []
    assert holder.current.topics_by_id["alpha"].answer["en"] == "New answer"


def test_word_lists_serve_patterns_in_every_language(folder: Path) -> None:
    lists = (
        "negations: [not]\nwords:\n"
        "  hit: {en: [punch, kick], ru: [ударил], ky: [urdu], uz: [urdi], tg: [zad]}\n"
    )
    edit(folder, "risk.yaml", "negations: [not]\n", lists)
    edit(folder, "risk.yaml", "'beat en'", "'beat en', 'boss + @hit'")
    content = load_content(folder)
    detector = RiskDetector.from_content(content.risk)
    assert detector.detect("the boss punched me").categories == ["violence"]
    assert detector.detect("boss ударил").categories == ["violence"]
    assert detector.detect("the boss called me").categories == []


def test_unknown_word_list(folder: Path) -> None:
    edit(folder, "risk.yaml", "'beat en'", "'beat en', 'boss + @hitt'")
    assert errors_of(folder) == ["risk.yaml:7: unknown word list '@hitt'"]


def test_stray_brace_in_a_ui_string_is_a_load_error_with_its_line(folder: Path) -> None:
    edit(folder, "ui.yaml", "'Menu en'", "'Menu {en'")
    found = errors_of(folder)
    assert len(found) == 1 and found[0].startswith("ui.yaml:3: menu_title: 'en'"), found
    with pytest.raises(ContentError):
        load_content(folder)


def test_placeholders_must_agree_across_languages(folder: Path) -> None:
    edit(folder, "ui.yaml", "'Menu ky'", "'Menu {code} ky'")
    assert errors_of(folder) == [
        "ui.yaml:3: menu_title: 'ky' has placeholders {code}, English has none"
    ]


def test_positional_placeholder_is_rejected(folder: Path) -> None:
    for lang in ("ru", "ky", "uz", "tg", "en"):
        edit(folder, "ui.yaml", f"'Menu {lang}'", f"'Menu {{}} {lang}'")
    found = errors_of(folder)
    assert len(found) == 5 and all("is not a name like {code}" in f for f in found), found


def test_long_flow_text_and_few_phrasings_are_warnings(folder: Path) -> None:
    edit(folder, "flows/tiny.yaml", "'Middle en'", "'" + "word " * 150 + "'")
    _, problems = inspect_content(folder)
    warnings = [str(p) for p in problems if p.severity == "warning"]
    assert "flows/tiny.yaml:16: warning: middle: info in 'en' is 749 characters (limit 700)" in (
        warnings
    )
    assert any("alpha: only 1 phrasings in 'ru' (want 8)" in w for w in warnings), warnings
    assert errors_of(folder) == []
