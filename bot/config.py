"""Settings from the environment (prefix WUFEI_, nested with "__"), built lazily by get_settings()."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """All runtime configuration of the bot."""

    model_config = SettingsConfigDict(env_prefix="WUFEI_", env_nested_delimiter="__", extra="ignore")

    host: str = "127.0.0.1"
    port: int = 8000
    data_dir: Path = Path("data")
    database_url: str | None = None
    default_city: str = "新郑市"
    default_area: Literal["urban", "rural"] = "urban"
    timezone: str = "Asia/Shanghai"
    log_level: str = "INFO"
    max_message_chars: int = 500

    @property
    def db_url(self) -> str:
        """The database URL; SQLite in the data folder unless WUFEI_DATABASE_URL is set."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'wufei.db').as_posix()}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once from the environment."""
    return Settings()
