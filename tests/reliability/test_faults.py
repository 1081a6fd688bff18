"""Faults on a real stack (PostgreSQL + S3 + `kis serve`): the service answers, loses nothing, recovers.

Each scenario keeps requests flowing (3 clients: plain, idempotent and streamed creates, reads, PDF
downloads) while /readyz is polled every 50 ms, then switches a fault on while one streamed create is
writing its blobs (so a save is cut at its most delicate point), keeps the fault for 4 s and switches it
off. The scenario runs once per module (a fixture); the tests below judge what it recorded. Measured
figures go to out/reliability/figures.json (see docs/reliability.md).

- PostgreSQL stopped with `pg_ctl -m immediate` (connections dropped, like a crash), then started again
  on the same data directory and port.
- S3 down: the proxy in front of the S3 server refuses connections (the objects stay on the server).
- The server SIGKILLed during a stream of creates, three times, and restarted.
"""

from __future__ import annotations

import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from kis_estimator.settings import Settings
from tests.live import SseReader
from tests.reliability.figures import record, spread
from tests.reliability.stack import (
    SSE,
    Audit,
    Outcome,
    ReadyPoller,
    Stack,
    StreamedCreate,
    Traffic,
    audit_database,
    gc,
    open_stack,
    referenced_keys,
    request_body,
    verify_evidence,
    wait_for_first_blob,
    wait_until,
)

OUTAGE_S = 4.0  # how long each fault lasts
READY_WITHIN_S = 2.0  # /readyz must say 503 this soon after the fault (its probes time out at 2 s)
POLL_S = 0.05
# /readyz reuses one probe this long: a sample asked within it after the fault may still carry the answer
# probed before the fault, by design (the shipped default; READY_WITHIN_S still bounds the first 503).
READYZ_CACHE_S = Settings.model_fields["readyz_cache_s"].default
ANSWER_WITHIN_S = 10.0  # no request may take longer than this during a fault (the bound we hold)
KILL_ROUNDS = 3
# While the cut create writes its blobs the proxy delays every chunk sent to S3 by this much, so that the
# fault (stop, refuse, kill: each done in well under this) lands before the create can commit.
SAVE_LATENCY_S = 0.4
ENVELOPE_KEYS = {"code", "message", "hint", "path", "traceId", "meta"}


@pytest.fixture(scope="module")
def stack() -> Iterator[Stack]:
    with open_stack("faults") as started:
        yield started


def created(outcome: Outcome) -> bool:
    return outcome.status == 201 or outcome.end == "DONE"


@dataclass
class Outage:
    """What one fault scenario recorded (times are time.monotonic())."""

    name: str
    before: Audit
    after: Audit
    outcomes: list[Outcome]
    samples: list[tuple[float, float, int | None, dict[str, Any]]]
    trigger: StreamedCreate
    fault_at: float  # the switch returned: the dependency is down
    heal_at: float  # the switch back began
    healed_at: float  # the switch back returned: the dependency is up
    server_pid: int

    def during(self) -> list[Outcome]:
        """Requests that started after the fault was on and ended before it was switched off."""
        return [o for o in self.outcomes if o.started >= self.fault_at and o.ended <= self.heal_at]

    def ready_during(self) -> list[tuple[float, float, int | None, dict[str, Any]]]:
        """/readyz samples asked once the probe cached before the fault is stale (READYZ_CACHE_S)."""
        settled = self.fault_at + READYZ_CACHE_S
        return [s for s in self.samples if s[0] >= settled and s[1] <= self.heal_at]

    def first_503_s(self) -> float | None:
        ends = [s[1] for s in self.samples if s[2] == 503 and s[1] >= self.fault_at]
        return min(ends) - self.fault_at if ends else None

    def ready_again_s(self) -> float | None:
        ends = [s[1] for s in self.samples if s[2] == 200 and s[0] >= self.healed_at]
        return min(ends) - self.healed_at if ends else None

    def first_create_again_s(self) -> float | None:
        ends = [o.ended for o in self.outcomes if created(o) and o.started >= self.healed_at]
        return min(ends) - self.healed_at if ends else None

    def figures(self, switch_s: float) -> dict[str, Any]:
        during = self.during()
        ready = self.ready_during()
        return {
            "fault_switch_s": round(switch_s, 3),
            "outage_s": round(self.heal_at - self.fault_at, 3),
            "readyz_first_503_after_fault_s": _rounded(self.first_503_s()),
            "readyz_latency_during_outage": spread([s[1] - s[0] for s in ready]),
            "readyz_statuses_during_outage": _counts(str(s[2]) for s in ready),
            "readyz_200_again_after_recovery_s": _rounded(self.ready_again_s()),
            "first_create_after_recovery_s": _rounded(self.first_create_again_s()),
            "requests_total": len(self.outcomes),
            "requests_during_outage": len(during),
            "answers_during_outage": _counts(_label(o) for o in during),
            "latency_during_outage": spread([o.duration for o in during]),
            "latency_all_requests_max_s": round(max(o.duration for o in self.outcomes), 3),
            "answers_all": _counts(_label(o) for o in self.outcomes),
            "quotes_before": len(self.before.quotes),
            "quotes_after": len(self.after.quotes),
            "creates_succeeded": len({o.quote_id for o in self.outcomes if created(o)}),
            "event_streams_without_quote_after": self.after.event_streams_without_quote,
        }


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def _counts(labels: Any) -> dict[str, int]:
    return dict(sorted(Counter(labels).items()))


