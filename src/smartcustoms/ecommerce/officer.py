"""The officer's side: consignments aggregated per manifest, platform and seller, lists, and audited bulk actions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import orjson
from sqlalchemy import (
    Executable,
    Select,
    and_,
    bindparam,
    case,
    func,
    literal,
    literal_column,
    or_,
    select,
    text,
    tuple_,
    update,
)
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import BindParameter, ColumnElement

from smartcustoms.audit import service as audit
from smartcustoms.db import utcnow
from smartcustoms.ecommerce import hitrate, lifecycle
from smartcustoms.ecommerce import totals as group_totals
from smartcustoms.ecommerce.config import get_ecommerce_settings
from smartcustoms.ecommerce.cursor import Cursor
from smartcustoms.ecommerce.models import DECIDED_SQL, OPEN_SQL, Consignment, GroupTotal, Manifest
from smartcustoms.errors import FieldError, NotFound, ValidationFailed
from smartcustoms.risk import rules
from smartcustoms.textcheck import printable

GROUPS = {"manifest": Consignment.manifest_id, "platform": Consignment.platform, "seller": Consignment.seller_id}
FILTERS = ("manifest", "platform", "seller", "lane", "status", "split_group", "consignee")
OPEN_CLAUSE: ColumnElement[bool] = literal_column(OPEN_SQL)


@dataclass(frozen=True)
class GroupRow:
    """Counts and amounts of one manifest, platform or seller."""

    key: str
    label: str
    consignments: int
    lane1: int
    lane2: int
    lane3: int
    open: int
    value_jpy: int
    tax_jpy: int
    split_flagged: int


def _where(filters: dict[str, str], seller_index: bool = False) -> list[ColumnElement[bool]]:
    """Conditions for the list filters (unknown or empty filters are ignored; bad values refused). For queries of
    ecommerce_consignments alone: the open filter names `status` unqualified (OPEN_CLAUSE). With `seller_index`
    (SQLite only, a seller's filter; `_seller_on_sqlite`): the status and lane conditions are written `+status …` and
    `+lane = …`, which keeps the indexes of the lists (list, open, status) out of SQLite's choice, leaving the
    filters' own (the seller's)."""
    c = Consignment
    out: list[ColumnElement[bool]] = []
    unreadable = [FieldError(k, "no control or invisible characters", "invalid")
                  for k in FILTERS if filters.get(k) and not printable(filters[k])]
    if unreadable:  # PostgreSQL refuses NUL in text: a 422 naming the filter, not a 500
        raise ValidationFailed(unreadable)
    if filters.get("manifest"):
        out.append(c.manifest_id == filters["manifest"])
    if filters.get("platform"):
        out.append(c.platform == filters["platform"])
    if filters.get("seller"):
        out.append(c.seller_id == filters["seller"])
    if filters.get("split_group"):
        out.append(c.split_group == filters["split_group"])
    if filters.get("consignee"):
        out.append(c.consignee_name == filters["consignee"])
    lane = filters.get("lane", "")
    if lane:
        if lane not in ("1", "2", "3"):
            raise ValidationFailed([FieldError("lane", "1, 2 or 3", "invalid")])
        out.append((literal_column("+lane") if seller_index else c.lane) == int(lane))
    status = filters.get("status", "")
    if status == "open":
        # As the open list's partial index states it (models.OPEN_SQL): a planner uses that index only for a
        # condition it can match to the index's; SQLite never matches bound values, PostgreSQL not in a generic
        # plan.
        out.append(literal_column(f"+{OPEN_SQL}") if seller_index else OPEN_CLAUSE)
    elif status:
        if status not in lifecycle.STATUSES:
            raise ValidationFailed([FieldError("status", f"open or one of {', '.join(lifecycle.STATUSES)}")])
        # One of lifecycle.STATUSES (checked above), written into the query: PostgreSQL then plans for that status
        # with its statistics, where its generic plan for any status (psycopg prepares a statement run 5 times)
        # walked every open consignment for 200 held ones (57 ms against 3 ms at 300,000; officer_list_paging.py).
        out.append((literal_column("+status") if seller_index else c.status) == literal_column(f"'{status}'"))
        if status in lifecycle.OPEN and not seller_index:
            # The status index holds the open consignments only (migration 0020): its condition, as written there,
            # lets the planner use it for one open status. Released ones are found through the list index.
            out.append(OPEN_CLAUSE)
    return out


def check_filters(filters: dict[str, str]) -> None:
    """Refuse bad filter values (422 naming the filter) as the lists and actions would."""
    _where(filters)


def groups(session: Session, by: str, filters: dict[str, str], limit: int = 100) -> list[GroupRow]:
    """Consignments per manifest, platform or seller: the groups with most open consignments first.

    Unfiltered (the overview as it opens), from the running totals the intake and the officers' decisions keep
    (`totals.py`): a row per group, where counting every consignment ever received took seconds at a million.
    Filtered, the matching consignments are counted as they are (the filters narrow them, mostly by an index).
    """
    if by not in GROUPS:
        raise ValidationFailed([FieldError("group", "manifest, platform or seller")])
    if any(filters.get(f) for f in FILTERS):
        return groups_counted(session, by, filters, limit)
    t = GroupTotal
    rows = session.scalars(select(t).where(t.kind == by)
                           .order_by(t.open_count.desc(), t.consignments.desc(), t.group_key).limit(limit))
    return [GroupRow(r.group_key, r.label, r.consignments, r.lane1, r.lane2, r.lane3, r.open_count, r.value_jpy,
                     r.tax_jpy, r.split_flagged) for r in rows]


def groups_counted(session: Session, by: str, filters: dict[str, str], limit: int = 100) -> list[GroupRow]:
    """`groups` aggregated from the consignments themselves (filtered views; the reference for the totals)."""
    if by not in GROUPS:
        raise ValidationFailed([FieldError("group", "manifest, platform or seller")])
    key = GROUPS[by]
    c = Consignment
    open_ = func.sum(case((c.status.in_(lifecycle.OPEN), 1), else_=0))
    label = func.max(c.seller_name) if by == "seller" else func.max(key)
    stmt = (select(key, label, func.count(), func.sum(case((c.lane == 1, 1), else_=0)),
                   func.sum(case((c.lane == 2, 1), else_=0)), func.sum(case((c.lane == 3, 1), else_=0)), open_,
                   func.sum(c.value_jpy), func.sum(c.total_tax_jpy),
                   func.sum(case((c.split_group.is_not(None), 1), else_=0)))
            .where(*_where(filters)).group_by(key).order_by(open_.desc(), func.count().desc(), key).limit(limit))
    return [GroupRow(str(r[0]), str(r[1]), *(int(x or 0) for x in r[2:])) for r in session.execute(stmt)]


def totals(session: Session) -> dict[str, int]:
    """Counts per status over every consignment: the open ones counted (through the status index, which holds only
    them: its condition written as there), every consignment from the running totals (the platforms' rows, a
    handful), and released = all - open."""
    c = Consignment
    out = {s: 0 for s in lifecycle.STATUSES}
    for status, n in session.execute(select(c.status, func.count()).where(OPEN_CLAUSE).group_by(c.status)):
        out[status] = int(n)
    out["open"] = sum(out[s] for s in lifecycle.OPEN)
    out["all"] = int(session.scalar(select(func.coalesce(func.sum(GroupTotal.consignments), 0))
                                    .where(GroupTotal.kind == "platform")) or 0)
    out[lifecycle.RELEASED] = out["all"] - out["open"]
    return out


def totals_counted(session: Session) -> dict[str, int]:
    """`totals` counted over every consignment (the reference for the running totals)."""
    c = Consignment
    out = {s: 0 for s in lifecycle.STATUSES}
    for status, n in session.execute(select(c.status, func.count()).group_by(c.status)):
        out[status] = int(n)
    out["all"] = sum(out[s] for s in lifecycle.STATUSES)
    out["open"] = sum(out[s] for s in lifecycle.OPEN)
    return out


def recent_manifests(session: Session, limit: int = 20) -> list[Manifest]:
    """The latest manifests received."""
    return list(session.scalars(select(Manifest).order_by(Manifest.received_at.desc()).limit(limit)))


def consignments(session: Session, filters: dict[str, str], limit: int, offset: int) -> tuple[list[Consignment], int]:
    """One page of consignments matching the filters (lane 3 first, then lane 2, oldest first) and the total."""
    total = count(session, filters)
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql" and _released_only(filters):
        return _released_pages(session, filters, limit, offset), total
    rows = session.scalars(list_query(filters, limit, offset, dialect))
    return list(rows), total


def _released_pages(session: Session, filters: dict[str, str], limit: int, offset: int) -> list[Consignment]:
    """PostgreSQL: the released list's page by offset, lane by lane (3, 2, 1), skipping whole lanes by their counts
    (lanes 3 and 2 from the officers' releases' index). As one query PostgreSQL read it by walking the list index
    through lanes 3 and 2 (138 ms for the first page at a million), and a merge of the lanes' parts by scanning and
    sorting the table; lane by lane it reads lanes 3 and 2 from that index (`_lane_page`)."""
    where = _where(filters)
    rows: list[Consignment] = []
    for lane in [int(filters["lane"])] if filters.get("lane") else [3, 2, 1]:
        if len(rows) >= limit:
            break
        if lane > 1 and not filters.get("lane"):
            n = count(session, {"status": lifecycle.RELEASED, "lane": str(lane)})
            if offset >= n:
                offset -= n
                continue
        rows += _lane_page(session, where, lane, None, limit - len(rows), None, offset)
        offset = 0
    return rows


def count(session: Session, filters: dict[str, str]) -> int:
    """How many consignments match the filters: from the running totals when they hold it, else counted."""
    check_filters(filters)  # before anything reads them (the running totals' lookup too)
    total = count_kept(session, filters)
    dialect = session.get_bind().dialect.name
    if total is None and _released_only(filters) and filters.get("lane") in ("2", "3"):
        # Lane 2 or 3's released ones: the officers' releases, counted in their own index.
        sql = (f"SELECT count(*) FROM ecommerce_consignments{_indexed_by(dialect, 'decided')} "  # noqa: S608
               f"WHERE {DECIDED_SQL} AND lane = :lane")
        total = session.scalar(text(sql).bindparams(lane=int(filters["lane"]))) or 0
    elif total is None and _released_only(filters) and filters.get("lane") == "1":
        # Lane 1's: the lane's parcels (running totals) less its open ones (none unless a later status opens one),
        # counted through the open list's index. Counted row by row, 0.5 s at a million on SQLite.
        lane1 = session.scalar(select(func.coalesce(func.sum(GroupTotal.lane1), 0))
                               .where(GroupTotal.kind == "platform")) or 0
        sql = (f"SELECT count(*) FROM ecommerce_consignments{_indexed_by(dialect, 'open')} "  # noqa: S608
               f"WHERE {OPEN_SQL} AND lane = 1")
        total = int(lane1) - int(session.scalar(text(sql)) or 0)
    if total is None:
        total = session.scalar(select(func.count()).select_from(Consignment)
                               .where(*_where(filters, seller_index=_seller_on_sqlite(dialect, filters)))) or 0
    return int(total)


def list_query(filters: dict[str, str], limit: int, offset: int, dialect: str) -> Executable:
    """The page's query, in the list order (ix_ecommerce_consignments_list; the open ones:
    ix_ecommerce_consignments_open).

    SQLite without ANALYZE statistics (the platform never runs it) took the status index for the open list and
    sorted every open consignment (206 ms with 170,492 open among 400,000; 1.0 ms walking the open index): there
    the open list, alone or by lane, names its index (INDEXED BY; the database must be at migration 0011), and the
    released list reads the index of the officers' releases (`_released_query`, migration 0022); a seller's reads
    the seller index (`_seller_page`). With another filter (a manifest) the planner keeps its choice, since that
    filter's own index finds fewer rows. On PostgreSQL the released list's page is not this one query:
    `consignments` reads it lane by lane (`_released_pages`)."""
    where = _where(filters)  # checks the filters' values first
    given = {k for k, v in filters.items() if k in FILTERS and v}
    if dialect == "sqlite" and filters.get("status") == "open" and given <= {"status", "lane"}:
        lane = filters.get("lane", "")
        # Fixed names and the open statuses (models.OPEN_SQL) only: lane, limit and offset are bound.
        sql = ("SELECT * FROM ecommerce_consignments INDEXED BY ix_ecommerce_consignments_open "  # noqa: S608
               f"WHERE {OPEN_SQL}{' AND lane = :lane' if lane else ''} "
               "ORDER BY lane DESC, received_at, id LIMIT :limit OFFSET :offset")
        params: dict[str, int] = {"limit": limit, "offset": offset, **({"lane": int(lane)} if lane else {})}
        return select(Consignment).from_statement(text(sql).bindparams(**params))
    if dialect == "sqlite" and _released_only(filters):
        return _released_query(filters.get("lane", ""), limit, offset)
    if _seller_on_sqlite(dialect, filters):
        where = _where(filters, seller_index=True)
    return (select(Consignment).where(*where)
            .order_by(Consignment.lane.desc(), Consignment.received_at, Consignment.id).limit(limit).offset(offset))


def consignments_after(session: Session, filters: dict[str, str], limit: int, after: Cursor | None
                       ) -> tuple[list[Consignment], Cursor | None]:
    """A page of consignments in the list order after `after` (from the start when None), and the cursor of its
    last row when the page is full (more may follow; ecommerce/cursor.py). At most one query per lane (3, 2, 1),
    each walking the list index — the open list's own on SQLite, as `list_query` — from where the cursor stands,
    so a page deep in the list costs what the first does; on SQLite a seller's in one query (`_seller_page`)."""
    where = _where(filters)  # checks the filters' values first
    given = {k for k, v in filters.items() if k in FILTERS and v}
    dialect = session.get_bind().dialect.name
    if _seller_on_sqlite(dialect, filters):
        return _seller_page(session, _where(filters, seller_index=True), after, limit)
    open_index = dialect == "sqlite" and filters.get("status") == "open" and given <= {"status", "lane"}
    lanes = [int(filters["lane"])] if filters.get("lane") else [3, 2, 1]
    released = dialect == "sqlite" and _released_only(filters)
    rows: list[Consignment] = []
    for lane in lanes if after is None else [x for x in lanes if x <= after.lane]:
        if len(rows) >= limit:
            break
        start = after if after is not None and after.lane == lane else None
        # SQLite: the open list through its own index, the released list's lanes 3 and 2 through the releases' index.
        indexed = ("open", OPEN_SQL) if open_index else ("decided", DECIDED_SQL) if released and lane > 1 else None
        rows += _lane_page(session, where, lane, start, limit - len(rows), indexed)
    last = rows[-1] if len(rows) == limit else None
    return rows, None if last is None else Cursor(last.lane, last.received_at, last.id)


