"""``DesktopStore``: what the desktop app asks of its store, beyond the ``SessionService``
protocol the runner needs. ``SQLiteSessionService`` (this computer) and
``PostgresSessionService`` (a shared server) both implement it, and the app is typed against it
(``tests/sessions/test_desktop_store.py`` runs the same checks on both).
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from typing import TYPE_CHECKING, Any, Protocol

from threadline.core.session import SessionService

if TYPE_CHECKING:
    from threadline.core.events import Event
    from threadline.core.session import Session, SessionSearchHit
    from threadline.sessions.bulk import SessionPlan
    from threadline.sessions.queries import EventRow, TreeRow
    from threadline.sessions.store_files import Recovery


class DesktopStore(SessionService, Protocol):
    """The sessions protocol plus the reads and upkeep the window needs.

    Every method raises ``StorageError`` when the store cannot be reached or read.
    """

    @property
    def recovery(self) -> Recovery | None:
        """Set when a damaged local file was moved aside and salvaged (never on a server)."""
        ...

    async def aclose(self) -> None:
        """Closes the store (connections, files); safe to call twice."""
        ...

    def run_lock(
        self, app_name: str, user_id: str, session_id: str
    ) -> AbstractAsyncContextManager[None]:
        """Held while a run works on a session: other runs on it wait, in any process."""
        ...

    # -- sessions beyond the protocol ------------------------------------------------------

    async def rename_session(
        self, app_name: str, user_id: str, session_id: str, title: str
    ) -> None:
        """Sets a session's title (made one line)."""
        ...

    async def get_meta(self, app_name: str, user_id: str, session_id: str) -> Session | None:
        """The live session without its events (cheap whatever its length), or None."""
        ...

    async def branch(
        self, app_name: str, user_id: str, session_id: str, at_event_id: str
    ) -> Session:
        """``fork_session`` returning the branch without its events: O(1), reads no history.

        Raises ``KeyError`` when the session or the event is not found.
        """
        ...

    async def event_seq(self, session_id: str, event_id: str) -> int | None:
        """Where ``event_id`` is in the session's history (a branch's inherited part too)."""
        ...

    # -- views -----------------------------------------------------------------------------

    async def list_tree(self, app_name: str, user_id: str) -> list[TreeRow]:
        """The sidebar's rows (trash excepted), most recently updated first."""
        ...

    async def load_rows(
        self, session_id: str, *, last: int | None = None, before: int | None = None
    ) -> list[EventRow]:
        """The history as ``EventRow``s, a branch's inherited part first: all of it, or the
        newest ``last`` rows (those below seq ``before`` when given)."""
        ...

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
        """Sessions whose title or messages match ``query``, with a snippet ([marked] unless
        not ``marks``). Every word must match unless ``match_any``."""
        ...

    # -- the trash -------------------------------------------------------------------------

    async def list_trash(self, app_name: str, user_id: str) -> list[Session]:
        """Sessions in the trash, most recently deleted first."""
        ...

    async def restore_session(self, app_name: str, user_id: str, session_id: str) -> None:
        """Takes a session out of the trash."""
        ...

    async def empty_trash(self, app_name: str, user_id: str) -> int:
        """Deletes trashed sessions for good (rows a live branch inherits stay); how many."""
        ...

    # -- blobs and settings ----------------------------------------------------------------

    async def get_blob(self, ref: str) -> bytes | None:
        """The bytes of an image or file part by its ``ref`` (``sha256:<hex>``), or None."""
        ...

    async def get_setting(self, key: str) -> Any:
        """A JSON value stored with the conversations (never a secret), or None."""
        ...

    async def set_setting(self, key: str, value: Any) -> None:
        """Stores a JSON value under ``key``."""
        ...

    # -- imports ---------------------------------------------------------------------------

    async def import_session(
        self,
        app_name: str,
        user_id: str,
        *,
        state: dict[str, Any],
        title: str,
        events: list[Event],
    ) -> Session:
        """A new session holding ``events``, in one transaction (all or nothing)."""
        ...

    async def import_sessions(
        self, app_name: str, user_id: str, plans: Sequence[SessionPlan]
    ) -> list[str]:
        """New sessions and branches in one transaction; their ids in plan order."""
        ...
