// The form being typed, kept in this browser until it is saved as a quote: a reload, a visit to
// another page or a closed tab loses nothing. Kept in localStorage per signed-in key and per form
// (the new quote, or the revision of one quote). A server-side draft (issue 16, 작성 중) replaces this.

import { session } from "./api.js";

const PREFIX = "kis.draft";

export function drafts(name) {
  const key = `${PREFIX}.${session.user}.${name}`;
  return {
    /** The kept request ({request, savedAt}) or null. */
    load() {
      try {
        const kept = JSON.parse(localStorage.getItem(key) || "null");
        return kept && typeof kept === "object" && kept.request ? kept : null;
      } catch {
        return null;
      }
    },
    save(request) {
      try {
        localStorage.setItem(key, JSON.stringify({ request, savedAt: new Date().toISOString() }));
      } catch {
        // storage full or disabled: the beforeunload warning still guards the work
      }
    },
    remove() {
      localStorage.removeItem(key);
    },
  };
}
