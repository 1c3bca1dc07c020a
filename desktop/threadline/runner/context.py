"""Run configuration and the per-invocation context every agent and tool sees."""

from __future__ import annotations

import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from pydantic import BaseModel, ConfigDict

from threadline.core.errors import ThreadlineError
from threadline.core.events import Event, Usage
from threadline.core.session import Session, SessionService
from threadline.runner.models import GenerationConfig

if TYPE_CHECKING:
    from threadline.runner.agents import BaseAgent
    from threadline.runner.resume import ResumePlan


class ApprovalRequest(BaseModel):
    """A tool call waiting for a person's decision."""

    call_id: str
    tool_name: str
    arguments: dict[str, Any]
    agent: str = ""
    session_id: str = ""


ApprovalHandler = Callable[[ApprovalRequest], Awaitable[bool]]


class ArtifactService(Protocol):
    """Versioned files scoped to a session (``threadline.sessions.artifacts`` implements it).

    Versions count up from 0 per file name.
    """

    async def save_artifact(
        self, app_name: str, user_id: str, session_id: str, filename: str, data: bytes
    ) -> int:
        """Stores a new version and returns its number."""
        ...

    async def load_artifact(
        self,
        app_name: str,
        user_id: str,
        session_id: str,
        filename: str,
        version: int | None = None,
    ) -> bytes | None:
        """A version (the latest by default), or None."""
        ...

    async def list_artifacts(self, app_name: str, user_id: str, session_id: str) -> list[str]:
        """The file names saved in a session."""
        ...


class NoArtifactServiceError(ThreadlineError):
    """A tool or callback used artifacts, but the ``Runner`` was made without an
    ``artifact_service``."""

    code = "no_artifact_service"


class RunConfig(BaseModel):
    """Limits and overrides for one run.

    Attributes:
        max_turns: model requests allowed in one invocation (all agents together).
        timeout: seconds for the whole run; None means no limit.
        tool_timeout: seconds one tool call may take.
        parallel_tool_calls: run the tool calls of one reply concurrently.
        generation: overrides merged over each agent's ``GenerationConfig``.
        model_name: the model every LLM agent of this run asks its server for, instead of
            its own model's name (a conversation's chosen model); None keeps each agent's.
        instruction: the instruction the run's root agent uses instead of its own (a
            conversation's own instruction); None keeps the agent's live one.
        recall: whether the runner's memory service may bring excerpts of past sessions
            into this run (a conversation can turn it off).
        context: handed to tools as ``ToolContext.context``.
        approval_handler: awaited for calls that need approval; without it the run pauses.
        always_allow: tool names a person has allowed once and for all (no approval asked).
        edited_arguments: call id -> arguments a person edited before approving (resume).
        agent: the agent tree to run instead of the runner's own (a session's chosen team),
            or the name of an agent of the runner's tree; a name the tree does not have ends
            the call with ``UnknownAgentError`` (a ``ValueError``, code ``unknown_agent``).
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    max_turns: int = 30
    timeout: float | None = None
    tool_timeout: float = 60.0
    parallel_tool_calls: bool = True
    generation: GenerationConfig | None = None
    model_name: str | None = None
    instruction: str | None = None
    recall: bool = True
    context: dict[str, Any] = {}
    approval_handler: ApprovalHandler | None = None
    always_allow: frozenset[str] = frozenset()
    edited_arguments: dict[str, dict[str, Any]] = {}
    agent: BaseAgent | str | None = None


class MaxTurnsExceeded(ThreadlineError):
    """The invocation asked the model more often than ``RunConfig.max_turns`` allows."""

    code = "max_turns"


@dataclass
class InvocationContext:
    """Everything one invocation (one user message, or one resume) shares across its agents."""

    invocation_id: str
    app_name: str
    user_id: str
    session: Session
    session_service: SessionService
    run_config: RunConfig
    root_agent: BaseAgent
    user_event: Event | None = None
    decisions: dict[str, bool] | None = None  # set when resuming paused tool calls
    resume: ResumePlan | None = None  # where a resumed invocation goes on (``resume``)
    entry_path: str = ""  # the agent this invocation started from (kept in approval events)
    positions: dict[str, int] = field(default_factory=dict)  # CycleAgent path -> iteration
    artifact_service: ArtifactService | None = None
    turns: int = 0
    usage: Usage = field(default_factory=Usage)
    is_ended: bool = False
    temp_state: dict[str, Any] = field(default_factory=dict)
    _state: dict[str, Any] = field(default_factory=dict)
    _state_lock: threading.Lock = field(default_factory=threading.Lock)
    # Artifact versions saved through this context, put on the next event the runner saves.
    pending_artifact_delta: dict[str, int] = field(default_factory=dict)

    def set_state(self, key: str, value: Any) -> None:
        """Stores an invocation-scoped value (gone when the invocation ends); thread-safe."""
        with self._state_lock:
            self._state[key] = value

    def get_state(self, key: str, default: Any = None) -> Any:
        """Reads an invocation-scoped value; thread-safe."""
        with self._state_lock:
            return self._state.get(key, default)

    def delete_state(self, key: str) -> None:
        """Removes an invocation-scoped value if present; thread-safe."""
        with self._state_lock:
            self._state.pop(key, None)

    def count_turn(self) -> None:
        """Counts one model request; raises ``MaxTurnsExceeded`` past the limit."""
        self.turns += 1
        if self.turns > self.run_config.max_turns:
            raise MaxTurnsExceeded(
                f"Stopped after {self.run_config.max_turns} model requests (max_turns)."
            )

    async def save_artifact(self, filename: str, data: bytes | str) -> int:
        """Saves a new version of a session file and returns its number (str is UTF-8).

        The version is recorded in ``actions.artifact_delta`` of the next event saved.
        """
        version = await store_artifact(self, filename, data)
        self.pending_artifact_delta[filename] = version
        return version

    async def load_artifact(self, filename: str, version: int | None = None) -> bytes | None:
        """A version of a session file (the latest by default), or None."""
        return await _artifacts(self).load_artifact(
            self.app_name, self.user_id, self.session.id, filename, version
        )

    async def list_artifacts(self) -> list[str]:
        """The names of the files saved in this session."""
        return await _artifacts(self).list_artifacts(self.app_name, self.user_id, self.session.id)

    def end_invocation(self) -> None:
        """Asks every agent to stop after the current step."""
        self.is_ended = True


def _artifacts(ctx: InvocationContext) -> ArtifactService:
    if ctx.artifact_service is None:
        raise NoArtifactServiceError(
            "artifacts are not available: the Runner was made without an artifact_service"
        )
    return ctx.artifact_service


async def store_artifact(ctx: InvocationContext, filename: str, data: bytes | str) -> int:
    """Saves a version through the invocation's artifact service, recording nothing."""
    if not filename:
        raise ValueError("an artifact needs a file name")
    raw = data.encode("utf-8") if isinstance(data, str) else bytes(data)
    service = _artifacts(ctx)
    return await service.save_artifact(ctx.app_name, ctx.user_id, ctx.session.id, filename, raw)
