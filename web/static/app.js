// tierbot Mini App: vanilla JS, no build step. Inside Telegram the initData arrives in the URL
// fragment (#tgWebAppData=…) and telegram-web-app.js adds theme, BackButton and MainButton; the
// script is loaded without blocking, so the page works where only the bot server is reachable
// (and in a plain browser opened from the console's link, which carries the same fragment).
"use strict";
const S = { me: null, query: { sort: "name", offset: 0, limit: 30 }, initData: "" };
const $ = (sel) => document.querySelector(sel);
const el = (tag, attrs = {}, ...kids) => {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k.startsWith("on")) node.addEventListener(k.slice(2), v); else if (v !== null && v !== undefined) node.setAttribute(k, v);
  }
  for (const kid of kids.flat()) if (kid !== null && kid !== undefined) node.append(kid instanceof Node ? kid : String(kid));
  return node;
};
const L = (key, params = {}) => String((S.me && S.me.labels.web[key]) || key).replace(/\{(\w+)\}/g, (_, p) => params[p] ?? "");
const tg = () => (window.Telegram && window.Telegram.WebApp && window.Telegram.WebApp.initData ? window.Telegram.WebApp : null);

function readInitData() {
  const fragment = new URLSearchParams(location.hash.slice(1));
  const query = new URLSearchParams(location.search);
  const found = fragment.get("tgWebAppData") || query.get("tgWebAppData");
  if (found) { sessionStorage.setItem("initData", found); history.replaceState(null, "", location.pathname + "#/"); }
  return (tg() && tg().initData) || found || sessionStorage.getItem("initData") || "";
}

async function api(path, body) {
  const options = { headers: { Authorization: "tma " + S.initData } };
  if (body !== undefined) { options.method = "POST"; options.body = JSON.stringify(body); options.headers["Content-Type"] = "application/json"; }
  let response;
  try { response = await fetch(path, options); } catch (e) { toast(L("network")); throw e; }
  if (response.status === 401) { $("#view").replaceChildren(el("p", {}, S.me ? L("unauthorized") : "Open this page from the bot. 请从机器人中打开本页。")); throw new Error("401"); }
  const data = await response.json();
  if (!response.ok) { toast(data.error || response.status); throw new Error(data.error); }
  return data;
}

function toast(text) { const t = $("#toast"); t.textContent = text; t.hidden = false; clearTimeout(toast.timer); toast.timer = setTimeout(() => { t.hidden = true; }, 3500); }
const money = (v) => Number(v || 0).toLocaleString(S.me.language === "zh" ? "zh-CN" : "en-US", { maximumFractionDigits: 0 });
const day = (iso) => (iso ? iso.slice(0, 10) : "—");
const tierName = (model, code) => { const m = S.me.models.find((x) => x.code === model); const t = m && m.tiers.find((x) => x.code === code); return t ? t.name : (code || "—"); };

