"""`smartcustoms risk ...`: train, score, evaluate, register / activate / roll back model versions."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from smartcustoms.cli_errors import platform_errors
from smartcustoms.db import unit_of_work
from smartcustoms.risk import registry

app = typer.Typer(help="Risk models: train, score, evaluate, register, activate, roll back, simulate, lists.",
                  no_args_is_help=True)

ExistingFile = Annotated[Path, typer.Option(exists=True, dir_okay=False, readable=True)]
ExistingDir = Annotated[Path, typer.Option(exists=True, file_okay=False, readable=True)]


@contextmanager
def progress_bar(label: str) -> Iterator[Callable[[str, float], None]]:
    """A progress bar on stderr fed with (stage, fraction done) callbacks."""
    with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.percentage:>3.0f}%"),
                  TimeElapsedColumn(), transient=False) as bar:
        task = bar.add_task(label, total=1.0)

        def update(stage: str, done: float) -> None:
            bar.update(task, description=f"{label}: {stage}", completed=max(0.0, min(1.0, done)))

        yield update
        bar.update(task, completed=1.0)


def _frame(data: list[Path], from_db: bool, since: datetime | None, until: datetime | None,
           require_labels: bool) -> Any:
    import pandas as pd

    from smartcustoms.risk.ml import dataset
    from smartcustoms.risk.platform_data import training_records

    frames = []
    if data:
        frames.append(dataset.read_declarations(data, require_labels=require_labels))
    if from_db:
        with unit_of_work() as session:
            records = list(training_records(session, since.date() if since else None,
                                            until.date() if until else None))
        typer.echo(f"{len(records)} labelled line(s) from the platform's inspection results", err=True)
        if records:
            frames.append(dataset.from_records(records, require_labels=require_labels))
    if not frames:
        raise typer.BadParameter("give --data FILE and/or --from-db (with inspection results in the database)")
    return pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]


@app.command("train")
def train(
    out: Annotated[Path, typer.Option(help="Directory to write the model version into")],
    data: Annotated[
        list[Path] | None, typer.Option(exists=True, dir_okay=False, help="Labelled CSV (repeatable)")
    ] = None,
    from_db: Annotated[bool, typer.Option("--from-db", help="Add the platform's inspected declarations")] = False,
    since: Annotated[datetime | None, typer.Option(formats=["%Y-%m-%d"], help="--from-db: from date")] = None,
    until: Annotated[datetime | None, typer.Option(formats=["%Y-%m-%d"], help="--from-db: to date")] = None,
    seed: int = 0,
) -> None:
    """Train a fraud model from declarations with outcomes (files in the public data set's layout and/or the DB)."""
    from smartcustoms.risk.ml import train as trainer

    with platform_errors():
        frame = _frame(list(data or []), from_db, since, until, require_labels=True)
        with progress_bar("training") as progress:
            model = trainer.train(frame, progress=progress, seed=seed)
        model.save(out)
    meta = json.loads((out / "metadata.json").read_text(encoding="utf-8"))
    typer.echo(f"model {meta.get('version')} written to {out} ({len(frame)} rows)")


@app.command("score")
def score(
    model: ExistingDir, data: ExistingFile,
    out: Annotated[Path, typer.Option(help="CSV to write: declaration_id,score")],
) -> None:
    """Score declarations in a file; one row per declaration, higher = more likely fraud."""
    from smartcustoms.risk.ml import artifact, dataset

    with platform_errors():
        loaded = artifact.load(model)
        with progress_bar("scoring") as progress:
            progress("reading", 0.1)
            frame = dataset.read_declarations([data], require_labels=False)
            progress("scoring", 0.5)
            scores = loaded.score_frame(frame)
    with out.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["declaration_id", "score"])
        for did, sc in zip(frame["declaration_id"], scores, strict=True):
            w.writerow([did, f"{float(sc):.6f}"])
    typer.echo(f"{len(frame)} declaration(s) scored into {out}", err=True)


@app.command("evaluate")
def evaluate(model: ExistingDir, data: ExistingFile) -> None:
    """Precision and recall at 1/2/5/10% inspected, AUC, critical recall and revenue captured on labelled data."""
    from smartcustoms.risk.ml import artifact, dataset, metrics

    with platform_errors():
        loaded = artifact.load(model)
        frame = dataset.read_declarations([data], require_labels=True)
        figures = metrics.evaluate(loaded.score_frame(frame), frame)
    typer.echo(json.dumps({"model": loaded.version, "rows": len(frame), **figures}, indent=2, default=str))


@app.command("register")
def register(
    directory: Annotated[Path, typer.Argument(exists=True, file_okay=False)],
    lane3_share: Annotated[str | None, typer.Option(help="Top share of scores sent to lane 3, e.g. 0.02")] = None,
    lane2_share: Annotated[str | None, typer.Option(help="Next share sent to lane 2, e.g. 0.08")] = None,
) -> None:
    """Register a model version (checked against the code's features, copied under models_dir)."""
    with platform_errors(), unit_of_work() as session:
        row = registry.register(session, directory, "cli", _dec(lane3_share), _dec(lane2_share))
        version = row.version
    typer.echo(f"registered {version}; activate it with `smartcustoms risk activate {version}`")


