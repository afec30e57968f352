"""Test databases: a temporary SQLite file, or a throwaway schema on a real PostgreSQL server.

PostgreSQL isolation: every test gets a schema of its own (``lf_test_<pid>_<random>``), made
the connection's only ``search_path`` entry through libpq ``options``, so the migrations build
the tables (and ``alembic_version``) there. The schema is dropped afterwards. Nothing touches
``public``, so concurrent test runs against one server cannot disturb each other.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import create_engine
from sqlalchemy.pool import NullPool

from storage.db import Database, normalise_url
from storage.models import Community, Ticket

POSTGRES_ENV = "LIUFANG_TEST_POSTGRES_URL"
POSTGRES_SKIP_REASON = "set LIUFANG_TEST_POSTGRES_URL to run PostgreSQL storage tests"
SHANGHAI = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 11, 26, 9, 0, tzinfo=SHANGHAI)


def postgres_url() -> str | None:
    """The PostgreSQL server to test against, or None when none is configured."""
    return os.environ.get(POSTGRES_ENV) or None


@contextmanager
def sqlite_db(directory: Path, *, upgrade: bool = True) -> Iterator[Database]:
    """A Database on a fresh SQLite file under ``directory`` (in a subfolder upgrade creates)."""
    db = Database(f"sqlite:///{directory / 'db' / 'liufang.db'}")
    try:
        if upgrade:
            db.upgrade()
        yield db
    finally:
        db.dispose()


@contextmanager
def postgres_db(base_url: str, *, upgrade: bool = True) -> Iterator[Database]:
    """A Database confined to a new, empty schema on ``base_url``; dropped on exit."""
    schema = f"lf_test_{os.getpid()}_{uuid.uuid4().hex[:12]}"
    base = normalise_url(base_url)
    admin = create_engine(base, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    options = f"{base.query.get('options', '')} -csearch_path={schema}".strip()
    url = base.update_query_dict({"options": options})
    db = Database(url.render_as_string(hide_password=False))
    try:
        if upgrade:
            db.upgrade()
        yield db
    finally:
        db.dispose()
        with admin.connect() as conn:
            # A connection a failed test leaked could hold locks: fail loudly, never hang.
            conn.exec_driver_sql("SET lock_timeout = '10s'")
            conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        admin.dispose()


def community(code: str = "c1", name: str = "幸福里社区") -> Community:
    """A community row for tests."""
    return Community(code=code, name=name, district="示例区")


def seed_community(db: Database, code: str = "c1", name: str = "幸福里社区") -> None:
    """Commit one community, which tickets need for their foreign key."""
    with db.session() as session:
        session.add(community(code, name))
        session.commit()


def ticket(source_msg_id: str, *, at: datetime = T0, **overrides: Any) -> Ticket:
    """A plausible small-matter ticket from a grid group; override any field."""
    fields: dict[str, Any] = {
        "community_code": "c1",
        "grid": "一网格",
        "room_id": "room-grid-1",
        "reporter_id": "wxid_resident",
        "reporter_name": "王阿姨",
        "text": "3栋2单元门口的路灯坏了，晚上很黑",
        "klass": "small",
        "category": "facility",
        "route": "online",
        "location": "3栋2单元",
        "responsible": "property",
        "cues": "路灯|坏了",
        "created_at": at,
        "updated_at": at,
        "source_msg_id": source_msg_id,
    }
    fields.update(overrides)
    return Ticket(**fields)
