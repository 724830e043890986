"""The e-commerce jobs the server runs on its own (housekeeping/runner.py runs them).

- `ecommerce.value_refs`: every day at SMARTCUSTOMS_ECOMMERCE_VALUE_REF_REFRESH_AT (Japan, default 03:30), what
  `smartcustoms ecommerce value-refs` does with its defaults: the window of value_ref_days Japanese dates ending
  today, read in one read transaction, stored in a short write one (audited as the scheduler's). A slot whose
  references an operator already computed after it (the CLI) is skipped. A window with no band keeps the stored
  bands, as the CLI does.
- `ecommerce.sweep`: every sweep_every_minutes minutes, marks manifests silent for interrupted_after_minutes as
  interrupted (also done when a manifest is opened; without this a killed intake stayed "receiving" on the
  officers' pages until the next manifest came).
- `ecommerce.key_expiry`: every hour, removes the Idempotency-Keys older than idempotency_key_days
  (ecommerce/key_expiry.py); not run when that is 0.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from smartcustoms.declarations.flows import declaration_date
from smartcustoms.ecommerce import key_expiry
from smartcustoms.ecommerce.config import EcommerceSettings, get_ecommerce_settings
from smartcustoms.ecommerce.stale import mark_interrupted
from smartcustoms.ecommerce.valueref_service import compute, save, stored_window
from smartcustoms.housekeeping.runner import FAILED, INTERRUPTED, Job, Sessions, Stopped
from smartcustoms.housekeeping.service import last_run
from smartcustoms.housekeeping.slots import daily_slot, every_slot, time_of_day
from smartcustoms.settings import get_settings

VALUE_REFS = "ecommerce.value_refs"
SWEEP = "ecommerce.sweep"
KEY_EXPIRY = "ecommerce.key_expiry"
ACTOR = "scheduler"
SKIPPED = "skipped:"  # the outcome of a slot whose references were already computed after it


def jobs(settings: EcommerceSettings) -> list[Job]:
    """The jobs these settings switch on."""
    out: list[Job] = []
    at = time_of_day(settings.value_ref_refresh_at)
    if at is not None:
        def refresh(sessions: Sessions, now: datetime, slot: datetime) -> str:
            return refresh_value_refs(sessions, now, slot, settings)

        out.append(Job(VALUE_REFS, lambda now: daily_slot(now, at), refresh))
    if settings.sweep_every_minutes:
        minutes = settings.sweep_every_minutes

        def sweep(sessions: Sessions, now: datetime, slot: datetime) -> str:
            with sessions.write() as s, s.begin():
                done = mark_interrupted(s, now, timedelta(minutes=settings.interrupted_after_minutes), actor=ACTOR)
            return f"{len(done)} manifest(s) marked interrupted" + (f": {', '.join(done[:20])}" if done else "")

        out.append(Job(SWEEP, lambda now: every_slot(now, minutes), sweep))
    if settings.idempotency_key_days:
        days = settings.idempotency_key_days

        def expire_keys(sessions: Sessions, now: datetime, slot: datetime) -> str:
            with sessions.write() as s, s.begin():
                return key_expiry.expire(s, now, days).line(days)

        out.append(Job(KEY_EXPIRY, lambda now: every_slot(now, 60), expire_keys))
    return out


def refresh_value_refs(sessions: Sessions, now: datetime, slot: datetime, settings: EcommerceSettings) -> str:
    """One scheduled refresh; what it did, in a line."""
    with sessions.read() as s:
        kept = stored_window(s)
        if kept is not None and kept[2] >= slot:
            return f"{SKIPPED} the references were computed at {kept[2].isoformat()}, after this slot"

        def progress(_what: str, _share: float) -> None:  # asked after each manifest read
            if sessions.stopping():
                raise Stopped

        done = compute(s, declaration_date(now), settings.value_ref_days, settings.value_ref_min_lines,
                       settings.value_ref_sample, settings.value_ref_max_consignments, progress)
    with sessions.write() as s, s.begin():
        stored = save(s, done.bands, done.window_from, done.window_to, actor=ACTOR)
    read = (f"{done.consignments:,} consignment(s) of {done.manifests:,} manifest(s) received {done.window_from} to "
            f"{done.window_to}")
    if stored:
        return f"{len(done.bands)} band(s) stored from {read}"
    held = "none are stored" if kept is None else f"the {kept[3]} stored band(s) stay"
    return f"no band of {settings.value_ref_min_lines} lines from {read}: {held}"


def refresh_schedule(session: Session) -> dict[str, Any]:
    """For the console: the time of day the server refreshes the references (None: it does not) and its last
    scheduled run (None before the first): when it started, `done`, `skipped` (computed already), `failed`, `running`
    or `interrupted` (the server stopped during it; the next start runs it again), and its outcome line."""
    at = time_of_day(get_ecommerce_settings().value_ref_refresh_at) if get_settings().housekeeping else None
    row = last_run(session, VALUE_REFS)
    last = None
    if row is not None:
        outcome = row.outcome or ""
        status = ("running" if row.finished_at is None else "failed" if outcome.startswith(FAILED) else
                  "interrupted" if outcome == INTERRUPTED else "skipped" if outcome.startswith(SKIPPED) else
                  "done")
        last = {"at": row.started_at, "status": status, "outcome": row.outcome or ""}
    return {"at": None if at is None else at.strftime("%H:%M"), "last": last}