@app.command("activate")
def activate(
    version: str,
    lane3_share: Annotated[str | None, typer.Option(help="Top share of scores sent to lane 3")] = None,
    lane2_share: Annotated[str | None, typer.Option(help="Next share sent to lane 2")] = None,
) -> None:
    """Make a registered version the one that scores new declarations."""
    with platform_errors(), unit_of_work() as session:
        row = registry.activate(session, version, "cli", _dec(lane3_share), _dec(lane2_share))
        shares = (row.lane3_share, row.lane2_share)
    typer.echo(f"{version} active (lane 3: top {shares[0]}, lane 2: next {shares[1]})")


@app.command("rollback")
def rollback() -> None:
    """Re-activate the version that was active before the current one."""
    with platform_errors(), unit_of_work() as session:
        version = registry.rollback(session, "cli").version
    typer.echo(f"rolled back: {version} active")


@app.command("deactivate")
def deactivate() -> None:
    """No active model: lanes come from the selectivity rules only."""
    with unit_of_work() as session:
        registry.deactivate(session, "cli")
    typer.echo("no active risk model: lanes from rules only")


@app.command("models")
def models() -> None:
    """List registered versions."""
    with unit_of_work() as session:
        rows = registry.list_versions(session)
        if not rows:
            typer.echo("No model registered: `smartcustoms risk train` trains one, `risk register` adds a trained one.",
                       err=True)
        for row in rows:
            period = row.model_metadata.get("training_period", {})
            typer.echo(f"{row.version}\t{'ACTIVE' if row.active else '-'}\tlane3={row.lane3_share}\t"
                       f"lane2={row.lane2_share}\t{period}\t{row.path}")


def _dec(text: str | None) -> Decimal | None:
    if text is None:
        return None
    try:
        return Decimal(text)
    except ArithmeticError:
        raise typer.BadParameter(f"{text!r} is not a number") from None


@app.command("simulate")
def simulate(
    history: Annotated[list[Path], typer.Option(exists=True, dir_okay=False, help="Labelled data known at the start")],
    period: Annotated[Path, typer.Option(exists=True, dir_okay=False, help="Labelled data of the simulated weeks")],
    strategy: Annotated[list[str] | None, typer.Option(
        help="'exploit' or METHOD:SHARE with METHOD random|uncertainty|diversity (repeatable)")] = None,
    budget: Annotated[float, typer.Option(help="Share of each week's declarations inspected")] = 0.05,
    trainer: Annotated[str, typer.Option(help="lookup (fast, refit weekly) or model (boosted trees, slow)")] = "lookup",
    weeks: Annotated[int | None, typer.Option(help="Simulate only the first N weeks")] = None,
    seed: int = 0,
    out: Annotated[Path | None, typer.Option(help="Write per-week figures to this CSV")] = None,
) -> None:
    """Weekly selection where only inspected declarations reveal their outcome; compares strategies."""
    from smartcustoms.risk import simulate as sim
    from smartcustoms.risk.ml import dataset

    with platform_errors():
        try:
            specs = [sim.parse_strategy(s) for s in strategy] if strategy else list(sim.DEFAULT_STRATEGIES)
            known = dataset.read_declarations(history, require_labels=True)
            weeks_frame = dataset.read_declarations([period], require_labels=True)
            if trainer not in ("lookup", "model"):
                raise typer.BadParameter("--trainer lookup or model")
            chosen_trainer: sim.Trainer = sim.LookupTrainer() if trainer == "lookup" else sim.ModelTrainer(seed=seed)
            with Progress(TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn()) as bar:
                task = bar.add_task("simulating", total=len(specs))

                def step(name: str, n: int, total: int) -> None:
                    bar.update(task, description=f"simulating {name}: week {n}/{total}",
                               completed=specs.index(next(s for s in specs if s.name == name)) + n / total)

                result = sim.run(known, weeks_frame, specs, budget_share=budget, trainer=chosen_trainer, weeks=weeks,
                                 seed=seed, progress=step)
        except ValueError as exc:  # strategy, budget and week arguments
            raise typer.BadParameter(str(exc)) from exc
    typer.echo(result.table())
    if out:
        result.to_csv(out)
        typer.echo(f"per-week figures written to {out}", err=True)


LISTS = ("audit-candidates", "undervaluation", "inspection-candidates")


@app.command("list")
def export_list(
    name: Annotated[str, typer.Argument(help=f"one of {', '.join(LISTS)}")],
    out: Annotated[Path, typer.Option(help="CSV file to write (UTF-8 with BOM, opens in Excel)")],
    since: Annotated[datetime, typer.Option(formats=["%Y-%m-%d"], help="Period start (declaration date)")],
    until: Annotated[datetime, typer.Option(formats=["%Y-%m-%d"], help="Period end (inclusive)")],
) -> None:
    """Export an officers' list: post-clearance audit candidates, undervaluation signals, inspection candidates."""
    from smartcustoms.risk import csvout, lists, lists_service

    if name not in LISTS:
        raise typer.BadParameter(f"one of {', '.join(LISTS)}")
    start, end = since.date(), until.date()
    with unit_of_work() as session:
        rows: list[Any]
        row_type: type[Any]
        if name == "audit-candidates":
            rows, row_type = lists_service.audit_candidates(session, start, end), lists.AuditCandidate
        elif name == "undervaluation":
            rows, row_type = lists_service.undervaluation_signals(session, start, end), lists.UndervaluationSignal
        else:
            rows, row_type = lists_service.inspection_candidates(session, start, end), lists.InspectionCandidate
    out.write_bytes(csvout.to_bytes(row_type, rows))
    typer.echo(f"{len(rows)} row(s) written to {out}")
