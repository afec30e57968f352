"""Schema migrations and engine settings, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Column, Integer, MetaData, inspect
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from storage.db import Database, alembic_config, normalise_url, redact_url
from storage.models import METADATA, Community, Group
from storage.search import include_name, is_search_index_table
from tests.support.db import community


def _diffs(db: Database, metadata: MetaData = METADATA) -> list[object]:
    """What autogenerate would change to make the database match ``metadata``."""
    with db.engine.connect() as conn:
        # The search index (FTS tables, GIN expression index) has no model: leave it out.
        opts = {"compare_type": True, "include_name": include_name}
        context = MigrationContext.configure(conn, opts=opts)
        return list(compare_metadata(context, metadata))


def test_fresh_upgrade_builds_exactly_the_models(blank_database: Database) -> None:
    assert blank_database.revision() is None
    blank_database.upgrade()
    assert blank_database.revision() == Database.head_revision()
    tables = set(inspect(blank_database.engine).get_table_names())
    tables = {name for name in tables if not is_search_index_table(name)}
    assert tables == set(METADATA.tables) | {"alembic_version"}
    assert _diffs(blank_database) == []


def test_comparison_would_notice_a_difference(database: Database) -> None:
    # Guards the test above: compare_metadata must not be blind on this backend.
    extra = MetaData()
    for table in METADATA.tables.values():
        table.to_metadata(extra)
    extra.tables["outbox"].append_column(Column("priority", Integer, nullable=True))
    assert [d[0] for d in _diffs(database, extra)] == ["add_column"]


def test_upgrade_twice_keeps_data(database: Database) -> None:
    with database.session() as session:
        session.add(community())
        session.commit()
    database.upgrade()
    assert database.revision() == Database.head_revision()
    with database.session() as session:
        assert [c.code for c in session.exec(select(Community)).all()] == ["c1"]
    assert _diffs(database) == []


def test_downgrade_to_base_and_back(database: Database) -> None:
    config = alembic_config()
    with database.engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "base")
    assert set(inspect(database.engine).get_table_names()) <= {"alembic_version"}
    database.upgrade()
    assert _diffs(database) == []


def test_foreign_keys_are_enforced(database: Database) -> None:
    with database.session() as session:
        session.add(Group(room_id="r1", topic="群", kind="grid", community_code="nowhere"))
        with pytest.raises(IntegrityError):
            session.commit()


def test_sqlite_pragmas_on_every_connection(sqlite_database: Database) -> None:
    expected = {"journal_mode": "wal", "synchronous": 1, "foreign_keys": 1, "busy_timeout": 5000}
    # Raw connections, both open at once: two distinct pool connections, and no transaction
    # (on SQLite a transaction takes the write lock, so the second would wait for the first).
    connections = [sqlite_database.engine.raw_connection() for _ in range(2)]
    try:
        for conn in connections:
            for pragma, value in expected.items():
                row = conn.cursor().execute(f"PRAGMA {pragma}").fetchone()
                assert row is not None and row[0] == value, pragma
    finally:
        for conn in connections:
            conn.close()


def test_sqlite_upgrade_creates_the_directory(tmp_path: Path) -> None:
    target = tmp_path / "a" / "b" / "liufang.db"
    db = Database(f"sqlite:///{target}")
    try:
        db.upgrade()
    finally:
        db.dispose()
    assert target.is_file()


def test_in_memory_sqlite_is_shared_by_sessions() -> None:
    db = Database("sqlite://")
    try:
        db.upgrade()
        with db.session() as session:
            session.add(community())
            session.commit()
        with db.session() as session:
            assert session.get(Community, "c1") is not None
    finally:
        db.dispose()


@pytest.mark.parametrize(
    ("given", "driver"),
    [
        ("postgres://u:pw@h/db", "postgresql+psycopg"),
        ("postgresql://u:pw@h/db", "postgresql+psycopg"),
        ("postgresql+psycopg://u:pw@h/db", "postgresql+psycopg"),
        ("sqlite:///data/liufang.db", "sqlite"),
    ],
)
def test_url_spellings(given: str, driver: str) -> None:
    assert normalise_url(given).drivername == driver
    assert Database(given).dialect == ("sqlite" if driver == "sqlite" else "postgresql")


def test_unsupported_url_is_refused() -> None:
    with pytest.raises(ValueError, match="unsupported"):
        normalise_url("mysql://u:pw@h/db")


@pytest.mark.parametrize(
    "url",
    [
        "postgresql+psycopg://user:s3cret@db.example:5432/liufang",
        "postgres://user:s3cret@db.example/liufang",
        "postgresql://user@db.example/liufang?password=s3cret",
        "not a url but ://user:s3cret@host",
    ],
)
def test_redact_url_hides_passwords(url: str) -> None:
    shown = redact_url(url)
    assert "s3cret" not in shown
    assert "user" in shown


def test_database_repr_hides_the_password() -> None:
    db = Database("postgresql://user:s3cret@db.example/liufang")
    assert "s3cret" not in repr(db)
    assert db.url == "postgresql+psycopg://user:s3cret@db.example/liufang"
