"""The sender's side of the outbox: the due rows, claimed under a leadership term, marked sent.

Every reply goes through these statements, right between the handler's commit and the send,
so they are Core statements built once (per shape of the query) and run on the session's
connection; rows come back as :class:`DueRow` tuples, not ORM objects. Through the ORM each
read or mark cost several times SQLite's own work: the statement rebuilt and its cache key
computed per call, an identity map filled, and an UPDATE evaluated against the session. The
claim and the mark, once per reply, run on the driver connection (:mod:`storage.driver`):
SQLAlchemy's execution around them cost a quarter of the claim's time.
"""

from __future__ import annotations

import functools
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy import BindParameter, Select, Table, Update, bindparam, select, update
from sqlmodel import Session

from storage import driver
from storage.core import connection
from storage.driver import Driver
from storage.models import OutboxMessage, UtcDateTime

_T: Table = OutboxMessage.__table__  # type: ignore[attr-defined]  # set by table=True


class DueRow(NamedTuple):
    """A due row as the sender plans and sends it (the columns it needs, no ORM object)."""

    id: int
    room_id: str | None
    to_id: str | None
    text: str
    mention_ids: str
    kind: str
    urgent: bool
    sent_chars: int
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Claimant:
    """Who claims rows: the process, its leadership term (fencing token), for how long."""

    holder: str
    epoch: int
    lease: timedelta


def _bind(name: str) -> Any:
    """A time parameter, stored as UTC like the columns it is compared with."""
    return bindparam(name, type_=UtcDateTime())


_COLUMNS = tuple(getattr(_T.c, name) for name in DueRow._fields)


@functools.cache
def _due_select(skip_rooms: bool, skip_contacts: bool, claimed: bool) -> Select[Any]:
    """The due rows in sending order, up to ``:limit``; ``claimed`` keeps only their ids, and
    only the rows free for ``:holder`` in term ``:epoch``."""
    c = _T.c
    statement = select(*((c.id,) if claimed else _COLUMNS)).where(
        c.delivered_at.is_(None), c.not_before <= _bind("now"), c.dead_at.is_(None)
    )
    # The sender skips rooms (and private recipients) it cannot serve now, so that their
    # backlog does not fill the batch and hide the rows of other rooms behind it.
    if skip_rooms:
        rooms: BindParameter[str] = bindparam("skip_rooms", expanding=True)
        statement = statement.where(c.room_id.is_(None) | c.room_id.not_in(rooms))
    if skip_contacts:
        # Only private rows have no room; a group row's to_id is never consulted.
        contacts: BindParameter[str] = bindparam("skip_contacts", expanding=True)
        statement = statement.where(c.room_id.is_not(None) | c.to_id.not_in(contacts))
    if claimed:
        statement = statement.where(
            c.claimed_by.is_(None)
            | (c.claim_until < _bind("now"))
            | (c.claim_epoch < bindparam("epoch"))
            | (c.claimed_by == bindparam("holder"))
        )
    # Urgent first, so that an alarm is in the batch however long the routine backlog is.
    return statement.order_by(c.urgent.desc(), c.id).limit(bindparam("limit"))


@functools.cache
def _claim_update(skip_rooms: bool, skip_contacts: bool, lock: bool) -> Update:
    """Claim the free due rows and return them, in one statement; ``lock`` picks them
    ``FOR UPDATE SKIP LOCKED`` (PostgreSQL)."""
    picked = _due_select(skip_rooms, skip_contacts, True)
    if lock:
        picked = picked.with_for_update(skip_locked=True)
    return (
        update(_T)
        .where(_T.c.id.in_(picked.scalar_subquery()))
        .values(
            claimed_by=bindparam("holder"),
            claim_until=_bind("until"),
            claim_epoch=bindparam("epoch"),
        )
        .returning(*_COLUMNS)
    )


@functools.cache
def _undelivered_update(column: str) -> Update:
    """Set ``column`` to ``:at`` on the rows ``:ids`` not delivered yet."""
    c = _T.c
    return (
        update(_T)
        .where(c.id.in_(bindparam("ids", expanding=True)), c.delivered_at.is_(None))
        .values({column: _bind("at")})
    )


def _params(
    now: datetime, limit: int, skip_rooms: Collection[str], skip_contacts: Collection[str]
) -> dict[str, Any]:
    params: dict[str, Any] = {"now": now, "limit": limit}
    if skip_rooms:
        params["skip_rooms"] = list(skip_rooms)
    if skip_contacts:
        params["skip_contacts"] = list(skip_contacts)
    return params


def due(
    session: Session,
    now: datetime,
    limit: int = 100,
    *,
    skip_rooms: Collection[str] = (),
    skip_contacts: Collection[str] = (),
) -> list[DueRow]:
    """Undelivered messages whose time has come, urgent ones first, then oldest first.

    Rooms and private recipients in ``skip_rooms``/``skip_contacts`` are left out.
    """
    statement = _due_select(bool(skip_rooms), bool(skip_contacts), False)
    params = _params(now, limit, skip_rooms, skip_contacts)
    return [DueRow._make(r) for r in connection(session).execute(statement, params)]


def claim(
    session: Session | Driver,
    now: datetime,
    claimant: Claimant,
    limit: int = 100,
    *,
    skip_rooms: Collection[str] = (),
    skip_contacts: Collection[str] = (),
) -> list[DueRow]:
    """Claim the rows :func:`due` would return that nobody else holds, and return them in
    the same order.

    A row is free when it was never claimed, its claim ran out, it was claimed under an
    earlier leadership term (that leader is fenced), or it is ours. On PostgreSQL the rows are
    locked ``FOR UPDATE SKIP LOCKED``: a row another transaction is claiming is passed over,
    never waited for. The caller commits, which makes the claim visible. A transaction of
    the sender's own may be given as its :class:`~storage.driver.Driver`: it needs no ORM
    session around it (whose making and ending cost a third of the claim).
    """
    run = driver.of(session)
    statement = _claim_update(
        bool(skip_rooms), bool(skip_contacts), run.dialect.name == "postgresql"
    )
    params = _params(now, limit, skip_rooms, skip_contacts)
    params.update(holder=claimant.holder, epoch=claimant.epoch, until=now + claimant.lease)
    rows = [DueRow._make(r) for r in run.rows(statement, params)]
    # RETURNING comes in no promised order: put it back in the sending order.
    rows.sort(key=lambda r: (not r.urgent, r.id))
    return rows


def mark_all_delivered(session: Session | Driver, msg_ids: Sequence[int], now: datetime) -> int:
    """Record that messages merged into one went out; returns how many were undelivered.

    One statement: the merged rows are marked together or not at all. Objects of these rows
    already loaded in the session are not refreshed. As :func:`claim`, it may be given a
    transaction's :class:`~storage.driver.Driver` instead of a session.
    """
    if not msg_ids:
        return 0
    statement = _undelivered_update("delivered_at")
    cursor = driver.of(session).execute(statement, {"ids": list(msg_ids), "at": now})
    return int(cursor.rowcount)


def defer(session: Session | Driver, msg_ids: Sequence[int], until: datetime) -> None:
    """Hold messages back until ``until`` without counting an attempt (the quiet hours); as
    :func:`claim`, it may be given a transaction's :class:`~storage.driver.Driver`."""
    if msg_ids:
        statement = _undelivered_update("not_before")
        driver.of(session).execute(statement, {"ids": list(msg_ids), "at": until})
