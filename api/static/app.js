// biokg search page. Data text is only ever set with textContent: names from data are shown
// as text, never parsed as HTML.
"use strict";

const labels = { node: {}, edge: {}, props: {}, enums: {} };

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (key === "text") node.textContent = value;
    else node.setAttribute(key, value);
  }
  for (const child of children) node.append(child);
  return node;
}

async function getJSON(url) {
  const response = await fetch(url, { headers: { Accept: "application/json" } });
  const body = await response.json();
  if (!response.ok) throw new Error(body.error ? body.error.message : response.statusText);
  return body;
}

function kindLabel(kind) {
  return labels.node[kind] || labels.edge[kind] || kind;
}

function provenanceText(p) {
  if (!p) return "";
  const row = p.row === null ? "" : ":" + p.row;
  const via = p.mapping ? ` · 数据集 ${p.dataset} · 映射 ${p.mapping} v${p.mapping_version}` : "";
  return `来源 ${p.source}${row} · ${p.load_id} · ${p.loaded_at}${via}`;
}

function formatValue(value, prop) {
  const codes = prop && prop.enum ? labels.enums[prop.enum] : null;
  if (Array.isArray(value)) return value.map((v) => formatValue(v, prop)).join("；");
  if (value === true) return "是";
  if (value === false) return "否";
  if (codes && codes[value]) return `${codes[value]} (${value})`;
  return String(value);
}

function propOf(kind, name) {
  return (labels.props[kind] || {})[name] || null;
}

async function showStats() {
  const stats = await getJSON("/api/v1/stats");
  const parts = Object.entries(stats.nodes).map(([kind, n]) => `${kindLabel(kind)} ${n}`);
  document.getElementById("stats").textContent = parts.join(" · ");
}

async function search(query) {
  const list = document.getElementById("results");
  list.replaceChildren();
  const body = await getJSON("/api/v1/search?limit=50&q=" + encodeURIComponent(query));
  if (body.data.length === 0) {
    list.append(el("li", { class: "empty", text: "没有找到匹配的结果" }));
    return;
  }
  for (const hit of body.data) {
    const item = el("li", { "data-id": hit.id, tabindex: "0" },
      el("span", { class: "kind", text: kindLabel(hit.kind) }),
      el("span", { class: "name", text: hit.name }),
      el("div", { class: "id", text: hit.id + (hit.matched !== hit.name ? " · 别名 " + hit.matched : "") }));
    item.addEventListener("click", () => showNode(hit.id));
    item.addEventListener("keydown", (e) => { if (e.key === "Enter") showNode(hit.id); });
    list.append(item);
  }
}

async function showNode(id) {
  const panel = document.getElementById("detail");
  const path = "/api/v1/entities/" + encodeURIComponent(id);
  const [node, around] = await Promise.all([getJSON(path), getJSON(path + "/neighbours?limit=200")]);
  node.edges = around.data;
  node.edges_total = around.total;
  const props = el("dl");
  for (const [key, value] of Object.entries(node.props)) {
    const prop = propOf(node.kind, key);
    props.append(el("dt", { text: prop ? prop.zh : key, title: key }), el("dd", { text: formatValue(value, prop) }));
  }
  const edges = el("ol", { class: "edges" });
  for (const edge of node.edges) {
    const arrow = edge.direction === "out" ? "→" : "←";
    const extra = Object.entries(edge.props)
      .map(([k, v]) => { const p = propOf(edge.kind, k); return `${p ? p.zh : k}: ${formatValue(v, p)}`; })
      .join("，");
    const item = el("li", { class: "edge", "data-id": edge.other.id },
      el("span", { class: "kind", text: kindLabel(edge.kind) }),
      el("span", { text: `${arrow} ` }),
      el("span", { class: "name", text: edge.other.name }),
      el("span", { class: "id", text: ` (${kindLabel(edge.other.kind)} ${edge.other.id}) ${extra}` }),
      el("div", { class: "prov", text: provenanceText(edge.provenance) }));
    item.addEventListener("click", () => showNode(edge.other.id));
    edges.append(item);
  }
  panel.replaceChildren(
    el("h2", {}, el("span", { class: "kind", text: kindLabel(node.kind) }), el("span", { class: "name", text: node.name })),
    el("div", { class: "id", text: node.id }),
    props,
    el("div", { class: "prov", text: provenanceText(node.provenance) }),
    el("h3", { text: node.edges.length < node.edges_total
      ? `关系 (前 ${node.edges.length} 条，共 ${node.edges_total} 条)` : `关系 (${node.edges_total})` }),
    edges);
}

async function start() {
  try {
    const ontology = await getJSON("/api/v1/ontology");
    for (const k of [...ontology.node_kinds, ...ontology.edge_kinds]) {
      (k.sources ? labels.edge : labels.node)[k.name] = k.zh;
      labels.props[k.name] = Object.fromEntries(k.props.map((p) => [p.name, p]));
    }
    for (const [name, values] of Object.entries(ontology.enums)) {
      labels.enums[name] = Object.fromEntries(values.map((v) => [v.code, v.zh]));
    }
    await showStats();
  } catch (error) {
    document.getElementById("stats").textContent = "无法连接服务: " + error.message;
  }
  document.getElementById("search-form").addEventListener("submit", (event) => {
    event.preventDefault();
    search(document.getElementById("q").value).catch((error) => {
      document.getElementById("results").replaceChildren(el("li", { class: "empty", text: error.message }));
    });
  });
}

document.addEventListener("DOMContentLoaded", start);
