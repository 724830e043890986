"""The risk CLI as real processes: train, score, evaluate, register, activate, roll back, simulate, lists."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import shared_data

CLI = [sys.executable, "-m", "smartcustoms.cli"]


def train_csv() -> Path:
    return shared_data("customs-declarations", "train.csv")


def valid_csv() -> Path:
    return shared_data("customs-declarations", "valid.csv")


def months(src: Path, out: Path, prefixes: tuple[str, ...], drop: tuple[str, ...] = ()) -> Path:
    """A slice of the public data set in its own layout (optionally without some columns)."""
    with src.open(encoding="utf-8") as f, out.open("w", newline="", encoding="utf-8") as o:
        reader = csv.DictReader(f)
        fields = [c for c in reader.fieldnames or [] if c not in drop]
        w = csv.DictWriter(o, fields, extrasaction="ignore")
        w.writeheader()
        for row in reader:
            if row["Date"].startswith(prefixes):
                w.writerow(row)
    return out


def run(env: dict[str, str], *args: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
    p = subprocess.run([*CLI, *args], env=env, capture_output=True, text=True, timeout=600)
    if ok:
        assert p.returncode == 0, p.stderr + p.stdout
    return p


@pytest.fixture()
def env(new_database_url: Callable[[], str], tmp_path: Path) -> dict[str, str]:
    return {**os.environ, "SMARTCUSTOMS_DATABASE_URL": new_database_url(), "SMARTCUSTOMS_ENV": "test",
            "SMARTCUSTOMS_MODELS_DIR": str(tmp_path / "models")}


def test_train_score_evaluate_register_activate(env: dict[str, str], tmp_path: Path) -> None:
    run(env, "db", "upgrade")
    train_file = months(train_csv(), tmp_path / "train.csv", ("2020-01", "2020-02", "2020-03"))
    valid_file = months(valid_csv(), tmp_path / "valid.csv", ("2021-01",))
    trained = run(env, "risk", "train", "--data", str(train_file), "--out", str(tmp_path / "m1"))
    assert "written to" in trained.stdout
    meta = json.loads((tmp_path / "m1" / "metadata.json").read_text())

    unlabelled = months(valid_csv(), tmp_path / "unlabelled.csv", ("2021-01",), drop=("Fraud", "Critical Fraud"))
    run(env, "risk", "score", "--model", str(tmp_path / "m1"), "--data", str(unlabelled),
        "--out", str(tmp_path / "scores.csv"))
    with (tmp_path / "scores.csv").open() as f:
        rows = list(csv.DictReader(f))
    with unlabelled.open() as f:
        ids = [r["Declaration ID"] for r in csv.DictReader(f)]
    assert [r["declaration_id"] for r in rows] == ids
    assert all(0.0 <= float(r["score"]) <= 1.0 for r in rows)

    evaluated = run(env, "risk", "evaluate", "--model", str(tmp_path / "m1"), "--data", str(valid_file))
    figures = json.loads(evaluated.stdout)
    assert figures["rows"] == len(ids) and 0.5 < figures["auc"] <= 1.0

    bad = months(train_csv(), tmp_path / "bad.csv", ("2020-01",), drop=("HS6 Code",))
    refused = run(env, "risk", "train", "--data", str(bad), "--out", str(tmp_path / "m2"), ok=False)
    assert refused.returncode != 0 and "HS6 Code" in refused.stderr

    run(env, "risk", "register", str(tmp_path / "m1"), "--lane3-share", "0.05", "--lane2-share", "0.1")
    run(env, "risk", "activate", meta["version"])
    assert "ACTIVE" in run(env, "risk", "models").stdout
    no_previous = run(env, "risk", "rollback", ok=False)
    assert no_previous.returncode != 0
    run(env, "risk", "deactivate")
    assert "ACTIVE" not in run(env, "risk", "models").stdout
    out = tmp_path / "audit.csv"
    run(env, "risk", "list", "audit-candidates", "--out", str(out), "--since", "2026-01-01", "--until", "2026-12-31")
    assert out.read_bytes().startswith("\ufeff".encode())


def test_simulate_compares_strategies(env: dict[str, str], tmp_path: Path) -> None:
    history = months(train_csv(), tmp_path / "h.csv", ("2020-01", "2020-02"))
    period = months(train_csv(), tmp_path / "p.csv", ("2020-03",))
    p = run(env, "risk", "simulate", "--history", str(history), "--period", str(period), "--strategy", "exploit",
            "--strategy", "uncertainty:0.2", "--budget", "0.1", "--weeks", "2", "--out", str(tmp_path / "sim.csv"))
    assert "exploit" in p.stdout and "uncertainty" in p.stdout
    with (tmp_path / "sim.csv").open(encoding="utf-8-sig") as f:
        sim = list(csv.DictReader(f))
    assert {r["strategy"] for r in sim} == {"exploit", "uncertainty-0.2"}


def test_models_says_when_none_is_registered(env: dict[str, str]) -> None:
    run(env, "db", "upgrade")
    listed = run(env, "risk", "models")
    assert listed.stdout == "" and "No model registered" in listed.stderr
