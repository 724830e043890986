"""Claiming a job's slot and recording how its run ended (the caller owns the transaction)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from smartcustoms.housekeeping.models import ScheduledRun

# A claimed run with no end after this long is taken for dead (its process was killed) and its slot may be claimed
# again. Longer than any job takes: a value-references refresh reads at most a million consignments.
STALE_AFTER = timedelta(hours=2)
MAX_OUTCOME = 2000


def ensure(session: Session, job: str) -> None:
    """The job's row exists (created without a slot the first time; a process creating it at the same moment is
    no error)."""
    if session.get(ScheduledRun, job) is not None:
        return
    try:
        with session.begin_nested():
            session.add(ScheduledRun(job=job))
    except IntegrityError:
        pass


def open_slot(session: Session, job: str, slot: datetime, now: datetime) -> bool:
    """Whether `claim` could take `slot` now, read without a write lock (the runner asks every minute; on SQLite a
    write transaction each time would queue behind a bulk intake's chunks for nothing)."""
    row = session.get(ScheduledRun, job)
    if row is None or row.slot_at is None or row.slot_at < slot:
        return True
    return (row.slot_at == slot and row.finished_at is None and row.started_at is not None
            and row.started_at < now - STALE_AFTER)


def claim(session: Session, job: str, slot: datetime, now: datetime, runner: str) -> bool:
    """Move the job's slot forward to `slot` and mark it started by `runner`; False when another process already
    claimed this slot (or a later one) and its run is not stale. One conditional UPDATE: of two processes asking
    at once, one gets the row."""
    ensure(session, job)
    t = ScheduledRun
    done = session.execute(
        update(t).where(t.job == job, or_(
            t.slot_at.is_(None), t.slot_at < slot,
            # the same slot, claimed by a run that never ended (killed): taken over
            (t.slot_at == slot) & t.finished_at.is_(None) & (t.started_at < now - STALE_AFTER)))
        .values(slot_at=slot, started_at=now, finished_at=None, runner=runner[:120], outcome=None)
        .execution_options(synchronize_session=False))
    return bool(getattr(done, "rowcount", 0) == 1)


def finish(session: Session, job: str, slot: datetime, now: datetime, outcome: str) -> None:
    """Record how the run of `slot` ended (nothing when a later slot was claimed meanwhile)."""
    t = ScheduledRun
    session.execute(update(t).where(t.job == job, t.slot_at == slot)
                    .values(finished_at=now, outcome=outcome[:MAX_OUTCOME])
                    .execution_options(synchronize_session=False))


def release(session: Session, job: str, slot: datetime, now: datetime, outcome: str) -> None:
    """The run of `slot` ended without doing its work (the server stopped): record why, and give the slot back
    (`slot_at` empty), so that the next claim takes it again at once."""
    t = ScheduledRun
    session.execute(update(t).where(t.job == job, t.slot_at == slot)
                    .values(slot_at=None, finished_at=now, outcome=outcome[:MAX_OUTCOME])
                    .execution_options(synchronize_session=False))


def last_run(session: Session, job: str) -> ScheduledRun | None:
    """The job's row (None before its first claim; a run given back at shutdown is still its last run)."""
    row = session.scalar(select(ScheduledRun).where(ScheduledRun.job == job))
    return row if row is not None and row.started_at is not None else None
