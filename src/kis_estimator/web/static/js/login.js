// Signing in with an API key: checked against the API, then kept in this browser's localStorage.

import { ApiError, request, session } from "./api.js";
import { field, h } from "./dom.js";
import { navigate } from "./router.js";

export function render(main) {
  const params = new URLSearchParams(location.search);
  const key = h("input", { type: "password", autocomplete: "off", spellcheck: "false", required: true });
  const message = h("div", { class: "login-message", role: "alert" });
  const submit = h("button", { type: "submit", class: "button-primary" }, "로그인");
  if (params.get("expired")) message.append(h("p", { class: "inline-error" }, "키가 거부되었습니다. 다시 로그인해 주세요."));
  const form = h(
    "form",
    { class: "card login", "aria-labelledby": "page-title", novalidate: true },
    h("h1", { id: "page-title", tabindex: "-1" }, "로그인"),
    h("p", {}, "API 키로 로그인합니다. 키는 이 브라우저에 보관되어 새 탭과 즐겨찾기에서도 그대로 쓰이고, 로그아웃하면 지워집니다. 공용 PC에서는 다 쓴 뒤 꼭 로그아웃하세요."),
    field("API 키", key, { hint: "관리자에게 받은 kis_로 시작하는 키 (발급: kis keys create --role estimator)" }),
    submit,
    message,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const value = key.value.trim();
    message.replaceChildren();
    if (!value) {
      message.append(h("p", { class: "inline-error" }, "API 키를 입력해 주세요."));
      key.focus();
      return;
    }
    submit.disabled = true;
    try {
      await request("/v1/estimate?size=1", { key: value });
      session.set(value, await roleOf(value));
      const next = params.get("next");
      navigate(next && next.startsWith("/") && !next.startsWith("//") ? next : "/", { replace: true });
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      const text = error.status === 401 ? "키가 올바르지 않거나 폐기되었습니다." : "로그인하지 못했습니다.";
      message.append(h("p", { class: "inline-error" }, text, h("br"), h("span", { class: "error-hint" }, error.message)));
      key.focus();
    } finally {
      submit.disabled = false;
    }
  });
  main.append(form);
}

/** The key's role as the API names it: admin, estimator or viewer (GET /v1/me). */
async function roleOf(key) {
  const me = await request("/v1/me", { key });
  return me.role;
}
