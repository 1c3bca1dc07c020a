"""The approvals a paused run waits for, per conversation, until every call has a decision."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Resumption:
    """Every pending call of a conversation decided: what ``Runner.resume`` needs."""

    session_id: str
    decisions: dict[str, bool]
    edited_arguments: dict[str, dict[str, Any]]


@dataclass
class _Waiting:
    pending: set[str] = field(default_factory=set)
    decided: dict[str, bool] = field(default_factory=dict)
    edits: dict[str, dict[str, Any]] = field(default_factory=dict)


class ApprovalBook:
    """Collects the user's decisions; answers with a ``Resumption`` once all are in."""

    def __init__(self) -> None:
        self._sessions: dict[str, _Waiting] = {}

    def expect(
        self, session_id: str, call_ids: list[str] | set[str], *, reset: bool = False
    ) -> None:
        """Notes calls waiting for a decision (``reset``: exactly these, as on opening)."""
        waiting = self._sessions.setdefault(session_id, _Waiting())
        if reset:
            waiting.pending = set(call_ids)
        else:
            waiting.pending.update(call_ids)

    def pending(self, session_id: str) -> set[str]:
        """The calls still waiting in a conversation."""
        waiting = self._sessions.get(session_id)
        return set(waiting.pending) if waiting else set()

    def decide(
        self,
        session_id: str,
        call_id: str,
        *,
        approved: bool,
        arguments: dict[str, Any] | None = None,
    ) -> Resumption | None:
        """Records one decision; returns the resumption when it was the last one missing."""
        waiting = self._sessions.setdefault(session_id, _Waiting())
        waiting.decided[call_id] = approved
        if arguments is not None:
            waiting.edits[call_id] = arguments
        if not waiting.pending or not waiting.pending <= set(waiting.decided):
            return None
        resumption = Resumption(
            session_id,
            {c: waiting.decided[c] for c in waiting.pending},
            {c: waiting.edits[c] for c in waiting.pending if c in waiting.edits},
        )
        del self._sessions[session_id]
        return resumption
