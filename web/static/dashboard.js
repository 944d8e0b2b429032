// tierbot Mini App: the manager's dashboard, drawn with Chart.js (web/static/vendor, shipped with
// the package: no CDN). Every figure drills down: a tap on a bar, a slice, a legend entry or a
// tile opens the customer table filtered to the customers behind it (the `drill` filters the
// API sends with each figure), and from there a customer's page (with reassignment).
// Loaded before app.js; uses its helpers (S, el, L, api, go, money) only when called.
"use strict";

const Dash = {
  charts: [],
  last: null, // { params, data }: redrawn in place when the theme changes
  palette: ["#f5a623", "#4caf50", "#e0533d", "#8e6bd1", "#26a69a", "#ff7043", "#5c6bc0", "#d4a017",
            "#ec407a", "#78909c", "#9ccc65", "#8d6e63"],
};

// Telegram's theme (its --tg-theme-* variables, or light/dark of the browser), read when drawn.
function themeColour(name) { return getComputedStyle(document.documentElement).getPropertyValue(name).trim(); }
function tierColours(n) { return [themeColour("--button"), ...Dash.palette].slice(0, Math.max(n, 1)); }
const compact = (v) => Number(v || 0).toLocaleString(S.me.language === "zh" ? "zh-CN" : "en-US", { notation: "compact", maximumFractionDigits: 1 });
const drillTo = (drill) => go("#/list?" + new URLSearchParams(drill));

function chartDefaults() {
  Chart.defaults.color = themeColour("--hint");
  Chart.defaults.borderColor = themeColour("--alt");
  Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
  Chart.defaults.animation = false; // phones and screenshots: drawn at once
  Chart.defaults.maintainAspectRatio = false;
}

// One figure: a titled card with a canvas; `drills[i]` is what element i opens.
function figure(id, title, height, config, drills, onPick) {
  const canvas = el("canvas", { id, role: "img", "aria-label": title });
  const box = el("section", { class: "figure" }, el("h2", {}, title), el("div", { class: "chart", style: `height:${height}px` }, canvas));
  const pick = (index, datasetIndex) => {
    if (onPick) onPick(index, datasetIndex);
    else if (drills[index]) drillTo(drills[index]);
  };
  config.options = Object.assign({
    onClick: (_, elements) => { if (elements.length) pick(elements[0].index, elements[0].datasetIndex); },
    onHover: (event, elements) => { event.native.target.style.cursor = elements.length ? "pointer" : "default"; },
  }, config.options);
  const legend = (((config.options.plugins = config.options.plugins || {}).legend) = config.options.plugins.legend || {});
  if (config.type === "doughnut") legend.onClick = (_, item) => pick(item.index, 0);
  Dash.charts.push(() => new Chart(canvas, config));
  return box;
}

function horizontalBars(labels, datasets, { stacked = false, ticks = null, legend = false } = {}) {
  const axis = { stacked, grid: { display: false } };
  return {
    type: "bar",
    data: { labels, datasets: datasets.map((d) => Object.assign({ borderRadius: 4, maxBarThickness: 22 }, d)) },
    options: {
      indexAxis: "y",
      // a tap anywhere on a row picks it (a stacked bar: the segment tapped)
      interaction: stacked ? { mode: "nearest", intersect: true } : { mode: "index", axis: "y", intersect: false },
      scales: { x: { stacked, beginAtZero: true, ticks: ticks || {} }, y: axis },
      plugins: { legend: { display: legend, position: "bottom" } },
    },
  };
}
const rowsHeight = (n, per = 34) => 40 + per * Math.max(n, 1);

function tile(label, value, drill, cls = "") {
  return el("button", { class: "tile " + cls, "data-drill": new URLSearchParams(drill).toString(), onclick: () => drillTo(drill) },
    el("b", {}, value), el("span", {}, label));
}

async function showDashboard(params) {
  $("#title").textContent = L("dashboard");
  const period = params.get("period") || "month";
  // the scope the chat's /summary asked for (bot/app_links.py): one person or one team
  const scope = { person: params.get("person") || "", team: params.get("team") || "" };
  const data = await api("/api/dashboard?" + new URLSearchParams({ period, ...scope }));
  if (!location.hash.startsWith("#/dash")) return; // left before the figures came: draw nothing over the new view
  Dash.last = { params, data };
  drawDashboard(params, data);
}

