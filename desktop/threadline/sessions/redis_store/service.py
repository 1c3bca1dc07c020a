"""``RedisSessionService``: sessions on a Redis server shared by many processes.

Each write is one Lua script (atomic, one round trip) that never reads the history, so appends
stay O(1). Runs on one session are serialised across processes by ``run_lock``, a lock with a
lease that is renewed while the run goes on and expires after a crashed holder.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any, cast

from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from redis.typing import EncodableT, FieldT

from threadline.core import word_match
from threadline.core.errors import StorageError
from threadline.core.event_log import EventLog
from threadline.core.events import Event, new_id
from threadline.core.session import Session, SessionSearchHit, merge_state, split_state
from threadline.core.titles import title_from_event
from threadline.sessions.redis_store import lineage, scripts
from threadline.sessions.redis_store.cancel import kept_cancellation
from threadline.sessions.redis_store.keys import Keys, SessionKeys
from threadline.sessions.redis_store.lease import LeasedLock

LOCK_LEASE_S = 30.0
LOCK_POLL_S = 0.02  # how often a waiting run retries: the hand-over delay between processes


class RedisSessionService:
    """Implements ``SessionService`` (and ``RunLocking``) on Redis (redis-py's asyncio API).

    ``event_limit`` keeps the newest N events in what ``get_session`` returns (nothing is
    deleted). ``ttl`` (seconds) lets a session's keys expire that long after its last write; a
    branch's inherited part lives as long as the session it comes from. App and user state do
    not expire. ``lock_lease`` is how long a crashed run's lock keeps others waiting. Methods
    raise ``StorageError`` when Redis cannot be reached. Call ``aclose()`` when done.
    """

    def __init__(
        self,
        url: str,
        *,
        event_limit: int | None = None,
        ttl: float | None = None,
        prefix: str = "threadline",
        lock_lease: float = LOCK_LEASE_S,
    ) -> None:
        if event_limit is not None and event_limit < 0:
            raise ValueError("event_limit must be a count of events (0 or more)")
        self.event_limit = event_limit
        self.ttl = ttl
        self._url = url
        self._lock_lease = lock_lease
        self._keys = Keys(prefix)
        self._client: Redis = Redis.from_url(url, decode_responses=True)
        self._create = self._client.register_script(scripts.CREATE)
        self._append = self._client.register_script(scripts.APPEND)

    async def aclose(self) -> None:
        """Closes the connections."""
        await self._client.aclose()

    async def __aenter__(self) -> RedisSessionService:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    @contextlib.contextmanager
    def _guarded(self) -> Iterator[None]:
        """Every Redis call: a lost stop raised again, an unreachable server explained."""
        try:
            with kept_cancellation():
                yield
        except (RedisConnectionError, RedisTimeoutError) as exc:
            where = self._url.rsplit("@", 1)[-1]  # what follows the credentials
            raise StorageError(f"cannot reach the session server {where}: {exc}") from exc

    def _session_keys(self, app_name: str, user_id: str, session_id: str) -> SessionKeys:
        return self._keys.session(app_name, user_id, session_id)

    def _script_keys(self, keys: SessionKeys, app_name: str, user_id: str) -> list[str]:
        return [
            *keys.all,
            self._keys.index(app_name, user_id),
            self._keys.app_state(app_name),
            self._keys.user_state(app_name, user_id),
        ]

    # -- SessionService ------------------------------------------------------------------

    async def create_session(
        self,
        app_name: str,
        user_id: str,
        session_id: str | None = None,
        state: dict[str, Any] | None = None,
    ) -> Session:
        sid = session_id or new_id()
        await self._write_session(app_name, user_id, sid, split_state(state or {}), meta={})
        session = await self.get_session(app_name, user_id, sid)
        assert session is not None
        return session

    async def _write_session(
        self,
        app_name: str,
        user_id: str,
        sid: str,
        scoped: tuple[dict[str, Any], dict[str, Any], dict[str, Any]],
        *,
        meta: dict[str, str],
    ) -> None:
        app, user, own = scoped
        counts, pairs = scripts.state_args(own, app, user)
        meta_pairs = [part for item in meta.items() for part in item]
        keys = self._script_keys(self._session_keys(app_name, user_id, sid), app_name, user_id)
        args: list[EncodableT] = [
            sid,
            time.time(),
            self._ttl_arg(),
            len(meta),
            *counts,
            *meta_pairs,
            *pairs,
        ]
        with self._guarded():
            created = await self._create(keys=keys, args=args)
        if not created:
            raise ValueError(f"session {sid!r} already exists")

    async def get_session(self, app_name: str, user_id: str, session_id: str) -> Session | None:
        keys = self._session_keys(app_name, user_id, session_id)
        with self._guarded():
            meta, own, app, user = await self._read_meta(keys, app_name, user_id)
            if not meta or meta.get("deleted") == "1":
                return None
            segments = await lineage.lineage(
                self._client, keys, meta, lambda sid: self._session_keys(app_name, user_id, sid)
            )
            if self.event_limit == 0:
                bodies: list[str] = []
            else:
                bodies = await lineage.read_history(self._client, segments, newest=self.event_limit)
        session = _session(session_id, app_name, user_id, meta, merge_state(app, user, own))
        session.events = EventLog(Event.model_validate_json(body) for body in bodies)
        return session

    async def _read_meta(
        self, keys: SessionKeys, app_name: str, user_id: str
    ) -> tuple[dict[str, str], dict[str, Any], dict[str, Any], dict[str, Any]]:
        async with self._client.pipeline(transaction=False) as pipe:
            pipe.hgetall(keys.meta)
            pipe.hgetall(keys.state)
            pipe.hgetall(self._keys.app_state(app_name))
            pipe.hgetall(self._keys.user_state(app_name, user_id))
            meta, own, app, user = await pipe.execute()
        return meta, _decoded(own), _decoded(app), _decoded(user)

    async def list_sessions(self, app_name: str, user_id: str) -> list[Session]:
        index = self._keys.index(app_name, user_id)
        with self._guarded():
            ids = cast(list[str], await self._client.zrevrange(index, 0, -1))
            async with self._client.pipeline(transaction=False) as pipe:
                pipe.hgetall(self._keys.app_state(app_name))
                pipe.hgetall(self._keys.user_state(app_name, user_id))
                for sid in ids:
                    keys = self._session_keys(app_name, user_id, sid)
                    pipe.hgetall(keys.meta)
                    pipe.hgetall(keys.state)
                app, user, *rows = await pipe.execute()
            gone = [sid for sid, meta in zip(ids, rows[::2], strict=True) if not meta]
            if gone:  # expired (ttl): their index entries go too
                await self._client.zrem(index, *gone)
        found = []
        for sid, meta, own in zip(ids, rows[::2], rows[1::2], strict=True):
            if meta and meta.get("deleted") != "1":
                state = merge_state(_decoded(app), _decoded(user), _decoded(own))
                found.append(_session(sid, app_name, user_id, meta, state))
        return found

    async def delete_session(self, app_name: str, user_id: str, session_id: str) -> None:
        """Hides the session; its keys stay, so branches keep their inherited history."""
        keys = self._session_keys(app_name, user_id, session_id)
        with self._guarded():
            if await self._client.exists(keys.meta):
                async with self._client.pipeline(transaction=True) as pipe:
                    pipe.hset(keys.meta, "deleted", "1")
                    pipe.zrem(self._keys.index(app_name, user_id), session_id)
                    await pipe.execute()

    async def append_event(self, session: Session, event: Event) -> Event:
        """Appends ``event`` in one script; raises ``KeyError`` for an unknown session."""
        if event.partial:
            return event
        delta = event.actions.state_delta
        app, user, own = split_state(delta) if delta else ({}, {}, {})
        counts, pairs = scripts.state_args(own, app, user)
        message = event.message
        is_text = message is not None and message.role in ("user", "assistant")
        now = time.time()
        keys = self._session_keys(session.app_name, session.user_id, session.id)
        args: list[EncodableT] = [
            session.id,
            event.id,
            event.model_dump_json(exclude_defaults=True),
            message.content if is_text and message is not None else "",
            title_from_event(session.title, event) or "",
            now,
            self._ttl_arg(),
            *counts,
            *pairs,
        ]
        with self._guarded():
            title = await self._append(
                keys=self._script_keys(keys, session.app_name, session.user_id), args=args
            )
        if title is None:
            raise KeyError(f"session {session.id!r} does not exist")
        session.events.append(event)
        if delta:
            session.state.update({k: v for k, v in delta.items() if not k.startswith("temp:")})
        session.title = title
        session.updated_at = now
        return event

    async def update_app_state(self, app_name: str, delta: dict[str, Any]) -> None:
        if delta:
            with self._guarded():
                await self._client.hset(self._keys.app_state(app_name), mapping=_encoded(delta))

    async def update_user_state(self, app_name: str, user_id: str, delta: dict[str, Any]) -> None:
        if delta:
            key = self._keys.user_state(app_name, user_id)
            with self._guarded():
                await self._client.hset(key, mapping=_encoded(delta))

    async def fork_session(
        self, app_name: str, user_id: str, session_id: str, at_event_id: str
    ) -> Session:
        """A branch hash pointing at the source and the fork place: O(1) whatever the length.

        Raises ``KeyError`` when the session or the event does not exist.
        """
        keys = self._session_keys(app_name, user_id, session_id)
        with self._guarded():
            meta, own, _app, _user = await self._read_meta(keys, app_name, user_id)
            if not meta:
                raise KeyError(f"session {session_id!r} does not exist")
            place = -1  # "" forks before the first event: a branch that inherits nothing
            if at_event_id:
                segments = await lineage.lineage(
                    self._client, keys, meta, lambda sid: self._session_keys(app_name, user_id, sid)
                )
                found = await lineage.history_index(self._client, segments, at_event_id)
                if found is None:
                    raise KeyError(f"event {at_event_id!r} is not in session {session_id!r}")
                place = found
        branch_meta = {
            "title": meta.get("title", ""),
            "parent_id": session_id,
            "fork_event_id": at_event_id,
            "fork_index": str(place + 1),
        }
        sid = new_id()
        await self._write_session(app_name, user_id, sid, ({}, {}, own), meta=branch_meta)
        branch = await self.get_session(app_name, user_id, sid)
        assert branch is not None
        return branch

    # -- RunLocking ----------------------------------------------------------------------

    @contextlib.asynccontextmanager
    async def run_lock(self, app_name: str, user_id: str, session_id: str) -> AsyncIterator[None]:
        """Holds the session's run lock until the block ends (waits while another holds it).

        Raises ``RunLockLostError`` (the run is cancelled first) when the lease could not be
        renewed in time, and ``StorageError`` when Redis cannot be reached.
        """
        name = self._keys.run_lock(app_name, user_id, session_id)
        lock = self._client.lock(name, timeout=self._lock_lease, thread_local=False)
        held = LeasedLock(lock, lease=self._lock_lease, poll=LOCK_POLL_S)
        with self._guarded():
            await held.acquire()
        try:
            yield
        except BaseException as failure:
            await held.release(failure)
            raise
        await held.release(None)

    # -- beyond the protocol -------------------------------------------------------------

    async def rename_session(
        self, app_name: str, user_id: str, session_id: str, title: str
    ) -> None:
        """Sets a session's title (one line: runs of whitespace and newlines become a space)."""
        keys = self._session_keys(app_name, user_id, session_id)
        with self._guarded():
            if not await self._client.exists(keys.meta):
                raise KeyError(f"session {session_id!r} does not exist")
            await self._client.hset(keys.meta, "title", " ".join(title.split()))

    async def search_sessions(
        self, app_name: str, user_id: str, query: str, *, limit: int = 50, match_any: bool = False
    ) -> list[SessionSearchHit]:
        """Sessions whose title or messages hold the words of ``query`` (title matches first).

        Redis (as Debian ships it) has no full-text index: this reads every message text of
        the user's sessions, fine for thousands of sessions. ``match_any`` as on SQLite.
        """
        words = word_match.query_words(query)
        if not words:
            return []
        sessions = await self.list_sessions(app_name, user_id)
        with self._guarded():
            async with self._client.pipeline(transaction=False) as pipe:
                for session in sessions:
                    pipe.hvals(self._session_keys(app_name, user_id, session.id).text)
                texts: list[list[str]] = await pipe.execute()
        hits: list[SessionSearchHit] = []
        for session, own_texts in zip(sessions, texts, strict=True):
            meta = session.model_copy(update={"state": {}})
            if word_match.matches(words, session.title, match_any=match_any):
                hits.append(SessionSearchHit(session=meta, snippet=session.title, rank=-1e9))
                continue
            found = (t for t in own_texts if word_match.matches(words, t, match_any=match_any))
            text = next(found, None)
            if text is not None:
                hits.append(SessionSearchHit(session=meta, snippet=word_match.snippet(words, text)))
        hits.sort(key=lambda hit: hit.rank)  # stable: most recently updated first within a rank
        return hits[:limit]

    def _ttl_arg(self) -> int:
        return 0 if self.ttl is None else max(1, round(self.ttl))


def _encoded(values: dict[str, Any]) -> dict[FieldT, EncodableT]:
    return {k: json.dumps(v, ensure_ascii=False, default=str) for k, v in values.items()}


def _decoded(values: dict[str, str]) -> dict[str, Any]:
    return {k: json.loads(v) for k, v in values.items()}


def _session(
    sid: str, app_name: str, user_id: str, meta: dict[str, str], state: dict[str, Any]
) -> Session:
    return Session(
        id=sid,
        app_name=app_name,
        user_id=user_id,
        title=meta.get("title", ""),
        state=state,
        parent_id=meta.get("parent_id") or None,
        fork_event_id=meta.get("fork_event_id") or None,
        created_at=float(meta.get("created_at", 0.0)),
        updated_at=float(meta.get("updated_at", 0.0)),
    )
