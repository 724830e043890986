"""The officers' consignment list: the open ones come from an index of the open consignments, in the list order."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import orjson
import pytest
from sqlalchemy import Engine, case, func, select, text
from sqlalchemy.orm import Session

from smartcustoms.db import make_engine
from smartcustoms.ecommerce import lifecycle, officer
from smartcustoms.ecommerce.models import Consignment
from smartcustoms.identity import service as identity
from tests.ecommerce.conftest import prepare
from tests.ecommerce.test_pipeline import _prefixed, run


@pytest.fixture()
def stored(new_database_url: Callable[[], str], tmp_path: Path) -> Iterator[Engine]:
    """A database of its own with two generated manifests (lanes 1-3, some open)."""
    engine = make_engine(new_database_url())
    prepare(engine, tmp_path)
    with Session(engine) as s, s.begin():
        t = identity.create_trader(s, "List Express", "LIST-EXPRESS", "broker")
        sub = (t.id, t.code, "")
    run(engine, sub, _prefixed(61, 400, "L"))
    run(engine, sub, _prefixed(62, 400, "M"))
    yield engine
    engine.dispose()


def _plan(session: Session, filters: dict[str, str]) -> str:
    query = officer.list_query(filters, 50, 0, session.get_bind().dialect.name)
    sql = str(query.compile(session.get_bind(), compile_kwargs={"literal_binds": True}))
    if session.get_bind().dialect.name == "sqlite":
        return " ".join(str(r[-1]) for r in session.execute(text(f"EXPLAIN QUERY PLAN {sql}")))
    session.execute(text("SET LOCAL enable_seqscan = off"))  # a table this small is otherwise read whole
    # ...or its few open rows found through the status index (partial over the same statuses, migration 0020) and
    # sorted: at scale, sorting every open consignment costs what walking the list's own index does not.
    session.execute(text("SET LOCAL enable_sort = off"))
    return " ".join(str(r[0]) for r in session.execute(text(f"EXPLAIN {sql}")))


def test_the_open_list_walks_the_index_of_the_open_consignments(stored: Engine) -> None:
    with Session(stored) as s:
        for filters in ({"status": "open"}, {"status": "open", "lane": "2"}):
            plan = _plan(s, filters)
            assert "ix_ecommerce_consignments_open" in plan, filters
            if stored.dialect.name == "sqlite":  # no sort: the index is in the list order (PostgreSQL sorts the
                assert "TEMP B-TREE" not in plan  # few rows of a table this small)
        assert "ix_ecommerce_consignments_open" not in _plan(s, {"status": "released"})


def _query_plan(session: Session, query: Any) -> str:
    sql = str(query.compile(session.get_bind(), compile_kwargs={"literal_binds": True}))
    if session.get_bind().dialect.name == "sqlite":
        return " ".join(str(r[-1]) for r in session.execute(text(f"EXPLAIN QUERY PLAN {sql}")))
    session.execute(text("SET LOCAL enable_seqscan = off"))
    return " ".join(str(r[0]) for r in session.execute(text(f"EXPLAIN {sql}")))


def test_the_status_index_holds_the_open_ones_and_counts_by_status_still_come_right(stored: Engine) -> None:
    """The status index leaves the released consignments out (migration 0020): the per-status counts and an open
    status's list and count read it through its condition; the released ones are counted from the running totals and
    listed through the list index, and every figure matches the consignments counted one by one."""
    c = Consignment
    with Session(stored) as s, s.begin():
        counted = officer.totals_counted(s)
        assert counted["released"] > 0 and counted["review"] > 0
        # An officer holds a few, so that a rarer open status is there too.
        some = list(s.scalars(select(c.id).where(c.status == lifecycle.REVIEW).order_by(c.id).limit(3)))
        assert officer.act(s, action="hold", reason="check", officer="officer:test", ids=some).done == 3
        counted = officer.totals_counted(s)
        assert officer.totals(s) == counted and counted["held"] == 3
        by_status = select(c.status, func.count()).where(officer.OPEN_CLAUSE).group_by(c.status)
        assert "ix_ecommerce_consignments_queue" in _query_plan(s, by_status)
        held = select(func.count()).select_from(c).where(*officer._where({"status": "held"}))
        assert "ix_ecommerce_consignments_queue" in _query_plan(s, held)
        seller = s.scalars(select(c.seller_id).where(c.status == lifecycle.RELEASED).limit(1)).one()
        for filters in ({"status": "released"}, {"status": "held"}, {"status": "review", "lane": "2"},
                        {"status": "released", "seller": seller}, {"status": "released", "lane": "1"}):
            status = filters["status"]
            expected = [x.id for x in s.scalars(select(c).order_by(c.lane.desc(), c.received_at, c.id))
                        if x.status == status and all(str(getattr(x, k if k != "seller" else "seller_id")) == v
                                                      for k, v in filters.items())]
            page, total = officer.consignments(s, filters, 10**6, 0)
            assert total == len(expected) and [x.id for x in page] == expected, filters
            rows, _ = officer.consignments_after(s, filters, 10**6, None)
            assert [x.id for x in rows] == expected, filters
        assert officer.count_kept(s, {"status": "released"}) == counted["released"]


def _by_cursor(s: Session, filters: dict[str, str], size: int = 2) -> list[str]:
    """The list's ids read by the cursor, `size` at a time."""
    paged: list[str] = []
    after = None
    while True:
        rows, after = officer.consignments_after(s, filters, size, after)
        paged += [x.id for x in rows]
        if after is None:
            return paged


