"""Running totals per manifest, platform and seller (`ecommerce_group_totals`), kept in the writer's transaction.

The intake adds each stored chunk's consignments (`pipeline.ChunkStore._tally` fills a `Tally`), split detection
adds the stored parcels it links to a group for the first time, and an officer's decision moves a consignment
between the lane counts (inspection: lane 3) and out of the open count (release). Every change is an
upsert that adds to the stored numbers, so two transactions changing the same group (two intakes naming one
seller) never lose each other's counts. The rows are written in key order, and both the intake's chunk and an
officer's decision write them before they append to the audit chain (whose head every writer locks): on
PostgreSQL two such transactions lock what they share in the same order and cannot deadlock on it. The caller owns
the transaction.

A seller's label is the greatest name seen: within a chunk in code-point order, across chunks in the database's
collation (the same order on SQLite and on a C-collated PostgreSQL; on another collation the label can differ
from max() over the rows when names differ only in case).
"""

from __future__ import annotations

from functools import cache
from typing import Any

from smartcustoms.db import pg_text_array

KINDS = ("manifest", "platform", "seller")
COLUMNS = ("consignments", "lane1", "lane2", "lane3", "open_count", "split_flagged", "value_jpy", "tax_jpy")
# A group's changes: label, then COLUMNS in order (lane k at _N + k).
_LABEL, _N, _OPEN, _SPLIT = 0, 1, 5, 6


class Tally:
    """Changes to the totals of some groups, to be written with `apply`."""

    def __init__(self) -> None:
        self.groups: dict[tuple[str, str], list[Any]] = {}

    def _group(self, kind: str, key: str, label: str) -> list[Any]:
        g = self.groups.get((kind, key))
        if g is None:
            g = self.groups[(kind, key)] = [label, 0, 0, 0, 0, 0, 0, 0, 0]
        elif label > g[_LABEL]:
            g[_LABEL] = label
        return g

    def flag_split(self, manifest: str, platform: str, seller: str) -> None:
        """A stored consignment linked to a split group for the first time."""
        for kind, key in (("manifest", manifest), ("platform", platform), ("seller", seller)):
            self._group(kind, key, "")[_SPLIT] += 1

    def decide(self, manifest: str, platform: str, seller: str, lanes: tuple[int, int], opens: tuple[bool, bool]
               ) -> None:
        """An officer's decision on a stored consignment: its lane and whether it is open, before and after."""
        if lanes[0] == lanes[1] and opens[0] == opens[1]:
            return
        for kind, key in (("manifest", manifest), ("platform", platform), ("seller", seller)):
            g = self._group(kind, key, "")
            g[_N + lanes[0]] -= 1
            g[_N + lanes[1]] += 1
            g[_OPEN] += opens[1] - opens[0]

    def params(self) -> list[tuple[Any, ...]]:
        """The upsert's parameters in key order."""
        return [(kind, key, *g) for (kind, key), g in sorted(self.groups.items())]


_SET = "ON CONFLICT (kind, group_key) DO UPDATE SET label = {greatest}({t}label, excluded.label), {adds}"


@cache
def upsert_sql(dialect: str) -> str:
    """Add each group's changes to its stored totals (a new group starts from them); the label keeps the greatest.

    SQLite: one row of parameters per group (`executemany`). PostgreSQL: every group in one statement, one array
    per column (`unnest`); psycopg's executemany cost ~20 µs of client CPU per row (~900 groups a chunk)."""
    names = f"kind, group_key, label, {', '.join(COLUMNS)}"
    if dialect == "sqlite":  # in SQLite's upsert a bare column is the stored row's
        adds = ", ".join(f"{c} = {c} + excluded.{c}" for c in COLUMNS)
        values = f"VALUES ({', '.join(['?'] * (3 + len(COLUMNS)))})"
        conflict = _SET.format(greatest="max", t="", adds=adds)
    else:
        adds = ", ".join(f"{c} = ecommerce_group_totals.{c} + excluded.{c}" for c in COLUMNS)
        arrays = ", ".join(["%s::text[]"] * 3 + ["%s::bigint[]"] * len(COLUMNS))
        values = f"SELECT * FROM unnest({arrays})"  # noqa: S608 - placeholders only
        conflict = _SET.format(greatest="GREATEST", t="ecommerce_group_totals.", adds=adds)
    # Fixed names and placeholders only: every value is bound.
    return f"INSERT INTO ecommerce_group_totals ({names}) {values} {conflict}"


def apply(conn: Any, tally: Tally) -> None:
    """Write the tally on `conn` (a SQLAlchemy connection in the caller's transaction)."""
    params = tally.params()
    if not params:
        return
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql(upsert_sql("sqlite"), params)
        return
    columns = list(zip(*params, strict=True))
    arrays = [pg_text_array(list(c)) for c in columns[:3]] + ["{" + ",".join(map(str, c)) + "}" for c in columns[3:]]
    conn.exec_driver_sql(upsert_sql(conn.dialect.name), tuple(arrays))

