"""Agent teams the user defines on the Agents page: the stored specs and the trees built from them.

A spec describes one agent: an LLM agent (instruction, model, tools, sub-agents it may hand
over to) or a workflow (chain, parallel or cycle over its sub-agents). Any spec can lead a team;
the built-in assistant (the live system instruction, every tool) is the default team. Specs live
in SQLite (the ``agents`` setting); a session keeps the name of its team in its state.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping
from typing import Any, Literal

from pydantic import BaseModel, ValidationError, field_validator

from threadline.core.errors import ThreadlineError
from threadline.runner import (
    BaseAgent,
    ChainAgent,
    CycleAgent,
    LLMAgent,
    Model,
    ParallelAgent,
    Tool,
    ToolContext,
    function_tool,
)

log = logging.getLogger(__name__)
AgentKind = Literal["llm", "chain", "parallel", "cycle"]
DEFAULT_TEAM = "assistant"  # the built-in assistant
TEAM_KEY = "team"  # session state: the name of the agent leading the session's team
SPECS_SETTING = "agents"
RESERVED = {DEFAULT_TEAM, "user", "runner"}
_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,63}$")


class TeamError(ThreadlineError, ValueError):
    """Specs that cannot form a team; the message says what to fix."""

    code = "team"


class AgentSpec(BaseModel):
    """One agent as the user defined it. ``model`` empty means the provider's model."""

    name: str
    description: str = ""
    kind: AgentKind = "llm"
    instruction: str = ""
    model: str = ""
    tools: list[str] = []
    sub_agents: list[str] = []
    max_iterations: int = 3

    @field_validator("name")
    @classmethod
    def _check_name(cls, value: str) -> str:
        value = value.strip()
        if not _NAME.match(value):
            raise ValueError(
                f"{value!r} is not a usable agent name: start with a letter, then letters, "
                "digits, _ or - (at most 64)"
            )
        if value in RESERVED:
            raise ValueError(f"{value!r} is taken by the app; choose another name")
        return value


def parse_specs(raw: Any) -> list[AgentSpec]:
    """Specs from the stored setting; entries that no longer validate are skipped (logged)."""
    specs = []
    for entry in raw if isinstance(raw, list) else []:
        try:
            specs.append(AgentSpec.model_validate(entry))
        except ValidationError as exc:
            log.warning("skipping a stored agent that no longer validates: %s", exc)
    return specs


def check_specs(specs: list[AgentSpec]) -> None:
    """Raises ``TeamError`` unless every spec can lead a team."""
    by_name: dict[str, AgentSpec] = {}
    for spec in specs:
        if spec.name in by_name:
            raise TeamError(f"two agents are called {spec.name!r}")
        by_name[spec.name] = spec
    for spec in specs:
        for sub in spec.sub_agents:
            if sub not in by_name:
                raise TeamError(f"{spec.name} uses {sub!r}, which is not defined")
        if spec.kind != "llm" and not spec.sub_agents:
            raise TeamError(f"{spec.name} is a {spec.kind} workflow without sub-agents")
        if spec.kind == "cycle" and not 1 <= spec.max_iterations <= 100:
            raise TeamError(f"{spec.name}: a cycle runs between 1 and 100 times")
        _members(spec.name, by_name, [])


def _members(name: str, by_name: Mapping[str, AgentSpec], path: list[str]) -> list[str]:
    """Every agent name in the tree under ``name``; raises on loops and on names used twice."""
    if name in path:
        raise TeamError(" → ".join([*path, name]) + " goes round in a loop")
    names = [name]
    for sub in by_name[name].sub_agents:
        names += _members(sub, by_name, [*path, name])
    if path == [] and len(names) != len(set(names)):
        twice = sorted({n for n in names if names.count(n) > 1})
        raise TeamError(f"{', '.join(twice)} appears twice in the team led by {name}")
    return names


def _exit_loop(tool_context: ToolContext) -> str:
    """Ends the cycle you are part of. Call it once the work is done."""
    tool_context.actions.escalate = True
    return "The cycle ends here."


EXIT_LOOP = function_tool(name="exit_loop")(_exit_loop)


def build_team(
    leader: str,
    specs: list[AgentSpec],
    *,
    assistant: LLMAgent,
    model_for: Callable[[str], Model],
    tools: Mapping[str, Tool],
) -> BaseAgent:
    """A fresh agent tree led by ``leader`` (``assistant`` itself for the default team).

    LLM agents get the model named in their spec (``model_for("")`` is the provider's), the
    listed tools that exist right now (an MCP server may be offline) and the assistant's
    generation settings; inside a cycle they also get ``exit_loop`` to end it, and as steps of a
    chain or cycle they see what the earlier steps said.
    """
    if leader == DEFAULT_TEAM:
        return assistant
    check_specs(specs)
    by_name = {s.name: s for s in specs}
    if leader not in by_name:
        raise TeamError(f"there is no agent called {leader!r}")

    def build(name: str, in_cycle: bool, sees_all: bool) -> BaseAgent:
        spec = by_name[name]
        subs = [
            build(sub, in_cycle or spec.kind == "cycle", spec.kind in ("chain", "cycle"))
            for sub in spec.sub_agents
        ]
        if spec.kind == "chain":
            return ChainAgent(name, description=spec.description, sub_agents=subs)
        if spec.kind == "parallel":
            return ParallelAgent(name, description=spec.description, sub_agents=subs)
        if spec.kind == "cycle":
            return CycleAgent(
                name,
                description=spec.description,
                sub_agents=subs,
                max_iterations=spec.max_iterations,
            )
        missing = [t for t in spec.tools if t not in tools]
        if missing:
            log.info("agent %s: tools not available now: %s", name, ", ".join(missing))
        own = [tools[t] for t in spec.tools if t in tools]
        if in_cycle:
            own.append(EXIT_LOOP)
        return LLMAgent(
            name,
            model=model_for(spec.model),
            instruction=spec.instruction,
            description=spec.description,
            tools=own,
            sub_agents=subs,
            generation=assistant.generation,
            # Steps of a chain or cycle read what the earlier steps wrote on their branches.
            branch_filter="all" if sees_all else "prefix",
        )

    return build(leader, False, False)
