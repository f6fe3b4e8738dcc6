"""The bot in a terminal: same core, buttons as numbers, works with piped input too."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterable
from typing import TextIO

from bot.content.loader import Content
from bot.events import Ask, Button, Event, Inbound, OpenCase, RelayToOperator, Say
from bot.identity import user_key
from bot.service import Conversations

QUIT = "/quit"


def render(event: Event, out: TextIO) -> list[Button]:
    """Print one event; returns the buttons it offered so a number can pick one."""
    if isinstance(event, Ask):
        out.write(f"{event.text}\n")
        for number, button in enumerate(event.buttons, start=1):
            out.write(f"  [{number}] {button.label}\n")
        return list(event.buttons)
    if isinstance(event, Say):
        out.write(f"{event.text}\n")
    elif isinstance(event, OpenCase):
        categories = ", ".join(event.categories) or event.reason
        out.write(f"[handed to an operator: {categories}]\n")
    elif isinstance(event, RelayToOperator):
        out.write("[relayed to the operator]\n")
    return []


def to_inbound(line: str, buttons: list[Button], lang: str | None) -> Inbound:
    """A number or a button's label presses it; /word is a command; anything else is text."""
    text = line.strip()
    if text.isdigit() and 1 <= int(text) <= len(buttons):
        return Inbound("button", data=buttons[int(text) - 1].data, lang_hint=lang)
    chosen = next((b for b in buttons if b.label.casefold() == text.casefold()), None)
    if chosen is not None:
        return Inbound("button", data=chosen.data, lang_hint=lang)
    if text.startswith("/") and len(text) > 1:
        name, _, args = text[1:].partition(" ")
        return Inbound("command", command=name.split("@")[0], text=args, lang_hint=lang)
    return Inbound("text", text=text, lang_hint=lang)


class TerminalChat:
    """One terminal user talking to the bot; state lives in the given storage like on Telegram."""

    def __init__(
        self, conversations: Conversations, content: Content, secret: str, out: TextIO
    ) -> None:
        self.conversations = conversations
        self.content = content
        self.key = user_key(secret, "terminal")
        self.out = out
        self.buttons: list[Button] = []

    async def send(self, inbound: Inbound) -> None:
        outcome = await self.conversations.handle(self.key, inbound)
        offered: list[Button] = []
        for event in outcome.events:
            offered += render(event, self.out)
        if offered:
            self.buttons = offered
        self.out.flush()

    async def run(self, lines: Iterable[str], lang: str | None, echo: bool) -> None:
        hint = self.content.text("console_hint", lang or "en")
        self.out.write(f"{hint}\n")
        for line in lines:
            if echo:
                self.out.write(f"> {line.rstrip()}\n")
            if line.strip() == QUIT:
                break
            if not line.strip():
                continue
            await self.send(_stamped(to_inbound(line, self.buttons, lang)))


def _stamped(inbound: Inbound) -> Inbound:
    return Inbound(**{**inbound.__dict__, "at": time.time()})


def input_lines(stream: TextIO = sys.stdin) -> Iterable[str]:
    """Lines from a terminal (with a prompt) or from a pipe, until end of input."""
    interactive = stream.isatty()
    while True:
        if interactive:
            sys.stdout.write("> ")
            sys.stdout.flush()
        line = stream.readline()
        if not line:
            return
        yield line
