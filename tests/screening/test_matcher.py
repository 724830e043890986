"""Matcher scoring rules that keep look-alike names apart (pure): each rule is shown holding a different name under the
threshold while the same name spelt another way still matches."""

from __future__ import annotations

from functools import lru_cache

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smartcustoms.screening.index import IndexedName, NameIndex, _screen
from smartcustoms.screening.matcher import THRESHOLD, compare, score_names
from smartcustoms.screening.normalize import normalise


def matches(a: str, b: str) -> bool:
    return score_names(a, b).score >= THRESHOLD


@pytest.mark.parametrize(("a", "b"), [("Ivana Petrova", "Ivan Petrov"), ("Aleksandra Ivanova", "Aleksandr Ivanov"),
                                      ("Luisa Moreno", "MORENO, Luis")])
def test_feminine_and_masculine_forms_are_two_people(a: str, b: str) -> None:
    ps = score_names(a, b)
    assert ps.score < THRESHOLD
    assert "feminine / masculine" in ps.reason


def test_gender_rule_leaves_spelling_variants_and_organisations_alone() -> None:
    assert matches("Natalia Ivanova", "Natalya Ivanova")
    assert matches("Aleksandr Ivanov", "Alexander Ivanov")
    # Organisation names take the genitive (Plant of Kirov): no gender there.
    assert matches("Kirov Plant JSC", "Kirova Plant JSC")


def test_arabic_script_long_vowels_tell_names_apart() -> None:
    # Long vowels are written in Arabic script: محمود has و (Mahmoud), محمد none (Muhammad); حسين has ي (Hussein).
    assert matches("محمود عباس", "Mahmoud Abbas")
    assert not matches("محمد عباس", "Mahmoud Abbas")
    assert matches("حسين علي", "Hussein Ali")
    assert not matches("حسين علي", "Hassan Ali")
    assert "written long vowels differ" in score_names("حسين علي", "Hassan Ali").reason


def test_korean_given_names_differ_by_their_vowels() -> None:
    # 성호 is Seong-ho (Sung-ho, Song-ho in other systems), never Sang-ho.
    assert matches("성호 김", "Kim Sung-ho")
    assert matches("성호 김", "KIM, Song Ho")
    assert not matches("성호 김", "Kim Sang-ho")


def test_listed_surname_and_first_given_name_must_be_there() -> None:
    # "SURNAME, Given Middle": the middle name and the surname are not the person.
    ps = score_names("Peter Smithers", "SMITHERS, John Peter")
    assert ps.score < THRESHOLD and "not matched" in ps.reason
    assert matches("John Smithers", "SMITHERS, John Peter")
    assert not matches("John Peter", "SMITHERS, John Peter")


def test_one_word_against_a_full_name() -> None:
    assert not matches("Ingrid Om", "INGRID")
    assert not matches("Osman Yildirimoglu", "Osman")      # a surname ending like a patronymic is still a name
    assert matches("IvanDrago", "Ivan Drago")              # one word written for two is not "one word"


def test_index_search_applies_the_rules() -> None:
    index = NameIndex.build(IndexedName(k, n) for k, n in enumerate(
        ["PETROV, Ivan", "Hassan ALI", "Hussein ALI", "SMITHERS, John Peter"]))
    found = index.search("Ivana Petrova", limit=3, min_score=THRESHOLD)
    assert found == []
    found = index.search("حسين علي", limit=3, min_score=THRESHOLD)
    assert [m.name for m in found] == ["Hussein ALI"]
    found = index.search("John Smithers", limit=3, min_score=THRESHOLD)
    assert [m.key for m in found] == [3]


def test_initials_of_two_words_are_a_persons_convention() -> None:
    assert matches("JP Morel", "Jean-Pierre Morel")
    assert not matches("ED Mall LLC", "Eastern Delta Mall LLC")


def test_words_of_one_kanji_read_across_scripts_are_not_enough() -> None:
    reading = " ".join(normalise("高 林").tokens).title()    # whatever the reading, the same spelling in Latin
    ps = score_names("高 林", reading)
    assert ps.score < THRESHOLD
    assert "single kanji" in ps.reason
    assert matches("東芝", "Toshiba")          # a name of several kanji read as a word still matches



_SYLLABLES = ["al", "an", "ar", "el", "ev", "ia", "ik", "in", "ko", "ma", "mi", "na", "ov", "ra", "sa", "ser", "ta",
              "va", "ya", "y", "s", "ch", "kh", "ei"]
_WORDS = ["bin", "al", "group", "trading", "holding", "j", "m"]


