// The catalog in use (breakers, enclosures, accessories) with search and filters, the price-book
// versions, and (admin) importing a price book.

import { ApiError, request, session } from "./api.js";
import { LABELS, clear, field, filePicker, h, label, num, options, toast, won } from "./dom.js";
import { impactBanner } from "./impact.js";

const ALL = [["", "전체"]];
const KINDS = {
  breakers: {
    title: "차단기",
    filters: [
      ["brand", "제조사", [...ALL, ["LS", "LS"], ["SANGDO", "상도"]]],
      ["type", "종류", [...ALL, ...LABELS.breakerType]],
      ["poles", "극수", [...ALL, ["2", "2P"], ["3", "3P"], ["4", "4P"]]],
      ["trip_at", "정격 AT 포함", "number"],
    ],
    columns: [
      ["모델", (r) => h("strong", {}, r.model)],
      ["제조사", (r) => label("brand", r.brand)],
      ["종류", (r) => r.type],
      ["등급", (r) => ({ ECONOMY: "경제형", STANDARD: "표준형", BOTH: "공용" })[r.grade] || r.grade],
      ["극수", (r) => `${r.poles}P`],
      ["AF", "num", (r) => r.frame_af],
      ["가격", "money", (r) => price(r.price_krw)],
      ["kA", "num", (r) => range(r.icu_ka)],
      ["정격 AT", "wrap", (r) => (r.trip_ratings_a || []).join(", ")],
      ["W×H×D (mm)", (r) => dims(r)],
    ],
  },
  enclosures: {
    title: "외함",
    filters: [
      ["material", "재질", [...ALL, ...LABELS.material]],
      ["location", "설치장소", [...ALL, ...LABELS.location]],
    ],
    columns: [
      ["시리즈", (r) => r.series],
      ["모델", (r) => h("strong", {}, r.model)],
      ["재질", (r) => `${label("material", r.material)} ${num(r.thickness_mm)}T`],
      ["설치장소", (r) => label("location", r.location)],
      ["W×H×D (mm)", (r) => dims(r)],
      ["가격", "money", (r) => price(r.price_krw)],
    ],
  },
  accessories: {
    title: "부속자재",
    filters: [["type", "종류", [...ALL, ...LABELS.accessory]]],
    columns: [
      ["종류", (r) => label("accessory", r.kind)],
      ["모델", (r) => h("strong", {}, r.model)],
      ["품명", (r) => r.line_name],
      ["규격", (r) => r.spec],
      ["단위", (r) => r.unit],
      ["가격", "money", (r) => price(r.price_krw)],
      ["비고", (r) => r.note || ""],
    ],
  },
};
const PAGE_SIZE = 25;

function dims(row) {
  return [row.w_mm, row.h_mm, row.d_mm].some((v) => v === null || v === undefined) ? h("span", { class: "gap" }, "치수 없음") : `${row.w_mm}×${row.h_mm}×${row.d_mm}`;
}

function range(value) {
  return Array.isArray(value) ? value.map(num).join("~") : num(value);
}

function price(value) {
  if (value === null || value === undefined || value === "") return h("span", { class: "gap" }, "가격 없음");
  return Array.isArray(value) ? `${value.map(num).join("~")}원` : won(value);
}

export async function render(main, view) {
  const params = new URLSearchParams(location.search);
  const state = { kind: KINDS[params.get("kind")] ? params.get("kind") : "breakers" };
  const tabs = h("div", { class: "tabs", role: "tablist", "aria-label": "카탈로그 종류" });
  const panel = h("div", { class: "tab-panel", role: "tabpanel", id: "catalog-panel", tabindex: "-1" });
  const buttons = Object.entries(KINDS).map(([kind, spec]) => {
    const tab = h("button", { type: "button", role: "tab", id: `tab-${kind}`, "aria-controls": "catalog-panel" }, spec.title);
    tab.addEventListener("click", () => select(kind));
    return tab;
  });
  tabs.append(...buttons);
  tabs.addEventListener("keydown", (event) => {
    const index = buttons.indexOf(document.activeElement);
    const step = { ArrowRight: 1, ArrowLeft: -1 }[event.key];
    if (index < 0 || !step) return;
    const next = buttons[(index + step + buttons.length) % buttons.length];
    next.focus();
    next.click();
  });

  function select(kind) {
    state.kind = kind;
    history.replaceState({}, "", `/catalog?kind=${kind}`);
    buttons.forEach((tab) => {
      const on = tab.id === `tab-${kind}`;
      tab.setAttribute("aria-selected", String(on));
      tab.tabIndex = on ? 0 : -1;
    });
    panel.setAttribute("aria-labelledby", `tab-${kind}`);
    clear(panel, searchView(kind, view));
  }

  const books = await priceBooks(view, () => select(state.kind)); // a new active book changes the rows
  main.append(h("h1", { id: "page-title", tabindex: "-1" }, "카탈로그"), tabs, panel, books);
  select(state.kind);
}

