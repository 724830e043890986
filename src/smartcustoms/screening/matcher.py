"""Name matcher (pure): pairwise scoring with reasons (the index that proposes candidates is in index.py).

Scoring aligns the content tokens of two normalised names (legal forms and honorifics removed) one to one, each
pair scored by exact equality, phonetic skeleton, initials or edit distance (rapidfuzz), weighted by token length;
tokens left unmatched on either side count against the score. Word order does not matter. A name made only of
legal-form words has no content and matches nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz.distance import OSA, Levenshtein

from smartcustoms.screening.normalize import (
    GENERIC,
    QUALIFIERS,
    NormalName,
    crude,
    fold,
    is_number,
    normalise,
    skeleton,
    soften,
    variants,
)

# Operating threshold: see docs/screening.md for how it was chosen.
THRESHOLD = 0.85
_DOUBLE = re.compile(r"(.)\1+")


@dataclass(frozen=True)
class PairScore:
    score: float
    reason: str


@lru_cache(maxsize=400_000)
def _token_sim(a: str, b: str, cross: int, sa: str = "", sb: str = "") -> tuple[float, str]:
    """Similarity of two tokens: `cross` 0 same script, 1 another script, 2 a script without vowels (Arabic,
    Hebrew); `sa`/`sb` are their soft spellings (used across scripts)."""
    if a == b:
        return 1.0, "exact"
    if len(a) == 1 or len(b) == 1:
        short, long_ = (a, b) if len(a) == 1 else (b, a)
        if len(short) == 1 and long_.startswith(short):
            return 0.85, "initial"
        return 0.0, ""
    lev = OSA.normalized_similarity(a, b)  # OSA distance never exceeds Levenshtein's: the larger similarity
    ka, kb = skeleton(a), skeleton(b)
    sk = Levenshtein.normalized_similarity(ka, kb) if ka and kb else 0.0
    if not cross:
        # Same script: the sound key may lift a spelling variant, never make a match of different spellings.
        sa, sb = soften(a), soften(b)
        if sa == sb:
            return max(lev, 0.95), "spelling variant"
        soft = 0.95 * Levenshtein.normalized_similarity(sa, sb)
        if ka == kb and (lev >= 0.65 or (soft >= 0.66 and len(ka) >= 3)):
            return max(lev, soft, 0.9 if len(ka) >= 3 else 0.85), "phonetic"
        base = max(lev, soft)
        return (max(base, 0.85 * sk) if lev >= 0.7 else base), "typo"
    if cross == 2:
        # Arabic and Hebrew write consonants only: the consonant key is the evidence.
        if ka == kb and len(ka) >= 2:
            return (0.88 if len(ka) >= 3 else 0.8), "phonetic"
        return max(lev, 0.85 * sk if len(ka) >= 3 else 0.0), "transliteration"
    # Across scripts the spelling is a guess: compare soft spellings (vowels kept, katakana's added vowels
    # dropped); the consonant key lifts a close soft spelling, never makes a match of a distant one.
    soft = Levenshtein.normalized_similarity(sa or a, sb or b) * (0.9 if min(len(a), len(b)) <= 4 else 0.97)
    best = max(lev, soft)
    if soft >= 0.6 and ka == kb and len(ka) >= 3:
        return max(best, 0.93), "phonetic"
    if soft >= 0.6:
        best = max(best, 0.5 * soft + 0.5 * sk)
    return best, "transliteration"


_PATRONYMIC = ("ovich", "evich", "ovna", "evna", "ovic", "evic", "ogly", "oglu", "qizi", "kyzy")
_PARTICLES = frozenset(("bin", "ibn", "bint", "ben", "abu", "al", "el", "ul", "ud", "de", "da", "van", "von",
                        # religious and honorific titles written inside Arabic, Persian and Pashto names
                        "sayyid", "sayed", "sheikh", "shaykh", "mullah", "mulla", "maulana", "mawlana", "maulvi",
                        "mawlawi", "haji", "hajji", "alhaji", "qari", "mufti", "hafiz"))


def _weight(tok: str) -> float:
    if tok in GENERIC or tok in _PARTICLES:
        return 0.35 * min(len(tok), 8)
    return float(min(len(tok), 8))


def _left_weight(tok: str) -> float:
    # An initial left over weighs what a matched initial does (2), so "Sergei S. Ivanov" is closer to "Sergei
    # Sergeevich Ivanov" than to "Sergei Ivanov".
    return 2.0 if len(tok) == 1 and tok.isascii() and tok.isalpha() else _weight(tok)


# Word pairs known to score 0.5 or less (same script): a query's row per word, by the column of the other word.
_Far = tuple[dict[str, int], list[list[bool]]]


def _align(q: NormalName, c: NormalName, cross: int, persons: bool,
           far: _Far | None = None) -> tuple[float, int, set[str], list[tuple[int, int]]]:
    qt, ct = q.tokens, c.tokens
    qs, cs = q.soft or qt, c.soft or ct
    if cross:
        # Katakana and kana-like scripts write a final or pre-consonant "ng" as n (ン: Hong Kong ホンコン,
        # Yong Chol ヨンチョル): across scripts the two are one sound.
        # Katakana writes a final v as フ (-ov: コズロフ) and kh before a consonant as フ too (フロモフ Khromov).
        qs, cs = tuple(_cross_soft(t) for t in qs), tuple(_cross_soft(t) for t in cs)
    pairs: list[tuple[float, int, int, str]] = []
    check = _pair_check(_pure_script(q), _pure_script(c), persons)
    cols, rows = far if far is not None and not cross else ({}, [])
    for i, a in enumerate(qt):
        for j, b in enumerate(ct):
            k = cols.get(b)
            if k is not None and rows[i][k]:
                continue  # scores 0.5 or less: never paired (below)
            sim, how = _token_sim(a, b, cross, qs[i], cs[j]) if cross else _token_sim(a, b, 0)
            if sim > 0.5:
                why = check(a, b, qs[i], cs[j])
                if why:
                    sim, how = min(sim, _CHECK_CAP), why
                if sim > 0.5:
                    pairs.append((sim, i, j, how))
    pairs.sort(key=lambda p: (-p[0], abs(p[1] - p[2])))
    used_q: dict[int, int] = {}
    used_c: set[int] = set()
    matched = matched_w = 0.0
    hows: set[str] = set()
    strong = 0

    def take(chosen: list[tuple[float, int, int, str]]) -> None:
        nonlocal matched, matched_w, strong
        for sim, i, j, how in chosen:
            if i in used_q or j in used_c:
                continue
            used_q[i] = j
            used_c.add(j)
            w = 2.0 if how == "initial" else _weight(qt[i]) + _weight(ct[j])
            if not cross and how == "typo" and sim < 0.8 and min(len(qt[i]), len(ct[j])) >= 5:
                sim *= sim  # a long word spelt quite differently is more likely another name than a typo
            matched += sim * w
            matched_w += w
            hows.add(how)
            if (sim >= 0.8 and how != "initial" and qt[i] not in GENERIC and qt[i] not in _PARTICLES
                    and (min(len(qt[i]), len(ct[j])) > 3 or sim >= 0.95)):
                strong += 1

    # Close pairs first, then words written as one on one side and two on the other, then the weak pairs (so
    # that ヨンチョル meets Yong Chol rather than Chol alone).
    take([p for p in pairs if p[0] >= 0.85])
    # One word on one side written as two on the other (Suyon / Su Yong, Abdulaziz / Abdul Aziz).
    for side_a, side_b, used_a, used_b, flip in ((qs, cs, set(used_q), used_c, False),
                                                 (cs, qs, used_c, set(used_q), True)):
        if len(side_a) >= len(side_b) or cross == 2:  # consonant-only scripts: too little to split words on
            continue
        for i, a in enumerate(side_a):
            if i in used_a or (len(a) < 4 and (len(a) != 2 or cross)):
                continue
            for j in range(len(side_b) - 1):
                if j in used_b or j + 1 in used_b or (not cross and side_b[j][0] != a[0]):
                    continue
                sim, how = _token_sim(a, side_b[j] + side_b[j + 1], cross)
                if sim >= 0.8:
                    one, two = a, side_b[j] + side_b[j + 1]
                    if check(two, one, two, one) if flip else check(one, two, one, two):
                        sim = min(sim, _CHECK_CAP)
                if len(a) == 2 and not cross and persons and a == side_b[j][0] + side_b[j + 1][0]:
                    sim = 0.85  # initials of two given names (JC / Jean-Claude): a person's convention
                if sim >= 0.8:
                    w = _weight(a) + _weight(side_b[j] + side_b[j + 1])
                    matched += sim * w
                    matched_w += w
                    hows.add("joined words")
                    strong += 1
                    used_a.add(i)
                    used_b.update((j, j + 1))
                    if flip:
                        used_c.add(i)
                        used_q.update({j: i, j + 1: i})
                    else:
                        used_q[i] = j
                        used_c.update((j, j + 1))
                    break
    take([p for p in pairs if p[0] < 0.85])
    left_q = [t for k, t in enumerate(qt) if k not in used_q]
    left_c = [t for k, t in enumerate(ct) if k not in used_c]
    # A word written twice on one side (Sergey Sergey Shoigu) is the same word, not an extra name, when everything
    # else agrees.
    if not left_c and all(t in {qt[k] for k in used_q} for t in left_q):
        left_q = []
    if not left_q and all(t in {ct[k] for k in used_c} for t in left_c):
        left_c = []
    un_q = sum(_left_weight(t) for t in left_q)
    un_c = sum(_left_weight(t) for t in left_c)
    if left_q and left_c:
        penalty = un_q + un_c                    # different words on both sides: a different name
    else:
        extra = left_q or left_c
        shorter_n = len(ct) if left_q else len(qt)
        # Extra given/father/tribal names on one side only weigh less when the other side matched fully
        # with at least two strong words; patronymics and particles least.
        # Organisations get no such allowance: "Bowne Litigation Solutions" is not "Bowne Solutions", and a
        # country added to a bank's name is another bank.
        factor = 1.0
        if persons and strong >= 2 and shorter_n >= 2:
            factor = 0.3 if strong >= 3 else 0.75
            if _name_chain(q, c, bool(left_q), used_q):
                # The inner links of a long name chain (JANAN MOHAMMAD AHMED AGHA / JANAN AGHA) weigh what a
                # patronymic does.
                factor = 0.2
        penalty = sum(_left_weight(t) * (0.2 if (t.endswith(_PATRONYMIC) and len(t) > 7 and shorter_n >= 2) else
                                    1.0 if t in QUALIFIERS else factor) for t in extra)
    score = matched / (matched_w + penalty) if matched_w else 0.0
    order = sorted(used_q.items())
    return score, strong, hows, order


def compare(q: NormalName, c: NormalName, explain: bool = True, far: _Far | None = None) -> PairScore:
    """Score two normalised names in [0, 1] with a human-readable reason (only built when `explain`); `far`, from
    `_screen`, names word pairs that need not be compared (it changes no score)."""
    qt, ct = q.tokens, c.tokens
    if not qt or not ct:
        return PairScore(0.0, "no content words after removing legal forms and honorifics")
    cross = 0 if q.script == c.script else (2 if {q.script, c.script} & {"arabic", "hebrew"} else 1)
    persons = not (q.legal or c.legal or any(t in GENERIC for t in qt + ct))
    tok_score, strong, hows, order = _align(q, c, cross, persons, far)
    # Word-boundary differences (Abdullah / Abd Allah, VladimirPutin, Korean names read in katakana):
    # compare the names as one string.
    glue = 0.0
    qj, cj = "".join(qt), "".join(ct)
    if len(qt) != len(ct) and min(len(qj), len(cj)) >= 5:
        glue = 0.96 * Levenshtein.normalized_similarity(qj, cj) if not cross else 0.0
        if cross:
            cq = _collapse("".join(crude(t) for t in qt))
            cc = _collapse("".join(crude(t) for t in ct))
            cq_s = _collapse("".join(sorted(crude(t) for t in qt)))
            cc_s = _collapse("".join(sorted(crude(t) for t in ct)))
            if min(len(cq), len(cc)) >= 6:
                glue = max(glue, 0.86 * Levenshtein.normalized_similarity(cq, cc),
                           0.84 * Levenshtein.normalized_similarity(cq_s, cc_s))
    score = max(tok_score, glue)
    glued = glue > tok_score
    if cross:
        score *= 0.97  # a reading across scripts is weaker evidence than the same spelling
        if len(qt) == 1 or len(ct) == 1:
            # One word read across scripts is too little to go on, unless it reads exactly the same (東芝 Toshiba).
            score = min(score, 0.9 if qj == cj and len(qj) >= 5 else 0.8)
    # A name of common words only (Technology Development Group) has no strong word and is held at 0.6, unless it
    # is the same name word for word: three words or more, each matched exactly, none left over on either side.
    same_words = hows == {"exact"} and len(order) == len(qt) == len(ct) >= 3
    if strong == 0 and not glued and not same_words:
        score = min(score, 0.6)
    if "initial" in hows:
        # Initials are weak evidence: never a full match, and one full word plus initials is not enough.
        full = min(sum(1 for t in qt if len(t) > 1), sum(1 for t in ct if len(t) > 1))
        # The initial of the first given name and the same surname (V. Putin / Vladimir Putin) is how a person's
        # name is shortened: a little more, but not across scripts, where the surname alone is a reading (0.8).
        one_initial = persons and not cross and full == 1 and _initial_and_surname(q, c, order)
        score = min(score, 0.9 if full >= 2 else 0.87 if one_initial else 0.8)
    notes: list[str] = []
    if (persons and not glued and score > 0.84 and min(len(qt), len(ct)) == 1 and max(len(qt), len(ct)) >= 2
            and "joined words" not in hows):
        # One word against a full name (ADITYA / Aditya Om): a given name alone is not a person.
        score = 0.84
        notes.append("one word against a full name")
    if persons and not glued and score > 0.84:
        matched_q = {i for i, _ in order}
        matched_c = {j for _, j in order}
        for n, matched, other in ((q, matched_q, ct), (c, matched_c, qt)):
            missing = [n.tokens[k] for k in _principal(n.original, len(n.tokens)) if k not in matched]
            if missing and len(other) >= 2:
                # "SURNAME, Given Middle": the surname and the first given name are the name; matching the middle
                # name and the surname (Nicholas Griffin / GRIFFIN, Paul Nicholas) is another person.
                score = 0.84
                notes.append(f"{', '.join(missing)} (surname or first given name) not matched")
                break
    if not persons and score > 0.84 and _number_on_one_side(qt, ct, order):
        # A numbered organisation is not the one without the number (Solutions II / Solutions, Harbour Services 2 /
        # Harbour Services). Two different numbers are left to the word scores: the labelled pairs disagree there.
        score = 0.84
        notes.append("a number on one side only")
    if cross and score > 0.84 and (_lone_kanji(q.original) or _lone_kanji(c.original)):
        # A kanji alone has several readings (梁 ryo, ryang, liang): words of one kanji each read across scripts
        # are a guess, not enough for a match on their own.
        score = 0.84
        notes.append("each word a single kanji, read across scripts")
    if cross and max(len(t) for t in (qt if q.script not in ("latin", "other") else ct)) <= 2 and score > 0.8:
        # Names of one-letter-reading syllables read across scripts (浩 胡 → ko ko): too little to go on.
        score = 0.8
    if _inner_bin(qt) and _inner_bin(ct) and len(order) >= 3 and not glued:
        # Muhammad bin Salman is the son of Salman: swapping the names around "bin" is another person.
        qi, ci = qt.index("bin"), ct.index("bin")
        before_q = {qt[i] for i in range(qi)}
        before_c = {ct[j] for j in range(ci)}
        if any((qt[i] in before_q) != (ct[j] in before_c) for i, j in order if qt[i] != "bin"):
            score *= 0.8
            notes.append("names around 'bin' swapped")
    if not cross and q.script not in ("latin", "other") and q.original != c.original:
        # Same non-Latin script: the written names must be close too (高市 vs 高石 read alike).
        raw = Levenshtein.normalized_similarity(_bare(q.original), _bare(c.original))
        if raw + 0.05 < score:
            score = raw + 0.05
            notes.append(f"written forms differ ({raw:.2f})")
    if not explain:
        return PairScore(round(max(0.0, min(score, 1.0)), 4), "")
    reason = _reason(q, c, hows, order, glued)
    if notes:
        reason += "; " + "; ".join(notes)
    return PairScore(round(max(0.0, min(score, 1.0)), 4), reason)


# A word pair that reads alike but is not the same name is held under the close-pair level.
_CHECK_CAP = 0.6
_VOWEL_RUN = re.compile(r"[aeiou]+")
_ABJAD_MAP = str.maketrans({"y": "i", "w": "u", "v": "u", "o": "u", "e": "i"})


@lru_cache(maxsize=100_000)
def _korean_vowels(token: str) -> tuple[str, ...]:
    """The vowel of each syllable of a romanised Korean word, spelling systems merged: Revised eo/eu and
    McCune-Reischauer o/u (성 seong, song, sung), ae/e; o and u are one class (customary spellings mix them)."""
    t = token.replace("eo", "o").replace("eu", "u").replace("ae", "e").replace("ee", "i").replace("oo", "u")
    return tuple(_VOWEL_RUN.findall(t.replace("ou", "u").replace("u", "o")))


def _korean_ok(hangul: str, latin: str) -> bool:
    """Korean given names differ by their vowels (상호 Sang-ho, 성호 Seong-ho): a word of two syllables or more read
    from Hangul must have the same syllable vowels as the other spelling. One-syllable words (surnames) vary too
    much in customary spelling (이 Lee / Ri / Yi) to check."""
    vh = _korean_vowels(hangul)
    return len(vh) < 2 or vh == _korean_vowels(latin)


def _abjad_ok(written: str, latin: str) -> bool:
    """Arabic and Hebrew write long vowels (ي/ی i, و u): those must be in the Latin spelling, in order, and the
    Latin spelling's long vowels (ou, oo, ee) must be written. A written final vowel needs a final vowel (or h, t:
    ة) and a consonant ending no final long vowel (محمد is not Mohammadi, محمدی not Mahmoud, حسين not Hassan)."""
    w = written.replace("o", "u")
    low = latin.lower()
    lat = low.translate(_ABJAD_MAP)
    it = iter(c for c in lat if c in "iu")
    if not all(v in it for v in (c for c in w if c in "iu")):
        return False
    if ("ou" in low or "oo" in low or "uu" in low) and "u" not in w:
        return False
    if ("ee" in low or "ii" in low) and "i" not in w:
        return False
    if len(w) >= 3 and len(lat) >= 3:
        if w[-1] in "iu" and lat[-1] not in "aiuh":
            return False
        if w[-1] == "a" and lat[-1] not in "aiuht":
            return False
        if w[-1] not in "aiu" and lat[-1] in "iu" and low[-1] != "e":
            return False
    return True


_FEMININE = ("iya", "ya", "ia", "a")
_MASCULINE = ("iy", "ii", "y", "i")


def _gender_pair(a: str, b: str) -> bool:
    """The feminine and masculine forms of one name (Luisa / Luis, Evgeniya / Evgeny, Lebedeva / Lebedev) are two
    people, not a spelling variant."""
    if a[-1:] == "a" and b[-1:] != "a":
        fem, masc = a, b
    elif b[-1:] == "a" and a[-1:] != "a":
        fem, masc = b, a
    else:
        return False
    stems_f = {fem[: -len(e)] for e in _FEMININE if fem.endswith(e)}
    stems_m = {masc} | {masc[: -len(e)] for e in _MASCULINE if masc.endswith(e)}
    # Also with an initial y (Yevgeniy / Evgeniya).
    stems_f |= {f[1:] for f in stems_f if f[:2] in ("ye", "ie")}
    stems_m |= {m[1:] for m in stems_m if m[:2] in ("ye", "ie")}
    return any(len(x) >= 3 for x in stems_f & stems_m)


def _pure_script(n: NormalName) -> str:
    """The name's script when no Latin letters are mixed in (a label with a Latin part is checked as Latin)."""
    return n.script if n.script in ("latin", "other") else _script_of(n.script, n.original)


