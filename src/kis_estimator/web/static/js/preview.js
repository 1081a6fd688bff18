// The live preview beside the quote form: as the estimator types, the enclosure, the phase currents
// R/S/T and the totals of POST /v1/estimate/preview (priced like a save, nothing saved), and the
// problems of the request at their fields.
//
// Decision (docs/decisions.md "Web UI: grid entry and the live preview"): a value being typed is sent
// after a pause of DEBOUNCE_MS; a value committed (leaving the field by Tab or Enter, a choice, a
// paste, a row added or removed) is sent at once. Each new request cancels the one before it, and an
// answer older than the one shown is dropped. A value still missing is listed, not marked at its field
// (an empty form is not an error); a wrong value is marked at its field as soon as it is seen.

import { previewAlternatives } from "./alternatives.js";
import { ApiError, request } from "./api.js";
import { clear, h, num, size, won } from "./dom.js";
import { place, targetOf } from "./errors.js";
import { previewRequest } from "./form.js";
import { pathLabel, sayProblem, sayText } from "./words.js";

const DEBOUNCE_MS = 150;
const MISSING = "REQ_MORE_INFO";

function phaseRow(name, amps) {
  return h("div", { class: "preview-phase" }, h("span", { class: `phase-name phase-${name.toLowerCase()}` }, name), h("span", { "data-testid": `preview-phase-${name}` }, `${num(amps)} A`));
}

function panelBlock(panel, many) {
  const box = panel.enclosure;
  return h(
    "section",
    { class: "preview-panel" },
    many ? h("h3", {}, `${panel.name || "분전반"}${panel.quantity > 1 ? ` × ${panel.quantity}면` : ""}`) : null,
    h(
      "dl",
      { class: "preview-facts" },
      h("dt", {}, "외함"),
      h("dd", { "data-testid": "preview-enclosure" }, `${box.model} `, h("span", { class: "preview-size" }, `(${size(box.size_mm)} mm)`), h("span", { class: `badge ${box.stock ? "badge-stock" : "badge-custom"}` }, box.stock ? "기성함" : "주문제작")),
      h("dt", {}, "주 차단기"),
      h("dd", {}, `${panel.main.model} ${panel.main.poles}P ${panel.main.trip_at}AT`),
      h("dt", {}, "상별 전류"),
      h("dd", { class: "preview-phases" }, phaseRow("R", panel.phases.R), phaseRow("S", panel.phases.S), phaseRow("T", panel.phases.T)),
      h("dt", {}, many ? "소계" : "자재 소계"),
      h("dd", { class: "money" }, won(panel.amount)),
    ),
    panel.gates.length ? h("ul", { class: "preview-gates" }, panel.gates.map((gate) => h("li", { class: `finding-${gate.status === "fail" ? "error" : "warning"}` }, h("strong", {}, gate.status === "fail" ? "실패: " : "주의: "), sayText(gate.message)))) : null,
  );
}

function totalsBlock(totals) {
  const line = (label, value, id) => [h("dt", {}, label), h("dd", { class: "money", "data-testid": id }, won(value))];
  if (totals.discount === undefined || totals.discount === null) {
    return h("dl", { class: "preview-totals" }, line("공급가액", totals.subtotal, "preview-subtotal"), line("부가세", totals.vat, "preview-vat"), line("합계", totals.total, "preview-total"));
  }
  return h(
    "dl",
    { class: "preview-totals" },
    line("소계", totals.subtotal, "preview-subtotal"),
    [h("dt", {}, "할인"), h("dd", { class: "money", "data-testid": "preview-discount" }, `−${won(totals.discount)}`)],
    line("공급가액", totals.supply, "preview-supply"),
    line("부가세", totals.vat, "preview-vat"),
    line("합계", totals.total, "preview-total"),
  );
}

/**
 * Each 단가 cell shows what an empty cell quotes: the list price, or the catalog range (then 최저가 and
 * 최고가 are the choices), and under a chosen price the range it was chosen from.
 */
