"""Digests of every table's rows: the row-pinning tests compare them before and after a
speed-up (tests/handlers/test_intake_rows.py, tests/handlers/followups/test_sweep_rows.py)."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from storage.db import Database
from storage.models import METADATA
from tests.support.harness import EXAMPLE_CONFIG


def _value(v: Any) -> str:
    if isinstance(v, datetime):
        return (v.astimezone(UTC) if v.tzinfo else v).isoformat()
    return repr(v)


def table_digests(db: Database) -> dict[str, str]:
    """A digest of every table's rows, in primary-key order, by table name.

    Values are read typed through the schema, so SQLite and PostgreSQL give the same digests;
    the config file's path (kept in ``directory_imports.source``) is written without the
    checkout's directory, so a digest holds in any clone.
    """
    digests = {}
    with db.engine.connect() as conn:
        for table in METADATA.sorted_tables:
            order = list(table.primary_key.columns) or list(table.columns)
            rows = conn.execute(select(table).order_by(*order)).all()
            text = "\n".join("\t".join(_value(v) for v in row) for row in rows)
            text = text.replace(str(EXAMPLE_CONFIG), "config.example.toml")
            digests[table.name] = f"{len(rows)}:{hashlib.sha256(text.encode()).hexdigest()[:16]}"
    return digests