def _label(outcome: Outcome) -> str:
    if outcome.status is None:
        return f"{outcome.op} no answer"
    if outcome.end is not None:
        return f"{outcome.op} {outcome.status} {outcome.end} {outcome.code or ''}".rstrip()
    return f"{outcome.op} {outcome.status} {outcome.code or ''}".rstrip()


def run_outage(
    stack: Stack, name: str, fault_on: Callable[[], object], fault_off: Callable[[], object]
) -> tuple[Outage, float]:
    known = stack.create(f"{name} known")["id"]
    before = audit_database(stack)
    pid = stack.server.pid
    poller = ReadyPoller(stack.server, POLL_S).start()
    traffic = Traffic(stack, known).start()
    trigger = StreamedCreate(stack, f"{name} trigger {uuid.uuid4().hex[:8]}", key=str(uuid.uuid4()))
    try:
        time.sleep(1.5)
        stack.proxy.latency_s = SAVE_LATENCY_S  # the fault must land in the middle of the save
        trigger.start()
        assert trigger.started_event.wait(30) and trigger.quote_id, (
            f"the streamed create did not start: {trigger.status} {trigger.error}"
        )
        wait_for_first_blob(stack, trigger.quote_id)
        switch_started = time.monotonic()
        fault_on()
        fault_at = time.monotonic()
        stack.proxy.latency_s = 0.0
        time.sleep(OUTAGE_S)
        heal_at = time.monotonic()
        fault_off()
        healed_at = time.monotonic()
        wait_until(
            lambda: any(s[2] == 200 and s[0] >= healed_at for s in list(poller.samples)),
            30,
            f"{name}: /readyz 200 after recovery",
        )
        wait_until(
            lambda: any(created(o) and o.started >= healed_at for o in list(traffic.outcomes)),
            60,
            f"{name}: a successful create after recovery",
        )
        time.sleep(0.5)
    finally:
        stack.proxy.latency_s = 0.0
        outcomes = traffic.stop()
        poller.stop()
        trigger.join(60)
    after = audit_database(stack)
    outage = Outage(name, before, after, outcomes, poller.samples, trigger, fault_at, heal_at, healed_at, pid)
    return outage, fault_at - switch_started


def answer_problems(outage: Outage, down_code: str, allowed: dict[str, set[int]]) -> list[str]:
    """Every request got an answer within the bound: its op's allowed statuses, and a 503 is the
    envelope with `down_code`; requests wholly inside the outage got no success that needs the part."""
    problems = []
    for o in outage.outcomes:
        where = f"{o.op} at +{o.started - outage.fault_at:.2f} s ({o.duration:.2f} s)"
        if o.status is None:
            problems.append(f"{where}: no HTTP answer: {o.detail}")
        elif o.status not in allowed[o.op]:
            problems.append(f"{where}: status {o.status} {o.code}: {o.detail[:200]}")
        elif o.status == 503 and o.code != down_code:
            problems.append(f"{where}: 503 with code {o.code}, expected {down_code}: {o.detail[:200]}")
        if o.duration > ANSWER_WITHIN_S:
            problems.append(f"{where}: took {o.duration:.1f} s (bound {ANSWER_WITHIN_S:.0f} s)")
    return problems


