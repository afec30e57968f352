"""The directory's tables: communities, their groups and members, dashboard users, imports."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field

from storage.models.base import StorageModel, UtcDateTime


class Community(StorageModel, table=True):
    """A 社区 with its six-party group and grids."""

    __tablename__ = "communities"

    code: str = Field(primary_key=True, max_length=64)
    name: str = Field(max_length=100, unique=True)
    district: str = Field(default="", max_length=100)


class Group(StorageModel, table=True):
    """A chat room bound to a community, by room id so a rename keeps the binding."""

    __tablename__ = "groups"

    room_id: str = Field(primary_key=True, max_length=128)
    topic: str = Field(max_length=200)
    kind: str = Field(max_length=16)  # six_party | grid
    community_code: str = Field(foreign_key="communities.code", index=True, max_length=64)
    grid: str | None = Field(default=None, max_length=100)


class Member(StorageModel, table=True):
    """A person known to the bot, with the role they hold in one community."""

    __tablename__ = "members"
    __table_args__ = (UniqueConstraint("contact_id", "community_code"),)

    id: int | None = Field(default=None, primary_key=True)
    contact_id: str = Field(index=True, max_length=128)
    name: str = Field(index=True, max_length=100)
    role: str = Field(max_length=32)
    community_code: str = Field(foreign_key="communities.code", max_length=64)
    grid: str | None = Field(default=None, max_length=100)
    # Added in revision 0017: a phone (shown masked in the dashboard) and the on-duty roster
    # (called on every urgent alert of the community, whatever the role).
    phone: str = Field(default="", max_length=32, sa_column_kwargs={"server_default": ""})
    on_duty: bool = Field(default=False, sa_column_kwargs={"server_default": "0"})


class DashboardUser(StorageModel, table=True):
    """Someone who may log in to the web pages, for one community or the street (``*``)."""

    __tablename__ = "dashboard_users"

    username: str = Field(primary_key=True, max_length=100)
    password_hash: str = Field(max_length=300)  # scrypt$…, never the password
    name: str = Field(max_length=100)
    role: str = Field(max_length=32)
    community: str = Field(max_length=64)  # a community code, or "*" for the whole street
    disabled: bool = Field(default=False)


class DirectoryImport(StorageModel, table=True):
    """One time the configuration was written into the directory: the seed, then imports.

    The first row marks the directory as seeded: from then on the database is the source of
    truth and a start-up never applies the configuration again by itself.
    """

    __tablename__ = "directory_imports"

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=16)  # seed | import
    source: str = Field(default="", max_length=500)  # the configuration file
    changes: int = Field(default=0)
    at: datetime = Field(sa_type=UtcDateTime)
