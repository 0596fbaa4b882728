// Audit: search the log (GET /v1/audit), explain one receiver in one call
// (GET /v1/audit/explain), and the hash chain's verify state (GET/POST /v1/audit/verify).

import * as api from "./api.js";
import { el, fill, empty, errorBox, table, valueCell } from "./dom.js";
import * as format from "./format.js";

const FIELDS = [
  ["receiver", "Receiver", "Jerry"],
  ["conversation", "Conversation", "conv-1"],
  ["push", "Push id", "push or call id"],
  ["since", "Since", "2h, 7d or 2026-11-27T09:00:00Z"],
  ["until", "Until", "ISO 8601 time or duration"],
];
const LIMIT = 100;

/** Everyone a hook record names, in its order. */
function receiversOf(record) {
  if (record.receiver) return [record.receiver];
  const names = [];
  const add = (id) => {
    if (typeof id === "string" && !names.includes(id)) names.push(id);
  };
  for (const group of record.groups || []) for (const r of group.receivers || []) add(r);
  for (const key of ["coalesced", "custom", "undeliverable", "renderFailures"]) for (const entry of record[key] || []) add(entry.receiver);
  for (const key of ["excluded", "mutedUnforced", "depersonalized"]) for (const r of record[key] || []) add(r);
  if (record.kind === "exposure") for (const r of record.receivers || []) add(r);
  return names;
}

function summary(record) {
  switch (record.kind) {
    case "hook": {
      const answer = record.answer || {};
      const answered = answer.skip ? "skip" : answer.pushMessage !== undefined ? "push" : "answer";
      return `${record.sender ?? "?"} (${record.messageKind ?? "message"}) → ${record.receivers ?? 0} offline; template ${record.template ?? "?"}; ${answered}`;
    }
    case "exposure": return `${record.experiment}: ${record.variant} ${record.status}`;
    case "queued": return `queued for ${record.provider} ${record.device ?? ""}`;
    case "attempt": return `attempt ${record.attempt}: ${record.outcome}${record.status ? ` ${record.status}` : ""}${record.reason ? `, ${record.reason}` : ""}`;
    case "delivered": return `delivered by ${record.provider}`;
    case "dead": case "deviceRemoved": return `${record.kind}: ${record.reason ?? ""}`;
    case "rejected": return `rejected ${record.status}: ${record.error ?? ""}`;
    case "conversationUpdate": return record.mute !== undefined ? `${record.client} mute ${record.mute}` : `name: ${record.name ?? ""}`;
    case "gap": return `${record.dropped} record(s) lost: ${record.reason}`;
    case "checkpoint": return `retention deleted ${(record.deleted || []).length} file(s)`;
    case "repair": return `torn line set aside in ${record.file}`;
    case "operation": {
      const shared = new Set(["time", "v", "kind", "action", "via", "prev", "mac"]);
      const details = Object.entries(record).filter(([key]) => !shared.has(key)).map(([key, value]) => `${key} ${typeof value === "object" ? JSON.stringify(value) : value}`);
      return `${record.action} via ${record.via}${details.length ? `: ${details.join(", ")}` : ""}`;
    }
    default: return "";
  }
}

const VERIFY_WORDS = {
  ok: "The chain holds: no record was edited, removed, moved or inserted.",
  broken: "The chain is broken: a record was edited, removed, moved or inserted (or a file is damaged).",
  unchecked: "Not verified since the service started: verify now to check every audit file.",
  off: "Records are not chained (auditChain: false): there is nothing to verify.",
  torn: "A file ends inside a line.",
  unknown: "The chain's state is not known.",
};

