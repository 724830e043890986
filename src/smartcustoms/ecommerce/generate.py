"""Synthetic manifests for demos, tests and benchmarks: realistic shapes, seeded anomalies, deterministic per seed.

Each record carries its ground truth in `_truth` (JSON Lines) or the `truth_anomaly` column (CSV); the intake
ignores both. Values are drawn in yen from a log-normal per kind of goods and quoted in the seller's currency at
the illustrative demo rates (the same table `smartcustoms demo` loads).
"""

from __future__ import annotations

import csv
import io
import itertools
import math
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import orjson

from smartcustoms.ecommerce.parse import CSV_COLUMNS
from smartcustoms.tariff.tables import LOW_VALUE_EXEMPTION_MAX, load_tables

# Yen per unit used to quote values (kept equal to smartcustoms.demo.DEMO_RATES; illustrative, not published).
QUOTE_RATES = {"USD": Decimal("150.00"), "EUR": Decimal("162.00"), "CNY": Decimal("21.00"), "KRW": Decimal("0.1080"),
               "GBP": Decimal("190.00"), "THB": Decimal("4.30"), "JPY": Decimal(1)}
MINOR = {"KRW": 0, "JPY": 0}
# Seller countries with their share and currency.
COUNTRIES = [("CN", 0.55, "CNY"), ("US", 0.15, "USD"), ("KR", 0.1, "KRW"), ("GB", 0.05, "GBP"), ("DE", 0.05, "EUR"),
             ("TH", 0.04, "THB"), ("FR", 0.03, "EUR"), ("JP", 0.03, "JPY")]
PLATFORMS = [("AliExpress", 0.25), ("Temu", 0.22), ("SHEIN", 0.15), ("Amazon", 0.15), ("eBay", 0.08),
             ("Qoo10", 0.06), ("Etsy", 0.05), ("Rakuten Global", 0.04)]
# (HS 2022 code, description, median unit value in yen, log-normal sigma, share)
GOODS = [
    ("610910", "cotton T-shirt", 1800, 0.5, 0.10), ("620520", "men's cotton shirt", 3000, 0.5, 0.05),
    ("611020", "knitted cardigan", 4000, 0.5, 0.04), ("610463", "women's trousers", 3500, 0.5, 0.04),
    ("640411", "sports shoes", 6000, 0.5, 0.05), ("420222", "canvas tote bag", 2500, 0.6, 0.04),
    ("420221", "leather handbag", 9000, 0.6, 0.02), ("851830", "wireless earphones", 3500, 0.7, 0.08),
    ("950300", "toy figure", 2000, 0.7, 0.07), ("330499", "skin care cream", 2500, 0.6, 0.08),
    ("392690", "plastic phone case", 900, 0.6, 0.08), ("711719", "fashion earrings", 1200, 0.7, 0.05),
    ("910211", "smart watch", 9000, 0.6, 0.03), ("852351", "USB flash drive", 1800, 0.5, 0.03),
    ("090121", "roasted coffee beans", 2500, 0.5, 0.02), ("210690", "dietary supplement", 3000, 0.6, 0.03),
    ("490199", "book", 2000, 0.5, 0.03), ("950691", "fitness band", 2500, 0.6, 0.02),
    ("630260", "kitchen towels", 1500, 0.5, 0.02), ("847160", "gaming keyboard", 8000, 0.6, 0.03),
    ("851310", "LED torch", 1500, 0.6, 0.02), ("392410", "food container set", 1600, 0.5, 0.02),
    ("621710", "hair accessories", 800, 0.6, 0.03), ("950450", "handheld game console", 25000, 0.4, 0.01),
    ("711311", "silver necklace", 12000, 0.6, 0.01), ("871200", "folding bicycle", 60000, 0.3, 0.005),
]
VAGUE = ["gift", "sample", "accessories", "goods", "parts"]
SURNAMES = ["Sato", "Suzuki", "Takahashi", "Tanaka", "Watanabe", "Ito", "Yamamoto", "Nakamura", "Kobayashi",
            "Kato", "Yoshida", "Yamada", "Sasaki", "Yamaguchi", "Matsumoto", "Inoue", "Kimura", "Hayashi"]
GIVEN = ["Haruto", "Yui", "Sota", "Hina", "Yuto", "Mei", "Riku", "Sakura", "Ren", "Aoi", "Kaito", "Rin"]
PLACES = [("Tokyo", "Setagaya-ku"), ("Osaka", "Kita-ku"), ("Kanagawa", "Yokohama-shi"), ("Aichi", "Nagoya-shi"),
          ("Fukuoka", "Hakata-ku"), ("Hokkaido", "Sapporo-shi"), ("Hyogo", "Kobe-shi"), ("Saitama", "Kawaguchi-shi")]