function searchView(kind, view) {
  const spec = KINDS[kind];
  const q = h("input", { type: "search", autocomplete: "off", placeholder: kind === "accessories" ? "예: MC-22, 타이머" : "예: ABN, SC 70" });
  const filters = spec.filters.map(([name, text, choices]) => {
    const control = choices === "number" ? h("input", { type: "number", inputmode: "numeric", min: 1 }) : h("select", {}, options(choices, ""));
    control.dataset.filter = name;
    return field(text, control);
  });
  const results = h("div", { class: "results", "aria-live": "polite" });
  const form = h("form", { class: "card search", role: "search", "aria-label": `${spec.title} 검색` }, h("div", { class: "grid" }, field("검색어 (모델·이름)", q, { wide: true }), filters), h("div", { class: "button-row" }, h("button", { type: "submit", class: "button-primary" }, "검색")));

  async function load(page) {
    const query = new URLSearchParams({ page: String(page), size: String(PAGE_SIZE) });
    if (q.value.trim()) query.set("q", q.value.trim());
    form.querySelectorAll("[data-filter]").forEach((control) => {
      if (control.value) query.set(control.dataset.filter, control.value);
    });
    try {
      const answer = await request(`/v1/catalog/${kind}?${query}`);
      if (view.alive()) clear(results, catalogTable(spec, answer), pager(answer, load));
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      clear(results, h("p", { class: "inline-error", role: "alert" }, error.message, h("br"), error.envelope.hint || ""));
    }
  }
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    load(1);
  });
  load(1);
  return [form, results];
}

/** A column is [title, cell] or [title, class, cell]. */
function cellClass(column) {
  return column.length === 3 ? column[1] : null;
}

function catalogTable(spec, answer) {
  const source = answer.priceBookId ? `가격표 #${answer.priceBookId}` : "기본 카탈로그";
  if (!answer.items.length) return h("p", { class: "empty" }, `찾는 ${spec.title}이(가) 없습니다 (${source}).`);
  return h(
    "div",
    { class: "table-wrap" },
    h(
      "table",
      { class: "catalog" },
      h("caption", {}, `${spec.title} ${answer.total}건 · ${source}`),
      h("thead", {}, h("tr", {}, spec.columns.map((column) => h("th", { scope: "col", class: cellClass(column) }, column[0])))),
      h("tbody", {}, answer.items.map((row) => h("tr", {}, spec.columns.map((column) => h("td", { class: cellClass(column) }, column[column.length - 1](row)))))),
    ),
  );
}

function pager(answer, go) {
  const pages = Math.max(1, Math.ceil(answer.total / answer.size));
  if (pages === 1) return null;
  const previous = h("button", { type: "button", class: "button-secondary", disabled: answer.page <= 1 }, "← 이전");
  const next = h("button", { type: "button", class: "button-secondary", disabled: answer.page >= pages }, "다음 →");
  previous.addEventListener("click", () => go(answer.page - 1));
  next.addEventListener("click", () => go(answer.page + 1));
  return h("nav", { class: "pager", "aria-label": "페이지" }, previous, h("span", {}, `${answer.page} / ${pages} 페이지`), next);
}

// ------------------------------------------------------------------------------------- price books

const BOOK_STATE = { draft: "대기", active: "사용 중", retired: "지난 버전" };

