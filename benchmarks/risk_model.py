"""Fraud model benchmark, train.csv -> valid.csv (prints figures; not a test).

    .venv/bin/python benchmarks/risk_model.py [--data-dir ../shared/data/customs-declarations]

Side by side: the combination lookup, a plain XGBoost on the raw columns (no history), and the risk model
(history as of each date + a model for never-seen combinations). For each: precision/recall with the top
1/2/5/10% inspected, AUC, AUC on rows whose combination never occurred in training, critical-fraud
(Critical Fraud = 2) recall at 10%, revenue at stake (Tax Rate x Item Price of frauds) captured at 10%.
Then batch scoring throughput and single-declaration latency of the saved-and-loaded model.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import xgboost as xgb

from smartcustoms.risk.ml import artifact
from smartcustoms.risk.ml import metrics as M
from smartcustoms.risk.ml.dataset import CATEGORICAL_COLUMNS, NUMERIC_COLUMNS, read_declarations
from smartcustoms.risk.ml.lookup import CombinationLookup
from smartcustoms.risk.ml.train import train

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "customs-declarations"


def plain_xgboost(train_frame: pd.DataFrame, valid: pd.DataFrame) -> np.ndarray:
    """A plain gradient-boosting baseline: raw columns, categories as frequency codes, no history features."""
    def matrix(frame: pd.DataFrame) -> np.ndarray:
        cols = [frame[c].to_numpy(np.float64) for c in NUMERIC_COLUMNS]
        for c in CATEGORICAL_COLUMNS:
            vocab = pd.Index(train_frame[c].value_counts().index)
            code = vocab.get_indexer(frame[c]).astype(np.float64)
            cols.append(np.where(code < 0, np.nan, code))
        return np.column_stack(cols)

    params = {"objective": "binary:logistic", "eta": 0.05, "max_depth": 6, "subsample": 0.8,
              "colsample_bytree": 0.8, "nthread": 1, "seed": 0}
    booster = xgb.train(params, xgb.DMatrix(matrix(train_frame), train_frame["fraud"].to_numpy()), 300)
    return np.asarray(booster.predict(xgb.DMatrix(matrix(valid))))


def table(rows: dict[str, dict[str, float]]) -> None:
    cuts = [f"{c:.0%}" for c in M.CUTS]
    head = f"{'model':18s}" + "".join(f"{'P@' + c:>8s}{'R@' + c:>8s}" for c in cuts)
    head += f"{'AUC':>8s}{'AUCnew':>8s}{'crit@10':>9s}{'rev@10':>8s}"
    print(head)
    for name, e in rows.items():
        line = f"{name:18s}" + "".join(f"{e[f'precision@{c}']:8.3f}{e[f'recall@{c}']:8.3f}" for c in cuts)
        line += f"{e['auc']:8.4f}{e['auc_unseen']:8.4f}{e['critical_recall@10%']:9.3f}{e['revenue@10%']:8.3f}"
        print(line)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--batch-rows", type=int, default=200_000)
    parser.add_argument("--single", type=int, default=3000)
    args = parser.parse_args()
    print(f"cores: {os.cpu_count()}  xgboost {xgb.__version__}  numpy {np.__version__}  pandas {pd.__version__}")

    t0 = time.perf_counter()
    train_frame = read_declarations([args.data_dir / "train.csv"], require_labels=True)
    valid = read_declarations([args.data_dir / "valid.csv"], require_labels=True)
    took = time.perf_counter() - t0
    print(f"read {len(train_frame):,} training and {len(valid):,} valid declarations in {took:.2f}s")

    lookup = CombinationLookup.fit(train_frame)
    unseen = ~lookup.seen(valid)
    print(f"valid rows whose combination never occurred in training: {unseen.sum():,} ({unseen.mean():.1%})")

    t0 = time.perf_counter()
    model = train(train_frame)
    train_s = time.perf_counter() - t0
    hold = model.metadata["metrics"]["holdout"]
    print(f"trained risk model in {train_s:.1f}s; version {model.metadata['version']}")
    print(f"  time-split holdout inside train.csv ({hold['period']['from']}..{hold['period']['to']}, "
          f"{hold['rows']:,} rows): AUC {hold['auc']:.4f}, AUC never-seen {hold['auc_unseen']:.4f}, "
          f"P@5% {hold['precision@5%']:.3f}, critical recall@10% {hold['critical_recall@10%']:.3f}")

    with tempfile.TemporaryDirectory() as tmp:
        model.save(Path(tmp))
        served = artifact.load(Path(tmp))  # figures below come from the saved-and-loaded artifact

        scores, ranked = served.score_and_priority(valid)
        results = {
            "combination lookup": M.evaluate(lookup.score(valid), valid, unseen),
            "plain XGBoost": M.evaluate(plain_xgboost(train_frame, valid), valid, unseen),
            "risk model": M.evaluate(scores, valid, unseen),
            "risk priority": M.evaluate(ranked, valid, unseen),
        }
        print("\ntrain.csv (2020) -> valid.csv (2021-01..03)")
        table(results)
        print("(risk model: ranked by score; risk priority: ranked by priority_frame = score log-odds"
              " + 0.25 x log(1 + duty at stake) + 0.2 x log(combination critical rate))")

        ours, base = results["risk model"], results["combination lookup"]
        at_or_above = all(ours[f"precision@{c:.0%}"] >= base[f"precision@{c:.0%}"] - 1e-12 for c in M.CUTS)

        big = valid.sample(args.batch_rows, replace=True, random_state=0).reset_index(drop=True)
        served.score_frame(big.head(1000))
        best = min(_timed(lambda: served.score_frame(big)) for _ in range(3))
        throughput = len(big) / best
        small_best = min(_timed(lambda: served.score_frame(valid)) for _ in range(3))

        records = valid.drop(columns=["fraud", "critical_fraud"]).head(args.single).to_dict("records")
        latency = {}
        for explain in ("none", "fast", "exact"):
            for r in records[:200]:
                served.score_one(r, explain=explain)  # type: ignore[arg-type]
            lat = np.array([_timed(lambda r=r, e=explain: served.score_one(r, explain=e)) for r in records])  # type: ignore[misc]
            latency[explain] = np.percentile(lat, [50, 95, 99]) * 1e3

    print(f"\nbatch scoring (score_frame, features + both models): {throughput:,.0f} declarations/s on "
          f"{len(big):,} rows; {len(valid) / small_best:,.0f}/s on valid.csv ({len(valid):,} rows)")
    for explain, (p50, p95, p99) in latency.items():
        print(f"single scoring (score_one, contributions={explain:5s}): p50 {p50:.3f} ms  p95 {p95:.3f} ms  "
              f"p99 {p99:.3f} ms over {len(records):,} declarations")

    print("\naims (2 cores):")
    _aim("precision at or above the lookup at 1/2/5/10%", at_or_above)
    _aim(f"AUC on never-seen combinations >= 0.65: {ours['auc_unseen']:.4f}", ours["auc_unseen"] >= 0.65)
    _aim(f"critical-fraud recall at 10% >= 0.5: {ours['critical_recall@10%']:.3f}", ours["critical_recall@10%"] >= 0.5)
    _aim(f"batch scoring >= 200,000 declarations/s: {throughput:,.0f}", throughput >= 200_000)
    p99 = latency["fast"][2]
    _aim(f"single scoring p99 <= 2 ms (with fast contributions): {p99:.3f} ms", p99 <= 2.0)
    pri = results["risk priority"]
    keeps = all(pri[f"precision@{c:.0%}"] >= base[f"precision@{c:.0%}"] - 1e-12 for c in M.CUTS)
    keeps = keeps and pri["critical_recall@10%"] >= 0.5
    _aim(f"priority ranking: revenue@10% {pri['revenue@10%']:.3f} >= lookup {base['revenue@10%']:.3f}, precision at "
         f"or above the lookup at every cut, critical recall@10% {pri['critical_recall@10%']:.3f} >= 0.5",
         keeps and pri["revenue@10%"] >= base["revenue@10%"])


def _timed(fn: object) -> float:
    t = time.perf_counter()
    fn()  # type: ignore[operator]
    return time.perf_counter() - t


def _aim(text: str, met: bool) -> None:
    print(f"  [{'met' if met else 'MISSED'}] {text}")


if __name__ == "__main__":
    main()
