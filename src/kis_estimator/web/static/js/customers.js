// 거래처: the customer list (search, create, import with findings by row), a customer's page (its
// terms, edit, its quotes with their statuses), and the new-quote form's customer pick that fills the
// customer block and its default discount (GET /v1/customers?q=).

import { ApiError, request, session } from "./api.js";
import { clear, field, filePicker, h, statusBadge, toast, uid, won } from "./dom.js";
import { clearErrors, clearOnEdit, showErrors } from "./errors.js";
import { navigate } from "./router.js";
import { sayText } from "./words.js";

const WEIGHTS = [1, 3, 7, 1, 3, 7, 1, 3, 5];

/** The Korean business registration number's check digit (the server checks it again). */
export function businessNumberProblem(text) {
  const digits = (text || "").replace(/[-\s]/g, "");
  if (digits === "") return null;
  if (!/^\d{10}$/.test(digits)) return "사업자등록번호는 숫자 10자리입니다 (예: 123-45-67891).";
  const d = [...digits].map(Number);
  const sum = WEIGHTS.reduce((total, w, i) => total + w * d[i], 0) + Math.floor((d[8] * 5) / 10);
  return (10 - (sum % 10)) % 10 === d[9] ? null : "사업자등록번호가 올바르지 않습니다 (검증 숫자가 맞지 않음). 사업자등록증의 번호를 확인해 주세요.";
}

/** A live check of a business-number input: its message under the field as the user types. */
export function checkBusinessNumber(input) {
  const note = h("p", { class: "bn-check", id: uid("bn"), role: "alert", hidden: true });
  input.after(note);
  input.addEventListener("input", () => {
    const problem = businessNumberProblem(input.value);
    note.hidden = !problem;
    note.textContent = problem || ""; // an alert, read out as typed (aria-invalid is the server's errors')
  });
}

function text(path, label, value, attrs = {}) {
  const input = h("input", { type: "text", autocomplete: "off", ...attrs });
  input.value = value ?? "";
  input.dataset.path = path;
  input.id = uid("cu");
  return field(label, input);
}

const FIELDS = [
  ["name", "상호 (필수)"],
  ["business_number", "사업자등록번호"],
  ["representative", "대표"],
  ["contact", "담당자"],
  ["phone", "전화"],
  ["email", "이메일"],
  ["address", "주소"],
];

function customerForm(customer, onSaved) {
  const c = customer || {};
  const summary = h("div", { class: "error-summary", tabindex: "-1", hidden: true, role: "alert" });
  const form = h(
    "form",
    { class: "card", novalidate: true, "aria-label": customer ? "거래처 고치기" : "거래처 등록" },
    summary,
    h("div", { class: "grid" }, ...FIELDS.map(([path, label]) => text(path, label, c[path], path === "address" ? { size: 40 } : {}))),
    h(
      "fieldset",
      {},
      h("legend", {}, "기본 조건"),
      h(
        "div",
        { class: "grid" },
        field("기본 할인율", h("input", { type: "number", step: "0.01", min: "0", max: "99.99", "data-path": "discount_percent", value: c.discount_percent ?? "" }), { unit: "%" }),
        text("payment_terms", "결제조건", c.payment_terms),
        field("견적 유효기간", h("input", { type: "number", step: "1", min: "1", max: "365", "data-path": "validity_days", value: c.validity_days ?? "" }), { unit: "일" }),
      ),
    ),
    h("div", { class: "button-row" }, h("button", { type: "submit", class: "button-primary" }, customer ? "저장" : "거래처 등록")),
  );
  checkBusinessNumber(form.querySelector('[data-path="business_number"]'));
  clearOnEdit(form);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form);
    const body = {};
    form.querySelectorAll("[data-path]").forEach((el) => {
      const value = el.value.trim();
      if (el.type === "number") body[el.dataset.path] = value === "" ? null : Number(value);
      else body[el.dataset.path] = value;
    });
    if (!body.business_number) body.business_number = null;
    const local = businessNumberProblem(body.business_number);
    if (local) {
      showErrors(form, [{ code: "CUSTOMER_INVALID", message: local, path: "business_number" }]);
      return;
    }
    try {
      const saved = customer
        ? await request(`/v1/customers/${encodeURIComponent(customer.id)}`, { method: "PUT", json: body })
        : await request("/v1/customers", { method: "POST", json: body });
      onSaved(saved);
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      const envelope = error.envelope;
      showErrors(form, envelope.meta && envelope.meta.errors ? envelope.meta.errors : [envelope]);
    }
  });
  return form;
}

