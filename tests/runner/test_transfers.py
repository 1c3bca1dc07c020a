"""Transfers (SPEC §1.3, §1.6): the announcement injected on a transfer (seed 001
``WithDefaultTransferMessage``) and a tool that hands the conversation on by returning an agent
(seed 002's handoff by return value).

Through the real ``openai`` client against the scripted server; every agent asks the same
server, so ``server.requests`` holds each agent's request in turn.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.scripted_server import ScriptedServer, calls, text
from threadline.runner import (
    BaseAgent,
    Event,
    EventTag,
    LLMAgent,
    OpenAIChatModel,
    Runner,
    function_tool,
)
from threadline.sessions import InMemorySessionService

pytestmark = pytest.mark.asyncio


def transfer(name: str, **extra: str) -> Any:
    return calls(("transfer_to_agent", json.dumps({"agent_name": name, **extra})))


def team(model: OpenAIChatModel, **coordinator: Any) -> LLMAgent:
    math = LLMAgent("math", model=model, description="does sums")
    return LLMAgent("coordinator", model=model, sub_agents=[math], **coordinator)


def transfer_event(events: list[Event]) -> Event:
    [event] = [e for e in events if e.tag == EventTag.AGENT_TRANSFER]
    return event


def said_to_math(server: ScriptedServer) -> list[str]:
    """What math's request showed as said by the coordinator."""
    return [
        m["content"]
        for m in server.requests[1]["messages"]
        if m["role"] == "user" and m["content"].startswith("[coordinator] said:")
    ]


async def test_a_transfer_announces_itself_by_default_and_math_reads_it(
    server: ScriptedServer, model: OpenAIChatModel
) -> None:
    server.script(transfer("math"), text("4"))
    service = InMemorySessionService()
    result = await Runner("app", team(model), session_service=service).run_to_end("u", "s", "2+2?")
    event = transfer_event(result.events)
    assert event.tag == "agent.transfer" and event.metadata == {"from": "coordinator", "to": "math"}
    assert event.message is not None
    assert event.message.content == "Task delegated from coordinator."
    assert not event.is_final_response()
    assert result.final_output == "4" and result.last_agent == "math"
    assert said_to_math(server) == ["[coordinator] said: Task delegated from coordinator."]
    saved = await service.get_session("app", "u", "s")
    assert saved is not None
    stored = next(e for e in saved.events if e.id == event.id)
    assert Event.model_validate_json(stored.model_dump_json()) == stored


async def test_default_transfer_message_sets_the_announcement(
    server: ScriptedServer, model: OpenAIChatModel
) -> None:
    server.script(transfer("math"), text("4"))
    coordinator = team(model, default_transfer_message="Handing off to the specialist")
    result = await Runner("app", coordinator).run_to_end("u", "s", "2+2?")
    announcement = transfer_event(result.events).message
    assert announcement is not None and announcement.content == "Handing off to the specialist"
    assert said_to_math(server) == ["[coordinator] said: Handing off to the specialist"]


async def test_an_empty_default_injects_nothing_but_the_tagged_event_stays(
    server: ScriptedServer, model: OpenAIChatModel
) -> None:
    server.script(transfer("math"), text("4"))
    result = await Runner("app", team(model, default_transfer_message="")).run_to_end(
        "u", "s", "2+2?"
    )
    event = transfer_event(result.events)
    assert event.message is None and event.actions.transfer_to_agent == "math"
    assert said_to_math(server) == []
    assert result.final_output == "4"


async def test_the_models_own_message_is_the_announcement(
    server: ScriptedServer, model: OpenAIChatModel
) -> None:
    server.script(transfer("math", message="Add 2 and 2, please."), text("4"))
    result = await Runner("app", team(model, default_transfer_message="")).run_to_end(
        "u", "s", "2+2?"
    )
    announcement = transfer_event(result.events).message
    assert announcement is not None and announcement.content == "Add 2 and 2, please."
    assert said_to_math(server) == ["[coordinator] said: Add 2 and 2, please."]
    schema = server.requests[0]["tools"][0]["function"]["parameters"]
    assert set(schema["properties"]) == {"agent_name", "message"}
    assert schema["required"] == ["agent_name"]


def billing_desk(model: OpenAIChatModel) -> tuple[LLMAgent, LLMAgent]:
    """A front desk whose tool returns the billing agent, two levels down the tree."""
    billing = LLMAgent("billing", model=model, description="invoices")
    accounts = LLMAgent("accounts", model=model, sub_agents=[billing])

    @function_tool
    async def route_to_billing(reason: str) -> BaseAgent:
        """Sends invoice questions to billing."""
        return billing

    front = LLMAgent("front", model=model, tools=[route_to_billing], sub_agents=[accounts])
    return front, billing


async def test_a_tool_returning_an_agent_hands_the_conversation_to_it(
    server: ScriptedServer, model: OpenAIChatModel
) -> None:
    server.script(calls(("route_to_billing", '{"reason": "invoice"}')), text("Invoice sent."))
    front, _ = billing_desk(model)
    service = InMemorySessionService()
    runner = Runner("app", front, session_service=service)
    result = await runner.run_to_end("u", "s", "Where is my invoice?")
    tool_result = next(e for e in result.events if e.tag == EventTag.TOOL_RESULT)
    assert tool_result.message is not None
    assert tool_result.message.content == "Transferred to billing."
    assert tool_result.metadata["status"] == "ok"
    event = transfer_event(result.events)
    assert event.metadata == {"from": "front", "to": "billing"}
    assert event.message is not None and event.message.content == "Task delegated from front."
    assert result.final_output == "Invoice sent." and result.last_agent == "billing"
    reply = next(e for e in result.events if e.is_final_response())
    assert reply.branch == "front.accounts.billing"
    # The next message goes straight to billing, which the session remembers.
    server.script(text("Paid."))
    again = await runner.run_to_end("u", "s", "And now?")
    assert again.last_agent == "billing" and again.final_output == "Paid."


async def test_a_tool_returning_an_agent_outside_the_team_is_a_tool_error(
    server: ScriptedServer, model: OpenAIChatModel
) -> None:
    stranger = LLMAgent("billing", model=model)  # same name, another tree

    @function_tool
    def route_to_billing() -> BaseAgent:
        """Sends invoice questions to billing."""
        return stranger

    front, _ = billing_desk(model)
    front.tools = [route_to_billing]
    server.script(calls(("route_to_billing", "{}")), text("I'll handle it."))
    result = await Runner("app", front).run_to_end("u", "s", "invoice?")
    tool_result = next(e for e in result.events if e.tag == EventTag.TOOL_RESULT)
    assert tool_result.metadata["status"] == "error"
    assert (
        tool_result.message is not None and "not part of this team" in tool_result.message.content
    )
    assert [e for e in result.events if e.tag == EventTag.AGENT_TRANSFER] == []
    assert result.final_output == "I'll handle it." and result.last_agent == "front"
