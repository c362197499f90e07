"""The networks behind the pages, built from the same JSON the API answers (so a view shows what
the report says, scoped as the report was) and a few reads of the store for what lies around it.

- ``coverage_network``: a district's stations, service points, parks, institutions and enterprises
  laid out by their sites' coordinates (enterprises around their park; those in no park, and sites
  without coordinates, in rings beside the district), covered and uncovered marked, untracked
  innovative products and key projects beside their owner, suggested sites marked with their gain;
- ``evidence_network``: an org, its candidates (match, broker, patents) and each candidate's
  evidence paths, every element tagged with the candidates (``groups``) it is evidence for;
- ``dossier_network``: an enterprise, its products, projects, park, district, the stations that
  served it and its top matches and brokers.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import PurePath
from typing import Any

from graph.interface import Store
from graph.model import Node
from ontology.schema import NODE_KINDS
from viz.network import VEdge, VNode, network, projected, spiral

MAX_VIEW_NODES = 20_000


def view_meta(store: Store, title: str, as_of: str | None = None) -> dict[str, Any]:
    """What heads a view: its title, when it was drawn and from which store (no credentials, no folders)."""
    return {"title": title, "generated": datetime.now(UTC).isoformat(timespec="seconds"),
            "store": store_label(store.path), "as_of": as_of}


def store_label(path: str) -> str:
    """Which store, in words a page may show: no credentials, no folders.

    >>> store_label("bolt://neo4j:secret@db.example:7687"), store_label("/srv/biokg/biokg.sqlite")
    ('neo4j', 'embedded biokg.sqlite')
    """
    if "://" in path:  # which server is for admins (/readyz): a page, open to all, says only the backend
        return "neo4j"
    return f"embedded {PurePath(path).name}"


def _title(n: Node, *extra: str) -> str:
    kind = NODE_KINDS.get(n.kind)
    return " · ".join([kind.zh if kind else n.kind, n.name, n.id, *[e for e in extra if e]])


def _nodes(store: Store, ids: Iterable[str]) -> dict[str, Node]:
    wanted = list(dict.fromkeys(ids))
    if not wanted:
        return {}
    return {n.id: n for n in store.subgraph(wanted, 0, max_nodes=len(wanted)).nodes}


def coverage_network(store: Store, body: dict[str, Any]) -> dict[str, Any]:
    """The network of the one district of a coverage report (``body``: the API's coverage JSON)."""
    [d] = body["districts"]
    around = store.subgraph([d["id"]], 1, ["IN_DISTRICT", "SERVES"], max_nodes=MAX_VIEW_NODES)
    members = {n.id: n for n in around.nodes if n.kind in ("Park", "Enterprise", "Institution", "Station")}
    stations = {i for i, n in members.items() if n.kind == "Station"}
    sites = [i for i, n in members.items() if n.kind in ("Park", "Institution")]
    near = store.subgraph([*sites, *stations], 1, ["LOCATED_IN", "SITED_AT", "PART_OF"], max_nodes=MAX_VIEW_NODES)
    by_id = {n.id: n for n in near.nodes}
    points = {e.src for e in near.edges
              if e.kind == "PART_OF" and e.dst in stations and by_id[e.src].kind == "ServicePoint"}
    sited = [e for e in near.edges if e.kind == "SITED_AT" and (e.src in stations or e.src in points)]
    for e in sited:  # a site outside the district, where a station of it sits, is drawn too
        members.setdefault(e.dst, by_id[e.dst])
    park_of = {e.src: e.dst for e in near.edges
               if e.kind == "LOCATED_IN" and e.src in members and e.dst in members}
    untracked = {x["id"] for x in (*d["untracked_products"], *d["untracked_projects"])}
    extra = store.subgraph(sorted(untracked), 1, ["OWNS", "UNDERTAKEN_BY"],
                           max_nodes=MAX_VIEW_NODES) if untracked else None
    owned = [e for e in (extra.edges if extra else ()) if e.src in members or e.dst in members]
    extra_nodes = {n.id: n for n in (extra.nodes if extra else ()) if n.id in untracked}
    uncovered = {x["id"] for x in d["uncovered_parks"]} | {x["id"] for x in d["uncovered_enterprises"]}
    gains = {s["site"]: s["gain"] for s in body.get("suggestions") or () if s.get("district") in (None, d["id"])}

    at = _geo_layout(members, park_of, sited, points)
    vnodes = []
    for i, n in members.items():
        mark, note = None, ""
        if n.kind == "Enterprise" or (n.kind == "Park" and i in sites):  # what the report counts here
            mark = "uncovered" if i in uncovered else "covered"
            note = "未覆盖" if mark == "uncovered" else "已覆盖"
        if i in gains:
            mark, note = "suggested", f"建议新增服务点：新覆盖 {gains[i]}"
        label = f"{n.name} +{gains[i]}" if i in gains else n.name  # vis draws no label too small to read
        vnodes.append(VNode(i, n.kind, label, _title(n, note), mark, *at.get(i, (None, None)),
                            size=22 if n.kind == "Station" else 14))
    for i in points:
        n = by_id[i]
        vnodes.append(VNode(i, n.kind, n.name, _title(n), None, *at.get(i, (None, None)), size=16))
    for i, n in extra_nodes.items():
        owner = next((e.dst if e.src == i else e.src for e in owned if i in (e.src, e.dst)), None)
        ox, oy = at.get(owner, (0.0, 0.0)) if owner else (0.0, 0.0)
        angle = (sum(map(ord, i)) % 360) * math.pi / 180
        vnodes.append(VNode(i, n.kind, n.name, _title(n, "未跟踪"), "untracked", ox + 40 * math.cos(angle),
                            oy + 40 * math.sin(angle)))
    vedges = [VEdge(e.src, e.dst, e.kind) for e in near.edges if e.kind in ("LOCATED_IN", "SITED_AT", "PART_OF")
              and e.src in at and e.dst in at]
    vedges += [VEdge(e.src, e.dst, e.kind) for e in owned]
    return network(vnodes, vedges, physics=False)


def _geo_layout(members: dict[str, Node], park_of: dict[str, str], sited: list, points: set[str]
                ) -> dict[str, tuple[float, float]]:
    """Sites at their coordinates; enterprises around their park; stations and points at their site."""
    coords = {i: (n.props["lat"], n.props["lon"]) for i, n in members.items()
              if isinstance(n.props.get("lat"), int | float) and isinstance(n.props.get("lon"), int | float)}
    at: dict[str, tuple[float, float]] = {}
    if coords:
        lats, lons = [c[0] for c in coords.values()], [c[1] for c in coords.values()]
        lat0, lon0 = (min(lats) + max(lats)) / 2, (min(lons) + max(lons)) / 2
        extent = max(max(lats) - min(lats), (max(lons) - min(lons)) * math.cos(math.radians(lat0)), 0.01)
        scale = 1600 / extent
        at = {i: projected(lat, lon, lat0, lon0, scale) for i, (lat, lon) in sorted(coords.items())}
    right = max((x for x, _ in at.values()), default=0.0) + 300
    placeless = sorted(i for i, n in members.items() if n.kind in ("Park", "Institution") and i not in at)
    for i, p in zip(placeless, spiral(right, -400, len(placeless), 60), strict=True):
        at[i] = p
    in_park: dict[str, list[str]] = {}
    for e, park in sorted(park_of.items()):
        in_park.setdefault(park, []).append(e)
    for park, ents in in_park.items():
        for e, p in zip(ents, spiral(*at[park], len(ents)), strict=True):
            at[e] = p
    loose = sorted(i for i, n in members.items() if n.kind == "Enterprise" and i not in at)
    for i, p in zip(loose, spiral(right, 400, len(loose)), strict=True):
        at[i] = p
    for k, e in enumerate(sorted(sited, key=lambda e: (e.src, e.dst))):
        if e.src not in at and e.dst in at:
            x, y = at[e.dst]
            at[e.src] = (x + 30 * math.cos(k), y - 30 - 10 * math.sin(k))
    lone = sorted(i for i, n in members.items() if n.kind == "Station" and i not in at) + \
        sorted(i for i in points if i not in at)
    top = min((y for _, y in at.values()), default=0.0) - 200
    for k, i in enumerate(lone):
        at[i] = (-400 + 120 * k, top)
    return at


def evidence_network(store: Store, org: dict[str, Any] | None, results: list[dict[str, Any]],
                     label_of=lambda r: r.get("name") or r.get("title") or r["id"]) -> dict[str, Any]:
    """The org (if any), each result (group ``r<i>``), and the nodes and edges of its evidence paths."""
    groups: dict[str, list[str]] = {}
    edge_groups: dict[tuple[str, str, str], list[str]] = {}
    for i, r in enumerate(results):
        tag = f"r{i}"
        groups.setdefault(r["id"], []).append(tag)
        for ev in r.get("evidence") or ():
            for nid in ev["path"]:
                groups.setdefault(nid, []).append(tag)
            for e in ev["edges"]:
                edge_groups.setdefault((e["src"], e["dst"], e["kind"]), []).append(tag)
    found = _nodes(store, [*([org["id"]] if org else []), *groups])
    vnodes = []
    if org and org["id"] in found:  # on every candidate's paths: highlighted with each
        n = found[org["id"]]
        vnodes.append(VNode(n.id, n.kind, n.name, _title(n, "查询对象"), "focus", size=26,
                            groups=tuple(f"r{i}" for i in range(len(results)))))
    for nid, tags in groups.items():
        if nid in found and not (org and nid == org["id"]):
            n = found[nid]
            vnodes.append(VNode(nid, n.kind, n.name, _title(n), None, groups=tuple(dict.fromkeys(tags))))
    vedges = [VEdge(src, dst, kind, groups=tuple(dict.fromkeys(tags)))
              for (src, dst, kind), tags in edge_groups.items()]
    if org:
        for i, r in enumerate(results):
            if r["id"] != org["id"] and "score" in r:
                vedges.append(VEdge(org["id"], r["id"], "candidate", f"{r['score']:.2f}",
                                    f"候选 {label_of(r)} · 得分 {r['score']:.3f}", (f"r{i}",), dashes=True))
    return network(vnodes, vedges)


def dossier_network(store: Store, body: dict[str, Any]) -> dict[str, Any]:
    """An enterprise's file as a network: what it owns, undertakes and sits in, who served it, and its
    top matches (``m<i>``) and brokers (``b<i>``)."""
    ent = body["enterprise"]
    linked = [*(p["id"] for p in body["products"]), *(k["id"] for k in body["key_projects"]),
              *(x["id"] for x in ent.get("parks") or ()), *(x["id"] for x in ent.get("districts") or ()),
              *(r["station"] for r in body["records"])]
    matches = [(f"m{i}", r) for i, r in enumerate((body.get("matches") or {}).get("results") or ())]
    brokers = [(f"b{i}", r) for i, r in enumerate((body.get("brokers") or {}).get("results") or ())]
    found = _nodes(store, [ent["id"], *linked, *(r["id"] for _, r in matches + brokers)])
    if ent["id"] not in found:
        return network([], [])
    me = found[ent["id"]]
    vnodes = [VNode(me.id, me.kind, me.name, _title(me, "档案企业"), "focus", size=26)]
    tags: dict[str, list[str]] = {}
    for tag, r in matches + brokers:
        tags.setdefault(r["id"], []).append(tag)
    for nid in dict.fromkeys([*linked, *tags]):
        if nid in found and nid != me.id:
            n = found[nid]
            vnodes.append(VNode(nid, n.kind, n.name, _title(n), None, groups=tuple(tags.get(nid, ()))))
    kind_of = {"Product": "OWNS", "KeyProject": "UNDERTAKEN_BY", "Park": "LOCATED_IN", "District": "IN_DISTRICT",
               "Station": "TRACKS"}
    vedges = []
    for nid in dict.fromkeys(linked):
        n = found.get(nid)
        if n is None or nid == me.id:
            continue
        kind = kind_of[n.kind]
        src, dst = (nid, me.id) if kind in ("UNDERTAKEN_BY", "TRACKS") else (me.id, nid)
        vedges.append(VEdge(src, dst, kind))
    for tag, r in matches:
        vedges.append(VEdge(me.id, r["id"], "candidate", f"{r['score']:.2f}", f"匹配 {r['name']} · {r['score']:.3f}",
                            (tag,), dashes=True))
    for tag, r in brokers:
        vedges.append(VEdge(me.id, r["id"], "broker", f"{r['score']:.2f}", f"产学研用 {r['name']} · {r['score']:.3f}",
                            (tag,), dashes=True))
    return network(vnodes, vedges)
