"""Pseudonyms: the only names the database and the operators ever see for a person."""

from __future__ import annotations

import hashlib
import hmac
import random

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def user_key(secret: str, telegram_id: int | str) -> str:
    """HMAC of the Telegram id: stable per person, useless to anyone without the secret."""
    digest = hmac.new(secret.encode(), str(telegram_id).encode(), hashlib.sha256)
    return digest.hexdigest()[:32]


def case_code(rng: random.Random) -> str:
    """A short code like #K7Q2 that operators use to talk about a case."""
    return "#" + "".join(rng.choice(CODE_ALPHABET) for _ in range(4))
