"""The MCP reference servers from npm (issue 10): images, progress, sampling, elicitation, roots.

``@modelcontextprotocol/server-everything`` and ``server-filesystem``, started over stdio from
``tests/mcp_servers`` (see ``mcp_servers.py``); the model is the scripted OpenAI-compatible
server behind the real ``openai`` client. Tool names are discovered at run time.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import re
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from tests.runner.mcp_servers import npm_server
from tests.scripted_server import ScriptedServer, calls, text
from threadline.core.events import EventTag, FilePart, ImagePart
from threadline.runner import (
    LLMAgent,
    OpenAIChatModel,
    Runner,
    ScriptedModel,
    ScriptedReply,
)
from threadline.runner.content import tool_text
from threadline.runner.mcp import (
    ElicitationRequest,
    ElicitationResponse,
    MCPToolset,
    SamplingRequest,
    result_output,
)
from threadline.sessions import SQLiteSessionService

pytestmark = pytest.mark.asyncio


def _tool(toolset: MCPToolset, *words: str) -> str:
    """The name of the server's tool whose name holds every word (names vary by version)."""
    for tool in toolset.tools:
        name = tool.name.lower().replace("_", "-")
        if all(w in name for w in words):
            return tool.name
    raise AssertionError(f"no tool like {words} in {[t.name for t in toolset.tools]}")


@pytest_asyncio.fixture
async def everything() -> AsyncIterator[MCPToolset]:
    toolset = MCPToolset(npm_server("everything", "mcp-server-everything"))
    await toolset.connect()
    yield toolset
    await toolset.aclose()


async def test_an_image_result_reaches_the_model_as_an_image_part(
    everything: MCPToolset, server: ScriptedServer, model: OpenAIChatModel, tmp_path: Path
) -> None:
    image_tool = _tool(everything, "image")
    server.script(calls((image_tool, "{}")), text("A small logo."), text("Still here."))
    store = SQLiteSessionService(tmp_path / "t.sqlite")
    try:
        agent = LLMAgent("helper", model=model, tools=everything.tools)
        runner = Runner("app", agent, session_service=store)
        first = await runner.run_to_end("u", "s", "show me the image")
        assert first.final_output == "A small logo."
        await runner.run_to_end("u", "s", "and now?")
        session = await store.get_session("app", "u", "s")
    finally:
        store.close()

    for body in server.requests[1:]:  # the turn right after the call, and every later one
        messages = body["messages"]
        tool_message = next(m for m in messages if m["role"] == "tool")
        assert isinstance(tool_message["content"], str)
        assert len(tool_message["content"]) < 500  # a reference, not 5 KB of base64
        assert "[image: image/png" in tool_message["content"]
        after = messages[messages.index(tool_message) + 1]
        assert after["role"] == "user"  # tool messages take text: the image follows them
        assert "Output of the tool call" in after["content"][0]["text"]
        image = after["content"][1]
        assert image["type"] == "image_url"
        assert image["image_url"]["url"].startswith("data:image/png;base64,iVBOR")
        assert len(json.dumps(body)) < 20_000

    assert session is not None
    result = next(e for e in session.events if e.tag == EventTag.TOOL_RESULT)
    assert result.message is not None
    part = result.message.parts[0]
    assert isinstance(part, ImagePart) and part.data is not None
    assert part.data.startswith(b"\x89PNG")  # filled in again from the blob store
    db = sqlite3.connect(tmp_path / "t.sqlite")
    try:
        (body,) = db.execute(
            "SELECT body FROM events WHERE tag = ?", (EventTag.TOOL_RESULT.value,)
        ).fetchone()
        blobs = db.execute("SELECT ref, size FROM blobs").fetchall()
    finally:
        db.close()
    assert part.ref is not None and part.ref in body
    assert len(body) < 2_000  # the event JSON holds the reference, not the bytes
    assert blobs == [(part.ref, part.size)]


