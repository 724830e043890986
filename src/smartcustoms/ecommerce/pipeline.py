"""The intake of a manifest, top to bottom: read → check → value and assess → screen → lane → persist → result.

Consignments are handled in chunks. Per chunk: plain-Python reading, checks, assessment and screening outside any
transaction (`Preparer`), then one transaction (`ChunkStore`) that finds repeats, runs split detection against the
stored window, inserts with one executemany (PostgreSQL: COPY), records rejections and repeats, bumps the
manifest's totals and appends one audit entry carrying a digest of the chunk. With a worker process, every other
chunk is prepared and stored there (workers.py); chunks are committed in line order either way. Results are
handed out only after the chunk's transaction committed: an acknowledged consignment is stored.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import cache
from typing import Any, Literal, cast

import orjson
from sqlalchemy import Engine, Table, bindparam, insert, update
from sqlalchemy.orm import Session

from smartcustoms.audit import service as audit
from smartcustoms.db import READ_ONLY, bulk_checkpoints, checkpointing, pg_text_array, utcnow
from smartcustoms.declarations.flows import declaration_date
from smartcustoms.ecommerce import (
    cycle_gc,
    lifecycle,
    manifest_keys,
    parse,
    resend,
    screening,
    stale,
    totals,
    vague,
    valueref,
    valueref_service,
    workers,
)
from smartcustoms.ecommerce.assess import Assessor
from smartcustoms.ecommerce.config import get_ecommerce_settings
from smartcustoms.ecommerce.models import Consignment, Manifest, Rejection, Repeat
from smartcustoms.ecommerce.parse import Item
from smartcustoms.ecommerce.records import Problem, Record, check_record
from smartcustoms.ecommerce.split import Member, SplitHit, SplitTracker, split_key
from smartcustoms.reference.service import rates_on
from smartcustoms.risk import registry, rules
from smartcustoms.risk.service import active_profiles
from smartcustoms.settings import get_settings
from smartcustoms.tariff import calc, tables
from smartcustoms.tariff.service import rates_for

log = logging.getLogger(__name__)
C = Consignment.__table__.c
COLUMNS = ("id", "manifest_id", "line_no", "submitter_id", "parcel_id", "platform", "seller_id", "seller_name",
           "seller_country", "seller_registration_id", "mail_order", "consignee_name", "consignee_address",
           "consignee_id", "delivery_place", "personal_use", "goods", "value_jpy", "dutiable_value_jpy", "duty_jpy",
           "ct_national_jpy", "ct_local_jpy", "total_tax_jpy", "exempt", "assessment", "lane", "status",
           "lane_reasons", "risk_score", "split_key", "split_group", "received_at", "released_at")
# Where each column sits in a prepared row (a list of values in COLUMNS order, bound to the insert as it is).
(_ID, _LINE, _PARCEL, _VALUE, _DUTIABLE, _DUTY, _CT_NATIONAL, _CT_LOCAL, _TOTAL, _EXEMPT, _LANE, _STATUS,
 _LANE_REASONS, _RISK, _SPLIT_KEY, _SPLIT_GROUP, _RECEIVED, _RELEASED, _GOODS, _PLATFORM, _SELLER, _SELLER_NAME) = (
    COLUMNS.index(c) for c in ("id", "line_no", "parcel_id", "value_jpy", "dutiable_value_jpy", "duty_jpy",
                               "ct_national_jpy", "ct_local_jpy", "total_tax_jpy", "exempt", "lane", "status",
                               "lane_reasons", "risk_score", "split_key", "split_group", "received_at",
                               "released_at", "goods", "platform", "seller_id", "seller_name"))
_RELEASE_STATUS = lifecycle.initial_status(rules.LANE_RELEASE)
_OPEN = frozenset(lifecycle.OPEN)
RESULT_COLUMNS = ("id", "line_no", "parcel_id", "lane", "status", "value_jpy", "dutiable_value_jpy", "duty_jpy",
                  "ct_national_jpy", "ct_local_jpy", "total_tax_jpy", "exempt", "split_group")
# A stored parcel met again: its result and what it is compared with (resend.py).
_EXISTING_COLUMNS = RESULT_COLUMNS + tuple(resend.CONTENT)
_CONTENT_AT = tuple((c, COLUMNS.index(c)) for c in resend.CONTENT)


def _content(row: list[Any]) -> dict[str, Any]:
    """A prepared row's content as resend.differences compares it."""
    return {c: row[i] for c, i in _CONTENT_AT}


def new_manifest_id(now: datetime) -> str:
    """Time-ordered manifest id (consignment ids extend it, so inserts append to the primary-key index)."""
    return f"M{now:%Y%m%d%H%M%S}{uuid.uuid4().hex[:10].upper()}"


def accepted_result(row: Any, line_no: int, repeat: bool) -> dict[str, Any]:
    """The result line of an accepted (or repeated) consignment, from its stored columns."""
    out: dict[str, Any] = {
        "line": line_no, "result": "repeat" if repeat else "accepted", "parcel_id": row["parcel_id"],
        "consignment_id": row["id"], "lane": row["lane"], "status": row["status"],
        "value_jpy": row["value_jpy"], "dutiable_value_jpy": row["dutiable_value_jpy"], "duty_jpy": row["duty_jpy"],
        "consumption_tax_jpy": row["ct_national_jpy"] + row["ct_local_jpy"], "total_tax_jpy": row["total_tax_jpy"],
        "exempt": bool(row["exempt"]),
    }
    if row["split_group"]:
        out["split_group"] = row["split_group"]
    if repeat:
        out["first_line"] = row["line_no"]
    return out


def _fresh_result(v: list[Any], line_no: int, repeat: bool) -> dict[str, Any]:
    """accepted_result for a row of this chunk (a prepared row: values in column order)."""
    out: dict[str, Any] = {
        "line": line_no, "result": "repeat" if repeat else "accepted", "parcel_id": v[_PARCEL],
        "consignment_id": v[_ID], "lane": v[_LANE], "status": v[_STATUS], "value_jpy": v[_VALUE],
        "dutiable_value_jpy": v[_DUTIABLE], "duty_jpy": v[_DUTY], "consumption_tax_jpy": v[_CT_NATIONAL] + v[_CT_LOCAL],
        "total_tax_jpy": v[_TOTAL], "exempt": bool(v[_EXEMPT]),
    }
    if v[_SPLIT_GROUP]:
        out["split_group"] = v[_SPLIT_GROUP]
    if repeat:
        out["first_line"] = v[_LINE]
    return out


def rejected_result(line_no: int, parcel_id: str | None, problems: list[Problem]) -> dict[str, Any]:
    """The result line of a rejected manifest line."""
    return {"line": line_no, "result": "rejected", "parcel_id": parcel_id, "errors": problems}


@dataclass(slots=True)
class _Valued:
    """A checked, assessed and screened consignment: its row (every column's value in COLUMNS order, the lane,
    status, reasons, split group and times filled in by the chunk's transaction) and what the lane decision
    needs. Plain values only: it travels from the worker."""

    row: list[Any]
    hits: list[dict[str, Any]]  # the selectivity profiles' hits, as stored (RuleHit.to_dict)
    signal: rules.ScoreSignal | None
    no_rate: dict[str, Any] | None  # the lane-2 hit of goods taxed without a rate, as stored
    rows: tuple[int, ...] | None = None  # CSV: the line of each goods row (a conflict found at store is placed)


def no_rate_hit(codes: Sequence[str]) -> dict[str, Any] | None:
    """The hit that sends goods taxed without a simplified band or tariff rate to lane 2 (None: no such goods)."""
    if not codes:
        return None
    return rules.RuleHit(None, "no rate for the goods", rules.LANE_DOCUMENTS,
                         f"no simplified band or tariff rate for HS {', '.join(codes)}: the officer confirms the duty",
                         {"hs_code": list(codes)}, kind="assessment").to_dict()


def excise_hit(codes: Sequence[str], rule_tables: tables.TariffTables, on: date) -> dict[str, Any]:
    """The hit that sends goods with liquor or tobacco tax due to lane 2: the low-value exemption does not cover
    those taxes and the platform does not compute them (docs/ecommerce.md), so the officer assesses them."""
    taxes = sorted({row.tax for c in codes if (row := rule_tables.excise(c, on)) is not None})
    return rules.RuleHit(None, "liquor or tobacco tax", rules.LANE_DOCUMENTS,
                         f"{' and '.join(taxes)} tax due on HS {', '.join(codes)}, also within the low-value "
                         "exemption: not computed by the platform, the officer assesses it",
                         {"hs_code": list(codes), "tax": taxes}, kind="assessment").to_dict()


