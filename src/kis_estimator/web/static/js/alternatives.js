// Alternatives side by side (GET /v1/estimate/{id}/alternatives, POST /v1/estimate/alternatives): the
// variants that change one dimension at a time (브랜드, 등급, 재질, 기성함/주문제작), each with its
// total and its difference from the base, and what a variant could not carry over. A variant's button
// hands its request to the page: a revision of a saved quote, or the new-quote form filled with it.

import { ApiError, request, session } from "./api.js";
import { clear, h, label, randomKey, signedWon, size, toast, won } from "./dom.js";
import { clearErrors } from "./errors.js";
import { fillForm } from "./form.js";
import { navigate } from "./router.js";
import { pathLabel, sayText } from "./words.js";

const GRADES = { ECONOMY: "경제형", STANDARD: "표준형" };

/** {"brand": "LS"} → "브랜드 LS"; {"material": "SUS201", "thickness_mm": 1.2} → "재질 SUS201 1.2T". */
export function changeWords(changes) {
  if (changes.brand) return `브랜드 ${label("brand", changes.brand)}`;
  if (changes.grade) return `등급 ${GRADES[changes.grade] || changes.grade}`;
  if (changes.material) return `재질 ${label("material", changes.material)} ${changes.thickness_mm}T`;
  return `외함 ${label("kind", changes.enclosure_kind)}`;
}

function enclosures(panels) {
  return panels.map((panel) => `${panel.enclosure.stock ? panel.enclosure.model : "주문제작"} ${size(panel.enclosure.size_mm)}`).join(", ");
}

function unmappedList(variant, panelCount) {
  if (!variant.unmapped.length) return null;
  return h(
    "ul",
    { class: "unmapped", "data-testid": "alternative-unmapped" },
    variant.unmapped.map((item) => h("li", {}, h("strong", {}, `${pathLabel(item.path, panelCount) || item.path}: `), sayText(item.reason, panelCount))),
  );
}

/**
 * The comparison table of `answer`; `pick` (a button's label and its handler `(variant, button)`) is
 * offered on every priced variant that carries a request, or left out (null) for a reader.
 */
export function comparisonTable(answer, pick) {
  const panelCount = answer.base.panels.length;
  const head = ["대안", "합계", "차이", "외함", pick ? "" : null].filter((name) => name !== null);
  const baseRow = h("tr", { class: "alternative-base" }, h("th", { scope: "row" }, "현재 견적"), h("td", { class: "money" }, won(answer.base.totals.total)), h("td", { class: "money" }, "—"), h("td", {}, enclosures(answer.base.panels)), pick ? h("td", {}) : null);
  const rows = answer.variants.map((variant) => {
    const words = changeWords(variant.changes);
    const priced = variant.totals !== null;
    const delta = variant.difference;
    let action = null;
    if (pick) {
      const button = h("button", { type: "button", class: "button-secondary", "aria-label": `${words}: ${pick.label}` }, pick.label);
      button.addEventListener("click", () => pick.run(variant, button));
      action = h("td", {}, priced && variant.request ? button : null);
    }
    return h(
      "tr",
      { "data-testid": "alternative", "data-changes": JSON.stringify(variant.changes), class: priced ? null : "alternative-unpriced" },
      h("th", { scope: "row" }, words, unmappedList(variant, panelCount)),
      h("td", { class: "money", "data-testid": "alternative-total" }, priced ? won(variant.totals.total) : "매핑 불가"),
      h("td", { class: `money ${delta > 0 ? "up" : delta < 0 ? "down" : ""}`, "data-testid": "alternative-difference" }, priced ? signedWon(delta) : "—"),
      h("td", {}, priced ? enclosures(variant.panels) : ""),
      action,
    );
  });
  return h(
    "div",
    { class: "table-wrap" },
    h("table", { class: "figures alternatives", "data-testid": "alternatives" }, h("thead", {}, h("tr", {}, head.map((name, i) => h("th", { scope: "col", class: i === 1 || i === 2 ? "money" : null }, name)))), h("tbody", {}, baseRow, rows)),
  );
}

