// Signing in: a name and a password (the server sets an HttpOnly session cookie, so every tab and
// bookmark of this browser is signed in); an API key is the secondary way (kept in localStorage).

import { ApiError, request, session } from "./api.js";
import { field, h } from "./dom.js";
import { navigate } from "./router.js";

export function render(main) {
  const params = new URLSearchParams(location.search);
  const message = h("div", { class: "login-message", role: "alert" });
  if (params.get("expired")) message.append(h("p", { class: "inline-error" }, "로그인이 만료되었습니다. 다시 로그인해 주세요."));
  const name = h("input", { type: "text", name: "username", autocomplete: "username", spellcheck: "false", required: true });
  const password = h("input", { type: "password", name: "password", autocomplete: "current-password", required: true });
  const submit = h("button", { type: "submit", class: "button-primary" }, "로그인");
  const form = h(
    "form",
    { class: "card login", "aria-labelledby": "page-title", novalidate: true },
    h("h1", { id: "page-title", tabindex: "-1" }, "로그인"),
    h("p", {}, "이름과 비밀번호로 로그인합니다. 이 브라우저의 새 탭과 즐겨찾기에서도 로그인된 채로 열리고, 로그아웃하면 모든 탭에서 끝납니다."),
    field("이름", name, { hint: "관리자가 만든 계정 (kis users create)" }),
    field("비밀번호", password),
    submit,
    message,
  );
  const done = () => {
    const next = params.get("next");
    navigate(next && next.startsWith("/") && !next.startsWith("//") ? next : "/", { replace: true });
  };
  const refused = (error, text) => {
    message.replaceChildren(h("p", { class: "inline-error" }, text, h("br"), h("span", { class: "error-hint" }, error.message)));
  };
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    message.replaceChildren();
    if (!name.value.trim() || !password.value) {
      message.append(h("p", { class: "inline-error" }, "이름과 비밀번호를 입력해 주세요."));
      (name.value.trim() ? password : name).focus();
      return;
    }
    submit.disabled = true;
    try {
      const answer = await request("/v1/session", { method: "POST", json: { name: name.value.trim(), password: password.value }, key: null });
      session.set(answer);
      done();
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      const text =
        error.status === 401 ? "이름 또는 비밀번호가 맞지 않습니다." : error.status === 429 ? "로그인 시도가 너무 많습니다. 잠시 후 다시 해 주세요." : "로그인하지 못했습니다.";
      refused(error, text);
      password.focus();
    } finally {
      submit.disabled = false;
    }
  });
  main.append(form, keyForm(done, refused));
}

/** The secondary sign-in: an API key (machines, or before any user exists). */
function keyForm(done, refused) {
  const key = h("input", { type: "password", autocomplete: "off", spellcheck: "false" });
  const submit = h("button", { type: "submit", class: "button-quiet" }, "API 키로 로그인");
  const form = h(
    "form",
    { novalidate: true },
    field("API 키", key, { hint: "kis_로 시작하는 키 (발급: kis keys create). 이 브라우저에 보관되고 로그아웃하면 지워집니다." }),
    submit,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const value = key.value.trim();
    if (!value) return key.focus();
    submit.disabled = true;
    try {
      session.set(await request("/v1/session", { key: value }), value);
      done();
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      refused(error, error.status === 401 ? "키가 올바르지 않거나 폐기되었습니다." : "로그인하지 못했습니다.");
      key.focus();
    } finally {
      submit.disabled = false;
    }
  });
  return h("details", { class: "card login" }, h("summary", {}, "API 키 사용"), form);
}
