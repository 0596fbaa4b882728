// Experiments: for each one the report of GET /v1/experiments/{name}/report, as is —
// every number shown is the report's own (data-value holds it raw) — with each
// variant's open rate and 95% interval drawn as bars, and progress to the minimum sample.

import * as api from "./api.js";
import { el, fill, empty, errorBox, table, valueCell } from "./dom.js";
import { intervalChart } from "./charts.js";
import * as format from "./format.js";

/** The verdict as it concerns one arm; data-value keeps the report's verdict kind. */
function verdictFor(report, arm) {
  const verdict = report.verdict || {};
  switch (verdict.kind) {
    case "winner": return verdict.variant === arm.variant ? "winner" : "–";
    case "noWinnerYet":
      return arm.receivers < report.minimumSample ? `needs ${format.count(report.minimumSample - arm.receivers)} more` : "sample reached";
    case "noSignificantDifference": return arm.isControl ? "–" : "not significant";
    case "adaptive": return "adaptive: no test";
    default: return verdict.kind || "–";
  }
}

function liftText(arm) {
  if (arm.isControl) return "control";
  if (arm.absoluteLift === null || arm.absoluteLift === undefined) return "–";
  const relative = arm.relativeLift === null || arm.relativeLift === undefined
    ? "" : ` (${arm.relativeLift >= 0 ? "+" : ""}${(arm.relativeLift * 100).toFixed(1)}%)`;
  return `${format.points(arm.absoluteLift)}${relative}`;
}

function progressCell(arm, minimumSample) {
  const ratio = minimumSample > 0 ? arm.receivers / minimumSample : 1;
  const bar = el("progress", { max: String(minimumSample), value: String(Math.min(arm.receivers, minimumSample)), "aria-label": `${arm.variant}: ${arm.receivers} of ${minimumSample} receivers` });
  return valueCell("td", { "data-field": "progress", class: "progress" }, ratio,
    bar, el("span", null, ` ${format.count(arm.receivers)} of ${format.count(minimumSample)}`));
}

function armRow(report, arm) {
  const field = (name, raw, text, cls = "num") => valueCell("td", { "data-field": name, class: cls }, raw, text);
  const interval = arm.interval || null;
  return el("tr", { "data-variant": arm.variant, class: arm.isControl ? "control" : null },
    el("th", { scope: "row" }, arm.variant, arm.isControl ? el("span", { class: "badge" }, "control") : null),
    field("exposures", arm.receivers, format.count(arm.receivers)),
    field("pushes", arm.pushes, format.count(arm.pushes)),
    field("opens", arm.opens, format.count(arm.opens)),
    field("openers", arm.openers, format.count(arm.openers)),
    field("rate", arm.openRate, format.percent(arm.openRate)),
    field("low", interval ? interval.low : null, interval ? format.percent(interval.low) : "–"),
    field("high", interval ? interval.high : null, interval ? format.percent(interval.high) : "–"),
    field("lift", arm.absoluteLift, liftText(arm)),
    field("p", arm.pValue, format.pValue(arm.pValue)),
    field("correctedP", arm.correctedPValue, format.pValue(arm.correctedPValue)),
    valueCell("td", { "data-field": "verdict", class: `verdict verdict-${report.verdict?.kind}` }, report.verdict?.kind, verdictFor(report, arm)),
    progressCell(arm, report.minimumSample));
}

function experimentSection(summary, report, chartWidth) {
  const arms = report.arms || [];
  const facts = [
    ["Template", summary.template ?? "–"],
    ["Unit", report.unit],
    ["State", summary.state ?? "–"],
    ["Analysis", report.analysis],
    ["Correction", report.correction],
    ["Minimum sample", `${format.count(report.minimumSample)} receivers per variant`],
    ["Not exposed", format.count(report.notExposed)],
    ["Overridden", `${format.count(report.overridden)} (${report.overridesNote})`],
  ];
  if (report.adaptation) {
    const weights = Object.entries(report.adaptation.weights || {}).map(([v, w]) => `${v} ${(w * 100).toFixed(1)}%`).join(", ");
    facts.push(["Adaptive weights", `${report.adaptation.method}, ${report.adaptation.updates} update(s); latest: ${weights}`]);
  }
  return el("section", { class: "experiment card", "data-experiment": report.experiment, "aria-labelledby": `exp-${report.experiment}` },
    el("h2", { id: `exp-${report.experiment}` }, report.experiment),
    el("p", { class: `verdict-line verdict-${report.verdict?.kind}`, "data-value": report.verdict?.kind ?? "" },
      el("strong", null, "Verdict: "), report.verdictText),
    table({
      caption: `Variants of ${report.experiment}`,
      head: ["Variant", "Receivers", "Pushes", "Opens", "Openers", "Rate", "95% low", "95% high", "Lift", "p", "p (Holm)", "Verdict", "Minimum sample"],
      rows: arms.map((arm) => armRow(report, arm)),
      className: "experiment-table",
    }),
    el("figure", { class: "ci-card" }, el("figcaption", null, "Open rate with its 95% interval (dashed: the control's rate)"), intervalChart(report.experiment, arms, chartWidth)),
    el("dl", { class: "facts" }, facts.map(([k, v]) => [el("dt", null, k), el("dd", null, v)])));
}

export async function render(main, ctx) {
  const list = await api.get("/v1/experiments");
  if (!ctx.active()) return;
  const experiments = list.experiments || [];
  if (!experiments.length) {
    fill(main, el("h1", null, "Experiments"),
      empty("No experiments yet: a template declares one in an experiment block. See README › A/B testing."));
    return;
  }
  const reports = await Promise.all(experiments.map((e) =>
    api.get(`/v1/experiments/${api.segment(e.name)}/report`).then((report) => ({ report }), (error) => ({ error }))));
  if (!ctx.active()) return;
  fill(main, el("h1", null, "Experiments"),
    el("p", { class: "hint" }, "Reports from the start of each experiment, as pushcompose ab report prints them."),
    experiments.map((summary, i) => {
      const { report, error } = reports[i];
      if (error) {
        if (error.status === 401) throw error;
        return el("section", { class: "experiment card", "data-experiment": summary.name }, el("h2", null, summary.name), errorBox(error, "The report failed"));
      }
      // The card's inner width: the page less its padding and the card's.
      return experimentSection(summary, report, main.clientWidth - 64);
    }));
}
