// New quote and revision: the request form, a request-sheet upload, and the live run.

import { ApiError, download, request, streamEstimate } from "./api.js";
import { add, clear, field, filePicker, h, randomKey, toast } from "./dom.js";
import { autosave, drafts, openDraft } from "./draft.js";
import { fastEntry, saveHint } from "./entry.js";
import { clearErrors, clearOnEdit, showErrors } from "./errors.js";
import { fillForm, headerFields, panelFieldset, readRequest, renumber, snapshot, termsFields } from "./form.js";
import { sayText } from "./words.js";
import { livePreview } from "./preview.js";
import { progressPanel } from "./progress.js";
import { quickSection } from "./quick.js";
import { navigate, onLeave, renameAddress } from "./router.js";
import { suggestNames } from "./suggest.js";
import { pickCustomers, startFromCustomer } from "./customers.js";
import { templateControls } from "./templates.js";

export async function render(main, view, reviseId, draftId = null) {
  const previous = reviseId ? await request(`/v1/estimate/${encodeURIComponent(reviseId)}`) : null;
  const opened = previous ? null : await openDraft(draftId);
  if (!view.alive()) return;
  const submit = h("button", { type: "submit", class: "button-primary" }, previous ? "개정판 계산" : "견적 계산");
  const addPanel = h("button", { type: "button", class: "button-secondary", "data-add-panel": "" }, "+ 분전반 추가");
  const progress = h("div", { class: "progress-holder" });
  const form = h(
    "form",
    { class: "quote-form", novalidate: true, "aria-labelledby": "page-title" },
    h("div", { class: "error-summary", tabindex: "-1", role: "alert", hidden: true }),
    headerFields(previous ? previous.request : {}),
    h("div", { "data-panels": "", "data-path": "panels" }),
    termsFields(previous ? previous.request : {}),
    h("div", { class: "form-actions" }, addPanel, submit),
    saveHint(),
    progress,
  );
  form.querySelector("[data-panels]").append(panelFieldset(form));
  if (previous && previous.request) fillForm(form, previous.request);
  renumber(form);
  clearOnEdit(form);
  fastEntry(form);
  const preview = livePreview(form);
  const draft = previous ? keepDraft(form, view, previous, preview) : keepOnServer(form, view, opened, draftId);
  if (!previous) form.querySelector("[data-path='customer.name']").dataset.autofocus = ""; // typing starts here
  suggestNames(form);
  pickCustomers(form);
  if (!previous) startFromCustomer(form);
  const templates = templateControls(form);
  form.querySelector(".form-actions").prepend(templates);
  addPanel.addEventListener("click", () => {
    const panel = panelFieldset(form);
    form.querySelector("[data-panels]").append(panel);
    renumber(form);
    panel.querySelector("input").focus();
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    run(form, submit, progress, view, previous, draft);
  });

  add(
    main,
    h("h1", { id: "page-title", tabindex: "-1" }, previous ? `견적 개정 — ${previous.number}` : draftId ? "새 견적 — 작성 중" : "새 견적"),
    previous
      ? h("p", { class: "lead" }, "내용을 고쳐 다시 계산하면 새 개정판이 새 견적번호로 만들어지고, 이전 견적은 그대로 남습니다.")
      : h("p", { class: "lead" }, "고객과 분전반 사양을 입력하고 ‘견적 계산’을 누르세요. 견적요청서 파일로 채울 수도 있습니다."),
    previous ? null : quickSection(form),
    previous ? null : sheetSection(form),
    draft.notice,
    draft.conflict,
    h("div", { class: "workspace" }, form, preview.el),
    draft.status,
  );
  preview.refresh();
}

/**
 * Keep what is typed as a server draft (draft.js), resume the browser's current one on 새 견적, and
 * guard leaving: in-app links send what is pending and go; they ask first only when the server could
 * not take the changes (offline, or another tab saved first). The browser's own leave question comes
 * whenever the server does not have everything yet.
 */
