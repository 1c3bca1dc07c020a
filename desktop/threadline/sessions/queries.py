"""SQL run on the store's worker thread: transactions, state scopes, lineage (branch history)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any, NamedTuple, cast

from threadline.core.event_log import (
    Entry,
    EventLog,
    ReadBodies,
    StoredMessage,
    is_plain,
    position,
)
from threadline.core.events import Event
from threadline.core.session import Session, merge_state
from threadline.sessions.blobs import Blob, event_columns
from threadline.sessions.blobs import fill as fill_blobs
from threadline.sessions.early_list import TREE_SQL

SESSION_COLUMNS = (
    "id, app_name, user_id, title, state, parent_id, fork_event_id, created_at, updated_at"
)
EVENT_INSERT = (
    "INSERT INTO events (session_id, id, invocation_id, author, role, tag,"
    " timestamp, text, body, plain, branch) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


class EventRow(NamedTuple):
    """One stored event as a view reads it, without parsing its JSON (``load_rows``).

    Attributes:
        seq: The row's place in the store (grows with every append; orders a history).
        id: The event id.
        author: Who wrote it: an agent name, ``"user"`` or ``"runner"``.
        role: The message role, or None for an event without a message.
        tag: The event's ``EventTag`` value, or ``""`` for a plain message.
        text: The text of a user or assistant message, else ``""``.
        body: The event JSON; ``""`` for user messages (``text`` is all they need).
        timestamp: When it happened (seconds since the epoch).
    """

    seq: int
    id: str
    author: str
    role: str | None
    tag: str
    text: str
    body: str
    timestamp: float


class TreeRow(NamedTuple):
    """One session as the sidebar lists it (``list_tree``).

    Attributes:
        id: The session id.
        title: Its title (``""`` until the first user message).
        parent_id: The session it was branched from, or None for a root.
        updated_at: When it last changed (seconds since the epoch).
        fork_text: The text of the message a branch was forked at (``""`` for a root).
    """

    id: str
    title: str
    parent_id: str | None
    updated_at: float
    fork_text: str


# tuple.__new__ through partial runs in C: half the cost of ``EventRow._make`` per row, which
# counts for a history of 50,000 rows.
_event_row = cast(Callable[[Any], EventRow], partial(tuple.__new__, EventRow))
_tree_row = cast(Callable[[Any], TreeRow], partial(tuple.__new__, TreeRow))
_stored_message = cast(Callable[[Any], StoredMessage], partial(tuple.__new__, StoredMessage))


class transaction:
    """``BEGIN IMMEDIATE`` ... ``COMMIT``; rolls back on any exception."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def __enter__(self) -> None:
        self.db.execute("BEGIN IMMEDIATE")

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        if exc_type is None:
            self.db.commit()
        else:
            self.db.rollback()


def in_tx(db: sqlite3.Connection, action: Callable[[], None]) -> None:
    with transaction(db):
        action()


def execute(db: sqlite3.Connection, sql: str, params: tuple[Any, ...]) -> None:
    with transaction(db):
        db.execute(sql, params)


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


def merge_json(
    db: sqlite3.Connection, table: str, where: str, params: tuple[Any, ...], delta: dict[str, Any]
) -> None:
    row = db.execute(f"SELECT state FROM {table} WHERE {where}", params).fetchone()
    state = json.loads(row[0]) if row else {}
    state.update(delta)
    db.execute(f"UPDATE {table} SET state = ? WHERE {where}", (dumps(state), *params))


def merge_scoped(
    db: sqlite3.Connection,
    app_name: str,
    user_id: str | None,
    app: dict[str, Any],
    user: dict[str, Any],
) -> None:
    if app:
        db.execute("INSERT OR IGNORE INTO app_state (app_name) VALUES (?)", (app_name,))
        merge_json(db, "app_state", "app_name = ?", (app_name,), app)
    if user and user_id is not None:
        db.execute(
            "INSERT OR IGNORE INTO user_state (app_name, user_id) VALUES (?, ?)",
            (app_name, user_id),
        )
        merge_json(db, "user_state", "app_name = ? AND user_id = ?", (app_name, user_id), user)


