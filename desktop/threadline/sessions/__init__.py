"""Where conversations live: the ``SessionService`` protocol and its implementations."""

from threadline.core.session import Session, SessionSearchHit, SessionService
from threadline.sessions.memory import InMemorySessionService
from threadline.sessions.sqlite import SQLiteSessionService

__all__ = [
    "InMemorySessionService",
    "SQLiteSessionService",
    "Session",
    "SessionSearchHit",
    "SessionService",
]
