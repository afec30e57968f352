"""``UtcDateTime``: aware values in, naive UTC stored, aware UTC out; NULL stays None."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, select

from storage.db import Database
from storage.models import UtcDateTime

SHANGHAI_NOON = datetime(2026, 11, 26, 12, 0, 0, 123456, tzinfo=ZoneInfo("Asia/Shanghai"))


def test_values_read_back_as_aware_utc_and_null_as_none(database: Database) -> None:
    stmt = select(
        bindparam("at", type_=UtcDateTime()),
        bindparam("none", type_=UtcDateTime()),
    )
    with database.engine.connect() as conn:
        at, none = conn.execute(stmt, {"at": SHANGHAI_NOON, "none": None}).one()
    assert none is None
    assert at == SHANGHAI_NOON and at.tzinfo is UTC
    assert (at.hour, at.microsecond) == (4, 123456)
