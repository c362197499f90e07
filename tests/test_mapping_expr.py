"""The mapping language: templates, steps, conditions, key locations, and the checks of a mapping."""

from __future__ import annotations

import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from loaders.mapping.expr import Context, EvalError, SpecError, parse_conditions, parse_expr, parse_template
from loaders.mapping.locate import locate, nearest
from loaders.mapping.spec import parse_mapping
from ontology import LoadError

CTX = Context({"province": "上海", "empty": ""}, {"segments": {"原料药": "segment:drug.api",
                                                              "医药流通": ["segment:drug.distribution",
                                                                       "segment:device.distribution"]}})


def ev(raw, row=None, ctx=CTX):
    return parse_expr(raw, ("x",), ctx.tables)(row or {}, ctx)


# --- expressions ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("raw", "row", "expected"), [
    ("hospital:{name}", {"name": " 中山医院 "}, "hospital:中山医院"),
    ("{name}", {"name": ["a", "b"]}, ["a", "b"]),  # a lone placeholder keeps a list
    ("{a}-{b}", {"a": "x"}, "x-"),
    ("{{literal}} {$province}", {}, "{literal} 上海"),
    ("{name}", {"name": "   "}, None),  # blank is empty
    (True, {}, True),
    (3, {}, 3),
    (["{a}", "{b}", "c"], {"a": "x", "b": ""}, ["x", "c"]),
    ({"column": "s", "split": "/"}, {"s": "甲公司/ 乙公司 /"}, ["甲公司", "乙公司"]),
    ({"column": "s", "split": ["/", "；"]}, {"s": "a/b；c"}, ["a", "b", "c"]),
    ({"column": "s", "split_regex": r"(?<=医院)(?=[\u4e00-\u9fff])"}, {"s": "甲医院乙医院"}, ["甲医院", "乙医院"]),
    ({"column": "s", "strip_suffix": ["区", "新区"]}, {"s": "浦东新区"}, "浦东"),  # the longest suffix first
    ({"column": "s", "strip_suffix": "区"}, {"s": "区"}, "区"),  # never strips a value away
    ({"column": "s", "strip_prefix": ["*ST", "ST"]}, {"s": "*ST国华"}, "国华"),
    ({"column": "s", "replace": {"第二军医大学": "海军军医大学"}}, {"s": "第二军医大学长海医院"}, "海军军医大学长海医院"),
    ({"column": "s", "replace_regex": [["-(U|W)$", ""]]}, {"s": "君实生物-U"}, "君实生物"),
    ({"column": "s", "extract": r"^(?:国药准字)?([HSZ])"}, {"s": "国药准字S20063025"}, "S"),
    ({"column": "s", "extract": r"\d+"}, {"s": "no digits"}, None),
    ({"column": "r", "keep": r"\d+"}, {"r": "nominated"}, None),
    ({"column": "r", "keep": r"\d+"}, {"r": "7"}, "7"),
    ({"column": "s", "drop": ["/", "无"]}, {"s": "无"}, None),
    ({"column": "s", "drop_regex": "-+"}, {"s": "----"}, None),
    ({"column": "s", "prefix": "org:", "suffix": "!"}, {"s": ["a", "b"]}, ["org:a!", "org:b!"]),
    ({"column": "s", "split": "/", "pick": 1}, {"s": "a/b/c"}, "a"),
    ({"column": "s", "split": "/", "pick": -1}, {"s": "a/b/c"}, "c"),
    ({"column": "s", "split": "/", "pick": 5}, {"s": "a/b"}, None),
    ({"column": "s", "split": "/", "join": "、"}, {"s": "a/b"}, "a、b"),
    ({"column": "s", "nfkc": True, "upper": True}, {"s": "ａｂｃ"}, "ABC"),
    ({"column": "s", "date": "%Y%m%d"}, {"s": "20230216"}, "2023-02-16"),
    ({"column": "s", "date": True}, {"s": "2023年2月6日"}, "2023-02-06"),
    ({"column": "s", "date": True}, {"s": "2023-02-16 08:00:00"}, "2023-02-16"),
    ({"column": "s", "map": "segments"}, {"s": "医药流通"}, ["segment:drug.distribution", "segment:device.distribution"]),
    ({"column": "s", "map": {"a": "A"}, "missing": "keep"}, {"s": "b"}, "b"),
    ({"column": "s", "map": {"a": "A"}, "missing": "drop"}, {"s": "b"}, None),
    ({"first": ["{a}", "{b}"]}, {"a": "", "b": "9.1"}, "9.1"),
    ({"column": "a", "default": "none"}, {}, "none"),
    ({"value": "ivd", "when": {"column": "t", "matches": ".*试剂.*"}}, {"t": "检测试剂盒"}, "ivd"),
    ({"value": "ivd", "when": {"column": "t", "matches": ".*试剂.*"}}, {"t": "片剂"}, None),
    ({"template": ["{a}", "{b}"], "drop": "-"}, {"a": "x", "b": "-"}, ["x"]),
])
def test_expressions_compute_what_they_say(raw, row, expected):
    assert ev(raw, row) == expected