def half_saved_problems(outage: Outage) -> list[str]:
    """The audit's findings, plus any difference between the quotes that appeared and the creates
    that were answered with success (matched by their unique project names)."""
    problems = list(outage.after.problems)
    new = set(outage.after.quotes) - set(outage.before.quotes)
    succeeded = {o.quote_id for o in outage.outcomes if created(o)}
    by_project = {o.project: o for o in outage.outcomes if o.project}
    for quote_id in sorted(new - succeeded):
        project = outage.after.projects.get(quote_id)
        request = by_project.get(project) if project else None
        told = _label(request) if request else "no request of this test"
        problems.append(
            f"quote {outage.after.quotes[quote_id]} ({project}) saved, but its request got: {told}"
        )
    problems += [f"create answered {quote_id} but there is no such quote" for quote_id in succeeded - new]
    if outage.trigger.quote_id in outage.after.quotes:
        problems.append(f"the create cut by the fault ({outage.trigger.quote_id}) was saved anyway")
    return problems


def stream_error_problems(outage: Outage, down_code: str) -> list[str]:
    """A streamed create cut by the fault ends with an ERROR frame naming the dependency (503)."""
    problems = []
    last = outage.trigger.last
    if last is None or last.type != "ERROR":
        problems.append(f"the cut stream ended with {last and last.type}: {outage.trigger.error}")
    else:
        data = last.payload
        if data.get("code") != down_code or data.get("status") != 503:
            problems.append(
                f"the cut stream's ERROR is {data.get('code')} status {data.get('status')}, "
                f"expected {down_code} status 503: {data}"
            )
    for o in outage.outcomes:
        if o.end == "ERROR" and (o.code != down_code or o.frame_status != 503):
            problems.append(f"a traffic stream ended with ERROR {o.code} status {o.frame_status}: {o.detail}")
    return problems


def recovered_problems(stack: Stack, outage: Outage) -> list[str]:
    problems = []
    if not stack.server.running or stack.server.pid != outage.server_pid:
        problems.append("the server was restarted or died")
    with stack.server.client() as client:
        ready = client.get("/readyz")
        if ready.status_code != 200:
            problems.append(f"/readyz after recovery: {ready.status_code} {ready.text}")
        response = client.post(
            "/v1/estimate", json=request_body(f"{outage.name} after"), headers=stack.auth()
        )
        if response.status_code != 201:
            problems.append(f"a create after recovery: {response.status_code} {response.text}")
    return problems


def evidence_problems(stack: Stack, quote_ids: list[str], *, every_blob: bool = False) -> list[str]:
    """API verify of each quote's evidence; with `every_blob`, also `kis storage verify` (every blob
    of every row, re-hashed)."""
    reports = verify_evidence(stack, quote_ids)
    problems = [
        f"{quote_id}: {report}" for quote_id, report in reports.items() if report.get("ok") is not True
    ]
    if every_blob:
        done = stack.kis("storage", "verify", check=False)
        if done.returncode != 0:
            problems.append(f"kis storage verify exited {done.returncode}: {done.stdout[-2000:]}")
    return problems


def orphan_problems(stack: Stack, listed: set[str], cut: list[str]) -> list[str]:
    """gc lists exactly the blobs no row refers to, none of a saved quote, and every blob of each cut
    create (whose quote ids are in `cut`)."""
    quotes = {row[0] for row in stack.sql("SELECT id FROM estimator.quotes")}
    expected = stack.keys_in_bucket() - referenced_keys(stack)
    problems = []
    if listed != expected:
        problems.append(f"gc listed {sorted(listed ^ expected)[:10]} wrongly (of {len(expected)} orphans)")
    problems += [f"gc lists {key}, a blob of a saved quote" for key in listed if key.split("/")[1] in quotes]
    for quote_id in cut:
        blobs = stack.keys_in_bucket(f"quote/{quote_id}/")
        if not blobs:
            problems.append(f"the cut create {quote_id} left no blob: the fault missed the save")
        problems += [f"gc does not list {key} of the cut create" for key in sorted(blobs - listed)]
    return problems


# --- PostgreSQL stopped ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pg_outage(stack: Stack) -> Outage:
    outage, switch_s = run_outage(stack, "pg", stack.postgres.halt, stack.postgres.resume)
    record("postgres_outage", **outage.figures(switch_s))
    return outage


