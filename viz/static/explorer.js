// The explorer: search, a neighbourhood graph, details and provenance, expand / show more / undo /
// collapse, filters by kind; the state (focus, expansions, hidden kinds) lives in the URL.
"use strict";

const PAGE = 25;  // neighbours fetched per expansion ("show more" fetches the next page)
const PHYSICS_MAX = B.page.physics_max;  // as viz/network.py: above it the graph holds still
const state = { focus: null, expansions: [], g: null, legend: null, still: false, generation: 0, entities: new Map() };

function url() {
  const q = new URLSearchParams();
  if (state.focus) q.set("focus", state.focus);
  const expanded = state.expansions.filter((x) => x.id !== state.focus || x.pages > 1);
  // one expand=ID per page of neighbours shown (an id may hold any character: no list syntax to break)
  for (const x of expanded) for (let p = x.id === state.focus ? 1 : 0; p < x.pages; p++) q.append("expand", x.id);
  if (state.g && state.g.hidden.nodes.size) q.set("hide", [...state.g.hidden.nodes].join(","));
  if (state.g && state.g.hidden.edges.size) q.set("hide_edges", [...state.g.hidden.edges].join(","));
  history.replaceState(null, "", location.pathname + (q.toString() ? "?" + q : ""));
}

function visNode(n) {
  const s = B.page.legend.nodes[n.kind] || { color: "#999", shape: "dot" };
  return { id: n.id, label: n.name, title: `${B.kindLabel(n.kind)} · ${n.name} · ${n.id}`, kind: n.kind, shape: s.shape,
    color: { background: s.color, border: s.color }, size: 14, hidden: state.g ? state.g.hidden.nodes.has(n.kind) : false };
}

function edgeId(src, kind, dst, props) { return `${src}|${kind}|${dst}|${(props && props.id) || ""}`; }

// one page of a node's neighbours into the graph; what it added is remembered, for undo/collapse
async function expand(id, more) {
  let x = state.expansions.find((e) => e.id === id);
  if (x && !more) return x;
  if (!x) {
    x = { id, pages: 0, next: null, total: 0, nodes: [], edges: [] };
    state.expansions.push(x);
  } else if (!x.next) return x;
  const path = `/api/v1/entities/${encodeURIComponent(id)}/neighbours` + B.query({ limit: PAGE, cursor: x.next });
  const around = await B.api(path);
  x.pages += 1;
  x.next = around.next;
  x.total = around.total;
  for (const n of around.data) {
    if (!state.g.nodes.get(n.other.id)) { state.g.nodes.add(visNode(n.other)); x.nodes.push(n.other.id); }
    const [src, dst] = n.direction === "out" ? [id, n.other.id] : [n.other.id, id];
    const eid = edgeId(src, n.kind, dst, n.props);
    if (!state.g.edges.get(eid)) {
      const s = B.page.legend.edges[n.kind] || { color: "#888" };
      state.g.edges.add({ id: eid, from: src, to: dst, kind: n.kind, title: B.kindLabel(n.kind), color: { color: s.color },
        arrows: "to", hidden: state.g.hidden.edges.has(n.kind) });
      x.edges.push(eid);
    }
  }
  state.legend.redraw();
  url();
  // a few hundred nodes: let the layout settle once, then hold still (physics would keep them moving)
  const big = state.g.nodes.length > PHYSICS_MAX;
  if (big !== state.still) {
    state.still = big;
    if (big) state.g.network.stabilize(100);
    state.g.network.setOptions({ physics: { enabled: !big } });
  }
  return x;
}

// take an expansion back: the edges it added leave, with the nodes it added that no other edge holds
// (a node another expansion also reached stays); expansions of the nodes that leave are taken back too
function collapse(id) {
  const i = state.expansions.findIndex((e) => e.id === id);
  if (i < 0) return;
  const [x] = state.expansions.splice(i, 1);
  const g = state.g;
  g.edges.remove(x.edges);
  const held = new Set([state.focus, ...state.expansions.map((e) => e.id)]);
  for (const e of g.edges.get()) { held.add(e.from); held.add(e.to); }
  const leaving = x.nodes.filter((n) => !held.has(n));
  g.nodes.remove(leaving);
  for (const nid of leaving) collapse(nid);
  state.legend.redraw();
  url();
}

function undo() {
  const last = state.expansions[state.expansions.length - 1];
  if (last && last.id !== state.focus) collapse(last.id);
  showDetail(state.focus).catch((e) => B.showError(e, document.getElementById("detail")));
}

function provenanceLines(p) {
  if (!p) return [];
  const lines = [`${B.t("来源", "source")} ${p.source}${p.row === null || p.row === undefined ? "" : ":" + p.row}`,
    `${B.t("载入", "load")} ${p.load_id} · ${p.loaded_at}`];
  if (p.mapping) lines.push(`${B.t("数据集", "dataset")} ${p.dataset} · ${B.t("映射", "mapping")} ${p.mapping} v${p.mapping_version}`);
  return lines;
}

