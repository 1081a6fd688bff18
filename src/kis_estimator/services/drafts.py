"""Drafts, panel templates and suggestions: the estimator's workspace (issue 16).

A draft is the request being typed, kept without a quote number: any JSON object (unfinished work is
not checked against the request model until it is saved as a quote), at most DRAFT_MAX_BYTES, owned by
the caller who made it and seen by no one else. Each save raises its `version`; a save names the version
it started from (HTTP If-Match), so that of two tabs editing one draft the later save is refused instead
of silently overwriting the other (lost update). Saving a draft as a quote runs the normal create and
deletes the draft in the quote's own transaction: the quote exists exactly when the draft is gone.

Services never commit: each function works in the session it is given, committed once by its caller.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from kis_estimator.db.drafts import (
    DraftPage,
    DraftRepository,
    DraftRow,
    Field,
    PanelTemplateRow,
    TemplateNameTaken,
    TemplateRepository,
    recent_values,
)
from kis_estimator.db.repository import QuoteRepository

MAX_DEPTH = 32  # a request is 6 levels deep; far deeper nesting is no one's form
MAX_SUGGESTIONS = 20
_BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")

# Work done inside the quote's transaction, given its session and the quote.
InTransaction = Callable[[Session, dict[str, Any]], None]
# The create use case: estimates and saves `request`, running the callback in the quote's transaction.
Create = Callable[[dict[str, Any], InTransaction], dict[str, Any]]


@dataclass(frozen=True)
class Limits:
    max_bytes: int
    max_drafts: int
    max_templates: int


class WorkspaceError(Exception):
    """A refusal of a workspace use case; the edge renders it with its status."""


class DraftNotFound(WorkspaceError):
    def __init__(self, draft_id: str) -> None:
        super().__init__(draft_id)
        self.draft_id = draft_id


class TemplateNotFound(WorkspaceError):
    def __init__(self, template_id: str) -> None:
        super().__init__(template_id)
        self.template_id = template_id


class QuoteNotFound(WorkspaceError):
    def __init__(self, quote_id: str) -> None:
        super().__init__(quote_id)
        self.quote_id = quote_id


class DraftChanged(WorkspaceError):
    """The draft was saved (by another tab) since the version the caller started from."""

    def __init__(self, row: DraftRow, expected: int) -> None:
        super().__init__(row.id)
        self.draft_id, self.current, self.expected = row.id, row.version, expected
        self.updated_at = row.updated_at.isoformat()


class DraftGone(WorkspaceError):
    """The draft disappeared or changed while it was being saved as a quote (the quote is not kept)."""

    def __init__(self, draft_id: str) -> None:
        super().__init__(draft_id)
        self.draft_id = draft_id


class TooLarge(WorkspaceError):
    def __init__(self, size: int, limit: int) -> None:
        super().__init__(size)
        self.size, self.limit = size, limit


class TooMany(WorkspaceError):
    def __init__(self, kind: str, limit: int) -> None:
        super().__init__(kind)
        self.kind, self.limit = kind, limit


class Unreadable(WorkspaceError):
    """Content a draft or template cannot hold: nesting too deep, text that is not Unicode, a bad name."""

    def __init__(self, path: str, message: str, hint: str) -> None:
        super().__init__(message)
        self.path, self.message, self.hint = path, message, hint


class NameTaken(WorkspaceError):
    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


# ------------------------------------------------------------------------------------------- checks


def _check_depth(value: Any, path: str) -> None:
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise Unreadable(
                path,
                f"{MAX_DEPTH}단계보다 깊게 중첩되어 있습니다 / Nested deeper than {MAX_DEPTH} levels",
                "요청 JSON의 모양을 확인해 주세요 / Check the shape of the request JSON.",
            )
        children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else ()
        stack.extend((child, depth + 1) for child in children)


def checked(value: dict[str, Any], limit: int, path: str) -> dict[str, Any]:
    """`value` when a draft may hold it: nesting within MAX_DEPTH, encodable text (no lone
    surrogate), at most `limit` bytes as compact JSON."""
    _check_depth(value, path)
    try:
        size = len(json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
    except UnicodeEncodeError:
        raise Unreadable(
            path,
            "글자로 읽을 수 없는 문자(짝 없는 서로게이트)가 있습니다 / The text holds a lone surrogate",
            "그 글자를 지우고 다시 보내 주세요 / Remove that character and send again.",
        ) from None
    if size > limit:
        raise TooLarge(size, limit)
    return value


def template_name(name: str) -> str:
    """The name trimmed; refused when empty, over 100 characters, or holding control or bidi characters."""
    trimmed = name.strip()
    if not trimmed or len(trimmed) > 100:
        raise Unreadable(
            "name",
            "템플릿 이름은 1–100자여야 합니다 / A template name is 1 to 100 characters",
            "예: 세대분전반 표준 / For example 세대분전반 표준.",
        )
    if any(ord(c) < 32 or ord(c) == 127 or c in _BIDI for c in trimmed):
        raise Unreadable(
            "name",
            "템플릿 이름에 제어 문자를 쓸 수 없습니다 / A template name cannot hold control characters",
            "보이는 글자만 써 주세요 / Use visible characters only.",
        )
    return trimmed


def _version_matches(row: DraftRow, expected: int | None) -> None:
    if expected is not None and expected != row.version:
        raise DraftChanged(row, expected)


# ------------------------------------------------------------------------------------------- drafts


def create_draft(
    session: Session, owner: str, request: dict[str, Any], limits: Limits, source_quote_id: str | None = None
) -> DraftRow:
    drafts = DraftRepository(session)
    checked(request, limits.max_bytes, "request")
    if drafts.count(owner) >= limits.max_drafts:
        raise TooMany("drafts", limits.max_drafts)
    return drafts.add(owner, request, source_quote_id)


def get_draft(session: Session, owner: str, draft_id: str, *, for_update: bool = False) -> DraftRow:
    row = DraftRepository(session).get(owner, draft_id, for_update=for_update)
    if row is None:
        raise DraftNotFound(draft_id)
    return row


def update_draft(
    session: Session,
    owner: str,
    draft_id: str,
    request: dict[str, Any],
    expected: int | None,
    limits: Limits,
) -> DraftRow:
    """Replace the draft's request; `expected` is the version the caller edited (None: any)."""
    checked(request, limits.max_bytes, "request")
    row = get_draft(session, owner, draft_id, for_update=True)
    _version_matches(row, expected)
    return DraftRepository(session).replace(row, request)


