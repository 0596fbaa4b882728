// Overview: the service's counters now (tiles) and over the last hour (charts), from
// GET /v1/overview, polled every 5 s while the page is shown.

import * as api from "./api.js";
import { el, fill, empty, errorBox, valueCell } from "./dom.js";
import { timeChart, chartFigure, fitWidth } from "./charts.js";
import * as format from "./format.js";

const POLL_MS = 5000;

function tile(metric, label, raw, text, hint) {
  return el("div", { class: "tile", "data-metric": metric },
    el("span", { class: "tile-label" }, label),
    valueCell("span", { class: "tile-value" }, raw, text),
    hint ? el("span", { class: "tile-hint" }, hint) : null);
}

function tiles(data) {
  const totals = data.totals || {};
  const answers = totals.answers || {};
  const latest = (data.series || []).at(-1);
  const rate = data.callsPerSecond ?? (latest ? latest.callsPerSecond : null);
  const latencyData = data.latency || {};
  const queueOff = totals.queueDepth === null || totals.queueDepth === undefined;
  return [
    tile("hookCalls", "Hook calls", totals.hookCalls, format.count(totals.hookCalls), "since start"),
    tile("callsPerSecond", "Calls per second", rate, format.number(rate), "current rate"),
    tile("p50", "Latency p50", latencyData.p50Seconds ?? null, format.latency(latencyData.p50Seconds), "last minute"),
    tile("p99", "Latency p99", latencyData.p99Seconds ?? null, format.latency(latencyData.p99Seconds), "last minute"),
    tile("answersPush", "Answered: push", answers.push, format.count(answers.push)),
    tile("answersSkip", "Answered: skip", answers.skip, format.count(answers.skip)),
    tile("answersError", "Answered: error", answers.error, format.count(answers.error)),
    tile("coalesced", "Coalesced receivers", totals.coalesced, format.count(totals.coalesced)),
    tile("renderFailures", "Render failures", totals.renderFailures, format.count(totals.renderFailures)),
    tile("queueDepth", "Queue depth", queueOff ? null : totals.queueDepth, queueOff ? "off" : format.count(totals.queueDepth),
      queueOff ? "custom delivery is off" : "ready + leased"),
  ];
}

function points(series, key, scale = 1) {
  return series.map((p) => ({ t: p.time, v: p[key] === null || p[key] === undefined ? null : p[key] * scale }));
}

function charts(data, width) {
  const series = data.series || [];
  const to = data.time;
  const from = to - 3600;
  const step = data.stepSeconds || 5;
  const common = { from, to, step, width };
  const figure = (name, title, kind, lines, whole) =>
    chartFigure(title, timeChart({ name, title, kind, series: lines, whole, ...common }), lines);
  const queueOff = data.totals && (data.totals.queueDepth === null || data.totals.queueDepth === undefined);
  return [
    figure("callsPerSecond", "Hook calls per second", "line",
      [{ label: "calls/s", className: "s1", points: points(series, "callsPerSecond") }], false),
    figure("latency", "Hook latency (ms)", "line", [
      { label: "p50", className: "s1", points: points(series, "p50Seconds", 1000) },
      { label: "p99", className: "s2", points: points(series, "p99Seconds", 1000) },
    ], false),
    figure("answers", `Answers per ${step} s`, "bars", [
      { label: "push", className: "s1", points: points(series, "push") },
      { label: "skip", className: "s3", points: points(series, "skip") },
      { label: "error", className: "s2", points: points(series, "error") },
    ], true),
    figure("coalesced", `Coalesced receivers per ${step} s`, "bars",
      [{ label: "coalesced", className: "s1", points: points(series, "coalesced") }], true),
    figure("renderFailures", `Render failures per ${step} s`, "bars",
      [{ label: "render failures", className: "s2", points: points(series, "renderFailures") }], true),
    queueOff
      ? el("figure", { class: "chart-card" }, el("figcaption", null, el("span", { class: "chart-title" }, "Queue depth")),
        empty("Custom delivery is off: no queue to show. See README › Custom delivery."))
      : figure("queueDepth", "Queue depth (ready + leased)", "line",
        [{ label: "jobs", className: "s1", points: points(series, "queueDepth") }], true),
  ];
}

export async function render(main, ctx) {
  const tileBox = el("section", { class: "tiles", "aria-label": "Now" });
  const notice = el("div", { class: "notice-slot" });
  const chartBox = el("section", { class: "charts", "aria-label": "The last hour" });
  const updated = el("p", { class: "hint", id: "overview-updated" });
  const pollError = el("div", { "aria-live": "polite" });

  const draw = (data) => {
    fill(tileBox, tiles(data));
    // A chart card's inner width: the grid's column less the card's padding and border.
    const column = chartBox.clientWidth >= 2 * 460 + 16 ? (chartBox.clientWidth - 16) / 2 : chartBox.clientWidth;
    fill(chartBox, charts(data, fitWidth(column - 26)));
    const instance = document.getElementById("instance");
    instance.textContent = data.instance ? `instance ${data.instance}` : "";
    fill(notice, data.totals && data.totals.hookCalls === 0
      ? empty("No hook calls yet: point the IM server's _receiversOffline hook at this service (README › Calling it as the IM server does).")
      : null);
    updated.textContent = `Updated ${new Date(data.time * 1000).toLocaleTimeString()}; refreshed every 5 s.`;
    fill(pollError);
  };

  const data = await api.get("/v1/overview");
  if (!ctx.active()) return;
  fill(main, el("h1", null, "Overview"), updated, pollError, notice, tileBox,
    el("h2", null, "The last hour"), chartBox);
  draw(data);

  ctx.repeat(POLL_MS, async () => {
    try {
      const next = await api.get("/v1/overview");
      if (ctx.active()) draw(next);
    } catch (error) {
      if (ctx.active() && error.status !== 401) fill(pollError, errorBox(error, "Refreshing failed (the numbers shown are older)"));
    }
  });
}