@lru_cache(maxsize=200_000)
def _script_of(script: str, original: str) -> str:
    return "latin" if _LATIN_LETTER.search(original) else script


_LATIN_LETTER = re.compile(r"[A-Za-z]")


def _pair_check(q_script: str, c_script: str, persons: bool) -> Callable[[str, str, str, str], str]:
    """A check of an aligned word pair (query word, candidate word, and their soft spellings): the reason they are
    not one name, or ''."""
    abjad = {"arabic", "hebrew"}
    q_abjad, c_abjad = q_script in abjad, c_script in abjad
    q_kor, c_kor = q_script == "hangul", c_script == "hangul"

    def check(a: str, b: str, sa: str, sb: str) -> str:
        if a == b:
            return ""
        if persons and _gender_pair(sa or a, sb or b):
            return "feminine / masculine form"
        if q_abjad != c_abjad and not (_abjad_ok(a, b) if q_abjad else _abjad_ok(b, a)):
            return "written long vowels differ"
        if q_kor != c_kor and not (_korean_ok(a, b) if q_kor else _korean_ok(b, a)):
            return "syllable vowels differ"
        return ""

    return check


_NG = re.compile(r"ng(?![aeiouy])")


_F_CONS = re.compile(r"f(?=[^aeiouy])")


@lru_cache(maxsize=100_000)
def _cross_soft(token: str) -> str:
    t = _NG.sub("n", token)
    if t.endswith("f"):
        t = t[:-1] + "b"
    return _F_CONS.sub("h", t)


