// The page's only way to the server: same-origin fetch with the session cookie and,
// on every request, the CSRF token from the session answer (kept in this module only,
// never in storage). A 401 from any call signs the page out.

const CSRF_HEADER = "X-PushCompose-CSRF";
let csrf = null;
let onSignedOut = () => {};

export class ApiError extends Error {
  constructor(status, message, body) {
    super(message);
    this.status = status;
    this.body = body;
  }
}

export function whenSignedOut(handler) {
  onSignedOut = handler;
}

export function signedIn() {
  return csrf !== null;
}

function parse(text) {
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

async function send(method, path, body) {
  const headers = { Accept: "application/json" };
  if (csrf) headers[CSRF_HEADER] = csrf;
  const init = { method, headers, credentials: "same-origin", cache: "no-store", redirect: "error" };
  if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    init.body = typeof body === "string" ? body : JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch (error) {
    throw new ApiError(0, `the service did not answer (${error.message})`, null);
  }
  const text = await response.text();
  return { response, text, json: parse(text) };
}

function failure(response, text, json) {
  const message = (json && typeof json.error === "string" && json.error) || text.trim() || response.statusText || "request failed";
  return new ApiError(response.status, message, json);
}

/** An admin API call: the parsed JSON answer (null for 204), or an ApiError. */
export async function call(method, path, { body, query } = {}) {
  let url = path;
  if (query) {
    // Percent-encoded, as the admin API reads queries: URLSearchParams would write a
    // space as "+", which the API takes as a plus sign (ids may hold either).
    const text = Object.entries(query)
      .filter(([, value]) => value !== undefined && value !== null && String(value).trim() !== "")
      .map(([key, value]) => `${encodeURIComponent(key)}=${encodeURIComponent(String(value).trim())}`)
      .join("&");
    if (text) url += `?${text}`;
  }
  const { response, text, json } = await send(method, url, body);
  if (response.status === 401) {
    csrf = null;
    onSignedOut("Your session has ended: sign in again.");
    throw new ApiError(401, "signed out", json);
  }
  if (!response.ok) throw failure(response, text, json);
  if (json === undefined) throw new ApiError(response.status, `the answer is not JSON: ${text.slice(0, 200)}`, null);
  return json;
}

export const get = (path, query) => call("GET", path, { query });
export const post = (path, body, query) => call("POST", path, { body, query });
export const del = (path, query) => call("DELETE", path, { query });

/** A path segment, percent-encoded (ids may hold "/", spaces or any letter). */
export const segment = (value) => encodeURIComponent(value);

// The session.

/** true when a session is live (and its CSRF token is now held), false when not. */
export async function loadSession() {
  const { response, text, json } = await send("GET", "/dashboard/api/session");
  if (response.status === 401) {
    csrf = null;
    return false;
  }
  if (!response.ok) throw failure(response, text, json);
  if (!json || json.signedIn !== true || typeof json.csrf !== "string") throw new ApiError(response.status, "the session answer is not understood", json);
  csrf = json.csrf;
  return true;
}

export async function signIn(token) {
  csrf = null;
  const { response, text, json } = await send("POST", "/dashboard/api/session", { token });
  if (!response.ok) throw failure(response, text, json);
  if (!(await loadSession())) throw new ApiError(401, "the session was not kept: are cookies blocked?", null);
}

export async function signOut() {
  try {
    const { response, text, json } = await send("DELETE", "/dashboard/api/session");
    if (!response.ok && response.status !== 401) throw failure(response, text, json);
  } finally {
    csrf = null;
  }
}