def test_a_seller_s_lists_come_right_and_on_sqlite_read_the_seller_index(stored: Engine) -> None:
    """A seller's lists, whole, open, released or of one status, by offset, by the cursor (two at a time too) and
    counted, match the consignments filtered one by one, on both databases; on SQLite the offset page, the count and
    the cursor's one query all read the seller index (per lane, SQLite took the index that matched the lane and
    order and checked every row of it for the seller: 0.6 s at a million)."""
    c = Consignment
    with Session(stored) as s, s.begin():
        def how_many(status: str) -> Any:
            return func.sum(case((c.status == status, 1), else_=0))

        sellers = s.execute(select(c.seller_id, func.count()).group_by(c.seller_id)
                            .having(how_many(lifecycle.RELEASED) > 0).having(how_many(lifecycle.REVIEW) > 1)
                            .order_by(func.count().desc(), c.seller_id)).all()
        assert sellers, "the fixture has a seller with parcels released and in review (two, one of them held below)"
        seller = sellers[0][0]
        some = list(s.scalars(select(c.id).where(c.seller_id == seller, c.status == lifecycle.REVIEW).limit(1)))
        assert officer.act(s, action="hold", reason="check", officer="officer:test", ids=some).done == 1
        everyone = list(s.scalars(select(c).order_by(c.lane.desc(), c.received_at, c.id)))
        for filters in ({"seller": seller}, {"seller": seller, "status": "open"},
                        {"seller": seller, "status": "released"}, {"seller": seller, "status": "held"},
                        {"seller": seller, "status": "review", "lane": "2"}, {"seller": seller, "lane": "1"}):
            status = filters.get("status", "")
            expected = [x.id for x in everyone if x.seller_id == seller
                        and (not status or x.status == status or (status == "open" and x.status in lifecycle.OPEN))
                        and ("lane" not in filters or str(x.lane) == filters["lane"])]
            assert expected or ("lane" in filters and status == "review"), filters  # that lane may have none
            page, total = officer.consignments(s, filters, 10**6, 0)
            assert total == len(expected) and [x.id for x in page] == expected, filters
            rows, _ = officer.consignments_after(s, filters, 10**6, None)
            assert [x.id for x in rows] == expected, filters
            assert officer.count(s, filters) == len(expected), filters
            assert _by_cursor(s, filters) == expected, filters  # two at a time: across lanes and within one
        if stored.dialect.name == "sqlite":
            for filters in ({"seller": seller}, {"seller": seller, "status": "released"},
                            {"seller": seller, "status": "open"}, {"seller": seller, "status": "held"},
                            {"seller": seller, "status": "review"},
                            {"seller": seller, "status": "review", "lane": "2"}):
                assert "ix_ecommerce_consignments_seller_id" in _plan(s, filters), filters
                plans = _executed_plans(s, lambda f=filters: officer.consignments_after(s, f, 50, None))
                assert len(plans) == 1 and "ix_ecommerce_consignments_seller_id" in plans[0], (filters, plans)
                if officer.count_kept(s, filters) is None:  # else from the running totals
                    counted = _executed_plans(s, lambda f=filters: officer.count(s, f), "count(")
                    assert counted and all("ix_ecommerce_consignments_seller_id" in p for p in counted), \
                        (filters, counted)


def test_the_released_list_reads_lanes_3_and_2_from_the_officers_releases(stored: Engine) -> None:
    """The released list, alone and by lane, by offset (pages across the lanes' edges: on PostgreSQL lane by lane),
    by the cursor (two at a time) and counted, matches the consignments filtered one by one, on both databases, after
    officers released some parcels of lanes 2 and 3; on SQLite lanes 3 and 2 are read in order from the index of the
    officers' releases (migration 0022) and lane 1 from the list index, with no sort (before, the list index was
    walked through lanes 3 and 2 checking every row's status: 126-130 ms for the first page at a million)."""
    c = Consignment
    with Session(stored) as s, s.begin():
        review = list(s.scalars(select(c.id).where(c.status == lifecycle.REVIEW).order_by(c.id).limit(11)))
        assert len(review) == 11, "the fixture has parcels in review"
        review, inspect = review[:7], review[7:]
        assert officer.act(s, action="release", reason="documents fine", officer="officer:test", ids=review).done == 7
        # Ordered to inspection (lane 3), then released inspected.
        assert officer.act(s, action="inspect", reason="x-ray", officer="officer:test", ids=inspect).done == 4
        assert officer.act(s, action="release", reason="inspected", officer="officer:test", ids=inspect,
                           inspection_result=lifecycle.NO_DISCREPANCY).done == 4
        everyone = list(s.scalars(select(c).order_by(c.lane.desc(), c.received_at, c.id)))
        for filters in ({"status": "released"}, {"status": "released", "lane": "3"},
                        {"status": "released", "lane": "2"}, {"status": "released", "lane": "1"}):
            expected = [x.id for x in everyone if x.status == lifecycle.RELEASED
                        and ("lane" not in filters or str(x.lane) == filters["lane"])]
            assert expected, filters
            assert officer.count(s, filters) == len(expected), filters
            page, total = officer.consignments(s, filters, 10**6, 0)
            assert total == len(expected) and [x.id for x in page] == expected, filters
            for offset, limit in ((0, 3), (2, 5), (3, 6), (9, 4), (10, 3), (len(expected) - 2, 5)):
                page, _ = officer.consignments(s, filters, limit, offset)
                assert [x.id for x in page] == expected[offset:offset + limit], (filters, offset, limit)
            assert _by_cursor(s, filters) == expected, filters  # two at a time: across lanes and within one
        lanes = [x.lane for x in everyone if x.status == lifecycle.RELEASED]
        assert lanes.count(3) >= 4 and lanes.count(2) >= 7 and lanes.count(1) > 0
        if stored.dialect.name == "sqlite":
            for filters in ({"status": "released"}, {"status": "released", "lane": "3"},
                            {"status": "released", "lane": "2"}):
                plans = (_executed_plans(s, lambda f=filters: officer.consignments(s, f, 50, 0))
                         + _executed_plans(s, lambda f=filters: officer.consignments_after(s, f, 50, None)))
                assert plans and all("TEMP B-TREE" not in p for p in plans), (filters, plans)
                assert any("ix_ecommerce_consignments_decided" in p for p in plans), (filters, plans)
                counted = _executed_plans(s, lambda f=filters: officer.count(s, f), "count(")
                assert all("ix_ecommerce_consignments_decided" in p for p in counted), (filters, counted)
            whole = _executed_plans(s, lambda: officer.consignments_after(s, {"status": "released"}, 50, None))
            assert ["ix_ecommerce_consignments_decided" in p for p in whole] == [True, True, False], whole


