"""What the Storage page asks for: test a server, save the choice (the password into the
keyring), copy this computer's conversations to the server, restart on the saved storage."""

from __future__ import annotations

import logging
import os
import subprocess
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QApplication

from threadline.app.fallback_store import FallbackStore, local_store
from threadline.app.restart import restart_command
from threadline.app.storage import (
    StorageSettingsError,
    address_of,
    check_server,
    explain,
    open_server,
    split_password,
)
from threadline.app.storage_copy import copy_conversations
from threadline.core.errors import StorageError
from threadline.ui.settings.page import AppParts, PageController

if TYPE_CHECKING:
    from threadline.settings.config import StorageSettings

log = logging.getLogger(__name__)


class StorageController(PageController):
    """Works for the Storage page (``storage_page.bind_storage``).

    Signals:
        checked(bool, str): a connection test's (or a save's) outcome, in plain words.
        restart_needed(str): the saved storage differs from the one in use ("" = it does not).
        copy_progress(int, int): conversations copied so far, and of how many.
        copied(bool, str): a copy ended: whether it finished, and what it did or why not.
        in_use_changed(str): which store the app works on, once that is settled (``in_use``).
    """

    checked = Signal(bool, str)
    restart_needed = Signal(str)
    copy_progress = Signal(int, int)
    copied = Signal(bool, str)
    in_use_changed = Signal(str)

    def __init__(self, parts: AppParts, parent: QObject | None = None) -> None:
        super().__init__(parts, parent)
        self.restart_program: list[str] | None = None  # None: Threadline itself
        if isinstance(self.store, FallbackStore):  # settled by the first call to the store
            self.store.when_chosen(lambda: self.in_use_changed.emit(self.in_use()))

    def in_use(self) -> str:
        """Which store the app works on now, as the page says it."""
        if isinstance(self.store, FallbackStore):
            if self.store.on_server:
                return f"In use now: the shared server {address_of(self.settings.storage)}."
            if self.store.problem:
                return f"In use now: this computer. {self.store.problem}"
            if not self.store.chosen:
                return f"Connecting to the shared server {address_of(self.settings.storage)}…"
        return "In use now: this computer."

    def test(self, storage: StorageSettings, password: str) -> None:
        """Connects once with what the page holds and says plainly what happened."""

        async def work() -> None:
            try:
                found = await self._password(storage, password)
                result = await check_server(_without_password(storage), found)
            except Exception as exc:  # a malformed address, a missing driver: said, not lost
                log.warning("storage test failed: %s", type(exc).__name__)
                self.checked.emit(False, _unexpected(exc))
                return
            self.checked.emit(result.ok, result.message)

        self.spawner.spawn(work(), group="storage-test")

    def save(self, storage: StorageSettings, password: str) -> None:
        """Saves the choice (the password only in the keyring); it applies after a restart."""

        async def work() -> None:
            try:
                kept = _without_password(storage)
                typed = password or _password_in(storage)
            except StorageSettingsError as exc:
                self.checked.emit(False, str(exc))
                return
            stored = True
            if kept.kind == "server" and typed:
                stored = await self.secrets.set(kept.key_name, typed)
            if not stored:
                self.notice.emit(
                    (self.secrets.problem or "The keyring is not available.")
                    + " After a restart Threadline cannot sign in to the server."
                )
            self.settings.storage = kept
            self._save_settings()
            self.checked.emit(True, "Saved.")
            self.restart_needed.emit(self._restart_message(kept))

        self.spawner.spawn(work(), group="storage-save")

    def copy(self, storage: StorageSettings, password: str) -> None:
        """Copies this computer's conversations to the server the page names (one way)."""

        async def work() -> None:
            local = local_store(self.store)
            kept = _without_password(storage)
            in_use = self.store.server if isinstance(self.store, FallbackStore) else None
            if in_use is not None and _serves(self.store, kept):
                target = in_use
            else:
                secret = await self._password(storage, password)
                try:
                    target, _ = open_server(kept, self.secrets, password=secret or "")
                except StorageSettingsError as exc:
                    self.copied.emit(False, str(exc))
                    return
                except Exception as exc:  # e.g. the PostgreSQL driver is not installed
                    self.copied.emit(False, _unexpected(exc))
                    return
            try:
                result = await copy_conversations(local, target, self.copy_progress.emit)
            except StorageError as exc:
                self.copied.emit(False, "The copy stopped: " + explain(exc, address_of(kept), None))
                return
            except Exception as exc:  # the page must never stay at "Copying…"
                log.warning("storage copy failed: %s", type(exc).__name__)
                self.copied.emit(False, "The copy stopped: " + _unexpected(exc))
                return
            finally:
                if target is not in_use:
                    await target.aclose()
            self.copied.emit(True, result.message)

        self.spawner.spawn(work(), group="storage-copy")

    def restart(self) -> None:
        """Starts Threadline again once this process has ended, and quits."""
        command = restart_command(os.getpid(), self.restart_program)
        subprocess.Popen(command, start_new_session=True)  # our own interpreter
        QApplication.closeAllWindows()  # the window's close runs the usual shutdown

    async def _password(self, storage: StorageSettings, typed: str) -> str | None:
        if typed:
            return typed
        try:
            inline = _password_in(storage)
        except StorageSettingsError:
            inline = None
        if inline:
            return inline
        return await self.secrets.get(_without_password(storage).key_name)

    def _restart_message(self, saved: StorageSettings) -> str:
        on_server = isinstance(self.store, FallbackStore) and self.store.on_server
        if saved.kind == "server" and not _serves(self.store, saved):
            return "Restart Threadline to use the shared server."
        if saved.kind == "local" and on_server:
            return "Restart Threadline to use the conversations on this computer."
        return ""


def _password_in(storage: StorageSettings) -> str | None:
    return split_password(storage.dsn)[1] if storage.dsn else None


def _without_password(storage: StorageSettings) -> StorageSettings:
    """The settings as saved: a password pasted into the connection string is taken out."""
    if not storage.dsn:
        return storage
    try:
        dsn = split_password(storage.dsn)[0]
    except StorageSettingsError:
        return storage
    return storage.model_copy(update={"dsn": dsn})


def _serves(store: object, storage: StorageSettings) -> bool:
    """Whether ``store`` is the app's shared server and ``storage`` names that server."""
    from threadline.app.storage import server_dsn

    if not isinstance(store, FallbackStore) or not store.on_server:
        return False
    try:
        return store.server.dsn == server_dsn(storage)  # the same server, the same database
    except StorageSettingsError:
        return False


def _unexpected(exc: Exception) -> str:
    """A failure the page did not foresee, said plainly (its text holds no password: those
    are taken out of addresses before any connection is tried)."""
    if isinstance(exc, ImportError):
        return "This installation has no PostgreSQL driver: install threadline[postgres]."
    return f"It did not work ({type(exc).__name__}: {exc})."
