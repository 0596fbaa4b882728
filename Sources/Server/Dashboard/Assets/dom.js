// DOM building that never parses markup: every value becomes a text node or an
// attribute set with setAttribute, so names, texts and payloads cannot run as code.

const SVG_NS = "http://www.w3.org/2000/svg";

function apply(node, attrs) {
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "text") node.textContent = String(value);
    else if (key === "on") for (const [event, handler] of Object.entries(value)) node.addEventListener(event, handler);
    else if (key === "dataset") for (const [name, v] of Object.entries(value)) { if (v !== undefined && v !== null) node.dataset[name] = String(v); }
    else if (value === true) node.setAttribute(key, "");
    else node.setAttribute(key, String(value));
  }
}

function append(node, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** An HTML element: el("td", {class: "reason", text: job.lastReason}). */
export function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  apply(node, attrs);
  append(node, children);
  return node;
}

/** An SVG element, built the same way. */
export function svg(tag, attrs, ...children) {
  const node = document.createElementNS(SVG_NS, tag);
  apply(node, attrs);
  append(node, children);
  return node;
}

/** Replaces a node's children. */
export function fill(node, ...children) {
  node.replaceChildren();
  append(node, children);
  return node;
}

/**
 * A table in a horizontally scrolling wrapper. `stack`: on phones each row becomes a
 * card of "label: value" lines (the labels are the column heads, kept in data-label).
 */
export function table({ id, caption, head, rows, className, stack = false }) {
  if (stack) {
    for (const row of rows) {
      [...row.children].forEach((cell, index) => {
        if (head[index]) cell.setAttribute("data-label", head[index]);
      });
    }
  }
  const classes = [className, stack ? "stack" : null].filter(Boolean).join(" ") || undefined;
  const t = el("table", { id, class: classes },
    caption ? el("caption", { text: caption }) : null,
    el("thead", null, el("tr", null, head.map((h) => el("th", { scope: "col", text: h })))),
    el("tbody", null, rows));
  return el("div", { class: className ? `table-wrap wrap-${className}` : "table-wrap", tabindex: "0", role: "region", "aria-label": caption || id || "table" }, t);
}

/** An empty state: what it means and where to read. */
export function empty(text) {
  return el("p", { class: "empty" }, text);
}

/** An error from the API, with its message. */
export function errorBox(error, prefix) {
  return el("p", { class: "error", role: "alert" }, prefix ? `${prefix}: ${messageOf(error)}` : messageOf(error));
}

export function messageOf(error) {
  if (!error) return "unknown error";
  if (error.status) return `${error.message} (HTTP ${error.status})`;
  return error.message || String(error);
}

/** A cell holding a number: the text formatted, data-value the raw value. */
export function valueCell(tag, attrs, raw, text) {
  const node = el(tag, attrs, text);
  node.dataset.value = raw === null || raw === undefined ? "" : String(raw);
  return node;
}

let statusTimer = null;
/** A short message in the status line (announced to screen readers). */
export function announce(text) {
  const status = document.getElementById("status");
  status.textContent = text;
  status.classList.add("visible");
  clearTimeout(statusTimer);
  statusTimer = setTimeout(() => status.classList.remove("visible"), 6000);
}
