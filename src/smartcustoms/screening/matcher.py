"""Name matcher (pure): pairwise scoring with reasons, and an in-memory inverted index for candidate generation.

Scoring aligns the content tokens of two normalised names (legal forms and honorifics removed) one to one, each
pair scored by exact equality, phonetic skeleton, initials or edit distance (rapidfuzz), weighted by token length;
tokens left unmatched on either side count against the score. Word order does not matter. A name made only of
legal-form words has no content and matches nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from rapidfuzz.distance import Levenshtein

from smartcustoms.screening.normalize import GENERIC, NormalName, normalise, skeleton, variants

# Operating threshold: see docs/screening.md for how it was chosen.
THRESHOLD = 0.85


@dataclass(frozen=True)
class PairScore:
    score: float
    reason: str


def _token_sim(a: str, b: str, cross: bool) -> tuple[float, str]:
    if a == b:
        return 1.0, "exact"
    if len(a) == 1 or len(b) == 1:
        short, long_ = (a, b) if len(a) == 1 else (b, a)
        if len(short) == 1 and long_.startswith(short):
            return 0.85, "initial"
        return 0.0, ""
    lev = Levenshtein.normalized_similarity(a, b)
    ka, kb = skeleton(a), skeleton(b)
    if ka == kb and len(ka) >= 2:
        return max(lev, 0.93 if cross else 0.9), "phonetic"
    sk = Levenshtein.normalized_similarity(ka, kb) if ka and kb else 0.0
    if cross:
        # Transliteration from another script: spelling is a guess, the consonant skeleton carries the identity.
        best = max(lev, 0.95 * (0.5 * sk + 0.5 * lev) + 0.05 * sk, 0.92 * sk if len(ka) >= 3 else 0.0)
        return best, "transliteration"
    if a.startswith(b) or b.startswith(a):
        # Truncated or compound forms (Mohammed / Mohammedi): mostly edit distance.
        return lev, "typo"
    return max(lev, 0.85 * sk), "typo"


_PATRONYMIC = ("ovich", "evich", "ovna", "evna", "ovic", "evic", "ogly", "oglu", "qizi", "kyzy")


def _weight(tok: str) -> float:
    if tok in GENERIC or tok in ("bin", "ibn", "bint", "ben", "abu", "al", "el"):
        return 0.35 * min(len(tok), 8)
    if tok.endswith(_PATRONYMIC) and len(tok) > 7:
        return 0.5 * min(len(tok), 8)  # patronymics are often left out
    return float(min(len(tok), 8))


def compare(q: NormalName, c: NormalName) -> PairScore:
    """Score two normalised names in [0, 1] with a human-readable reason."""
    qt, ct = q.tokens, c.tokens
    if not qt or not ct:
        return PairScore(0.0, "no content words after removing legal forms and honorifics")
    cross = q.script != c.script
    pairs: list[tuple[float, int, int, str]] = []
    for i, a in enumerate(qt):
        for j, b in enumerate(ct):
            sim, how = _token_sim(a, b, cross)
            if sim > 0.5:
                pairs.append((sim, i, j, how))
    pairs.sort(reverse=True)
    used_q: set[int] = set()
    used_c: set[int] = set()
    matched = 0.0
    matched_w = 0.0
    hows: set[str] = set()
    strong = 0
    order: list[tuple[int, int]] = []
    for sim, i, j, how in pairs:
        if i in used_q or j in used_c:
            continue
        used_q.add(i)
        used_c.add(j)
        w = _weight(qt[i]) + _weight(ct[j])
        if how == "initial":
            w = 2.0
        matched += sim * w
        matched_w += w
        hows.add(how)
        order.append((i, j))
        if sim >= 0.85 and how != "initial" and qt[i] not in GENERIC:
            strong += 1
    if strong == 0:
        return PairScore(0.0, "no content word in common")
    un_q = sum(_weight(t) for k, t in enumerate(qt) if k not in used_q)
    un_c = sum(_weight(t) for k, t in enumerate(ct) if k not in used_c)
    # Extra middle names/patronymics on one side weigh less once two words agree strongly.
    extra = 0.55 if strong >= 2 else 1.0
    tok_score = matched / (matched_w + extra * (un_q + un_c)) if matched_w else 0.0
    # Word-boundary differences (Abdullah / Abd Allah, Al-Bakr / Albakr): compare the names as one string.
    qj, cj = "".join(qt), "".join(ct)
    glue = 0.0
    if len(qt) != len(ct) and min(len(qj), len(cj)) >= 5:
        glue = 0.96 * Levenshtein.normalized_similarity(qj, cj)
        if cross:
            glue = max(glue, 0.93 * Levenshtein.normalized_similarity(skeleton(qj), skeleton(cj)))
    score = max(tok_score, glue)
    if len(qt) == 1 and len(ct) == 1 and min(len(qj), len(cj)) <= 3 and score < 1.0:
        score *= 0.9  # very short single names: an edit is a different name
    reason = _reason(q, c, hows, order, score == glue and glue > tok_score)
    return PairScore(round(min(score, 1.0), 4), reason)


def _reason(q: NormalName, c: NormalName, hows: set[str], order: list[tuple[int, int]], glued: bool) -> str:
    parts: list[str] = []
    if q.script != c.script:
        for n in (q, c):
            if n.script not in ("latin", "other"):
                parts.append(f"romanised {n.original.strip()} → {n.joined} ({n.script})")
    if glued:
        parts.append("matched as one string (word boundaries differ)")
    elif hows == {"exact"} and all(i == j for i, j in order) and len(q.tokens) == len(c.tokens):
        parts.append("exact match after normalisation")
    else:
        kinds = sorted(hows - {"exact"})
        desc = "token-sorted match" if any(i != j for i, j in order) else "token match"
        parts.append(desc + (f" ({', '.join(kinds)})" if kinds else ""))
    legal = sorted(set(q.legal) | set(c.legal))
    if legal:
        parts.append(f"legal form ignored ({', '.join(legal)})")
    dropped = sorted(set(q.dropped) | set(c.dropped))
    if dropped:
        parts.append(f"honorific ignored ({', '.join(dropped)})")
    return "; ".join(parts)


def score_pair(name1: str, name2: str) -> PairScore:
    """Score two raw names."""
    return compare(normalise(name1), normalise(name2))


def score_names(name1: str, name2: str) -> PairScore:
    """Score two raw names, trying the parenthesised alternatives of each; the best pairing wins."""
    best = PairScore(0.0, "no content words after removing legal forms and honorifics")
    for a in variants(name1):
        qa = normalise(a)
        for b in variants(name2):
            ps = compare(qa, normalise(b))
            if ps.score > best.score:
                best = ps
    return best


@dataclass(frozen=True)
class IndexedName:
    """One name of one entry; `key` points back to the entry in the caller's table."""

    key: int
    name: str


