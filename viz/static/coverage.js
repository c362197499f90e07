// Coverage: the city overview (one sortable row per district with its rates and bars) and a
// district's map-like view (sites by coordinates, covered / uncovered, untracked, suggested sites).
"use strict";

const RATES = [["parks_rate", "园区覆盖率", "parks"], ["enterprises_rate", "企业覆盖率", "enterprises"],
  ["innovative_products_rate", "创新产品跟踪率", "innovative products"], ["key_projects_rate", "重点项目跟踪率", "key projects"]];

function districtLink(d) { return B.link(`/coverage/${encodeURIComponent(d.id)}`, d.name); }

function stationColumns() {
  return [
    { key: "rank", zh: "排名", en: "rank", num: true },
    { key: "name", zh: "工作站", en: "station", fmt: (v, r) => B.link(`/station/${encodeURIComponent(r.id)}`, v) },
    { key: "type", zh: "类型", en: "type" },
    { key: "score", zh: "得分", en: "score", num: true, fmt: (v) => (v === null ? "—" : v.toFixed(3)) },
    ...RATES.map(([k, zh, en]) => ({ key: k, zh, en, num: true, fmt: B.pct })),
    { key: "records_per_month", zh: "月均记录", en: "records / month", num: true, fmt: (v) => v.toFixed(1) },
    { key: "targets", zh: "服务对象", en: "targets", num: true },
    { key: "questions", zh: "5个工作日内答复", en: "answered in 5 wd", num: true,
      sortValue: (r) => (r.questions ? r.questions.within_rate : null), fmt: (v) => (v ? B.pct(v.within_rate) : "—") },
  ];
}

async function overview(app) {
  B.setTitle(B.t("工作站覆盖 · 全市", "Station coverage · city"));
  const report = await B.api("/api/v1/coverage");
  B.setMeta({ generated: B.page.generated, store: B.page.store, as_of: report.as_of });
  const columns = [
    { key: "name", zh: "区", en: "district", fmt: (v, r) => districtLink(r) },
    { key: "stations", zh: "工作站", en: "stations", num: true, sortValue: (r) => r.stations.length, fmt: (v) => v.length },
    { key: "parks_total", zh: "园区", en: "parks", num: true },
    { key: "enterprises_total", zh: "企业", en: "enterprises", num: true },
    ...RATES.map(([k, zh, en]) => ({ key: k, zh, en, num: true, fmt: (v) => B.bar(v) })),
    { key: "gaps", zh: "缺口", en: "gaps", sortValue: (r) => r.gaps.length,
      fmt: (v) => v.map((g) => (g.kind === "no_station" ? B.t("无工作站", "no station") : `${g.station} ${B.t("缺", "lacks")} ${g.lacks}`)).join("；") },
  ];
  const rows = report.districts;
  app.replaceChildren(
    B.el("p", { class: "hint", text: B.t(`窗口 ${report.window_days} 天，截至 ${report.as_of}。点表头排序，点区名查看分布。`,
      `window ${report.window_days} days to ${report.as_of}. Click a heading to sort, a district to see it.`) }),
    B.exports("biokg-coverage", { json: () => report,
      csv: () => [["id", "name", ...columns.slice(1).map((c) => c.key)],
        rows.map((r) => [r.id, r.name, r.stations, r.parks_total, r.enterprises_total, ...RATES.map(([k]) => r[k]), r.gaps.map((g) => g.kind)])] }),
    B.el("div", { id: "districts" }, B.table(columns, rows, { sort: "enterprises_rate", class: "districts" })),
    B.el("h3", { text: report.scorecard_withheld ? B.t("工作站排名（无权查看）", "station ranks (withheld)") : B.t("工作站排名", "Station ranks") }),
    report.stations.length ? B.table(stationColumns(), report.stations, { sort: "rank" }) : B.el("p", { class: "empty", text: "—" }));
}

function namedList(title, items, cls) {
  if (!items.length) return null;
  return B.el("details", { class: cls }, B.el("summary", { text: `${title} (${items.length})` }),
    B.el("ul", { class: "plain" }, ...items.map((x) => B.el("li", { "data-id": x.id }, B.el("span", { class: "name", text: x.name }),
      B.el("span", { class: "id", text: " " + x.id })))));
}

