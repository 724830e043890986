"""The scheduled jobs' runner on a real database: each slot runs once across processes, failures are recorded,
the thread starts and stops."""

from __future__ import annotations

import threading
import time as clock_time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from smartcustoms import migrate
from smartcustoms.db import make_engine
from smartcustoms.housekeeping import service
from smartcustoms.housekeeping.models import ScheduledRun
from smartcustoms.housekeeping.runner import Housekeeper, Job, Sessions
from smartcustoms.housekeeping.slots import every_slot

T0 = datetime(2026, 11, 24, 4, 2, tzinfo=UTC)


@pytest.fixture()
def hk_engine(new_database_url: Callable[[], str]) -> Iterator[Engine]:
    engine = make_engine(new_database_url())
    migrate.upgrade(engine)
    yield engine
    engine.dispose()


def _sessions(engine: Engine) -> Sessions:
    factory = sessionmaker(engine, expire_on_commit=False)
    return Sessions(factory, factory)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def _row(engine: Engine, job: str) -> ScheduledRun:
    with Session(engine) as s:
        row = s.get(ScheduledRun, job)
        assert row is not None
        return row


def _counting(name: str, calls: list[datetime], minutes: int = 5) -> Job:
    def run(_sessions: Sessions, _now: datetime, slot: datetime) -> str:
        calls.append(slot)
        return f"ran {len(calls)}"

    return Job(name, lambda now: every_slot(now, minutes), run)


def test_each_slot_runs_once_even_with_two_processes(hk_engine: Engine) -> None:
    calls: list[datetime] = []
    clock = Clock(T0)
    one = Housekeeper([_counting("test.count", calls)], _sessions(hk_engine), clock=clock)
    other = Housekeeper([_counting("test.count", calls)], _sessions(hk_engine), clock=clock)
    assert one.run_due() == {"test.count": "ran 1"}
    assert other.run_due() == {} and one.run_due() == {}  # the same slot: claimed already
    row = _row(hk_engine, "test.count")
    assert row.slot_at == datetime(2026, 11, 24, 4, 0, tzinfo=UTC) and row.outcome == "ran 1"
    assert row.finished_at is not None and row.runner and ":" in row.runner
    clock.now = T0 + timedelta(minutes=4)  # 04:06: the 04:05 slot
    assert other.run_due() == {"test.count": "ran 2"} and one.run_due() == {}
    assert calls == [datetime(2026, 11, 24, 4, 0, tzinfo=UTC), datetime(2026, 11, 24, 4, 5, tzinfo=UTC)]
    clock.now = T0 - timedelta(hours=1)  # a clock that went back: an older slot is never run again
    assert one.run_due() == {}


