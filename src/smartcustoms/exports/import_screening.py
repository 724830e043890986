"""Screening the parties of an import declaration, by configuration (SMARTCUSTOMS_SCREEN_IMPORT_PARTIES, default off).

When on, the importer and the consignor are screened like export parties (watch lists and the METI export
prohibition lists); each open hit joins the import's lane decision as a lane-2 reason naming the list, entry, score
and list version. A party an officer cleared as a false positive on an export (same normalised name, country, list
entry and entry digest) is not flagged again. Import hits are decided in the import's own review (no separate hit
resolution for imports).
"""

from __future__ import annotations

import os

from sqlalchemy.orm import Session

from smartcustoms.risk.rules import LANE_DOCUMENTS, RuleHit

ENV = "SMARTCUSTOMS_SCREEN_IMPORT_PARTIES"


def enabled() -> bool:
    return os.environ.get(ENV, "").strip().lower() in ("1", "true", "yes", "on")


def hits(session: Session, parties: list[tuple[str, str, str]], actor: str) -> list[RuleHit]:
    """Lane-2 reasons for the open hits of (role, name, country) parties; one reason if screening cannot run."""
    from smartcustoms.exports.flows import screen_parties
    from smartcustoms.exports.service import remembered

    result = screen_parties(session, parties, actor)
    out = []
    if result.problem:
        out.append(RuleHit(None, "watch-list screening", LANE_DOCUMENTS,
                           f"parties could not be screened: {result.problem}", kind="screening"))
    for h in result.hits:
        if remembered(session, h.party_name, h.party_country, h.list_code, h.entry_id, h.entry_digest):
            continue
        out.append(RuleHit(
            None, "watch-list screening", LANE_DOCUMENTS,
            f"{h.role} '{h.party_name}' matches {h.list_code} entry {h.entry_id} '{h.entry_name}' "
            f"(score {h.score:.2f}): {h.reason}",
            {"list_code": h.list_code, "list_version": h.list_version, "entry_id": h.entry_id,
             "entry_digest": h.entry_digest, "score": round(h.score, 4), "party": h.role},
            kind="screening"))
    return out