/** The result page's card: the saved quote's alternatives; an estimator makes a variant its revision. */
export function savedAlternatives(quote, view) {
  const holder = h("div", { class: "alternatives-holder", "aria-live": "polite" }, h("p", { class: "muted" }, "대안을 계산하는 중…"));
  const message = h("p", { class: "inline-error", role: "alert", hidden: true });
  const pick =
    session.role === "viewer"
      ? null
      : {
          label: "이 대안으로 개정",
          async run(variant, button) {
            button.disabled = true;
            message.hidden = true;
            try {
              const revision = await request(`/v1/estimate/${encodeURIComponent(quote.id)}/revise`, {
                method: "POST",
                json: variant.request,
                extraHeaders: { "Idempotency-Key": randomKey() },
              });
              toast(`${changeWords(variant.changes)}(으)로 개정판 ${revision.number}을 만들었습니다.`);
              if (view.alive()) navigate(`/quotes/${encodeURIComponent(revision.id)}`);
            } catch (error) {
              if (!(error instanceof ApiError)) throw error;
              message.textContent = `${sayText(error.message)} — ${sayText(error.envelope.hint || "")}`;
              message.hidden = false;
              button.disabled = false;
            }
          },
        };
  request(`/v1/estimate/${encodeURIComponent(quote.id)}/alternatives`)
    .then((answer) => {
      if (!view.alive()) return;
      clear(holder, comparisonTable(answer, pick));
    })
    .catch((error) => {
      if (!(error instanceof ApiError)) throw error;
      clear(holder, h("p", { class: "inline-error" }, `대안을 계산하지 못했습니다: ${sayText(error.message)}`));
    });
  return h(
    "section",
    { class: "card", "aria-labelledby": "alternatives-title" },
    h("h2", { id: "alternatives-title" }, "대안 비교"),
    h("p", { class: "muted" }, "한 가지씩 바꾼 견적: 브랜드, 차단기 등급, 외함 재질, 기성함/주문제작 (현재 가격표로 계산, 저장 안 함)."),
    holder,
    message,
  );
}

/**
 * The live preview's comparison, folded until opened: while open, every request the preview priced is
 * compared too (the older answer dropped). A variant's button fills `form` with its request: a new
 * draft of the form (kept like typed work), which the preview then prices.
 */
export function previewAlternatives(form) {
  const holder = h("div", { class: "alternatives-holder", "aria-live": "polite" });
  const el = h("details", { class: "preview-alternatives", "data-testid": "preview-alternatives" }, h("summary", {}, "대안 비교 (브랜드·등급·재질·외함)"), holder);
  let body = null;
  let controller = null;
  const pick = {
    label: "이 대안으로 채우기",
    run(variant) {
      fillForm(form, variant.request);
      clearErrors(form);
      form.dispatchEvent(new Event("change")); // kept as the draft, and priced by the preview
      toast(`${changeWords(variant.changes)} 대안으로 양식을 채웠습니다. 확인 후 계산하세요.`);
    },
  };
  async function compare() {
    if (!el.open || !body) return;
    if (controller) controller.abort();
    controller = new AbortController();
    holder.setAttribute("aria-busy", "true");
    try {
      const answer = await request("/v1/estimate/alternatives", { method: "POST", json: body, signal: controller.signal });
      clear(holder, comparisonTable(answer, pick));
    } catch (error) {
      if (error.name === "AbortError") return;
      if (!(error instanceof ApiError)) throw error;
      clear(holder, h("p", { class: "inline-error" }, `대안을 계산하지 못했습니다: ${sayText(error.message)}`));
    } finally {
      holder.removeAttribute("aria-busy");
    }
  }
  el.addEventListener("toggle", compare);
  return {
    el,
    /** The request the preview just priced. */
    update(priced) {
      body = priced;
      compare();
    },
  };
}