def scoped_state(
    db: sqlite3.Connection, app_name: str, user_id: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    app = db.execute("SELECT state FROM app_state WHERE app_name = ?", (app_name,)).fetchone()
    user = db.execute(
        "SELECT state FROM user_state WHERE app_name = ? AND user_id = ?", (app_name, user_id)
    ).fetchone()
    return (json.loads(app[0]) if app else {}, json.loads(user[0]) if user else {})


def session_from_row(
    row: tuple[Any, ...], scoped: tuple[dict[str, Any], dict[str, Any]]
) -> Session:
    sid, app_name, user_id, title, state, parent_id, fork_event_id, created, updated = row
    return Session(
        id=sid,
        app_name=app_name,
        user_id=user_id,
        title=title,
        state=merge_state(scoped[0], scoped[1], json.loads(state)),
        parent_id=parent_id,
        fork_event_id=fork_event_id,
        created_at=created,
        updated_at=updated,
    )


def load_session(
    db: sqlite3.Connection,
    app_name: str,
    user_id: str,
    session_id: str,
    last: int | None = None,
    read: ReadBodies | None = None,
) -> Session | None:
    """The session with its history (only the newest ``last`` events when given), or None;
    ``read`` fetches the JSON of the plain messages left unparsed (``history_of``)."""
    row = db.execute(
        f"SELECT {SESSION_COLUMNS} FROM sessions WHERE id = ? AND app_name = ? AND user_id = ?"
        " AND deleted_at IS NULL",
        (session_id, app_name, user_id),
    ).fetchone()
    if row is None:
        return None
    session = session_from_row(row, scoped_state(db, app_name, user_id))
    rows = (
        lineage_rows(db, session_id, HISTORY_COLUMNS)
        if last is None
        else (tail_rows(db, session_id, last, None, HISTORY_COLUMNS) if last else [])
    )
    session.events = history_of(db, rows, read)
    return session


def history_of(db: sqlite3.Connection, rows: list[Any], read: ReadBodies | None) -> EventLog:
    """``HISTORY_COLUMNS`` rows as a session's events: plain messages stay unparsed and their
    JSON unread (``StoredMessage``), the rest are parsed here, on the worker thread."""
    validate = Event.model_validate_json
    parsed: list[Event] = []
    entries: list[Entry] = []
    for row in rows:
        if row[0]:
            entries.append(_stored_message(row[1:8]))
        else:
            event = validate(row[-1])
            entries.append(event)
            parsed.append(event)
    fill_blobs(db, parsed)  # image and file bytes are stored apart, once per hash
    return EventLog(entries, read)


def lineage(db: sqlite3.Connection, session_id: str) -> list[tuple[str, int | None]]:
    """``(session id, last inherited seq)`` from the root down to ``session_id`` (None = all)."""
    chain: list[tuple[str, int | None]] = []
    current: str | None = session_id
    limit: int | None = None
    while current is not None:
        chain.append((current, limit))
        row = db.execute(
            "SELECT parent_id, fork_seq FROM sessions WHERE id = ?", (current,)
        ).fetchone()
        if row is None:
            break
        current, fork_seq = row
        if current is None:
            break
        limit = fork_seq if limit is None else min(limit, fork_seq)
    chain.reverse()
    return chain


# A user message's text is a column of its own; its event JSON is never needed by a view, and
# most rows of a long conversation are user messages.
# A user message's text is all a view needs, unless it carries attachments (their names).
_VIEW_BODY = "CASE WHEN role = 'user' AND instr(body, '\"parts\"') = 0 THEN '' ELSE body END"
# What a view reads (``EventRow``), and what a session's history is made of (``history_of``:
# plain, then a ``StoredMessage``'s fields in order).
VIEW_COLUMNS = f"seq, id, author, role, tag, text, {_VIEW_BODY}, timestamp"
HISTORY_COLUMNS = (
    "plain, id, invocation_id, author, branch, role, text, seq, CASE WHEN plain = 0 THEN body END"
)


def event_rows(
    db: sqlite3.Connection, session_id: str, last: int | None = None, before: int | None = None
) -> list[EventRow]:
    """The session's history (a branch's inherited part first) as light ``EventRow`` rows:
    all of it, or the newest ``last`` rows (older than seq ``before`` when given)."""
    if last is None and before is None:
        return list(map(_event_row, lineage_rows(db, session_id, VIEW_COLUMNS)))
    return list(map(_event_row, tail_rows(db, session_id, last, before)))


def tail_rows(
    db: sqlite3.Connection,
    session_id: str,
    last: int | None,
    before: int | None,
    columns: str = "",
) -> list[Any]:
    """The newest ``last`` rows below seq ``before`` (``columns``: ``VIEW_COLUMNS`` unless
    given): read from the newest segment of the lineage backwards, so the cost follows
    ``last``, not the history's length."""
    columns = columns or VIEW_COLUMNS
    wanted = last if last is not None else -1  # SQLite: LIMIT -1 is no limit
    newest_first: list[Any] = []
    for sid, limit in reversed(lineage(db, session_id)):
        bounds = [b for b in (limit, None if before is None else before - 1) if b is not None]
        ceiling = min(bounds) if bounds else None
        if ceiling is None:
            found = db.execute(
                f"SELECT {columns} FROM events WHERE session_id = ? ORDER BY seq DESC LIMIT ?",
                (sid, wanted),
            ).fetchall()
        else:
            found = db.execute(
                f"SELECT {columns} FROM events WHERE session_id = ? AND seq <= ?"
                " ORDER BY seq DESC LIMIT ?",
                (sid, ceiling, wanted),
            ).fetchall()
        newest_first += found
        if last is not None:
            wanted = last - len(newest_first)
            if wanted <= 0:
                break
    newest_first.reverse()
    return newest_first


def tree_rows(db: sqlite3.Connection, app_name: str, user_id: str) -> list[TreeRow]:
    """The user's sessions (trash excepted) as ``TreeRow`` rows, most recently updated first."""
    rows = db.execute(TREE_SQL, (app_name, user_id)).fetchall()  # as the window's first list
    return list(map(_tree_row, rows))


def lineage_rows(db: sqlite3.Connection, session_id: str, columns: str) -> list[Any]:
    """The whole history's rows, a branch's inherited part first (``VIEW_COLUMNS`` or
    ``HISTORY_COLUMNS``)."""
    rows: list[Any] = []
    for sid, limit in lineage(db, session_id):
        if limit is None:
            rows += db.execute(
                f"SELECT {columns} FROM events WHERE session_id = ? ORDER BY seq", (sid,)
            ).fetchall()
        else:
            rows += db.execute(
                f"SELECT {columns} FROM events WHERE session_id = ? AND seq <= ? ORDER BY seq",
                (sid, limit),
            ).fetchall()
    return rows


def find_in_lineage(db: sqlite3.Connection, session_id: str, event_id: str) -> int | None:
    for sid, limit in lineage(db, session_id):
        row = db.execute(
            "SELECT seq FROM events WHERE session_id = ? AND id = ?", (sid, event_id)
        ).fetchone()
        if row is not None and (limit is None or row[0] <= limit):
            return int(row[0])
    return None


def index_of_event(events: Sequence[Event], event_id: str) -> int | None:
    """Index of ``event_id`` in ``events`` (-1 for "" = before the first), or None."""
    return position(events, event_id) if event_id else -1


def session_copy(session: Session) -> Session:
    return session.model_copy(
        update={"events": session.events.copy(), "state": dict(session.state)}
    )


def event_row(session_id: str, event: Event) -> tuple[tuple[Any, ...], list[Blob]]:
    """The ``events`` row of ``event`` (for ``EVENT_INSERT``) and the bytes to store beside it
    (``blobs.event_columns``)."""
    columns, found = event_columns(event)
    return (session_id, *columns, int(is_plain(event)), event.branch), found


def session_list(db: sqlite3.Connection, app_name: str, user_id: str) -> list[Session]:
    """The live (not trashed) sessions without their events, most recently updated first."""
    scoped = scoped_state(db, app_name, user_id)
    rows = db.execute(
        f"SELECT {SESSION_COLUMNS} FROM sessions WHERE app_name = ? AND user_id = ?"
        " AND deleted_at IS NULL ORDER BY updated_at DESC",
        (app_name, user_id),
    ).fetchall()
    return [session_from_row(row, scoped) for row in rows]


def session_meta(
    db: sqlite3.Connection, app_name: str, user_id: str, session_id: str
) -> Session | None:
    """One live session without its events, or None."""
    row = db.execute(
        f"SELECT {SESSION_COLUMNS} FROM sessions WHERE id = ? AND app_name = ?"
        " AND user_id = ? AND deleted_at IS NULL",
        (session_id, app_name, user_id),
    ).fetchone()
    return None if row is None else session_from_row(row, scoped_state(db, app_name, user_id))


def load_setting(db: sqlite3.Connection, key: str) -> Any:
    """The JSON value stored under ``key`` in ``settings``, or None."""
    row = db.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
    return None if row is None else json.loads(row[0])


def store_setting(db: sqlite3.Connection, key: str, value: Any) -> None:
    execute(
        db,
        "INSERT INTO settings (key, value) VALUES (?, ?)"
        " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        (key, dumps(value)),
    )
