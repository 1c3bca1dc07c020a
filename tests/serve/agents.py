"""The agents the serve tests start ``threadline serve --agent`` with.

Functions, not module-level agents: the scripted server's URL is only known once the test
started it (``THREADLINE_TEST_BASE_URL``), and ``--agent MODULE:ATTR`` calls a function to get
the agent.
"""

from __future__ import annotations

from tests.console.agents import multiply, scripted_model
from threadline.runner import LLMAgent


def helper() -> LLMAgent:
    """One agent with one tool that needs approval, on the server the test named."""
    return LLMAgent(
        "helper", model=scripted_model(), instruction="Answer briefly.", tools=[multiply]
    )


def reviewer() -> LLMAgent:
    """A second team, for a server with several."""
    return LLMAgent("reviewer", model=scripted_model(), instruction="Review what you are shown.")
