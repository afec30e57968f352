"""``UtcDateTime``: aware values in, naive UTC stored, aware UTC out; NULL stays None."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import bindparam, select
from sqlalchemy.dialects import sqlite

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


def test_sqlite_text_is_the_dialect_s_own_both_ways() -> None:
    # The SQLite processors write and parse the text themselves: byte for byte what the
    # dialect's DATETIME writes (what every stored row holds), and read back as the composed
    # TypeDecorator path would, offsets and missing microseconds included.
    dialect = sqlite.dialect()
    ours = UtcDateTime().dialect_impl(dialect)
    write, read = ours.bind_processor(dialect), ours.result_processor(dialect, None)
    theirs = sqlite.DATETIME()
    their_write = theirs.bind_processor(dialect)
    their_read = theirs.result_processor(dialect, None)
    assert write is not None and their_write is not None and their_read is not None
    shanghai = ZoneInfo("Asia/Shanghai")
    for value in (
        SHANGHAI_NOON,
        datetime(2026, 1, 1, 7, 59, 59, 0, tzinfo=shanghai),  # the day before, in UTC
        datetime(999, 3, 4, 5, 6, 7, 8, tzinfo=UTC),  # a year of three digits
        datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
    ):
        naive = value.astimezone(UTC).replace(tzinfo=None)
        assert write(value) == their_write(naive)
        assert read(write(value)) == value and read(write(value)).tzinfo is UTC
    for text in ("2026-11-26 04:00:00", "2026-11-26T04:00:00.5", "2026-11-26 04:00:00+08:00"):
        assert read(text) == their_read(text).replace(tzinfo=UTC)
        assert read(text).tzinfo is UTC
    assert write(None) is None and read(None) is None
    with pytest.raises(ValueError, match="timezone-aware"):
        write(datetime(2026, 11, 26, 12, 0))
