"""E-commerce intake settings (env prefix SMARTCUSTOMS_ECOMMERCE_), kept beside the domain that reads them."""

from __future__ import annotations

from functools import lru_cache
from typing import Annotated

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from smartcustoms.ecommerce.cycle_gc import PYTHONS_YOUNGEST
from smartcustoms.housekeeping.slots import time_of_day


class EcommerceSettings(BaseSettings):
    """Limits and windows of manifest intake; every field can be set as SMARTCUSTOMS_ECOMMERCE_<NAME>."""

    model_config = SettingsConfigDict(env_prefix="SMARTCUSTOMS_ECOMMERCE_", extra="ignore")

    # Consignments committed (and acknowledged) together; one transaction and one audit entry per chunk. Smaller
    # chunks keep the two processes of the intake in step and memory low (benchmark: 1,000-2,500 as fast as 5,000).
    chunk_rows: Annotated[int, Field(ge=1)] = 2000
    # A manifest larger than this is refused (413 when announced, a per-file error line when streamed past it).
    max_manifest_bytes: Annotated[int, Field(ge=1)] = 2 * 1024**3
    # One JSON line / CSV record larger than this is rejected on its own (the rest of the file goes on).
    max_line_bytes: Annotated[int, Field(ge=1)] = 64 * 1024
    max_goods_lines: Annotated[int, Field(ge=1)] = 100
    # Split-shipment window: parcels of one seller to one consignee received within it are looked at together.
    # 0: only parcels received at the same moment (one manifest) are looked at together; at most a year.
    split_window_hours: Annotated[int, Field(ge=0, le=24 * 366)] = 72
    # Officer bulk actions act on at most this many consignments per click (each is audited).
    max_bulk_action: Annotated[int, Field(ge=1)] = 5000
    # Worker processes that read, check, assess and screen chunks while this process stores the previous one
    # (one process-wide pool, started with the first manifest; 0: a helper thread in process instead).
    workers: Annotated[int, Field(ge=0)] = 1
    # Python's cycle collector in the intake's processes, the server's included (every request shares it): the
    # youngest generation is collected after this many new container objects, each older one after
    # cycle_gc.OLDER_AFTER collections of the one below (Python's own: 700, 10, 10). 0 leaves Python's thresholds;
    # 1-699 is refused (it would collect more often than Python does). The intake's objects are freed by reference
    # counting; these thresholds cut its CPU per consignment by 9-22 % (ecommerce/cycle_gc.py).
    gc_threshold: Annotated[int, Field(ge=0)] = 20_000
    # A manifest still receiving with nothing committed for this long is marked interrupted (its server was
    # killed or its connection lost); checked when a manifest is opened and by `smartcustoms ecommerce sweep`.
    interrupted_after_minutes: Annotated[int, Field(ge=1)] = 30
    # A manifest retried with its Idempotency-Key while still receiving, with nothing committed for this long, is
    # marked interrupted by the retry and the key moves to the retry's manifest (ecommerce/manifest_keys.py): its
    # sender has given up on it, so a live server would have ended it (connection lost) by then.
    key_takeover_seconds: Annotated[int, Field(ge=1)] = 120
    # An Idempotency-Key (manifests, officers' actions) answers retries of its request for this many days, then is
    # removed (every hour by the server, and by `smartcustoms ecommerce sweep`); 0 keeps every key
    # (ecommerce/key_expiry.py).
    idempotency_key_days: Annotated[int, Field(ge=0, le=3660)] = 30
    # The undervaluation signal (ecommerce/valueref.py): a goods line whose unit value's robust z-score against the
    # band of its HS subheading and unit is below this cut sends the parcel to lane 2. The bands come from the lines
    # stored in the last value_ref_days days (`smartcustoms ecommerce value-refs`), at least value_ref_min_lines
    # lines each, a sample of at most value_ref_sample lines per band; a window holding more than
    # value_ref_max_consignments accepted consignments is read every k-th line. A cut above −1 would flag a large
    # share of honest lines (at 0 half of them).
    undervaluation_z: Annotated[float, Field(ge=-20, le=-1)] = -3.0
    value_ref_days: Annotated[int, Field(ge=1, le=3660)] = 90
    value_ref_min_lines: Annotated[int, Field(ge=2)] = 30
    value_ref_sample: Annotated[int, Field(ge=10, le=1_000_000)] = 5000
    value_ref_max_consignments: Annotated[int, Field(ge=1000)] = 1_000_000
    # The server refreshes the value references itself every day at this time in Japan ("HH:MM", 24-hour; "off":
    # only `smartcustoms ecommerce value-refs`, from cron, does), and marks interrupted manifests every
    # sweep_every_minutes minutes (0: only when a manifest is opened and by `smartcustoms ecommerce sweep`).
    # Both need SMARTCUSTOMS_HOUSEKEEPING (on by default); ecommerce/scheduled.py.
    value_ref_refresh_at: str = "03:30"
    sweep_every_minutes: Annotated[int, Field(ge=0, le=24 * 60)] = 5

    @field_validator("gc_threshold")
    @classmethod
    def _not_below_pythons(cls, value: int) -> int:
        if 0 < value < PYTHONS_YOUNGEST:
            raise ValueError(f"0 (Python's thresholds) or at least {PYTHONS_YOUNGEST}, not {value}")
        return value

    @field_validator("value_ref_refresh_at")
    @classmethod
    def _time_of_day(cls, value: str) -> str:
        time_of_day(value)  # "HH:MM" or "off", else a ValueError naming the value
        return value.strip()


@lru_cache(maxsize=1)
def get_ecommerce_settings() -> EcommerceSettings:
    """The process-wide e-commerce settings (tests clear the cache when they change the environment)."""
    return EcommerceSettings()
