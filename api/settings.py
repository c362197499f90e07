"""The one settings object, read from ``BIOKG_*`` environment variables in the entry points."""

from __future__ import annotations

from pathlib import Path

import platformdirs
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """biokg configuration.

    ``store``: a file path (embedded store) or a ``bolt://``/``neo4j://`` URI.  Left unset, biokg
    uses ``<data_dir>/biokg.sqlite`` and fills it with the bundled demo region on first use.
    """

    model_config = SettingsConfigDict(env_prefix="BIOKG_", extra="ignore")

    store: str | None = None
    data_dir: Path = Field(default_factory=lambda: Path(platformdirs.user_data_dir("biokg")))
    host: str = "127.0.0.1"
    port: int = 8000

    @property
    def default_store(self) -> Path:
        return self.data_dir / "biokg.sqlite"
