"""`smartcustoms screening ...` (pairs, search, name) and `smartcustoms watchlists ...` (load, refresh, versions)."""

from __future__ import annotations

import csv
import os
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from smartcustoms.cli_errors import platform_errors
from smartcustoms.errors import FieldError, SmartCustomsError, ValidationFailed

screening_app = typer.Typer(help="Name screening against watch lists and custom lists.", no_args_is_help=True)
watchlists_app = typer.Typer(help="Watch lists: load official files, refresh, versions.", no_args_is_help=True)

WATCHLIST_DIR_ENV = "SMARTCUSTOMS_WATCHLIST_DIR"


@contextmanager
def _progress(total: int, label: str) -> Iterator[Any]:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    with Progress(TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                  transient=True, disable=not os.isatty(2)) as progress:
        task = progress.add_task(label, total=total)
        yield lambda n=1: progress.advance(task, n)


def _read_csv(path: Path, required: Iterable[str], field: str) -> tuple[list[str], list[dict[str, str]]]:
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.DictReader(fh)
            header = list(reader.fieldnames or [])
            missing = [c for c in required if c not in header]
            if missing:
                raise ValidationFailed([FieldError(field, f"{path.name}: missing column(s) {', '.join(missing)}; "
                                                          f"found {', '.join(header) or 'none'}", "missing_column")])
            return header, [{k: v or "" for k, v in row.items() if k is not None} for row in reader]
    except FileNotFoundError:
        raise ValidationFailed([FieldError(field, f"{path}: no such file", "not_found")]) from None
    except UnicodeDecodeError as exc:
        raise ValidationFailed([FieldError(field, f"{path.name} is not UTF-8 (byte {exc.start})",
                                           "encoding")]) from None


@screening_app.command("pairs")
def pairs(
    input: Annotated[Path, typer.Option("--input", help="CSV with columns name1,name2 (others passed through)")],
    out: Annotated[Path, typer.Option("--out", help="Output CSV: input columns + score (0-1) + match")],
) -> None:
    """Score name pairs; `match` is true at or above the operating threshold."""
    from smartcustoms.screening.matcher import THRESHOLD, score_names

    with platform_errors():
        header, rows = _read_csv(input, ("name1", "name2"), "input")
        cols = header + [c for c in ("score", "match") if c not in header]
        with out.open("w", encoding="utf-8", newline="") as fh, _progress(len(rows), "scoring pairs") as step:
            writer = csv.DictWriter(fh, fieldnames=cols, extrasaction="ignore")
            writer.writeheader()
            for row in rows:
                score = score_names(row["name1"], row["name2"]).score
                writer.writerow({**row, "score": f"{score:.4f}", "match": "true" if score >= THRESHOLD else "false"})
                step()
    typer.echo(f"{len(rows)} pairs scored (threshold {THRESHOLD}) -> {out}", err=True)


@screening_app.command("search")
def search(
    list_file: Annotated[Path, typer.Option("--list", help="Custom list CSV with columns id,name")],
    input: Annotated[Path, typer.Option("--input", help="Queries CSV with a column name")],
    out: Annotated[Path, typer.Option("--out", help="Hits CSV: query,rank,list_id,list_name,score")],
    top: Annotated[int, typer.Option("--top", min=1, max=1000, help="At most K hits per query")] = 10,
) -> None:
    """Screen each query name against a custom list; only candidates at or above the threshold are written."""
    from smartcustoms.screening.index import IndexedName, NameIndex
    from smartcustoms.screening.matcher import THRESHOLD

    with platform_errors():
        _, entries = _read_csv(list_file, ("id", "name"), "list")
        _, queries = _read_csv(input, ("name",), "input")
        index = NameIndex.build(IndexedName(i, e["name"]) for i, e in enumerate(entries) if e["name"].strip())
        written = 0
        with out.open("w", encoding="utf-8", newline="") as fh, _progress(len(queries), "screening") as step:
            writer = csv.writer(fh)
            writer.writerow(["query", "rank", "list_id", "list_name", "score"])
            for q in queries:
                name = q["name"]
                if name.strip() and len(name) <= 10_000:
                    best: dict[str, tuple[float, str]] = {}
                    for m in index.search(name, limit=0, min_score=THRESHOLD):
                        lid = entries[m.key]["id"]
                        if lid not in best or m.score > best[lid][0]:
                            best[lid] = (m.score, entries[m.key]["name"])
                    ranked = sorted(best.items(), key=lambda kv: (-kv[1][0], kv[0]))[:top]
                    for rank, (lid, (score, lname)) in enumerate(ranked, start=1):
                        writer.writerow([name, rank, lid, lname, f"{score:.4f}"])
                        written += 1
                step()
    typer.echo(f"{len(queries)} queries, {written} hits (threshold {THRESHOLD}) -> {out}", err=True)


