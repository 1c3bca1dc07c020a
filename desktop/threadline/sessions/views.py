"""The store's reads for views and its upkeep beyond the ``SessionService`` protocol: the
sidebar's rows, windows of a history, search, the trash, blobs and settings. Mixed into
``SQLiteSessionService``, whose ``_call`` runs each function on the store's worker thread."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import Any, TypeVar

from threadline.core.session import Session, SessionSearchHit
from threadline.sessions import blobs, trash
from threadline.sessions.queries import (
    EventRow,
    TreeRow,
    event_rows,
    load_setting,
    store_setting,
    tree_rows,
)

T = TypeVar("T")


class StoreViews:
    """Reads and upkeep over ``_call`` (see ``SQLiteSessionService``)."""

    async def _call(self, func: Callable[[sqlite3.Connection], T]) -> T:
        raise NotImplementedError  # SQLiteSessionService runs it on its worker

    async def list_tree(self, app_name: str, user_id: str) -> list[TreeRow]:
        """Light sidebar rows (``TreeRow``), most recently updated first.

        Fields: ``id, title, parent_id, updated_at, fork_text`` (tuple order kept);
        ``fork_text`` is the text of the message a branch was forked at. Raises
        ``StorageError`` when the file cannot be read.
        """
        return await self._call(lambda db: tree_rows(db, app_name, user_id))

    async def list_trash(self, app_name: str, user_id: str) -> list[Session]:
        """Sessions in the trash, most recently deleted first."""
        return await self._call(lambda db: trash.trashed_sessions(db, app_name, user_id))

    async def restore_session(self, app_name: str, user_id: str, session_id: str) -> None:
        """Takes a session out of the trash."""
        await self._call(lambda db: trash.restore(db, app_name, user_id, session_id))

    async def empty_trash(self, app_name: str, user_id: str) -> int:
        """Deletes trashed sessions for good; returns how many. Rows a branch inherits stay."""
        return await self._call(lambda db: trash.purge(db, app_name, user_id))

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
        """Sessions whose title or messages match ``query`` (FTS5), with a snippet of the
        newest match ([bracketed] unless not ``marks``). Every word must match, unless
        ``match_any`` (memory lookups use that)."""
        from threadline.sessions.search import search

        return await self._call(
            lambda db: search(db, app_name, user_id, query, limit, match_any=match_any, marks=marks)
        )

    async def load_rows(
        self, session_id: str, *, last: int | None = None, before: int | None = None
    ) -> list[EventRow]:
        """The history as light ``EventRow`` rows for views, a branch's inherited part first:
        all of it, or the newest ``last`` rows (those older than seq ``before`` when given),
        at a cost that follows ``last``.

        Fields: ``seq, id, author, role, tag, text, body, timestamp`` (tuple order kept). ``body``
        event JSON) is empty for user messages (``text`` is all they need); views parse the
        others' only for rows they draw or inspect. Raises ``StorageError`` when the file
        cannot be read.
        """
        return await self._call(lambda db: event_rows(db, session_id, last, before))

    async def get_blob(self, ref: str) -> bytes | None:
        """The bytes of an image or file part by its ``ref`` (``sha256:<hex>``), or None.

        ``get_session`` fills parts in already; this serves views that read ``load_rows``.
        """
        return await self._call(lambda db: blobs.load(db, ref))

    async def get_setting(self, key: str) -> Any:
        """A value stored with the data (not a secret: keys live in the OS keyring)."""
        return await self._call(lambda db: load_setting(db, key))

    async def set_setting(self, key: str, value: Any) -> None:
        """Stores a JSON value under ``key``."""
        await self._call(lambda db: store_setting(db, key, value))
