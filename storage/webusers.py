"""Dashboard accounts in the database: seeded from the config once, then kept here.

The config's ``[[web.users]]`` are inserted when their username is new (:func:`seed`); after
that the row is the truth: a password reset or a disabled account in the dashboard survives a
restart. Passwords are stored as scrypt hashes (``bot.web.passwords``), never in clear.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field, Session, SQLModel, col, select

from storage.models import UtcDateTime


class WebAccount(SQLModel, table=True):
    """One person who may log in to the dashboard, and whether they still may."""

    __tablename__ = "web_users"
    __table_args__ = (Index("ix_web_users_community", "community", "username"),)

    username: str = Field(primary_key=True, max_length=100)
    password_hash: str = Field(max_length=300)
    name: str = Field(max_length=100)
    role: str = Field(max_length=32)
    community: str = Field(max_length=64)  # community code, or "*" for the district
    disabled: bool = Field(default=False)
    created_at: datetime = Field(sa_type=UtcDateTime)
    updated_at: datetime = Field(sa_type=UtcDateTime)


def account(session: Session, username: str) -> WebAccount | None:
    """The account of ``username``, if any."""
    return session.get(WebAccount, username)


def accounts(session: Session, communities: Iterable[str] | None) -> list[WebAccount]:
    """Accounts of ``communities`` (None: all, the district's included), by community and name."""
    statement = select(WebAccount)
    if communities is not None:
        statement = statement.where(col(WebAccount.community).in_(list(communities)))
    statement = statement.order_by(col(WebAccount.community), col(WebAccount.username))
    return list(session.exec(statement).all())


def seed(
    session: Session, users: Iterable[tuple[str, str, str, str, str]], now: datetime
) -> list[str]:
    """Insert each (username, hash, name, role, community) whose username is new; flushes.

    Existing rows are left as they are: the dashboard's changes win over the config.
    Returns the usernames inserted.
    """
    added = []
    for username, password_hash, name, role, community in users:
        if session.get(WebAccount, username) is not None:
            continue
        session.add(
            WebAccount(
                username=username,
                password_hash=password_hash,
                name=name,
                role=role,
                community=community,
                created_at=now,
                updated_at=now,
            )
        )
        session.flush()
        added.append(username)
    return added


def account_state(row: WebAccount | None) -> dict[str, object] | None:
    """What the audit keeps of an account: never the password hash."""
    if row is None:
        return None
    return {
        "username": row.username,
        "name": row.name,
        "role": row.role,
        "community": row.community,
        "disabled": row.disabled,
    }


def create(
    session: Session,
    username: str,
    password_hash: str,
    name: str,
    role: str,
    community: str,
    now: datetime,
) -> WebAccount:
    """A new account; the caller has checked the username is free. Flushes."""
    row = WebAccount(
        username=username,
        password_hash=password_hash,
        name=name,
        role=role,
        community=community,
        created_at=now,
        updated_at=now,
    )
    session.add(row)
    session.flush()
    return row


def set_disabled(session: Session, row: WebAccount, disabled: bool, now: datetime) -> None:
    """Stop (or allow again) the account's log-ins. Flushes."""
    row.disabled, row.updated_at = disabled, now
    session.add(row)
    session.flush()


def set_password(session: Session, row: WebAccount, password_hash: str, now: datetime) -> None:
    """Store a new password hash. Flushes."""
    row.password_hash, row.updated_at = password_hash, now
    session.add(row)
    session.flush()
