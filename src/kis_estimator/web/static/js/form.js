// The request form: panels, breakers, accessories and extra lines, read into the request JSON and
// filled from one. Every control carries `data-path`, the dotted path of its value in the request, so
// the API's error paths (e.g. panels.0.branches.1.trip_at) point straight back at the control.

import { LABELS, field, h, options, uid } from "./dom.js";

// A line's unit price (DOMAIN §14): empty is the list price; 최저가/최고가 a catalog range's end; a number
// inside the range, or any other price with a reason. The preview puts the list price or the range in
// the cell (preview.js). Columns marked `price` show when the panel's 단가 조정 is on (off by default, so
// the keys of ordinary entry do not change).
const PRICE_VALUE = { rel: "unit_price.value", label: "단가 (선택)", kind: "price" };
const PRICE_REASON = { rel: "unit_price.reason", label: "단가 사유", kind: "text", price: true };

const PRICE_WORDS = { low: "최저가", high: "최고가" };

export const LISTS = {
  branches: {
    title: "분기 차단기",
    item: "분기",
    add: "분기 추가",
    blank: { type: "ELCB" },
    // The order of an estimator's Excel sheet (회로명, 종류, 극수, AT, 수량, 부하A): a paste without a
    // header row fills the columns in this order.
    columns: [
      { rel: "circuit", label: "회로명 (선택)", kind: "text" },
      { rel: "type", label: "종류", choices: LABELS.breakerType },
      { rel: "poles", label: "극수", kind: "int", attrs: { min: 2, max: 4 }, unit: "P" },
      { rel: "trip_at", label: "AT", kind: "int", unit: "A" },
      { rel: "qty", label: "수량", kind: "int", attrs: { min: 1 } },
      { rel: "load_a", label: "부하 (선택)", kind: "number", unit: "A", attrs: { step: "0.1" } },
      { ...PRICE_VALUE, price: true },
      PRICE_REASON,
    ],
    // Set by a request sheet or a revision but not edited here: kept, and shown on the row.
    kept: ["frame_af", "model", "grade", "brand"],
  },
  accessories: {
    title: "부속자재",
    item: "부속",
    add: "부속 추가",
    blank: { kind: "MAGNET", qty: 1 },
    columns: [
      { rel: "kind", label: "종류", choices: LABELS.accessory },
      { rel: "model", label: "모델 (선택)", kind: "text" },
      { rel: "qty", label: "수량", kind: "int", attrs: { min: 1 } },
      { rel: "with_pbl", label: "PBL 포함", kind: "check" },
      PRICE_VALUE, // always shown: an item without a catalog price needs its price
      PRICE_REASON,
    ],
    kept: [],
  },
  extra_lines: {
    title: "추가 항목",
    item: "추가 항목",
    add: "항목 추가",
    blank: { unit: "EA" },
    columns: [
      { rel: "name", label: "품명", kind: "text" },
      { rel: "spec", label: "규격", kind: "text" },
      { rel: "unit", label: "단위", kind: "text", attrs: { size: 4 } },
      { rel: "qty", label: "수량", kind: "number", attrs: { step: "any" } },
      { rel: "unit_price", label: "단가", kind: "int", unit: "원" },
    ],
    kept: [],
  },
};

const NEW_PANEL = {
  quantity: 1,
  enclosure: { location: "INDOOR", mount: "SURFACE", material: "STEEL", kind: "STOCK" },
  main: { type: "MCCB" },
  branches: [{ type: "ELCB" }],
  accessories: [],
  extra_lines: [],
};

// ------------------------------------------------------------------------------------------ controls

function control(rel, kind, value, { choices, attrs = {}, placeholder } = {}) {
  let el;
  if (choices) {
    el = h("select", {}, options(choices, value));
  } else if (kind === "check") {
    el = h("input", { type: "checkbox", checked: Boolean(value) });
  } else {
    const numeric = kind === "int" || kind === "number";
    el = h("input", {
      type: numeric ? "number" : "text",
      inputmode: kind === "int" ? "numeric" : kind === "number" ? "decimal" : null,
      step: kind === "int" ? "1" : null,
      list: kind === "price" ? PRICE_LIST : null,
      autocomplete: "off",
      placeholder,
      ...attrs,
    });
    el.value = kind === "price" ? priceText(value) : kind === "discount" ? discountText(value) : value ?? "";
  }
  el.dataset.rel = rel;
  el.dataset.kind = kind || "choice";
  if (!el.id) el.id = uid("c");
  return el;
}

