"""``biokg load --mapping``, ``biokg mapping``, ``biokg resolve``, and provenance in ``biokg show``."""

from __future__ import annotations

import json

import pytest
from test_cli import run


@pytest.fixture
def trials(shared_data):
    return shared_data / "cde-clinical-trials-sample"


def demo(tmp_path):
    """Commands on the default store (filled with the demo region on first use) under ``tmp_path``."""
    env = {"BIOKG_DATA_DIR": str(tmp_path), "BIOKG_STORE": "", "BIOKG_NEO4J_URI": ""}
    return lambda *args: run(*args, env=env)


def _load(biokg, trials):
    result = biokg("load", str(trials), "--mapping", "cde-clinical-trials-sample", "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_mapping_list_names_the_shipped_mappings():
    listed = json.loads(run("mapping", "list", "--json").stdout)
    assert {m["name"] for m in listed} == {"cn-admin-divisions", "cn-listed-companies", "fudan-hospital-ranking",
                                          "cn-universities", "cde-clinical-trials-sample", "nmpa-drug-approval-numbers",
                                          "cfdi-drug-trial-institutions"}
    admin = next(m for m in listed if m["name"] == "cn-admin-divisions")
    assert admin["params"] == {"province": "31", "streets": "no"}


def test_mapping_check_locates_mistakes_and_reads_data(tmp_path, shared_data):
    bad = tmp_path / "bad.toml"
    bad.write_text('[mapping]\nname = "x"\nversion = "1"\n[sources.a]\nfile = "a.csv"\n'
                   '[[nodes]]\nsource = "a"\nkind = "Park"\nid = "{id}"\nname = "{n}"\nprops.colour = "{c}"\n',
                   encoding="utf-8")
    result = run("mapping", "check", str(bad))
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        f"{bad}:11:7: nodes[0].props.colour: Park has no property 'colour' (properties: address, lat, lon, aliases)",
        f"1 error(s) in mapping {bad}"]
    good = run("mapping", "check", "cn-admin-divisions", str(shared_data / "cn-admin-divisions"), "--json")
    assert json.loads(good.stdout)["nodes"] == 16
    wrong_column = tmp_path / "wrong.toml"
    wrong_column.write_text(bad.read_text().replace('props.colour = "{c}"', 'props.lat = "{latitude}"'))
    result = run("mapping", "check", str(wrong_column), str(shared_data / "cn-admin-divisions"))
    assert result.exit_code == 2  # a.csv is not there
    assert "source 'a': no file matches 'a.csv'" in result.stderr


def test_set_needs_a_mapping_and_a_name(tmp_path, trials):
    db = str(tmp_path / "x.sqlite")
    assert run("load", str(trials), "--set", "a=b", "--store", db).exit_code == 2
    bad = run("load", str(trials), "--mapping", "cde-clinical-trials-sample", "--set", "site_province", "--store", db)
    assert bad.exit_code == 2 and "--set takes NAME=VALUE" in bad.stderr
    unknown = run("load", str(trials), "--mapping", "cde-clinical-trials-sample", "--set", "x=1", "--store", db)
    assert unknown.exit_code == 2 and "no parameter 'x'" in unknown.stderr


def test_load_show_resolve_and_undo(tmp_path, trials):
    biokg = demo(tmp_path)
    first = _load(biokg, trials)
    assert first["mapping"] == "cde-clinical-trials-sample" and first["rows"] == {"trials": 46, "sites": 257}
    merged = {x["name"]: x for x in first["merged"]}
    assert merged["上海市同济医院"]["node"] == "inst:tongji-hospital" and merged["上海市同济医院"]["rule"] == "name"

    shown = json.loads(biokg("show", "inst:tongji-hospital", "--json").stdout)
    trial = next(e for e in shown["edges"] if e["kind"] == "TRIAL_SITE")
    assert trial["provenance"]["dataset"] == "cde-clinical-trials-sample"
    assert trial["provenance"]["mapping"] == "cde-clinical-trials-sample" and trial["provenance"]["mapping_version"] == "2"
    assert trial["provenance"]["source"].endswith("trial_site_info.csv")
    assert {r["name"] for r in shown["source_records"]} == {"上海市同济医院", "同济大学附属同济医院"}
    assert shown["provenance"]["mapping"] is None  # the node itself is the demo's
    human = biokg("show", "inst:tongji-hospital").stdout
    assert "dataset cde-clinical-trials-sample, mapping cde-clinical-trials-sample v2" in human
    assert f"source record {merged['上海市同济医院']['id']}" in human

    report = json.loads(biokg("resolve", "--report", "--json").stdout)
    assert {x["status"] for x in report["xrefs"]} == {"merged"}
    loads = json.loads(biokg("loads", "--json").stdout)
    assert loads[-1]["mapping"] == "cde-clinical-trials-sample"

    undone = biokg("resolve", "--undo", merged["上海市同济医院"]["id"], "--json")
    assert undone.exit_code == 0, undone.output
    split = json.loads(biokg("show", "site:上海市同济医院", "--json").stdout)
    assert {e["other"]["id"] for e in split["edges"] if e["kind"] == "TRIAL_SITE"} == {
        "drug:迈威（上海）生物科技股份有限公司:9MW1911注射液"}
    after = biokg("resolve").stdout
    assert "rejected" in after and "not matching inst:tongji-hospital" in after
    missing = biokg("resolve", "--undo", "0000000000")
    assert missing.exit_code == 1 and "no crosswalk record '0000000000'" in missing.stderr


def test_unload_of_a_mapping_load_takes_its_merges_back(tmp_path, trials):
    biokg = demo(tmp_path)
    before = json.loads(biokg("show", "inst:zs-hospital", "--json").stdout)
    loaded = _load(biokg, trials)
    assert json.loads(biokg("show", "inst:zs-hospital", "--json").stdout) != before
    assert biokg("unload", loaded["load_id"]).exit_code == 0
    assert json.loads(biokg("show", "inst:zs-hospital", "--json").stdout) == before
