// The line tables (branches, accessories, extra lines) as a spreadsheet grid: Enter and the arrow keys
// move between cells, Enter on the last cell of the last row adds a row copying the one above, Ctrl+D
// duplicates a row and Ctrl+Delete (or Ctrl+Backspace) deletes it, and rows copied from Excel fill the
// grid, by their header row when they have one, with a finding at each cell that does not fit.
//
// Decision (docs/decisions.md "Web UI: grid entry and the live preview"): Enter never saves; Ctrl+Enter
// (⌘+Enter) is left to the form, which saves.

import { toast } from "./dom.js";
import { place } from "./errors.js";
import { LISTS, addRow, insertRow, removeRow, revealPrices, rowValues, siblingRow } from "./form.js";

const ALIASES = {
  MCCB: ["MCCB", "MCB", "배선용", "배선용차단기"],
  ELCB: ["ELCB", "ELB", "누전", "누전차단기"],
};

// Header words of an Excel sheet, per column (compared without spaces, brackets and case).
const HEADERS = {
  circuit: ["회로명", "회로", "회로번호", "명칭", "용도", "circuit"],
  type: ["종류", "구분", "차단기", "차단기종류", "type"],
  poles: ["극수", "극", "p", "poles"],
  trip_at: ["at", "정격", "정격at", "정격전류", "트립", "trip", "trip_at"],
  qty: ["수량", "개수", "ea", "qty"],
  load_a: ["부하a", "부하", "부하전류", "load", "load_a"],
};

// ------------------------------------------------------------------------------------------- cells

function cells(row) {
  return [...row.querySelectorAll("[data-rel]")].filter((el) => el.offsetParent !== null); // not the hidden 단가 columns
}

function focusCell(el) {
  el.focus();
  if (el.tagName === "INPUT" && (el.type === "text" || el.type === "number")) el.select();
}

function changed(form) {
  form.dispatchEvent(new Event("change", { bubbles: true })); // the draft and the preview follow
}

/** Whether the caret of a text cell sits at its start (`-1`) or end (`1`), nothing selected. */
function atEdge(el, step) {
  if (el.tagName !== "INPUT" || el.type !== "text") return true; // numbers, choices, checks: cell to cell
  const { selectionStart: start, selectionEnd: end, value } = el;
  if (start === 0 && end === value.length) return true; // the whole value selected, as on arrival
  return start === end && (step < 0 ? start === 0 : start === value.length);
}

function copyOf(row, { keepCircuit }) {
  const values = rowValues(row);
  if (!keepCircuit) delete values.circuit; // a circuit is named once
  return values;
}

function gridKey(form, event) {
  const el = event.target;
  const row = el.closest && el.closest("tr[data-scope]");
  if (!row || !el.dataset.rel || event.isComposing || event.altKey) return;
  const all = cells(row);
  const column = all.indexOf(el);
  const ctrl = event.ctrlKey || event.metaKey;
  const move = (target) => {
    event.preventDefault();
    if (target) focusCell(target);
  };
  if (event.key === "Enter" && !ctrl) {
    const step = event.shiftKey ? -1 : 1;
    if (all[column + step]) return move(all[column + step]);
    const next = siblingRow(row, step);
    if (next) return move(step > 0 ? cells(next)[0] : cells(next).at(-1));
    if (step < 0) return; // before the first cell: the form's previous field
    const copy = insertRow(form, row, copyOf(row, { keepCircuit: false }));
    changed(form);
    return move(cells(copy)[0]);
  }
  if ((event.key === "ArrowDown" || event.key === "ArrowUp") && !ctrl && !event.shiftKey) {
    const next = siblingRow(row, event.key === "ArrowDown" ? 1 : -1);
    return move(next && cells(next)[column]); // no row there: stay (and change no value)
  }
  if ((event.key === "ArrowRight" || event.key === "ArrowLeft") && !ctrl && !event.shiftKey) {
    const step = event.key === "ArrowRight" ? 1 : -1;
    if (all[column + step] && atEdge(el, step)) move(all[column + step]);
    return;
  }
  if (ctrl && !event.shiftKey && (event.key === "d" || event.key === "D")) {
    const copy = insertRow(form, row, copyOf(row, { keepCircuit: true }));
    changed(form);
    return move(cells(copy)[column]);
  }
  if (ctrl && (event.key === "Delete" || event.key === "Backspace")) {
    const section = row.closest("section");
    const neighbour = removeRow(form, row);
    changed(form);
    event.preventDefault();
    (neighbour ? cells(neighbour)[column] : section.querySelector(":scope > button")).focus();
  }
}

