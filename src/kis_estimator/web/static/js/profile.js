// 회사 정보 (공급자): the supplier block every new quote's workbook cover and PDF first page show, and
// the seal (직인) stamped on it. An admin edits it; anyone signed in may look.

import { ApiError, fetchFile, request, session } from "./api.js";
import { clear, field, filePicker, h, toast, uid } from "./dom.js";
import { clearErrors, clearOnEdit, showErrors } from "./errors.js";
import { checkBusinessNumber, businessNumberProblem } from "./customers.js";
import { sayText } from "./words.js";

const FIELDS = [
  ["name", "상호 (필수)"],
  ["business_number", "사업자등록번호 (필수)"],
  ["representative", "대표"],
  ["address", "주소"],
  ["business_type", "업태"],
  ["business_item", "종목"],
  ["phone", "전화"],
  ["fax", "팩스"],
  ["contact", "담당자"],
  ["email", "이메일"],
];

async function sealPreview(holder, profile) {
  if (!profile || !profile.seal) {
    clear(holder, h("p", { class: "muted" }, "직인이 없습니다."));
    return;
  }
  const { blob } = await fetchFile("/v1/profile/seal");
  const img = h("img", { src: URL.createObjectURL(blob), alt: "직인 미리보기", width: "96", height: "96", "data-testid": "seal-preview" });
  clear(holder, img);
}

function sealSection(preview, onSaved) {
  const input = h("input", { type: "file", accept: "image/png,image/jpeg", "aria-label": "직인 이미지 파일" });
  const message = h("div", { "aria-live": "polite" });
  const button = h("button", { type: "submit", class: "button-secondary" }, "직인 올리기");
  const form = h(
    "form",
    { class: "card", "aria-label": "직인" },
    h("h2", {}, "직인"),
    h("p", { class: "muted" }, "PNG 또는 JPEG, 512 KB 이하. 견적서 표지의 공급자 칸에 찍힙니다."),
    preview,
    filePicker(input),
    h("div", { class: "button-row" }, button),
    message,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!input.files.length) {
      clear(message, h("p", { class: "inline-error" }, "이미지 파일을 골라 주세요."));
      return;
    }
    const data = new FormData();
    data.append("file", input.files[0]);
    button.disabled = true;
    try {
      const saved = await request("/v1/profile/seal", { method: "PUT", form: data });
      clear(message);
      toast("직인을 저장했습니다.");
      onSaved(saved);
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      clear(message, h("p", { class: "inline-error" }, sayText(error.message)), error.envelope.hint ? h("p", { class: "error-hint" }, sayText(error.envelope.hint)) : null);
    } finally {
      button.disabled = false;
    }
  });
  return form;
}

export async function render(main, view) {
  let profile = null;
  try {
    profile = await request("/v1/profile");
  } catch (error) {
    if (!(error instanceof ApiError) || error.status !== 404) throw error;
  }
  if (!view.alive()) return;
  const admin = session.role === "admin";
  const summary = h("div", { class: "error-summary", tabindex: "-1", hidden: true, role: "alert" });
  const inputs = FIELDS.map(([path, label]) => {
    const input = h("input", { type: "text", autocomplete: "off", id: uid("pf"), disabled: !admin });
    input.value = (profile && profile[path]) || "";
    input.dataset.path = path;
    return field(label, input, { wide: path === "address" });
  });
  const form = h(
    "form",
    { class: "card", novalidate: true, "aria-label": "회사 정보" },
    summary,
    h("div", { class: "grid" }, ...inputs),
    admin ? h("div", { class: "button-row" }, h("button", { type: "submit", class: "button-primary" }, "저장")) : null,
  );
  checkBusinessNumber(form.querySelector('[data-path="business_number"]'));
  clearOnEdit(form);
  const preview = h("div", { class: "seal-preview" });
  const seal = sealSection(preview, (saved) => sealPreview(preview, saved));
  seal.hidden = !admin || !profile;
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form);
    const body = {};
    form.querySelectorAll("[data-path]").forEach((el) => {
      body[el.dataset.path] = el.value.trim();
    });
    const local = businessNumberProblem(body.business_number) || (body.business_number ? null : "사업자등록번호를 입력해 주세요.");
    if (local) {
      showErrors(form, [{ code: "CUSTOMER_INVALID", message: local, path: "business_number" }]);
      return;
    }
    try {
      profile = await request("/v1/profile", { method: "PUT", json: body });
      toast("회사 정보를 저장했습니다. 이제부터 만드는 견적서에 쓰입니다.");
      seal.hidden = false;
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      showErrors(form, [error.envelope]);
    }
  });
  main.append(
    h("div", { class: "page-head" }, h("h1", { id: "page-title", tabindex: "-1" }, "회사 정보 (공급자)")),
    h("p", { class: "lead" }, admin ? "견적서 표지(엑셀·PDF)의 공급자 칸에 들어갑니다. 저장한 뒤 만드는 견적부터 쓰이고, 이미 만든 견적서는 그대로입니다." : "관리자만 고칠 수 있습니다."),
    form,
    seal,
  );
  await sealPreview(preview, profile);
}
