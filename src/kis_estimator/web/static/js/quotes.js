// The quote list: search (number, customer, project), customer, dates, a status filter, and pages.
// The search lives in the address (/quotes?q=…&status=…&page=2), so Back and a shared link keep it.

import { ApiError, request, session } from "./api.js";
import { STATUS, clear, field, h, statusBadge, won } from "./dom.js";

const PAGE_SIZE = 20;
const FILTERS = ["q", "customer", "author", "status", "date_from", "date_to"];

/** Rows per page: 20, or the address's `size` (1..100, the API's maximum), e.g. a bookmarked /quotes?size=50. */
function pageSize(params) {
  const size = Number(params.get("size"));
  return Number.isInteger(size) && size >= 1 && size <= 100 ? size : PAGE_SIZE;
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

  function wanted(page = 1) {
    const next = new URLSearchParams();
    for (const name of FILTERS) {
      const value = name === "status" ? form.elements.status.value : inputs[name].value.trim();
      if (value) next.set(name, value);
    }
    if (pageSize(params) !== PAGE_SIZE) next.set("size", String(pageSize(params)));
    if (page > 1) next.set("page", String(page));
    return next;
  }

  async function load(search, push) {
    if (push) history.pushState({}, "", `/quotes${search.toString() ? `?${search}` : ""}`);
    results.setAttribute("aria-busy", "true");
    const page = Number(search.get("page") || 1);
    const query = new URLSearchParams(search);
    query.set("page", String(page));
    query.set("size", String(pageSize(search)));
    try {
      const answer = await request(`/v1/estimate?${query}`);
      if (view.alive()) clear(results, table(answer), pager(answer, (p) => load(wanted(p), true)));
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      clear(results, h("p", { class: "inline-error", role: "alert" }, error.message, h("br"), error.envelope.hint || ""));
    }
    results.setAttribute("aria-busy", "false");
  }

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
    results,
  );
  await load(params, false);
}

function table(answer) {
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
      h("thead", {}, h("tr", {}, ["견적번호", "고객", "건명", "작성일", "합계", "개정", "상태", "작성자"].map((name, i) => h("th", { scope: "col", class: i === 4 || i === 5 ? "num" : null }, name)))),
      h(
        "tbody",
        {},
        answer.items.map((item) =>
          h(
            "tr",
            { "data-quote": item.id },
            h("th", { scope: "row" }, h("a", { href: `/quotes/${encodeURIComponent(item.id)}`, "data-link": "" }, item.number)),
            h("td", {}, item.customer),
            h("td", {}, item.project || ""),
            h("td", { class: "date" }, item.date),
            h("td", { class: "money" }, won(item.total)),
            h("td", { class: "num" }, item.revision),
            h("td", {}, statusBadge(item.status)),
            h("td", { class: "author" }, item.author || ""),
          ),
        ),
      ),
    ),
  );
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