async def test_a_blob_resource_is_a_part_not_base64(everything: MCPToolset) -> None:
    tool = _tool(everything, "resource", "reference")
    output = await everything.call_output(tool, {"resourceType": "Blob", "resourceId": 2})
    (part,) = output.parts
    assert isinstance(part, FilePart) and part.data is not None
    encoded = base64.b64encode(part.data).decode()
    seen = await everything.call(tool, {"resourceType": "Blob", "resourceId": 2})
    assert encoded not in seen and "base64" not in output.text
    # A text blob (text/plain) is read as its text. The server puts the clock time in it, so
    # two calls a second apart differ only there.
    clock = re.compile(r"\d{1,2}:\d{2}:\d{2}\s*[AP]M")
    assert clock.sub("<time>", part.data.decode()) in clock.sub("<time>", seen)


async def test_binary_results_become_parts_and_short_references() -> None:
    from mcp import types

    image = os.urandom(1_000_000)
    blob = os.urandom(50_000)
    result = types.CallToolResult(
        content=[
            types.TextContent(type="text", text="two things"),
            types.ImageContent(
                type="image", data=base64.b64encode(image).decode(), mime_type="image/jpeg"
            ),
            types.EmbeddedResource(
                type="resource",
                resource=types.BlobResourceContents(
                    uri="file:///data/archive.bin",  # type: ignore[arg-type]
                    mime_type="application/octet-stream",
                    blob=base64.b64encode(blob).decode(),
                ),
            ),
        ]
    )
    output = result_output(result)
    image_part, file_part = output.parts
    assert isinstance(image_part, ImagePart) and image_part.data == image
    assert isinstance(file_part, FilePart) and file_part.data == blob
    assert file_part.name == "archive.bin"
    seen = tool_text(output.text, output.parts)
    assert len(seen) < 300, seen  # not 1.33 M characters of base64
    assert "[image: image/jpeg, 976.6 KB, attached below]" in seen
    assert "[file archive.bin: application/octet-stream, 48.8 KB, not readable as text]" in seen


async def test_progress_notifications_become_progress_events(everything: MCPToolset) -> None:
    tool = _tool(everything, "long", "running")
    model = ScriptedModel(
        [
            ScriptedReply(tool_calls=[(tool, '{"duration": 0.6, "steps": 3}')]),
            ScriptedReply(text="done"),
        ]
    )
    runner = Runner("app", LLMAgent("helper", model=model, tools=everything.tools))
    events = [e async for e in runner.run("u", "s", "go")]
    progress = [e for e in events if e.tag == EventTag.TOOL_PROGRESS]
    assert [e.metadata["progress"] for e in progress] == [1, 2, 3]
    assert all(e.partial and e.metadata["total"] == 3 for e in progress)
    result = next(e for e in events if e.tag == EventTag.TOOL_RESULT)
    assert progress[0].metadata["call_id"] == result.metadata["call_id"]
    assert events.index(progress[-1]) < events.index(result)  # streamed while it ran
    session = await runner.session_service.get_session("app", "u", "s")
    assert session is not None
    assert not any(e.tag == EventTag.TOOL_PROGRESS for e in session.events)  # never stored


async def test_sampling_runs_on_the_model_the_handler_chooses() -> None:
    asked: list[SamplingRequest] = []

    async def approve(request: SamplingRequest) -> ScriptedModel:
        asked.append(request)
        return ScriptedModel([ScriptedReply(text="sampled: 42")])

    toolset = MCPToolset(
        npm_server("everything", "mcp-server-everything"), sampling_handler=approve
    )
    await toolset.connect()
    try:
        tool = _tool(toolset, "sampling")
        assert "sampled: 42" in await toolset.call(tool, {"prompt": "the answer", "maxTokens": 9})
    finally:
        await toolset.aclose()
    (request,) = asked
    assert request.server == "everything"
    assert request.max_tokens == 9
    assert "the answer" in request.messages[0]["content"]
    assert request.system_prompt


