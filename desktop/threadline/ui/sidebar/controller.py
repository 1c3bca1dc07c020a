"""The sessions controller: which conversation is open, and the sidebar's list, search and trash."""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from threadline.app import conversations as ops
from threadline.app import trash as trash_ops
from threadline.app.conversations import APP_NAME, USER_ID, OpenedSession
from threadline.app.early import PINNED_KEY
from threadline.app.fallback_store import fallback_notice
from threadline.core.errors import StorageError
from threadline.ui.sidebar.tree import SessionNode

EXPORT_SUFFIXES = (".md", ".json")

if TYPE_CHECKING:
    from threadline.app.approvals import ApprovalBook
    from threadline.sessions import DesktopStore
    from threadline.settings import AppSettings
    from threadline.ui.common.tasks import TaskSpawner


class SessionsController(QObject):
    """Lists, opens, renames, trashes, searches, exports and imports conversations.

    Signals:
        sessions_listed(object): ``list[SessionNode]`` for the sidebar.
        session_upserted(object): a ``SessionNode`` that is new or renamed.
        session_opened(object): an ``OpenedSession``.
        older_loaded(str, object, object): a session id, the ``ChatItem``s of its rows read
            by ``fetch_older``, and the seq to read below next (None: none left).
        trashed(str, str, int): a conversation's id and title, just moved to the trash, and
            how many of its branches went with it.
        trash_listed(object): ``list[TrashedConversation]``, what the trash holds.
        search_results(object): ``dict[str, str]`` session id to snippet.
        recovered(str, str): a damaged data file was salvaged: the message, the kept file.
        notice(str): a plain message for the user.
    """

    sessions_listed = Signal(object)
    session_upserted = Signal(object)
    session_opened = Signal(object)
    older_loaded = Signal(str, object, object)  # session id, items, seq to read below or None
    trashed = Signal(str, str, int)
    trash_listed = Signal(object)
    search_results = Signal(object)
    recovered = Signal(str, str)
    notice = Signal(str)

    def __init__(
        self,
        *,
        store: DesktopStore,
        settings: AppSettings,
        spawner: TaskSpawner,
        approvals: ApprovalBook,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.store = store
        self.settings = settings
        self.spawner = spawner
        self.approvals = approvals
        self.current_session_id: str | None = None
        # Set once the person opens, starts or sends: the last conversation is then not
        # reopened over it when start-up reaches that step (the list shows before it does).
        self._chosen = False
        self.picked_teams: dict[str, str] = {}  # a team picked whose marker is not saved yet
        self.new_model = ""  # the model picked for the conversation not created yet
        self._read_ahead_for: str | None = None  # the open conversation whose history was read

    async def start(self) -> None:
        """Lists the sessions and reopens the one that was open last."""
        if self.store.recovery is not None:  # the file was damaged and salvaged at open
            self.recovered.emit(self.store.recovery.message, self.store.recovery.moved_to)
        await self.list()
        unused = fallback_notice(self.store)  # the shared server could not be used
        if unused:
            self.notice.emit(unused)
        last = self.settings.last_session_id
        if not last or self._chosen:  # the person already opened, started or sent something
            return
        if await self.store.get_meta(APP_NAME, USER_ID, last) is not None and not self._chosen:
            await self.show(last)

    async def list(self) -> None:
        """Sends the sidebar every conversation and branch."""
        rows = await self.store.list_tree(APP_NAME, USER_ID)
        pinned = frozenset(await self._pinned())
        nodes = [SessionNode(*row) for row in rows]
        for node in nodes:
            node.pinned = node.id in pinned
        self.sessions_listed.emit(nodes)

    async def _pinned(self) -> tuple[str, ...]:
        stored = await self.store.get_setting(PINNED_KEY)
        return tuple(str(s) for s in stored) if isinstance(stored, (list, tuple)) else ()

    def set_pinned(self, session_id: str, pinned: bool) -> None:
        """Keeps a conversation at the top of the sidebar, or lets it go (saved with the data,
        so pins survive a restart)."""

        async def work() -> None:
            others = [s for s in await self._pinned() if s != session_id]
            await self.store.set_setting(PINNED_KEY, [session_id, *others] if pinned else others)
            await self.list()

        self.spawner.spawn(work())

    async def refresh_node(self, session_id: str) -> None:
        """Sends the sidebar one conversation again (its title may have changed)."""
        meta = await self.store.get_meta(APP_NAME, USER_ID, session_id)
        if meta is not None:
            self.session_upserted.emit(
                SessionNode(meta.id, meta.title, meta.parent_id, meta.updated_at)
            )

    def announce_new(self, session_id: str, first_message: str) -> None:
        """Shows a conversation just created by its first message."""
        self.current_session_id = session_id
        self._chosen = True
        node = SessionNode(session_id, ops.first_title(first_message), None, time.time())
        self.session_upserted.emit(node)

    def new_session(self) -> None:
        """Clears the chat; the session is created with its first message."""
        self.current_session_id = None
        self._chosen = True
        self.new_model = ""
        self.session_opened.emit(OpenedSession("", [], [], {}, team=self.settings.default_team))

    def open_session(self, session_id: str) -> None:
        """Shows a stored session (a newer request replaces an older one)."""
        self._chosen = True
        if session_id == self.current_session_id:
            return
        self.current_session_id = session_id
        self.spawner.spawn(self.show(session_id), group="open")

    def typing_began(self) -> None:
        """The person is writing in the open conversation: its history is read now, while
        they type, so the turn their message starts does not wait for it (once per
        conversation opened; the store then keeps it in memory)."""
        session_id = self.current_session_id
        if session_id and session_id != self._read_ahead_for:
            self._read_ahead_for = session_id
            self.spawner.spawn(ops.read_history_ahead(self.store, session_id), group="read-ahead")

    async def show(self, session_id: str) -> None:
        """Opens ``session_id`` now (awaitable: branches open this way)."""
        self.current_session_id = session_id
        opened = await ops.open_session(
            self.store, session_id, picked_team=self.picked_teams.get(session_id)
        )
        self.approvals.expect(session_id, opened.pending_calls, reset=True)
        self.settings.last_session_id = session_id
        self.session_opened.emit(opened)

    def fetch_older(self, before: int) -> None:
        """Reads the open conversation's rows older than seq ``before`` (``older_loaded``)."""
        session_id = self.current_session_id
        if not session_id:
            return

        async def work() -> None:
            items, older = await ops.older_items(self.store, session_id, before)
            self.older_loaded.emit(session_id, items, older)

        self.spawner.spawn(work(), group="open")

    def rename(self, session_id: str, title: str) -> None:
        """Sets a session's title."""
        self.spawner.spawn(self.store.rename_session(APP_NAME, USER_ID, session_id, title))

    def delete(self, session_id: str, title: str) -> None:
        """Moves a conversation and its branches to the trash (undo with ``restore``)."""

        async def work() -> None:
            ids = await trash_ops.trash_with_branches(self.store, session_id)
            if self.current_session_id in ids:
                self.new_session()
            await self.list()
            self.trashed.emit(session_id, title, len(ids) - 1)

        self.spawner.spawn(work())

    def restore(self, session_id: str) -> None:
        """Takes a conversation out of the trash, with the branches trashed with it."""

        async def work() -> None:
            await trash_ops.restore_all(
                self.store, await trash_ops.trashed_with(self.store, session_id)
            )
            await self._listed_again()

        self.spawner.spawn(work())

    def restore_all(self, ids: Sequence[str]) -> None:
        """Takes the sessions ``ids`` out of the trash (a conversation, then its branches)."""

        async def work() -> None:
            await trash_ops.restore_all(self.store, ids)
            await self._listed_again()

        self.spawner.spawn(work())

    async def _listed_again(self) -> None:
        await self.list()
        self.list_trash()

    def list_trash(self) -> None:
        """What the trash holds; arrives as ``trash_listed``."""

        async def work() -> None:
            self.trash_listed.emit(await trash_ops.trashed_conversations(self.store))

        self.spawner.spawn(work(), group="trash")

    def empty_trash(self) -> None:
        """Deletes what the trash holds for good; then lists it again (empty)."""

        async def work() -> None:
            gone = await trash_ops.empty(self.store)
            self.notice.emit(f"Deleted {gone} conversation{'s' if gone != 1 else ''} for good.")
            self.list_trash()

        self.spawner.spawn(work())

    def search(self, query: str) -> None:
        """Full-text search; results arrive as ``search_results``."""

        async def work() -> None:
            hits = (
                await self.store.search_sessions(APP_NAME, USER_ID, query) if query.strip() else []
            )
            self.search_results.emit({h.session.id: h.snippet for h in hits})

        self.spawner.spawn(work(), group="search")

    def export_current(self, path: str, *, suffix: str | None = None) -> None:
        """Writes the open conversation to ``path``: a Markdown transcript or lossless JSON.

        A name ending in ``.md`` or ``.json`` says the format; any other name gets ``suffix``
        (the file dialog's chosen filter: ``.md`` or ``.json``) added, and that format.
        """
        session_id = self.current_session_id
        if session_id is None:
            self.notice.emit("Open a conversation to export it.")
            return
        target = Path(path)
        if target.suffix.lower() not in EXPORT_SUFFIXES:
            target = target.with_name(target.name + (suffix or ".json"))
        as_markdown = target.suffix.lower() == ".md"

        async def work() -> None:
            try:
                await ops.export_session(self.store, session_id, target, as_markdown=as_markdown)
            except OSError as exc:
                self.notice.emit(f"Could not write {target}: {exc.strerror}")
                return
            self.notice.emit(f"Exported to {target}")

        self.spawner.spawn(work())

    def import_file(self, path: str) -> None:
        """Adds the conversations of an export (Threadline, ChatGPT, Claude), says how many,
        and opens the newest."""

        async def work() -> None:
            name = Path(path).name
            self.notice.emit(f"Reading {name}…")  # a large ChatGPT export takes seconds
            try:
                result = await ops.import_session(self.store, Path(path))
            except OSError as exc:
                self.notice.emit(f"Could not read {path}: {exc.strerror or exc}.")
                return
            except (ValueError, StorageError) as exc:  # ExportFormatError says what it is
                self.notice.emit(f"Nothing was imported from {name}: {exc}")
                return
            await self.list()
            await self.show(result.session_id)
            self.notice.emit(result.notice(name))

        self.spawner.spawn(work())
