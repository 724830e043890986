"""Past outcomes per history key: as of each date (training) and as totals (`HistoryState`, for scoring)."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from smartcustoms.risk.ml import features as F

NUMERIC_KEY_COLUMNS = frozenset({"tax_rate", "net_mass"})


def _stats(d: pd.DataFrame, with_price: bool) -> np.ndarray:
    cols = [np.ones(len(d)), d["fraud"].to_numpy(np.float64), (d["critical_fraud"].to_numpy() == 2).astype(float)]
    if with_price:
        cols.append(d["log_unit_price"].to_numpy(np.float64))
    return np.column_stack(cols)


def asof_sums(d: pd.DataFrame, key: F.HistoryKey, with_price: bool = False) -> np.ndarray:
    """Per row, sums over declarations of the same key on strictly earlier dates (n, fraud, critical[, price])."""
    kid = d.groupby(list(key.columns), sort=False).ngroup().to_numpy()
    day = d["date"].to_numpy().astype("datetime64[D]").astype(np.int64)
    stats = _stats(d, with_price)
    order = np.lexsort((day, kid))
    k_s, d_s, st_s = kid[order], day[order], stats[order]
    before = np.cumsum(st_s, axis=0) - st_s  # running sums excluding the row itself
    idx = np.arange(len(d))
    new_key = np.r_[True, k_s[1:] != k_s[:-1]] if len(d) else np.zeros(0, bool)
    new_day = new_key | (np.r_[True, d_s[1:] != d_s[:-1]] if len(d) else np.zeros(0, bool))
    day_start = np.maximum.accumulate(np.where(new_day, idx, 0)) if len(d) else idx
    key_start = np.maximum.accumulate(np.where(new_key, idx, 0)) if len(d) else idx
    out = np.empty_like(stats)
    out[order] = before[day_start] - before[key_start]
    return out


def asof_features(frame: pd.DataFrame, prior_fraud: float, prior_critical: float,
                  vocab: Mapping[str, Mapping[str, int]]) -> np.ndarray:
    """Feature matrix for labelled training rows, history taken as of each row's date (no leakage)."""
    d = F.with_derived(frame)
    blocks: list[np.ndarray] = []
    hs6_price = np.full(len(d), np.nan)
    for key in F.HISTORY_KEYS:
        with_price = key.name == F.HS6_PRICE_KEY
        s = asof_sums(d, key, with_price)
        blocks.append(np.column_stack(F.rate_features(s[:, 0], s[:, 1], s[:, 2], key, prior_fraud, prior_critical)))
        if with_price:
            with np.errstate(invalid="ignore", divide="ignore"):
                hs6_price = np.where(s[:, 0] > 0, s[:, 3] / np.maximum(s[:, 0], 1), np.nan)
    blocks.append(F.value_features(d, hs6_price))
    blocks.append(_codes(d, vocab))
    return np.hstack(blocks).astype(np.float32)


def _codes(d: pd.DataFrame, vocab: Mapping[str, Mapping[str, int]]) -> np.ndarray:
    cols = []
    for c in F.CODED_FIELDS:
        idx = pd.Index(list(vocab[c].keys())).get_indexer(d[c]).astype(np.float64)
        cols.append(np.where(idx < 0, np.nan, idx))
    return np.column_stack(cols)


def build_vocab(frame: pd.DataFrame) -> dict[str, dict[str, int]]:
    """Codes for the coded fields, most frequent value first."""
    return {c: {v: i for i, v in enumerate(frame[c].value_counts(sort=True).index.astype(str))} for c in F.CODED_FIELDS}