_WORD = re.compile(r"[^\W_]+")


def _number_on_one_side(qt: tuple[str, ...], ct: tuple[str, ...], order: list[tuple[int, int]]) -> bool:
    """Whether one name has a number left over and the other no number at all (not even a one-letter Roman
    numeral: Partners IV / Partners V)."""
    left_q = any(is_number(t) for i, t in enumerate(qt) if i not in {a for a, _ in order})
    left_c = any(is_number(t) for j, t in enumerate(ct) if j not in {b for _, b in order})
    return ((left_q and not any(is_number(t) or t in ("i", "v", "x") for t in ct))
            or (left_c and not any(is_number(t) or t in ("i", "v", "x") for t in qt)))


def _given(n: NormalName) -> int:
    """Token position of the first given name: 0, or the first word after the comma of "SURNAME, Given"."""
    p = _principal(n.original, len(n.tokens))
    return p[1] if p else 0


def _initial_and_surname(q: NormalName, c: NormalName, order: list[tuple[int, int]]) -> bool:
    """Two-word names, one with the initial of the other's first given name and both with the same surname of five
    letters or more (V. Putin / Vladimir Putin, PUTIN, V.)."""
    qt, ct = q.tokens, c.tokens
    if len(qt) != 2 or len(ct) != 2 or len(order) != 2:
        return False
    initial = surname = False
    for i, j in order:
        a, b = qt[i], ct[j]
        if a == b and len(a) >= 5:
            surname = True
        elif min(len(a), len(b)) == 1 < max(len(a), len(b)) and a[0] == b[0] and (i, j) == (_given(q), _given(c)):
            initial = True
    return initial and surname


