"""Hooks around agents, model calls and tool calls; any of them may be sync or async.

A *before* hook that returns something other than None short-circuits the step it guards (its
value becomes the step's result); an *after* hook that returns something replaces the result.
The ``ctx`` (``InvocationContext``) and ``tool_context`` (``ToolContext``) they get both offer
``save_artifact`` / ``load_artifact`` / ``list_artifacts`` when the ``Runner`` has an
``artifact_service``.
Each hook's shape is a ``Protocol`` below; a plain function or lambda with those positional
parameters fits.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, TypeAlias, TypeVar

from threadline.core.events import Message

if TYPE_CHECKING:
    from threadline.runner.agents import BaseAgent
    from threadline.runner.context import InvocationContext
    from threadline.runner.llm_agent import LLMAgent
    from threadline.runner.models import ModelRequest
    from threadline.runner.tools import Tool, ToolContext

T = TypeVar("T")
MaybeAwaitable: TypeAlias = T | Awaitable[T]
Reply: TypeAlias = str | Message | None


class BeforeAgentCallback(Protocol):
    """``before_agent(ctx, agent)``: a reply (text or ``Message``) skips the agent."""

    def __call__(self, ctx: InvocationContext, agent: BaseAgent, /) -> MaybeAwaitable[Reply]: ...


class AfterAgentCallback(Protocol):
    """``after_agent(ctx, agent)``: once the agent finished (not when it paused for approval), a
    reply (text or ``Message``) replaces its own final reply; with none (a workflow agent), it
    comes last."""

    def __call__(self, ctx: InvocationContext, agent: BaseAgent, /) -> MaybeAwaitable[Reply]: ...


class BeforeModelCallback(Protocol):
    """``before_model(ctx, agent, request)``: a reply skips the model call and stands for it."""

    def __call__(
        self, ctx: InvocationContext, agent: LLMAgent, request: ModelRequest, /
    ) -> MaybeAwaitable[Reply]: ...


class AfterModelCallback(Protocol):
    """``after_model(ctx, agent, request, message)``: a ``Message`` replaces the model's; a
    ``str`` replaces its text (the tool calls it asked for stay)."""

    def __call__(
        self, ctx: InvocationContext, agent: LLMAgent, request: ModelRequest, message: Message, /
    ) -> MaybeAwaitable[Message | str | None]: ...


class BeforeToolCallback(Protocol):
    """``before_tool(tool_context, tool, arguments)``: a value other than None skips the tool
    and becomes its result."""

    def __call__(
        self, tool_context: ToolContext, tool: Tool, arguments: dict[str, Any], /
    ) -> MaybeAwaitable[Any]: ...


class AfterToolCallback(Protocol):
    """``after_tool(tool_context, tool, arguments, result)``: a value other than None replaces
    the result."""

    def __call__(
        self, tool_context: ToolContext, tool: Tool, arguments: dict[str, Any], result: Any, /
    ) -> MaybeAwaitable[Any]: ...


@dataclass
class Callbacks:
    """The hooks of one agent; each is optional."""

    before_agent: BeforeAgentCallback | None = None
    after_agent: AfterAgentCallback | None = None
    before_model: BeforeModelCallback | None = None
    after_model: AfterModelCallback | None = None
    before_tool: BeforeToolCallback | None = None
    after_tool: AfterToolCallback | None = None


async def call_hook(hook: Callable[..., Any] | None, *args: Any) -> Any:
    """Calls ``hook`` (sync or async) and returns its value; None when there is no hook."""
    if hook is None:
        return None
    value = hook(*args)
    if inspect.isawaitable(value):
        value = await value
    return value
