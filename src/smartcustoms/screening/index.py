"""In-memory inverted index over many normalised names (pure): candidate generation, a C prefilter, a bound that
skips candidates which cannot reach the minimum score, and the full scoring of the rest by `matcher.compare`."""

from __future__ import annotations

import heapq
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import pairwise
from typing import Any

import numpy as np
from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA, Levenshtein

from smartcustoms.screening.matcher import (
    _PARTICLES,
    _PATRONYMIC,
    _collapse,
    _cross_soft,
    _Far,
    _has_kana,
    _left_weight,
    _token_sim,
    _weight,
    compare,
)
from smartcustoms.screening.normalize import (
    GENERIC,
    QUALIFIERS,
    NormalName,
    crude,
    normalise,
    skeleton,
    soften,
    variants,
)

# Candidates from the index (best by summed rarity of shared keys), and those kept by the C prefilter for full
# scoring. Measured as search recall (labelled matching pairs found among all list names): 40 candidates lost
# matches whose words are common in the lists; more than 12 scored adds time for little.
CANDIDATES = 80
PREFILTER = 12
CANDIDATES_JAPANESE = 100
PREFILTER_JAPANESE = 24
# Names whose words the search bound keeps prepared (made on first use).
WORDS_CACHED = 60_000


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
    words: dict[int, _Words] = field(default_factory=dict, repr=False)  # what the search bound needs, per name

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
            # One sort of (id, list) keys (several times faster than np.unique's argsort) gives each id once and
            # its lists in order, so the sums are added in the same order as before.
            n_lists = len(chosen)
            wide = total * n_lists >= 2**31          # keys beyond 32 bits (very large indexes)
            keys_: np.ndarray[Any, np.dtype[np.signedinteger[Any]]] = np.concatenate(
                [self._array(p)[:m] for p in chosen]).astype(np.int64 if wide else np.int32)
            keys_ *= n_lists
            keys_ += np.repeat(np.arange(n_lists, dtype=keys_.dtype), [min(len(p), m) for p in chosen])
            keys_.sort()
            ids = keys_ // n_lists
            first = np.empty(len(ids), dtype=bool)
            first[0] = True
            np.not_equal(ids[1:], ids[:-1], out=first[1:])
            uniq = ids[first]
            if len(uniq) <= cap:
                return [int(i) for i in uniq]
            per_list = np.array([1.0 / (1.0 + len(p) / total * 50) for p in chosen])
            sub = np.bincount(np.cumsum(first) - 1, weights=per_list[keys_ - ids * n_lists])
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

    def _array(self, plist: list[int]) -> np.ndarray[Any, np.dtype[np.int32]]:
        """The posting list as an array of 32-bit ids, made once (keyed by the list's identity: posting lists live
        as long as the index and are not changed after it is built)."""
        cache: dict[int, np.ndarray[Any, np.dtype[np.int32]]] = self.__dict__.setdefault("_arrays", {})
        arr = cache.get(id(plist))
        if arr is None:
            arr = cache[id(plist)] = np.asarray(plist, dtype=np.int32)
        return arr

    def _words(self, nid: int) -> _Words:
        w = self.words.get(nid)
        if w is None:
            if len(self.words) >= WORDS_CACHED:
                self.words.clear()   # about 1.5 KB a name: the names searched most come back first
            w = self.words[nid] = _make_words(self.normal[nid])
        return w

    def search(self, query: str | NormalName, limit: int = 10, min_score: float = 0.0) -> list[Match]:
        forms = [normalise(v) for v in variants(query)] if isinstance(query, str) else [query]
        best: dict[int, tuple[float, NormalName]] = {}      # name: its best score and the query form that gave it
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
            hopeless, far = _screen(q, [self.normal[nid] for nid in cands], min_score,
                                    [self._words(nid) for nid in cands])
            for nid, skip in zip(cands, hopeless, strict=True):
                if skip:
                    continue
                score = compare(q, self.normal[nid], explain=False, far=far).score
                if score >= min_score and score > 0 and (nid not in best or score > best[nid][0]):
                    best[nid] = (score, q)
        found = sorted(best, key=lambda nid: (-best[nid][0], self.names[nid].name))
        # The reason is written only for the names returned.
        return [Match(self.names[nid].key, self.names[nid].name, best[nid][0],
                      compare(best[nid][1], self.normal[nid]).reason) for nid in (found[:limit] if limit else found)]


