"""The shorthand's grammar: words (`words.lex`) → the request JSON, every word placed or refused.

A panel starts at the text's start or at a line's label (`LP-1:`); words before the first label that
name no breaker are defaults of every panel. Request words (brand, P커버) may stand anywhere. `메인`
opens the main breaker; any other breaker is a branch (in a `단독` panel the only breaker is the main).
A breaker is its type, poles, AT and frame words: a type, poles or AT word opens the next breaker once
the open one has both poles and AT, and any word opens one when its slot is already filled. A quantity
or grade belongs to the open item; a grade before a panel's first breaker is every breaker's. A
separator closes the open item. docs/shorthand.md is the reference, with examples the tests parse.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kis_estimator.shorthand.words import Word, lex, suggestion

# The usual model of an accessory named by its kind alone (MAGNET has none: its size must be given).
USUAL_MODEL = {"SPD": "SPD-40KA", "TIMER": "TIMER-24H", "PBL": "PBL-ONOFF"}
_BREAKER_SLOTS = {"type": "type", "poles": "poles", "at": "trip_at", "frame": "frame_af"}
_OPENING = {"type", "poles", "at"}
_PANEL_SLOTS = {
    "location": "enclosure.location",
    "mount": "enclosure.mount",
    "material": "enclosure.material",
    "thickness": "enclosure.thickness_mm",
    "sets": "quantity",
    "alone": "alone",
}


@dataclass(frozen=True)
class Problem:
    """A word the grammar cannot place: a stable code, Korean and English messages and a hint."""

    code: str
    message_ko: str
    message_en: str
    hint: str
    word: Word
    suggestion: str | None = None

    def as_dict(self) -> dict[str, Any]:
        found = {"suggestion": self.suggestion} if self.suggestion else {}
        return {
            "code": self.code,
            "message": f"{self.message_ko} / {self.message_en}",
            "hint": self.hint,
            "path": "text",
            **self.word.position(),
            **found,
        }


@dataclass
class _Item:
    """An open breaker (role main or branch) or accessory, with the words that made it."""

    role: str  # main, branch, accessory
    words: list[Word]
    fields: dict[str, Any] = field(default_factory=dict)

    @property
    def complete(self) -> bool:
        return "poles" in self.fields and "trip_at" in self.fields


@dataclass
class _Panel:
    words: list[Word]
    name: str | None = None
    settings: dict[str, tuple[Any, Word]] = field(default_factory=dict)
    grade: tuple[str, Word] | None = None
    items: list[_Item] = field(default_factory=list)


@dataclass(frozen=True)
class Parsed:
    """The request (without customer), what each word meant, where each request path came from, and
    the problems (empty when every word was placed)."""

    request: dict[str, Any]
    words: list[tuple[Word, str]]  # each word with the request path it set ("" for a separator)
    defaults: list[tuple[str, tuple[int, int]]]  # what was assumed (a branch's qty 1), and for which words
    spans: dict[str, tuple[int, int]]
    problems: list[Problem]


class _Reader:
    def __init__(self, models: dict[str, str]) -> None:
        self.models = models
        self.panels: list[_Panel] = []
        self.request: dict[str, tuple[Any, Word]] = {}
        self.problems: list[Problem] = []
        self.placed: list[tuple[Word, str]] = []
        self.defaults: list[tuple[str, tuple[int, int]]] = []
        self.open: _Item | None = None
        self.pcover: Word | None = None

    # ------------------------------------------------------------------------------------ problems

    def refuse(self, code: str, word: Word, ko: str, en: str, hint: str) -> None:
        self.problems.append(Problem(code, ko, en, hint, word))

    def conflict(self, word: Word, earlier: Word) -> None:
        self.refuse(
            "SHORTHAND_CONFLICT",
            word,
            f"‘{word.text}’는 앞의 ‘{earlier.text}’({earlier.start}번째 글자)와 겹칩니다",
            f"‘{word.text}’ contradicts ‘{earlier.text}’ at {earlier.start}",
            "둘 중 하나만 적어 주세요. 분전반이 여럿이면 줄마다 ‘LP-1:’처럼 이름을 붙여 주세요 / "
            "Keep one of them; give each panel its own line with a label such as ‘LP-1:’.",
        )

    def misplaced(self, word: Word, ko: str, en: str, hint: str) -> None:
        self.refuse("SHORTHAND_MISPLACED", word, ko, en, hint)

    # ------------------------------------------------------------------------------------- reading

    @property
    def panel(self) -> _Panel:
        return self.panels[-1]

    def close(self) -> None:
        item, self.open = self.open, None
        if (
            item
            and item.role == "accessory"
            and item.fields["kind"] == "MAGNET"
            and "model" not in item.fields
        ):
            sizes = sorted((m for m, k in self.models.items() if k == "MAGNET"), key=len)
            self.refuse(
                "SHORTHAND_INCOMPLETE",
                item.words[0],
                "마그네트는 크기를 함께 적어 주세요",
                "A contactor needs its size",
                f"예: 마그네트 MC-22 2개, 마그네트 22A (카탈로그: {', '.join(sizes[:12])}) / "
                "e.g. 마그네트 MC-22 2개.",
            )

    def start(self, role: str, word: Word) -> _Item:
        self.close()
        item = _Item(role, [word])
        self.panel.items.append(item)
        self.open = item
        return item

    def read(self, word: Word) -> None:
        if self.pcover is not None and not (
            word.kind == "acrylic" or (word.kind == "material" and word.value == "STEEL")
        ):
            self.refuse(
                "SHORTHAND_INCOMPLETE",
                self.pcover,
                "P커버 다음에는 재질(철판 또는 아크릴)을 적어 주세요",
                "P커버 must be followed by 철판 or 아크릴",
                "예: P커버 철판 / e.g. P커버 철판.",
            )
            self.pcover = None
        handler = getattr(self, f"_{word.kind}")
        handler(word)

    def _label(self, word: Word) -> None:
        self.close()
        current = self.panel
        if current.name is None and not current.items and not current.settings and current.grade is None:
            current.name, current.words = word.value, [word]
        else:
            self.panels.append(_Panel([word], name=word.value))
        self.placed.append((word, "name"))

    def _sep(self, word: Word) -> None:
        self.close()
        self.placed.append((word, ""))

    def _unknown(self, word: Word) -> None:
        hint = (
            "숫자 뒤에 단위를 붙여 주세요: 4P, 20A, 225AF, 12개, 3면, 1.0T / Give the number its unit."
            if word.text.isdigit()
            else "LS·상도, 메인·분기, ELB·MCCB, 4P, 20A, 225AF, 12개, 3면, 옥내·옥외, 철판·SUS, 마그네트 MC-22 같은 "
            "낱말로 써 주세요 (docs/shorthand.md) / Use the words of docs/shorthand.md."
        )
        self.problems.append(
            Problem(
                "SHORTHAND_UNKNOWN_WORD",
                f"‘{word.text}’는 알 수 없는 말입니다",
                f"Unknown word ‘{word.text}’",
                hint,
                word,
                suggestion(word.text, self.models),
            )
        )

    def _set_request(self, key: str, word: Word, value: Any) -> None:
        earlier = self.request.get(key)
        if earlier is not None and earlier[0] != value:
            self.conflict(word, earlier[1])
            return
        self.request[key] = (value, word)
        self.placed.append((word, key))

    def _brand(self, word: Word) -> None:
        self._set_request("brand", word, word.value)

    def _pcover(self, word: Word) -> None:
        self.pcover = word
        self.placed.append((word, "options.p_cover"))

    def _acrylic(self, word: Word) -> None:
        if self.pcover is None:
            self.misplaced(
                word, "‘아크릴’은 P커버 다음에만 씁니다", "‘아크릴’ follows P커버", "예: P커버 아크릴."
            )
            return
        self.pcover = None
        self._set_request("options.p_cover", word, "ACRYLIC")

    def _panel_setting(self, word: Word, slot: str, value: Any) -> None:
        earlier = self.panel.settings.get(slot)
        if earlier is not None and earlier[0] != value:
            self.conflict(word, earlier[1])
            return
        self.panel.settings[slot] = (value, word)
        self.placed.append((word, slot))

    def _material(self, word: Word) -> None:
        if self.pcover is not None:
            self.pcover = None
            self._set_request("options.p_cover", word, "STEEL")
            return
        self._panel_setting(word, "enclosure.material", word.value)

    def _location(self, word: Word) -> None:
        self._panel_setting(word, "enclosure.location", word.value)

    def _mount(self, word: Word) -> None:
        self._panel_setting(word, "enclosure.mount", word.value)

    def _thickness(self, word: Word) -> None:
        self._panel_setting(word, "enclosure.thickness_mm", word.value)

    def _sets(self, word: Word) -> None:
        self._panel_setting(word, "quantity", word.value)

    def _alone(self, word: Word) -> None:
        self._panel_setting(word, "alone", True)

    def _role(self, word: Word) -> None:
        if word.value == "branch":
            self.close()
            self.placed.append((word, "branches"))
            return
        earlier = next((i for i in self.panel.items if i.role == "main"), None)
        if earlier is not None:
            self.conflict(word, earlier.words[0])
            return
        self.start("main", word)
        self.placed.append((word, "main"))

    def _breaker_word(self, word: Word) -> None:
        slot = _BREAKER_SLOTS[word.kind]
        item = self.open
        magnet = item is not None and item.role == "accessory" and item.fields["kind"] == "MAGNET"
        if magnet and word.kind == "at" and item is not None and "model" not in item.fields:
            self._magnet_size(item, word)
            return
        fresh = (
            item is None
            or item.role == "accessory"
            or slot in item.fields
            or (word.kind in _OPENING and item.complete)
        )
        if fresh:
            alone = self.panel.settings.get("alone") is not None
            has_main = any(i.role == "main" for i in self.panel.items)
            item = self.start("main" if alone and not has_main else "branch", word)
        else:
            assert item is not None
            item.words.append(word)
        item.fields[slot] = word.value
        self.placed.append((word, slot))

    _type = _poles = _at = _frame = _breaker_word

    def _magnet_size(self, item: _Item, word: Word) -> None:
        model = next(
            (m for m, k in self.models.items() if k == "MAGNET" and m.upper() == f"MC-{word.value}"), None
        )
        if model is None:
            self.refuse(
                "SHORTHAND_INCOMPLETE",
                word,
                f"카탈로그에 {word.value}A 마그네트(MC-{word.value})가 없습니다",
                f"No contactor MC-{word.value} in the catalog",
                "카탈로그의 마그네트 모델을 적어 주세요 / Name a contactor model of the catalog.",
            )
            item.fields["model"] = None
        else:
            item.fields["model"] = model
        item.words.append(word)
        self.placed.append((word, "model"))

    def _qty(self, word: Word) -> None:
        item = self.open
        if item is None or item.role == "main":
            self.misplaced(
                word,
                f"‘{word.text}’가 붙을 분기나 부속이 없습니다",
                f"‘{word.text}’ follows no branch or accessory",
                "수량은 분기·부속 바로 뒤에 씁니다(메인은 1개). 같은 분전반 여러 면은 ‘3면’ / "
                "A quantity follows a branch or accessory; identical panels: ‘3면’.",
            )
            return
        if "qty" in item.fields:
            self.conflict(word, next(w for w in item.words if w.kind == "qty"))
            return
        item.fields["qty"] = word.value
        item.words.append(word)
        self.placed.append((word, "qty"))

    def _grade(self, word: Word) -> None:
        item = self.open
        if item is not None and item.role != "accessory":
            if "grade" in item.fields:
                self.conflict(word, next(w for w in item.words if w.kind == "grade"))
                return
            item.fields["grade"] = word.value
            item.words.append(word)
            self.placed.append((word, "grade"))
        elif not any(i.role != "accessory" for i in self.panel.items):
            if self.panel.grade is not None and self.panel.grade[0] != word.value:
                self.conflict(word, self.panel.grade[1])
                return
            self.panel.grade = (word.value, word)
            self.placed.append((word, "grade"))
        else:
            self.misplaced(
                word,
                f"‘{word.text}’가 붙을 차단기가 없습니다",
                f"‘{word.text}’ follows no breaker",
                "등급은 첫 차단기 앞(분전반 전체) 또는 차단기 바로 뒤(그 차단기)에 씁니다 / "
                "A grade goes before the first breaker (all) or right after one breaker.",
            )

    def _accessory(self, word: Word, kind: str, model: str | None) -> None:
        item = self.start("accessory", word)
        item.fields["kind"] = kind
        if model is not None:
            item.fields["model"] = model
        self.placed.append((word, "kind"))

    def _acc_kind(self, word: Word) -> None:
        self._accessory(word, word.value, USUAL_MODEL.get(word.value))

    def _acc_model(self, word: Word) -> None:
        model, kind = word.value
        item = self.open
        if item is not None and item.role == "accessory" and "model" not in item.fields:
            if item.fields["kind"] != kind:
                self.conflict(word, item.words[0])
                return
            item.fields["model"] = model
            item.words.append(word)
            self.placed.append((word, "model"))
            return
        self._accessory(word, kind, model)

    def _pbl(self, word: Word) -> None:
        item = self.open
        if item is not None and item.role == "accessory" and item.fields["kind"] == "MAGNET":
            if item.fields.get("with_pbl"):
                self.conflict(word, next(w for w in item.words if w.kind == "pbl"))
                return
            item.fields["with_pbl"] = True
            item.words.append(word)
            self.placed.append((word, "with_pbl"))
            return
        self._accessory(word, "PBL", USUAL_MODEL["PBL"])


# ------------------------------------------------------------------------------------- assembling


_SLOT_OF_KIND = {
    "type": "type",
    "poles": "poles",
    "at": "trip_at",
    "frame": "frame_af",
    "qty": "qty",
    "grade": "grade",
}
_ACCESSORY_SLOT_OF_KIND = {
    "acc_kind": "kind",
    "acc_model": "model",
    "at": "model",
    "qty": "qty",
    "pbl": "with_pbl",
}


def _span(words: list[Word]) -> tuple[int, int]:
    return (min(w.start for w in words), max(w.end for w in words))


def _item_spans(item: _Item, path: str, spans: dict[str, tuple[int, int]]) -> None:
    """The item's span at `path`, and each of its words' at the field it set."""
    spans[path] = _span(item.words)
    slots = _ACCESSORY_SLOT_OF_KIND if item.role == "accessory" else _SLOT_OF_KIND
    for word in item.words:
        if word.kind in slots:
            spans[f"{path}.{slots[word.kind]}"] = (word.start, word.end)


def _breaker(reader: _Reader, item: _Item, grade: str | None, branch: bool) -> dict[str, Any]:
    if "type" not in item.fields:
        reader.defaults.append(("종류가 없어 MCCB(배선용)로 봅니다", _span(item.words)))
    if branch and "qty" not in item.fields:
        reader.defaults.append(("수량이 없어 1개로 봅니다", _span(item.words)))
    out: dict[str, Any] = {"type": item.fields.get("type", "MCCB")}
    for key in ("poles", "trip_at", "frame_af"):
        if key in item.fields:
            out[key] = item.fields[key]
    if "grade" in item.fields or grade:
        out["grade"] = item.fields.get("grade", grade)
    if branch:
        out["qty"] = item.fields.get("qty", 1)
    return out


def _panel_request(
    reader: _Reader, panel: _Panel, defaults: _Panel | None, path: str, spans: dict[str, tuple[int, int]]
) -> dict[str, Any]:
    settings = {**(defaults.settings if defaults else {}), **panel.settings}
    grade_of = panel.grade or (defaults.grade if defaults else None)
    grade = grade_of[0] if grade_of else None
    out: dict[str, Any] = {}
    if panel.name:
        out["name"] = panel.name
    if panel.words or panel.items:  # a panel of no words (an empty text) has no position
        spans[path] = _span(panel.words + [w for i in panel.items for w in i.words])
    for slot, (value, word) in settings.items():
        spans[f"{path}.{slot}"] = (word.start, word.end)
        if slot == "quantity":
            out["quantity"] = value
        elif slot.startswith("enclosure."):
            out.setdefault("enclosure", {})[slot.removeprefix("enclosure.")] = value
    alone = settings.get("alone")
    breakers = [i for i in panel.items if i.role != "accessory"]
    main_missing = not any(i.role == "main" for i in breakers)
    if alone is not None and breakers and main_missing and "qty" not in breakers[0].fields:
        breakers[0].role = "main"  # `LS 4P 400A 단독`: the word came after its breaker
    branches: list[dict[str, Any]] = []
    accessories: list[dict[str, Any]] = []
    for item in panel.items:
        if item.role == "main":
            out["main"] = _breaker(reader, item, grade, branch=False)
            _item_spans(item, f"{path}.main", spans)
        elif item.role == "branch":
            if alone is not None:
                reader.misplaced(
                    item.words[0],
                    f"‘{alone[1].text}’(메인만) 분전반에 분기가 있습니다",
                    "A main-only (단독) panel has a branch",
                    "‘단독’을 빼거나 분기를 지워 주세요 / Remove ‘단독’ or the branch.",
                )
            _item_spans(item, f"{path}.branches.{len(branches)}", spans)
            branches.append(_breaker(reader, item, grade, branch=True))
        else:
            _item_spans(item, f"{path}.accessories.{len(accessories)}", spans)
            accessories.append({k: v for k, v in item.fields.items() if v is not None})
    if branches:
        out["branches"] = branches
    if accessories:
        out["accessories"] = accessories
    return out


def parse(text: str, accessory_models: dict[str, str] | None = None) -> Parsed:
    """Read `text`. `accessory_models`: the catalog's accessory model → kind (MC-22 → MAGNET)."""
    reader = _Reader(dict(accessory_models or {}))
    reader.panels.append(_Panel([]))
    for word in lex(text, reader.models):
        reader.read(word)
    reader.read(Word("", len(text), len(text), "sep"))  # closes the last item and a dangling P커버
    reader.placed.pop()
    panels = reader.panels
    defaults = None
    if len(panels) > 1 and panels[0].name is None and not panels[0].items:
        defaults = panels.pop(0)
    spans: dict[str, tuple[int, int]] = {}
    request: dict[str, Any] = {}
    for key, (value, word) in reader.request.items():
        spans[key] = (word.start, word.end)
        if key == "brand":
            request["brand"] = value
    request["panels"] = [
        _panel_request(reader, p, defaults, f"panels.{i}", spans) for i, p in enumerate(panels)
    ]
    if "options.p_cover" in reader.request:
        request["options"] = {"p_cover": reader.request["options.p_cover"][0]}
    problems = sorted(reader.problems, key=lambda p: p.word.start)
    return Parsed(request, reader.placed, sorted(reader.defaults, key=lambda d: d[1]), spans, problems)


