"""E-commerce tables: manifests, consignments, and the per-line results that are not consignments."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from smartcustoms.db import Base, JSONText, UTCDateTime, utcnow
from smartcustoms.ecommerce import lifecycle


class Manifest(Base):
    """One submitted manifest: who sent it, how far it got, and its running totals (updated per chunk)."""

    __tablename__ = "ecommerce_manifests"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    submitter_id: Mapped[int] = mapped_column(ForeignKey("traders.id"), index=True)
    source: Mapped[str] = mapped_column(String(10))  # api | cli
    format: Mapped[str] = mapped_column(String(10))  # jsonl | csv
    filename: Mapped[str | None] = mapped_column(String(300), nullable=True)
    status: Mapped[str] = mapped_column(String(20), index=True)  # receiving | complete | failed
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    lines: Mapped[int] = mapped_column(Integer, default=0)  # input lines with a committed result
    accepted: Mapped[int] = mapped_column(Integer, default=0)
    rejected: Mapped[int] = mapped_column(Integer, default=0)
    repeats: Mapped[int] = mapped_column(Integer, default=0)
    lane1: Mapped[int] = mapped_column(Integer, default=0)
    lane2: Mapped[int] = mapped_column(Integer, default=0)
    lane3: Mapped[int] = mapped_column(Integer, default=0)
    value_jpy: Mapped[int] = mapped_column(BigInteger, default=0)
    duty_jpy: Mapped[int] = mapped_column(BigInteger, default=0)
    tax_jpy: Mapped[int] = mapped_column(BigInteger, default=0)  # duty + consumption tax (national + local)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)  # a per-file error that stopped intake


class Consignment(Base):
    """One accepted low-value consignment with its assessment, lane and release status.

    Written by the intake pipeline with one DBAPI executemany per chunk (ecommerce/pipeline.py); goods and lane
    reasons are JSON text serialised once by the pipeline.
    """

    __tablename__ = "ecommerce_consignments"
    __table_args__ = (
        UniqueConstraint("submitter_id", "parcel_id", name="uq_ecommerce_consignments_parcel"),
        UniqueConstraint("manifest_id", "line_no", name="uq_ecommerce_consignments_line"),
        # The split window's index holds the parcels that have a split key, those within the exemption when stored
        # (migration 0019): the window never looks up another, and its random keys make it the costliest index for a
        # bulk intake to insert into.
        Index("ix_ecommerce_consignments_split", "split_key", "received_at",
              sqlite_where=text("split_key IS NOT NULL"), postgresql_where=text("split_key IS NOT NULL")),
        # Few consignments belong to a split group: a partial index costs the intake nothing for the rest.
        Index("ix_ecommerce_consignments_split_group", "split_group",
              sqlite_where=text("split_group IS NOT NULL"), postgresql_where=text("split_group IS NOT NULL")),
    )

    id: Mapped[str] = mapped_column(String(52), primary_key=True)  # <manifest id>-<line no>
    manifest_id: Mapped[str] = mapped_column(ForeignKey("ecommerce_manifests.id"))
    line_no: Mapped[int] = mapped_column(Integer)
    submitter_id: Mapped[int] = mapped_column(ForeignKey("traders.id"))
    parcel_id: Mapped[str] = mapped_column(String(64))
    platform: Mapped[str] = mapped_column(String(120))
    seller_id: Mapped[str] = mapped_column(String(64), index=True)
    seller_name: Mapped[str] = mapped_column(String(200))
    seller_country: Mapped[str] = mapped_column(String(2))
    seller_registration_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    mail_order: Mapped[bool] = mapped_column(Boolean)
    consignee_name: Mapped[str] = mapped_column(String(200))
    consignee_address: Mapped[str] = mapped_column(String(400))
    consignee_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    delivery_place: Mapped[str] = mapped_column(String(200))
    personal_use: Mapped[bool] = mapped_column(Boolean)
    goods: Mapped[str] = mapped_column(Text)  # JSON list of goods lines as received, values normalised
    value_jpy: Mapped[int] = mapped_column(BigInteger)  # sum of the lines in yen at the weekly rate
    dutiable_value_jpy: Mapped[int] = mapped_column(BigInteger)  # after the personal-use ratio
    duty_jpy: Mapped[int] = mapped_column(BigInteger)
    ct_national_jpy: Mapped[int] = mapped_column(BigInteger)
    ct_local_jpy: Mapped[int] = mapped_column(BigInteger)
    total_tax_jpy: Mapped[int] = mapped_column(BigInteger)
    exempt: Mapped[bool] = mapped_column(Boolean)
    assessment: Mapped[str | None] = mapped_column(Text, nullable=True)  # calc.Assessment JSON when taxed
    lane: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(24))
    lane_reasons: Mapped[str] = mapped_column(Text)  # JSON list
    risk_score: Mapped[float | None] = mapped_column(Float, nullable=True)
    # split.split_key (64-bit, migration 0009); None for a parcel above the exemption when stored (migration 0019)
    split_key: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    split_group: Mapped[str | None] = mapped_column(String(52), nullable=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    decided_by: Mapped[str | None] = mapped_column(String(120), nullable=True)
    decision_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    # no_discrepancy | discrepancy: recorded by the decision that ends a lane-3 parcel's inspection (migration 0018)
    inspection_result: Mapped[str | None] = mapped_column(String(20), nullable=True)


# The officers' list order (lane 3 first, then the oldest): its first page without sorting every match.
Index("ix_ecommerce_consignments_list", Consignment.lane.desc(), Consignment.received_at, Consignment.id)
# The same order over the open consignments only (migration 0011): the open list is `status IN (...)` written as
# this very text (officer.OPEN_CLAUSE), which both databases match to the index's condition.
OPEN_SQL = "status IN (" + ", ".join(f"'{s}'" for s in lifecycle.OPEN) + ")"
Index("ix_ecommerce_consignments_open", Consignment.lane.desc(), Consignment.received_at, Consignment.id,
      sqlite_where=text(OPEN_SQL), postgresql_where=text(OPEN_SQL))
# The statuses of the open consignments only (migration 0020): the released ones, lane 1's at intake and most of the
# rows, are counted from the running totals and listed through the list index (officer.py), so a bulk intake no longer
# writes every row into it. Queries name the open statuses as this very text (officer.OPEN_CLAUSE). In the list order
# after the status (migration 0021): one open status's list is read from it in order, however few its rows are.
Index("ix_ecommerce_consignments_queue", Consignment.status, Consignment.lane.desc(), Consignment.received_at,
      Consignment.id, sqlite_where=text(OPEN_SQL), postgresql_where=text(OPEN_SQL))
# The parcels officers released from lanes 2 and 3 (migration 0022), in the list order: the released list reads lanes 3
# and 2 from it (their counts on both databases, their pages on SQLite; PostgreSQL's planner finds it for the lanes'
# plain queries) and lane 1, where every parcel is released at intake, from the list index. The intake stores none
# (it releases lane 1 only), so it costs the intake nothing. Queries name the condition as this very text.
DECIDED_SQL = f"status = '{lifecycle.RELEASED}' AND lane > 1"
Index("ix_ecommerce_consignments_decided", Consignment.lane.desc(), Consignment.received_at, Consignment.id,
      sqlite_where=text(DECIDED_SQL), postgresql_where=text(DECIDED_SQL))
# The inspected parcels only (the inspection results page): the intake stores none, so it costs the intake nothing.
Index("ix_ecommerce_consignments_inspected", Consignment.received_at,
      sqlite_where=text("inspection_result IS NOT NULL"), postgresql_where=text("inspection_result IS NOT NULL"))


class Rejection(Base):
    """A manifest line that was not accepted, with the field and the reason."""

    __tablename__ = "ecommerce_rejections"
    __table_args__ = (UniqueConstraint("manifest_id", "line_no", name="uq_ecommerce_rejections_line"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    manifest_id: Mapped[str] = mapped_column(ForeignKey("ecommerce_manifests.id"))
    line_no: Mapped[int] = mapped_column(Integer)
    parcel_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    errors: Mapped[str] = mapped_column(Text)  # JSON list of {"field","reason","code"}


class Repeat(Base):
    """A manifest line whose parcel was already accepted: it points at the stored consignment."""

    __tablename__ = "ecommerce_repeats"
    __table_args__ = (UniqueConstraint("manifest_id", "line_no", name="uq_ecommerce_repeats_line"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    manifest_id: Mapped[str] = mapped_column(ForeignKey("ecommerce_manifests.id"))
    line_no: Mapped[int] = mapped_column(Integer)
    consignment_id: Mapped[str] = mapped_column(ForeignKey("ecommerce_consignments.id"))


class GroupTotal(Base):
    """Running totals of the consignments of one manifest, platform or seller, for the officers' overview.

    Kept (ecommerce/totals.py) by the intake with each chunk it stores (one upsert per group in the chunk), by split
    detection when it links stored parcels to a group, and by officers' decisions (inspection moves a consignment
    to lane 3, release takes it out of `open_count`); so the overview reads a row per group rather than
    aggregating every consignment ever received (migration 0010).
    """

    __tablename__ = "ecommerce_group_totals"
    # No index on the overview's order (most open, then largest): the counts change with every chunk, and an
    # index on them made every upsert a new index entry on PostgreSQL (its updates no longer in place): ~15 µs of
    # the server's CPU per consignment. The overview sorts the kind's rows instead (~25,000 sellers at a million
    # consignments: 15 ms).

    kind: Mapped[str] = mapped_column(String(10), primary_key=True)  # manifest | platform | seller
    group_key: Mapped[str] = mapped_column(String(120), primary_key=True)  # the manifest id, platform or seller id
    label: Mapped[str] = mapped_column(String(200))  # the greatest seller name seen (as max() in SQL); else the key
    consignments: Mapped[int] = mapped_column(BigInteger)
    lane1: Mapped[int] = mapped_column(BigInteger)
    lane2: Mapped[int] = mapped_column(BigInteger)
    lane3: Mapped[int] = mapped_column(BigInteger)
    open_count: Mapped[int] = mapped_column(BigInteger)  # in a status that waits for an officer (lifecycle.OPEN)
    split_flagged: Mapped[int] = mapped_column(BigInteger)
    value_jpy: Mapped[int] = mapped_column(BigInteger)
    tax_jpy: Mapped[int] = mapped_column(BigInteger)


class ValueReference(Base):
    """The reference unit values of one HS subheading and unit: the band a parcel's goods line is compared with
    (ecommerce/valueref.py), computed from the lines stored in a window of days by `valueref_service.refresh`
    (`smartcustoms ecommerce value-refs`, migration 0013). A refresh replaces every row."""

    __tablename__ = "ecommerce_value_refs"

    hs6: Mapped[str] = mapped_column(String(6), primary_key=True)
    unit: Mapped[str] = mapped_column(String(3), primary_key=True)
    lines: Mapped[int] = mapped_column(Integer)  # reference lines in the sample the band was computed from
    seen: Mapped[int | None] = mapped_column(BigInteger, nullable=True)  # lines read (0015; null before)
    median_log: Mapped[float] = mapped_column(Float)  # median of the log unit values (yen)
    spread: Mapped[float] = mapped_column(Float)  # MAD × 1.4826 of the log unit values, at least the floor
    window_from: Mapped[date] = mapped_column(Date)  # Japanese dates of the consignments read, inclusive
    window_to: Mapped[date] = mapped_column(Date)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ActionKey(Base):
    """The first answer to an officer's bulk action sent over the API with an `Idempotency-Key`, replayed when the
    same officer retries with the same key (ecommerce/officer_api.py, migration 0014). Keys are the officer's own:
    another officer's same key is another action."""

    __tablename__ = "ecommerce_action_keys"
    __table_args__ = (UniqueConstraint("officer_id", "key", name="uq_ecommerce_action_keys_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    officer_id: Mapped[int] = mapped_column(ForeignKey("officers.id"))
    key: Mapped[str] = mapped_column(String(255))
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    response: Mapped[dict[str, Any]] = mapped_column(JSONText)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ManifestKey(Base):
    """A submitter's `Idempotency-Key` on `POST /api/v1/manifests` and the manifest it names (migration 0017).

    `body_sha256` is set when that manifest's intake ended with its body received whole (complete, or failed for a
    reason the same body would meet again): a retry with the same key and the same body replays its stored results.
    A manifest whose body was cut (connection lost, over the size limit, interrupted) has none, and a retry with the
    key opens a new manifest that the key then names (ecommerce/manifest_keys.py)."""

    __tablename__ = "ecommerce_manifest_keys"
    __table_args__ = (UniqueConstraint("submitter_id", "key", name="uq_ecommerce_manifest_keys_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    submitter_id: Mapped[int] = mapped_column(ForeignKey("traders.id"))
    key: Mapped[str] = mapped_column(String(255))
    manifest_id: Mapped[str] = mapped_column(ForeignKey("ecommerce_manifests.id"))
    body_sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
