"""The agents the serve tests start ``threadline serve --agent`` with.

Functions, not module-level agents: the scripted server's URL is only known once the test
started it (``THREADLINE_TEST_BASE_URL``), and ``--agent MODULE:ATTR`` calls a function to get
the agent.
"""

from __future__ import annotations

import os

from threadline.runner import LLMAgent, OpenAIChatModel, function_tool


@function_tool(needs_approval=True)
def multiply(a: float, b: float) -> float:
    """Multiplies two numbers (asks first, so a run pauses for approval).

    Args:
        a: the first factor.
        b: the second factor.
    """
    return a * b


def _model() -> OpenAIChatModel:
    return OpenAIChatModel(
        "scripted-large", base_url=os.environ["THREADLINE_TEST_BASE_URL"], api_key="sk-test"
    )


def helper() -> LLMAgent:
    """One agent with one tool that needs approval, on the server the test named."""
    return LLMAgent("helper", model=_model(), instruction="Answer briefly.", tools=[multiply])


def reviewer() -> LLMAgent:
    """A second team, for a server with several."""
    return LLMAgent("reviewer", model=_model(), instruction="Review what you are shown.")
