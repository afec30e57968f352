"""Alembic environment: runs on the connection Database.upgrade() hands over.

It also works from the ``alembic`` command line when ``sqlalchemy.url`` is set, which is how a
developer autogenerates the draft of a new revision (always review and hand-edit it).
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from storage.models import METADATA  # every table (audit and volunteer ones included)
from storage.search import include_name

config = context.config
target_metadata = METADATA


def _configure(connection: Connection) -> None:
    """Configure the migration context for one live connection."""
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        # SQLite cannot ALTER most things: batch mode rebuilds the table instead.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        # Autogenerate must not propose dropping the FTS5 tables or the GIN index of 0003.
        include_name=include_name,
    )


def run_offline() -> None:
    """Emit the SQL for a URL without connecting (``alembic upgrade head --sql``)."""
    url = config.get_main_option("sqlalchemy.url")
    context.configure(
        url=url,
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=bool(url and url.startswith("sqlite")),
        include_name=include_name,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    """Migrate through the caller's connection, or one made from ``sqlalchemy.url``."""
    connection = config.attributes.get("connection")
    if connection is not None:
        # The caller owns the transaction (and, on SQLite, the foreign-key pragma around it).
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()
        return
    from storage.db import Database  # the same engine settings as the application

    database = Database(config.get_main_option("sqlalchemy.url") or "")
    try:
        database.ensure_sqlite_directory()
        with database.engine.begin() as conn:
            _configure(conn)
            context.run_migrations()
    finally:
        database.dispose()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