# A score without a strong word pair and not made by the one-string comparison is capped at this (see `compare`).
_NO_STRONG_CAP = 0.6
_MARGIN = 1e-6
# `compare` rounds its score to 4 decimals: a score this much under `min_score` may still round up to it.
_ROUNDING = 1e-4
# Factor `compare` applies to a reading across scripts.
_CROSS_FACTOR = 0.97


@dataclass(frozen=True, eq=False, slots=True)
class _Words:
    """What the search bound needs of one normalised name, per word (made once per name and cached)."""

    tokens: tuple[str, ...]
    soft: tuple[str, ...]        # soften(t): the same-script spelling key of `_token_sim`
    cross_soft: tuple[str, ...]  # the soft spelling `_align` compares across scripts
    pair_soft: tuple[str, ...]   # the spellings `_align` glues words of (same script)
    skel: tuple[str, ...]
    length: tuple[int, ...]
    first: tuple[int, ...]
    weight: tuple[float, ...]    # `_weight` of a matched word
    left_full: tuple[float, ...]    # what a word left over costs at most (0 for a word written twice in the name)
    left_factor: tuple[float, ...]  # the smallest factor `_align` applies to it (-1: that of a person's extra names)
    content: tuple[bool, ...]    # neither a generic word nor a particle (only those make a strong pair)
    left_sum: float              # sum of left_full
    left_fixed: float            # sum of left_full * left_factor where that factor is fixed
    left_var: float              # sum of left_full where it is a person's extra names' factor
    org: bool                    # legal form or generic word: not compared as a person
    joined: str


@lru_cache(maxsize=4096)
def _words(n: NormalName) -> _Words:
    return _make_words(n)


def _make_words(n: NormalName) -> _Words:
    tokens = n.tokens
    pair_soft = n.soft or tokens
    soft, cross_soft, skel, length, first, weight, left_full, left_factor, content = ([] for _ in range(9))
    org = bool(n.legal)
    for t, ps in zip(tokens, pair_soft, strict=True):
        soft.append(soften(t))
        cross_soft.append(_cross_soft(ps) or t)
        skel.append(skeleton(t))
        length.append(len(t))
        first.append(ord(t[0]))
        weight.append(_weight(t))
        left_full.append(_left_weight(t) if tokens.count(t) == 1 else 0.0)
        left_factor.append(0.2 if t.endswith(_PATRONYMIC) and len(t) > 7 else 1.0 if t in QUALIFIERS else -1.0)
        generic = t in GENERIC
        org = org or generic
        content.append(not generic and t not in _PARTICLES)
    return _Words(tokens, tuple(soft), tuple(cross_soft), pair_soft, tuple(skel), tuple(length), tuple(first),
                  tuple(weight), tuple(left_full), tuple(left_factor), tuple(content), sum(left_full),
                  sum(lw * f for lw, f in zip(left_full, left_factor, strict=True) if f >= 0),
                  sum(lw for lw, f in zip(left_full, left_factor, strict=True) if f < 0), org, "".join(tokens))


def _cross_kind(q: NormalName, c: NormalName) -> int:
    """`compare`'s `cross`: 0 same script, 1 another script, 2 one of them Arabic or Hebrew."""
    return 0 if q.script == c.script else (2 if {q.script, c.script} & {"arabic", "hebrew"} else 1)


