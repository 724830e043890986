"""Server-side SVG charts for the console: pure functions from counts to markup, no JavaScript."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape

# Okabe-Ito palette: tells statuses apart for colour-blind officers too. Text colour per fill for contrast.
STATUS_COLOURS: dict[str, tuple[str, str]] = {
    "under_review": ("#0072B2", "#ffffff"),
    "awaiting_inspection": ("#D55E00", "#ffffff"),
    "documents_requested": ("#E69F00", "#000000"),
    "inspected": ("#CC79A7", "#000000"),
    "held": ("#F0E442", "#000000"),
    "released": ("#009E73", "#ffffff"),
    "rejected": ("#555555", "#ffffff"),
}
FALLBACK_COLOUR = ("#999999", "#000000")

LABEL_W, BAR_W, TOTAL_W = 260, 420, 60
ROW_H, ROW_GAP, TOP = 30, 14, 10
LEGEND_ROW_H, LEGEND_COLS, LEGEND_COL_W = 22, 4, 184
MIN_W_FOR_TEXT = 22  # px: narrower segments carry their count only in the tooltip


def _num(x: float) -> str:
    return f"{x:.2f}".rstrip("0").rstrip(".")


def stacked_bars(
    counts: Mapping[tuple[int, str], int],
    lanes: Sequence[int],
    statuses: Sequence[str],
    lane_labels: Mapping[int, str],
    status_labels: Mapping[str, str],
    title: str,
    desc: str = "",
    id_prefix: str = "chart",
) -> str:
    """An SVG horizontal stacked bar chart: one bar per lane, one segment per status, scaled to the largest lane.

    Statuses found in `counts` but not in `statuses` are drawn after them in grey, so no declaration is hidden.
    Labels are escaped; the result is safe to embed in HTML.
    """
    order = list(statuses) + sorted({s for (_, s) in counts} - set(statuses))
    lane_order = list(lanes) + sorted({lane for (lane, _) in counts} - set(lanes))
    totals = {lane: sum(max(0, counts.get((lane, s), 0)) for s in order) for lane in lane_order}
    peak = max(totals.values(), default=0)
    width = LABEL_W + BAR_W + TOTAL_W
    bars_h = TOP + len(lane_order) * (ROW_H + ROW_GAP)
    legend_rows = (len(order) + LEGEND_COLS - 1) // LEGEND_COLS
    height = bars_h + legend_rows * LEGEND_ROW_H + 8
    tid, did = f"{id_prefix}-title", f"{id_prefix}-desc"
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" aria-labelledby="{tid} {did}">',
        f'<title id="{tid}">{escape(title)}</title>',
        f'<desc id="{did}">{escape(desc)}</desc>',
    ]
    for row, lane in enumerate(lane_order):
        y = TOP + row * (ROW_H + ROW_GAP)
        label = escape(lane_labels.get(lane, str(lane)))
        out.append(f'<g class="bar" data-lane="{lane}" data-total="{totals[lane]}">')
        out.append(f'<text x="{LABEL_W - 8}" y="{y + ROW_H / 2 + 5:g}" text-anchor="end" class="bar-label">'
                   f'{label}</text>')
        out.append(f'<rect x="{LABEL_W}" y="{y}" width="{BAR_W}" height="{ROW_H}" class="bar-track" '
                   f'fill="#f1f3f5"/>')
        cum = 0
        for status in order:
            n = max(0, counts.get((lane, status), 0))
            if n == 0 or peak == 0:
                continue
            x0 = LABEL_W + BAR_W * cum / peak
            cum += n
            x1 = LABEL_W + BAR_W * cum / peak
            fill, ink = STATUS_COLOURS.get(status, FALLBACK_COLOUR)
            tip = escape(f"{lane_labels.get(lane, str(lane))} · {status_labels.get(status, status)}: {n}")
            out.append(f'<rect x="{_num(x0)}" y="{y}" width="{_num(x1 - x0)}" height="{ROW_H}" fill="{fill}" '
                       f'data-status="{escape(status)}" data-count="{n}"><title>{tip}</title></rect>')
            if x1 - x0 >= MIN_W_FOR_TEXT:
                out.append(f'<text x="{_num((x0 + x1) / 2)}" y="{y + ROW_H / 2 + 5:g}" text-anchor="middle" '
                           f'fill="{ink}" class="seg-label" aria-hidden="true">{n}</text>')
        out.append(f'<text x="{LABEL_W + BAR_W + 8}" y="{y + ROW_H / 2 + 5:g}" class="bar-total">'
                   f'{totals[lane]}</text>')
        out.append("</g>")
    for i, status in enumerate(order):
        x = 8 + (i % LEGEND_COLS) * LEGEND_COL_W
        y = bars_h + (i // LEGEND_COLS) * LEGEND_ROW_H
        fill, _ = STATUS_COLOURS.get(status, FALLBACK_COLOUR)
        out.append(f'<g class="legend-item"><rect x="{x}" y="{y}" width="14" height="14" fill="{fill}"/>'
                   f'<text x="{x + 20}" y="{y + 12}">{escape(status_labels.get(status, status))}</text></g>')
    out.append("</svg>")
    return "".join(out)


def contribution_bars(contributions: Sequence[Mapping[str, object]], title: str = "SHAP contributions") -> str:
    """A diverging SVG bar chart of per-feature contributions: up (orange) raises the score, down (blue) lowers it."""
    rows = [(str(c.get("feature", "")), str(c.get("value", "")), float(str(c.get("contribution", 0))))
            for c in contributions]
    label_w, half, row_h, gap = 300, 200, 22, 6
    width = label_w + 2 * half + 70
    height = 8 + len(rows) * (row_h + gap)
    peak = max((abs(v) for _, _, v in rows), default=0.0) or 1.0
    mid = label_w + half
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" viewBox="0 0 {width} {height}" '
           f'width="{width}" height="{height}" aria-label="{escape(title)}"><title>{escape(title)}</title>',
           f'<line x1="{mid}" y1="0" x2="{mid}" y2="{height}" stroke="#888" stroke-width="1"/>']
    for i, (feature, value, v) in enumerate(rows):
        y = 4 + i * (row_h + gap)
        w = half * abs(v) / peak
        x = mid if v >= 0 else mid - w
        fill = "#D55E00" if v >= 0 else "#0072B2"
        label = escape(f"{feature} = {value}" if value else feature)
        out.append(f'<text x="{label_w - 8}" y="{y + row_h / 2 + 5:g}" text-anchor="end" class="bar-label">'
                   f'{label[:48]}</text>')
        out.append(f'<rect x="{_num(x)}" y="{y}" width="{_num(max(w, 1))}" height="{row_h}" fill="{fill}" '
                   f'data-contribution="{v:.6f}"><title>{label}: {v:+.3f}</title></rect>')
        tx = mid + half + 8
        out.append(f'<text x="{tx}" y="{y + row_h / 2 + 5:g}" class="bar-total">{v:+.3f}</text>')
    out.append("</svg>")
    return "".join(out)
