// Client-side navigation between the pages of the shell (history API; the server serves every page path).

let onRoute = () => {};
let generation = 0;

export function start(handler) {
  onRoute = handler;
  window.addEventListener("popstate", () => onRoute());
  document.addEventListener("click", (event) => {
    const link = event.target.closest("a[data-link]");
    if (!link || event.defaultPrevented || event.button !== 0) return;
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    navigate(link.getAttribute("href"));
  });
  onRoute();
}

export function navigate(url, { replace = false } = {}) {
  history[replace ? "replaceState" : "pushState"]({}, "", url);
  onRoute();
}

/** A token for the page being drawn: `alive()` turns false once the user has moved on. */
export function newView() {
  generation += 1;
  const mine = generation;
  return { alive: () => mine === generation };
}