// a node's details, asked once per focus (a click, a double-click and the expansion each show them)
function entity(id) {
  if (!state.entities.has(id)) {
    const asked = B.api(`/api/v1/entities/${encodeURIComponent(id)}`);
    asked.catch(() => state.entities.delete(id));  // a failure is asked again next time
    state.entities.set(id, asked);
  }
  return state.entities.get(id);
}

async function showDetail(id) {
  const panel = document.getElementById("detail");
  const node = await entity(id);
  const props = B.el("dl");
  for (const [k, v] of Object.entries(node.props)) {
    props.append(B.el("dt", { text: B.propLabel(node.kind, k), title: k }), B.el("dd", { text: B.valueText(node.kind, k, v) }));
  }
  const x = state.expansions.find((e) => e.id === id);
  const actions = B.el("div", { class: "toolbar" },
    B.el("button", { type: "button", id: "expand", text: x ? B.t("已展开", "expanded") : B.t("展开邻居", "expand"), disabled: !!x,
      onclick: () => expand(id).then(() => showDetail(id)) }),
    x && x.next ? B.el("button", { type: "button", id: "more", class: "secondary",
      text: `${B.t("显示更多", "show more")} (${state.g.edges.get().filter((e) => e.from === id || e.to === id).length}/${x.total})`,
      onclick: () => expand(id, true).then(() => showDetail(id)) }) : null,
    x && id !== state.focus ? B.el("button", { type: "button", id: "collapse", class: "secondary", text: B.t("收起", "collapse"),
      onclick: () => { collapse(id); showDetail(id); } }) : null,
    id !== state.focus ? B.el("button", { type: "button", id: "refocus", class: "secondary", text: B.t("以此为中心", "focus here"),
      onclick: () => focusOn(id) }) : null);
  const merges = (node.merges || []).map((m) => B.el("li", { class: "prov", text: `${m.source} · ${m.key}${m.method ? " · " + m.method : ""}${m.score !== undefined && m.score !== null ? " · " + m.score : ""}` }));
  panel.replaceChildren(...[
    B.el("h2", {}, B.el("span", { class: "kind", text: B.kindLabel(node.kind) }), B.el("span", { class: "name", text: node.name })),
    B.el("div", { class: "id", text: node.id }), actions, props,
    B.el("h3", { text: B.t("出处", "Provenance") }),
    ...provenanceLines(node.provenance).map((l) => B.el("div", { class: "prov", text: l })),
    ...(merges.length ? [B.el("h3", { text: B.t(`合并的源记录 (${merges.length})`, `merged records (${merges.length})`) }), B.el("ul", { class: "plain" }, ...merges)] : []),
    node.kind === "Enterprise" ? B.el("p", {}, B.link(`/dossier/${encodeURIComponent(node.id)}`, B.t("服务档案", "service file")), document.createTextNode(" · "),
      B.link(`/match/${encodeURIComponent(node.id)}`, B.t("产业链匹配", "matching"))) : null,
    node.kind === "District" ? B.el("p", {}, B.link(`/coverage/${encodeURIComponent(node.id)}`, B.t("覆盖情况", "coverage"))) : null,
    node.kind === "Station" ? B.el("p", {}, B.link(`/station/${encodeURIComponent(node.id)}`, B.t("工作台", "workbench"))) : null,
  ].filter(Boolean));
  panel.dataset.id = node.id;
}

async function focusOn(id, restore) {
  const generation = ++state.generation;  // a later choice wins over one still loading
  state.entities.clear();
  const node = await entity(id);
  if (generation !== state.generation) return;
  if (state.g) state.g.network.destroy();
  state.focus = id;
  state.expansions = [];
  state.still = false;
  const box = document.getElementById("graph");
  delete box.dataset.ready;
  const g = B.graph(box, { nodes: [], edges: [], options: { physics: { stabilization: { iterations: 150 } },
    interaction: { hover: true, tooltipDelay: 150 }, edges: { smooth: false } } }, {
    deferReady: true,  // ready once the neighbourhood is in, not at the focus alone
    click: (nid) => showDetail(nid).catch((e) => B.showError(e, document.getElementById("detail"))),
    doubleClick: (nid) => expand(nid, state.expansions.some((x) => x.id === nid)).then(() => showDetail(nid))
      .catch((e) => B.showError(e, document.getElementById("detail"))),
  });
  if (restore) { restore.hide.forEach((k) => g.hidden.nodes.add(k)); restore.hideEdges.forEach((k) => g.hidden.edges.add(k)); }
  state.g = g;
  const legendHolder = document.getElementById("legend");
  state.legend = B.legendBox(g, url);
  legendHolder.replaceChildren(state.legend);
  g.nodes.add({ ...visNode(node), size: 24, color: { background: visNode(node).color.background, border: "#111" }, borderWidth: 4 });
  await expand(id);
  for (const [nid, pages] of (restore && restore.expand) || []) {
    if (!g.nodes.get(nid)) continue;
    for (let p = 0; p < pages; p++) await expand(nid, p > 0);
  }
  g.ready();
  g.network.redraw();
  g.network.once("stabilized", () => g.network.focus(id, { scale: 1, animation: false }));
  g.network.selectNodes([id]);
  await showDetail(id);
  url();
}

