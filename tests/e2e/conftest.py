"""Fixtures shared by the end-to-end tests."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from bot.logs import KeyValueFormatter


@pytest.fixture
def all_logs() -> Iterator[list[str]]:
    """Every record of every logger at DEBUG: as our formatter writes it, raw, and its fields."""
    lines: list[str] = []
    formatter = KeyValueFormatter()

    class Capture(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(formatter.format(record))
            lines.append(f"{record.levelname} {record.getMessage()}")
            lines.append(repr(record.__dict__))

    handler = Capture(level=logging.DEBUG)
    root = logging.getLogger()
    previous = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield lines
    root.removeHandler(handler)
    root.setLevel(previous)
