"""The Japanese reader under the server's worker threads: parallel readings equal sequential ones."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from smartcustoms.screening import translit
from smartcustoms.screening.matcher import THRESHOLD, score_names
from smartcustoms.screening.translit import wade_giles_pinyin

NAMES = ["株式会社東芝", "三菱重工業", "日本電気", "山田太郎", "東京大学", "北朝鮮貿易", "大阪商事", "中村電機製作所",
         "横浜港湾", "京都精密", "名古屋航空", "福岡化学", "札幌計測", "神戸製鋼所", "広島通信", "仙台光学"]


def test_parallel_readings_equal_sequential_ones() -> None:
    translit.romanise_japanese.cache_clear()
    expected = [translit.romanise_japanese(n) for n in NAMES]
    assert all(expected) and len(set(expected)) == len(NAMES)
    for _ in range(5):
        translit.romanise_japanese.cache_clear()
        translit._cutlet.cache_clear()  # the first readings also build the reader, in several threads at once
        with ThreadPoolExecutor(max_workers=8) as pool:
            got = list(pool.map(translit.romanise_japanese, NAMES * 4))
        assert got == expected * 4


def test_latin_letters_and_digits_beside_kanji_stay_words_of_their_own() -> None:
    assert translit.romanise_japanese("第810航空機") == "810 koku ki"
    assert translit.romanise_japanese("TRV自動車").split() == ["trv", "jidosha"]
    # English words of a translation keep their spelling (no long-vowel folding of "house" or "foundry").
    assert translit.romanise_japanese("trading house 東芝").split() == ["trading", "house", "toshiba"]


def test_han_pinyin_for_personal_names_in_han_characters() -> None:
    assert translit.han_pinyin("習近平") == "xi jinping"
    assert translit.han_pinyin("习近平") == "xi jinping"
    assert translit.han_pinyin("李鵬") == "li peng"
    assert translit.han_pinyin("欧阳修") == "ouyang xiu"      # two-character surname
    assert translit.han_pinyin("曾庆红") == "zeng qinghong"   # surname reading of 曾 (not ceng)
    # Names written in parts have no known order (秀英 陳 is given name first): no Mandarin reading for them.
    for text in ("山田太郎", "株式会社東芝", "中国航天科技集团", "ヤマダ", "Xi Jinping", "", "李", "秀英 陳",
                 "贝拉克·奥巴马"):
        assert translit.han_pinyin(text) is None, text


def test_korean_names_in_katakana_read_syllable_by_syllable() -> None:
    assert translit.korean_katakana("キム・ギョンナム") == "kim kyon nam"   # ム is a final m, ギ the lists' K
    assert translit.korean_katakana("パク・トチュン") == "pak to chun"
    assert translit.korean_katakana("チェ・チュンシク") == "choe chun sik"  # シ is s, ク a final k
    assert translit.korean_katakana("コ・テフン") == "ko te hun"           # フ is h
    assert translit.romanise_japanese("リ・スヨン") == "ri su yon"
    # Not a Korean name: a surname-like first word but a long second one, or three words, or no Korean surname.
    for text in ("アン・マリアンヌ", "キム・ジョン・ウン", "ミロシェヴィッチ・ボリスラフ", "キム", "ヤマダ・タロウ"):
        assert translit.korean_katakana(text) is None, text


def test_wade_giles_names_are_also_written_in_pinyin() -> None:
    assert wade_giles_pinyin("Chou En-lai") == "Zhou Enlai"
    assert wade_giles_pinyin("Teng Hsiao-p'ing") == "Deng Xiaoping"       # the apostrophe marks aspiration
    assert wade_giles_pinyin("LIU, Shao-ch'i") == "Liu, Shaoqi"
    assert wade_giles_pinyin("Chiang Ching-kuo") == "Jiang Jingguo"
    # Only names of Wade-Giles syllables with a hyphenated given name: not pinyin, Korean or other names.
    for name in ("Kim Jong-un", "Jiang Wen-ji", "Jean-Paul Martin", "Zhou Enlai", "Lin Piao"):
        assert wade_giles_pinyin(name) is None
    assert score_names("Chou En-lai", "Zhou Enlai").score >= THRESHOLD
    assert score_names("Chou En-lai", "Zhou Yongkang").score < THRESHOLD
