"""Payment settings (SMARTCUSTOMS_PAYMENT_*), kept beside the domain that uses them."""

from __future__ import annotations

from functools import lru_cache

from pydantic import model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

SANDBOX_SECRET = "sandbox-agent-secret"  # noqa: S105 - refused outside development and tests below


class PaymentSettings(BaseSettings):
    """Where the payment agent is and the secret it signs callbacks with."""

    model_config = SettingsConfigDict(env_prefix="SMARTCUSTOMS_", extra="ignore")

    env: str = "development"
    # Shared secret of the payment agent: HMAC-SHA256 key of callbacks and of refund requests.
    payment_agent_secret: str = SANDBOX_SECRET
    # Base URL of the agent; a payer's pay page is <url>/pay/<order id>.
    payment_agent_url: str = "http://127.0.0.1:8700"
    # Days a payer has to pay an import declaration's duty and tax once it awaits payment.
    payment_due_days: int = 14

    @model_validator(mode="after")
    def _refuse_sandbox_secret(self) -> PaymentSettings:
        if self.env not in ("development", "test") and self.payment_agent_secret == SANDBOX_SECRET:
            raise ValueError("SMARTCUSTOMS_PAYMENT_AGENT_SECRET must be set outside development")
        return self


@lru_cache(maxsize=1)
def get_payment_settings() -> PaymentSettings:
    return PaymentSettings()