def _made_up_names() -> st.SearchStrategy[str]:
    word = st.one_of(st.lists(st.sampled_from(_SYLLABLES), min_size=1, max_size=4).map("".join),
                     st.sampled_from(_WORDS))
    return st.lists(word, min_size=1, max_size=4).map(" ".join)


@settings(max_examples=300, deadline=None)
@given(query=_made_up_names(), listed=st.lists(_made_up_names(), min_size=1, max_size=12),
       edits=st.lists(st.tuples(st.integers(0, 40), st.sampled_from(["", "a", "e", "k", "y", " "])), max_size=6),
       min_score=st.sampled_from([0.0, 0.7, THRESHOLD, 0.95]))
def test_search_shortcuts_change_no_score(query: str, listed: list[str], edits: list[tuple[int, str]],
                                          min_score: float) -> None:
    # The search skips candidates that cannot reach min_score and word pairs that score too little to be paired:
    # every score must be what the full comparison gives, and no skipped candidate could have reached min_score.
    # Near spellings of the query (one letter changed at a time) are among the listed names.
    near = query
    for pos, letter in edits:
        k = pos % len(near)
        near = near[:k] + letter + near[k + 1:]
        if near.strip():
            listed = [*listed, near]
        else:
            near = query
    _check_shortcuts(query, listed, min_score)


# Words of other scripts (read across scripts: Cyrillic, katakana, Arabic, Hangul), capitals, commas and hyphens as
# lists write them, and long name chains, so that every way `compare` scores is met.
_SCRIPT_WORDS = ["Иван", "Петров", "Сергеевич", "イワン", "ペトロフ", "セルゲイ", "キム", "محمد", "حسين", "علي",
                 "김", "성호", "IVAN", "Petrov", "PETROVA", "Ivanovich", "Karim", "KARIM", "Nasser", "ul", "Abdul",
                 "Mohammad", "Muhammad", "V.", "JC", "Mohammadi", "Ltd", "Bank", "China", "Ali-Khan", "bin"]


def _listed_names() -> st.SearchStrategy[str]:
    syllables = st.lists(st.sampled_from(_SYLLABLES), min_size=1, max_size=4).map("".join)
    word = st.one_of(syllables, syllables.map(str.upper), syllables.map(str.title), st.sampled_from(_WORDS),
                     st.sampled_from(_SCRIPT_WORDS))
    plain = st.lists(word, min_size=1, max_size=6).map(" ".join)
    surname_first = st.tuples(word, st.lists(word, min_size=1, max_size=4)).map(
        lambda t: f"{t[0].upper()}, {' '.join(t[1])}")
    chain = st.lists(st.one_of(syllables, syllables.map(str.title)), min_size=4, max_size=6).map(" ".join)
    return st.one_of(plain, surname_first, st.lists(word, min_size=2, max_size=3).map("-".join), chain)


@settings(max_examples=400, deadline=None)
@given(query=_listed_names(), listed=st.lists(_listed_names(), min_size=1, max_size=10),
       drop=st.lists(st.integers(0, 8), max_size=3), keep=st.integers(1, 8),
       min_score=st.sampled_from([0.3, 0.6, 0.7, 0.8, THRESHOLD, 0.87, 0.9, 0.95]))
def test_search_bound_holds_across_scripts_and_long_names(query: str, listed: list[str], drop: list[int],
                                                         keep: int, min_score: float) -> None:
    # The bound in `_screen` over-approximates `compare` for names in other scripts, written "SURNAME, Given", with
    # hyphens, long name chains and their short forms (the query with words left out, and its first word with one
    # other, are among the listed names).
    words = query.split()
    short = " ".join(w for k, w in enumerate(words) if k not in drop)
    listed = [*listed, short, f"{words[0]} {words[keep % len(words)]}"]
    _check_shortcuts(query, [n for n in listed if n.strip(" ,-")], min_score)


def _check_shortcuts(query: str, listed: list[str], min_score: float) -> None:
    q = normalise(query)
    cands = [normalise(n) for n in listed]
    skip, far = _screen(q, cands, min_score)
    for c, skipped in zip(cands, skip, strict=True):
        full = compare(q, c)
        assert compare(q, c, far=far) == full
        if skipped:
            assert full.score < min_score, (query, c.original, full)


@lru_cache(maxsize=1)
def _shipped_names() -> list[str]:
    from smartcustoms.screening.defaults import read_defaults

    names = [n.name for _, _, entries in read_defaults() for e in entries for n in e.names]
    return names[::7]   # every script and list, about 15,000 names


