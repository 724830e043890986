"""In-memory inverted index over many normalised names (pure): candidate generation, a C prefilter, a bound that
skips candidates which cannot reach the minimum score, and the full scoring of the rest by `matcher.compare`."""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

import numpy as np
from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA, Levenshtein

from smartcustoms.screening.matcher import _PARTICLES, _Far, _has_kana, _token_sim, compare
from smartcustoms.screening.normalize import GENERIC, NormalName, crude, normalise, skeleton, soften, variants

# Candidates from the index (best by summed rarity of shared keys), and those kept by the C prefilter for full
# scoring. Measured as search recall (labelled matching pairs found among all list names): 40 candidates lost
# matches whose words are common in the lists; more than 12 scored adds time for little.
CANDIDATES = 80
PREFILTER = 12
CANDIDATES_JAPANESE = 100
PREFILTER_JAPANESE = 24


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
    joined: list[str] = field(default_factory=list)
    coarse: list[str] = field(default_factory=list)
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
                index.joined.append(" ".join(n.tokens))
                index.coarse.append(" ".join(crude(t) for t in n.tokens))
                for key in _keys(n):
                    index.postings.setdefault(key, []).append(nid)
        return index

    def __len__(self) -> int:
        return len(self.names)

    def candidates(self, q: NormalName, cap: int = 40) -> list[int]:
        """Names sharing rare tokens, sound keys or (for other scripts) coarse keys with the query, best first."""
        weights: dict[int, float] = {}
        total = len(self.names) or 1
        cross = q.script not in ("latin", "other")
        keys = _keys(q, coarse=cross)
        if cross:
            keys |= _cross_keys(q)
        lists = sorted((p for p in (self.postings.get(k) for k in keys) if p), key=len)
        chosen: list[list[int]] = []
        for n, plist in enumerate(lists):
            if len(plist) > self.max_postings and n:
                break
            chosen.append(plist)
        m = self.max_postings
        size = sum(min(len(p), m) for p in chosen)
        if size > 256:
            # Many postings (common words): add the weights up in numpy rather than a Python loop.
            ids = np.concatenate([self._array(p)[:m] for p in chosen])
            per_id = np.repeat(np.array([1.0 / (1.0 + len(p) / total * 50) for p in chosen]),
                               [min(len(p), m) for p in chosen])
            uniq, inverse = np.unique(ids, return_inverse=True)
            if len(uniq) <= cap:
                return [int(i) for i in uniq]
            sub = np.bincount(inverse, weights=per_id)
            # The best `cap` in linear time (ties at the cut go to the lower ids, as a stable sort's would), then
            # ordered best first, ties by id.
            neg = -sub
            kth = np.partition(neg, cap - 1)[cap - 1]
            better = np.flatnonzero(neg < kth)
            part = np.concatenate([better, np.flatnonzero(neg == kth)[: cap - len(better)]])
            top = part[np.lexsort((uniq[part], neg[part]))]
            return [int(i) for i in uniq[top]]
        for plist in chosen:
            w = 1.0 / (1.0 + len(plist) / total * 50)
            get = weights.get
            for nid in plist[:m]:
                weights[nid] = get(nid, 0.0) + w
        if len(weights) <= cap:
            return list(weights)
        return heapq.nlargest(cap, weights, key=weights.__getitem__)

    def _array(self, plist: list[int]) -> np.ndarray[Any, np.dtype[np.int64]]:
        """The posting list as an array, made once (keyed by the list's identity: posting lists live as long as the
        index and are not changed after it is built)."""
        cache: dict[int, np.ndarray[Any, np.dtype[np.int64]]] = self.__dict__.setdefault("_arrays", {})
        arr = cache.get(id(plist))
        if arr is None:
            arr = cache[id(plist)] = np.asarray(plist, dtype=np.int64)
        return arr

    def search(self, query: str | NormalName, limit: int = 10, min_score: float = 0.0) -> list[Match]:
        forms = [normalise(v) for v in variants(query)] if isinstance(query, str) else [query]
        best: dict[int, Match] = {}
        for q in forms:
            if not q.tokens:
                continue
            # Names written in kana (katakana spellings of foreign names) are the furthest from the listed spelling:
            # they get more candidates and more room in the prefilter.
            japanese = q.script == "japanese" and _has_kana(q.original)
            cands = self.candidates(q, cap=CANDIDATES_JAPANESE if japanese else CANDIDATES)
            cross = q.script not in ("latin", "other")
            keep = PREFILTER_JAPANESE if japanese else PREFILTER
            if len(cands) > keep:
                # Keep the few closest by a fast token-set similarity (C) before the full scoring (Python).
                text = " ".join(crude(t) for t in q.tokens) if cross else q.joined
                pool = self.coarse if cross else self.joined
                top = process.extract(text, [pool[nid] for nid in cands], scorer=fuzz.token_set_ratio,
                                      limit=keep)
                cands = [cands[k] for _, _, k in top]
            hopeless, far = _screen(q, [self.normal[nid] for nid in cands], min_score)
            for nid, skip in zip(cands, hopeless, strict=True):
                if skip:
                    continue
                c = self.normal[nid]
                ps = compare(q, c, explain=False, far=far)
                if ps.score >= min_score and ps.score > 0 and (nid not in best or ps.score > best[nid].score):
                    item = self.names[nid]
                    best[nid] = Match(item.key, item.name, ps.score, compare(q, c).reason)
        found = sorted(best.values(), key=lambda m: (-m.score, m.name))
        return found[:limit] if limit else found


# A score without a strong word pair and not made by the one-string comparison is capped at this (see `compare`).
_NO_STRONG_CAP = 0.6
_MARGIN = 1e-6