function keepOnServer(form, view, opened, draftId) {
  const keeper = autosave(form, view, opened);
  const notice = h("p", { class: "draft-notice", role: "status", hidden: !opened });
  if (opened) {
    fillForm(form, opened.request);
    if (opened.id && location.pathname !== `/drafts/${encodeURIComponent(opened.id)}`) {
      renameAddress(`/drafts/${encodeURIComponent(opened.id)}`); // reload and bookmarks find it
    }
  }
  if (opened) {
    const discard = h("button", { type: "button", class: "button-quiet" }, "비우고 새로 시작");
    discard.addEventListener("click", () => {
      keeper.forget();
      fillForm(form, {});
      clearErrors(form);
      notice.hidden = true;
      renameAddress("/");
      form.querySelector("input").focus();
    });
    const at = new Date(opened.savedAt).toLocaleString("ko-KR", { dateStyle: "short", timeStyle: "short" });
    const where = opened.id ? "작성 중 목록에 보관" : "이 브라우저에 보관";
    const what = draftId ? "작성 중 견적을 열었습니다" : "작성 중이던 내용을 불러왔습니다";
    notice.append(`${what} (${at}, ${where}). `, discard);
  }
  onLeave(() => {
    if (!view.alive()) return true;
    if (keeper.unsaved()) return window.confirm("저장되지 않은 변경이 있습니다 (이 브라우저에만 보관 중). 이 화면을 떠날까요?");
    keeper.flush(); // what the debounce still holds goes now, and finishes after the page changes
    return true;
  });
  function warn(event) {
    if (!view.alive()) {
      window.removeEventListener("beforeunload", warn);
      return;
    }
    if (!keeper.pending()) return;
    event.preventDefault();
    event.returnValue = ""; // the browser's own "leave this page?" question
  }
  window.addEventListener("beforeunload", warn);
  return { notice, status: keeper.status, conflict: keeper.conflict, saved: () => keeper.saved() };
}

/**
 * A revision's form: kept as a browser draft (restored when the page opens again) with a warning before
 * the page is left with unsaved work. Returns {notice, saved()}: the restore note and the hook for a save.
 * Leaving by the app's own links needs no warning: the draft is kept and comes back.
 */
function keepDraft(form, view, previous, preview) {
  const store = drafts(previous ? `revise.${previous.id}` : "new");
  const kept = store.load();
  let dirty = false;
  const notice = h("p", { class: "draft-notice", role: "status", hidden: !kept });
  if (kept) {
    fillForm(form, kept.request);
    dirty = true;
    const discard = h("button", { type: "button", class: "button-quiet" }, previous ? "원래 내용으로" : "비우고 새로 시작");
    discard.addEventListener("click", () => {
      store.remove();
      dirty = false;
      fillForm(form, previous ? previous.request : {});
      clearErrors(form);
      preview.refresh();
      notice.hidden = true;
      form.querySelector("input").focus();
    });
    const at = new Date(kept.savedAt).toLocaleString("ko-KR", { dateStyle: "short", timeStyle: "short" });
    notice.append(`작성 중이던 내용을 불러왔습니다 (${at}, 이 브라우저에 보관). `, discard);
  }
  // Kept at every edit (a few kB into localStorage): a click on 카탈로그 right after typing loses nothing.
  const keep = () => {
    dirty = true;
    store.save(snapshot(form));
  };
  form.addEventListener("input", keep);
  form.addEventListener("change", keep);
  form.addEventListener("click", (event) => {
    if (event.target.closest("button[type=button]")) keep(); // rows and panels added, copied, removed
  });
  function warn(event) {
    if (!view.alive()) {
      window.removeEventListener("beforeunload", warn);
      return;
    }
    if (!dirty) return;
    event.preventDefault();
    event.returnValue = ""; // the browser's own "leave this page?" question
  }
  window.addEventListener("beforeunload", warn);
  return {
    notice,
    status: null,
    conflict: null,
    async saved() {
      dirty = false;
      store.remove();
    },
  };
}

