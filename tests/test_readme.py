"""The README and the documents state what the code does: the data-format table, the quick start,
the tour's commands (run as written) and the mapping walkthrough."""

from __future__ import annotations

import re
from pathlib import Path

from loaders.interchange import markdown_table

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
DATA_FORMAT = (ROOT / "docs" / "data-format.md").read_text(encoding="utf-8")
MAPPINGS = (ROOT / "docs" / "mappings.md").read_text(encoding="utf-8")


def test_data_format_table_is_the_one_the_loader_reads():
    assert markdown_table() in DATA_FORMAT, \
        "regenerate the table in docs/data-format.md from loaders.interchange.markdown_table()"


def test_the_readme_stays_a_newcomers_document_and_its_links_resolve():
    assert len(README.splitlines()) <= 160
    for text, base in ((README, ROOT), *(((ROOT / "docs" / f).read_text(encoding="utf-8"), ROOT / "docs")
                                          for f in ("data-format.md", "mappings.md", "coverage.md", "stores.md",
                                                    "api.md", "workflow.md", "pages.md"))):
        for target in re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", text):
            if not target.startswith("http"):
                assert (base / target).exists(), target


def test_the_readme_shows_current_screenshots_of_the_pages():
    from browser import DOCS_SHOTS

    shown = re.findall(r"!\[[^]]*\]\((docs/screenshots/[^)]+\.png)\)", README)
    assert len(shown) >= 4
    for name in DOCS_SHOTS:  # every page's screenshot is checked in (the browser tests take them)
        path = ROOT / "docs" / "screenshots" / f"{name}.png"
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", path
    assert {ROOT / p for p in shown} <= {ROOT / "docs" / "screenshots" / f"{n}.png" for n in DOCS_SHOTS}


def test_quick_start_is_two_commands_and_ci_runs_the_test_one():
    section = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```sh\n(.*?)```", section, re.S).group(1)
    commands = [line.split("#")[0].strip() for line in block.splitlines() if line.split("#")[0].strip()]
    assert commands == ["scripts/serve", "scripts/test"]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "exec scripts/test" in ci
    for script in commands:
        assert (ROOT / script).stat().st_mode & 0o111, f"{script} is not executable"


def _block(title: str) -> str:
    return re.search(rf"```\w+ title={re.escape(title)}\n(.*?)```", MAPPINGS, re.S).group(1)


def test_the_walkthrough_mapping_loads_as_the_readme_says(tmp_path, demo_store):
    """The "Load your own data" example: its CSV (as GB18030) through its mapping into the demo region."""
    from graph import EmbeddedStore
    from graph.copy import copy_store
    from loaders.mapping.apply import load_mapping
    from loaders.mapping.spec import parse_mapping

    data = tmp_path / "data"
    data.mkdir()
    (data / "张江园区企业名录.csv").write_bytes(_block("张江园区企业名录.csv").encode("gb18030"))
    spec = parse_mapping(_block("zhangjiang.toml"), "zhangjiang.toml")
    store = EmbeddedStore(tmp_path / "s.sqlite")
    copy_store(demo_store, store)
    report = load_mapping(store, spec, [data])
    res = report.result
    assert (res.nodes_created, res.nodes_updated, res.edges_created) == (1, 1, 4)
    (merge,) = report.merged
    assert (merge.node, merge.rule) == ("enterprise:syn000001", "uscc")
    merged = store.get("enterprise:syn000001")
    assert merged.name == "翊杉生物技术（演示）有限公司" and merged.props["aliases"] == ["上海翊杉生物技术（演示）有限公司"]
    new = store.get("ent:澜启细胞科技（演示）有限公司")
    assert sorted((n.edge.kind, n.node.id) for n in store.neighbours(new.id)) == [
        ("IN_DISTRICT", "district:310115"), ("IN_FIELD", "field:cell_therapy"), ("IN_FIELD", "field:gene_therapy"),
        ("LOCATED_IN", "park:zhangjiang")]
    line = f"{len(report.xrefs) - 1} record(s) merged into existing nodes, 0 ambiguous"
    assert line in MAPPINGS


def _tour() -> list[str]:
    section = README.split("## A tour", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```sh\n(.*?)```", section, re.S).group(1)
    return [line.split("  #")[0].strip() for line in block.splitlines() if line.strip()]


def test_the_tours_commands_run_as_written(tmp_path, demo_store, shared_data, monkeypatch):
    """Each command of the README's tour, in order, in a fresh folder beside the real datasets
    (../shared/data, as in a checkout), on a copy of the demo region as the default store."""
    import shlex

    from typer.testing import CliRunner

    from api.cli import app
    from graph import EmbeddedStore
    from graph.copy import copy_store

    work = tmp_path / "work"
    work.mkdir()
    (tmp_path / "shared").mkdir()
    (tmp_path / "shared" / "data").symlink_to(shared_data)
    data_dir = tmp_path / "user-data"
    data_dir.mkdir()
    with EmbeddedStore(data_dir / "biokg.sqlite") as store:
        copy_store(demo_store, store)
    commands = _tour()
    assert len(commands) >= 12 and all(c.startswith("biokg ") for c in commands)
    env = {"BIOKG_DATA_DIR": str(data_dir), "BIOKG_STORE": "", "BIOKG_NEO4J_URI": "", "COLUMNS": "100"}
    monkeypatch.chdir(work)
    for command in commands:
        got = CliRunner().invoke(app, shlex.split(command)[1:], env=env)
        assert got.exit_code == 0, f"{command}\n{got.output}"
    assert (work / "coverage.xlsx").is_file() and (work / "region.xlsx").is_file()


def test_a_stations_day_runs_as_written(tmp_path, demo_store):
    """The README's "A station's day", run by bash as a user would type it (``biokg`` on the PATH), on a
    copy of the demo region: the question is late on the day listed, then closed; the trail verifies."""
    import os
    import subprocess
    import sys

    from graph import EmbeddedStore
    from graph.copy import copy_store
    from graph.ledger import Ledger
    from graph.question_book import QuestionBook

    section = README.split("## A station's day", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```sh\n(.*?)```", section, re.S).group(1)
    data_dir = tmp_path / "user-data"
    data_dir.mkdir()
    with EmbeddedStore(data_dir / "biokg.sqlite") as store:
        copy_store(demo_store, store)
    env = {**os.environ, "BIOKG_DATA_DIR": str(data_dir), "BIOKG_STORE": "", "BIOKG_NEO4J_URI": "",
           "COLUMNS": "200", "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}
    done = subprocess.run(["bash", "-euo", "pipefail", "-c", block + '\necho "question=$Q"'], env=env,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    qid = re.search(r"^question=(question:[0-9a-f]{16})$", done.stdout, re.M).group(1)
    assert re.search(rf"^{qid}\s.*OVERDUE", done.stdout, re.M), done.stdout  # the list of late questions
    ledger = Ledger(data_dir / "ledger.sqlite")
    q = QuestionBook(ledger).get(qid)
    assert [s.action for s in q.steps] == ["escalate", "answer", "close"]
    assert q.steps[0].path == ("station:minhang", "station:minhang-core", "inst:smpa")
    actions = [e.action for e in ledger.entries()]
    assert actions == ["records.create", "questions.create", "questions.escalate", "questions.answer",
                       "questions.close"]
    assert ledger.verify().ok and "ok: 5 entries" in done.stdout
    ledger.close()
    assert q.text == "专利许可合同怎么备案?"