def _screen(q: NormalName, cands: Sequence[NormalName], min_score: float) -> tuple[list[bool], _Far | None]:
    """For each candidate, True when `compare(q, c)` cannot reach `min_score` (so it need not be scored), and the
    word pairs of the query and the candidates in the same script that score 0.5 or less (`_align` drops those
    without comparing them in Python). A candidate cannot reach `min_score` when it is a name in
    the same script with no word pair that could be a strong pair (similarity 0.8) and no one-string comparison
    reaching `min_score` is held at 0.6 by `compare`. The test over-approximates `_token_sim` (each way it can
    reach 0.8, without the checks that lower it), all word pairs of the query and the candidates in a few C calls;
    the scores of the candidates kept are unchanged."""
    out = [False] * len(cands)
    same = [k for k, c in enumerate(cands) if c.script == q.script and c.tokens]
    if not same or not q.tokens:
        return out, None
    col: dict[str, int] = {}
    for k in same:
        for t in cands[k].tokens:
            col.setdefault(t, len(col))
    words = list(col)
    qt = list(q.tokens)
    lev = process.cdist(qt, words, scorer=OSA.normalized_similarity, dtype=np.float64)
    soft = process.cdist([soften(t) for t in qt], [soften(t) for t in words],
                         scorer=Levenshtein.normalized_similarity, dtype=np.float64)
    sk = process.cdist([skeleton(t) for t in qt], [skeleton(t) for t in words],
                       scorer=Levenshtein.normalized_similarity, dtype=np.float64)
    # Ways `_token_sim` (same script) reaches 0.8: same word or spelling (lev or soft 1), same sound key (sk 1)
    # with lev >= 0.65 or 0.95 * soft >= 0.66, lev >= 0.8, 0.95 * soft >= 0.8, lev >= 0.7 with 0.85 * sk >= 0.8.
    # A pair with a word of three letters or fewer is strong only at 0.95, which such words reach only with the
    # same soft spelling; a generic word or a particle of the query makes no strong pair.
    phonetic = (sk >= 1.0 - _MARGIN) & ((lev >= 0.65 - _MARGIN) | (0.95 * soft >= 0.66 - _MARGIN))
    close = ((lev >= 0.8 - _MARGIN) | (0.95 * soft >= 0.8 - _MARGIN) | phonetic
             | ((lev >= 0.7 - _MARGIN) & (0.85 * sk >= 0.8 - _MARGIN)))
    short = np.minimum.outer(np.array([len(t) for t in qt]), np.array([len(t) for t in words])) <= 3
    close = np.where(short, soft >= 1.0 - _MARGIN, close)
    content = np.array([t not in GENERIC and t not in _PARTICLES for t in qt])
    strong = (close & content[:, None]).any(axis=0)
    # `_token_sim` (same script) is above 0.5 only for one-letter words (initials), the same sound key as above,
    # lev > 0.5 or 0.95 * soft > 0.5.
    near = (lev > 0.5 - _MARGIN) | (0.95 * soft > 0.5 - _MARGIN) | phonetic
    near |= np.array([len(t) == 1 for t in qt])[:, None] | np.array([len(t) == 1 for t in words])[None, :]
    far: _Far = (col, (~near).tolist())
    if min_score <= _NO_STRONG_CAP:
        return out, far
    qj = "".join(q.tokens)
    for k in same:
        c = cands[k]
        if any(strong[col[t]] for t in c.tokens):
            continue
        if len(c.tokens) == len(q.tokens) >= 3 and set(c.tokens) <= set(q.tokens):
            continue  # possibly the same words throughout, which `compare` does not hold at 0.6
        if len(q.tokens) != len(c.tokens):
            cj = "".join(c.tokens)
            if min(len(qj), len(cj)) >= 5 and 0.96 * Levenshtein.normalized_similarity(qj, cj) >= min_score - _MARGIN:
                continue
            if _joined_possible(q.soft or q.tokens, c.soft or c.tokens):
                continue
        out[k] = True
    return out, far


def _joined_possible(qs: tuple[str, ...], cs: tuple[str, ...]) -> bool:
    """Whether `_align` could pair one word with two words written apart (same script), ignoring which words are
    already used."""
    a_side, b_side = (qs, cs) if len(qs) < len(cs) else (cs, qs)
    for a in a_side:
        if len(a) < 4 and len(a) != 2:
            continue
        for j in range(len(b_side) - 1):
            if b_side[j][0] != a[0]:
                continue
            if len(a) == 2 and a == b_side[j][0] + b_side[j + 1][0]:
                return True
            if _token_sim(a, b_side[j] + b_side[j + 1], 0)[0] >= 0.8 - _MARGIN:
                return True
    return False


def _keys(n: NormalName, coarse: bool = True) -> set[str]:
    keys: set[str] = set()
    for t in n.tokens:
        keys.add(t)
        keys.add("~" + skeleton(t))
        if coarse:
            keys.add("^" + crude(t))
    if len(n.tokens) > 1:
        keys.add("+" + "".join(n.tokens))
        if coarse:
            keys.add("^" + "".join(crude(t) for t in n.tokens))
    return keys


def _cross_keys(n: NormalName) -> set[str]:
    """Extra keys for a name read from another script: crude keys of token pairs glued (Korean names in katakana)."""
    crudes = [crude(t) for t in n.tokens]
    keys = {"^" + a + b for a, b in pairwise(crudes)}
    keys |= {"^" + c[:-1] for c in crudes if len(c) >= 4}
    return keys


__all__ = ["CANDIDATES", "IndexedName", "Match", "NameIndex"]
