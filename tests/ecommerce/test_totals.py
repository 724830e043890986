"""The running totals per manifest, platform and seller equal the consignments counted, whatever happened to them."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, event, func, select, update
from sqlalchemy.orm import ORMExecuteState, Session

from smartcustoms.audit import service as audit
from smartcustoms.db import make_engine
from smartcustoms.ecommerce import officer, totals
from smartcustoms.ecommerce.config import get_ecommerce_settings
from smartcustoms.ecommerce.models import Consignment, GroupTotal
from smartcustoms.identity import service as identity
from tests.ecommerce.conftest import consignment, goods, prepare
from tests.ecommerce.test_pipeline import _prefixed, jl, run


@pytest.fixture()
def fresh(new_database_url: Callable[[], str], tmp_path: Path) -> Iterator[Engine]:
    """A database of its own: the totals are compared with every consignment in it."""
    engine = make_engine(new_database_url())
    prepare(engine, tmp_path)
    yield engine
    engine.dispose()


def carrier(engine: Engine, code: str) -> tuple[int, str, str]:
    with Session(engine) as s, s.begin():
        t = identity.create_trader(s, f"Carrier {code}", code, "broker")
        return t.id, t.code, identity.issue_api_key(s, t)


def assert_kept_equal_counted(engine: Engine) -> None:
    with Session(engine) as s:
        assert officer.totals(s) == officer.totals_counted(s)
        first = {kind: officer.groups(s, kind, {})[0].key for kind in totals.KINDS}
        for filters in ({}, {"status": "open"}, *({k: v} for k, v in first.items()),
                        *({k: v, "status": "open"} for k, v in first.items()), {"seller": "no such seller"}):
            kept = officer.count_kept(s, filters)
            counted = s.scalar(select(func.count()).select_from(Consignment).where(*officer._where(filters)))
            assert kept == counted, filters
        for filters in ({"lane": "2"}, {"status": "held"}, {"platform": first["platform"], "seller": first["seller"]}):
            assert officer.count_kept(s, filters) is None  # counted as they are
        for kind in totals.KINDS:
            everything = officer.groups(s, kind, {}, limit=10**6)
            assert everything == officer.groups_counted(s, kind, {}, limit=10**6)
            assert officer.groups(s, kind, {}, limit=3) == officer.groups_counted(s, kind, {}, limit=3)


def test_kept_totals_equal_the_consignments_counted(fresh: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SMARTCUSTOMS_ECOMMERCE_CHUNK_ROWS", "150")  # groups and splits across chunks
    get_ecommerce_settings.cache_clear()
    a, b = carrier(fresh, "CAR-TOT-A"), carrier(fresh, "CAR-TOT-B")
    run(fresh, a, _prefixed(5, 700, "A"))  # generated: repeat sellers, split shipments, undervaluation
    run(fresh, b, _prefixed(6, 500, "B"))
    run(fresh, a, _prefixed(5, 300, "A"))  # re-sent: repeats add nothing
    # A split completed by a later manifest: the two parcels stored before it are linked to the group then.
    seller = {"id": "S-TOT-SPLIT", "name": "Split Seller", "country": "CN"}
    buyer = {"name": "Ito Mei", "address": "7-8 Naka-ku, Nagoya", "id": "JC-TOT-SPLIT"}
    _, first = run(fresh, a, jl(*[consignment(f"TOT-SPL-{i}", seller=seller, consignee=buyer, personal_use=False,
                                              goods=[goods("4000")]) for i in range(2)]))
    third, _ = run(fresh, b, jl(consignment("TOT-SPL-2", seller=seller, consignee=buyer, personal_use=False,
                                            goods=[goods("4000")])))
    assert third[0]["split_group"] is not None
    # Keys and names that PostgreSQL's array literals must quote (the totals are written as arrays there).
    odd = {"id": 'S-ODD,{1}"x"\\', "name": 'Odd "Quotes", {Braces} \\ NULL', "country": "CN"}
    got, _ = run(fresh, b, jl(consignment("TOT-ODD-1", seller=odd, platform='Plat "NULL", {x}')))
    assert got[0]["result"] == "accepted"
    assert_kept_equal_counted(fresh)
    # Officers order inspections (lane 2 -> 3), hold and release.
    with Session(fresh) as s, s.begin():
        review = list(s.scalars(select(Consignment.id).where(Consignment.status == "review")
                                .order_by(Consignment.id).limit(6)))
        assert review, "the generated manifests give lane-2 consignments"
        officer.act(s, action="inspect", reason="documents missing", officer="t", ids=review[:4])
        officer.act(s, action="hold", reason="awaiting payment", officer="t", ids=review[4:])
        officer.act(s, action="release", reason="checked", officer="t", ids=review[:2],
                    inspection_result="no_discrepancy")
    assert_kept_equal_counted(fresh)
    with Session(fresh) as s:
        split_manifest = s.get(GroupTotal, ("manifest", first["manifest_id"]))
        seller_total = s.get(GroupTotal, ("seller", "S-TOT-SPLIT"))
    assert split_manifest is not None and split_manifest.split_flagged == 2 and split_manifest.consignments == 2
    assert seller_total is not None and seller_total.split_flagged == 3 and seller_total.label == "Split Seller"
    with Session(fresh) as s:
        odd_total = s.get(GroupTotal, ("seller", odd["id"]))
    assert odd_total is not None and odd_total.label == odd["name"] and odd_total.consignments == 1


def test_a_filtered_overview_counts_the_matching_consignments(fresh: Engine) -> None:
    a = carrier(fresh, "CAR-TOT-F")
    run(fresh, a, _prefixed(8, 300, "F"))
    with Session(fresh) as s:
        lane3 = officer.groups(s, "platform", {"lane": "3"})
        assert lane3 == officer.groups_counted(s, "platform", {"lane": "3"})
        assert sum(g.consignments for g in lane3) == sum(g.lane3 for g in lane3)
        everything: dict[str, Any] = {g.key: g for g in officer.groups(s, "platform", {})}
        assert all(g.consignments <= everything[g.key].consignments for g in lane3)


def test_a_consignment_decided_meanwhile_is_skipped_and_counted_once(fresh: Engine) -> None:
    """On PostgreSQL another officer may decide a consignment between the selection and the update of a bulk
    decision: the update finds it in another status and changes nothing, so neither its totals nor the count move."""
    a = carrier(fresh, "CAR-TOT-R")
    run(fresh, a, _prefixed(9, 300, "R"))
    with Session(fresh) as s, s.begin():
        review = list(s.scalars(select(Consignment.id).where(Consignment.status == "review")
                                .order_by(Consignment.id).limit(2)))
        assert len(review) == 2
        raced: list[str] = []

        @event.listens_for(s, "do_orm_execute")
        def _other_officer(state: ORMExecuteState) -> None:
            if state.is_update and not raced:  # the first consignment is released by someone else first
                raced.append(review[0])
                state.session.connection().execute(
                    update(Consignment).where(Consignment.id == review[0]).values(status="released"))

        outcome = officer.act(s, action="inspect", reason="x-ray", officer="t", ids=review)
        event.remove(s, "do_orm_execute", _other_officer)
    assert (outcome.done, outcome.skipped) == (1, 1)
    # The other officer's release did not go through the totals in this test; count it as its decision would.
    with Session(fresh) as s, s.begin():
        other = s.get(Consignment, review[0])
        assert other is not None and other.lane == 2
        tally = totals.Tally()
        tally.decide(other.manifest_id, other.platform, other.seller_id, (2, 2), (True, False))
        totals.apply(s.connection(), tally)
    assert_kept_equal_counted(fresh)


def test_a_decision_and_a_chunk_committed_together_do_not_deadlock(fresh: Engine, backend: str) -> None:
    """PostgreSQL: a chunk being stored holds its groups' totals and then takes the audit chain's head; a bulk
    decision on the same platform takes the totals before the head too, so it waits instead of deadlocking."""
    if backend != "postgresql":
        pytest.skip("SQLite runs one writer at a time")
    a = carrier(fresh, "CAR-TOT-D")
    run(fresh, a, _prefixed(12, 300, "D"))
    with Session(fresh) as s:
        target = s.scalars(select(Consignment).where(Consignment.status == "review").limit(1)).one()
    outcome: list[Any] = []

    def decide() -> None:
        try:
            with Session(fresh) as s, s.begin():
                outcome.append(officer.act(s, action="release", reason="checked", officer="t", ids=[target.id]))
        except Exception as exc:  # reported below
            outcome.append(exc)

    with Session(fresh) as chunk, chunk.begin():  # a chunk: totals of the decision's platform first ...
        tally = totals.Tally()
        tally.flag_split(target.manifest_id, target.platform, target.seller_id)
        totals.apply(chunk.connection(), tally)
        officer_thread = threading.Thread(target=decide)
        officer_thread.start()
        officer_thread.join(2.0)  # the decision now waits for the platform's row
        audit.append(chunk, actor="test", action="test.chunk", entity_type="test", entity_id="x", data={})
        chunk.rollback()  # ... then the audit head, and it goes away
    officer_thread.join(30)
    assert len(outcome) == 1 and not isinstance(outcome[0], Exception), outcome
    assert outcome[0].done == 1
    assert_kept_equal_counted(fresh)


def test_a_parcel_linked_again_counts_once_in_its_split_totals(fresh: Engine) -> None:
    """A, then B (A and B flagged together), then C (the group grows): A and B are linked again by the third
    manifest and must not be counted a second time as split parcels."""
    from tests.ecommerce.test_officer import _split_record

    sub = carrier(fresh, "CAR-TOT-SPLIT")
    for parcel in ("S-A", "S-B", "S-C"):
        results, summary = run(fresh, sub, jl(_split_record(parcel, "TWICE", "SAME-CONSIGNEE")))
        assert summary["status"] == "complete" and results[0]["result"] == "accepted"
    with Session(fresh) as s:
        grouped = s.scalars(select(Consignment.split_group).where(Consignment.seller_id == "TWICE")).all()
        assert len(grouped) == 3 and all(grouped)
    assert_kept_equal_counted(fresh)