def decide(hits: list[dict[str, Any]], score: rules.ScoreSignal | None) -> tuple[int, list[dict[str, Any]]]:
    """`rules.decide_lane` on hits already in their stored form: the lane and the reasons to store (a test
    compares the two)."""
    if score is not None and score.lane > rules.LANE_RELEASE:
        hits = [*hits, rules.RuleHit(None, f"model {score.model_version}", score.lane, score.reason,
                                     {"score": round(score.score, 6)}, kind="model").to_dict()]
    return max([h["lane"] for h in hits], default=rules.LANE_RELEASE), hits


Scope = Callable[[bool], AbstractContextManager[Session]]


def own_sessions(engine: Engine) -> Scope:
    """Sessions of the intake's own: scope(True) is one committed transaction (a chunk), scope(False) a read."""

    reader = engine.execution_options(**{READ_ONLY: True})

    @contextmanager
    def scope(write: bool) -> Iterator[Session]:
        if write:
            with Session(engine) as s, s.begin():
                yield s
        else:
            with Session(reader) as s:
                yield s

    return scope


def borrowed_session(session: Session) -> Scope:
    """The caller's session and transaction (demo seeding): each chunk in a savepoint, the caller commits."""

    @contextmanager
    def scope(write: bool) -> Iterator[Session]:
        if write:
            with session.begin_nested():
                yield session
        else:
            yield session

    return scope


_HELPERS: list[ThreadPoolExecutor] = []


def _helpers() -> ThreadPoolExecutor:
    """One process-wide pool of helper threads (reused threads keep the allocator's arenas few)."""
    if not _HELPERS:
        _HELPERS.append(ThreadPoolExecutor(2, thread_name_prefix="ecommerce-prepare"))
    return _HELPERS[0]


_Prepared = tuple[list[_Valued], list[tuple[int, str | None, list[Problem]]]]


@dataclass(frozen=True, slots=True)
class ModelRef:
    """The active risk model as the prepare step needs it (what model_signals reads of the registry row)."""

    path: str
    version: str
    lane3_share: Any
    lane2_share: Any


@dataclass(frozen=True)
class PrepareSpec:
    """What the checks, assessment and screening of one manifest need; plain data, sent to the worker process."""

    manifest_id: str
    submitter_id: int
    submitter_code: str
    on: date
    secret: str
    max_goods: int
    tables: tables.TariffTables
    profiles: tuple[rules.Profile, ...]
    model: ModelRef | None
    url: str | None  # the database the worker reads weekly rates and tariff lines from (None: in process only)
    # The robust z-score below which a goods line is flagged undervalued (the bands are read by the Preparer).
    undervaluation_z: float = -3.0


class Preparer:
    """Reads, checks, values, assesses and screens the chunks of one manifest (no transaction open).

    The same code runs in the intake's worker process (workers.py) and, for a borrowed session, a database only
    this process can see, or when the worker is gone, in process: the stored rows and results are the same.
    """

    def __init__(self, spec: PrepareSpec, scope: Scope) -> None:
        self.spec, self.scope = spec, scope
        self._tariffs: dict[str, tuple[calc.DutyRate | None, str | None]] = {}
        self._rates: dict[str, Decimal] | None = None
        self._values: valueref.ValueCheck | Literal[False] | None = None  # False: no bands stored
        self.assessor = Assessor(spec.tables, spec.on, self._rate, self._tariff)
        self.screen = screening.Screen(spec.profiles, spec.secret, spec.on)
        self.model = None
        if spec.model is not None:
            try:
                self.model = registry.loaded(spec.model.path, spec.model.version)
            except Exception:  # rules still decide when the artifact cannot be loaded
                self.model = None

    def _rate(self, currency: str) -> Decimal | None:
        # Every currency's rate for the manifest's date in one query, when the first one is asked for.
        if self._rates is None:
            with self.scope(False) as s:
                self._rates = rates_on(s, self.spec.on)
        return self._rates.get(currency)

    def _tariff(self, hs: str) -> tuple[calc.DutyRate | None, str | None]:
        if hs not in self._tariffs:
            self._prefetch({hs})
        return self._tariffs[hs]

    def _prefetch(self, codes: set[str]) -> None:
        """Look up the tariff lines of the codes not met yet, in one query (the schedule's rows under each code's
        subheading decide it alone, so asking for several codes at once gives each the same answer)."""
        todo = sorted(c for c in codes if c not in self._tariffs)
        if not todo:
            return
        with self.scope(False) as s:
            found = rates_for(s, todo, self.spec.on)
        for hs in todo:
            hit = found.get(hs)
            self._tariffs[hs] = (hit[0] if hit else None, found.problems.get(hs))

    def prepare(self, chunk: list[Item]) -> _Prepared:
        """Read, check, value, assess and screen a chunk."""
        spec = self.spec
        rejected: list[tuple[int, str | None, list[Problem]]] = []
        valued: list[_Valued] = []
        for_model: list[dict[str, object]] = []
        mid, sub, on, screen = spec.manifest_id, spec.submitter_id, spec.on, self.screen
        if self._values is None:
            # The value references, read in this process once per refresh (a cheap version query a manifest).
            with self.scope(False) as s:
                bands = valueref_service.bands_for(s)
            self._values = valueref.ValueCheck(bands, spec.undervaluation_z, self._rate) if bands else False
        values = self._values
        checked: list[Record] = []
        rows_of: dict[int, tuple[int, ...]] = {}  # CSV: each consignment's rows, to place its problems
        for it in chunk:
            if it.raw is not None:
                it = parse.decoded(it)
            if it.problems is not None:
                rejected.append((it.line_no, it.parcel_id, it.problems))
                continue
            rec, problems = check_record(it.obj, it.line_no, spec.max_goods)
            if rec is None:
                rejected.append((it.line_no, it.parcel_id,
                                 problems if it.rows is None else parse.csv_places(problems, it.rows)))
                continue
            if it.rows is not None:
                rows_of[rec.line_no] = it.rows
            checked.append(rec)
        # The chunk's tariff lines in one query (a manifest's first chunk met ~25 codes one query at a time).
        self._prefetch({g.hs_code for rec in checked for g in rec.goods if g.hs_code})
        for rec in checked:
            val, problems = self.assessor.assess(rec)
            if val is None:
                rows = rows_of.get(rec.line_no)
                rejected.append((rec.line_no, rec.parcel_id,
                                 problems if rows is None else parse.csv_places(problems, rows)))
                continue
            cid = f"{mid}-{rec.line_no}"
            # In COLUMNS order; lane, status, lane_reasons, split_group and the times are the transaction's.
            row = [cid, mid, rec.line_no, sub, rec.parcel_id, rec.platform, rec.seller_id, rec.seller_name,
                   rec.seller_country, rec.seller_registration_id, rec.mail_order, rec.consignee_name,
                   rec.consignee_address, rec.consignee_id, rec.delivery_place, rec.personal_use,
                   orjson.dumps([g.to_json() for g in rec.goods]).decode(), val.value_jpy, val.dutiable_value_jpy,
                   val.duty_jpy, val.ct_national_jpy, val.ct_local_jpy, val.total_tax_jpy, val.exempt,
                   val.assessment_json, None, None, None, None,
                   # A parcel above the exemption joins no split group: no key, and none in the window's index.
                   split_key(rec.seller_id, rec.consignee_id, rec.consignee_name, rec.consignee_address)
                   if val.within_exemption else None,
                   None, None, None]
            hits = screen.hits(cid, rec, val)
            stored = [h.to_dict() for h in hits] if hits else []
            if val.excise_hs:
                stored.append(excise_hit(val.excise_hs, spec.tables, on))
            if vague_at := vague.vague_lines(rec.goods):
                stored.append(vague.vague_hit(rec.goods, vague_at))
            if values and (low := values.check(rec.goods)):
                stored.append(valueref.value_hit(low))
            valued.append(_Valued(row, stored, None, no_rate_hit(val.no_rate_hs), rows_of.get(rec.line_no)))
            if self.model is not None:
                for_model.append(screening.model_record(cid, on, spec.submitter_code, rec, val))
        if self.model is not None and valued:
            for v, sig in zip(valued, screening.model_signals(self.model, spec.model, for_model), strict=True):
                v.signal = sig
                v.row[_RISK] = sig.score if sig is not None else None
        rejected.sort(key=lambda r: r[0])  # line order, as read
        return valued, rejected


