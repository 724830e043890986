"""The migrations build exactly the tables, columns and indexes the models describe, and each step of the chain
goes down (its tables gone) and up again."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

import smartcustoms.models_registry  # noqa: F401  (registers every table)
from smartcustoms import migrate
from smartcustoms.db import Base, make_engine

# (revision, the revision before it, the tables it creates)
STEPS = [
    ("0003_ecommerce", "0002_risk_models",
     ("ecommerce_manifests", "ecommerce_consignments", "ecommerce_rejections", "ecommerce_repeats")),
    ("0004_watchlists", "0003_ecommerce", ("watchlist_versions", "watchlist_entries", "screening_records")),
    ("0005_exports", "0004_watchlists",
     ("export_declarations", "export_declaration_lines", "export_hits", "export_declaration_status_changes",
      "screening_false_positives")),
    ("0006_travellers", "0005_exports", ("passenger_declarations", "gate_decisions")),
    ("0007_payments", "0006_travellers",
     ("payment_orders", "payment_events", "payment_refunds", "payment_reconciliations", "mop_declarations",
      "mop_items")),
    ("0008_rates_valid_to", "0007_payments", ()),  # an index only: see the test below
]


def test_models_match_the_migrations(new_database_url: Callable[[], str]) -> None:
    engine = make_engine(new_database_url())
    try:
        migrate.upgrade(engine)
        with engine.connect() as conn:
            assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
        assert {t.name for t in Base.metadata.sorted_tables} <= set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


@pytest.mark.parametrize(("revision", "previous", "tables"), STEPS, ids=[s[0] for s in STEPS])
def test_step_goes_down_and_up(new_database_url: Callable[[], str], revision: str, previous: str,
                               tables: tuple[str, ...]) -> None:
    engine = make_engine(new_database_url())
    try:
        migrate.upgrade(engine, revision)
        assert set(tables) <= set(inspect(engine).get_table_names())
        cfg = migrate.alembic_config()
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, previous)
        assert not set(tables) & set(inspect(engine).get_table_names())
        migrate.upgrade(engine)
        assert set(tables) <= set(inspect(engine).get_table_names())
        assert migrate.current(engine) == STEPS[-1][0]
    finally:
        engine.dispose()


def test_the_rates_end_date_index_goes_down_and_up(new_database_url: Callable[[], str]) -> None:
    engine = make_engine(new_database_url())

    def indexes() -> set[str]:
        return {i["name"] for i in inspect(engine).get_indexes("exchange_rates") if i["name"]}

    try:
        migrate.upgrade(engine)
        assert "ix_exchange_rates_valid_to" in indexes()
        cfg = migrate.alembic_config()
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0007_payments")
        assert "ix_exchange_rates_valid_to" not in indexes() and "ix_exchange_rates_currency" in indexes()
        migrate.upgrade(engine)
        assert "ix_exchange_rates_valid_to" in indexes()
    finally:
        engine.dispose()