function input(rel, kind, value, label, { hint, wide, unit, placeholder, attrs } = {}) {
  return field(label, control(rel, kind, value, { placeholder, attrs }), { hint, wide, unit });
}

function choice(rel, pairs, value, label) {
  return field(label, control(rel, "choice", value, { choices: pairs }));
}

// ------------------------------------------------------------------------------- prices, discount

const PRICE_LIST = "price-choices";

function wonNumber(text) {
  const found = /^([\d,]+)\s*원?$/.exec(text);
  return found && /\d/.test(found[1]) ? Number(found[1].replace(/,/g, "")) : null;
}

/** A 단가 cell's text as the request's value: "최저가" → "low", "최고가" → "high", "54,300" → 54300. */
export function priceValue(text) {
  if (/^(최저가?|최소|low)$/i.test(text)) return "low";
  if (/^(최고가?|최대|high)$/i.test(text)) return "high";
  return wonNumber(text) ?? text; // anything else goes as typed: the API says what is wrong at the cell
}

function priceText(value) {
  if (value === undefined || value === null) return "";
  return PRICE_WORDS[value] || String(value);
}

/**
 * The 할인 field's text as the request's discount: "5%" → {percent: 5}, "50,000원" → {amount: 50000}.
 * A bare number below 100 is a percentage and from 100 an amount (docs/decisions.md).
 */
export function discountValue(text) {
  const percent = /^(\d+(?:\.\d+)?)\s*%$/.exec(text);
  if (percent) return { percent: Number(percent[1]) };
  const amount = wonNumber(text);
  if (amount !== null) return amount < 100 && !/원$/.test(text) ? { percent: amount } : { amount };
  return text; // not a discount: the API's answer is shown at the field
}

function discountText(discount) {
  if (!discount) return "";
  if (typeof discount !== "object") return String(discount); // a draft keeps what was typed
  if (discount.percent !== undefined && discount.percent !== null) return `${discount.percent}%`;
  if (discount.amount !== undefined && discount.amount !== null) return `${discount.amount.toLocaleString("ko-KR")}원`;
  return "";
}

function readControl(el) {
  if (el.type === "checkbox") return el.checked ? true : undefined;
  if (el.dataset.kind === "int" || el.dataset.kind === "number") {
    return el.value === "" ? undefined : Number(el.value);
  }
  const text = el.value.trim();
  if (text === "") return undefined;
  if (el.dataset.kind === "price") return priceValue(text);
  if (el.dataset.kind === "discount") return discountValue(text);
  return text;
}

/** The value at a dotted `rel` of a row's values ("unit_price.value"). */
function valueAt(values, rel) {
  return rel.split(".").reduce((node, part) => (node === undefined || node === null ? undefined : node[part]), values);
}

function setPath(target, path, value) {
  const parts = path.split(".");
  let node = target;
  parts.forEach((part, index) => {
    if (index === parts.length - 1) {
      node[part] = value;
      return;
    }
    if (node[part] === undefined) node[part] = /^\d+$/.test(parts[index + 1]) ? [] : {};
    node = node[part];
  });
}

// ------------------------------------------------------------------------------------------ building

