"""Handing the conversation to another agent of the tree: the ``transfer_to_agent`` tool, a
tool that returns an agent (seed 002's handoff by return value), and the ``agent.transfer``
event with its announcement (seed 001's default transfer message)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

from threadline.core.events import Event, EventActions, EventTag, Message
from threadline.runner.agents import ACTIVE_AGENT_KEY, BaseAgent
from threadline.runner.tools import FunctionTool, Tool, ToolContext

if TYPE_CHECKING:
    from threadline.runner.context import InvocationContext

TRANSFER_TOOL = "transfer_to_agent"


def transfer_tool(targets: dict[str, BaseAgent]) -> Tool:
    """The ``transfer_to_agent`` tool offered when an agent may hand the conversation on."""
    listing = "; ".join(
        f"{name}: {agent.description or 'no description'}" for name, agent in targets.items()
    )

    def transfer_to_agent(agent_name: str, tool_context: ToolContext, message: str = "") -> str:
        """Hands the conversation on.

        Args:
            agent_name: the agent to hand the conversation to.
            message: what that agent should do (optional; a default note is sent otherwise).
        """
        if agent_name not in targets:
            raise ValueError(f"no agent named {agent_name!r}; choose one of {', '.join(targets)}")
        # ``message`` is read back from the result event's arguments (``transfer_message``),
        # so an argument a person edited before approving is the one announced.
        tool_context.actions.transfer_to_agent = agent_name
        return f"Transferred to {agent_name}."

    return FunctionTool(
        transfer_to_agent,
        name=TRANSFER_TOOL,
        description=f"Hand the conversation to another agent. Agents: {listing}",
    )


def transfer_message(event: Event) -> str | None:
    """The ``message`` a ``transfer_to_agent`` call carried (read from its result event's
    arguments), or None when the model said nothing or another tool asked for the transfer."""
    if event.metadata.get("tool") != TRANSFER_TOOL:
        return None
    try:
        arguments = json.loads(event.metadata.get("arguments") or "{}")
    except json.JSONDecodeError:
        return None
    said = arguments.get("message") if isinstance(arguments, dict) else None
    if not isinstance(said, str) or not said.strip():
        return None
    return said.strip()


def returned_agent(
    source: BaseAgent, tool_name: str, target: BaseAgent, actions: EventActions
) -> tuple[str, str]:
    """The result text and status of a tool that returned ``target``: a transfer to it when
    it belongs to ``source``'s tree (recorded in ``actions``), else a tool error.

    The agent must be that very instance: a transfer goes by name, and the session remembers
    the active agent by name, so an agent from outside the tree could not be found again.
    """
    if source.root.find_agent(target.name) is not target:
        return (
            f"Error: the tool {tool_name!r} returned the agent {target.name!r}, which is not "
            f"part of this team, so the conversation stays with {source.name}.",
            "error",
        )
    if target is source:
        return f"{source.name} already has the conversation.", "ok"
    actions.transfer_to_agent = target.name
    return f"Transferred to {target.name}.", "ok"


async def handoff(
    source: BaseAgent, ctx: InvocationContext, target_name: str, announcement: str
) -> AsyncIterator[Event]:
    """Emits the ``agent.transfer`` event (with ``announcement`` as its message unless it is
    empty), then runs the target agent on the same invocation."""
    target = source.root.find_agent(target_name)
    if target is None:
        return
    yield Event(
        invocation_id=ctx.invocation_id,
        author=source.name,
        branch=source.path,
        tag=EventTag.AGENT_TRANSFER,
        # The target reads it in its history as "[<source>] said: ..." (is_final_response is
        # false for this tag, so it never counts as the run's answer).
        message=Message(role="assistant", content=announcement) if announcement else None,
        actions=EventActions(
            transfer_to_agent=target.name, state_delta={ACTIVE_AGENT_KEY: target.name}
        ),
        metadata={"from": source.name, "to": target.name},
    )
    async for event in target.run(ctx):
        yield event
