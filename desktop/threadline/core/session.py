"""The session record and the storage protocol the runner depends on."""

from __future__ import annotations

import contextlib
import time
from contextlib import AbstractAsyncContextManager
from typing import Any, Protocol, runtime_checkable

from pydantic import BaseModel, Field

from threadline.core.event_log import EventLog
from threadline.core.events import Event

APP_PREFIX = "app:"
USER_PREFIX = "user:"
TEMP_PREFIX = "temp:"


class Session(BaseModel):
    """A conversation: its merged state view and its full history (a branch's inherited part too).

    ``state`` merges session keys with ``app:`` and ``user:`` keys (kept with their prefix).
    """

    id: str
    app_name: str
    user_id: str
    title: str = ""
    state: dict[str, Any] = Field(default_factory=dict)
    # A list of events; a store may leave stored plain messages unparsed (core.event_log).
    events: EventLog = Field(default_factory=EventLog)
    parent_id: str | None = None
    fork_event_id: str | None = None
    created_at: float = Field(default_factory=time.time)
    updated_at: float = Field(default_factory=time.time)


class SessionSearchHit(BaseModel):
    """A search result: the session, a snippet of the matching text, and its rank (lower first)."""

    session: Session
    snippet: str
    rank: float = 0.0


def split_state(
    delta: dict[str, Any],
) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """Splits a state delta into (app, user, session) parts; ``temp:`` keys are dropped.

    App and user keys lose their prefix in the returned dicts.
    """
    app: dict[str, Any] = {}
    user: dict[str, Any] = {}
    session: dict[str, Any] = {}
    for key, value in delta.items():
        if key.startswith(TEMP_PREFIX):
            continue
        if key.startswith(APP_PREFIX):
            app[key[len(APP_PREFIX) :]] = value
        elif key.startswith(USER_PREFIX):
            user[key[len(USER_PREFIX) :]] = value
        else:
            session[key] = value
    return app, user, session


def merge_state(
    app: dict[str, Any], user: dict[str, Any], session: dict[str, Any]
) -> dict[str, Any]:
    """The merged view a ``Session.state`` shows: session keys plus prefixed app and user keys."""
    merged = dict(session)
    merged.update({APP_PREFIX + k: v for k, v in app.items()})
    merged.update({USER_PREFIX + k: v for k, v in user.items()})
    return merged


@runtime_checkable
class SessionService(Protocol):
    """Where sessions live. Every method is async; implementations never block the loop."""

    async def create_session(
        self,
        app_name: str,
        user_id: str,
        session_id: str | None = None,
        state: dict[str, Any] | None = None,
    ) -> Session:
        """Creates a session. Raises ``ValueError`` when the id is already taken."""
        ...

    async def get_session(self, app_name: str, user_id: str, session_id: str) -> Session | None:
        """The session with its full history, or None when absent (or in the trash)."""
        ...

    async def list_sessions(self, app_name: str, user_id: str) -> list[Session]:
        """Sessions without their events, most recently updated first."""
        ...

    async def delete_session(self, app_name: str, user_id: str, session_id: str) -> None:
        """Deletes a session; its branches keep their inherited history."""
        ...

    async def append_event(self, session: Session, event: Event) -> Event:
        """Appends a non-partial event durably and applies its state delta to ``session``."""
        ...

    async def update_app_state(self, app_name: str, delta: dict[str, Any]) -> None:
        """Merges ``delta`` into the app-wide state."""
        ...

    async def update_user_state(self, app_name: str, user_id: str, delta: dict[str, Any]) -> None:
        """Merges ``delta`` into the user's state."""
        ...

    async def fork_session(
        self, app_name: str, user_id: str, session_id: str, at_event_id: str
    ) -> Session:
        """A new branch whose history is the source's up to and including ``at_event_id``.

        Raises ``KeyError`` when the session or event does not exist.
        """
        ...


@runtime_checkable
class RunLocking(Protocol):
    """A ``SessionService`` that serialises runs on one session across processes.

    A service shared by several processes or machines (PostgreSQL, Redis) implements it; the
    runner holds ``run_lock`` from before it loads the session until the run's last append,
    so two runs on one session never interleave, whichever process runs them.
    """

    def run_lock(
        self, app_name: str, user_id: str, session_id: str
    ) -> AbstractAsyncContextManager[None]:
        """Waits until no other run holds the session, and holds it until the block ends."""
        ...


def session_run_lock(
    service: object, app_name: str, user_id: str, session_id: str
) -> AbstractAsyncContextManager[None]:
    """The service's cross-process run lock, or a no-op for a service without one.

    A store only one process can reach (in memory) has no other process to exclude: the
    runner's in-process lock is all it needs.
    """
    if isinstance(service, RunLocking):
        return service.run_lock(app_name, user_id, session_id)
    return contextlib.nullcontext()
