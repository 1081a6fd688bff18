"""The customers and supplier-profile repositories on SQLite and a real PostgreSQL: names and business
numbers unique, search by name, contact or number with LIKE wildcards taken literally, a customer's
quotes by its name, the profile a single row, and the migration's checks on the columns."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy.exc import IntegrityError

from kis_estimator.db.customers import CustomerRepository, ProfileRepository
from kis_estimator.db.engine import make_engine, session_factory
from kis_estimator.services.saving import SaveContext, save_estimate
from tests.factories import DOMAIN_S8

BLANK = {"representative": "", "contact": "", "phone": "", "email": "", "address": "", "payment_terms": ""}


def _fields(name: str, number: str | None = None, **more: object) -> dict[str, object]:
    return {**BLANK, "name": name, "business_number": number, "discount_percent": None, "validity_days": None,
            **more}  # fmt: skip


def test_customers_are_searched_and_find_their_quotes(context: SaveContext) -> None:
    sessions = context.sessions
    with sessions.begin() as session:
        repo = CustomerRepository(session)
        repo.add(_fields("동양기전", "1234567891", contact="김과장", discount_percent=Decimal("5.50")))
        repo.add(_fields("한빛_전기", "2208162517"))
        repo.add(_fields("100% 전기"))
    with context.sessions.begin() as session:
        quote = save_estimate(context, DOMAIN_S8, session=session)
    with context.sessions.begin() as session:
        save_estimate(context, {**DOMAIN_S8, "customer": {"name": "다른고객"}}, session=session)
    with sessions.begin() as session:
        repo = CustomerRepository(session)
        assert [r.name for r in repo.search("기전", 1, 10)[0]] == ["동양기전"]
        assert [r.name for r in repo.search("김과", 1, 10)[0]] == ["동양기전"]
        assert [r.name for r in repo.search("220-81", 1, 10)[0]] == ["한빛_전기"]
        assert [r.name for r in repo.search("_", 1, 10)[0]] == ["한빛_전기"]  # not "any character"
        assert [r.name for r in repo.search("%", 1, 10)[0]] == ["100% 전기"]
        assert repo.search("", 1, 2)[1] == 3
        found = repo.by_name("동양기전")
        assert found is not None and found.discount_percent == Decimal("5.50")
        assert [q.number for q in repo.quotes("동양기전", 10)] == [quote["number"]]
        assert repo.get("\x00") is None and repo.get("x" * 100) is None


def test_names_and_numbers_are_unique_and_terms_are_checked(db_url: str) -> None:
    sessions = session_factory(make_engine(db_url))
    with sessions.begin() as session:
        CustomerRepository(session).add(_fields("동양기전", "1234567891"))
    for fields in (
        _fields("동양기전"),
        _fields("다른 상호", "1234567891"),
        _fields("할인과다", discount_percent=Decimal(100)),
        _fields("유효기간", validity_days=0),
    ):
        with pytest.raises(IntegrityError), sessions.begin() as session:
            CustomerRepository(session).add(fields)


def test_the_profile_is_one_row_kept_across_saves(db_url: str) -> None:
    sessions = session_factory(make_engine(db_url))
    profile = {"name": "케이아이에스", "business_number": "2208162517", "representative": "", "address": "",
               "business_type": "", "business_item": "", "phone": "", "fax": "", "contact": "", "email": ""}  # fmt: skip
    with sessions.begin() as session:
        assert ProfileRepository(session).get() is None
        ProfileRepository(session).put(profile, "key:1")
    with sessions.begin() as session:
        row = ProfileRepository(session).put(
            {"seal_key": "profile/seal-x.png", "seal_sha256": "0" * 64}, "key:2"
        )
        assert (row.id, row.name, row.updated_by, row.seal_key) == (
            1,
            "케이아이에스",
            "key:2",
            "profile/seal-x.png",
        )
    with sessions.begin() as session:
        row = ProfileRepository(session).put({**profile, "name": "새 상호"}, "key:1")
        assert (row.name, row.seal_key) == ("새 상호", "profile/seal-x.png")  # the seal stays
