// Templates: the set in use (digest, lint state, list), a reload with its file:line
// problems, and a live preview of a hook body through POST /v1/render.

import * as api from "./api.js";
import { el, fill, empty, errorBox, table, announce } from "./dom.js";
import * as format from "./format.js";

function problemText(problem) {
  if (typeof problem === "string") return problem;
  return `${problem.file}:${problem.line}: ${problem.message ?? problem.reason ?? ""}`;
}

/** `lint`: {state: ok | warnings | errors, warnings: [{file, line, message}], errors?: […]}. */
function lintBox(lint) {
  const errors = (lint && lint.errors) || [];
  const warnings = (lint && lint.warnings) || [];
  const state = (lint && lint.state) || (errors.length ? "errors" : warnings.length ? "warnings" : "ok");
  const summary = !lint
    ? "No lint findings reported."
    : state === "ok"
      ? "Lint: no problems. (A set with errors is refused when it loads, so the set in service has none.)"
      : `Lint: ${errors.length ? `${errors.length} error(s), ` : ""}${warnings.length} warning(s).`;
  return el("div", { id: "template-lint", class: `lint lint-${state}`, "data-state": state },
    el("p", { class: "lint-summary" }, summary),
    errors.length || warnings.length
      ? el("ul", { class: "problems" },
        errors.map((p) => el("li", { class: "problem error-text" }, problemText(p))),
        warnings.map((p) => el("li", { class: "problem warning-text" }, `${problemText(p)} (warning)`)))
      : null);
}

function templateTable(list) {
  if (!list.length) return empty("No templates: the set is empty. See README › Templates.");
  return table({
    id: "template-list", caption: "Templates, in the order they are tried",
    head: ["Name", "File", "Priority", "Default", "Locales"],
    rows: list.map((t) => el("tr", { "data-template": t.name },
      el("th", { scope: "row", class: "name" }, t.name),
      el("td", { class: "file" }, t.file),
      el("td", { class: "num" }, String(t.priority)),
      el("td", null, t.default ? "yes" : ""),
      el("td", null, (t.locales || []).join(", ") || "–"))),
  });
}

/** The hook body a hook record kept (`input.hook` with auditText: full). */
function hookBodyOf(record) {
  const input = record && record.input;
  if (!input) return null;
  return input.hook ?? input.body ?? null;
}

/** Recent hook calls with their bodies, newest first: the narrowest window that has any, at most 20. */
async function recentCalls() {
  for (const since of ["10m", "1h", "24h", "7d"]) {
    const answer = await api.get("/v1/audit", { kind: "hook", since, limit: 100, order: "newest" });
    const records = (answer.records || []).filter((r) => hookBodyOf(r) !== null);
    if (records.length) return records.slice(0, 20);
  }
  return [];
}

function describeCall(record) {
  const body = hookBodyOf(record) || {};
  const text = typeof record.text === "string" ? ` “${record.text.slice(0, 40)}${record.text.length > 40 ? "…" : ""}”` : "";
  return `${format.time(record.time)} · ${body.fromPeer ?? record.sender ?? "?"} in ${body.convId ?? record.conversation ?? "?"}${text}`;
}

function routeText(receiver) {
  const words = { answer: "answer", custom: "queue (custom delivery)", undeliverable: "undeliverable", muted: "muted (not pushed)" };
  const base = words[receiver.route] || receiver.route;
  return receiver.coalesced ? `${base} · coalesced` : base;
}

/** What each of a custom-channel receiver's devices would be sent, one disclosure per device. */
function channelRequests(channel) {
  return (channel || []).map((device) =>
    el("details", { class: "channel-request", "data-provider": device.provider },
      el("summary", null, `What ${device.provider} would be sent (device ${device.token})`),
      el("pre", { class: "code" }, JSON.stringify(device.request, null, 2))));
}

function previewResult(result) {
  const answer = el("pre", { id: "preview-answer", class: "code" }, JSON.stringify(result.result, null, 2));
  let pushMessage = null;
  try {
    if (typeof result.result?.pushMessage === "string") pushMessage = JSON.stringify(JSON.parse(result.result.pushMessage), null, 2);
  } catch {
    pushMessage = null;
  }
  const receivers = result.receivers || [];
  const rows = receivers.map((r) => el("tr", { "data-receiver": r.receiver },
    el("th", { scope: "row" }, r.receiver),
    el("td", { class: "template" }, r.template),
    el("td", { class: "locale" }, r.locale ?? "–"),
    el("td", { class: "route", "data-value": r.route }, routeText(r), r.variant ? ` · variant ${r.variant}` : ""),
    el("td", { class: "reason" }, r.reason ?? ""),
    el("td", { class: "payload" }, el("code", null, r.payload), channelRequests(r.channel))));
  const extra = [];
  if ((result.excluded || []).length) extra.push(el("p", null, `Excluded (not pushed): ${result.excluded.join(", ")}`));
  if ((result.mutedUnforced || []).length) extra.push(el("p", null, `Muted the conversation, not pushed: ${result.mutedUnforced.join(", ")}`));
  for (const failure of result.renderFailures || []) {
    extra.push(el("p", { class: "error-text" },
      `Render failure for ${failure.receiver} with ${failure.template}: ${failure.reason}${failure.fellBackTo ? ` (fell back to ${failure.fellBackTo})` : ""}`));
  }
  if (result.experiment) {
    extra.push(el("p", null, `Experiment ${result.experiment.name} (unit ${result.experiment.unit}): `,
      (result.experiment.assignments || []).map((a) => `${a.receiver} → ${a.variant}${a.overridden ? " (override)" : ""}, ${a.delivery}`).join("; ")));
  }
  return [
    el("h3", null, `Answer (template ${result.template})`),
    answer,
    pushMessage ? el("details", { class: "decoded" }, el("summary", null, "The push message, decoded"), el("pre", { class: "code" }, pushMessage)) : null,
    el("h3", null, "Receivers"),
    receivers.length
      ? table({ id: "preview-receivers", stack: true, caption: "Every receiver's template, locale, route and payload", head: ["Receiver", "Template", "Locale", "Route", "Why", "Payload"], rows, className: "preview" })
      : el("div", { id: "preview-receivers" }, empty("No receivers: the body names no offline peers.")),
    extra,
  ];
}

