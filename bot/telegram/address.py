"""Chat ids at rest are sealed with a key derived from SECRET_KEY, never stored in plaintext."""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken


class AddressBook:
    """Seals and opens the chat id needed to reply to a pseudonymous user."""

    def __init__(self, secret: str) -> None:
        digest = hashlib.sha256(b"migrant-bot address key\0" + secret.encode()).digest()
        self.fernet = Fernet(base64.urlsafe_b64encode(digest))

    def seal(self, chat_id: int) -> str:
        return self.fernet.encrypt(str(chat_id).encode()).decode()

    def open(self, sealed: str | None) -> int | None:
        """The chat id, or None for a missing or tampered value."""
        if not sealed:
            return None
        try:
            return int(self.fernet.decrypt(sealed.encode()).decode())
        except (InvalidToken, ValueError):
            return None
