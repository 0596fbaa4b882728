// The dashboard's shell: the session (sign-in form, sign-out), the hash router over the
// six pages, and the page container's state (data-state loading → ready | error).

import * as api from "./api.js";
import { el, fill, errorBox, messageOf } from "./dom.js";
import * as overview from "./overview.js";
import * as templates from "./templates.js";
import * as queue from "./queue.js";
import * as experiments from "./experiments.js";
import * as audit from "./audit.js";
import * as devices from "./devices.js";

const pages = { overview, templates, queue, experiments, audit, devices };
const main = document.getElementById("page");
const nav = document.getElementById("nav");
const signOutButton = document.getElementById("signout");

/** The page on screen: its generation (stale answers are dropped) and what stops it. */
let current = { generation: 0, cleanups: [] };

function stopCurrent() {
  for (const cleanup of current.cleanups) cleanup();
  current = { generation: current.generation + 1, cleanups: [] };
}

function setChrome(signedIn) {
  nav.hidden = !signedIn;
  signOutButton.hidden = !signedIn;
  if (!signedIn) document.getElementById("instance").textContent = "";
}

function pageName() {
  const name = location.hash.replace(/^#/, "").split("/")[0];
  return Object.hasOwn(pages, name) ? name : "overview";
}

function markNav(name) {
  for (const link of nav.querySelectorAll("a")) {
    if (link.getAttribute("href") === `#${name}`) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
}

/** What a page gets: where to draw, whether it is still on screen, timers that stop with it. */
function context(generation) {
  return {
    active: () => current.generation === generation,
    onStop: (cleanup) => current.cleanups.push(cleanup),
    /** Runs `task` `ms` after each run ends (so never more often), while the page is shown. */
    repeat(ms, task) {
      let timer = null;
      let stopped = false;
      const schedule = () => {
        if (!stopped) timer = setTimeout(run, ms);
      };
      const run = async () => {
        if (stopped) return;
        if (document.hidden) return schedule();
        try {
          await task();
        } finally {
          schedule();
        }
      };
      schedule();
      current.cleanups.push(() => {
        stopped = true;
        clearTimeout(timer);
      });
    },
  };
}

async function showPage({ focus }) {
  if (!api.signedIn()) return showSignIn();
  stopCurrent();
  const generation = current.generation;
  const name = pageName();
  markNav(name);
  main.dataset.page = name;
  main.dataset.state = "loading";
  fill(main, el("p", { class: "loading" }, "Loading…"));
  document.title = `${name[0].toUpperCase()}${name.slice(1)} · PushCompose`;
  const ctx = context(generation);
  try {
    await pages[name].render(main, ctx);
    if (!ctx.active()) return;
    main.dataset.state = "ready";
  } catch (error) {
    if (!ctx.active() || !api.signedIn()) return;
    main.dataset.state = "error";
    main.append(errorBox(error, `Could not load ${name}`));
  }
  if (focus && ctx.active()) {
    const heading = main.querySelector("h1");
    if (heading) {
      heading.setAttribute("tabindex", "-1");
      heading.focus({ preventScroll: false });
    }
  }
}

function showSignIn(message) {
  stopCurrent();
  setChrome(false);
  markNav("");
  main.dataset.page = "signin";
  const token = el("input", { id: "token", name: "token", type: "password", autocomplete: "current-password", required: true, "aria-describedby": "signin-help" });
  const error = el("p", { id: "signin-error", class: "error", role: "alert" });
  if (message) error.textContent = message;
  else error.hidden = true;
  const submit = el("button", { id: "signin-submit", type: "submit", class: "primary" }, "Sign in");
  const form = el("form", { id: "signin", class: "signin card", novalidate: true },
    el("h1", null, "Sign in"),
    el("p", { id: "signin-help", class: "hint" },
      "Enter the admin token (PUSHCOMPOSE_ADMIN_TOKEN). The page keeps only a session cookie; the token itself is not stored."),
    el("label", { for: "token" }, "Admin token"),
    token,
    error,
    submit);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!token.value) {
      error.hidden = false;
      error.textContent = "Enter the admin token.";
      token.focus();
      return;
    }
    submit.disabled = true;
    error.hidden = true;
    try {
      await api.signIn(token.value);
      token.value = "";
      setChrome(true);
      if (!location.hash) history.replaceState(null, "", "#overview");
      await showPage({ focus: true });
    } catch (failure) {
      error.hidden = false;
      error.textContent = failure.status === 401 ? "That is not the admin token." : messageOf(failure);
      token.select();
      token.focus();
    } finally {
      submit.disabled = false;
    }
  });
  fill(main, form);
  main.dataset.state = "ready";
  document.title = "Sign in · PushCompose";
  token.focus();
}

signOutButton.addEventListener("click", async () => {
  signOutButton.disabled = true;
  try {
    await api.signOut();
    showSignIn();
  } catch (error) {
    showSignIn(`Signing out failed: ${messageOf(error)}`);
  } finally {
    signOutButton.disabled = false;
  }
});

api.whenSignedOut((message) => showSignIn(message));
window.addEventListener("hashchange", () => {
  if (api.signedIn()) showPage({ focus: true });
});

async function start() {
  try {
    if (await api.loadSession()) {
      setChrome(true);
      await showPage({ focus: false });
    } else {
      showSignIn();
    }
  } catch (error) {
    setChrome(false);
    main.dataset.page = "signin";
    main.dataset.state = "error";
    fill(main, el("h1", null, "PushCompose dashboard"), errorBox(error),
      error.status === 403 ? el("p", { class: "empty" }, "The dashboard is off until the admin token is set: see README › Admin API.") : null);
  }
}

start();
