"""Name normalisation for matching (pure): scripts to Latin, diacritics, honorifics, legal forms, phonetic keys."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from smartcustoms.screening.glossary import russian_in_english
from smartcustoms.screening.translit import han_pinyin, to_latin, wade_giles_pinyin


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Legal-form and company-type words: removed for matching, never enough for a match on their own.
LEGAL_FORMS = _words("""
co company corp corporation inc incorporated ltd limited llc llp lp plc gmbh ag kg kgaa ohg mbh sa sas sarl sl srl
spa bv nv oy ab as asa aps kft zrt sro doo dd jsc ojsc cjsc pjsc ojs oao zao pao ooo ao tov pp fzco fze fzc fz
fzllc dmcc llc pte pty bhd sdn tbk cv sc sae wll cia ltda eirl sacs sacl kk yk gk pvt private public joint stock
establishment est societe cooperative coop partnership sp zoo oo ооо оао зао пао ао ип тов
""")
# Japanese/Chinese/Korean company-form strings (removed before romanisation).
CJK_LEGAL_FORMS = ("公共株式会社", "公開株式会社", "非公開株式会社", "株式会社", "有限会社", "合同会社", "合名会社",
                   "合資会社", "有限責任公司", "股份有限公司", "有限公司", "股份公司", "集团", "集團", "公司",
                   "会社", "（株）", "(株)", "㈱", "（有）", "(有)", "㈲", "주식회사", "유한회사")
# Words so common in organisation names that they weigh little; they never make a match alone either.
GENERIC = _words("""
holding holdings group trading trade enterprise enterprises industries industry industrial international intl
company services service bank factory plant institute center centre research production manufacturing
development technology technologies engineering import export imports exports
""")
# Place names that qualify an organisation (Banco Santander Mexico, Bank of China (Hong Kong)).
QUALIFIERS = _words("""
afghanistan albania algeria argentina armenia asia australia austria azerbaijan bahrain belarus belgium brazil
bulgaria canada chile china colombia crimea cuba cyprus czech denmark egypt emirates europe finland france
georgia germany greece hong kong hungary india indonesia iran iraq ireland israel italy japan jordan kazakhstan
korea kuwait kyrgyzstan latvia lebanon libya lithuania london luxembourg malaysia mexico moldova mongolia
netherlands norway oman pakistan panama philippines poland portugal qatar romania russia saudi serbia singapore
slovakia spain sudan sweden switzerland schweiz syria taiwan tajikistan thailand turkey turkiye ukraine uzbekistan
venezuela vietnam yemen dubai
""")
STOPWORDS = _words("the and of for & und et y")
HONORIFICS = _words("""
mr mrs ms miss mx dr prof sir dame lord lady sheikh shaikh haji hajji hadji mullah maulana mawlawi sayed sayyid
herr frau monsieur mme mlle senor senora don dona gen general col colonel maj major capt captain lt
president prasident presidente chairman minister emir prince king his excellency he
""")
# Titles that are also surnames: dropped before a name (King Abdullah), kept after one (Amber King, Peter Lord).
_SURNAME_TITLES = _words("king lord lady prince major general don dona dame captain")
_LEGAL_PHRASES = re.compile(r"\b(?:" + "|".join([
    r"(?:open|closed|public|private|non public) joint stock company", r"joint stock company",
    r"limited liability (?:company|partnership)", r"gesellschaft mit beschrankter haftung", r"aktiengesellschaft",
    r"societatea cu raspundere limitata", r"societe anonyme", r"societe a responsabilite limitee",
    r"sociedad anonima(?: abierta| cerrada)?", r"sociedad (?:de responsabilidad )?limitada", r"societa per azioni",
    r"obshchestvo s ogranichennoi? otvetstvennostyu", r"(?:otkrytoe |zakrytoe |publichnoe |nepublichnoe )?"
    r"aktsionernoe obshchestvo", r"(?:federal |federalnoe )?(?:state )?unitary enterprise",
    r"private limited company", r"public limited company", r"kabushiki kaisha", r"yugen kaisha", r"godo kaisha",
    r"youxian zeren gongsi", r"youxian gongsi", r"sp z o ?o", r"company limited", r"public company",
]) + r")\b")
# Katakana renderings of Arabic particles and compounds.
_JA_FIX = {"aru": "al", "eru": "el", "abudo": "abd", "abudu": "abd", "abuduru": "abdul", "abudoru": "abdul",
           "abudoraa": "abdullah", "abudorra": "abdullah", "abudurra": "abdullah", "abudura": "abdullah",
           "abudurahi": "abdullahi", "binu": "bin", "ibun": "ibn", "uddo": "ud"}
_LEET = str.maketrans("0134579", "oieastg")  # digits typed for letters inside words (S3ch1n)
_LONG_LEGAL = ("aktiengesellschaft", "gesellschaft", "corporation", "incorporated", "limited", "company",
               "kommanditgesellschaft", "partnership", "cooperative", "establishment")


_UNITS = {w: n for n, w in enumerate((
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
    "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"))}
_TENS = {w: 10 * n for n, w in enumerate(
    ("twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"), start=2)}
_ORDINAL_WORDS = {w: n for n, w in enumerate((
    "first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth", "eleventh",
    "twelfth"), start=1)}
_ORDINAL_DIGITS = re.compile(r"^(\d+)(?:st|nd|rd|th)$")


_SLASHED_LETTERS = re.compile(r"(?<![^\W\d_])([^\W\d_])/([^\W\d_])(?![^\W\d_])")
# Roman numerals of two letters or more that number organisations (Fund VIII, Solutions II); vi and xi are also
# names (Vi, Xi).
_ROMAN = frozenset(("ii", "iii", "iv", "vii", "viii", "ix", "xii", "xiii", "xiv", "xv", "xvi", "xvii", "xviii", "xix",
                    "xx"))
_UNIT_WORDS = {n: w for w, n in _UNITS.items()}
_TENS_WORDS = {n: w for w, n in _TENS.items()}


def _spelt(value: int) -> str:
    """0-99 as one word (44 -> fortyfour): a number weighs what a word does, so that "Company 23" is not
    "Company" with a one-letter difference."""
    if value < 20:
        return _UNIT_WORDS[value]
    tens, unit = divmod(value, 10)
    return _TENS_WORDS[tens * 10] + (_UNIT_WORDS[unit] if unit else "")


def is_number(token: str) -> bool:
    """Whether a token is a number (spelt 0-99 as `normalise` writes them, digits, or a Roman numeral)."""
    return token.isdigit() or token in NUMBER_WORDS or token in _ROMAN


def _numbers(tokens: list[str]) -> list[str]:
    """Numbers up to 99 written in digits, in words or as ordinals get one spelling (Brigade Forty-Four = Brigade 44,
    1st = First)."""
    if not any(t in _UNITS or t in _TENS or t in _ORDINAL_WORDS or t[:1].isdigit() for t in tokens):
        return tokens
    values: list[int | str] = []
    for tok in tokens:
        digits = _ORDINAL_DIGITS.match(tok)
        if digits or tok.isdigit():
            number = int(digits.group(1) if digits else tok)
            values.append(number if number < 100 and not (tok.startswith("0") and len(tok) > 1) else tok)
        elif tok in _ORDINAL_WORDS or tok in _UNITS:
            value = _ORDINAL_WORDS.get(tok, _UNITS.get(tok, 0))
            last = values[-1] if values else None
            if isinstance(last, int) and last >= 20 and last % 10 == 0 and 0 < value < 10:
                values[-1] = last + value   # forty four, twenty first
            else:
                values.append(value)
        elif tok in _TENS:
            values.append(_TENS[tok])
        else:
            values.append(tok)
    return [_spelt(v) if isinstance(v, int) else v for v in values]


def _misspelt_legal_form(tok: str) -> bool:
    """Long legal-form words with a typo (Aktiengeselschaft, Corporaton) are still legal forms."""
    if len(tok) < 7:
        return False
    from rapidfuzz.distance import OSA

    return any(abs(len(tok) - len(f)) <= 2 and OSA.distance(tok, f) <= (1 if len(f) < 10 else 2) for f in _LONG_LEGAL)


_INNER_MARK = re.compile(r"(?<=\w)[-‐'’.](?=\w)")


def _inner_mark(m: re.Match[str]) -> str:
    """Hyphens inside a name separate words; apostrophes and dots inside a word are dropped (O'Neil, U.S)."""
    return " " if m.group(0) in "-‐" else ""


_ABD = {"abdel": "abdul", "abdal": "abdul", "abdoul": "abdul", "abdol": "abdul", "abdelal": "abdul"}
CJK_HONORIFICS = ("様", "さま", "殿", "氏", "さん", "くん", "君", "先生")

_PUNCT = re.compile(r"[^\w\s]|_", re.UNICODE)
_SPACE = re.compile(r"\s+")
_LATIN_FOLD = str.maketrans({"ß": "ss", "ø": "o", "æ": "ae", "œ": "oe", "ł": "l", "đ": "d", "ð": "d", "þ": "th",
                             "ı": "i", "ħ": "h", "ŋ": "ng", "ʼ": "", "'": "", "’": "", "`": "", "ʻ": ""})


def fold(text: str) -> str:
    """Lower case ASCII-ish Latin: NFKC, case fold, special letters, diacritics stripped."""
    text = unicodedata.normalize("NFKC", text).casefold().translate(_LATIN_FOLD)
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


@dataclass(frozen=True)
class NormalName:
    """A name prepared for matching: tokens without legal forms/honorifics, and what was done to it."""

    original: str
    script: str
    latin: str                   # romanised/transliterated text (before token cleaning)
    tokens: tuple[str, ...]      # content tokens
    legal: tuple[str, ...]       # legal-form tokens removed
    dropped: tuple[str, ...]     # honorifics removed
    soft: tuple[str, ...] = ()   # per token: spelling with vowels kept, consonants merged, katakana vowels dropped

    @property
    def joined(self) -> str:
        return " ".join(self.tokens)


def _strip_cjk(text: str) -> tuple[str, list[str], list[str]]:
    legal: list[str] = []
    dropped: list[str] = []
    for form in CJK_LEGAL_FORMS:
        if form in text:
            legal.append(form)
            text = text.replace(form, " ")
    for hon in CJK_HONORIFICS:
        if text.rstrip().endswith(hon) and len(text.strip()) > len(hon):
            dropped.append(hon)
            text = text.rstrip()[: -len(hon)]
    return text, legal, dropped


@lru_cache(maxsize=200_000)
def normalise(name: str) -> NormalName:
    """Normalise one name for matching (cached: list names repeat across queries)."""
    text = unicodedata.normalize("NFKC", name).strip()
    legal: list[str] = []
    dropped: list[str] = []
    if any(ord(c) > 0x2FFF for c in text):
        text, legal, dropped = _strip_cjk(text)
    latin, script = to_latin(text)
    latin = fold(latin)
    latin = _INNER_MARK.sub(_inner_mark, latin)
    latin = _SLASHED_LETTERS.sub(r"\1\2", latin)  # A/S, K/S: one legal-form word
    spaced = _SPACE.sub(" ", _PUNCT.sub(" ", latin)).strip()
    phrases = _LEGAL_PHRASES.findall(spaced)
    if phrases:
        legal.extend(phrases)
        spaced = _LEGAL_PHRASES.sub(" ", spaced)
    raw = _numbers([t.translate(_LEET) if not t.isdigit() and not t.isalpha() and not _ORDINAL_DIGITS.match(t)
                    else t for t in spaced.split()])
    # Arabic "servant of" compounds: Abd al-Aziz, Abdel Aziz, Abdul Aziz are one spelling.
    if script == "japanese":
        raw = [_JA_FIX.get(t, t) for t in raw]
    merged: list[str] = []
    for tok in raw:
        if merged and merged[-1] == "abd" and tok in ("al", "el", "ul", "ol"):
            merged[-1] = "abdul"
            continue
        merged.append(_ABD.get(tok, tok))
    raw = merged
    tokens: list[str] = []
    for i, tok in enumerate(raw):
        if tok in STOPWORDS:
            continue
        if tok in LEGAL_FORMS or _misspelt_legal_form(tok):
            legal.append(tok)
        elif tok in HONORIFICS and len(raw) > 1 and (i == 0 or (i == len(raw) - 1 and tok not in _SURNAME_TITLES)):
            dropped.append(tok)
        else:
            tokens.append(tok)
    if script == "latin" and any(russian_in_english(t) for t in tokens):
        # Transliterated Russian institution words in English (Zavod = Plant): the lists write both.
        tokens = [w for t in tokens for w in (russian_in_english(t) or (t,))]
    if script == "latin":
        soft = tuple(soften(_as_read_abroad(t)) for t in tokens)
    else:
        soft = tuple(soften(t, script == "japanese") for t in tokens)
    return NormalName(name, script, latin, tuple(tokens), tuple(legal), tuple(dropped), soft)


_SOUNDED_J = re.compile(r"(?<=[aeiou])j(?=[^aeou]|$)")
_FINAL_ER = re.compile(r"(?<=[^aeiou])ers?$")


@lru_cache(maxsize=300_000)
def _as_read_abroad(token: str) -> str:
    """A Latin word spelt nearer to how other scripts write its sound (used by the soft spelling only, which is
    compared across scripts): Serbian/Croatian lj, nj and a j after a vowel are one sound (Stojiljković
    ストイリコヴィッチ, Vlajko ヴライコ); an English/German final -er is a long a in katakana (Peter ペーター)."""
    if "j" in token:
        token = _SOUNDED_J.sub("i", token.replace("lj", "l").replace("nj", "n")).replace("ii", "i")
    if len(token) <= 6 and ("ae" in token or "eo" in token or "eu" in token):
        # Korean syllables in Revised Romanization (Tae, Jeong, Geun) are written テ, チョン, グン.
        token = token.replace("ae", "e").replace("eo", "o").replace("eu", "u")
    if len(token) >= 5 and token.endswith(("er", "ers")):
        token = _FINAL_ER.sub(lambda m: "as" if m.group(0).endswith("s") else "a", token)
    return token


_SOFT_RULES: tuple[tuple[str, str], ...] = (
    ("shch", "sh"), ("tch", "ch"), ("sch", "sh"), ("ph", "f"), ("kh", "h"), ("ck", "k"), ("q", "k"), ("x", "ks"),
    ("l", "r"),
    ("v", "b"), ("w", "b"), ("y", "i"), ("ou", "u"), ("ee", "i"), ("oo", "u"), ("zh", "j"), ("dj", "j"),
)
# Vowels Japanese adds after a consonant (ブランドン burandon = Brandon, ボリスラフ borisurafu = Borislav).
# Katakana adds u after most consonants and o after t and d (ト, ド); an o after another consonant is a real vowel
# (シャポフ shapofu = Shapov keeps its o).
_EPENTHETIC = re.compile(r"(?<=[bcfghjkmprsvz])u(?=[bcdfghjkmprstvz])|(?<=[td])o(?=[bcdfghjkmprstz])"
                         r"|(?<=[bcfghkmprsz])u$|(?<=[td])o$")


@lru_cache(maxsize=300_000)
def soften(token: str, japanese: bool = False) -> str:
    """A spelling key that keeps the vowels: l/r, v/b/w, kh/h ... merged; Japanese epenthetic vowels dropped."""
    s = token
    if japanese:
        # ンマ writes a double m (ムハンマド Muhammad, モハンマド Mohammad).
        s = _EPENTHETIC.sub("", s).replace("nm", "m")
    for a, b in _SOFT_RULES:
        s = s.replace(a, b)
    if s.endswith("ij") and len(s) > 4:
        s = s[:-1]   # -yj, the German and Polish spelling of -ий (Selenskyj = Zelenskyy)
    return _DOUBLE.sub(r"\1", s)


_SKELETON_RULES: tuple[tuple[str, str], ...] = (
    ("shch", "s"), ("tsch", "C"), ("tch", "C"), ("sch", "s"), ("ch", "C"), ("cz", "C"), ("ts", "C"), ("tz", "C"),
    ("sh", "s"),
    ("zh", "j"), ("dzh", "j"), ("dj", "j"), ("kh", "h"), ("gh", "g"), ("ph", "f"), ("th", "t"), ("dh", "d"),
    ("ck", "k"), ("qu", "k"), ("q", "k"), ("x", "ks"), ("c", "k"), ("z", "j"), ("l", "r"), ("v", "b"), ("f", "b"),
    ("w", "b"), ("nm", "m"), ("nb", "mb"), ("np", "mp"),
)
_VOWELS = re.compile(r"[aeiouy]")
_DOUBLE = re.compile(r"(.)\1+")


@lru_cache(maxsize=300_000)
def skeleton(token: str) -> str:
    """A phonetic key robust to transliteration: consonant classes, vowels dropped (kept if leading), doubles folded.

    Built to make Japanese katakana readings meet their Latin spellings (l/r, v/b/f, sh/s, ch/c/ts, zh/j/z) and
    Cyrillic/Arabic transliteration variants (kh/h, ou/u, y/i) meet each other.
    """
    if not token:
        return ""
    s = token
    if s.endswith(("vic", "ic")) and len(s) > 4:
        s = s + "h"  # South Slavic -ić
    for a, b in _SKELETON_RULES:
        s = s.replace(a, b)
    head, rest = s[0], s[1:]
    key = (head if head in "aeiouy" else "") + _VOWELS.sub("", s if head not in "aeiouy" else rest)
    key = _DOUBLE.sub(r"\1", key)
    if head in "aeiouy":
        key = "a" + key[1:] if key else "a"
    return key or token[:1]


_ORIGINAL = re.compile(
    r"\(?\s*original script\s*[:：]\s*([^()]*?)\s*(?:\)|$)|\(\s*([^()]*?)\s*:\s*original script\s*\)", re.IGNORECASE)
_PAREN = re.compile(r"\s*\(([^()]{1,80})\)")


@lru_cache(maxsize=100_000)
def variants(name: str) -> tuple[str, ...]:
    """A listed name with parenthesised alternatives spelled out.

    "Aleksandr (Alexander) Teterdinko" -> itself without the brackets' content, and with "Alexander" in place of
    "Aleksandr"; "Petr (Pyotr) Tolstoi (Tolstoy)" gives the combinations. Acronyms in brackets (KOMID) become a
    name of their own.
    """
    from smartcustoms.screening.glossary import translations

    text = name.replace("（", "(").replace("）", ")").replace("\n", " ")
    originals = [a or b for a, b in _ORIGINAL.findall(text)]
    if originals:
        # "NAME (original script: الاسم)": the original-script name is a name of its own.
        text = _ORIGINAL.sub(" ", text).strip()
        extra = tuple(o.strip() for o in originals if o.strip() and o.strip() not in ("不明", "unknown"))
        return tuple(dict.fromkeys(variants(text) + extra))[:8] if text else extra or (name,)
    translated = translations(text)
    mandarin = han_pinyin(text)
    if mandarin:
        translated = (*translated, mandarin)  # 習近平 is also "xi jinping" (Chinese names in Han characters)
    baltic = _baltic_stems(text)
    if baltic:
        translated = (*translated, baltic)  # Sergejs Lavrovs is also "Sergej Lavrov"
    wade_giles = wade_giles_pinyin(text)
    if wade_giles:
        translated = (*translated, wade_giles)  # Mao Tse-tung is also "Mao Zedong"
    if "(" not in text:
        return (name, *translated)
    base = _SPACE.sub(" ", _PAREN.sub(" ", text)).strip()  # Aleksey（Alexei）Krivoruchko: two words
    out = [base] if base else []
    options: list[tuple[str, list[str]]] = []
    qualifiers: list[str] = []
    for m in _PAREN.finditer(text):
        inner = m.group(1).strip()
        before = text[: m.start()].split()
        alts = [a.strip() for a in re.split(r"[,/;]| or ", inner) if a.strip()]
        if not before or not alts:
            continue
        word = before[-1]
        if len(alts) == 1 and alts[0].isupper() and " " not in alts[0] and len(alts[0]) <= 8 and not word.isupper():
            out.append(alts[0])  # an acronym
            continue
        if all(_alternative(word, a) for a in alts):
            options.append((word, alts))
        else:
            qualifiers.append(m.group(0))  # (Hong Kong), (France): part of the name
    if qualifiers and base:
        # Keep the qualifiers: "Bank of China (Hong Kong)" is not "Bank of China (Singapore)".
        full = _SPACE.sub(" ", text.replace("(", " ").replace(")", " ")).strip()
        for _word, alts in options:
            full = full.replace(" ".join(alts), "")
        out[0] = _SPACE.sub(" ", full).strip()
    for word, alts in options[:3]:
        for alt in alts[:3]:
            for current in list(out[:6]):
                cand = re.sub(rf"(?<!\w){re.escape(word)}(?!\w)", alt, current, count=1)
                if cand not in out:
                    out.append(cand)
    out.extend(translated)
    return tuple(dict.fromkeys(o for o in out if o.strip()))[:8] or (name,)


_LATIN_WORD = re.compile(r"[A-Za-z\u00c0-\u024f]+")


def _baltic_stems(text: str) -> str:
    """Latvian and Lithuanian give every word of a man's name a nominative ending (Latvian -s: Sergejs Lavrovs;
    Lithuanian -as, -us, -ys: Sergejus Lavrovas), also to names taken from other languages: a name of two words or
    more (Latin letters only, four at most), every word ending so, is also read without the endings (Sergej Lavrov);
    '' otherwise. Other names ending so throughout (James Peters, Dimitris Stavridis) get that form too; its stems
    are still compared word by word under the usual rules (64 of the 50,000 synthetic names, none newly flagged)."""
    words = _LATIN_WORD.findall(text)
    if len(words) < 2 or _LATIN_WORD.sub("", text).strip(" ,.-'") or len(words) > 4:
        return ""
    for word in words:
        w = fold(word)
        if len(w) < 4 or not w.endswith("s") or w.endswith("ss") or w in GENERIC or w in LEGAL_FORMS:
            return ""  # an organisation's plural (Industries) is not a nominative ending
    return _LATIN_WORD.sub(_baltic_stem, text)


def _baltic_stem(m: re.Match[str]) -> str:
    word = m.group(0)
    w = fold(word)
    # Lithuanian -as, -us, -ys after a consonant (or j); Latvian -s.
    return word[:-2] if w[-2] in "auy" and w[-3] not in "aeiou" else word[:-1]


def _alternative(word: str, alt: str) -> bool:
    """Whether a bracketed word is another spelling of the word before it (Aleksandr (Alexander))."""
    a, b = fold(word).strip(",."), fold(alt)
    if " " in b or not a or not b:
        return False
    return a[0] == b[0] or skeleton(a)[:2] == skeleton(b)[:2] or len(set(a) & set(b)) >= min(len(a), len(b)) * 0.6


_CRUDE = str.maketrans({"v": "b", "f": "b", "p": "b", "w": "b", "d": "t", "C": "t", "j": "t", "g": "k", "h": "k",
                        "l": "r", "a": "", "e": "", "i": "", "o": "", "u": "", "y": ""})


# Katakana フ before a consonant writes an h or kh (アフマディ Ahmadi, ヤフニュク Yakhnyuk, フロモフ Khromov); an f
# before a consonant is given the same class on both sides (Alfred, アルフレッド).
_F_BEFORE_CONSONANT = re.compile(r"fu?(?=[^aeiouy\s])")


@lru_cache(maxsize=300_000)
def crude(text: str) -> str:
    """A coarser key for names read across scripts (katakana チ for ti, ジ for di, ウ for v): consonant classes only."""
    out = []
    for token in text.split():
        t = _F_BEFORE_CONSONANT.sub("h", re.sub(r"ng$", "n", token))
        sk = skeleton(t)
        out.append(_DOUBLE.sub(r"\1", sk.translate(_CRUDE)))
    return " ".join(out)


NUMBER_WORDS = frozenset(_spelt(n) for n in range(100))
