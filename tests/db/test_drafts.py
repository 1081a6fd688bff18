"""The drafts and templates repository on SQLite and a real PostgreSQL: owners kept apart, a draft
removed only at the version read, template names unique per owner, and recent names merged from quotes
and drafts, newest use first (timestamps of either kind of column compared in UTC)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from kis_estimator.db.drafts import DraftRepository, TemplateNameTaken, TemplateRepository, recent_values
from kis_estimator.db.engine import make_engine, session_factory
from kis_estimator.db.models import DraftRow, QuoteRow
from kis_estimator.services.saving import SaveContext, save_estimate
from tests.factories import DOMAIN_S8


def test_drafts_belong_to_their_owner_and_go_only_at_the_version_read(db_url: str) -> None:
    sessions = session_factory(make_engine(db_url))
    with sessions.begin() as session:
        drafts = DraftRepository(session)
        mine = drafts.add("key:1", {"customer": {"name": "동양\x00기전"}, "panels": [{}, {}]})
        drafts.add("key:2", {})
        assert (mine.customer_name, mine.panel_count) == ("동양기전", 2)  # NUL kept out of the column
        draft_id = mine.id
    with sessions.begin() as session:
        drafts = DraftRepository(session)
        assert drafts.get("key:2", draft_id) is None and drafts.count("key:1") == 1
        row = drafts.get("key:1", draft_id, for_update=True)
        assert row is not None
        drafts.replace(row, {"project": "x" * 300})
        assert (row.version, row.customer_name, row.project) == (2, None, "x" * 200)
    with sessions.begin() as session:
        drafts = DraftRepository(session)
        assert not drafts.remove("key:1", draft_id, version=1)  # changed since: stays
        assert not drafts.remove("key:2", draft_id)  # another owner's
        assert drafts.remove("key:1", draft_id, version=2)
        assert drafts.get("key:1", draft_id) is None and not drafts.remove("key:1", "\x00")


def test_template_names_are_unique_per_owner(db_url: str) -> None:
    sessions = session_factory(make_engine(db_url))
    with sessions.begin() as session:
        templates = TemplateRepository(session)
        first = templates.add("key:1", "세대분전반 표준", {"name": "LP"})
        templates.add("key:2", "세대분전반 표준", {})  # another owner may use the name
        with pytest.raises(TemplateNameTaken):
            templates.add("key:1", "세대분전반 표준", {})
        second = templates.add("key:1", "가로등", {})
        with pytest.raises(TemplateNameTaken):
            templates.rename(second, "세대분전반 표준")
        assert [t.name for t in templates.all("key:1")] == ["가로등", "세대분전반 표준"]
        assert templates.get("key:2", first.id) is None


def test_recent_names_come_from_quotes_and_the_owners_drafts_newest_first(
    db_url: str, context: SaveContext
) -> None:
    with context.sessions.begin() as session:
        quote = save_estimate(context, {**DOMAIN_S8, "customer": {"name": "대한전기"}}, session=session)
        session.execute(
            update(QuoteRow)
            .where(QuoteRow.id == quote["id"])
            .values(created_at=datetime.now(UTC) - timedelta(hours=1))
        )
        DraftRepository(session).add("key:1", {"customer": {"name": "대성전력"}})
        DraftRepository(session).add("key:2", {"customer": {"name": "대외비"}})
        old = DraftRepository(session).add("key:1", {"customer": {"name": "대한전기"}})
        session.execute(
            update(DraftRow)
            .where(DraftRow.id == old.id)
            .values(updated_at=datetime.now(UTC) - timedelta(days=2))
        )
    with context.sessions() as session:
        assert recent_values(session, "key:1", "customer", "", 10) == ["대성전력", "대한전기"]
        assert recent_values(session, "key:1", "customer", "대한", 10) == ["대한전기"]
        assert recent_values(session, "key:1", "customer", "%", 10) == []
        assert recent_values(session, "key:3", "customer", "", 1) == ["대한전기"]
