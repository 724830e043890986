"""Python's cycle collector in the intake's processes (the server's or the CLI's, and the worker's).

A consignment's intake makes and drops a few dozen container objects (the JSON line's dicts and lists, its goods,
its assessment, its row and result). Reference counting frees them; the cycle collector finds almost nothing to
free in them. With Python's thresholds (700, 10, 10) it still ran a young collection every 700 new containers
and, as a chunk's 2,000 consignments stayed alive through many of those and were promoted, a full collection
of the whole heap (the modules, SQLAlchemy's mappers, the tariff tables: 50-80 ms each) every few chunks. Measured
with gc.callbacks at 300,000 consignments on PostgreSQL: 1.4 s of the worker's 8.2 s of CPU, 1.0 s of it in 19
full collections.

So the intake's processes collect the youngest generation after `gc_threshold` new containers (default 20,000)
and each older one after OLDER collections of the one below. Measured (docs/ecommerce.md, sixteenth session),
300,000 consignments one after the other: SQLite 18,381-18,449/s at 86 µs of CPU per consignment against
23,798-24,883/s at 68-72 µs; PostgreSQL 61 and 52 µs against 46 and 49 µs. Freezing the heap first (gc.freeze)
gained nothing more and would keep whatever was alive at that moment from ever being collected, so it is not
done. Cyclic garbage (rare here) waits longer to be found: a few MB at most.
"""

from __future__ import annotations

import gc

OLDER = 20  # collections of a generation before the next older one is collected (Python's: 10)


def tune(threshold: int) -> None:
    """Collect the youngest generation after `threshold` new container objects, each older one after OLDER
    collections of the one below; 0 leaves the process's thresholds as they are."""
    if threshold > 0 and gc.get_threshold() != (threshold, OLDER, OLDER):
        gc.set_threshold(threshold, OLDER, OLDER)
