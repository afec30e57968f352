"""The outbox: enqueue, due, delivered and failed, with timezone-aware times on both backends."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.exc import StatementError

from storage.db import Database
from storage.models import OutboxMessage
from storage.outbox import (
    enqueue,
    mark_delivered,
    mark_failed,
    mark_progress,
    mention_chunks,
    mention_list,
    pending,
)
from storage.outbox_send import defer, due, mark_all_delivered
from tests.support.db import SHANGHAI, T0


def _put(db: Database, text: str, now: datetime = T0, **kwargs: object) -> int:
    """Enqueue and commit one group message, returning its id."""
    fields: dict = {"room_id": "r1", "to_id": None, "mention_ids": (), **kwargs}
    with db.session() as session:
        row = enqueue(session, text=text, now=now, **fields)
        session.commit()
        assert row.id is not None
        return row.id


def _due_texts(db: Database, now: datetime, limit: int = 100) -> list[str]:
    """Texts of the messages due at ``now``, in sending order."""
    with db.session() as session:
        return [row.text for row in due(session, now, limit)]


def test_enqueue_then_due_in_order(database: Database) -> None:
    for text in ("一", "二", "三"):
        _put(database, text)
    assert _due_texts(database, T0) == ["一", "二", "三"]
    assert _due_texts(database, T0, limit=2) == ["一", "二"]
    assert _due_texts(database, T0 - timedelta(seconds=1)) == []


def test_times_round_trip_as_aware_utc(database: Database) -> None:
    msg_id = _put(database, "你好", mention_ids=["wx-a", "wx-b"])
    with database.session() as session:
        row = session.get(OutboxMessage, msg_id)
        assert row is not None
        assert row.created_at == T0 and row.not_before == T0
        assert row.created_at.utcoffset() == timedelta(0)
        assert row.created_at.astimezone(SHANGHAI).hour == 9
        assert mention_list(row) == ("wx-a", "wx-b")
        assert (row.attempts, row.delivered_at, row.last_error) == (0, None, None)


def test_due_compares_instants_not_wall_clocks(database: Database) -> None:
    # 08:00 in Shanghai is 00:00 UTC: storing local wall-clock time would get both wrong.
    _put(database, "早上好", now=datetime(2026, 11, 26, 8, 0, tzinfo=SHANGHAI))
    assert _due_texts(database, datetime(2026, 11, 25, 23, 59, tzinfo=UTC)) == []
    assert _due_texts(database, datetime(2026, 11, 26, 0, 30, tzinfo=UTC)) == ["早上好"]
    assert _due_texts(database, datetime(2026, 11, 26, 7, 59, tzinfo=SHANGHAI)) == []


def test_mark_delivered_removes_from_due(database: Database) -> None:
    first, _second = _put(database, "一"), _put(database, "二")
    with database.session() as session:
        mark_delivered(session, first, T0 + timedelta(seconds=1))
        session.commit()
    assert _due_texts(database, T0 + timedelta(minutes=1)) == ["二"]
    with database.session() as session:
        row = session.get(OutboxMessage, first)
        assert row is not None and row.delivered_at == T0 + timedelta(seconds=1)


def test_mark_failed_counts_and_holds_back(database: Database) -> None:
    msg_id = _put(database, "重试我")
    retry_at = T0 + timedelta(minutes=5)
    for attempt in (1, 2):
        with database.session() as session:
            mark_failed(session, msg_id, "ConnectionError: channel down " * 50, retry_at)
            session.commit()
        with database.session() as session:
            row = session.get(OutboxMessage, msg_id)
            assert row is not None
            assert row.attempts == attempt
            assert row.last_error is not None and len(row.last_error) == 500
            assert row.not_before == retry_at
    assert _due_texts(database, retry_at - timedelta(seconds=1)) == []
    assert _due_texts(database, retry_at) == ["重试我"]


def test_private_message_and_empty_mentions(database: Database) -> None:
    msg_id = _put(database, "私聊", room_id=None, to_id="wx-a")
    with database.session() as session:
        row = session.get(OutboxMessage, msg_id)
        assert row is not None and (row.room_id, row.to_id) == (None, "wx-a")
        assert mention_list(row) == ()


def test_naive_datetimes_are_refused(database: Database) -> None:
    with database.session() as session, pytest.raises(StatementError, match="timezone-aware"):
        enqueue(
            session,
            room_id="r1",
            to_id=None,
            text="x",
            mention_ids=(),
            now=datetime(2026, 11, 26, 9, 0),
        )


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"room_id": None, "to_id": None}, ValueError),
        ({"mention_ids": "wx-a"}, TypeError),
        ({"mention_ids": ["a,b"]}, ValueError),
        ({"mention_ids": [""]}, ValueError),
        ({"mention_ids": ["wx-" + "x" * 30] * 100}, ValueError),
    ],
)
def test_enqueue_validates(sqlite_database: Database, kwargs: dict, error: type) -> None:
    fields: dict = {"room_id": "r1", "to_id": None, "mention_ids": (), **kwargs}
    with sqlite_database.session() as session, pytest.raises(error):
        enqueue(session, text="x", now=T0, **fields)


def test_unknown_message_id(sqlite_database: Database) -> None:
    with sqlite_database.session() as session:
        with pytest.raises(LookupError):
            mark_delivered(session, 42, T0)
        with pytest.raises(LookupError):
            mark_failed(session, 42, "x", T0)


def test_kind_urgent_and_progress_defaults(database: Database) -> None:
    msg_id = _put(database, "提醒", kind="followup", urgent=True)
    with database.session() as session:
        row = session.get(OutboxMessage, msg_id)
        assert row is not None
        assert (row.kind, row.urgent, row.sent_chars) == ("followup", True, 0)


def test_due_skips_rooms_and_private_recipients(database: Database) -> None:
    _put(database, "A", room_id="ra")
    _put(database, "B", room_id="rb")
    _put(database, "私1", room_id=None, to_id="wx-1")
    _put(database, "私2", room_id=None, to_id="wx-2")
    with database.session() as session:
        texts = [r.text for r in due(session, T0, skip_rooms={"ra"}, skip_contacts={"wx-2"})]
    assert texts == ["B", "私1"]
    with database.session() as session:
        assert [r.text for r in due(session, T0, skip_rooms={"ra", "rb"})] == ["私1", "私2"]


def test_mark_all_delivered_marks_together_and_only_once(database: Database) -> None:
    ids = [_put(database, t) for t in ("一", "二", "三")]
    with database.session() as session:
        assert mark_all_delivered(session, ids[:2], T0) == 2
        session.commit()
    with database.session() as session:
        assert mark_all_delivered(session, ids, T0 + timedelta(minutes=1)) == 1
        assert mark_all_delivered(session, [], T0) == 0
        session.commit()
    with database.session() as session:
        assert pending(session) == []
        first = session.get(OutboxMessage, ids[0])
        assert first is not None and first.delivered_at == T0


def test_progress_is_kept_and_checked(database: Database) -> None:
    msg_id = _put(database, "一二三四五")
    with database.session() as session:
        mark_progress(session, msg_id, 3)
        session.commit()
    with database.session() as session:
        row = session.get(OutboxMessage, msg_id)
        assert row is not None and row.sent_chars == 3 and row.delivered_at is None
        with pytest.raises(ValueError):
            mark_progress(session, msg_id, 6)


def test_defer_holds_back_without_counting_an_attempt(database: Database) -> None:
    msg_id = _put(database, "夜里的提醒")
    morning = T0 + timedelta(hours=22)
    with database.session() as session:
        defer(session, [msg_id], morning)
        defer(session, [], morning)
        session.commit()
    assert _due_texts(database, morning - timedelta(seconds=1)) == []
    assert _due_texts(database, morning) == ["夜里的提醒"]
    with database.session() as session:
        assert [(r.attempts, r.not_before) for r in pending(session)] == [(0, morning)]


def test_urgent_rows_come_first_then_the_oldest(database: Database) -> None:
    for i in range(150):
        _put(database, f"闲聊{i}")
    _put(database, "急一", urgent=True)
    _put(database, "私聊", room_id=None, to_id="wx-b")
    _put(database, "急二", room_id="r2", urgent=True)
    # However long the backlog, the urgent rows are in the first batch, in their own order.
    assert _due_texts(database, T0, limit=4) == ["急一", "急二", "闲聊0", "闲聊1"]
    with database.session() as session:
        skipped = due(session, T0, limit=3, skip_rooms=["r1"])
        assert [r.text for r in skipped] == ["急二", "私聊"]


def test_mention_chunks_respect_the_count_and_the_column() -> None:
    short = [f"wx-{i}" for i in range(45)]
    assert [len(c) for c in mention_chunks(short)] == [20, 20, 5]
    assert [i for c in mention_chunks(short) for i in c] == short  # every id, in order
    long_ids = ["w" * 128 + str(i) for i in range(20)]  # 20 of them exceed the column
    chunks = mention_chunks(long_ids)
    assert len(chunks) == 2 and all(len(",".join(c)) <= 2000 for c in chunks)
    assert mention_chunks([]) == []