def test_steps_run_in_the_order_written():
    # prefix before split: only the first item gets it; split before prefix: every item
    assert ev({"column": "s", "prefix": "x", "split": "/"}, {"s": "a/b"}) == ["xa", "b"]
    assert ev({"column": "s", "split": "/", "prefix": "x"}, {"s": "a/b"}) == ["xa", "xb"]


def test_an_unmapped_value_is_an_error_by_default():
    with pytest.raises(EvalError, match="'其他' is not in the map 'segments'"):
        ev({"column": "s", "map": "segments"}, {"s": "其他"})
    with pytest.raises(EvalError, match="does not match the date format"):
        ev({"column": "s", "date": "%Y%m%d"}, {"s": "2023-02"})


@pytest.mark.parametrize(("raw", "path", "message"), [
    ({"column": "a", "sprit": "/"}, ("x", "sprit"), "unknown step 'sprit'"),
    ({"column": "a", "template": "b"}, ("x",), "exactly one of column, template, value, first"),
    ({"split": "/"}, ("x",), "exactly one of"),
    ({"column": "a", "keep": "(["}, ("x", "keep"), "bad regular expression"),
    ({"column": "a", "map": "nope"}, ("x", "map"), "no table 'nope'"),
    ({"column": "a", "map": {"a": 1}}, ("x", "map"), "maps text to text"),
    ({"column": "a", "missing": "keep"}, ("x", "missing"), "missing belongs with map"),
    ({"column": "a", "map": {"a": "b"}, "missing": "ignore"}, ("x", "missing"), "missing must be one of"),
    ({"column": "a", "pick": 0}, ("x", "pick"), "pick takes a position"),
    ("{a", ("x",), "unbalanced brace"),
    ("{}", ("x",), "empty placeholder"),
    (None, ("x",), "expected text, a number"),
])
def test_expression_mistakes_name_their_key(raw, path, message):
    with pytest.raises(SpecError) as info:
        parse_expr(raw, ("x",), CTX.tables)
    assert info.value.path == path and message in info.value.message


# Templates: any text (with braces doubled) and placeholders render to the text and the values.
_TEXT = st.text(alphabet=string.ascii_letters + "中文{} -:", max_size=8)
_NAME = st.text(alphabet=string.ascii_lowercase + "_", min_size=1, max_size=5)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(_TEXT.map(lambda t: ("text", t)), _NAME.map(lambda n: ("column", n))), max_size=6),
       st.dictionaries(_NAME, st.text(alphabet="甲乙丙xyz", min_size=1, max_size=3)))
def test_templates_render_text_and_values(parts, row):
    source = "".join(v.replace("{", "{{").replace("}", "}}") if k == "text" else f"{{{v}}}" for k, v in parts)
    expected = "".join(v if k == "text" else row.get(v, "") for k, v in parts).strip() or None
    template = parse_template(source, ())
    if len(template.parts) == 1 and template.parts[0][0] == "column":
        expected = row.get(template.parts[0][1])
    assert template.render(row, CTX) == expected
    assert set(template.columns) == {v for k, v in parts if k == "column"}


# --- conditions -----------------------------------------------------------------------------------

