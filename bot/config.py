"""All settings in one typed object, read once at the edge and passed in."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEVELOPMENT_SECRET = "development-only-secret-change-me"
POSTGRES_SCHEMES = ("postgresql://", "postgres://")


class MissingSetting(Exception):
    """A required setting is absent for the chosen mode; the message names the variable."""


class Config(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    bot_token: SecretStr | None = None
    operator_chat_id: int | None = None
    admin_ids: list[int] = Field(default_factory=list)
    data_dir: Path = Path("data")
    content_dir: Path = Path("content")
    content_watch_seconds: float = 5.0
    secret_key: SecretStr = SecretStr(DEVELOPMENT_SECRET)
    database_url: str = ""
    redis_url: str = ""
    handoff_sla_minutes: float = Field(default=10, ge=0)
    operator_hours: str = ""
    operator_lang: str = "ru"
    retention_days: int = 30
    flood_messages: int = 20
    flood_seconds: float = 30.0
    webhook_url: str = ""
    webhook_secret: SecretStr | None = None
    webhook_host: str = "0.0.0.0"
    webhook_port: int = 8080
    metrics_port: int | None = None
    telegram_api_base: str = ""
    log_level: str = "INFO"
    debug_text_logs: bool = False

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            return [int(part) for part in value.replace(",", " ").split()]
        if isinstance(value, int):
            return [value]
        return value

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str) -> str:
        if value and not value.startswith(("sqlite:///", *POSTGRES_SCHEMES)):
            raise ValueError("DATABASE_URL must start with sqlite:/// or postgresql://")
        return value

    @property
    def uses_postgres(self) -> bool:
        return self.database_url.startswith(POSTGRES_SCHEMES)

    @property
    def sqlite_path(self) -> Path:
        """The SQLite file: from DATABASE_URL `sqlite:///path`, else DATA_DIR/bot.sqlite3."""
        if self.database_url.startswith("sqlite:///"):
            return Path(self.database_url.removeprefix("sqlite:///"))
        return self.data_dir / "bot.sqlite3"

    def require_telegram(self) -> tuple[str, int]:
        """Token and operators' chat for Telegram mode, or an error naming what is missing."""
        if self.bot_token is None or not self.bot_token.get_secret_value():
            raise MissingSetting("BOT_TOKEN is not set: put it in the environment or in .env")
        if self.operator_chat_id is None:
            raise MissingSetting("OPERATOR_CHAT_ID is not set: the id of the operators' group")
        if self.secret_key.get_secret_value() == DEVELOPMENT_SECRET:
            raise MissingSetting("SECRET_KEY is not set: a long random string, kept secret")
        return self.bot_token.get_secret_value(), self.operator_chat_id
