"""The intake on a real database: results after commit, idempotent re-sends, split groups across chunks/manifests."""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from typing import Any

import orjson
import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from smartcustoms.audit import service as audit
from smartcustoms.audit.models import AuditEntry
from smartcustoms.db import utcnow
from smartcustoms.ecommerce.generate import jsonl_lines
from smartcustoms.ecommerce.intake import ingest
from smartcustoms.ecommerce.models import Consignment, Manifest
from smartcustoms.ecommerce.pipeline import ChunkStore, Intake, _members, _received_processor, window_sql
from smartcustoms.ecommerce.split import split_key
from smartcustoms.identity import service as identity
from tests.ecommerce.conftest import consignment, goods


def run(engine: Engine, sub: tuple[int, str, str], lines: list[bytes], fmt: str = "jsonl"
        ) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    intake = Intake.open(engine, sub[0], sub[1], fmt, "cli")
    results: list[dict[str, Any]] = []
    summary = ingest(engine, intake, lines, fmt, results.extend)
    return results, summary


def jl(*records: dict[str, Any]) -> list[bytes]:
    return [orjson.dumps(r) + b"\n" for r in records]


def _prefixed(seed: int, count: int, prefix: str) -> list[bytes]:
    return [x.replace(b'"parcel_id":"P', f'"parcel_id":"{prefix}'.encode()) for x in jsonl_lines(count, seed)]


def count(engine: Engine, *where: Any) -> int:
    with Session(engine) as s:
        return int(s.scalar(select(func.count()).select_from(Consignment).where(*where)) or 0)