def _released_only(filters: dict[str, str]) -> bool:
    """Whether the list is the released one, alone or by lane. Its count for lane 2 or 3 is read from the index of
    the parcels officers released (ix_ecommerce_consignments_decided, migration 0022) on both databases. On SQLite its
    pages read lanes 3 and 2 from that index too and lane 1 from the list index: before, SQLite walked the list index
    through lanes 3 and 2, checking every row's status, before lane 1's released parcels (126-130 ms for the first
    page at a million, lane 2's alone 80 ms; now 7 ms). On PostgreSQL the pages are the lanes' plain queries with
    the lane written into the SQL (`_lane_page`): its planner proves the index's condition from `lane = 3`, also in
    the plan it keeps for the statement, where a bound lane (or the condition written out beside it) had it walk the
    list index, since it takes status and lane for independent (82 % of the parcels are released, so it expects most
    of lane 2 to be). Its offset page goes lane by lane (`_released_pages`): one merged query it read by scanning and
    sorting the table (426 ms at a million against 138 ms before). Extended statistics on the two columns changed
    none of its choices."""
    given = {k for k, v in filters.items() if k in FILTERS and v}
    return filters.get("status") == lifecycle.RELEASED and given <= {"status", "lane"}


def _indexed_by(dialect: str, index: str) -> str:
    """SQLite, which has no statistics here, is told the index (the database must be at its migration); PostgreSQL's
    planner matches the query's condition, written as the partial index's, to the index."""
    return f" INDEXED BY ix_ecommerce_consignments_{index}" if dialect == "sqlite" else ""


