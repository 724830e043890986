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
from smartcustoms.risk.ml.arrays import Array

NUMERIC_KEY_COLUMNS = frozenset({"tax_rate", "net_mass"})
_N_HISTORY = 3 * len(F.HISTORY_KEYS)
_N_VALUES = len(F.VALUE_FEATURES)


def _stats(d: pd.DataFrame, with_reference: bool) -> Array:
    cols = [np.ones(len(d)), d["fraud"].to_numpy(np.float64), (d["critical_fraud"].to_numpy() == 2).astype(float)]
    if with_reference:
        cols += [d["log_unit_price"].to_numpy(np.float64), d["log_net_mass"].to_numpy(np.float64)]
    return np.column_stack(cols)


def asof_sums(d: pd.DataFrame, key: F.HistoryKey, with_reference: bool = False) -> Array:
    """Per row, sums over declarations of the same key on strictly earlier dates (n, fraud, critical[, refs])."""
    stats = _stats(d, with_reference)
    if len(d) == 0:
        return stats
    kid = d.groupby(list(key.columns), sort=False).ngroup().to_numpy()
    day = d["date"].to_numpy().astype("datetime64[D]").astype(np.int64)
    order = np.lexsort((day, kid))
    k_s, d_s, st_s = kid[order], day[order], stats[order]
    before = np.cumsum(st_s, axis=0) - st_s  # running sums excluding the row itself
    idx = np.arange(len(d))
    new_key = np.r_[True, k_s[1:] != k_s[:-1]]
    new_day = new_key | np.r_[True, d_s[1:] != d_s[:-1]]
    day_start = np.maximum.accumulate(np.where(new_day, idx, 0))
    key_start = np.maximum.accumulate(np.where(new_key, idx, 0))
    out = np.empty_like(stats)
    out[order] = before[day_start] - before[key_start]  # same-day declarations do not see each other
    return out


def _reference(n: Array, sums: Array) -> Array:
    """Mean log unit price and log net mass of the hs6's past declarations (NaN with none)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where((n > 0)[:, None], sums / np.maximum(n, 1.0)[:, None], np.nan)


def _assemble(n: int, history: list[Array], values: Array, codes: Array) -> Array:
    out = np.empty((n, len(F.FEATURE_NAMES)), dtype=np.float32)
    for i, block in enumerate(history):
        out[:, 3 * i : 3 * i + 3] = block
    out[:, _N_HISTORY : _N_HISTORY + _N_VALUES] = values
    out[:, _N_HISTORY + _N_VALUES :] = codes
    return out


def asof_features(frame: pd.DataFrame, prior_fraud: float, prior_critical: float,
                  vocab: Mapping[str, Mapping[str, int]]) -> Array:
    """Feature matrix for labelled training rows, history taken as of each row's date (no leakage)."""
    d = F.with_derived(frame)
    blocks: list[Array] = []
    reference: Array = np.full((len(d), 2), np.nan)
    for key in F.HISTORY_KEYS:
        with_ref = key.name == F.HS6_PRICE_KEY
        s = asof_sums(d, key, with_ref)
        rates = F.rate_features(s[:, 0], s[:, 1], s[:, 2], key.prior_weight, prior_fraud, prior_critical)
        blocks.append(np.column_stack(rates))
        if with_ref:
            reference = _reference(s[:, 0], s[:, 3:5])
    values = F.value_features(d, F.hs6_number(d["hs6"]), reference[:, 0], reference[:, 1])
    codes = np.column_stack([_code_lookup(pd.Index(list(vocab[c])), d[c].to_numpy()) for c in F.CODED_FIELDS])
    return _assemble(len(d), blocks, values, codes)


def _code_lookup(index: pd.Index, values: Array) -> Array:
    pos = index.get_indexer(values).astype(np.float64)
    pos[pos < 0] = np.nan
    return np.asarray(pos)


def build_vocab(frame: pd.DataFrame) -> dict[str, dict[str, int]]:
    """Codes for the coded fields, most frequent value first."""
    return {c: {v: i for i, v in enumerate(frame[c].value_counts(sort=True).index.astype(str))} for c in F.CODED_FIELDS}