def _screen(q: NormalName, cands: Sequence[NormalName], min_score: float,
            words: Sequence[_Words] | None = None) -> tuple[list[bool], _Far | None]:
    """For each candidate, True when `compare(q, c)` cannot reach `min_score` (so it need not be scored), and the
    word pairs of the query and the candidates that score 0.5 or less in the same script (`_align` drops those
    without comparing them in Python).

    All word pairs of the query and the candidates are bounded in a few C calls (rapidfuzz `cdist`): `u` is at
    least what `_token_sim` gives the pair (each way it can reach a value, without the checks that lower it).
    `compare`'s score before its caps is matched / (matched weight + penalty) over one-to-one word pairs, and it
    reaches m only when the sum over pairs of (sim - m) * weight, minus m * penalty of the words left over, is not
    negative. Each word takes its share of that sum: its best pair's (u - m) * its own weight (a word of one letter
    weighs 1 in an initial pair), or being left over (-m * its weight * the smallest factor `_align` may apply);
    the sum of the best shares over all words of both names bounds the sum of any alignment. A candidate whose
    bound is negative, and which neither the one-string comparison nor a pair of one word with two glued words
    could lift, is skipped; so is one with no possible strong pair, which `compare` holds at 0.6. The property test
    `test_search_shortcuts_change_no_score` checks the bound against `compare`."""
    out = [False] * len(cands)
    if not q.tokens:
        return out, None
    use = [k for k, c in enumerate(cands) if c.tokens]
    if not use:
        return out, None
    qw = _words(q)
    ws = [words[k] if words is not None else _words(cands[k]) for k in use]
    kinds = [_cross_kind(q, cands[k]) for k in use]
    tok: list[str] = []
    soft: list[str] = []
    skel: list[str] = []
    starts: list[int] = []                      # the first column of each candidate's words
    for w in ws:
        starts.append(len(tok))
        tok += w.tokens
        soft += w.soft
        skel += w.skel
    e = _MARGIN
    lev = process.cdist(qw.tokens, tok, scorer=OSA.normalized_similarity, dtype=np.float64)
    ss = process.cdist(qw.soft, soft, scorer=Levenshtein.normalized_similarity, dtype=np.float64)
    sk = process.cdist(qw.skel, skel, scorer=Levenshtein.normalized_similarity, dtype=np.float64)
    # `_token_sim` is above 0.5 only when one of these is (each way it reaches a value, see `_pair_bound`).
    near = (lev > 0.5 - e) | (ss > 0.5 / 0.95 - e)
    if 2 in kinds:
        abjad = np.repeat(np.array(kinds) == 2, [len(w.tokens) for w in ws])
        near |= (sk > 0.5 / 0.85 - e) & abjad[None, :]
    cross = 1 in kinds
    if cross:
        sx = process.cdist(qw.cross_soft, [x for w in ws for x in w.cross_soft],
                           scorer=Levenshtein.normalized_similarity, dtype=np.float64)
        near |= sx > 0.5 / 0.97 - e
    if 1 in qw.length or any(1 in w.length for w in ws):
        near |= np.add.outer(np.array(qw.length) == 1, np.array([x for w in ws for x in w.length]) == 1)
    ii, jj = np.nonzero(near)
    close: list[tuple[int, int]] = []                    # same-script pairs above 0.5 (the others are `far`)
    pairs: list[list[tuple[int, int, float, bool]]] = [[] for _ in ws]
    if len(ii):
        ii_l, jj_l = ii.tolist(), jj.tolist()
        got = zip(ii_l, jj_l, lev[ii, jj].tolist(), ss[ii, jj].tolist(), sk[ii, jj].tolist(),
                  sx[ii, jj].tolist() if cross else [0.0] * len(ii_l), strict=True)
        content = qw.content
        for i, j, lv, so, sq, sc in got:
            pos = bisect_right(starts, j) - 1
            jw = j - starts[pos]
            a_len, b_len = qw.length[i], ws[pos].length[jw]
            u0 = _pair_bound(0, lv, so, sq, sc, a_len, b_len, qw.first[i] == ws[pos].first[jw])
            if u0 > 0.5 - e:
                close.append((i, j))
            kind = kinds[pos]
            u = u0 if not kind else _pair_bound(kind, lv, so, sq, sc, a_len, b_len, qw.first[i] == ws[pos].first[jw])
            if u <= 0.5 - e:
                continue                                  # never paired by `_align`
            u += e
            short = min(a_len, b_len)
            initial_only = (a_len == 1 or b_len == 1) and lv < 1.0
            is_strong = u >= 0.8 and (short > 3 or u >= 0.95) and not initial_only and content[i]
            if not kind and u < 0.8 and short >= 5 and not initial_only:
                # A long word spelt quite differently (a typo under 0.8) counts its similarity squared, or is held
                # at 0.6 by a check.
                u = max(u * u, min(u, 0.6 + e))
            pairs[pos].append((i, jw, u, is_strong))
    if min_score > 0:
        for pos, w in enumerate(ws):
            out[use[pos]] = _hopeless(qw, w, kinds[pos], pairs[pos], min_score)
        if all(out):
            return out, None
    rows = [[True] * len(tok) for _ in qw.tokens]
    for i, j in close:
        rows[i][j] = False
    return out, ({t: j for j, t in enumerate(tok)}, rows)


