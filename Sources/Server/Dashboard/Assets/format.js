// How numbers, times and durations are written for people. The raw values stay in
// data-value attributes; these are only the texts.

const integer = new Intl.NumberFormat("en", { maximumFractionDigits: 0 });
const decimal = new Intl.NumberFormat("en", { maximumFractionDigits: 2 });

export function count(n) {
  return n === null || n === undefined ? "–" : integer.format(n);
}

export function number(n) {
  return n === null || n === undefined ? "–" : decimal.format(n);
}

/** Seconds → "3.2 ms", "1.25 s". */
export function latency(seconds) {
  if (seconds === null || seconds === undefined) return "–";
  if (seconds < 1) return `${(seconds * 1000).toFixed(seconds < 0.01 ? 2 : 1)} ms`;
  return `${seconds.toFixed(2)} s`;
}

/** 0.1234 → "12.34%" (as the report prints it). */
export function percent(fraction) {
  return fraction === null || fraction === undefined ? "–" : `${(fraction * 100).toFixed(2)}%`;
}

/** 0.041 → "+4.1 points". */
export function points(difference) {
  if (difference === null || difference === undefined) return "–";
  const value = (difference * 100).toFixed(1);
  return `${difference >= 0 ? "+" : ""}${value} points`;
}

/** A p-value: four decimals, or "<0.0001". */
export function pValue(p) {
  if (p === null || p === undefined) return "–";
  return p < 0.0001 ? "<0.0001" : p.toFixed(4);
}

/** Whole seconds → "2 h 5 min", "45 s". */
export function duration(seconds) {
  if (seconds === null || seconds === undefined) return "–";
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
  return `${Math.floor(s / 86400)} d ${Math.floor((s % 86400) / 3600)} h`;
}

/** An ISO 8601 UTC time → "2026-11-28 02:22:00 UTC" (the log's own clock, as the CLI shows it). */
export function time(iso) {
  if (!iso) return "–";
  const match = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})(\.\d+)?Z$/.exec(iso);
  return match ? `${match[1]} ${match[2]} UTC` : String(iso);
}

/** Unix seconds → local "HH:MM" for chart axes. */
export function clock(seconds) {
  return new Date(seconds * 1000).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
}

/** A long token shown by its ends. */
export function shortToken(token) {
  if (!token || token.length <= 24) return token || "";
  return `${token.slice(0, 10)}…${token.slice(-10)}`;
}
