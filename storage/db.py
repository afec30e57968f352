"""Database engine and sessions: SQLite (the embedded default) or PostgreSQL, and migrations."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING, Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError
from sqlalchemy.pool import StaticPool
from sqlmodel import Session

if TYPE_CHECKING:
    from storage.writer import Writer

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
SQLITE_BUSY_TIMEOUT_MS = 5000
# The outbox claims its rows with UPDATE … RETURNING (storage/outbox_send.py), SQLite 3.35+.
SQLITE_MINIMUM = (3, 35, 0)


class SQLiteTooOld(RuntimeError):
    """The SQLite library Python was built with is older than :data:`SQLITE_MINIMUM`, or lacks
    the JSON functions (built in from 3.38, optional before) that id lists use."""


def sqlite_has_json() -> bool:
    """Whether this SQLite has ``json_each`` (storage/id_lists.py binds id lists as JSON)."""
    probe = sqlite3.connect(":memory:")
    try:
        probe.execute("SELECT value FROM json_each('[1]')").fetchall()
    except sqlite3.OperationalError:
        return False
    finally:
        probe.close()
    return True


# Any constant will do: it only has to be the same for every liufang process on one database.
_PG_MIGRATION_LOCK = 0x6C6975

_POSTGRES_NAMES = {"postgres", "postgresql"}
_SQLITE_DRIVERS = {"sqlite", "sqlite+pysqlite"}
_PASSWORD_IN_TEXT = re.compile(r"(://[^:/@]*:)[^@]*@")


def normalise_url(url: str | URL) -> URL:
    """Parse a database URL, steering every plain PostgreSQL spelling to psycopg 3."""
    parsed = make_url(url)
    if parsed.drivername in _POSTGRES_NAMES:
        return parsed.set(drivername="postgresql+psycopg")
    if parsed.drivername in _SQLITE_DRIVERS or parsed.drivername == "postgresql+psycopg":
        return parsed
    raise ValueError(f"unsupported database URL (use sqlite:/// or postgresql://): {url!s}")


def redact_url(url: str | URL) -> str:
    """Render a database URL for logs, with any password replaced by ``***``."""
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError, TypeError):  # unparsable: still hide what looks secret
        return _PASSWORD_IN_TEXT.sub(r"\1***@", str(url))
    if "password" in parsed.query:
        parsed = parsed.update_query_dict({"password": "***"})
    return parsed.render_as_string(hide_password=True)


def alembic_config() -> Config:
    """An Alembic configuration pointing at the packaged migrations, no alembic.ini needed."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def _sqlite_on_connect(dbapi_conn: sqlite3.Connection, _record: Any) -> None:
    # pysqlite would emit BEGIN lazily and only before DML, which breaks SAVEPOINT and lets a
    # read-then-write transaction fail with SQLITE_BUSY; we issue BEGIN ourselves instead.
    dbapi_conn.isolation_level = None
    cursor = dbapi_conn.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute("PRAGMA foreign_keys = ON")
    finally:
        cursor.close()


def _sqlite_on_begin(conn: Connection) -> None:
    # IMMEDIATE takes the write lock up front, so concurrent writers queue on busy_timeout
    # instead of failing halfway; transactions here are short, so the serialisation is cheap.
    # Straight to the driver: every message begins one, and SQLAlchemy's statement machinery
    # (exec_driver_sql) cost several times the BEGIN itself.
    driver = conn.connection.driver_connection
    if driver is None:  # a closed connection: SQLAlchemy never begins one
        raise RuntimeError("a transaction began on a closed connection")
    try:
        driver.execute("BEGIN IMMEDIATE")
    except sqlite3.Error as error:  # as exec_driver_sql would raise it (database is locked)
        raise DBAPIError.instance("BEGIN IMMEDIATE", (), error, sqlite3.Error) from error


class ProjectSession(Session):
    """A session opened by :class:`Database`: storage/'s flush listeners watch these only.

    The listeners (the directory cache's change note, the append-only ledger) are registered on
    this class rather than on every sqlmodel ``Session`` in the process, so a library or test
    opening its own plain sessions is not affected by them.
    """


