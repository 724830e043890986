"""Reference unit values of parcel goods and the undervaluation signal (pure: no database).

A goods line's unit value (its yen value at the weekly rate over its quantity) is compared with the band of the
lines of the same HS subheading and unit stored in the weeks before (`valueref_service.refresh`): the median and
the spread of the log unit values, the spread being the median absolute deviation scaled to a standard deviation
(×1.4826), so that the few undervalued lines among them move neither. A line whose robust z-score
`(log unit value − median) / spread` is below the cut (`SMARTCUSTOMS_ECOMMERCE_UNDERVALUATION_Z`, −3) sends the
parcel to lane 2 with a `value` reason: a signal for the officer, never a revaluation (the tax stays as declared).

Decisions:
- The spread is at least `SPREAD_FLOOR` (0.25 in log units): a subheading whose references are nearly all one
  price (a spread near 0) would otherwise flag a line for a small discount; with the floor a line is flagged only
  below e^(−3 × 0.25) = 47 % of the median at the default cut.
- A band needs at least `min_lines` reference lines (30): below that the median says little, and no line is
  judged against it. Lines without an HS code are neither judged nor references.
- Only values far *below* are flagged: an overvalued parcel pays more tax, not less.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from statistics import median
from typing import Any

from smartcustoms.ecommerce.records import Goods
from smartcustoms.risk import rules

SPREAD_FLOOR = 0.25
MAD_TO_SD = 1.4826
Z_FLOOR = -99.0
_ONE = Decimal(1)


@dataclass(frozen=True, slots=True)
class Band:
    """The reference unit values of one HS subheading and unit."""

    hs6: str
    unit: str
    lines: int  # reference lines the band was computed from (a sample of at most per_key of those seen)
    median_log: float
    spread: float
    seen: int = 0  # lines read that the sample was drawn from (0: not known, bands stored before 0015)

    @property
    def lines_seen(self) -> int:
        return self.seen or self.lines

    @property
    def median_yen(self) -> float:
        return math.exp(self.median_log)

    @property
    def median_jpy(self) -> int:
        return round(math.exp(self.median_log))

    def z(self, unit_yen: float) -> float:
        return (math.log(unit_yen) - self.median_log) / self.spread

    def cut_jpy(self, cut: float) -> float:
        """The unit value in yen at z = `cut`: a line whose unit value is below it is flagged (the exponent held
        within what a float can carry)."""
        return math.exp(min(max(self.median_log + cut * self.spread, -700.0), 700.0))


# Units of counted items written another way (UN/ECE Recommendation 20 has PCE; carriers also send these): one band.
COUNTED = "PCE"
_COUNTED_ALIASES = frozenset({"PCE", "PCS", "PC", "EA", "NMB", "NAR", "U", "UN", "UNT", "NO", "NOS"})


def unit_of(unit: str) -> str:
    """The unit a band is kept for: case folded, the aliases of a counted item as PCE."""
    u = unit.strip().upper()
    return COUNTED if u in _COUNTED_ALIASES else u


def key(hs_code: str, unit: str) -> str:
    """A band's key: the HS subheading (6 digits) and the unit of quantity (`unit_of`)."""
    return f"{hs_code[:6]}:{unit_of(unit)}"


def unit_value(value_yen: Decimal, quantity: Decimal, unit: str) -> float:
    """The value of one unit. Decision: a counted item (PCE) is never less than one — 0.1 of a T-shirt is one
    T-shirt; a quantity under 1 would otherwise lift a cheap line's unit value out of reach of the signal."""
    if unit_of(unit) == COUNTED and quantity < 1:
        quantity = _ONE
    return float(value_yen) / float(quantity)


def band(hs6: str, unit: str, logs: Sequence[float], seen: int = 0) -> Band:
    """The band of a non-empty set of log unit values (a sample of `seen` lines, when given)."""
    mid = median(logs)
    spread = max(SPREAD_FLOOR, MAD_TO_SD * median([abs(x - mid) for x in logs]))
    return Band(hs6, unit, len(logs), mid, spread, max(seen, len(logs)))


class Sampler:
    """Log unit values per key, at most `per_key` of each kept as a uniform sample of all those offered
    (reservoir sampling with a seeded generator: the same rows give the same bands)."""

    def __init__(self, per_key: int, seed: int = 0) -> None:
        self.per_key = per_key
        self.rng = random.Random(seed)
        self.seen: dict[str, int] = {}
        self.kept: dict[str, list[float]] = {}

    def offer(self, k: str, unit_yen: float) -> bool:
        """Offer a line's unit value; False (not taken) for a nil value, which has no log, or one a float cannot
        carry (a quantity of 1e-310 makes an infinite unit value)."""
        if not 0 < unit_yen < math.inf:
            return False
        n = self.seen.get(k, 0) + 1
        self.seen[k] = n
        kept = self.kept.setdefault(k, [])
        if len(kept) < self.per_key:
            kept.append(math.log(unit_yen))
        else:
            j = self.rng.randrange(n)
            if j < self.per_key:
                kept[j] = math.log(unit_yen)
        return True

    def bands(self, min_lines: int) -> list[Band]:
        """The bands of the keys with at least `min_lines` lines seen, in key order."""
        out = []
        for k in sorted(self.kept):
            if self.seen[k] >= min_lines:
                hs6, unit = k.split(":", 1)
                out.append(band(hs6, unit, self.kept[k], self.seen[k]))
        return out


