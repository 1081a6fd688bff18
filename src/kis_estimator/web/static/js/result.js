// One quote: totals, revision changes, downloads and the evidence check, then per panel the enclosure,
// the phase balance, the bill of materials and the gates; the front-view drawing; status and revise.

import { ApiError, download, fetchFile, request, session } from "./api.js";
import { GATE_NAMES, STATUS, TRANSITIONS, add, clear, gateBadge, h, label, milliseconds, num, signedWon, size, statusBadge, toast, won } from "./dom.js";
import { copyButton } from "./drafts.js";
import { STAGES, lastRun } from "./progress.js";
import { savedAlternatives } from "./alternatives.js";
import { diffSection, revisionChain, supersededNote } from "./revisions.js";

export async function render(main, view, id) {
  const quote = await request(`/v1/estimate/${encodeURIComponent(id)}`);
  const previous = quote.previous_id ? await request(`/v1/estimate/${encodeURIComponent(quote.previous_id)}`).catch(() => null) : null;
  const [chain, diff] = await Promise.all([revisionChain(quote), previous ? diffSection(quote, previous) : null]);
  if (!view.alive()) return;
  const path = `/v1/estimate/${encodeURIComponent(quote.id)}`;
  const superseded = supersededNote(quote, chain);
  add(
    main,
    header(quote, path, superseded),
    summary(quote),
    previous ? changes(quote, previous) : null,
    diff,
    downloads(quote, path),
    ...quote.panels.map((panel, index) => panelSection(quote, panel, index)),
    quote.panels.length > 1 ? totalsTable(quote) : null,
    savedAlternatives(quote, view),
    drawing(quote, path, view),
    documentChecks(quote),
    lastRun.quoteId === quote.id ? stages() : null,
  );
}

// -------------------------------------------------------------------------------------------- header

function header(quote, path, superseded) {
  const badge = statusBadge(quote.status);
  const holder = h("div", { class: "status-change" });
  const message = h("p", { class: "inline-error", role: "alert", hidden: true });
  function drawChoices(status) {
    const moves = TRANSITIONS[status] || [];
    if (session.role === "viewer") {
      clear(holder, h("p", { class: "muted" }, "조회 전용 키: 상태 변경과 개정은 견적 담당 키로 할 수 있습니다."));
      return;
    }
    if (!moves.length) {
      clear(holder, h("p", { class: "muted" }, "더 바꿀 수 있는 상태가 없습니다."));
      return;
    }
    const select = h("select", { id: "status-next" }, moves.map((move) => h("option", { value: move }, STATUS[move])));
    const button = h("button", { type: "button", class: "button-secondary" }, "상태 변경");
    button.addEventListener("click", async () => {
      button.disabled = true;
      message.hidden = true;
      try {
        const changed = await request(path, { method: "PATCH", json: { status: select.value } });
        badge.className = `badge status-${changed.status}`;
        badge.textContent = STATUS[changed.status];
        drawChoices(changed.status);
        toast(`상태를 ‘${STATUS[changed.status]}’(으)로 바꿨습니다.`);
        holder.querySelector("select, p")?.focus();
      } catch (error) {
        if (!(error instanceof ApiError)) throw error;
        message.textContent = `${error.message} — ${error.envelope.hint || ""}`;
        message.hidden = false;
        button.disabled = false;
      }
    });
    clear(holder, h("label", { for: "status-next" }, "다음 상태"), select, button);
  }
  drawChoices(quote.status);
  const facts = [
    quote.customer.name,
    quote.project,
    quote.date,
    `개정 ${quote.revision || 1}`,
    `브랜드 ${label("brand", quote.brand)}`,
    quote.author ? `작성자 ${quote.author}` : null,
  ].filter(Boolean);
  return h(
    "header",
    { class: "quote-head" },
    h("div", { class: "quote-title" }, h("h1", { id: "page-title", tabindex: "-1" }, `견적 ${quote.number}`), h("span", {}, h("span", { class: "sr-only" }, "상태: "), badge)),
    h("p", { class: "facts" }, facts.join(" · ")),
    superseded,
    h(
      "div",
      { class: "quote-actions" },
      holder,
      session.role === "viewer" || superseded // only the latest revision is revised
        ? null
        : h("a", { class: "button-secondary", href: `/quotes/${encodeURIComponent(quote.id)}/revise`, "data-link": "" }, "개정 (고쳐서 다시 계산)"),
      session.role === "viewer" ? null : copyButton(quote),
      h("a", { class: "button-quiet", href: "/quotes", "data-link": "" }, "목록으로"),
    ),
    message,
  );
}

