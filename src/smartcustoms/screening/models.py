"""Watch-list versions, their entries, and the record of every screening."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from smartcustoms.db import Base, JSONText, UTCDateTime, utcnow


class WatchlistVersion(Base):
    """One load of one list: the files' digest, when, how many entries; one version per list is active."""

    __tablename__ = "watchlist_versions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    list_code: Mapped[str] = mapped_column(String(20), index=True)
    version_label: Mapped[str] = mapped_column(String(80))
    sha256: Mapped[str] = mapped_column(String(64))
    source_files: Mapped[list[Any]] = mapped_column(JSONText)
    entry_count: Mapped[int] = mapped_column(Integer)
    name_count: Mapped[int] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    loaded_by: Mapped[str] = mapped_column(String(120))
    loaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class WatchlistEntry(Base):
    """One listed party of one version, with every name it is listed under."""

    __tablename__ = "watchlist_entries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("watchlist_versions.id", ondelete="CASCADE"), index=True)
    entry_id: Mapped[str] = mapped_column(String(120))
    primary_name: Mapped[str] = mapped_column(Text)
    entity_type: Mapped[str | None] = mapped_column(String(20), nullable=True)
    names: Mapped[list[Any]] = mapped_column(JSONText)
    countries: Mapped[list[Any]] = mapped_column(JSONText)
    birth_dates: Mapped[list[Any]] = mapped_column(JSONText)
    programmes: Mapped[str] = mapped_column(Text, default="")
    digest: Mapped[str] = mapped_column(String(64))


class ScreeningRecord(Base):
    """One screening: who asked, what, which list versions were used, what was found."""

    __tablename__ = "screening_records"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(120))
    query: Mapped[str] = mapped_column(Text)
    country: Mapped[str | None] = mapped_column(String(2), nullable=True)
    date_of_birth: Mapped[str | None] = mapped_column(String(10), nullable=True)
    entity_type: Mapped[str | None] = mapped_column(String(20), nullable=True)
    list_versions: Mapped[dict[str, Any]] = mapped_column(JSONText)
    hit_count: Mapped[int] = mapped_column(Integer)
    hits: Mapped[list[Any]] = mapped_column(JSONText)