function importSection(onDone) {
  const input = h("input", { type: "file", accept: ".csv,.xlsx", "aria-label": "거래처 목록 파일" });
  const report = h("div", { "aria-live": "polite", "data-testid": "import-report" });
  const button = h("button", { type: "submit", class: "button-secondary" }, "가져오기");
  const form = h(
    "form",
    { class: "card", "aria-label": "거래처 목록 가져오기" },
    h("h2", {}, "목록 가져오기 (CSV·엑셀)"),
    h("p", { class: "muted" }, "첫 줄: 상호, 사업자등록번호, 대표, 담당자, 전화, 이메일, 주소, 할인율, 결제조건, 유효기간. 같은 상호는 고쳐 쓰고, 문제가 있는 줄은 건너뜁니다."),
    filePicker(input),
    h("div", { class: "button-row" }, button),
    report,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!input.files.length) {
      clear(report, h("p", { class: "inline-error" }, "파일을 골라 주세요."));
      return;
    }
    const data = new FormData();
    data.append("file", input.files[0]);
    button.disabled = true;
    try {
      const answer = await request("/v1/customers/import", { method: "POST", form: data });
      clear(
        report,
        h("p", {}, `새로 등록 ${answer.created}곳, 고침 ${answer.updated}곳, 건너뜀 ${answer.skipped}줄`),
        answer.findings.length
          ? h(
              "table",
              { class: "findings" },
              h("caption", {}, "건너뛴 줄"),
              h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "행"), h("th", { scope: "col" }, "항목"), h("th", { scope: "col" }, "이유"))),
              h("tbody", {}, answer.findings.map((f) => h("tr", {}, h("td", { class: "num" }, f.row ?? "—"), h("td", {}, f.path), h("td", {}, sayText(f.message))))),
            )
          : null,
      );
      onDone();
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      clear(report, h("p", { class: "inline-error" }, sayText(error.message)), error.envelope.hint ? h("p", { class: "error-hint" }, sayText(error.envelope.hint)) : null);
    } finally {
      button.disabled = false;
    }
  });
  return form;
}

export async function renderList(main, view) {
  const canEdit = session.role !== "viewer";
  const q = new URLSearchParams(location.search).get("q") || "";
  const search = h("input", { type: "search", value: q, "aria-label": "거래처 검색 (상호·담당자·사업자번호)", placeholder: "상호·담당자·사업자번호", "data-autofocus": "" });
  const results = h("div", { class: "results", "aria-live": "polite" });
  async function load() {
    const answer = await request(`/v1/customers?${new URLSearchParams({ q: search.value.trim(), size: "100" })}`);
    if (!view.alive()) return;
    if (!answer.items.length) {
      clear(results, h("p", { class: "empty" }, search.value.trim() ? "찾는 거래처가 없습니다." : "등록된 거래처가 없습니다."));
      return;
    }
    clear(
      results,
      h(
        "div",
        { class: "table-wrap" },
        h(
          "table",
          { class: "quotes customers" },
          h("caption", {}, `거래처 ${answer.total}곳`),
          h("thead", {}, h("tr", {}, ["상호", "사업자등록번호", "담당자", "전화", "기본 할인"].map((name) => h("th", { scope: "col" }, name)))),
          h(
            "tbody",
            {},
            answer.items.map((c) =>
              h(
                "tr",
                { "data-customer": c.id },
                h("th", { scope: "row" }, h("a", { href: `/customers/${encodeURIComponent(c.id)}`, "data-link": "" }, c.name)),
                h("td", {}, c.business_number || ""),
                h("td", {}, c.contact),
                h("td", {}, c.phone),
                h("td", { class: "num" }, c.discount_percent == null ? "" : `${c.discount_percent}%`),
              ),
            ),
          ),
        ),
      ),
    );
  }
  let timer = null;
  search.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(() => load().catch((error) => toast(sayText(error.message))), 200);
  });
  main.append(
    h("div", { class: "page-head" }, h("h1", { id: "page-title", tabindex: "-1" }, "거래처")),
    h("div", { class: "card" }, search),
    results,
  );
  if (canEdit) {
    main.append(
      h("h2", {}, "새 거래처"),
      customerForm(null, (saved) => {
        toast(`거래처 ‘${saved.name}’을(를) 등록했습니다.`);
        navigate(`/customers/${encodeURIComponent(saved.id)}`);
      }),
      importSection(() => load()),
    );
  }
  await load();
}

