// Queue: depth by provider and state, the oldest ready job's age, the dead letters with
// their reasons; retry one, retry all, purge — each confirmed in the dialog first.

import * as api from "./api.js";
import { el, fill, empty, errorBox, table, valueCell, announce } from "./dom.js";
import { confirmAction } from "./dialog.js";
import * as format from "./format.js";

const STATES = ["ready", "leased", "dead", "delivered", "deviceGone"];
const STATE_LABELS = { ready: "Ready", leased: "Leased", dead: "Dead", delivered: "Delivered", deviceGone: "Device gone" };
const DEAD_PAGE = 50;

const deliveryOff = () => empty("Custom delivery is off: no queue to show. See README › Custom delivery.");

function depthTable(stats) {
  const providers = Object.entries(stats.providers || {});
  const totals = Object.fromEntries(STATES.map((s) => [s, providers.reduce((sum, [, c]) => sum + (c[s] || 0), 0)]));
  const rows = providers.map(([provider, counts]) => el("tr", { "data-provider": provider },
    el("th", { scope: "row" }, provider),
    STATES.map((state) => valueCell("td", { class: "num", "data-state": state }, counts[state] ?? 0, format.count(counts[state] ?? 0)))));
  rows.push(el("tr", { class: "total" }, el("th", { scope: "row" }, "all"),
    STATES.map((state) => valueCell("td", { class: "num" }, totals[state], format.count(totals[state])))));
  return table({ id: "queue-depth", caption: "Jobs by provider and state", head: ["Provider", ...STATES.map((s) => STATE_LABELS[s])], rows });
}

function instancesTable(instances) {
  if (!instances || !instances.length) return null;
  return table({
    id: "queue-instances", caption: "Instances delivering (reported within a day or holding a lease)",
    head: ["Instance", "Workers", "Leases", "Last seen"],
    rows: instances.map((i) => el("tr", { "data-instance": i.id },
      el("th", { scope: "row" }, i.id),
      valueCell("td", { class: "num" }, i.workers, format.count(i.workers)),
      valueCell("td", { class: "num" }, i.leases, format.count(i.leases)),
      el("td", null, format.time(i.lastSeen)))),
  });
}

