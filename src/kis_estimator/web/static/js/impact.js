// The banner after a price-book import: which open quotes the new book changes and by how much
// (GET /v1/catalog/books/{id}/impact), and re-quoting the selected ones as revisions once it is active.

import { ApiError, request } from "./api.js";
import { clear, h, toast, won } from "./dom.js";

function signed(amount) {
  return amount > 0 ? `+${won(amount)}` : won(amount);
}

function failure(error) {
  if (!(error instanceof ApiError)) throw error;
  return h("p", { class: "inline-error", role: "alert" }, error.message, h("br"), error.envelope.hint || "");
}

/** The impact banner of price book `book` (as the import answered it); `onActivated` after activation. */
export async function impactBanner(book, onActivated) {
  const banner = h("section", { class: "impact-banner card", role: "region", "aria-labelledby": "impact-title", "data-testid": "impact-banner" });
  let found;
  try {
    found = await request(`/v1/catalog/books/${book.id}/impact`);
  } catch (error) {
    return clear(banner, failure(error));
  }
  const heading = h("h3", { id: "impact-title" }, `새 단가표: 열린 견적 ${found.openQuotes}건 중 ${found.changed.length}건 금액 변동`);
  if (!found.changed.length && !found.unpriced.length) return clear(banner, heading);
  const rows = found.changed.map((quote) => {
    const pick = h("input", { type: "checkbox", checked: true, "aria-label": `${quote.number} 재견적` });
    pick.dataset.quoteId = quote.quoteId;
    const outcome = h("td", { class: "outcome" });
    const row = h("tr", {}, h("td", {}, pick), h("td", {}, quote.number), h("td", { class: "money" }, won(quote.old.total)), h("td", { class: "money" }, won(quote.new.total)), h("td", { class: "money" }, signed(quote.difference.total)), outcome);
    return { quote, pick, outcome, row };
  });
  const unpriced = found.unpriced.length
    ? h("p", { class: "inline-error" }, `이 단가표로 산출할 수 없는 견적 ${found.unpriced.length}건: `, found.unpriced.map((q) => `${q.number} (${q.refusal.code} ${q.refusal.path})`).join(", "))
    : null;
  const table = rows.length
    ? h(
        "div",
        { class: "table-wrap" },
        h(
          "table",
          { class: "impact-table" },
          h("thead", {}, h("tr", {}, ["선택", "견적번호", "기존 합계", "새 합계", "차액", "결과"].map((name) => h("th", { scope: "col" }, name)))),
          h("tbody", {}, rows.map((r) => r.row)),
        ),
      )
    : null;
  const status = h("div", { role: "status", "aria-live": "polite" });
  const requote = h("button", { type: "button", class: "button-primary", disabled: book.state !== "active" }, "선택한 견적 재견적");
  const activate = h("button", { type: "button", class: "button-secondary" }, "이 단가표 활성화");
  const note = h("p", { class: "muted" }, "재견적은 단가표를 활성화한 뒤에 할 수 있습니다. 견적마다 새 개정이 만들어집니다.");
  activate.addEventListener("click", async () => {
    activate.disabled = true;
    try {
      book = await request(`/v1/catalog/price-books/${book.id}/activate`, { method: "POST" });
      requote.disabled = false;
      activate.remove();
      note.remove();
      toast(`가격표 #${book.id}을(를) 사용합니다.`);
      await onActivated();
    } catch (error) {
      activate.disabled = false;
      clear(status, failure(error));
    }
  });
  requote.addEventListener("click", async () => {
    const chosen = rows.filter((r) => r.pick.checked);
    if (!chosen.length) return clear(status, h("p", { class: "inline-error" }, "재견적할 견적을 골라 주세요."));
    requote.disabled = true;
    try {
      const answer = await request(`/v1/catalog/books/${book.id}/requote`, { method: "POST", json: { quoteIds: chosen.map((r) => r.quote.quoteId) } });
      const byId = new Map(answer.results.map((result) => [result.quoteId, result]));
      for (const r of chosen) {
        const result = byId.get(r.quote.quoteId);
        const revision = result && result.revision;
        const text = { revised: "재견적됨", skipped: "이미 재견적됨", not_open: "열린 견적 아님", not_found: "없음", refused: "산출 불가" }[result.outcome] || result.outcome;
        clear(r.outcome, revision ? h("a", { href: `/quotes/${encodeURIComponent(revision.id)}`, "data-link": "" }, `${text} ${revision.number} ${won(revision.totals.total)}`) : text);
        r.pick.checked = false;
      }
      const revised = answer.results.filter((result) => result.outcome === "revised").length;
      clear(status, h("p", { class: "inline-ok", "data-testid": "requote-ok" }, `${revised}건을 새 단가로 재견적했습니다.`));
    } catch (error) {
      clear(status, failure(error));
    } finally {
      requote.disabled = false;
    }
  });
  return clear(banner, heading, table, unpriced, h("div", { class: "button-row" }, book.state === "active" ? null : activate, rows.length ? requote : null), book.state === "active" ? null : note, status);
}