SELLER_WORDS = ["Trading", "Global", "Store", "Mall", "Outlet", "Boutique", "Direct", "Digital", "Home", "Style"]
ANOMALY_RATE = {"undervaluation": 0.02, "split": 0.02, "misdescribed": 0.01}
# The generator keeps every seller and consignee it invents (~120 MB a million consignments): larger demo or
# benchmark sets are several files with different seeds.
MAX_COUNT = 10_000_000
# Split parts: each part's dutiable value (after 60 % for personal use) at most ¥1,000 under the exemption threshold
# and the group at least ¥1,000 over it, room for the intake's weekly rates to differ from the quotes.
_SPLIT_MARGIN = 1_000


@dataclass(frozen=True)
class Seller:
    id: str
    name: str
    country: str
    currency: str
    platform: str
    registration_id: str | None


@dataclass(frozen=True)
class Consignee:
    id: str | None
    name: str
    address: str
    place: str


def _pick(rng: random.Random, table: list[Any], weights: list[float]) -> Any:
    return rng.choices(table, weights)[0]


def _cum(weights: list[float]) -> list[float]:
    return list(itertools.accumulate(weights))


class Generator:
    """A deterministic stream of consignment records for a seed."""

    def __init__(self, count: int, seed: int = 0) -> None:
        self.count, self.seed = count, seed
        self.rng = random.Random(seed)
        # The exemption threshold in force today (date-effective data), which seeded split groups straddle.
        self.exemption = load_tables().threshold(LOW_VALUE_EXEMPTION_MAX, date.today())
        n_sellers, n_consignees = max(20, count // 40), max(50, count // 4)
        rng = self.rng
        self.sellers = [self._seller(i) for i in range(n_sellers)]
        self.consignees = [self._consignee(i) for i in range(n_consignees)]
        # Zipf-like popularity: a few sellers and consignees account for many parcels.
        self.seller_cw = _cum([1 / (i + 1) ** 0.9 for i in range(n_sellers)])
        self.consignee_cw = _cum([1 / (i + 1) ** 0.6 for i in range(n_consignees)])
        self.goods_cw = _cum([g[4] for g in GOODS])
        rng.shuffle(self.consignees)

    def _seller(self, i: int) -> Seller:
        rng = self.rng
        country, _, currency = _pick(rng, COUNTRIES, [c[1] for c in COUNTRIES])
        platform = _pick(rng, [p[0] for p in PLATFORMS], [p[1] for p in PLATFORMS])
        name = f"{rng.choice(['Shenzhen', 'Yiwu', 'Guangzhou', 'Seoul', 'Austin', 'Leeds', 'Berlin', 'Bangkok'])} " \
               f"{rng.choice(SELLER_WORDS)} {rng.choice(SELLER_WORDS)} #{i}"
        reg = f"JPREG{rng.randrange(10**8):08d}" if rng.random() < 0.3 else None
        return Seller(f"S{self.seed:03d}-{i:06d}", name, country, currency, platform, reg)

    def _consignee(self, i: int) -> Consignee:
        rng = self.rng
        pref, city = rng.choice(PLACES)
        name = f"{rng.choice(SURNAMES)} {rng.choice(GIVEN)}"
        address = f"{rng.randrange(1, 9)}-{rng.randrange(1, 30)}-{rng.randrange(1, 20)} {city}, {pref}"
        cid = f"JC{self.seed:03d}{i:08d}" if rng.random() < 0.6 else None
        return Consignee(cid, name, address, f"{pref} {city}")

    def _value(self, median: int, sigma: float) -> int:
        return max(100, int(median * math.exp(self.rng.gauss(0, sigma))))

    def _quote(self, yen: int, currency: str) -> str:
        places = MINOR.get(currency, 2)
        amount = (Decimal(yen) / QUOTE_RATES[currency]).quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP)
        return str(max(amount, Decimal(1).scaleb(-places)))

    def _goods(self, seller: Seller, anomaly: str | None, retail: int | None = None) -> list[dict[str, Any]]:
        rng = self.rng
        lines = []
        count = 1 if rng.random() < 0.7 or retail else rng.randint(2, 3)
        for _ in range(count):
            hs, desc, median, sigma, _ = rng.choices(GOODS, cum_weights=self.goods_cw)[0]
            # A line's value is its unit price times the quantity (a split part: one item at the part's price);
            # several of one item only under ¥20,000 each (three T-shirts, not three bicycles: a parcel stays a
            # low-value one, no unlabelled `not_low_value` rejects).
            unit_yen = self._value(median, sigma)
            quantity = 1 if retail is not None or unit_yen >= 20_000 else rng.choice([1, 1, 1, 2, 3])
            yen = unit_yen * quantity
            if retail is not None:
                yen = retail
            if anomaly == "undervaluation":
                yen = max(100, yen // rng.randint(5, 10))
            line: dict[str, Any] = {"description": desc, "hs_code": hs, "quantity": quantity,
                                    "value": self._quote(yen, seller.currency), "currency": seller.currency,
                                    "origin_country": seller.country}
            if anomaly == "misdescribed":
                line["description"] = rng.choice(VAGUE)
            elif count == 1 and rng.random() < 0.08 and yen < 4000:
                # Carriers often do not know the code of a cheap item. Only a parcel of one cheap line goes without
                # it: such a parcel is exempt, while a line without a code beside goods excluded from the exemption
                # (or in a parcel over it) is refused `hs_code_required`, which would be an unlabelled reject.
                line["hs_code"] = None
            lines.append(line)
        return lines

    def _record(self, n: int, seller: Seller, consignee: Consignee, anomaly: str | None,
                dutiable: int | None = None, personal: bool | None = None) -> dict[str, Any]:
        """One consignment; a split part comes with its dutiable value and the group's personal-use flag."""
        rng = self.rng
        mail_order = rng.random() < 0.95
        personal_use = rng.random() < 0.85 if personal is None else personal
        # The retail price whose 60 % (floored, as the intake values it) is the part's dutiable value.
        retail = None if dutiable is None else (dutiable * 5 + 2) // 3 if personal_use else dutiable
        return {
            "parcel_id": f"P{self.seed:04d}{n:010d}", "platform": seller.platform,
            "seller": {"id": seller.id, "name": seller.name, "country": seller.country,
                       "registration_id": seller.registration_id},
            "mail_order": mail_order,
            "consignee": {"name": consignee.name, "address": consignee.address, "id": consignee.id},
            "delivery_place": consignee.place, "personal_use": personal_use,
            "goods": self._goods(seller, anomaly, retail), "_truth": {"anomaly": anomaly},
        }

    def records(self) -> Iterator[dict[str, Any]]:
        """`count` records; split-shipment anomalies come as 2-4 parcels in a row."""
        rng, n = self.rng, 0
        anomalies = list(ANOMALY_RATE)
        normal = 1 - sum(ANOMALY_RATE.values())
        while n < self.count:
            seller = rng.choices(self.sellers, cum_weights=self.seller_cw)[0]
            consignee = rng.choices(self.consignees, cum_weights=self.consignee_cw)[0]
            anomaly = _pick(rng, [None, *anomalies], [normal, *ANOMALY_RATE.values()])
            if anomaly == "split":
                parts = min(rng.randint(2, 4), self.count - n)
                if parts < 2:
                    anomaly = None
                else:
                    # Each part alone is within ¥10,000 at its dutiable value (60 % of the price when for personal
                    # use, as the whole group is); together they are over it by at least ¥1,000.
                    personal = rng.random() < 0.85
                    high = self.exemption - _SPLIT_MARGIN
                    low = -(-(self.exemption + _SPLIT_MARGIN) // parts)
                    for _ in range(parts):
                        n += 1
                        dutiable = rng.randint(min(low, high), high)
                        yield self._record(n, seller, consignee, "split", dutiable, personal)
                    continue
            n += 1
            yield self._record(n, seller, consignee, anomaly)


def jsonl_lines(count: int, seed: int = 0) -> Iterator[bytes]:
    """The records as JSON Lines."""
    for rec in Generator(count, seed).records():
        yield orjson.dumps(rec) + b"\n"


def csv_lines(count: int, seed: int = 0) -> Iterator[bytes]:
    """The records as CSV: one row per goods line, a truth_anomaly column the intake ignores."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow([*CSV_COLUMNS, "truth_anomaly"])
    for rec in Generator(count, seed).records():
        s, c = rec["seller"], rec["consignee"]
        for g in rec["goods"]:
            w.writerow([rec["parcel_id"], rec["platform"], s["id"], s["name"], s["country"], s["registration_id"] or "",
                        str(rec["mail_order"]).lower(), c["name"], c["address"], c["id"] or "",
                        rec["delivery_place"], str(rec["personal_use"]).lower(), g["description"],
                        g["hs_code"] or "", g["quantity"], "", "", g["value"], g["currency"], g["origin_country"],
                        rec["_truth"]["anomaly"] or ""])
        yield buf.getvalue().encode()
        buf.seek(0)
        buf.truncate()