def test_pg_readyz_turns_503_within_2_s_and_200_again(pg_outage: Outage) -> None:
    first = pg_outage.first_503_s()
    # the probe cached just before the fault may be reused for READYZ_CACHE_S, then a probe times out
    assert first is not None and first <= READYZ_CACHE_S + READY_WITHIN_S + POLL_S, (
        f"first 503 after {first} s"
    )
    ready = pg_outage.ready_during()
    assert ready, "no /readyz sample during the outage"
    wrong = [(s[2], s[3]) for s in ready if s[2] != 503 or not str(s[3].get("db", "")).startswith("error")]
    assert not wrong, f"/readyz during the outage: {wrong[:5]}"
    assert all(str(s[3].get("storage")).startswith("ok") for s in ready), "storage reported down too"
    slow = [round(s[1] - s[0], 3) for s in ready if s[1] - s[0] > READY_WITHIN_S + 0.5]
    assert not slow, f"/readyz took longer than its 2 s probe timeout: {slow}"
    assert pg_outage.ready_again_s() is not None, "/readyz never answered 200 again"


def test_pg_requests_get_503_db_unavailable_never_500_nor_a_hang(pg_outage: Outage) -> None:
    allowed = {
        "create": {201, 503},
        "create_idem": {201, 503},
        "create_sse": {200, 503},
        "read": {200, 503},
        "document": {200, 503},
    }
    problems = answer_problems(pg_outage, "DB_UNAVAILABLE", allowed)
    during = pg_outage.during()
    assert during, "no request ran wholly inside the outage"
    problems += [
        f"{o.op} during the outage: {_label(o)}"
        for o in during
        if o.status != 503 and not (o.op == "create_sse" and o.end == "ERROR")
    ]
    assert not problems, "\n".join(problems[:20])


def test_pg_a_streamed_create_cut_by_the_outage_ends_with_db_unavailable(pg_outage: Outage) -> None:
    problems = stream_error_problems(pg_outage, "DB_UNAVAILABLE")
    assert not problems, "\n".join(problems[:10])


def test_pg_nothing_is_half_saved_and_every_new_quote_verifies(stack: Stack, pg_outage: Outage) -> None:
    problems = half_saved_problems(pg_outage)
    new = sorted(set(pg_outage.after.quotes) - set(pg_outage.before.quotes))
    problems += evidence_problems(stack, new)
    assert not problems, "\n".join(problems[:20])


def test_pg_the_service_recovers_without_a_restart(stack: Stack, pg_outage: Outage) -> None:
    problems = recovered_problems(stack, pg_outage)
    assert not problems, "\n".join(problems)


def test_pg_idempotency_keys_of_creates_that_failed_can_be_retried(stack: Stack, pg_outage: Outage) -> None:
    """docs/api.md: a request that failed on the server side (503) releases its key for a retry. Retried:
    the cut streamed create, every idempotent create in flight when the database stopped, and the first
    three refused during the outage."""
    failed_idempotent = [o for o in pg_outage.outcomes if o.key and o.project and o.status == 503]
    in_flight = [o for o in failed_idempotent if o.started < pg_outage.fault_at]
    refused_during = [o for o in failed_idempotent if o.started >= pg_outage.fault_at][:3]
    failed = [(o.key, o.project) for o in in_flight + refused_during]
    failed.append((pg_outage.trigger.key, pg_outage.trigger.project))

    def retry(key_and_project: tuple[str | None, str | None]) -> tuple[str, int, str]:
        key, project = key_and_project
        assert key and project
        with stack.server.client() as client:
            response = client.post(
                "/v1/estimate", json=request_body(project), headers=stack.auth(**{"Idempotency-Key": key})
            )
        return project, response.status_code, response.text[:200]

    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(retry, failed))
    record(
        "postgres_outage",
        idempotency_retries=len(answers),
        idempotency_retry_answers=_counts(str(status) for _, status, _ in answers),
    )
    refused = [f"{project}: {status} {text}" for project, status, text in answers if status != 201]
    assert not refused, "retries with the key of a create that failed were refused:\n" + "\n".join(refused)


# --- S3 down -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def s3_outage(stack: Stack) -> Outage:
    outage, switch_s = run_outage(stack, "s3", stack.proxy.down, stack.proxy.up)
    record("s3_outage", **outage.figures(switch_s))
    return outage


