// Panel templates: 템플릿으로 저장 on each panel of the form, 템플릿 넣기 (a panel from a saved template
// appended to the form), and the small management page (/templates: rename, delete).

import { ApiError, request } from "./api.js";
import { clear, field, h, label, toast } from "./dom.js";
import { panelFieldset, renumber, snapshot } from "./form.js";
import { sayText } from "./words.js";

function problem(error) {
  if (!(error instanceof ApiError)) throw error;
  toast(`${sayText(error.message)} ${error.envelope.hint ? `— ${sayText(error.envelope.hint)}` : ""}`);
}

/** One line about a panel: its main breaker and how many branch lines. */
function describe(panel) {
  const main = panel.main || {};
  const branches = Array.isArray(panel.branches) ? panel.branches.length : 0;
  const mainText = main.poles || main.trip_at ? `메인 ${label("breakerType", main.type || "MCCB")} ${main.poles || "?"}P ${main.trip_at || "?"}A` : "메인 미정";
  return `${panel.name || "분전반"} · ${mainText} · 분기 ${branches}줄`;
}

/** A panel as a new form shows it, nothing typed: a template takes its place instead of following it. */
function untouched(panel) {
  if (!panel) return true;
  const main = panel.main || {};
  const typed = (line) => line && ["poles", "trip_at", "qty", "load_a", "circuit"].some((key) => line[key] !== undefined);
  const extras = (panel.accessories || []).length + (panel.extra_lines || []).length;
  return !panel.name && !main.poles && !main.trip_at && !main.model && !extras && !(panel.branches || []).some(typed);
}

async function saveAsTemplate(form, fieldset) {
  const index = Number(fieldset.dataset.path.split(".")[1]);
  const panel = (snapshot(form).panels || [])[index] || {};
  const name = window.prompt("템플릿 이름 (예: 세대분전반 표준)", panel.name || "");
  if (name === null || !name.trim()) return;
  try {
    const saved = await request("/v1/templates", { method: "POST", json: { name, panel } });
    toast(`‘${saved.name}’ 템플릿으로 저장했습니다.`);
    form.dispatchEvent(new Event("kis:templates"));
  } catch (error) {
    problem(error);
  }
}

/** The 템플릿 넣기 picker for `form`, and a 템플릿으로 저장 button on each of its panels. */
export function templateControls(form) {
  const select = h("select", { id: "template-pick" }, h("option", { value: "" }, "템플릿 고르기"));
  const insert = h("button", { type: "button", class: "button-secondary" }, "템플릿 넣기");
  async function load() {
    try {
      const templates = await request("/v1/templates");
      select.replaceChildren(
        h("option", { value: "" }, templates.length ? "템플릿 고르기" : "저장된 템플릿 없음"),
        ...templates.map((t) => h("option", { value: t.id }, t.name)),
      );
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
    }
  }
  insert.addEventListener("click", async () => {
    if (!select.value) {
      toast("넣을 템플릿을 먼저 골라 주세요.");
      select.focus();
      return;
    }
    try {
      const template = await request(`/v1/templates/${encodeURIComponent(select.value)}`);
      const panel = panelFieldset(form, template.panel);
      const only = form.querySelectorAll("fieldset.panel");
      if (only.length === 1 && untouched((snapshot(form).panels || [])[0])) only[0].replaceWith(panel);
      else form.querySelector("[data-panels]").append(panel);
      renumber(form);
      form.dispatchEvent(new Event("change")); // kept in the draft like typed work
      panel.querySelector("input").focus();
      toast(`‘${template.name}’ 템플릿의 분전반을 넣었습니다.`);
    } catch (error) {
      problem(error);
    }
  });
  form.addEventListener("kis:templates", load);
  const decorate = () => {
    form.querySelectorAll("fieldset.panel").forEach((fieldset) => {
      const actions = fieldset.querySelector(":scope > legend .panel-actions");
      if (!actions || actions.querySelector("[data-save-template]")) return;
      const button = h("button", { type: "button", class: "button-quiet", "data-save-template": "" }, "템플릿으로 저장");
      button.addEventListener("click", () => saveAsTemplate(form, fieldset));
      actions.prepend(button);
    });
  };
  decorate();
  new MutationObserver(decorate).observe(form, { childList: true, subtree: true });
  load();
  return h(
    "div",
    { class: "template-pick" },
    field("분전반 템플릿", select),
    insert,
    h("a", { href: "/templates", "data-link": "", class: "button-quiet" }, "템플릿 관리"),
  );
}

/** /templates: the caller's templates, renamed and deleted here. */
export async function render(main, view) {
  const list = h("div", { class: "results", "aria-live": "polite" });
  async function load() {
    const templates = await request("/v1/templates");
    if (!view.alive()) return;
    if (!templates.length) {
      clear(list, h("p", { class: "empty" }, "저장된 템플릿이 없습니다. 견적 양식의 분전반에서 ‘템플릿으로 저장’을 누르세요."));
      return;
    }
    clear(
      list,
      h(
        "table",
        { class: "quotes templates" },
        h("caption", {}, `템플릿 ${templates.length}개`),
        h("thead", {}, h("tr", {}, ["이름", "분전반", "바꾼 때", h("span", { class: "sr-only" }, "관리")].map((name) => h("th", { scope: "col" }, name)))),
        h("tbody", {}, templates.map((t) => row(t))),
      ),
    );
  }
  function row(template) {
    const rename = h("button", { type: "button", class: "button-quiet" }, "이름 바꾸기");
    const remove = h("button", { type: "button", class: "button-quiet danger" }, "삭제");
    const path = `/v1/templates/${encodeURIComponent(template.id)}`;
    rename.addEventListener("click", async () => {
      const name = window.prompt("새 이름", template.name);
      if (name === null || !name.trim() || name.trim() === template.name) return;
      try {
        await request(path, { method: "PATCH", json: { name } });
        toast("이름을 바꿨습니다.");
        await load();
      } catch (error) {
        problem(error);
      }
    });
    remove.addEventListener("click", async () => {
      if (!window.confirm(`‘${template.name}’ 템플릿을 지울까요?`)) return;
      try {
        await request(path, { method: "DELETE" });
        toast("템플릿을 지웠습니다.");
        await load();
      } catch (error) {
        problem(error);
      }
    });
    const at = new Date(template.updated_at).toLocaleString("ko-KR", { dateStyle: "short", timeStyle: "short" });
    return h("tr", { "data-template": template.id }, h("th", { scope: "row" }, template.name), h("td", {}, describe(template.panel)), h("td", { class: "date" }, at), h("td", {}, h("div", { class: "button-row" }, rename, remove)));
  }
  main.append(
    h("div", { class: "page-head" }, h("h1", { id: "page-title", tabindex: "-1" }, "분전반 템플릿"), h("a", { class: "button-quiet", href: "/drafts", "data-link": "" }, "작성 중 목록")),
    h("p", { class: "lead" }, "자주 쓰는 분전반을 이름을 붙여 두고, 견적 양식의 ‘템플릿 넣기’로 어느 견적에나 넣습니다."),
    list,
  );
  await load();
}
