// biokg pages: what every page shares.  Text from data is only ever set with textContent or as
// vis-network labels and titles (drawn as text): nothing from data is parsed as HTML.
"use strict";

const B = (() => {
  const page = JSON.parse(document.getElementById("biokg-page").textContent);
  const dataBlock = document.getElementById("biokg-data");
  const data = dataBlock ? JSON.parse(dataBlock.textContent) : null;
  const KEY = "biokg.key";
  const LANG = "biokg.lang";
  let lang = localStorage.getItem(LANG) === "en" ? "en" : "zh";

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key === "text") node.textContent = value;
      else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value === true ? "" : value);
    }
    for (const child of children) if (child !== null && child !== undefined) node.append(child);
    return node;
  }

  const t = (zh, en) => (lang === "en" && en ? en : zh);

  function kindLabel(kind) {
    const k = page.legend.nodes[kind] || page.legend.edges[kind] || page.legend.marks[kind];
    return k ? t(k.zh, k.en) : kind;
  }

  // a field's or segment's label (segment:drug.discovery -> 药物发现), else the id itself
  function term(id) {
    const k = page.terms && page.terms[id];
    return k ? t(k.zh, k.en) : id;
  }

  // a property's label and a value as people read it (an enumeration's code by its label)
  function propLabel(kind, name) {
    const p = (page.props[kind] || {})[name];
    return p ? t(p.zh, p.en) : name;
  }

  function valueText(kind, name, value) {
    const p = (page.props[kind] || {})[name];
    const codes = p && p.enum ? page.enums[p.enum] || {} : {};
    const one = (v) => (v === true ? t("是", "yes") : v === false ? t("否", "no")
      : codes[v] ? `${t(codes[v].zh, codes[v].en)} (${v})` : String(v));
    return Array.isArray(value) ? value.map(one).join("；") : one(value);
  }

  class ApiError extends Error {
    constructor(status, body) {
      const error = (body && body.error) || {};
      super(error.message || `HTTP ${status}`);
      this.status = status;
      this.code = error.code;
      this.details = error.details || [];
    }
  }

  function key() { return sessionStorage.getItem(KEY) || ""; }

  async function api(path, options) {
    if (page.standalone) throw new ApiError(0, { error: { message: t("离线文件：无法访问服务", "a standalone file: no server") } });
    const opts = options || {};
    const headers = { Accept: "application/json" };
    if (key()) headers.Authorization = "Bearer " + key();
    let body;
    if (opts.json !== undefined) {
      headers["Content-Type"] = "application/json";
      body = JSON.stringify(opts.json);
    }
    const response = await fetch(path, { method: opts.method || "GET", headers, body });
    const answer = await response.json().catch(() => null);
    if (!response.ok) throw new ApiError(response.status, answer);
    return answer;
  }

  function query(params) {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) {
      if (Array.isArray(v)) v.forEach((x) => q.append(k, x));
      else if (v !== null && v !== undefined && v !== "") q.set(k, v);
    }
    const s = q.toString();
    return s ? "?" + s : "";
  }

  function setMeta(meta) {
    if (!meta) return;
    const when = new Date(meta.generated);
    const shown = isNaN(when) ? meta.generated
      : when.toLocaleString(lang === "en" ? "en-GB" : "zh-CN", { timeZone: "Asia/Shanghai", hour12: false }) + " (UTC+8)";
    document.getElementById("meta").textContent =
      `${t("生成于", "generated")} ${shown} · ${t("数据", "store")} ${meta.store}`
      + (meta.as_of ? ` · ${t("截至", "as of")} ${meta.as_of}` : "");
  }

  function setTitle(text) {
    document.getElementById("title").textContent = text;
    document.title = text + " · biokg";
  }

  function showError(error, where) {
    const box = el("div", { class: "error", role: "alert" }, el("strong", { text: t("出错了：", "Error: ") }),
      el("span", { class: "message", text: error.message }));
    if (error.status === 401 || error.status === 403) {
      box.append(el("div", { class: "hint", text: t("需要有权限的 API 密钥：点右上角「密钥」填入 (biokg keys create --role analyst|station)",
        "This needs an API key with the right: click 密钥 (biokg keys create --role analyst|station)") }));
    }
    (where || document.getElementById("app")).replaceChildren(box);
    return box;
  }

  function pct(v) { return v === null || v === undefined ? "—" : (v * 100).toFixed(1) + "%"; }

  // a spreadsheet must not run a cell that starts a formula (as loaders.sheets.neutralise: =, @, a tab or
  // a CR, or +/- that is no signed number; a leading quote is quoted again, so the quote can be undone)
  function csvCell(v) {
    let s = v === null || v === undefined ? "" : Array.isArray(v) ? v.join("; ") : String(v);
    if (/^['=@\t\r]/.test(s) || (/^[+-]/.test(s) && !/^[+-]\d+(\.\d+)?$/.test(s))) s = "'" + s;
    return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  }

  function csv(columns, rows) {
    return [columns.map(csvCell).join(","), ...rows.map((r) => r.map(csvCell).join(","))].join("\r\n") + "\r\n";
  }

  function download(name, blob) {
    const a = el("a", { href: URL.createObjectURL(blob), download: name });
    document.body.append(a);
    a.click();
    setTimeout(() => { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
  }

  // a sortable table: columns [{key, zh, en, fmt(value,row) -> text|Node, num}], rows of objects
  function table(columns, rows, opts) {
    const options = opts || {};
    const tbody = el("tbody");
    let order = { key: options.sort || null, desc: !!options.desc };
    const head = el("tr");
    const draw = () => {
      const sorted = [...rows];
      if (order.key) {
        const col = columns.find((c) => c.key === order.key);
        const val = (r) => (col.sortValue ? col.sortValue(r) : r[col.key]);
        sorted.sort((a, b) => {
          const x = val(a), y = val(b);
          if (x === y) return 0;
          if (x === null || x === undefined) return 1;
          if (y === null || y === undefined) return -1;
          return (x < y ? -1 : 1) * (order.desc ? -1 : 1);
        });
      }
      tbody.replaceChildren(...sorted.map((r) => el("tr", { "data-id": r.id || null },
        ...columns.map((c) => {
          const v = c.fmt ? c.fmt(r[c.key], r) : r[c.key];
          return el("td", { class: c.num ? "num" : null }, v instanceof Node ? v : document.createTextNode(v === null || v === undefined ? "—" : String(v)));
        }))));
      for (const th of head.children) th.setAttribute("aria-sort", th.dataset.key === order.key ? (order.desc ? "descending" : "ascending") : "none");
    };
    for (const c of columns) {
      const th = el("th", { "data-key": c.key, scope: "col", tabindex: "0", text: t(c.zh, c.en) });
      const sort = () => { order = { key: c.key, desc: order.key === c.key ? !order.desc : !!c.num }; draw(); };
      th.addEventListener("click", sort);
      th.addEventListener("keydown", (e) => { if (e.key === "Enter") sort(); });
      head.append(th);
    }
    draw();
    return el("table", { class: "grid" + (options.class ? " " + options.class : "") }, el("thead", {}, head), tbody);
  }

  function bar(rate) {
    const fill = el("span", { class: "fill" });
    fill.style.width = rate === null || rate === undefined ? "0" : Math.round(rate * 100) + "%";
    return el("span", { class: "bar", title: pct(rate) }, fill, el("span", { class: "bar-text", text: pct(rate) }));
  }

  function link(href, text) { return el("a", { href, text }); }

  // a figure: a big value over its label
  function figure(value, label, attrs) {
    return el("div", { class: "figure", ...attrs }, el("div", { class: "value", text: value }), el("div", { class: "label", text: label }));
  }

  // select the nodes and edges tagged with a group (a candidate's evidence), and fit them in view
  function selectGroup(g, tag) {
    const nodes = g.nodes.get({ filter: (n) => (n.groups || []).includes(tag) }).map((n) => n.id);
    const edges = g.edges.get({ filter: (e) => (e.groups || []).includes(tag) }).map((e) => e.id);
    g.network.setSelection({ nodes, edges }, { unselectAll: true, highlightEdges: false });
    if (nodes.length) g.network.fit({ nodes, animation: false });
    g.container.dataset.selected = tag;
  }

  // ---- graphs -------------------------------------------------------------------------------
  function graph(container, net, handlers) {
    const h = handlers || {};
    const nodes = new vis.DataSet(net.nodes);
    const edges = new vis.DataSet(net.edges);
    const network = new vis.Network(container, { nodes, edges }, net.options || {});
    const g = { network, nodes, edges, container, hidden: { nodes: new Set(), edges: new Set() } };
    // ready: the first drawing of the graph's data (a page that fills the graph later calls g.ready())
    g.ready = () => network.once("afterDrawing", () => {
      container.dataset.ready = "1";
      window.biokgReady = performance.now();
    });
    if (!h.deferReady) g.ready();
    // when the layout holds still (at once without physics); a test measures positions only then
    container.dataset.stable = net.options && net.options.physics && net.options.physics.enabled === false ? "1" : "0";
    network.on("startStabilizing", () => { container.dataset.stable = "0"; });
    network.on("stabilized", () => { container.dataset.stable = "1"; });
    network.on("click", (params) => { if (params.nodes.length && h.click) h.click(params.nodes[0], g); });
    network.on("doubleClick", (params) => { if (params.nodes.length && h.doubleClick) h.doubleClick(params.nodes[0], g); });
    window.biokgGraph = g;  // for the browser tests and the benchmark
    return g;
  }

  // show only what is ticked: node kinds and edge kinds present in the graph
  function applyFilters(g) {
    g.nodes.update(g.nodes.get().map((n) => ({ id: n.id, hidden: g.hidden.nodes.has(n.kind) })));
    g.edges.update(g.edges.get().map((e) => ({ id: e.id, hidden: g.hidden.edges.has(e.kind) })));
  }

  function legendBox(g, onChange) {
    const box = el("div", { class: "legend" });
    const draw = () => {
      const nodeKinds = [...new Set(g.nodes.get().map((n) => n.kind))].sort();
      const edgeKinds = [...new Set(g.edges.get().map((e) => e.kind))].sort();
      const marks = [...new Set(g.nodes.get().map((n) => n.mark).filter(Boolean))].sort();
      const item = (kind, swatch, set) => {
        const box = el("input", { type: "checkbox", "data-kind": kind, checked: !set.has(kind) });
        box.addEventListener("change", () => {
          if (box.checked) set.delete(kind); else set.add(kind);
          applyFilters(g);
          if (onChange) onChange();
        });
        return el("label", { class: "legend-item" }, box, swatch, document.createTextNode(kindLabel(kind)));
      };
      const nodeSwatch = (kind) => {
        const s = page.legend.nodes[kind] || { color: "#999", shape: "dot" };
        const sw = el("span", { class: "swatch shape-" + s.shape });
        sw.style.background = s.color;
        return sw;
      };
      const edgeSwatch = (kind) => {
        const s = page.legend.edges[kind] || { color: "#888" };
        const sw = el("span", { class: "swatch line" });
        sw.style.background = s.color;
        return sw;
      };
      const markSwatch = (mark) => {
        const sw = el("span", { class: "swatch ring" });
        sw.style.borderColor = page.legend.marks[mark].color;
        return sw;
      };
      box.replaceChildren(
        el("h3", { text: t("节点", "Nodes") }), ...nodeKinds.map((k) => item(k, nodeSwatch(k), g.hidden.nodes)),
        el("h3", { text: t("关系", "Edges") }), ...edgeKinds.map((k) => item(k, edgeSwatch(k), g.hidden.edges)),
        ...(marks.length ? [el("h3", { text: t("标记", "Marks") }),
          ...marks.map((m) => el("div", { class: "legend-item" }, markSwatch(m), document.createTextNode(kindLabel(m))))] : []));
    };
    draw();
    box.redraw = draw;
    return box;
  }

  // the kinds' shapes as polygons on a unit radius (vis-network's dot and hexagon aside)
  const POLYGONS = {
    square: [[-1, -1], [1, -1], [1, 1], [-1, 1]],
    diamond: [[0, -1.3], [1.3, 0], [0, 1.3], [-1.3, 0]],
    triangle: [[0, -1.2], [1.1, 0.8], [-1.1, 0.8]],
    triangleDown: [[0, 1.2], [1.1, -0.8], [-1.1, -0.8]],
    star: [...Array(10).keys()].map((i) => { const a = -Math.PI / 2 + (i * Math.PI) / 5, k = i % 2 ? 0.5 : 1.3;
      return [k * Math.cos(a), k * Math.sin(a)]; }),
    hexagon: [...Array(6).keys()].map((i) => [Math.cos((i * Math.PI) / 3), Math.sin((i * Math.PI) / 3)]),
  };

  function svgOf(g) {
    const ns = "http://www.w3.org/2000/svg";
    const mk = (tag, attrs) => {
      const e = document.createElementNS(ns, tag);
      for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
      return e;
    };
    const visible = g.nodes.get().filter((n) => !n.hidden);
    const pos = g.network.getPositions(visible.map((n) => n.id));
    const xs = Object.values(pos).map((p) => p.x), ys = Object.values(pos).map((p) => p.y);
    const pad = 60;
    const minX = Math.min(...xs, 0) - pad, minY = Math.min(...ys, 0) - pad;
    const w = Math.max(...xs, 0) - minX + pad, h = Math.max(...ys, 0) - minY + pad;
    const svg = mk("svg", { xmlns: ns, viewBox: `${minX} ${minY} ${w} ${h}`, width: Math.round(w), height: Math.round(h),
      "font-family": "WenQuanYi Micro Hei, sans-serif", "font-size": "11" });
    const marker = mk("marker", { id: "arrow", viewBox: "0 0 10 10", refX: "18", refY: "5", markerWidth: "6",
      markerHeight: "6", orient: "auto-start-reverse" });
    marker.append(mk("path", { d: "M 0 0 L 10 5 L 0 10 z", fill: "#888" }));
    const defs = mk("defs", {});
    defs.append(marker);
    svg.append(defs);
    for (const e of g.edges.get()) {
      const a = pos[e.from], b = pos[e.to];
      if (!a || !b || e.hidden) continue;
      const line = mk("line", { x1: a.x, y1: a.y, x2: b.x, y2: b.y, stroke: (e.color && e.color.color) || "#888",
        "stroke-width": e.width || 1, "marker-end": "url(#arrow)" });
      if (e.dashes) line.setAttribute("stroke-dasharray", "5 4");
      const title = mk("title", {});
      title.textContent = e.title || e.kind;
      line.append(title);
      svg.append(line);
    }
    for (const n of visible) {
      const p = pos[n.id];
      const c = n.color || {};
      const r = (n.size || 14) / 1.5;
      const paint = { fill: c.background || "#999", stroke: c.border || "#555", "stroke-width": n.borderWidth || 1 };
      const shape = n.shape && POLYGONS[n.shape]
        ? mk("polygon", { points: POLYGONS[n.shape].map(([dx, dy]) => `${p.x + dx * r},${p.y + dy * r}`).join(" "), ...paint })
        : mk("circle", { cx: p.x, cy: p.y, r, ...paint });
      shape.setAttribute("data-id", n.id);
      const title = mk("title", {});
      title.textContent = n.title || n.label;
      shape.append(title);
      svg.append(shape);
      if (n.label) {
        const text = mk("text", { x: p.x, y: p.y + r + 12, "text-anchor": "middle", fill: "#222" });
        text.textContent = n.label;
        svg.append(text);
      }
    }
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + new XMLSerializer().serializeToString(svg);
  }

  // the export bar: PNG and SVG of the graph (when there is one), the data as JSON and CSV
  function exports(name, opts) {
    const o = opts || {};
    const bar = el("div", { class: "exports" });
    if (o.graph) {
      bar.append(el("button", { type: "button", class: "export-png", text: "PNG", onclick: () => {
        const canvas = o.graph().container.querySelector("canvas");
        canvas.toBlob((blob) => download(name + ".png", blob), "image/png");
      } }));
      bar.append(el("button", { type: "button", class: "export-svg", text: "SVG", onclick: () =>
        download(name + ".svg", new Blob([svgOf(o.graph())], { type: "image/svg+xml" })) }));
    }
    if (o.json) {
      bar.append(el("button", { type: "button", class: "export-json", text: "JSON", onclick: () =>
        download(name + ".json", new Blob([JSON.stringify(o.json(), null, 2)], { type: "application/json" })) }));
    }
    if (o.csv) {
      bar.append(el("button", { type: "button", class: "export-csv", text: "CSV", onclick: () => {
        const [columns, rows] = o.csv();
        download(name + ".csv", new Blob(["\ufeff" + csv(columns, rows)], { type: "text/csv" }));
      } }));
    }
    return bar;
  }

  // a view's data: written into a standalone file, else asked of the API
  async function view(path) {
    return data || api(path);
  }

  // form errors from the API beside their fields ({"field": "body.station"} -> [name=station])
  function fieldErrors(form, error) {
    clearErrors(form);
    let placed = false;
    for (const d of error.details || []) {
      const name = String(d.field || "").split(".").pop();
      const input = name && form.querySelector(`[name="${CSS.escape(name)}"]`);
      if (input) {
        input.after(el("span", { class: "field-error", role: "alert", "data-field": name, text: d.message }));
        input.setAttribute("aria-invalid", "true");
        placed = true;
      }
    }
    if (!placed) form.append(el("div", { class: "field-error form-error", role: "alert", text: error.message }));
  }

  function clearErrors(form) {
    for (const old of form.querySelectorAll(".field-error")) old.remove();
    for (const i of form.querySelectorAll("[aria-invalid]")) i.removeAttribute("aria-invalid");
  }

  function start(run) {
    document.addEventListener("DOMContentLoaded", () => {
      const langButton = document.getElementById("lang");
      langButton.textContent = lang === "en" ? "中文" : "EN";
      langButton.addEventListener("click", () => {
        localStorage.setItem(LANG, lang === "en" ? "zh" : "en");
        location.reload();
      });
      const form = document.getElementById("key-form");
      document.getElementById("key-button").addEventListener("click", () => { form.hidden = !form.hidden; });
      if (page.standalone) document.getElementById("key-button").hidden = true;
      form.addEventListener("submit", (e) => {
        e.preventDefault();
        sessionStorage.setItem(KEY, document.getElementById("key").value.trim());
        location.reload();
      });
      document.getElementById("key-clear").addEventListener("click", () => { sessionStorage.removeItem(KEY); location.reload(); });
      setMeta({ generated: page.generated, store: page.store || "—" });
      Promise.resolve().then(run).catch((error) => showError(error));
    });
  }

  return { page, data, el, t, term, kindLabel, propLabel, valueText, api, ApiError, query, setMeta, setTitle, showError, pct, csv, download,
    table, bar, link, figure, selectGroup, graph, applyFilters, legendBox, svgOf, exports, view, fieldErrors, clearErrors, start,
    key, get lang() { return lang; } };
})();
