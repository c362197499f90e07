// The station workbench (/station/{station}): a staffer's day — alerts, overdue questions, the forms
// to record a service and to take a question and move it on (escalate, answer, close, reopen), and
// the station's coverage and scorecard, all as they stood at the end of the chosen day (?as_of=).
// Everything from data is set as text (B.el text / textContent), never parsed as HTML.
"use strict";

(() => {
  const { el, t } = B;
  const STATES = { open: ["待处理", "open"], escalated: ["已上报", "escalated"], answered: ["已答复", "answered"],
    closed: ["已关闭", "closed"] };
  // the closed loop of docs/workflow.md: the steps each state allows (the API answers 409 to others)
  const STEPS = { open: ["escalate", "answer"], escalated: ["answer"], answered: ["close", "reopen"],
    closed: ["reopen"] };
  const STEP_LABELS = { escalate: ["上报部门", "escalate"], answer: ["答复", "answer"], close: ["关闭", "close"],
    reopen: ["重新打开", "reopen"] };
  // the district's four rates: [key, what counts, zh, en]
  const RATES = [["parks", "covered", "园区覆盖率", "parks"], ["enterprises", "covered", "企业覆盖率", "enterprises"],
    ["innovative_products", "tracked", "创新产品跟踪率", "innovative products"],
    ["key_projects", "tracked", "重点项目跟踪率", "key projects"]];
  const TARGET_KINDS = ["Enterprise", "Product", "KeyProject", "Institution", "Park"];  // what a record may track
  const QUESTION_COLUMNS = ["id", "station", "enterprise", "enterprise_name", "category", "state", "asked",
    "escalated_at", "escalated_to", "due", "due_provisional", "answered_at", "closed_at", "overdue", "working_days",
    "within", "text"];
  const S = { station: null, districts: [], enums: {}, asOf: null, filter: "", questions: [], names: new Map(), gen: 0 };
  const boxes = {};
  const label = (pair) => t(pair[0], pair[1]);

  // a day in China (UTC+8), where a station works, whatever zone the browser is in
  const chinaDay = (plus) => new Date(Date.now() + (8 + 24 * (plus || 0)) * 3600e3).toISOString().slice(0, 10);
  const isDay = (s) => /^\d{4}-\d{2}-\d{2}$/.test(s || "") && !isNaN(new Date(s));
  // a new step or record is dated the day on view (back-filling), but the API refuses days after tomorrow
  const stepDay = () => (S.asOf <= chinaDay(1) ? S.asOf : chinaDay(0));
  const enumLabel = (name, code) => {
    const v = (S.enums[name] || []).find((x) => x.code === code);
    return v ? t(v.zh, v.en) : code;
  };

  // names of the ids the lists hold (questions name their enterprise by id), asked once each
  const nameOf = (id) => (id && S.names.get(id)) || id || "—";
  async function learnNames(ids) {
    const unknown = [...new Set(ids.filter((id) => id && !S.names.has(id)))];
    await Promise.all(unknown.map((id) => B.api("/api/v1/entities/" + encodeURIComponent(id))
      .then((e) => S.names.set(id, e.name), () => S.names.set(id, id))));
  }

  // a form's fields as the API takes them: blanks left out (the API then applies its default)
  function values(form) {
    const out = {};
    for (const [k, v] of new FormData(form)) if (String(v).trim() !== "") out[k] = v;
    return out;
  }

  function dateInput(required) {
    return el("input", { type: "date", name: "date", required, max: chinaDay(1), value: stepDay(),
      "data-default": "as-of" });
  }

  // post a form; the API's errors go beside their fields; on success clear it and reload the day
  async function send(form, path, done) {
    B.clearErrors(form);
    const status = form.querySelector(".done");
    if (status) status.textContent = "";
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    try {
      const answer = await B.api(path, { method: "POST", json: values(form) });
      form.reset();
      if (done) done(answer);
      await refresh();
    } catch (error) {
      B.fieldErrors(form, error);
    } finally {
      button.disabled = false;
    }
  }

  // a reference field (the API takes ids or exact names): search as one types, offer ids in a datalist
  function lookup(name, kinds, list) {
    const input = el("input", { name, required: true, maxlength: 200, list: list.id, autocomplete: "off" });
    let timer = null;
    input.addEventListener("input", () => {
      clearTimeout(timer);
      const q = input.value.trim();
      if (!q || q.length > 200) return;
      timer = setTimeout(async () => {
        const kind = kinds.length === 1 ? kinds[0] : null;
        const hits = await B.api("/api/v1/search" + B.query({ q, kind, limit: 20 })).catch(() => null);
        if (!hits || input.value.trim() !== q) return;
        list.replaceChildren(...hits.data.filter((h) => kinds.includes(h.kind)).map((h) => {
          S.names.set(h.id, h.name);
          return el("option", { value: h.id, label: `${h.name} · ${B.kindLabel(h.kind)}` });
        }));
      }, 250);
    });
    return input;
  }

  const field = (zh, en, input) => el("label", {}, t(zh, en), input);
  const options = (name) => (S.enums[name] || []).map((v) => el("option", { value: v.code, text: t(v.zh, v.en),
    selected: name === "record_type" && v.code === "visit" }));

  function recordForm() {
    const list = el("datalist", { id: "record-targets" });
    const form = el("form", { id: "record-form" },
      el("input", { type: "hidden", name: "station", value: S.station.id }),
      field("对象（企业、产品、重点项目、机构、园区：id 或名称）", "target (id or name)", lookup("target", TARGET_KINDS, list)),
      list,
      field("类型", "type", el("select", { name: "type", required: true }, ...options("record_type"))),
      field("日期", "date", dateInput(true)),
      field("备注", "note", el("textarea", { name: "note", maxlength: 2000, rows: 2 })),
      el("button", { type: "submit", text: t("记录", "record") }),
      el("p", { class: "hint done", role: "status" }));
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      const typed = form.elements.namedItem("target").value.trim();
      send(form, "/api/v1/records", (r) => {
        form.querySelector(".done").textContent = (r.created ? t("已记录：", "recorded: ")
          : t("已有同一记录（未重复写入）：", "already there: "))
          + `${S.names.get(r.target) || typed} · ${enumLabel("record_type", r.type)} · ${r.date}`;
      });
    });
    return form;
  }

  function questionForm() {
    const list = el("datalist", { id: "question-enterprises" });
    const form = el("form", { id: "question-form" },
      el("input", { type: "hidden", name: "station", value: S.station.id }),
      field("企业（id 或名称）", "enterprise (id or name)", lookup("enterprise", ["Enterprise"], list)),
      list,
      field("类别", "category", el("select", { name: "category", required: true },
        el("option", { value: "", text: t("— 请选择 —", "— choose —") }), ...options("question_category"))),
      field("问题（仅本站可见）", "question (private)",
        el("textarea", { name: "text", required: true, maxlength: 4000, rows: 3 })),
      field("受理日期", "asked on", dateInput(false)),
      el("button", { type: "submit", text: t("受理", "take") }),
      el("p", { class: "hint done", role: "status" }));
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      send(form, "/api/v1/questions", (q) => {
        form.querySelector(".done").textContent = (q.created ? t("已受理 ", "taken ")
          : t("已有同一问题 ", "already there ")) + q.id;
      });
    });
    return form;
  }

  // one step of a question: a small form under it (with the department, for an escalation)
  function stepForm(q, action, holder) {
    const departments = document.getElementById("departments");
    const form = el("form", { class: "step", "data-action": action },
      action === "escalate" ? field("部门（agency 类机构：id 或名称）", "department (an agency: id or name)",
        lookup("to", ["Institution"], departments)) : null,
      field("日期", "date", dateInput(false)),
      field("备注", "note", el("input", { name: "note", maxlength: 2000 })),
      el("button", { type: "submit", text: label(STEP_LABELS[action]) }),
      el("button", { type: "button", class: "secondary", text: t("取消", "cancel"), onclick: () => form.remove() }));
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      send(form, `/api/v1/questions/${encodeURIComponent(q.id)}/${action}`);
    });
    holder.replaceChildren(form);
    form.querySelector("input:not([type=hidden])").focus();
  }

  async function showSteps(q, holder) {
    try {
      const full = await B.api(`/api/v1/questions/${encodeURIComponent(q.id)}` + B.query({ as_of: S.asOf }));
      await learnNames(full.steps.map((s) => s.to));
      const step = (s) => el("li", { text: `${s.date} ${label(STEP_LABELS[s.action] || [s.action])}`
        + `${s.to ? " → " + nameOf(s.to) : ""}${s.note ? " · " + s.note : ""} · ${s.key_id ? "bkg_" + s.key_id : s.role}` });
      holder.replaceChildren(full.steps.length ? el("ol", { class: "steps" }, ...full.steps.map(step))
        : el("p", { class: "empty", text: t("尚无步骤", "no steps yet") }));
    } catch (error) {
      B.showError(error, holder);
    }
  }

  function questionItem(q, withSteps) {
    const state = el("span", { class: "state" + (q.overdue ? " overdue" : ""),
      text: label(STATES[q.state] || [q.state]) + (q.overdue ? t(" · 逾期", " · overdue") : "") });
    const facts = [`${t("受理", "asked")} ${q.asked}`];
    if (q.escalated_at) facts.push(`${t("上报", "escalated")} ${q.escalated_at} → ${nameOf(q.escalated_to)}`);
    if (q.due) facts.push(`${t("到期", "due")} ${q.due}${q.due_provisional ? t("（暂按周末推算）", " (provisional)") : ""}`);
    if (q.answered_at) facts.push(`${t("答复", "answered")} ${q.answered_at}`);
    if (q.closed_at) facts.push(`${t("关闭", "closed")} ${q.closed_at}`);
    if (q.working_days !== null && q.working_days !== undefined) {
      facts.push(t(`历时 ${q.working_days} 个工作日`, `${q.working_days} working days`));
    }
    const holder = el("div", { class: "step-holder" });
    const buttons = withSteps ? el("div", { class: "toolbar" },
      ...(STEPS[q.state] || []).map((a) => el("button", { type: "button", "data-action": a,
        text: label(STEP_LABELS[a]), onclick: () => stepForm(q, a, holder) })),
      el("button", { type: "button", class: "secondary", "data-action": "steps", text: t("经过", "steps"),
        onclick: () => showSteps(q, holder) })) : null;
    const item = el("li", { "data-id": q.id, "data-state": q.state, "data-overdue": String(q.overdue) },
      el("div", {}, state, " ", el("strong", { class: "name", text: nameOf(q.enterprise) }), " · ",
        el("span", { class: "category", text: enumLabel("question_category", q.category) })),
      q.text ? el("div", { class: "text", text: q.text }) : null,
      el("div", { class: "hint", text: facts.join(" · ") }),
      buttons, holder);
    item.style.cursor = "auto";  // .results items look clickable; these are not
    return item;
  }

  function questionList(box, rows, withSteps, empty) {
    box.replaceChildren(rows.length ? el("ul", { class: "plain results" }, ...rows.map((q) => questionItem(q, withSteps)))
      : el("p", { class: "empty", text: empty }));
  }

  function drawAlerts(a) {
    const days = (n) => (n < 0 ? t(`已过 ${-n} 天`, `${-n} days ago`) : t(`剩 ${n} 天`, `${n} days left`));
    const item = (kind, name, rest, overdue, id) => el("li", { class: overdue ? "alert-overdue" : null, "data-id": id },
      el("span", { class: "kind", text: kind }), el("span", { class: "name", text: name }), " " + rest);
    const due = (q) => (q.overdue ? t(`已逾期（${q.due} 到期）`, `overdue (due ${q.due})`)
      : t(`${q.due} 到期，剩 ${q.working_days_left} 个工作日`, `due ${q.due}, ${q.working_days_left} working days left`));
    const items = [
      ...a.questions.map((q) => item(t("问题", "question"), nameOf(q.enterprise),
        `· ${enumLabel("question_category", q.category)} · ${due(q)}`, q.overdue, q.id)),
      ...a.lapsed.map((x) => item(t("跟踪已失效", "tracking lapsed"), x.name,
        `· ${B.kindLabel(x.kind)} · ${t("最后跟踪", "last tracked")} ${x.last_tracked || "—"}`, true, x.id)),
      ...a.lapsing.map((x) => item(t("跟踪将失效", "tracking lapsing"), x.name,
        `· ${B.kindLabel(x.kind)} · ${t("有效至", "until")} ${x.tracked_until} (${days(x.days_left)})`, false, x.id)),
      ...a.quiet_parks.map((p) => item(t("园区无记录", "quiet park"), p.name,
        `· ${a.window_days} ${t("天内无服务记录", "days without a service record")}`, false, p.id))];
    if (a.questions_withheld) {
      items.push(el("li", { class: "hint", text: t(`共 ${a.questions_due} 个问题临近或逾期（此密钥不可读其中一些）`,
        `${a.questions_due} questions due or overdue (some not readable with this key)`) }));
    }
    boxes.alerts.replaceChildren(items.length ? el("ul", { class: "plain" }, ...items)
      : el("p", { class: "empty", text: t("今日无提醒", "nothing due") }));
  }

  function figure(value, text, attrs) {
    return el("div", { class: "figure" }, el("div", { class: "value", ...attrs, text: value }),
      el("div", { class: "label", text }));
  }

  function drawCoverage(reports) {
    const form = document.getElementById("record-form");
    const pick = (e) => el("li", { "data-id": e.id }, el("span", { class: "name", text: e.name }), " ",
      el("button", { type: "button", class: "secondary", "data-pick": e.id, text: t("记录走访", "record a visit"),
        onclick: () => {  // the uncovered enterprise into the record form, as a visit
          form.elements.namedItem("target").value = e.id;
          form.elements.namedItem("type").value = "visit";
          form.elements.namedItem("target").focus();
        } }));
    const district = (r) => {
      const d = r.districts[0];
      for (const e of d.uncovered_enterprises) S.names.set(e.id, e.name);
      const missing = d.uncovered_enterprises;
      return el("section", { "data-district": d.id },
        el("h3", { text: t(`${d.name}（${r.window_days} 天窗口）`, `${d.name} (${r.window_days}-day window)`) }),
        el("div", { class: "figures" }, ...RATES.map(([k, counted, zh, en]) => figure(B.pct(d[k + "_rate"]),
          `${t(zh, en + " rate")} ${d[`${k}_${counted}`]}/${d[k + "_total"]}`,
          { "data-figure": k + "_rate", "data-district": d.id }))),
        missing.length ? el("details", {}, el("summary", { text: t(`未覆盖企业 ${missing.length} 家`,
          `${missing.length} enterprises not covered`) }), el("ul", { class: "plain uncovered" }, ...missing.map(pick)))
          : null);
    };
    boxes.coverage.replaceChildren(...(reports.length ? reports.map(district)
      : [el("p", { class: "empty", text: t("本站未登记服务的区", "this station serves no district") })]));
  }

  function drawScorecard(reports, levels) {
    const sid = S.station.id;
    const rows = reports.map((r) => ({ d: r.districts[0], row: r.stations.find((s) => s.id === sid),
      of: r.stations.length, withheld: r.scorecard_withheld }));
    const own = rows.map((x) => x.row).find(Boolean);
    const none = { asked: 0, open: 0, escalated: 0, overdue: 0, within_rate: null, median_working_days: null };
    const level = levels && (levels.data.find((l) => l.station === sid) || none);  // no questions yet: zeros
    const orDash = (v) => (v === null || v === undefined ? "—" : String(v));
    const figures = rows.filter((x) => x.row).map((x) => figure(`${x.row.rank}/${x.of}`,
      t(`${x.d.name}排名`, `rank in ${x.d.name}`), { "data-figure": "rank", "data-district": x.d.id }));
    if (own) {  // the coverage report's scorecard: the window's figures
      figures.push(figure(own.score === null ? "—" : (own.score * 100).toFixed(1), t("得分", "score"), { "data-figure": "score" }),
        figure(String(own.records), t("服务记录", "records"), { "data-figure": "records" }),
        figure(own.records_per_month.toFixed(1), t("月均记录", "records / month"), { "data-figure": "records_per_month" }),
        figure(String(own.targets), t("服务对象", "targets"), { "data-figure": "targets" }));
    }
    if (level) {  // the question service level up to the day on view
      figures.push(figure(String(level.asked), t("受理问题", "asked"), { "data-figure": "asked" }),
        figure(String(level.open), t("未答复", "not yet answered"), { "data-figure": "open" }),
        figure(String(level.escalated), t("上报过", "escalated"), { "data-figure": "escalated" }),
        figure(String(level.overdue), t("逾期", "overdue"), { "data-figure": "overdue" }),
        figure(B.pct(level.within_rate), t("5 个工作日内答复率", "answered within 5 working days"),
          { "data-figure": "within_rate" }),
        figure(orDash(level.median_working_days), t("答复中位工作日", "median working days"),
          { "data-figure": "median_working_days" }));
    }
    const parts = [figures.length ? el("div", { class: "figures" }, ...figures)
      : el("p", { class: "empty", text: t("暂无考核数据", "no scorecard") })];
    if (rows.some((x) => x.withheld)) {
      parts.push(el("p", { class: "hint", text: t("此密钥看不到排名（需本站或分析员的密钥）", "ranks withheld for this key") }));
    }
    boxes.scorecard.replaceChildren(...parts);
  }

  async function allQuestions(params) {
    const rows = [];
    let cursor = null;
    do {  // every page (a station rarely has more than one)
      const page = await B.api("/api/v1/questions" + B.query({ ...params, limit: 200, cursor }));
      rows.push(...page.data);
      cursor = page.next;
    } while (cursor && rows.length < 5000);
    return rows;
  }

  // reload everything the day shows; answers for a day no longer on view are dropped
  async function refresh() {
    const gen = ++S.gen;
    const app = document.getElementById("app");
    delete app.dataset.loaded;  // the tests (and a watching eye) wait for data-loaded=<day>
    const sid = S.station.id, as_of = S.asOf;
    const [alerts, questions, overdue, coverage, levels] = await Promise.allSettled([
      B.api("/api/v1/alerts" + B.query({ station: sid, as_of })),
      allQuestions({ station: sid, as_of, state: S.filter }),
      allQuestions({ station: sid, as_of, overdue: "true" }),
      Promise.all(S.districts.map((d) => B.api("/api/v1/coverage" + B.query({ district: d.id, as_of })))),
      B.api("/api/v1/service-levels" + B.query({ as_of })),
    ]);
    const listed = [...(questions.value || []), ...(overdue.value || []), ...((alerts.value || {}).questions || [])];
    await learnNames(listed.flatMap((q) => [q.enterprise, q.escalated_to]));
    if (gen !== S.gen) return;
    const draw = (result, fn, box) => (result.status === "fulfilled" ? fn(result.value) : B.showError(result.reason, box));
    draw(alerts, drawAlerts, boxes.alerts);
    draw(overdue, (rows) => questionList(boxes.overdue, rows, false, t("没有逾期问题", "nothing overdue")), boxes.overdue);
    draw(questions, (rows) => {
      S.questions = rows;
      questionList(boxes.questions, rows, true, t("没有问题", "no questions"));
    }, boxes.questions);
    draw(coverage, drawCoverage, boxes.coverage);
    draw(coverage, (reports) => drawScorecard(reports, levels.value), boxes.scorecard);
    B.setMeta({ generated: new Date().toISOString(), store: B.page.store, as_of });
    app.dataset.loaded = as_of;
  }

  function setDay(day) {
    S.asOf = day;
    const url = new URL(location.href);
    url.searchParams.set("as_of", day);
    history.replaceState(null, "", url);
    for (const input of document.querySelectorAll("input[data-default=as-of]")) input.defaultValue = input.value = stepDay();
    refresh();
  }

  // the station by id or by exact name (the page's path may carry either)
  async function findStation(arg) {
    const hits = await B.api("/api/v1/search" + B.query({ q: arg, kind: "Station", limit: 20 }));
    const hit = hits.data.find((h) => h.id === arg || h.name === arg);
    return hit ? { id: hit.id, name: hit.name } : B.api("/api/v1/entities/" + encodeURIComponent(arg));
  }

  function toolbar() {
    const day = el("input", { type: "date", id: "as-of", value: S.asOf, required: true });
    day.addEventListener("change", () => { if (isDay(day.value)) setDay(day.value); });
    const today = () => { day.value = chinaDay(0); setDay(day.value); };
    return el("div", { class: "toolbar" },
      el("label", { for: "as-of", text: t("截至", "as of") }), day,
      el("button", { type: "button", class: "secondary", text: t("今天", "today"), onclick: today }),
      el("span", { class: "hint", text: `${S.station.id} · ${t("服务", "serves")} `
        + (S.districts.map((d) => d.name).join("、") || "—") }));
  }

  function questionsPanel() {
    const filter = el("select", { id: "state-filter" }, el("option", { value: "", text: t("全部", "all") }),
      ...Object.entries(STATES).map(([k, v]) => el("option", { value: k, text: label(v) })));
    filter.addEventListener("change", () => { S.filter = filter.value; refresh(); });
    const exported = B.exports(`station-questions-${S.station.id.replace(/[^\w-]+/g, "_")}`, {
      json: () => ({ station: S.station, as_of: S.asOf, questions: S.questions }),
      csv: () => [QUESTION_COLUMNS, S.questions.map((q) => QUESTION_COLUMNS.map((c) =>
        (c === "enterprise_name" ? nameOf(q.enterprise) : q[c])))],
    });
    const panel = el("section", { class: "panel" }, el("h2", { text: t("问题", "questions") }),
      el("div", { class: "toolbar" }, el("label", { for: "state-filter", text: t("状态", "state") }), filter, exported),
      boxes.questions);
    panel.style.marginTop = "1rem";
    return panel;
  }

  B.start(async () => {
    const arg = B.page.args.station;
    const asked = new URLSearchParams(location.search).get("as_of");
    S.asOf = isDay(asked) ? asked : chinaDay(0);
    // the workbench needs a station's right: ask for it first, so a missing or wrong key is one clear error
    await B.api("/api/v1/questions" + B.query({ station: arg, limit: 1, as_of: S.asOf }));
    const [ontology, station] = await Promise.all([B.api("/api/v1/ontology"), findStation(arg)]);
    S.enums = ontology.enums;
    S.station = { id: station.id, name: station.name };
    const serves = await B.api(`/api/v1/entities/${encodeURIComponent(station.id)}/neighbours`
      + B.query({ edge_kind: "SERVES", limit: 200 }));
    S.districts = serves.data.filter((e) => e.direction === "out").map((e) => e.other);
    B.setTitle(`${station.name} · ${t("工作站工作台", "station workbench")}`);
    for (const k of ["alerts", "overdue", "questions", "coverage", "scorecard"]) {
      boxes[k] = el("div", { id: k }, el("p", { class: "empty", text: t("加载中…", "loading…") }));
    }
    const card = (zh, en, ...body) => el("section", { class: "card" }, el("h2", { text: t(zh, en) }), ...body);
    document.getElementById("app").replaceChildren(toolbar(), el("datalist", { id: "departments" }),
      el("div", { class: "cards" },
        card("今日提醒", "alerts", boxes.alerts),
        card("逾期问题", "overdue questions", boxes.overdue),
        card("覆盖", "coverage", boxes.coverage),
        card("考核", "scorecard", boxes.scorecard),
        card("记录服务（走访、跟踪…）", "record a service", recordForm()),
        card("受理企业问题", "take a question", questionForm())),
      questionsPanel());
    await refresh();
  });
})();