def _rate_of(currency: str, rate: Callable[[str], Decimal | None]) -> Decimal | None:
    """The yen rate of a currency: the weekly rates have no row for the yen itself."""
    return _ONE if currency == "JPY" else rate(currency)


def stored_unit_values(goods: Iterable[Mapping[str, Any]],
                       rate: Callable[[str], Decimal | None]) -> Iterable[tuple[str, float]]:
    """(key, unit value in yen) of the stored goods lines (dicts of strings, as the intake stores them) with an HS
    code, a weekly rate and a positive quantity."""
    for g in goods:
        hs, quantity = g.get("hs_code"), Decimal(g.get("quantity") or 0)
        if not hs or quantity <= 0:
            continue
        r = _rate_of(g.get("currency") or "", rate)
        if r is not None:
            unit = g.get("unit") or COUNTED
            yield key(hs, unit), unit_value(Decimal(g.get("value") or 0) * r, quantity, unit)


@dataclass(frozen=True, slots=True)
class Finding:
    line_no: int
    hs_code: str
    unit_yen: float
    band: Band
    z: float


def undervalued(goods: Sequence[Goods], rate: Callable[[str], Decimal | None], bands: Mapping[str, Band],
                cut: float) -> list[Finding]:
    """The lines whose unit value is below the cut of their band (none without a band)."""
    out = []
    for i, g in enumerate(goods, 1):
        if g.hs_code is None or g.quantity <= 0:
            continue
        b = bands.get(key(g.hs_code, g.unit))
        if b is None:
            continue
        r = _rate_of(g.currency, rate)
        if r is None:
            continue
        unit_yen = unit_value(g.value * r, g.quantity, g.unit)
        # A nil value is as far below as the figures go (the log has no value there): shown as the floor.
        z = max(Z_FLOOR, b.z(unit_yen)) if unit_yen > 0 else Z_FLOOR
        if z < cut:
            out.append(Finding(i, g.hs_code, unit_yen, b, z))
    return out


class ValueCheck:
    """`undervalued` for the lines of one manifest, set up once (a test compares the two on generated parcels).

    Each (code, unit, currency) gets, memoised, the band's cut as a unit value in that currency (e^(median + cut ×
    spread) yen at the manifest's rate); a line at or above it (nearly all) costs a lookup and a Decimal product, and
    only a line below it takes the exact path of `undervalued`, which decides."""

    def __init__(self, bands: Mapping[str, Band], cut: float, rate: Callable[[str], Decimal | None]) -> None:
        self.bands, self.cut, self.rate = bands, cut, rate
        self._lows: dict[tuple[str, str, str], tuple[Decimal, bool] | None] = {}

    def _low(self, hs: str, unit: str, currency: str) -> tuple[Decimal, bool] | None:
        b = self.bands.get(key(hs, unit))
        r = _rate_of(currency, self.rate)
        if b is None or r is None or r <= 0:
            return None
        # A margin above the exact cut: rounding never hides a line the exact path would flag.
        yen = math.exp(b.median_log + self.cut * b.spread) * 1.001
        return Decimal(repr(yen)) / r, unit_of(unit) == COUNTED

    def check(self, goods: Sequence[Goods]) -> list[Finding]:
        out: list[Finding] | None = None
        for i, g in enumerate(goods, 1):
            if g.hs_code is None:
                continue
            k = (g.hs_code, g.unit, g.currency)
            low = self._lows[k] if k in self._lows else self._lows.setdefault(k, self._low(*k))
            if low is None or g.quantity <= 0:
                continue
            q = g.quantity if g.quantity >= 1 or not low[1] else _ONE
            if g.value >= low[0] * q:
                continue
            found = undervalued([g], self.rate, self.bands, self.cut)
            if found:
                out = out if out is not None else []
                out.append(replace(found[0], line_no=i))
        return out or []


def value_hit(found: Sequence[Finding]) -> dict[str, Any]:
    """The lane-2 hit, as stored: every line far below its band, with the band it was compared with."""
    said = "; ".join(
        f"line {f.line_no} HS {f.hs_code}: ¥{f.unit_yen:,.0f} a unit against a median of ¥{f.band.median_jpy:,} "
        f"(a sample of {f.band.lines:,} stored lines; robust z {f.z:.1f})" for f in found)
    return rules.RuleHit(
        None, "value far below the reference", rules.LANE_DOCUMENTS,
        f"{said}: the officer checks the value", {
            "hs_code": [f.hs_code for f in found], "unit_value_jpy": [round(f.unit_yen) for f in found],
            "median_jpy": [f.band.median_jpy for f in found], "z": [round(f.z, 2) for f in found]},
        lines=tuple(f.line_no for f in found), kind="value").to_dict()