def _released_query(lane: str, limit: int, offset: int) -> Executable:
    """SQLite: the released list's page by offset, lanes 3 and 2 from the officers' releases, then lane 1 (every parcel
    of it released at intake), merged in the list order (each part read in that order from its index, merged by
    SQLite's compound SELECT)."""
    parts = []
    if lane != "1":
        parts.append(f"SELECT * FROM ecommerce_consignments{_indexed_by('sqlite', 'decided')} "  # noqa: S608
                     f"WHERE {DECIDED_SQL}{' AND lane = :lane' if lane else ''}")
    if lane in ("", "1"):
        parts.append(f"SELECT * FROM ecommerce_consignments{_indexed_by('sqlite', 'list')} "  # noqa: S608
                     f"WHERE lane = 1 AND status = '{lifecycle.RELEASED}'")
    # Fixed names and the released status only: lane, limit and offset are bound.
    sql = " UNION ALL ".join(parts) + " ORDER BY lane DESC, received_at, id LIMIT :limit OFFSET :offset"
    params: dict[str, int] = {"limit": limit, "offset": offset, **({"lane": int(lane)} if lane in ("2", "3") else {})}
    return select(Consignment).from_statement(text(sql).bindparams(**params))


def _seller_on_sqlite(dialect: str, filters: dict[str, str]) -> bool:
    """Whether a list, count or action filtered by a seller reads the seller index on SQLite (see `_seller_page`): its
    status and lane conditions written `+status`, `+lane` (`_where`), and by the cursor one query rather than one per
    lane."""
    return dialect == "sqlite" and bool(filters.get("seller"))


