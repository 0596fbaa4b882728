// Devices: a client's registered devices (GET /v1/clients/{id}/devices), and removing
// one, confirmed first.

import * as api from "./api.js";
import { el, fill, empty, errorBox, table, announce } from "./dom.js";
import { confirmAction } from "./dialog.js";
import * as format from "./format.js";

export async function render(main, ctx) {
  const client = el("input", { id: "devices-client", name: "client", type: "text", required: true, autocomplete: "off", spellcheck: "false", placeholder: "Jerry" });
  const load = el("button", { id: "devices-load", type: "submit", class: "primary" }, "Show devices");
  const out = el("div", { "aria-live": "polite" });
  const form = el("form", { class: "card search", novalidate: true },
    el("label", { for: "devices-client" }, "Client id"),
    el("div", { class: "inline" }, client, load));

  const show = async (id) => {
    fill(out, el("p", { class: "loading" }, "Loading…"));
    try {
      const answer = await api.get(`/v1/clients/${api.segment(id)}/devices`);
      if (!ctx.active()) return;
      const devices = answer.devices || [];
      if (!devices.length) {
        fill(out, el("div", { id: "devices-list" }, empty(`${id} has no devices: the app's backend registers them (README › Custom delivery).`)));
        return;
      }
      const rows = devices.map((d) => {
        const remove = el("button", { type: "button", class: "remove small danger", "aria-label": `Remove ${d.provider} device ${format.shortToken(d.token)}` }, "Remove");
        remove.addEventListener("click", async () => {
          if (!(await confirmAction(`Remove ${id}'s ${d.provider} device ${format.shortToken(d.token)}? Pushes stop going to it.`, "Remove"))) return;
          remove.disabled = true;
          try {
            await api.del(`/v1/clients/${api.segment(id)}/devices/${api.segment(d.provider)}/${api.segment(d.token)}`);
            announce(`Device ${format.shortToken(d.token)} removed.`);
            await show(id);
          } catch (error) {
            remove.disabled = false;
            if (error.status !== 401) out.prepend(errorBox(error, "Removing failed"));
          }
        });
        return el("tr", { "data-token": d.token, "data-provider": d.provider },
          el("td", { class: "provider" }, d.provider),
          el("td", { class: "token", title: d.token }, format.shortToken(d.token)),
          el("td", null, d.platform ?? "–"),
          el("td", null, d.locale ?? "–"),
          el("td", null, d.environment ?? "–"),
          el("td", null, d.topic ?? "–"),
          el("td", { class: "time" }, format.time(d.createdAt)),
          el("td", { class: "time" }, format.time(d.lastSeenAt)),
          el("td", null, remove));
      });
      fill(out, table({ id: "devices-list", stack: true, caption: `${id}'s devices, most recently seen first`, head: ["Provider", "Token", "Platform", "Locale", "Environment", "Topic", "Registered", "Last seen", ""], rows }));
    } catch (error) {
      if (error.status === 401 || !ctx.active()) return;
      fill(out, error.status === 404 && /no route/.test(error.message)
        ? empty("Custom delivery is off: there are no devices. See README › Custom delivery.")
        : errorBox(error));
    }
  };

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const id = client.value.trim();
    if (!id) {
      fill(out, el("p", { class: "error", role: "alert" }, "Enter a client id."));
      client.focus();
      return;
    }
    show(id);
  });

  fill(main, el("h1", null, "Devices"), form, out,
    el("p", { class: "hint" }, "Devices are registered by the app's backend with POST /v1/clients/{id}/devices (README › Admin API)."));
}
