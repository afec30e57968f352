"""Intake's fast paths: objects built from stored rows, a ticket filed from its fields, an
event's ticket UPDATE written by Core (issue 15)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event
from sqlmodel import select

from storage import core
from storage.db import Database
from storage.models import Ticket, TicketEvent
from storage.tickets import add_event, create_ticket, file_ticket, get_ticket
from tests.support.db import T0, seed_community, ticket


def _columns(t: Ticket) -> dict[str, Any]:
    return {k: getattr(t, k) for k in Ticket.model_fields if k not in ("id", "source_msg_id")}


def _fields(source: str) -> dict[str, Any]:
    made = ticket(source)
    return {k: getattr(made, k) for k in made.model_fields_set}


def test_a_filed_ticket_is_the_created_one(database: Database) -> None:
    seed_community(database)
    with database.session() as session:
        created = create_ticket(session, ticket("room:a"), actor_id="w", actor_name="王")
        filed = file_ticket(session, _fields("room:b"), actor_id="w", actor_name="王")
        assert _columns(filed) == _columns(created) and filed.id == (created.id or 0) + 1
        assert filed in session and not session.dirty and session.get(Ticket, filed.id) is filed
        filed.plus_ones = 3  # a later change is saved as usual
        session.commit()
    with database.session() as session:
        a, b = get_ticket(session, created.id or 0), get_ticket(session, filed.id or 0)
        assert a is not None and b is not None
        assert _columns(b) == {**_columns(a), "plus_ones": 3}
        events = session.exec(select(TicketEvent).order_by(TicketEvent.id)).all()
        assert [(e.ticket_id, e.kind, e.to_state) for e in events] == [
            (a.id, "reported", "reported"),
            (b.id, "reported", "reported"),
        ]


def test_a_misspelt_field_is_refused(database: Database) -> None:
    seed_community(database)
    with database.session() as session, pytest.raises(TypeError, match="klas"):
        file_ticket(session, {**_fields("room:a"), "klas": "small"}, actor_id="w", actor_name="w")


def test_loaded_hands_out_the_held_object_or_a_clean_one(database: Database) -> None:
    seed_community(database)
    with database.session() as session:
        made = create_ticket(session, ticket("room:a"), actor_id="w", actor_name="w")
        values = {k: getattr(made, k) for k in Ticket.model_fields}
        assert core.loaded(session, Ticket, values) is made
        session.commit()
    with database.session() as session:
        copy = core.loaded(session, Ticket, {**values, "text": "as read"})
        assert copy is not made and copy in session and not session.dirty
        assert session.get(Ticket, made.id) is copy and copy.text == "as read"
        copy.state = "accepted"
        session.commit()
    with database.session() as session:
        stored = get_ticket(session, made.id or 0)
        assert stored is not None and (stored.state, stored.text) == ("accepted", made.text)


def test_add_event_writes_only_what_changes(database: Database) -> None:
    seed_community(database)
    updates: list[str] = []

    def _note(_c: object, _cur: object, statement: str, *_args: object) -> None:
        if statement.startswith("UPDATE tickets"):
            updates.append(statement)

    event.listen(database.engine, "before_cursor_execute", _note)
    with database.session() as session:
        made = create_ticket(session, ticket("room:a"), actor_id="w", actor_name="w")
        same_instant = T0.astimezone(ZoneInfo("UTC"))
        add_event(session, made, at=same_instant, actor_id="w", actor_name="w", kind="note")
        assert updates == [] and made.updated_at == same_instant
        later = T0 + timedelta(hours=1)
        made.assignee_name = "张经理"  # pending: flushed before the event's UPDATE
        add_event(session, made, at=later, actor_id="z", actor_name="张", kind="claim",
                  to_state="accepted")  # fmt: skip
        assert len(updates) == 2 and not session.dirty
        assert (made.state, made.updated_at) == ("accepted", later)
        session.commit()
    with database.session() as session:
        stored = get_ticket(session, made.id or 0)
        assert stored is not None
        assert (stored.state, stored.updated_at, stored.assignee_name) == (
            "accepted", T0 + timedelta(hours=1), "张经理")  # fmt: skip
        kinds = session.exec(select(TicketEvent).order_by(TicketEvent.id)).all()
        assert [(e.kind, e.from_state, e.to_state) for e in kinds] == [
            ("reported", None, "reported"),
            ("note", "reported", "reported"),
            ("claim", "reported", "accepted"),
        ]
