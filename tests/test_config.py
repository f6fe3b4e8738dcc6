"""Settings read from the environment the way deployments write them."""

from __future__ import annotations

import pytest

from bot.config import Config


def test_sla_minutes_may_be_a_fraction(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HANDOFF_SLA_MINUTES", "0.5")
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/0")
    config = Config(_env_file=None)  # type: ignore[call-arg]
    assert config.handoff_sla_minutes == 0.5 and config.redis_url.startswith("redis://")


def test_negative_sla_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HANDOFF_SLA_MINUTES", "-1")
    with pytest.raises(ValueError, match="handoff_sla_minutes"):
        Config(_env_file=None)  # type: ignore[call-arg]
