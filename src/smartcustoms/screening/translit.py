"""Script-by-script transliteration to Latin for matching (pure; no ICU/unidecode, which read kanji as Mandarin).

Japanese goes through fugashi + unidic-lite readings with cutlet (see romanise_japanese); katakana is romanised by
the table below with the spellings foreign names use (ヴィ vi, ティ ti, ッ doubling, ー long vowel). Cyrillic,
Greek, Armenian, Hebrew, Arabic/Persian and Hangul have table or algorithmic transliterations. Han characters
outside Japanese readings (Chinese names) are read the Japanese way: a known weakness, documented.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from functools import lru_cache
from typing import Any

_CYR = dict(zip(
    "абвгдеёжзийклмнопрстуфхцчшщъыьэюяіїєґўқғүұһөәңҳ",
    ["a", "b", "v", "g", "d", "e", "e", "zh", "z", "i", "y", "k", "l", "m", "n", "o", "p", "r", "s", "t", "u", "f",
     "kh", "ts", "ch", "sh", "shch", "", "y", "", "e", "yu", "ya", "i", "yi", "ye", "g", "u", "k", "g", "u", "u",
     "h", "o", "a", "ng", "h"], strict=True))
_GREEK = dict(zip(
    "αβγδεζηθικλμνξοπρσςτυφχψω",
    ["a", "v", "g", "d", "e", "z", "i", "th", "i", "k", "l", "m", "n", "x", "o", "p", "r", "s", "s", "t", "y", "f",
     "ch", "ps", "o"], strict=True))
_ARMENIAN = dict(zip(
    "աբգդեզէըթժիլխծկհձղճմյնշոչպջռսվտրցւփքօֆ",
    ["a", "b", "g", "d", "e", "z", "e", "e", "t", "zh", "i", "l", "kh", "ts", "k", "h", "dz", "gh", "ch", "m", "y",
     "n", "sh", "o", "ch", "p", "j", "r", "s", "v", "t", "r", "ts", "v", "p", "k", "o", "f"], strict=True))
_HEBREW = dict(zip(
    "אבגדהוזחטיכךלמםנןסעפףצץקרשת",
    ["a", "b", "g", "d", "h", "o", "z", "h", "t", "i", "k", "k", "l", "m", "m", "n", "n", "s", "a", "p", "f", "ts",
     "ts", "k", "r", "sh", "t"], strict=True))
_ARABIC = {
    "ا": "a", "أ": "a", "إ": "i", "آ": "a", "ء": "", "ؤ": "u", "ئ": "i", "ب": "b", "ت": "t", "ث": "th", "ج": "j",
    "ح": "h", "خ": "kh", "د": "d", "ذ": "dh", "ر": "r", "ز": "z", "س": "s", "ش": "sh", "ص": "s", "ض": "d",
    "ط": "t", "ظ": "z", "ع": "a", "غ": "gh", "ف": "f", "ق": "q", "ك": "k", "ل": "l", "م": "m", "ن": "n", "ه": "h",
    "ة": "a", "و": "u", "ي": "i", "ى": "a", "پ": "p", "چ": "ch", "ژ": "zh", "گ": "g", "ک": "k", "ی": "i",
    "ە": "e", "ۆ": "o", "ھ": "h", "ٹ": "t", "ڈ": "d", "ڑ": "r", "ں": "n", "ے": "e",
}
_GEORGIAN = dict(zip(
    "აბგდევზთიკლმნოპჟრსტუფქღყშჩცძწჭხჯჰ",
    ["a", "b", "g", "d", "e", "v", "z", "t", "i", "k", "l", "m", "n", "o", "p", "zh", "r", "s", "t", "u", "p", "k",
     "gh", "q", "sh", "ch", "ts", "dz", "ts", "ch", "kh", "j", "h"], strict=True))
# Katakana as foreign names are written in Japanese lists (Hepburn, with the extended foreign-sound digraphs).
_KANA_DIGRAPHS = {
    "ヴァ": "va", "ヴィ": "vi", "ヴ": "vu", "ヴェ": "ve", "ヴォ": "vo", "ヴュ": "vyu",
    "ティ": "ti", "ディ": "di", "トゥ": "tu", "ドゥ": "du", "テュ": "tyu", "デュ": "dyu",
    "ファ": "fa", "フィ": "fi", "フェ": "fe", "フォ": "fo", "フュ": "fyu",
    "ウィ": "wi", "ウェ": "we", "ウォ": "wo", "ツァ": "tsa", "ツィ": "tsi", "ツェ": "tse", "ツォ": "tso",
    "シェ": "she", "ジェ": "je", "チェ": "che", "イェ": "ye", "クァ": "kwa", "クィ": "kwi", "クェ": "kwe",
    "クォ": "kwo", "グァ": "gwa", "キャ": "kya", "キュ": "kyu", "キョ": "kyo", "ギャ": "gya", "ギュ": "gyu",
    "ギョ": "gyo", "シャ": "sha", "シュ": "shu", "ショ": "sho", "ジャ": "ja", "ジュ": "ju", "ジョ": "jo",
    "チャ": "cha", "チュ": "chu", "チョ": "cho", "ニャ": "nya", "ニュ": "nyu", "ニョ": "nyo", "ヒャ": "hya",
    "ヒュ": "hyu", "ヒョ": "hyo", "ビャ": "bya", "ビュ": "byu", "ビョ": "byo", "ピャ": "pya", "ピュ": "pyu",
    "ピョ": "pyo", "ミャ": "mya", "ミュ": "myu", "ミョ": "myo", "リャ": "rya", "リュ": "ryu", "リョ": "ryo",
    "リェ": "rye", "ヂャ": "ja", "ヂュ": "ju", "ヂョ": "jo", "スィ": "si", "ズィ": "zi", "ニェ": "nye",
}
_KANA = dict(zip(
    "アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワヰヱヲン"
    "ガギグゲゴザジズゼゾダヂヅデドバビブベボパピプペポァィゥェォャュョヮ",
    ["a", "i", "u", "e", "o", "ka", "ki", "ku", "ke", "ko", "sa", "shi", "su", "se", "so", "ta", "chi", "tsu", "te",
     "to", "na", "ni", "nu", "ne", "no", "ha", "hi", "fu", "he", "ho", "ma", "mi", "mu", "me", "mo", "ya", "yu",
     "yo", "ra", "ri", "ru", "re", "ro", "wa", "i", "e", "o", "n",
     "ga", "gi", "gu", "ge", "go", "za", "ji", "zu", "ze", "zo", "da", "ji", "zu", "de", "do", "ba", "bi", "bu",
     "be", "bo", "pa", "pi", "pu", "pe", "po", "a", "i", "u", "e", "o", "ya", "yu", "yo", "wa"], strict=True))

_HANGUL_L = ["g", "kk", "n", "d", "tt", "r", "m", "b", "pp", "s", "ss", "", "j", "jj", "ch", "k", "t", "p", "h"]
_HANGUL_V = ["a", "ae", "ya", "yae", "eo", "e", "yeo", "ye", "o", "wa", "wae", "oe", "yo", "u", "wo", "we", "wi",
             "yu", "eu", "ui", "i"]
_HANGUL_T = ["", "k", "k", "k", "n", "n", "n", "t", "l", "k", "m", "l", "l", "l", "p", "l", "m", "p", "p", "t", "t",
             "ng", "t", "t", "k", "t", "p", "t"]
# Korean surnames have customary spellings that differ from Revised Romanization.
_KO_SURNAMES = {"gim": "kim", "i": "lee", "bak": "park", "choe": "choi", "jeong": "jung", "yun": "yoon",
                "gang": "kang", "jo": "cho", "o": "oh", "sin": "shin", "gwon": "kwon", "u": "woo", "go": "ko"}

_KATAKANA_RE = re.compile(r"[\u30a0-\u30ff\u31f0-\u31ff\uff66-\uff9f]")
_KANJI_HIRA_RE = re.compile(r"[\u3040-\u309f\u4e00-\u9fff\u3400-\u4dbf\uf900-\ufaff々〆]")
_HANGUL_RE = re.compile(r"[\uac00-\ud7a3]")


def script_of(text: str) -> str:
    """The dominant non-Latin script of a name: 'japanese', 'hangul', 'cyrillic', ... or 'latin'."""
    for ch in text:
        if _KATAKANA_RE.match(ch) or _KANJI_HIRA_RE.match(ch):
            return "japanese"
        if _HANGUL_RE.match(ch):
            return "hangul"
    for ch in text:
        if ch.isalpha() and ord(ch) > 0x24F:
            name = unicodedata.name(ch, "")
            for script in ("CYRILLIC", "GREEK", "ARMENIAN", "HEBREW", "ARABIC", "GEORGIAN"):
                if name.startswith(script):
                    return script.lower()
            return "other"
    return "latin"


def katakana_romaji(text: str) -> str:
    """Katakana to Hepburn-style romaji with foreign-name digraphs, ッ doubling and ー dropped."""
    out: list[str] = []
    i = 0
    double = False
    while i < len(text):
        pair = text[i:i + 2]
        if pair in _KANA_DIGRAPHS:
            syl = _KANA_DIGRAPHS[pair]
            i += 2
        elif text[i] in _KANA_DIGRAPHS:  # ヴ alone (ヴライコ Vlajko): before, it fell through as a kana letter
            syl = _KANA_DIGRAPHS[text[i]]
            i += 1
        elif text[i] in _KANA:
            syl = _KANA[text[i]]
            i += 1
        elif text[i] == "ッ":
            double = True
            i += 1
            continue
        elif text[i] in "ーｰ":
            i += 1
            continue
        else:
            syl = text[i]
            i += 1
        if double and syl and syl[0].isalpha() and syl[0] not in "aeiou":
            syl = ("t" if syl.startswith("ch") else syl[0]) + syl
        double = False
        out.append(syl)
    return "".join(out)


# MeCab's tagger (behind fugashi and cutlet) is not safe to share between threads: the server's worker threads
# read Japanese names through this one reader, one at a time.
_READER_LOCK = threading.Lock()


@lru_cache(maxsize=1)
def _cutlet() -> Any:
    import cutlet

    katsu = cutlet.Cutlet()
    katsu.use_foreign_spelling = False
    return katsu


def _long_vowels(text: str) -> str:
    return re.sub(r"ou|oo", "o", re.sub(r"uu", "u", re.sub(r"ii(?=[^aeiou]|$)", "i", text)))


@lru_cache(maxsize=20000)
def romanise_japanese(text: str) -> str:
    """Kanji/hiragana read by fugashi + unidic-lite and romanised by cutlet; katakana runs by the table above."""
    parts: list[str] = []
    for run in re.split(r"([\u30a0-\u30ff\uff66-\uff9f]+)", text):
        if not run:
            continue
        if _KATAKANA_RE.match(run[0]):
            for word in re.split(r"[・･=＝]", run):
                if word:
                    parts.append(katakana_romaji(word))
        elif _KANJI_HIRA_RE.search(run):
            with _READER_LOCK:
                read = _cutlet().romaji(run, capitalize=False).replace("'", "")
                if "?" in read:
                    read = _unreadable(run, read)
            parts.append(read)
        else:
            parts.append(run)
    return _long_vowels(" ".join(parts).lower())


def _unreadable(run: str, read: str) -> str:
    """Characters the dictionary cannot read (cutlet writes "?") stay a word of their own, spelt from their code
    points, so that a name is not shortened to the part that could be read (明宗 怡君 李 is not "minshu ri")."""
    unknown = [ch for ch in run if _KANJI_HIRA_RE.match(ch) and "?" in _cutlet().romaji(ch)]
    code = "".join(chr(ord("a") + int(d, 16)) for ch in unknown or run for d in f"{ord(ch):x}")
    return re.sub(r"\?+", " q" + code + " ", read, count=1).replace("?", " ")


def _hangul(text: str) -> str:
    words = []
    for word in text.split():
        syls = []
        for ch in word:
            code = ord(ch) - 0xAC00
            if 0 <= code < 11172:
                lead, vowel, tail = code // 588, (code % 588) // 28, code % 28
                syls.append(_HANGUL_L[lead] + _HANGUL_V[vowel] + _HANGUL_T[tail])
            else:
                syls.append(ch)
        if len(syls) == 3 and all(ch >= "\uac00" for ch in word):
            # Korean personal names: surname + two-syllable given name, written "Kim Jong Un".
            words.extend([_KO_SURNAMES.get(syls[0], syls[0]), syls[1], syls[2]])
        elif syls:
            words.append(_KO_SURNAMES.get(syls[0], syls[0]) + "".join(syls[1:]) if len(syls) == 1 else "".join(syls))
    return " ".join(words)


def _table(text: str, table: dict[str, str]) -> str:
    return "".join(table.get(ch, ch) for ch in text)


def to_latin(text: str) -> tuple[str, str]:
    """(latin text, script it came from). Latin input is returned as is; diacritics are handled later."""
    script = script_of(text)
    if script == "latin" or script == "other":
        return text, script
    if script == "japanese":
        return romanise_japanese(text), script
    if script == "hangul":
        return _hangul(text), script
    low = text.lower()
    if script == "cyrillic":
        return _table(low, _CYR), script
    if script == "greek":
        low = "".join(c for c in unicodedata.normalize("NFD", low) if not unicodedata.combining(c))
        return _table(low, _GREEK), script
    if script == "armenian":
        return _table(low, _ARMENIAN), script
    if script == "hebrew":
        return _table(low, _HEBREW), script
    if script == "georgian":
        return _table(low, _GEORGIAN), script
    low = "".join(c for c in low if not unicodedata.combining(c))
    return _table(low, _ARABIC), script
