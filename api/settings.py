"""The one settings object, read from ``BIOKG_*`` environment variables in the entry points."""

from __future__ import annotations

from pathlib import Path

import platformdirs
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """biokg configuration.

    ``store``: a file path (embedded store) or a ``bolt://``/``neo4j://``/``neo4j+s://`` URI.  Left
    unset, biokg uses ``neo4j_uri`` when that is set, else ``<data_dir>/biokg.sqlite``, which it fills
    with the bundled demo region on first use.  ``neo4j_*`` give the credentials and database for
    any Neo4j store.
    """

    model_config = SettingsConfigDict(env_prefix="BIOKG_", extra="ignore")

    store: str | None = None
    data_dir: Path = Field(default_factory=lambda: Path(platformdirs.user_data_dir("biokg")))
    neo4j_uri: str | None = None
    neo4j_user: str = "neo4j"
    neo4j_password: str | None = Field(default=None, repr=False)
    neo4j_database: str = "neo4j"
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1
    # the API keys, the audit trail and the enterprise questions (private: never graph nodes)
    ledger_file: Path | None = None  # default: <data_dir>/ledger.sqlite
    keys_file: Path | None = None  # the ledger's former name (BIOKG_KEYS_FILE), still read when it is set
    calendar_file: Path | None = None  # years loaded by `biokg calendar load`; default: <data_dir>/calendar.csv
    anonymous_read: bool | None = None  # default: on only when serving on loopback
    max_body_mb: float = 64.0  # uploads (POST /api/v1/loads); JSON bodies are capped at 1 MiB

    @property
    def ledger_path(self) -> Path:
        return self.ledger_file or self.keys_file or self.data_dir / "ledger.sqlite"

    @property
    def calendar_path(self) -> Path:
        return self.calendar_file or self.data_dir / "calendar.csv"

    @property
    def anonymous(self) -> bool:
        if self.anonymous_read is not None:
            return self.anonymous_read
        return self.host in ("127.0.0.1", "localhost", "::1") or self.host.startswith("127.")

    @property
    def default_store(self) -> Path:
        return self.data_dir / "biokg.sqlite"