export async function render(main, ctx) {
  const depthSlot = el("div");
  const oldestSlot = el("div");
  const instancesSlot = el("div");
  const deadSlot = el("div");
  const actionResult = el("div", { "aria-live": "polite" });
  const deadJobs = [];
  let next = null;

  const retryAll = el("button", { id: "retry-all", type: "button" }, "Retry all dead");
  const purge = el("button", { id: "purge", type: "button", class: "danger" }, "Purge dead");
  const refresh = el("button", { id: "queue-refresh", type: "button", class: "quiet" }, "Refresh");

  const drawStats = (stats) => {
    fill(depthSlot, depthTable(stats));
    const ready = Object.values(stats.providers || {}).reduce((sum, c) => sum + (c.ready || 0), 0);
    fill(oldestSlot, el("p", { class: "stat" }, "Oldest ready job: ",
      valueCell("strong", { id: "queue-oldest" }, stats.oldestReadyAgeSeconds,
        ready ? `waiting ${format.duration(stats.oldestReadyAgeSeconds)}` : "none ready")));
    fill(instancesSlot, instancesTable(stats.instances));
  };

  const drawDead = () => {
    if (!deadJobs.length) {
      fill(deadSlot, el("div", { id: "dead-jobs" }, empty("No dead letters: every push was delivered or is still being tried.")));
      retryAll.disabled = true;
      purge.disabled = true;
      return;
    }
    retryAll.disabled = false;
    purge.disabled = false;
    const rows = deadJobs.map((job) => {
      const retry = el("button", { type: "button", class: "retry small", "aria-label": `Retry job ${job.id}` }, "Retry");
      retry.addEventListener("click", () => retryOne(job, retry));
      return el("tr", { "data-job-id": job.id },
        valueCell("th", { scope: "row", class: "num" }, job.id, String(job.id)),
        el("td", null, job.receiver),
        el("td", null, job.conversation),
        el("td", null, job.template),
        el("td", null, job.provider),
        el("td", { class: "token", title: job.token }, format.shortToken(job.token)),
        valueCell("td", { class: "num" }, job.attempts, String(job.attempts)),
        valueCell("td", { class: "num" }, job.lastStatus, job.lastStatus ?? "–"),
        el("td", { class: "reason" }, job.lastReason ?? ""),
        el("td", { class: "time" }, format.time(job.deadAt)),
        el("td", null, retry));
    });
    const more = next !== null ? el("button", { type: "button", class: "quiet", id: "dead-more" }, `Show ${DEAD_PAGE} more`) : null;
    if (more) more.addEventListener("click", () => loadDead(false).catch(showError));
    fill(deadSlot,
      table({ id: "dead-jobs", stack: true, caption: "Dead letters, oldest first", head: ["Job", "Receiver", "Conversation", "Template", "Provider", "Device", "Attempts", "Status", "Reason", "Dead since", ""], rows }),
      more);
  };

  const loadStats = async () => {
    const stats = await api.get("/v1/queue");
    if (ctx.active()) drawStats(stats);
  };

  const loadDead = async (fresh) => {
    const page = await api.get("/v1/queue/jobs", { state: "dead", limit: DEAD_PAGE, after: fresh ? undefined : next });
    if (!ctx.active()) return;
    if (fresh) deadJobs.length = 0;
    deadJobs.push(...(page.jobs || []));
    next = page.next ?? null;
    drawDead();
  };

  const reloadAll = () => Promise.all([loadStats(), loadDead(true)]);

  const showError = (error) => {
    if (error.status !== 401 && ctx.active()) fill(actionResult, errorBox(error));
  };

  async function retryOne(job, button) {
    if (!(await confirmAction(`Retry dead job ${job.id} (${job.receiver}, ${job.provider})? It is due at once with fresh attempts.`, "Retry"))) return;
    button.disabled = true;
    try {
      await api.post(`/v1/queue/jobs/${api.segment(String(job.id))}/retry`);
      announce(`Job ${job.id} is queued again.`);
      fill(actionResult, el("p", { class: "ok-text" }, `Job ${job.id} is queued again.`));
      await reloadAll();
    } catch (error) {
      button.disabled = false;
      showError(error);
    }
  }

  retryAll.addEventListener("click", async () => {
    if (!(await confirmAction("Retry every dead job? They are due at once with fresh attempts.", "Retry all"))) return;
    try {
      const answer = await api.post("/v1/queue/dead/retry");
      announce(`${answer.retried} dead job(s) queued again.`);
      fill(actionResult, el("p", { class: "ok-text" }, `${format.count(answer.retried)} dead job(s) queued again.`));
      await reloadAll();
    } catch (error) {
      showError(error);
    }
  });
  purge.addEventListener("click", async () => {
    if (!(await confirmAction("Delete every dead job for good? Their records stay in the audit log.", "Purge"))) return;
    try {
      const answer = await api.del("/v1/queue/dead");
      announce(`${answer.purged} dead job(s) deleted.`);
      fill(actionResult, el("p", { class: "ok-text" }, `${format.count(answer.purged)} dead job(s) deleted.`));
      await reloadAll();
    } catch (error) {
      showError(error);
    }
  });
  refresh.addEventListener("click", () => {
    fill(actionResult);
    reloadAll().catch(showError);
  });

  let stats;
  try {
    stats = await api.get("/v1/queue");
  } catch (error) {
    // Without custom delivery the queue's routes do not exist.
    if (error.status === 404 && ctx.active()) {
      fill(main, el("h1", null, "Queue"), deliveryOff());
      return;
    }
    throw error;
  }
  if (!ctx.active()) return;
  drawStats(stats);
  await loadDead(true);
  if (!ctx.active()) return;
  // The counts stay live; the dead list changes only on an action or Refresh, so a row
  // never moves under the pointer.
  ctx.repeat(5000, () => loadStats().catch(showError));
  fill(main,
    el("div", { class: "page-head" }, el("h1", null, "Queue"), refresh),
    el("section", { class: "card", "aria-labelledby": "depth-title" }, el("h2", { id: "depth-title" }, "Depth"),
      el("p", { class: "hint" }, "Counts refreshed every 5 s."), oldestSlot, depthSlot, instancesSlot),
    el("section", { class: "card", "aria-labelledby": "dead-title" },
      el("h2", { id: "dead-title" }, "Dead letters"),
      el("div", { class: "actions" }, retryAll, purge),
      actionResult,
      deadSlot));
}
