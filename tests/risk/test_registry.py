"""A real model end to end: train on the public data set, register, activate, score in the lodge path, roll back."""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from smartcustoms.errors import Conflict, ValidationFailed
from smartcustoms.identity import service as identity
from smartcustoms.risk import registry
from tests.conftest import shared_data
from tests.console.helpers import PASSWORD, login
from tests.declarations.helpers import auth, body, line

URL = "/api/v1/import-declarations"


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small model trained on the first months of the public data set (real training, few rows)."""
    from smartcustoms.risk.ml import dataset, train

    frame = dataset.read_declarations([shared_data("customs-declarations", "train.csv")], require_labels=True)
    frame = frame[frame["date"] < "2020-04-01"]
    out = tmp_path_factory.mktemp("model") / "v"
    train.train(frame, seed=1).save(out)
    return out


@pytest.fixture()
def models_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    from smartcustoms.settings import get_settings

    monkeypatch.setenv("SMARTCUSTOMS_MODELS_DIR", str(tmp_path / "models"))
    get_settings.cache_clear()
    registry.loaded.cache_clear()
    return tmp_path / "models"


def test_register_activate_score_and_roll_back(
    session: Session, client: TestClient, make_trader: Any, model_dir: Path, models_dir: Path
) -> None:
    row = registry.register(session, model_dir, "test", Decimal("1"), Decimal("0"))
    assert Path(row.path).parent == models_dir.resolve() and (Path(row.path) / "metadata.json").exists()
    assert row.model_metadata["version"] == row.version and not row.active
    with pytest.raises(Conflict):
        registry.register(session, model_dir, "test")
    registry.activate(session, row.version, "test")
    _, key = make_trader()
    d = client.post(URL, json=body(line(), line(hs_code="930200", origin_country="US")), headers=auth(key)).json()
    # The trader learns that a model scored it, not the score or what drove it.
    assert d["risk"] == {"status": "scored"}
    model_hit = next(h for h in d["lane_reasons"] if h["kind"] == "model")
    assert model_hit["matched"] == {} and "score" not in model_hit["reason"]
    # Officers get everything, over their API (HTTP Basic) and in the console.
    identity.create_officer(session, "mori", PASSWORD, "officer", actor="test")
    officer_view = client.get(f"/api/v1/officer/import-declarations/{d['id']}", auth=("mori", PASSWORD))
    assert officer_view.status_code == 200
    assert client.get(f"/api/v1/officer/import-declarations/{d['id']}", auth=("mori", "wrong")).status_code == 401
    assert client.get(f"/api/v1/officer/import-declarations/{d['id']}", headers=auth(key)).status_code == 401
    risk = officer_view.json()["risk"]
    assert risk["status"] == "scored" and risk["model_version"] == row.version
    assert 0 <= risk["score"] <= 1 and 0 <= risk["percentile"] <= 100
    assert len(risk["line_scores"]) == 2 and risk["score"] == max(risk["line_scores"])
    assert risk["contributions"] and {"feature", "value", "contribution"} <= set(risk["contributions"][0])
    # Every score falls in the top 100% of the distribution: lane 3 from the model, shown as a model hit.
    assert d["lane"] == 3
    # The officer sees the score, percentile and contributions on the declaration page.
    assert login(client, "mori").status_code == 303
    page = client.get(f"/console/declarations/{d['id']}").text
    assert f'id="risk-score">{risk["score"]:.3f}<' in page
    assert f'id="risk-percentile">{risk["percentile"]:.1f}<' in page
    assert risk["contributions"][0]["feature"] in page and 'data-contribution="' in page

    # A second version, then roll back to the first.
    second_dir = model_dir.parent / "v2"
    shutil.copytree(model_dir, second_dir, dirs_exist_ok=True)
    import json

    meta = json.loads((second_dir / "metadata.json").read_text())
    meta["version"] = meta["version"] + "-b"
    (second_dir / "metadata.json").write_text(json.dumps(meta))
    second = registry.register(session, second_dir, "test")
    registry.activate(session, second.version, "test")
    assert registry.active(session).version == second.version  # type: ignore[union-attr]
    assert registry.rollback(session, "test").version == row.version
    registry.deactivate(session, "test")
    assert registry.active(session) is None
    d = client.post(URL, json=body(), headers=auth(key)).json()
    assert d["risk"]["status"] == "no_active_model"
    assert 'id="risk-none"' in client.get(f"/console/declarations/{d['id']}").text


def test_broken_artifact_falls_back_to_rules(
    session: Session, client: TestClient, make_trader: Any, model_dir: Path, models_dir: Path
) -> None:
    row = registry.register(session, model_dir, "test", Decimal("1"), Decimal("0"))
    registry.activate(session, row.version, "test")
    registry.loaded.cache_clear()
    for f in Path(row.path).iterdir():
        if f.name != "metadata.json":
            shutil.rmtree(f) if f.is_dir() else f.unlink()
    _, key = make_trader()
    r = client.post(URL, json=body(), headers=auth(key))
    assert r.status_code == 201
    assert r.json()["risk"]["status"] == "model_error" and r.json()["lane"] == 1
    with pytest.raises(ValidationFailed):
        registry.activate(session, row.version, "test")


def test_mismatched_features_refused(session: Session, model_dir: Path, models_dir: Path, tmp_path: Path) -> None:
    import json

    bad = tmp_path / "bad"
    shutil.copytree(model_dir, bad)
    meta = json.loads((bad / "metadata.json").read_text())
    meta["features"] = [*meta["features"], "a_feature_the_code_does_not_make"]
    (bad / "metadata.json").write_text(json.dumps(meta))
    with pytest.raises(ValidationFailed) as exc:
        registry.register(session, bad, "test")
    assert exc.value.errors[0].code == "model_mismatch"