function streamLines(stream) {
  const name = stream.stream ? `stream ${stream.stream}` : "single instance";
  const range = stream.firstTime ? `, ${format.time(stream.firstTime)} … ${format.time(stream.lastTime ?? stream.firstTime)}` : "";
  const lines = [el("li", { class: stream.holds ? null : "error-text", "data-stream": stream.stream },
    `${name}: ${format.count((stream.files || []).length)} file(s), ${format.count(stream.records)} record(s), ${(stream.bytes / 1e6).toFixed(1)} MB${range}: `,
    stream.holds ? "holds" : "broken",
    stream.problem ? el("span", { class: "problem" }, ` at ${stream.problem.file}:${stream.problem.line}: ${stream.problem.kind}: ${stream.problem.message}`) : null)];
  for (const gap of stream.gaps || []) lines.push(el("li", { class: "warning-text" }, `gap at ${gap.file}:${gap.line}: ${gap.dropped} record(s) not written: ${gap.reason}`));
  for (const repair of stream.repairs || []) lines.push(el("li", null, `repair at ${repair.file}:${repair.line}: a torn line was moved to ${repair.sideFile}`));
  if (stream.tornEnd) lines.push(el("li", null, `${stream.tornEnd.file}:${stream.tornEnd.line} ends without a newline: a write cut short by a crash, not tampering`));
  return lines;
}

/** GET/POST /v1/audit/verify: {state, checkedAt, report: audit verify --json or null}. */
function verifyBox(slot, result, run) {
  const state = (result && result.state) || "unknown";
  const report = result && result.report;
  const streams = (report && report.streams) || [];
  const records = streams.reduce((sum, s) => sum + (s.records || 0), 0);
  const files = streams.reduce((sum, s) => sum + (s.files || []).length, 0);
  fill(slot, el("div", { id: "audit-verify", class: `verify verify-${state}`, "data-state": state },
    el("p", { class: "verify-state" }, el("strong", null, `Chain: ${state}. `), VERIFY_WORDS[state] || ""),
    result && result.checkedAt
      ? el("p", { class: "hint" }, `Checked ${format.time(result.checkedAt)}: `,
        valueCell("span", { class: "verify-records" }, records, `${format.count(records)} record(s)`), " in ",
        valueCell("span", { class: "verify-files" }, files, `${format.count(files)} file(s)`), ".")
      : el("p", { class: "hint" }, "Verifying reads every audit file (README › Audit › Verifying)."),
    streams.length ? el("ul", { class: "streams" }, streams.map(streamLines)) : null,
    state === "off" ? null : el("div", { class: "actions" }, run)));
}