// --------------------------------------------------------------------------------------------- paste

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

/** What is wrong with a value that was read, in the estimator's words (null: nothing). */
function finding(list, rel, value) {
  if (value === "" || value === null || value === undefined) return null;
  if (rel === "poles" && ![2, 3, 4].includes(value)) return `극수 ${value}P는 없습니다 (2P, 3P, 4P 중 하나)`;
  if (rel === "qty" && list !== "extra_lines" && !(Number.isInteger(value) && value >= 1)) return `수량 ${value}: 1 이상의 정수여야 합니다`;
  if ((rel === "trip_at" || rel === "qty" || rel === "load_a") && value <= 0) return `${value}: 0보다 커야 합니다`;
  if (rel === "trip_at" && !Number.isInteger(value)) return `AT ${value}: 정수여야 합니다`;
  return null;
}

/** Put one cell's text into a control; returns a problem text when it does not fit. */
export function setCell(el, text) {
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
  const list = el.closest("[data-list]");
  return el.type === "number" && list ? finding(list.dataset.list, el.dataset.rel, el.value === "" ? "" : Number(el.value)) : null;
}

export function note(el, text) {
  place(el, { code: "PASTE", message: text, hint: "" });
}

function headerWord(text) {
  return text.toLowerCase().replace(/\(선택\)/g, "").replace(/[\s()[\]{}.:·_-]/g, "");
}

/** The columns a header line names (a rel or null per cell), or null when the line is not a header. */
function headerColumns(list, line) {
  const words = {};
  for (const column of LISTS[list].columns) words[headerWord(column.label)] = column.rel;
  if (list === "branches") for (const [rel, names] of Object.entries(HEADERS)) names.forEach((name) => (words[headerWord(name)] = rel));
  const columns = line.map((cell) => words[headerWord(cell)] ?? null);
  const named = columns.filter(Boolean).length;
  const filled = line.filter((cell) => cell.trim()).length;
  return named >= 2 || (named >= 1 && named === filled) ? columns : null;
}

/** Tab-separated lines (Excel's clipboard) pasted into a table cell fill the grid from that row on. */
function pasteRows(form, event) {
  const el = event.target;
  const row = el.closest && el.closest("tr[data-scope]");
  const text = event.clipboardData && event.clipboardData.getData("text/plain");
  if (!row || !text || !el.dataset.rel) return;
  const grid = text.replace(/\r\n?/g, "\n").replace(/\n+$/, "").split("\n").map((line) => line.split("\t"));
  if (grid.length === 1 && grid[0].length === 1) return; // one value: the form's own paste of one cell
  event.preventDefault();
  const list = row.closest("[data-list]").dataset.list;
  const header = headerColumns(list, grid[0]);
  const unknown = header ? grid.shift().filter((cell, i) => cell.trim() && !header[i]) : [];
  const start = cells(row).indexOf(el);
  const body = row.parentElement;
  let target = row;
  let problems = 0;
  grid.forEach((line, index) => {
    if (index > 0) target = siblingRow(target, 1) || addRow(form, body);
    const controls = cells(target);
    line.forEach((cell, column) => {
      const control = header ? header[column] && target.querySelector(`[data-rel="${header[column]}"]`) : controls[start + column];
      if (!control) {
        if (cell.trim() && !header) {
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
  revealPrices(row.closest("fieldset.panel"));
  changed(form);
  const skipped = unknown.length ? ` 모르는 열 ${unknown.map((cell) => `‘${cell.trim()}’`).join(", ")}은(는) 넣지 않았습니다.` : "";
  toast(`엑셀에서 ${grid.length}행을 붙여 넣었습니다${header ? " (머리글 행 기준)" : ""}${problems ? ` (확인할 칸 ${problems}곳)` : ""}.${skipped}`);
}

/** Everything above, on one quote form. Registered before the form's own Enter key. */
export function gridEntry(form) {
  form.addEventListener("keydown", (event) => gridKey(form, event));
  form.addEventListener("paste", (event) => pasteRows(form, event));
}