function showPrices(form, panels, screenPath) {
  form.querySelectorAll("[data-kind='price']").forEach((el) => {
    el.placeholder = "정가";
    el.removeAttribute("title");
    el.parentElement.querySelector(".price-note")?.remove();
  });
  for (const price of panels.flatMap((panel) => panel.prices || [])) {
    const el = form.querySelector(`[data-path="${CSS.escape(`${screenPath(price.path)}.unit_price.value`)}"]`);
    if (!el) continue;
    const range = price.range ? `${num(price.range[0])}~${num(price.range[1])}` : null;
    const listed = price.list_price === null ? null : num(price.list_price);
    el.placeholder = range ? `범위 ${range}` : listed ? `정가 ${listed}` : "단가 입력";
    el.title = range
      ? `${price.model} 가격 범위 ${range}원: 비우면 최고가, 최저가 또는 범위 안의 값을 입력할 수 있습니다`
      : listed
        ? `${price.model} 정가 ${listed}원: 다른 단가는 사유와 함께 입력합니다`
        : `${price.model}: 카탈로그에 가격이 없어 단가를 입력합니다`;
    if (range && el.value.trim()) {
      el.after(h("span", { class: "price-note", "data-testid": "price-note" }, `범위 ${range}원 → ${num(price.unit_price)}원`));
    }
  }
}

/**
 * Below 1100 px the preview sits under the long form, out of view while typing: a compact bar fixed at
 * the foot of the screen keeps 합계 and the enclosure in sight, and its button opens the whole preview
 * over the form (app.css hides the bar from 1100 px, where the preview is beside the form).
 */
function totalsBar() {
  const total = h("strong", { class: "bar-total", "data-testid": "bar-total" }, "합계 —");
  const enclosure = h("span", { class: "bar-enclosure", "data-testid": "bar-enclosure" }, "입력하면 계산합니다");
  const toggle = h("button", { type: "button", class: "button-quiet", "aria-expanded": "false", "aria-controls": "preview" }, "미리보기");
  const note = h("span", { class: "bar-note", "data-testid": "bar-note" });
  const el = h("div", { class: "preview-bar", "data-testid": "preview-bar" }, h("span", { class: "bar-figures" }, total, enclosure), note, toggle);
  function show(answer) {
    total.textContent = `합계 ${won(answer.totals.total)}`;
    const [first] = answer.panels;
    const sets = answer.panels.length;
    enclosure.textContent = sets > 1 ? `외함 ${first.enclosure.model} 외 분전반 ${sets - 1}개` : `외함 ${size(first.enclosure.size_mm)} mm`;
    el.classList.remove("stale");
    note.textContent = "";
  }
  /** The numbers shown are from an earlier input: `count` places to fill or correct first. */
  function stale(count) {
    el.classList.add("stale");
    note.textContent = count ? `입력할 곳 ${count}` : "";
  }
  return { el, toggle, show, stale };
}