// --- routing ----------------------------------------------------------------------------------
function go(hash) { location.hash = hash; }
window.addEventListener("hashchange", route);
async function route() {
  const hash = location.hash || "#/";
  const back = hash !== "#/" && hash !== "#/dash";
  $("#back").hidden = !back || !!tg();
  if (tg()) { back ? tg().BackButton.show() : tg().BackButton.hide(); tg().MainButton.hide(); }
  const card = hash.match(/^#\/c\/(\d+)/);
  if (card) return showCustomer(card[1]);
  if (hash.startsWith("#/dash")) return showDashboard(new URLSearchParams(hash.split("?")[1] || ""));
  // a drill-down from the dashboard: the filter stays in the address (back returns to it)
  if (hash.startsWith("#/list?")) S.query = { sort: "name", offset: 0, limit: 30, ...Object.fromEntries(new URLSearchParams(hash.split("?")[1])) };
  return showList();
}

// --- the table ------------------------------------------------------------------------------
function listParams() { const p = new URLSearchParams(); for (const [k, v] of Object.entries(S.query)) if (v !== "" && v !== null && v !== undefined) p.set(k, v); return p; }
function setQuery(changes) {
  Object.assign(S.query, changes, { offset: changes.offset ?? 0 });
  if (location.hash.startsWith("#/list?")) history.replaceState(null, "", "#/list?" + listParams());
  loadRows();
}

function showList() {
  $("#title").textContent = L("customers");
  const search = el("input", { type: "search", id: "q", placeholder: L("search"), value: S.query.q || "" });
  let timer; search.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(() => setQuery({ q: search.value }), 250); });
  const selects = S.me.models.map((m) => {
    const s = el("select", { "data-model": m.code, onchange: (e) => setQuery({ ["tier." + m.code]: e.target.value }) },
      el("option", { value: "" }, m.name + ": " + L("any")), m.tiers.map((t) => el("option", { value: t.code }, t.name)));
    s.value = S.query["tier." + m.code] || ""; return s;
  });
  const cadence = el("select", { id: "cadence", onchange: (e) => setQuery({ cadence: e.target.value }) },
    el("option", { value: "" }, L("cadence") + ": " + L("any")),
    // "overdue,due" is /today's view (the chat's 📋 Open): what needs a contact now
    el("option", { value: "overdue,due" }, L("overdue") + " + " + L("due")),
    ["overdue", "due", "ok"].map((c) => el("option", { value: c }, L(c))));
  cadence.value = S.query.cadence || "";
  const stage = el("select", { id: "stage", onchange: (e) => setQuery({ stage: e.target.value }) },
    el("option", { value: "" }, L("stage") + ": " + L("any")), Object.entries(S.me.labels.stages).map(([c, n]) => el("option", { value: c }, n)));
  stage.value = S.query.stage || "";
  const number = (key, label) => el("input", { type: "number", min: "0", id: key, placeholder: label, value: S.query[key] || "", onchange: (e) => setQuery({ [key]: e.target.value }) });
  const tag = el("input", { id: "tag", placeholder: L("tag"), value: S.query.tag || "", onchange: (e) => setQuery({ tag: e.target.value }) });
  const filters = el("details", { open: Object.keys(S.query).some((k) => k.startsWith("tier.") || ["cadence", "stage", "silent_days"].includes(k)) ? "" : null },
    el("summary", {}, L("filters")),
    el("div", { class: "row" }, selects, cadence, stage),
    el("div", { class: "row" }, number("silent_days", L("silent")), number("revenue_min", L("revenue_min")), number("revenue_max", L("revenue_max")), tag));
  const drilled = location.hash.startsWith("#/list?") ? el("p", { class: "chip", id: "drilled" }, L("from_dashboard"),
    el("button", { class: "plain", onclick: () => { S.query = { sort: "name", offset: 0, limit: 30 }; go("#/"); } }, "✖ " + L("clear"))) : null;
  $("#view").replaceChildren(drilled || "", search, filters, el("p", { id: "total", class: "muted" }), el("div", { id: "rows" }), el("div", { class: "row", id: "pager" }));
  loadRows();
}

