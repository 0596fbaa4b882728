// Small SVG charts of our own: a time series (lines or stacked bars) and interval bars
// for the experiments. Colours come from the stylesheet (classes s1, s2, s3).

import { svg, el } from "./dom.js";
import * as format from "./format.js";

const WIDTH = 640;
const HEIGHT = 200;
/** Charts are drawn at the width they are shown at, so their text stays readable on phones. */
export const fitWidth = (pixels) => Math.round(Math.max(280, Math.min(WIDTH, pixels || WIDTH)));
const MARGIN = { left: 56, right: 14, top: 12, bottom: 26 };

/** The smallest "nice" number (1, 2, 2.5, 5 × 10^k) at or above value. */
export function niceCeiling(value) {
  if (!(value > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 2.5, 5, 10]) {
    if (step * power >= value) return step * power;
  }
  return 10 * power;
}

/** A y axis of four steps of 1, 2 or 5 × 10^k (whole steps when the values are counts). */
export function yScale(highest, whole) {
  if (!(highest > 0)) return 4;
  const raw = highest / 4;
  let step = whole ? 1 : 0.001;
  if (raw > step) {
    const power = 10 ** Math.floor(Math.log10(raw));
    step = [1, 2, 5, 10].map((m) => m * power).find((candidate) => candidate >= raw);
    if (whole) step = Math.max(1, Math.ceil(step));
  }
  return step * 4;
}

function axes(from, to, yMax, yFormat, plotWidth, plotHeight, width) {
  const parts = [];
  const ticks = 4;
  for (let i = 0; i <= ticks; i++) {
    const value = (yMax / ticks) * i;
    const y = MARGIN.top + plotHeight - (plotHeight * i) / ticks;
    parts.push(svg("path", { class: i === 0 ? "axis" : "grid", d: `M${MARGIN.left} ${y}H${MARGIN.left + plotWidth}` }));
    parts.push(svg("text", { class: "tick", x: MARGIN.left - 6, y: y + 4, "text-anchor": "end" }, yFormat(value)));
  }
  // A label every 15 minutes of the hour shown.
  const quarter = width < 420 ? 1800 : 900;
  for (let t = Math.ceil(from / quarter) * quarter; t <= to; t += quarter) {
    const x = MARGIN.left + ((t - from) / (to - from)) * plotWidth;
    parts.push(svg("path", { class: "grid", d: `M${x} ${MARGIN.top}V${MARGIN.top + plotHeight}` }));
    parts.push(svg("text", { class: "tick", x, y: HEIGHT - 8, "text-anchor": "middle" }, format.clock(t)));
  }
  return parts;
}

/**
 * A chart of the last hour.
 * @param {object} o
 * @param {string} o.name data-series of the svg
 * @param {string} o.title what it shows, for the figure's caption and the svg's title
 * @param {number} o.from @param {number} o.to unix seconds of the x axis
 * @param {number} o.step seconds per point (bar width)
 * @param {"line"|"bars"} o.kind lines, or bars stacked in the series' order
 * @param {{label: string, className: string, points: {t: number, v: number|null}[]}[]} o.series
 * @param {boolean} o.whole the values are counts (whole axis steps)
 * @param {number} o.width the viewBox's width (see fitWidth)
 */
export function timeChart({ name, title, from, to, step, kind, series, whole = false, width = WIDTH }) {
  const plotWidth = width - MARGIN.left - MARGIN.right;
  const plotHeight = HEIGHT - MARGIN.top - MARGIN.bottom;
  let highest = 0;
  if (kind === "bars") {
    const sums = new Map();
    for (const s of series) for (const p of s.points) if (p.v !== null) sums.set(p.t, (sums.get(p.t) || 0) + p.v);
    for (const v of sums.values()) highest = Math.max(highest, v);
  } else {
    for (const s of series) for (const p of s.points) if (p.v !== null) highest = Math.max(highest, p.v);
  }
  const yMax = yScale(highest, whole);
  // Tick labels with as many decimals as a quarter of the axis needs.
  const digits = whole ? 0 : Math.min(4, Math.max(0, Math.ceil(-Math.log10(yMax / 4))));
  const tickText = new Intl.NumberFormat("en", { maximumFractionDigits: digits });
  const yFormat = (v) => tickText.format(v);
  const x = (t) => MARGIN.left + ((t - from) / (to - from)) * plotWidth;
  const y = (v) => MARGIN.top + plotHeight - (v / yMax) * plotHeight;

  const titleId = `chart-${name}-title`;
  const root = svg("svg", {
    class: "chart", "data-series": name, viewBox: `0 0 ${width} ${HEIGHT}`, role: "img", "aria-labelledby": titleId,
    preserveAspectRatio: "xMidYMid meet",
  }, svg("title", { id: titleId }, title), svg("desc", null, latestText(series)), axes(from, to, yMax, yFormat, plotWidth, plotHeight, width));

  if (kind === "bars") {
    const barWidth = Math.max(2, (plotWidth * step) / (to - from) * 0.8);
    const base = new Map();
    for (const s of series) {
      const group = svg("g", { class: `bars ${s.className}` });
      for (const p of s.points) {
        if (p.v === null || p.v <= 0 || p.t < from) continue;
        const below = base.get(p.t) || 0;
        const top = y(below + p.v);
        group.append(svg("rect", { x: x(p.t) - barWidth, y: top, width: barWidth, height: y(below) - top }));
        base.set(p.t, below + p.v);
      }
      root.append(group);
    }
  } else {
    for (const s of series) {
      let d = "";
      let pen = false;
      const lonely = [];
      s.points.forEach((p, i) => {
        if (p.v === null || p.t < from) {
          pen = false;
          return;
        }
        const next = s.points[i + 1];
        const previous = s.points[i - 1];
        if (!pen && (!next || next.v === null) && (!previous || previous.v === null)) lonely.push(p);
        d += `${pen ? "L" : "M"}${x(p.t).toFixed(1)} ${y(p.v).toFixed(1)}`;
        pen = true;
      });
      const group = svg("g", { class: `line ${s.className}` });
      if (d) group.append(svg("path", { d }));
      for (const p of lonely) group.append(svg("circle", { cx: x(p.t), cy: y(p.v), r: 2.5 }));
      root.append(group);
    }
  }
  return root;
}