export async function render(main, ctx) {
  const inputs = {};
  const form = el("form", { class: "search card", id: "audit-form", novalidate: true },
    el("h2", null, "Search"),
    el("div", { class: "fields" }, FIELDS.map(([name, label, placeholder]) => {
      inputs[name] = el("input", { id: `audit-${name}`, name, type: "text", placeholder, autocomplete: "off", spellcheck: "false" });
      return el("div", { class: "field" }, el("label", { for: `audit-${name}` }, label), inputs[name]);
    })),
    el("div", { class: "actions" }, el("button", { id: "audit-search", type: "submit", class: "primary" }, "Search")));
  inputs.since.value = "1h";

  const results = el("div", { "aria-live": "polite" });
  const explainSlot = el("section", { class: "card explain-card", "aria-labelledby": "explain-title" },
    el("h2", { id: "explain-title" }, "Explain"),
    el("p", { class: "hint" }, "Choose a row to read what happened to its receiver in that call."));
  const verifySlot = el("section", { class: "card", "aria-labelledby": "verify-title" });
  const run = el("button", { id: "audit-verify-run", type: "button" }, "Verify now");

  const explain = async (call, receivers, chosen) => {
    const picker = receivers.length > 1
      ? el("select", { id: "audit-explain-receiver", "aria-label": "Receiver to explain" }, receivers.map((r) => el("option", { value: r, selected: r === chosen }, r)))
      : null;
    if (picker) picker.addEventListener("change", () => explain(call, receivers, picker.value));
    const out = el("pre", { id: "audit-explain", class: "code", "data-call": call, "data-receiver": chosen }, "Loading…");
    fill(explainSlot, el("h2", { id: "explain-title" }, "Explain"),
      el("p", null, `Call ${call}`, picker ? " · receiver " : ` · receiver ${chosen}`, picker), out);
    try {
      const answer = await api.get("/v1/audit/explain", { receiver: chosen, call });
      if (!ctx.active() || !out.isConnected) return;
      out.textContent = Array.isArray(answer.text) ? answer.text.join("\n") : JSON.stringify(answer, null, 2);
    } catch (error) {
      if (error.status !== 401 && out.isConnected) out.replaceWith(errorBox(error, "Explain failed"));
    }
  };

  const choose = (record, row) => {
    for (const other of row.parentNode.querySelectorAll("tr[aria-selected]")) other.removeAttribute("aria-selected");
    row.setAttribute("aria-selected", "true");
    const searched = inputs.receiver.value.trim();
    let receivers = receiversOf(record);
    if (searched && !receivers.includes(searched)) receivers = [searched, ...receivers];
    if (!receivers.length) {
      fill(explainSlot, el("h2", { id: "explain-title" }, "Explain"), empty("This record names no receiver: enter one in the search and choose the row again."));
      return;
    }
    explain(record.call, receivers, searched && receivers.includes(searched) ? searched : receivers[0]);
    explainSlot.scrollIntoView({ block: "nearest" });
  };

  const search = async () => {
    const query = { limit: LIMIT, order: "newest" };
    for (const [name] of FIELDS) query[name] = inputs[name].value;
    fill(results, el("p", { class: "loading" }, "Searching…"));
    try {
      const answer = await api.get("/v1/audit", query);
      if (!ctx.active()) return;
      const records = answer.records || [];
      if (!records.length) {
        fill(results, el("div", { id: "audit-results" }, empty("No records match: widen the time range or check the ids (README › Audit › Searching).")));
        return;
      }
      const rows = records.map((record) => {
        const receivers = receiversOf(record);
        const row = el("tr", { "data-call": record.call ?? "", "data-kind": record.kind ?? record.type ?? "", class: record.call ? "choosable" : null },
          el("td", { class: "time" }, format.time(record.time)),
          el("td", { class: "kind" }, record.kind ?? record.type ?? ""),
          el("td", { class: "receiver" }, receivers.length > 3 ? `${receivers.slice(0, 3).join(", ")} +${receivers.length - 3}` : receivers.join(", ")),
          el("td", { class: "conversation" }, record.conversation ?? ""),
          el("td", { class: "push" }, record.push ?? ""),
          el("td", { class: "summary" }, summary(record)),
          el("td", null, record.call ? el("button", { type: "button", class: "explain small", "aria-label": `Explain call ${record.call}` }, "Explain") : null));
        if (record.call) {
          row.addEventListener("click", () => choose(record, row));
        }
        return row;
      });
      fill(results,
        table({ id: "audit-results", stack: true, className: "records", caption: `Records, newest first${answer.more ? ` (the latest ${LIMIT}; more match: narrow the search)` : ""}`, head: ["Time", "Kind", "Receiver", "Conversation", "Push", "Summary", ""], rows }));
    } catch (error) {
      if (error.status !== 401 && ctx.active()) fill(results, errorBox(error, "Search failed"));
    }
  };

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    search();
  });

  let verify = null;
  try {
    verify = await api.get("/v1/audit/verify");
  } catch (error) {
    if (error.status === 401) throw error;
    verify = { state: "unknown", checkedAt: null, report: null, error };
  }
  run.addEventListener("click", async () => {
    run.disabled = true;
    run.textContent = "Verifying…";
    try {
      const result = await api.post("/v1/audit/verify");
      if (ctx.active()) verifyBox(verifyBody, result, run);
    } catch (error) {
      if (error.status !== 401 && ctx.active()) verifyBody.append(errorBox(error, "Verify failed"));
    } finally {
      run.disabled = false;
      run.textContent = "Verify now";
    }
  });
  const verifyBody = el("div");
  verifyBox(verifyBody, verify, run);
  if (verify.error) verifyBody.append(errorBox(verify.error, "The verify state could not be read"));
  fill(verifySlot, el("h2", { id: "verify-title" }, "Hash chain"), verifyBody);

  await search();
  if (!ctx.active()) return;
  fill(main, el("h1", null, "Audit"), verifySlot, form, explainSlot, results);
}
