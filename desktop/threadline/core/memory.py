"""``InMemorySessionService``: sessions in process memory (the runner's default; tests, scripts).

It lives in ``core`` so the runner can default to it without importing ``threadline.sessions``,
which re-exports it.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from threadline.core import word_match
from threadline.core.event_log import EventLog
from threadline.core.events import Event, new_id
from threadline.core.session import Session, SessionSearchHit, merge_state, split_state
from threadline.core.titles import title_from_event


@dataclass
class _Record:
    session: Session  # metadata only; ``events`` stays empty here
    state: dict[str, Any] = field(default_factory=dict)
    own_events: list[Event] = field(default_factory=list)
    fork_index: int = -1  # events of the parent's history inherited (exclusive end)
    is_deleted: bool = False


class InMemorySessionService:
    """Implements ``SessionService`` in memory. Forks share their parent's history, no copies.

    Image and file bytes (``Message.parts``) are held once per content hash: parts with the
    same bytes share one ``bytes`` object (``get_blob`` returns it by ``ref``).

    ``event_limit`` keeps the newest N events of a history in what ``get_session`` returns (the
    model's view); every event stays stored, and forks can still start at older ones.
    """

    def __init__(self, *, event_limit: int | None = None) -> None:
        if event_limit is not None and event_limit < 0:
            raise ValueError("event_limit must be a count of events (0 or more)")
        self.event_limit = event_limit
        self._blobs: dict[str, bytes] = {}
        self._records: dict[tuple[str, str, str], _Record] = {}
        self._app_state: dict[str, dict[str, Any]] = {}
        self._user_state: dict[tuple[str, str], dict[str, Any]] = {}

    async def create_session(
        self,
        app_name: str,
        user_id: str,
        session_id: str | None = None,
        state: dict[str, Any] | None = None,
    ) -> Session:
        sid = session_id or new_id()
        key = (app_name, user_id, sid)
        if key in self._records and not self._records[key].is_deleted:
            raise ValueError(f"session {sid!r} already exists")
        app, user, own = split_state(state or {})
        self._app_state.setdefault(app_name, {}).update(app)
        self._user_state.setdefault((app_name, user_id), {}).update(user)
        meta = Session(id=sid, app_name=app_name, user_id=user_id)
        self._records[key] = _Record(session=meta, state=own)
        return self._materialise(self._records[key])

    async def get_session(self, app_name: str, user_id: str, session_id: str) -> Session | None:
        record = self._records.get((app_name, user_id, session_id))
        if record is None or record.is_deleted:
            return None
        return self._materialise(record)

    async def list_sessions(self, app_name: str, user_id: str) -> list[Session]:
        found = [
            self._meta(r)
            for (app, user, _), r in self._records.items()
            if app == app_name and user == user_id and not r.is_deleted
        ]
        return sorted(found, key=lambda s: s.updated_at, reverse=True)

    async def delete_session(self, app_name: str, user_id: str, session_id: str) -> None:
        record = self._records.get((app_name, user_id, session_id))
        if record is not None:
            # Kept, hidden: branches still read their inherited history through it.
            record.is_deleted = True

    async def append_event(self, session: Session, event: Event) -> Event:
        if event.partial:
            return event
        record = self._records.get((session.app_name, session.user_id, session.id))
        if record is None:
            raise KeyError(f"session {session.id!r} does not exist")
        if event.message is not None:
            for part in event.message.parts:
                if part.data is not None and part.ref is not None:
                    part.data = self._blobs.setdefault(part.ref, part.data)
        app, user, own = split_state(event.actions.state_delta)
        # No await below: on one event loop this cannot interleave with another append.
        record.own_events.append(event)
        record.state.update(own)
        self._app_state.setdefault(session.app_name, {}).update(app)
        self._user_state.setdefault((session.app_name, session.user_id), {}).update(user)
        record.session.updated_at = time.time()
        title = title_from_event(record.session.title, event)
        if title:
            record.session.title = title
        session.events.append(event)
        session.state.update(
            {k: v for k, v in event.actions.state_delta.items() if not k.startswith("temp:")}
        )
        session.updated_at = record.session.updated_at
        session.title = record.session.title
        return event

    async def update_app_state(self, app_name: str, delta: dict[str, Any]) -> None:
        self._app_state.setdefault(app_name, {}).update(delta)

    async def update_user_state(self, app_name: str, user_id: str, delta: dict[str, Any]) -> None:
        self._user_state.setdefault((app_name, user_id), {}).update(delta)

    async def fork_session(
        self, app_name: str, user_id: str, session_id: str, at_event_id: str
    ) -> Session:
        source = self._records.get((app_name, user_id, session_id))
        if source is None:
            raise KeyError(f"session {session_id!r} does not exist")
        history = self._history(source)
        index = next((i for i, e in enumerate(history) if e.id == at_event_id), None)
        if not at_event_id:
            index = -1  # before the first event: inherits nothing
        if index is None:
            raise KeyError(f"event {at_event_id!r} is not in session {session_id!r}")
        sid = new_id()
        meta = Session(
            id=sid,
            app_name=app_name,
            user_id=user_id,
            title=source.session.title,
            parent_id=session_id,
            fork_event_id=at_event_id,
        )
        self._records[(app_name, user_id, sid)] = _Record(
            session=meta, state=dict(source.state), fork_index=index + 1
        )
        return self._materialise(self._records[(app_name, user_id, sid)])

    async def rename_session(
        self, app_name: str, user_id: str, session_id: str, title: str
    ) -> None:
        """Sets a session's title (one line: runs of whitespace and newlines become a space)."""
        record = self._records.get((app_name, user_id, session_id))
        if record is None:
            raise KeyError(f"session {session_id!r} does not exist")
        record.session.title = " ".join(title.split())

    @contextlib.asynccontextmanager
    async def run_lock(self, app_name: str, user_id: str, session_id: str) -> AsyncIterator[None]:
        """A no-op: these sessions live in one process, where the runner's own lock is enough."""
        yield

    async def search_sessions(
        self, app_name: str, user_id: str, query: str, *, limit: int = 50, match_any: bool = False
    ) -> list[SessionSearchHit]:
        """Sessions whose title or messages hold the words of ``query`` (title matches first).

        Scans every message (this store has no index); ``match_any`` as on SQLite.
        """
        words = word_match.query_words(query)
        hits: list[SessionSearchHit] = []
        for (app, user, _), record in self._records.items():
            if app != app_name or user != user_id or record.is_deleted:
                continue
            title = record.session.title
            if word_match.matches(words, title, match_any=match_any):
                hits.append(SessionSearchHit(session=self._meta(record), snippet=title, rank=-1e9))
                continue
            texts = (
                e.message.content
                for e in record.own_events
                if e.message is not None and e.message.role in ("user", "assistant")
            )
            found = next(
                (t for t in texts if word_match.matches(words, t, match_any=match_any)), None
            )
            if found is not None:
                snippet = word_match.snippet(words, found)
                hits.append(SessionSearchHit(session=self._meta(record), snippet=snippet))
        hits.sort(key=lambda hit: (hit.rank, -hit.session.updated_at))
        return hits[:limit]

    def get_blob(self, ref: str) -> bytes | None:
        """The bytes of an image or file part by its ``ref`` (``sha256:<hex>``), or None."""
        return self._blobs.get(ref)

    def _history(self, record: _Record) -> list[Event]:
        meta = record.session
        if meta.parent_id is None:
            return list(record.own_events)
        parent = self._records[(meta.app_name, meta.user_id, meta.parent_id)]
        return self._history(parent)[: record.fork_index] + record.own_events

    def _meta(self, record: _Record) -> Session:
        meta = record.session
        state = merge_state(
            self._app_state.get(meta.app_name, {}),
            self._user_state.get((meta.app_name, meta.user_id), {}),
            record.state,
        )
        return meta.model_copy(update={"state": state, "events": []})

    def _materialise(self, record: _Record) -> Session:
        session = self._meta(record)
        history = self._history(record)
        if self.event_limit is not None:
            history = history[-self.event_limit :] if self.event_limit else []
        session.events = EventLog(history)
        return session