def test_s3_readyz_turns_503_naming_storage_and_200_again(s3_outage: Outage) -> None:
    first = s3_outage.first_503_s()
    # the probe cached just before the fault may be reused for READYZ_CACHE_S, then a probe times out
    assert first is not None and first <= READYZ_CACHE_S + READY_WITHIN_S + POLL_S, (
        f"first 503 after {first} s"
    )
    ready = s3_outage.ready_during()
    assert ready, "no /readyz sample during the outage"
    wrong = [
        (s[2], s[3])
        for s in ready
        if s[2] != 503
        or not str(s[3].get("storage", "")).startswith("error")
        or not str(s[3].get("db", "")).startswith("ok")
    ]
    assert not wrong, f"/readyz during the outage: {wrong[:5]}"
    slow = [round(s[1] - s[0], 3) for s in ready if s[1] - s[0] > READY_WITHIN_S + 0.5]
    assert not slow, f"/readyz took longer than its 2 s probe timeout: {slow}"
    assert s3_outage.ready_again_s() is not None, "/readyz never answered 200 again"


def test_s3_creates_get_503_storage_unavailable_reads_still_work(s3_outage: Outage) -> None:
    allowed = {
        "create": {201, 503},
        "create_idem": {201, 503},
        "create_sse": {200},
        "read": {200},
        "document": {200, 503},
    }
    problems = answer_problems(s3_outage, "STORAGE_UNAVAILABLE", allowed)
    during = s3_outage.during()
    assert during, "no request ran wholly inside the outage"
    for o in during:
        needs_storage = o.op in ("create", "create_idem", "document")
        if needs_storage and o.status != 503:
            problems.append(f"{o.op} during the outage: {_label(o)}")
        if o.op == "create_sse" and o.end != "ERROR":
            problems.append(f"a streamed create during the outage: {_label(o)}")
    assert not problems, "\n".join(problems[:20])


def test_s3_a_streamed_create_cut_by_the_outage_ends_with_storage_unavailable(s3_outage: Outage) -> None:
    problems = stream_error_problems(s3_outage, "STORAGE_UNAVAILABLE")
    assert not problems, "\n".join(problems[:10])


def test_s3_nothing_is_half_saved_and_every_new_quote_verifies(stack: Stack, s3_outage: Outage) -> None:
    problems = half_saved_problems(s3_outage)
    new = sorted(set(s3_outage.after.quotes) - set(s3_outage.before.quotes))
    problems += evidence_problems(stack, new, every_blob=True)
    assert not problems, "\n".join(problems[:20])


def test_s3_gc_lists_the_blobs_left_by_the_failed_creates(stack: Stack, s3_outage: Outage) -> None:
    listed, output = gc(stack)
    assert s3_outage.trigger.quote_id
    problems = orphan_problems(stack, listed, [s3_outage.trigger.quote_id])
    record("s3_outage", gc_orphans_listed=len(listed))
    assert not problems, "\n".join(problems[:20]) + f"\n--- gc ---\n{output[-2000:]}"


def test_s3_the_service_recovers_without_a_restart(stack: Stack, s3_outage: Outage) -> None:
    problems = recovered_problems(stack, s3_outage)
    assert not problems, "\n".join(problems)


# --- the server SIGKILLed during creates -------------------------------------------------------


@dataclass
class KillRound:
    trigger: StreamedCreate
    outcomes: list[Outcome]  # requests that started before the kill
    restart_s: float


@dataclass
class Kills:
    before: Audit
    rounds: list[KillRound]
    after: Audit


@pytest.fixture(scope="module")
def kills(stack: Stack) -> Kills:
    known = stack.create("kill known")["id"]
    before = audit_database(stack)
    rounds = []
    for round_no in range(KILL_ROUNDS):
        traffic = Traffic(stack, known, ops=("create", "create_idem", "create_sse")).start()
        trigger = StreamedCreate(stack, f"kill trigger {round_no} {uuid.uuid4().hex[:8]}")
        try:
            time.sleep(1.0 + 0.3 * round_no)
            stack.proxy.latency_s = SAVE_LATENCY_S
            trigger.start()
            assert trigger.started_event.wait(30) and trigger.quote_id, f"trigger: {trigger.error}"
            wait_for_first_blob(stack, trigger.quote_id)
            killed_at = time.monotonic()
            stack.server.kill()
        finally:
            stack.proxy.latency_s = 0.0
            outcomes = traffic.stop()
            trigger.join(30)
        started = time.monotonic()
        stack.server.start(timeout_s=40)
        before_kill = [o for o in outcomes if o.started < killed_at]
        rounds.append(KillRound(trigger, before_kill, time.monotonic() - started))
    after = audit_database(stack)
    record(
        "sigkill",
        rounds=KILL_ROUNDS,
        clients=3,
        creates_answered_per_round=[sum(created(o) for o in r.outcomes) for r in rounds],
        creates_cut_per_round=[sum(o.status is None for o in r.outcomes) + 1 for r in rounds],
        streamed_creates_cut_while_writing_blobs=KILL_ROUNDS,
        restart_to_healthz_s=[round(r.restart_s, 3) for r in rounds],
        quotes_before=len(before.quotes),
        quotes_after=len(after.quotes),
        event_streams_without_quote_after=after.event_streams_without_quote,
    )
    return Kills(before, rounds, after)


