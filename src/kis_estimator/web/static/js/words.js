// The API's problems in the estimator's words: a request path (panels.0.main.poles) becomes the label
// of its field (주 차단기 극수), code values (INDOOR) the words of the form (옥내), and the English half
// of a bilingual message is left to API clients. The API keeps its `path`; this is display only.

import { LABELS } from "./dom.js";

const HEAD = {
  "customer.name": "고객명",
  "customer.contact": "담당자",
  "customer.phone": "전화",
  "customer.email": "이메일",
  customer: "고객",
  project: "건명",
  brand: "브랜드",
  mixed_reason: "혼용 사유",
  "options.p_cover": "P-COVER",
  discount: "할인",
  "discount.percent": "할인율",
  "discount.amount": "할인 금액",
  "discount.reason": "할인 사유",
  panels: "분전반",
};

const PARTS = { main: "주 차단기", enclosure: "외함", branches: "분기", accessories: "부속", extra_lines: "추가 항목" };

// The last word of a path, by the part it belongs to ("" = the panel itself).
const FIELDS = {
  "": { name: "분전반 이름", quantity: "수량 (면)" },
  enclosure: {
    location: "설치장소",
    mount: "설치방식",
    material: "재질",
    thickness_mm: "두께",
    kind: "기성함/주문제작",
    series: "외함 시리즈",
    size_mm: "외함 크기",
  },
  main: { type: "종류", poles: "극수", trip_at: "정격 AT", frame_af: "프레임 AF", model: "모델", grade: "등급", brand: "제조사" },
  branches: { type: "종류", poles: "극수", trip_at: "AT", qty: "수량", load_a: "부하", circuit: "회로명", frame_af: "프레임 AF", model: "모델", grade: "등급", brand: "제조사" },
  accessories: { kind: "종류", model: "모델", qty: "수량", with_pbl: "PBL 포함", unit_price: "단가" },
  extra_lines: { name: "품명", spec: "규격", unit: "단위", qty: "수량", unit_price: "단가" },
};

const SIZE = ["외함 폭 W", "외함 높이 H", "외함 깊이 D"];

/** The Korean name of a request path; `panelCount` > 1 names the panel too ("분전반 2 주 차단기 극수"). */
export function pathLabel(path, panelCount = 1) {
  if (!path) return "";
  if (HEAD[path]) return HEAD[path];
  const parts = path.split(".");
  if (parts[0] !== "panels" || !/^\d+$/.test(parts[1] || "")) return HEAD[parts[0]] || path;
  const words = panelCount > 1 || parts.length === 2 ? [`분전반 ${Number(parts[1]) + 1}`] : [];
  const rest = parts.slice(2);
  const part = rest[0] in PARTS ? rest.shift() : "";
  if (part === "main") words.push(PARTS.main);
  else if (part && part !== "enclosure") {
    words.push(/^\d+$/.test(rest[0] || "") ? `${PARTS[part]} ${Number(rest.shift()) + 1}` : PARTS[part]);
  } else if (part === "enclosure" && !rest.length) words.push(PARTS.enclosure);
  const leaf = rest[0];
  if (leaf === "size_mm" && /^[0-2]$/.test(rest[1] || "")) words.push(SIZE[Number(rest[1])]);
  else if (leaf === "unit_price" && part !== "extra_lines") words.push(rest[1] === "reason" ? "단가 사유" : "단가");
  else if (leaf !== undefined) words.push(FIELDS[part][leaf] || leaf);
  return words.join(" ");
}

// Code values the API names in its messages, in the form's words.
const VALUES = Object.fromEntries(
  ["pCover", "location", "mount", "material", "kind", "grade"] // STEEL: 스틸 (the material) over 철판
    .flatMap((kind) => LABELS[kind])
    .concat([["SANGDO", "상도"], ["MIXED", "혼용"]])
    .filter(([value]) => value),
);

