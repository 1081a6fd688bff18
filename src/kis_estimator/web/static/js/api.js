// The JSON API as the UI uses it: the signed-in key, requests, the progress stream, downloads.

// Decision (docs/decisions.md "Personal logins"): a person signs in with a name and a password; the
// server keeps the session and the browser an HttpOnly cookie (SameSite=Strict), so every tab and
// bookmark of this browser is signed in. Each write carries the session's CSRF token (X-CSRF-Token),
// read from GET /v1/session when a tab starts. An API key (the secondary sign-in) stays in
// localStorage as before. "kis.session" is bumped on sign-in and sign-out so other tabs follow.
const KEY = "kis.apiKey";
const MARK = "kis.session";

let me = null; // GET /v1/session: {subject, name, role, csrfToken}

export const session = {
  get key() {
    return localStorage.getItem(KEY);
  },
  get signedIn() {
    return me !== null;
  },
  get isAdmin() {
    return me !== null && me.role === "admin";
  },
  get role() {
    return me ? me.role : "user";
  },
  get name() {
    return me ? me.name : "";
  },
  get csrfToken() {
    return me ? me.csrfToken : null;
  },
  /** A short, stable name of the signed-in caller (FNV-1a of the key, else of the user's subject):
   * what per-user browser data is keyed by (a key's drafts in this browser keep their name). */
  get user() {
    const subject = this.key || (me && me.subject) || "";
    let hash = 0x811c9dc5;
    for (let i = 0; i < subject.length; i += 1) hash = Math.imul(hash ^ subject.charCodeAt(i), 0x01000193) >>> 0;
    return hash.toString(16).padStart(8, "0");
  },
  /** Who is signed in (the cookie's session or the stored key); false when nobody is. */
  async load() {
    try {
      me = await request("/v1/session", { key: this.key || null });
    } catch (error) {
      if (!(error instanceof ApiError) || error.status !== 401) throw error;
      me = null;
      localStorage.removeItem(KEY);
    }
    return me !== null;
  },
  /** Signed in: `answer` is the GET/POST /v1/session answer; `key` the API key when signed in with one. */
  set(answer, key = null) {
    me = answer;
    if (key) localStorage.setItem(KEY, key);
    else localStorage.removeItem(KEY);
    localStorage.setItem(MARK, String(Date.now()));
  },
  /** Sign out: the server's session ends (a cookie session), and this browser forgets the key. */
  async clear() {
    const cookie = me !== null && !this.key;
    if (cookie) await request("/v1/session", { method: "DELETE" }).catch(() => {});
    me = null;
    localStorage.removeItem(KEY);
    localStorage.setItem(MARK, String(Date.now()));
  },
  /** Call `callback` when another tab signs out or in. */
  onChange(callback) {
    window.addEventListener("storage", (event) => {
      if (event.key === MARK || event.key === KEY || event.key === null) callback();
    });
  },
};

/** An error envelope of the API ({code, message, hint, path, meta.errors}) with its HTTP status. */
export class ApiError extends Error {
  constructor(status, envelope) {
    super(envelope.message || `HTTP ${status}`);
    this.status = status;
    this.envelope = envelope;
  }

  /** Every problem of the answer: meta.errors when present, else the envelope itself. */
  get problems() {
    const errors = this.envelope.meta && this.envelope.meta.errors;
    return Array.isArray(errors) && errors.length ? errors : [this.envelope];
  }
}

const listeners = { unauthorized: [] };
export function onUnauthorized(callback) {
  listeners.unauthorized.push(callback);
}

function headers(extra = {}, key = session.key) {
  if (key) return { Authorization: `Bearer ${key}`, ...extra };
  const csrf = session.csrfToken;
  return csrf ? { "X-CSRF-Token": csrf, ...extra } : { ...extra };
}

async function failure(response, signedIn = true) {
  let envelope;
  try {
    envelope = await response.json();
  } catch {
    envelope = null;
  }
  if (!envelope || typeof envelope !== "object" || !envelope.code) {
    envelope = {
      code: `HTTP_${response.status}`,
      message: `서버가 ${response.status} 오류로 답했습니다 / The server answered ${response.status}`,
      hint: "잠시 후 다시 시도해 주세요 / Try again later.",
      path: "",
    };
  }
  const error = new ApiError(response.status, envelope);
  // A key being tried at sign-in is not the session's: its 401 is the sign-in page's to show.
  if (response.status === 401 && signedIn) listeners.unauthorized.forEach((callback) => callback(error));
  return error;
}