# A long name (four words or more besides particles) is a chain of given, father's, grandfather's and family or
# tribal names, of which the short form is commonly the given name and one or two of the others.
_CHAIN_WORDS = 4
# First halves of compound given names (Abd al-Rahman, Abdur Rahman): with the next word, one name.
_COMPOUND_FIRST = frozenset(("abd", "abdu", "abdul", "abdur", "abdus", "abdel", "abdal"))


def _name_chain(q: NormalName, c: NormalName, q_longer: bool, used_q: dict[int, int]) -> bool:
    """Whether the names left over in the longer name are the inner links of such a chain: the longer name has four
    words or more (particles aside), the shorter one two (particles and the first half of a compound given name such
    as Abdul aside: Abdul Rahman is one name), the first given names are aligned, and no word left over is a surname
    (written
    before the comma of "SURNAME, Given" or in capitals among mixed-case words: María RESTREPO VICTORIA is not María
    Restrepo) or a part of a hyphenated word of which another part was matched (FAZEEL-A-TUL is not Fazeel)."""
    long_, short = (q, c) if q_longer else (c, q)
    if sum(1 for t in long_.tokens if t not in _PARTICLES) < _CHAIN_WORDS:
        return False
    if sum(1 for t in short.tokens if t not in _PARTICLES and t not in _COMPOUND_FIRST) != 2:
        return False
    if used_q.get(_given(q)) != _given(c):
        return False
    parts = _name_parts(long_.original, len(long_.tokens))
    if parts is None:
        return False
    used = set(used_q) if q_longer else set(used_q.values())
    groups_used = {parts[k][0] for k in used}
    return not any(k not in used and (surname or group in groups_used) for k, (group, surname) in enumerate(parts))


