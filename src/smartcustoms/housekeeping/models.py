"""The last claimed slot of each scheduled job (one row per job)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from smartcustoms.db import Base, UTCDateTime


class ScheduledRun(Base):
    """Which slot of a job was last claimed, by whom, and how its run ended.

    A server process runs a job's slot only after moving `slot_at` forward to it with one conditional UPDATE, so
    with several processes (uvicorn workers, two servers on one database) exactly one runs it.
    """

    __tablename__ = "scheduled_runs"

    job: Mapped[str] = mapped_column(String(60), primary_key=True)
    slot_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)  # None: running (or died)
    runner: Mapped[str | None] = mapped_column(String(120), nullable=True)  # host and process id
    outcome: Mapped[str | None] = mapped_column(Text, nullable=True)  # what the run did, or why it failed
