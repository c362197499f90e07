"""Regenerates the synthetic half of the demo region on top of its real half.

``python -m loaders.generate_demo`` rewrites ``loaders/demo/synthetic/`` from ``loaders/demo/real/``;
a test fails while the checked-in files differ from what this produces.
"""

from __future__ import annotations

import csv
import io
from importlib import resources
from pathlib import Path

from loaders.generate import BASE_FILES, generate_region, write_region

DEMO_ENTERPRISES = 400
DEMO_SEED = 2024
DEMO_AS_OF = "2026-11-20"  # service records lead up to this day
SYNTHETIC = Path(__file__).with_name("demo") / "synthetic"


def real_rows() -> dict[str, list[dict[str, str]]]:
    """The real demo files as rows (column -> cell text), the base of the synthetic part."""
    folder = resources.files("loaders") / "demo" / "real"
    rows = {}
    for name in BASE_FILES:
        entry = folder / f"{name}.csv"
        if entry.is_file():
            rows[name] = list(csv.DictReader(io.StringIO(entry.read_text(encoding="utf-8"), newline="")))
    return rows


def demo_synthetic() -> dict[str, list[dict[str, str]]]:
    return generate_region(DEMO_ENTERPRISES, seed=DEMO_SEED, base=real_rows(), as_of=DEMO_AS_OF)


def main() -> None:
    for old in SYNTHETIC.glob("*.csv"):
        old.unlink()
    for path in write_region(demo_synthetic(), SYNTHETIC):
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
