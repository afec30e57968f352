"""Dashboard sessions kept in server memory, and the log-in limiter (per name and per address)."""

from __future__ import annotations

import asyncio
import secrets
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from bot.config_web import WebUser


@dataclass(slots=True)
class WebSession:
    """One logged-in browser: who, its CSRF token, and when it stops being valid."""

    user: WebUser
    csrf: str
    expires: float  # on the store's clock


class SessionStore:
    """Sessions in memory, by random token; they expire a fixed time after the log-in."""

    def __init__(self, minutes: int, now: Callable[[], float] = time.monotonic) -> None:
        self.seconds = minutes * 60
        self.now = now  # tests replace it to travel past the expiry
        self._sessions: dict[str, WebSession] = {}

    def create(self, user: WebUser) -> tuple[str, WebSession]:
        """A new session (a new token: a log-in never reuses one, against session fixation)."""
        self._purge()
        token = secrets.token_urlsafe(32)
        session = WebSession(user, secrets.token_urlsafe(32), self.now() + self.seconds)
        self._sessions[token] = session
        return token, session

    def get(self, token: str | None) -> WebSession | None:
        """The live session of ``token``, or None (an expired one is forgotten)."""
        if not token:
            return None
        session = self._sessions.get(token)
        if session is not None and session.expires <= self.now():
            del self._sessions[token]
            return None
        return session

    def drop(self, token: str | None) -> None:
        """Log out."""
        if token:
            self._sessions.pop(token, None)

    def drop_user(self, username: str, keep: str | None = None) -> int:
        """End every session of ``username`` but ``keep`` (a disabled account, a new password)."""
        ended = [t for t, s in self._sessions.items() if s.user.username == username and t != keep]
        for token in ended:
            del self._sessions[token]
        return len(ended)

    def _purge(self) -> None:
        now = self.now()
        for token in [t for t, s in self._sessions.items() if s.expires <= now]:
            del self._sessions[token]


class LoginLimiter:
    """Log-in attempts counted per username and per address over a sliding window.

    An attempt is counted when it is admitted, before its password is checked, in one step
    with the check of the limits: twenty guesses sent at once cannot all pass the check before
    the first is counted. Once a name has used its tries, every further try is refused and the
    lock holds for the window: a right password that was still being checked when the lock
    fell is refused too. An address gets more tries than a name (an office shares one NAT).
    """

    def __init__(
        self,
        per_user: int = 5,
        per_address: int = 20,
        window_seconds: float = 15 * 60,
        now: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limits = {"user": per_user, "address": per_address}
        self.window = window_seconds
        self.now = now
        self._attempts: dict[tuple[str, str], deque[float]] = {}
        self._locked: dict[str, float] = {}  # username → when its last refusal was
        self._checking: dict[str, asyncio.Lock] = {}

    def _recent(self, key: tuple[str, str]) -> int:
        times = self._attempts.get(key)
        if not times:
            return 0
        while times and times[0] <= self.now() - self.window:
            times.popleft()
        if not times:
            del self._attempts[key]
        return len(times)

    def locked(self, username: str) -> bool:
        """True while a try of ``username`` was refused within the window."""
        at = self._locked.get(username)
        if at is None:
            return False
        if at <= self.now() - self.window:
            del self._locked[username]
            return False
        return True

    def admit(self, username: str, address: str) -> bool:
        """Count one attempt against both, or refuse it (False) when either is used up.

        Synchronous on purpose: no other request runs between the check and the count.
        """
        if len(self._attempts) > 10_000:  # bound the memory an attacker can make us use
            for key in list(self._attempts):
                self._recent(key)
        over = self._recent(("user", username)) >= self.limits["user"] or (
            self._recent(("address", address)) >= self.limits["address"]
        )
        if over or self.locked(username):
            self._locked[username] = self.now()
            return False
        for key in (("user", username), ("address", address)):
            self._attempts.setdefault(key, deque()).append(self.now())
        return True

    def checking(self, username: str) -> asyncio.Lock:
        """The lock that lets one password of ``username`` be checked at a time."""
        lock = self._checking.get(username)
        if lock is None:
            if len(self._checking) > 10_000:
                for name in [n for n, lk in self._checking.items() if not lk.locked()]:
                    del self._checking[name]
            lock = self._checking[username] = asyncio.Lock()
        return lock

    def succeeded(self, username: str) -> bool:
        """A right password: True (and the name's tries cleared) unless the name is locked."""
        if self.locked(username):
            return False
        self._attempts.pop(("user", username), None)
        return True
