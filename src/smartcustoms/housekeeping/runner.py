"""The server's scheduled jobs, run by one background thread per server process.

Every `tick_s` the thread asks each job for its current slot, claims the slot in the database (service.claim: of
several processes exactly one gets it) and runs the job in its own transactions; the outcome, or the error, is
recorded on the job's row and logged. A job that fails is not retried before its next slot (an operator sees the
failure on the row, the log and, for the value references, the console page).

Decision: a thread in the server rather than an external scheduler. The README's one command starts a working
platform; a refresh that only cron runs was missing on every installation that had no cron entry (the console then
warned, after 7 days, that the references were stale). Operators who prefer cron set SMARTCUSTOMS_HOUSEKEEPING=false
and run the same work with `smartcustoms ecommerce value-refs` and `smartcustoms ecommerce sweep`. A job holds the
GIL while it computes (a value-references refresh reads up to a million consignments): the daily one runs at night
by default.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from smartcustoms.db import utcnow
from smartcustoms.housekeeping import service

log = logging.getLogger(__name__)

SessionMaker = Callable[[], Session]
FAILED = "failed: "  # the start of a failed run's outcome
INTERRUPTED = "interrupted: the server stopped during the run; the slot is run again at the next start"


def _never() -> bool:
    return False


@dataclass(frozen=True)
class Sessions:
    """Where a job reads (a read-only connection where the database has one) and writes, and whether the server
    is stopping (a long job asks between steps and raises `Stopped`)."""

    write: SessionMaker
    read: SessionMaker
    stopping: Callable[[], bool] = _never


class Stopped(Exception):
    """Raised by a job that gave up because the server is stopping."""


@dataclass(frozen=True)
class Job:
    name: str
    slot: Callable[[datetime], datetime]  # the slot current at a moment
    run: Callable[[Sessions, datetime, datetime], str]  # (sessions, now, slot) -> what it did, in a line


def runner_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


class Housekeeper:
    """Runs the due slots of its jobs: `run_due` once (tests, the CLI) or `start` a thread that does it every
    `tick_s` seconds until `stop`."""

    def __init__(self, jobs: list[Job], sessions: Sessions, tick_s: float = 60.0,
                 clock: Callable[[], datetime] = utcnow) -> None:
        self.jobs, self.sessions, self.tick_s, self.clock = jobs, sessions, tick_s, clock
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._running: tuple[str, datetime] | None = None  # the job and slot being run now
        self._sessions = Sessions(sessions.write, sessions.read, self._stop.is_set)

    def run_due(self) -> dict[str, str]:
        """Claim and run every job whose current slot no process has claimed yet; their outcomes by job."""
        done: dict[str, str] = {}
        for job in self.jobs:
            if self._stop.is_set():
                break
            now = self.clock()
            slot = job.slot(now)
            try:
                with self.sessions.read() as s:
                    if not service.open_slot(s, job.name, slot, now):
                        continue
                with self.sessions.write() as s, s.begin():
                    claimed = service.claim(s, job.name, slot, now, runner_name())
            except Exception:
                log.exception("scheduled job %s: its slot %s could not be claimed", job.name, slot.isoformat())
                continue
            if not claimed:
                continue
            self._running = (job.name, slot)
            try:
                outcome = job.run(self._sessions, now, slot)
                log.info("scheduled job %s (slot %s): %s", job.name, slot.isoformat(), outcome)
            except Stopped:
                self._release(job.name, slot)
                done[job.name] = INTERRUPTED
                break
            except Exception as exc:
                log.exception("scheduled job %s (slot %s) failed", job.name, slot.isoformat())
                outcome = failure(exc)
            finally:
                self._running = None
            try:
                with self.sessions.write() as s, s.begin():
                    service.finish(s, job.name, slot, self.clock(), outcome)
            except Exception:
                log.exception("scheduled job %s: its outcome could not be recorded", job.name)
            done[job.name] = outcome
        return done

    def _release(self, job: str, slot: datetime) -> None:
        """Record that the run of `slot` was cut short by the server stopping, and give the slot back (the next
        start runs it) rather than leave it "running" until the stale takeover."""
        try:
            with self.sessions.write() as s, s.begin():
                service.release(s, job, slot, self.clock(), INTERRUPTED)
        except Exception:
            log.exception("scheduled job %s: its interrupted run could not be recorded", job)

    def start(self) -> None:
        """Run the due jobs now and then every `tick_s` seconds, in a daemon thread."""
        if (self._thread is not None and self._thread.is_alive()) or not self.jobs:
            return
        _show_outcomes()
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="housekeeping", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop: a job running now is asked to give up (`Sessions.stopping`); wait at most `timeout` seconds. A run
        still going after that (a step that does not ask) is recorded as interrupted and its slot given back; the
        thread, a daemon, ends with the process."""
        self._stop.set()
        if self._thread is None:
            return
        self._thread.join(timeout)
        if self._thread.is_alive():
            running = self._running
            if running is not None:
                self._release(*running)
        else:
            self._thread = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.run_due()
            except Exception:  # never let the thread die: the next tick tries again
                log.exception("scheduled jobs")
            self._stop.wait(self.tick_s)


def failure(exc: BaseException) -> str:
    """A failed run's outcome line: the error's kind and the first line of its message (a database error's
    message goes on with its SQL, which officers reading the page need not see; the log has all of it)."""
    first = (str(exc).strip().splitlines() or [""])[0][:300]
    return f"{FAILED}{type(exc).__name__}: {first}" if first else f"{FAILED}{type(exc).__name__}"


def _show_outcomes() -> None:
    """Under `smartcustoms serve` nothing configures the platform's loggers, and each run's outcome line (INFO)
    was dropped: when neither the root logger nor this one has a handler, this logger writes to stderr."""
    root = logging.getLogger()
    if root.handlers or log.handlers:
        return
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    log.addHandler(handler)
    log.setLevel(logging.INFO)