/** The customer, project, brand and option controls (paths from the request's root). */
export function headerFields(given) {
  const request = given || {};
  const customer = request.customer || {};
  const brand = request.brand || "LS";
  const mixedReason = input("mixed_reason", "text", request.mixed_reason, "혼용 사유", { wide: true });
  mixedReason.hidden = brand !== "MIXED";
  const brandField = choice("brand", LABELS.brand, brand, "브랜드");

  brandField.querySelector("select").addEventListener("change", (event) => {
    mixedReason.hidden = event.target.value !== "MIXED";
  });
  return h(
    "fieldset",
    { class: "card", "data-path": "customer" },
    h("legend", {}, "고객·건명"),
    h(
      "div",
      { class: "grid" },
      input("customer.name", "text", customer.name, "고객명 (필수)", { attrs: { autocomplete: "organization" } }),
      input("customer.contact", "text", customer.contact, "담당자", { attrs: { autocomplete: "name" } }),
      input("customer.phone", "text", customer.phone, "전화", { attrs: { inputmode: "tel", autocomplete: "tel" } }),
      input("customer.email", "text", customer.email, "이메일", { attrs: { inputmode: "email", autocomplete: "email" } }),
      input("project", "text", request.project, "건명", { wide: true }),
      brandField,
      choice("options.p_cover", LABELS.pCover, (request.options || {}).p_cover || "ACRYLIC", "P-COVER"),
      mixedReason,
    ),
    h("datalist", { id: PRICE_LIST }, Object.values(PRICE_WORDS).map((word) => h("option", { value: word }))),
  );
}

/** The quote's discount (할인/NEGO), after the panels: what comes off the subtotal before VAT. */
export function termsFields(given) {
  const discount = (given || {}).discount;
  return h(
    "fieldset",
    { class: "card terms", "data-terms": "" },
    h("legend", {}, "할인"),
    h(
      "div",
      { class: "grid" },
      input("discount", "discount", discount, "할인 (선택)", {
        placeholder: "예: 5% 또는 50,000원",
        hint: "소계에서 빼고 부가세를 계산합니다. 100 미만의 숫자는 %, 100 이상은 원입니다.",
      }),
      input("discount.reason", "text", (discount || {}).reason, "할인 사유", { placeholder: "예: NEGO" }),
    ),
  );
}

/** One panel's fieldset; `form` is the <form> whose panels it joins. */
export function panelFieldset(form, panel = NEW_PANEL) {
  const enclosure = panel.enclosure || {};
  const main = panel.main || {};
  const sizeMm = enclosure.size_mm || [];
  const legend = h("legend", {}, h("span", { class: "panel-no" }, "분전반"));
  const fieldset = h("fieldset", { class: "card panel", "data-scope": "panel" }, legend);
  const copy = h("button", { type: "button", class: "button-quiet" }, "복사");
  const remove = h("button", { type: "button", class: "button-quiet danger" }, "삭제");
  copy.addEventListener("click", () => {
    const data = readScope(fieldset);
    data.name = `${data.name || "분전반"} 복사`;
    const twin = panelFieldset(form, data);
    fieldset.after(twin);
    renumber(form);
    twin.querySelector("input").focus();
  });
  remove.addEventListener("click", () => {
    const next = fieldset.nextElementSibling || fieldset.previousElementSibling;
    fieldset.remove();
    renumber(form);
    ((next && next.querySelector("legend button")) || form.querySelector("[data-add-panel]")).focus();
  });
  const prices = h("button", { type: "button", class: "button-quiet", "aria-pressed": "false", "data-prices-switch": "" }, "단가 조정");
  prices.addEventListener("click", () => {
    const on = fieldset.dataset.prices !== "on";
    if (!on) fieldset.querySelectorAll("[data-price] input").forEach((el) => (el.value = "")); // hidden: not sent
    showPrices(fieldset, on);
    const first = fieldset.querySelector("[data-price] input");
    if (on && first) first.focus();
  });
  legend.append(h("span", { class: "panel-actions" }, prices, copy, remove));
  showPrices(fieldset, hasPrices(panel));
  fieldset.append(
    h(
      "div",
      { class: "grid" },
      input("name", "text", panel.name, "분전반 이름", { placeholder: "분전반" }),
      input("quantity", "int", panel.quantity ?? 1, "수량 (면)", { attrs: { min: 1 } }),
    ),
    h(
      "fieldset",
      { class: "sub", "data-rel-path": "main" },
      h("legend", {}, "주 차단기 (메인)"),
      h(
        "div",
        { class: "grid" },
        choice("main.type", LABELS.breakerType, main.type || "MCCB", "종류"),
        input("main.poles", "int", main.poles, "극수", { unit: "P", attrs: { min: 2, max: 4 } }),
        input("main.trip_at", "int", main.trip_at, "정격 AT", { unit: "A" }),
        input("main.frame_af", "int", main.frame_af, "프레임 AF (선택)", { unit: "AF", placeholder: "자동" }),
        input("main.model", "text", main.model, "모델 (선택)", { placeholder: "자동" }),
        choice("main.grade", LABELS.grade, main.grade || "", "등급"),
        choice("main.brand", LABELS.catalogBrand, main.brand || "", "제조사 (혼용 시)"),
        priced(input("main.unit_price.value", "price", (main.unit_price || {}).value, "단가 (선택)", { placeholder: "정가" })),
        priced(input("main.unit_price.reason", "text", (main.unit_price || {}).reason, "단가 사유")),
      ),
    ),
    listSection(form, "branches", panel.branches || []),
    h(
      "fieldset",
      { class: "sub", "data-rel-path": "enclosure" },
      h("legend", {}, "외함"),
      h(
        "div",
        { class: "grid" },
        choice("enclosure.location", LABELS.location, enclosure.location || "INDOOR", "설치장소"),
        choice("enclosure.mount", LABELS.mount, enclosure.mount || "SURFACE", "설치방식"),
        choice("enclosure.material", LABELS.material, enclosure.material || "STEEL", "재질"),
        input("enclosure.thickness_mm", "number", enclosure.thickness_mm, "두께 (선택)", {
          unit: "mm",
          attrs: { step: "0.1", min: 0 },
          placeholder: "기본",
        }),
        choice("enclosure.kind", LABELS.kind, enclosure.kind || "STOCK", "기성함 / 주문제작"),
        input("enclosure.series", "text", enclosure.series, "시리즈 (선택)", { placeholder: "자동" }),
        input("enclosure.size_mm.0", "int", sizeMm[0], "폭 W (선택)", { unit: "mm" }),
        input("enclosure.size_mm.1", "int", sizeMm[1], "높이 H (선택)", { unit: "mm" }),
        input("enclosure.size_mm.2", "int", sizeMm[2], "깊이 D (선택)", { unit: "mm" }),
      ),
    ),
    listSection(form, "accessories", panel.accessories || []),
    listSection(form, "extra_lines", panel.extra_lines || []),
  );
  return fieldset;
}