def _worker_url(engine: Engine) -> str | None:
    """The URL another process can open the same database with (None for an in-memory SQLite database)."""
    url = engine.url
    if url.get_backend_name() == "sqlite" and (not url.database or url.database == ":memory:"
                                               or "mode=memory" in str(url)):
        return None
    return url.render_as_string(hide_password=False)


def _bulk_sqlite(engine: Engine, scope: Scope | None) -> bool:
    """Whether an intake on `engine` runs with the worker on a SQLite file: its commits on the application's
    connection then checkpoint only past db.BULK_WAL_PAGES (ChunkStore.bulk, Intake.open and finish)."""
    return (scope is None and engine.dialect.name == "sqlite" and get_ecommerce_settings().workers > 0
            and _worker_url(engine) is not None)


def _app_checkpoints(scope: Scope, manifest_id: str) -> None:
    """The application's connection checkpoints at its own threshold again (another intake of this process
    still running raises it again with its next chunk)."""
    try:
        with scope(False) as s:
            bulk_checkpoints(s.connection(), False)
    except Exception:
        log.exception("WAL checkpoint threshold not restored after manifest %s", manifest_id)


_MIN_SHARED = 100  # a last chunk of fewer than twice this many lines is not split between the two processes


class _ReadAhead:
    """The chunks of a manifest, read one ahead of the one being stored: a per-file error met while reading
    ahead must not cost the chunks read before it their commit, so it is kept and raised once they are stored."""

    def __init__(self, chunks: Iterator[list[Item]]) -> None:
        self.chunks = chunks
        self.failure: Exception | None = None

    def next(self) -> list[Item] | None:
        if self.failure is not None:
            return None
        try:
            return next(self.chunks, None)
        except Exception as exc:
            self.failure = exc
            return None

    def raise_failure(self) -> None:
        if self.failure is not None:
            raise self.failure


class _Race(Exception):
    """A concurrent intake stored one of the chunk's parcels first: redo the chunk's transaction."""


class GiveUp(Exception):
    """A two-step store's chunk before it was not committed (its process ended, or was told not to store it):
    this chunk's transaction is rolled back."""


