"""Sign-in sessions kept on the server, so that signing out ends a session for good.

The cookie holds only a random session id; the server keeps who signed in and when. A cookie copied
before /logout is worthless afterwards, a session ends `idle` seconds after its last request and
`lifetime` seconds after signing in, and restarting the dashboard ends every session.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

ID_BYTES = 32
MAX_SESSIONS = 10_000
"""More live sessions than this and the oldest go first: sign-ins cannot grow memory without bound."""


@dataclass
class Session:
    """One sign-in: its user name (what history records), when it was made and last used."""

    user: str
    issued: float
    used: float


def session_user(name: str | None, label: str) -> str:
    """The name history records for a sign-in: the name given with a short per-session label, so two
    people sharing the token stay apart; without a name, the label alone."""
    return f"{name} (session {label})" if name else f"session {label}"


class SessionStore:
    """Live sessions by id; safe to use from the event loop and worker threads alike."""

    def __init__(self, lifetime: float, idle: float, clock: Callable[[], float] = time.time) -> None:
        self.lifetime = lifetime
        self.idle = idle
        self.clock = clock
        self._sessions: dict[str, Session] = {}
        self._lock = threading.Lock()

    def create(self, name: str | None) -> tuple[str, Session]:
        """A new session for someone who proved they hold the token; its id goes in the cookie."""
        now = self.clock()
        session = Session(session_user(name, secrets.token_hex(4)), now, now)
        session_id = secrets.token_urlsafe(ID_BYTES)
        with self._lock:
            self._prune(now)
            self._sessions[session_id] = session
        return session_id, session

    def user(self, session_id: str | None) -> str | None:
        """The user of a live session (and mark it used), or None: unknown, signed out or expired."""
        if not session_id:
            return None
        now = self.clock()
        with self._lock:
            session = self._sessions.get(session_id)
            if session is None:
                return None
            if not self._live(session, now):
                del self._sessions[session_id]
                return None
            session.used = now
            return session.user

    def revoke(self, session_id: str | None) -> None:
        """End a session (signing out); unknown ids are ignored."""
        if session_id:
            with self._lock:
                self._sessions.pop(session_id, None)

    def _live(self, session: Session, now: float) -> bool:
        return now - session.issued < self.lifetime and now - session.used < self.idle

    def _prune(self, now: float) -> None:
        for key in [key for key, s in self._sessions.items() if not self._live(s, now)]:
            del self._sessions[key]
        while len(self._sessions) >= MAX_SESSIONS:
            del self._sessions[next(iter(self._sessions))]