def _hopeless(qw: _Words, w: _Words, kind: int, pairs: list[tuple[int, int, float, bool]], min_score: float) -> bool:
    """Whether `compare` surely scores the candidate under `min_score`, from its possible word pairs (see
    `_screen`)."""
    if pairs:
        m = (min_score - _ROUNDING) / (_CROSS_FACTOR if kind else 1.0)
        n_strong = min(len({i for i, _, _, st in pairs if st}), len({j for _, j, _, st in pairs if st}))
        if _bound(qw, w, pairs, m, n_strong) >= -_MARGIN and (
                n_strong or min_score <= _NO_STRONG_CAP + _ROUNDING
                or (len(w.tokens) == len(qw.tokens) >= 3 and set(w.tokens) <= set(qw.tokens))):
            return False  # may reach min_score (no strong pair: perhaps the same words throughout, not held at 0.6)
    if len(w.tokens) == len(qw.tokens):
        return True
    if _glue_possible(qw, w, kind, min_score):
        return False
    return kind == 2 or not _joined_possible(qw.cross_soft if kind else qw.pair_soft,
                                             w.cross_soft if kind else w.pair_soft, kind)


def _pair_bound(kind: int, lev: float, soft: float, sk: float, cross_soft: float, a_len: int, b_len: int,
                same_first: bool) -> float:
    """At least what `_token_sim` gives a word pair of `kind` (0 same script, 1 another script, 2 Arabic or
    Hebrew), from OSA similarity `lev`, the similarities of the soft spellings (same script, across scripts) and of
    the sound keys, each way it can reach a value without the checks that lower it."""
    e = _MARGIN
    if lev >= 1.0:
        return 1.0
    if a_len == 1 or b_len == 1:
        return 0.85 if same_first else 0.0      # an initial
    if kind == 0:
        # Same spelling (0.95) or typo (lev, 0.95 * soft), the same sound key with lev >= 0.65 or 0.95 * soft
        # >= 0.66 (0.85-0.9), 0.85 * sk when lev >= 0.7.
        soft *= 0.95
        u = max(lev, soft)
        if sk >= 1.0 - e and (lev >= 0.65 - e or soft >= 0.66 - e):
            u = max(u, 0.9)
        if lev >= 0.7 - e:
            u = max(u, 0.85 * sk)
        return u
    if kind == 2:
        # Arabic and Hebrew: the consonant key (0.8-0.88 when the same), else lev or 0.85 * sk.
        return max(lev, 0.85 * sk, 0.88 if sk >= 1.0 - e else 0.0)
    # Across scripts: the soft spellings (0.9 or 0.97 of their similarity), the sound key with a close soft
    # spelling (0.93), half soft half sound key.
    sx = cross_soft * (0.9 if min(a_len, b_len) <= 4 else 0.97)
    u = max(lev, sx)
    if sx >= 0.6 - e:
        u = max(u, 0.93 if sk >= 1.0 - e else 0.0, 0.5 * sx + 0.5 * sk)
    return u