function summary(quote) {
  const counts = { pass: 0, warn: 0, fail: 0 };
  quote.gates.forEach((gate) => (counts[gate.status] = (counts[gate.status] || 0) + 1));
  const totals = quote.totals;
  return h(
    "section",
    { class: "summary", "aria-label": "견적 요약" },
    h("div", { class: "stat stat-total" }, h("span", { class: "stat-label" }, "합계 (부가세 포함)"), h("strong", { class: "stat-value", "data-testid": "total" }, won(totals.total)), h("span", { class: "stat-note" }, totals.amount_in_words || "")),
    h("div", { class: "stat" }, h("span", { class: "stat-label" }, "소계"), h("strong", { class: "stat-value", "data-testid": "subtotal" }, won(totals.subtotal))),
    discounted(totals)
      ? [
          h("div", { class: "stat" }, h("span", { class: "stat-label" }, discountLabel(quote)), h("strong", { class: "stat-value", "data-testid": "discount" }, `−${won(totals.discount)}`)),
          h("div", { class: "stat" }, h("span", { class: "stat-label" }, "공급가액"), h("strong", { class: "stat-value", "data-testid": "supply" }, won(totals.supply))),
        ]
      : null,
    h("div", { class: "stat" }, h("span", { class: "stat-label" }, `부가세 (${Math.round((totals.vat_rate ?? 0.1) * 100)}%)`), h("strong", { class: "stat-value", "data-testid": "vat" }, won(totals.vat))),
    h("div", { class: "stat" }, h("span", { class: "stat-label" }, "검사"), h("span", { class: "stat-gates" }, gateBadge("pass"), ` ${counts.pass}  `, gateBadge("warn"), ` ${counts.warn}  `, gateBadge("fail"), ` ${counts.fail}`)),
  );
}

function discounted(totals) {
  return totals.discount !== undefined && totals.discount !== null;
}

/** "할인 (5%, NEGO)": the request's discount as asked. */
function discountLabel(quote) {
  const asked = (quote.request && quote.request.discount) || {};
  const how = [asked.percent !== undefined && asked.percent !== null ? `${num(asked.percent)}%` : null, asked.reason].filter(Boolean);
  return how.length ? `할인 (${how.join(", ")})` : "할인";
}

/** The 소계 / 할인 / 공급가액 rows of a totals table (the discount's two only when there is one). */
function discountRows(quote, colspan) {
  const totals = quote.totals;
  if (!discounted(totals)) return [];
  const head = (text) => h("th", { scope: "row", colspan }, text);
  return [
    h("tr", {}, head(discountLabel(quote)), h("td", { class: "money", "data-testid": "bom-discount" }, `−${num(totals.discount)}`)),
    h("tr", {}, head("공급가액"), h("td", { class: "money", "data-testid": "bom-supply" }, num(totals.supply))),
  ];
}

function changes(quote, previous) {
  const rows = [
    ["소계", "subtotal"],
    ...(discounted(quote.totals) || discounted(previous.totals) ? [["할인", "discount"]] : []),
    ["부가세", "vat"],
    ["합계", "total"],
  ];
  return h(
    "section",
    { class: "card changes", "aria-labelledby": "changes-title" },
    h("h2", { id: "changes-title" }, "개정으로 바뀐 금액"),
    h("p", {}, "이전 견적 ", h("a", { href: `/quotes/${encodeURIComponent(previous.id)}`, "data-link": "" }, previous.number), ` (개정 ${previous.revision || 1}) 대비`),
    h(
      "table",
      { class: "figures" },
      h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "항목"), ["이전", "이번", "변경"].map((name) => h("th", { scope: "col", class: "money" }, name)))),
      h(
        "tbody",
        {},
        rows.map(([name, key]) => {
          const [before, after] = [previous.totals[key] ?? 0, quote.totals[key] ?? 0]; // no discount: 0
          const delta = after - before;
          return h("tr", {}, h("th", { scope: "row" }, name), h("td", { class: "money" }, won(before)), h("td", { class: "money" }, won(after)), h("td", { class: `money ${delta > 0 ? "up" : delta < 0 ? "down" : ""}`, "data-testid": `delta-${key}` }, signedWon(delta)));
        }),
      ),
    ),
  );
}

// ------------------------------------------------------------------------------ downloads, evidence