function previewSection() {
  const body = el("textarea", {
    id: "preview-body", rows: 10, spellcheck: "false", "aria-describedby": "preview-help",
    placeholder: '{"fromPeer":"Tom","convId":"conv-1","offlinePeers":["Jerry"],"content":"{\\"_lctext\\":\\"Hi\\",\\"_lctype\\":-1}"}',
  });
  const recent = el("select", { id: "preview-recent" }, el("option", { value: "" }, "Loading recent calls…"));
  const run = el("button", { id: "preview-run", type: "submit", class: "primary" }, "Preview");
  const output = el("div", { id: "preview-output", "aria-live": "polite" });
  const recentNote = el("p", { class: "hint" });
  const bodies = new Map();

  recent.addEventListener("change", () => {
    const hook = bodies.get(recent.value);
    if (hook !== undefined) body.value = JSON.stringify(hook, null, 2);
  });

  const form = el("form", { class: "preview-form", novalidate: true },
    el("p", { id: "preview-help", class: "hint" },
      "Paste a _receiversOffline hook body, or pick a recent call from the audit log; nothing is sent or recorded."),
    el("label", { for: "preview-recent" }, "Recent hook calls"),
    recent, recentNote,
    el("label", { for: "preview-body" }, "Hook body (JSON)"),
    body,
    el("div", { class: "actions" }, run));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!body.value.trim()) {
      fill(output, el("p", { class: "error", role: "alert" }, "Paste a hook body or pick a recent call first."));
      return;
    }
    run.disabled = true;
    try {
      fill(output, previewResult(await api.post("/v1/render", body.value)));
    } catch (error) {
      if (error.status !== 401) fill(output, errorBox(error, "The preview failed"));
    } finally {
      run.disabled = false;
    }
  });

  const loadRecent = async () => {
    try {
      const records = await recentCalls();
      fill(recent, el("option", { value: "" }, records.length ? "Pick a recent call…" : "No recent calls with their bodies"));
      for (const record of records) {
        bodies.set(record.call, hookBodyOf(record));
        recent.append(el("option", { value: record.call }, describeCall(record)));
      }
      recentNote.textContent = records.length ? "" : "Calls keep their body in the audit log with auditText: full (README › Audit › Records).";
    } catch (error) {
      fill(recent, el("option", { value: "" }, "Recent calls unavailable"));
      if (error.status !== 401) fill(recentNote, `The audit log could not be read: ${error.message}`);
    }
  };
  return { section: el("section", { class: "card", "aria-labelledby": "preview-title" }, el("h2", { id: "preview-title" }, "Live preview"), form, output), loadRecent };
}

export async function render(main, ctx) {
  const set = await api.get("/v1/templates");
  if (!ctx.active()) return;
  const digest = el("code", { id: "template-digest", "data-value": set.digest }, set.digest);
  const lintSlot = el("div", null, lintBox(set.lint));
  const listSlot = el("div", null, templateTable(set.templates || []));
  const problems = el("div", { "aria-live": "polite" });
  const reload = el("button", { id: "template-reload", type: "button" }, "Reload templates");
  reload.addEventListener("click", async () => {
    reload.disabled = true;
    fill(problems);
    try {
      const next = await api.post("/v1/templates/reload");
      digest.textContent = next.digest;
      digest.dataset.value = next.digest;
      fill(listSlot, templateTable(next.templates || []));
      if (next.lint) fill(lintSlot, lintBox(next.lint));
      announce(`Templates reloaded: digest ${next.digest.slice(0, 12)}`);
      fill(problems, el("p", { class: "ok-text" }, `Reloaded: ${(next.templates || []).length} template(s) in use.`));
    } catch (error) {
      if (error.status === 422) {
        const lines = error.message.split("\n");
        fill(problems,
          el("p", { class: "error", role: "alert" }, lines[0]),
          el("ul", { id: "reload-problems", class: "problems" }, lines.slice(1).filter((l) => l.trim()).map((l) => el("li", null, l))));
      } else if (error.status !== 401) {
        fill(problems, errorBox(error, "Reload failed"));
      }
    } finally {
      reload.disabled = false;
    }
  });
  const preview = previewSection();
  fill(main,
    el("h1", null, "Templates"),
    el("section", { class: "card", "aria-labelledby": "set-title" },
      el("h2", { id: "set-title" }, "The set in use"),
      el("p", null, "Digest ", digest),
      lintSlot,
      el("div", { class: "actions" }, reload),
      problems,
      listSlot),
    preview.section);
  // The page is ready once the recent calls are listed (their failure is shown, not thrown).
  await preview.loadRecent();
}