def _bound(qw: _Words, cw: _Words, pairs: list[tuple[int, int, float, bool]], m: float, n_strong: int) -> float:
    """The sum over both names' words of each word's best share of matched - m * (weight + penalty) (see
    `_screen`): `compare`'s word alignment reaches m only when this is not negative."""
    # Left over: -m * weight * factor; the factor is 1 unless `_align` may lower it, and only when the other name
    # has two words or more: a word written twice in the name (0), a patronymic (0.2), a person's extra names
    # when two or three strong pairs are possible (0.75, 0.3; 0.2 in a name of four words or more); place
    # names 1.
    factor = 1.0
    if n_strong >= 2 and not (qw.org or cw.org):
        factor = 0.3 if n_strong >= 3 else 0.75
        if max(len(qw.tokens), len(cw.tokens)) >= 4:
            factor = 0.2   # the inner links of a long name chain (`matcher._name_chain`)
    wide_q, wide_c = len(cw.tokens) >= 2, len(qw.tokens) >= 2
    # Every word left over, then each paired word's gain over that.
    total = -m * (_left_sum(qw, wide_q, factor) + _left_sum(cw, wide_c, factor))
    best_q: dict[int, float] = {}
    best_c: dict[int, float] = {}
    for i, j, val, _ in pairs:
        gain = val - m
        vq, vc = gain * qw.weight[i], gain * cw.weight[j]
        if qw.length[i] == 1 or cw.length[j] == 1:
            vq, vc = max(vq, gain), max(vc, gain)     # an initial pair weighs 2, one for each word
        if vq > best_q.get(i, -np.inf):
            best_q[i] = vq
        if vc > best_c.get(j, -np.inf):
            best_c[j] = vc
    for best, w, wide in ((best_q, qw, wide_q), (best_c, cw, wide_c)):
        for i, v in best.items():
            f = w.left_factor[i]
            left = -m * w.left_full[i] * (1.0 if not wide else f if f >= 0 else factor)
            if v > left:
                total += v - left
    return total


def _left_sum(w: _Words, wide: bool, factor: float) -> float:
    """What all words of a name left over cost at least, over m (see `_bound`)."""
    return w.left_sum if not wide else w.left_fixed + factor * w.left_var


def _glue_possible(qw: _Words, cw: _Words, kind: int, min_score: float) -> bool:
    """Whether `compare`'s comparison of the names as one string could reach `min_score`."""
    short, long_ = sorted((len(qw.joined), len(cw.joined)))
    if short < 5:
        return False
    target = min_score - _ROUNDING
    # A similarity is at most the shorter length over the longer one.
    if not kind:
        return 0.96 * short >= target * long_ and (
            0.96 * Levenshtein.normalized_similarity(qw.joined, cw.joined) >= target)
    if target > _CROSS_FACTOR * 0.86:
        return False
    cq, cq_sorted = _crude_joined(qw.tokens)
    cc, cc_sorted = _crude_joined(cw.tokens)
    if min(len(cq), len(cc)) < 6:
        return False
    glue = max(0.86 * Levenshtein.normalized_similarity(cq, cc),
               0.84 * Levenshtein.normalized_similarity(cq_sorted, cc_sorted))
    return _CROSS_FACTOR * glue >= min_score - _ROUNDING


@lru_cache(maxsize=20_000)
def _crude_joined(tokens: tuple[str, ...]) -> tuple[str, str]:
    """The coarse keys of a name's words glued, in order and sorted (as `compare` glues them across scripts)."""
    crudes = [crude(t) for t in tokens]
    return _collapse("".join(crudes)), _collapse("".join(sorted(crudes)))


def _joined_possible(qs: tuple[str, ...], cs: tuple[str, ...], cross: int = 0) -> bool:
    """Whether `_align` could pair one word with two words written apart, ignoring which words are already used
    (`qs`, `cs`: the spellings `_align` glues: soft spellings, across scripts made nearer katakana)."""
    a_side, b_side = (qs, cs) if len(qs) < len(cs) else (cs, qs)
    twos = [b_side[j] + b_side[j + 1] for j in range(len(b_side) - 1)]
    for a in a_side:
        if cross:
            if len(a) < 4:
                continue
            # Across scripts `_token_sim` reaches 0.8 only with OSA similarity >= 0.8 or 0.97 * Levenshtein
            # similarity >= 0.6 (OSA's is never lower): the glued words further than that need no comparison.
            cutoff = 0.6 / 0.97 - _MARGIN
            for two in twos:
                if (min(len(a), len(two)) >= cutoff * max(len(a), len(two))
                        and OSA.normalized_similarity(a, two, score_cutoff=cutoff)
                        and _token_sim(a, two, cross)[0] >= 0.8 - _MARGIN):
                    return True
            continue
        if len(a) < 4 and len(a) != 2:
            continue
        for j, two in enumerate(twos):
            if b_side[j][:1] != a[0]:
                continue
            if len(a) == 2 and a == b_side[j][0] + b_side[j + 1][:1]:
                return True
            if _token_sim(a, two, cross)[0] >= 0.8 - _MARGIN:
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
