// The form being typed, kept until it is saved as a quote: on the server as a draft (작성 중, no quote
// number spent; resumable from any tab at /drafts/{id}), saved 800 ms after the last edit, and in this
// browser's localStorage at every edit as the offline fallback. A revision's form is kept in the
// browser only (`drafts(name)`).
//
// Decision (docs/decisions.md "Web UI: server drafts"): the browser copy of a server draft records the
// version it was edited from; when the page opens again and the server still has that version, the
// browser copy is newer (typed while offline, or just before a reload) and is sent; when the server
// has moved on (another tab saved), the server's wins.

import { ApiError, request, session } from "./api.js";
import { h } from "./dom.js";
import { fillForm, snapshot } from "./form.js";
import { renameAddress } from "./router.js";
import { sayText } from "./words.js";

const PREFIX = "kis.draft";
const DEBOUNCE_MS = 800;
const RETRY_MS = 5000;

/** One kept form in this browser: {request, savedAt, version?} or null. */
export function drafts(name) {
  const key = `${PREFIX}.${session.user}.${name}`;
  return {
    load() {
      try {
        const kept = JSON.parse(localStorage.getItem(key) || "null");
        return kept && typeof kept === "object" && kept.request ? kept : null;
      } catch {
        return null;
      }
    },
    save(request, extra = {}) {
      try {
        localStorage.setItem(key, JSON.stringify({ request, savedAt: new Date().toISOString(), ...extra }));
      } catch {
        // storage full or disabled: the server draft and the leave warning still guard the work
      }
    },
    remove() {
      localStorage.removeItem(key);
    },
  };
}

/** The server draft this browser worked on last: what 새 견적 (/) resumes. */
const current = {
  key: () => `${PREFIX}.${session.user}.current`,
  get() {
    return localStorage.getItem(this.key());
  },
  set(id) {
    localStorage.setItem(this.key(), id);
  },
  clear() {
    localStorage.removeItem(this.key());
  },
};

// A save still on its way when the page changed: the next page waits for it before it looks.
let lastSync = Promise.resolve();

const path = (id) => `/v1/drafts/${encodeURIComponent(id)}`;

/**
 * What a form page opens with: {id, version, request, pending, savedAt} or null for a blank form.
 * `draftId` null: the browser's current draft (or a form typed before any server draft existed).
 */
export async function openDraft(draftId) {
  await lastSync;
  const id = draftId || current.get();
  if (id) {
    const local = drafts(`draft.${id}`);
    const kept = local.load();
    let server = null;
    try {
      server = await request(path(id));
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      const offline = error.status === 0 || error.status >= 500;
      if (offline && kept) return { id, version: kept.version, request: kept.request, pending: true, savedAt: kept.savedAt };
      if (draftId || error.status !== 404) throw error;
      current.clear(); // saved as a quote, or deleted, elsewhere
      local.remove();
    }
    if (server) {
      current.set(id);
      if (kept && kept.version === server.version) return { id, version: server.version, request: kept.request, pending: true, savedAt: kept.savedAt };
      local.remove();
      return { id, version: server.version, request: server.request, pending: false, savedAt: server.updated_at };
    }
  }
  const fresh = drafts("new").load();
  return fresh ? { id: null, version: null, request: fresh.request, pending: true, savedAt: fresh.savedAt } : null;
}

function clock(iso) {
  return new Date(iso).toLocaleTimeString("ko-KR", { hour: "2-digit", minute: "2-digit", second: "2-digit" });
}

/**
 * Keep `form` as a server draft from `opened` (openDraft's answer, or null for a blank form).
 * Returns {status, conflict, id(), unsaved(), flush(), forget(), saved()}: the status line and the
 * conflict box to show, and the hooks of the page.
 */