const DOCUMENTS = [
  ["documents/xlsx", "견적서 Excel (.xlsx)"],
  ["documents/pdf", "견적서 PDF"],
  ["documents/svg", "도면 SVG"],
  ["documents/dxf", "도면 DXF (CAD)"],
  ["evidence.zip", "증빙 묶음 (.zip)"],
];

function downloads(quote, path) {
  const result = h("div", { class: "evidence-result", role: "status", "aria-live": "polite" });
  const buttons = DOCUMENTS.map(([suffix, name]) => {
    const button = h("button", { type: "button", class: "button-secondary" }, name);
    button.addEventListener("click", async () => {
      button.disabled = true;
      try {
        toast(`${await download(`${path}/${suffix}`)} 내려받음`);
      } catch (error) {
        if (!(error instanceof ApiError)) throw error;
        toast(`내려받지 못했습니다: ${error.message}`);
      } finally {
        button.disabled = false;
      }
    });
    return button;
  });
  const verify = h("button", { type: "button", class: "button-secondary" }, "증빙 검증");
  verify.addEventListener("click", async () => {
    verify.disabled = true;
    clear(result, h("p", {}, "증빙 파일을 다시 해시하는 중…"));
    try {
      clear(result, evidenceReport(await request(`${path}/evidence/verify`)));
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      clear(result, h("p", { class: "inline-error" }, error.message));
    } finally {
      verify.disabled = false;
    }
  });
  const files = Object.keys((quote.evidence && quote.evidence.files) || {}).length;
  return h(
    "section",
    { class: "card", "aria-labelledby": "downloads-title" },
    h("h2", { id: "downloads-title" }, "문서·증빙"),
    h("div", { class: "button-row" }, buttons),
    h("div", { class: "evidence" }, h("p", { class: "muted" }, `증빙 해시 `, h("code", {}, ((quote.evidence && quote.evidence.sha256) || "").slice(0, 16) + "…"), ` · 파일 ${files}개`), verify, result),
  );
}

function evidenceReport(report) {
  if (report.ok) {
    return h(
      "p",
      { class: "inline-ok", "data-testid": "evidence-ok" },
      "✓ 증빙이 온전합니다: 저장된 파일의 해시가 견적에 기록된 값과 같습니다.",
      report.signature_checked ? " 서명도 확인했습니다." : " (서명 키가 설정되지 않아 서명은 확인하지 않았습니다.)",
    );
  }
  const groups = [
    ["바뀐 파일", report.changed],
    ["없는 파일", report.missing],
    ["기록에 없는 파일", report.extra],
    ["문제", report.problems],
  ].filter(([, items]) => items && items.length);
  return h("div", { class: "inline-error" }, h("p", {}, "✕ 증빙이 기록과 다릅니다."), groups.map(([name, items]) => h("p", {}, `${name}: `, items.join(", "))));
}

// -------------------------------------------------------------------------------------------- panels

function gateOf(quote, id, index) {
  return quote.gates.find((gate) => gate.id === id && gate.panel === index);
}

function panelSection(quote, panel, index) {
  const titleId = `panel-${index}-title`;
  return h(
    "section",
    { class: "panel-result", "aria-labelledby": titleId },
    h("h2", { id: titleId }, `분전반 ${index + 1}: ${panel.name}`, panel.quantity > 1 ? ` × ${panel.quantity}면` : ""),
    h("div", { class: "two-up" }, enclosureCard(quote, panel, index), phaseCard(quote, panel, index)),
    bomTable(quote, panel, index),
    gatesTable(quote.gates.filter((gate) => gate.panel === index), `분전반 ${index + 1} 검사 결과`),
  );
}