function showPrices(fieldset, on) {
  fieldset.dataset.prices = on ? "on" : "off";
  fieldset.querySelector("[data-prices-switch]").setAttribute("aria-pressed", String(on));
}

/** Turn a panel's 단가 조정 on when one of its hidden price cells got a value (a paste by header). */
export function revealPrices(fieldset) {
  if ([...fieldset.querySelectorAll("[data-price] input")].some((el) => el.value.trim())) showPrices(fieldset, true);
}

/** A field of the price adjustments: shown while its panel's 단가 조정 is on. */
function priced(el) {
  el.dataset.price = "";
  return el;
}

function hasPrices(panel) {
  const lines = [panel.main, ...(panel.branches || []), ...(panel.accessories || [])];
  return lines.some((line) => line && line.unit_price && typeof line.unit_price === "object");
}

function listSection(form, list, rows) {
  const spec = LISTS[list];
  const body = h("tbody", {});
  const add = h("button", { type: "button", class: "button-secondary" }, `+ ${spec.add}`);
  add.addEventListener("click", () => addRow(form, body).querySelector("input, select").focus());
  rows.filter(Boolean).forEach((row) => body.append(listRow(form, list, row)));
  return h(
    "section",
    { class: "sub list", "data-list": list },
    h("h3", {}, spec.title),
    h(
      "div",
      { class: "table-wrap" },
      h(
        "table",
        { class: "rows" },
        h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "#"), spec.columns.map((c) => h("th", { scope: "col", "data-price": c.price ? "" : null }, c.label)), h("th", { scope: "col" }, h("span", { class: "sr-only" }, "삭제")))),
        body,
      ),
    ),
    add,
  );
}

/** A new row at the end of a list's table body (its blank values, or `values`); returns it. */
export function addRow(form, body, values) {
  const list = body.closest("[data-list]").dataset.list;
  const row = listRow(form, list, values || LISTS[list].blank);
  body.append(row);
  renumber(form);
  return row;
}

