"""Configuration from the environment and `.env`, read only at the CLI/API edge."""

from __future__ import annotations

from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    kis_catalog: Path | None = None
    kis_rulebook: Path | None = None
    app_env: str = "development"
    var_dir: Path = Path("var")
    timezone: str = "Asia/Seoul"