async function loadRows() {
  const seq = (S.seq = (S.seq || 0) + 1);
  const page = await api("/api/customers?" + listParams());
  if (seq !== S.seq || !$("#total")) return; // a later filter's answer is (or will be) shown, or the list was left
  $("#total").textContent = L("total", { n: page.total }) + " · " + L("revenue") + " " + money(page.revenue_total);
  const sortBy = (key) => () => setQuery({ sort: key, desc: S.query.sort === key && S.query.desc !== "1" ? "1" : "" });
  const th = (key, label, cls) => el("th", { "data-sort": key, class: [cls, S.query.sort === key ? (S.query.desc === "1" ? "desc" : "asc") : null].filter(Boolean).join(" ") || null, onclick: sortBy(key) }, label);
  const main = S.me.models[0];
  const head = el("tr", {}, th("name", L("name")), main ? th("tier:" + main.code, main.name) : null, th("cadence", L("cadence")),
    th("last_contact", L("last_contact"), "wide"), th("revenue", L("revenue"), "num"), th("owner", L("owner"), "wide"));
  const rows = page.rows.map((r) => el("tr", { class: "customer", "data-id": r.id, onclick: () => go("#/c/" + r.id) },
    el("td", {}, r.name, r.company ? el("div", { class: "muted" }, r.company) : null,
      S.me.models.slice(1).map((m) => r.tiers[m.code] ? el("span", { class: "badge" }, tierName(m.code, r.tiers[m.code])) : null)),
    main ? el("td", {}, tierName(main.code, r.tiers[main.code])) : null,
    el("td", { class: r.cadence }, r.cadence === "none" ? "—" : L(r.cadence)),
    el("td", { class: "wide" }, day(r.last_contact)),
    el("td", { class: "num" }, money(r.revenue)),
    el("td", { class: "wide" }, r.owner || "—")));
  $("#rows").replaceChildren(el("table", {}, el("thead", {}, head), el("tbody", {}, rows)));
  const offset = Number(S.query.offset || 0), limit = Number(S.query.limit);
  $("#pager").replaceChildren(
    offset > 0 ? el("button", { class: "plain", onclick: () => setQuery({ offset: Math.max(0, offset - limit) }) }, L("prev")) : el("span"),
    offset + limit < page.total ? el("button", { class: "plain", onclick: () => setQuery({ offset: offset + limit }) }, L("next")) : el("span"));
  $("#total").dataset.total = page.total; // the rows of this answer are shown
}

// --- one customer ---------------------------------------------------------------------------
async function showCustomer(id) {
  const data = await api("/api/customers/" + id);
  const c = data.card.customer;
  $("#title").textContent = c.name;
  const badges = data.card.badges.map((b) => el("span", { class: "badge" }, b.model_name + ": " + (b.tier_name || "—") + (b.pinned ? " 📌" : "")));
  const cad = data.card.cadence;
  const history = data.history.map((h) => el("li", {}, day(h.occurred_at) + " " + (S.me.labels.kinds[h.kind] || h.kind) + (h.amount ? " " + money(h.amount) : "") + " — " + h.summary));
  const why = data.why.map((w) => el("details", {}, el("summary", {}, w.badge.model_name + ": " + (w.badge.tier_name || "—")), el("ul", {}, w.lines.map((l) => el("li", {}, l)))));
  const actions = data.actions.map((a) => el("li", {}, a.text, el("div", { class: "muted" }, a.reason)));
  const reassign = S.me.role !== "rep" ? await reassignment(id, c) : null;
  const contacts = c.contacts.map((k) => el("div", {}, [k.name, k.title, k.phone, k.email, k.wechat].filter(Boolean).join(" · ")));
  $("#view").replaceChildren(
    el("section", {}, badges, el("p", { class: cad.status }, L("cadence") + ": " + (cad.status === "none" ? "—" : L(cad.status)) + (cad.next_due ? " · " + L("next_due") + " " + cad.next_due : "")),
      el("p", { class: "muted" }, [S.me.labels.stages[c.stage], c.company, c.owner_name].filter(Boolean).join(" · ")), contacts, c.notes ? el("p", {}, c.notes) : null),
    el("section", {}, el("h2", {}, L("actions")), el("ul", {}, actions)),
    el("section", {}, el("h2", {}, L("why")), why),
    el("section", {}, el("h2", {}, L("history") + " (" + data.history_total + ")"), el("ul", { id: "history" }, history)),
    forms(id), reassign);
}

// Managers and admins: give the customer to someone of theirs (the chat's /team reassign rules).
async function reassignment(id, customer) {
  S.people = S.people || (await api("/api/people")).people;
  const select = el("select", { id: "reassign-to" }, el("option", { value: "" }, L("choose")),
    S.people.filter((p) => p.name !== customer.owner_name).map((p) => el("option", { value: p.id }, p.name + (p.team ? " · " + p.team : ""))));
  const run = async () => {
    if (!select.value) return;
    const done = await api("/api/reassign", { customer_ids: [Number(id)], to_user_id: Number(select.value) });
    toast(L("reassign_done", { n: done.moved, name: done.to })); route();
  };
  return el("section", { id: "reassign" }, el("h2", {}, L("reassign")), el("div", { class: "row" }, select, el("button", { onclick: run }, L("save"))));
}

