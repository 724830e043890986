from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from smartcustoms.risk.ml import artifact
from smartcustoms.risk.ml.artifact import ModelMismatch


@pytest.fixture
def copy(saved: Path, tmp_path: Path) -> Path:
    target = tmp_path / "model"
    shutil.copytree(saved, target)
    return target


def _edit(directory: Path, **changes: object) -> None:
    path = directory / "metadata.json"
    meta = json.loads(path.read_text())
    meta.update(changes)
    path.write_text(json.dumps(meta))


def test_metadata_has_the_papers(saved: Path) -> None:
    meta = json.loads((saved / "metadata.json").read_text())
    for key in ("version", "features", "feature_schema_hash", "training_period", "rows", "fraud_rate",
                "metrics", "libraries", "created_at", "score_quantiles"):
        assert key in meta
    assert meta["created_at"].endswith("+00:00")
    assert not list(saved.rglob("*.pkl")) and not list(saved.rglob("*.pickle"))


def test_refuses_other_schema_hash(copy: Path) -> None:
    _edit(copy, feature_schema_hash="0000")
    with pytest.raises(ModelMismatch, match="feature schema"):
        artifact.load(copy)


def test_refuses_tampered_feature_list(copy: Path) -> None:
    meta = json.loads((copy / "metadata.json").read_text())
    _edit(copy, features=[*meta["features"][:-1], "shoe_size"])
    with pytest.raises(ModelMismatch, match="shoe_size"):
        artifact.load(copy)


@pytest.mark.parametrize("name", ["model.ubj", "model_novel.ubj", "metadata.json", "history/importer.csv",
                                  "history/state.json"])
def test_refuses_missing_file(copy: Path, name: str) -> None:
    (copy / name).unlink()
    with pytest.raises(ModelMismatch, match="missing"):
        artifact.load(copy)


def test_refuses_malformed_metadata(copy: Path) -> None:
    (copy / "metadata.json").write_text("{not json")
    with pytest.raises(ModelMismatch, match="not valid JSON"):
        artifact.load(copy)
    (copy / "metadata.json").write_text("{}")
    with pytest.raises(ModelMismatch, match="lacks"):
        artifact.load(copy)


def test_refuses_a_model_file_that_is_not_a_model(copy: Path) -> None:
    (copy / "model.ubj").write_bytes(b"\x80\x04not a model")
    with pytest.raises(ModelMismatch, match=r"model\.ubj"):
        artifact.load(copy)


def test_mismatch_takes_a_plain_message() -> None:
    assert str(ModelMismatch("registry says v2")) == "registry says v2"
    assert "metadata.json" in str(ModelMismatch(Path("m"), "missing metadata.json"))
