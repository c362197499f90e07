// The enterprise's service file: facts, products, key projects, service records, questions,
// coverage and why, top matches and brokers, and the network around it.
"use strict";

const STATES = { open: ["待处理", "open"], escalated: ["已上报", "escalated"], answered: ["已答复", "answered"],
  closed: ["已关闭", "closed"] };

function facts(pairs) {
  const dl = B.el("dl");
  for (const [label, value] of pairs) {
    if (value === null || value === undefined || value === "") continue;
    dl.append(B.el("dt", { text: label }), B.el("dd", { text: Array.isArray(value) ? value.join("；") : String(value) }));
  }
  return dl;
}

function section(id, title, body) { return B.el("section", { class: "card", id }, B.el("h3", { text: title }), body); }

function ranked(list, prefix, g) {
  if (!list || !list.results || !list.results.length) return B.el("p", { class: "empty", text: (list && list.empty_reason) || "—" });
  return B.el("ol", {}, ...list.results.map((r, i) => {
    const item = B.el("li", { class: "candidate", "data-id": r.id }, B.el("strong", { class: "name", text: r.name }),
      B.el("span", { class: "id", text: ` ${r.score.toFixed(3)}${r.segment ? " · " + B.term(r.segment) : ""}` }),
      B.el("div", { class: "id", text: (r.reasons || []).map((x) => x.text).join("；") }));
    item.addEventListener("click", () => B.selectGroup(g(), prefix + i));
    return item;
  }));
}

B.start(async () => {
  const app = document.getElementById("app");
  const params = new URLSearchParams(location.search);
  const view = await B.view(`/api/v1/views/dossier/${encodeURIComponent(B.page.args.enterprise)}` + B.query({ as_of: params.get("as_of") }));
  const d = view.report;
  const e = d.enterprise;
  B.setTitle(view.meta.title);
  B.setMeta(view.meta);
  let g = null;
  const graphBox = B.el("div", { id: "graph", class: "graph" });
  const products = B.table([
    ...[["name", "产品", "product"], ["type", "类型", "type"], ["device_class", "类别", "class"], ["stage", "阶段", "stage"],
      ["innovation_channel", "通道", "channel"]].map(([key, zh, en]) => ({ key, zh, en,
      fmt: (v) => (v === null || v === undefined || key === "name" ? v : B.valueText("Product", key, v)) })),
    { key: "innovative", zh: "创新产品", en: "innovative", fmt: (v) => (v ? B.t("是", "yes") : "") },
    { key: "tracked", zh: "跟踪", en: "tracked", fmt: (v) => (v === null ? "—" : v ? B.t("已跟踪", "tracked") : B.t("未跟踪", "not tracked")) }],
  d.products, { class: "products" });
  const records = B.table([{ key: "date", zh: "日期", en: "date" }, { key: "station", zh: "工作站", en: "station" },
    { key: "type", zh: "类型", en: "type", fmt: (v) => B.valueText("TRACKS", "type", v) }, { key: "target", zh: "对象", en: "target" },
    { key: "note", zh: "备注", en: "note" }],
  d.records, { sort: "date", desc: true, class: "records" });
  const q = d.questions;
  const cov = d.coverage || {};
  app.replaceChildren(
    B.el("div", { class: "layout two" },
      B.el("section", { class: "panel" },
        B.el("h2", {}, B.el("span", { class: "kind", text: B.kindLabel("Enterprise") }), B.el("span", { class: "name", id: "enterprise-name", text: e.name })),
        B.el("div", { class: "id", text: e.id }),
        facts([[B.t("统一社会信用代码", "USCC"), e.uscc], [B.t("规模", "scale"), e.scale && B.valueText("Enterprise", "scale", e.scale)],
          [B.t("信用", "credit"), e.credit && B.valueText("Enterprise", "credit", e.credit)],
          [B.t("上市", "listed"), e.listed ? B.t("是", "yes") : B.t("否", "no")], [B.t("所在区", "district"), (e.districts || []).map((x) => x.name)],
          [B.t("园区", "park"), (e.parks || []).map((x) => x.name)], [B.t("领域", "fields"), (e.fields || []).map((x) => B.term(x.id || x))]]),
        B.el("h3", { text: B.t("覆盖", "Coverage") }),
        B.el("p", { id: "covered", text: cov.covered ? B.t("已覆盖", "covered") : B.t("未覆盖", "not covered") }),
        B.el("ul", { class: "plain", id: "why" }, ...(cov.why || []).map((w) => B.el("li", { class: "id", text: w === "park"
          ? B.t("园区有驻点：", "a station sits at its park: ") + (cov.parks || []).map((p) => p.name).join("、")
          : B.t("窗口内有服务记录：", "service records in the window: ") + ((cov.records || []).join("、") || B.t("（无权查看）", "(withheld)")) }))),
        B.el("h3", { text: B.t("问题", "Questions") }),
        q ? B.el("p", { id: "questions", text: `${B.t("共", "total")} ${q.total} · ${B.t("逾期", "overdue")} ${q.overdue} · ` +
          Object.entries(q.by_state).map(([k, v]) => `${B.t(...(STATES[k] || [k]))} ${v}`).join(" · ") }) : B.el("p", { class: "empty", text: B.t("无权查看", "withheld") }),
        B.el("h3", { text: B.t("图例与筛选", "Legend and filters") }), B.el("div", { id: "legend" })),
      B.el("section", {}, graphBox, B.exports("biokg-dossier", { graph: () => g, json: () => view,
        csv: () => [["section", "id", "name", "detail"], [
          ...d.products.map((p) => ["product", p.id, p.name, p.stage]), ...d.key_projects.map((k) => ["key_project", k.id, k.name, k.level]),
          ...d.records.map((r) => ["record", r.id, r.station, `${r.date} ${r.type}`])]] }))),
    B.el("div", { class: "cards" },
      section("products", B.t(`产品 (${d.products.length})`, `Products (${d.products.length})`), products),
      section("key-projects", B.t(`重点项目 (${d.key_projects.length})`, `Key projects (${d.key_projects.length})`),
        B.el("ul", { class: "plain" }, ...d.key_projects.map((k) => B.el("li", { text: `${k.name} · ${k.level || ""}` })))),
      section("records", B.t(`服务记录 (${d.records.length})`, `Service records (${d.records.length})`) +
        (d.records_withheld ? B.t(`，另有 ${d.records_withheld} 条无权查看`, `, ${d.records_withheld} withheld`) : ""), records),
      section("matches", B.t("产业链匹配", "Top matches"), ranked(d.matches, "m", () => g)),
      section("brokers", B.t("产学研用", "Brokers"), ranked(d.brokers, "b", () => g))));
  g = B.graph(graphBox, view.graph);
  document.getElementById("legend").replaceChildren(B.legendBox(g));
});
