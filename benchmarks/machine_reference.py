"""A fixed amount of work, timed, so that benchmark figures from different sessions or machines can be compared.

    .venv/bin/python benchmarks/machine_reference.py

The development machines are shared virtual machines whose speed changes from day to day (the same code and the
same benchmark measured 90 µs of CPU per consignment one day and 232 µs the next): a rate means little without
the speed of the machine it was measured on. Two figures, best of three, taken on an otherwise idle moment:

- **Python**: seconds to build, JSON-encode, decode and sum 100,000 parcel-like records with the standard library
  (the interpreter's speed on allocation-heavy work: parsing, checks, valuation, screening are all Python).
- **SQLite**: rows per second for 200,000 rows of ~300 bytes inserted into a file database (WAL,
  synchronous=NORMAL, as the platform opens it) in transactions of 2,000, into a table with one index on a random
  64-bit key and one on an increasing key (the shape of the intake's insert, small enough to stay in memory).

ecommerce_ingest.py prints them before its figures.
"""

from __future__ import annotations

import json
import os
import random
import sqlite3
import tempfile
import time
from pathlib import Path


def python_work_s(records: int = 100_000) -> float:
    best = float("inf")
    for _ in range(3):
        t = time.perf_counter()
        total = 0
        for i in range(records):
            parcel = {"parcel_id": f"P{i:09d}", "seller": {"id": f"S{i % 997}", "country": "CN"},
                      "goods": [{"description": "cotton T-shirt", "quantity": 2, "value": str(i % 5000)}]}
            back = json.loads(json.dumps(parcel))
            total += int(back["goods"][0]["value"]) + len(back["seller"]["id"])
        best = min(best, time.perf_counter() - t)
    return best


def sqlite_rows_per_s(rows: int = 200_000, chunk: int = 2_000) -> float:
    rnd = random.Random(1)
    data = [(i, rnd.getrandbits(63), f"parcel-{i:010d}", "x" * 260) for i in range(rows)]
    best = 0.0
    for _ in range(3):
        with tempfile.TemporaryDirectory() as tmp:
            db = sqlite3.connect(Path(tmp) / "reference.db", isolation_level=None)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            db.execute("CREATE TABLE t (n INTEGER, k INTEGER, parcel TEXT, body TEXT)")
            db.execute("CREATE INDEX t_k ON t (k)")
            db.execute("CREATE UNIQUE INDEX t_parcel ON t (parcel)")
            t = time.perf_counter()
            for i in range(0, rows, chunk):
                db.execute("BEGIN IMMEDIATE")
                db.executemany("INSERT INTO t VALUES (?, ?, ?, ?)", data[i:i + chunk])
                db.execute("COMMIT")
            best = max(best, rows / (time.perf_counter() - t))
            db.close()
    return best


def describe() -> str:
    """One line: the machine's reference figures."""
    work = python_work_s()
    rate = sqlite_rows_per_s()
    return (f"machine reference ({os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}): Python reference work "
            f"{work:.2f} s, SQLite reference insert {rate:,.0f} rows/s (benchmarks/machine_reference.py)")


if __name__ == "__main__":
    print(describe())
