"""The store the app works on when Settings → Storage names a shared server: the server, or,
when it cannot be used at start (a wrong password, a server that does not answer), the
conversations on this computer, with ``problem`` saying why. Nothing is lost either way: what
is written goes to the store that was chosen, and the local file is never touched otherwise.

The choice is made once, on the first call (so building the app never waits on the network);
a server that fails later raises ``StorageError`` like any store.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Sequence
from typing import TYPE_CHECKING, Any

from threadline.core.errors import StorageError

if TYPE_CHECKING:
    from threadline.core.events import Event
    from threadline.core.session import Session, SessionSearchHit
    from threadline.sessions import DesktopStore, EventRow, PostgresSessionService, TreeRow
    from threadline.sessions.bulk import SessionPlan
    from threadline.sessions.store_files import Recovery

log = logging.getLogger(__name__)


class FallbackStore:
    """A ``DesktopStore`` over ``server``, or ``local`` when the server cannot be opened."""

    def __init__(
        self,
        server: PostgresSessionService,
        local: DesktopStore,
        explain: Callable[[BaseException], str],
        *,
        seconds: float = 15.0,
    ) -> None:
        self.server = server
        self.local = local
        self._explain = explain
        self._seconds = seconds
        self._current: DesktopStore | None = None
        self._choosing = asyncio.Lock()
        self.problem: str | None = None  # why the server is not in use (None: it is)
        self._when_chosen: list[Callable[[], None]] = []

    def when_chosen(self, callback: Callable[[], None]) -> None:
        """Calls ``callback`` once the store in use is settled (now, if it is already)."""
        if self._current is not None:
            callback()
        else:
            self._when_chosen.append(callback)

    @property
    def on_server(self) -> bool:
        """The server answered and is in use (False before the first call, and after a fall
        back)."""
        return self._current is self.server

    @property
    def chosen(self) -> bool:
        """The first call has settled which store is in use."""
        return self._current is not None

    @property
    def recovery(self) -> Recovery | None:
        return self.local.recovery if self._current is self.local else None

    async def store(self) -> DesktopStore:
        """The store in use: the server if it opens, else this computer's."""
        if self._current is not None:
            return self._current
        async with self._choosing:
            if self._current is None:
                try:
                    async with asyncio.timeout(self._seconds):
                        await self.server.open()
                    self._current = self.server
                except (StorageError, TimeoutError) as exc:
                    reason = self._explain(exc)
                    self.problem = (
                        f"{reason} Threadline is using the conversations on this computer "
                        "for now; nothing was lost. Fix the server in Settings → Storage "
                        "and restart, or choose This computer there."
                    )
                    log.warning("storage: the shared server is not used: %s", reason)
                    await self.server.aclose()
                    self._current = self.local
                for callback in self._when_chosen:
                    callback()
                self._when_chosen.clear()
        return self._current

    async def aclose(self) -> None:
        await self.server.aclose()
        await self.local.aclose()

    @contextlib.asynccontextmanager
    async def run_lock(self, app_name: str, user_id: str, session_id: str) -> AsyncIterator[None]:
        async with (await self.store()).run_lock(app_name, user_id, session_id):
            yield

    # -- SessionService --------------------------------------------------------------------

    async def create_session(
        self,
        app_name: str,
        user_id: str,
        session_id: str | None = None,
        state: dict[str, Any] | None = None,
    ) -> Session:
        return await (await self.store()).create_session(app_name, user_id, session_id, state)

    async def get_session(self, app_name: str, user_id: str, session_id: str) -> Session | None:
        return await (await self.store()).get_session(app_name, user_id, session_id)

    async def list_sessions(self, app_name: str, user_id: str) -> list[Session]:
        return await (await self.store()).list_sessions(app_name, user_id)

    async def delete_session(self, app_name: str, user_id: str, session_id: str) -> None:
        await (await self.store()).delete_session(app_name, user_id, session_id)

    async def append_event(self, session: Session, event: Event) -> Event:
        return await (await self.store()).append_event(session, event)

    async def update_app_state(self, app_name: str, delta: dict[str, Any]) -> None:
        await (await self.store()).update_app_state(app_name, delta)

    async def update_user_state(self, app_name: str, user_id: str, delta: dict[str, Any]) -> None:
        await (await self.store()).update_user_state(app_name, user_id, delta)

    async def fork_session(
        self, app_name: str, user_id: str, session_id: str, at_event_id: str
    ) -> Session:
        return await (await self.store()).fork_session(app_name, user_id, session_id, at_event_id)

    # -- DesktopStore ----------------------------------------------------------------------

    async def rename_session(
        self, app_name: str, user_id: str, session_id: str, title: str
    ) -> None:
        await (await self.store()).rename_session(app_name, user_id, session_id, title)

    async def get_meta(self, app_name: str, user_id: str, session_id: str) -> Session | None:
        return await (await self.store()).get_meta(app_name, user_id, session_id)

    async def branch(
        self, app_name: str, user_id: str, session_id: str, at_event_id: str
    ) -> Session:
        return await (await self.store()).branch(app_name, user_id, session_id, at_event_id)

    async def event_seq(self, session_id: str, event_id: str) -> int | None:
        return await (await self.store()).event_seq(session_id, event_id)

    async def list_tree(self, app_name: str, user_id: str) -> list[TreeRow]:
        return await (await self.store()).list_tree(app_name, user_id)

    async def load_rows(
        self, session_id: str, *, last: int | None = None, before: int | None = None
    ) -> list[EventRow]:
        return await (await self.store()).load_rows(session_id, last=last, before=before)

    async def search_sessions(
        self,
        app_name: str,
        user_id: str,
        query: str,
        *,
        limit: int = 50,
        match_any: bool = False,
        marks: bool = True,
    ) -> list[SessionSearchHit]:
        store = await self.store()
        return await store.search_sessions(
            app_name, user_id, query, limit=limit, match_any=match_any, marks=marks
        )

    async def list_trash(self, app_name: str, user_id: str) -> list[Session]:
        return await (await self.store()).list_trash(app_name, user_id)

    async def restore_session(self, app_name: str, user_id: str, session_id: str) -> None:
        await (await self.store()).restore_session(app_name, user_id, session_id)

    async def empty_trash(self, app_name: str, user_id: str) -> int:
        return await (await self.store()).empty_trash(app_name, user_id)

    async def get_blob(self, ref: str) -> bytes | None:
        return await (await self.store()).get_blob(ref)

    async def get_setting(self, key: str) -> Any:
        return await (await self.store()).get_setting(key)

    async def set_setting(self, key: str, value: Any) -> None:
        await (await self.store()).set_setting(key, value)

    async def import_session(
        self,
        app_name: str,
        user_id: str,
        *,
        state: dict[str, Any],
        title: str,
        events: list[Event],
    ) -> Session:
        store = await self.store()
        return await store.import_session(
            app_name, user_id, state=state, title=title, events=events
        )

    async def import_sessions(
        self, app_name: str, user_id: str, plans: Sequence[SessionPlan]
    ) -> list[str]:
        return await (await self.store()).import_sessions(app_name, user_id, plans)


def local_store(store: DesktopStore) -> DesktopStore:
    """This computer's store: ``store`` itself, or the one a ``FallbackStore`` keeps."""
    return store.local if isinstance(store, FallbackStore) else store


def fallback_notice(store: object) -> str | None:
    """Why the shared server named in Settings is not in use, or None."""
    return store.problem if isinstance(store, FallbackStore) else None