def _seller_page(session: Session, where: list[ColumnElement[bool]], after: Cursor | None, limit: int
                 ) -> tuple[list[Consignment], Cursor | None]:
    """A seller's consignments on SQLite, in one query in the list order, found through the seller index and sorted.

    SQLite, which has no statistics here, took for a query per lane the index whose lane and order matched the
    query's (the list's, the open list's or, for one status, the status index) and checked every row of it for the
    seller: 0.6 s for the 12 parcels of the median seller at a million, against a millisecond through the seller
    index. Its status and lane conditions are written `+status`, `+lane` (`_where`), which keeps the lists' indexes
    out of the choice; the busiest seller's (55,226 at a million) are sorted, 83-89 ms. The offset pages
    (`list_query`), the count and an action on all matching (`act`) are written the same way."""
    c = Consignment
    query = select(c).where(*where)
    if after is not None:
        at = tuple_(c.received_at, c.id) > tuple_(literal(after.received_at, c.received_at.type),
                                                   literal(after.id, c.id.type))
        query = query.where(or_(c.lane < after.lane, and_(c.lane == after.lane, at)))
    rows = list(session.scalars(query.order_by(c.lane.desc(), c.received_at, c.id).limit(limit)))
    last = rows[-1] if len(rows) == limit else None
    return rows, None if last is None else Cursor(last.lane, last.received_at, last.id)


