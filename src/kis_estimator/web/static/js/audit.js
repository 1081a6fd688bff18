// 감사 기록 (admins): who did what and when, searched by who, action and time (GET /v1/audit).
// The search lives in the address (/audit?who=kim&action=quote.), so Back and a shared link keep it.

import { ApiError, request } from "./api.js";
import { clear, field, h } from "./dom.js";

const FILTERS = ["who", "action", "since", "until"];
const ACTIONS = {
  "login.success": "로그인",
  "login.failure": "로그인 실패",
  logout: "로그아웃",
  "quote.create": "견적 작성",
  "quote.revise": "개정",
  "quote.status": "상태 변경",
  "quote.price_override": "단가 조정",
  "quote.discount": "할인",
  "pricebook.import": "가격표 가져오기",
  "pricebook.activate": "가격표 활성화",
  "key.create": "API 키 발급",
  "key.revoke": "API 키 폐기",
  "user.create": "사용자 생성",
  "user.disable": "사용자 사용 중지",
  "user.reset_password": "비밀번호 재설정",
};

export async function render(main, view) {
  const params = new URLSearchParams(location.search);
  const inputs = {
    who: h("input", { type: "search", value: params.get("who") || "", autocomplete: "off" }),
    action: h("select", {}, h("option", { value: "" }, "전체"), Object.entries(ACTIONS).map(([value, name]) => h("option", { value, selected: params.get("action") === value }, name))),
    since: h("input", { type: "date", value: (params.get("since") || "").slice(0, 10) }),
    until: h("input", { type: "date", value: (params.get("until") || "").slice(0, 10) }),
  };
  const results = h("div", { class: "results", "aria-live": "polite" });
  const form = h(
    "form",
    { class: "card search", role: "search", "aria-label": "감사 기록 검색" },
    h("div", { class: "grid" }, field("누가 (이름·user:·key:)", inputs.who), field("무엇을", inputs.action), field("부터", inputs.since), field("까지 (그날 포함)", inputs.until)),
    h("div", { class: "button-row" }, h("button", { type: "submit", class: "button-primary" }, "검색")),
  );

  async function load(page, push) {
    const search = new URLSearchParams();
    for (const name of FILTERS) if (inputs[name].value.trim()) search.set(name, inputs[name].value.trim());
    if (push) history.pushState({}, "", `/audit${search.toString() ? `?${search}` : ""}`);
    const query = new URLSearchParams(search);
    if (query.has("until")) query.set("until", nextDay(query.get("until")));
    query.set("page", String(page));
    try {
      const answer = await request(`/v1/audit?${query}`);
      if (view.alive()) clear(results, table(answer), pager(answer, (p) => load(p, false)));
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      clear(results, h("p", { class: "inline-error", role: "alert" }, error.message, h("br"), error.envelope.hint || ""));
    }
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    load(1, true);
  });
  main.append(h("div", { class: "page-head" }, h("h1", { id: "page-title", tabindex: "-1" }, "감사 기록")), form, results);
  await load(1, false);
}

function nextDay(day) {
  const date = new Date(`${day}T00:00:00Z`);
  if (Number.isNaN(date.getTime())) return day; // the API names what is wrong with it
  date.setUTCDate(date.getUTCDate() + 1);
  return date.toISOString().slice(0, 10);
}

function table(answer) {
  if (!answer.items.length) return h("p", { class: "empty" }, "조건에 맞는 기록이 없습니다.");
  return h(
    "div",
    { class: "table-wrap" },
    h(
      "table",
      { class: "audit" },
      h("caption", {}, `기록 ${answer.total}건`),
      h("thead", {}, h("tr", {}, ["언제", "누가", "무엇을", "대상", "내용", "추적 ID"].map((name) => h("th", { scope: "col" }, name)))),
      h(
        "tbody",
        {},
        answer.items.map((item) =>
          h(
            "tr",
            { "data-action": item.action },
            h("td", { class: "date" }, new Date(item.at).toLocaleString("ko-KR")),
            h("td", {}, item.name ? `${item.name} (${item.who})` : item.who),
            h("td", {}, ACTIONS[item.action] || item.action),
            h("td", {}, item.detail && item.detail.number ? item.detail.number : item.target || ""),
            h("td", { class: "detail" }, Object.keys(item.detail || {}).length ? JSON.stringify(item.detail) : ""),
            h("td", { class: "trace" }, item.traceId || ""),
          ),
        ),
      ),
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
  return h("nav", { class: "pager", "aria-label": "페이지" }, previous, h("span", { "aria-current": "page" }, `${answer.page} / ${pages} 페이지`), next);
}
