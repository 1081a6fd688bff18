// Fast, safe entry in the quote form: Enter never saves, number fields select their value on focus,
// and a value pasted from Excel is read as Excel shows it (the line tables' grid keys and row pastes:
// grid.js).
//
// Decision (docs/decisions.md "Web UI: Enter, paste and drafts"): a quote is made only by the save
// button or Ctrl+Enter (⌘+Enter); Enter in a field moves to the next field, as in a spreadsheet.

import { h } from "./dom.js";
import { gridEntry, note, setCell } from "./grid.js";

const TYPING = new Set(["text", "number", "search", "tel", "email", "url", "password", "checkbox", "radio", "date"]);

function isTypingField(el) {
  return el.tagName === "SELECT" || (el.tagName === "INPUT" && TYPING.has(el.type));
}

function fields(form) {
  return [...form.querySelectorAll("input, select")].filter((el) => isTypingField(el) && !el.disabled && !el.closest("[hidden]") && el.offsetParent !== null);
}

/** Enter: the next field. Ctrl/⌘+Enter: save (the form's submit). */
function enterKeys(form) {
  form.addEventListener("keydown", (event) => {
    if (event.defaultPrevented || event.key !== "Enter" || event.isComposing || !isTypingField(event.target)) return;
    event.preventDefault();
    if (event.ctrlKey || event.metaKey) {
      form.requestSubmit();
      return;
    }
    const all = fields(form);
    const next = all[all.indexOf(event.target) + (event.shiftKey ? -1 : 1)];
    if (next) next.focus();
  });
}

/** A click or Tab into a number field selects its value, so typing replaces it (1 → 1000, not 11000). */
function selectOnFocus(form) {
  let focused = null;
  form.addEventListener("focusin", (event) => {
    const el = event.target;
    if (el.tagName !== "INPUT" || el.type !== "number") return;
    el.select();
    focused = el;
  });
  // The mouseup of the click that focused the field would put the caret back: keep the selection.
  form.addEventListener("mouseup", (event) => {
    if (event.target === focused) event.preventDefault();
    focused = null;
  });
}

// --------------------------------------------------------------------------------------------- paste

/**
 * One value pasted into a number field is read as Excel shows it ("4P", "1,000"); several cells pasted
 * outside the line tables go into the one field as one line. (Rows pasted into a table: grid.js.)
 */
function pasteValue(event) {
  const el = event.target;
  const text = event.clipboardData && event.clipboardData.getData("text/plain");
  if (event.defaultPrevented || !text || !(el.tagName === "INPUT" || el.tagName === "SELECT")) return;
  const single = !/[\t\n\r]/.test(text.replace(/[\r\n]+$/, ""));
  if (single && el.type !== "number") return; // one value into a text field: the browser's own paste
  event.preventDefault();
  const problem = setCell(el, single ? text.replace(/[\r\n]+$/, "") : text.replace(/\s+/g, " "));
  if (problem) note(el, problem);
}

/** A number field that holds text the browser could not read as a number ("e", "1e"): say so. */
function badNumbers(form) {
  form.addEventListener("focusout", (event) => {
    const el = event.target;
    if (el.tagName !== "INPUT" || el.type !== "number" || !el.validity.badInput) return;
    el.value = "";
    note(el, "숫자만 입력할 수 있습니다");
  });
}

/** Everything above, on one quote form. */
export function fastEntry(form) {
  gridEntry(form); // first: its keys and pastes in the line tables come before the form's own
  enterKeys(form);
  selectOnFocus(form);
  badNumbers(form);
  form.addEventListener("paste", pasteValue);
}

/** The line under the save button that says how to save from the keyboard. */
export function saveHint() {
  return h("p", { class: "field-hint save-hint" }, "Enter는 다음 칸으로 갑니다. 저장(견적 계산)은 버튼이나 Ctrl+Enter로 합니다.");
}