async def test_a_declined_sampling_request_reaches_the_server_as_rejected() -> None:
    async def decline(request: SamplingRequest) -> None:
        return None

    toolset = MCPToolset(
        npm_server("everything", "mcp-server-everything"), sampling_handler=decline
    )
    await toolset.connect()
    try:
        model = ScriptedModel(
            [
                ScriptedReply(tool_calls=[(_tool(toolset, "sampling"), '{"prompt": "hi"}')]),
                ScriptedReply(text="ok"),
            ]
        )
        runner = Runner("app", LLMAgent("helper", model=model, tools=toolset.tools))
        result = await runner.run_to_end("u", "s", "go")
    finally:
        await toolset.aclose()
    tool_result = next(e for e in result.events if e.tag == EventTag.TOOL_RESULT)
    assert tool_result.metadata["status"] == "error"
    assert "rejected" in tool_result.text.lower()


async def test_no_handlers_no_capabilities(everything: MCPToolset) -> None:
    names = " ".join(t.name for t in everything.tools)
    assert "sampling" not in names and "elicitation" not in names and "roots" not in names


async def test_elicitation_goes_through_the_handler_and_can_be_declined() -> None:
    answers = [ElicitationResponse.accept({"name": "Ada Lovelace"}), ElicitationResponse.decline()]
    asked: list[ElicitationRequest] = []

    async def ask(request: ElicitationRequest) -> ElicitationResponse:
        asked.append(request)
        return answers.pop(0)

    toolset = MCPToolset(npm_server("everything", "mcp-server-everything"), elicitation_handler=ask)
    await toolset.connect()
    try:
        tool = next(
            t.name
            for t in toolset.tools
            if "elicitation" in t.name and "url" not in t.name and "async" not in t.name
        )
        model = ScriptedModel(
            [
                ScriptedReply(tool_calls=[(tool, "{}")]),
                ScriptedReply(text="thanks"),
                ScriptedReply(tool_calls=[(tool, "{}")]),
                ScriptedReply(text="fine"),
            ]
        )
        runner = Runner("app", LLMAgent("helper", model=model, tools=toolset.tools))
        accepted = await runner.run_to_end("u", "s", "ask me")
        declined = await runner.run_to_end("u", "s", "ask me again")
    finally:
        await toolset.aclose()
    first = next(e for e in accepted.events if e.tag == EventTag.TOOL_RESULT)
    assert "Ada Lovelace" in first.text
    second = next(e for e in declined.events if e.tag == EventTag.TOOL_RESULT)
    assert "decline" in second.text.lower()
    assert asked[0].mode == "form"
    assert "name" in asked[0].schema["properties"]
    context = asked[0].tool_context  # the form can be shown in the right conversation
    assert context is not None and context.invocation.session.id == "s"


async def test_filesystem_server_sees_only_the_roots(tmp_path: Path) -> None:
    allowed = tmp_path / "allowed"
    allowed.mkdir()
    (allowed / "note.txt").write_text("inside the root")
    secret = tmp_path / "secret.txt"
    secret.write_text("outside")
    # No folder on the command line: the server works in the roots the client lists.
    toolset = MCPToolset(npm_server("filesystem", "mcp-server-filesystem", roots=[allowed]))
    await toolset.connect()
    try:
        listed = ""
        for _ in range(50):  # the server checks the roots it got before it uses them
            listed = await toolset.call(_tool(toolset, "allowed"), {})
            if "allowed" in listed.replace("Allowed", ""):
                break
            await asyncio.sleep(0.1)
        read = _tool(toolset, "read", "text")
        inside = await toolset.call(read, {"path": str(allowed / "note.txt")})
        with pytest.raises(Exception, match=r"(?i)denied|outside|not allowed"):
            await toolset.call(read, {"path": str(secret)})
    finally:
        await toolset.aclose()
    assert str(allowed) in listed
    assert "secret" not in listed
    assert inside == "inside the root"


async def test_roots_are_listed_to_the_server(tmp_path: Path) -> None:
    uri = tmp_path.resolve().as_uri()  # noqa: ASYNC240
    toolset = MCPToolset(npm_server("everything", "mcp-server-everything", roots=[tmp_path]))
    await toolset.connect()
    try:
        listed = await toolset.call(_tool(toolset, "roots"), {})
    finally:
        await toolset.aclose()
    assert uri in listed
