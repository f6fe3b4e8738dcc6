"""Every spelling a migrant may use folds to the same skeleton as the content's spelling."""

from __future__ import annotations

import pytest

from bot.text.normalize import clean, skeleton, words

SAME = [
    ("паспорт забрали", "pasport zabrali"),
    ("я не могу уйти", "ya ne mogu uyti"),
    ("работа в Москве", "rabota v moskve"),
    ("регистрация", "registraciya"),
    ("регистрация", "registratsiya"),
    ("хочу домой", "ho4u domoi"),
    ("помогите", "ПОМОГИТЕЕЕ!!!"),
    ("o‘zbek", "ўзбек"),
    ("o'zbek", "ozbek"),
    ("oʻzbek", "o`zbek"),
    ("g‘alla", "galla"),
    ("ishlash", "ишлаш"),
    ("qarz", "қарз"),
    ("xo‘jayin", "хўжайин"),
    ("өзүм", "озум"),
    ("жумуш таптым", "жумуш таптым 🙏"),
    ("кыргызстандын", "кыргызстандын"),
    ("ҷавоб", "чавоб"),
    ("шиносномаи ман", "шиносномаи ман"),
    ("ҳуҷҷат", "хуччат"),
    ("қонун", "конун"),
    ("ӯ", "у"),
    ("ӣ", "и"),
    ("ң", "н"),
    ("ёрдам", "yordam"),
    ("ёрӣ лозим", "yori lozim"),
    ("ёш", "yosh"),
    ("йўқ", "yo'q"),
    ("биёед", "biyoed"),
]


@pytest.mark.parametrize(("written", "typed"), SAME)
def test_spellings_fold_together(written: str, typed: str) -> None:
    assert skeleton(written) == skeleton(typed)


def test_invisible_and_rtl_marks_vanish() -> None:
    assert clean("pas\u200bport\u200f \u202eзабрали") == "pasport забрали"


def test_digits_alone_stay_digits() -> None:
    assert skeleton("4 месяца") == "4 mesiasa"


def test_words_keep_the_users_spelling() -> None:
    assert words("Паспорт ЗАБРАЛИ!") == [("паспорт", "pasport"), ("забрали", "zabrali")]
