// The live stage list of a running estimate, drawn from the SSE frames.

import { GATE_NAMES, gateBadge, h, milliseconds } from "./dom.js";

export const STAGES = [
  ["accepted", "접수"],
  ["validate", "입력 검증"],
  ["resolve", "차단기 선정"],
  ["enclosure", "외함 선정"],
  ["placement", "배치·상 배분"],
  ["critic", "검토"],
  ["pricing", "가격 산출"],
  ["format", "문서 작성"],
  ["cover", "표지·PDF"],
  ["lint", "문서 검사"],
  ["evidence", "증빙 생성"],
];

/** The stages of the last run in this tab, so the result page can show how it went. */
export const lastRun = { quoteId: null, stages: {} };

/** A progress panel; feed it frames with `onFrame` and end it with `fail(message)` or `finish()`. */
export function progressPanel() {
  const items = new Map(
    STAGES.map(([stage, name]) => [
      stage,
      h("li", { class: "stage", "data-stage": stage, "data-state": "waiting" }, h("span", { class: "stage-mark", "aria-hidden": "true" }), h("span", { class: "stage-name" }, name), h("span", { class: "stage-state" }, "대기")),
    ]),
  );
  const bar = h("progress", { max: STAGES.length - 1, value: 0, "aria-label": "진행률" });
  const status = h("p", { class: "progress-status", role: "status", "aria-live": "polite" }, "계산을 시작합니다…");
  const gates = h("ul", { class: "live-gates" });
  const el = h(
    "section",
    { class: "card progress", "aria-labelledby": "progress-title" },
    h("h2", { id: "progress-title" }, "계산 진행"),
    bar,
    status,
    h("ol", { class: "stages" }, [...items.values()]),
    gates,
  );
  lastRun.quoteId = null;
  lastRun.stages = {};

  function mark(stage, state, text) {
    const item = items.get(stage);
    if (!item) return;
    item.dataset.state = state;
    item.querySelector(".stage-state").textContent = text;
  }

  return {
    el,
    onFrame(frame) {
      if (frame.meta && frame.meta.quoteId) lastRun.quoteId = frame.meta.quoteId;
      if (frame.type === "PROGRESS") {
        const { stage, step, ms } = frame.data;
        lastRun.stages[stage] = ms;
        mark(stage, "done", `완료 · ${milliseconds(ms)}`);
        const index = STAGES.findIndex(([name]) => name === stage);
        if (index >= 0 && index + 1 < STAGES.length) mark(STAGES[index + 1][0], "running", "진행 중");
        bar.value = step;
        status.textContent = `${STAGES[index] ? STAGES[index][1] : stage} 완료 (${step}/${STAGES.length - 1})`;
      } else if (frame.type === "GATE_RESULT") {
        const gate = frame.data;
        gates.append(h("li", {}, gateBadge(gate.status), " ", GATE_NAMES[gate.id] || gate.id));
      } else if (frame.type === "DONE") {
        bar.value = bar.max;
        status.textContent = "계산이 끝났습니다. 결과를 엽니다…";
      }
    },
    fail(message) {
      el.querySelectorAll("[data-state='running']").forEach((item) => {
        item.dataset.state = "failed";
        item.querySelector(".stage-state").textContent = "중단";
      });
      el.classList.add("failed");
      status.textContent = `계산이 중단되었습니다: ${message}`;
    },
  };
}