function enclosureCard(quote, panel, index) {
  const box = panel.enclosure;
  const gate = gateOf(quote, "enclosure_fit", index);
  const limit = gate ? gate.limit : 0.9;
  const low = box.fit_score !== null && box.fit_score < limit;
  const custom = box.custom;
  const material = [box.material, box.thickness_mm ? `${box.thickness_mm}T` : null].filter(Boolean).join(" ");
  return h(
    "article",
    { class: "card enclosure", "aria-labelledby": `enclosure-${index}` },
    h("h3", { id: `enclosure-${index}` }, "외함 ", h("span", { class: `badge ${box.stock ? "badge-stock" : "badge-custom"}` }, box.stock ? "기성함" : "주문제작")),
    h(
      "dl",
      { class: "facts-list" },
      h("dt", {}, "모델"),
      h("dd", {}, box.model || "주문제작"),
      h("dt", {}, "필요 크기"),
      h("dd", { "data-testid": "required-size" }, `${size(box.required_mm)} mm`),
      h("dt", {}, "선정 크기"),
      h("dd", { "data-testid": "selected-size" }, h("strong", {}, `${size(box.size_mm)} mm`)),
      h("dt", {}, "적합도"),
      h("dd", {}, h("meter", { min: 0, max: 1, low: limit, optimum: 1, value: box.fit_score ?? 0, "aria-hidden": "true" }), ` ${num(box.fit_score)} `, low ? gateBadge("warn") : gateBadge("pass"), h("span", { class: "muted" }, ` 기준 ${num(limit)}`)),
      h("dt", {}, "사양"),
      h("dd", {}, [material, label("location", box.location), label("mount", box.mount)].join(" · ")),
      h("dt", {}, "가격"),
      h("dd", {}, won(box.price)),
    ),
    low && custom
      ? h("p", { class: "alternative", "data-testid": "custom-alternative" }, h("strong", {}, "적합도가 낮습니다. 주문제작 대안: "), `${size(custom.size_mm)} mm, ${won(custom.price)}`, h("span", { class: "muted" }, ` (${num(custom.area_pyeong)}평 × ${won(custom.rate_per_pyeong)} × 재질 ${num(custom.material_factor)})`))
      : null,
  );
}

const PHASE_CLASS = { R: "phase-r", S: "phase-s", T: "phase-t" };

function phaseCard(quote, panel, index) {
  const phases = panel.phases || {};
  const singlePhase = phases.supply && phases.supply.startsWith("1P");
  const peak = Math.max(phases.R || 0, phases.S || 0, phases.T || 0, 1);
  const counts = phases.counts || [];
  const balance = gateOf(quote, "phase_balance", index);
  const kec = gateOf(quote, "kec_unbalance", index);
  const bars = ["R", "S", "T"].map((name, i) => {
    const bar = h("span", { class: `phase-bar ${PHASE_CLASS[name]}` });
    bar.style.width = `${((phases[name] || 0) / peak) * 100}%`; // CSSOM: allowed by the page's CSP
    return h(
      "div",
      { class: "phase-row", "data-phase": name },
      h("span", { class: `phase-name ${PHASE_CLASS[name]}` }, name),
      h("span", { class: "phase-track", "aria-hidden": "true" }, bar),
      h("span", { class: "phase-value" }, `${num(phases[name])} A`, counts[i] !== undefined ? h("span", { class: "muted" }, ` · ${counts[i]}회로`) : null),
    );
  });
  return h(
    "article",
    { class: "card phases", "aria-labelledby": `phases-${index}` },
    h("h3", { id: `phases-${index}` }, "상평형 (R/S/T)"),
    h("p", { class: "muted" }, singlePhase ? "단상 공급: 상평형 계산 대상이 아닙니다." : "3상 4선식 380/220 V"),
    h("div", { class: "phase-bars" }, bars),
    singlePhase
      ? null
      : h(
          "dl",
          { class: "facts-list" },
          h("dt", {}, "불평형률"),
          h("dd", { "data-testid": "imbalance" }, `${num(phases.imbalance_pct)} %`, balance ? h("span", { class: "muted" }, ` (기준 ${num(balance.limit)} % 이하) `) : null, balance ? gateBadge(balance.status) : null),
          h("dt", {}, "설비불평형률"),
          h("dd", {}, `${num(phases.kec_unbalance_pct)} %`, kec ? h("span", { class: "muted" }, ` (한도 ${num(kec.limit)} %) `) : null, kec ? gateBadge(kec.status) : null),
          h("dt", {}, "배치"),
          h("dd", {}, phases.optimal ? "최적 배치 (증명됨)" : "최적 여부 미확인", h("span", { class: "muted" }, ` · 편차 ${num(phases.spread_a)} A, 하한 ${num(phases.spread_lower_bound_a)} A`)),
        ),
  );
}

