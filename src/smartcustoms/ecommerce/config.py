"""E-commerce intake settings (env prefix SMARTCUSTOMS_ECOMMERCE_), kept beside the domain that reads them."""

from __future__ import annotations

from functools import lru_cache

from pydantic_settings import BaseSettings, SettingsConfigDict


class EcommerceSettings(BaseSettings):
    """Limits and windows of manifest intake; every field can be set as SMARTCUSTOMS_ECOMMERCE_<NAME>."""

    model_config = SettingsConfigDict(env_prefix="SMARTCUSTOMS_ECOMMERCE_", extra="ignore")

    # Consignments committed (and acknowledged) together; one transaction and one audit entry per chunk. Smaller
    # chunks keep the two processes of the intake in step and memory low (benchmark: 1,000-2,500 as fast as 5,000).
    chunk_rows: int = 2000
    # A manifest larger than this is refused (413 when announced, a per-file error line when streamed past it).
    max_manifest_bytes: int = 2 * 1024**3
    # One JSON line / CSV record larger than this is rejected on its own (the rest of the file goes on).
    max_line_bytes: int = 64 * 1024
    max_goods_lines: int = 100
    # Split-shipment window: parcels of one seller to one consignee received within it are looked at together.
    split_window_hours: int = 72
    # Officer bulk actions act on at most this many consignments per click (each is audited).
    max_bulk_action: int = 5000
    # Worker processes that read, check, assess and screen chunks while this process stores the previous one
    # (one process-wide pool, started with the first manifest; 0: a helper thread in process instead).
    workers: int = 1
    # A manifest still receiving with nothing committed for this long is marked interrupted (its server was
    # killed or its connection lost); checked when a manifest is opened and by `smartcustoms ecommerce sweep`.
    interrupted_after_minutes: int = 30


@lru_cache(maxsize=1)
def get_ecommerce_settings() -> EcommerceSettings:
    """The process-wide e-commerce settings (tests clear the cache when they change the environment)."""
    return EcommerceSettings()