_LABELS = {
    "": "구분",
    "name": "분전반 이름",
    "brand": "브랜드",
    "options.p_cover": "P-COVER",
    "enclosure.location": "설치장소",
    "enclosure.mount": "설치방식",
    "enclosure.material": "외함 재질",
    "enclosure.thickness_mm": "외함 두께 mm",
    "quantity": "같은 분전반 면 수",
    "alone": "단독 (메인만)",
    "main": "주 차단기",
    "branches": "분기 차단기",
    "type": "차단기 종류",
    "poles": "극수",
    "trip_at": "정격 AT",
    "frame_af": "프레임 AF",
    "qty": "수량",
    "grade": "등급",
    "kind": "부속자재",
    "model": "모델",
    "with_pbl": "PBL 포함",
}


def describe(word: Word, key: str) -> str:
    """What a placed word set, in the estimator's words: `20A` → `정격 AT 20`."""
    label = _LABELS[key]
    if word.kind == "acc_model":
        return f"{label} {word.value[0]}"
    if key == "kind":
        kind = word.value or "PBL"
        model = USUAL_MODEL.get(kind)
        return f"{label} {kind}" + (f" ({model})" if model else "")
    if word.value is None or word.value is True or key in ("main", "branches", ""):
        return label
    return f"{label} {word.value}"