function bomTable(quote, panel, index) {
  const caption = `분전반 ${index + 1} 자재 내역`;
  const foot = [h("tr", {}, h("th", { scope: "row", colspan: 6 }, "소계"), h("td", { class: "money" }, won(panel.subtotal)))];
  if (panel.quantity > 1) foot.push(h("tr", {}, h("th", { scope: "row", colspan: 6 }, `${panel.quantity}면 합계`), h("td", { class: "money" }, won(panel.amount))));
  if (quote.panels.length === 1) {
    foot.push(
      ...discountRows(quote, 6),
      h("tr", {}, h("th", { scope: "row", colspan: 6 }, "부가세"), h("td", { class: "money" }, won(quote.totals.vat))),
      h("tr", { class: "grand" }, h("th", { scope: "row", colspan: 6 }, "합계"), h("td", { class: "money", "data-testid": "bom-total" }, won(quote.totals.total))),
    );
  }
  return h(
    "div",
    { class: "table-wrap" },
    h(
      "table",
      { class: "bom" },
      h("caption", {}, caption),
      h("thead", {}, h("tr", {}, ["No", "품명", "규격", "단위", "수량", "단가", "금액"].map((name, i) => h("th", { scope: "col", class: i >= 4 ? "num" : null }, name)))),
      h(
        "tbody",
        {},
        panel.lines.map((line) => {
          const range = line.model && !line.adjustment ? priceRanges(quote)[`${index}:${line.model}`] : null;
          const price = line.adjustment
            ? [num(line.unit_price), adjustedNote(line.adjustment)]
            : range
              ? [num(line.unit_price), h("span", { class: "price-range", "data-testid": "price-range", title: "가격표의 가격 범위: 높은 값으로 견적" }, `범위 ${num(range[0])}~${num(range[1])}원`)]
              : num(line.unit_price);
          return h("tr", { "data-adjusted": line.adjustment ? line.adjustment.choice : null }, h("td", {}, line.no), h("td", {}, line.name), h("td", {}, line.spec, line.model && !line.spec.includes(line.model) ? h("span", { class: "muted" }, ` ${line.model}`) : null), h("td", {}, line.unit), h("td", { class: "num" }, num(line.qty)), h("td", { class: "money" }, price), h("td", { class: "money" }, num(line.amount)));
        }),
      ),
      h("tfoot", {}, foot),
    ),
  );
}

const CHOICES = { low: "최저가", high: "최고가", value: "범위 안 지정가", override: "정가 변경" };

/** Under an adjusted line's quoted unit price: its list price (and range), the choice and the reason. */
function adjustedNote(adjustment) {
  const range = adjustment.range ? ` (범위 ${num(adjustment.range[0])}~${num(adjustment.range[1])})` : "";
  const why = [CHOICES[adjustment.choice] || adjustment.choice, adjustment.reason].filter(Boolean).join(": ");
  return h("span", { class: "list-price", "data-testid": "list-price" }, "정가 ", h("s", {}, num(adjustment.list_price)), range, h("br"), why);
}

const RANGE_NOTE = /^panels\.(\d+): (\S+) price range (\d+)\|(\d+): quoted at the higher$/;

/**
 * "panel:model" → [low, high] of the breakers priced from a range. The quote JSON says so in its notes
 * (the engine's "panels.0: ABN-104 price range 54300|87300: quoted at the higher"), not on the line:
 * the line is found by its panel and model.
 */
function priceRanges(quote) {
  return Object.fromEntries(
    (quote.notes || []).map((note) => RANGE_NOTE.exec(note)).filter(Boolean).map((m) => [`${m[1]}:${m[2]}`, [Number(m[3]), Number(m[4])]]),
  );
}

function totalsTable(quote) {
  return h(
    "section",
    { class: "card", "aria-labelledby": "totals-title" },
    h("h2", { id: "totals-title" }, "견적 합계"),
    h(
      "table",
      { class: "figures" },
      h(
        "tbody",
        {},
        quote.panels.map((panel, index) => h("tr", {}, h("th", { scope: "row" }, `분전반 ${index + 1}: ${panel.name} × ${panel.quantity}`), h("td", { class: "money" }, won(panel.amount)))),
        h("tr", {}, h("th", { scope: "row" }, "소계"), h("td", { class: "money" }, won(quote.totals.subtotal))),
        discountRows(quote, 1),
        h("tr", {}, h("th", { scope: "row" }, "부가세"), h("td", { class: "money" }, won(quote.totals.vat))),
        h("tr", { class: "grand" }, h("th", { scope: "row" }, "합계"), h("td", { class: "money" }, won(quote.totals.total))),
      ),
    ),
  );
}

function gatesTable(gates, caption) {
  if (!gates.length) return null;
  return h(
    "div",
    { class: "table-wrap" },
    h(
      "table",
      { class: "gates" },
      h("caption", {}, caption),
      h("thead", {}, h("tr", {}, ["검사", "결과", "값 / 기준", "내용"].map((name) => h("th", { scope: "col" }, name)))),
      h(
        "tbody",
        {},
        gates.map((gate) => h("tr", { class: `gate-${gate.status}`, "data-gate": gate.id }, h("th", { scope: "row" }, GATE_NAMES[gate.id] || gate.id), h("td", {}, gateBadge(gate.status)), h("td", { class: "num" }, `${num(gate.value)} / ${num(gate.limit)}`), h("td", {}, gate.message))),
      ),
    ),
  );
}