def _positions(index: pd.Index, values: Array) -> Array:
    """Position of each value in `index` (-1 where absent): hash the batch's distinct values once, then take."""
    labels, uniques = pd.factorize(values)  # missing values get label -1: the appended "absent" answer
    return np.asarray(np.append(index.get_indexer(uniques), -1)[labels])


@dataclass
class HistoryState:
    """Totals per history key over the whole training history, with lookups for frames and single records.

    `prepare` turns the totals into lookup tables once: per key, the finished history features of each
    combination seen (float32, computed by the same `rate_features` as training) plus a last row for an
    unseen one, so scoring is a hash of each column's distinct values and array takes, no arithmetic.
    """

    prior_fraud: float
    prior_critical: float
    tables: dict[str, pd.DataFrame]  # key name -> key columns + n, fraud, critical (+ reference sums for hs6)
    vocab: dict[str, dict[str, int]]
    _columns: dict[str, pd.Index] = field(default_factory=dict, repr=False)  # raw column -> values seen
    _keys: dict[str, pd.Index | None] = field(default_factory=dict, repr=False)  # key -> composite codes
    _row_of: dict[str, Array] = field(default_factory=dict, repr=False)  # one-column key: column pos -> row
    _features: dict[str, Array] = field(default_factory=dict, repr=False)  # key -> (rows + 1, 3) float32
    _reference: Array = field(default_factory=lambda: np.zeros((1, 2)), repr=False)  # hs6 rows + 1 -> refs
    _all_features: Array = field(default_factory=lambda: np.zeros((0, 3)), repr=False)  # stacked _features
    _offsets: list[int] = field(default_factory=list, repr=False)  # key -> its first row in _all_features
    _coded: dict[str, pd.Index] = field(default_factory=dict, repr=False)
    _hs6_number: Array = field(default_factory=lambda: np.zeros(0), repr=False)
    _hs6_parent: dict[str, Array] = field(default_factory=dict, repr=False)
    _coded_from_raw: dict[str, Array] = field(default_factory=dict, repr=False)
    _dicts: dict[str, dict[object, int]] = field(default_factory=dict, repr=False)  # key -> value -> row

    @classmethod
    def from_frame(cls, frame: pd.DataFrame) -> HistoryState:
        """Totals over labelled declarations."""
        d = F.with_derived(frame)
        tables: dict[str, pd.DataFrame] = {}
        for key in F.HISTORY_KEYS:
            with_ref = key.name == F.HS6_PRICE_KEY
            names = [*F.HISTORY_STATS, *(F.REFERENCE_STATS if with_ref else ())]
            stats = pd.DataFrame(_stats(d, with_ref), columns=names)
            for c in key.columns:
                stats[c] = d[c].to_numpy()
            tables[key.name] = stats.groupby(list(key.columns), sort=True).sum().reset_index()
        prior_fraud = float(frame["fraud"].mean()) if len(frame) else 0.0
        prior_critical = float((frame["critical_fraud"] == 2).mean()) if len(frame) else 0.0
        return cls(prior_fraud, prior_critical, tables, build_vocab(frame))

    @property
    def prepared(self) -> bool:
        """Whether `prepare` has built the lookup tables."""
        return bool(self._dicts)

    def prepare(self) -> HistoryState:
        """Build the indexes both scoring paths use (once, at load): integer codes, feature tables, dicts."""
        for key in F.HISTORY_KEYS:
            for c in key.columns:
                if c not in self._columns:
                    seen = [self.tables[k.name][c] for k in F.HISTORY_KEYS if c in k.columns]
                    self._columns[c] = pd.Index(pd.unique(pd.concat(seen, ignore_index=True)))
        offset = 0
        for key in F.HISTORY_KEYS:
            t = self.tables[key.name]
            cols = list(key.columns)
            stats = t[[c for c in t.columns if c not in cols]].to_numpy(np.float64)
            sums = np.vstack([stats, np.zeros((1, stats.shape[1]))])  # last row: a value never seen
            rates = F.rate_features(sums[:, 0], sums[:, 1], sums[:, 2], key.prior_weight, self.prior_fraud,
                                    self.prior_critical)
            self._features[key.name] = np.column_stack(rates).astype(np.float32)
            self._offsets.append(offset)
            offset += len(sums)
            if key.name == F.HS6_PRICE_KEY:
                self._reference = _reference(sums[:, 0], sums[:, 3:5])
            positions = {c: self._columns[c].get_indexer(t[c].to_numpy()) for c in cols}
            if len(cols) == 1:
                row_of = np.full(len(self._columns[cols[0]]) + 1, -1, dtype=np.int64)  # last: unseen (-1)
                row_of[positions[cols[0]]] = np.arange(len(t))
                self._row_of[key.name] = row_of
            codes = self._composite(key, positions)
            self._keys[key.name] = None if codes is None else pd.Index(codes)
            keys = t[cols[0]].tolist() if len(cols) == 1 else list(zip(*(t[c].tolist() for c in cols), strict=True))
            self._dicts[key.name] = {k: i for i, k in enumerate(keys)}
        self._all_features = np.vstack([self._features[k.name] for k in F.HISTORY_KEYS])
        self._coded = {c: pd.Index(list(self.vocab[c])) for c in F.CODED_FIELDS}
        # Coded fields that are also key columns: code per key-column position (last entry: unseen -> NaN).
        self._coded_from_raw = {
            c: _code_lookup(self._coded[c], np.append(self._columns[c].to_numpy(), np.array([None], dtype=object)))
            for c in F.CODED_FIELDS if c in self._columns
        }
        hs6_values = pd.Series(self._columns["hs6"], dtype=object)
        # Lookups by hs6 position; the extra last entry answers for position -1 (an unseen hs6).
        self._hs6_number = np.append(F.hs6_number(hs6_values), np.nan)
        self._hs6_parent = {
            c: np.append(self._columns[c].get_indexer(hs6_values.str.slice(0, w).to_numpy()), -1)
            for c, w in (("hs4", 4), ("hs2", 2)) if c in self._columns
        }
        return self

    def _composite(self, key: F.HistoryKey, codes: Mapping[str, Array]) -> Array | None:
        """One int64 code per row for a multi-column key (-1 if any part unseen); None if it could overflow."""
        sizes = [len(self._columns[c]) for c in key.columns]
        if math.prod(s + 1 for s in sizes) >= 2**62:
            return None
        out: Array = np.zeros(len(codes[key.columns[0]]), dtype=np.int64)
        unseen = np.zeros(len(out), dtype=bool)
        for c, size in zip(key.columns, sizes, strict=True):
            part = codes[c]
            unseen |= part < 0
            out = out * (size + 1) + part
        out[unseen] = -1
        return out

    def _rows(self, key: F.HistoryKey, raw: Mapping[str, Array], d: pd.DataFrame) -> Array:
        """Row of each declaration's value of `key` in its table; -1 (the last, unseen row) when new."""
        if len(key.columns) == 1:
            return np.asarray(self._row_of[key.name][raw[key.columns[0]]])
        index = self._keys[key.name]
        if index is None:  # huge vocabularies: exact tuple lookup instead of integer codes
            tab = self.tables[key.name]
            return np.asarray(pd.MultiIndex.from_frame(tab[list(key.columns)]).get_indexer(
                pd.MultiIndex.from_arrays([d[c] for c in key.columns])))
        composite = self._composite(key, raw)
        assert composite is not None
        return np.asarray(index.get_indexer(composite))

    def features(self, frame: pd.DataFrame) -> Array:
        """Feature matrix (float32, C order) for new declarations from the whole training history."""
        if not self.prepared:
            self.prepare()
        d = frame
        raw = self._raw_codes(d)
        rows = np.empty((len(d), len(F.HISTORY_KEYS)), dtype=np.int64)  # rows of the stacked feature tables
        reference: Array = np.full((len(d), 2), np.nan)
        for i, (key, offset) in enumerate(zip(F.HISTORY_KEYS, self._offsets, strict=True)):
            r = self._rows(key, raw, d)
            r[r < 0] = len(self._features[key.name]) - 1  # the unseen row
            rows[:, i] = r + offset
            if key.name == F.HS6_PRICE_KEY:
                reference = self._reference[r]
        history = self._all_features[rows].reshape(len(d), _N_HISTORY)
        hs6_code = raw["hs6"]
        hs6_num = self._hs6_number[hs6_code]  # the last entry (NaN) is where hs6 is unseen
        if (unseen := hs6_code < 0).any():
            hs6_num[unseen] = F.hs6_number(d["hs6"][unseen])
        values = F.value_features(d, hs6_num, reference[:, 0], reference[:, 1])
        codes = np.empty((len(F.CODED_FIELDS), len(d)), dtype=np.float32)
        for j, c in enumerate(F.CODED_FIELDS):
            if c in self._coded_from_raw:  # already looked up as a key column: translate positions
                codes[j] = self._coded_from_raw[c][raw[c]]
            else:
                labels, uniques = pd.factorize(d[c].to_numpy())
                codes[j] = np.append(_code_lookup(self._coded[c], uniques), np.nan)[labels]
        return np.hstack([history, values.astype(np.float32), codes.T])

    def _raw_codes(self, d: pd.DataFrame) -> dict[str, Array]:
        """Position of each key column's value among the values seen in history (-1 unseen)."""
        raw = {c: _positions(self._columns[c], d[c].to_numpy()) for c in self._columns if c not in ("hs4", "hs2")}
        hs6_code = raw["hs6"]
        unseen = hs6_code < 0
        for c, width in (("hs4", 4), ("hs2", 2)):
            if c in self._columns:
                codes = self._hs6_parent[c][hs6_code]
                if unseen.any():  # a new hs6 may still belong to a known heading or chapter
                    codes[unseen] = self._columns[c].get_indexer(d["hs6"][unseen].str.slice(0, width).to_numpy())
                raw[c] = codes
        return raw

    def features_one(self, r: Mapping[str, object], out: Array) -> None:
        """Fill `out` (one row) with the features of one normalised record (dict lookups, no pandas)."""
        if not self.prepared:
            self.prepare()
        rows = []
        reference = self._reference[-1:]
        for key, offset in zip(F.HISTORY_KEYS, self._offsets, strict=True):
            k = r[key.columns[0]] if len(key.columns) == 1 else tuple(r[c] for c in key.columns)
            row = self._dicts[key.name].get(k, -1)
            if key.name == F.HS6_PRICE_KEY:
                reference = self._reference[row : row + 1] if row >= 0 else reference
            rows.append(offset + row if row >= 0 else offset + len(self._features[key.name]) - 1)
        out[:_N_HISTORY] = self._all_features[rows].ravel()
        hs6 = str(r["hs6"])
        single = {c: np.array([r[c]]) for c in ("item_price", "net_mass", "tax_rate", "origin_country",
                                                 "departure_country", "seller_id", "courier_id")}
        hs6_num = np.array([float(hs6) if hs6.isdigit() else np.nan])
        values = F.value_features(single, hs6_num, reference[:, 0], reference[:, 1])
        out[_N_HISTORY : _N_HISTORY + _N_VALUES] = values[0]
        for j, c in enumerate(F.CODED_FIELDS):
            code = self.vocab[c].get(str(r[c]))
            out[_N_HISTORY + _N_VALUES + j] = np.nan if code is None else code

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
            t = pd.read_csv(directory / f"{key.name}.csv", dtype=dtypes, keep_default_na=False,
                            float_precision="round_trip")
            want = [*key.columns, *F.HISTORY_STATS, *(F.REFERENCE_STATS if key.name == F.HS6_PRICE_KEY else ())]
            if list(t.columns) != want:
                raise ValueError(f"history table {key.name}: columns {list(t.columns)}, expected {want}")
            tables[key.name] = t
        vocab = {c: {str(k): int(v) for k, v in meta["vocab"][c].items()} for c in F.CODED_FIELDS}
        return cls(float(meta["prior_fraud"]), float(meta["prior_critical"]), tables, vocab).prepare()
