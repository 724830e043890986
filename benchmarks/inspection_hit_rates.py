"""How long the inspections' hit rates take to read as the inspected parcels grow (the officers' inspection results
page and `GET /api/v1/officer/ecommerce/inspections`).

    .venv/bin/python benchmarks/inspection_hit_rates.py --count 200000 --backend sqlite
    .venv/bin/python benchmarks/inspection_hit_rates.py --count 200000 --backend postgresql \
        --database-url postgresql://postgres@127.0.0.1:54329/postgres

Generates COUNT consignments and ingests them through the intake (the same profiles as ecommerce_ingest.py: a 5 %
random sample, leather bags, firearms), then records an inspection result on every lane-3 parcel and on a share of
the lane-2 ones (as officers' orders), one in seven a discrepancy, straight in the table (the decisions themselves
are not what is measured). Prints the inspected parcels, the time of the hit rates (best of 5) and the time per
inspected parcel, and the rows it found per selection. The intake stores no inspected parcel, so the partial index
the read goes through costs the intake nothing (ecommerce_ingest.py measures the intake).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from ecommerce_ingest import ingested
from machine_reference import describe as machine_reference
from sqlalchemy import text
from sqlalchemy.orm import Session

from smartcustoms.ecommerce import officer


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--count", type=int, default=200_000)
    ap.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    ap.add_argument("--database-url", help="a PostgreSQL server (the script creates and drops its own database)")
    ap.add_argument("--lane2-share", type=int, default=20, help="percent of lane-2 parcels also inspected")
    ap.add_argument("--workdir", type=Path, default=None)
    args = ap.parse_args()
    print(machine_reference())
    with ingested(args.backend, args.database_url, args.workdir, args.count, 7, "hits") as engine:
        with Session(engine) as s, s.begin():
            s.execute(text(
                "UPDATE ecommerce_consignments SET inspection_result = CASE WHEN line_no % 7 = 0 THEN 'discrepancy' "
                "ELSE 'no_discrepancy' END, lane = 3 WHERE lane = 3 OR (lane = 2 AND line_no % 100 < :share)"),
                {"share": args.lane2_share})
        if engine.dialect.name == "postgresql":
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("VACUUM ANALYZE ecommerce_consignments"))
        best = float("inf")
        for _ in range(5):
            with Session(engine) as s:
                start = time.perf_counter()
                rates = officer.inspection_results(s, 90)
                best = min(best, time.perf_counter() - start)
        print(f"hit rates: {rates.inspected:,} inspected parcels, {rates.discrepancies:,} with a discrepancy, "
              f"read in {best * 1000:,.0f} ms (best of 5): {best / max(rates.inspected, 1) * 1e6:.1f} µs per "
              f"inspected parcel, {len(rates.rows)} selections")
        for r in rates.rows:
            print(f"  {r.key[0]:<8} {r.key[2] or '':<24} {r.inspected:>9,} {r.discrepancies:>9,} {r.rate:7.1%}")
    print("done", file=sys.stderr)


if __name__ == "__main__":
    main()
