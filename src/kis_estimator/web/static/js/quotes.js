// The quote list as a work queue: search (number, customer, project), customer, dates, a status filter,
// pages, columns sorted by a click or Enter/Space on their heading, each quote's status moved from its
// row, a one-line summary of its panels, and the listed quotes exported to Excel.
// The search lives in the address (/quotes?q=…&status=…&sort=-total&page=2), so Back and a shared link keep it.

import { ApiError, download, request, session } from "./api.js";
import { STATUS, TRANSITIONS, clear, field, h, statusBadge, toast, won } from "./dom.js";
import { sayText } from "./words.js";

const PAGE_SIZE = 20;
const FILTERS = ["q", "customer", "author", "status", "date_from", "date_to"];
const DEFAULT_SORT = "-date"; // the API's order: newest first
// The sortable columns: the API's sort key, the heading, and the first click's direction (the biggest
// total, the newest date, the latest revision first; names, numbers and the workflow from the start).
const COLUMNS = [
  { key: "number", name: "견적번호", descending: false },
  { key: "customer", name: "고객 · 건명", descending: false },
  { key: "date", name: "작성일", descending: true, class: "date" },
  { key: "total", name: "합계", descending: true, class: "num" },
  { key: "revision", name: "개정", descending: true, class: "num" },
  { key: "status", name: "상태", descending: false },
];

/** Rows per page: 20, or the address's `size` (1..100, the API's maximum), e.g. a bookmarked /quotes?size=50. */
function pageSize(params) {
  const size = Number(params.get("size"));
  return Number.isInteger(size) && size >= 1 && size <= 100 ? size : PAGE_SIZE;
}

/** The address's order as {key, descending}; one the list does not offer is the default. */
function sortOf(params) {
  const given = params.get("sort") || DEFAULT_SORT;
  const key = given.replace(/^-/, "");
  return COLUMNS.some((column) => column.key === key) ? { key, descending: given.startsWith("-") } : sortOf(new URLSearchParams());
}

function sortText(sort) {
  return `${sort.descending ? "-" : ""}${sort.key}`;
}

/** An API error as the estimator reads it: the Korean half, status codes as their words. */
function korean(text) {
  return sayText(text).replace(/\b(draft|sent|ordered|shipped|paid|closed)\b/g, (code) => `‘${STATUS[code]}’`);
}

