"""The agent tree the console tests start ``threadline chat --agent`` with.

A function, not a module-level agent: the scripted server's URL is only known once the test
started it (``THREADLINE_TEST_BASE_URL``), and ``--agent MODULE:ATTR`` calls a function to get
the agent.
"""

from __future__ import annotations

import os

from threadline.runner import GenerationConfig, LLMAgent, OpenAIChatModel, function_tool


@function_tool(needs_approval=True)
def multiply(a: float, b: float) -> float:
    """Multiplies two numbers (asks first, so the console's inline approval shows).

    Args:
        a: the first factor.
        b: the second factor.
    """
    return a * b


def scripted_model() -> OpenAIChatModel:
    """The model on the scripted server the test started (``THREADLINE_TEST_BASE_URL``)."""
    return OpenAIChatModel(
        "scripted-large", base_url=os.environ["THREADLINE_TEST_BASE_URL"], api_key="sk-test"
    )


def helper() -> LLMAgent:
    """One agent with one tool, on the server the test named."""
    model = scripted_model()
    stream = os.environ.get("THREADLINE_TEST_STREAM", "1") == "1"
    return LLMAgent(
        "helper",
        model=model,
        instruction="Answer briefly.",
        tools=[multiply],
        generation=GenerationConfig(stream=stream),
    )