/** The preview panel of `form`; `refresh()` asks for a preview at once (e.g. after the form was refilled). */
export function livePreview(form) {
  const title = h("h2", { id: "preview-title" }, "미리보기");
  const state = h("p", { class: "preview-state", "aria-live": "polite" }, "입력하면 외함, 상별 전류, 합계가 여기에 바로 나타납니다.");
  const numbers = h("div", { class: "preview-numbers" });
  const problems = h("div", { class: "preview-problems" });
  const alternatives = previewAlternatives(form);
  const bar = totalsBar();
  const el = h("aside", { id: "preview", class: "preview card", "aria-labelledby": "preview-title", "data-testid": "preview" }, title, state, numbers, problems, alternatives.el, bar.el);
  bar.toggle.addEventListener("click", () => {
    const open = !el.classList.contains("open");
    el.classList.toggle("open", open);
    bar.toggle.setAttribute("aria-expanded", String(open));
    bar.toggle.textContent = open ? "접기" : "미리보기";
  });
  let timer = null;
  let controller = null;
  let sent = 0;
  let shown = 0;
  let lastEventAt = 0;
  let placed = [];

  function unplace() {
    for (const { target, note } of placed) {
      note.remove();
      const rest = (target.getAttribute("aria-describedby") || "").split(" ").filter((id) => id && id !== note.id);
      if (rest.length) target.setAttribute("aria-describedby", rest.join(" "));
      else if (target.getAttribute("aria-describedby") !== null) {
        target.removeAttribute("aria-describedby");
        target.removeAttribute("aria-invalid");
      }
    }
    placed = [];
    form.querySelectorAll("tr.row-errors").forEach((row) => {
      if (!row.querySelector(".field-error")) row.remove();
    });
  }

  function showProblems(list, screenPath) {
    unplace();
    const panelCount = form.querySelectorAll("fieldset.panel").length;
    const missing = [];
    const wrong = [];
    for (const given of list) {
      const problem = sayProblem({ ...given, path: screenPath(given.path) }, panelCount);
      if (given.code === MISSING && /^필수 항목이 없습니다/.test(given.message || "")) missing.push(problem);
      else wrong.push(problem);
    }
    const items = wrong.map((problem) => {
      const target = targetOf(form, problem.path);
      // A field that already shows a note (a paste finding, the save's answer) keeps it alone, and
      // while a save runs its answer is the one to show.
      const saving = form.getAttribute("aria-busy") === "true";
      const free = target && !saving && !(target.matches("input, select") && target.getAttribute("aria-invalid") === "true");
      if (free) {
        const note = place(target, problem);
        note.classList.add("preview-note");
        placed.push({ target, note });
      }
      const text = problem.message || problem.code;
      if (!target) return h("li", {}, text);
      const link = h("a", { href: "#" }, text);
      link.addEventListener("click", (event) => {
        event.preventDefault();
        (target.matches("input, select") ? target : target.querySelector("input, select") || target).focus();
      });
      return h("li", {}, link);
    });
    clear(
      problems,
      wrong.length ? [h("h3", {}, `확인할 곳 (${wrong.length})`), h("ul", { class: "preview-wrong", "data-testid": "preview-wrong" }, items)] : null,
      missing.length ? h("p", { class: "preview-missing", "data-testid": "preview-missing" }, "아직 입력할 곳: ", missing.map((p) => pathLabel(p.path, panelCount)).join(", ")) : null,
    );
  }

  function showNumbers(answer, screenPath) {
    showPrices(form, answer.panels, screenPath);
    const many = answer.panels.length > 1;
    clear(numbers, answer.panels.map((panel) => panelBlock(panel, many)), totalsBlock(answer.totals));
    numbers.classList.remove("stale");
    bar.show(answer);
  }

  async function send() {
    timer = null;
    const { request: body, screenPath } = previewRequest(form);
    const since = lastEventAt;
    if (controller) controller.abort(); // the answer to an older form is no longer wanted
    controller = new AbortController();
    const seq = ++sent;
    el.setAttribute("aria-busy", "true");
    try {
      const answer = await request("/v1/estimate/preview", { method: "POST", json: body, signal: controller.signal });
      if (seq < shown) return; // an answer older than the one on screen
      shown = seq;
      showNumbers(answer, screenPath);
      showProblems([], screenPath);
      alternatives.update(body);
      const ms = performance.now() - since;
      el.dataset.ms = String(Math.round(ms));
      state.textContent = `입력 기준으로 계산했습니다 (저장 전 미리보기, ${Math.round(ms)} ms).`;
    } catch (error) {
      if (error.name === "AbortError") return;
      if (!(error instanceof ApiError)) throw error;
      if (seq < shown) return;
      shown = seq;
      numbers.classList.add("stale");
      if (error.status === 422 || error.status === 400) {
        showProblems(error.problems, screenPath);
        bar.stale(error.problems.length);
        state.textContent = numbers.childElementCount ? "입력을 마치면 다시 계산합니다 (아래 숫자는 이전 입력 기준)." : "입력을 마치면 계산합니다.";
      } else {
        state.textContent = `미리보기를 할 수 없습니다: ${sayText(error.message)}`;
        bar.stale(0);
      }
    } finally {
      if (seq === sent) el.removeAttribute("aria-busy");
    }
  }

  function schedule(delay) {
    lastEventAt = performance.now();
    clearTimeout(timer);
    timer = setTimeout(send, delay);
  }

  form.addEventListener("input", () => schedule(DEBOUNCE_MS)); // typing: wait for a pause
  form.addEventListener("change", () => schedule(0)); // a value committed: at once
  form.addEventListener("click", (event) => {
    if (event.target.closest("button[type=button]")) schedule(0); // rows and panels added, copied, removed
  });
  return { el, refresh: () => schedule(0) };
}