class Database:
    """One database: its engine, sessions and schema migrations.

    On SQLite every transaction begins IMMEDIATE, i.e. holds the write lock until it ends, even
    if it only reads: finish (commit or close) one session before opening another in the same
    thread, or the second waits busy_timeout and fails with "database is locked".
    """

    def __init__(self, url: str, *, echo: bool = False) -> None:
        """Create the engine for ``url``; nothing is connected until first use."""
        parsed = normalise_url(url)
        self.url: str = parsed.render_as_string(hide_password=False)
        self.dialect: str = "sqlite" if parsed.get_backend_name() == "sqlite" else "postgresql"
        self._parsed = parsed
        self.engine: Engine = (
            self._sqlite_engine(parsed, echo)
            if self.dialect == "sqlite"
            else create_engine(parsed, echo=echo, pool_pre_ping=True)
        )

    def __repr__(self) -> str:
        """Show the redacted URL, so a logged Database never leaks a password."""
        return f"Database({redact_url(self.url)!r})"

    @property
    def is_memory(self) -> bool:
        """True for an in-memory SQLite database (gone when the process ends)."""
        database = self._parsed.database
        return self.dialect == "sqlite" and (
            database in (None, "", ":memory:") or self._parsed.query.get("mode") == "memory"
        )

    def _sqlite_engine(self, url: URL, echo: bool) -> Engine:
        if sqlite3.sqlite_version_info < SQLITE_MINIMUM:
            need = ".".join(map(str, SQLITE_MINIMUM))
            raise SQLiteTooOld(
                f"这台机器的 Python 带的 SQLite 是 {sqlite3.sqlite_version}，liufang 需要 {need} "
                "或更新：请换用较新的系统（如 Debian 12、Ubuntu 22.04）或 Python，"
                f"或改用 PostgreSQL（LIUFANG_DATABASE_URL）。/ SQLite {sqlite3.sqlite_version} "
                f"is older than the {need} liufang needs."
            )
        if not sqlite_has_json():
            raise SQLiteTooOld(
                f"这台机器的 SQLite（{sqlite3.sqlite_version}）编译时没带 JSON 函数，"
                "liufang 需要它们：请换用 SQLite 3.38 或更新的系统"
                "（如 Debian 12、Ubuntu 22.04）或 Python，"
                "或改用 PostgreSQL（LIUFANG_DATABASE_URL）。/ This SQLite was built without "
                "the JSON functions liufang needs."
            )
        # An in-memory database lives inside one connection: every session must share it.
        extra: dict[str, Any] = {}
        if self.is_memory:
            extra = {"poolclass": StaticPool, "connect_args": {"check_same_thread": False}}
        engine = create_engine(url, echo=echo, **extra)
        event.listen(engine, "connect", _sqlite_on_connect)
        event.listen(engine, "begin", _sqlite_on_begin)
        return engine

    def ensure_sqlite_directory(self) -> None:
        """Create the folder of a SQLite file: SQLite makes a missing file, not a folder."""
        database = self._parsed.database or ""
        if self.dialect == "sqlite" and not self.is_memory and not database.startswith("file:"):
            Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)

    def session(self) -> ProjectSession:
        """A new session; objects stay readable after commit (expire_on_commit=False)."""
        return ProjectSession(self.engine, expire_on_commit=False)

    def writer(self) -> Writer:
        """A :class:`~storage.writer.Writer`: the sessions of this process's one writer."""
        from storage.writer import Writer  # it builds on this module

        return Writer(self)

    def upgrade(self) -> None:
        """Migrate the schema to the latest revision; a no-op when it is already there."""
        self.ensure_sqlite_directory()
        config = alembic_config()
        with self.engine.connect() as conn:
            raw = conn.connection.driver_connection
            if raw is None:  # only after the pool invalidated it: nothing to migrate with
                raise RuntimeError("the database connection was closed before the migration")
            if self.dialect == "sqlite":
                # SQLite ignores this pragma inside a transaction, and batch migrations rebuild
                # tables: referencing rows must survive the DROP, so turn checks off around it.
                raw.execute("PRAGMA foreign_keys = OFF")
            try:
                with conn.begin():
                    if self.dialect == "postgresql":
                        # Two processes starting together must not both create the tables.
                        conn.execute(
                            text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_MIGRATION_LOCK}
                        )
                    config.attributes["connection"] = conn
                    command.upgrade(config, "head")
                    if self.dialect == "sqlite":
                        broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                        if broken:
                            raise RuntimeError(f"migration broke foreign keys: {broken[:5]}")
            finally:
                if self.dialect == "sqlite":
                    raw.execute("PRAGMA foreign_keys = ON")

    def revision(self) -> str | None:
        """The schema revision the database is at, or None before the first upgrade."""
        self.ensure_sqlite_directory()
        with self.engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()

    @staticmethod
    def head_revision() -> str | None:
        """The newest revision the packaged migrations know of."""
        return ScriptDirectory.from_config(alembic_config()).get_current_head()

    def dispose(self) -> None:
        """Close every pooled connection (call at shutdown, or before dropping a test schema)."""
        self.engine.dispose()
