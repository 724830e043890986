"""One typed settings object, read from the environment (prefix SMARTCUSTOMS_)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_SECRET = "dev-only-secret-change-me"  # noqa: S105 - refused outside development below
DEV_SAMPLING_SECRET = "sampling-dev-secret"  # noqa: S105 - refused outside development below


def default_database_url() -> str:
    """SQLite file in ./var, the embedded default."""
    return f"sqlite:///{Path('var/smartcustoms.db').resolve()}"


class Settings(BaseSettings):
    """Platform settings; every field can be set as SMARTCUSTOMS_<NAME>."""

    model_config = SettingsConfigDict(env_prefix="SMARTCUSTOMS_", extra="ignore")

    env: str = "development"
    database_url: str = ""
    secret_key: str = DEV_SECRET
    # Request limits: a body over this size is refused with 413 before it is parsed.
    max_body_bytes: int = 2 * 1024 * 1024
    # NACCS caps an import declaration at 99 columns; consolidated declarations here may hold more,
    # but thousands of lines in one request is refused.
    max_lines_per_declaration: int = 999
    # Largest customs value of one line, in declaration currency units (absurd values are refused).
    max_line_value: int = 10**12
    max_line_quantity: int = 10**9
    # Secret that seeds the deterministic random sampling of selectivity profiles.
    sampling_secret: str = DEV_SAMPLING_SECRET
    session_max_age_s: int = 8 * 3600
    # Registered risk model versions are copied here (one directory per version).
    models_dir: str = "var/models"
    # A discrepancy whose recovered duty reaches this is labelled critical fraud (critical_fraud = 2).
    critical_recovered_duty_jpy: int = 100_000
    # The server runs its scheduled jobs (housekeeping/runner.py: the daily value-references refresh, the sweep of
    # interrupted manifests) in a background thread; false: none, run them from cron with the CLI instead.
    housekeeping: bool = True
    # The console's session cookie is sent over HTTPS only (its Secure flag). Default: outside development and
    # test, where a stolen cookie on a plain-HTTP hop would be an officer's session; false for a deployment that
    # serves the console over plain HTTP on a closed network (a decision to write down).
    secure_cookies: bool | None = None

    @property
    def cookies_https_only(self) -> bool:
        """Whether the console's cookie carries Secure (see secure_cookies)."""
        return self.secure_cookies if self.secure_cookies is not None else self.env not in ("development", "test")

    @model_validator(mode="after")
    def _refuse_default_secrets(self) -> Settings:
        if not self.database_url:
            self.database_url = default_database_url()
        if self.env != "development" and self.env != "test":
            if self.secret_key == DEV_SECRET:
                raise ValueError("SMARTCUSTOMS_SECRET_KEY must be set outside development")
            if self.sampling_secret == DEV_SAMPLING_SECRET:
                raise ValueError("SMARTCUSTOMS_SAMPLING_SECRET must be set outside development")
        return self


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (cached; tests clear the cache when they change the environment)."""
    return Settings()