@dataclass(frozen=True)
class Match:
    key: int
    name: str
    score: float
    reason: str


@dataclass
class NameIndex:
    """Inverted index over tokens and phonetic skeletons of many names; search returns the best-scoring ones."""

    names: list[IndexedName] = field(default_factory=list)
    normal: list[NormalName] = field(default_factory=list)
    postings: dict[str, list[int]] = field(default_factory=dict)
    max_postings: int = 4000

    @classmethod
    def build(cls, names: Iterable[IndexedName]) -> NameIndex:
        index = cls()
        seen: set[tuple[int, tuple[str, ...]]] = set()
        for item in names:
            for text in variants(item.name):
                n = normalise(text)
                if not n.tokens or (item.key, n.tokens) in seen:
                    continue
                seen.add((item.key, n.tokens))
                nid = len(index.names)
                index.names.append(item)
                index.normal.append(n)
                for key in _keys(n):
                    index.postings.setdefault(key, []).append(nid)
        return index

    def __len__(self) -> int:
        return len(self.names)

    def candidates(self, q: NormalName, cap: int = 60) -> list[int]:
        weights: dict[int, float] = {}
        keys = _keys(q)
        lists = sorted((self.postings.get(k, []) for k in keys), key=len)
        total = len(self.names) or 1
        for plist in lists:
            if not plist:
                continue
            if len(plist) > self.max_postings and weights:
                continue
            w = 1.0 / (1.0 + len(plist) / total * 50)
            for nid in plist[: self.max_postings * 4]:
                weights[nid] = weights.get(nid, 0.0) + w
        if len(weights) <= cap:
            return list(weights)
        return sorted(weights, key=weights.__getitem__, reverse=True)[:cap]

    def search(self, query: str | NormalName, limit: int = 10, min_score: float = 0.0) -> list[Match]:
        q = normalise(query) if isinstance(query, str) else query
        if not q.tokens:
            return []
        found: list[Match] = []
        for nid in self.candidates(q):
            ps = compare(q, self.normal[nid])
            if ps.score >= min_score and ps.score > 0:
                item = self.names[nid]
                found.append(Match(item.key, item.name, ps.score, ps.reason))
        found.sort(key=lambda m: (-m.score, m.name))
        return found[:limit] if limit else found


def _keys(n: NormalName) -> set[str]:
    keys: set[str] = set()
    for t in n.tokens:
        keys.add(t)
        keys.add("~" + skeleton(t))
    if len(n.tokens) > 1:
        keys.add("+" + "".join(n.tokens))
    return keys


def best_of(query: NormalName, names: Sequence[NormalName]) -> tuple[int, PairScore]:
    """The best-scoring of a few names (an entry's aliases)."""
    best = (-1, PairScore(0.0, ""))
    for k, n in enumerate(names):
        ps = compare(query, n)
        if ps.score > best[1].score:
            best = (k, ps)
    return best


__all__ = ["THRESHOLD", "IndexedName", "Match", "NameIndex", "PairScore", "best_of", "compare", "score_names",
           "score_pair"]
