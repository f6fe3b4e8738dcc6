"""Every golden conversation in tests/transcripts/ replays exactly as written."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.content.loader import Content
from tests.transcript_runner import run_transcript

TRANSCRIPTS = sorted((Path(__file__).parent / "transcripts").glob("*.yaml"))


@pytest.mark.parametrize("path", TRANSCRIPTS, ids=[p.stem for p in TRANSCRIPTS])
async def test_transcript(content: Content, path: Path) -> None:
    problems = await run_transcript(content, path)
    assert not problems, "\n".join(problems)
