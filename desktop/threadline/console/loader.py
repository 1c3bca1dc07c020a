"""``--agent MODULE:ATTR``: the agent tree a console conversation talks to."""

from __future__ import annotations

import contextlib
import importlib
import os
import sys

from threadline.core.errors import ThreadlineError
from threadline.runner import BaseAgent, LLMAgent


class AgentLoadError(ThreadlineError, ValueError):
    """``--agent`` names no agent: a malformed spec, a module that does not import, a missing
    attribute, or something that is not an agent (nor a function making one)."""

    code = "agent_load"


def load_agent(spec: str) -> BaseAgent:
    """The agent ``spec`` names: ``package.module:attr`` (``attr`` may be dotted), an agent or
    a function taking no arguments that returns one (so a module can read its settings first).

    The current directory is searched first, as ``python -m`` does, so a module beside the
    person typing the command is found. Raises ``AgentLoadError``.
    """
    module_name, sep, attribute = spec.partition(":")
    if not sep or not module_name or not attribute:
        raise AgentLoadError(f"--agent takes MODULE:ATTR (like my_agents:assistant), not {spec!r}")
    here = os.getcwd()
    if here not in sys.path:
        sys.path.insert(0, here)
    try:
        value: object = importlib.import_module(module_name)
    except Exception as exc:  # the module's own errors too: say which module, not a traceback
        raise AgentLoadError(f"cannot import {module_name!r}: {type(exc).__name__}: {exc}") from exc
    for name in attribute.split("."):
        try:
            value = getattr(value, name)
        except AttributeError:
            raise AgentLoadError(f"{module_name!r} has no {attribute!r}") from None
    if not isinstance(value, BaseAgent) and callable(value):
        try:
            value = value()
        except Exception as exc:
            raise AgentLoadError(f"{spec} failed: {type(exc).__name__}: {exc}") from exc
    if not isinstance(value, BaseAgent):
        raise AgentLoadError(f"{spec} is a {type(value).__name__}, not an agent")
    return value


async def close_models(agent: BaseAgent) -> None:
    """Closes the HTTP connections of the tree's models (an unclosed client warns at exit)."""
    if isinstance(agent, LLMAgent):
        closer = getattr(agent.model, "aclose", None)
        if closer is not None:
            with contextlib.suppress(Exception):
                await closer()
    for sub in agent.sub_agents:
        await close_models(sub)
