"""Thousands of ids bound as one value: ``column IN (the ids)`` without a placeholder per id.

An expanding ``IN`` renders a placeholder for each id and binds each separately, so a
statement over a sweep's thousands of rows cost more in SQLAlchemy than in the database, and
SQLite prepared its text anew for every count. Here the ids are one parameter (a JSON array
read by ``json_each`` on SQLite, an array compared with ``= ANY`` on PostgreSQL): the
statement's text is the same however many ids there are.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from typing import Any

from sqlalchemy import BigInteger, ColumnElement, Dialect, String, any_, bindparam, func
from sqlalchemy import select as select_columns
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.sql.elements import literal_column
from sqlalchemy.types import TypeDecorator, TypeEngine


class IdList(TypeDecorator[Collection[int]]):
    """Integer ids bound as one value: JSON text on SQLite, a BIGINT array on PostgreSQL."""

    impl = String
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        """An array where the database has arrays, else the JSON text."""
        if dialect.name == "postgresql":
            return dialect.type_descriptor(ARRAY(BigInteger()))
        return dialect.type_descriptor(String())

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        """The ids as the dialect reads them."""
        if value is None:
            raise ValueError("an id list is required (an empty one matches nothing)")
        ids = list(value)
        return ids if dialect.name == "postgresql" else json.dumps(ids)


def in_ids(column: ColumnElement[Any], dialect: str, name: str = "ids") -> ColumnElement[bool]:
    """``column`` is one of the ids bound as ``name`` (a collection of ints) on ``dialect``."""
    ids = bindparam(name, type_=IdList())
    if dialect == "postgresql":
        return column == any_(ids)
    listed = select_columns(literal_column("value", BigInteger())).select_from(func.json_each(ids))
    return column.in_(listed.scalar_subquery())
