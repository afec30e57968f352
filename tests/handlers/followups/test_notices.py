"""Notices: one message per room, split only where the @-list would overflow; People once per
sweep batch."""

from __future__ import annotations

from sqlalchemy import event

from handlers.context import Services
from handlers.events import Reply
from handlers.followups.engine import SweepContext
from handlers.followups.notify import _MENTIONS_BUDGET, Notices
from storage.db import Database
from tests.support.db import T0, seed_community
from tests.support.fakes import NothingUnderstood

LONG = "x" * 700  # three of these and their commas pass the budget


def _ids(*names: str) -> tuple[str, ...]:
    return tuple(f"{LONG}-{n}" for n in names)


def test_lines_for_the_same_people_share_one_message() -> None:
    notices = Notices()
    notices.add("six", "a", ["wx-zhang", "wx-wang"])
    notices.add("six", "b", ["wx-wang", "wx-zhang"])
    notices.add("six", "c", ["wx-li", "wx-zhang"])
    notices.add("six", "d", ["wx-zhang", "wx-wang"])
    notices.add("six", "e", ["wx-zhang"], urgent=True)
    notices.add(None, "nowhere", ["wx-zhang"])
    assert notices.replies() == [
        Reply(
            "a\nb\nc\nd",
            room_id="six",
            mention_ids=("wx-zhang", "wx-wang", "wx-li"),
            followup=True,
        ),
        Reply("e", room_id="six", mention_ids=("wx-zhang",), followup=True, urgent=True),
    ]


def test_a_message_splits_where_the_mentions_would_overflow() -> None:
    assert len(",".join(_ids("a", "b"))) <= _MENTIONS_BUDGET < len(",".join(_ids("a", "b", "c")))
    notices = Notices()
    notices.add("six", "1", _ids("a", "b"))
    notices.add("six", "2", _ids("a", "b"))  # nobody new: stays
    notices.add("six", "3", _ids("c"))  # a third long id: a new message
    notices.add("six", "4", _ids("a", "b"))  # already told in the first, not in this one
    notices.add("six", "5", _ids("c"))
    notices.add("six", "6", _ids("a", "b", "c"))  # too many alone: a message of its own
    notices.add("six", "7", _ids("a", "b", "c"))  # the same list again: still over
    texts = [(r.text, r.mention_ids) for r in notices.replies()]
    assert texts == [
        ("1\n2", _ids("a", "b")),
        ("3", _ids("c")),
        ("4", _ids("a", "b")),
        ("5", _ids("c")),
        ("6", _ids("a", "b", "c")),
        ("7", _ids("a", "b", "c")),
    ]


def test_a_batch_loads_the_people_of_its_communities_once(database: Database) -> None:
    seed_community(database)
    seed_community(database, "c2", "和平里社区")
    statements: list[str] = []

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    with database.session() as s:
        services = Services(clock=lambda: T0, nlp=NothingUnderstood())
        ctx = SweepContext(s, services, T0, frozenset({"c1", "c2"}))
        event.listen(database.engine, "before_cursor_execute", count)
        try:
            first = ctx.people({"c1"})
            loaded = len(statements)
            assert ctx.people(["c2", "c1"]) is first and ctx.people({"c2"}) is first
            assert len(statements) == loaded  # the batch's communities, loaded once
            assert ctx.people({"c1", "c3"}) is not first and len(statements) > loaded
        finally:
            event.remove(database.engine, "before_cursor_execute", count)
    assert loaded > 0
