"""The database's error tree: what a repository refuses, and what a failed database means.

    DatabaseError           a database operation failed or was refused
    ├── Conflict            the rows' state forbids the change
    │   ├── IllegalTransition   a status move the quote's lifecycle does not allow
    │   └── QuoteReadOnly       a closed or superseded quote
    ├── Unavailable         the database is down or unreachable (see `unavailable`)
    └── ValueRefused        a value the database cannot store (e.g. a NUL character on PostgreSQL)

The repositories raise the `Conflict`s themselves; a driver's error comes out of SQLAlchemy, and
`translated` names its kind, so that the use cases classify failures without knowing SQLAlchemy.
"""

from __future__ import annotations

from typing import Literal

from sqlalchemy.exc import DataError, DBAPIError, InterfaceError, OperationalError


class DatabaseError(Exception):
    """A database operation failed or was refused."""


class Conflict(DatabaseError):
    """The rows' state forbids the change."""


class IllegalTransition(Conflict):
    def __init__(self, current: str, wanted: str) -> None:
        self.current, self.wanted = current, wanted
        super().__init__(f"{current} → {wanted} is not allowed")


class QuoteReadOnly(Conflict):
    """The quote is closed, or a later revision superseded it: it can neither change nor be revised."""

    def __init__(self, quote_id: str, reason: Literal["closed", "superseded"]) -> None:
        self.quote_id, self.reason = quote_id, reason
        super().__init__(f"quote {quote_id} is {reason}")


class Unavailable(DatabaseError):
    """The database is down or unreachable."""


class ValueRefused(DatabaseError):
    """The database cannot store a value it was given."""


def unavailable(exc: BaseException) -> bool:
    """Whether a database error means the database is down or unreachable (503), not a bug."""
    return isinstance(exc, Unavailable) or (
        isinstance(exc, DBAPIError)
        and (exc.connection_invalidated or isinstance(exc, OperationalError | InterfaceError))
    )


def translated(exc: BaseException) -> DatabaseError | None:
    """The tree's error for a driver's error (`Unavailable`, `ValueRefused`), the error itself when it is
    already one, None when it is neither (a bug)."""
    if isinstance(exc, DatabaseError):
        return exc
    if isinstance(exc, DataError):
        return ValueRefused(str(exc.orig))
    if unavailable(exc):
        return Unavailable(type(exc.orig).__name__ if isinstance(exc, DBAPIError) else str(exc))
    return None
