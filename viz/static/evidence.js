// Evidence views: matching (/match/{org}), brokering (/broker) and patents (/patents): the org, its
// needs and why, the ranked candidates with their reasons; picking a candidate highlights its
// evidence paths on the graph.
"use strict";

const WHAT = {
  match: { zh: "产业链匹配", en: "chain matching", path: (a) => `/api/v1/views/match/${encodeURIComponent(a.org)}`, params: ["segment", "field"] },
  broker: { zh: "产学研用撮合", en: "brokering", path: () => "/api/v1/views/broker", params: ["org", "field"] },
  patents: { zh: "专利供需", en: "patents", path: () => "/api/v1/views/patents", params: ["org", "field"] },
};

let g = null;

function select(tag, item) {
  for (const el of document.querySelectorAll(".candidate.selected")) el.classList.remove("selected");
  item.classList.add("selected");
  B.selectGroup(g, tag);
}

function candidateItem(r, i, page) {
  const tag = `r${i}`;
  const name = r.name || r.title || r.id;
  const sub = page === "patents" ? (r.applicants || []).map((a) => a.name).join("、") : (r.segment ? B.term(r.segment) + (r.field ? " · " + B.term(r.field) : "") : r.type || "");
  const item = B.el("li", { class: "candidate", "data-id": r.id, "data-group": tag, tabindex: "0" },
    B.el("div", {}, B.el("strong", { class: "name", text: `${i + 1}. ${name}` }), B.el("span", { class: "id", text: ` ${r.id} · ${B.t("得分", "score")} ${r.score.toFixed(3)}` })),
    sub ? B.el("div", { class: "id", text: sub }) : null,
    B.el("ul", { class: "plain reasons" }, ...(r.reasons || []).map((x) => B.el("li", { text: "· " + x.text }))),
    B.el("div", { class: "id", text: `${B.t("证据路径", "evidence paths")} ${(r.evidence || []).length}` }));
  item.addEventListener("click", () => select(tag, item));
  item.addEventListener("keydown", (e) => { if (e.key === "Enter") select(tag, item); });
  return item;
}

function askForm(page, args) {
  const input = (name, zh, en) => B.el("input", { name, type: "search", maxlength: "200", value: args[name] || "", placeholder: B.t(zh, en) });
  const form = B.el("form", { id: "ask", method: "get" },
    page === "match" ? null : input("org", "企业或机构 (id 或名称)", "enterprise or institution (id or name)"),
    input("field", "领域 (如 抗体药物)", "field (e.g. antibody)"),
    page === "match" ? input("segment", "产业链环节", "segment") : null,
    B.el("button", { type: "submit", text: B.t("查询", "Ask") }));
  return form;
}

B.start(async () => {
  const page = B.page.page;
  const what = WHAT[page];
  const app = document.getElementById("app");
  const params = new URLSearchParams(location.search);
  const args = { ...B.page.args };
  for (const k of ["org", "field", "segment"]) if (params.get(k)) args[k] = params.get(k);
  B.setTitle(B.t(what.zh, what.en));
  if (page !== "match" && !args.org && !args.field && !B.data) {
    app.replaceChildren(askForm(page, args), B.el("p", { class: "hint", text: B.t("给出一个企业或机构，或一个领域", "name an org or a field") }));
    return;
  }
  const q = { top: params.get("top"), as_of: params.get("as_of") };
  for (const k of what.params) q[k] = args[k];
  const view = await B.view(what.path(args) + B.query(q));
  const report = view.report;
  B.setTitle(view.meta.title);
  B.setMeta(view.meta);
  const needs = (report.needs || []).map((n) => B.el("li", {}, B.el("strong", { text: `${B.term(n.segment)}${n.field ? " · " + B.term(n.field) : ""}` }),
    B.el("ul", { class: "plain" }, ...(n.why || []).map((w) => B.el("li", { class: "id", text: w.text })))));
  const results = report.results || [];
  const graphBox = B.el("div", { id: "graph", class: "graph" });
  const detail = B.el("p", { id: "detail", class: "hint", text: B.t("点候选项高亮其证据路径", "pick a candidate to highlight its evidence") });
  app.replaceChildren(B.page.standalone ? "" : askForm(page, args), B.el("div", { class: "layout two" },
    B.el("section", { class: "panel" },
      report.org ? B.el("h2", {}, B.el("span", { class: "kind", text: B.t("查询对象", "org") }), B.el("span", { class: "name", id: "org-name", text: report.org.name })) : null,
      needs.length ? B.el("h3", { text: B.t("需求及原因", "Needs and why") }) : null, needs.length ? B.el("ul", { class: "plain", id: "needs" }, ...needs) : null,
      B.el("h3", { text: B.t(`候选 (${results.length})`, `Candidates (${results.length})`) }),
      results.length ? B.el("ol", { id: "candidates" }, ...results.map((r, i) => candidateItem(r, i, page)))
        : B.el("p", { class: "empty", text: report.empty_reason || B.t("没有候选", "no candidates") }),
      B.el("h3", { text: B.t("图例与筛选", "Legend and filters") }), B.el("div", { id: "legend" })),
    B.el("section", {}, graphBox, detail, B.exports(`biokg-${page}`, { graph: () => g, json: () => view,
      csv: () => [["rank", "id", "name", "score", "reasons"], results.map((r, i) => [i + 1, r.id, r.name || r.title, r.score, (r.reasons || []).map((x) => x.text)])] }))));
  g = B.graph(graphBox, view.graph, { click: (id) => {
    const n = g.nodes.get(id);
    detail.replaceChildren(document.createTextNode(n.title + " "), B.page.standalone ? "" : B.link("/?focus=" + encodeURIComponent(id), B.t("在图谱中浏览", "explore")));
  } });
  document.getElementById("legend").replaceChildren(B.legendBox(g));
});