@lru_cache(maxsize=100_000)
def _name_parts(original: str, n_tokens: int) -> tuple[tuple[int, bool], ...] | None:
    """For each token of a name, the written word it comes from (hyphenated words are one) and whether it is marked
    as a surname (before the comma of "SURNAME, Given", or in capitals among mixed-case words); None when the tokens
    cannot be lined up with the written words."""
    mixed = any(ch.islower() for ch in original)
    out: list[tuple[int, bool]] = []
    before_comma = original.count(",") == 1
    for g, chunk in enumerate(original.replace(",", " , ").split()):
        if chunk == ",":
            before_comma = False
            continue
        words = _WORD.findall(fold(chunk))
        upper = mixed and sum(ch.isalpha() for ch in chunk) >= 2 and chunk.isupper()
        out.extend((g, before_comma or upper) for _ in words)
    return tuple(out) if len(out) == n_tokens else None



@lru_cache(maxsize=200_000)
def _principal(original: str, n_tokens: int) -> tuple[int, ...]:
    """Token positions of the surname and first given name of a person written "SURNAME, Given Names" (as the UN,
    OFAC, EU and UK lists write them); () when the name is not written so or the tokens cannot be lined up."""
    if original.count(",") != 1:
        return ()
    before, after = original.split(",")
    wb, wa = _WORD.findall(fold(before)), _WORD.findall(fold(after))
    if not wb or not wa or len(wb) + len(wa) != n_tokens:
        return ()
    return (0, len(wb))


@lru_cache(maxsize=100_000)
def _has_kana(original: str) -> bool:
    return any("\u3041" <= ch <= "\u30ff" for ch in original)


@lru_cache(maxsize=100_000)
def _lone_kanji(original: str) -> bool:
    words = original.replace("・", " ").replace("\u3000", " ").split()
    return bool(words) and all(len(w) == 1 and "\u4e00" <= w <= "\u9fff" for w in words)


def _collapse(text: str) -> str:
    return _DOUBLE.sub(r"\1", text)


def _inner_bin(tokens: tuple[str, ...]) -> bool:
    return "bin" in tokens and 0 < tokens.index("bin") < len(tokens) - 1


def _bare(text: str) -> str:
    return "".join(ch for ch in text if ch.isalnum())


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


def best_of(query: NormalName, names: Sequence[NormalName]) -> tuple[int, PairScore]:
    """The best-scoring of a few names (an entry's aliases)."""
    best = (-1, PairScore(0.0, ""))
    for k, n in enumerate(names):
        ps = compare(query, n)
        if ps.score > best[1].score:
            best = (k, ps)
    return best


__all__ = ["THRESHOLD", "PairScore", "best_of", "compare", "score_names", "score_pair"]
