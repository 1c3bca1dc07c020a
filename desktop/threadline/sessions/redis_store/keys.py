"""Where a Redis store keeps what: one key per kind of data, named after its owner.

Every part of a name is percent-encoded, so ``:`` in an app, user or session id can never make
two owners' keys collide.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote


def _part(text: str) -> str:
    return quote(text, safe="")


@dataclass(frozen=True)
class SessionKeys:
    """The keys of one session.

    Attributes:
        meta: Hash: title, created_at, updated_at, parent_id, fork_event_id, fork_index
            (events inherited from the parent's history), deleted.
        state: Hash: the session's own state, one JSON value per key.
        events: List: the session's own events as JSON, oldest first (RPUSH: O(1)).
        ids: Hash: event id -> its place in ``events`` (forks find their event in O(1)).
        text: Hash: place in ``events`` -> message text, for search.
    """

    meta: str
    state: str
    events: str
    ids: str
    text: str

    @property
    def all(self) -> tuple[str, str, str, str, str]:
        return (self.meta, self.state, self.events, self.ids, self.text)


@dataclass(frozen=True)
class Keys:
    """Key names under one prefix (``threadline`` unless told otherwise)."""

    prefix: str

    def session(self, app_name: str, user_id: str, session_id: str) -> SessionKeys:
        base = f"{self.prefix}:s:{_part(app_name)}:{_part(user_id)}:{_part(session_id)}"
        return SessionKeys(
            meta=base,
            state=base + ":state",
            events=base + ":events",
            ids=base + ":ids",
            text=base + ":text",
        )

    def index(self, app_name: str, user_id: str) -> str:
        """Sorted set: the user's live session ids, scored by ``updated_at``."""
        return f"{self.prefix}:index:{_part(app_name)}:{_part(user_id)}"

    def app_state(self, app_name: str) -> str:
        return f"{self.prefix}:app:{_part(app_name)}"

    def user_state(self, app_name: str, user_id: str) -> str:
        return f"{self.prefix}:user:{_part(app_name)}:{_part(user_id)}"

    def run_lock(self, app_name: str, user_id: str, session_id: str) -> str:
        return f"{self.prefix}:lock:{_part(app_name)}:{_part(user_id)}:{_part(session_id)}"
