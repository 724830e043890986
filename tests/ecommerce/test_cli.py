"""`smartcustoms ecommerce generate` and `ingest` from the command line."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import orjson
import pytest
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from smartcustoms.cli import app
from smartcustoms.db import make_engine
from smartcustoms.identity import service as identity
from tests.ecommerce.conftest import prepare


@pytest.fixture()
def cli_db(new_database_url: Callable[[], str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = new_database_url()
    engine = make_engine(url)
    prepare(engine, tmp_path)
    with Session(engine) as s, s.begin():
        identity.create_trader(s, "Post Office Japan Test", "POST-JP", "broker")
    engine.dispose()
    monkeypatch.setenv("SMARTCUSTOMS_DATABASE_URL", url)
    return url


def _flat(output: str) -> str:
    """The CLI's error text as one line: the error box wraps it at the terminal's width, so a long temporary path
    (pytest's directory under xdist, say) moved "the manifest being ingested" onto two lines."""
    return " ".join(re.sub(r"[│╭╮╰╯─]", " ", output).split())


def test_generate_then_ingest_csv_and_again(cli_db: str, tmp_path: Path) -> None:
    runner = CliRunner()
    manifest, results = tmp_path / "m.csv", tmp_path / "r.jsonl"
    r = runner.invoke(app, ["ecommerce", "generate", "--count", "80", "--out", str(manifest), "--seed", "9"])
    assert r.exit_code == 0, r.output
    assert manifest.read_text("utf-8").startswith("parcel_id,platform,")
    r = runner.invoke(app, ["ecommerce", "ingest", str(manifest), "--submitter", "POST-JP", "--results", str(results)])
    assert r.exit_code == 0, r.output
    lines = [orjson.loads(x) for x in results.read_bytes().splitlines()]
    assert len(lines) == 81 and lines[-1]["result"] == "summary" and lines[-1]["lines"] == 80
    assert "accepted" in r.output and str(lines[-1]["accepted"]) in r.output
    r = runner.invoke(app, ["ecommerce", "ingest", str(manifest), "--submitter", "POST-JP", "--results", str(results)])
    again = [orjson.loads(x) for x in results.read_bytes().splitlines()]
    assert again[-1]["accepted"] == 0 and again[-1]["repeats"] == lines[-1]["accepted"]


def test_the_progress_line_ends_with_every_consignment_answered(cli_db: str, tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SMARTCUSTOMS_ECOMMERCE_CHUNK_ROWS", "30")  # three chunks: the file is read before the last
    manifest = tmp_path / "m.jsonl"
    runner = CliRunner()
    assert runner.invoke(app, ["ecommerce", "generate", "--count", "90", "--out", str(manifest)]).exit_code == 0
    r = runner.invoke(app, ["ecommerce", "ingest", str(manifest), "--submitter", "POST-JP"])
    assert r.exit_code == 0, r.output
    shown = re.search(r"([\d,]+) consignments \((\d+) rejected\)", r.output)
    table = re.search(r"rejected\s*│\s*(\d+)", r.output)
    assert shown and table, r.output
    assert shown.group(1) == "90" and shown.group(2) == table.group(1)  # the last results, not the first chunk's


def test_ingest_lists_the_first_rejected_lines_on_screen(cli_db: str, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    from smartcustoms.ecommerce import cli

    monkeypatch.setattr(cli, "REJECTIONS_SHOWN", 2)
    f = tmp_path / "m.jsonl"
    f.write_bytes(b"{oops\n" + b'{"parcel_id": "P-2"}\n' + b"[1]\n")
    r = CliRunner().invoke(app, ["ecommerce", "ingest", str(f), "--submitter", "POST-JP"])
    assert "rejected: line 1: line: malformed JSON" in r.output
    assert "rejected: line 2 parcel P-2: platform: " in r.output
    assert "... and 1 more rejected line(s): --results FILE writes every one" in r.output


def test_unknown_submitter_and_extension_are_refused(cli_db: str, tmp_path: Path) -> None:
    runner = CliRunner()
    f = tmp_path / "m.jsonl"
    f.write_text("{}\n", "utf-8")
    r = runner.invoke(app, ["ecommerce", "ingest", str(f), "--submitter", "NOBODY"])
    assert r.exit_code == 2
    r = runner.invoke(app, ["ecommerce", "generate", "--count", "1", "--out", str(tmp_path / "m.txt")])
    assert r.exit_code == 2 and "jsonl" in r.output


def test_an_empty_manifest_file_fails_with_a_reason(cli_db: str, tmp_path: Path) -> None:
    runner = CliRunner()
    from smartcustoms.ecommerce.parse import CSV_COLUMNS

    for name, text in (("empty.jsonl", ""), ("blank.jsonl", "\n\n"), ("header.csv", ",".join(CSV_COLUMNS) + "\n")):
        f = tmp_path / name
        f.write_text(text, "utf-8")
        results = tmp_path / f"{name}.out"
        r = runner.invoke(app, ["ecommerce", "ingest", str(f), "--submitter", "POST-JP", "--results", str(results)])
        summary = orjson.loads(results.read_bytes().splitlines()[-1])
        assert r.exit_code == 2 and summary["status"] == "failed", name
        assert summary["error"]["code"] == "empty" and summary["lines"] == 0, name


def test_a_results_path_that_cannot_be_written_is_refused_before_a_manifest_is_opened(cli_db: str,
                                                                                      tmp_path: Path) -> None:
    from sqlalchemy import func, select

    from smartcustoms.ecommerce.models import Manifest

    runner = CliRunner()
    manifest = tmp_path / "m.jsonl"
    assert runner.invoke(app, ["ecommerce", "generate", "--count", "3", "--out", str(manifest)]).exit_code == 0
    r = runner.invoke(app, ["ecommerce", "ingest", str(manifest), "--submitter", "POST-JP",
                            "--results", str(tmp_path / "missing" / "r.jsonl")])
    assert r.exit_code == 2 and "--results" in r.output and "cannot write" in _flat(r.output)
    # The manifest itself, or a link to it, as the results file: refused, the manifest left whole.
    before = manifest.read_bytes()
    link = tmp_path / "link.jsonl"
    link.symlink_to(manifest)
    for same in (manifest, link, tmp_path / "." / "m.jsonl"):
        r = runner.invoke(app, ["ecommerce", "ingest", str(manifest), "--submitter", "POST-JP", "--results",
                                str(same)])
        assert r.exit_code == 2 and "--results" in r.output and "the manifest being ingested" in _flat(r.output), \
            r.output
        assert manifest.read_bytes() == before
    # A refused submitter leaves an earlier results file as it was; a run that opens its manifest replaces it.
    earlier = tmp_path / "earlier.jsonl"
    earlier.write_text('{"line": 1}\n', "utf-8")
    r = runner.invoke(app, ["ecommerce", "ingest", str(manifest), "--submitter", "NOBODY", "--results", str(earlier)])
    assert r.exit_code == 2 and earlier.read_text("utf-8") == '{"line": 1}\n'
    r = runner.invoke(app, ["ecommerce", "ingest", str(manifest), "--submitter", "POST-JP", "--results", str(earlier)])
    lines = earlier.read_bytes().splitlines()
    assert r.exit_code == 0 and len(lines) == 4 and orjson.loads(lines[0])["line"] == 1 and "manifest_id" in str(
        orjson.loads(lines[-1]))
    engine = make_engine(cli_db)
    try:
        with Session(engine) as s:
            assert s.scalar(select(func.count()).select_from(Manifest)) == 1  # the failed tries left nothing
    finally:
        engine.dispose()