async function priceBooks(view, onImported) {
  const list = h("div", { class: "books" });
  async function refresh() {
    try {
      const books = await request("/v1/catalog/price-books");
      if (!view.alive()) return;
      clear(
        list,
        books.length
          ? h(
              "div",
              { class: "table-wrap" },
              h(
                "table",
                { class: "books-table" },
                h("caption", {}, `가격표 버전 ${books.length}개`),
                h("thead", {}, h("tr", {}, ["번호", "이름", "상태", "차단기", "외함", "부속", "등록"].map((name, i) => h("th", { scope: "col", class: i >= 3 && i <= 5 ? "num" : null }, name)))),
                h("tbody", {}, books.map((book) => h("tr", {}, h("td", {}, `#${book.id}`), h("td", {}, book.label), h("td", {}, BOOK_STATE[book.state] || book.state), h("td", { class: "num" }, book.items.breakers), h("td", { class: "num" }, book.items.enclosures), h("td", { class: "num" }, book.items.accessories), h("td", {}, (book.created_at || "").slice(0, 16).replace("T", " "))))),
              ),
            )
          : h("p", { class: "muted" }, "가져온 가격표가 없습니다. 기본 카탈로그로 견적합니다."),
      );
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      clear(list, h("p", { class: "inline-error" }, error.message));
    }
  }
  await refresh();
  return h(
    "section",
    { class: "card", "aria-labelledby": "books-title" },
    h("h2", { id: "books-title" }, "가격표"),
    list,
    session.isAdmin
      ? importForm(async () => {
          await refresh();
          onImported();
        })
      : h("p", { class: "muted" }, "가격표 가져오기는 관리자 키로 로그인했을 때 할 수 있습니다."),
  );
}

function importForm(refresh) {
  const file = h("input", { type: "file", accept: ".zip,.xlsx,.csv" });
  const name = h("input", { type: "text", autocomplete: "off", maxlength: 100 });
  const activate = h("input", { type: "checkbox" });
  const result = h("div", { role: "status", "aria-live": "polite" });
  const submit = h("button", { type: "submit", class: "button-primary" }, "가져오기");
  const form = h(
    "form",
    { class: "import", "aria-labelledby": "import-title" },
    h("h3", { id: "import-title" }, "가격표 가져오기 (관리자)"),
    h("p", { class: "muted" }, "CSV 3개를 묶은 .zip, 시트 3개짜리 .xlsx, 또는 breakers.csv 같은 CSV 하나를 올립니다. 모든 칸을 검사한 뒤 새 버전으로 저장합니다."),
    h("div", { class: "grid" }, field("가격표 파일", filePicker(file), { wide: true }), field("이름 (선택)", name), h("div", { class: "field check" }, h("label", {}, activate, " 바로 사용 (활성화)"))),
    submit,
    result,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!file.files.length) {
      clear(result, h("p", { class: "inline-error" }, "가격표 파일을 골라 주세요."));
      return;
    }
    const upload = new FormData();
    upload.append("file", file.files[0]);
    if (name.value.trim()) upload.append("label", name.value.trim());
    upload.append("activate", activate.checked ? "true" : "false");
    submit.disabled = true;
    clear(result, h("p", {}, "가격표를 검사하는 중…"));
    try {
      const book = await request("/v1/catalog/import", { method: "POST", form: upload });
      const counts = `차단기 ${book.items.breakers}, 외함 ${book.items.enclosures}, 부속 ${book.items.accessories}`;
      clear(result, h("p", { class: "inline-ok", "data-testid": "import-ok" }, `가격표 #${book.id} ‘${book.label}’ 저장됨 (${BOOK_STATE[book.state] || book.state}; ${counts}).`));
      toast(`가격표 #${book.id}을(를) 저장했습니다.`);
      await refresh();
      result.append(await impactBanner(book, refresh)); // which open quotes the new prices change
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      const problems = error.problems;
      clear(
        result,
        h("div", { class: "inline-error" }, h("p", {}, error.message), h("p", { class: "error-hint" }, error.envelope.hint || ""), problems.length > 1 ? h("ul", {}, problems.slice(0, 50).map((p) => h("li", {}, `${p.path || ""} ${p.message}`))) : null),
      );
    } finally {
      submit.disabled = false;
    }
  });
  return form;
}
