"""Test helpers: provenance, a hand-built region, and independent re-implementations of checks."""

from __future__ import annotations

from graph.model import Edge, Node, Provenance

P = Provenance("test.csv", 1, "L-test", "2026-01-01T00:00:00+00:00")
USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def independent_uscc_check(first17: str) -> str:
    """GB 32100-2015 written out again from the standard (not the code under test)."""
    weights = [pow(3, i, 31) for i in range(17)]  # 3^i mod 31: 1, 3, 9, 27, 19, 26, 16, 17, 20, 29, ...
    total = sum(USCC_CHARS.index(c) * w for c, w in zip(first17, weights, strict=True))
    return USCC_CHARS[(31 - total % 31) % 31]


def uscc(body17: str) -> str:
    return body17 + independent_uscc_check(body17)


def node(id_: str, kind: str, name: str, prov: Provenance = P, **props) -> Node:
    return Node(id_, kind, name, props, prov)


def edge(kind: str, src: str, dst: str, prov: Provenance = P, **props) -> Edge:
    return Edge(kind, src, dst, props, prov)


def small_region() -> tuple[list[Node], list[Edge]]:
    """Two districts, two parks, three enterprises, a hospital, two products, a patent, a station."""
    nodes = [
        node("district:310112", "District", "闵行区", code="310112", type="district"),
        node("district:310115", "District", "浦东新区", code="310115", type="district"),
        node("park:zizhu", "Park", "紫竹高新区", lat=31.02, lon=121.45),
        node("park:zj", "Park", "张江科学城", lat=31.20, lon=121.60, aliases=["张江药谷"]),
        node("ent:a", "Enterprise", "澜启生物（上海）有限公司", uscc=uscc("91310112MA1FL1MM2"), credit="A",
             aliases=["澜启"]),
        node("ent:b", "Enterprise", "澜启医疗器械有限公司", credit="B"),
        node("ent:c", "Enterprise", "Ｃ＆Ｄ 科技有限公司", credit="D"),
        node("inst:h", "Institution", "示例医院", type="hospital", grade="3A", gcp_drug=True,
             specialties=["心血管病"]),
        node("prod:1", "Product", "示例抗体注射液", type="drug", stage="clinical"),
        node("prod:2", "Product", "示例支架", type="device", device_class="III", stage="approved",
             registration_no="国械注准20213070123", innovation_channel="national"),
        node("CN115123456A", "Patent", "一种抗体", ipc=["C07K16/28"], status="granted", transferable=True),
        node("station:mh", "Station", "闵行工作站", type="station", scope="both"),
    ]
    edges = [
        edge("IN_DISTRICT", "park:zizhu", "district:310112"),
        edge("IN_DISTRICT", "park:zj", "district:310115"),
        edge("IN_DISTRICT", "ent:a", "district:310112"),
        edge("LOCATED_IN", "ent:a", "park:zizhu"),
        edge("LOCATED_IN", "ent:b", "park:zj"),
        edge("OWNS", "ent:a", "prod:1"),
        edge("OWNS", "ent:b", "prod:2"),
        edge("IN_FIELD", "prod:1", "field:antibody"),
        edge("APPLIED_BY", "CN115123456A", "ent:a"),
        edge("CLASSIFIED_AS", "CN115123456A", "field:antibody"),
        edge("TRIAL_SITE", "prod:1", "inst:h", date="2024-05-01"),
        edge("COLLABORATES", "inst:h", "ent:a", type="clinical_trial", date="2024-05-01"),
        edge("SERVES", "station:mh", "district:310112"),
        edge("SITED_AT", "station:mh", "park:zizhu"),
        edge("TRACKS", "station:mh", "prod:2", id="SR1", date="2024-06-01", type="tracking"),
        edge("TRACKS", "station:mh", "prod:2", id="SR2", date="2024-07-01", type="visit"),
    ]
    return nodes, edges


def api_client(store, role: str | None = "analyst", station: str | None = None, **kwargs):
    """A TestClient over ``create_app(store)`` sending a fresh key of ``role`` (None: no key)."""
    from fastapi.testclient import TestClient

    from api.app import create_app

    app = create_app(store)
    headers = {}
    if role is not None:
        _, key = app.state.biokg.keys.create(role, station)
        headers["Authorization"] = f"Bearer {key}"
    return TestClient(app, headers=headers, **kwargs)
