// Client-side navigation between the pages of the shell (history API; the server serves every page path).

let onRoute = () => {};
let generation = 0;
let shown = "";
let mayLeave = () => true;

function route() {
  shown = location.pathname + location.search;
  mayLeave = () => true; // the page drawn next sets its own check
  onRoute();
}

export function start(handler) {
  onRoute = handler;
  window.addEventListener("popstate", () => {
    if (mayLeave()) route();
    else history.pushState({}, "", shown); // stay: Back is undone
  });
  document.addEventListener("click", (event) => {
    const link = event.target.closest("a[data-link]");
    if (!link || event.defaultPrevented || event.button !== 0) return;
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    navigate(link.getAttribute("href"));
  });
  route();
}

export function navigate(url, { replace = false, force = false } = {}) {
  if (!force && !mayLeave()) return;
  history[replace ? "replaceState" : "pushState"]({}, "", url);
  route();
}

/** Name the page being shown by another address (no new history entry, nothing drawn again). */
export function renameAddress(url) {
  history.replaceState({}, "", url);
  shown = url;
}

/** The current page's check before the app moves to another page: false keeps the user here. */
export function onLeave(check) {
  mayLeave = check;
}

/** A token for the page being drawn: `alive()` turns false once the user has moved on. */
export function newView() {
  generation += 1;
  const mine = generation;
  return { alive: () => mine === generation };
}
