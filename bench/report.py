"""Shared by the benchmarks: the machine description and section replacement in BENCHMARKS.md."""

from __future__ import annotations

import os
import platform
import re
import shutil
import sqlite3
import subprocess
import sys
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCHMARKS = ROOT / "BENCHMARKS.md"
HEADER = """# Benchmarks

Figures written by the scripts in `bench/` (each rewrites its own section; run them with
`.venv/bin/python -m bench.<name>`). Timings are wall-clock on the machine named in each section;
memory is the peak resident set size of a fresh process that does only the measured step.
"""


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        lines = Path("/proc/meminfo").read_text().splitlines()
        kb = int(next(line for line in lines if line.startswith("MemTotal")).split()[1])
        mem = f", {kb / 1024 / 1024:.0f} GiB RAM"
    except (OSError, StopIteration):
        pass
    return (f"{cpu}, {os.cpu_count()} cores{mem}; {platform.system()} {platform.release()}; "
            f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}")


def write_section(name: str, body: str) -> None:
    """Replace (or append) the section between the markers of ``name`` in BENCHMARKS.md."""
    start, end = f"<!-- bench:{name} -->", f"<!-- /bench:{name} -->"
    block = f"{start}\n{body.strip()}\n\n_{date.today().isoformat()} · {machine()}_\n{end}"
    text = BENCHMARKS.read_text(encoding="utf-8") if BENCHMARKS.exists() else HEADER
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.S)
    text = pattern.sub(lambda _: block, text) if pattern.search(text) else text.rstrip() + "\n\n" + block + "\n"
    BENCHMARKS.write_text(text, encoding="utf-8")


def fresh_region(work: Path, enterprises: int, seed: int) -> Path:
    """Empty ``work`` and write a generated region (``biokg generate``) into ``work/region``; that folder."""
    from loaders.generate import generate_region, write_region

    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    region = work / "region"
    write_region(generate_region(enterprises, seed=seed), region)
    return region


def run_child(module: str, *args: str) -> str:
    """Run ``python -m module args`` in a fresh process; return its last stdout line."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-m", module, *args], capture_output=True, text=True, env=env, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{module} {' '.join(args)} failed:\n{done.stderr}")
    return done.stdout.strip().splitlines()[-1]
