"""Goods descriptions that say nothing of what the goods are ("gift", "parts", "サンプル"): pure, no database.

A misdescribed parcel is one of the seeded anomalies of the intake (and a classic smuggling cover): a goods line
whose whole description is a generic term from `data/vague-descriptions.csv`, or nothing but punctuation ("-",
"???"), sends the parcel to lane 2 with a `description` reason, so that the officer asks what the goods are.
Decision: only the whole description is compared (after normalising), never a word inside it — "phone accessories"
names the goods well enough, and a substring match would send a large share of honest parcels to an officer. The
parcel is not rejected: the carrier cannot amend a description at intake, and the goods may be legitimate
(data/README.md has the provenance).
"""

from __future__ import annotations

import csv
import unicodedata
from collections.abc import Sequence
from functools import lru_cache
from importlib import resources
from typing import Any

from smartcustoms.ecommerce.records import Goods
from smartcustoms.risk import rules

# Punctuation and spaces around a description that do not change what it says ("Gift.", "「サンプル」").
_AROUND = " .,;:!?-_*/'\"()[]{}<>「」『』（）【】。、・！？…"


def normalised(text: str) -> str:
    """The description as compared: NFKC (full-width forms), case folded, full stops dropped (`n.a.` is `na`),
    inner spaces collapsed to one, surrounding punctuation removed."""
    t = text if text.isascii() else unicodedata.normalize("NFKC", text)
    return " ".join(t.casefold().replace(".", "").split()).strip(_AROUND)


@lru_cache(maxsize=1)
def terms() -> frozenset[str]:
    """The vague terms, normalised (read once per process from the package's data)."""
    text = (resources.files("smartcustoms.ecommerce") / "data" / "vague-descriptions.csv").read_text("utf-8")
    rows = list(csv.DictReader(text.splitlines()))
    if not rows or set(rows[0]) != {"term", "language", "verified"}:
        raise ValueError("vague-descriptions.csv: expected the columns term, language, verified")
    out = frozenset(normalised(r["term"]) for r in rows)
    if "" in out:
        raise ValueError("vague-descriptions.csv: a term is empty once normalised")
    return out


def vague_lines(goods: Sequence[Goods]) -> list[int]:
    """The 1-based numbers of the goods lines whose whole description is a vague term."""
    return [i for i, g in enumerate(goods, 1) if says_nothing(g.description)]


@lru_cache(maxsize=65536)
def says_nothing(description: str) -> bool:
    """A listed term, or nothing but punctuation and symbols ("-", "???": not a letter or a digit in it).
    Memoised: a platform's parcels repeat the same descriptions (its sellers' product names)."""
    text = normalised(description)
    return text in terms() or not any(ch.isalnum() for ch in text)


def vague_hit(goods: Sequence[Goods], lines: Sequence[int]) -> dict[str, Any]:
    """The lane-2 hit, as stored, naming the lines and what they said."""
    said = [goods[n - 1].description for n in lines]
    quoted = ", ".join(f"line {n} '{d}'" for n, d in zip(lines, said, strict=True))
    return rules.RuleHit(None, "vague goods description", rules.LANE_DOCUMENTS,
                         f"{quoted} does not say what the goods are: the officer asks the carrier",
                         {"description": said}, lines=tuple(lines), kind="description").to_dict()
