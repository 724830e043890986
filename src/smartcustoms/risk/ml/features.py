"""Features of a declaration: history (past outcomes of its combination, traders, goods) plus its own values.

History features are target statistics computed strictly from earlier dates: as of each row's date inside
training (so the model learns how far to trust a short history without seeing its own label), and from the
whole training history (`HistoryState`) for new declarations.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

# Bump when a feature's meaning changes without its name changing; part of the schema hash.
FEATURE_LOGIC_VERSION = 1


@dataclass(frozen=True)
class HistoryKey:
    """A grouping of past declarations whose outcomes describe a new one (e.g. the same importer)."""

    name: str
    columns: tuple[str, ...]
    prior_weight: float  # pseudo-count pulling a short history towards the overall rate


# The combination the lookup baseline uses: same goods, countries, tax and net mass.
COMBINATION = ("hs6", "departure_country", "origin_country", "tax_type", "tax_rate", "net_mass")

HISTORY_KEYS: tuple[HistoryKey, ...] = (
    HistoryKey("combination", COMBINATION, 1.0),
    HistoryKey("goods_tax_route", COMBINATION[:5], 2.0),
    HistoryKey("importer", ("importer_id",), 3.0),
    HistoryKey("declarant", ("declarant_id",), 5.0),
    HistoryKey("seller", ("seller_id",), 3.0),
    HistoryKey("courier", ("courier_id",), 10.0),
    HistoryKey("office", ("office_id",), 20.0),
    HistoryKey("hs6", ("hs6",), 5.0),
    HistoryKey("hs4", ("hs4",), 10.0),
    HistoryKey("hs2", ("hs2",), 20.0),
    HistoryKey("origin", ("origin_country",), 10.0),
    HistoryKey("departure", ("departure_country",), 10.0),
    HistoryKey("tax_type", ("tax_type",), 10.0),
    HistoryKey("hs6_origin", ("hs6", "origin_country"), 3.0),
    HistoryKey("importer_hs6", ("importer_id", "hs6"), 2.0),
    HistoryKey("declarant_importer", ("declarant_id", "importer_id"), 2.0),
)
HISTORY_STATS = ("n", "fraud", "critical")  # per key: past declarations, of which fraud, of which critical (=2)

# Low-cardinality fields given to the model as codes (by frequency in the training history; unseen -> missing).
CODED_FIELDS = (
    "office_id", "process_type", "import_type", "import_use", "payment_type", "transport_mode", "tax_type",
    "origin_indicator", "departure_country", "origin_country",
)  # fmt: skip

VALUE_FEATURES = (
    "tax_rate", "log_net_mass", "log_item_price", "log_unit_price", "log_revenue", "unit_price_vs_hs6",
    "net_mass_vs_hs6",
    "hs6_number", "same_origin_departure", "has_seller", "has_courier",
)  # fmt: skip


def _history_feature_names() -> list[str]:
    names: list[str] = []
    for key in HISTORY_KEYS:
        names += [f"{key.name}_log_count", f"{key.name}_fraud_rate", f"{key.name}_critical_rate"]
    return names


FEATURE_NAMES: tuple[str, ...] = (*_history_feature_names(), *VALUE_FEATURES, *(f"{c}_code" for c in CODED_FIELDS))
HS6_PRICE_KEY = "hs6"  # the key whose history also carries reference values for the goods
REFERENCE_STATS = ("log_unit_price", "log_net_mass")  # summed over the key's past declarations


def schema_hash() -> str:
    """Hash of the feature definitions in this code; a saved model must carry the same one."""
    spec = {
        "version": FEATURE_LOGIC_VERSION,
        "features": list(FEATURE_NAMES),
        "history": [[k.name, list(k.columns), k.prior_weight] for k in HISTORY_KEYS],
        "stats": [*HISTORY_STATS, *REFERENCE_STATS],
        "coded": list(CODED_FIELDS),
    }
    return hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()[:16]


def with_derived(frame: pd.DataFrame) -> pd.DataFrame:
    """The canonical frame plus derived key columns (hs4, hs2) and log unit price."""
    out = frame.copy()
    out["hs4"] = out["hs6"].str.slice(0, 4)
    out["hs2"] = out["hs6"].str.slice(0, 2)
    out["log_net_mass"] = np.log1p(np.maximum(out["net_mass"].to_numpy(), 0.0))
    out["log_unit_price"] = np.log1p(np.maximum(out["item_price"].to_numpy(), 0.0)) - out["log_net_mass"]
    return out


def rate_features(n: np.ndarray, fraud: np.ndarray, critical: np.ndarray, key: HistoryKey,
                  prior_fraud: float, prior_critical: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Smoothed past fraud and critical-fraud rates and the log count, from raw sums."""
    m = key.prior_weight
    return (np.log1p(n), (fraud + m * prior_fraud) / (n + m), (critical + m * prior_critical) / (n + m))


def rate_features_one(n: float, fraud: float, critical: float, key: HistoryKey,
                      prior_fraud: float, prior_critical: float) -> tuple[float, float, float]:
    """`rate_features` for one declaration, in plain floats (same arithmetic)."""
    m = key.prior_weight
    return (math.log1p(n), (fraud + m * prior_fraud) / (n + m), (critical + m * prior_critical) / (n + m))


def hs6_number(hs6: pd.Series) -> np.ndarray:
    """The hs6 code as a number (neighbouring codes are related goods); NaN when not digits."""
    return pd.to_numeric(hs6, errors="coerce").to_numpy(dtype=np.float64)


def value_features(d: pd.DataFrame, hs6_num: np.ndarray, ref_price: np.ndarray, ref_mass: np.ndarray) -> np.ndarray:
    """The declaration's own values (columns in VALUE_FEATURES order); references are NaN when unknown."""
    price = d["item_price"].to_numpy(dtype=np.float64)
    mass = d["net_mass"].to_numpy(dtype=np.float64)
    rate = d["tax_rate"].to_numpy(dtype=np.float64)
    log_mass = np.log1p(np.maximum(mass, 0.0))
    lup = np.log1p(np.maximum(price, 0.0)) - log_mass
    cols = [
        rate,
        log_mass,
        np.log1p(np.maximum(price, 0.0)),
        lup,
        np.log1p(np.maximum(rate * price, 0.0) / 100.0),
        lup - ref_price,
        log_mass - ref_mass,
        hs6_num,
        (d["origin_country"].to_numpy() == d["departure_country"].to_numpy()),
        (d["seller_id"].to_numpy() != ""),
        (d["courier_id"].to_numpy() != ""),
    ]
    return np.column_stack(cols).astype(np.float64)


def value_features_one(r: Mapping[str, object], ref_price: float, ref_mass: float) -> list[float]:
    """`value_features` for one normalised record."""
    price = float(r["item_price"])  # type: ignore[arg-type]
    mass = float(r["net_mass"])  # type: ignore[arg-type]
    rate = float(r["tax_rate"])  # type: ignore[arg-type]
    lup = math.log1p(max(price, 0.0)) - math.log1p(max(mass, 0.0))
    hs6 = str(r["hs6"])
    return [
        rate,
        math.log1p(max(mass, 0.0)),
        math.log1p(max(price, 0.0)),
        lup,
        math.log1p(max(rate * price, 0.0) / 100.0),
        lup - ref_price,
        math.log1p(max(mass, 0.0)) - ref_mass,
        float(hs6) if hs6.isdigit() else math.nan,
        1.0 if r["origin_country"] == r["departure_country"] else 0.0,
        1.0 if r["seller_id"] != "" else 0.0,
        1.0 if r["courier_id"] != "" else 0.0,
    ]
