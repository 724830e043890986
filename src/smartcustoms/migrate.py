"""Run Alembic migrations programmatically against an engine."""

from __future__ import annotations

from importlib import resources

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine

from smartcustoms.db import get_engine


def alembic_config() -> Config:
    """Alembic config pointing at the migrations shipped in the package."""
    cfg = Config()
    cfg.set_main_option("script_location", str(resources.files("smartcustoms").joinpath("migrations")))
    return cfg


def upgrade(engine: Engine | None = None, revision: str = "head") -> None:
    """Bring the database schema to `revision`."""
    cfg = alembic_config()
    with (engine or get_engine()).begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def current(engine: Engine | None = None) -> str | None:
    """The revision the database is at."""
    from alembic.runtime.migration import MigrationContext

    with (engine or get_engine()).connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head() -> str | None:
    """The newest revision this version of the package ships."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def known(revision_id: str) -> bool:
    """Whether this version of the package ships the revision (a newer version's is unknown to it)."""
    from alembic.script import ScriptDirectory
    from alembic.util import CommandError

    try:
        return ScriptDirectory.from_config(alembic_config()).get_revision(revision_id) is not None
    except CommandError:
        return False


def behind(engine: Engine | None = None) -> tuple[str | None, str | None] | None:
    """(the database's revision, the package's) when the database is not at the package's head; None when it is."""
    at, newest = current(engine), head()
    return None if at == newest else (at, newest)


def revision(message: str, engine: Engine) -> None:
    """Autogenerate a new revision (developers)."""
    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.revision(cfg, message=message, autogenerate=True)
