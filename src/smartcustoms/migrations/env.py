"""Alembic environment: runs on the connection the platform hands it (see migrate.py)."""

from __future__ import annotations

from alembic import context

import smartcustoms.models_registry  # noqa: F401  (registers every table)
from smartcustoms.db import Base

config = context.config
connection = config.attributes.get("connection")
if connection is None:  # pragma: no cover - always called through smartcustoms.migrate
    raise RuntimeError("run migrations with `smartcustoms db upgrade`")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