def test_after_each_kill_every_saved_quote_is_whole_and_verifies(stack: Stack, kills: Kills) -> None:
    problems = list(kills.after.problems)
    new = set(kills.after.quotes) - set(kills.before.quotes)
    outcomes = [o for r in kills.rounds for o in r.outcomes]
    answered = {o.quote_id for o in outcomes if created(o)}
    problems += [f"create answered {quote_id} but it is not saved" for quote_id in answered - new]
    cut_projects = {o.project for o in outcomes if o.status is None and o.project}
    for quote_id in sorted(new - answered):
        project = kills.after.projects.get(quote_id) or ""
        if project not in cut_projects:
            problems.append(
                f"quote {quote_id} ({project}) appeared without a create that was cut or answered"
            )
    for r in kills.rounds:
        if r.trigger.quote_id in kills.after.quotes:
            problems.append(f"the create killed while writing blobs ({r.trigger.quote_id}) was saved")
    problems += evidence_problems(stack, sorted(new))
    record(
        "sigkill",
        new_quotes=len(new),
        saved_although_the_answer_was_lost=len(new - answered),
        quotes_verified=len(new),
    )
    assert not problems, "\n".join(problems[:20])


def test_gc_lists_the_blobs_of_the_killed_creates_and_delete_removes_them(stack: Stack, kills: Kills) -> None:
    listed, output = gc(stack)
    cut = [r.trigger.quote_id for r in kills.rounds if r.trigger.quote_id]
    problems = orphan_problems(stack, listed, cut)
    assert not problems, "\n".join(problems[:20]) + f"\n--- gc ---\n{output[-2000:]}"
    of_triggers = sum(len(stack.keys_in_bucket(f"quote/{quote_id}/")) for quote_id in cut)
    deleted, output = gc(stack, "--delete", "--min-age", "0")
    assert deleted == listed, f"gc --delete removed {len(deleted)} of {len(listed)}:\n{output[-2000:]}"
    again, output = gc(stack)
    assert not again and "0 orphan blob(s)" in output, f"a second gc still finds orphans:\n{output[-2000:]}"
    assert stack.keys_in_bucket() == referenced_keys(stack), "the bucket holds other blobs than the rows name"
    done = stack.kis("storage", "verify", check=False)
    assert done.returncode == 0, f"kis storage verify after gc --delete:\n{done.stdout[-2000:]}"
    record(
        "sigkill",
        gc_orphans_listed=len(listed),
        gc_orphans_of_killed_triggers=of_triggers,
        gc_deleted=len(deleted),
        gc_second_run=len(again),
    )


def test_an_unanswered_request_never_hung_past_the_bound(kills: Kills) -> None:
    slow = [o for r in kills.rounds for o in r.outcomes if o.duration > ANSWER_WITHIN_S]
    assert not slow, f"{len(slow)} requests took more than {ANSWER_WITHIN_S:.0f} s: {slow[:3]}"


def test_the_events_of_a_killed_create_never_claim_done(stack: Stack, kills: Kills) -> None:
    """The stored progress of a create killed mid-save replays, and its tail never says DONE or RESULT
    (there is no quote); it heartbeats until SSE_STALL_S passes without an event, then ends with STREAM_STALLED."""
    quote_id = kills.rounds[-1].trigger.quote_id
    types = []
    with (
        stack.server.client(timeout=httpx.Timeout(10.0, read=5.0)) as client,
        client.stream(
            "GET", f"/v1/estimate/{quote_id}/events", headers=stack.auth("viewer", **SSE)
        ) as response,
    ):
        assert response.status_code == 200, f"events of the killed create: {response.status_code}"
        reader, started = SseReader(response), time.monotonic()
        while time.monotonic() - started < 3.0:
            frame = reader.next()
            types.append(frame.type)
            if frame.type in ("DONE", "ERROR"):
                break
    record("sigkill", killed_create_tail_frames_in_3_s=_counts(types))
    assert "PROGRESS" in types, f"the stored progress was not replayed: {types}"
    assert not {"DONE", "RESULT"} & set(types), f"the tail of a create that saved nothing says {types}"