@pytest.mark.parametrize(("raw", "row", "expected"), [
    ({"column": "a", "equals": "上海"}, {"a": "上海"}, True),
    ({"column": "a", "equals": ["港股", "美股"]}, {"a": "美股"}, True),
    ({"column": "a", "equals": "{$province}"}, {"a": "江苏"}, False),
    ({"column": "a", "not_equals": "x"}, {"a": "y"}, True),
    ({"column": "a", "matches": r"\d{4}"}, {"a": "2021"}, True),
    ({"column": "a", "matches": r"\d{4}"}, {"a": "2021年"}, False),  # the whole value
    ({"column": "a", "contains": "医院"}, {"a": "复旦大学附属中山医院"}, True),
    ({"column": "a", "empty": True}, {"a": " "}, True),
    ({"column": "a", "empty": False}, {}, False),
    ({"column": "a", "equals": "{$empty}", "optional": True}, {"a": "anything"}, True),  # no value: no filter
    ({"column": "a", "equals": "{$empty}"}, {"a": "anything"}, False),
    ({"value": "{$province}", "empty": True}, {}, False),
    ({"any": [{"column": "a", "equals": "x"}, {"column": "b", "equals": "y"}]}, {"b": "y"}, True),
    ({"all": [{"column": "a", "equals": "x"}, {"column": "b", "equals": "y"}]}, {"b": "y"}, False),
    ({"not": {"column": "a", "empty": True}}, {"a": "v"}, True),
    ([{"column": "a", "equals": "x"}, {"column": "b", "equals": "y"}], {"a": "x", "b": "y"}, True),
    ({"column": "a", "equals": "x"}, {"a": ["w", "x"]}, True),  # a list matches by any item
])
def test_conditions(raw, row, expected):
    assert parse_conditions(raw, ("where",), CTX.tables)(row, CTX) is expected


@pytest.mark.parametrize(("raw", "path", "message"), [
    ({"column": "a"}, ("w",), "one test"),
    ({"column": "a", "equals": "x", "matches": "y"}, ("w",), "one test"),
    ({"column": "a", "equal": "x"}, ("w", "equal"), "unknown condition key 'equal'"),
    ({"any": []}, ("w", "any"), "any takes a list"),
    ([{"column": "a", "empty": "yes"}], ("w", 0, "empty"), "empty takes true or false"),
    ("a = b", ("w",), "a condition is a table"),
])
def test_condition_mistakes_name_their_key(raw, path, message):
    with pytest.raises(SpecError) as info:
        parse_conditions(raw, ("w",), CTX.tables)
    assert info.value.path == path and message in info.value.message


# --- where keys are ---------------------------------------------------------------------------------

def _toml_value(v) -> str:
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{_toml_key(k)} = {_toml_value(x)}" for k, x in v.items()) + " }"
    if isinstance(v, list):
        return "[\n  " + ",\n  ".join(_toml_value(x) for x in v) + ",\n]"
    return '"' + str(v).replace("\\", "\\\\").replace('"', '\\"') + '"'


def _toml_key(k: str) -> str:
    return k if k.replace("_", "").isalnum() and k.isascii() else '"' + k + '"'


_KEY = st.text(alphabet=string.ascii_lowercase + "_中", min_size=1, max_size=6)
_LEAF = st.text(alphabet=string.ascii_letters + " #=[]{}\"'中", max_size=8)
_INLINE = st.recursive(_LEAF, lambda inner: st.dictionaries(_KEY, inner, min_size=1, max_size=3)
                       | st.lists(inner, min_size=1, max_size=3), max_leaves=6)


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(_KEY, st.dictionaries(_KEY, _INLINE, min_size=1, max_size=4), min_size=1, max_size=3),
       st.lists(st.dictionaries(_KEY, _LEAF, min_size=1, max_size=3), max_size=3))
def test_located_keys_are_where_the_text_has_them(tables, rules):
    import tomllib

    lines = []
    for name, body in tables.items():
        lines.append(f"[{_toml_key(name)}]  # a table")
        lines += [f"{_toml_key(k)} = {_toml_value(v)}" for k, v in body.items()]
    for rule in rules:
        lines.append("[[rules]]")
        lines += [f"{_toml_key(k)} = {_toml_value(v)}" for k, v in rule.items()]
    text = "\n".join(lines) + "\n"
    doc = tomllib.loads(text)  # the generator writes valid TOML
    spots = locate(text)
    rows = text.split("\n")

    def walk(value, path):
        if isinstance(value, dict):
            for k, v in value.items():
                line, col = spots[(*path, k)]
                shown = _toml_key(k)
                assert rows[line - 1][col - 1:].startswith(shown), (path, k, rows[line - 1])
                walk(v, (*path, k))
        elif isinstance(value, list):
            for i, v in enumerate(value):
                assert (*path, i) in spots
                walk(v, (*path, i))

    walk(doc, ())
    first = next(iter(tables))  # a path below a key that is there is placed at that key
    assert nearest(spots, (first, "no such key", 3)) == spots[(first,)]
    assert nearest(spots, ("no such table",)) == (0, 0)


