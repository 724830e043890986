"""The Japanese reader under the server's worker threads: parallel readings equal sequential ones."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from smartcustoms.screening import translit

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
