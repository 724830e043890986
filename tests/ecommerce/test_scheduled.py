"""The e-commerce jobs the server runs on its own: the daily value-references refresh and the sweep of
interrupted manifests, on a real database through the housekeeping runner."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pydantic import ValidationError
from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session, sessionmaker

from smartcustoms.audit.models import AuditEntry
from smartcustoms.db import make_engine, utcnow
from smartcustoms.declarations.flows import declaration_date
from smartcustoms.ecommerce import scheduled, valueref_service
from smartcustoms.ecommerce.config import EcommerceSettings, get_ecommerce_settings
from smartcustoms.ecommerce.generate import jsonl_lines
from smartcustoms.ecommerce.intake import ingest
from smartcustoms.ecommerce.models import Manifest, ManifestKey, ValueReference
from smartcustoms.ecommerce.pipeline import Intake
from smartcustoms.ecommerce.valueref import Band
from smartcustoms.housekeeping.models import ScheduledRun
from smartcustoms.housekeeping.runner import Housekeeper, Sessions
from smartcustoms.identity import service as identity
from tests.ecommerce.conftest import prepare
from tests.ecommerce.test_stale import _cut_short


@pytest.fixture()
def own(new_database_url: Callable[[], str], tmp_path: Path) -> Iterator[tuple[Engine, int]]:
    """A database of its own (the jobs read and change every manifest and band), with rates and a carrier."""
    engine = make_engine(new_database_url())
    prepare(engine, tmp_path)
    with Session(engine) as s, s.begin():
        tid = identity.create_trader(s, "Night Express", "NIGHT-EXP", "broker").id
    yield engine, tid
    engine.dispose()


def _keeper(engine: Engine, settings: EcommerceSettings, clock: Callable[[], datetime] = utcnow) -> Housekeeper:
    factory = sessionmaker(engine, expire_on_commit=False)
    return Housekeeper(scheduled.jobs(settings), Sessions(factory, factory), clock=clock)


def test_the_settings_choose_the_jobs(monkeypatch: pytest.MonkeyPatch) -> None:
    assert [j.name for j in scheduled.jobs(EcommerceSettings())] == [scheduled.VALUE_REFS, scheduled.SWEEP,
                                                                     scheduled.KEY_EXPIRY]
    assert scheduled.jobs(EcommerceSettings(value_ref_refresh_at="off", sweep_every_minutes=0,
                                            idempotency_key_days=0)) == []
    monkeypatch.setenv("SMARTCUSTOMS_ECOMMERCE_VALUE_REF_REFRESH_AT", "25:00")
    with pytest.raises(ValidationError, match="value_ref_refresh_at") as err:
        get_ecommerce_settings()
    assert "'25:00'" in str(err.value) and "HH:MM" in str(err.value)


def test_the_daily_refresh_stores_bands_once_per_slot_and_is_audited(own: tuple[Engine, int]) -> None:
    engine, tid = own
    ingest(engine, Intake.open(engine, tid, "NIGHT-EXP", "jsonl", "cli"), list(jsonl_lines(600, 33)), "jsonl",
           lambda _r: None)
    settings = EcommerceSettings(sweep_every_minutes=0, idempotency_key_days=0)
    done = _keeper(engine, settings).run_due()
    with Session(engine) as s:
        count = valueref_service.count(s)
        kept = valueref_service.stored_window(s)
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "ecommerce.value_refs_refreshed")).one()
        row = s.get(ScheduledRun, scheduled.VALUE_REFS)
    assert count > 0 and kept is not None
    assert done == {scheduled.VALUE_REFS: f"{count} band(s) stored from 600 consignment(s) of 1 manifest(s) received "
                                          f"{kept[0]} to {kept[1]}"}
    assert (kept[1] - kept[0]).days == settings.value_ref_days - 1
    assert entry.actor == "scheduler" and row is not None and row.outcome == done[scheduled.VALUE_REFS]
    assert _keeper(engine, settings).run_due() == {}  # another process, the same slot: nothing


def test_a_slot_whose_references_are_newer_is_skipped_and_no_band_keeps_what_is_stored(
        own: tuple[Engine, int]) -> None:
    engine, _ = own
    settings = EcommerceSettings(sweep_every_minutes=0, idempotency_key_days=0)
    # No parcel at all: nothing stored, and it says so.
    assert _keeper(engine, settings).run_due() == {
        scheduled.VALUE_REFS: f"no band of {settings.value_ref_min_lines} lines from 0 consignment(s) of 0 "
                              f"manifest(s) received {_window(settings)}: none are stored"}
    # An operator ran the CLI after the next slot: that slot is skipped, the bands stay as they are.
    tomorrow = utcnow() + timedelta(days=1)
    with Session(engine) as s, s.begin():
        valueref_service.save(s, [Band("392690", "PCE", 40, 6.0, 0.5, 40)], tomorrow.date(), tomorrow.date(), "cli")
        s.execute(update(ValueReference).values(computed_at=tomorrow + timedelta(minutes=1)))
    done = _keeper(engine, settings, clock=lambda: tomorrow).run_due()
    assert done[scheduled.VALUE_REFS].startswith("skipped: the references were computed at")
    with Session(engine) as s:
        assert valueref_service.count(s) == 1


def _window(settings: EcommerceSettings) -> str:
    last = declaration_date(utcnow())
    return f"{last - timedelta(days=settings.value_ref_days - 1)} to {last}"


def test_the_sweep_marks_a_silent_manifest_interrupted(own: tuple[Engine, int]) -> None:
    engine, tid = own
    # The live one first: opening a manifest sweeps too (at its own, earlier, clock here).
    live = _cut_short(engine, (tid, "NIGHT-EXP", ""), "NL", ago=timedelta(minutes=2))
    killed = _cut_short(engine, (tid, "NIGHT-EXP", ""), "NS", ago=timedelta(minutes=45))
    settings = EcommerceSettings(value_ref_refresh_at="off", idempotency_key_days=0)
    done = _keeper(engine, settings).run_due()
    assert done == {scheduled.SWEEP: f"1 manifest(s) marked interrupted: {killed.manifest_id}"}
    with Session(engine) as s:
        assert s.get(Manifest, killed.manifest_id).status == "interrupted"  # type: ignore[union-attr]
        assert s.get(Manifest, live.manifest_id).status == "receiving"  # type: ignore[union-attr]
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "ecommerce.manifest_interrupted")).one()
    assert entry.actor == "scheduler"
    later = datetime.now(UTC) + timedelta(minutes=5)  # the next slot: the live one is still within its 30 minutes
    assert _keeper(engine, settings, clock=lambda: later).run_due() == {scheduled.SWEEP: "0 manifest(s) marked "
                                                                                         "interrupted"}


def test_the_key_expiry_removes_old_keys_every_hour(own: tuple[Engine, int]) -> None:
    engine, tid = own
    kept = _cut_short(engine, (tid, "NIGHT-EXP", ""), "NK", ago=timedelta(minutes=2))
    old = _cut_short(engine, (tid, "NIGHT-EXP", ""), "NO", ago=timedelta(minutes=2))
    with Session(engine) as s, s.begin():
        s.add_all([ManifestKey(submitter_id=tid, key="kept", manifest_id=kept.manifest_id),
                   ManifestKey(submitter_id=tid, key="old", manifest_id=old.manifest_id)])
        s.execute(update(Manifest).where(Manifest.id == old.manifest_id)
                  .values(received_at=utcnow() - timedelta(days=8)))
    settings = EcommerceSettings(value_ref_refresh_at="off", sweep_every_minutes=0, idempotency_key_days=7)
    done = _keeper(engine, settings).run_due()
    assert done == {scheduled.KEY_EXPIRY: "1 manifest key(s) and 0 action key(s) older than 7 day(s) removed"}
    with Session(engine) as s:
        assert set(s.scalars(select(ManifestKey.key))) == {"kept"}
        run = s.scalars(select(ScheduledRun).where(ScheduledRun.job == scheduled.KEY_EXPIRY)).one()
    assert run.outcome == done[scheduled.KEY_EXPIRY]
    assert _keeper(engine, settings).run_due() == {}  # once per hour's slot