function drawDashboard(params, d) {
  Dash.charts = [];
  for (const canvas of document.querySelectorAll("#view canvas")) { const c = Chart.getChart(canvas); if (c) c.destroy(); }
  chartDefaults();
  const lang = S.me.language, period = params.get("period") || "month";
  const link = (changes) => "#/dash?" + new URLSearchParams({ period, model: params.get("model") || "",
    person: params.get("person") || "", team: params.get("team") || "", ...changes });   // the scope stays
  const periods = el("div", { class: "row segmented" }, ["week", "month", "quarter"].map((p) =>
    el("button", { class: p === period ? "" : "plain", onclick: () => go(link({ period: p })) }, L(p))));
  const tiles = el("div", { class: "tiles" },
    tile(L("customers"), d.customers, d.drill.scope),
    tile(L("overdue_total"), d.overdue_total, d.drill.overdue, d.overdue_total ? "overdue" : ""),
    tile(L("pipeline"), compact(d.pipeline.expected), d.pipeline.drill),
    tile(L("complaints"), d.complaints_open, d.drill.complaints, d.complaints_open ? "overdue" : ""));

  // tier mix and revenue by tier, for the model chosen (the policy's models, in its order)
  const model = d.models.find((m) => m.code === params.get("model")) || d.models[0];
  const models = el("div", { class: "row segmented", id: "models" }, d.models.map((m) =>
    el("button", { class: m === model ? "" : "plain", "data-model": m.code, onclick: () => go(link({ model: m.code })) }, m.name[lang])));
  const tiers = model ? model.tiers : [];
  const drills = tiers.map((t) => t.drill);
  const colours = tierColours(tiers.length);
  const mix = figure("chart-mix", L("tier_mix") + " — " + (model ? model.name[lang] + " · " + model.customers : ""), 200, {
    type: "doughnut",
    data: { labels: tiers.map((t) => `${t.name[lang]} · ${t.customers}`),
            datasets: [{ data: tiers.map((t) => t.customers), backgroundColor: colours, borderColor: themeColour("--bg") }] },
    options: { cutout: "55%", plugins: { legend: { position: "right", labels: { boxWidth: 12 } } } },
  }, drills);
  const revenue = figure("chart-revenue", L("revenue_by_tier") + " (" + d.currency + ")", rowsHeight(tiers.length), horizontalBars(
    tiers.map((t) => `${t.name[lang]} · ${compact(t.revenue)}`),
    [{ data: tiers.map((t) => Number(t.revenue)), backgroundColor: colours }], { ticks: { callback: (v) => compact(v) } }), drills);

  const pipeline = el("section", { class: "figure" }, el("h2", {}, L("pipeline")),
    el("p", { class: "link big", id: "pipeline", onclick: () => drillTo(d.pipeline.drill) }, money(d.pipeline.expected) + " " + d.currency));

  const shares = d.allocation;
  const allocation = shares.length ? figure("chart-allocation",
    L("allocation") + (d.allocation_model ? " — " + d.allocation_model[lang] : "") + " · " + L("interactions", { n: d.allocation_interactions }),
    rowsHeight(shares.length, 46), horizontalBars(shares.map((a) => a.name[lang]), [
      { label: L("actual"), data: shares.map((a) => Math.round(100 * (a.share || 0))), backgroundColor: themeColour("--button") },
      { label: L("target"), data: shares.map((a) => Math.round(100 * (a.target || 0))), backgroundColor: themeColour("--hint") },
    ], { legend: true, ticks: { callback: (v) => v + "%" } }), shares.map((a) => a.drill)) : null;

  const people = d.overdue_people;
  const overdue = figure("chart-overdue", L("overdue_by_rep") + " — " + d.overdue_total, rowsHeight(people.length), horizontalBars(
    people.map((p) => `${p.name} · ${p.overdue}`), [{ data: people.map((p) => p.overdue), backgroundColor: "#e0533d" }],
    { ticks: { precision: 0 } }), people.map((p) => p.drill));

  const complaints = el("section", { class: "figure" }, el("h2", {}, L("complaints")),
    el("p", { class: "link big", id: "complaints", onclick: () => drillTo(d.drill.complaints) },
      String(d.complaints_open), d.complaints_old ? el("span", { class: "muted" }, " · " + L("complaints_old", { n: d.complaints_old })) : null));

  $("#view").replaceChildren(periods, tiles, el("p", { class: "muted hint" }, L("tap_hint")), models, mix, revenue, pipeline,
    allocation, overdue, movements(d, lang), complaints);
  for (const make of Dash.charts) make();
}

// Tier movements: upgrades and downgrades per model; a tap lists the customers behind the bar,
// each opening their page.
function movements(d, lang) {
  const section = el("section", { class: "figure", id: "movements" }, el("h2", {}, L("movements")));
  if (!d.movements.length) { section.append(el("p", { class: "muted" }, L("no_movements"))); return section; }
  const moved = d.models.filter((m) => d.movements.some((x) => x.model === m.code));
  const list = el("ul", { class: "moves" });
  const show = (model, direction) => list.replaceChildren(...d.movements
    .filter((x) => (!model || x.model === model) && (!direction || x.direction === direction))
    .map((x) => el("li", { class: "link " + x.direction, "data-customer": x.customer_id, onclick: () => go("#/c/" + x.customer_id) },
      `${x.direction === "up" ? "▲" : x.direction === "down" ? "▼" : "•"} ${x.name}: ${x.old_name[lang]} → ${x.new_name[lang]}`)));
  const directions = [["up", L("upgrades"), "#4caf50"], ["down", L("downgrades"), "#e0533d"], ["changed", L("changed"), themeColour("--hint")]]
    .filter(([code]) => d.movements.some((x) => x.direction === code));
  const chart = figure("chart-movements", "", rowsHeight(moved.length, 40) + 30, horizontalBars(moved.map((m) => m.name[lang]),
    directions.map(([code, label, colour]) => ({ label, data: moved.map((m) => d.movements.filter((x) => x.model === m.code && x.direction === code).length), backgroundColor: colour })),
    { stacked: true, legend: true, ticks: { precision: 0 } }), [], (index, datasetIndex) => show(moved[index].code, directions[datasetIndex][0]));
  chart.querySelector("h2").remove();
  show(null, null);
  section.append(chart, list);
  return section;
}

// Redraw in the new colours when Telegram's theme or the browser's scheme changes.
function redrawDashboard() { if (Dash.last && location.hash.startsWith("#/dash")) drawDashboard(Dash.last.params, Dash.last.data); }
window.matchMedia("(prefers-color-scheme: dark)").addEventListener("change", redrawDashboard);
