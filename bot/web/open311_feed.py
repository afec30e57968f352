"""The service requests of ``requests.json``, each rendered once and kept until it changes.

A list answer holds up to 1,000 requests, and formatting them (datetimes, masking, JSON) costs
far more than finding them. So each request's JSON is cached under the version it was made
from — the ticket's ``updated_at`` and ``state``, which every recorded change moves — and a
query reads only ``(id, updated_at, state)`` of the matching tickets; the few that changed or
were never shown are read and rendered again. The answer is therefore always current.

A query is answered in two steps, :meth:`RequestFeed.lookup` (the key query and the cache) and
:meth:`RequestFeed.complete` (rendering what was missing), so that a caller can do the cheap
first step where it stands and hand only a long rendering to a thread; :meth:`find` does both.
A window's keys come as three texts (ids, versions, states joined); the last answers are kept
whole by them, so a window polled again unchanged is one look-up instead of one per request.
A lookup of a few ids reads their whole rows at once (one statement instead of two): most
requests asked for by id have not been rendered yet.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import tzinfo
from typing import Any

from sqlalchemy import Connection, Engine

from bot.web.open311_format import request_values
from bot.web.open311_json import values_json
from bot.web.open311_query import (
    Joined,
    Key,
    RequestQuery,
    joined_keys,
    key_of,
    load_rows,
    match_keys,
    match_rows,
    member_names,
    split_keys,
)

CACHED = 20_000  # requests kept (about 12 MB); the oldest rendered go first
# Ids asked for at once up to which a lookup reads their whole rows: beyond, the rendering may
# go to a thread that reads them again (bot.web.open311), so the lookup reads only the keys.
WHOLE_ROWS = 50
# Whole answers of windows kept, by the texts of their keys: clients poll the same windows, and
# an answer none of whose tickets changed is then one look-up, not one per request.
ANSWERS = 64


@dataclass(frozen=True, slots=True)
class Lookup:
    """The keys a query matched, each one's cached JSON (None when missing or out of date),
    and the ids to render."""

    keys: list[Key]
    found: list[bytes | None]
    stale: list[int]
    rows: dict[int, dict[str, Any]] = field(default_factory=dict)  # read already, by id


class RequestFeed:
    """Finds service requests and returns each as UTF-8 JSON, from the cache where current."""

    def __init__(
        self,
        engine: Engine,
        communities: dict[str, str],
        tz: tzinfo,
        cached: int = CACHED,
    ) -> None:
        """``engine`` gives read connections; ``communities`` maps codes to names."""
        self._engine = engine
        self._communities = communities
        self._tz = tz
        self._cap = cached
        # Keyed by the whole key tuple, so a lookup is one dict probe per row: a changed
        # ticket's new key simply misses. ``_current`` finds the entry an id has now, to
        # replace it when the ticket changes.
        self._cache: dict[Key, bytes] = {}
        self._current: dict[int, Key] = {}
        # A window's answer by the texts of its keys (every key's version in them): a ticket's
        # change, a new or a gone one makes other texts, and so a miss.
        self._answers: dict[Joined, list[bytes | None]] = {}  # no None in them
        self._lock = threading.Lock()  # lookups and renderings run in several threads

    def connect(self) -> Connection:
        """A read connection (its transaction begins with the first statement)."""
        return self._engine.connect()

    def find(self, query: RequestQuery) -> list[bytes]:
        """The matching requests as JSON objects, newest first (runs SQL: call in a thread)."""
        with self.connect() as conn:
            return self.answer(conn, query)

    def answer(self, conn: Connection, query: RequestQuery) -> list[bytes]:
        """The matching requests as JSON objects, newest first, read in one transaction of
        ``conn``."""
        return self.complete(conn, self.lookup(conn, query))

    def lookup(self, conn: Connection, query: RequestQuery) -> Lookup:
        """The matching keys and what the cache holds for them, in one transaction of
        ``conn`` that :meth:`complete` must continue."""
        rows = None
        joined = None
        if query.ids and len(query.ids) <= WHOLE_ROWS:
            rows = match_rows(conn, query.ids)
            keys = [key_of(row) for row in rows]
        elif query.ids:
            keys = match_keys(conn, query)
        else:
            joined = joined_keys(conn, query)
            with self._lock:
                answer = self._answers.pop(joined, None)
                if answer is not None:  # re-inserted last: the newest stay longest
                    self._answers[joined] = answer
                    return Lookup([], answer, [])
            keys = split_keys(joined)
        with self._lock:
            found = list(map(self._cache.get, keys))
            if None not in found:  # the usual case: every request rendered and current
                if joined is not None:
                    self._answers[joined] = found
                    if len(self._answers) > ANSWERS:
                        del self._answers[next(iter(self._answers))]
                return Lookup(keys, found, [])
        stale = [key[0] for key, hit in zip(keys, found, strict=True) if hit is None]
        if rows is None:
            return Lookup(keys, found, stale)
        return Lookup(keys, found, stale, {r["id"]: r for r in rows})

    def complete(self, conn: Connection, lookup: Lookup) -> list[bytes]:
        """The answer of a lookup, rendering its stale requests (reads them in ``conn``)."""
        if not lookup.stale:
            return lookup.found  # type: ignore[return-value]  # no None: nothing was stale
        read = lookup.rows
        rows = [read[i] for i in lookup.stale] if read else load_rows(conn, lookup.stale)
        fresh = self._render(conn, rows)
        with self._lock:
            for ident, (key, body) in fresh.items():
                old = self._current.pop(ident, None)
                if old is not None:  # re-inserted last: the newest stay longest
                    self._cache.pop(old, None)
                self._cache[key] = body
                self._current[ident] = key
            while len(self._cache) > self._cap:  # each id has one entry: its current key
                oldest = next(iter(self._cache))
                del self._cache[oldest], self._current[oldest[0]]
        out = []
        stale = iter(lookup.stale)  # the ids of the misses, in their order
        for hit in lookup.found:
            if hit is None:
                rendered = fresh.get(next(stale))
                if rendered is None:  # matched, then gone before its columns were read
                    continue
                hit = rendered[1]
            out.append(hit)
        return out

    def _render(
        self, conn: Connection, rows: list[dict[str, Any]]
    ) -> dict[int, tuple[Key, bytes]]:
        names = member_names(conn, {r["community_code"] for r in rows})
        return {
            r["id"]: (
                (r["id"], r["version"], r["state"]),
                values_json(
                    request_values(
                        r,
                        self._communities.get(r["community_code"], ""),
                        self._tz,
                        r["note"],
                        names.get(r["community_code"], ()),
                    )
                ),
            )
            for r in rows
        }
