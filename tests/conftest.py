"""Shared fixtures: the real content, loaded once, and the understanding built from it."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.content.loader import Content, load_content
from bot.understanding import Understanding

ROOT = Path(__file__).resolve().parent.parent
CONTENT_DIR = ROOT / "content"
SHARED = ROOT.parent / "shared"


@pytest.fixture(scope="session")
def content() -> Content:
    return load_content(CONTENT_DIR)


@pytest.fixture(scope="session")
def understanding(content: Content) -> Understanding:
    return Understanding(content)
