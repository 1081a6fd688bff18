"""The one classification of failures (services/failures.py) that every edge renders."""

from __future__ import annotations

import logging
import sqlite3

import pytest
from sqlalchemy.exc import DataError, OperationalError, ProgrammingError

from kis_estimator.engine.errors import RequestProblem, RequestRejected
from kis_estimator.envelope import rejection_envelope, storage_budget_envelope
from kis_estimator.services.failures import Refused, classify
from kis_estimator.services.storage_budget import StorageBudgetExceeded
from kis_estimator.storage import BlobNotFound, StorageError

LOG = logging.getLogger("tests.failures")
PROBLEM = RequestProblem("POLES_MISMATCH", "극수 불일치", "Poles mismatch", "panels.0.main.poles", "3P/4P")


@pytest.mark.parametrize(
    ("exc", "code", "status"),
    [
        (RequestRejected([PROBLEM]), "POLES_MISMATCH", 422),
        (StorageBudgetExceeded(100, 90, 20, 3600), "STORAGE_BUDGET_EXCEEDED", 507),
        (StorageError("down", backend="s3"), "STORAGE_UNAVAILABLE", 503),
        (BlobNotFound("gone", backend="file", key="quote/x"), "STORAGE_UNAVAILABLE", 503),
        (OperationalError("select 1", {}, sqlite3.OperationalError("unable to open")), "DB_UNAVAILABLE", 503),
        (DataError("insert", {}, ValueError("NUL")), "REQ_INVALID", 422),
        (ProgrammingError("select", {}, ValueError("no such column")), "INTERNAL", 500),
        (Refused(409, "QUOTE_READ_ONLY", "닫힘 / closed", hint="h", path="id"), "QUOTE_READ_ONLY", 409),
        (KeyError("a bug"), "INTERNAL", 500),
    ],
)
def test_every_failure_has_one_code_and_status(exc: BaseException, code: str, status: int) -> None:
    failure = classify(exc, LOG, "t1")
    assert (failure.code, failure.status) == (code, status)
    envelope = failure.envelope("t1")
    assert set(envelope) == {"code", "message", "hint", "path", "traceId", "meta"}
    assert envelope["code"] == code and envelope["traceId"] == "t1" and envelope["message"]
    assert failure.event("t1") == {**envelope, "status": status}  # the one shape of a streamed ERROR


def test_a_rejection_and_an_exhausted_budget_keep_their_envelopes() -> None:
    rejected = RequestRejected([PROBLEM])
    assert classify(rejected, LOG).envelope("t") == rejection_envelope(rejected, "t")
    spent = StorageBudgetExceeded(100, 90, 20, 3600)
    failure = classify(spent, LOG)
    assert failure.envelope("t") == storage_budget_envelope(spent, "t")
    assert failure.headers == {"Retry-After": "3600"}
