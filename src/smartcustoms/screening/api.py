"""Screening API for exporters' and brokers' pre-checks (trader API key), each call recorded."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from smartcustoms.deps import SessionDep, TraderDep
from smartcustoms.screening import service

router = APIRouter(prefix="/api/v1/screening", tags=["screening"])


class SearchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(description="Party name in any script (kanji, katakana, Latin, Cyrillic, ...)")
    country: str | None = Field(None, description="ISO 3166-1 alpha-2 country of the party")
    date_of_birth: date | None = Field(None, description="Date of birth (persons), YYYY-MM-DD")
    entity_type: str | None = Field(None, description="person, entity, vessel or aircraft")
    limit: int = Field(10, description="At most this many hits (1-100)")


class HitOut(BaseModel):
    list_code: str
    list_version: str
    entry_id: str
    entry_name: str
    matched_name: str
    score: float
    reason: str
    entity_type: str | None
    countries: list[str]
    entry_digest: str
    birth_dates: list[str]
    programmes: str


class SearchOut(BaseModel):
    screening_id: int | None
    query: str
    threshold: float
    list_versions: dict[str, str]
    hits: list[HitOut]


@router.post("/search", response_model=SearchOut)
def search(body: SearchIn, session: SessionDep, trader: TraderDep) -> Any:
    """Screen one party against every active watch list: ranked hits (score ≥ the operating threshold) with
    list, entry, score and the reason, and the list versions used. The screening is recorded."""
    result = service.screen_party(session, body.name, body.country, body.date_of_birth, body.entity_type,
                                  body.limit, actor=f"trader:{trader.code}")
    out = {"screening_id": result.record_id, "query": result.query, "threshold": result.threshold,
           "list_versions": result.list_versions, "hits": [h.to_dict() for h in result.hits]}
    session.commit()
    return out


@router.get("/lists")
def lists(session: SessionDep, trader: TraderDep) -> dict[str, str]:
    """The watch lists in force: list code -> version label."""
    return service.active_versions(session)
