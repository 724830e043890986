"""An SVG chart of value references: per HS subheading and unit, the band of unit values on a log scale of yen,
where the intake flags a line (the cut) and the median. Pure: no database, labels escaped."""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape

from smartcustoms.ecommerce.valueref import Band

LABEL_W, PLOT_W, VALUE_W, ROW_H, GAP, AXIS_H = 150, 520, 170, 18, 8, 26
CUT_COLOUR, BAND_COLOUR, MEDIAN_COLOUR = "#D55E00", "#A6CEE3", "#0072B2"  # colour-blind safe (Okabe-Ito)


def yen(v: float) -> str:
    """Yen per unit: whole yen from ¥10, to the sen from ¥0.01, else two significant digits."""
    return f"¥{v:,.0f}" if v >= 10 else f"¥{v:,.2f}" if v >= 0.01 else f"¥{v:.2g}"


def band_chart(bands: Sequence[Band], cut: float, title: str, legend: tuple[str, str, str]) -> str:
    """One row per band: a bar from the cut (flagged below, at z = `cut`) to as far above the median, a mark at
    the median (its yen at the right); the x axis is log10 of yen per unit, ticks at powers of ten. `legend`: the
    words for flagged below, band and median."""
    if not bands:
        return ""
    lows = [b.cut_jpy(cut) for b in bands]
    highs = [b.cut_jpy(-cut) for b in bands]
    lo = math.floor(math.log10(max(min(lows), 1e-6)))
    hi = math.ceil(math.log10(max(max(highs), 10 ** (lo + 1))))
    hi = max(hi, lo + 1)

    def x(v: float) -> float:
        return LABEL_W + PLOT_W * (math.log10(max(v, 10.0 ** lo)) - lo) / (hi - lo)

    width = LABEL_W + PLOT_W + VALUE_W
    height = AXIS_H + len(bands) * (ROW_H + GAP) + 22
    tid = "vr-chart-title"
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" viewBox="0 0 {width} {height}" '
           f'width="{width}" height="{height}" aria-labelledby="{tid}"><title id="{tid}">{escape(title)}</title>']
    for p in range(lo, hi + 1):  # the axis: a tick and a label per power of ten
        tx = x(10.0 ** p)
        out.append(f'<line x1="{tx:.1f}" y1="{AXIS_H - 6}" x2="{tx:.1f}" y2="{height - 22}" stroke="#ccc"/>'
                   f'<text x="{tx:.1f}" y="{AXIS_H - 10}" text-anchor="middle" class="axis">{yen(10.0 ** p)}</text>')
    for i, (b, low, high) in enumerate(zip(bands, lows, highs, strict=True)):
        y = AXIS_H + i * (ROW_H + GAP)
        label = f"{b.hs6} · {b.unit}"
        x0, x1, xm = x(low), x(high), x(b.median_yen)
        tip = f"{label}: {legend[0]} {yen(low)}, {legend[2]} {yen(b.median_yen)}, n={b.lines_seen:,}"
        out.append(f'<g class="band" data-key="{escape(b.hs6)}:{escape(b.unit)}">'
                   f'<text x="{LABEL_W - 8}" y="{y + ROW_H / 2 + 5:g}" text-anchor="end" class="bar-label">'
                   f'{escape(label)}</text>'
                   f'<rect x="{x0:.1f}" y="{y}" width="{max(x1 - x0, 1):.1f}" height="{ROW_H}" fill="{BAND_COLOUR}">'
                   f'<title>{escape(tip)}</title></rect>'
                   f'<rect x="{x0 - 1:.1f}" y="{y - 2}" width="3" height="{ROW_H + 4}" fill="{CUT_COLOUR}"/>'
                   f'<rect x="{xm - 1.5:.1f}" y="{y}" width="3" height="{ROW_H}" fill="{MEDIAN_COLOUR}"/>'
                   f'<text x="{LABEL_W + PLOT_W + 8}" y="{y + ROW_H / 2 + 5:g}" class="bar-total">'
                   f'{escape(yen(b.median_yen))}</text></g>')
    ly = height - 8  # the legend
    out.append(f'<rect x="{LABEL_W}" y="{ly - 10}" width="3" height="12" fill="{CUT_COLOUR}"/>'
               f'<text x="{LABEL_W + 8}" y="{ly}">{escape(legend[0])}</text>'
               f'<rect x="{LABEL_W + 150}" y="{ly - 10}" width="24" height="12" fill="{BAND_COLOUR}"/>'
               f'<text x="{LABEL_W + 180}" y="{ly}">{escape(legend[1])}</text>'
               f'<rect x="{LABEL_W + 420}" y="{ly - 10}" width="3" height="12" fill="{MEDIAN_COLOUR}"/>'
               f'<text x="{LABEL_W + 428}" y="{ly}">{escape(legend[2])}</text>')
    out.append("</svg>")
    return "".join(out)
