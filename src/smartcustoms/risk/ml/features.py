"""Features of a declaration: history (past outcomes of its combination, traders, goods) plus its own values.

History features are target statistics computed strictly from earlier dates: as of each row's date inside
training (so the model learns how far to trust a short history without seeing its own label), and from the
whole training history (`HistoryState`) for new declarations.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from smartcustoms.risk.ml.arrays import Array

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


def rate_features(n: Array, fraud: Array, critical: Array, prior_weight: float | Array,
                  prior_fraud: float, prior_critical: float) -> tuple[Array, Array, Array]:
    """Log count and smoothed past fraud and critical-fraud rates, from raw sums (one formula for both paths)."""
    m = prior_weight
    return (np.log1p(n), (fraud + m * prior_fraud) / (n + m), (critical + m * prior_critical) / (n + m))


def hs6_number(hs6: pd.Series) -> Array:
    """The hs6 code as a number (neighbouring codes are related goods); NaN when not digits."""
    return np.asarray(pd.to_numeric(hs6, errors="coerce"), dtype=np.float64)


def value_features(d: Mapping[str, Any], hs6_num: Array, ref_price: Array, ref_mass: Array) -> Array:
    """The declarations' own values (columns in VALUE_FEATURES order); references are NaN when unknown.

    `d` is a frame or a mapping of equal-length arrays (one declaration: arrays of length one), so the
    batch and single-declaration paths share this arithmetic to the last bit.
    """
    price = np.asarray(d["item_price"], dtype=np.float64)
    mass = np.asarray(d["net_mass"], dtype=np.float64)
    rate = np.asarray(d["tax_rate"], dtype=np.float64)
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
        np.asarray(d["origin_country"]) == np.asarray(d["departure_country"]),
        np.asarray(d["seller_id"]) != "",
        np.asarray(d["courier_id"]) != "",
    ]
    return np.column_stack(cols).astype(np.float64)
