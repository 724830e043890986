"""The name index (pure): candidate selection and the search shortcut, checked against plain reference versions."""

from __future__ import annotations

import random
from functools import lru_cache
from typing import Any

import pytest

from smartcustoms.screening import index as ix
from smartcustoms.screening.index import IndexedName, NameIndex, _keys
from smartcustoms.screening.matcher import THRESHOLD
from smartcustoms.screening.normalize import normalise


@lru_cache(maxsize=1)
def _sample_index() -> tuple[NameIndex, list[str]]:
    from smartcustoms.screening.defaults import read_defaults

    names = [n.name for _, _, entries in read_defaults() for e in entries for n in e.names][::25]
    return NameIndex.build(IndexedName(k, n) for k, n in enumerate(names)), names


def _near(name: str, rng: random.Random) -> str:
    """A near spelling: a letter changed or dropped, a word left out, or the words swapped."""
    words = name.split()
    how = rng.randrange(4)
    if how == 0 and len(words) > 1:
        return " ".join(words[1:])
    if how == 1 and len(words) > 1:
        return " ".join(reversed(words))
    k = rng.randrange(len(name))
    return name[:k] + rng.choice(["", "a", "e", "y", "k"]) + name[k + 1:]


def _without_shortcut(q: Any, cands: Any, min_score: float, words: Any = None) -> tuple[list[bool], None]:
    return [False] * len(cands), None


@pytest.mark.parametrize("min_score", [THRESHOLD, 0.7])
def test_search_results_are_the_same_without_the_shortcut(monkeypatch: pytest.MonkeyPatch, min_score: float) -> None:
    # The bound skips candidates that cannot reach min_score; every result (names, scores, reasons, order) must be
    # what scoring every prefiltered candidate in full gives. List names of every script and near spellings.
    index, names = _sample_index()
    rng = random.Random(7)
    queries = rng.sample(names, 150) + [_near(n, rng) for n in rng.sample(names, 150)]
    queries += ["Ivan Petrov", "Karim Nasser", "K. Morozov", "株式会社東芝", "محمد علي", "Kim Jong Un"]
    with_shortcut = [index.search(q, limit=10, min_score=min_score) for q in queries]
    monkeypatch.setattr(ix, "_screen", _without_shortcut)
    without = [index.search(q, limit=10, min_score=min_score) for q in queries]
    assert with_shortcut == without
    assert sum(1 for found in without if found) >= 150   # the list names find themselves at least


def test_search_scores_candidates_the_bound_cannot_rule_out(monkeypatch: pytest.MonkeyPatch) -> None:
    # The shortcut is used: most candidates of a name that matches nothing are never scored in full.
    index, _ = _sample_index()
    scored: list[int] = []
    compare = ix.compare  # type: ignore[attr-defined]

    def counting(q: Any, c: Any, explain: bool = True, far: Any = None) -> Any:
        scored.append(1)
        return compare(q, c, explain=explain, far=far)

    monkeypatch.setattr(ix, "compare", counting)
    for name in ("Patricia Lucas Wheeler", "Jonathan Miller", "Ahmed Hassan Khalil", "Svetlana Morozova"):
        assert index.search(name, limit=1, min_score=0.99) == []
    assert len(scored) < 4 * ix.PREFILTER


def _reference_candidates(index: NameIndex, name: str, cap: int) -> list[int]:
    """Sum of rarity weights of the keys each name shares with the query (lists above max_postings after the
    smallest dropped, each cut at max_postings); the best `cap`, ties to the lower id."""
    q = normalise(name)
    total = len(index.names)
    lists = sorted((index.postings[k] for k in _keys(q, coarse=False) if k in index.postings), key=len)
    weights: dict[int, float] = {}
    for n, plist in enumerate(lists):
        if len(plist) > index.max_postings and n:
            break
        for nid in plist[: index.max_postings]:
            weights[nid] = weights.get(nid, 0.0) + 1.0 / (1.0 + len(plist) / total * 50)
    return sorted(weights, key=lambda nid: (-weights[nid], nid))[:cap]


def test_candidates_are_the_names_sharing_the_rarest_keys() -> None:
    # Many names with common words (several hundred postings): the best by summed rarity, ties to the lower ids.
    rng = random.Random(3)
    given = ["Ivan", "Petr", "Sergei", "Anna", "Olga", "Maria", "Nikolai", "Elena"]
    surnames = ["Petrov", "Ivanov", "Smirnov", "Kuznetsov", "Popov", "Sokolov", "Lebedev", "Kozlov", "Novikov"]
    names = [f"{rng.choice(given)} {rng.choice(surnames)}" for _ in range(1500)] + ["Ivan Petrovich Sokolov"]
    index = NameIndex.build(IndexedName(k, n) for k, n in enumerate(names))
    for query in ("Ivan Petrov", "Olga Sokolova", "Ivan Petrovich Sokolov", "Maria Novikov Popov"):
        assert index.candidates(normalise(query), cap=40) == _reference_candidates(index, query, 40)
    assert len(index.candidates(normalise("Ivan Petrov"), cap=2000)) == len(
        _reference_candidates(index, "Ivan Petrov", 2000))