def _lane_page(session: Session, where: list[ColumnElement[bool]], lane: int, start: Cursor | None, limit: int,
               indexed: tuple[str, str] | None, offset: int = 0) -> list[Consignment]:
    """One lane's page after `start` (or `offset` rows into the lane); `indexed`: a partial index's name and
    condition, as models writes it, to read the lane from (its condition stands for `where`)."""
    c = Consignment
    if indexed is not None:  # fixed names and a condition from models only (OPEN_SQL, DECIDED_SQL); values bound
        assert not offset, "an index's lane page is read from a cursor"
        index, condition = indexed
        after_sql = " AND (received_at, id) > (:received_at, :id)" if start else ""
        sql = (f"SELECT * FROM ecommerce_consignments{_indexed_by(session.get_bind().dialect.name, index)} "  # noqa: S608
               f"WHERE {condition} AND lane = :lane{after_sql} ORDER BY received_at, id LIMIT :limit")
        bound: list[BindParameter[Any]] = [bindparam("lane", lane), bindparam("limit", limit)]
        if start:
            bound += [bindparam("received_at", start.received_at, type_=c.received_at.type),
                      bindparam("id", start.id, type_=c.id.type)]
        return list(session.scalars(select(c).from_statement(text(sql).bindparams(*bound))))
    # The lane written into the query (1, 2 or 3): PostgreSQL plans each lane with its own statistics, and a plan
    # kept for the statement (psycopg prepares one run 5 times) still knows the lane, so that lane 2 or 3 of the
    # released list can be read from the officers' releases' index (its condition, lane > 1, is proven from it).
    query = select(c).where(*where, c.lane == literal_column(str(int(lane))))
    if start:
        query = query.where(tuple_(c.received_at, c.id) > tuple_(literal(start.received_at, c.received_at.type),
                                                                  literal(start.id, c.id.type)))
    return list(session.scalars(query.order_by(c.received_at, c.id).limit(limit).offset(offset or None)))


def count_kept(session: Session, filters: dict[str, str]) -> int | None:
    """How many consignments match, from the running totals when they hold the answer: no filter, or one manifest,
    platform or seller, each alone or with status=open or status=released (the overview's links, the open list, the
    released list: all minus open). None otherwise. Counting a platform's consignments scanned the table (0.5 s at a
    million on SQLite), and so would counting the released ones, which the status index no longer holds."""
    given = {k for k, v in filters.items() if k in FILTERS and v}
    groups = given & set(GROUPS)
    status = filters.get("status", "")
    if not given - groups <= {"status"} or len(groups) > 1 or status not in ("", "open", lifecycle.RELEASED):
        return None
    t = GroupTotal
    column = {"open": t.open_count, lifecycle.RELEASED: t.consignments - t.open_count}.get(status, t.consignments)
    if groups:
        kind = groups.pop()
        return int(session.scalar(select(column).where(t.kind == kind, t.group_key == filters[kind])) or 0)
    return int(session.scalar(select(func.coalesce(func.sum(column), 0)).where(t.kind == "platform")) or 0)


