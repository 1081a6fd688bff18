// 작성 중: the caller's drafts (GET /v1/drafts), newest change first, each opened at /drafts/{id} in
// any tab; and 복사해서 새 견적 on a quote page (POST /v1/estimate/{id}/copy → a new draft).

import { ApiError, request } from "./api.js";
import { clear, h, toast } from "./dom.js";
import { navigate } from "./router.js";
import { sayText } from "./words.js";

const PAGE_SIZE = 20;

export async function render(main, view) {
  const params = new URLSearchParams(location.search);
  const page = Math.max(1, Number(params.get("page")) || 1);
  const results = h("div", { class: "results", "aria-live": "polite" });
  async function load() {
    const answer = await request(`/v1/drafts?page=${page}&size=${PAGE_SIZE}`);
    if (!view.alive()) return;
    if (!answer.items.length) {
      clear(results, h("p", { class: "empty" }, "작성 중인 견적이 없습니다. 새 견적을 입력하면 저장하기 전까지 여기에 남습니다."));
      return;
    }
    const pages = Math.max(1, Math.ceil(answer.total / answer.size));
    clear(
      results,
      h(
        "div",
        { class: "table-wrap" },
        h(
          "table",
          { class: "quotes drafts" },
          h("caption", {}, `작성 중 ${answer.total}건`),
          h("thead", {}, h("tr", {}, ["고객", "건명", "분전반", "마지막 저장", h("span", { class: "sr-only" }, "관리")].map((name, i) => h("th", { scope: "col", class: i === 2 ? "num" : null }, name)))),
          h("tbody", {}, answer.items.map((item) => row(item))),
        ),
      ),
      pages > 1
        ? h(
            "nav",
            { class: "pager", "aria-label": "페이지" },
            h("a", { class: "button-secondary", href: `/drafts?page=${page - 1}`, "data-link": "", hidden: page <= 1 }, "← 이전"),
            h("span", { "aria-current": "page" }, `${page} / ${pages} 페이지`),
            h("a", { class: "button-secondary", href: `/drafts?page=${page + 1}`, "data-link": "", hidden: page >= pages }, "다음 →"),
          )
        : null,
    );
  }
  function row(item) {
    const href = `/drafts/${encodeURIComponent(item.id)}`;
    const remove = h("button", { type: "button", class: "button-quiet danger" }, "삭제");
    remove.addEventListener("click", async () => {
      if (!window.confirm(`‘${item.customer || "고객 미정"}’ 작성 중 견적을 지울까요? 되돌릴 수 없습니다.`)) return;
      try {
        await request(`/v1/drafts/${encodeURIComponent(item.id)}`, { method: "DELETE" });
        toast("작성 중 견적을 지웠습니다.");
        await load();
      } catch (error) {
        if (!(error instanceof ApiError)) throw error;
        toast(sayText(error.message));
      }
    });
    const at = new Date(item.updated_at).toLocaleString("ko-KR", { dateStyle: "short", timeStyle: "short" });
    return h(
      "tr",
      { "data-draft": item.id },
      h("th", { scope: "row" }, h("a", { href, "data-link": "" }, item.customer || "고객 미정")),
      h("td", {}, item.project || "", item.source_quote_id ? h("span", { class: "muted" }, " (복사본)") : null),
      h("td", { class: "num" }, item.panels),
      h("td", { class: "date" }, at),
      h("td", {}, remove),
    );
  }
  main.append(
    h(
      "div",
      { class: "page-head" },
      h("h1", { id: "page-title", tabindex: "-1" }, "작성 중"),
      h("div", { class: "button-row" }, h("a", { class: "button-quiet", href: "/templates", "data-link": "" }, "템플릿 관리"), h("a", { class: "button-primary", href: "/", "data-link": "" }, "+ 새 견적")),
    ),
    h("p", { class: "lead" }, "저장(견적 계산)하기 전의 견적입니다. 입력하는 동안 자동으로 저장되고, 어느 탭에서나 이어서 쓸 수 있습니다. 견적번호는 저장할 때 붙습니다."),
    results,
  );
  await load();
}

/** 복사해서 새 견적: a new draft with the quote's request, opened at once. */
export function copyButton(quote) {
  const button = h("button", { type: "button", class: "button-secondary" }, "복사해서 새 견적");
  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      const draft = await request(`/v1/estimate/${encodeURIComponent(quote.id)}/copy`, { method: "POST" });
      toast(`${quote.number}의 내용으로 새 견적을 시작합니다 (번호는 저장할 때 붙습니다).`);
      navigate(`/drafts/${encodeURIComponent(draft.id)}`);
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      toast(sayText(error.message));
      button.disabled = false;
    }
  });
  return button;
}