// Field names the API uses bare in its Korean text ("location을 OUTDOOR로 …").
const BARE = { ...FIELDS.enclosure, poles: "극수", trip_at: "AT", frame_af: "프레임 AF", load_a: "부하", quantity: "수량 (면)", qty: "수량", p_cover: "P-COVER", mixed_reason: "혼용 사유", with_pbl: "PBL 포함", unit_price: "단가", reason: "단가 사유" };

// The price choices the API names in quotes ("low", "high"), as the 단가 cell takes them.
const PRICE_CHOICES = { '"low"': "‘최저가’", '"high"': "‘최고가’" };

/** 을/를, 이/가, 은/는, 과/와, (으)로 after `word`, by its last syllable. */
function particle(word, given) {
  const last = word.charCodeAt(word.length - 1);
  const hangul = last >= 0xac00 && last <= 0xd7a3;
  if (!hangul) return given;
  const final = (last - 0xac00) % 28;
  const pairs = { 을: ["을", "를"], 를: ["을", "를"], 이: ["이", "가"], 가: ["이", "가"], 은: ["은", "는"], 는: ["은", "는"], 과: ["과", "와"], 와: ["과", "와"] };
  if (given === "로" || given === "으로") return final === 0 || final === 8 ? "로" : "으로";
  const pair = pairs[given];
  return pair ? pair[final === 0 ? 1 : 0] : given;
}

/** Replace each match of `pattern` (no capture groups) by `say(match)`, fixing the particle after it. */
function replaceWord(text, pattern, say) {
  return text.replace(new RegExp(`(${pattern})(으로|로|을|를|이|가|은|는|과|와)?`, "g"), (all, word, josa) => {
    const words = say(word);
    return words + (josa ? particle(words, josa) : "");
  });
}

const LEAVES = { name: "이름", type: "종류", model: "모델", kind: "종류", spec: "규격", unit: "단위", circuit: "회로명" };

/** The Korean half of a bilingual "한국어 / English" text. */
function koreanHalf(text) {
  const found = /^(.*?[^\x00-\x7F].*?) \/ [\x00-\x7F]+$/s.exec(text || "");
  return found ? found[1] : text || "";
}

/** A text of the API in the estimator's words: paths, bare field names and code values replaced. */
export function sayText(text, panelCount = 1) {
  let said = koreanHalf(text);
  said = replaceWord(said, "(?:panels\\.\\d+(?:\\.[a-z_]+|\\.\\d+)*|customer\\.[a-z_]+|options\\.[a-z_]+|discount\\.[a-z_]+)", (path) => pathLabel(path, panelCount));
  said = replaceWord(said, '"(?:low|high)"', (word) => PRICE_CHOICES[word]);
  said = replaceWord(said, `'(?:${Object.keys(BARE).join("|")}|name|type|model|kind|spec|unit|circuit)'`, (word) => `'${BARE[word.slice(1, -1)] || LEAVES[word.slice(1, -1)]}'`);
  said = replaceWord(said, `\\b(?:${Object.keys(BARE).join("|")})\\b`, (word) => BARE[word]);
  said = replaceWord(said, `\\b(?:${Object.keys(VALUES).join("|")})\\b`, (value) => VALUES[value]);
  return said.replace(/값을 보내 주세요/g, "값을 입력해 주세요");
}

/** A problem ({code, message, hint, path}) as the UI shows it: a missing value is named by its label. */
export function sayProblem(problem, panelCount = 1) {
  const field = pathLabel(problem.path, panelCount);
  if (problem.code === "REQ_MORE_INFO" && problem.path && /^필수 항목이 없습니다/.test(problem.message || "")) {
    return { ...problem, message: `필수 항목이 없습니다: ${field}`, hint: `${field}${particle(field, "을")} 입력해 주세요.` };
  }
  return { ...problem, message: sayText(problem.message, panelCount), hint: sayText(problem.hint, panelCount) };
}
