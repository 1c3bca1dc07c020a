"""Many sessions at once on PostgreSQL (an imported file, or conversations copied from this
computer), in one transaction: they land whole or not at all. A branch is one row pointing at
its parent and fork event, as ``fork_session`` writes it."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import TYPE_CHECKING

import asyncpg

from threadline.core.errors import StorageError
from threadline.core.events import new_id
from threadline.sessions.postgres import sql
from threadline.sessions.postgres.rows import INSERT_EVENT, event_values, save_blobs
from threadline.sessions.postgres.views import dumps

if TYPE_CHECKING:
    from threadline.sessions.bulk import SessionPlan
    from threadline.sessions.postgres.schema import Conn


async def write_plans(
    conn: Conn, app_name: str, user_id: str, plans: Sequence[SessionPlan]
) -> list[str]:
    """Inserts every planned session and its events in one transaction; returns the ids.

    Raises ``ValueError`` for a plan whose id is taken or whose parent is not an earlier
    plan, ``KeyError`` for a fork event (or ``parent_id``) not found, ``StorageError`` when
    the server refuses a row. Nothing is written then.
    """
    ids = [plan.id or new_id() for plan in plans]
    for number, plan in enumerate(plans):
        if plan.parent is not None and not 0 <= plan.parent < number:
            raise ValueError(f"plan {number} branches from plan {plan.parent}, not an earlier one")
    forked_from = {plan.parent for plan in plans}
    pks: list[int] = []
    seqs: dict[str, int] = {}  # event id -> seq, for the forks that follow
    now = time.time()
    try:
        async with conn.transaction():
            for number, plan in enumerate(plans):
                parent_pk, fork_seq = await _parent(conn, app_name, user_id, plan, pks, seqs)
                created = plan.created_at if plan.created_at is not None else now
                pk = await conn.fetchval(
                    sql.INSERT_PLANNED,
                    app_name,
                    user_id,
                    ids[number],
                    " ".join(plan.title.split()),
                    dumps(plan.state),
                    parent_pk,
                    (plan.fork_event_id or None) if parent_pk is not None else None,
                    fork_seq,
                    created,
                    plan.updated_at if plan.updated_at is not None else created,
                )
                pks.append(pk)
                rows = []
                for event in plan.events:
                    values, found = event_values(event)
                    await save_blobs(conn, found)
                    rows.append((pk, *values))
                if rows:
                    await conn.executemany(INSERT_EVENT, rows)
                if plan.events and number in forked_from:
                    found_seqs = await conn.fetch(
                        "SELECT id, seq FROM events WHERE session_pk = $1", pk
                    )
                    seqs.update((row[0], row[1]) for row in found_seqs)
    except asyncpg.UniqueViolationError as exc:
        raise ValueError(f"a session or event of the import already exists: {exc}") from exc
    except asyncpg.PostgresError as exc:
        raise StorageError(f"the session server refused the import: {exc}") from exc
    return ids


async def _parent(
    conn: Conn,
    app_name: str,
    user_id: str,
    plan: SessionPlan,
    pks: list[int],
    seqs: dict[str, int],
) -> tuple[int | None, int | None]:
    """The parent's pk and the fork's seq for a branch plan; (None, None) for a root."""
    if plan.parent is not None:
        seq = seqs.get(plan.fork_event_id) if plan.fork_event_id else 0
        if seq is None:
            raise KeyError(f"event {plan.fork_event_id!r} is not in the branch's parent plan")
        return pks[plan.parent], seq
    if plan.parent_id is None:
        return None, None
    parent_pk = await conn.fetchval(sql.SOURCE, app_name, user_id, plan.parent_id)
    if parent_pk is None:
        raise KeyError(f"session {plan.parent_id!r} does not exist")
    if not plan.fork_event_id:
        return parent_pk, 0
    seq = await conn.fetchval(sql.FIND_IN_HISTORY, parent_pk, plan.fork_event_id)
    if seq is None:
        raise KeyError(f"event {plan.fork_event_id!r} is not in session {plan.parent_id!r}")
    return parent_pk, seq