export async function render(main, view) {
  const params = new URLSearchParams(location.search);
  const inputs = {
    q: h("input", { type: "search", value: params.get("q") || "", autocomplete: "off" }),
    customer: h("input", { type: "text", value: params.get("customer") || "", autocomplete: "off" }),
    author: h("input", { type: "text", value: params.get("author") || "", autocomplete: "off" }),
    date_from: h("input", { type: "date", value: params.get("date_from") || "" }),
    date_to: h("input", { type: "date", value: params.get("date_to") || "" }),
  };
  const statusGroup = h(
    "fieldset",
    { class: "chips" },
    h("legend", {}, "상태"),
    [["", "전체"], ...Object.entries(STATUS)].map(([value, name]) =>
      h("label", { class: "chip" }, h("input", { type: "radio", name: "status", value, checked: (params.get("status") || "") === value }), h("span", {}, name)),
    ),
  );
  const results = h("div", { class: "results", "aria-live": "polite", "aria-busy": "true" });
  const form = h(
    "form",
    { class: "card search", role: "search", "aria-label": "견적 검색" },
    h(
      "div",
      { class: "grid" },
      field("검색어 (견적번호·고객·건명)", inputs.q, { wide: true }),
      field("고객", inputs.customer),
      field("작성자", inputs.author),
      field("작성일 부터", inputs.date_from),
      field("작성일 까지", inputs.date_to),
    ),
    statusGroup,
    h("div", { class: "button-row" }, h("button", { type: "submit", class: "button-primary" }, "검색"), h("button", { type: "reset", class: "button-quiet" }, "조건 지우기")),
  );

  let sort = sortOf(params);
  let listed = new URLSearchParams(); // the filters and order of the list shown: what the export takes

  function wanted(page = 1) {
    const next = new URLSearchParams();
    for (const name of FILTERS) {
      const value = name === "status" ? form.elements.status.value : inputs[name].value.trim();
      if (value) next.set(name, value);
    }
    if (sortText(sort) !== DEFAULT_SORT) next.set("sort", sortText(sort));
    if (pageSize(params) !== PAGE_SIZE) next.set("size", String(pageSize(params)));
    if (page > 1) next.set("page", String(page));
    return next;
  }

  function sortBy(key) {
    const column = COLUMNS.find((c) => c.key === key);
    sort = { key, descending: sort.key === key ? !sort.descending : column.descending };
    return load(wanted(), true).then(() => results.querySelector(`button[data-sort="${key}"]`)?.focus());
  }

  async function load(search, push) {
    if (push) history.pushState({}, "", `/quotes${search.toString() ? `?${search}` : ""}`);
    results.setAttribute("aria-busy", "true");
    sort = sortOf(search);
    const page = Number(search.get("page") || 1);
    const query = new URLSearchParams(search);
    query.delete("sort"); // an order the list does not offer (an old bookmark) is the default
    if (sortText(sort) !== DEFAULT_SORT) query.set("sort", sortText(sort));
    const shown = new URLSearchParams(query);
    query.set("page", String(page));
    query.set("size", String(pageSize(search)));
    try {
      const answer = await request(`/v1/estimate?${query}`);
      shown.delete("page");
      shown.delete("size");
      listed = shown;
      if (view.alive()) clear(results, table(answer, sort, sortBy), pager(answer, (p) => load(wanted(p), true)));
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      clear(results, h("p", { class: "inline-error", role: "alert" }, korean(error.message), h("br"), korean(error.envelope.hint || "")));
    }
    results.setAttribute("aria-busy", "false");
  }

  const exportButton = h("button", { type: "button", class: "button-secondary" }, "엑셀로 내보내기");
  const exportNote = h("p", { class: "export-note", role: "status" });
  exportButton.addEventListener("click", async () => {
    exportButton.disabled = true;
    exportNote.className = "export-note";
    exportNote.textContent = "내보내는 중…";
    try {
      const filename = await download(`/v1/estimate/export.xlsx${listed.toString() ? `?${listed}` : ""}`);
      exportNote.textContent = "";
      toast(`목록을 ${filename}(으)로 내려받았습니다.`);
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      exportNote.className = "export-note inline-error";
      exportNote.textContent = `${korean(error.message)} ${korean(error.envelope.hint || "")}`;
    }
    exportButton.disabled = false;
  });

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    load(wanted(), true);
  });
  form.addEventListener("reset", () => {
    setTimeout(() => {
      form.querySelector("input[name=status][value='']").checked = true;
      load(wanted(), true);
    });
  });
  statusGroup.addEventListener("change", () => load(wanted(), true));

  main.append(
    h("div", { class: "page-head" }, h("h1", { id: "page-title", tabindex: "-1" }, "견적 목록"), session.role === "viewer" ? null : h("a", { class: "button-primary", href: "/", "data-link": "" }, "+ 새 견적")),
    form,
    h("div", { class: "list-tools" }, exportNote, exportButton),
    results,
  );
  await load(params, false);
}

function table(answer, sort, sortBy) {
  if (!answer.items.length) {
    return h("p", { class: "empty" }, "조건에 맞는 견적이 없습니다.");
  }
  return h(
    "div",
    { class: "table-wrap" },
    h(
      "table",
      { class: "quotes" },
      h("caption", {}, `견적 ${answer.total}건`),
      h("thead", {}, h("tr", {}, COLUMNS.map((column) => heading(column, sort, sortBy)), h("th", { scope: "col" }, "작성자"))),
      h("tbody", {}, answer.items.map(row)),
    ),
  );
}

