// 빠른 입력: Korean shorthand (LS 메인 4P 75A ELB 2P 20A 12개) read by POST /v1/requests/parse into the
// form. Enter fills the form, Shift+Enter starts a new line, Ctrl/⌘+Enter fills and saves. A word the
// API cannot place is marked in the text by its position, with the message in Korean, and selected in
// the box so it can be typed over. The grammar: docs/shorthand.md.

import { ApiError, request } from "./api.js";
import { clear, h, uid } from "./dom.js";
import { clearErrors } from "./errors.js";
import { fillForm, snapshot } from "./form.js";
import { sayProblem } from "./words.js";

/** Code points `start`..`end` (the API's offsets) as UTF-16 offsets of `text` (the browser's). */
function utf16(text, codePoint) {
  return Array.from(text).slice(0, codePoint).join("").length;
}

/** The text with each problem's words marked (<mark>), every problem positioned in code points. */
function markedText(text, problems) {
  const chars = Array.from(text);
  const spans = problems.filter((p) => Number.isInteger(p.start)).sort((a, b) => a.start - b.start);
  const parts = [];
  let at = 0;
  for (const problem of spans) {
    if (problem.start < at) continue;
    parts.push(chars.slice(at, problem.start).join(""));
    const word = chars.slice(problem.start, Math.max(problem.end, problem.start + 1)).join("");
    parts.push(h("mark", { class: "quick-word", title: problem.message }, word));
    at = Math.max(problem.end, problem.start + 1);
  }
  parts.push(chars.slice(at).join(""));
  return h("p", { class: "quick-echo" }, parts);
}

/** The Korean half of "한국어 / English" (English halves here may name Korean words, e.g. ‘아크릴’). */
function korean(text) {
  return (text || "").split(" / ")[0];
}

function problemItem(problem) {
  const spoken = sayProblem(problem);
  const said = { message: korean(spoken.message), hint: korean(spoken.hint) };
  const where = Number.isInteger(problem.start) ? `${problem.start + 1}번째 글자 ‘${problem.word}’: ` : "";
  const guess = problem.suggestion ? ` 혹시 ‘${problem.suggestion}’인가요?` : "";
  return h(
    "li",
    { class: "finding finding-error" },
    h("strong", {}, where),
    said.message,
    guess,
    said.hint ? h("span", { class: "error-hint" }, `도움말: ${said.hint}`) : null,
  );
}

/** The parsed request into the form: brand, P-COVER and panels replaced, customer and project kept. */
function fill(form, parsed) {
  const current = snapshot(form);
  const merged = { ...current, brand: parsed.brand, panels: parsed.panels };
  if (parsed.options) merged.options = { ...(current.options || {}), ...parsed.options };
  if (merged.brand !== "MIXED") delete merged.mixed_reason;
  fillForm(form, merged);
  clearErrors(form);
  form.dispatchEvent(new Event("change")); // kept as the draft like typed work
}

function summary(parsed) {
  const panels = parsed.panels.length;
  const branches = parsed.panels.reduce((sum, p) => sum + (p.branches || []).reduce((n, b) => n + b.qty, 0), 0);
  const accessories = parsed.panels.reduce((sum, p) => sum + (p.accessories || []).length, 0);
  return `양식을 채웠습니다: 분전반 ${panels}개, 분기 차단기 ${branches}개${accessories ? `, 부속 ${accessories}줄` : ""}.`;
}

/** The 빠른 입력 box for `form`. */
export function quickSection(form) {
  const hintId = uid("qh");
  const box = h("textarea", {
    id: uid("q"),
    rows: 2,
    class: "quick-text",
    autocomplete: "off",
    spellcheck: "false",
    placeholder: "LS 메인 4P 75A ELB 2P 20A 12개",
    "aria-describedby": hintId,
  });
  const button = h("button", { type: "button", class: "button-secondary" }, "양식 채우기");
  const result = h("div", { class: "quick-result", role: "status", "aria-live": "polite" });

  async function run(save) {
    const text = box.value;
    button.disabled = true;
    box.removeAttribute("aria-invalid");
    try {
      const answer = await request("/v1/requests/parse", { method: "POST", json: { text } });
      fill(form, answer.request);
      const assumed = answer.findings.filter((f) => f.code === "SHORTHAND_DEFAULT");
      clear(
        result,
        h("p", { class: "inline-ok" }, summary(answer.request)),
        assumed.length ? h("ul", { class: "findings" }, assumed.map((f) => h("li", { class: "finding finding-info" }, h("strong", {}, `참고 · ‘${f.word}’: `), f.message))) : null,
      );
      if (save) {
        form.requestSubmit();
        return;
      }
      const name = form.querySelector("[data-path='customer.name']");
      if (name && !name.value.trim()) name.focus();
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      const meta = error.envelope.meta || {};
      const problems = Array.isArray(meta.errors) && meta.errors.length ? meta.errors : [{ ...error.envelope, ...meta }];
      clear(
        result,
        h("p", { class: "inline-error" }, "빠른 입력에 고칠 곳이 있어 양식을 채우지 않았습니다."),
        markedText(text, problems),
        h("ul", { class: "findings" }, problems.map(problemItem)),
      );
      box.setAttribute("aria-invalid", "true");
      const first = problems.find((p) => Number.isInteger(p.start));
      if (first) {
        box.focus();
        box.setSelectionRange(utf16(text, first.start), utf16(text, first.end));
      }
    } finally {
      button.disabled = false;
    }
  }

  box.addEventListener("keydown", (event) => {
    if (event.key !== "Enter" || event.isComposing || event.shiftKey) return;
    event.preventDefault();
    run(event.ctrlKey || event.metaKey);
  });
  button.addEventListener("click", () => run(false));
  return h(
    "section",
    { class: "card quick", "aria-labelledby": "quick-title" },
    h("h2", { id: "quick-title" }, h("label", { for: box.id }, "빠른 입력")),
    h(
      "p",
      { class: "field-hint", id: hintId },
      "예: LS 옥외 SUS 메인 4P 200A ELB 4P 100A 2개 ELB 2P 20A 12개 · Enter 양식 채우기, Shift+Enter 줄바꿈, Ctrl 누른 채 Enter 채우고 저장 · 분전반이 여럿이면 줄마다 ‘LP-1:’",
    ),
    h("div", { class: "quick-row" }, box, button),
    result,
  );
}