/** A new row right under `after` (and under its error row), holding `values`; returns it. */
export function insertRow(form, after, values) {
  const list = after.closest("[data-list]").dataset.list;
  const row = listRow(form, list, values);
  const errors = after.nextElementSibling;
  (errors && errors.classList.contains("row-errors") ? errors : after).after(row);
  renumber(form);
  return row;
}

/** The values of one table row, as its controls hold them (with the values it keeps unshown). */
export function rowValues(row) {
  const values = row.dataset.kept ? JSON.parse(row.dataset.kept) : {};
  row.querySelectorAll("[data-rel]").forEach((el) => {
    const value = readControl(el);
    if (value !== undefined) setPath(values, el.dataset.rel, value);
  });
  return values;
}

/** The data row after (step 1) or before (step -1) `row` in its table, skipping error rows; or null. */
export function siblingRow(row, step) {
  let el = step > 0 ? row.nextElementSibling : row.previousElementSibling;
  while (el && !el.matches("tr[data-scope]")) el = step > 0 ? el.nextElementSibling : el.previousElementSibling;
  return el;
}

/** Remove a table row (and its error row); returns the row that takes its place, if any. */
export function removeRow(form, row) {
  const neighbour = siblingRow(row, 1) || siblingRow(row, -1);
  if (row.nextElementSibling && row.nextElementSibling.classList.contains("row-errors")) row.nextElementSibling.remove();
  row.remove();
  renumber(form);
  return neighbour;
}

function listRow(form, list, given) {
  const spec = LISTS[list];
  // An accessory's plain number price (a request sheet, an older quote) is the 단가 cell's value.
  const values = list === "accessories" && typeof given.unit_price === "number" ? { ...given, unit_price: { value: given.unit_price } } : given;
  const row = h("tr", { "data-scope": "row" });
  const kept = Object.fromEntries(spec.kept.filter((k) => values[k] !== undefined && values[k] !== null).map((k) => [k, values[k]]));
  if (Object.keys(kept).length) row.dataset.kept = JSON.stringify(kept);
  const number = h("td", { class: "row-no" }, h("span", { class: "row-item" }, `${spec.item} `), h("span", { class: "idx" }));
  row.append(number);
  if (row.dataset.kept) {
    const text = Object.values(kept).join(" · ");
    number.append(h("span", { class: "kept", title: `지정된 값, 그대로 유지: ${text}` }, text));
  }
  for (const column of spec.columns) {
    const el = control(column.rel, column.kind, valueAt(values, column.rel), { choices: column.choices, attrs: column.attrs });
    el.dataset.column = column.label;
    row.append(h("td", { "data-label": column.label, "data-price": column.price ? "" : null }, column.unit ? h("div", { class: "with-unit" }, el, h("span", { class: "unit", "aria-hidden": "true" }, column.unit)) : el));
  }
  const remove = h("button", { type: "button", class: "button-quiet danger" }, "삭제");
  remove.addEventListener("click", () => {
    const section = row.closest("section");
    const neighbour = removeRow(form, row);
    ((neighbour && neighbour.querySelector("input, select")) || section.querySelector(":scope > button")).focus();
  });
  row.append(h("td", {}, remove));
  return row;
}

/** Give every scope and control its current path, and the table controls their labels. */
export function renumber(form) {
  const panels = [...form.querySelectorAll("fieldset.panel")];
  panels.forEach((panel, index) => {
    panel.dataset.path = `panels.${index}`;
    panel.querySelector(".panel-no").textContent = `분전반 ${index + 1}`;
    panel.querySelector("legend .danger").disabled = panels.length === 1;
    panel.querySelectorAll("[data-rel-path]").forEach((sub) => {
      sub.dataset.path = `panels.${index}.${sub.dataset.relPath}`;
    });
    panel.querySelectorAll("[data-list]").forEach((section) => {
      const list = section.dataset.list;
      section.dataset.path = `panels.${index}.${list}`;
      section.querySelectorAll("tr[data-scope]").forEach((row, rowIndex) => {
        row.dataset.path = `panels.${index}.${list}.${rowIndex}`;
        row.querySelector(".idx").textContent = String(rowIndex + 1);
        row.querySelectorAll("[data-rel]").forEach((el) => {
          el.setAttribute("aria-label", `분전반 ${index + 1} ${LISTS[list].item} ${rowIndex + 1} ${el.dataset.column}`);
        });
      });
    });
  });
  form.querySelectorAll("[data-rel]").forEach((el) => {
    const scope = el.parentElement.closest("[data-scope]");
    el.dataset.path = scope ? `${scope.dataset.path}.${el.dataset.rel}` : el.dataset.rel;
  });
}

