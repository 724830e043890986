"""`smartcustoms ecommerce generate`, `ingest`, `submit`, `sweep` and `value-refs`."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path
from typing import IO, Annotated, Any

import httpx
import orjson
import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy import select
from sqlalchemy.orm import Session

from smartcustoms.cli_errors import platform_errors
from smartcustoms.db import get_engine
from smartcustoms.ecommerce import generate as gen
from smartcustoms.ecommerce import parse
from smartcustoms.ecommerce import submit as client
from smartcustoms.ecommerce.bandchart import yen
from smartcustoms.ecommerce.intake import file_chunks, ingest
from smartcustoms.ecommerce.pipeline import Intake
from smartcustoms.errors import FieldError, ValidationFailed
from smartcustoms.identity.models import Trader
from smartcustoms.identity.service import get_trader

app = typer.Typer(help="Low-value e-commerce consignments: synthetic manifests and bulk intake.",
                  no_args_is_help=True)


@app.command("generate")
def generate(
    count: Annotated[int, typer.Option("--count", min=1, max=gen.MAX_COUNT,
                                       help=f"Consignments to generate (at most {gen.MAX_COUNT:,} a file)")],
    out: Annotated[Path, typer.Option("--out", dir_okay=False, help="FILE.jsonl or FILE.csv (format by extension)")],
    seed: Annotated[int, typer.Option("--seed", help="Same seed, same file")] = 0,
) -> None:
    """Write a realistic synthetic manifest with seeded anomalies (ground truth in a field the intake ignores)."""
    fmt = parse.format_of(None, out.name)
    if fmt is None:
        raise typer.BadParameter("the file name must end in .jsonl, .ndjson or .csv", param_hint="--out")
    f = _writable(out, "--out")
    lines = gen.jsonl_lines(count, seed) if fmt == "jsonl" else gen.csv_lines(count, seed)
    with f, _progress() as progress:
        task = progress.add_task("generating", total=count)
        for i, line in enumerate(lines, start=1):
            f.write(line)
            if i % 5000 == 0:
                progress.update(task, completed=i)
        progress.update(task, completed=count)
    typer.echo(f"{count} consignments written to {out} ({fmt}, seed {seed})")


def _writable(path: Path, option: str, mode: str = "wb") -> IO[bytes]:
    """The file opened for writing, or a parameter error naming the option (a missing folder, no permission)."""
    try:
        return path.open(mode)
    except OSError as exc:
        raise typer.BadParameter(f"cannot write {path}: {exc.strerror or exc}", param_hint=option) from None


def _same_file(a: Path, b: Path) -> bool:
    """Whether the two paths name one file (links and relative paths included); False when `a` does not exist."""
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def _submitter(session: Session, code: str | None) -> Trader:
    if code:
        return get_trader(session, code)
    traders = list(session.scalars(select(Trader).where(Trader.active.is_(True)).limit(2)))
    if len(traders) != 1:
        raise ValidationFailed([FieldError("--submitter", "give the submitting trader's code (carrier, postal "
                                                          "operator or platform)", "missing")])
    return traders[0]


@app.command("ingest")
def ingest_command(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True, help="JSON Lines or CSV")],
    submitter: Annotated[str | None, typer.Option("--submitter", help="Trader code of the submitter")] = None,
    results: Annotated[Path | None, typer.Option("--results", dir_okay=False,
                                                 help="Write one result line per consignment (JSON Lines)")] = None,
    fmt: Annotated[str | None, typer.Option("--format", help="jsonl or csv (default: by extension)")] = None,
) -> None:
    """Ingest a manifest: validate, assess, screen, give lanes, store; print a summary."""
    kind = fmt or parse.format_of(None, file.name)
    if kind not in ("jsonl", "csv"):
        raise typer.BadParameter("jsonl or csv (or name the file .jsonl / .csv)", param_hint="--format")
    if results is not None and _same_file(results, file):
        # Emptying the results file would empty the manifest being read (a link to it too).
        raise typer.BadParameter(f"{results} is the manifest being ingested: give another file for the results",
                                 param_hint="--results")
    # The results file is opened before the manifest is, so that a path that cannot be written leaves no manifest
    # behind; for appending, so that an existing file is emptied only once the manifest is open.
    sink: IO[bytes] | None = _writable(results, "--results", "ab") if results else None
    engine = get_engine()
    try:
        with platform_errors():
            with Session(engine) as s:
                trader = _submitter(s, submitter)
                tid, tcode = trader.id, trader.code
            intake = Intake.open(engine, tid, tcode, kind, "cli", file.name)
    except BaseException:
        if sink is not None:
            sink.close()
        raise
    if sink is not None and sink.seekable():
        sink.truncate(0)
    size = os.path.getsize(file)
    done = _Tally(sink)
    shown: list[Any] = []  # (progress, task) while the bar is up

    def on_results(chunk: list[dict[str, Any]]) -> None:
        done.take(chunk)
        if shown:  # the count follows the results (the bar itself follows the bytes read, which run ahead)
            shown[0].update(shown[1], description=f"{done.lines:,} consignments ({done.rejected:,} rejected)")

    try:
        with _progress(bytes_=True) as progress:
            task = progress.add_task(f"manifest {intake.manifest_id}", total=size)
            shown[:] = [progress, task]

            def chunks() -> Any:
                for block in file_chunks(str(file)):
                    yield block
                    progress.update(task, advance=len(block))

            summary = ingest(engine, intake, chunks(), kind, on_results)
            shown.clear()
    finally:
        if sink is not None:
            if "summary" in locals():
                sink.write(orjson.dumps(summary) + b"\n")
            sink.close()
    _print_summary(summary)
    done.print_rejections(results)
    if summary.get("error"):
        raise typer.Exit(2)


REJECTIONS_SHOWN = 10


class _Tally:
    """The results of one intake (or one attempt of a submission) as they come: counted, the first rejected lines
    kept to be shown, each written to the results file when there is one."""

    def __init__(self, sink: IO[bytes] | None) -> None:
        self.sink, self.lines, self.rejected = sink, 0, 0
        self.kept: list[dict[str, Any]] = []

    def take(self, chunk: list[dict[str, Any]]) -> None:
        self.lines += len(chunk)
        for r in chunk:
            if r["result"] == "rejected":
                self.rejected += 1
                if len(self.kept) < REJECTIONS_SHOWN:
                    self.kept.append(r)
        if self.sink is not None:
            self.sink.write(b"".join(orjson.dumps(r) + b"\n" for r in chunk))

    def print_rejections(self, results: Path | None) -> None:
        """The first rejected lines with their first error, so that a run without --results still says which."""
        for r in self.kept:
            first = (r.get("errors") or [{}])[0]
            parcel = f" parcel {r['parcel_id']}" if r.get("parcel_id") else ""
            typer.echo(f"rejected: line {r['line']}{parcel}: {first.get('field')}: {first.get('reason')}", err=True)
        if self.rejected > len(self.kept):
            where = f"every one is in {results}" if results else "--results FILE writes every one"
            typer.echo(f"... and {self.rejected - len(self.kept):,} more rejected line(s): {where}", err=True)


@app.command("submit")
def submit_command(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True, help="JSON Lines or CSV")],
    url: Annotated[str, typer.Option("--url", envvar="SMARTCUSTOMS_URL",
                                     help="The platform's base URL")] = "http://127.0.0.1:8000",
    api_key_env: Annotated[str, typer.Option(
        "--api-key-env", help="Environment variable holding the submitter's API key (never given on the command "
                              "line, where the process list shows it)")] = "SMARTCUSTOMS_API_KEY",
    key: Annotated[str | None, typer.Option("--idempotency-key", help="Default: derived from the file's bytes, so "
                                            "running the command again replays the stored results")] = None,
    results: Annotated[Path | None, typer.Option("--results", dir_okay=False,
                                                 help="Write one result line per consignment (JSON Lines)")] = None,
    fmt: Annotated[str | None, typer.Option("--format", help="jsonl or csv (default: by extension)")] = None,
    retries: Annotated[int, typer.Option("--retries", min=0, help="Attempts after a failed one")] = 8,
    timeout: Annotated[float, typer.Option("--timeout", min=1, help="Seconds to wait for the server to "
                                                                    "answer or read")] = 300.0,
) -> None:
    """Send a manifest to a smartcustoms server as its submitter (a carrier, postal operator or platform): stream
    it, print the summary, and retry a lost connection or a stopped server with the same Idempotency-Key."""
    kind = fmt or parse.format_of(None, file.name)
    if kind not in ("jsonl", "csv"):
        raise typer.BadParameter("jsonl or csv (or name the file .jsonl / .csv)", param_hint="--format")
    api_key = os.environ.get(api_key_env, "").strip()
    if not api_key:
        raise typer.BadParameter(f"set {api_key_env} to the submitter's API key", param_hint="--api-key-env")
    if results is not None and _same_file(results, file):
        raise typer.BadParameter(f"{results} is the manifest being sent: give another file for the results",
                                 param_hint="--results")
    if key is not None and not (1 <= len(key) <= 255 and key.isascii() and key.isprintable()):
        raise typer.BadParameter("1 to 255 printable ASCII characters (an HTTP header)",
                                 param_hint="--idempotency-key")
    if not url.lower().startswith(("http://", "https://")):
        raise typer.BadParameter(f"{url}: an http:// or https:// URL", param_hint="--url")
    sink: IO[bytes] | None = _writable(results, "--results", "ab") if results else None
    idem = key or client.file_key(file, kind)
    size = os.path.getsize(file)
    tally = _Tally(sink)
    err = Console(stderr=True)
    try:
        with _progress(bytes_=True) as progress, httpx.Client(
                base_url=url.rstrip("/"), headers={"Authorization": f"Bearer {api_key}"},
                timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0))) as http:
            task = progress.add_task("sending", total=size)

            def on_start(attempt: int, why: str | None) -> None:
                if why is not None:
                    err.print(f"attempt {attempt - 1} failed: {why}; sending again with the same key")
                nonlocal tally
                tally = _Tally(sink)  # each attempt answers every line from the first
                progress.reset(task, total=size, description=f"attempt {attempt}")
                if sink is not None and sink.seekable():
                    sink.seek(0)
                    sink.truncate(0)
                elif sink is not None and attempt > 1:  # a pipe: a line says the ones after it replace those before
                    sink.write(orjson.dumps({"result": "retry", "attempt": attempt, "reason": why}) + b"\n")

            def on_results(chunk: list[dict[str, Any]]) -> None:
                tally.take(chunk)
                progress.update(task, description=f"{tally.lines:,} results ({tally.rejected:,} rejected)")

            with platform_errors():
                try:
                    done = client.submit(http, file, kind, idem, on_start=on_start, on_results=on_results,
                                         on_sent=lambda n: progress.update(task, advance=n), retries=retries)
                except client.SubmitError as exc:
                    typer.echo(f"error: {exc}", err=True)
                    raise typer.Exit(1) from None
        if sink is not None:
            sink.write(orjson.dumps(done.summary) + b"\n")
    finally:
        if sink is not None:
            sink.close()
    if done.replayed:
        typer.echo(f"replayed: manifest {done.manifest_id} was taken in before with this key; these are its stored "
                   "results (nothing was recorded again)", err=True)
    elif done.retry_of:
        typer.echo(f"manifest {done.manifest_id} takes over from {done.retry_of}, which was cut short", err=True)
    _print_summary(done.summary)
    tally.print_rejections(results)
    if done.summary.get("error"):
        raise typer.Exit(2)


@app.command("sweep")
def sweep(
    after_minutes: Annotated[int | None, typer.Option(
        "--after-minutes", min=1, help="Silence after which a manifest still receiving counts as interrupted "
                                       "(default: SMARTCUSTOMS_ECOMMERCE_INTERRUPTED_AFTER_MINUTES, 30)")] = None,
) -> None:
    """Mark manifests whose intake stopped without an end (server killed, connection lost) as interrupted, and
    remove the Idempotency-Keys older than SMARTCUSTOMS_ECOMMERCE_IDEMPOTENCY_KEY_DAYS (30; 0 keeps them). The
    server does both by itself; this is for cron when SMARTCUSTOMS_HOUSEKEEPING is off."""
    from datetime import timedelta

    from smartcustoms.db import utcnow
    from smartcustoms.ecommerce import key_expiry
    from smartcustoms.ecommerce.config import get_ecommerce_settings
    from smartcustoms.ecommerce.stale import mark_interrupted

    settings = get_ecommerce_settings()
    minutes = after_minutes or settings.interrupted_after_minutes
    with platform_errors(), Session(get_engine()) as s, s.begin():
        now = utcnow()
        done = mark_interrupted(s, now, timedelta(minutes=minutes), actor="cli")
        days = settings.idempotency_key_days
        expired = key_expiry.expire(s, now, days).line(days) if days else "Idempotency-Keys kept (no expiry set)"
    for mid in done:
        typer.echo(f"interrupted: {mid}")
    typer.echo(f"{len(done)} manifest(s) marked interrupted (nothing committed for {minutes} min or more)")
    typer.echo(expired)


@app.command("value-refs")
def value_refs(
    until: Annotated[datetime | None, typer.Option(
        "--until", formats=["%Y-%m-%d"], help="Last Japanese date of the window (default: today in Japan)")] = None,
    days: Annotated[int | None, typer.Option(
        "--days", min=1, max=3660, help="Days in the window (default: SMARTCUSTOMS_ECOMMERCE_VALUE_REF_DAYS, 90)")
    ] = None,
) -> None:
    """Recompute the reference unit values per HS subheading that the intake's undervaluation signal compares
    goods lines with, from the consignments stored in the window (the server also runs it daily by itself).
    Exit 1 when the window gives no band: the stored bands then stay."""
    from smartcustoms.db import utcnow
    from smartcustoms.declarations.flows import declaration_date
    from smartcustoms.ecommerce.config import get_ecommerce_settings
    from smartcustoms.ecommerce.valueref_service import compute, save, stored_window
    from smartcustoms.risk.model_cli import progress_bar

    settings = get_ecommerce_settings()
    today = declaration_date(utcnow())
    last = until.date() if until is not None else today
    if last > today:
        raise typer.BadParameter(f"{last} is after today in Japan ({today}): no parcel was received then",
                                 param_hint="--until")
    engine = get_engine()
    # Read in one transaction, store in a short one (a refresh reads up to a million consignments).
    with platform_errors(), Session(engine) as s, progress_bar("value references") as progress:
        done = compute(s, last, days or settings.value_ref_days, settings.value_ref_min_lines,
                       settings.value_ref_sample, settings.value_ref_max_consignments, progress=progress)
    with platform_errors(), Session(engine) as s, s.begin():
        stored = save(s, done.bands, done.window_from, done.window_to, actor="cli")
        kept = stored_window(s)
    every = f", every {done.step}th line of each manifest" if done.step > 1 else ""
    table = Table(title=f"reference unit values {done.window_from} to {done.window_to}: {done.consignments:,} "
                        f"consignments read in {done.manifests:,} manifests{every}, {done.lines:,} goods lines "
                        f"({done.skipped:,} left out: no HS code, no weekly rate, nil quantity or value)")
    for col, justify in (("HS", "left"), ("unit", "left"), ("lines", "right"), ("in the sample", "right"),
                         ("median a unit", "right"), ("flagged below", "right")):
        table.add_column(col, justify=justify)  # type: ignore[arg-type]
    cut = settings.undervaluation_z
    for b in done.bands:
        table.add_row(b.hs6, b.unit, f"{b.lines_seen:,}", f"{b.lines:,}", yen(b.median_yen), yen(b.cut_jpy(cut)))
    Console().print(table)
    if stored:
        typer.echo(f"{len(done.bands)} band(s) stored (at least {settings.value_ref_min_lines} lines each); the next "
                   "manifests are compared with them")
        return
    held = ("none are stored: no goods line is judged" if kept is None else
            f"the {kept[3]} band(s) stored from {kept[0]} to {kept[1]} (computed {kept[2]:%Y-%m-%d %H:%M} UTC) stay")
    typer.echo(f"no subheading has {settings.value_ref_min_lines} lines in the window: nothing stored; {held}",
               err=True)
    raise typer.Exit(1)


def _progress(bytes_: bool = False) -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn() if not bytes_ else
                    TextColumn("{task.percentage:>3.0f}%"), TimeElapsedColumn(), console=Console(stderr=True))


def _print_summary(s: dict[str, Any]) -> None:
    table = Table(title=f"manifest {s['manifest_id']}: {s['status']}", show_header=False)
    table.add_column("")
    table.add_column("", justify="right")
    for label, value in (("lines with a result", s["lines"]), ("accepted", s["accepted"]),
                         ("rejected", s["rejected"]), ("repeats (already stored)", s["repeats"]),
                         ("lane 1 (released)", s["lanes"]["1"]), ("lane 2 (documents)", s["lanes"]["2"]),
                         ("lane 3 (inspection)", s["lanes"]["3"]), ("value ¥", f"{s['value_jpy']:,}"),
                         ("duty ¥", f"{s['duty_jpy']:,}"), ("duty + consumption tax ¥", f"{s['tax_jpy']:,}")):
        table.add_row(label, str(value))
    Console().print(table)
    if s.get("error"):
        typer.echo(f"error: {s['error']['field']}: {s['error']['reason']}", err=True)