def test_every_line_gets_one_result_and_lane_1_is_released(ec_engine: Engine, submitter: Any,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SMARTCUSTOMS_ECOMMERCE_CHUNK_ROWS", "150")
    lines = [*_prefixed(11, 700, "R"), b"not json\n"]
    results, summary = run(ec_engine, submitter, lines)
    assert [r["line"] for r in results] == list(range(1, 702))
    assert summary["lines"] == 701 and summary["accepted"] + summary["rejected"] == 701
    assert results[-1]["result"] == "rejected" and results[-1]["errors"][0]["code"] == "malformed_json"
    stored = count(ec_engine, Consignment.manifest_id == summary["manifest_id"])
    assert stored == summary["accepted"] == sum(1 for r in results if r["result"] == "accepted")
    assert sum(summary["lanes"].values()) == summary["accepted"]
    for r in results:
        if r["result"] == "accepted":
            assert (r["lane"] == 1) == (r["status"] == "released")
    with Session(ec_engine) as s:
        m = s.get(Manifest, summary["manifest_id"])
        assert m is not None and m.status == "complete"
        chunks = s.scalars(select(AuditEntry).where(AuditEntry.entity_id == m.id,
                                                    AuditEntry.action == "ecommerce.chunk_committed")).all()
        assert len(chunks) == 6  # 701 lines: a first chunk of 75, then chunks of 150
        assert sum(orjson.loads(e.payload)["accepted"] for e in chunks) == summary["accepted"]
        checked, problem, _ = audit.verify(s)
        assert problem is None and checked > 0


def test_resending_returns_stored_results_and_stores_nothing_twice(ec_engine: Engine, submitter: Any) -> None:
    lines = _prefixed(12, 300, "D")
    first, s1 = run(ec_engine, submitter, lines)
    again, s2 = run(ec_engine, submitter, lines[100:] + lines[:50])
    assert s2["accepted"] == 0 and s2["repeats"] == s1["accepted"] - sum(
        1 for r in first[50:100] if r["result"] == "accepted")
    by_parcel = {r["parcel_id"]: r for r in first if r["result"] == "accepted"}
    for r in again:
        if r["result"] == "repeat":
            orig = by_parcel[r["parcel_id"]]
            assert (r["consignment_id"], r["lane"], r["total_tax_jpy"]) == (
                orig["consignment_id"], orig["lane"], orig["total_tax_jpy"])
    assert count(ec_engine, Consignment.submitter_id == submitter[0]) == s1["accepted"]


def test_the_same_parcel_twice_in_one_manifest_is_one_consignment(ec_engine: Engine, submitter: Any) -> None:
    results, summary = run(ec_engine, submitter, jl(consignment("DUP-1"), consignment("DUP-1")))
    assert [r["result"] for r in results] == ["accepted", "repeat"]
    assert results[1]["consignment_id"] == results[0]["consignment_id"] and results[1]["first_line"] == 1
    assert summary["accepted"] == 1 and summary["repeats"] == 1


def test_parcel_ids_are_unique_per_submitter_not_globally(ec_engine: Engine, submitter: Any) -> None:
    with Session(ec_engine) as s, s.begin():
        other = identity.create_trader(s, "Other Carrier", f"O{submitter[1]}", "broker")
        other_sub = (other.id, other.code, "")
    pid = f"SHARED-{submitter[1]}"
    assert run(ec_engine, submitter, jl(consignment(pid)))[0][0]["result"] == "accepted"
    assert run(ec_engine, other_sub, jl(consignment(pid)))[0][0]["result"] == "accepted"


def test_concurrent_resends_store_each_parcel_once(ec_engine: Engine, submitter: Any,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SMARTCUSTOMS_ECOMMERCE_CHUNK_ROWS", "40")
    lines = _prefixed(13, 200, "C")
    outcomes: list[dict[str, Any]] = []
    errors: list[BaseException] = []

    def send() -> None:
        try:
            outcomes.append(run(ec_engine, submitter, lines)[1])
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=send) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    accepted = sum(o["accepted"] for o in outcomes)
    assert accepted == outcomes[0]["accepted"] + outcomes[0]["repeats"]  # every valid parcel accepted exactly once
    assert sum(o["accepted"] + o["repeats"] for o in outcomes) == 3 * accepted
    assert count(ec_engine, Consignment.submitter_id == submitter[0]) == accepted


def _split_parcel(pid: str, value: str) -> dict[str, Any]:
    seller = "SELLER-" + pid.rsplit("-", 1)[0]  # one seller per test
    return consignment(pid, personal_use=False, seller={"id": seller, "name": "Split Co", "country": "CN"},
                       consignee={"name": "Tanaka Ren", "address": "4-5-6 Kita-ku, Osaka", "id": None},
                       goods=[goods(value, "JPY")])


def test_split_shipments_are_flagged_across_chunks_and_manifests(ec_engine: Engine, submitter: Any,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SMARTCUSTOMS_ECOMMERCE_CHUNK_ROWS", "1")
    sub = submitter
    tag = sub[1]
    r1, _ = run(ec_engine, sub, jl(_split_parcel(f"{tag}-S1", "4000"), _split_parcel(f"{tag}-S2", "4000")))
    assert [r.get("split_group") for r in r1] == [None, None]  # ¥8,000 together: within the exemption
    r2, _ = run(ec_engine, sub, jl(_split_parcel(f"{tag}-S3", "3000"), _split_parcel(f"{tag}-S4", "500")))
    group = r1[0]["consignment_id"]
    assert r2[0]["lane"] == 2 and r2[0]["split_group"] == group and r2[0]["total_tax_jpy"] == 0
    assert r2[1]["lane"] == 2 and r2[1]["split_group"] == group
    with Session(ec_engine) as s:
        members = s.scalars(select(Consignment).where(Consignment.split_group == group)).all()
        assert {m.parcel_id for m in members} == {f"{tag}-S{i}" for i in range(1, 5)}
        first = next(m for m in members if m.parcel_id == f"{tag}-S1")
        assert first.lane == 1 and first.status == "released"  # linked for review, not recalled
        flagged = next(m for m in members if m.parcel_id == f"{tag}-S3")
        reasons = orjson.loads(flagged.lane_reasons)
        assert any(x["kind"] == "split" and "11,000" in x["reason"] for x in reasons)


def test_a_parcel_within_the_threshold_with_excluded_goods_is_taxed_not_exempt_and_still_counts_for_splits(
        ec_engine: Engine, submitter: Any) -> None:
    """A leather bag (HS 4202, excluded from the low-value exemption) at ¥6,000 pays duty and tax: the parcel is not
    exempt in its result or its stored row, a plain parcel beside it is; both are within the threshold, so
    together (¥11,000) they are a split group."""
    tag = submitter[1]
    bag = _split_parcel(f"{tag}-B1", "6000")
    bag["goods"] = [goods("6000", "JPY", hs="420221")]
    results, summary = run(ec_engine, submitter, jl(bag, _split_parcel(f"{tag}-B2", "5000")))
    taxed, plain = results
    assert taxed["exempt"] is False and taxed["total_tax_jpy"] > 0 and taxed["dutiable_value_jpy"] == 6000
    assert plain["exempt"] is True and plain["total_tax_jpy"] == 0
    assert plain["split_group"] == taxed["consignment_id"] and plain["lane"] == 2
    with Session(ec_engine) as s:
        stored = {c.parcel_id: c for c in s.scalars(select(Consignment).where(
            Consignment.manifest_id == summary["manifest_id"]))}
    assert stored[f"{tag}-B1"].exempt is False and stored[f"{tag}-B1"].assessment is not None
    assert orjson.loads(stored[f"{tag}-B1"].assessment)["lines"][0]["exempt"] is False
    assert stored[f"{tag}-B2"].exempt is True and stored[f"{tag}-B2"].assessment is None
    # A repeat reports the stored flag.
    again, _ = run(ec_engine, submitter, jl(bag))
    assert again[0]["result"] == "repeat" and again[0]["exempt"] is False


def test_a_parcel_above_the_exemption_gets_no_split_key_and_the_window_reads_its_partial_index(
        ec_engine: Engine, submitter: Any) -> None:
    """A parcel above the ¥10,000 exemption joins no split group: it is stored without a split key, so the split
    window's partial index (migration 0019) leaves it out; two parcels of the same pair within it still make a
    group, and the window's query, as the intake runs it, reads that index on both databases."""
    tag = submitter[1]
    results, summary = run(ec_engine, submitter, jl(_split_parcel(f"{tag}-K1", "25000"),
                                                    _split_parcel(f"{tag}-K2", "4000"),
                                                    _split_parcel(f"{tag}-K3", "7000")))
    above, first, second = results
    assert above["exempt"] is False and above["dutiable_value_jpy"] == 25000 and "split_group" not in above
    assert first["split_group"] == second["split_group"] == first["consignment_id"]  # ¥11,000 together
    with Session(ec_engine) as s:
        keys = dict(s.execute(select(Consignment.parcel_id, Consignment.split_key).where(
            Consignment.manifest_id == summary["manifest_id"])).tuples().all())
    pair = split_key(f"SELLER-{tag}", None, "Tanaka Ren", "4-5-6 Kita-ku, Osaka")
    assert keys == {f"{tag}-K1": None, f"{tag}-K2": pair, f"{tag}-K3": pair}
    with ec_engine.begin() as conn:
        member, params, mark = next(_members(conn, "split_key", [pair]))
        stamp = _received_processor(conn.dialect)
        now = utcnow()
        args = (*params, stamp(now - timedelta(hours=1)), stamp(now + timedelta(hours=1)), 10_000,
                summary["manifest_id"], 1, 1)
        sql = window_sql(member, mark, True)
        found = conn.exec_driver_sql(sql, args).all()
        if conn.dialect.name == "sqlite":
            plan = " ".join(str(r[-1]) for r in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", args))
        else:
            conn.exec_driver_sql("SET LOCAL enable_seqscan = off")  # as the intake's store does
            plan = " ".join(str(r[0]) for r in conn.exec_driver_sql(f"EXPLAIN {sql}", args))
    assert sorted(r[1] for r in found) == sorted([first["consignment_id"], second["consignment_id"]])
    assert "ix_ecommerce_consignments_split " in plan + " ", plan


@pytest.mark.parametrize("workers", ["0", "1"])  # one-step stores; two-step ones on PostgreSQL
def test_two_intakes_at_once_see_each_others_parcels_of_the_same_seller_and_consignee(
        ec_engine: Engine, monkeypatch: pytest.MonkeyPatch, workers: str) -> None:
    """Two carriers send one parcel each of the same seller to the same consignee at the same moment, 30 times:
    every pair is a split group. On PostgreSQL each intake read the window before the other had committed and most
    pairs were released with neither flagged (the split keys are now locked while a chunk reads the window)."""
    monkeypatch.setenv("SMARTCUSTOMS_ECOMMERCE_WORKERS", workers)
    subs = []
    with Session(ec_engine) as s, s.begin():
        for side in "AB":
            t = identity.create_trader(s, f"Carrier race {side}", f"CAR-RACE-{side}-{time.time_ns()}", "broker")
            subs.append((t.id, t.code, ""))
    tag = subs[0][1]
    rounds = 30
    start = threading.Barrier(2)
    results: dict[int, list[dict[str, Any]]] = {0: [], 1: []}
    failures: list[BaseException] = []

    def carrier(side: int) -> None:
        try:
            for i in range(rounds):
                parcel = _split_parcel(f"{tag}-{side}-{i}", "6000")
                parcel["seller"] = {"id": f"SELLER-RACE-{tag}", "name": "Race Co", "country": "CN"}
                parcel["consignee"] = {"name": "Race", "address": "Osaka", "id": f"CR-{tag}-{i}"}
                intake = Intake.open(ec_engine, subs[side][0], subs[side][1], "jsonl", "cli")
                start.wait(timeout=60)
                ingest(ec_engine, intake, jl(parcel), "jsonl", results[side].extend)
        except BaseException as exc:  # reported below
            failures.append(exc)
            start.abort()

    threads = [threading.Thread(target=carrier, args=(side,)) for side in (0, 1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert not failures, failures
    missed = [i for i in range(rounds) if not (results[0][i].get("split_group") or results[1][i].get("split_group"))]
    assert missed == []
    for i in range(rounds):  # the later one is in lane 2 with the group of the earlier one
        pair = sorted((results[0][i], results[1][i]), key=lambda r: "split_group" in r)
        assert pair[1]["lane"] == 2 and pair[1]["split_group"] == pair[0]["consignment_id"]


def test_every_seeded_split_group_of_the_generator_is_flagged_and_every_seeded_line_is_accepted(
        ec_engine: Engine, submitter: Any) -> None:
    """The generator's split groups are real splits (each part within ¥10,000 at its dutiable value, together over
    it; a quarter were not, at 60 % for personal use), and no generated parcel is refused (a cheap line without an
    HS code beside excluded goods was an unlabelled reject)."""
    tag = submitter[1]
    lines = [x.replace(b'"parcel_id":"P', f'"parcel_id":"{tag}-'.encode()) for x in jsonl_lines(1500, 97)]
    results, _ = run(ec_engine, submitter, lines)
    records = [orjson.loads(x) for x in lines]
    # No generated parcel is refused: none for a missing HS code, none over ¥200,000 (several of one item only
    # under ¥20,000 each, since a line's value is its unit price times the quantity).
    assert not [r for r in results if r["result"] == "rejected"]
    groups: list[list[int]] = []
    for i, rec in enumerate(records):
        if rec["_truth"]["anomaly"] != "split":
            continue
        pair = (rec["seller"]["id"], rec["consignee"]["name"], rec["consignee"]["address"])
        if groups and groups[-1][-1] == i - 1 and records[i - 1]["_truth"]["anomaly"] == "split" and pair == (
                records[i - 1]["seller"]["id"], records[i - 1]["consignee"]["name"],
                records[i - 1]["consignee"]["address"]):
            groups[-1].append(i)
        else:
            groups.append([i])
    assert len(groups) > 10
    for members in groups:
        got = [results[i] for i in members]
        assert all(r["result"] == "accepted" and r["dutiable_value_jpy"] <= 10_000 for r in got), got
        assert sum(r["dutiable_value_jpy"] for r in got) > 10_000
        assert all(r.get("split_group") for r in got), got


def test_a_store_on_postgresql_puts_its_rows_in_before_it_waits_for_the_split_locks(
        ec_engine: Engine, submitter: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Held split locks find a chunk stored alone (no worker) with its rows already in: a store holding the locks
    can then never wait for its rows (a re-sent manifest racing its original deadlocked the other way round)."""
    from sqlalchemy import text

    from smartcustoms.ecommerce.pipeline import _SPLIT_LOCK_CLASS, SPLIT_LOCKS

    if ec_engine.dialect.name != "postgresql":
        pytest.skip("advisory locks are PostgreSQL's")
    monkeypatch.setenv("SMARTCUSTOMS_ECOMMERCE_WORKERS", "0")
    tag = submitter[1]
    done: list[Any] = []
    with ec_engine.connect() as holder:
        holder.exec_driver_sql("SELECT count(pg_advisory_xact_lock(%s, b)) FROM generate_series(0, %s) AS b",
                               (_SPLIT_LOCK_CLASS, SPLIT_LOCKS - 1))
        worker = threading.Thread(target=lambda: done.append(run(ec_engine, submitter, jl(
            _split_parcel(f"{tag}-L1", "4000"), _split_parcel(f"{tag}-L2", "4000")))))
        worker.start()
        waiting, inserted = None, 0
        with ec_engine.connect() as look:
            for _ in range(400):
                waiting = look.execute(text(
                    "SELECT pid FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND wait_event = 'advisory' "
                    "AND pid <> pg_backend_pid()")).scalar()
                if waiting is not None:
                    inserted = int(look.execute(text(
                        "SELECT count(*) FROM pg_locks WHERE pid = :pid AND locktype = 'relation' AND mode = "
                        "'RowExclusiveLock' AND relation = 'ecommerce_consignments'::regclass"),
                        {"pid": waiting}).scalar() or 0)
                    break
                time.sleep(0.05)
        holder.rollback()
    worker.join(timeout=60)
    assert waiting is not None and inserted == 1
    assert done and [r["result"] for r in done[0][0]] == ["accepted", "accepted"]


def test_the_split_window_reaches_as_far_after_a_manifest_as_before_it(ec_engine: Engine, submitter: Any) -> None:
    """A parcel received 100 hours after this manifest (its intake ran first) is outside a 72-hour window."""
    tag = submitter[1]
    first, _ = run(ec_engine, submitter, jl(_split_parcel(f"{tag}-F1", "6000")))
    with Session(ec_engine) as s, s.begin():
        c = s.get(Consignment, first[0]["consignment_id"])
        assert c is not None
        later = c.received_at + timedelta(hours=100)
        c.received_at = later
    results, _ = run(ec_engine, submitter, jl(_split_parcel(f"{tag}-F2", "6000")))
    assert "split_group" not in results[0] and results[0]["lane"] == 1
    with Session(ec_engine) as s, s.begin():  # within the window after it: a group
        c = s.get(Consignment, first[0]["consignment_id"])
        assert c is not None
        c.received_at = later - timedelta(hours=40)
    results, _ = run(ec_engine, submitter, jl(_split_parcel(f"{tag}-F3", "6000")))
    with Session(ec_engine) as s:
        c = s.get(Consignment, first[0]["consignment_id"])
        assert c is not None and results[0].get("split_group") and c.split_group == results[0]["split_group"]


@pytest.mark.parametrize("value", ["-5", "1.5", "100000", "soon"])
def test_a_split_window_that_is_not_a_whole_number_of_hours_within_a_year_is_refused(
        monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    from pydantic import ValidationError

    from smartcustoms.ecommerce.config import get_ecommerce_settings

    monkeypatch.setenv("SMARTCUSTOMS_ECOMMERCE_SPLIT_WINDOW_HOURS", value)
    with pytest.raises(ValidationError, match="split_window_hours"):
        get_ecommerce_settings()


def test_an_exempt_parcel_of_wine_or_cigarettes_goes_to_lane_2_for_the_excise_tax(ec_engine: Engine,
                                                                                  submitter: Any) -> None:
    tag = submitter[1]
    wine = consignment(f"{tag}-WINE", personal_use=False, goods=[goods("3000", "JPY", hs="220421", unit="LTR")])
    smokes = consignment(f"{tag}-CIG", personal_use=False, goods=[goods("2000", "JPY", hs="240220")])
    plain = consignment(f"{tag}-CASE", personal_use=False, goods=[goods("3000", "JPY")])
    results, _ = run(ec_engine, submitter, jl(wine, smokes, plain))
    assert [(r["lane"], r["exempt"], r["total_tax_jpy"]) for r in results] == [(2, True, 0), (2, True, 0), (1, True, 0)]
    with Session(ec_engine) as s:
        reasons = {c.parcel_id: orjson.loads(c.lane_reasons) for c in s.scalars(select(Consignment).where(
            Consignment.parcel_id.in_([f"{tag}-WINE", f"{tag}-CIG"])))}
    assert [(x["kind"], x["lane"]) for x in reasons[f"{tag}-WINE"]] == [("assessment", 2)]
    assert "liquor tax" in reasons[f"{tag}-WINE"][0]["reason"] and "220421" in reasons[f"{tag}-WINE"][0]["reason"]
    assert "tobacco tax" in reasons[f"{tag}-CIG"][0]["reason"]


def test_split_window_is_configurable(ec_engine: Engine, submitter: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SMARTCUSTOMS_ECOMMERCE_SPLIT_WINDOW_HOURS", "0")
    tag = submitter[1]
    run(ec_engine, submitter, jl(_split_parcel(f"{tag}-W1", "6000")))
    results, _ = run(ec_engine, submitter, jl(_split_parcel(f"{tag}-W2", "6000")))
    assert "split_group" not in results[0]


def _stored(engine: Engine, manifest_id: str) -> list[dict[str, Any]]:
    """The manifest's stored consignments, manifest id and times left out (they differ between intakes; whether
    it is released stays)."""
    with Session(engine) as s:
        rows = s.execute(select(Consignment).where(Consignment.manifest_id == manifest_id)
                         .order_by(Consignment.line_no)).scalars().all()
        out = []
        for c in rows:
            row = {k: v for k, v in vars(c).items() if not k.startswith("_")
                   and k not in ("received_at", "released_at", "manifest_id")}
            row["released"] = c.released_at is not None
            out.append(orjson.loads(orjson.dumps(row, default=str).replace(manifest_id.encode(), b"M")))
        return out


def _named(value: Any, mids: list[str]) -> Any:
    """`value` with the manifest ids `mids` named M1, M2, ... (they differ between intakes)."""
    text = orjson.dumps(value)
    for i, mid in enumerate(mids):
        text = text.replace(mid.encode(), f"M{i + 1}".encode())
    return orjson.loads(text)


def test_worker_process_and_in_process_intake_store_and_answer_the_same(
        new_database_url: Any, tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """The prepare step in the worker process (with this process taking a measured share of each chunk) gives
    the results and stored rows of the in-process intake, line for line: lanes, tax, split groups, rejections.

    A second manifest sends new parcels to the first one's sellers and consignees, some of its parcels again and
    one parcel twice: on PostgreSQL the worker path stores in two steps (rows first, the split window once the
    chunk before is committed), and the parcels that join groups of the first manifest are settled then."""
    from smartcustoms.db import make_engine
    from smartcustoms.ecommerce import workers
    from smartcustoms.ecommerce.config import get_ecommerce_settings
    from tests.ecommerce.conftest import prepare

    monkeypatch.setenv("SMARTCUSTOMS_ECOMMERCE_CHUNK_ROWS", "250")
    lines = [*jsonl_lines(1800, seed=77), b"{broken\n", *jsonl_lines(200, seed=78)]
    again = [line.replace(b'"parcel_id":"P', b'"parcel_id":"R') for line in lines[:1800:3]]
    second = [*again[:300], *lines[900:960], *again[300:], again[10]]
    outcomes = []
    for n_workers in ("0", "1"):
        monkeypatch.setenv("SMARTCUSTOMS_ECOMMERCE_WORKERS", n_workers)
        get_ecommerce_settings.cache_clear()
        engine = make_engine(new_database_url())
        prepare(engine, tmp_path)
        with Session(engine) as s, s.begin():
            t = identity.create_trader(s, "Equal Express", "EQUAL-EXPRESS", "broker")
            sub = (t.id, t.code, "")
        if n_workers == "1":
            workers.wait_ready()
        sent = workers.SENT[0]
        outcome = []
        mids: list[str] = []
        for manifest in (lines, second):
            results, summary = run(engine, sub, manifest)
            mids.append(summary["manifest_id"])
            outcome.append((results, summary))
        assert (workers.SENT[0] - sent >= 4) == (n_workers == "1")  # the worker stored every other chunk

        outcomes.append([(_named(results, mids), _named(_stored(engine, mid), mids),
                          {k: v for k, v in summary.items()
                           if k not in ("manifest_id", "received_at", "completed_at")})
                         for (results, summary), mid in zip(outcome, mids, strict=True)])
        engine.dispose()
    in_process, with_worker = outcomes
    (r0, s0, m0), (q0, _, n0) = in_process
    assert len(r0) == 2001 and m0["accepted"] > 1900 and any(r.get("split_group") for r in r0)
    assert any(r["result"] == "accepted" and r["total_tax_jpy"] > 0 for r in r0)
    # The second manifest: groups reaching back into the first one, repeats, and a parcel met twice.
    assert any(r.get("split_group", "").startswith("M1-") for r in q0)
    assert n0["repeats"] > 50 and q0[-1]["result"] == "repeat"
    assert with_worker == in_process


def test_chunks_the_worker_could_not_store_are_stored_in_process(ec_engine: Engine, submitter: Any,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    from concurrent.futures import Future
    from concurrent.futures.process import BrokenProcessPool

    from smartcustoms.ecommerce import workers

    monkeypatch.setenv("SMARTCUSTOMS_ECOMMERCE_CHUNK_ROWS", "50")
    failures = [BrokenProcessPool("the worker was killed"), OSError("connection refused")]
    sent: list[int] = []

    def failing(spec: Any, store: Any, number: int, chunk: Any) -> workers.Job:
        f: Future[Any] = Future()
        f.set_exception(failures[len(sent) % 2])
        sent.append(len(chunk))
        return workers.Job(f, number, [0] * (workers._REGIONS * workers._SLOTS))

    monkeypatch.setattr(workers, "submit", failing)
    monkeypatch.setattr(workers, "ready", lambda: True)
    results, summary = run(ec_engine, submitter, _prefixed(21, 400, "B"))
    assert len(sent) >= 3  # both kinds of failure met
    assert [r["line"] for r in results] == list(range(1, 401))
    assert summary["status"] == "complete" and summary["accepted"] > 300
    assert count(ec_engine, Consignment.manifest_id == summary["manifest_id"]) == summary["accepted"]


def _words_recorded(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """The words given to the worker from now on, in order (True: store the chunk; False: do not)."""
    from smartcustoms.ecommerce import workers

    real_release = workers.release
    words: list[bool] = []

    def release(job: workers.Job, store: bool) -> None:
        words.append(store)
        real_release(job, store)

    monkeypatch.setattr(workers, "release", release)
    return words


def _ingest_until_failure(engine: Engine, submitter: Any, lines: list[bytes], error: type[BaseException],
                          match: str) -> tuple[Intake, list[dict[str, Any]]]:
    """Ingest a manifest whose intake fails with `error`: the intake and the results handed out before it."""
    handed_out: list[dict[str, Any]] = []
    intake = Intake.open(engine, submitter[0], submitter[1], "jsonl", "cli")
    with pytest.raises(error, match=match):
        ingest(engine, intake, lines, "jsonl", handed_out.extend)
    return intake, handed_out


def test_a_chunk_waiting_in_the_worker_is_dropped_when_this_process_fails(ec_engine: Engine, submitter: Any,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """Chunks go in turn to this process and the worker; the worker stores its chunk only on this process's word
    that the chunk before is committed. When this process fails on its chunk, the worker is told not to store the
    chunk after it (so nothing lands out of line order) and is free for the next manifest at once."""
    from smartcustoms.ecommerce import workers

    monkeypatch.setenv("SMARTCUSTOMS_ECOMMERCE_CHUNK_ROWS", "100")
    workers.wait_ready()
    real_commit = ChunkStore.commit

    def commit(self: ChunkStore, prepared: Any, number: int, *args: Any, **kwargs: Any) -> list[dict[str, Any]]:
        if number == 3:  # this process's second chunk (1 here, 2 in the worker, 3 here, 4 in the worker; lines
            # 1-50, 51-150, 151-250, 251-350: the first chunk is half a chunk)
            raise RuntimeError("disk full")
        return real_commit(self, prepared, number, *args, **kwargs)

    monkeypatch.setattr(ChunkStore, "commit", commit)
    words = _words_recorded(monkeypatch)
    _, handed_out = _ingest_until_failure(ec_engine, submitter, _prefixed(41, 500, "D"), RuntimeError,
                                          "disk full")
    assert words == [True, False]  # chunk 2 stored by the worker, chunk 4 dropped
    with Session(ec_engine) as s:
        lines = list(s.scalars(select(Consignment.line_no).where(Consignment.submitter_id == submitter[0])))
    assert len(lines) > 120 and max(lines) <= 150  # chunks 1 and 2 only
    # Every line stored before the failure was answered, the worker's chunk 2 included.
    assert [r["line"] for r in handed_out] == list(range(1, 151))
    assert {r["line"] for r in handed_out if r["result"] == "accepted"} == set(lines)
    monkeypatch.setattr(ChunkStore, "commit", real_commit)
    results, summary = run(ec_engine, submitter, _prefixed(42, 500, "E"))
    assert [r["line"] for r in results] == list(range(1, 501)) and summary["status"] == "complete"
    assert words[2:] and all(words[2:])


def test_a_failure_while_preparing_here_still_answers_the_chunk_the_worker_stored(
        ec_engine: Engine, submitter: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """This process fails preparing its second chunk while the worker stores the chunk before it: that chunk's
    results are handed out before the error, and the worker's next chunk is not stored."""
    from smartcustoms.ecommerce import workers

    monkeypatch.setenv("SMARTCUSTOMS_ECOMMERCE_CHUNK_ROWS", "100")
    workers.wait_ready()
    real_prepare = Intake.prepare
    calls: list[int] = []

    def prepare(self: Intake, chunk: Any) -> Any:
        calls.append(chunk[0].line_no)
        if len(calls) == 2:  # lines 151-250, after chunk 2 (lines 51-150) went to the worker
            raise MemoryError("out of memory")
        return real_prepare(self, chunk)

    monkeypatch.setattr(Intake, "prepare", prepare)
    words = _words_recorded(monkeypatch)
    intake, handed_out = _ingest_until_failure(ec_engine, submitter, _prefixed(43, 500, "F"), MemoryError,
                                               "out of memory")
    assert calls == [1, 151] and words == [True, False]
    with Session(ec_engine) as s:
        lines = set(s.scalars(select(Consignment.line_no).where(Consignment.manifest_id == intake.manifest_id)))
    assert [r["line"] for r in handed_out] == list(range(1, 151))
    assert {r["line"] for r in handed_out if r["result"] == "accepted"} == lines


def test_a_late_failure_from_an_earlier_pool_does_not_drop_the_pool_that_replaced_it() -> None:
    from smartcustoms.ecommerce import workers

    workers.wait_ready()
    old = workers._POOL[0]
    workers.reset(old)  # a job of this pool met BrokenProcessPool
    workers.wait_ready()
    new = workers._POOL[0]
    workers.reset(old)  # another thread's job of the old pool fails later
    assert workers._POOL and workers._POOL[0] is new and workers.ready()


def test_a_chunk_the_worker_committed_before_dying_is_answered_from_the_store(
        ec_engine: Engine, submitter: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """A worker killed between its commit and its answer: the chunk is read back, not stored again (which would
    turn its parcels into repeats, count its lines twice and clash on its rejected lines)."""
    from concurrent.futures import Future
    from concurrent.futures.process import BrokenProcessPool

    from smartcustoms.ecommerce import workers
    from smartcustoms.ecommerce.pipeline import Preparer, own_sessions

    monkeypatch.setenv("SMARTCUSTOMS_ECOMMERCE_CHUNK_ROWS", "50")
    handed: dict[int, tuple[Any, ...]] = {}

    def submit(spec: Any, store: Any, number: int, chunk: Any) -> workers.Job:
        job = workers.Job(Future(), number, [0] * (workers._REGIONS * workers._SLOTS))
        handed[id(job)] = (spec, store, number, chunk)
        return job

    def release(job: workers.Job, store: bool) -> None:
        spec, st, number, chunk = handed.pop(id(job))
        if not store:
            job.future.set_result(None)
            return
        # What the worker does, then it dies before answering.
        ChunkStore(st, own_sessions(ec_engine)).commit(Preparer(spec, own_sessions(ec_engine)).prepare(chunk), number)
        job.future.set_exception(BrokenProcessPool("killed after its commit"))

    monkeypatch.setattr(workers, "submit", submit)
    monkeypatch.setattr(workers, "release", release)
    monkeypatch.setattr(workers, "ready", lambda: True)
    lines = _prefixed(44, 200, "K")
    lines.insert(70, b"{broken\n")  # a rejected line in a chunk of the worker's
    results, summary = run(ec_engine, submitter, lines)
    assert [r["line"] for r in results] == list(range(1, 202))
    assert not any(r["result"] == "repeat" for r in results)
    assert 71 in [r["line"] for r in results if r["result"] == "rejected"]
    assert summary["status"] == "complete" and summary["repeats"] == 0
    assert summary["accepted"] + summary["rejected"] == summary["lines"] == 201
    assert count(ec_engine, Consignment.manifest_id == summary["manifest_id"]) == summary["accepted"]


def test_the_next_chunk_goes_in_once_the_worker_says_it_committed(
        ec_engine: Engine, submitter: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """The intake stores its next chunk as soon as the worker's word says the chunk before it is committed, not
    once the worker's results are back; the results still go out in line order, and a worker that dies after its
    word is read back (nothing stored twice)."""
    from concurrent.futures import Future
    from concurrent.futures.process import BrokenProcessPool

    from smartcustoms.ecommerce import workers
    from smartcustoms.ecommerce.pipeline import Preparer, own_sessions

    monkeypatch.setenv("SMARTCUSTOMS_ECOMMERCE_CHUNK_ROWS", "50")
    handed: dict[int, tuple[Any, ...]] = {}
    events: list[tuple[str, int]] = []
    stored_here: dict[int, threading.Event] = {}
    real_commit = ChunkStore.commit
    threads: list[threading.Thread] = []

    def submit(spec: Any, store: Any, number: int, chunk: Any) -> workers.Job:
        # pool: not the real pool, so that a BrokenProcessPool of this job leaves the real one alone.
        job = workers.Job(Future(), number, [0] * (workers._REGIONS * workers._SLOTS), pool=object())
        handed[id(job)] = (spec, store, number, chunk)
        stored_here[number + 1] = threading.Event()
        return job

    def worker(job: workers.Job, spec: Any, st: Any, number: int, chunk: Any) -> None:
        time.sleep(0.02)  # the intake polls for the word meanwhile

        def said() -> None:  # the worker's word back, as workers._prepare_and_store gives it
            events.append(("worker", number))
            job.words[workers._SLOTS + job.ticket % workers._SLOTS] = job.ticket

        results = real_commit(ChunkStore(st, own_sessions(ec_engine)),
                              Preparer(spec, own_sessions(ec_engine)).prepare(chunk), number, said)
        # The answer comes later (pickled, sent, unpickled): here, once the intake's next chunk is stored, which
        # an intake waiting for the answer first never does (then after 5 s, out of order).
        stored_here[number + 1].wait(5)
        events.append(("answered", number))
        if number % 4 == 0:  # every other worker chunk: the worker dies after its word, before its answer
            job.future.set_exception(BrokenProcessPool("killed after its commit"))
        else:
            job.future.set_result(results)

    def release(job: workers.Job, store: bool) -> None:
        spec, st, number, chunk = handed.pop(id(job))
        if not store:
            job.future.set_result(None)
            return
        threads.append(threading.Thread(target=worker, args=(job, spec, st, number, chunk)))
        threads[-1].start()

    def intake_commit(self: ChunkStore, prepared: Any, number: int, committed: Any = None, **kwargs: Any) -> Any:
        out = real_commit(self, prepared, number, committed, **kwargs)
        events.append(("intake", number))
        if number in stored_here:
            stored_here[number].set()
        return out

    monkeypatch.setattr(workers, "submit", submit)
    monkeypatch.setattr(workers, "release", release)
    monkeypatch.setattr(workers, "ready", lambda: True)
    monkeypatch.setattr(ChunkStore, "commit", intake_commit)
    lines = _prefixed(45, 400, "Q")
    lines.insert(120, b"{broken\n")  # a rejected line in a chunk of the worker's
    results, summary = run(ec_engine, submitter, lines)
    for t in threads:
        t.join(10)
    assert [r["line"] for r in results] == list(range(1, 402))
    assert not any(r["result"] == "repeat" for r in results)
    assert 121 in [r["line"] for r in results if r["result"] == "rejected"]
    assert summary["status"] == "complete" and summary["repeats"] == 0
    assert summary["accepted"] + summary["rejected"] == summary["lines"] == 401
    assert count(ec_engine, Consignment.manifest_id == summary["manifest_id"]) == summary["accepted"]
    worker_chunks = [n for kind, n in events if kind == "worker"]
    assert len(worker_chunks) >= 3 and any(n % 4 == 0 for n in worker_chunks)
    for n in worker_chunks:
        if ("intake", n + 1) in events:  # the intake's chunk after the worker's went in before its answer came
            assert events.index(("worker", n)) < events.index(("intake", n + 1)) < events.index(("answered", n))


def test_chunks_of_a_sqlite_file_leave_checkpoints_to_the_thread_while_the_intake_runs(
        ec_engine: Engine, submitter: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """With the worker on a SQLite file, each chunk's commit checkpoints only past the bulk threshold (on the
    application's connection here, on its own writer in the worker) while the intake holds the checkpoint thread,
    and so do the manifest's opening and closing commits (which would otherwise copy back the WAL the chunks
    left, in line between two manifests); the application's connection gets its own threshold back afterwards.
    Nothing of it on PostgreSQL."""
    from contextlib import contextmanager

    from sqlalchemy import event

    from smartcustoms import db
    from smartcustoms.ecommerce import pipeline, workers

    monkeypatch.setenv("SMARTCUSTOMS_ECOMMERCE_CHUNK_ROWS", "100")
    workers.wait_ready()
    held: list[bool] = []
    raised_while: list[bool] = []
    real_hold, real_set = pipeline.checkpointing, pipeline.bulk_checkpoints

    @contextmanager
    def hold(engine: Engine) -> Any:
        with real_hold(engine):
            held.append(True)
            try:
                yield
            finally:
                held.pop()

    def set_threshold(conn: Any, during: bool) -> None:
        if during:
            raised_while.append(bool(held))
        real_set(conn, during)

    # The threshold each commit of this process's connection is made under.
    committed_under: list[int] = []

    def on_commit(conn: Any) -> None:
        if conn.dialect.name == "sqlite":
            committed_under.append(conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar())

    monkeypatch.setattr(pipeline, "checkpointing", hold)
    monkeypatch.setattr(pipeline, "bulk_checkpoints", set_threshold)
    event.listen(ec_engine, "commit", on_commit)
    try:
        results, summary = run(ec_engine, submitter, _prefixed(46, 500, "C"))
    finally:
        event.remove(ec_engine, "commit", on_commit)
    assert [r["line"] for r in results] == list(range(1, 501)) and summary["status"] == "complete"
    assert not held
    if ec_engine.dialect.name != "sqlite":
        assert raised_while == []
        return
    # The opening commit, the intake's own chunks while the thread ran, the closing commit.
    assert len(raised_while) >= 4 and raised_while[0] is False and raised_while[-1] is False
    assert all(raised_while[1:-1])
    assert len(committed_under) >= 4 and set(committed_under) == {db.BULK_WAL_PAGES}
    with ec_engine.connect() as c:
        assert c.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == db.APP_WAL_PAGES
    # The worker's store of the chunks does the same (what workers._prepare_and_store commits with).
    spec = Intake.open(ec_engine, submitter[0], submitter[1], "jsonl", "cli").store_spec
    assert workers.chunk_store(spec, ec_engine.url.render_as_string(hide_password=False)).bulk
    # A manifest opened (and not yet run) leaves the application's threshold as it was.
    with ec_engine.connect() as c:
        assert c.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == db.APP_WAL_PAGES


def test_a_manifest_that_cannot_be_opened_leaves_the_application_checkpoint_threshold(
        ec_engine: Engine, submitter: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Opening a manifest raises the bulk threshold for its commit (SQLite with the worker); when the opening
    fails, nothing is recorded and the application's connection has its own threshold back all the same."""
    from smartcustoms import db
    from smartcustoms.ecommerce import pipeline

    if ec_engine.dialect.name != "sqlite":
        pytest.skip("the checkpoint threshold is SQLite's")
    raised: list[bool] = []
    real_set = pipeline.bulk_checkpoints

    def set_threshold(conn: Any, during: bool) -> None:
        raised.append(during)
        real_set(conn, during)

    def stale_sweep_fails(*_args: Any) -> None:
        raise RuntimeError("the stale sweep failed")

    monkeypatch.setattr(pipeline, "bulk_checkpoints", set_threshold)
    monkeypatch.setattr(pipeline.stale, "mark_interrupted", stale_sweep_fails)
    with pytest.raises(RuntimeError, match="stale sweep"):
        Intake.open(ec_engine, submitter[0], submitter[1], "jsonl", "cli")
    assert raised == [True, False]
    with ec_engine.connect() as c:
        assert c.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == db.APP_WAL_PAGES
        assert c.exec_driver_sql("SELECT count(*) FROM ecommerce_manifests WHERE submitter_id = ?",
                                 (submitter[0],)).scalar() == 0


def test_shutting_the_workers_down_drops_a_chunk_waiting_for_its_word(ec_engine: Engine, submitter: Any) -> None:
    """A server stopping in the middle of a manifest must not leave its worker waiting for a word that never
    comes (the pool's shutdown at exit would wait for it): the waiting chunk is told not to store."""
    from smartcustoms.ecommerce import parse, workers

    workers.wait_ready()
    intake = Intake.open(ec_engine, submitter[0], submitter[1], "jsonl", "cli")
    chunk = list(parse.items(_prefixed(43, 50, "W"), "jsonl", 65536, deferred=True))
    job = workers.submit(intake.spec, intake.store_spec, 2, chunk)  # handed out, never released
    workers.shutdown()
    assert job.words[job.ticket % workers._SLOTS] == -job.ticket
    assert job.future.cancelled() or job.future.result() is None
    assert count(ec_engine, Consignment.manifest_id == intake.manifest_id) == 0
    workers.wait_ready()  # a new pool for what follows


def test_a_new_manifest_looks_for_repeats_only_when_it_meets_one(
        ec_engine: Engine, submitter: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """New parcels are not looked up before the insert (it refuses a stored one itself). A re-sent manifest (its
    first parcel stored) is looked up at once, with no failed try; one re-sent in part, a new parcel first, is tried
    again looking first, and so is every chunk after it. The results are those of looking every time, and nothing
    is stored twice."""
    from smartcustoms.ecommerce.config import get_ecommerce_settings

    monkeypatch.setenv("SMARTCUSTOMS_ECOMMERCE_CHUNK_ROWS", "50")
    monkeypatch.setenv("SMARTCUSTOMS_ECOMMERCE_WORKERS", "0")  # every chunk stored here, where calls are seen
    get_ecommerce_settings.cache_clear()
    real_existing, real_store = ChunkStore._existing, ChunkStore._store
    looked: list[str] = []
    tries: list[bool] = []

    def existing(self: ChunkStore, conn: Any, parcel_ids: list[str]) -> dict[str, Any]:
        looked.append(parcel_ids[0])
        return real_existing(self, conn, parcel_ids)

    def store(self: ChunkStore, *args: Any, look: bool, **kwargs: Any) -> Any:
        tries.append(look)
        return real_store(self, *args, look=look, **kwargs)

    monkeypatch.setattr(ChunkStore, "_existing", existing)
    monkeypatch.setattr(ChunkStore, "_store", store)
    lines = _prefixed(37, 230, "N")
    first, summary = run(ec_engine, submitter, lines[:120])
    assert looked == [] and tries == [False] * 3 and summary["repeats"] == 0 and summary["accepted"] > 100
    stored = {r["parcel_id"]: r["consignment_id"] for r in first if r["result"] == "accepted"}

    def check(again: list[dict[str, Any]], offset: int) -> None:
        for r in again:
            if r["line"] + offset <= 120 and r["result"] != "rejected":
                assert r["result"] == "repeat" and r["consignment_id"] == stored[r["parcel_id"]]
            elif r["result"] != "rejected":
                assert r["result"] == "accepted"

    # Sent again whole with 80 more lines: chunks 1-2 all repeats, 3 mixed, 4-5 new. Chunk 1 finds its first parcel
    # stored and looks at once; the chunks after it look because the manifest met repeats.
    looked.clear()
    tries.clear()
    again, summary = run(ec_engine, submitter, lines[:200])
    assert len(looked) == 5 and tries == [False] * 5  # no chunk tried twice (chunks of 25, 50, 50, 50, 25)
    assert [r["line"] for r in again] == list(range(1, 201)) and summary["repeats"] == len(stored)
    check(again, 0)
    added = summary["accepted"]
    # Re-sent in part with a new parcel first: the first try meets the stored ones and the chunk is tried again.
    looked.clear()
    tries.clear()
    again, summary = run(ec_engine, submitter, [lines[225], *lines[:20]])
    assert tries == [False, True] and len(looked) == 1
    assert again[0]["result"] == "accepted" and summary["accepted"] == 1
    check(again[1:], -1)  # line n + 1 here is line n of the first sending
    assert summary["repeats"] == sum(1 for r in first[:20] if r["result"] == "accepted")
    assert count(ec_engine, Consignment.submitter_id == submitter[0]) == len(stored) + added + 1


def test_parcel_ids_with_quotes_commas_braces_and_backslashes_are_found_again(
        ec_engine: Engine, submitter: Any) -> None:
    """Re-sent, every parcel is a repeat of itself, whatever its id holds (PostgreSQL looks them up as one text
    array literal, quoted and escaped by hand)."""
    tag = submitter[1]
    odd = [f'{tag}"q', f"{tag}\\b", f"{tag},c", f"{{{tag}}}", f"{tag} NULL", "NULL", f"{tag}'s", f"{tag}\\\""]
    lines = jl(*[consignment(p) for p in odd])
    first, _ = run(ec_engine, submitter, lines)
    assert [r["result"] for r in first] == ["accepted"] * len(odd)
    again, summary = run(ec_engine, submitter, lines)
    assert [(r["result"], r["parcel_id"], r["consignment_id"]) for r in again] == [
        ("repeat", r["parcel_id"], r["consignment_id"]) for r in first]
    assert summary["repeats"] == len(odd) and summary["accepted"] == 0


def test_a_parcel_stored_by_a_concurrent_intake_after_the_repeat_lookup_becomes_a_repeat(
        ec_engine: Engine, submitter: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """The insert itself must refuse a parcel another intake committed after this chunk looked for repeats (on
    PostgreSQL the direct COPY fails on the unique key and the chunk goes through the staging table); the chunk
    is redone and the parcel answered as a repeat of the stored one, never stored twice."""
    lines = _prefixed(31, 60, "L")
    first, _ = run(ec_engine, submitter, lines[:20])
    stored = {r["parcel_id"]: r for r in first if r["result"] == "accepted"}
    assert len(stored) > 10
    real = ChunkStore._existing
    calls: list[int] = []

    def late(self: ChunkStore, conn: Any, parcel_ids: list[str]) -> dict[str, Any]:
        calls.append(len(parcel_ids))
        return {} if len(calls) == 1 else real(self, conn, parcel_ids)  # the first lookup missed them

    monkeypatch.setattr(ChunkStore, "_existing", late)
    again, summary = run(ec_engine, submitter, lines)
    assert len(calls) >= 2  # the chunk's transaction was redone
    assert [r["line"] for r in again] == list(range(1, 61))
    for r in again:
        if r["parcel_id"] in stored:
            assert r["result"] == "repeat" and r["consignment_id"] == stored[r["parcel_id"]]["consignment_id"]
    assert summary["repeats"] == len(stored) and summary["accepted"] > 20
    assert count(ec_engine, Consignment.submitter_id == submitter[0]) == len(stored) + summary["accepted"]


def test_a_postgresql_chunk_finds_rows_by_key_and_leaves_the_planner_as_it_found_it(
        ec_engine: Engine, submitter: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """PostgreSQL: a chunk's transaction plans without sequential scans, also after the staging table's
    INSERT … SELECT (the path of a parcel a concurrent intake stored), and gives the setting back at its end, so
    the transaction of a borrowed session goes on with the default."""
    from smartcustoms.ecommerce import pipeline

    if ec_engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL's planner setting")
    lines = _prefixed(47, 30, "Q")
    first, _ = run(ec_engine, submitter, lines[:10])
    stored = {r["parcel_id"] for r in first if r["result"] == "accepted"}
    real_existing, real_copy = ChunkStore._existing, pipeline._copy_insert
    lookups: list[int] = []
    after_copy: list[tuple[int, str]] = []

    def late(self: ChunkStore, conn: Any, parcel_ids: list[str]) -> dict[str, Any]:
        lookups.append(len(parcel_ids))
        return {} if len(lookups) == 1 else real_existing(self, conn, parcel_ids)  # the first lookup missed them

    def copy(conn: Any, params: list[list[Any]], looked: bool) -> int:
        written = real_copy(conn, params, looked)
        after_copy.append((written, conn.exec_driver_sql("SHOW enable_seqscan").scalar()))
        return written

    monkeypatch.setattr(ChunkStore, "_existing", late)
    monkeypatch.setattr(pipeline, "_copy_insert", copy)
    with Session(ec_engine) as session, session.begin():
        intake = Intake.open(ec_engine, submitter[0], submitter[1], "jsonl", "cli",
                             scope=pipeline.borrowed_session(session))
        results = intake.commit(intake.prepare(_items(lines)))
        setting = session.connection().exec_driver_sql("SHOW enable_seqscan").scalar()
    assert [r["result"] for r in results if r["parcel_id"] in stored] == ["repeat"] * len(stored)
    # The first try went through the staging table (fewer rows written: a race), the second wrote the rest.
    assert after_copy[0][0] < 30 and all(value == "off" for _, value in after_copy)
    assert setting == "on"


def _items(lines: list[bytes], first: int = 1) -> list[Any]:
    """Deferred manifest items of `lines`, numbered from `first`."""
    from smartcustoms.ecommerce import parse

    items = list(parse.items(iter([b"".join(lines)]), "jsonl", 1 << 20, deferred=True))
    for it in items:
        it.line_no += first - 1
    return items


def test_a_two_step_store_puts_its_rows_in_first_and_reads_the_split_window_after_the_gate(
        ec_engine: Engine, submitter: Any) -> None:
    """ChunkStore in two steps: the rows are in (not yet visible to others) when `inserted` is called; the gate is
    passed inside the open transaction; the split window read after it finds the parcel stored before and settles
    the chunk's parcel into its group (lane 2, the stored one linked), as one step would. A gate that gives up
    leaves nothing stored."""
    from smartcustoms.db import read_engine
    from smartcustoms.ecommerce.pipeline import GiveUp

    tag = submitter[1]
    intake = Intake.open(ec_engine, submitter[0], submitter[1], "jsonl", "cli")
    intake.commit(intake.prepare(_items(jl(_split_parcel(f"{tag}-T1", "6000")))))
    prepared = intake.prepare(_items(jl(_split_parcel(f"{tag}-T2", "6000"), consignment(f"{tag}-T3")), first=2))
    seen: list[str] = []

    other = read_engine(ec_engine)  # other connections, reading beside the writer

    def visible() -> int:
        return count(other, Consignment.manifest_id == intake.manifest_id)

    def inserted() -> None:
        seen.append(f"inserted, others see {visible()}")

    def gate() -> None:
        seen.append(f"gate, others see {visible()}")

    with pytest.raises(GiveUp):
        intake.store.commit(prepared, 2, inserted=inserted, gate=lambda: (_ for _ in ()).throw(GiveUp()))
    assert seen == ["inserted, others see 1"] and visible() == 1
    seen.clear()
    results = intake.store.commit(prepared, 2, inserted=inserted, gate=gate)
    assert seen == ["inserted, others see 1", "gate, others see 1"]
    assert visible() == 3
    group = f"{intake.manifest_id}-1"
    assert [(r["line"], r["lane"], r.get("split_group")) for r in results] == [(2, 2, group), (3, 1, None)]
    with Session(ec_engine) as s:
        stored = {c.line_no: c for c in s.scalars(select(Consignment)
                                                   .where(Consignment.manifest_id == intake.manifest_id))}
    assert stored[1].split_group == group and stored[1].lane == 1  # linked, keeps its lane and release
    assert stored[2].split_group == group and stored[2].lane == 2 and stored[2].status == "review"
    assert stored[2].released_at is None and "split" in stored[2].lane_reasons
    assert stored[3].split_group is None and stored[3].lane == 1 and stored[3].released_at is not None
    summary = intake.finish()
    assert summary["accepted"] == 3 and summary["lanes"] == {"1": 2, "2": 1, "3": 0}


def test_a_parcel_sent_twice_in_neighbouring_chunks_is_a_repeat_with_the_worker(
        ec_engine: Engine, submitter: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """The same parcel in this process's chunk and the worker's next (and the other way round): the later one is a
    repeat, and neither chunk waits for the other for ever (on PostgreSQL the worker's rows go in beside this
    process's transaction, after its rows)."""
    from smartcustoms.ecommerce import workers

    monkeypatch.setenv("SMARTCUSTOMS_ECOMMERCE_CHUNK_ROWS", "100")
    workers.wait_ready()
    lines = _prefixed(46, 300, "N")
    tag = submitter[1]
    # Lines 40 and 60 (chunks 1 and 2: this process, then the worker), 140 and 160 (chunks 2 and 3).
    lines[39] = lines[59] = jl(consignment(f"{tag}-D1"))[0]
    lines[139] = lines[159] = jl(consignment(f"{tag}-D2"))[0]
    sent = workers.SENT[0]
    results, summary = run(ec_engine, submitter, lines)
    assert workers.SENT[0] - sent >= 2
    assert [r["line"] for r in results] == list(range(1, 301))
    repeats = [r["line"] for r in results if r["result"] == "repeat"]
    assert repeats == [60, 160]
    assert results[59]["consignment_id"] == results[39]["consignment_id"]
    assert results[159]["consignment_id"] == results[139]["consignment_id"]
    assert summary["status"] == "complete" and summary["repeats"] == 2
    assert count(ec_engine, Consignment.manifest_id == summary["manifest_id"]) == summary["accepted"]


def test_a_worker_that_ends_between_its_rows_and_its_commit_leaves_its_chunks_to_this_process(
        ec_engine: Engine, submitter: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """PostgreSQL, two steps: the worker says its chunk's rows are in, then dies before its commit. This process,
    its own next chunk's rows in already, gives that transaction up, tells the worker not to store the chunk after
    it, and stores the three chunks itself in line order: every line answered once, nothing stored twice."""
    from concurrent.futures import Future
    from concurrent.futures.process import BrokenProcessPool

    from smartcustoms.ecommerce import workers
    from smartcustoms.ecommerce.pipeline import Preparer, own_sessions

    if ec_engine.dialect.name != "postgresql":
        pytest.skip("two-step stores are PostgreSQL's")
    monkeypatch.setenv("SMARTCUSTOMS_ECOMMERCE_CHUNK_ROWS", "50")
    handed: dict[int, tuple[Any, ...]] = {}
    real_release = workers.release

    def submit(spec: Any, store: Any, number: int, chunk: Any) -> workers.Job:
        assert store.two_step
        job = workers.Job(Future(), number, [0] * (workers._REGIONS * workers._SLOTS), pool=object())
        handed[id(job)] = (spec, store, number, chunk)
        return job

    let_in_first: list[bool] = []

    def release(job: workers.Job, store: bool) -> None:
        slot = job.ticket % workers._SLOTS
        if store:  # told to store only once this process had let its rows in, before its own commit
            let_in_first.append(job.words[2 * workers._SLOTS + slot] == job.ticket)
        real_release(job, store)
        spec, st, number, chunk = handed.pop(id(job))
        if not store:
            # Its rows went in before it heard: the word back came, then it rolled them back and answered None.
            job.words[3 * workers._SLOTS + slot] = job.ticket
            job.future.set_result(None)
        elif number == 2:
            # Its rows go in (the word back), then the worker dies: the transaction is gone with it.
            job.words[3 * workers._SLOTS + job.ticket % workers._SLOTS] = job.ticket
            job.future.set_exception(BrokenProcessPool("killed before its commit"))
        else:
            job.future.set_result(ChunkStore(st, own_sessions(ec_engine)).commit(
                Preparer(spec, own_sessions(ec_engine)).prepare(chunk), number))

    monkeypatch.setattr(workers, "submit", submit)
    monkeypatch.setattr(workers, "release", release)
    monkeypatch.setattr(workers, "ready", lambda: True)
    words = _words_recorded(monkeypatch)
    gave_up: list[int] = []
    real_commit = ChunkStore.commit

    def commit(self: ChunkStore, prepared: Any, number: int, *args: Any, **kwargs: Any) -> Any:
        try:
            return real_commit(self, prepared, number, *args, **kwargs)
        except Exception as exc:
            gave_up.append(number)
            raise exc

    monkeypatch.setattr(ChunkStore, "commit", commit)
    lines = _prefixed(47, 300, "G")
    results, summary = run(ec_engine, submitter, lines)
    assert gave_up == [3]  # this process's chunk after the worker's, given up once (not again for chunk 4's)
    assert words[:2] == [True, False]  # chunk 2 released to the worker; chunk 4 refused
    assert len(let_in_first) >= 2 and all(let_in_first)
    assert [r["line"] for r in results] == list(range(1, 301))
    assert not any(r["result"] == "repeat" for r in results)
    assert summary["status"] == "complete" and summary["lines"] == 300 and summary["repeats"] == 0
    assert count(ec_engine, Consignment.manifest_id == summary["manifest_id"]) == summary["accepted"]



def test_the_worker_puts_its_rows_in_on_the_word_and_rolls_them_back_when_then_told_not_to_store(
        ec_engine: Engine, submitter: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """The worker's side of two steps (workers._prepare_and_store, run here on a thread): its rows go in on the
    word that they may, it says so, and at the gate a word not to store rolls them back (None, nothing stored); a
    word not to store given before its rows went in keeps them out; the word to store commits them."""
    import dataclasses

    from smartcustoms.ecommerce import workers

    words = [0] * (workers._REGIONS * workers._SLOTS)
    monkeypatch.setattr(workers, "_MINE", [words])
    intake = Intake.open(ec_engine, submitter[0], submitter[1], "jsonl", "cli")
    assert intake.spec.url is not None
    store = dataclasses.replace(intake.store_spec, two_step=True)
    lines = _prefixed(48, 30, "W")
    slot = workers._SLOTS

    def sent(first: int) -> list[Any]:
        return [(it.line_no, it.raw, it.last) for it in _items(lines[first - 1:first + 9], first)]

    def stored() -> int:
        return count(ec_engine, Consignment.manifest_id == intake.manifest_id)

    out: list[Any] = []
    # Ticket 7: rows in on the word, then told not to store at the gate.
    words[2 * slot + 7] = 7
    worker = threading.Thread(target=lambda: out.append(workers._prepare_and_store(intake.spec, store, 1, 7,
                                                                                  sent(1))))
    worker.start()
    deadline = time.monotonic() + 30
    while words[3 * slot + 7] != 7 and time.monotonic() < deadline:  # its word back: the rows are in
        time.sleep(0.005)
    assert words[3 * slot + 7] == 7 and worker.is_alive()  # waiting at the gate, its transaction open
    words[7] = -7
    worker.join(30)
    assert out == [None] and stored() == 0
    # Ticket 8: told not to store before its rows went in (the word to go on lost to it).
    words[2 * slot + 8], words[8] = 8, -8
    assert workers._prepare_and_store(intake.spec, store, 1, 8, sent(1)) is None
    assert words[3 * slot + 8] == 0 and stored() == 0
    # Ticket 9: the word to store lets the rows in and commits them.
    words[9] = 9
    results = workers._prepare_and_store(intake.spec, store, 1, 9, sent(1))
    assert results is not None and [r["line"] for r in results] == list(range(1, 11))
    assert words[slot + 9] == 9 and words[3 * slot + 9] == 9
    assert stored() == sum(r["result"] == "accepted" for r in results) > 0
    intake.finish()


def test_a_parcel_whose_goods_are_described_only_as_a_gift_goes_to_lane_2(ec_engine: Engine, submitter: Any) -> None:
    tag = submitter[1]
    vague_one = consignment(f"{tag}-GIFT", goods=[goods("900", "JPY", description="Gift"),
                                                  goods("500", "JPY", description="phone accessories")])
    named = consignment(f"{tag}-NAMED", goods=[goods("900", "JPY", description="gift box of green tea")])
    results, _ = run(ec_engine, submitter, jl(vague_one, named))
    assert [(r["lane"], r["status"]) for r in results] == [(2, "review"), (1, "released")]
    with Session(ec_engine) as s:
        c = s.scalars(select(Consignment).where(Consignment.parcel_id == f"{tag}-GIFT")).one()
    reasons = orjson.loads(c.lane_reasons)
    assert [(x["kind"], x["lane"], x["lines"]) for x in reasons] == [("description", 2, [1])]
    assert "line 1 'Gift'" in reasons[0]["reason"]
