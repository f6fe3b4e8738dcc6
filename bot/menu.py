"""Buttons that several parts of the core offer: the main menu, topics, languages."""

from __future__ import annotations

from bot.content.loader import Content
from bot.events import Button, ShowMenu
from bot.text.language import LANGS

MENU_ITEMS: tuple[tuple[str, str], ...] = (
    ("menu_checklists", "v1:m:checklists"),
    ("menu_ask", "v1:m:ask"),
    ("menu_human", "v1:h"),
    ("menu_hotlines", "v1:m:hotlines"),
    ("menu_find_help", "v1:m:services"),
    ("menu_privacy", "v1:m:privacy"),
    ("menu_language", "v1:m:lang"),
)
LANGUAGE_NAMES = {
    "ru": "Русский",
    "ky": "Кыргызча",
    "uz": "O‘zbekcha",
    "tg": "Тоҷикӣ",
    "en": "English",
}


def main_menu(content: Content, lang: str, text_key: str = "menu_title") -> ShowMenu:
    buttons = tuple(Button(content.text(key, lang), data) for key, data in MENU_ITEMS)
    return ShowMenu(content.text(text_key, lang), buttons)


def menu_button(content: Content, lang: str) -> Button:
    return Button(content.text("menu_back_to_menu", lang), "v1:m:menu")


def human_button(content: Content, lang: str) -> Button:
    return Button(content.text("menu_human", lang), "v1:h")


def topic_button(content: Content, topic_id: str, lang: str) -> Button | None:
    """A button opening an FAQ topic, titled in the user's language; None for unknown ids."""
    topic = content.topics_by_id.get(topic_id)
    if topic is None:
        return None
    return Button(topic.title.get(lang) or topic.title.get("en") or topic_id, f"v1:t:{topic_id}")


def language_buttons() -> tuple[Button, ...]:
    return tuple(Button(LANGUAGE_NAMES[lang], f"v1:l:{lang}") for lang in LANGS)