function offline(error) {
  return new ApiError(0, {
    code: "NETWORK",
    message: "서버에 연결할 수 없습니다 / The server cannot be reached",
    hint: `네트워크와 서버 상태를 확인해 주세요 (${error.message})`,
    path: "",
  });
}

/** fetch + the envelope: resolves to the JSON answer, rejects with ApiError (or the AbortError of `signal`). */
export async function request(path, { method = "GET", json, form, key, extraHeaders, signal } = {}) {
  const init = { method, headers: headers(extraHeaders, key), signal };
  if (json !== undefined) {
    init.body = JSON.stringify(json);
    init.headers["Content-Type"] = "application/json";
  } else if (form !== undefined) {
    init.body = form;
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch (error) {
    if (error.name === "AbortError") throw error; // the caller cancelled it: not a network failure
    throw offline(error);
  }
  if (!response.ok) throw await failure(response, key === undefined);
  return response.status === 204 ? null : response.json();
}

/**
 * POST a request with `Accept: text/event-stream` and call `onFrame({type, data, meta})` for each
 * frame. Resolves to the quote of the RESULT frame once DONE arrives; rejects with ApiError on an
 * ERROR frame or a refused request.
 */
export async function streamEstimate(path, body, onFrame, idempotencyKey) {
  const extra = { Accept: "text/event-stream", "Content-Type": "application/json" };
  if (idempotencyKey) extra["Idempotency-Key"] = idempotencyKey;
  let response;
  try {
    response = await fetch(path, { method: "POST", headers: headers(extra), body: JSON.stringify(body) });
  } catch (error) {
    throw offline(error);
  }
  if (!response.ok) throw await failure(response);
  if (!(response.headers.get("content-type") || "").startsWith("text/event-stream")) {
    return response.json(); // a server that answered with the quote itself
  }
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  let quote = null;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += value.replace(/\r\n?/g, "\n");
    let end;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const frame = parseFrame(buffer.slice(0, end));
      buffer = buffer.slice(end + 2);
      if (!frame) continue;
      onFrame(frame);
      if (frame.type === "RESULT") quote = frame.data;
      if (frame.type === "ERROR") {
        reader.cancel().catch(() => {});
        throw new ApiError(frame.data.status || 422, frame.data);
      }
      if (frame.type === "DONE") {
        reader.cancel().catch(() => {});
        return quote || request(frame.data.href);
      }
    }
  }
  throw new ApiError(0, {
    code: "STREAM_CLOSED",
    message: "진행 스트림이 결과 없이 끊겼습니다 / The progress stream ended without a result",
    hint: "견적 목록에서 결과를 확인해 주세요 / Look for the quote in the list.",
    path: "",
  });
}

function parseFrame(block) {
  const data = block
    .split("\n")
    .filter((line) => line.startsWith("data:"))
    .map((line) => line.slice(5).replace(/^ /, ""))
    .join("\n");
  if (!data) return null; // retry: and comment lines
  try {
    return JSON.parse(data);
  } catch {
    return null;
  }
}

/** Fetch a file with the key and return {blob, filename} (the Korean name of Content-Disposition). */
export async function fetchFile(path) {
  let response;
  try {
    response = await fetch(path, { headers: headers() });
  } catch (error) {
    throw offline(error);
  }
  if (!response.ok) throw await failure(response);
  return { blob: await response.blob(), filename: filenameOf(response.headers.get("content-disposition")) };
}

function filenameOf(disposition) {
  if (!disposition) return "download";
  const encoded = /filename\*=UTF-8''([^;]+)/i.exec(disposition);
  if (encoded) return decodeURIComponent(encoded[1]);
  const plain = /filename="([^"]+)"/i.exec(disposition);
  return plain ? plain[1] : "download";
}

/** Save a fetched file through a temporary link (the API needs the key, so a plain link cannot). */
export async function download(path) {
  const { blob, filename } = await fetchFile(path);
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = filename;
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
  return filename;
}