// ------------------------------------------------------------------------------- drawing, the rest

function drawing(quote, path, view) {
  const frame = h("div", { class: "drawing-frame" }, h("p", { class: "muted" }, "도면을 불러오는 중…"));
  const zoom = h("button", { type: "button", class: "button-quiet", "aria-pressed": "false" }, "크게 보기");
  zoom.addEventListener("click", () => {
    const zoomed = frame.classList.toggle("zoomed");
    zoom.setAttribute("aria-pressed", String(zoomed));
    zoom.textContent = zoomed ? "전체 보기" : "크게 보기";
  });
  fetchFile(`${path}/documents/svg`)
    .then(({ blob }) => {
      if (!view.alive()) return;
      const url = URL.createObjectURL(new Blob([blob], { type: "image/svg+xml" }));
      const names = quote.panels.map((panel) => panel.name).join(", ");
      clear(frame, h("img", { src: url, alt: `정면도: ${names} (외함 ${quote.panels.map((panel) => size(panel.enclosure.size_mm)).join(", ")} mm, 메인·분기 차단기 배치와 R/S/T 상 표시)`, "data-testid": "drawing" }));
    })
    .catch((error) => clear(frame, h("p", { class: "inline-error" }, `도면을 불러오지 못했습니다: ${error.message}`)));
  return h("section", { class: "card drawing", "aria-labelledby": "drawing-title" }, h("div", { class: "card-head" }, h("h2", { id: "drawing-title" }, "정면도"), zoom), frame);
}

function documentChecks(quote) {
  const gates = quote.gates.filter((gate) => gate.panel === null || gate.panel === undefined);
  const notes = quote.notes || [];
  if (!gates.length && !notes.length) return null;
  return h(
    "section",
    { class: "card", "aria-labelledby": "checks-title" },
    h("h2", { id: "checks-title" }, "문서 검사·참고"),
    gatesTable(gates, "견적서 문서 검사"),
    notes.length ? h("ul", { class: "notes" }, notes.map((note) => h("li", {}, koreanNote(note)))) : null,
  );
}

function stages() {
  return h(
    "section",
    { class: "card", "aria-labelledby": "stages-title" },
    h("h2", { id: "stages-title" }, "계산 과정"),
    h("ol", { class: "stage-times" }, STAGES.filter(([stage]) => stage in lastRun.stages).map(([stage, name]) => h("li", {}, `${name} `, h("span", { class: "muted" }, milliseconds(lastRun.stages[stage]))))),
  );
}

// The engine writes its notes in English; these are the ones it knows, said in Korean.
const NOTES = [
  [/^no ECONOMY model for (\S+) (\d)P (\d+)AT: STANDARD (.+)$/, (m) => `${m[1]} ${m[2]}P ${m[3]}AT에 경제형 모델이 없어 표준형 ${m[4]}(으)로 견적했습니다.`],
  [/^(.+) price range (\d+)\|(\d+): quoted at the higher$/, (m) => `${m[1]} 가격이 ${num(+m[2])}~${num(+m[3])}원 범위여서 높은 값으로 견적했습니다.`],
  [/^(.+) price range (\d+)\|(\d+): quoted at (\d+) \(estimator's choice\)$/, (m) => `${m[1]} 가격 범위 ${num(+m[2])}~${num(+m[3])}원에서 ${num(+m[4])}원으로 견적했습니다 (견적자 지정).`],
  [/^(.+) kA range ([\d.]+)\|([\d.]+): quoted at the higher$/, (m) => `${m[1]} 차단용량이 ${m[2]}~${m[3]} kA 범위여서 높은 값으로 적었습니다.`],
  [/^brand MIXED: (.*)$/, (m) => `브랜드 혼용: ${m[1]}`],
];

function koreanNote(note) {
  const [, panel, text] = /^(?:panels\.(\d+): )?(.*)$/s.exec(note);
  const known = NOTES.find(([pattern]) => pattern.test(text));
  const said = known ? known[1](known[0].exec(text)) : text;
  return panel === undefined ? said : `분전반 ${Number(panel) + 1}: ${said}`;
}
