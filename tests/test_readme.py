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


def _block(title: str) -> str:
    return re.search(rf"```\w+ title={re.escape(title)}\n(.*?)```", README, re.S).group(1)


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
    assert line in README