// ------------------------------------------------------------------------------------------- reading

function readScope(scope) {
  const base = scope.dataset.path ? `${scope.dataset.path}.` : "";
  const data = {};
  scope.querySelectorAll("[data-kept]").forEach((row) => {
    for (const [key, value] of Object.entries(JSON.parse(row.dataset.kept))) {
      setPath(data, `${row.dataset.path.slice(base.length)}.${key}`, value);
    }
  });
  scope.querySelectorAll("input[data-path], select[data-path]").forEach((el) => {
    const value = readControl(el);
    if (value !== undefined) setPath(data, el.dataset.path.slice(base.length), value);
  });
  return data;
}

/** A row the user never filled in: every input still holds its list's blank value. */
function isBlankRow(row) {
  const blank = LISTS[row.closest("[data-list]").dataset.list].blank;
  const untouched = (el) => (el.type === "checkbox" ? !el.checked : el.value === String(blank[el.dataset.rel] ?? ""));
  return !row.dataset.kept && [...row.querySelectorAll("input")].every(untouched);
}

/** The request JSON of the form. Rows left entirely empty are dropped first (from the form too). */
export function readRequest(form) {
  form.querySelectorAll("tr[data-scope]").forEach((row) => {
    if (isBlankRow(row)) {
      if (row.nextElementSibling && row.nextElementSibling.classList.contains("row-errors")) row.nextElementSibling.remove();
      row.remove();
    }
  });
  renumber(form);
  return finish(readScope(form));
}

/**
 * The request the form would save, read without changing the form (rows left empty are left out of
 * the request, not removed from the screen), and `screenPath(path)`: the control's path of a path of
 * that request (panels.0.branches.0 is the second row on screen when the first is still empty).
 */
export function previewRequest(form) {
  const request = readScope(form);
  const moved = new Map();
  form.querySelectorAll("fieldset.panel").forEach((fieldset, p) => {
    const panel = (request.panels || [])[p];
    if (!panel) return;
    fieldset.querySelectorAll("[data-list]").forEach((section) => {
      const list = section.dataset.list;
      const kept = [];
      section.querySelectorAll("tr[data-scope]").forEach((row, i) => {
        if (isBlankRow(row)) return;
        moved.set(`panels.${p}.${list}.${kept.length}`, `panels.${p}.${list}.${i}`);
        kept.push((panel[list] || [])[i] || {});
      });
      panel[list] = kept;
    });
  });
  const screenPath = (path) => {
    const found = /^(panels\.\d+\.[a-z_]+\.\d+)(.*)$/.exec(path || "");
    return found && moved.has(found[1]) ? moved.get(found[1]) + found[2] : path;
  };
  return { request: finish(request), screenPath };
}

function finish(request) {
  request.customer = request.customer || {}; // so that a missing name is reported at customer.name
  if (request.brand !== "MIXED") delete request.mixed_reason;
  for (const panel of request.panels || []) {
    const size = panel.enclosure && panel.enclosure.size_mm;
    if (size) panel.enclosure.size_mm = [0, 1, 2].map((i) => (size[i] === undefined ? null : size[i]));
    panel.main = panel.main || {};
    for (const list of Object.keys(LISTS)) panel[list] = panel[list] || [];
  }
  return request;
}

/** What the form holds, as typed (blank rows too), without changing it: what a draft keeps. */
export function snapshot(form) {
  return readScope(form);
}

/** Replace the form's content with `request` (from a request sheet or a quote being revised). */
export function fillForm(form, request) {
  const panels = form.querySelector("[data-panels]");
  form.querySelector("fieldset[data-path='customer']").replaceWith(headerFields(request));
  form.querySelector("fieldset[data-terms]").replaceWith(termsFields(request));
  panels.replaceChildren(...(request.panels && request.panels.length ? request.panels : [NEW_PANEL]).map((p) => panelFieldset(form, p)));
  renumber(form);
}
