"""Python's cycle collector in the intake's processes: the server's (or the CLI's) and the worker's.

A consignment's intake makes and drops a few dozen container objects (the JSON line's dicts and lists, its goods,
its assessment, its row and result). Reference counting frees them; the cycle collector finds almost nothing to
free among them (~1,700-4,500 objects in the worker over 100,000 consignments). With Python's thresholds (700, 10,
10) it still ran a young collection every 700 new containers and, as a chunk's 2,000 consignments stayed alive
through many of those and were promoted, a full collection of the whole heap (the modules, SQLAlchemy's mappers,
the tariff tables: ~50 ms each) every few chunks. Measured with gc.callbacks at 300,000 consignments on
PostgreSQL: 1.37 s of the worker's 8.2 s of CPU, 0.96 s of it in 19 full collections.

So these processes collect the youngest generation after `gc_threshold` new containers (default 20,000) and each
older one after OLDER_AFTER collections of the one below: a full collection after some 8 million new containers
instead of 70,000. Measured one after the other (docs/ecommerce.md, sixteenth session): SQLite at 300,000, 18,381
and 18,449/s at 86 µs of CPU per consignment against 23,532 and 24,883/s at 72 and 68 µs; at 1M, 17,177 and
18,171/s (91 and 87 µs) against 22,526 and 19,429/s (72 and 78 µs); PostgreSQL at 1M, 56, 64 and 60 µs in the two
processes against 51, 54 and 47 µs. The thresholds are the process's: in the server they hold for every request
(set when the e-commerce routes are mounted), so cyclic garbage anywhere in it waits longer to be found; the
intake's worker ends 8-11 MB larger. `gc.freeze()` after start-up gained nothing more on SQLite and would keep
whatever was alive at that moment from ever being collected, so it is not done.
"""

from __future__ import annotations

import gc

OLDER_AFTER = 20  # collections of a generation before the next older one is collected (Python's: 10)
PYTHONS_YOUNGEST = 700  # Python's own threshold for the youngest generation: a setting below it is refused


def tune(threshold: int) -> None:
    """Collect the youngest generation after `threshold` new container objects, each older one after OLDER_AFTER
    collections of the one below; 0 leaves the process's thresholds as they are."""
    if threshold > 0:
        gc.set_threshold(threshold, OLDER_AFTER, OLDER_AFTER)
