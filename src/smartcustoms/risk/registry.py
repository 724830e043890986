"""Model versions: register an artifact directory, activate one, roll back; audited."""

from __future__ import annotations

import shutil
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from smartcustoms.audit import service as audit
from smartcustoms.db import utcnow
from smartcustoms.errors import Conflict, FieldError, NotFound, ValidationFailed
from smartcustoms.risk.models import RiskModelVersion
from smartcustoms.settings import get_settings

DEFAULT_LANE3_SHARE = Decimal("0.02")
DEFAULT_LANE2_SHARE = Decimal("0.08")


def _shares(lane3: Decimal | None, lane2: Decimal | None) -> tuple[Decimal, Decimal]:
    l3 = DEFAULT_LANE3_SHARE if lane3 is None else lane3
    l2 = DEFAULT_LANE2_SHARE if lane2 is None else lane2
    errors = [FieldError(name, "a fraction between 0 and 1")
              for name, v in (("lane3_share", l3), ("lane2_share", l2)) if not Decimal(0) <= v <= Decimal(1)]
    if not errors and l3 + l2 > 1:
        errors.append(FieldError("lane2_share", "lane3_share + lane2_share must not exceed 1"))
    if errors:
        raise ValidationFailed(errors)
    return l3, l2


def register(
    session: Session, directory: Path, actor: str, lane3_share: Decimal | None = None,
    lane2_share: Decimal | None = None,
) -> RiskModelVersion:
    """Check an artifact (refusing one whose features do not match the code) and copy it under models_dir."""
    from smartcustoms.risk.ml import artifact  # xgboost loads only when models are used

    try:
        model = artifact.load(directory)
    except artifact.ModelMismatch as exc:
        raise ValidationFailed([FieldError("model", str(exc), "model_mismatch")]) from exc
    if session.scalar(select(RiskModelVersion).where(RiskModelVersion.version == model.version)):
        raise Conflict(f"model version {model.version} is already registered", "version", "duplicate")
    l3, l2 = _shares(lane3_share, lane2_share)
    target = Path(get_settings().models_dir).resolve() / model.version
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(directory, target)
    row = RiskModelVersion(version=model.version, path=str(target), model_metadata=model.metadata,
                           lane3_share=l3, lane2_share=l2, active=False, registered_by=actor)
    session.add(row)
    session.flush()
    audit.append(session, actor=actor, action="risk_model.registered", entity_type="risk_model",
                 entity_id=model.version, data={"path": str(target), "lane3_share": str(l3), "lane2_share": str(l2)})
    return row


def get(session: Session, version: str) -> RiskModelVersion:
    row = session.scalar(select(RiskModelVersion).where(RiskModelVersion.version == version))
    if row is None:
        raise NotFound(f"model version {version}")
    return row


def active(session: Session) -> RiskModelVersion | None:
    """The active version, if any."""
    return session.scalar(select(RiskModelVersion).where(RiskModelVersion.active.is_(True)))


def activate(
    session: Session, version: str, actor: str, lane3_share: Decimal | None = None,
    lane2_share: Decimal | None = None,
) -> RiskModelVersion:
    """Make one version the active one (the previous one is kept for roll-back)."""
    row = get(session, version)
    try:
        loaded(row.path, row.version)  # refuse to activate an artifact that no longer loads
    except Exception as exc:
        problem = FieldError("version", f"model {version} does not load: {exc}", "model_mismatch")
        raise ValidationFailed([problem]) from exc
    if lane3_share is not None or lane2_share is not None:
        row.lane3_share, row.lane2_share = _shares(
            lane3_share if lane3_share is not None else row.lane3_share,
            lane2_share if lane2_share is not None else row.lane2_share,
        )
    session.execute(update(RiskModelVersion).where(RiskModelVersion.id != row.id).values(active=False))
    row.active, row.activated_at = True, utcnow()
    audit.append(session, actor=actor, action="risk_model.activated", entity_type="risk_model", entity_id=version,
                 data={"lane3_share": str(row.lane3_share), "lane2_share": str(row.lane2_share)})
    return row


def rollback(session: Session, actor: str) -> RiskModelVersion:
    """Re-activate the version that was active before the current one."""
    current = active(session)
    stmt = select(RiskModelVersion).where(RiskModelVersion.activated_at.is_not(None))
    if current is not None:
        stmt = stmt.where(RiskModelVersion.id != current.id)
    previous = session.scalar(stmt.order_by(RiskModelVersion.activated_at.desc()).limit(1))
    if previous is None:
        raise Conflict("no earlier active version to roll back to", "version", "no_previous_version")
    return activate(session, previous.version, actor)


def deactivate(session: Session, actor: str) -> None:
    """No active model: lanes come from the rules alone."""
    current = active(session)
    if current is None:
        return
    current.active = False
    audit.append(session, actor=actor, action="risk_model.deactivated", entity_type="risk_model",
                 entity_id=current.version, data={})


def list_versions(session: Session) -> list[RiskModelVersion]:
    return list(session.scalars(select(RiskModelVersion).order_by(RiskModelVersion.registered_at)))


@lru_cache(maxsize=4)
def loaded(path: str, version: str) -> Any:
    """The loaded model for a registered version, cached per process (artifacts never change in place)."""
    from smartcustoms.risk.ml import artifact

    model = artifact.load(Path(path))
    if model.version != version:
        raise artifact.ModelMismatch(f"{path} holds version {model.version}, registry says {version}")
    return model
