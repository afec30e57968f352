"""Corrections made in chat (改为 …), kept per community as labelled examples for training."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from storage.checks import saved_id
from storage.models import LabelledExample, Ticket


def record_correction(
    session: Session,
    ticket: Ticket,
    *,
    klass: str,
    category: str,
    was_klass: str,
    was_category: str,
    actor_id: str,
    at: datetime,
) -> LabelledExample:
    """Store the ticket's corrected labels; a later correction of it updates the same row.

    ``was_klass``/``was_category`` are kept from the first correction: they say what the bot
    had decided, which a second correction by people does not change. Never commits, so the
    row goes out in the caller's transaction with the ticket change itself.
    """
    ticket_id = saved_id(ticket)
    stmt = select(LabelledExample).where(
        LabelledExample.community_code == ticket.community_code,
        LabelledExample.ticket_id == ticket_id,
    )
    example = session.exec(stmt).first()
    if example is None:
        example = LabelledExample(
            community_code=ticket.community_code,
            ticket_id=ticket_id,
            text=ticket.text,
            klass=klass,
            category=category,
            was_klass=was_klass,
            was_category=was_category,
            actor_id=actor_id,
            at=at,
        )
    else:
        example.text, example.klass, example.category = ticket.text, klass, category
        example.actor_id, example.at = actor_id, at
    session.add(example)
    session.flush()
    return example


def labelled_examples(
    session: Session, community_code: str | None = None
) -> list[LabelledExample]:
    """The stored corrections of one community (all when None), oldest first.

    Oldest means first corrected: a row updated by a later correction keeps its place.
    """
    stmt = select(LabelledExample)
    if community_code is not None:
        stmt = stmt.where(LabelledExample.community_code == community_code)
    return list(session.exec(stmt.order_by(col(LabelledExample.id))).all())