export function autosave(form, view, opened) {
  let id = opened ? opened.id : null;
  let version = opened ? opened.version : null;
  let dirty = Boolean(opened && opened.pending); // changes the server does not have yet
  let edits = 0;
  let timer = null;
  let inflight = null;
  let state = "idle"; // idle | saved | failed | conflict
  let closed = false;
  let epoch = 0; // raised by forget(): a save still on its way then belongs to the forgotten draft
  const status = h("p", { class: "autosave-status", role: "status", "aria-live": "polite" });
  const conflict = h("div", { class: "draft-conflict card", role: "alert", hidden: true });

  const local = () => drafts(id ? `draft.${id}` : "new");
  const show = (text, kind) => {
    status.textContent = text;
    status.dataset.state = kind;
  };
  if (opened && !opened.pending) show(`자동 저장됨 ${clock(opened.savedAt)}`, "saved");

  function schedule(ms) {
    clearTimeout(timer);
    timer = setTimeout(() => sync(), ms);
  }

  function edited() {
    if (closed) return;
    edits += 1;
    dirty = true;
    local().save(snapshot(form), { version });
    if (state !== "conflict") schedule(DEBOUNCE_MS);
  }

  async function sync(overwrite = false) {
    clearTimeout(timer);
    if (closed || !dirty || (state === "conflict" && !overwrite)) return;
    if (inflight) {
      await inflight;
      return sync(overwrite);
    }
    const mine = edits;
    const era = epoch;
    const body = { request: snapshot(form) };
    show("저장 중…", "saving");
    inflight = (async () => {
      try {
        const created = id === null;
        const answer = created
          ? await request("/v1/drafts", { method: "POST", json: body })
          : await request(path(id), { method: "PUT", json: body, extraHeaders: { "If-Match": overwrite ? "*" : `"${version}"` } });
        if (era !== epoch) return; // 비우고 새로 시작 came meanwhile: that draft stays in 작성 중 as it is
        if (created) {
          drafts("new").remove();
          id = answer.id;
          if (view.alive() && location.pathname === "/") renameAddress(`/drafts/${encodeURIComponent(id)}`);
        }
        version = answer.version;
        current.set(id);
        state = "saved";
        conflict.hidden = true;
        if (edits === mine) {
          dirty = false;
          drafts(`draft.${id}`).remove();
        } else {
          local().save(snapshot(form), { version });
          schedule(DEBOUNCE_MS);
        }
        show(`자동 저장됨 ${clock(answer.updated_at)}`, "saved");
      } catch (error) {
        if (!(error instanceof ApiError)) throw error;
        if (era !== epoch) return;
        if (error.status === 412) {
          state = "conflict";
          showConflict();
        } else if (error.status === 404 && id !== null) {
          // saved as a quote or deleted elsewhere: what is typed here becomes a new draft
          drafts(`draft.${id}`).remove();
          id = null;
          version = null;
          local().save(snapshot(form));
          schedule(0);
        } else {
          state = "failed";
          const hint = error.status === 0 ? "" : ` ${sayText(error.envelope.hint || "")}`;
          show(`저장하지 못했습니다 — 이 브라우저에 보관 중입니다 (${sayText(error.message)})${hint}`, "failed");
          // Offline, busy or down: try again. A refusal (too large, too many drafts) waits for the next edit.
          if (error.status === 0 || error.status === 429 || error.status >= 500) schedule(RETRY_MS);
        }
      } finally {
        inflight = null;
      }
    })();
    lastSync = inflight.catch(() => {});
    return inflight;
  }

  function showConflict() {
    show("저장하지 못했습니다 — 다른 탭에서 먼저 저장했습니다", "conflict");
    const theirs = h("button", { type: "button", class: "button-secondary" }, "다른 탭의 내용 불러오기");
    const mine = h("button", { type: "button", class: "button-quiet" }, "이 내용으로 덮어쓰기");
    theirs.addEventListener("click", async () => {
      const server = await request(path(id));
      fillForm(form, server.request);
      version = server.version;
      dirty = false;
      state = "saved";
      drafts(`draft.${id}`).remove();
      conflict.hidden = true;
      show(`다른 탭의 내용을 불러왔습니다 (${clock(server.updated_at)} 저장본)`, "saved");
    });
    mine.addEventListener("click", () => {
      state = "idle";
      sync(true);
    });
    conflict.replaceChildren(
      h("p", {}, "이 작성 중 견적을 다른 탭(또는 창)에서 먼저 저장했습니다. 어느 쪽 내용을 남길까요?"),
      h("div", { class: "button-row" }, theirs, mine),
    );
    conflict.hidden = false;
  }

  form.addEventListener("input", edited);
  form.addEventListener("change", edited);
  form.addEventListener("click", (event) => {
    if (event.target.closest("button[type=button]")) setTimeout(edited); // rows and panels added, copied, removed
  });
  if (dirty) schedule(0); // typed offline or just before a reload: send it now

  return {
    status,
    conflict,
    id: () => id,
    /** Changes that are nowhere but in this page and this browser (the server save failed or clashed). */
    unsaved: () => dirty && (state === "failed" || state === "conflict"),
    /** Anything the server does not have yet. */
    pending: () => dirty,
    flush: () => sync(),
    /** Start afresh: the server draft stays in 작성 중, this page forgets it. */
    forget() {
      epoch += 1;
      clearTimeout(timer);
      drafts("new").remove();
      if (id) drafts(`draft.${id}`).remove();
      current.clear();
      id = null;
      version = null;
      dirty = false;
      state = "idle";
      conflict.hidden = true;
      show("", "idle");
    },
    /** The form became a quote: the draft goes. */
    async saved() {
      closed = true;
      clearTimeout(timer);
      await inflight;
      drafts("new").remove();
      current.clear();
      if (id === null) return;
      drafts(`draft.${id}`).remove();
      await request(path(id), { method: "DELETE" }).catch(() => {}); // already gone: fine
    },
  };
}
