"""Script-by-script transliteration to Latin for matching (pure; no ICU/unidecode, which read kanji as Mandarin).

Japanese goes through fugashi + unidic-lite readings with cutlet (see romanise_japanese); katakana is romanised by
the table below with the spellings foreign names use (ヴィ vi, ティ ti, ッ doubling, ー long vowel). Cyrillic,
Greek, Armenian, Hebrew, Arabic/Persian and Hangul have table or algorithmic transliterations. Han characters are
read the Japanese way; a personal name in Han characters only also gets a Mandarin reading (han_pinyin), as a name of
its own.
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


_KANJI_RUN = re.compile(r"([\u3040-\u309f\u4e00-\u9fff\u3400-\u4dbf\uf900-\ufaff々〆]+)")
_ORDINAL = re.compile(r"第(?=\s*\d)")  # 第810工場: "No. 810", written 810 on the English lists


@lru_cache(maxsize=20000)
def romanise_japanese(text: str) -> str:
    """Kanji/hiragana read by fugashi + unidic-lite and romanised by cutlet; katakana runs by the table above."""
    korean = korean_katakana(text)
    if korean:
        return korean
    parts: list[str] = []
    for run in re.split(r"([\u30a0-\u30ff\uff66-\uff9f]+)", text):
        if not run:
            continue
        if _KATAKANA_RE.match(run[0]):
            for word in re.split(r"[・･=＝]", run):
                if word:
                    parts.append(_long_vowels(katakana_romaji(word).lower()))
        else:
            # Only kanji/hiragana go to the reader: Latin letters and digits beside them stay words of their own
            # (TRV自動車, 第810工場 is "810", never glued to a reading or to an English word of a translation).
            for piece in _KANJI_RUN.split(_ORDINAL.sub(" ", run)):
                if not piece.strip():
                    continue
                if _KANJI_HIRA_RE.match(piece):
                    with _READER_LOCK:
                        read = _cutlet().romaji(piece, capitalize=False).replace("'", "")
                        if "?" in read:
                            read = _unreadable(piece, read)
                    parts.append(_long_vowels(read.lower()))
                else:
                    parts.append(piece.lower())  # Latin words (of a translation) keep their spelling: house
    return " ".join(" ".join(parts).split())


# Korean names in katakana (キム・ギョンナム Kim Kyong Nam, パク・トチュン Pak To Chun): a surname, then a given
# name of one or two syllables written together. Read syllable by syllable, as the lists write them, with the
# final consonants katakana spells as a kana of their own (ム m, ク k, ル l, プ p).
_KO_SURNAMES_KANA = {
    "キム": "kim", "リ": "ri", "イ": "i", "パク": "pak", "チェ": "choe", "チョン": "chon", "チョ": "cho",
    "カン": "kang",
    "ユン": "yun", "チャン": "chang", "イム": "im", "リム": "rim", "ハン": "han", "オ": "o", "ソ": "so", "シン": "sin",
    "クォン": "kwon", "ファン": "hwang", "アン": "an", "ソン": "song", "ホン": "hong", "ユ": "yu", "リュ": "ryu",
    "コ": "ko", "ムン": "mun", "ヤン": "yang", "ペ": "pae", "ペク": "paek", "ノ": "no", "ハ": "ha", "チュ": "chu",
    "ウ": "u", "ナム": "nam", "シム": "sim", "ク": "ku", "ミン": "min", "ピョン": "pyon", "チ": "chi", "キル": "kil",
    "ヒョン": "hyon", "タク": "tak", "ヨ": "yo", "ソク": "sok", "ト": "to", "チン": "chin", "マ": "ma",
    "ウォン": "won", "ペン": "paeng", "オム": "om", "ピ": "pi", "ミョン": "myong", "ケ": "kye", "カク": "kak",
}
_KO_CODA = {"ン": "n", "ク": "k", "ル": "l", "ム": "m", "プ": "p"}
_KANA_SMALL = frozenset("ャュョァィゥェォ")
_KANA_VOWEL_START = frozenset("アイウエオヤユヨワ")


def _korean_syllables(word: str) -> list[str] | None:
    """Katakana of a Korean given name split into syllables (ギョンナム -> ギョン ナム), None if it is not one or
    two syllables."""
    morae: list[str] = []
    i = 0
    while i < len(word):
        if i + 1 < len(word) and word[i + 1] in _KANA_SMALL:
            morae.append(word[i:i + 2])
            i += 2
        else:
            morae.append(word[i])
            i += 1
    syllables: list[list[str]] = []
    for k, mora in enumerate(morae):
        last = k == len(morae) - 1
        if (mora in _KO_CODA and syllables and len(syllables[-1]) == 1
                and (mora == "ン" or last or morae[k + 1][0] not in _KANA_VOWEL_START)):
            syllables[-1].append(mora)
        elif mora == "ン" or mora in ("ー", "ッ"):
            return None
        else:
            syllables.append([mora])
    if not 1 <= len(syllables) <= 2:
        return None
    return ["".join(s) for s in syllables]


@lru_cache(maxsize=20000)
def korean_katakana(text: str) -> str | None:
    """"kim kyon nam" for キム・ギョンナム: a Korean surname and a given name of one or two syllables; else None."""
    words = [w for w in re.split(r"[・･=＝\s]+", text.strip()) if w]
    if len(words) != 2 or words[0] not in _KO_SURNAMES_KANA or not all(_KATAKANA_RE.match(ch) for ch in words[1]):
        return None
    syllables = _korean_syllables(words[1])
    if syllables is None:
        return None
    read: list[str] = []
    for n, syl in enumerate(syllables):
        coda = _KO_CODA.get(syl[-1]) if len(syl) > 1 else None
        latin = katakana_romaji(syl[:-1] if coda else syl) + (coda or "")
        # Korean has no f and no sh: フ is h, シ is s (テフン Tae Hun, チュンシク Chun Sik).
        latin = latin.replace("shi", "si").replace("f", "h")
        if n == 0 and latin.startswith("g"):
            latin = "k" + latin[1:]   # the first consonant of a given name: katakana voices what the lists write k
        read.append(latin)
    return " ".join([_KO_SURNAMES_KANA[words[0]], *read])


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


# Chinese names in Han characters: a Mandarin (pinyin) reading as well as the Japanese one (習近平 = Xi Jinping).
# The table (data/han-pinyin.txt: "syllable characters" per line, the first reading of each character of the CJK
# Unified Ideographs block) comes from pypinyin's pinyin_dict (MIT licence; see data/PROVENANCE.md).
_HAN_ONLY = re.compile(r"[\u4e00-\u9fff]+")
# Characters read differently as surnames (曾 Zeng, 单 Shan, 解 Xie ...) and two-character surnames.
_SURNAME_READINGS = {"曾": "zeng", "单": "shan", "單": "shan", "解": "xie", "朴": "piao", "区": "ou", "區": "ou",
                     "仇": "qiu", "查": "zha", "覃": "qin", "乐": "yue", "樂": "yue", "缪": "miao", "繆": "miao",
                     "盖": "ge", "蓋": "ge", "翟": "zhai", "种": "chong", "重": "chong", "长": "chang",
                     "長": "chang", "万": "wan", "萬": "wan", "沈": "shen", "秘": "bi", "尉": "yu", "燕": "yan",
                     "华": "hua", "華": "hua", "任": "ren", "员": "yun", "貟": "yun", "句": "gou", "卜": "bu"}
_COMPOUND_SURNAMES = frozenset(("欧阳", "歐陽", "司马", "司馬", "诸葛", "諸葛", "上官", "司徒", "东方", "東方", "夏侯",
                                "皇甫", "尉迟", "尉遲", "公孙", "公孫", "慕容", "令狐", "长孙", "長孫", "宇文", "轩辕",
                                "軒轅", "端木", "申屠", "澹台", "澹臺", "呼延", "南宫", "南宮", "万俟", "萬俟"))


@lru_cache(maxsize=1)
def _pinyin_table() -> dict[str, str]:
    from importlib import resources

    text = resources.files("smartcustoms.screening").joinpath("data", "han-pinyin.txt").read_text("utf-8")
    table: dict[str, str] = {}
    for line in text.splitlines():
        syllable, _, chars = line.partition(" ")
        for ch in chars:
            table[ch] = syllable
    return table


@lru_cache(maxsize=20000)
def han_pinyin(text: str) -> str | None:
    """A Mandarin reading of a personal name written as one word of two to four Han characters, surname first and
    the given name as one word (习近平 / 習近平 -> "xi jinping", 欧阳修 -> "ouyang xiu"); None for anything else.

    Names written in parts (秀英 陳, 贝拉克·奥巴马) get none: the order of the parts is unknown and short pinyin
    syllables of unrelated names are close to each other (measured: reading them as well tripled the false
    positives of the synthetic names), and the Japanese reading of every name stays.
    """
    word = unicodedata.normalize("NFKC", text).strip()
    if not _HAN_ONLY.fullmatch(word):
        return None
    table = _pinyin_table()
    surname_len = 2 if word[:2] in _COMPOUND_SURNAMES else 1
    if not 2 <= len(word) <= 2 + surname_len or any(ch not in table for ch in word):
        return None
    surname = word[:surname_len]
    head = _SURNAME_READINGS.get(surname) if surname_len == 1 else None
    return (head or "".join(table[ch] for ch in surname)) + " " + "".join(table[ch] for ch in word[surname_len:])


# Wade-Giles, the older romanisation of Mandarin (Mao Tse-tung, Chou En-lai, Teng Hsiao-p'ing; still Taiwan's usual
# spelling of names), and its pinyin. Apostrophes (aspiration) are often left out: an initial without one is read
# unaspirated (t d, k g, p b, ch zh, ts z), the commoner case in names; the matcher's spelling tolerance covers the
# rest (Xiaobing / Xiaoping).
_WG_INITIALS = ("ch'", "ts'", "tz'", "hs", "ch", "sh", "ts", "tz", "ss", "sz", "k'", "p'", "t'", "j", "k", "p", "t",
                "m", "f", "n", "l", "h", "s", "w", "y", "")
_WG_FINALS = frozenset(("a", "o", "e", "ih", "u", "ai", "ei", "ao", "ou", "an", "en", "ang", "eng", "ung", "erh",
                        "i", "ia", "ieh", "iao", "iu", "ien", "in", "iang", "ing", "iung", "io", "ua", "uo", "uai",
                        "uei", "ui", "uan", "un", "uang", "ueh", "eh"))
_WG_PINYIN_INITIAL = {"ch'": "ch", "ch": "zh", "hs": "x", "k'": "k", "k": "g", "p'": "p", "p": "b", "t'": "t",
                      "t": "d", "ts'": "c", "tz'": "c", "ts": "z", "tz": "z", "j": "r", "ss": "s", "sz": "s"}
_WG_PINYIN_FINAL = {"ih": "i", "ieh": "ie", "ueh": "ue", "eh": "e", "ien": "ian", "ung": "ong", "iung": "iong",
                    "uei": "ui", "erh": "er"}
_SPACES = re.compile(r"\s+")


@lru_cache(maxsize=50_000)
def _wade_giles_syllable(syllable: str) -> str | None:
    """Pinyin of one Wade-Giles syllable (folded, apostrophes kept), or None when it is not one."""
    for ini in _WG_INITIALS:
        if not syllable.startswith(ini):
            continue
        fin = syllable[len(ini):]
        if ini == "j" and fin.startswith("i") and fin != "ih":
            continue                                       # pinyin ji, jin, jiang (Wade-Giles chi, chin, chiang)
        if fin not in _WG_FINALS or (ini in ("w", "y") and fin.startswith(("i", "u", "w", "y"))
                                     and fin not in ("i", "in", "ing", "u", "ung", "un", "uan", "ueh")):
            continue
        out_ini = _WG_PINYIN_INITIAL.get(ini, ini)
        if ini in ("ch", "ch'") and fin.startswith("i") and fin != "ih":
            out_ini = "j" if ini == "ch" else "q"          # chi, ch'i: ji, qi
        if fin == "u" and ini in ("ss", "sz", "tz", "ts", "tz'", "ts'"):
            out_fin = "i"                                  # tzu, ssu (ŭ): zi, si
        elif fin == "o" and ini in ("k", "k'", "h"):
            out_fin = "e"                                  # ko, k'o, ho: ge, ke, he
        elif fin == "o" and ini not in ("p", "p'", "m", "f", "w", "y", ""):
            out_fin = "uo"                                 # to, lo, so: duo, luo, suo
        elif ini == "y" and fin in ("en", "eh", "ung"):
            out_fin = {"en": "an", "eh": "e", "ung": "ong"}[fin]   # yen, yeh, yung: yan, ye, yong
        else:
            out_fin = _WG_PINYIN_FINAL.get(fin, fin)
        return out_ini + out_fin
    return None


@lru_cache(maxsize=100_000)
def wade_giles_pinyin(text: str) -> str | None:
    """A Latin name in Wade-Giles written in pinyin (Mao Tse-tung -> Mao Zedong), or None. Only names whose every
    word is made of Wade-Giles syllables and that have a given name of two syllables joined by a hyphen, as
    Wade-Giles writes them (a Korean or English name fails the syllable test: Jong, Kim, Jean are not syllables)."""
    if "-" not in text:
        return None
    folded = unicodedata.normalize("NFKD", text.replace("’", "'").replace("‘", "'"))
    folded = "".join(c for c in folded if not unicodedata.combining(c)).lower()
    if not re.fullmatch(r"[a-z' ,.\-]+", folded):
        return None
    words = re.findall(r"[a-z'\-]+", folded)
    if not any(w.count("-") == 1 and all(w.split("-")) for w in words):
        return None
    out: dict[str, str] = {}
    for word in words:
        parts = [_wade_giles_syllable(s) for s in word.split("-")]
        if not all(parts) or len(parts) > 2:
            return None
        out[word] = "".join(p for p in parts if p).title()

    def pinyin(m: re.Match[str]) -> str:
        return out[m.group(0)]

    return _SPACES.sub(" ", re.sub(r"[a-z'\-]+", pinyin, folded).replace(".", " ")).strip()
