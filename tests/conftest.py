"""Shared fixtures. ``store`` is parametrised over every backend, so shared tests run on each."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from graph import EmbeddedStore

BACKENDS = ["embedded"]
# the real datasets live beside the checkout (../shared/data); BIOKG_SHARED_DATA points elsewhere
DATA = Path(os.environ.get("BIOKG_SHARED_DATA") or Path(__file__).resolve().parents[2] / "shared" / "data")


def _open(backend: str, tmp_path: Path):
    if backend == "embedded":
        return EmbeddedStore(tmp_path / "store.sqlite")
    raise ValueError(backend)


@pytest.fixture(params=BACKENDS)
def store(request, tmp_path):
    s = _open(request.param, tmp_path)
    yield s
    s.close()


@pytest.fixture(scope="session")
def demo_store(tmp_path_factory):
    """An embedded store with the bundled demo region (shared, read-only by convention)."""
    from loaders.demo_region import ensure_demo

    s = EmbeddedStore(tmp_path_factory.mktemp("demo") / "demo.sqlite")
    ensure_demo(s)
    yield s
    s.close()


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The real datasets beside the checkout (../shared/data); CI has them."""
    if not DATA.is_dir():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{DATA} is missing")
        pytest.skip(f"{DATA} is missing")
    return DATA


def chromium_path() -> str | None:
    return shutil.which("chromium") or (os.path.exists("/usr/bin/chromium") and "/usr/bin/chromium") or None
