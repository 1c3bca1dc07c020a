"""Hooks around agents, model calls and tool calls; any of them may be sync or async.

A *before* hook that returns something other than None short-circuits the step it guards (its
value becomes the step's result); an *after* hook that returns something replaces the result.

Signatures:
    before_agent(ctx, agent) -> str | Message | None
    after_agent(ctx, agent) -> str | Message | None          (an extra reply when not None)
    before_model(ctx, agent, request) -> str | Message | None (skips the model call)
    after_model(ctx, agent, request, message) -> Message | None
    before_tool(tool_context, tool, arguments) -> Any | None  (skips the tool)
    after_tool(tool_context, tool, arguments, result) -> Any | None
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Hook = Callable[..., Any]


@dataclass
class Callbacks:
    """The hooks of one agent; each is optional."""

    before_agent: Hook | None = None
    after_agent: Hook | None = None
    before_model: Hook | None = None
    after_model: Hook | None = None
    before_tool: Hook | None = None
    after_tool: Hook | None = None


async def call_hook(hook: Hook | None, *args: Any) -> Any:
    """Calls ``hook`` (sync or async) and returns its value; None when there is no hook."""
    if hook is None:
        return None
    value = hook(*args)
    if inspect.isawaitable(value):
        value = await value
    return value
