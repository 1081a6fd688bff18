// The shell: which page a path shows, the header's navigation and sign-out, and the error page.

import { ApiError, onUnauthorized, session } from "./api.js";
import { clear, h } from "./dom.js";
import * as audit from "./audit.js";
import * as catalog from "./catalog.js";
import * as customers from "./customers.js";
import * as profile from "./profile.js";
import * as drafts from "./drafts.js";
import * as login from "./login.js";
import * as quotePage from "./quote-page.js";
import * as quotes from "./quotes.js";
import * as result from "./result.js";
import * as templates from "./templates.js";
import { navigate, newView, start } from "./router.js";

const ROUTES = [
  [/^\/login$/, "", (main) => login.render(main), true],
  [/^\/$/, "new", (main, view) => quotePage.render(main, view, null)],
  [/^\/quotes$/, "quotes", (main, view) => quotes.render(main, view)],
  [/^\/quotes\/([^/]+)$/, "quotes", (main, view, id) => result.render(main, view, decodeURIComponent(id))],
  [/^\/quotes\/([^/]+)\/revise$/, "quotes", (main, view, id) => quotePage.render(main, view, decodeURIComponent(id))],
  [/^\/catalog$/, "catalog", (main, view) => catalog.render(main, view)],
  [/^\/drafts$/, "drafts", (main, view) => drafts.render(main, view)],
  [/^\/drafts\/([^/]+)$/, "drafts", (main, view, id) => quotePage.render(main, view, null, decodeURIComponent(id))],
  [/^\/templates$/, "drafts", (main, view) => templates.render(main, view)],
  [/^\/customers$/, "customers", (main, view) => customers.renderList(main, view)],
  [/^\/customers\/([^/]+)$/, "customers", (main, view, id) => customers.renderOne(main, view, decodeURIComponent(id))],
  [/^\/profile$/, "profile", (main, view) => profile.render(main, view)],
  [/^\/audit$/, "audit", (main, view) => audit.render(main, view)],
];

const ROLE_NAMES = { admin: "관리자", estimator: "견적 담당", viewer: "조회 전용" };

function chrome(section) {
  const signedIn = session.signedIn;
  document.getElementById("nav").hidden = !signedIn;
  document.getElementById("session").hidden = !signedIn;
  document.getElementById("session-name").textContent = session.name;
  document.getElementById("session-role").textContent = ROLE_NAMES[session.role] || "사용자 키";
  document.querySelector('[data-nav="audit"]').parentElement.hidden = !session.isAdmin;
  document.querySelector('[data-nav="new"]').parentElement.hidden = session.role === "viewer";
  document.querySelector('[data-nav="drafts"]').parentElement.hidden = session.role === "viewer";
  document.querySelector('[data-nav="profile"]').parentElement.hidden = session.role !== "admin";
  document.querySelectorAll("[data-nav]").forEach((link) => {
    if (link.dataset.nav === section) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  });
}

function errorPage(main, error) {
  const envelope = error instanceof ApiError ? error.envelope : { message: String(error), hint: "" };
  clear(
    main,
    h("h1", { id: "page-title", tabindex: "-1" }, error.status === 404 ? "찾을 수 없습니다" : "문제가 생겼습니다"),
    h("p", { class: "inline-error" }, envelope.message),
    envelope.hint ? h("p", { class: "error-hint" }, envelope.hint) : null,
    h("p", {}, h("a", { href: "/quotes", "data-link": "" }, "견적 목록으로")),
  );
}

let firstPage = true;

async function route() {
  const main = document.getElementById("main");
  const view = newView();
  const path = location.pathname.replace(/\/+$/, "") || "/";
  const found = ROUTES.map(([pattern, section, draw, open]) => [pattern.exec(path), section, draw, open]).find(([match]) => match);
  if (!found) {
    chrome("");
    errorPage(main, new ApiError(404, { message: "없는 화면입니다.", hint: "" }));
    return;
  }
  const [match, section, draw, open] = found;
  if (!open && !session.signedIn) {
    navigate(`/login?next=${encodeURIComponent(location.pathname + location.search)}`, { replace: true });
    return;
  }
  if ((section === "new" || section === "drafts") && session.role === "viewer") {
    navigate("/quotes", { replace: true }); // a viewer key cannot create quotes
    return;
  }
  chrome(section);
  clear(main, h("p", { class: "loading" }, "불러오는 중…"));
  const page = h("div", { class: "page" });
  try {
    await draw(page, view, ...match.slice(1));
  } catch (error) {
    if (!view.alive()) return;
    if (!(error instanceof ApiError)) console.error(error);
    errorPage(page, error);
  }
  if (!view.alive()) return;
  clear(main, ...page.childNodes);
  const title = main.querySelector("h1");
  document.title = title ? `${title.textContent} — KIS 견적` : "KIS 견적";
  const start = main.querySelector("[data-autofocus]"); // a page made for typing starts in its first field
  if (start) start.focus({ preventScroll: true });
  else if (title && !firstPage) title.focus({ preventScroll: true }); // the first page keeps the browser's focus
  firstPage = false;
  window.scrollTo(0, 0);
}

document.getElementById("logout").addEventListener("click", async () => {
  await session.clear();
  navigate("/login");
});
// Signed out (or in as someone else) in another tab: this tab follows.
session.onChange(async () => {
  if (!(await session.load())) navigate("/login", { force: true });
  else route();
});
onUnauthorized(async () => {
  await session.clear();
  navigate(`/login?expired=1`, { replace: true, force: true });
});
// Who is signed in (the session cookie or a stored key) before the first page is drawn.
session.load().then(
  () => start(route),
  (error) => {
    start(route);
    console.error(error);
  },
);
