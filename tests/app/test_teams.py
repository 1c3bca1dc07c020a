"""Teams built from user-defined specs, run through the real OpenAI client and scripted server."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from tests.scripted_server import ScriptedServer, calls, text
from threadline.app.teams import (
    DEFAULT_TEAM,
    AgentSpec,
    TeamError,
    build_team,
    check_specs,
    parse_specs,
)
from threadline.runner import LLMAgent, OpenAIChatModel, RunConfig, Runner, function_tool
from threadline.sessions import InMemorySessionService

pytestmark = pytest.mark.asyncio


@function_tool
def add(a: int, b: int) -> int:
    """Adds two numbers."""
    return a + b


@function_tool
def shout(words: str) -> str:
    """Makes words loud."""
    return words.upper()


TOOLS = {"add": add, "shout": shout}


@pytest_asyncio.fixture
async def models(server: ScriptedServer) -> AsyncIterator[dict[str, OpenAIChatModel]]:
    made: dict[str, OpenAIChatModel] = {}
    yield made
    for model in made.values():
        await model.aclose()


def model_source(server: ScriptedServer, made: dict[str, OpenAIChatModel]):  # type: ignore[no-untyped-def]
    def model_for(name: str) -> OpenAIChatModel:
        name = name or "provider-default"
        if name not in made:
            made[name] = OpenAIChatModel(name, base_url=server.base_url, api_key="sk-test")
        return made[name]

    return model_for


def assistant(model_for) -> LLMAgent:  # type: ignore[no-untyped-def]
    return LLMAgent("assistant", model=model_for(""), instruction="Be helpful.", tools=[add])


async def test_coordinator_hands_over_to_a_specialist_with_its_own_model_and_tools(
    server: ScriptedServer, models: dict[str, OpenAIChatModel]
) -> None:
    specs = [
        AgentSpec(
            name="math",
            description="sums",
            instruction="You add.",
            tools=["add"],
            model="scripted-small",
        ),
        AgentSpec(name="poet", description="verse", instruction="You rhyme.", tools=["shout"]),
        AgentSpec(name="lead", instruction="Route the work.", sub_agents=["math", "poet"]),
    ]
    model_for = model_source(server, models)
    team = build_team(
        "lead", specs, assistant=assistant(model_for), model_for=model_for, tools=TOOLS
    )
    server.script(
        calls(("transfer_to_agent", '{"agent_name": "math"}')),
        calls(("add", '{"a": 2, "b": 2}')),
        text("4"),
    )
    runner = Runner("app", assistant(model_for), session_service=InMemorySessionService())
    result = await runner.run_to_end("u", "s", "2+2?", run_config=RunConfig(agent=team))
    assert result.final_output == "4" and result.last_agent == "math"
    lead_request, math_request, _ = server.requests
    assert lead_request["model"] == "provider-default"
    assert lead_request["messages"][0]["content"] == "Route the work."
    assert [t["function"]["name"] for t in lead_request["tools"]] == ["transfer_to_agent"]
    assert math_request["model"] == "scripted-small"
    assert math_request["messages"][0]["content"] == "You add."
    assert "add" in [t["function"]["name"] for t in math_request["tools"]]
    assert "shout" not in [t["function"]["name"] for t in math_request["tools"]]
    # Without the team in the run config the runner's own agent (the assistant) answers.
    server.script(text("plain"))
    other = await runner.run_to_end("u", "s2", "hi")
    assert other.last_agent == "assistant"


async def test_chain_parallel_and_cycle_specs_build_workflows(
    server: ScriptedServer, models: dict[str, OpenAIChatModel]
) -> None:
    specs = [
        AgentSpec(name="writer", instruction="Write."),
        AgentSpec(name="critic", instruction="Criticise; call exit_loop when it is good."),
        AgentSpec(name="review", kind="cycle", sub_agents=["writer", "critic"], max_iterations=3),
        AgentSpec(name="both", kind="parallel", sub_agents=["writer", "critic"]),
        AgentSpec(name="steps", kind="chain", sub_agents=["writer", "critic"]),
    ]
    model_for = model_source(server, models)
    base = assistant(model_for)
    runner = Runner("app", base, session_service=InMemorySessionService())

    server.script(text("draft 1"), calls(("exit_loop", "{}")))
    cycle = build_team("review", specs, assistant=base, model_for=model_for, tools=TOOLS)
    result = await runner.run_to_end("u", "c", "go", run_config=RunConfig(agent=cycle))
    assert [e.author for e in result.events if e.is_final_response()] == ["writer"]
    assert "exit_loop" in [t["function"]["name"] for t in server.requests[1]["tools"]]
    assert len(server.requests) == 2  # the critic escalated: no second round

    server.script(text("a"), text("b"))
    chain = build_team("steps", specs, assistant=base, model_for=model_for, tools=TOOLS)
    result = await runner.run_to_end("u", "ch", "go", run_config=RunConfig(agent=chain))
    assert [e.author for e in result.events if e.is_final_response()] == ["writer", "critic"]
    assert "tools" not in server.requests[-1]  # outside a cycle there is no exit_loop
    assert {"role": "user", "content": "[writer] said: a"} in server.requests[-1]["messages"]

    server.script(text("x"), text("y"))
    both = build_team("both", specs, assistant=base, model_for=model_for, tools=TOOLS)
    result = await runner.run_to_end("u", "p", "go", run_config=RunConfig(agent=both))
    branches = {e.branch for e in result.events if e.is_final_response()}
    assert branches == {"both.writer", "both.critic"}


async def test_the_default_team_is_the_assistant_itself(
    server: ScriptedServer, models: dict[str, OpenAIChatModel]
) -> None:
    model_for = model_source(server, models)
    base = assistant(model_for)
    assert build_team(DEFAULT_TEAM, [], assistant=base, model_for=model_for, tools=TOOLS) is base


@pytest.mark.parametrize(
    ("specs", "message"),
    [
        ([AgentSpec(name="a"), AgentSpec(name="a")], "two agents are called 'a'"),
        ([AgentSpec(name="a", sub_agents=["ghost"])], "'ghost', which is not defined"),
        (
            [AgentSpec(name="a", sub_agents=["b"]), AgentSpec(name="b", sub_agents=["a"])],
            "a → b → a goes round in a loop",
        ),
        ([AgentSpec(name="w", kind="chain")], "chain workflow without sub-agents"),
        (
            [
                AgentSpec(name="x"),
                AgentSpec(name="y", sub_agents=["x"]),
                AgentSpec(name="top", kind="chain", sub_agents=["x", "y"]),
            ],
            "x appears twice in the team led by top",
        ),
    ],
)
async def test_specs_that_cannot_form_a_team_say_why(specs: list[AgentSpec], message: str) -> None:
    with pytest.raises(TeamError, match=message):
        check_specs(specs)


async def test_names_are_checked_and_broken_stored_entries_skipped() -> None:
    with pytest.raises(ValueError, match="not a usable agent name"):
        AgentSpec(name="two words")
    with pytest.raises(ValueError, match="taken by the app"):
        AgentSpec(name="assistant")
    # The first release stored specialists as plain name/description/instruction dicts.
    stored = [{"name": "math", "description": "sums", "instruction": "Add."}, {"name": "!"}]
    assert parse_specs(stored) == [AgentSpec(name="math", description="sums", instruction="Add.")]
    assert parse_specs(None) == []