def test_concurrent_claims_of_one_slot_give_it_to_exactly_one(hk_engine: Engine) -> None:
    factory = sessionmaker(hk_engine)
    slot = datetime(2026, 11, 24, 4, 0, tzinfo=UTC)
    won: list[bool] = []
    barrier = threading.Barrier(4)

    def claim() -> None:
        barrier.wait()
        with factory() as s, s.begin():
            won.append(service.claim(s, "test.race", slot, T0, "thread"))

    threads = [threading.Thread(target=claim) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(won) == [False, False, False, True]


def test_a_run_that_never_ended_is_taken_over_after_a_while_and_not_before(hk_engine: Engine) -> None:
    slot = datetime(2026, 11, 24, 4, 0, tzinfo=UTC)
    factory = sessionmaker(hk_engine)
    with factory() as s, s.begin():
        assert service.claim(s, "test.stale", slot, T0, "killed")  # its process died: no finish
    with factory() as s, s.begin():
        assert not service.open_slot(s, "test.stale", slot, T0 + timedelta(minutes=30))
        assert service.open_slot(s, "test.stale", slot, T0 + service.STALE_AFTER + timedelta(seconds=1))
        assert not service.claim(s, "test.stale", slot, T0 + timedelta(minutes=30), "other")
    with factory() as s, s.begin():
        assert service.claim(s, "test.stale", slot, T0 + service.STALE_AFTER + timedelta(seconds=1), "other")
        service.finish(s, "test.stale", slot, T0 + service.STALE_AFTER + timedelta(minutes=1), "done")
    with factory() as s, s.begin():  # ended: never taken over, however late
        assert not service.claim(s, "test.stale", slot, T0 + timedelta(days=3), "third")
    assert _row(hk_engine, "test.stale").runner == "other"


def test_a_failing_job_is_recorded_and_the_others_still_run(hk_engine: Engine) -> None:
    calls: list[datetime] = []

    def boom(_sessions: Sessions, _now: datetime, _slot: datetime) -> str:
        raise RuntimeError("the database went away")

    keeper = Housekeeper([Job("test.boom", lambda now: every_slot(now, 5), boom), _counting("test.after", calls)],
                         _sessions(hk_engine), clock=Clock(T0))
    done = keeper.run_due()
    assert done == {"test.boom": "failed: RuntimeError: the database went away", "test.after": "ran 1"}
    assert _row(hk_engine, "test.boom").outcome == "failed: RuntimeError: the database went away"
    assert keeper.run_due() == {}  # not retried before its next slot


def test_the_thread_runs_due_jobs_and_stops(hk_engine: Engine) -> None:
    calls: list[datetime] = []
    keeper = Housekeeper([_counting("test.thread", calls)], _sessions(hk_engine), tick_s=0.05)
    keeper.start()
    try:
        deadline = clock_time.monotonic() + 20
        while not calls and clock_time.monotonic() < deadline:
            clock_time.sleep(0.02)
        assert keeper.running and len(calls) == 1
    finally:
        keeper.stop()
    assert not keeper.running
    assert _row(hk_engine, "test.thread").outcome == "ran 1"


def test_a_housekeeper_without_jobs_starts_no_thread(hk_engine: Engine) -> None:
    keeper = Housekeeper([], _sessions(hk_engine))
    keeper.start()
    assert not keeper.running
    keeper.stop()


def test_a_claimed_slot_is_seen_without_a_write(hk_engine: Engine) -> None:
    """The runner looks every minute: a slot already claimed is passed over on the read session alone."""
    calls: list[datetime] = []
    factory = sessionmaker(hk_engine, expire_on_commit=False)
    writes: list[int] = []

    def write() -> Session:
        writes.append(1)
        return factory()

    keeper = Housekeeper([_counting("test.quiet", calls)], Sessions(write, factory), clock=Clock(T0))
    keeper.run_due()
    assert calls and len(writes) == 2  # the claim and the outcome
    for _ in range(3):
        assert keeper.run_due() == {}
    assert len(writes) == 2
    with factory() as s:
        assert not service.open_slot(s, "test.quiet", datetime(2026, 11, 24, 4, 0, tzinfo=UTC), T0)
        assert service.open_slot(s, "test.quiet", datetime(2026, 11, 24, 4, 5, tzinfo=UTC), T0)
        assert service.open_slot(s, "test.never", datetime(2026, 11, 24, 4, 0, tzinfo=UTC), T0)


def test_a_job_that_gives_up_because_the_server_stops_gives_its_slot_back(hk_engine: Engine) -> None:
    from smartcustoms.housekeeping.runner import INTERRUPTED, Stopped

    started = threading.Event()

    def patient(sessions: Sessions, _now: datetime, _slot: datetime) -> str:
        started.set()
        while not sessions.stopping():
            clock_time.sleep(0.01)
        raise Stopped

    keeper = Housekeeper([Job("test.patient", lambda now: every_slot(now, 5), patient)], _sessions(hk_engine),
                         tick_s=0.05)
    keeper.start()
    assert started.wait(20)
    keeper.stop(timeout=10)
    assert not keeper.running
    row = _row(hk_engine, "test.patient")
    assert row.slot_at is None and row.finished_at is not None and row.outcome == INTERRUPTED
    calls: list[datetime] = []
    again = Housekeeper([_counting("test.patient", calls)], _sessions(hk_engine))
    assert again.run_due() == {"test.patient": "ran 1"}  # the next start runs the slot


def test_a_job_still_running_after_the_stop_timeout_is_recorded_interrupted(hk_engine: Engine) -> None:
    from smartcustoms.housekeeping.runner import INTERRUPTED

    started, go_on = threading.Event(), threading.Event()

    def deaf(_sessions: Sessions, _now: datetime, _slot: datetime) -> str:
        started.set()
        go_on.wait(20)
        return "done late"

    keeper = Housekeeper([Job("test.deaf", lambda now: every_slot(now, 5), deaf)], _sessions(hk_engine),
                         tick_s=0.05)
    keeper.start()
    assert started.wait(20)
    keeper.stop(timeout=0.2)
    assert keeper.running  # the thread is still in the job: not reported stopped
    row = _row(hk_engine, "test.deaf")
    assert row.slot_at is None and row.outcome == INTERRUPTED
    go_on.set()
    keeper.stop(timeout=20)
    assert not keeper.running
    assert _row(hk_engine, "test.deaf").outcome == INTERRUPTED  # the late end does not claim the slot back


def test_the_thread_survives_an_error_between_jobs(hk_engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[datetime] = []
    keeper = Housekeeper([_counting("test.survive", calls)], _sessions(hk_engine), tick_s=0.05)
    real, tries = keeper.run_due, []

    def flaky() -> dict[str, str]:
        tries.append(1)
        if len(tries) == 1:
            raise RuntimeError("the database is restarting")
        return real()

    monkeypatch.setattr(keeper, "run_due", flaky)
    keeper.start()
    try:
        deadline = clock_time.monotonic() + 20
        while not calls and clock_time.monotonic() < deadline:
            clock_time.sleep(0.02)
    finally:
        keeper.stop()
    assert len(tries) >= 2 and len(calls) == 1


def test_a_failure_is_told_in_its_first_line() -> None:
    from smartcustoms.housekeeping.runner import failure

    exc = RuntimeError("(sqlite3.OperationalError) disk I/O error\n[SQL: SELECT goods FROM ecommerce_consignments]")
    assert failure(exc) == "failed: RuntimeError: (sqlite3.OperationalError) disk I/O error"
    assert failure(KeyError()) == "failed: KeyError"


def test_outcomes_reach_stderr_when_nothing_configures_logging(new_database_url: Callable[[], str]) -> None:
    """As under `smartcustoms serve`: no handler anywhere, and the run's outcome line is still written."""
    import subprocess
    import sys

    url = new_database_url()
    engine = make_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    script = f"""
import time
from sqlalchemy.orm import sessionmaker
from smartcustoms.db import make_engine
from smartcustoms.housekeeping.runner import Housekeeper, Job, Sessions
from smartcustoms.housekeeping.slots import every_slot
factory = sessionmaker(make_engine({url!r}))
done = []
def run(_s, _now, _slot):
    done.append(1)
    return "swept 0 manifests"
keeper = Housekeeper([Job("test.log", lambda now: every_slot(now, 5), run)], Sessions(factory, factory), tick_s=0.05)
keeper.start()
deadline = time.monotonic() + 20
while not done and time.monotonic() < deadline:
    time.sleep(0.02)
keeper.stop()
"""
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True)
    assert "INFO smartcustoms.housekeeping.runner: scheduled job test.log" in out.stderr
    assert "swept 0 manifests" in out.stderr
