"""Alembic migrations, shipped inside the package so `smartcustoms db upgrade` works from any install."""