export async function renderOne(main, view, id) {
  const customer = await request(`/v1/customers/${encodeURIComponent(id)}`);
  if (!view.alive()) return;
  const quotes = customer.quotes.length
    ? h(
        "div",
        { class: "table-wrap" },
        h(
          "table",
          { class: "quotes" },
          h("caption", {}, `견적 ${customer.quotes.length}건`),
          h("thead", {}, h("tr", {}, ["견적번호", "건명", "견적일", "상태", "합계"].map((name) => h("th", { scope: "col" }, name)))),
          h(
            "tbody",
            {},
            customer.quotes.map((q) =>
              h(
                "tr",
                { "data-quote": q.id },
                h("th", { scope: "row" }, h("a", { href: `/quotes/${encodeURIComponent(q.id)}`, "data-link": "" }, q.number)),
                h("td", {}, q.project || ""),
                h("td", { class: "date" }, q.date),
                h("td", {}, statusBadge(q.status)),
                h("td", { class: "num" }, won(q.total)),
              ),
            ),
          ),
        ),
      )
    : h("p", { class: "empty" }, "이 상호로 만든 견적이 아직 없습니다.");
  const actions = h("div", { class: "button-row" });
  if (session.role !== "viewer") {
    const start = h("a", { class: "button-primary", href: `/?customer=${encodeURIComponent(customer.id)}`, "data-link": "" }, "이 거래처로 새 견적");
    const remove = h("button", { type: "button", class: "button-quiet danger" }, "거래처 삭제");
    remove.addEventListener("click", async () => {
      if (!window.confirm(`거래처 ‘${customer.name}’을(를) 지울까요? 견적은 그대로 남습니다.`)) return;
      await request(`/v1/customers/${encodeURIComponent(customer.id)}`, { method: "DELETE" });
      toast("거래처를 지웠습니다.");
      navigate("/customers");
    });
    actions.append(start, remove);
  }
  main.append(
    h("div", { class: "page-head" }, h("h1", { id: "page-title", tabindex: "-1" }, customer.name), actions),
    h("p", { class: "lead" }, [customer.business_number, customer.contact && `담당 ${customer.contact}`, customer.discount_percent != null && `기본 할인 ${customer.discount_percent}%`, customer.payment_terms].filter(Boolean).join(" · ")),
    h("section", { "aria-label": "이 거래처의 견적" }, h("h2", {}, "견적과 상태"), quotes),
  );
  if (session.role !== "viewer") {
    main.append(
      h("h2", {}, "거래처 정보 고치기"),
      customerForm(customer, (saved) => {
        toast(`‘${saved.name}’을(를) 저장했습니다.`);
        navigate(`/customers/${encodeURIComponent(saved.id)}`, { force: true });
      }),
    );
  }
}

// ------------------------------------------------------------------------ the new-quote form's pick

function setIfEmpty(form, path, value) {
  const el = form.querySelector(`[data-path="${path}"]`);
  if (!el || value == null || value === "" || el.value.trim() !== "") return false;
  el.value = String(value);
  el.dispatchEvent(new Event("input", { bubbles: true }));
  return true;
}

/** Fill the customer block and the default discount from a customer record (empty fields only). */
export function applyCustomer(form, customer) {
  const name = form.querySelector('[data-path="customer.name"]');
  if (name && name.value.trim() !== customer.name) {
    name.value = customer.name;
    name.dispatchEvent(new Event("input", { bubbles: true }));
  }
  setIfEmpty(form, "customer.contact", customer.contact);
  setIfEmpty(form, "customer.phone", customer.phone);
  setIfEmpty(form, "customer.email", customer.email);
  const discounted = customer.discount_percent != null && setIfEmpty(form, "discount", `${customer.discount_percent}%`);
  toast(discounted ? `거래처 ‘${customer.name}’의 기본 할인 ${customer.discount_percent}%를 넣었습니다.` : `거래처 ‘${customer.name}’의 정보를 채웠습니다.`);
}

/** When the customer name typed (or picked from the suggestions) is a customer's 상호, fill its block. */
export function pickCustomers(form) {
  form.addEventListener("change", async (event) => {
    if (!event.target.matches || !event.target.matches('[data-path="customer.name"]')) return;
    const name = event.target.value.trim();
    if (!name) return;
    try {
      const answer = await request(`/v1/customers?${new URLSearchParams({ q: name, size: "10" })}`);
      const found = answer.items.find((c) => c.name === name);
      if (found) applyCustomer(form, found);
    } catch (error) {
      if (!(error instanceof ApiError)) throw error; // a convenience: say nothing
    }
  });
}

/** The customer a new quote starts from (/?customer={id}, the customer page's 새 견적). */
export async function startFromCustomer(form) {
  const id = new URLSearchParams(location.search).get("customer");
  if (!id) return;
  try {
    applyCustomer(form, await request(`/v1/customers/${encodeURIComponent(id)}`));
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
  }
}
