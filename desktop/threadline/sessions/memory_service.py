"""Memory: search what was said in past sessions, so a run can bring relevant bits along."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Protocol

from pydantic import BaseModel

from threadline.core.event_log import StoredMessage, entries
from threadline.core.session import Session

if TYPE_CHECKING:
    from threadline.core.session import SessionSearchHit

_TOKEN = re.compile(r"\w+", re.UNICODE)


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
            for event in entries(session.events):  # stored messages' text, without parsing
                if isinstance(event, StoredMessage):
                    text = event.text
                else:
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


# Words too common to say what a message is about ("what about this"): never searched.
_COMMON = frozenset(
    [
        "about",
        "after",
        "again",
        "also",
        "because",
        "been",
        "before",
        "being",
        "could",
        "does",
        "from",
        "have",
        "here",
        "into",
        "just",
        "like",
        "make",
        "more",
        "most",
        "much",
        "only",
        "other",
        "over",
        "said",
        "same",
        "should",
        "some",
        "such",
        "than",
        "that",
        "their",
        "them",
        "then",
        "there",
        "these",
        "they",
        "thing",
        "this",
        "those",
        "through",
        "very",
        "want",
        "were",
        "what",
        "when",
        "where",
        "which",
        "while",
        "will",
        "with",
        "would",
        "your",
    ]
)
_CANDIDATES = 5  # sessions read per hit asked for, then ranked by how many words they share


class SearchableStore(Protocol):
    """A store with a full-text search over its sessions (``DesktopStore.search_sessions``)."""

    async def search_sessions(
        self,
        app_name: str,
        user_id: str,
        query: str,
        *,
        limit: int = 50,
        match_any: bool = False,
        marks: bool = True,
    ) -> list[SessionSearchHit]: ...


class StoreMemoryService:
    """Searches a store's own full-text index over every past session (SQLite's FTS5, or
    PostgreSQL's tsvector index on a shared server): the sessions that share a significant
    word, ranked by how many of the words they share, as clean text (no search marks) for a
    model to read."""

    def __init__(self, store: SearchableStore) -> None:
        self._store = store

    async def search_memory(
        self, app_name: str, user_id: str, query: str, *, limit: int = 5
    ) -> list[MemoryHit]:
        words = {w for w in _TOKEN.findall(query.casefold()) if len(w) > 3 and w not in _COMMON}
        if not words:
            return []
        found = await self._store.search_sessions(
            app_name,
            user_id,
            " ".join(sorted(words)),
            limit=limit * _CANDIDATES,
            match_any=True,
            marks=False,
        )

        def shared(text: str) -> int:
            return len(words & set(_TOKEN.findall(text.casefold())))

        ranked = sorted(found, key=lambda h: -shared(h.snippet))[:limit]
        return [
            MemoryHit(session_id=h.session.id, title=h.session.title, snippet=h.snippet)
            for h in ranked
        ]


# The same service over either store; the names say which index answers.
SQLiteMemoryService = StoreMemoryService
PostgresMemoryService = StoreMemoryService
