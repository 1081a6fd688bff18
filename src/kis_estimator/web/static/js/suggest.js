// Recent customers and projects offered while typing (GET /v1/suggestions): a <datalist> per field,
// refreshed 250 ms after the last keystroke. The inputs are found by their request path, so a form
// refilled from a request sheet or a draft keeps the suggestions.

import { ApiError, request } from "./api.js";
import { h, uid } from "./dom.js";

const FIELDS = { "customer.name": "customer", project: "project" };
const WAIT_MS = 250;

export function suggestNames(form) {
  const lists = {};
  for (const [rel, field] of Object.entries(FIELDS)) {
    lists[rel] = { field, el: h("datalist", { id: uid(`suggest-${field}`) }), timer: null, asked: null };
    form.append(lists[rel].el);
  }
  async function refresh(list, text) {
    if (list.asked === text) return;
    list.asked = text;
    try {
      const answer = await request(`/v1/suggestions?${new URLSearchParams({ field: list.field, q: text, limit: "10" })}`);
      // A customer's field offers the registered customers (거래처) first, then recent names.
      const known = list.field === "customer" ? (await request(`/v1/customers?${new URLSearchParams({ q: text, size: "10" })}`)).items.map((c) => c.name) : [];
      const names = [...new Set([...known, ...answer.items])];
      if (list.asked === text) list.el.replaceChildren(...names.map((value) => h("option", { value })));
    } catch (error) {
      if (!(error instanceof ApiError)) throw error; // suggestions are a convenience: say nothing
    }
  }
  function wanted(event) {
    const list = lists[event.target.dataset && event.target.dataset.rel];
    if (!list || event.target.closest("[data-scope]")) return null;
    event.target.setAttribute("list", list.el.id);
    return list;
  }
  form.addEventListener("focusin", (event) => {
    const list = wanted(event);
    if (list) refresh(list, event.target.value.trim());
  });
  form.addEventListener("input", (event) => {
    const list = wanted(event);
    if (!list) return;
    clearTimeout(list.timer);
    list.timer = setTimeout(() => refresh(list, event.target.value.trim()), WAIT_MS);
  });
}