def _date(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValidationFailed([FieldError("date_of_birth", "a date YYYY-MM-DD", "invalid_date")]) from None


@screening_app.command("name")
def screen_name(
    name: Annotated[str, typer.Argument(help="Party name (any script)")],
    country: Annotated[str | None, typer.Option(help="ISO alpha-2 country")] = None,
    dob: Annotated[str | None, typer.Option("--dob", help="Date of birth YYYY-MM-DD")] = None,
    entity_type: Annotated[str | None, typer.Option(help="person, entity, vessel or aircraft")] = None,
    limit: Annotated[int, typer.Option(min=1, max=100)] = 10,
) -> None:
    """Screen one name against the active watch lists (recorded like every screening)."""
    from smartcustoms.db import unit_of_work
    from smartcustoms.screening import service

    with platform_errors(), unit_of_work() as session:
        result = service.screen_party(session, name, country, _date(dob), entity_type, limit, actor="cli")
        versions = ", ".join(f"{k} {v}" for k, v in result.list_versions.items()) or "no lists loaded"
        typer.echo(f"lists: {versions}")
        if not result.hits:
            typer.echo(f"no hit at or above {result.threshold}")
        for h in result.hits:
            typer.echo(f"{h.score:.3f}  {h.list_code:<9} {h.entry_id:<22} {h.entry_name}")
            typer.echo(f"       matched {h.matched_name!r}: {h.reason}")


# ---- watch lists ---------------------------------------------------------------------------------------------

# File names the refresh command recognises in the configured folder (official names and dated copies).
REFRESH_PATTERNS: dict[str, list[tuple[str, ...]]] = {
    "METI-EUL": [("meti-end-user-list*.xlsx",), ("meti-end-user-list*.csv",), ("enduserlist*.xlsx",)],
    "MOF-AF": [("mof-asset-freeze*.xlsx",), ("mof-asset-freeze*.csv",), ("shisantouketsu*.xlsx",)],
    "UN": [("un-consolidated*.xml",), ("consolidated.xml",)],
    "OFAC-SDN": [("ofac-sdn*.csv", "ofac-alt*.csv", "ofac-add*.csv"), ("sdn.csv", "alt.csv", "add.csv")],
    "EU": [("eu-consolidated*.csv",)],
    "UK": [("uk-sanctions*.csv",)],
    "BIS-DPL": [("bis-denied-persons*.tsv",), ("dpl.txt",)],
}


def files_for(folder: Path, code: str) -> list[Path]:
    for group in REFRESH_PATTERNS[code]:
        found: list[Path] = []
        for pattern in group:
            matches = sorted(folder.glob(pattern))
            if matches:
                found.append(matches[-1])    # the latest dated copy
        if found:
            return found
    return []


@watchlists_app.command("load")
def load(
    list_code: Annotated[str, typer.Option("--list", help="METI-EUL, MOF-AF, UN, OFAC-SDN, EU, UK or BIS-DPL")],
    files: Annotated[list[Path], typer.Argument(help="The list's official file(s)")],
    label: Annotated[str | None, typer.Option(help="Version label (default: list code + load time)")] = None,
) -> None:
    """Load a list's official file(s) as a new version; a changed format is refused, the old version stays."""
    from smartcustoms.db import unit_of_work
    from smartcustoms.screening.loader import load_files

    with platform_errors(), unit_of_work() as session:
        r = load_files(session, list_code, files, actor="cli", label=label)
    if r.created:
        typer.echo(f"{r.list_code}: version {r.version_label} loaded and active ({r.entry_count} entries, "
                   f"{r.name_count} names)")
    else:
        typer.echo(f"{r.list_code}: content unchanged; version {r.version_label} stays active")


@watchlists_app.command("refresh")
def refresh(
    folder: Annotated[Path | None, typer.Option(help=f"Folder of official files (default ${WATCHLIST_DIR_ENV})")]
    = None,
) -> None:
    """Reload every list found in the folder; unchanged content makes no new version."""
    from smartcustoms.db import unit_of_work
    from smartcustoms.screening.loader import load_files
    from smartcustoms.screening.parsers import formats

    where = folder or (Path(os.environ[WATCHLIST_DIR_ENV]) if os.environ.get(WATCHLIST_DIR_ENV) else None)
    if where is None or not where.is_dir():
        typer.echo(f"error: no folder: pass --folder or set {WATCHLIST_DIR_ENV}", err=True)
        raise typer.Exit(2)
    failed = 0
    for code in formats():
        paths = files_for(where, code)
        if not paths:
            typer.echo(f"{code}: no file in {where}")
            continue
        try:
            with unit_of_work() as session:
                r = load_files(session, code, paths, actor="cli-refresh")
        except SmartCustomsError as exc:
            failed += 1
            typer.echo(f"{code}: REFUSED: {exc.message}", err=True)
            continue
        state = "new version" if r.created else "unchanged"
        typer.echo(f"{code}: {state} {r.version_label} ({r.entry_count} entries) from "
                   f"{', '.join(p.name for p in paths)}")
    if failed:
        raise typer.Exit(2)


@watchlists_app.command("versions")
def versions(list_code: Annotated[str | None, typer.Option("--list")] = None) -> None:
    """Versions of every list, newest first; * marks the active one."""
    from sqlalchemy import select

    from smartcustoms.db import unit_of_work
    from smartcustoms.screening.models import WatchlistVersion

    with unit_of_work() as session:
        stmt = select(WatchlistVersion).order_by(WatchlistVersion.list_code, WatchlistVersion.id.desc())
        if list_code:
            stmt = stmt.where(WatchlistVersion.list_code == list_code.upper())
        rows = list(session.scalars(stmt))
        for v in rows:
            typer.echo(f"{'*' if v.active else ' '} {v.list_code:<9} {v.version_label:<32} {v.entry_count:>6} entries "
                       f"{v.name_count:>6} names  {v.loaded_at:%Y-%m-%d %H:%M} UTC  sha256 {v.sha256[:12]}  "
                       f"{v.loaded_by}")
        if not rows:
            typer.echo("no versions loaded (smartcustoms watchlists load-defaults)")


@watchlists_app.command("load-defaults")
def load_defaults_cmd() -> None:
    """Load the default set shipped with the package (see screening/data/PROVENANCE.md)."""
    from smartcustoms.db import unit_of_work
    from smartcustoms.screening.defaults import load_defaults

    with platform_errors(), unit_of_work() as session:
        for r in load_defaults(session, actor="cli"):
            state = "loaded" if r.created else "unchanged"
            typer.echo(f"{r.list_code}: {state} {r.version_label} ({r.entry_count} entries, {r.name_count} names)")


@watchlists_app.command("build-defaults")
def build_defaults(
    folder: Annotated[Path, typer.Option(help="Folder with the official files")],
    out: Annotated[Path, typer.Option(help="Output .jsonl.gz")],
) -> None:
    """Build the compact default set from official files (maintainers; the package ships the result)."""
    from smartcustoms.screening.defaults import write_defaults
    from smartcustoms.screening.parsers import formats, parse_files

    lists = {}
    with platform_errors():
        for code in formats():
            paths = files_for(folder, code)
            if not paths:
                continue
            stamp = max(datetime.fromtimestamp(p.stat().st_mtime) for p in paths)
            entries = parse_files(code, paths)
            dated = [m.group(0) for p in paths if (m := re.search(r"\d{4}-\d{2}(?:-\d{2})?", p.stem))]
            label = f"{code} default {dated[0] if dated else f'{stamp:%Y-%m-%d}'}"
            lists[code] = (label[:80], entries)
            typer.echo(f"{code}: {len(entries)} entries from {', '.join(p.name for p in paths)}")
        write_defaults(out, lists)
    typer.echo(f"-> {out} ({out.stat().st_size // 1024} KiB)")