def get(session: Session, consignment_id: str) -> Consignment:
    c = session.get(Consignment, consignment_id) if printable(consignment_id) else None
    if c is None:
        raise NotFound(f"consignment {consignment_id}")
    return c


def view(c: Consignment) -> dict[str, Any]:
    """The stored JSON columns decoded for display."""
    reasons = orjson.loads(c.lane_reasons) or rules.LaneDecision(rules.LANE_RELEASE, ()).reasons()
    return {"goods": orjson.loads(c.goods), "lane_reasons": reasons,
            "assessment": orjson.loads(c.assessment) if c.assessment else None}


INSPECTION_DAYS, INSPECTION_DAYS_MAX = 90, 3660


def inspection_days(value: str | int | None) -> int:
    """The hit rates' window in days: INSPECTION_DAYS when not given; a whole number from 1 to INSPECTION_DAYS_MAX,
    else 422 naming `days`."""
    text = str(value).strip() if value is not None else ""
    if not text:
        return INSPECTION_DAYS
    if not (text.isascii() and text.isdigit() and 1 <= int(text[:5]) <= INSPECTION_DAYS_MAX):
        raise ValidationFailed([FieldError("days", f"a whole number of days from 1 to {INSPECTION_DAYS_MAX}",
                                           "invalid")])
    return int(text)


def inspection_results(session: Session, days: int) -> hitrate.HitRates:
    """The hit rates of the parcels received in the last `days` days whose inspection has a result.

    Decision: computed from the inspected parcels themselves (their partial index; the intake stores none), one
    pass in batches, so the figures are never out of step with the decisions. An inspected parcel costs a few
    microseconds here; a national scale's months of them (millions) would want running tallies like the group
    totals, which this page does not keep yet."""
    rows = session.execute(inspected_query(days).execution_options(yield_per=5000))
    return hitrate.hit_rates((r[0], r[1]) for r in rows)


def inspected_query(days: int) -> Select[tuple[str, str | None]]:
    """The stored reasons and results of the parcels received in the last `days` days that have a result."""
    c = Consignment
    return select(c.lane_reasons, c.inspection_result).where(c.inspection_result.is_not(None),
                                                             c.received_at >= utcnow() - timedelta(days=days))


SPLIT_MEMBERS_SHOWN = 200


def split_members(session: Session, group: str) -> tuple[list[Consignment], bool]:
    """The consignments linked to a split group, oldest first, at most SPLIT_MEMBERS_SHOWN; and whether there are
    more (the list filtered by the group shows them all)."""
    limit = SPLIT_MEMBERS_SHOWN
    found = list(session.scalars(select(Consignment).where(Consignment.split_group == group)
                                 .order_by(Consignment.received_at, Consignment.id).limit(limit + 1)))
    return found[:limit], len(found) > limit


def shown_state(value: str) -> tuple[str, int | None] | None:
    """A consignment's state as a page showed it: `status` or `status:lane` (None when it is neither).

    Decision: the status alone can leave and come back while the lane changed (held in lane 2, inspection ordered,
    held again in lane 3), so the console sends both; a state identical to the one shown is taken as shown, whatever
    happened in between (the history shows it)."""
    status, _, lane = value.strip().partition(":")
    if status not in lifecycle.STATUSES or lane not in ("", "1", "2", "3"):
        return None
    return status, int(lane) if lane else None


@dataclass(frozen=True)
class ActionOutcome:
    done: int
    skipped: int  # not in a status the action applies to (or decided by another officer meanwhile)
    more: bool = False  # all matching: more consignments the action applies to remain beyond the cap
    changed: tuple[str, ...] = ()  # the ids of the consignments decided, in the order taken
    outdated: int = 0  # of the skipped: in another state than the one the officer saw (decided meanwhile)


