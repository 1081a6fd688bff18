// Fast, safe entry in the quote form: Enter never saves, number fields select their value on focus,
// and rows copied from Excel fill the table cells they are pasted into.
//
// Decision (docs/decisions.md "Web UI: Enter, paste and drafts"): a quote is made only by the save
// button or Ctrl+Enter (⌘+Enter); Enter in a field moves to the next field, as in a spreadsheet.

import { h, toast } from "./dom.js";
import { place } from "./errors.js";
import { addRow } from "./form.js";

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
    if (event.key !== "Enter" || event.isComposing || !isTypingField(event.target)) return;
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

const ALIASES = {
  MCCB: ["MCCB", "MCB", "배선용", "배선용차단기"],
  ELCB: ["ELCB", "ELB", "누전", "누전차단기"],
};

/** A number out of a cell as Excel shows it: "1,000", "4P", "20A", "12개", "3 EA". null if there is none. */
export function cellNumber(text) {
  const found = /^\s*([-+]?\d[\d,]*(?:\.\d+)?)\s*(?:P|A|AT|AF|개|EA|면|원|mm)?\s*$/i.exec(text);
  return found ? Number(found[1].replace(/,/g, "")) : null;
}

function choiceValue(select, text) {
  const wanted = text.trim().toUpperCase().replace(/\s+/g, "");
  for (const option of select.options) {
    const words = [option.value, option.textContent, ...(ALIASES[option.value] || [])].map((w) => w.toUpperCase().replace(/\s+/g, ""));
    if (words.some((word) => word && (word === wanted || word.startsWith(`${wanted}(`)))) return option.value;
  }
  return null;
}

/** Put one cell's text into a control; returns a problem text when it does not fit. */
function setCell(el, text) {
  const value = text.trim();
  if (el.tagName === "SELECT") {
    const chosen = value === "" ? null : choiceValue(el, value);
    if (chosen === null) return value === "" ? null : `‘${value}’는 고를 수 있는 값이 아닙니다`;
    el.value = chosen;
  } else if (el.type === "checkbox") {
    el.checked = /^(1|y|yes|o|v|예|true|✓|✔)$/i.test(value);
  } else if (el.type === "number") {
    const number = value === "" ? "" : cellNumber(value);
    if (number === null) {
      el.value = "";
      return `‘${value}’는 숫자가 아닙니다`;
    }
    el.value = String(number);
  } else {
    el.value = value;
  }
  el.dispatchEvent(new Event(el.tagName === "SELECT" || el.type === "checkbox" ? "change" : "input", { bubbles: true }));
  return null;
}

function note(el, text) {
  place(el, { code: "PASTE", message: text, hint: "" });
}

/** Tab-separated lines (Excel's clipboard) pasted into a table cell fill the cells from there on. */
function pasteRows(form, event) {
  const el = event.target;
  const row = el.closest("tr[data-scope]");
  const text = event.clipboardData && event.clipboardData.getData("text/plain");
  if (!text || !(el.tagName === "INPUT" || el.tagName === "SELECT")) return;
  const lines = text.replace(/\r\n?/g, "\n").replace(/\n+$/, "").split("\n");
  const grid = lines.map((line) => line.split("\t"));
  const single = grid.length === 1 && grid[0].length === 1;
  if (single && el.type !== "number") return; // one value into a text field: the browser's own paste
  event.preventDefault();
  if (single || !row) {
    const problem = setCell(el, single ? grid[0][0] : text.replace(/\s+/g, " "));
    if (problem) note(el, problem);
    return;
  }
  const body = row.parentElement;
  const start = [...row.querySelectorAll("[data-rel]")].indexOf(el);
  let target = row;
  let problems = 0;
  grid.forEach((cells, index) => {
    if (index > 0) target = target.nextElementSibling?.matches("tr[data-scope]") ? target.nextElementSibling : addRow(form, body);
    const controls = [...target.querySelectorAll("[data-rel]")];
    cells.forEach((cell, column) => {
      const control = controls[start + column];
      if (!control) {
        if (cell.trim()) {
          note(controls[controls.length - 1], `남는 칸 ‘${cell.trim()}’는 넣을 곳이 없습니다`);
          problems += 1;
        }
        return;
      }
      const problem = setCell(control, cell);
      if (problem) {
        note(control, problem);
        problems += 1;
      }
    });
  });
  toast(`엑셀에서 ${grid.length}행을 붙여 넣었습니다${problems ? ` (확인할 칸 ${problems}곳)` : ""}.`);
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
  enterKeys(form);
  selectOnFocus(form);
  badNumbers(form);
  form.addEventListener("paste", (event) => pasteRows(form, event));
}

/** The line under the save button that says how to save from the keyboard. */
export function saveHint() {
  return h("p", { class: "field-hint save-hint" }, "Enter는 다음 칸으로 갑니다. 저장(견적 계산)은 버튼이나 Ctrl+Enter로 합니다.");
}
