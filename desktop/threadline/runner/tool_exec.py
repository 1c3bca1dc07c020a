"""Running the tool calls of one model reply: approvals, timeouts, errors, parallelism."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Coroutine, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from threadline.core.events import Event, EventActions, EventTag, Message, Part, ToolCall
from threadline.core.text import valid_text
from threadline.runner.agents import BaseAgent
from threadline.runner.callbacks import call_hook
from threadline.runner.content import ToolOutput
from threadline.runner.context import ApprovalRequest, InvocationContext
from threadline.runner.tools import (
    ProgressReporter,
    Tool,
    ToolArgumentsError,
    ToolContext,
    parse_arguments,
    result_text,
)
from threadline.runner.tracing import span
from threadline.runner.transfer import returned_agent

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
    parts: list[Part] = field(default_factory=list)  # images and files a tool returned
    is_abandoned: bool = False  # timed out while its thread ran on (a sync tool)


async def execute(
    agent: LLMAgent,
    ctx: InvocationContext,
    calls: Sequence[ToolCall],
    *,
    start_event_id: str | None = None,
) -> AsyncIterator[Event]:
    """Runs ``calls`` and yields one tool-result event per call, in the model's order.

    Calls that need approval wait for ``RunConfig.approval_handler``; without one, a
    ``tool.approval`` event records them as pending (with what ``runner.resume`` needs to go
    on: see ``runner.resume``) and the agent stops after this round; the other calls run.
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
            metadata={
                "pending": [c.model_dump() for c in pending],
                "entry": ctx.entry_path,
                "positions": {
                    path: number
                    for path, number in ctx.positions.items()
                    if agent.path.startswith(path + ".")
                },
                "start_event_id": start_event_id,
            },
        )
    waiting = {c.id for c in pending}
    ready = [c for c in calls if c.id not in waiting]
    async for event in run_calls(agent, ctx, ready, decisions):
        yield event


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
    progress: asyncio.Queue[Event] = asyncio.Queue()  # tool.progress events from running calls
    jobs = [
        _run_one(agent, tools, ctx, call, decisions.get(call.id, True), progress) for call in calls
    ]
    work = asyncio.ensure_future(_outcomes(jobs, ctx.run_config.parallel_tool_calls))
    async for event in _progress_while(work, progress):
        yield event
    for outcome in work.result():
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
                parts=outcome.parts,
            ),
            actions=outcome.actions,
            metadata={
                "call_id": outcome.call.id,
                "tool": outcome.call.name,
                "arguments": outcome.call.arguments,
                "status": outcome.status,
                "duration_ms": round(outcome.duration_ms, 3),
                **({"edited": True} if outcome.call.id in edits else {}),
                **({"abandoned": True} if outcome.is_abandoned else {}),
            },
        )


async def _outcomes(jobs: list[Coroutine[Any, Any, _Outcome]], parallel: bool) -> list[_Outcome]:
    if parallel and len(jobs) > 1:
        return list(await asyncio.gather(*jobs))
    return [await job for job in jobs]


async def _progress_while(
    work: asyncio.Future[list[_Outcome]], progress: asyncio.Queue[Event]
) -> AsyncIterator[Event]:
    """Yields the progress events tools report until ``work`` is done (cancelled with us)."""
    try:
        while not work.done():
            getter: asyncio.Future[Any] = asyncio.ensure_future(progress.get())
            waiting: set[asyncio.Future[Any]] = {work, getter}
            await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
            if getter.done():
                yield getter.result()
            else:
                getter.cancel()
        while not progress.empty():
            yield progress.get_nowait()
    finally:
        if not work.done():
            work.cancel()
            await asyncio.gather(work, return_exceptions=True)


def _reporter(
    agent: LLMAgent, ctx: InvocationContext, call: ToolCall, queue: asyncio.Queue[Event]
) -> ProgressReporter:
    def report(progress: float, total: float | None, message: str | None) -> None:
        queue.put_nowait(
            Event(
                invocation_id=ctx.invocation_id,
                author=agent.name,
                branch=agent.path,
                partial=True,
                tag=EventTag.TOOL_PROGRESS,
                metadata={
                    "call_id": call.id,
                    "tool": call.name,
                    "progress": progress,
                    "total": total,
                    "message": message,
                },
            )
        )

    return report


async def _run_one(
    agent: LLMAgent,
    tools: dict[str, Tool],
    ctx: InvocationContext,
    call: ToolCall,
    is_approved: bool,
    progress: asyncio.Queue[Event] | None = None,
) -> _Outcome:
    started = time.perf_counter()
    outcome = await _attempt(agent, tools, ctx, call, is_approved, progress)
    outcome.duration_ms = (time.perf_counter() - started) * 1000
    return outcome


async def _attempt(
    agent: LLMAgent,
    tools: dict[str, Tool],
    ctx: InvocationContext,
    call: ToolCall,
    is_approved: bool,
    progress: asyncio.Queue[Event] | None = None,
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
        progress=None if progress is None else _reporter(agent, ctx, call, progress),
    )
    timeout = ctx.run_config.tool_timeout
    try:
        with span("tool.call", tool=call.name, call_id=call.id):
            # Not wait_for: the tool may stop this clock while it waits for the person
            # (``ToolContext.waiting_for_user``, an MCP elicitation or sampling request).
            async with asyncio.timeout(timeout) as deadline:
                tool_context.deadlines.append(deadline)
                value = await _call_with_hooks(agent, tool, arguments, tool_context)
    except TimeoutError:
        text = f"Error: the tool {call.name!r} did not finish within {timeout:g} s."
        if tool_context.is_abandoned:
            text += (
                " It was abandoned and may still be running in the background; its result"
                " will not be used."
            )
        outcome = _Outcome(call, text, "timeout", arguments, tool_context.actions)
        outcome.is_abandoned = tool_context.is_abandoned
        return outcome
    except ToolArgumentsError as exc:
        text = f"Error: {exc}. Send the call again with corrected arguments."
        return _Outcome(call, text, "error", arguments, tool_context.actions)
    except Exception as exc:
        text = f"Error: the tool {call.name!r} failed: {type(exc).__name__}: {exc}"
        return _Outcome(call, text, "error", arguments, tool_context.actions)
    if isinstance(value, BaseAgent):  # a handoff by return value (seed 002)
        text, status = returned_agent(agent, call.name, value, tool_context.actions)
        return _Outcome(call, text, status, arguments, tool_context.actions)
    if isinstance(value, ToolOutput):  # text plus images or files (an MCP tool's result)
        outcome = _Outcome(call, value.text, "ok", arguments, tool_context.actions)
        outcome.parts = list(value.parts)
        return outcome
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
