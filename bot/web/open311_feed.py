"""The service requests of ``requests.json``, each rendered once and kept until it changes.

A list answer holds up to 1,000 requests, and formatting them (datetimes, masking, JSON) costs
far more than finding them. So each request's JSON is cached with the version it was made
from — the ticket's ``updated_at`` and ``state``, which every recorded change moves — and a
query reads only ``(id, updated_at, state)`` of the matching tickets; the few that changed or
were never shown are read and rendered again. The answer is therefore always current.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from datetime import tzinfo
from typing import Any

from sqlmodel import Session

from bot.web.open311_format import request_fields
from bot.web.open311_query import RequestQuery, load_rows, match_keys, member_names, notes_of
from bot.web.textsafe import xml_safe_data

CACHED = 20_000  # requests kept (about 12 MB); the oldest rendered go first


def _dumps(data: Any) -> bytes:
    return json.dumps(xml_safe_data(data), ensure_ascii=False, separators=(",", ":")).encode()


class RequestFeed:
    """Finds service requests and returns each as UTF-8 JSON, from the cache where current."""

    def __init__(
        self,
        sessions: Callable[[], Session],
        communities: dict[str, str],
        tz: tzinfo,
        cached: int = CACHED,
    ) -> None:
        """``sessions`` opens read sessions; ``communities`` maps codes to names."""
        self._sessions = sessions
        self._communities = communities
        self._tz = tz
        self._cap = cached
        self._cache: dict[int, tuple[Any, str, bytes]] = {}
        self._lock = threading.Lock()  # queries run in several worker threads at once

    def find(self, query: RequestQuery) -> list[bytes]:
        """The matching requests as JSON objects, newest first (runs SQL: call in a thread)."""
        with self._sessions() as session:
            keys = match_keys(session, query)
            with self._lock:
                found = [self._cache.get(key[0]) for key in keys]
            stale = [
                key[0]
                for key, hit in zip(keys, found, strict=True)
                if hit is None or hit[0] != key[1] or hit[1] != key[2]
            ]
            if not stale:  # the usual case: every request already rendered and current
                return [hit[2] for hit in found]  # type: ignore[index]
            fresh = self._render(session, stale)
        with self._lock:
            for ticket_id, entry in fresh.items():
                self._cache.pop(ticket_id, None)  # re-inserted last: the newest stay longest
                self._cache[ticket_id] = entry
            while len(self._cache) > self._cap:
                del self._cache[next(iter(self._cache))]
        out = []
        for key, hit in zip(keys, found, strict=True):
            cached = fresh.get(key[0]) or hit
            if cached is None:  # matched, then gone before its columns were read: not listed
                continue
            out.append(cached[2])
        return out

    def _render(self, session: Session, ids: list[int]) -> dict[int, tuple[Any, str, bytes]]:
        rows = load_rows(session, ids)
        notes = notes_of(session, rows)
        names = member_names(session, {r["community_code"] for r in rows})
        return {
            r["id"]: (
                r["version"],
                r["state"],
                _dumps(
                    request_fields(
                        r,
                        self._communities.get(r["community_code"], ""),
                        self._tz,
                        notes.get(r["id"]),
                        names.get(r["community_code"], ()),
                    )
                ),
            )
            for r in rows
        }