class Intake:
    """One manifest's intake; create with `open`, feed items with `run`, close with `finish`."""

    def __init__(self, engine: Engine, manifest_id: str, submitter_id: int, submitter_code: str,
                 received_at: datetime, scope: Scope | None = None) -> None:
        self.engine, self.manifest_id = engine, manifest_id
        # A borrowed session cannot be shared with the helper thread: no overlap then.
        self.overlap = scope is None
        self.scope = scope or own_sessions(engine)
        self.submitter_id, self.submitter_code = submitter_id, submitter_code
        self.received_at = received_at
        self.on = declaration_date(received_at)
        self.settings = get_ecommerce_settings()
        with self.scope(False) as s:
            profiles = tuple(active_profiles(s))
            version = registry.active(s)
        model = None if version is None else ModelRef(version.path, version.version, version.lane3_share,
                                                       version.lane2_share)
        self.spec = PrepareSpec(manifest_id, submitter_id, submitter_code, self.on, get_settings().sampling_secret,
                                self.settings.max_goods_lines, tables.load_tables(), profiles, model,
                                _worker_url(engine) if self.overlap and self.settings.workers > 0 else None,
                                self.settings.undervaluation_z)
        self._preparer: Preparer | None = None
        self.store_spec = StoreSpec(manifest_id, submitter_id, f"trader:{submitter_code}", received_at,
                                    self.spec.tables.threshold(tables.LOW_VALUE_EXEMPTION_MAX, self.on),
                                    self.settings.split_window_hours,
                                    self.spec.url is not None and engine.dialect.name == "postgresql")
        # With the worker on a SQLite file, the chunks' commits leave the WAL checkpoints to a thread of this
        # process while the manifest is taken in (db.checkpointing), up to db.BULK_WAL_PAGES.
        self.store = ChunkStore(self.store_spec, self.scope, bulk=_bulk_sqlite(engine, scope))
        self.actor = self.store_spec.actor
        self._bulk_until_finish = False  # see run: SQLite's bulk checkpoint threshold kept for `finish`
        self.chunks = 0  # chunks numbered so far (the audit entry of each committed chunk carries its number)
        self.retry_of: str | None = None  # the manifest this one retries under the same Idempotency-Key (open)
        self.key: str | None = None  # its Idempotency-Key (open)
        # The digest of the whole body once it has all arrived, None when it was not received whole (see finish).
        self.body_digest: Callable[[], str | None] | None = None

    @classmethod
    def open(cls, engine: Engine, submitter_id: int, submitter_code: str, fmt: str, source: str,
             filename: str | None = None, scope: Scope | None = None, key: str | None = None) -> Intake:
        """Record a new manifest (committed at once, status receiving) and prepare its lookups.

        `key`: the submitter's Idempotency-Key, bound to the manifest in the same transaction (manifest_keys): a key
        that names a manifest to replay or one still being received raises KeyReplay or KeyBusy and records
        nothing."""
        now = utcnow()
        mid = new_manifest_id(now)
        # SQLite with the worker: this small commit keeps the bulk threshold, as `finish` does (see run), so it
        # does not copy back the WAL the last manifest's chunks left before this manifest's first chunk.
        bulk = _bulk_sqlite(engine, scope)
        sessions = scope or own_sessions(engine)
        try:
            with sessions(True) as s:
                if bulk:
                    bulk_checkpoints(s.connection(), True)
                retry_of = cls._record(s, now, mid, submitter_id, submitter_code, fmt, source, filename, key)
            intake = cls(engine, mid, submitter_id, submitter_code, now, scope)
            intake.retry_of, intake.key = retry_of, key
            return intake
        finally:
            if bulk:
                _app_checkpoints(sessions, mid)

    @staticmethod
    def _record(s: Session, now: datetime, mid: str, submitter_id: int, submitter_code: str, fmt: str,
                source: str, filename: str | None, key: str | None = None) -> str | None:
        """Record the manifest (and bind its key); the manifest the key named before when this is a retry."""
        # Manifests whose intake stopped without an end (a killed server) are closed as interrupted here,
        # as manifests keep arriving (and by `smartcustoms ecommerce sweep`).
        settings = get_ecommerce_settings()
        stale.mark_interrupted(s, now, timedelta(minutes=settings.interrupted_after_minutes))
        binding = None if key is None else manifest_keys.check(
            s, submitter_id, key, now, timedelta(seconds=settings.key_takeover_seconds), f"trader:{submitter_code}")
        s.add(Manifest(id=mid, submitter_id=submitter_id, source=source, format=fmt,
                       filename=(filename or "")[:300] or None, status=lifecycle.RECEIVING, received_at=now,
                       lines=0, accepted=0, rejected=0, repeats=0, lane1=0, lane2=0, lane3=0, value_jpy=0,
                       duty_jpy=0, tax_jpy=0))
        data: dict[str, Any] = {"format": fmt, "source": source, "filename": filename}
        if binding is not None:
            s.flush()
            manifest_keys.bind(s, submitter_id, binding, mid)
            data["idempotency_key"] = key
            if binding.previous is not None:
                data["retry_of"] = binding.previous
        audit.append(s, actor=f"trader:{submitter_code}", action="ecommerce.manifest_opened",
                     entity_type="ecommerce_manifest", entity_id=mid, data=data)
        return None if binding is None else binding.previous

    # --- the chunks ----------------------------------------------------------------------------------------

    @property
    def preparer(self) -> Preparer:
        """The in-process preparer (made when first needed)."""
        if self._preparer is None:
            self._preparer = Preparer(self.spec, self.scope)
        return self._preparer

    def run(self, items: Iterable[Item]) -> Iterator[list[dict[str, Any]]]:
        """Results per committed chunk, in line order within the chunk; chunks are committed in order.

        With the worker process, chunks go in turn to this process and to the worker, and each prepares and
        stores its own: while this process prepares chunk n, the worker stores chunk n - 1 and then prepares
        n + 1, which it stores once this process has committed n (the chunks' commits stay in line order, so
        split detection sees what a single process would; on PostgreSQL the rows of n + 1 go in as soon as those
        of n are in, and the rest of its transaction waits for the commit of n: two steps, ChunkStore.commit).
        Without a worker (a borrowed session, a database only this process can see) a helper thread prepares the
        next chunk while this one is stored. Results still wait for the commit.
        """
        # The server's are set when its routes are mounted, the CLI's here; the worker's when it starts (cycle_gc.py).
        cycle_gc.tune(self.settings.gc_threshold)
        if not self.overlap:
            for chunk in self._chunks(items):
                yield self.commit(self.prepare(chunk))
            return
        if self.spec.url is None:
            yield from self._run_threaded(items)
            return
        done = False
        try:
            with checkpointing(self.engine):
                yield from self._run_with_worker(items)
            done = True
        finally:
            # A manifest taken in whole keeps the bulk threshold until `finish` has committed: with the
            # application's (db.APP_WAL_PAGES), that one small commit would copy back the whole WAL the chunks
            # left, up to db.BULK_WAL_PAGES, and sync it before the summary (50-130 ms of a 10,000-line manifest's
            # 0.6-0.8 s on SQLite); the checkpointing thread's last checkpoint copies it beside the next work.
            if self.store.bulk and not done:
                self._app_checkpoints()
        self._bulk_until_finish = self.store.bulk

    def _app_checkpoints(self) -> None:
        _app_checkpoints(self.scope, self.manifest_id)

    def _run_threaded(self, items: Iterable[Item]) -> Iterator[list[dict[str, Any]]]:
        ahead = _ReadAhead(self._chunks(items))
        pending: Future[_Prepared] | None = None
        while (chunk := ahead.next()) is not None:
            prepared = _helpers().submit(self.prepare, chunk)
            if pending is not None:
                yield self.commit(pending.result())
            pending = prepared
        if pending is not None:
            yield self.commit(pending.result())
        ahead.raise_failure()

    def _run_with_worker(self, items: Iterable[Item]) -> Iterator[list[dict[str, Any]]]:
        ahead = _ReadAhead(self._chunks(items))
        held: tuple[workers.Job, list[Item], int] | None = None  # sent to the worker, not yet told to store
        storing: tuple[workers.Job, list[Item], int] | None = None  # told to store, results not yet collected
        two_step = self.store_spec.two_step
        said = False  # the worker said it committed the chunk before this one
        refused = False  # the worker was told not to store the chunk `held` (then `storing`): it is stored here

        def let_in() -> None:
            # This chunk's rows are in: the worker's next chunk may put its rows in (two steps).
            if held is not None:
                workers.may_insert(held[0])

        def gate() -> None:
            # The worker's chunk before this one must be committed before this one reads the split window.
            nonlocal said
            if storing is None or said:
                return
            said = workers.committed(storing[0])
            if not said:
                raise GiveUp()

        try:
            current = ahead.next()
            while current is not None:
                self.chunks += 1
                number = self.chunks
                after = ahead.next()
                if after is None and len(current) >= 2 * _MIN_SHARED and workers.ready():
                    # The manifest's last chunk would be this process's alone: the worker takes half of it.
                    current, after = current[:len(current) // 2], current[len(current) // 2:]
                if after is not None:
                    job = self._send(after, number + 1)
                    if job is not None:
                        self.chunks += 1
                        held, after = (job, after, number + 1), None
                before = None
                said = False
                try:
                    prepared = self.prepare(current)  # the worker stores its previous chunk, prepares the next
                    if two_step:
                        if storing is not None and (refused or not workers.inserted(storing[0])):
                            # The worker ended without putting its chunk's rows in, or was told not to store it
                            # (its word that the rows were in may have come before it heard): its outcome first.
                            stored, storing, refused = storing, None, False
                            before = self._collect(*stored)
                        try:
                            results = self.store.commit(prepared, number, inserted=let_in, gate=gate)
                        except GiveUp:
                            # The worker's chunk was put in but not committed (the worker failed or died): its
                            # next chunk, which may have gone in beside this one, must not be stored; the two
                            # chunks go in here, in line order, around this one, once the worker is done with the
                            # next (its rows gone: none of this process's rows may wait for them).
                            if held is not None:
                                workers.release(held[0], False)
                                wait([held[0].future])
                                refused = True
                            assert storing is not None
                            stored, storing = storing, None
                            before = self._collect(*stored)
                            results = self.store.commit(prepared, number)
                    else:
                        said = storing is not None and workers.committed(storing[0])
                        if storing is not None and not said:
                            # The worker ended without committing its chunk (or without saying so): its outcome
                            # first.
                            stored, storing = storing, None
                            before = self._collect(*stored)
                        results = self.store.commit(prepared, number)
                    if storing is not None:
                        # The worker's chunk, committed before this one: its results, read or read back. Should
                        # that fail, both chunks are stored and go unanswered: the error ends the manifest, and
                        # the submitter finds their results by paging them or re-sending (repeats).
                        stored, storing = storing, None
                        before = self._collect(*stored, committed=True)
                except Exception:
                    # The chunk before this one is committed (or being committed, by the worker): its results
                    # still go out, before the error, so every line stored has been answered. The worker's next
                    # chunk must not go in (told first: nothing is yielded while a chunk waits for its word).
                    if held is not None:
                        workers.release(held[0], False)
                        held = None
                    if storing is not None:
                        before = self._collect_after_failure(*storing, committed=said)
                    if before is not None:
                        yield before
                    raise
                del prepared
                if held is not None and not refused:
                    # This chunk is committed: the worker's may go in now (two steps: its rows may be in already;
                    # it reads its split window and commits on this word). Nothing is yielded while a chunk waits
                    # for this word, so a slow reader of the results never keeps the worker waiting. (Told not to
                    # store it, the worker answers None and the chunk is stored here, after this one.)
                    workers.release(held[0], True)
                storing, held = held, None
                if before is not None:
                    yield before
                    del before
                yield results
                del results
                workers.trim()
                current = after if after is not None else ahead.next()
            if storing is not None:
                results = self._collect(*storing)
                storing = None
                yield results
                del results
            workers.trim(now=True)  # between manifests, whatever the count of chunks
        finally:
            if held is not None:  # an error in this process: the worker must not store the chunk after it
                workers.release(held[0], False)
        ahead.raise_failure()

    def _send(self, chunk: list[Item], number: int) -> workers.Job | None:
        """Hand `chunk` to the worker (None: the worker is not there yet, or gone; the chunk stays here)."""
        if not workers.ready():
            return None  # the worker is still starting (a second or two): this process goes on alone meanwhile
        try:
            return workers.submit(self.spec, self.store_spec, number, chunk)
        except BrokenProcessPool:  # a worker died: a new pool starts with a later chunk
            workers.reset()
            return None
        except RuntimeError:  # the pool was shut down or replaced meanwhile (nothing to drop)
            return None

    def _collect(self, job: workers.Job, chunk: list[Item], number: int, committed: bool = False
                 ) -> list[dict[str, Any]]:
        """The results of a chunk the worker stored. When the worker did not answer (it died, failed or gave up
        waiting for its word), the chunk's results are read back if it had committed them, else the chunk is
        prepared and stored here (never when the worker said it `committed` it: the chunk after it may be stored
        already)."""
        try:
            results = job.future.result()
        except BrokenProcessPool:
            workers.reset(job.pool)  # a new worker starts with a later chunk
            results = None
        except Exception:
            # Anything else the worker met (say, the database refused its connection): this chunk here, where
            # a real problem in the chunk shows itself again.
            log.exception("e-commerce worker failed on chunk %s of manifest %s; read back or done in process",
                          number, self.manifest_id)
            results = None
        if results is None:
            stored = self._stored_results(chunk)
            if committed and [r["line"] for r in stored] != [it.line_no for it in chunk]:
                raise RuntimeError(f"chunk {number} of manifest {self.manifest_id} was committed by the worker, "
                                   "but its results could not be read back")
            return stored if stored or committed else self.store.commit(self.prepare(chunk), number)
        return results

    def _collect_after_failure(self, job: workers.Job, chunk: list[Item], number: int, committed: bool = False
                               ) -> list[dict[str, Any]] | None:
        """The results of the worker's chunk when this process failed on the next one (None: not to be had; the
        error at hand is the one to report)."""
        try:
            return self._collect(job, chunk, number, committed)
        except Exception:
            log.exception("results of chunk %s of manifest %s not collected after a failure", number,
                          self.manifest_id)
            return None

    def _stored_results(self, chunk: list[Item]) -> list[dict[str, Any]]:
        """The results of a chunk the worker committed before it failed to answer (it died just after its
        commit), read back; [] when it committed nothing of it. Its lines are the first len(chunk) after the line
        before its first: a later chunk, stored or not, has only lines after them."""
        from smartcustoms.ecommerce.service import results_page

        with self.scope(False) as s:
            return results_page(s, self.manifest_id, chunk[0].line_no - 1, len(chunk))

    def _chunks(self, items: Iterable[Item]) -> Iterator[list[Item]]:
        """The manifest's lines in chunks; the first is half a chunk. Nothing is stored before the first chunk is
        prepared, so a full one kept the other process (its own first chunk prepared) and the stores waiting for
        it at the start of every manifest. Every path chunks alike, so a manifest gets the same results with or
        without the worker process (a split group completed in a later chunk shows on its earlier members' rows,
        not on their results), except at the manifest's end, where the worker path cuts a last chunk of
        2 × _MIN_SHARED lines or more in two."""
        chunk: list[Item] = []
        size = self.settings.chunk_rows
        limit = max(1, size // 2)
        for item in items:
            chunk.append(item)
            if len(chunk) >= limit:
                yield chunk
                chunk = []
                limit = size
        if chunk:
            yield chunk

    def process(self, chunk: list[Item]) -> list[dict[str, Any]]:
        """Check, assess and screen a chunk, then store it in one transaction; its results after commit."""
        return self.commit(self.prepare(chunk))

    def prepare(self, chunk: list[Item]) -> _Prepared:
        """Read, check, value, assess and screen a chunk in this process (no transaction open)."""
        return self.preparer.prepare(chunk)

    def commit(self, prepared: _Prepared) -> list[dict[str, Any]]:
        """Store a prepared chunk (the next in line) in one transaction; its results after the commit."""
        self.chunks += 1
        return self.store.commit(prepared, self.chunks)

    def finish(self, error: Problem | None = None) -> dict[str, Any]:
        """Close the manifest (complete, or failed with a per-file error) and return its summary line.

        A manifest sent with an Idempotency-Key (`body_digest`, set by the API) first waits, outside any
        transaction, for the rest of its body (an early failure stops reading it), and records the body's digest in
        the transaction that closes it: until then it is receiving, so a retry with the key is told to wait, and
        from then on it is replayed (manifest_keys)."""
        digest, key = None, self.key
        if key is not None and self.body_digest is not None and manifest_keys.replayable(error):
            digest = self.body_digest()
        bulk, self._bulk_until_finish = self._bulk_until_finish, False
        try:
            with self.scope(True) as s:
                if bulk:
                    bulk_checkpoints(s.connection(), True)
                if key is not None and digest is not None:
                    manifest_keys.settle(s, self.submitter_id, key, self.manifest_id, digest)
                return self._close(s, error)
        finally:
            if bulk:
                self._app_checkpoints()

    def _close(self, s: Session, error: Problem | None) -> dict[str, Any]:
        m = s.get(Manifest, self.manifest_id)
        assert m is not None
        m.status = lifecycle.FAILED if error else lifecycle.COMPLETE
        m.completed_at = utcnow()
        m.error = orjson.dumps(error).decode() if error else None
        audit.append(s, actor=self.actor, action=f"ecommerce.manifest_{m.status}",
                     entity_type="ecommerce_manifest", entity_id=m.id,
                     data={"lines": m.lines, "accepted": m.accepted, "rejected": m.rejected,
                           "repeats": m.repeats, "tax_jpy": m.tax_jpy, "error": error})
        return summary(m)


_MANIFESTS = cast(Table, Manifest.__table__)
_M = _MANIFESTS.c
# A chunk's totals added to its manifest: built once, on the table (as the audit chain's statements are).
_ADD_TOTALS = update(_MANIFESTS).where(_M.id == bindparam("mid")).values(
    lines=_M.lines + bindparam("n_lines"), accepted=_M.accepted + bindparam("n_accepted"),
    rejected=_M.rejected + bindparam("n_rejected"), repeats=_M.repeats + bindparam("n_repeats"),
    lane1=_M.lane1 + bindparam("n_lane1"), lane2=_M.lane2 + bindparam("n_lane2"), lane3=_M.lane3 + bindparam("n_lane3"),
    value_jpy=_M.value_jpy + bindparam("n_value"), duty_jpy=_M.duty_jpy + bindparam("n_duty"),
    tax_jpy=_M.tax_jpy + bindparam("n_tax"))


@dataclass(frozen=True)
class StoreSpec:
    """What storing the chunks of one manifest needs; plain data, sent to the worker process."""

    manifest_id: str
    submitter_id: int
    actor: str
    received_at: datetime
    exemption_max: int
    split_window_hours: int
    # PostgreSQL with the worker: each chunk's rows go in beside the transaction of the chunk before it, and its
    # split window once that one is committed (ChunkStore.commit's `gate`).
    two_step: bool = False


class ChunkStore:
    """Stores prepared chunks of one manifest, each in one transaction: repeats, split detection, the insert,
    rejections and repeats, the manifest's totals and one audit entry (in this process or in the worker)."""

    def __init__(self, spec: StoreSpec, scope: Scope, bulk: bool = False) -> None:
        self.scope = scope
        self.bulk = bulk  # SQLite, beside db.checkpointing: commits checkpoint only past db.BULK_WAL_PAGES
        self.manifest_id, self.submitter_id, self.actor = spec.manifest_id, spec.submitter_id, spec.actor
        self.received_at, self.exemption_max = spec.received_at, spec.exemption_max
        self.split_window_hours = spec.split_window_hours

    def commit(self, prepared: _Prepared, number: int, committed: Callable[[], None] | None = None, *,
               inserted: Callable[[], None] | None = None, gate: Callable[[], None] | None = None
               ) -> list[dict[str, Any]]:
        """Store prepared chunk `number` in one transaction (redone when a concurrent intake won a parcel); its
        results. `committed` is called once the transaction is committed, before the results are built.

        With a `gate` (PostgreSQL, the intake with its worker) the transaction goes in two steps: the rows go in
        first, lanes given without the split window; then `inserted` is called (the next chunk's rows may go in
        beside these, in its own transaction), `gate` waits until the chunk before this one is committed (it raises
        to give the chunk up: the transaction is rolled back), and the split window is read, the rows it changes
        updated and the totals and the audit entry written. Split detection sees what it sees in one step; the
        insert, most of a chunk's time on the server, is no longer in the chain of transactions that follow one
        another (docs/ecommerce.md: Decisions, and the round of 2026-11-23, third session)."""
        valued, rejected = prepared
        for attempt in range(5):
            try:
                results = self._store(valued, rejected, number, look=attempt > 0, committed=committed,
                                      inserted=inserted, gate=gate)
                break
            except _Race:
                if attempt == 4:
                    raise
        results.sort(key=lambda r: r["line"])
        return results

    def _store(self, valued: list[_Valued], rejected: list[tuple[int, str | None, list[Problem]]], number: int,
               look: bool, committed: Callable[[], None] | None = None, inserted: Callable[[], None] | None = None,
               gate: Callable[[], None] | None = None) -> list[dict[str, Any]]:
        """One try at storing the chunk. Repeats are looked up first when `look` (a try after one that met a stored
        parcel), when the manifest has met repeats before, or when the chunk's first parcel is stored (a re-sent
        manifest); otherwise (a new manifest's parcels, nearly always new) the insert itself finds them: it writes
        fewer rows than given, and the chunk is tried again, looking first. That saves a lookup of every parcel of
        the chunk (an index probe each) on nearly every chunk; a manifest re-sent in part, with a new parcel first
        and stored ones after it, pays one extra try."""
        results: list[dict[str, Any]] = [rejected_result(n, p, e) for n, p, e in rejected]
        with self.scope(True) as s:
            conn = s.connection()
            if self.bulk:
                bulk_checkpoints(conn, True)
            if conn.dialect.name == "postgresql":
                # The chunk's lookups find rows by key. While a bulk intake grows the table faster than autovacuum
                # analyzes it, stale statistics had the split window's query read the whole table: 40-117 ms a
                # chunk, growing with the table, against 6-18 ms by its index (docs/ecommerce.md). Back to the
                # default before the staging table's INSERT … SELECT (a scan of that table is its plan) and at the
                # end (a borrowed session's transaction goes on after this chunk).
                conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
            if not look and valued:
                # The manifest's repeats so far, and whether the chunk's first parcel is stored (a manifest re-sent
                # whole or from where it stopped: then every parcel is looked up at once, with no failed try).
                mark = "?" if conn.dialect.name == "sqlite" else "%s"
                look = bool(conn.exec_driver_sql(
                    f"SELECT (SELECT repeats FROM ecommerce_manifests WHERE id = {mark}) > 0 OR EXISTS "  # noqa: S608
                    f"(SELECT 1 FROM ecommerce_consignments WHERE submitter_id = {mark} AND parcel_id = {mark})",
                    (self.manifest_id, self.submitter_id, valued[0].row[_PARCEL])).scalar())
            existing = self._existing(conn, [v.row[_PARCEL] for v in valued]) if look else {}
            fresh: list[_Valued] = []
            repeats: list[tuple[int, Any]] = []
            seen: dict[str, _Valued] = {}
            conflicts: list[tuple[int, str | None, list[Problem]]] = []
            for v in valued:
                pid = v.row[_PARCEL]
                if pid in existing or pid in seen:
                    ref: Any = existing[pid] if pid in existing else seen[pid]
                    stored, cid = (ref, ref["id"]) if pid in existing else (_content(ref.row), ref.row[_ID])
                    if v.rows is not None and cid.startswith(f"{self.manifest_id}-"):
                        # CSV rows of one parcel apart from each other in one manifest: never a re-send, whatever
                        # they hold (identical rows were a repeat, and the parcel stored with part of its goods).
                        first = stored["line_no"] if pid in existing else ref.row[_LINE]
                        problems = [resend.rows_apart(pid, first, v.row[_LINE])]
                    else:
                        differ = resend.differences(_content(v.row), stored)
                        # The same parcel id with other content: not a re-send (resend.py).
                        problems = [resend.conflict(pid, cid, differ)] if differ else []
                    if problems:
                        conflicts.append((v.row[_LINE], pid, problems if v.rows is None
                                          else parse.csv_places(problems, v.rows)))
                    else:
                        repeats.append((v.row[_LINE], ref))
                else:
                    seen[pid] = v
                    fresh.append(v)
            if conflicts:
                results += [rejected_result(n, p, e) for n, p, e in conflicts]
                rejected = rejected + conflicts
            received = _received_processor(conn.dialect)(self.received_at)
            # PostgreSQL always stores in two steps, rows first and the split window after (with no gate when the
            # chunk is stored alone): a store then holds the split window's locks only once its rows are in, so no
            # store holding them can wait for another's rows (see _lock_split_keys).
            two_step = gate is not None or conn.dialect.name == "postgresql"
            rows, links = self._rows(conn, fresh, received, window=not two_step)
            if rows:
                # The prepared rows are the insert's parameters as they are (values in column order).
                if conn.dialect.name == "postgresql":
                    written = _copy_insert(conn, rows, look)
                else:
                    cur = conn.connection.cursor()
                    try:
                        cur.executemany(_insert_sql(conn.dialect.name), rows)
                        written = cur.rowcount
                    finally:
                        cur.close()
                if written != len(rows):
                    raise _Race()
            if two_step:
                if inserted is not None:
                    inserted()
                if gate is not None:
                    gate()
                links = self._settle(conn, fresh, rows, received)
            tally = self._tally(rows)
            if links:
                linked = [cid for ids in links.values() for cid in ids]
                for member, params, _ in _members(conn, "id", linked):
                    # Stored parcels flagged for the first time count once in their groups' split totals. PostgreSQL:
                    # every parcel linked is locked (FOR NO KEY UPDATE, the lock its UPDATE takes anyway) in the
                    # order of its id, as an officer's decision locks them (officer.act), so that a concurrent intake
                    # linking the same parcel waits and then finds it flagged, and a decision on the same parcels
                    # waits rather than deadlocks (in the order the rows were stored, line 10 came before line 9 on
                    # one side and after it on the other).
                    lock = " ORDER BY id FOR NO KEY UPDATE" if conn.dialect.name == "postgresql" else ""
                    sql = ("SELECT split_group, manifest_id, platform, seller_id "  # noqa: S608
                           f"FROM ecommerce_consignments WHERE {member}{lock}")
                    for was, manifest_id, platform, seller_id in conn.exec_driver_sql(sql, tuple(params)):
                        if was is None:
                            tally.flag_split(manifest_id, platform, seller_id)
                mark = "?" if conn.dialect.name == "sqlite" else "%s"
                conn.exec_driver_sql(
                    f"UPDATE ecommerce_consignments SET split_group = {mark} WHERE id = {mark}",  # noqa: S608
                    [(group, cid) for group, ids in links.items() for cid in ids])
            totals.apply(conn, tally)
            if repeats:
                conn.execute(insert(Repeat), [
                    {"manifest_id": self.manifest_id, "line_no": line_no,
                     "consignment_id": ref.row[_ID] if isinstance(ref, _Valued) else ref["id"]}
                    for line_no, ref in repeats])
            if rejected:
                conn.execute(insert(Rejection), [
                    {"manifest_id": self.manifest_id, "line_no": n, "parcel_id": p,
                     "errors": orjson.dumps(e).decode()} for n, p, e in rejected])
            self._totals(conn, rows, len(repeats), len(rejected))
            audit.append(s, actor=self.actor, action="ecommerce.chunk_committed", entity_type="ecommerce_manifest",
                         entity_id=self.manifest_id, data=self._chunk_audit(number, rows, len(repeats), rejected))
            if conn.dialect.name == "postgresql":
                conn.exec_driver_sql("SET LOCAL enable_seqscan TO DEFAULT")
        if committed is not None:
            committed()
        # The results are built after the commit (and after the worker's word back that it committed).
        results += [_fresh_result(r, r[_LINE], False) for r in rows]
        results += [_fresh_result(ref.row, line_no, True) if isinstance(ref, _Valued)  # met earlier in this chunk
                    else accepted_result(ref, line_no, True) for line_no, ref in repeats]
        return results

    def _existing(self, conn: Any, parcel_ids: list[str]) -> dict[str, Any]:
        if not parcel_ids:
            return {}
        found: dict[str, Any] = {}
        names = ", ".join(_EXISTING_COLUMNS)
        for member, params, mark in _members(conn, "parcel_id", parcel_ids):
            # Fixed column names and placeholders only: the parcel ids are bound.
            sql = (f"SELECT {names} FROM ecommerce_consignments "  # noqa: S608
                   f"WHERE submitter_id = {mark} AND {member}")
            for row in conn.exec_driver_sql(sql, (self.submitter_id, *params)):
                rec = dict(zip(_EXISTING_COLUMNS, row, strict=True))
                rec["exempt"] = bool(rec["exempt"])
                found[rec["parcel_id"]] = rec
        return found

    def _rows(self, conn: Any, fresh: list[_Valued], received: Any, window: bool = True
              ) -> tuple[list[list[Any]], dict[str, list[str]]]:
        """The chunk's rows with split groups, lanes, statuses and times (`received`: received_at as bound); split
        detection against the parcels stored within the window when `window`, else within the chunk only (the
        first step of a two-step store: `_settle` does the rest)."""
        tracker = SplitTracker(self.exemption_max, _SPLIT_GROUP)
        if window:
            self._preload_window(conn, tracker, {v.row[_SPLIT_KEY] for v in fresh
                                                 if v.row[_DUTIABLE] <= self.exemption_max})
        rows: list[list[Any]] = []
        links: dict[str, list[str]] = {}
        for v in fresh:
            v.row[_SPLIT_GROUP] = None  # a redone transaction starts again from the prepared columns
        lane1_released = received if lifecycle.RELEASED == _RELEASE_STATUS else None
        for v in fresh:
            row = v.row
            row[_RECEIVED] = received
            hit = (tracker.add(row[_SPLIT_KEY], row[_ID], row[_DUTIABLE], row)
                   if row[_DUTIABLE] <= self.exemption_max else None)
            self._decide(v, hit, received, lane1_released, links)
            rows.append(row)
        return rows, links

    def _decide(self, v: _Valued, hit: SplitHit | None, received: Any, lane1_released: Any,
                links: dict[str, list[str]]) -> None:
        """A row's lane, status, reasons and release from its hits and its split hit (links: stored parcels the
        hit links to its group)."""
        row = v.row
        if not v.hits and hit is None and v.no_rate is None and (v.signal is None
                                                                  or v.signal.lane <= rules.LANE_RELEASE):
            # What decide_lane gives without a hit (most parcels).
            row[_LANE], row[_STATUS], row[_LANE_REASONS] = rules.LANE_RELEASE, _RELEASE_STATUS, "[]"
            row[_RELEASED] = lane1_released
            return
        hits = list(v.hits)
        if hit is not None:
            row[_SPLIT_GROUP] = hit.group
            hits.append(_split_hit(hit, self.exemption_max).to_dict())
            if hit.newly_linked:
                links.setdefault(hit.group, []).extend(hit.newly_linked)
        if v.no_rate is not None:
            hits.append(v.no_rate)
        lane, reasons = decide(hits, v.signal)
        row[_LANE] = lane
        row[_STATUS] = lifecycle.initial_status(lane)
        # No hit: stored as [] and shown as "no selectivity profile matched" (a fifth of the row otherwise).
        row[_LANE_REASONS] = orjson.dumps(reasons).decode() if reasons else "[]"
        row[_RELEASED] = received if row[_STATUS] == lifecycle.RELEASED else None

    def _preload_window(self, conn: Any, tracker: SplitTracker, keys: set[int],
                        own: tuple[int, int] | None = None) -> None:
        """The parcels within the threshold stored within the window under `keys`; `own`: the first and last line
        of this chunk's rows, inserted already in this transaction and left out (only this chunk has lines of this
        manifest between them: the chunks before it have earlier lines, the ones after it are not visible)."""
        if not keys:
            return
        if conn.dialect.name == "postgresql":
            _lock_split_keys(conn, keys)
        # Both ways: a parcel received later than this manifest (its intake ran first: another server's clock, a
        # manifest still streaming) is in the window only within the same hours after it.
        cutoff, until = (_received_processor(conn.dialect)(self.received_at + sign * timedelta(
            hours=self.split_window_hours)) for sign in (-1, 1))
        for member, params, mark in _members(conn, "split_key", sorted(keys)):
            sql = window_sql(member, mark, own is not None)
            args = (*params, cutoff, until, self.exemption_max, *((self.manifest_id, *own) if own else ()))
            for key, cid, value, group in conn.exec_driver_sql(sql, args):
                tracker.preload(key, Member(cid, int(value), group))

    def _settle(self, conn: Any, fresh: list[_Valued], rows: list[list[Any]], received: Any
                ) -> dict[str, list[str]]:
        """The second step of a two-step store: split detection against the window, now that the chunk before
        this one is committed; the links to stored parcels. Only the chunk's rows within the threshold whose key
        has parcels stored within the window can come out otherwise than in the first step (keys do not meet):
        they are decided again, in line order, and those whose lane, status, reasons, split group or release changes are
        updated. Most chunks update a handful of rows or none."""
        tracker = SplitTracker(self.exemption_max, _SPLIT_GROUP)
        within = [v for v in fresh if v.row[_DUTIABLE] <= self.exemption_max]
        if within:
            self._preload_window(conn, tracker, {v.row[_SPLIT_KEY] for v in within},
                                 (min(r[_LINE] for r in rows), max(r[_LINE] for r in rows)))
        links: dict[str, list[str]] = {}
        if not tracker.members:
            return links
        again = [v for v in within if v.row[_SPLIT_KEY] in tracker.members]
        before = [(v.row[_LANE], v.row[_STATUS], v.row[_LANE_REASONS], v.row[_SPLIT_GROUP], v.row[_RELEASED])
                  for v in again]
        for v in again:
            v.row[_SPLIT_GROUP] = None
        lane1_released = received if lifecycle.RELEASED == _RELEASE_STATUS else None
        for v in again:
            row = v.row
            self._decide(v, tracker.add(row[_SPLIT_KEY], row[_ID], row[_DUTIABLE], row), received,
                         lane1_released, links)
        changed = [(r[_LANE], r[_STATUS], r[_LANE_REASONS], r[_SPLIT_GROUP], r[_RELEASED], r[_ID])
                   for r, b in ((v.row, b) for v, b in zip(again, before, strict=True))
                   if (r[_LANE], r[_STATUS], r[_LANE_REASONS], r[_SPLIT_GROUP], r[_RELEASED]) != b]
        if changed:
            mark = "?" if conn.dialect.name == "sqlite" else "%s"
            conn.exec_driver_sql(
                f"UPDATE ecommerce_consignments SET lane = {mark}, status = {mark}, lane_reasons = {mark}, "  # noqa: S608
                f"split_group = {mark}, released_at = {mark} WHERE id = {mark}", changed)
        return links

    def _tally(self, rows: list[list[Any]]) -> totals.Tally:
        """The chunk's additions to its manifest's, platforms' and sellers' running totals (officers' overview).

        One loop over the rows (~1.1 µs a row measured alone): a chunk of 2,000 names ~800-950 groups, nearly all
        sellers; their upserts cost ~5 µs a consignment more (`totals.apply`)."""
        tally = totals.Tally()
        if not rows:
            return tally
        platforms: dict[str, list[Any]] = {}
        sellers: dict[str, list[Any]] = {}
        lanes = [0, 0, 0, 0]
        opened = split = value = tax = 0
        open_statuses = _OPEN
        for r in rows:
            lane, v, t = r[_LANE], r[_VALUE], r[_TOTAL]
            w = r[_STATUS] in open_statuses
            f = r[_SPLIT_GROUP] is not None
            lanes[lane] += 1
            opened += w
            split += f
            value += v
            tax += t
            g = platforms.get(r[_PLATFORM])
            if g is None:
                g = platforms[r[_PLATFORM]] = [r[_PLATFORM], 0, 0, 0, 0, 0, 0, 0, 0]
            g[1] += 1
            g[1 + lane] += 1
            g[5] += w
            g[6] += f
            g[7] += v
            g[8] += t
            g = sellers.get(r[_SELLER])
            if g is None:
                g = sellers[r[_SELLER]] = [r[_SELLER_NAME], 0, 0, 0, 0, 0, 0, 0, 0]
            elif r[_SELLER_NAME] > g[0]:
                g[0] = r[_SELLER_NAME]
            g[1] += 1
            g[1 + lane] += 1
            g[5] += w
            g[6] += f
            g[7] += v
            g[8] += t
        groups = tally.groups
        groups[("manifest", self.manifest_id)] = [self.manifest_id, len(rows), *lanes[1:], opened, split, value, tax]
        groups.update((("platform", k), g) for k, g in platforms.items())
        groups.update((("seller", k), g) for k, g in sellers.items())
        return tally

    def _totals(self, conn: Any, rows: list[list[Any]], repeats: int, rejected: int) -> None:
        lanes = [0, 0, 0, 0]
        value = duty = tax = 0
        for r in rows:
            lanes[r[_LANE]] += 1
            value += r[_VALUE]
            duty += r[_DUTY]
            tax += r[_TOTAL]
        conn.execute(_ADD_TOTALS, {
            "mid": self.manifest_id, "n_lines": len(rows) + repeats + rejected, "n_accepted": len(rows),
            "n_rejected": rejected, "n_repeats": repeats, "n_lane1": lanes[1], "n_lane2": lanes[2],
            "n_lane3": lanes[3], "n_value": value, "n_duty": duty, "n_tax": tax})

    def _chunk_audit(self, number: int, rows: list[list[Any]], repeats: int,
                     rejected: list[tuple[int, str | None, list[Problem]]]) -> dict[str, Any]:
        # One line per row: id|parcel|lane|total tax|goods (hashing the lines joined is hashing them one by one).
        digest = hashlib.sha256("".join([f"{r[_ID]}|{r[_PARCEL]}|{r[_LANE]}|{r[_TOTAL]}|{r[_GOODS]}\n"
                                         for r in rows]).encode())
        lines = [r[_LINE] for r in rows] + [n for n, _, _ in rejected]
        return {"chunk": number, "first_line": min(lines, default=None), "last_line": max(lines, default=None),
                "accepted": len(rows), "repeats": repeats, "rejected": len(rejected),
                "tax_jpy": sum(r[_TOTAL] for r in rows), "rows_sha256": digest.hexdigest()}


def summary(m: Manifest) -> dict[str, Any]:
    """The manifest's summary line (also GET /api/v1/manifests/{id})."""
    out: dict[str, Any] = {
        "result": "summary", "manifest_id": m.id, "status": m.status, "format": m.format,
        "received_at": m.received_at.isoformat(),
        "completed_at": m.completed_at.isoformat() if m.completed_at else None,
        "lines": m.lines, "accepted": m.accepted, "rejected": m.rejected, "repeats": m.repeats,
        "lanes": {"1": m.lane1, "2": m.lane2, "3": m.lane3}, "value_jpy": m.value_jpy, "duty_jpy": m.duty_jpy,
        "tax_jpy": m.tax_jpy,
    }
    if m.error:
        out["error"] = orjson.loads(m.error)
    return out


SPLIT_LOCKS = 64  # PostgreSQL: advisory locks the split window's keys are hashed into (see _lock_split_keys)
# The advisory lock class of the split window (two-integer form): "SPLW" in ASCII.
_SPLIT_LOCK_CLASS = int.from_bytes(b"SPLW", "big")


def _lock_split_keys(conn: Any, keys: set[int]) -> None:
    """PostgreSQL: hold the chunk's split keys until its transaction ends, so that two intakes storing parcels of the
    same seller and consignee at the same time see each other. Without it each read the window before the other had
    committed and both parcels were released (a probe: 175 of 200 pairs sent by two carriers at once). The second
    waits here for the first's commit, then reads the window with the first's parcel in it. SQLite needs nothing:
    a chunk's transaction holds the database's one write lock from its start.

    The keys are hashed into SPLIT_LOCKS transaction-level advisory locks (two-integer form, apart from the
    platform's one-integer locks), taken in ascending order, so that two stores never wait for each other's locks
    and a chunk of 2,000 parcels holds at most 64 entries of the server's shared lock table: one lock per key
    (~1,900 a chunk) filled a default server's table with seven intakes at once ("out of shared memory"). A small
    manifest takes a few locks and rarely waits; large chunks of two intakes wait for each other from the window
    read to the commit, which is a short part of a chunk (the audit chain's head already orders every writer's
    commit). Every store on PostgreSQL takes them after its rows went in (`ChunkStore._store`), so a store holding
    them never waits for another store's uncommitted rows: a re-sent manifest racing its original, whose insert
    waits for the original's rows, holds none while it waits."""
    buckets = sorted({k % SPLIT_LOCKS for k in keys})
    conn.exec_driver_sql(
        "SELECT count(pg_advisory_xact_lock(%s, b)) FROM unnest(%s::int[]) AS t(b)", (_SPLIT_LOCK_CLASS, buckets))



def window_sql(member: str, mark: str, own: bool) -> str:
    """The split window's query: the parcels under the keys of `member` (_members) received between two times,
    within a threshold, less a line range of one manifest when `own`. `split_key IN (...)` / `= ANY(...)` implies
    the condition of the window's partial index (split_key IS NOT NULL, migration 0019), so both databases use it."""
    # Fixed column names and placeholders only: the keys are bound.
    return ("SELECT split_key, id, dutiable_value_jpy, split_group FROM ecommerce_consignments "  # noqa: S608
            f"WHERE {member} AND received_at >= {mark} AND received_at <= {mark} "
            f"AND dutiable_value_jpy <= {mark} "
            + (f"AND NOT (manifest_id = {mark} AND line_no BETWEEN {mark} AND {mark}) " if own else "")
            + "ORDER BY received_at, id")


def _split_hit(hit: SplitHit, threshold: int) -> rules.RuleHit:
    return rules.RuleHit(None, "split shipment", rules.LANE_DOCUMENTS, hit.reason(threshold),
                         {"group": hit.group, "combined_value_jpy": hit.combined_value_jpy,
                          "members": hit.members[:50]}, kind="split")


_SQL: dict[str, str] = {}


def _members(conn: Any, column: str, values: Sequence[str] | Sequence[int], size: int = 4000, step: int = 250
             ) -> Iterator[tuple[str, list[Any], str]]:
    """"`column` is one of `values`" as statements can bind it: (the condition, its parameters, one placeholder).

    PostgreSQL: one condition `column = ANY(%s::text[])` (integers: `bigint[]`) with the values as one array (a
    chunk's two lookups took 53-65 ms that way against 68-85 ms as IN lists of 2,000 parameters, which the server
    parses and plans value by value), bound as one text literal (`pg_text_array`). SQLite: `column IN (?, ...)`
    in parts small enough for one statement's parameters, each padded with its last value to a multiple of
    `step` (IN ignores the repeats): a chunk's lookups then come in a few statement shapes, which the driver's
    statement cache keeps, instead of one prepared statement of up to 4,000 parameters per count met (SQLite's
    cache of 128 statements grew the process by ~30 MB)."""
    if conn.dialect.name == "postgresql":
        if values and type(values[0]) is int:  # the split window's keys
            yield f"{column} = ANY(%s::bigint[])", ["{" + ",".join(map(str, values)) + "}"], "%s"
        else:
            yield f"{column} = ANY(%s::text[])", [pg_text_array(cast(list[str], values))], "%s"
        return
    for i in range(0, len(values), size):
        part: list[Any] = list(values[i:i + size])
        part += part[-1:] * (-len(part) % step)
        yield f"{column} IN ({', '.join(['?'] * len(part))})", part, "?"


def _copy_insert(conn: Any, params: list[list[Any]], looked: bool) -> int:
    """PostgreSQL: the rows written (fewer when a parcel was stored already).

    The rows are COPied straight into the table inside a savepoint. When the unique key refuses one (that COPY
    fails whole), the savepoint is rolled back. Without a lookup first (`looked` False) that is all: nothing is
    written and the caller tries again, looking first. After a lookup in this transaction, a parcel can only
    clash with one a concurrent intake stores (the COPY waits for the other transaction and then fails): the chunk
    goes again through a per-connection staging table and one INSERT … SELECT … ON CONFLICT DO NOTHING, which
    skips what the other intake stored; the caller then redoes the chunk with those parcels as repeats."""
    from psycopg import errors

    names = ", ".join(COLUMNS)
    cur = conn.connection.dbapi_connection.cursor()
    try:
        cur.execute("SAVEPOINT ecommerce_copy")
        try:
            # Fixed column names only: the rows travel as COPY data.
            _copy_rows(cur, f"COPY ecommerce_consignments ({names}) FROM STDIN (FORMAT BINARY)", params)
        except errors.UniqueViolation:
            cur.execute("ROLLBACK TO SAVEPOINT ecommerce_copy")
            if not looked:
                return 0
        else:
            cur.execute("RELEASE SAVEPOINT ecommerce_copy")
            return len(params)
        cur.execute("SET LOCAL enable_seqscan TO DEFAULT")  # the staging table is read whole (ChunkStore._store)
        cur.execute("CREATE TEMPORARY TABLE IF NOT EXISTS ecommerce_consignments_stage "
                    "(LIKE ecommerce_consignments) ON COMMIT DELETE ROWS")
        _copy_rows(cur, f"COPY ecommerce_consignments_stage ({names}) FROM STDIN (FORMAT BINARY)", params)
        cur.execute(f"INSERT INTO ecommerce_consignments ({names}) SELECT {names} "  # noqa: S608
                    "FROM ecommerce_consignments_stage ON CONFLICT DO NOTHING")
        written = int(cur.rowcount)
        cur.execute("TRUNCATE ecommerce_consignments_stage")
        # The rest of the chunk (split window, links) finds rows by key again, as before the staging table.
        cur.execute("SET LOCAL enable_seqscan = off")
        return written
    finally:
        cur.close()


# PostgreSQL's name of each column type, for COPY in binary form (the rows' values are of exactly these types).
_PG_TYPES = {"VARCHAR": "varchar", "TEXT": "text", "INTEGER": "int4", "BIGINT": "int8", "BOOLEAN": "bool",
             "FLOAT": "float8", "TIMESTAMP WITH TIME ZONE": "timestamptz"}


@cache
def copy_types() -> list[str]:
    """The PostgreSQL types of COLUMNS, in order (a column of another type fails here, not in a COPY)."""
    from sqlalchemy.dialects import postgresql

    dialect = postgresql.dialect()  # type: ignore[no-untyped-call]
    return [_PG_TYPES[str(C[c].type.compile(dialect=dialect)).split("(")[0]] for c in COLUMNS]


def _copy_rows(cur: Any, sql: str, params: list[list[Any]]) -> None:
    """COPY the rows in binary form: the driver formats a row ~4x faster than as text (3 against 13-19 µs of
    CPU per consignment) and the server parses it faster too (a COPY of 10,000 rows: 26 against 36 µs a row)."""
    with cur.copy(sql) as copy:
        copy.set_types(copy_types())
        for row in params:
            copy.write_row(row)


def _insert_sql(dialect: str) -> str:
    if dialect not in _SQL:
        mark = "?" if dialect == "sqlite" else "%s"
        names, marks = ", ".join(COLUMNS), ", ".join([mark] * len(COLUMNS))
        # Fixed column names only: no input reaches the statement text.
        _SQL[dialect] = f"INSERT INTO ecommerce_consignments ({names}) VALUES ({marks}) ON CONFLICT DO NOTHING"  # noqa: S608
    return _SQL[dialect]


def _received_processor(dialect: Any) -> Any:
    """The dialect's own conversion (on SQLite the same text the ORM writes, not the sqlite3 adapter's)."""
    proc = C.received_at.type.dialect_impl(dialect).bind_processor(dialect)
    return proc or (lambda v: v)


