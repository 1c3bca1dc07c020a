"""Running the tool calls of one model reply: approvals, timeouts, errors, parallelism."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple

from threadline.core.events import Event, EventActions, EventTag, Message, ToolCall
from threadline.core.text import valid_text
from threadline.runner.callbacks import call_hook
from threadline.runner.context import ApprovalRequest, InvocationContext
from threadline.runner.tools import (
    Tool,
    ToolArgumentsError,
    ToolContext,
    parse_arguments,
    result_text,
)
from threadline.runner.tracing import span

if TYPE_CHECKING:
    from threadline.runner.llm_agent import LLMAgent

DENIED_TEXT = "Error: this tool call was denied by the user."


@dataclass
class _Outcome:
    call: ToolCall
    content: str
    status: str  # ok | error | timeout | denied
    arguments: dict[str, Any] = field(default_factory=dict)
    actions: EventActions = field(default_factory=EventActions)
    duration_ms: float = 0.0


async def execute(
    agent: LLMAgent, ctx: InvocationContext, calls: Sequence[ToolCall]
) -> AsyncIterator[Event]:
    """Runs ``calls`` and yields one tool-result event per call, in the model's order.

    Calls that need approval wait for ``RunConfig.approval_handler``; without one, a
    ``tool.approval`` event records them as pending and the invocation ends (see ``resume``).
    """
    decisions: dict[str, bool] = {}
    pending: list[ToolCall] = []
    tools = agent.tool_map  # built once per round, not once per call
    for call in calls:
        tool = tools.get(call.name)
        if tool is None or call.name in ctx.run_config.always_allow:
            continue
        if not _needs_approval(tool, call):
            continue
        handler = ctx.run_config.approval_handler
        if handler is None:
            pending.append(call)
            continue
        request = ApprovalRequest(
            call_id=call.id,
            tool_name=call.name,
            arguments=_safe_arguments(call),
            agent=agent.name,
            session_id=ctx.session.id,
        )
        decisions[call.id] = bool(await handler(request))
    if pending:
        yield Event(
            invocation_id=ctx.invocation_id,
            author=agent.name,
            branch=agent.path,
            tag=EventTag.TOOL_APPROVAL,
            metadata={"pending": [c.model_dump() for c in pending]},
        )
    waiting = {c.id for c in pending}
    ready = [c for c in calls if c.id not in waiting]
    async for event in run_calls(agent, ctx, ready, decisions):
        yield event
    if pending:
        ctx.end_invocation()


async def run_calls(
    agent: LLMAgent,
    ctx: InvocationContext,
    calls: Sequence[ToolCall],
    decisions: dict[str, bool],
) -> AsyncIterator[Event]:
    """Runs calls (denied ones answer "denied") and yields their result events in order."""
    for call in calls:  # "running" markers for the inspector; never persisted
        yield Event(
            invocation_id=ctx.invocation_id,
            author=agent.name,
            branch=agent.path,
            partial=True,
            tag=EventTag.TOOL_START,
            metadata={"call_id": call.id, "tool": call.name, "arguments": call.arguments},
        )
    edits = ctx.run_config.edited_arguments
    calls = [
        c.model_copy(update={"arguments": json.dumps(edits[c.id])}) if c.id in edits else c
        for c in calls
    ]
    tools = agent.tool_map
    jobs = [_run_one(agent, tools, ctx, call, decisions.get(call.id, True)) for call in calls]
    if ctx.run_config.parallel_tool_calls and len(jobs) > 1:
        outcomes = await asyncio.gather(*jobs)
    else:
        outcomes = [await job for job in jobs]
    for outcome in outcomes:
        yield Event(
            invocation_id=ctx.invocation_id,
            author=agent.name,
            branch=agent.path,
            tag=EventTag.TOOL_RESULT,
            message=Message(
                role="tool",
                # A tool can return any str, a lone surrogate included: keep the text storable.
                content=valid_text(outcome.content),
                tool_call_id=outcome.call.id,
                name=outcome.call.name,
            ),
            actions=outcome.actions,
            metadata={
                "call_id": outcome.call.id,
                "tool": outcome.call.name,
                "arguments": outcome.call.arguments,
                "status": outcome.status,
                "duration_ms": round(outcome.duration_ms, 3),
                **({"edited": True} if outcome.call.id in edits else {}),
            },
        )


async def _run_one(
    agent: LLMAgent,
    tools: dict[str, Tool],
    ctx: InvocationContext,
    call: ToolCall,
    is_approved: bool,
) -> _Outcome:
    started = time.perf_counter()
    outcome = await _attempt(agent, tools, ctx, call, is_approved)
    outcome.duration_ms = (time.perf_counter() - started) * 1000
    return outcome


async def _attempt(
    agent: LLMAgent,
    tools: dict[str, Tool],
    ctx: InvocationContext,
    call: ToolCall,
    is_approved: bool,
) -> _Outcome:
    if not is_approved:
        return _Outcome(call, DENIED_TEXT, "denied")
    tool = tools.get(call.name)
    if tool is None:
        known = ", ".join(sorted(tools)) or "none"
        return _Outcome(call, f"Error: unknown tool {call.name!r}. Available: {known}.", "error")
    try:
        arguments = parse_arguments(call.arguments)
    except ToolArgumentsError as exc:
        return _Outcome(call, f"Error: {exc}. Send the call again with valid JSON.", "error")
    tool_context = ToolContext(
        context=ctx.run_config.context,
        state=dict(ctx.session.state),
        invocation=ctx,
        call_id=call.id,
        tool_name=call.name,
    )
    timeout = ctx.run_config.tool_timeout
    try:
        with span("tool.call", tool=call.name, call_id=call.id):
            value = await asyncio.wait_for(
                _call_with_hooks(agent, tool, arguments, tool_context), timeout
            )
    except TimeoutError:
        text = f"Error: the tool {call.name!r} did not finish within {timeout:g} s."
        return _Outcome(call, text, "timeout", arguments, tool_context.actions)
    except ToolArgumentsError as exc:
        text = f"Error: {exc}. Send the call again with corrected arguments."
        return _Outcome(call, text, "error", arguments, tool_context.actions)
    except Exception as exc:
        text = f"Error: the tool {call.name!r} failed: {type(exc).__name__}: {exc}"
        return _Outcome(call, text, "error", arguments, tool_context.actions)
    return _Outcome(call, result_text(value), "ok", arguments, tool_context.actions)


async def _call_with_hooks(
    agent: LLMAgent, tool: Tool, arguments: dict[str, Any], tool_context: ToolContext
) -> Any:
    hooks = agent.callbacks
    early = await call_hook(hooks.before_tool, tool_context, tool, arguments)
    if early is not None:
        return early
    value = await tool.call(arguments, tool_context)
    replaced = await call_hook(hooks.after_tool, tool_context, tool, arguments, value)
    return value if replaced is None else replaced


def _needs_approval(tool: Tool, call: ToolCall) -> bool:
    try:
        arguments = parse_arguments(call.arguments)
    except ToolArgumentsError:
        return False  # it will fail as a tool error without running
    return tool.needs_approval(arguments)


def _safe_arguments(call: ToolCall) -> dict[str, Any]:
    try:
        return parse_arguments(call.arguments)
    except ToolArgumentsError:
        return {}


class PendingApproval(NamedTuple):
    """A paused invocation: its ``tool.approval`` event and the calls still awaiting a decision."""

    event: Event
    calls: list[ToolCall]


def pending_approval(events: Sequence[Event]) -> PendingApproval | None:
    """The latest approval event whose calls have no result yet, and those calls."""
    answered: set[str] = set()
    for event in reversed(events):
        if event.message is not None and event.message.role == "tool":
            answered.add(event.message.tool_call_id or "")
        if event.tag == EventTag.TOOL_APPROVAL:
            calls = [ToolCall.model_validate(c) for c in event.metadata.get("pending", [])]
            open_calls = [c for c in calls if c.id not in answered]
            return PendingApproval(event, open_calls) if open_calls else None
        if event.author == "user":
            return None
    return None
