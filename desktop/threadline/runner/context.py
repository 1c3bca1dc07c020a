"""Run configuration and the per-invocation context every agent and tool sees."""

from __future__ import annotations

import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict

from threadline.core.errors import ThreadlineError
from threadline.core.events import Event, Usage
from threadline.core.session import Session, SessionService
from threadline.runner.models import GenerationConfig

if TYPE_CHECKING:
    from threadline.runner.agents import BaseAgent


class ApprovalRequest(BaseModel):
    """A tool call waiting for a person's decision."""

    call_id: str
    tool_name: str
    arguments: dict[str, Any]
    agent: str = ""
    session_id: str = ""


ApprovalHandler = Callable[[ApprovalRequest], Awaitable[bool]]


class RunConfig(BaseModel):
    """Limits and overrides for one run.

    Attributes:
        max_turns: model requests allowed in one invocation (all agents together).
        timeout: seconds for the whole run; None means no limit.
        tool_timeout: seconds one tool call may take.
        parallel_tool_calls: run the tool calls of one reply concurrently.
        generation: overrides merged over each agent's ``GenerationConfig``.
        context: handed to tools as ``ToolContext.context``.
        approval_handler: awaited for calls that need approval; without it the run pauses.
        always_allow: tool names a person has allowed once and for all (no approval asked).
        edited_arguments: call id -> arguments a person edited before approving (resume).
        agent: the agent tree to run instead of the runner's own (a session's chosen team).
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    max_turns: int = 30
    timeout: float | None = None
    tool_timeout: float = 60.0
    parallel_tool_calls: bool = True
    generation: GenerationConfig | None = None
    context: dict[str, Any] = {}
    approval_handler: ApprovalHandler | None = None
    always_allow: frozenset[str] = frozenset()
    edited_arguments: dict[str, dict[str, Any]] = {}
    agent: BaseAgent | None = None


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
    turns: int = 0
    usage: Usage = field(default_factory=Usage)
    is_ended: bool = False
    temp_state: dict[str, Any] = field(default_factory=dict)
    _state: dict[str, Any] = field(default_factory=dict)
    _state_lock: threading.Lock = field(default_factory=threading.Lock)

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

    def end_invocation(self) -> None:
        """Asks every agent to stop after the current step."""
        self.is_ended = True