async function run(form, submit, holder, view, previous, draft) {
  const body = readRequest(form);
  clearErrors(form);
  const panel = progressPanel();
  holder.replaceChildren(panel.el);
  panel.el.scrollIntoView({ block: "nearest" });
  const idle = submit.textContent;
  submit.disabled = true;
  submit.textContent = "계산 중…";
  form.setAttribute("aria-busy", "true");
  try {
    const path = previous ? `/v1/estimate/${encodeURIComponent(previous.id)}/revise` : "/v1/estimate";
    const quote = await streamEstimate(path, body, panel.onFrame, previous ? null : randomKey());
    await draft.saved();
    if (view.alive()) navigate(`/quotes/${encodeURIComponent(quote.id)}`);
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    panel.fail(sayText(error.message));
    showErrors(form, error.problems);
  } finally {
    submit.disabled = false;
    submit.textContent = idle;
    form.removeAttribute("aria-busy");
  }
}

function sheetSection(form) {
  const file = h("input", { type: "file", accept: ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" });
  const button = h("button", { type: "button", class: "button-secondary" }, "요청서로 채우기");
  const result = h("div", { class: "sheet-result", role: "status", "aria-live": "polite" });
  button.addEventListener("click", async () => {
    if (!file.files.length) {
      clear(result, h("p", { class: "inline-error" }, "먼저 요청서 파일을 골라 주세요."));
      return;
    }
    const upload = new FormData();
    upload.append("file", file.files[0]);
    button.disabled = true;
    clear(result, h("p", {}, "요청서를 읽는 중…"));
    try {
      const answer = await request("/v1/validate", { method: "POST", form: upload });
      if (answer.request) {
        fillForm(form, answer.request);
        clearErrors(form);
        form.dispatchEvent(new Event("change")); // kept as the draft like typed work
      }
      clear(
        result,
        h("p", { class: answer.request ? "inline-ok" : "inline-error" }, answer.request ? `요청서 내용으로 양식을 채웠습니다 (분전반 ${answer.request.panels.length}개).` : "요청서에 고칠 곳이 있어 양식을 채우지 못했습니다."),
        findings(answer.findings),
      );
      if (answer.request) toast("요청서 내용으로 양식을 채웠습니다.");
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      clear(result, h("p", { class: "inline-error" }, error.message, h("br"), error.envelope.hint || ""));
    } finally {
      button.disabled = false;
    }
  });
  const template = h("button", { type: "button", class: "button-quiet" }, "빈 요청서 양식 내려받기 (.xlsx)");
  template.addEventListener("click", async () => {
    template.disabled = true;
    try {
      toast(`${await download("/v1/request-template")} 내려받음`);
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      toast(`내려받지 못했습니다: ${sayText(error.message)}`);
    } finally {
      template.disabled = false;
    }
  });
  return h(
    "section",
    { class: "card sheet", "aria-labelledby": "sheet-title" },
    h("h2", { id: "sheet-title" }, "견적요청서 불러오기"),
    h("p", { class: "muted" }, "고객에게 보낼 빈 양식: ", template),
    h("div", { class: "sheet-row" }, field("요청서 파일 (.xlsx)", filePicker(file)), button),
    result,
  );
}

function findings(list) {
  if (!list.length) return null;
  const severity = { error: "오류", warning: "주의", info: "참고" };
  return h(
    "ul",
    { class: "findings" },
    list.map((finding) =>
      h(
        "li",
        { class: `finding finding-${finding.severity}` },
        h("strong", {}, `${severity[finding.severity] || finding.severity}${finding.cell ? ` · ${finding.cell}` : ""}: `),
        finding.message,
        finding.hint ? h("span", { class: "error-hint" }, `도움말: ${finding.hint}`) : null,
      ),
    ),
  );
}