@dataclass
class HistoryState:
    """Totals per history key over the whole training history, with lookups for frames and single records."""

    prior_fraud: float
    prior_critical: float
    tables: dict[str, pd.DataFrame]  # key name -> key columns + n, fraud, critical (+ price for hs6)
    vocab: dict[str, dict[str, int]]
    _index: dict[str, pd.Index] = field(default_factory=dict, repr=False)
    _dicts: dict[str, dict[object, tuple[float, ...]]] = field(default_factory=dict, repr=False)

    @classmethod
    def from_frame(cls, frame: pd.DataFrame) -> HistoryState:
        """Totals over labelled declarations."""
        d = F.with_derived(frame)
        tables: dict[str, pd.DataFrame] = {}
        for key in F.HISTORY_KEYS:
            with_price = key.name == F.HS6_PRICE_KEY
            stats = pd.DataFrame(_stats(d, with_price), columns=[*F.HISTORY_STATS, "price"][: 4 if with_price else 3])
            for c in key.columns:
                stats[c] = d[c].to_numpy()
            tables[key.name] = stats.groupby(list(key.columns), sort=True).sum().reset_index()
        prior_fraud = float(frame["fraud"].mean()) if len(frame) else 0.0
        prior_critical = float((frame["critical_fraud"] == 2).mean()) if len(frame) else 0.0
        return cls(prior_fraud, prior_critical, tables, build_vocab(frame))

    def prepare(self) -> HistoryState:
        """Build the hash indexes used by both scoring paths (once, at load)."""
        for key in F.HISTORY_KEYS:
            t = self.tables[key.name]
            cols = list(key.columns)
            self._index[key.name] = (pd.Index(t[cols[0]]) if len(cols) == 1
                                     else pd.MultiIndex.from_frame(t[cols]))
            keys = t[cols[0]].tolist() if len(cols) == 1 else list(zip(*(t[c].tolist() for c in cols), strict=True))
            values = t[[c for c in t.columns if c not in cols]].to_numpy(np.float64).tolist()
            self._dicts[key.name] = {k: tuple(v) for k, v in zip(keys, values, strict=True)}
        return self

    def features(self, frame: pd.DataFrame) -> np.ndarray:
        """Feature matrix for new declarations from the whole training history (vectorised)."""
        if not self._index:
            self.prepare()
        d = F.with_derived(frame)
        blocks: list[np.ndarray] = []
        hs6_price = np.full(len(d), np.nan)
        for key in F.HISTORY_KEYS:
            t = self.tables[key.name]
            cols = list(key.columns)
            probe = pd.Index(d[cols[0]]) if len(cols) == 1 else pd.MultiIndex.from_arrays([d[c] for c in cols])
            pos = self._index[key.name].get_indexer(probe)
            hit = pos >= 0
            sums = t[[c for c in t.columns if c not in cols]].to_numpy(np.float64)[np.where(hit, pos, 0)]
            sums[~hit] = 0.0
            blocks.append(np.column_stack(F.rate_features(sums[:, 0], sums[:, 1], sums[:, 2], key,
                                                          self.prior_fraud, self.prior_critical)))
            if key.name == F.HS6_PRICE_KEY:
                hs6_price = np.where(hit & (sums[:, 0] > 0), sums[:, 3] / np.maximum(sums[:, 0], 1), np.nan)
        blocks.append(F.value_features(d, hs6_price))
        blocks.append(_codes(d, self.vocab))
        return np.hstack(blocks).astype(np.float32)

    def features_one(self, r: Mapping[str, object], out: np.ndarray) -> None:
        """Fill `out` (one row) with the features of one normalised record (plain dict lookups, no pandas)."""
        if not self._dicts:
            self.prepare()
        i = 0
        hs6_price = math.nan
        for key in F.HISTORY_KEYS:
            k = r[key.columns[0]] if len(key.columns) == 1 else tuple(r[c] for c in key.columns)
            s = self._dicts[key.name].get(k)
            n, fr, cr = (s[0], s[1], s[2]) if s is not None else (0.0, 0.0, 0.0)
            out[i : i + 3] = F.rate_features_one(n, fr, cr, key, self.prior_fraud, self.prior_critical)
            i += 3
            if key.name == F.HS6_PRICE_KEY and s is not None and n > 0:
                hs6_price = s[3] / n
        vals = F.value_features_one(r, hs6_price)
        out[i : i + len(vals)] = vals
        i += len(vals)
        for c in F.CODED_FIELDS:
            code = self.vocab[c].get(r[c])  # type: ignore[call-overload]
            out[i] = math.nan if code is None else code
            i += 1

    # -- persistence: plain CSV and JSON, no pickle --------------------------------------------------------
    def save(self, directory: Path) -> None:
        """Write history/<key>.csv and history/state.json."""
        directory.mkdir(parents=True, exist_ok=True)
        for name, t in self.tables.items():
            t.to_csv(directory / f"{name}.csv", index=False)
        meta = {"prior_fraud": self.prior_fraud, "prior_critical": self.prior_critical, "vocab": self.vocab}
        (directory / "state.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")

    @classmethod
    def load(cls, directory: Path) -> HistoryState:
        """Read a saved state (raises OSError / ValueError / KeyError on missing or malformed files)."""
        meta = json.loads((directory / "state.json").read_text(encoding="utf-8"))
        tables: dict[str, pd.DataFrame] = {}
        for key in F.HISTORY_KEYS:
            dtypes = {c: (np.float64 if c in NUMERIC_KEY_COLUMNS else str) for c in key.columns}
            t = pd.read_csv(directory / f"{key.name}.csv", dtype=dtypes, keep_default_na=False)  # type: ignore[arg-type]
            want = [*key.columns, *F.HISTORY_STATS, *(["price"] if key.name == F.HS6_PRICE_KEY else [])]
            if list(t.columns) != want:
                raise ValueError(f"history table {key.name}: columns {list(t.columns)}, expected {want}")
            tables[key.name] = t
        vocab = {c: {str(k): int(v) for k, v in meta["vocab"][c].items()} for c in F.CODED_FIELDS}
        return cls(float(meta["prior_fraud"]), float(meta["prior_critical"]), tables, vocab).prepare()