def list_drafts(session: Session, owner: str, page: int, size: int) -> DraftPage:
    """The owner's drafts, the last changed first."""
    return DraftRepository(session).page(owner, page, size)


def delete_draft(session: Session, owner: str, draft_id: str) -> None:
    if not DraftRepository(session).remove(owner, draft_id):
        raise DraftNotFound(draft_id)


def copy_quote(session: Session, owner: str, quote_id: str, limits: Limits) -> DraftRow:
    """A new draft holding the request of a saved quote (any quote, of any revision or status)."""
    quote = QuoteRepository(session).get(quote_id) if len(quote_id) <= 64 else None
    if quote is None:
        raise QuoteNotFound(quote_id)
    return create_draft(session, owner, copy.deepcopy(quote.request), limits, source_quote_id=quote.id)


def insert_template(
    session: Session, owner: str, draft_id: str, template_id: str, expected: int | None, limits: Limits
) -> DraftRow:
    """The template's panel appended to the draft's panels (a new version of the draft)."""
    row = get_draft(session, owner, draft_id, for_update=True)
    _version_matches(row, expected)
    template = get_template(session, owner, template_id)
    request = copy.deepcopy(row.request)
    panels = request.get("panels")
    request["panels"] = [*(panels if isinstance(panels, list) else []), copy.deepcopy(template.panel)]
    checked(request, limits.max_bytes, "request")
    return DraftRepository(session).replace(row, request)


def quote_from_draft(
    reads: sessionmaker[Session], owner: str, draft_id: str, expected: int | None, create: Create
) -> dict[str, Any]:
    """Save the draft as a quote: the normal create over its request, the draft deleted in the quote's
    transaction (raises DraftGone, undoing the quote, when another request saved or changed it since)."""
    with reads() as session:
        row = get_draft(session, owner, draft_id)
        _version_matches(row, expected)
        request, version = copy.deepcopy(row.request), row.version

    def consume(session: Session, quote: dict[str, Any]) -> None:
        if not DraftRepository(session).remove(owner, draft_id, version):
            raise DraftGone(draft_id)

    return create(request, consume)


# ---------------------------------------------------------------------------------------- templates


def create_template(
    session: Session, owner: str, name: str, panel: dict[str, Any], limits: Limits
) -> PanelTemplateRow:
    templates = TemplateRepository(session)
    trimmed = template_name(name)
    checked(panel, limits.max_bytes, "panel")
    if templates.count(owner) >= limits.max_templates:
        raise TooMany("templates", limits.max_templates)
    try:
        return templates.add(owner, trimmed, panel)
    except TemplateNameTaken:
        raise NameTaken(trimmed) from None


def get_template(session: Session, owner: str, template_id: str) -> PanelTemplateRow:
    row = TemplateRepository(session).get(owner, template_id)
    if row is None:
        raise TemplateNotFound(template_id)
    return row


def rename_template(session: Session, owner: str, template_id: str, name: str) -> PanelTemplateRow:
    trimmed = template_name(name)
    try:
        return TemplateRepository(session).rename(get_template(session, owner, template_id), trimmed)
    except TemplateNameTaken:
        raise NameTaken(trimmed) from None


def delete_template(session: Session, owner: str, template_id: str) -> None:
    if not TemplateRepository(session).remove(owner, template_id):
        raise TemplateNotFound(template_id)


def list_templates(session: Session, owner: str) -> list[PanelTemplateRow]:
    return TemplateRepository(session).all(owner)


# -------------------------------------------------------------------------------------- suggestions


def suggestions(session: Session, owner: str, field: Field, q: str, limit: int) -> list[str]:
    """Customer or project names to offer while typing: saved quotes' and the caller's drafts'."""
    return recent_values(session, owner, field, q.strip(), min(limit, MAX_SUGGESTIONS))
