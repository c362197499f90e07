"""The README states what the code does: its data-format table and its quick start."""

from __future__ import annotations

import re
from pathlib import Path

from loaders.interchange import markdown_table

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_data_format_table_is_the_one_the_loader_reads():
    assert markdown_table() in README, "regenerate the table in README.md from loaders.interchange.markdown_table()"


def test_quick_start_is_two_commands_and_ci_runs_the_test_one():
    section = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```sh\n(.*?)```", section, re.S).group(1)
    commands = [line.split("#")[0].strip() for line in block.splitlines() if line.split("#")[0].strip()]
    assert commands == ["scripts/serve", "scripts/test"]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "exec scripts/test" in ci
    for script in commands:
        assert (ROOT / script).stat().st_mode & 0o111, f"{script} is not executable"
