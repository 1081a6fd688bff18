// Showing the API's problems next to the controls their `path` names, with a summary that links to them.

import { clear, h, uid } from "./dom.js";
import { sayProblem } from "./words.js";

/** The control or container for a dotted path: the exact one, else the nearest enclosing one. */
export function targetOf(form, path) {
  const parts = (path || "").split(".").filter(Boolean);
  while (parts.length) {
    const found = form.querySelector(`[data-path="${CSS.escape(parts.join("."))}"]`);
    if (found) return found;
    parts.pop();
  }
  return null;
}

function isControl(el) {
  return ["INPUT", "SELECT", "TEXTAREA"].includes(el.tagName);
}

function message(problem) {
  return h(
    "p",
    { class: "field-error", id: uid("err"), tabindex: "-1" },
    h("span", { class: "error-text" }, problem.message),
    problem.hint ? h("span", { class: "error-hint" }, `도움말: ${problem.hint}`) : null,
  );
}

function rowErrors(row) {
  const next = row.nextElementSibling;
  if (next && next.classList.contains("row-errors")) return next.querySelector("td");
  const cell = h("td", { colspan: row.children.length });
  row.after(h("tr", { class: "row-errors" }, cell));
  return cell;
}

/** Show one problem at `target` (a control, a row or a block); returns the note. */
export function place(target, problem) {
  const note = message(problem);
  if (isControl(target)) {
    target.setAttribute("aria-invalid", "true");
    const described = target.getAttribute("aria-describedby");
    target.setAttribute("aria-describedby", described ? `${described} ${note.id}` : note.id);
    const row = target.closest("tr");
    if (row) {
      note.prepend(h("strong", {}, `${target.dataset.column}: `));
      rowErrors(row).append(note);
    } else {
      target.closest(".field").append(note);
    }
  } else if (target.tagName === "TR") {
    rowErrors(target).append(note);
  } else {
    const legend = target.querySelector(":scope > legend, :scope > h3");
    note.classList.add("block-error");
    if (legend) legend.after(note);
    else target.prepend(note);
  }
  return note;
}

export function clearErrors(form) {
  form.querySelectorAll(".field-error").forEach((el) => el.remove());
  form.querySelectorAll(".row-errors").forEach((el) => el.remove());
  form.querySelectorAll("[aria-invalid]").forEach((el) => {
    el.removeAttribute("aria-invalid");
    el.removeAttribute("aria-describedby");
  });
  const summary = form.querySelector(".error-summary");
  summary.hidden = true;
  clear(summary);
}

/** Show every problem ({code, message, hint, path}) in place, list them on top, and focus the list. */
export function showErrors(form, given) {
  clearErrors(form);
  const panelCount = form.querySelectorAll("fieldset.panel").length;
  const problems = given.map((problem) => sayProblem(problem, panelCount));
  const summary = form.querySelector(".error-summary");
  const items = problems.map((problem) => {
    const target = targetOf(form, problem.path);
    const note = target ? place(target, problem) : null;
    const text = problem.message || problem.code;
    if (!note) return h("li", {}, text, problem.hint ? h("span", { class: "error-hint" }, `도움말: ${problem.hint}`) : null);
    const link = h("a", { href: `#${note.id}` }, text);
    link.addEventListener("click", (event) => {
      event.preventDefault();
      (isControl(target) ? target : note).focus({ preventScroll: false });
      note.scrollIntoView({ block: "center" });
    });
    return h("li", {}, link);
  });
  clear(summary, h("h2", {}, `입력을 확인해 주세요 (${problems.length}건)`), h("ul", {}, items));
  summary.hidden = false;
  summary.focus();
}

/** Once a control is edited its old error no longer applies. */
export function clearOnEdit(form) {
  form.addEventListener("input", (event) => {
    const el = event.target;
    if (el.getAttribute("aria-invalid") !== "true") return;
    el.removeAttribute("aria-invalid");
    for (const id of (el.getAttribute("aria-describedby") || "").split(" ")) document.getElementById(id)?.remove();
    el.removeAttribute("aria-describedby");
  });
}