function form(title, fields, submit) {
  const inputs = {};
  const body = fields.map(([name, label, kind, options]) => {
    const input = kind === "select" ? el("select", { name }, options.map(([v, t]) => el("option", { value: v }, t)))
      : el(kind === "textarea" ? "textarea" : "input", { name, placeholder: label, type: kind === "textarea" ? null : kind });
    inputs[name] = input; return input;
  });
  const run = async () => {
    const values = Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, v.value]));
    await submit(values); toast(L("saved")); route();
  };
  const details = el("details", { "data-form": title }, el("summary", {}, L(title)), el("div", {}, body), el("button", { onclick: run }, L("save")));
  details.addEventListener("toggle", () => { if (tg() && details.open) { tg().MainButton.setText(L("save")); tg().MainButton.show(); S.mainAction = run; } });
  return details;
}

function forms(id) {
  const kinds = Object.entries(S.me.labels.kinds).filter(([k]) => k !== "greeting");
  const feedbackKinds = Object.entries(S.me.labels.feedback_kinds);
  const fields = S.me.editable.map((f) => [f, S.me.labels.fields[f] || f]);
  const post = (action, body) => api(`/api/customers/${id}/${action}`, body);
  return el("section", {},
    form("log", [["kind", L("kind"), "select", kinds], ["summary", L("summary"), "textarea"], ["amount", L("amount"), "text"], ["occurred_at", L("date"), "date"]],
      (v) => post("log", { kind: v.kind, summary: v.summary, amount: v.amount || null, occurred_at: v.occurred_at || null, request_id: Date.now() })),
    form("followup", [["due", L("date"), "date"], ["text", L("text"), "text"]], (v) => post("followup", v)),
    form("feedback", [["kind", L("kind"), "select", feedbackKinds], ["text", L("text"), "textarea"]], (v) => post("feedback", v)),
    form("edit", [["field", L("field"), "select", fields], ["value", L("value"), "text"]], (v) => post("edit", v)));
}

// --- the dashboard: web/static/dashboard.js (showDashboard) ---------------------------------------

// --- start ---------------------------------------------------------------------------------------
function telegramReady() {
  const app = tg(); if (!app) return;
  app.ready(); app.expand();
  app.BackButton.onClick(() => history.back());
  app.MainButton.onClick(() => S.mainAction && S.mainAction());
  app.onEvent("themeChanged", redrawDashboard);
  route();
}

// The chat's "📋 Open" buttons name a view in the query string (bot/app_links.py): ?open=list&<table
// filters> or ?open=dash&period=…&person=…&team=…; read once, before the fragment is tidied away.
function requestedView() {
  const params = new URLSearchParams(location.search);
  const view = { list: "#/list?", dash: "#/dash?" }[params.get("open")];
  params.delete("open");
  return view ? view + params : null;
}

async function start() {
  const view = requestedView();
  S.initData = readInitData();
  $("#back").addEventListener("click", () => history.back());
  S.me = await api("/api/me");
  document.documentElement.lang = S.me.language === "zh" ? "zh-CN" : "en";
  $("#tabs").replaceChildren(el("button", { class: "plain", onclick: () => go("#/") }, L("customers")),
    S.me.role !== "rep" ? el("button", { class: "plain", id: "tab-dash", onclick: () => go("#/dash") }, L("dashboard")) : "");
  if (view) history.replaceState(null, "", location.pathname + view);
  route();
  // Telegram's script from telegram.org, without blocking: absent offline, the page works as is.
  const script = el("script", { src: "https://telegram.org/js/telegram-web-app.js", async: "" });
  script.onload = telegramReady;
  document.head.append(script);
}
start();
