"""The value-reference chart: a log scale of yen, the cut left of the median, labels escaped."""

from __future__ import annotations

import itertools
import math
import re

from smartcustoms.ecommerce.bandchart import LABEL_W, PLOT_W, band_chart, yen
from smartcustoms.ecommerce.valueref import Band

LEGEND = ("flagged below", "band", "median")


def _marks(svg: str) -> list[tuple[float, float, float]]:
    """Per band: the bar's left end, the cut mark's and the median mark's x."""
    out = []
    for g in re.findall(r'<g class="band".*?</g>', svg, re.S):
        rects = re.findall(r'<rect x="([\d.-]+)"', g)
        out.append((float(rects[0]), float(rects[1]) + 1, float(rects[2]) + 1.5))
    return out


def test_positions_follow_a_log_scale_of_yen() -> None:
    # medians ¥100 and ¥10,000, spread 1/3: the cut at z=-3 is one e-fold below the median.
    bands = [Band("392690", "PCE", 50, math.log(100), 1 / 3), Band("851830", "PCE", 50, math.log(10_000), 1 / 3)]
    svg = band_chart(bands, -3.0, "Unit values", LEGEND)
    marks = _marks(svg)
    ticks = [float(x) for x in re.findall(r'<line x1="([\d.]+)"', svg)]
    decade = ticks[1] - ticks[0]
    assert all(abs((b - a) - decade) < 0.2 for a, b in itertools.pairwise(ticks))
    assert abs(marks[1][2] - marks[0][2] - 2 * decade) < 0.2  # two decades between the medians
    for left, cut, median in marks:
        assert abs(left - cut) < 0.01 and abs(median - cut - decade * math.log10(math.e)) < 0.2
    assert min(ticks) >= LABEL_W and max(ticks) <= LABEL_W + PLOT_W + 0.01


def test_labels_and_titles_are_escaped_and_no_band_draws_nothing() -> None:
    assert band_chart([], -3.0, "t", LEGEND) == ""
    svg = band_chart([Band("392690", "<b>", 30, 5.0, 0.5)], -3.0, 'a "title" & <more>', LEGEND)
    assert "<b>" not in svg and "&lt;b&gt;" in svg and "&amp; &lt;more&gt;" in svg


def test_yen_shows_sen_below_ten_yen_and_two_digits_below_a_sen() -> None:
    assert (yen(1234.4), yen(9.5), yen(0.123), yen(0.0042)) == ("¥1,234", "¥9.50", "¥0.12", "¥0.0042")


def test_a_sub_yen_median_is_drawn_at_its_value_and_an_extreme_band_draws() -> None:
    svg = band_chart([Band("950300", "PCE", 30, math.log(0.4), 0.25)], -3.0, "t", LEGEND)
    (left, cut, median), = _marks(svg)
    assert LABEL_W <= left < median and "¥0.40" in svg  # not rounded to ¥0 and drawn off the axis
    assert "<svg" in band_chart([Band("999999", "KGM", 30, 705.0, 2.0)], -3.0, "t", LEGEND)
