// A quote's revisions: 대체됨 (with a link to the latest) on an older revision, and 변경 내역, the BOM
// lines added, removed and changed since the previous revision (GET /v1/estimate/{id}/diff).

import { request } from "./api.js";
import { h, num, signedWon, won } from "./dom.js";

/** The chain of the quote's revisions ({items, latest}), or null when it cannot be read. */
export function revisionChain(quote) {
  return request(`/v1/estimate/${encodeURIComponent(quote.id)}/revisions`).catch(() => null);
}

/** "대체됨 — 최신 개정 EST-…-R2" for a quote a later revision superseded; null for the latest. */
export function supersededNote(quote, chain) {
  if (!chain || chain.latest.id === quote.id) return null;
  const latest = chain.latest;
  return h(
    "p",
    { class: "superseded", role: "status", "data-testid": "superseded" },
    h("strong", { class: "badge status-closed" }, "대체됨"),
    " 이 견적은 개정되었습니다. 최신 개정: ",
    h("a", { href: `/quotes/${encodeURIComponent(latest.id)}`, "data-link": "" }, latest.number),
  );
}

/** The 변경 내역 section: what changed in the BOM from `previous` to `quote`. */
export async function diffSection(quote, previous) {
  const path = `/v1/estimate/${encodeURIComponent(quote.id)}/diff?against=${encodeURIComponent(previous.id)}`;
  const diff = await request(path).catch(() => null);
  if (!diff) return null;
  const rows = diff.panels.flatMap((panel) => [
    ...panel.added.map((line) => row(panel, "추가", line.name, line.spec, `${num(line.qty)}`, won(line.unit_price), line.amount, "added")),
    ...panel.removed.map((line) => row(panel, "삭제", line.name, line.spec, `${num(line.qty)}`, won(line.unit_price), -line.amount, "removed")),
    ...panel.changed.map((line) =>
      row(panel, "변경", line.name, line.spec, change(line.qty, num), change(line.unit_price, won), line.amount.difference, "changed"),
    ),
  ]);
  return h(
    "section",
    { class: "card revision-diff", "aria-labelledby": "diff-title" },
    h("h2", { id: "diff-title" }, "변경 내역"),
    h("p", {}, `${diff.from.number} → ${diff.to.number}`),
    rows.length
      ? h(
          "table",
          { class: "figures" },
          h("thead", {}, h("tr", {}, ["분전반", "구분", "품명", "규격", "수량", "단가", "금액 변경"].map((name) => h("th", { scope: "col" }, name)))),
          h("tbody", {}, rows),
        )
      : h("p", { class: "muted" }, "자재 내역은 바뀌지 않았습니다."),
  );
}

function change(pair, show) {
  return pair.before === pair.after ? show(pair.after) : `${show(pair.before)} → ${show(pair.after)}`;
}

function row(panel, kind, name, spec, qty, price, delta, testid) {
  return h(
    "tr",
    { "data-testid": `diff-${testid}` },
    h("td", {}, panel.name),
    h("td", {}, kind),
    h("td", {}, name),
    h("td", {}, spec),
    h("td", { class: "num" }, qty),
    h("td", { class: "money" }, price),
    h("td", { class: `money ${delta > 0 ? "up" : delta < 0 ? "down" : ""}` }, signedWon(delta)),
  );
}