def _executed_plans(session: Session, run: Any, marker: str = "ORDER BY") -> list[str]:
    """SQLite's plans of the queries `run` executes whose text holds `marker` (the lists' ORDER BY), with their bound
    values (SQLite plans on the text)."""
    from sqlalchemy import event

    engine = session.get_bind()
    captured: list[tuple[str, Any]] = []

    def keep(conn: Any, cursor: Any, statement: str, parameters: Any, *args: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT") and marker in statement:
            captured.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", keep)
    try:
        run()
    finally:
        event.remove(engine, "before_cursor_execute", keep)
    conn = session.connection()
    return [" ".join(str(r[-1]) for r in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters))
            for statement, parameters in captured]


def test_one_open_status_s_list_is_read_in_order_from_the_status_index(stored: Engine) -> None:
    """The status index holds the open ones in the list order after the status (migration 0021): a rare status's
    list (held) is read from it in order, by offset and by the cursor, rather than by walking every open
    consignment."""
    if stored.dialect.name != "sqlite":
        pytest.skip("SQLite plans without statistics, on the query's text; PostgreSQL's planner chooses")
    c = Consignment
    with Session(stored) as s, s.begin():
        some = list(s.scalars(select(c.id).where(c.status == lifecycle.REVIEW).order_by(c.id).limit(3)))
        assert officer.act(s, action="hold", reason="check", officer="officer:test", ids=some).done == 3
        for filters in ({"status": "held"}, {"status": "held", "lane": "2"}, {"status": "review"}):
            plans = (_executed_plans(s, lambda f=filters: officer.consignments(s, f, 50, 0))
                     + _executed_plans(s, lambda f=filters: officer.consignments_after(s, f, 50, None)))
            assert plans and all("ix_ecommerce_consignments_queue" in p and "TEMP B-TREE" not in p
                                 for p in plans), (filters, plans)


def test_the_open_list_gives_the_open_consignments_lane_3_first_then_the_oldest(stored: Engine) -> None:
    with Session(stored) as s:
        expected = list(s.scalars(select(Consignment.id).where(Consignment.status.in_(lifecycle.OPEN))))
        assert len(expected) > 20
        page, total = officer.consignments(s, {"status": "open"}, 10**6, 0)
        assert total == len(expected) and sorted(c.id for c in page) == sorted(expected)
        assert [(c.lane, c.received_at, c.id) for c in page] == sorted(
            ((c.lane, c.received_at, c.id) for c in page), key=lambda k: (-k[0], k[1], k[2]))
        first = page[0]
        done = officer.act(s, action="release", reason="checked", officer="officer:test", ids=[first.id])
        s.commit()
        assert done.done == 1
        after, total_after = officer.consignments(s, {"status": "open"}, 10**6, 0)
        assert first.id not in {c.id for c in after} and total_after == total - 1


@pytest.mark.parametrize(("filters", "action"), [
    ({}, "hold"), ({"status": "open"}, "inspect"), ({"status": "open", "lane": "2"}, "hold"),
    ({"lane": "2"}, "inspect"), ({"status": "review"}, "hold")])
def test_paging_by_the_cursor_gives_the_list_in_its_order_and_holds_still_while_officers_decide(
        stored: Engine, filters: dict[str, str], action: str) -> None:
    """Page by page the list is the one query's, in order; rows decided meanwhile (held, or ordered inspected:
    lane 3, ahead of the cursor) leave or stay as the list now has them, and no other row is skipped or repeated."""
    from smartcustoms.ecommerce.cursor import read

    def whole(s: Session) -> list[Consignment]:  # the list in one query, in its order
        return list(s.scalars(officer.list_query(filters, 10**6, 0, stored.dialect.name)))

    def key(c: Consignment) -> tuple[int, Any, str]:
        return -c.lane, c.received_at, c.id

    with Session(stored) as s, s.begin():
        listed = whole(s)
        expected = [c.id for c in listed]
        assert len(expected) > 80
        paged: list[str] = []
        after, pages = None, 0
        while True:
            rows, nxt = officer.consignments_after(s, filters, 37, after)
            paged += [c.id for c in rows]
            pages += 1
            if nxt is None:
                break
            after = read(nxt.token())
            if pages == 2:  # another officer decides rows of the next pages: the list goes on from where it was
                ahead = expected[len(paged) + 1:len(paged) + 6]
                assert officer.act(s, action=action, reason="meanwhile", officer="b", ids=ahead).done
                last = key(rows[-1])
                expected = paged + [c.id for c in whole(s) if key(c) > last]
        assert paged == expected and len(set(paged)) == len(paged) and pages > 2


