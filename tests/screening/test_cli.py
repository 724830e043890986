"""CLI contracts used by acceptance scripts: screening pairs/search (no database), watchlists load/refresh/versions."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from smartcustoms.screening.matcher import THRESHOLD, score_names
from tests.conftest import shared_data
from tests.screening.helpers import BASE_ROWS, uk_file

CLI = [sys.executable, "-m", "smartcustoms.cli"]


def run(*args: str, env: dict[str, str] | None = None, ok: bool = True) -> subprocess.CompletedProcess[str]:
    p = subprocess.run([*CLI, *args], env=env or {**os.environ, "SMARTCUSTOMS_ENV": "test"}, capture_output=True,
                       text=True, timeout=300)
    if ok:
        assert p.returncode == 0, p.stderr + p.stdout
    return p


def write(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return path


def read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_pairs_adds_score_and_match_and_passes_other_columns_through(tmp_path: Path) -> None:
    rows = [["1", "Vladimir Putin", "PUTIN, Vladimir", "x"], ["2", "CORP", "CORP", "y"],
            ["3", "ミロシェヴィッチ・ボリスラフ", "Milosevic Borislav", "z"],
            ["4", "Olaf Scholz", "Octavian Scholz", ""], ["5", "", "Empty", ""]]
    src = write(tmp_path / "pairs.csv", ["id", "name1", "name2", "note"], rows)
    out = tmp_path / "scored.csv"
    run("screening", "pairs", "--input", str(src), "--out", str(out))
    got = read(out)
    assert list(got[0]) == ["id", "name1", "name2", "note", "score", "match"]
    assert [r["id"] for r in got] == ["1", "2", "3", "4", "5"] and got[0]["note"] == "x"
    for r in got:
        score = float(r["score"])
        assert 0.0 <= score <= 1.0
        assert r["match"] == ("true" if score >= THRESHOLD else "false")
        assert abs(score - score_names(r["name1"], r["name2"]).score) < 1e-4
    assert [r["match"] for r in got] == ["true", "false", "true", "false", "false"]


def test_pairs_on_the_shared_labelled_file(tmp_path: Path) -> None:
    out = tmp_path / "scored.csv"
    run("screening", "pairs", "--input", str(shared_data("name-matching", "labelled-name-pairs-dev.csv")),
        "--out", str(out))
    got = read(out)
    assert len(got) == 412 and {"case_group", "is_match", "score", "match"} <= set(got[0])


def test_search_lists_only_candidates_at_or_above_the_threshold(tmp_path: Path) -> None:
    lst = write(tmp_path / "list.csv", ["id", "name"], [
        ["A1", "Milosevic Borislav"], ["A1", "Borislav MILOSEVIC"], ["B2", "Milosevic Slobodan"],
        ["C3", "Toshiba Corporation"], ["D4", "Emma Holdings LLC"], ["E5", "Milosevic Borislava"]])
    queries = write(tmp_path / "q.csv", ["name", "ref"], [
        ["ミロシェヴィッチ・ボリスラフ", "1"], ["株式会社東芝", "2"], ["Maria Gonzalez", "3"], ["CORP", "4"],
        ["", "5"]])
    out = tmp_path / "hits.csv"
    run("screening", "search", "--list", str(lst), "--input", str(queries), "--out", str(out), "--top", "1")
    got = read(out)
    assert list(got[0]) == ["query", "rank", "list_id", "list_name", "score"]
    assert all(float(r["score"]) >= THRESHOLD for r in got)
    by_query = {r["query"]: r for r in got}
    assert set(by_query) == {"ミロシェヴィッチ・ボリスラフ", "株式会社東芝"}   # no row = no match
    assert by_query["ミロシェヴィッチ・ボリスラフ"]["list_id"] == "A1" and by_query["株式会社東芝"]["list_id"] == "C3"
    assert all(r["rank"] == "1" for r in got)   # --top 1; the same id listed twice counts once
    run("screening", "search", "--list", str(lst), "--input", str(queries), "--out", str(out), "--top", "5")
    ranks = [(r["query"], r["rank"], r["list_id"]) for r in read(out) if r["query"].startswith("ミ")]
    assert ranks[0][1:] == ("1", "A1") and len({lid for _, _, lid in ranks}) == len(ranks)


def test_missing_columns_are_refused_clearly(tmp_path: Path) -> None:
    bad = write(tmp_path / "bad.csv", ["a", "b"], [["x", "y"]])
    p = run("screening", "pairs", "--input", str(bad), "--out", str(tmp_path / "o.csv"), ok=False)
    assert p.returncode == 2 and "name1" in p.stderr
    p = run("screening", "search", "--list", str(bad), "--input", str(bad), "--out", str(tmp_path / "o.csv"), ok=False)
    assert p.returncode == 2 and "id" in p.stderr


@pytest.fixture()
def env(new_database_url: Callable[[], str]) -> dict[str, str]:
    e = {**os.environ, "SMARTCUSTOMS_DATABASE_URL": new_database_url(), "SMARTCUSTOMS_ENV": "test"}
    run("db", "upgrade", env=e)
    return e


def test_watchlists_load_refresh_versions(env: dict[str, str], tmp_path: Path) -> None:
    folder = tmp_path / "lists"
    folder.mkdir()
    path = uk_file(folder, BASE_ROWS)
    p = run("watchlists", "load", "--list", "UK", str(path), "--label", "uk-1", env=env)
    assert "uk-1 loaded and active" in p.stdout
    p = run("watchlists", "refresh", "--folder", str(folder), env=env)
    assert "UK: unchanged uk-1" in p.stdout
    (folder / "uk-sanctions-names.csv").write_text("wrong,header\n1,2\n", encoding="utf-8")
    p = run("watchlists", "refresh", "--folder", str(folder), env=env, ok=False)
    assert p.returncode == 2 and "UK: REFUSED" in p.stderr and "previous version stays active" in p.stderr
    p = run("watchlists", "versions", env=env)
    assert "* UK" in p.stdout and "uk-1" in p.stdout
    p = run("screening", "name", "Borislav Milosevic", env=env)
    assert "UK-RUS0001" in p.stdout and "UK uk-1" in p.stdout
