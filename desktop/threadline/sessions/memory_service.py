"""Memory: search what was said in past sessions, so a run can bring relevant bits along."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from pydantic import BaseModel

from threadline.core.session import Session

if TYPE_CHECKING:
    from threadline.sessions.sqlite import SQLiteSessionService


class MemoryHit(BaseModel):
    """A past session and the text in it that matched."""

    session_id: str
    title: str
    snippet: str


class MemoryService(Protocol):
    """Searches past conversations of a user."""

    async def search_memory(
        self, app_name: str, user_id: str, query: str, *, limit: int = 5
    ) -> list[MemoryHit]:
        """The best matches for ``query``, best first."""
        ...


class InMemoryMemoryService:
    """Keeps the sessions handed to ``add_session``; matches words case-insensitively."""

    def __init__(self) -> None:
        self._sessions: dict[tuple[str, str], dict[str, Session]] = {}

    async def add_session(self, session: Session) -> None:
        """Makes a session's messages searchable."""
        self._sessions.setdefault((session.app_name, session.user_id), {})[session.id] = session

    async def search_memory(
        self, app_name: str, user_id: str, query: str, *, limit: int = 5
    ) -> list[MemoryHit]:
        words = [w for w in query.casefold().split() if len(w) > 2]
        hits: list[tuple[int, MemoryHit]] = []
        for session in self._sessions.get((app_name, user_id), {}).values():
            for event in session.events:
                text = event.message.content if event.message else ""
                score = sum(word in text.casefold() for word in words)
                if score:
                    hits.append(
                        (
                            score,
                            MemoryHit(
                                session_id=session.id, title=session.title, snippet=text[:200]
                            ),
                        )
                    )
                    break
        hits.sort(key=lambda pair: -pair[0])
        return [hit for _, hit in hits[:limit]]


class SQLiteMemoryService:
    """Searches the SQLite store's full-text index (FTS5) over every past session."""

    def __init__(self, store: SQLiteSessionService) -> None:
        self._store = store

    async def search_memory(
        self, app_name: str, user_id: str, query: str, *, limit: int = 5
    ) -> list[MemoryHit]:
        significant = " ".join(w for w in query.split() if len(w) > 3)
        if not significant:
            return []
        found = await self._store.search_sessions(
            app_name, user_id, significant, limit=limit, match_any=True
        )
        return [
            MemoryHit(session_id=h.session.id, title=h.session.title, snippet=h.snippet)
            for h in found
        ]
