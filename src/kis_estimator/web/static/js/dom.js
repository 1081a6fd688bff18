// Building DOM nodes, formatting numbers, and the Korean words for the API's enums.

/** h('p', {class: 'x', onclick: f}, 'text', child) → an element. Text is always set as text. */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name === "class") el.className = value;
    else if (name === "dataset") Object.assign(el.dataset, value);
    else if (name.startsWith("on") && typeof value === "function") el.addEventListener(name.slice(2), value);
    else if (name === "value") el.value = value;
    else if (name === "checked") el.checked = Boolean(value);
    else el.setAttribute(name, value === true ? "" : String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Element.append without the "null" text a skipped (null/false) child would otherwise become. */
export function add(el, ...children) {
  append(el, children);
  return el;
}

export function clear(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

const NUMBER = new Intl.NumberFormat("ko-KR", { maximumFractionDigits: 3 });

export function num(value) {
  return value === null || value === undefined || value === "" ? "—" : NUMBER.format(value);
}

export function won(value) {
  return value === null || value === undefined ? "—" : `${NUMBER.format(value)}원`;
}

export function milliseconds(ms) {
  return `${ms < 10 ? num(Math.round(ms * 10) / 10) : num(Math.round(ms))} ms`;
}

export function signedWon(value) {
  if (!value) return "0원";
  return `${value > 0 ? "+" : "−"}${NUMBER.format(Math.abs(value))}원`;
}

export function size(mm) {
  return Array.isArray(mm) ? mm.join("×") : "—";
}

/** One <option> per [value, label] pair, with `selected` marked. */
export function options(pairs, selected) {
  return pairs.map(([value, label]) => h("option", { value, selected: String(selected ?? "") === value }, label));
}

/** A labelled form control in a wrapper that also holds its error message. */
export function field(label, control, { hint, wide, unit } = {}) {
  const target = control.matches("input, select, textarea") ? control : control.querySelector("input, select, textarea");
  const id = target.id || uid("f");
  target.id = id;
  return h(
    "div",
    { class: `field${wide ? " field-wide" : ""}` },
    h("label", { for: id }, label),
    unit ? h("div", { class: "with-unit" }, control, h("span", { class: "unit", "aria-hidden": "true" }, unit)) : control,
    hint ? h("p", { class: "field-hint" }, hint) : null,
  );
}

/** A file input with Korean words whatever the browser's language: "파일 선택" and the chosen name. */
export function filePicker(input) {
  const empty = "선택한 파일 없음";
  input.classList.add("file-input");
  input.id = input.id || uid("file");
  const name = h("span", { class: "file-name" }, empty);
  input.addEventListener("change", () => {
    name.textContent = input.files.length ? input.files[0].name : empty;
  });
  return h("div", { class: "file-pick" }, input, h("label", { for: input.id, class: "button-secondary" }, "파일 선택"), name);
}

let counter = 0;
export function uid(prefix) {
  counter += 1;
  return `${prefix}-${counter}`;
}

export function randomKey() {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes); // randomUUID needs a secure context; this works over plain http too
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

export const STATUS = {
  draft: "작성",
  sent: "발송",
  ordered: "수주",
  shipped: "출하",
  paid: "입금",
  closed: "종료",
};

// The workflow of the API (db/repository.py TRANSITIONS): the moves offered on a quote.
export const TRANSITIONS = {
  draft: ["sent", "closed"],
  sent: ["ordered", "closed"],
  ordered: ["shipped", "closed"],
  shipped: ["paid"],
  paid: ["closed"],
  closed: [],
};

export const LABELS = {
  brand: [["LS", "LS"], ["SANGDO", "상도"], ["MIXED", "혼용"]],
  location: [["INDOOR", "옥내"], ["OUTDOOR", "옥외"]],
  mount: [["SURFACE", "노출"], ["FLUSH", "매입"], ["FREESTANDING", "자립"], ["POLE", "전주부착"]],
  material: [["STEEL", "스틸"], ["SUS201", "SUS201"], ["SUS304", "SUS304"]],
  kind: [["STOCK", "기성함"], ["CUSTOM", "주문제작"]],
  breakerType: [["MCCB", "MCCB (배선용)"], ["ELCB", "ELCB (누전)"]],
  grade: [["", "자동"], ["ECONOMY", "경제형"], ["STANDARD", "표준형"]],
  catalogBrand: [["", "자동"], ["LS", "LS"], ["SANGDO", "상도"]],
  accessory: [
    ["MAGNET", "전자접촉기 (MC)"],
    ["TIMER", "타이머"],
    ["PBL", "푸시버튼 (PBL)"],
    ["SPD", "서지보호기 (SPD)"],
    ["METER", "계량기"],
    ["PART", "부품"],
  ],
  pCover: [["ACRYLIC", "아크릴"], ["STEEL", "철판"]],
};

export function label(kind, value) {
  const found = LABELS[kind].find(([v]) => v === value);
  return found ? found[1] : value ?? "—";
}

export const GATE_NAMES = {
  row_width: "분기 열 폭",
  stack_height: "적층 높이",
  enclosure_fit: "외함 적합도",
  phase_balance: "상평형",
  kec_unbalance: "설비불평형률 (KEC)",
  thermal: "발열",
  doc_cached_values: "문서 캐시 값",
  doc_live_formulas: "문서 수식",
  doc_named_ranges: "문서 이름 범위",
  doc_cover_fields: "표지 필수 항목",
};

export const GATE_STATUS = { pass: "통과", warn: "주의", fail: "실패" };
const GATE_MARK = { pass: "✓", warn: "!", fail: "✕" };

export function gateBadge(status) {
  return h("span", { class: `badge badge-${status}` }, h("span", { "aria-hidden": "true" }, GATE_MARK[status] || "?"), " ", GATE_STATUS[status] || status);
}

export function statusBadge(status) {
  return h("span", { class: `badge status-${status}` }, STATUS[status] || status);
}

export function toast(message) {
  const el = document.getElementById("toast");
  el.textContent = message;
  el.classList.add("shown");
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => el.classList.remove("shown"), 4000);
}