// the matched part of a name, marked (built from text nodes: nothing is parsed)
function highlighted(text, q) {
  const span = B.el("span", { class: "name" });
  const fold = (s) => s.normalize("NFKC").toLowerCase();
  const at = fold(text).indexOf(fold(q));
  if (at < 0 || fold(text).length !== text.length) { span.textContent = text; return span; }
  span.append(text.slice(0, at), B.el("mark", { text: text.slice(at, at + q.length) }), text.slice(at + q.length));
  return span;
}

async function search(q) {
  const list = document.getElementById("results");
  const body = await B.api("/api/v1/search" + B.query({ q, limit: 50 }));
  if (!body.data.length) { list.replaceChildren(B.el("li", { class: "empty", text: B.t("没有找到匹配的结果", "nothing found") })); return; }
  list.replaceChildren(...body.data.map((hit) => {
    const item = B.el("li", { "data-id": hit.id, tabindex: "0" }, B.el("span", { class: "kind", text: B.kindLabel(hit.kind) }),
      highlighted(hit.name, q), B.el("div", { class: "id" }, document.createTextNode(hit.id),
        ...(hit.matched !== hit.name ? [document.createTextNode(` · ${B.t("别名", "alias")} `), highlighted(hit.matched, q)] : [])));
    const go = () => focusOn(hit.id).catch((e) => B.showError(e, document.getElementById("detail")));
    item.addEventListener("click", go);
    item.addEventListener("keydown", (e) => { if (e.key === "Enter") go(); });
    return item;
  }));
  // a hit already in the graph is selected and centred
  const shown = body.data.map((h) => h.id).filter((id) => state.g && state.g.nodes.get(id));
  if (shown.length) { state.g.network.selectNodes(shown); state.g.network.focus(shown[0], { scale: 1.2 }); }
}

B.start(async () => {
  B.setTitle(B.t("图谱浏览", "Explorer"));
  const app = document.getElementById("app");
  const form = B.el("form", { id: "search-form", role: "search" },
    B.el("input", { id: "q", name: "q", type: "search", required: true, maxlength: "200", autocomplete: "off",
      placeholder: B.t("搜索企业、园区、医院、产品、专利… (名称或别名)", "search enterprises, parks, hospitals, products, patents… (name or alias)") }),
    B.el("button", { type: "submit", text: B.t("搜索", "Search") }));
  const graphBox = B.el("div", { id: "graph", class: "graph" });
  app.replaceChildren(B.el("div", { class: "layout" },
    B.el("section", { class: "panel" }, form, B.el("ol", { id: "results", class: "results" }),
      B.el("div", { class: "toolbar" }, B.el("button", { type: "button", id: "undo", class: "secondary", text: B.t("撤销展开", "undo expansion"), onclick: undo })),
      B.el("div", { id: "legend" })),
    B.el("section", {}, graphBox, B.exports("biokg-explorer", {
      graph: () => state.g,
      json: () => ({ focus: state.focus, nodes: state.g.nodes.get(), edges: state.g.edges.get() }),
      csv: () => [["id", "kind", "name"], state.g.nodes.get().map((n) => [n.id, n.kind, n.label])] })),
    B.el("section", { id: "detail", class: "panel" }, B.el("p", { class: "empty", text: B.t("搜索并选择一个实体，双击节点展开邻居", "search and pick an entity; double-click a node to expand it") }))));
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    search(document.getElementById("q").value).catch((err) => B.showError(err, document.getElementById("results")));
  });
  B.api("/api/v1/stats").then((stats) => document.getElementById("meta").append(  // beside the focus, not before it
    " · " + Object.entries(stats.nodes).map(([k, n]) => `${B.kindLabel(k)} ${n}`).join(" · "))).catch(() => {});
  const params = new URLSearchParams(location.search);
  const focus = params.get("focus") || B.page.args.focus;
  if (focus) {
    const split = (name) => (params.get(name) || "").split(",").filter(Boolean);
    const pages = new Map();
    for (const id of params.getAll("expand")) pages.set(id, (pages.get(id) || 0) + 1);
    const expandList = [...pages].map(([id, n]) => [id, id === focus ? n + 1 : n]);
    await focusOn(focus, { expand: expandList, hide: split("hide"), hideEdges: split("hide_edges") });
  }
});