def act(session: Session, *, action: str, reason: str, officer: str, ids: list[str] | None = None,
        filters: dict[str, str] | None = None, seen: dict[str, str] | None = None,
        inspection_result: str | None = None) -> ActionOutcome:
    """Release, order inspection of, or hold the selected consignments (or all matching the filters, capped).

    Each consignment that changes gets its own audit entry; ones in a status the action does not apply to are
    skipped and counted. `seen`: the state each selected consignment had on the officer's page, `status` or
    `status:lane` (see shown_state); one whose state has changed since (another officer held it, say) is skipped
    and counted as outdated, not decided on what the officer did not see.

    `inspection_result` (no_discrepancy | discrepancy) is the finding of the inspection this decision ends: recorded
    on each selected consignment pending inspection (lane 3, none recorded yet; lifecycle.pending_inspection) by a
    release (no discrepancy only) or a hold. A release of a selected consignment pending inspection needs it (422
    naming `inspection_result`); "all matching" records none (a finding is made on each parcel) and releases none
    pending inspection. The caller commits.
    """
    errors: list[FieldError] = []
    if action not in lifecycle.ACTIONS:
        errors.append(FieldError("action", "release, inspect or hold", "invalid"))
    if not reason.strip():
        errors.append(FieldError("reason", "required: say why (it is kept in the audit log)", "missing"))
    if len(reason) > 1000:
        errors.append(FieldError("reason", "at most 1000 characters", "too_long"))
    elif not printable(reason.strip().replace("\r", " ").replace("\n", " ").replace("\t", " ")):
        # As stored (stripped); line breaks and tabs inside are a script's multi-line reason, the rest is refused.
        errors.append(FieldError("reason", "no control or invisible characters", "invalid"))
    ids = list(dict.fromkeys(i.strip() for i in ids or [] if i.strip())) if filters is None else None
    if ids and not all(printable(i) for i in ids):
        errors.append(FieldError("ids", "consignment ids without control or invisible characters", "invalid"))
    cap = get_ecommerce_settings().max_bulk_action
    if not ids and filters is None:
        errors.append(FieldError("ids", "select consignments, or apply to all matching the filter", "missing"))
    elif ids and len(ids) > cap:
        errors.append(FieldError("ids", f"at most {cap} consignments at a time ({len(ids)} selected)", "too_many"))
    shown = {k.strip(): shown_state(v) for k, v in (seen or {}).items()}  # keys as the ids are: stripped
    bad_seen = sorted(k for k, v in shown.items() if v is None)
    if bad_seen:
        errors.append(FieldError(f"seen.{bad_seen[0]}", f"a status ({', '.join(lifecycle.STATUSES)}), or a status "
                                                         "and its lane as status:lane", "invalid"))
    if inspection_result is not None:
        if why := lifecycle.result_problem(action, inspection_result):
            errors.append(FieldError("inspection_result", why, "invalid"))
        elif filters is not None:
            errors.append(FieldError("inspection_result", "recorded on selected consignments only (a finding is "
                                                          "made on each parcel), not on all matching", "scope"))
    if errors:
        raise ValidationFailed(errors)
    allowed, target = lifecycle.ACTIONS[action]
    if filters is not None and filters.get("status") != lifecycle.HELD:
        # Decision: a hold is another officer's decision on that parcel; "all matching" does not lift it unless
        # the filter names the held ones (status=held). Selected by id, a held parcel is released as shown.
        allowed = tuple(s for s in allowed if s != lifecycle.HELD)
    c = Consignment
    stmt = select(c.id, c.status, c.lane, c.manifest_id, c.platform, c.seller_id, c.inspection_result)
    more = False
    # PostgreSQL: the consignments to decide are locked in the order of their ids, as the intake locks the parcels
    # it links into a split group (pipeline.ChunkStore): two decisions, or a decision and an intake, on the same
    # parcels then wait for each other instead of deadlocking (SQLite has one writer; the lock is left out there).
    # FOR NO KEY UPDATE, the lock the UPDATE itself takes: FOR UPDATE would also block the key-share lock of an
    # intake's repeat row naming the parcel, which holds the running totals the decision waits for next.
    dropped = 0
    if ids:
        rows = session.execute(stmt.where(c.id.in_(ids)).order_by(c.id).with_for_update(key_share=True)).all()
        unknown = sorted(set(ids) - {r[0] for r in rows})
        if unknown:  # nothing is decided on a selection that names consignments that do not exist
            raise ValidationFailed([FieldError("ids", f"no such consignment: {', '.join(unknown[:5])}"
                                               + (f" and {len(unknown) - 5} more" if len(unknown) > 5 else ""),
                                               "unknown")])
    else:
        # All matching: the window is taken among the consignments the action applies to (the ones it does not
        # would fill it again at every try), the oldest first; one more tells whether others remain.
        # Every action applies to open consignments only: the index's condition, as written there, lets both
        # databases find them through the status index (migration 0020), which a bound `status IN (...)` alone does
        # not (SQLite scanned the whole table).
        if _seller_on_sqlite(session.get_bind().dialect.name, filters or {}):
            # A seller's, through the seller index (as `_seller_page`): with the open statuses' condition SQLite
            # walked the open list's index (of the lane, when one was given) and checked every row for the seller.
            # Every action's statuses are open ones, so the condition is implied; left out, no partial index of
            # the open ones is a candidate.
            assert set(allowed) <= set(lifecycle.OPEN)
            where = [*_where(filters or {}, seller_index=True), c.status.in_(allowed)]
        else:
            where = [*_where(filters or {}), OPEN_CLAUSE, c.status.in_(allowed)]
        if action == "release":  # the ones pending inspection need a finding of their own (see the docstring)
            where.append(or_(c.lane != 3, c.inspection_result.is_not(None)))
        rows = session.execute(stmt.where(*where).order_by(c.received_at, c.id).limit(cap + 1)).all()
        more = len(rows) > cap
        rows = rows[:cap]
        if rows and session.get_bind().dialect.name == "postgresql":
            # Read again, locked in the order of the ids, with the same conditions: one another officer changed
            # between the two reads (no longer matching, or now pending inspection) is left out, counted as outdated.
            window = len(rows)
            rows = session.execute(stmt.where(c.id.in_([r[0] for r in rows]), *where).order_by(c.id)
                                   .with_for_update(key_share=True)).all()
            dropped = window - len(rows)

    def unchanged(cid: str, status: str, lane: int) -> bool:
        was = shown.get(cid)
        return was is None or (was[0] == status and (was[1] is None or was[1] == lane))

    unresulted = sum(1 for cid, status, lane, *_, recorded in rows
                     if status in allowed and unchanged(cid, status, lane)
                     and lifecycle.needs_result(action, lane, recorded, inspection_result))
    if unresulted:
        raise ValidationFailed([FieldError(
            "inspection_result", f"required to release consignments under inspection ({unresulted} selected): "
                                 f"{lifecycle.NO_DISCREPANCY}, or hold them with the result", "missing")])
    now = utcnow()
    changed: list[tuple[str, str, int, int, str | None]] = []
    outdated = 0
    tally = group_totals.Tally()
    for cid, status, lane, manifest_id, platform, seller_id, recorded in rows:
        if not unchanged(cid, status, lane):
            outdated += 1
            continue
        if status not in allowed:
            continue
        new_lane = max(lane, 3) if action == "inspect" else lane
        finding = inspection_result if action != "inspect" and lifecycle.pending_inspection(lane, recorded) \
            else None
        # The lane read is checked as well as the status: between this read and the update another officer may
        # have ordered inspection (lane 3) and a third held it again; writing the lane read would undo the order.
        # The result read too: a finding recorded meanwhile is not written over.
        same_result = c.inspection_result.is_(None) if recorded is None else c.inspection_result == recorded
        updated = session.execute(update(Consignment)
                                  .where(and_(c.id == cid, c.status == status, c.lane == lane, same_result))
                                  .values(status=target, lane=new_lane, decided_by=officer,
                                          decision_reason=reason.strip(),
                                          released_at=now if target == lifecycle.RELEASED else None,
                                          **({"inspection_result": finding} if finding else {})))
        if updated.rowcount != 1:
            outdated += 1  # another officer decided it meanwhile (PostgreSQL): skipped, its new state may not apply
            continue
        tally.decide(manifest_id, platform, seller_id, (lane, new_lane),
                     (status in lifecycle.OPEN, target in lifecycle.OPEN))
        changed.append((cid, status, lane, new_lane, finding))
    # The running totals before the audit chain's head, as the intake's chunks take them, and both after the
    # consignments (locked in id order above): on PostgreSQL a decision and a chunk committed at the same time then
    # take what they share in one order and wait for each other rather than deadlock.
    group_totals.apply(session.connection(), tally)
    for cid, status, lane, new_lane, finding in changed:
        audit.append(session, actor=f"officer:{officer}", action=f"ecommerce.{action}",
                     entity_type="ecommerce_consignment", entity_id=cid,
                     data={"from_status": status, "to_status": target, "from_lane": lane, "lane": new_lane,
                           "reason": reason.strip(), **({"inspection_result": finding} if finding else {})})
    return ActionOutcome(len(changed), len(rows) + dropped - len(changed), more, tuple(x[0] for x in changed),
                         outdated + dropped)
