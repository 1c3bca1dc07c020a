"""The first runner turn after a restart, in a process of its own (``store.py`` runs it).

``python restart_turn.py FILE TURNS [ahead]`` opens the store in FILE as a restarted app or
server does (the store opened, nothing of the session in memory), times the first turn on
session ``s`` (its history read from the file), then ``TURNS`` warm turns, and prints
``{"first": ms, "warm": ms}`` as its last line. With ``ahead`` the history is read first, as
the window does while the person types (``app.conversations.read_history_ahead``); with
``peer`` the same is timed for openai-agents' ``Runner`` on its ``SQLiteSession`` in FILE
(written by ``fill_peer``), with a fixed model that does no work of its own.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from pathlib import Path

import common  # noqa: F401  # the app's garbage-collection settings

from threadline.core.events import Event, Message
from threadline.runner import LLMAgent, Runner, ScriptedModel
from threadline.sessions import SQLiteSessionService


async def fill_like_the_runner(path: Path, stored: int) -> None:
    """A session of ``stored`` events shaped as the runner writes them: the user's messages
    and the agent's replies (on its branch, with usage and the request record)."""
    store = SQLiteSessionService(path)
    runner = Runner("app", LLMAgent("a", model=ScriptedModel(["ok"])), session_service=store)
    await store.create_session("app", "u", "template")
    await runner.run_to_end("u", "template", "a question")
    template = await store.get_session("app", "u", "template")
    assert template is not None
    asked, replied = template.events[0], template.events[1]
    session = await store.create_session("app", "u", "s")
    for i in range(stored):
        shape = asked if i % 2 == 0 else replied
        assert shape.message is not None
        text = f"message number {i} about tides and bread " * 3
        await store.append_event(
            session,
            shape.model_copy(
                update={
                    "id": Event(author="x").id,
                    "invocation_id": f"inv{i // 2}",
                    "message": Message(role=shape.message.role, content=text),
                }
            ),
        )
    await store.aclose()


async def measure(path: Path, turns: int, ahead: bool = False) -> dict[str, float]:
    store = SQLiteSessionService(path)
    await store.list_sessions("app", "u")  # the store is open, as after startup
    if ahead:
        await store.get_session("app", "u", "s")
    runner = Runner("app", LLMAgent("a", model=ScriptedModel(["ok"])), session_service=store)
    start = time.perf_counter()
    await runner.run_to_end("u", "s", "first after the restart")
    first = (time.perf_counter() - start) * 1000
    start = time.perf_counter()
    for i in range(turns):
        await runner.run_to_end("u", "s", f"turn {i}")
    warm = (time.perf_counter() - start) / turns * 1000
    await store.aclose()
    return {"first": first, "warm": warm}


async def fill_peer(path: Path, stored: int) -> bool:
    """The same conversation as openai-agents keeps it; False without the bench extra."""
    try:
        from agents import SQLiteSession
    except ImportError:
        return False
    session = SQLiteSession("s", str(path))
    items = [
        {
            "role": "user" if i % 2 == 0 else "assistant",
            "content": f"message number {i} about tides and bread " * 3,
        }
        for i in range(stored)
    ]
    if items:
        await session.add_items(items)  # type: ignore[arg-type]
    session.close()
    return True


async def measure_peer(path: Path, turns: int) -> dict[str, float]:
    from agents import Agent, RunConfig, SQLiteSession
    from agents import Runner as PeerRunner
    from agents.items import ModelResponse
    from agents.models.interface import Model
    from agents.usage import Usage as PeerUsage
    from openai.types.responses import ResponseOutputMessage, ResponseOutputText

    class Fixed(Model):
        async def get_response(self, *args: object, **kwargs: object) -> ModelResponse:
            message = ResponseOutputMessage(
                id="m",
                type="message",
                role="assistant",
                status="completed",
                content=[ResponseOutputText(type="output_text", text="ok", annotations=[])],
            )
            return ModelResponse(output=[message], usage=PeerUsage(), response_id=None)

        async def stream_response(self, *args: object, **kwargs: object):  # type: ignore[no-untyped-def]
            raise NotImplementedError
            yield

    session = SQLiteSession("s", str(path))
    await session.get_items(limit=1)  # the file is open, as after startup
    agent = Agent(name="a", model=Fixed())
    config = RunConfig(tracing_disabled=True)
    start = time.perf_counter()
    await PeerRunner.run(agent, "first after the restart", session=session, run_config=config)
    first = (time.perf_counter() - start) * 1000
    start = time.perf_counter()
    for i in range(turns):
        await PeerRunner.run(agent, f"turn {i}", session=session, run_config=config)
    warm = (time.perf_counter() - start) / turns * 1000
    session.close()
    return {"first": first, "warm": warm}


if __name__ == "__main__":
    file, count, mode = Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3:4]
    if mode == ["peer"]:
        figures = asyncio.run(measure_peer(file, count))
    else:
        figures = asyncio.run(measure(file, count, ahead=mode == ["ahead"]))
    print(json.dumps(figures))
