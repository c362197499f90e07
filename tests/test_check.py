"""`biokg mapping check` (and `biokg load --check`) find exactly what `biokg load` finds: the same
validation against the same store, only without the write.  On both backends."""

from __future__ import annotations

import json

import pytest
from test_load import tables
from test_references import BASE
from typer.testing import CliRunner

from api.cli import app
from loaders.load import load_tables
from loaders.mapping.apply import load_mapping
from loaders.mapping.spec import parse_mapping
from ontology import LoadError

MAPPING = '''
[mapping]
name = "zj-list"
version = "1"

[sources.list]
file = "list.csv"

[[nodes]]
source = "list"
kind = "Enterprise"
id = "ent:{企业名称}"
name = "{企业名称}"
props.scale = "{规模}"

[[nodes.edges]]
kind = "IN_DISTRICT"
to = "{注册区}"

[[nodes.edges]]
kind = "IN_FIELD"
to = { column = "主营领域", split = "；" }
'''
# a bad scale (found by reading alone), and — found only against the store and the ontology, which
# the old check never looked at — an unknown district and an unknown field
BAD = "企业名称,规模,注册区,主营领域\n甲（演示）有限公司,巨大,浦东新区,细胞治疗\n乙（演示）有限公司,小型,浦东新新区,干细胞\n"


def _problems(exc: LoadError) -> list[str]:
    return [str(p) for p in exc.problems]


def test_check_and_load_report_the_same_problems(store, tmp_path):
    load_tables(store, tables(BASE))
    (tmp_path / "list.csv").write_text(BAD, encoding="utf-8")
    spec = parse_mapping(MAPPING, "zj.toml")
    before = (store.counts(), store.xrefs())
    with pytest.raises(LoadError) as checked:
        load_mapping(store, spec, [tmp_path], check=True)
    with pytest.raises(LoadError) as loaded:
        load_mapping(store, spec, [tmp_path])
    assert _problems(checked.value) == _problems(loaded.value)
    errors = [p.message for p in checked.value.problems if p.severity == "error"]
    assert errors == ["scale: '巨大' is not a valid enterprise scale (one of large, medium, small, micro); "
                      "did you mean 'large'?",
                      "no District named '浦东新新区'; did you mean 浦东新区?",
                      "unknown field '干细胞'; did you mean 细胞治疗?"]
    assert (store.counts(), store.xrefs()) == before
    # a good file: check passes and writes nothing; the load then writes it
    (tmp_path / "list.csv").write_text(BAD.replace("巨大", "大型").replace("浦东新新区", "浦东").replace("干细胞", "基因治疗"),
                                       encoding="utf-8")
    report = load_mapping(store, spec, [tmp_path], check=True)
    assert report.result.nodes_created == 0 and (store.counts(), store.xrefs()) == before
    assert load_mapping(store, spec, [tmp_path]).result.nodes_created == 2


def _base_folder(tmp_path) -> tuple[str, object]:
    """The base region as a folder of CSV files, and a store file beside it."""
    data = tmp_path / "data"
    data.mkdir()
    for name, text in BASE.items():
        (data / f"{name}.csv").write_text(text, encoding="utf-8")
    return str(tmp_path / "s.sqlite"), data


def test_the_commands_print_the_same_problems(tmp_path):
    db, data = _base_folder(tmp_path)
    runner = CliRunner()
    assert runner.invoke(app, ["load", str(data), "--store", db]).exit_code == 0
    (tmp_path / "zj.toml").write_text(MAPPING, encoding="utf-8")
    listing = tmp_path / "list"
    listing.mkdir()
    (listing / "list.csv").write_text(BAD, encoding="utf-8")
    check = runner.invoke(app, ["mapping", "check", str(tmp_path / "zj.toml"), str(listing), "--store", db, "--json"])
    load = runner.invoke(app, ["load", "--mapping", str(tmp_path / "zj.toml"), str(listing), "--store", db, "--json"])
    assert check.exit_code == load.exit_code == 2
    assert json.loads(check.stdout)["error"]["details"] == json.loads(load.stdout)["error"]["details"]
    assert len(json.loads(check.stdout)["error"]["details"]) == 3


def test_load_check_validates_interchange_files_without_writing(tmp_path):
    db, data = _base_folder(tmp_path)
    runner = CliRunner()
    checked = runner.invoke(app, ["load", str(data), "--store", db, "--check"])
    assert checked.exit_code == 0 and "nothing written" in checked.stdout
    stats = json.loads(runner.invoke(app, ["stats", "--store", db, "--json"]).stdout)
    assert "District" not in stats["nodes"] or stats["nodes"]["District"] == 0
    (data / "enterprises.csv").write_text("id,name,district\nent:1,一号,闵兴区\n", encoding="utf-8")
    bad = runner.invoke(app, ["load", str(data), "--store", db, "--check"])
    assert bad.exit_code == 2 and "no District named '闵兴区'; did you mean 闵行区?" in bad.stderr