@settings(max_examples=300, deadline=None)
@given(data=st.data(), min_score=st.sampled_from([0.5, 0.7, THRESHOLD, 0.9]))
def test_search_bound_holds_for_list_names(data: st.DataObject, min_score: float) -> None:
    # Real list names (every list and script of the shipped set) against each other and against near spellings
    # of themselves: one letter changed, a word left out, words swapped.
    names = _shipped_names()
    query = data.draw(st.sampled_from(names))
    listed = data.draw(st.lists(st.sampled_from(names), min_size=1, max_size=8))
    words = query.split()
    k = data.draw(st.integers(0, max(len(query) - 1, 0)))
    listed += [query[:k] + data.draw(st.sampled_from(["", "a", "i", "o", "y", " "])) + query[k + 1:],
               " ".join(words[1:]) or query, " ".join(reversed(words))]
    _check_shortcuts(query, [n for n in listed if n.strip()], min_score)


def test_name_of_common_words_matches_only_word_for_word() -> None:
    # Words such as Research, Engineering, Services make no match on their own; the same name word for word does
    # (word order and legal forms aside), and it is found through the index.
    name = "International Engineering Research Services LLC"
    assert matches("Research and Engineering Services International Ltd", name)
    assert not matches("Research and Engineering Services", "Research Services International")
    assert not matches("Engineering Research Services", "Engineering Research Services International")
    index = NameIndex.build(IndexedName(k, n) for k, n in enumerate(
        ["Industrial Research Institute", "Engineering Services Co", name, "Research Engineering Trading"]))
    found = index.search("Research and Engineering Services International Ltd", min_score=THRESHOLD)
    assert [m.name for m in found] == [name]


def test_short_form_of_a_long_name_chain() -> None:
    # A name of four words or more (given, father's, grandfather's, family name) is commonly shortened to the given
    # name and one of the others; the inner names left out then weigh little.
    assert matches("Karim Nasser", "KARIM TAREQ SALIM NASSER")
    assert matches("KARIM TAREQ SALIM NASSER", "Karim Nasser")
    assert matches("Karim Nasser", "NASSER, Karim Tareq Salim")
    # Not when the given names are not aligned, when a surname is left out (written before the comma or in
    # capitals), when the matched word is part of a hyphenated name, or when the short name is one compound name.
    assert not matches("Tareq Nasser", "KARIM TAREQ SALIM NASSER")
    assert not matches("Lucia Morales", "MORALES VEGA, Lucia Fernanda Isabel")
    assert not matches("Lucia Morales", "Lucia Fernanda Isabel MORALES VEGA")
    assert not matches("Karim Nasser", "KARIM-UL-HAQ TAREQ SALIM NASSER")
    assert not matches("Abdul Karim", "ABDUL KARIM TAREQ NASSER")
    # Organisations get no allowance.
    assert not matches("Nasser Karim Trading", "Nasser Karim Tareq Salim Trading")


def test_initial_of_the_given_name_with_the_surname() -> None:
    # V. Putin is how Vladimir Putin is shortened: the initial of the first given name and the same surname.
    for short in ("K. Morozov", "MOROZOV, K."):
        ps = score_names(short, "Konstantin Morozov")
        assert THRESHOLD <= ps.score < 0.9 and "initial" in ps.reason
    assert not matches("M. Morozov", "Konstantin Morozov")
    assert not matches("K. Li", "Kang Li")                     # a short surname is too little to go on
    assert not matches("K. Morozov", "Константин Морозов")     # across scripts the surname is a reading


def test_index_search_finds_short_forms() -> None:
    # The search's shortcuts must keep what `compare` scores at the threshold: short forms of a name chain and an
    # initial with the surname.
    index = NameIndex.build(IndexedName(k, n) for k, n in enumerate(
        ["KARIM TAREQ SALIM NASSER", "Konstantin Morozov", "Karim Said", "Morozov Trading"]))
    assert [m.key for m in index.search("Karim Nasser", min_score=THRESHOLD)] == [0]
    assert [m.key for m in index.search("K. Morozov", min_score=THRESHOLD)] == [1]


def test_a_numbered_organisation_is_not_the_one_without_the_number() -> None:
    for numbered, plain in (("Nordic Freight Solutions II A/S", "Nordic Freight Solutions A/S"),
                            ("Harbour Services 2 LLC", "Harbour Services LLC")):
        ps = score_names(numbered, plain)
        assert ps.score < THRESHOLD and "a number on one side only" in ps.reason
    # Two numbers are left to the word scores (a fund's series); persons are not numbered entities.
    assert "number" not in score_names("Atlas Partners IV LP", "Atlas Partners V LP").reason
    assert matches("Nordic Freight Solutions II A/S", "Nordic Freight Solutions II AS")
    assert "number" not in score_names("John Carter III", "John Carter").reason