/** For screen readers: each series' latest value. */
function latestText(series) {
  return series.map((s) => {
    const last = s.points.filter((p) => p.v !== null).at(-1);
    return `${s.label}: ${last ? format.number(last.v) : "no data"}`;
  }).join("; ");
}

/** The chart with its caption and legend. */
export function chartFigure(title, chart, series, note) {
  return el("figure", { class: "chart-card" },
    el("figcaption", null,
      el("span", { class: "chart-title" }, title),
      series.length > 1 ? el("span", { class: "legend" }, series.map((s) => el("span", { class: `key ${s.className}` }, s.label))) : null),
    chart,
    note ? el("p", { class: "chart-note" }, note) : null);
}

/**
 * Each variant's open rate with its 95% interval: one rect (the interval) and one line
 * (the rate) per variant that has receivers; the control's rate as a dashed guide.
 * @param {{variant: string, isControl: boolean, openRate: number|null, interval: {low: number, high: number}|null}[]} arms
 */
export function intervalChart(experiment, arms, shownWidth = 720) {
  // Narrow (phones): no value texts beside the bars, the table beside it has them.
  const width = Math.round(Math.max(280, Math.min(720, shownWidth)));
  const compact = width < 520;
  const rowHeight = 34;
  const labelWidth = compact ? 96 : 150;
  const valueWidth = compact ? 8 : 190;
  const top = 8;
  const height = top + rowHeight * arms.length + 26;
  const plotWidth = width - labelWidth - valueWidth - 10;
  const highest = Math.max(0.01, ...arms.map((a) => (a.interval ? a.interval.high : 0)));
  const xMax = Math.min(1, niceCeiling(highest));
  const x = (rate) => labelWidth + (rate / xMax) * plotWidth;

  const titleId = `ci-${experiment.replace(/[^A-Za-z0-9_-]/g, "_")}-title`;
  const root = svg("svg", {
    class: "ci", viewBox: `0 0 ${width} ${height}`, role: "img", "aria-labelledby": titleId, "data-experiment": experiment,
  }, svg("title", { id: titleId }, `Open rate per variant of ${experiment} with its 95% interval`));

  const bottom = top + rowHeight * arms.length;
  for (let i = 0; i <= 4; i += compact ? 2 : 1) {
    const rate = (xMax / 4) * i;
    root.append(svg("path", { class: i === 0 ? "axis" : "grid", d: `M${x(rate)} ${top}V${bottom}` }));
    root.append(svg("text", { class: "tick", x: x(rate), y: bottom + 16, "text-anchor": "middle" }, `${Number((rate * 100).toFixed(2))}%`));
  }
  const control = arms.find((a) => a.isControl);
  if (control && control.openRate !== null) {
    root.append(svg("path", { class: "control-guide", d: `M${x(control.openRate)} ${top}V${bottom}` }));
  }
  arms.forEach((arm, index) => {
    const middle = top + rowHeight * index + rowHeight / 2;
    const longest = compact ? 11 : 16;
    const label = arm.variant.length > longest ? `${arm.variant.slice(0, longest - 1)}…` : arm.variant;
    root.append(svg("text", { class: "label", x: labelWidth - 10, y: middle + 4, "text-anchor": "end" }, label, arm.isControl && !compact ? " (control)" : ""));
    if (!arm.interval || arm.openRate === null) {
      root.append(svg("text", { class: "tick", x: labelWidth + 4, y: middle + 4 }, "no receivers yet"));
      return;
    }
    const cls = arm.isControl ? "ci-bar control" : "ci-bar";
    root.append(svg("rect", {
      class: cls, "data-variant": arm.variant, x: x(arm.interval.low), y: middle - 8,
      width: Math.max(1, x(arm.interval.high) - x(arm.interval.low)), height: 16, rx: 3,
    }, svg("title", null, `${arm.variant}: ${format.percent(arm.openRate)} (95% interval ${format.percent(arm.interval.low)} – ${format.percent(arm.interval.high)})`)));
    root.append(svg("line", { class: "ci-rate", "data-variant": arm.variant, x1: x(arm.openRate), x2: x(arm.openRate), y1: middle - 12, y2: middle + 12 }));
    if (!compact) {
      root.append(svg("text", { class: "value", x: width - valueWidth + 4, y: middle + 4 },
        `${format.percent(arm.openRate)} (${(arm.interval.low * 100).toFixed(2)}–${format.percent(arm.interval.high)})`));
    }
  });
  return root;
}