async function district(app, name) {
  const params = new URLSearchParams(location.search);
  const view = await B.view("/api/v1/views/coverage" + B.query({ district: name, as_of: params.get("as_of"),
    window_days: params.get("window_days"), radius_km: params.get("radius_km"), suggest: params.get("suggest") || 3 }));
  const report = view.report;
  const [d] = report.districts;
  B.setTitle(`${d.name} · ${B.t("工作站覆盖", "station coverage")}`);
  B.setMeta(view.meta);
  const graphBox = B.el("div", { id: "graph", class: "graph" });
  let g = null;
  const figure = B.figure;
  const numbers = B.el("div", { class: "figures", id: "figures" },
    figure(`${d.parks_covered}/${d.parks_total}`, B.t("园区覆盖 ", "parks covered ") + B.pct(d.parks_rate), { "data-figure": "parks_rate" }),
    figure(`${d.enterprises_covered}/${d.enterprises_total}`, B.t("企业覆盖 ", "enterprises covered ") + B.pct(d.enterprises_rate), { "data-figure": "enterprises_rate" }),
    figure(`${d.innovative_products_tracked}/${d.innovative_products_total}`, B.t("创新产品跟踪 ", "innovative products tracked ") + B.pct(d.innovative_products_rate), { "data-figure": "innovative_products_rate" }),
    figure(`${d.key_projects_tracked}/${d.key_projects_total}`, B.t("重点项目跟踪 ", "key projects tracked ") + B.pct(d.key_projects_rate), { "data-figure": "key_projects_rate" }));
  const suggestions = (report.suggestions || []).map((s, i) => B.el("li", { class: "candidate", "data-id": s.site,
    onclick: () => { g.network.selectNodes([s.site]); g.network.focus(s.site, { scale: 1.2 }); } },
  B.el("strong", { text: `${i + 1}. ${s.name}` }), B.el("span", { class: "id", text: ` +${s.gain} · ${s.enterprises.length} ${B.t("家企业", "enterprises")}` })));
  const side = B.el("section", { class: "panel" }, numbers,
    B.el("p", { class: "hint", text: B.t(`窗口 ${report.window_days} 天，截至 ${report.as_of}；半径 ${report.radius_km} km`, `window ${report.window_days} days to ${report.as_of}; radius ${report.radius_km} km`) }),
    d.gaps.length ? B.el("div", { class: "error", text: d.gaps.map((x) => (x.kind === "no_station" ? B.t("本区无工作站", "no station here") : `${x.station} ${B.t("服务范围缺", "lacks")} ${x.lacks} (${x.products})`)).join("；") }) : null,
    B.el("h3", { text: B.t("建议新增服务点", "Suggested sites") }),
    suggestions.length ? B.el("ol", { id: "suggestions" }, ...suggestions) : B.el("p", { class: "empty", text: "—" }),
    namedList(B.t("未覆盖园区", "parks not covered"), d.uncovered_parks, "uncovered-parks"),
    namedList(B.t("未覆盖企业", "enterprises not covered"), d.uncovered_enterprises, "uncovered-enterprises"),
    namedList(B.t("未跟踪创新产品", "innovative products not tracked"), d.untracked_products, "untracked-products"),
    namedList(B.t("未跟踪重点项目", "key projects not tracked"), d.untracked_projects, "untracked-projects"),
    B.el("h3", { text: B.t("图例与筛选", "Legend and filters") }), B.el("div", { id: "legend" }));
  const detail = B.el("p", { id: "detail", class: "hint", text: B.t("点节点看详情", "click a node for details") });
  app.replaceChildren(B.el("div", { class: "layout two" }, side,
    B.el("section", {}, graphBox, detail, B.exports("biokg-coverage-" + d.id, { graph: () => g, json: () => view,
      csv: () => [["id", "kind", "name", "mark"], view.graph.nodes.map((n) => [n.id, n.kind, n.label, n.mark])] }))),
  B.el("h3", { text: B.t("工作站", "Stations") }),
  report.stations.length ? B.table(stationColumns(), report.stations, { sort: "rank" })
    : B.el("p", { class: "empty", text: report.scorecard_withheld ? B.t("排名仅对有权查看者显示", "ranks are shown to those who may read them") : "—" }));
  g = B.graph(graphBox, view.graph, { click: (id) => {
    const n = g.nodes.get(id);
    detail.replaceChildren(document.createTextNode(n.title + " "),
      B.page.standalone ? "" : B.link("/?focus=" + encodeURIComponent(id), B.t("在图谱中浏览", "explore")));
  } });
  document.getElementById("legend").replaceChildren(B.legendBox(g));
}

B.start(async () => {
  const app = document.getElementById("app");
  const name = B.page.args.district;
  if (name) await district(app, name);
  else await overview(app);
});
