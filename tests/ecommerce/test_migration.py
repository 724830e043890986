"""Migration 0003 builds exactly the e-commerce tables the models describe, down and up again."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

import smartcustoms.models_registry  # noqa: F401  (registers every table)
from smartcustoms import migrate
from smartcustoms.db import Base, make_engine

MINE = ("ecommerce_manifests", "ecommerce_consignments", "ecommerce_rejections", "ecommerce_repeats")


def test_models_match_the_migration_and_downgrade_works(new_database_url) -> None:  # type: ignore[no-untyped-def]
    engine = make_engine(new_database_url())
    try:
        migrate.upgrade(engine)
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
        assert [d for d in diff if any(t in str(d) for t in MINE)] == []
        indexes = {i["name"] for i in inspect(engine).get_indexes("ecommerce_consignments")}
        assert {"ix_ecommerce_consignments_split", "ix_ecommerce_consignments_split_group"} <= indexes
        cfg = migrate.alembic_config()
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0002_risk_models")
        assert not set(MINE) & set(inspect(engine).get_table_names())
        migrate.upgrade(engine)
        assert set(MINE) <= set(inspect(engine).get_table_names())
    finally:
        engine.dispose()