# --- mapping files ----------------------------------------------------------------------------------

GOOD = """
[mapping]
name = "demo-map"
version = 2

[params]
province = "上海"

[sources.rows]
file = "rows.csv"

[[nodes]]
source = "rows"
kind = "Park"
id = "park:{code}"
name = "{name}"
props.lat = "{lat}"

[[nodes.edges]]
kind = "IN_DISTRICT"
to = "{district}"
"""


def test_a_good_mapping_parses_with_its_defaults_and_overrides():
    spec = parse_mapping(GOOD, "m.toml", {"province": "江苏"})
    assert (spec.name, spec.version, spec.dataset, spec.params) == ("demo-map", "2", "demo-map", {"province": "江苏"})
    assert spec.nodes[0].kind == "Park" and not spec.nodes[0].resolve and spec.nodes[0].edges[0].kind == "IN_DISTRICT"


@pytest.mark.parametrize(("change", "where", "message"), [
    (('kind = "Park"', 'kind = "Parc"'), "m.toml:14:1", "kind must be a node kind a mapping can make"),
    (('kind = "Park"', 'kind = "Field"'), "m.toml:14:1", "kind must be a node kind"),
    (('props.lat = "{lat}"', 'props.height = "{lat}"'), "m.toml:17:7", "Park has no property 'height'"),
    (('kind = "IN_DISTRICT"', 'kind = "IN_DISTRIKT"'), "m.toml:20:1", "unknown edge kind 'IN_DISTRIKT'"),
    (('kind = "IN_DISTRICT"', 'kind = "OWNS"'), "m.toml:20:1", "an OWNS edge cannot start at a Park"),
    (('source = "rows"', 'source = "lines"'), "m.toml:13:1", "no source 'lines'"),
    (('id = "park:{code}"', 'id = "park:{code"'), "m.toml:15:1", "unbalanced brace"),
    (('name = "{name}"', 'name = "{$country}"'), "m.toml:16:1", "no parameter 'country'"),
    (('version = 2', ''), "m.toml:2:2", "version is required"),
    (('file = "rows.csv"', 'file = "rows.dat"'), "m.toml:9:10", "format is required"),
    (('to = "{district}"', 'to = "{district}"\nfrom = "{x}"'), "m.toml:19:9", "either to"),
    (('name = "demo-map"', 'name = "Demo Map"'), "m.toml:3:1", "must be lower-case"),
    (('[params]', '[parameters]'), "m.toml:6:2", "unknown key 'parameters'"),
])
def test_mapping_mistakes_are_located(change, where, message):
    text = GOOD.replace(*change)
    with pytest.raises(LoadError) as info:
        parse_mapping(text, "m.toml")
    problems = [str(p) for p in info.value.problems]
    assert len(problems) == 1 and problems[0].startswith(where + ":") and message in problems[0], problems


def test_every_mistake_of_a_mapping_is_reported_at_once():
    text = GOOD.replace('kind = "Park"', 'kind = "Parc"').replace('kind = "IN_DISTRICT"', 'kind = "X"')
    text += '\n[[edges]]\nsource = "nope"\nkind = "OWNS"\nfrom = "a"\nto = "b"\n'
    with pytest.raises(LoadError) as info:
        parse_mapping(text, "m.toml")
    assert len(info.value.problems) == 2  # the node rule (first mistake in it) and the edge rule
    assert info.value.summary == "2 error(s) in mapping m.toml"


def test_toml_syntax_errors_are_located():
    with pytest.raises(LoadError) as info:
        parse_mapping('[mapping]\nname = "x\n', "m.toml")
    assert str(info.value.problems[0]).startswith("m.toml:2:")


def test_unknown_parameters_on_the_command_line_are_refused():
    with pytest.raises(LoadError, match="no parameter 'provinse'"):
        parse_mapping(GOOD, "m.toml", {"provinse": "江苏"})
