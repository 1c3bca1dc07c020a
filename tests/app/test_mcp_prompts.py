"""Forms from elicitation schemas and the prompts' routing, without Qt (``app/mcp_prompts.py``)."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any

import pytest

from threadline.app.mcp_prompts import FormError, McpPrompts, Prompt, form_content, form_fields
from threadline.runner import LLMAgent, ScriptedModel, ScriptedReply
from threadline.runner.mcp import ElicitationRequest, SamplingRequest

SCHEMA = {
    "type": "object",
    "properties": {
        "name": {"type": "string", "title": "Name", "minLength": 2},
        "age": {"type": "integer", "minimum": 0, "maximum": 150},
        "ratio": {"type": "number"},
        "agree": {"type": "boolean", "default": False},
        "colour": {"type": "string", "enum": ["r", "g"], "enumNames": ["Red", "Green"]},
        "hero": {"type": "string", "oneOf": [{"const": "h1", "title": "Superman"}]},
        "tags": {"type": "array", "items": {"enum": ["a", "b", "c"]}, "maxItems": 2},
    },
    "required": ["name", "colour"],
}


def test_fields_follow_the_schema() -> None:
    fields = {f.name: f for f in form_fields(SCHEMA)}
    assert [f.kind for f in fields.values()] == [
        "string",
        "integer",
        "number",
        "boolean",
        "enum",
        "enum",
        "multi",
    ]
    assert fields["name"].is_required and not fields["age"].is_required
    assert fields["colour"].option_titles == ("Red", "Green")
    assert fields["hero"].options == ("h1",) and fields["hero"].option_titles == ("Superman",)
    assert fields["tags"].max_length == 2


def test_values_are_checked_and_typed() -> None:
    fields = form_fields(SCHEMA)
    good = {"name": "Ada", "age": "36", "ratio": "0.5", "agree": True, "colour": "g", "tags": ["b"]}
    assert form_content(fields, good) == {
        "name": "Ada",
        "age": 36,
        "ratio": 0.5,
        "agree": True,
        "colour": "g",
        "tags": ["b"],
    }
    for bad, message in [
        ({**good, "name": ""}, "Name is required"),
        ({**good, "name": "A"}, "at least 2"),
        ({**good, "age": "x"}, "whole number"),
        ({**good, "age": "200"}, "at most 150"),
        ({**good, "colour": "blue"}, "Red, Green"),
        ({**good, "tags": ["a", "b", "c"]}, "at most 2"),
    ]:
        with pytest.raises(FormError, match=message):
            form_content(fields, bad)


def _call(session_id: str, tool: str = "ask", root: Any = None) -> Any:
    invocation = SimpleNamespace(session=SimpleNamespace(id=session_id), root_agent=root)
    return SimpleNamespace(invocation=invocation, call_id="call-1", tool_name=tool)


@pytest.mark.asyncio
async def test_a_form_goes_to_its_conversation_and_waits_for_the_answer() -> None:
    prompts = McpPrompts()
    seen: list[tuple[str, str]] = []
    prompts.listeners.append(lambda p: seen.append((p.session_id, p.item.status)))
    request = ElicitationRequest("srv", "Who are you?", schema=SCHEMA, tool_context=_call("s1"))
    task = asyncio.ensure_future(prompts.elicit(request))
    await asyncio.sleep(0)
    (prompt,) = prompts.pending("s1")
    assert prompts.pending("s2") == [] and seen == [("s1", "pending")]
    assert prompt.item.kind == "elicitation" and prompt.item.call_id == "call-1"
    assert "required" in prompts.answer_form(prompt.id, {"colour": "r"})
    assert not task.done()
    assert prompts.answer_form(prompt.id, {"name": "Ada", "colour": "r"}) == ""
    answer = await task
    assert answer.action == "accept" and answer.content == {
        "name": "Ada",
        "agree": False,
        "colour": "r",
    }
    assert seen[-1] == ("s1", "accepted") and prompts.pending("s1") == []


@pytest.mark.asyncio
async def test_the_end_of_the_reply_cancels_what_it_still_asks() -> None:
    prompts = McpPrompts()
    asked = asyncio.ensure_future(
        prompts.elicit(ElicitationRequest("srv", "?", tool_context=_call("s")))
    )
    sampled = asyncio.ensure_future(
        prompts.sample(SamplingRequest("srv", [], 5, tool_context=_call("s")))
    )
    await asyncio.sleep(0)
    prompts.cancel_session("s")
    assert (await asked).action == "cancel"
    assert await sampled is None  # no model: there was nothing to run it on either


@pytest.mark.asyncio
async def test_sampling_runs_on_the_model_of_the_agent_that_made_the_call() -> None:
    leader_model = ScriptedModel([ScriptedReply(text="leader")])
    helper_model = ScriptedModel([ScriptedReply(text="helper")])

    def ask() -> str:
        """A tool."""
        return ""

    from threadline.runner import function_tool

    helper = LLMAgent("helper", model=helper_model, tools=[function_tool(ask)])
    leader = LLMAgent("leader", model=leader_model, sub_agents=[helper])
    prompts = McpPrompts()
    shown: list[Prompt] = []
    prompts.listeners.append(shown.append)
    request = SamplingRequest(
        "srv", [{"role": "user", "content": "hi"}], 9, tool_context=_call("s", "ask", leader)
    )
    task = asyncio.ensure_future(prompts.sample(request))
    await asyncio.sleep(0)
    assert shown[0].item.data["model"] == helper_model.name
    prompts.answer_sampling(shown[0].id, approved=True)
    assert await task is helper_model
