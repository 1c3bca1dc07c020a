"""Writing many new sessions at once (an imported file's conversations and their branches).

A ``SessionPlan`` is one session to make: its own events and, for a branch, which earlier
plan it forks from and at which of that lineage's events. ``write_plans`` runs on the SQLite
worker inside one transaction, so a file's import lands whole or not at all;
``import_plans`` does the same over any ``SessionService`` (on a store without
``import_sessions`` it removes what it made when a write fails).
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from threadline.core.events import Event, new_id
from threadline.core.session import SessionService
from threadline.sessions import blobs
from threadline.sessions.queries import (
    EVENT_INSERT,
    dumps,
    event_row,
    find_in_lineage,
    transaction,
)


@dataclass
class SessionPlan:
    """One session to create.

    Attributes:
        title: Its title (one line).
        events: Its own events, in order (fresh ids: unique across the whole import).
        parent: Index of the plan it branches from (always an earlier one), or None for a root.
        fork_event_id: The event of the parent's lineage the branch starts after (``""``:
            before the first, inheriting nothing). Only for a branch.
        created_at: When it began (seconds since the epoch; None: now).
        updated_at: When it last changed (None: ``created_at``).
        state: Its session-scoped state.
        id: Its id (None: a new one). A copy keeps the ids it copies.
        parent_id: For a branch of a session already in the store (instead of ``parent``):
            that session's id; ``fork_event_id`` is then one of its lineage's events.
    """

    title: str
    events: list[Event] = field(default_factory=list)
    parent: int | None = None
    fork_event_id: str = ""
    created_at: float | None = None
    updated_at: float | None = None
    state: dict[str, Any] = field(default_factory=dict)
    id: str | None = None
    parent_id: str | None = None


@dataclass
class PreparedPlans:
    """Plans turned into rows off the worker thread (``prepare``), ready for ``write_plans``."""

    plans: Sequence[SessionPlan]
    ids: list[str]
    rows: list[list[tuple[Any, ...]]]
    found_blobs: list[Any]
    now: float


def prepare(plans: Sequence[SessionPlan]) -> PreparedPlans:
    """Session ids and event rows for ``plans``; raises ``ValueError`` for a bad parent."""
    ids = [plan.id or new_id() for plan in plans]
    rows: list[list[tuple[Any, ...]]] = []
    found_blobs: list[Any] = []
    for number, plan in enumerate(plans):
        if plan.parent is not None and not 0 <= plan.parent < number:
            raise ValueError(f"plan {number} branches from plan {plan.parent}, not an earlier one")
        own, found = event_rows(ids[number], plan.events)
        found_blobs.extend(found)
        rows.append(own)
    return PreparedPlans(plans, ids, rows, found_blobs, time.time())


def write_plans(
    db: sqlite3.Connection, app_name: str, user_id: str, prepared: PreparedPlans
) -> list[str]:
    """Inserts every planned session and its events in one transaction; returns the ids.

    A branch row is what ``fork_session`` writes (parent, fork event, its ``seq``), so a
    branch costs one row whatever the length of its parent.
    """
    seqs: dict[str, int] = {}  # event id -> seq, for the forks that follow
    forked_from = {plan.parent for plan in prepared.plans}
    with transaction(db):
        if prepared.found_blobs:
            blobs.save(db, prepared.found_blobs)
        for number, plan in enumerate(prepared.plans):
            sid = prepared.ids[number]
            created = plan.created_at if plan.created_at is not None else prepared.now
            updated = plan.updated_at if plan.updated_at is not None else created
            parent_id = fork_seq = None
            fork_event_id: str | None = None
            if plan.parent is not None:
                parent_id = prepared.ids[plan.parent]
                fork_event_id = plan.fork_event_id
                fork_seq = seqs[plan.fork_event_id] if plan.fork_event_id else 0
            elif plan.parent_id is not None:
                parent_id, fork_event_id = plan.parent_id, plan.fork_event_id
                found = find_in_lineage(db, parent_id, fork_event_id) if fork_event_id else 0
                if found is None:
                    raise KeyError(f"event {fork_event_id!r} is not in session {parent_id!r}")
                fork_seq = found
            db.execute(
                "INSERT INTO sessions (id, app_name, user_id, title, state, parent_id,"
                " fork_event_id, fork_seq, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    sid,
                    app_name,
                    user_id,
                    " ".join(plan.title.split()),
                    dumps(plan.state),
                    parent_id,
                    fork_event_id,
                    fork_seq,
                    created,
                    updated,
                ),
            )
            db.executemany(EVENT_INSERT, prepared.rows[number])
            if plan.events and number in forked_from:
                seqs.update(db.execute("SELECT id, seq FROM events WHERE session_id = ?", (sid,)))
    return prepared.ids


def event_rows(session_id: str, events: Sequence[Event]) -> tuple[list[tuple[Any, ...]], list[Any]]:
    """The ``events`` rows of a new session's ``events`` and the blobs they carry."""
    rows: list[tuple[Any, ...]] = []
    found_blobs: list[Any] = []
    for event in events:
        row, found = event_row(session_id, event)
        found_blobs.extend(found)
        rows.append(row)
    return rows, found_blobs


@dataclass
class PreparedSession:
    """One imported session turned into rows off the worker thread, for ``write_session``."""

    id: str
    title: str
    state: dict[str, Any]
    rows: list[tuple[Any, ...]]
    found_blobs: list[Any]
    now: float


def prepare_session(
    session_id: str, title: str, state: dict[str, Any], events: Sequence[Event]
) -> PreparedSession:
    """The rows of a new session holding ``events`` (title made one line)."""
    rows, found_blobs = event_rows(session_id, events)
    return PreparedSession(
        session_id, " ".join(title.split()), state, rows, found_blobs, time.time()
    )


def write_session(
    db: sqlite3.Connection, app_name: str, user_id: str, prepared: PreparedSession
) -> None:
    """Inserts one new session and its event rows in one transaction."""
    with transaction(db):
        db.execute(
            "INSERT INTO sessions (id, app_name, user_id, title, state, created_at,"
            " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                prepared.id,
                app_name,
                user_id,
                prepared.title,
                dumps(prepared.state),
                prepared.now,
                prepared.now,
            ),
        )
        if prepared.found_blobs:
            blobs.save(db, prepared.found_blobs)
        db.executemany(EVENT_INSERT, prepared.rows)


async def import_plans(
    service: SessionService, app_name: str, user_id: str, plans: Sequence[SessionPlan]
) -> list[str]:
    """Creates the planned sessions, all or none; returns their ids in plan order.

    In one transaction on a store with ``import_sessions`` (SQLite); on another store the
    sessions are made one by one (``create_session``, ``fork_session``, ``append_event``) and
    removed again when any write fails. Raises what the store raises.
    """
    bulk = getattr(service, "import_sessions", None)
    if callable(bulk):
        ids: list[str] = await bulk(app_name, user_id, plans)
        return ids
    made: list[str] = []
    try:
        for plan in plans:
            if plan.parent is None:
                session = await service.create_session(app_name, user_id, state=plan.state)
            else:
                session = await service.fork_session(
                    app_name, user_id, made[plan.parent], plan.fork_event_id
                )
            made.append(session.id)
            for event in plan.events:
                await service.append_event(session, event)
            rename = getattr(service, "rename_session", None)
            if plan.title and callable(rename):
                await rename(app_name, user_id, session.id, plan.title)
    except BaseException:
        for session_id in reversed(made):
            await service.delete_session(app_name, user_id, session_id)
        raise
    return made