/** A column heading: a button that sorts by it (Enter and Space as a click), aria-sort on the sorted one. */
function heading(column, sort, sortBy) {
  const sorted = sort.key === column.key;
  const button = h(
    "button",
    { type: "button", class: "sort", "data-sort": column.key },
    column.name,
    h("span", { class: "sort-mark", "aria-hidden": "true" }, sorted ? (sort.descending ? "▼" : "▲") : "↕"),
  );
  button.addEventListener("click", () => sortBy(column.key));
  return h("th", { scope: "col", class: column.class || null, "aria-sort": sorted ? (sort.descending ? "descending" : "ascending") : null }, button);
}

function row(item) {
  const tr = h(
    "tr",
    { "data-quote": item.id },
    h("th", { scope: "row" }, h("a", { href: `/quotes/${encodeURIComponent(item.id)}`, "data-link": "" }, item.number)),
    h(
      "td",
      { class: "who" },
      h("span", { class: "customer" }, item.customer),
      item.project ? h("span", { class: "project" }, item.project) : null,
      item.summary ? h("span", { class: "panel-summary" }, item.summary) : null,
    ),
    h("td", { class: "date" }, item.date),
    h("td", { class: "money" }, won(item.total)),
    h("td", { class: "num" }, item.revision),
  );
  const status = h("td", { class: "status" });
  tr.append(status, h("td", { class: "author" }, item.author || ""));
  drawStatus(tr, status, item, item.status);
  return tr;
}

/** The status badge and, for a key that may change it, the next statuses of the workflow and 변경. */
function drawStatus(tr, cell, item, current) {
  const badge = statusBadge(current);
  const moves = TRANSITIONS[current] || [];
  if (session.role === "viewer" || !moves.length) {
    clear(cell, badge);
    return;
  }
  const select = h("select", { "aria-label": `${item.number} 다음 상태` }, moves.map((move) => h("option", { value: move }, STATUS[move])));
  const button = h("button", { type: "button", class: "button-quiet", "aria-label": `${item.number} 상태 변경` }, "변경");
  button.addEventListener("click", async () => {
    button.disabled = true;
    note(tr, null);
    try {
      const changed = await request(`/v1/estimate/${encodeURIComponent(item.id)}`, { method: "PATCH", json: { status: select.value } });
      drawStatus(tr, cell, item, changed.status);
      toast(`${item.number}의 상태를 ‘${STATUS[changed.status]}’(으)로 바꿨습니다.`);
      cell.querySelector("select, .badge")?.focus();
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      note(tr, `${item.number}: ${korean(error.message)}`, korean(error.envelope.hint || ""));
      button.disabled = false;
    }
  });
  clear(cell, badge, h("span", { class: "status-move" }, select, button));
}

/** The row's message under it (an error of its status change), or none. */
function note(tr, message, hint) {
  const next = tr.nextElementSibling;
  if (next && next.classList.contains("row-note")) next.remove();
  if (!message) return;
  const cell = h("td", { colspan: tr.children.length }, h("p", { class: "inline-error", role: "alert" }, message, hint ? h("span", { class: "error-hint" }, hint) : null));
  tr.after(h("tr", { class: "row-note" }, cell));
}

function pager(answer, go) {
  const pages = Math.max(1, Math.ceil(answer.total / answer.size));
  if (pages === 1) return null;
  const previous = h("button", { type: "button", class: "button-secondary", disabled: answer.page <= 1 }, "← 이전");
  const next = h("button", { type: "button", class: "button-secondary", disabled: answer.page >= pages }, "다음 →");
  previous.addEventListener("click", () => go(answer.page - 1));
  next.addEventListener("click", () => go(answer.page + 1));
  return h("nav", { class: "pager", "aria-label": "페이지" }, previous, h("span", { "aria-current": "page" }, `${answer.page} / ${pages} 페이지`), next);
}
