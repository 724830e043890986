"""Demo data: a small generated manifest ingested for the demo trader, so the console shows consignments."""

from __future__ import annotations

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from smartcustoms.db import utcnow
from smartcustoms.declarations.flows import declaration_date
from smartcustoms.ecommerce import valueref_service
from smartcustoms.ecommerce.config import get_ecommerce_settings
from smartcustoms.ecommerce.generate import jsonl_lines
from smartcustoms.ecommerce.intake import ingest
from smartcustoms.ecommerce.pipeline import Intake, borrowed_session
from smartcustoms.identity.models import Trader

DEMO_CONSIGNMENTS = 1500


def seed(session: Session, trader: Trader, count: int = DEMO_CONSIGNMENTS) -> dict[str, object]:
    """Ingest a generated manifest (seed 2026) in the caller's transaction, then compute the reference unit values
    from it (the bands of the subheadings with enough lines; the demo's later manifests are compared with them);
    returns the manifest's summary."""
    scope = borrowed_session(session)
    bind = session.get_bind()
    engine = bind if isinstance(bind, Engine) else bind.engine
    intake = Intake.open(engine, trader.id, trader.code, "jsonl", "demo", "demo-manifest.jsonl", scope)
    summary = ingest(engine, intake, jsonl_lines(count, seed=2026), "jsonl", lambda _results: None)
    settings = get_ecommerce_settings()
    valueref_service.refresh(session, declaration_date(utcnow()), settings.value_ref_days, settings.value_ref_min_lines,
                             settings.value_ref_sample, settings.value_ref_max_consignments, actor="demo")
    return summary
