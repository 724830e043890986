"""A page deep in the officers' consignment list, by offset against by the cursor (the officer API's `after=`).

    .venv/bin/python benchmarks/officer_list_paging.py --count 200000 --backend sqlite
    .venv/bin/python benchmarks/officer_list_paging.py --count 200000 --backend postgresql \
        --database-url postgresql://postgres@127.0.0.1:54329/postgres

Generates COUNT consignments and ingests them through the intake, then reads a page of LIMIT at several depths of
the whole list and of the open list (10 %, 50 %, 90 % of it) both ways — `offset` (officer.consignments' query) and
the cursor of the row just before the page (officer.consignments_after) — best of 5 each, checks that both give
the same rows, and prints the times. A script reading the whole list by offset pays the sum of the offsets'
pages: printed as the estimated time to read the list to its end each way. Last, after officers hold 200 parcels and
release 1,000 from lane 2 and 200 from lane 3 (inspected), the count and first page of the list filtered by each
status and of the released list by lane, and the console's counts per status; then one seller's whole, open and
released list and an action on all matching them, all and lane 2 (the busiest, the median and one of the rarest
sellers).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from ecommerce_ingest import ingested
from machine_reference import describe as machine_reference
from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session

from smartcustoms.ecommerce import lifecycle, officer
from smartcustoms.ecommerce.cursor import Cursor
from smartcustoms.ecommerce.models import Consignment


def best_of(fn: object, times: int = 5) -> float:
    best = float("inf")
    for _ in range(times):
        start = time.perf_counter()
        fn()  # type: ignore[operator]
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--count", type=int, default=200_000)
    ap.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    ap.add_argument("--database-url", help="a PostgreSQL server (the script creates and drops its own database)")
    ap.add_argument("--limit", type=int, default=500)
    ap.add_argument("--workdir", type=Path, default=None)
    args = ap.parse_args()
    print(machine_reference())
    with ingested(args.backend, args.database_url, args.workdir, args.count, 11, "paging") as engine:
        if engine.dialect.name == "postgresql":
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("VACUUM ANALYZE ecommerce_consignments"))
        for name, filters in (("whole list", {}), ("open list", {"status": "open"})):
            with Session(engine) as s:
                total = officer.count(s, filters)
                print(f"{name}: {total:,} consignments, pages of {args.limit}")
                for share in (10, 50, 90):
                    offset = total * share // 100
                    before = next(iter(s.scalars(officer.list_query(filters, 1, offset - 1, engine.dialect.name))))
                    cursor = Cursor(before.lane, before.received_at, before.id)
                    by_offset, _ = officer.consignments(s, filters, args.limit, offset)
                    by_cursor, _ = officer.consignments_after(s, filters, args.limit, cursor)
                    same = [c.id for c in by_offset] == [c.id for c in by_cursor]
                    t_offset = best_of(lambda f=filters, o=offset: s.scalars(  # type: ignore[misc]
                        officer.list_query(f, args.limit, o, engine.dialect.name)).all())
                    t_cursor = best_of(lambda f=filters, c=cursor: officer.consignments_after(  # type: ignore[misc]
                        s, f, args.limit, c))
                    print(f"  at {share:>2} % (row {offset:>9,}): offset {t_offset * 1000:8.1f} ms, cursor "
                          f"{t_cursor * 1000:6.1f} ms{'' if same else '  DIFFERENT ROWS'}")
                pages = -(-total // args.limit)
                # Reading it all: by offset the k-th page costs about k/pages of the last one (linear in the
                # offset, the 90 % figure scaled); by the cursor each page costs about the same.
                print(f"  reading it all ({pages:,} pages), estimated: offset {t_offset / 0.9 * pages / 2:,.1f} s, "
                      f"cursor {t_cursor * pages:,.1f} s")
        by_status(engine, args.limit)
        by_seller(engine, args.limit)
    print("done", file=sys.stderr)


def by_status(engine: Engine, limit: int) -> None:
    """The list filtered by each status (its count and first page by the cursor and by offset) and the console's
    per-status counts, after officers have held 200 parcels, released 1,000 from lane 2 and, inspected, 200 from lane
    3 (taken evenly through the list; fewer when fewer than 1,400 are in review): the status index holds only the
    open ones (migration 0020), the released ones of lanes 2 and 3 have their own index (migration 0022)."""
    c = Consignment
    with Session(engine) as s, s.begin():
        review = list(s.scalars(select(c.id).where(c.status == lifecycle.REVIEW).order_by(c.id)))
        share = min(1.0, len(review) / 1400)  # fewer of each in a small run
        n_held, n_released, n_inspected = int(200 * share), int(1000 * share), int(200 * share)
        picked = review[::max(1, len(review) // 1400)]
        held, released = picked[:n_held], picked[n_held:n_held + n_released]
        inspected = picked[n_held + n_released:n_held + n_released + n_inspected]
        if held:
            officer.act(s, action="hold", reason="benchmark", officer="bench", ids=held)
        for i in range(0, len(released), 500):
            officer.act(s, action="release", reason="benchmark", officer="bench", ids=released[i:i + 500])
        if inspected:
            officer.act(s, action="inspect", reason="benchmark", officer="bench", ids=inspected)
            officer.act(s, action="release", reason="benchmark", officer="bench", ids=inspected,
                        inspection_result=lifecycle.NO_DISCREPANCY)
    with Session(engine) as s:
        print(f"by status, pages of {limit} (best of 5):")
        for status, lane in [(x, "") for x in lifecycle.STATUSES] + [(lifecycle.RELEASED, x) for x in "321"]:
            filters = {"status": status, **({"lane": lane} if lane else {})}
            total = officer.count(s, filters)
            t_count = best_of(lambda f=filters: officer.count(s, f))  # type: ignore[misc]
            t_page = best_of(lambda f=filters: officer.consignments_after(s, f, limit, None))  # type: ignore[misc]
            # By offset as the console asks for it (officer.consignments: the page and its count).
            t_offset = best_of(lambda f=filters: officer.consignments(s, f, limit, 0))  # type: ignore[misc]
            name = f"{status}{f' lane {lane}' if lane else ''}"
            print(f"  {name:<18} {total:>9,}: count {t_count * 1000:7.1f} ms, first page {t_page * 1000:7.1f} ms by "
                  f"cursor, {t_offset * 1000:7.1f} ms by offset")
        t_totals = best_of(lambda: officer.totals(s))
        print(f"  the console's counts per status: {t_totals * 1000:.1f} ms")


def by_seller(engine: Engine, limit: int) -> None:
    """One seller's list (count, first page by the cursor and by offset), whole, open and released, for the busiest
    seller, the median one and one of the rarest (SQLite: one query through the seller index, officer._seller_page)."""
    c = Consignment
    with Session(engine) as s:
        counts = s.execute(select(c.seller_id, func.count()).group_by(c.seller_id)
                           .order_by(func.count().desc(), c.seller_id)).all()
        print(f"by seller ({len(counts):,} sellers), pages of {limit} (best of 5):")
        for name, (seller, _) in (("busiest", counts[0]), ("median", counts[len(counts) // 2]),
                                  ("rarest", counts[-1])):
            for status in ("", "open", lifecycle.RELEASED):
                filters = {"seller": seller, **({"status": status} if status else {})}
                total = officer.count(s, filters)
                t_count = best_of(lambda f=filters: officer.count(s, f))  # type: ignore[misc]
                t_page = best_of(lambda f=filters: officer.consignments_after(s, f, limit, None))  # type: ignore[misc]
                t_offset = best_of(lambda f=filters: officer.consignments(s, f, limit, 0))  # type: ignore[misc]
                print(f"  {name:<8} {status or 'all':<9} {total:>7,}: count {t_count * 1000:7.1f} ms, first page "
                      f"{t_page * 1000:7.1f} ms by cursor, {t_offset * 1000:7.1f} ms by offset")
            for filters in ({"seller": seller}, {"seller": seller, "lane": "2"}):
                done = 0

                def hold(f: dict[str, str] = filters) -> None:
                    nonlocal done
                    try:  # each try rolled back: the same parcels every time
                        done = officer.act(s, action="hold", reason="benchmark", officer="bench", filters=f).done
                    finally:
                        s.rollback()

                t_act = best_of(hold, 3)
                print(f"  {name:<8} hold all matching {'lane 2' if 'lane' in filters else 'all':<6}: {done:>5,} held "
                      f"in {t_act * 1000:7.1f} ms (rolled back, best of 3)")


if __name__ == "__main__":
    main()
