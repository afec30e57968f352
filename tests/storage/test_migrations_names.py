"""Constraint and index names: the models' naming convention and the migrations agree.

The convention lives on the tables' own MetaData (``storage.models.METADATA``), not on
SQLModel's process-wide one; these tests fail when either side loses it.
"""

from __future__ import annotations

from sqlalchemy import (
    ForeignKeyConstraint,
    MetaData,
    PrimaryKeyConstraint,
    UniqueConstraint,
    inspect,
)
from sqlmodel import SQLModel

from storage.db import Database
from storage.models import METADATA, NAMING_CONVENTION, SOURCE_MSG_UNIQUE, Ticket
from storage.search import PG_INDEX

Name = tuple[str, str, str | None]  # table, kind of object, name
KINDS = (ForeignKeyConstraint, PrimaryKeyConstraint, UniqueConstraint)


def model_names() -> set[Name]:
    """Every constraint and index name the models would create."""
    names: set[Name] = set()
    for table in METADATA.tables.values():
        for c in table.constraints:
            if isinstance(c, KINDS):
                names.add((table.name, type(c).__name__, c.name))  # type: ignore[arg-type]
        names |= {(table.name, "Index", index.name) for index in table.indexes}
    return names


def database_names(db: Database) -> set[Name]:
    """The same names, as the migrated database reports them."""
    inspector = inspect(db.engine)
    names: set[Name] = set()
    for table in METADATA.tables:
        pk = inspector.get_pk_constraint(table).get("name")
        # SQLite forgets a primary key's name when a migration rebuilds the table (tickets).
        if pk is not None or db.engine.dialect.name != "sqlite":
            names.add((table, "PrimaryKeyConstraint", pk))
        names |= {
            (table, "UniqueConstraint", u["name"]) for u in inspector.get_unique_constraints(table)
        }
        names |= {
            (table, "ForeignKeyConstraint", f["name"]) for f in inspector.get_foreign_keys(table)
        }
        for index in inspector.get_indexes(table):
            if not index.get("duplicates_constraint") and index["name"] != PG_INDEX:
                names.add((table, "Index", index["name"]))
    return names


def test_models_name_everything_as_the_migrations_did(database: Database) -> None:
    in_db = database_names(database)
    expected = model_names()
    if database.engine.dialect.name == "sqlite":
        expected = {n for n in expected if n[1] != "PrimaryKeyConstraint" or n in in_db}
    assert expected == in_db
    assert ("tickets", "UniqueConstraint", SOURCE_MSG_UNIQUE) in in_db


def test_the_convention_is_ours_and_sqlmodels_metadata_is_untouched() -> None:
    assert Ticket.metadata is METADATA and METADATA.naming_convention == NAMING_CONVENTION
    # Importing storage.models registers nothing on, and changes nothing in, SQLModel's own.
    assert SQLModel.metadata.naming_convention == MetaData().naming_convention
    assert not set(SQLModel.metadata.tables) & set(METADATA.tables)