def test_a_page_deep_in_the_open_list_walks_the_open_index_from_the_cursor(stored: Engine) -> None:
    from smartcustoms.ecommerce.cursor import Cursor

    if stored.dialect.name != "sqlite":
        pytest.skip("SQLite names the index; PostgreSQL's planner chooses")
    with Session(stored) as s:
        rows, _ = officer.consignments_after(s, {"status": "open"}, 5, None)
        captured: list[str] = []
        from sqlalchemy import event

        @event.listens_for(stored, "before_cursor_execute")
        def _keep(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
            captured.append(statement)

        try:
            officer.consignments_after(s, {"status": "open"}, 5, Cursor(rows[-1].lane, rows[-1].received_at,
                                                                         rows[-1].id))
        finally:
            event.remove(stored, "before_cursor_execute", _keep)
        sql = next(x for x in captured if "(received_at, id) >" in x)
        plan = " ".join(str(r[-1]) for r in s.connection().exec_driver_sql(
            f"EXPLAIN QUERY PLAN {sql}", (rows[-1].lane, rows[-1].received_at.isoformat(), rows[-1].id, 5)))
        assert "ix_ecommerce_consignments_open" in plan and "TEMP B-TREE" not in plan, plan


def _statuses(s: Session, ids: list[str]) -> list[str]:
    return [s.get(Consignment, i).status for i in ids]  # type: ignore[union-attr]


def test_acting_on_all_matching_takes_its_window_among_what_the_action_applies_to(
        stored: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    from smartcustoms.ecommerce.config import get_ecommerce_settings

    monkeypatch.setenv("SMARTCUSTOMS_ECOMMERCE_MAX_BULK_ACTION", "3")
    get_ecommerce_settings.cache_clear()
    with Session(stored) as s:
        openers = list(s.scalars(select(Consignment.id).where(Consignment.status.in_(lifecycle.OPEN))
                                 .order_by(Consignment.received_at, Consignment.id)))
        assert len(openers) > 8
        # Hold them all, three at a time: the held ones stay open (they match the filter) but are not taken again.
        rounds = []
        for _ in range(len(openers)):  # bounded: an action that stops moving fails the test, not hangs it
            out = officer.act(s, action="hold", reason="audit", officer="test", filters={"status": "open"})
            s.commit()
            rounds.append(out)
            if not out.more:
                break
        assert sum(o.done for o in rounds) == len(openers) and all(o.skipped == 0 for o in rounds)
        assert len(rounds) == -(-len(openers) // 3) and all(o.more for o in rounds[:-1])
        assert set(_statuses(s, openers)) == {lifecycle.HELD}
        again = officer.act(s, action="hold", reason="audit", officer="test", filters={"status": "open"})
        assert (again.done, again.more) == (0, False)
        # As many as the limit, exactly: all done, none remain.
        monkeypatch.setenv("SMARTCUSTOMS_ECOMMERCE_MAX_BULK_ACTION", str(len(openers)))
        get_ecommerce_settings.cache_clear()
        out = officer.act(s, action="release", reason="audit", officer="test", filters={"status": "open"})
        assert (out.done, out.more) == (0, False)  # all matching lifts no hold unless it names the held ones
        out = officer.act(s, action="release", reason="audit", officer="test", filters={"status": "held"})
        assert (out.done, out.skipped, out.more) == (len(openers), 0, False)
    get_ecommerce_settings.cache_clear()


@pytest.mark.parametrize("filters", [{}, {"lane": "2"}])
def test_acting_on_all_matching_finds_its_consignments_through_the_status_index(
        stored: Engine, filters: dict[str, str]) -> None:
    """The window of an action on all matching is read through the status index, which holds only the open
    consignments (migration 0020): its query, as executed with its bound statuses, is planned on that index rather
    than a scan of every consignment."""
    if stored.dialect.name != "sqlite":
        pytest.skip("SQLite plans without statistics, on the query's text; PostgreSQL's planner chooses")
    from sqlalchemy import event

    captured: list[tuple[str, Any]] = []

    def keep(conn: Any, cursor: Any, statement: str, parameters: Any, *args: Any) -> None:
        if "ORDER BY ecommerce_consignments.received_at" in statement:
            captured.append((statement, parameters))

    with Session(stored) as s:
        event.listen(stored, "before_cursor_execute", keep)
        try:
            out = officer.act(s, action="hold", reason="audit", officer="test", filters=filters)
        finally:
            event.remove(stored, "before_cursor_execute", keep)
        s.rollback()
        assert out.done > 0 and captured
        statement, parameters = captured[0]
        plan = " ".join(str(r[-1]) for r in s.connection().exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}",
                                                                          parameters))
        assert "ix_ecommerce_consignments_queue" in plan or "ix_ecommerce_consignments_open" in plan, plan


@pytest.mark.parametrize("extra", [{}, {"lane": "2"}, {"status": "review"}, {"status": "review", "lane": "2"},
                                   {"status": "open", "lane": "2"}])
def test_acting_on_a_seller_s_consignments_finds_them_through_the_seller_index(
        stored: Engine, extra: dict[str, str]) -> None:
    """An action on all matching a seller's filter decides that seller's open consignments (the oldest first) and
    nothing else, on both databases; on SQLite its window is read through the seller index (with the open statuses'
    condition it walked the open list's index, of the lane when one was given, checking every row for the seller:
    a walk of every open parcel at scale)."""
    c = Consignment
    with Session(stored) as s:
        seller = s.execute(select(c.seller_id).where(c.status == lifecycle.REVIEW).group_by(c.seller_id)
                           .order_by(func.count().desc(), c.seller_id).limit(1)).scalar_one()
        filters = {"seller": seller, **extra}
        expected = list(s.scalars(select(c.id).where(c.seller_id == seller, c.status.in_(
            [lifecycle.REVIEW, lifecycle.INSPECTION])).order_by(c.received_at, c.id)))
        others = dict(s.execute(select(c.id, c.status).where(c.seller_id != seller)).tuples().all())
        assert expected, "the fixture's busiest seller in review has open parcels"

        def hold() -> None:
            officer.act(s, action="hold", reason="audit", officer="test", filters=filters)

        sqlite = stored.dialect.name == "sqlite"
        plans = _executed_plans(s, hold, "ORDER BY ecommerce_consignments.received_at") if sqlite else []
        if not sqlite:
            hold()
        assert _held(s) == set(expected)  # the fixture's open parcels are all in lane 2, in review
        assert dict(s.execute(select(c.id, c.status).where(c.seller_id != seller)).tuples().all()) == others
        s.rollback()
        if sqlite:
            assert plans and all("ix_ecommerce_consignments_seller_id" in p for p in plans), plans


def _held(s: Session) -> set[str]:
    return set(s.scalars(select(Consignment.id).where(Consignment.status == lifecycle.HELD)))


def test_a_selection_over_the_limit_or_naming_unknown_consignments_changes_nothing(
        stored: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    from smartcustoms.ecommerce.config import get_ecommerce_settings
    from smartcustoms.errors import ValidationFailed

    monkeypatch.setenv("SMARTCUSTOMS_ECOMMERCE_MAX_BULK_ACTION", "3")
    get_ecommerce_settings.cache_clear()
    with Session(stored) as s:
        review = list(s.scalars(select(Consignment.id).where(Consignment.status == lifecycle.REVIEW).limit(4)))
        for ids, code in ((review, "too_many"), ([review[0], "NOPE-1"], "unknown"), (["", " "], "missing")):
            with pytest.raises(ValidationFailed) as exc:
                officer.act(s, action="hold", reason="audit", officer="test", ids=ids)
            assert [(e.field, e.code) for e in exc.value.errors] == [("ids", code)], ids
            assert code != "unknown" or "NOPE-1" in exc.value.errors[0].reason
            s.rollback()
            assert set(_statuses(s, review)) == {lifecycle.REVIEW}
        # Duplicates (and surrounding blanks) count once, also against the limit of 3.
        out = officer.act(s, action="hold", reason="audit", officer="test",
                          ids=[review[0], review[0], f" {review[1]} ", review[1], review[2]])
        assert (out.done, out.skipped, out.more) == (3, 0, False)
    get_ecommerce_settings.cache_clear()


def test_a_consignment_changed_since_the_officer_saw_it_is_not_decided(stored: Engine) -> None:
    """Officer A's page shows a parcel awaiting review; B holds it; A releases it from the old page: skipped,
    counted as outdated, still held (it was released, on what A never saw)."""
    with Session(stored) as s:
        cid, shown = s.execute(select(Consignment.id, Consignment.status)
                               .where(Consignment.status == lifecycle.REVIEW).limit(1)).one()
        officer.act(s, action="hold", reason="suspected counterfeit", officer="b", ids=[cid])
        s.commit()
        out = officer.act(s, action="release", reason="looks fine", officer="a", ids=[cid], seen={cid: shown})
        s.commit()
        assert (out.done, out.skipped, out.outdated) == (0, 1, 1)
        assert _statuses(s, [cid]) == [lifecycle.HELD]
        # Seen as it is now, the release applies (release is allowed from held).
        out = officer.act(s, action="release", reason="looked again", officer="a", ids=[cid],
                          seen={cid: lifecycle.HELD})
        assert (out.done, out.outdated) == (1, 0)
        from smartcustoms.errors import ValidationFailed

        with pytest.raises(ValidationFailed) as exc:
            officer.act(s, action="hold", reason="x", officer="a", ids=[cid], seen={cid: "gone"})
        assert exc.value.errors[0].field == f"seen.{cid}"


def test_a_decision_writes_no_lane_it_did_not_read_and_the_audit_keeps_the_lane_before(stored: Engine) -> None:
    from smartcustoms.audit.models import AuditEntry

    with Session(stored) as s:
        cid, lane = s.execute(select(Consignment.id, Consignment.lane)
                              .where(Consignment.status == lifecycle.REVIEW, Consignment.lane == 2).limit(1)).one()
        officer.act(s, action="hold", reason="documents", officer="c", ids=[cid])
        s.commit()
        # Between A's read (held, lane 2) and A's update, B ordered inspection (lane 3) and C held it again.
        real = s.execute

        def interleaved(stmt: Any, *args: Any, **kw: Any) -> Any:
            if getattr(stmt, "is_update", False) and not interleaved.done:  # type: ignore[attr-defined]
                interleaved.done = True  # type: ignore[attr-defined]
                real(text("UPDATE ecommerce_consignments SET lane = 3, status = 'held' WHERE id = :i"), {"i": cid})
            return real(stmt, *args, **kw)

        interleaved.done = False  # type: ignore[attr-defined]
        s.execute = interleaved  # type: ignore[method-assign]
        out = officer.act(s, action="release", reason="x", officer="a", ids=[cid])
        s.execute = real  # type: ignore[method-assign]
        assert (out.done, out.outdated) == (0, 1)
        assert s.execute(select(Consignment.lane).where(Consignment.id == cid)).scalar_one() == 3
        s.rollback()
        s.execute(text("UPDATE ecommerce_consignments SET status = 'review' WHERE id = :i"), {"i": cid})
        out = officer.act(s, action="inspect", reason="x-ray", officer="a", ids=[cid])
        s.commit()
        entry = s.scalars(select(AuditEntry).where(AuditEntry.entity_id == cid,
                                                   AuditEntry.action == "ecommerce.inspect")).one()
        data = orjson.loads(entry.payload)
        assert (data["from_lane"], data["lane"]) == (lane, 3)


@pytest.fixture()
def under_inspection(new_database_url: Callable[[], str], tmp_path: Path) -> Iterator[Engine]:
    """A database of its own whose profiles send parcels to inspection: handbags (HS 4202) and a 30 % random
    sample, with one generated manifest."""
    from smartcustoms.risk import service as risk

    engine = make_engine(new_database_url())
    prepare(engine, tmp_path)
    with Session(engine) as s, s.begin():
        risk.create_profile(s, risk.ProfileSpec("Handbags", 3, "IP risk", hs_prefix="4202"), "test")
        risk.create_profile(s, risk.ProfileSpec("Random sample", 3, "compliance", random_rate="0.3"), "test")
        t = identity.create_trader(s, "Inspect Express", "INSPECT-EXPRESS", "broker")
        sub = (t.id, t.code, "")
    run(engine, sub, _prefixed(63, 300, "I"))
    yield engine
    engine.dispose()


def _lane3(s: Session) -> list[Consignment]:
    return list(s.scalars(select(Consignment).where(Consignment.lane == 3, Consignment.status == lifecycle.INSPECTION)
                          .order_by(Consignment.id)))


def _profiles(c: Consignment) -> set[str]:
    return {r["profile"] + (" (random)" if r["random"] else "") for r in orjson.loads(c.lane_reasons)
            if r["lane"] == 3}


def test_a_parcel_under_inspection_is_released_only_with_its_result_and_the_result_stays(
        under_inspection: Engine) -> None:
    from smartcustoms.audit import service as audit
    from smartcustoms.errors import ValidationFailed

    with Session(under_inspection) as s, s.begin():
        lane3 = _lane3(s)
        review = s.scalars(select(Consignment.id).where(Consignment.status == lifecycle.REVIEW)).first()
        assert len(lane3) >= 6 and review is not None
        ids = [c.id for c in lane3]
        with pytest.raises(ValidationFailed) as refused:
            officer.act(s, action="release", reason="x-ray clear", officer="a", ids=[ids[0], review])
        assert refused.value.errors[0].field == "inspection_result" and "(1 selected)" in refused.value.errors[0].reason
        assert _statuses(s, [ids[0], review]) == [lifecycle.INSPECTION, lifecycle.REVIEW]  # nothing decided
        for action, result in (("release", "discrepancy"), ("inspect", "no_discrepancy"), ("hold", "maybe")):
            with pytest.raises(ValidationFailed) as bad:
                officer.act(s, action=action, reason="r", officer="a", ids=ids[:1], inspection_result=result)
            assert bad.value.errors[0].field == "inspection_result"
        with pytest.raises(ValidationFailed) as scope:
            officer.act(s, action="hold", reason="r", officer="a", filters={"status": "open"},
                        inspection_result="discrepancy")
        assert scope.value.errors[0].code == "scope"

        # A release with the result records it on the parcel under inspection, not on the one in review.
        out = officer.act(s, action="release", reason="x-ray clear", officer="a", ids=[ids[0], review],
                          inspection_result="no_discrepancy")
        assert out.done == 2
        assert [s.get_one(Consignment, i).inspection_result for i in (ids[0], review)] == ["no_discrepancy", None]
        entry = audit.history(s, "ecommerce_consignment", ids[0])[-1]
        assert orjson.loads(entry.payload)["inspection_result"] == "no_discrepancy"

        # A hold records a discrepancy; the parcel then leaves by a release without another result, and a later
        # order to inspect again does not clear the finding.
        officer.act(s, action="hold", reason="counterfeit logo", officer="a", ids=[ids[1]],
                    inspection_result="discrepancy")
        officer.act(s, action="inspect", reason="second look", officer="b", ids=[ids[1]])
        officer.act(s, action="hold", reason="still wrong", officer="b", ids=[ids[1]],
                    inspection_result="no_discrepancy")
        assert s.get_one(Consignment, ids[1]).inspection_result == "discrepancy"
        assert officer.act(s, action="release", reason="duty paid", officer="b", ids=[ids[1]]).done == 1

        # A hold without a result leaves it pending: the parcel cannot leave by way of the hold.
        officer.act(s, action="hold", reason="call the consignee", officer="a", ids=[ids[2]])
        with pytest.raises(ValidationFailed):
            officer.act(s, action="release", reason="called", officer="a", ids=[ids[2]])

        # One the officer saw in another state is left as outdated, not refused for want of its result.
        out = officer.act(s, action="release", reason="x-ray clear", officer="a", ids=[ids[4]],
                          seen={ids[4]: "review:2"})
        assert (out.done, out.outdated) == (0, 1) and _statuses(s, [ids[4]]) == [lifecycle.INSPECTION]

        # All matching releases none pending inspection, and those with a result.
        s.execute(text("UPDATE ecommerce_consignments SET inspection_result = 'no_discrepancy' WHERE id = :i"),
                  {"i": ids[3]})
        out = officer.act(s, action="release", reason="batch", officer="a", filters={"lane": "3"})
        assert ids[3] in out.changed and not set(out.changed) & {ids[2], *ids[4:]}
        assert {c.status for c in _lane3(s)} == {lifecycle.INSPECTION} and len(_lane3(s)) == len(ids) - 4


def test_the_hit_rates_count_each_selection_against_the_random_sample(under_inspection: Engine) -> None:
    with Session(under_inspection) as s, s.begin():
        chosen = {c.id: _profiles(c) for c in _lane3(s)}
        assert {"Handbags", "Random sample (random)"} <= set().union(*chosen.values())
        # Discrepancies on every other handbag parcel; none on the parcels drawn at random alone.
        found = {cid for i, (cid, by) in enumerate(sorted(chosen.items())) if "Handbags" in by and i % 2 == 0}
        for cid in chosen:
            officer.act(s, action="hold" if cid in found else "release", reason="inspected", officer="a",
                        ids=[cid], inspection_result="discrepancy" if cid in found else "no_discrepancy")
        # An officer's own order on a lane-2 parcel, found wrong.
        ordered = s.scalars(select(Consignment.id).where(Consignment.status == lifecycle.REVIEW)).first()
        assert ordered is not None
        officer.act(s, action="inspect", reason="tip-off", officer="a", ids=[ordered])
        officer.act(s, action="hold", reason="tip-off right", officer="a", ids=[ordered],
                    inspection_result="discrepancy")
        rates = officer.inspection_results(s, 90)
    rows = {(r.key[0], r.key[2]): r for r in rates.rows}
    handbags = [cid for cid, by in chosen.items() if "Handbags" in by]
    drawn = [cid for cid, by in chosen.items() if "Random sample (random)" in by]
    bags = rows[("rule", "Handbags")]
    assert (bags.inspected, bags.discrepancies) == (len(handbags), len(found))
    base = rates.baseline
    assert base is not None and (base.inspected, base.discrepancies) == (len(drawn), len(found & set(drawn)))
    assert bags.rate > base.rate  # the targeted profile beats the random sample here
    order = rows[("order", None)]
    assert (order.inspected, order.discrepancies) == (1, 1)
    assert (rates.inspected, rates.discrepancies) == (len(chosen) + 1, len(found) + 1)  # each parcel once
    # The window is on the time of receipt.
    from datetime import timedelta

    from smartcustoms.db import utcnow
    with Session(under_inspection) as s, s.begin():
        s.execute(text("UPDATE ecommerce_consignments SET received_at = :t WHERE id = :i"),
                  {"t": utcnow() - timedelta(days=100), "i": ordered})
        assert officer.inspection_results(s, 90).inspected == rates.inspected - 1
        assert officer.inspection_results(s, 120).inspected == rates.inspected


def test_the_hit_rates_read_the_inspected_parcels_through_their_own_index(stored: Engine) -> None:
    """The intake stores no inspected parcel, so the partial index costs it nothing; the hit rates read only it."""
    c = Consignment
    sql = str(officer.inspected_query(90).compile(stored, compile_kwargs={"literal_binds": True}))
    with Session(stored) as s, s.begin():
        if stored.dialect.name == "sqlite":
            plan = " ".join(str(r[-1]) for r in s.execute(text(f"EXPLAIN QUERY PLAN {sql}")))
        else:
            s.execute(text("SET LOCAL enable_seqscan = off"))
            plan = " ".join(str(r[0]) for r in s.execute(text(f"EXPLAIN {sql}")))
        assert "ix_ecommerce_consignments_inspected" in plan
        assert s.scalar(select(func.count()).select_from(c).where(c.inspection_result.is_not(None))) == 0


def _split_record(parcel: str, seller: str, consignee: str, description: str = "plastic phone case") -> dict[str, Any]:
    return {"parcel_id": parcel, "platform": "Temu", "mail_order": True, "personal_use": False,
            "seller": {"id": seller, "name": f"Seller {seller}", "country": "CN"},
            "consignee": {"name": "Sato Yui", "address": "1-2-3 Setagaya-ku, Tokyo", "id": consignee},
            "delivery_place": "Tokyo Setagaya-ku",
            "goods": [{"description": description, "hs_code": "392690", "quantity": 1, "value": "6000",
                       "currency": "JPY", "origin_country": "CN"}]}


def _two_writers(new_database_url: Callable[[], str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, code: str
                 ) -> tuple[Engine, tuple[int, str, str]]:
    """PostgreSQL only (SQLite runs one writer at a time): a database of its own, intake in process (no worker, so
    the test's pauses are the intake's), and a carrier."""
    from smartcustoms.ecommerce.config import get_ecommerce_settings

    engine = make_engine(new_database_url())
    if engine.dialect.name != "postgresql":
        engine.dispose()
        pytest.skip("SQLite runs one writer at a time")
    monkeypatch.setenv("SMARTCUSTOMS_ECOMMERCE_WORKERS", "0")
    get_ecommerce_settings.cache_clear()
    prepare(engine, tmp_path)
    with Session(engine) as s, s.begin():
        t = identity.create_trader(s, code.title(), code, "broker")
        return engine, (t.id, t.code, "")


@contextmanager
def _officer_paused(engine: Engine, seconds: float, **act: Any) -> Iterator[dict[str, Any]]:
    """An officer's decision (`officer.act(**act)`) on connections of its own, paused `seconds` after its first
    update of a consignment: the block runs while it waits, holding its locks. Yields where the outcome (or the
    exception) is put once the decision has ended."""
    import threading
    import time

    from sqlalchemy import event

    from smartcustoms.ecommerce.config import get_ecommerce_settings

    deciding = make_engine(engine.url.render_as_string(hide_password=False))
    paused, done = threading.Event(), {}

    @event.listens_for(deciding, "after_cursor_execute")
    def _pause(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.lstrip().upper().startswith("UPDATE ECOMMERCE_CONSIGNMENTS") and not paused.is_set():
            paused.set()
            time.sleep(seconds)

    def decide() -> None:
        try:
            with Session(deciding) as s:
                done["officer"] = officer.act(s, **act)
                s.commit()
        except Exception as exc:  # reported by the test
            done["officer"] = exc

    thread = threading.Thread(target=decide)
    thread.start()
    try:
        assert paused.wait(30)
        yield done
    finally:
        thread.join(60)
        deciding.dispose()
        get_ecommerce_settings.cache_clear()


@pytest.mark.parametrize("scope", ["ids", "filter"])
def test_a_decision_and_an_intake_linking_the_same_parcels_wait_for_each_other(
        new_database_url: Callable[[], str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, scope: str) -> None:
    """PostgreSQL: an officer decides lines 9 and 10 of a manifest while an intake links the same two parcels into
    split groups. Both lock them in the order of their ids; in the order the rows were stored (9 before 10, where
    the ids sort "-10" first) they deadlocked, and the officer or the intake's manifest failed (found by a probe)."""
    from tests.ecommerce.test_pipeline import jl

    engine, sub = _two_writers(new_database_url, tmp_path, monkeypatch, "LOCK-EXPRESS")
    first = [_split_record(f"F{i}", "FILL", f"FC{i}") for i in range(8)]
    first += [_split_record("K1-a", "SPL", "K1", "gift"), _split_record("K2-a", "SPL", "K2", "gift")]  # lane 2
    _, summary = run(engine, sub, jl(*first))
    mid = summary["manifest_id"]
    nine, ten = f"{mid}-9", f"{mid}-10"
    scoped: dict[str, Any] = {"ids": [nine, ten]} if scope == "ids" else {
        "filters": {"manifest": mid, "status": "review"}}
    # The intake meets the parcels while the officer waits between its two updates.
    with _officer_paused(engine, 1.5, action="hold", reason="probe", officer="o", **scoped) as done:
        results, second = run(engine, sub, jl(_split_record("K1-b", "SPL", "K1"), _split_record("K2-b", "SPL", "K2")))
    try:
        assert isinstance(done["officer"], officer.ActionOutcome), done["officer"]
        assert set(done["officer"].changed) == {nine, ten}
        assert second["status"] == "complete" and [r["lane"] for r in results] == [2, 2]
        with Session(engine) as s:
            linked = {c.id: (c.status, c.split_group) for c in s.scalars(select(Consignment).where(
                Consignment.id.in_([nine, ten])))}
            assert all(status == lifecycle.HELD and group for status, group in linked.values())
            assert officer.totals(s) == officer.totals_counted(s)
    finally:
        engine.dispose()


def test_a_decision_and_a_resent_manifest_adding_a_parcel_of_the_same_seller_both_finish(
        new_database_url: Callable[[], str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """PostgreSQL: an officer releases parcel A while its manifest is sent again with one more parcel of the same
    seller. The intake's chunk updates the seller's running totals, then stores A's repeat (its foreign key takes a
    key-share lock on A); the decision holds A and updates the same totals next. With A locked FOR UPDATE the two
    deadlocked (found by a review); FOR NO KEY UPDATE, the lock the UPDATE takes anyway, lets the repeat through."""
    from tests.ecommerce.test_pipeline import jl

    engine, sub = _two_writers(new_database_url, tmp_path, monkeypatch, "RESEND-EXPRESS")
    parcel = _split_record("A-1", "SELLR", "CA", "gift")  # a vague description: lane 2, in review
    _, first = run(engine, sub, jl(parcel))
    with Session(engine) as s:
        a = s.scalars(select(Consignment).where(Consignment.manifest_id == first["manifest_id"])).one()
        assert a.status == lifecycle.REVIEW
        aid = a.id
    # The re-sent manifest's chunk runs while the officer waits: the totals, then the repeat's row.
    with _officer_paused(engine, 2.0, action="release", reason="documents fine", officer="o", ids=[aid]) as done:
        results, second = run(engine, sub, jl(parcel, _split_record("A-2", "SELLR", "CB", "plastic phone case")))
    try:
        assert isinstance(done["officer"], officer.ActionOutcome), done["officer"]
        assert done["officer"].changed == (aid,)
        assert second["status"] == "complete" and [r["result"] for r in results] == ["repeat", "accepted"]
        with Session(engine) as s:
            assert s.get_one(Consignment, aid).status == lifecycle.RELEASED
            assert officer.totals(s) == officer.totals_counted(s)
    finally:
        engine.dispose()


@pytest.mark.parametrize("action", ["release", "hold"])
def test_all_matching_leaves_out_a_parcel_another_officer_changed_between_its_reads(
        new_database_url: Callable[[], str], tmp_path: Path, action: str) -> None:
    """PostgreSQL reads the window of all matching, then reads it again locked: a parcel another officer ordered
    inspected in between no longer matches the filter (in review) and is left out, counted as outdated, while the
    rest of the window is decided. Before, the locked read dropped the filter and the release refused the whole
    window for the parcel's missing inspection result (found by a review)."""
    from sqlalchemy import event

    from smartcustoms.errors import ValidationFailed

    engine = make_engine(new_database_url())
    if engine.dialect.name != "postgresql":
        engine.dispose()
        pytest.skip("SQLite reads the window once, as the one writer")
    prepare(engine, tmp_path)
    with Session(engine) as s, s.begin():
        t = identity.create_trader(s, "Race Express", "RACE-EXPRESS", "broker")
        sub = (t.id, t.code, "")
    _, summary = run(engine, sub, _prefixed(71, 200, "R"))
    mid = summary["manifest_id"]
    with Session(engine) as s:
        review = list(s.scalars(select(Consignment.id).where(
            Consignment.manifest_id == mid, Consignment.status == lifecycle.REVIEW)
            .order_by(Consignment.received_at, Consignment.id)))
    assert len(review) >= 2
    victim = review[0]
    other = make_engine(engine.url.render_as_string(hide_password=False))
    meanwhile: list[Any] = []

    @event.listens_for(engine, "after_cursor_execute")
    def _meanwhile(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if ("LIMIT" in statement and "FOR NO KEY UPDATE" not in statement
                and "ecommerce_consignments" in statement and not meanwhile):
            with Session(other) as s2:  # officer B orders the first one inspected and commits
                meanwhile.append(officer.act(s2, action="inspect", reason="tip-off", officer="b", ids=[victim]))
                s2.commit()

    try:
        with Session(engine) as s:
            try:
                result = officer.act(s, action=action, reason="batch", officer="a",
                                     filters={"manifest": mid, "status": lifecycle.REVIEW})
                s.commit()
            except ValidationFailed as exc:
                pytest.fail(f"the window was refused: {[(e.field, e.reason) for e in exc.errors]}")
        event.remove(engine, "after_cursor_execute", _meanwhile)
        assert len(meanwhile) == 1 and meanwhile[0].changed == (victim,)
        assert victim not in result.changed and result.outdated == 1
        assert set(result.changed) == set(review[1:]) and result.done == len(review) - 1
        with Session(engine) as s:
            assert s.get_one(Consignment, victim).status == lifecycle.INSPECTION_ORDERED
            assert officer.totals(s) == officer.totals_counted(s)
    finally:
        other.dispose()
        engine.dispose()
