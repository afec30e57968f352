"""Short reads on the event loop: a page's query runs there while it stays short, else in a
worker thread.

A list page's query reads thirty-one rows through an index: a few thousand SQLite steps, a
fraction of a millisecond, less than rendering the page. Sent to a worker thread it cost more
than itself: the hand-over, and the GIL going back and forth at every row SQLite releases it
for, each time waiting for the event loop thread to let go of it. Under twenty clients those
waits, not the work, made most of a page's time.

So on a SQLite file of our own (:class:`Reader`) a read starts on the event loop with a budget
of SQLite steps (:data:`INLINE_STEPS`, a few milliseconds at most); a read that would take
longer (a deep page, a rare combination of filters, the overdue filter's subquery) is
interrupted by SQLite at the budget and run again from the start in a worker thread, where
it may take as long as it needs without holding up anyone else. PostgreSQL (network round
trips) and an in-memory database (shared with the bot's own engine) always read in a thread.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from typing import Any, TypeVar

from sqlmodel import Session

from bot.web.dashboard_query import Reader

T = TypeVar("T")

# SQLite calls the progress handler every STEP virtual-machine instructions. A first list
# page takes ~1,000 of them, a filtered or searched one up to ~5,000 (~1 ms); the overdue
# filter ~40,000 and page 1,000 of a filter hundreds of thousands, which go to a thread.
STEP = 1000
INLINE_STEPS = 20_000


class TooLong(Exception):
    """A read interrupted at its budget of steps: run it again in a thread."""


def bounded(reader: Reader, work: Callable[[Any], T], steps: int = INLINE_STEPS) -> T:
    """``work`` on the reader's SQLite driver connection for the event loop (autocommit: a
    statement reads one snapshot), interrupted (:class:`TooLong`) past ``steps`` steps."""
    driver = reader.loop_connection()
    calls = [0]

    def over() -> bool:
        calls[0] += 1
        return calls[0] * STEP > steps  # True makes SQLite stop with "interrupted"

    driver.set_progress_handler(over, STEP)
    try:
        return work(driver)
    except sqlite3.OperationalError as error:
        if calls[0] * STEP > steps:
            raise TooLong from error
        raise
    finally:  # the next read, or the pool after dispose, gets the connection without it
        driver.set_progress_handler(None, STEP)


def unbounded(reader: Reader, work: Callable[[Session], T]) -> T:
    """``work`` on a read session, as long as it takes (in a worker thread)."""
    with reader.session() as session:
        return work(session)


async def read(reader: Reader, inline: Callable[[Any], T], threaded: Callable[[Session], T]) -> T:
    """One read, two ways that give the same answer: ``inline(driver)`` on the event loop
    while it stays short, else (and always on PostgreSQL or an in-memory database)
    ``threaded(session)`` in a worker thread. Both only read; ``inline`` may be cut short."""
    if reader.local:
        try:
            return bounded(reader, inline)
        except TooLong:
            pass
    return await asyncio.to_thread(unbounded, reader, threaded)
