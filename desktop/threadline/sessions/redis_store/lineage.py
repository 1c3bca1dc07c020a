"""A Redis session's history: its own events after the part it inherits from its ancestors.

A branch stores only ``fork_index`` (how many events of its parent's history it inherits), so
forking costs one hash whatever the length; reading walks the chain, one hop per ancestor.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from redis.asyncio import Redis

from threadline.sessions.redis_store.keys import SessionKeys


@dataclass(frozen=True)
class Segment:
    """One session's share of a history.

    Attributes:
        keys: The session's keys.
        base: Events of the history before this session's own (its ``fork_index``).
        count: Its own events the history includes; None for all (the leaf).
    """

    keys: SessionKeys
    base: int
    count: int | None


async def lineage(
    client: Redis,
    leaf: SessionKeys,
    meta: dict[str, str],
    keys_of: Callable[[str], SessionKeys],
) -> list[Segment]:
    """The segments of the history of ``leaf`` (whose meta hash is ``meta``), root first.

    An ancestor whose keys expired (``ttl``) ends the walk: its part is gone.
    """
    base = int(meta.get("fork_index") or 0)
    segments = [Segment(leaf, base, None)]
    limit = base
    parent_id = meta.get("parent_id")
    while parent_id:
        parent = keys_of(parent_id)
        found: list[Any] = await client.hmget(parent.meta, ["parent_id", "fork_index"])
        if found[1] is None:
            break
        parent_base = int(found[1])
        own = max(0, limit - parent_base)
        segments.append(Segment(parent, parent_base, own))
        limit = min(limit, parent_base)
        parent_id = found[0]
    segments.reverse()
    return segments


async def read_history(
    client: Redis, segments: list[Segment], *, newest: int | None = None
) -> list[str]:
    """The event JSON of the history, oldest first; only the ``newest`` N when given."""
    if newest is None:
        ranges = [(s, 0, -1 if s.count is None else s.count - 1) for s in segments if s.count != 0]
    else:
        leaf_length = int(await client.llen(segments[-1].keys.events))
        ranges = []
        remaining = newest
        for segment in reversed(segments):
            count = leaf_length if segment.count is None else segment.count
            take = min(count, remaining)
            if take > 0:
                ranges.append((segment, count - take, count - 1))
            remaining -= take
            if remaining <= 0:
                break
        ranges.reverse()
    async with client.pipeline(transaction=False) as pipe:
        for segment, start, stop in ranges:
            pipe.lrange(segment.keys.events, start, stop)
        parts: list[list[str]] = await pipe.execute()
    return [body for part in parts for body in part]


async def history_index(client: Redis, segments: list[Segment], event_id: str) -> int | None:
    """The place of ``event_id`` in the history (0 = first), or None when it is not in it."""
    async with client.pipeline(transaction=False) as pipe:
        for segment in segments:
            pipe.hget(segment.keys.ids, event_id)
        places: list[str | None] = await pipe.execute()
    for segment, place in zip(segments, places, strict=True):
        if place is not None and (segment.count is None or int(place) < segment.count):
            return segment.base + int(place)
    return None
