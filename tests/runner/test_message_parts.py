"""Message parts (SPEC §1.2): images and files beside the text, sent as the API wants them,
their bytes stored once per content hash."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tests.scripted_server import Reply, ScriptedServer, text
from threadline.core import FilePart as CoreFilePart
from threadline.core import ImagePart as CoreImagePart
from threadline.runner import (
    Event,
    FilePart,
    ImagePart,
    LLMAgent,
    Message,
    OpenAIChatModel,
    Runner,
)
from threadline.sessions import InMemorySessionService, SQLiteSessionService

pytestmark = pytest.mark.asyncio
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40  # ~10 KB, not valid UTF-8


def _message() -> Message:
    return Message(
        role="user",
        content="what is in these?",
        parts=[
            ImagePart(data=PNG, mime_type="image/png"),
            ImagePart(url="https://example.com/cat.jpg", mime_type="image/jpeg"),
            FilePart(name="notes.md", mime_type="text/markdown", data=b"# Plan\n- ship it"),
            FilePart(name="blob.bin", data=b"\x00\x01\x02"),
        ],
    )


async def test_parts_round_trip_through_json() -> None:
    assert CoreImagePart is ImagePart and CoreFilePart is FilePart
    event = Event(invocation_id="i", author="user", message=_message())
    again = Event.model_validate_json(event.model_dump_json())
    assert again == event
    stored = Event.model_validate_json(event.model_dump_json(exclude_defaults=True))
    assert stored == event
    image = again.message.parts[0] if again.message else None
    assert isinstance(image, ImagePart) and image.data == PNG
    assert image.ref is not None and image.ref.startswith("sha256:") and image.size == len(PNG)
    with pytest.raises(ValueError):
        ImagePart(mime_type="image/png")  # neither bytes nor a URL


async def test_images_go_as_a_content_array_and_text_files_as_text(
    server: ScriptedServer, model: OpenAIChatModel
) -> None:
    server.script(text("I see a logo."))
    runner = Runner("app", LLMAgent("helper", model=model))
    result = await runner.run_to_end("u", "s", _message())
    assert result.final_output == "I see a logo."
    user = server.requests[0]["messages"][-1]
    assert user["role"] == "user"
    kinds = [item["type"] for item in user["content"]]
    assert kinds == ["text", "image_url", "image_url", "text", "text"]
    assert user["content"][0]["text"] == "what is in these?"
    assert user["content"][1]["image_url"]["url"].startswith("data:image/png;base64,iVBORw0KGgo")
    assert user["content"][2]["image_url"]["url"] == "https://example.com/cat.jpg"
    assert "File notes.md" in user["content"][3]["text"]
    assert "# Plan\n- ship it" in user["content"][3]["text"]
    assert user["content"][4]["text"].startswith("[file blob.bin: application/octet-stream")


async def test_a_model_without_vision_gets_a_note_instead(
    server: ScriptedServer, model: OpenAIChatModel
) -> None:
    server.script(
        Reply(status=400, error="image input is not supported - you may need to provide mmproj"),
        text("no images here"),
        text("still none"),
    )
    runner = Runner("app", LLMAgent("helper", model=model))
    result = await runner.run_to_end("u", "s", _message())
    assert result.final_output == "no images here"
    assert model.vision is False  # remembered: the next request does not try again
    await runner.run_to_end("u", "s", "and now?")
    for body in server.requests[1:]:
        content = body["messages"][0]["content"]
        assert isinstance(content, str)
        assert "this model does not take images" in content
        assert "# Plan" in content
    assert len(server.requests) == 3


async def test_sqlite_stores_the_bytes_once_per_hash(tmp_path: Path) -> None:
    path = tmp_path / "t.sqlite"
    store = SQLiteSessionService(path)
    try:
        session = await store.create_session("app", "u", "s")
        for _ in range(3):  # the same image sent three times
            message = Message(role="user", content="again", parts=[ImagePart(data=PNG)])
            await store.append_event(session, Event(author="user", message=message))
        ref = session.events[0].message.parts[0].ref if session.events[0].message else None
        assert ref is not None
        assert await store.get_blob(ref) == PNG
    finally:
        store.close()
    db = sqlite3.connect(path)
    try:
        bodies = [row[0] for row in db.execute("SELECT body FROM events")]
        blobs = db.execute("SELECT ref, mime_type, size, length(data) FROM blobs").fetchall()
    finally:
        db.close()
    assert blobs == [(ref, "image/png", len(PNG), len(PNG))]
    assert all(ref in body and len(body) < 500 for body in bodies)  # a reference each
    reopened = SQLiteSessionService(path)
    try:
        loaded = await reopened.get_session("app", "u", "s")
        rows = await reopened.load_rows("s")
    finally:
        reopened.close()
    assert loaded is not None
    datas = [e.message.parts[0].data for e in loaded.events if e.message]
    assert datas == [PNG, PNG, PNG]
    assert datas[0] is datas[1]  # one bytes object for one hash
    assert len(rows) == 3


async def test_emptying_the_trash_drops_bytes_nobody_names(tmp_path: Path) -> None:
    path = tmp_path / "t.sqlite"
    store = SQLiteSessionService(path)
    try:
        kept = await store.create_session("app", "u", "kept")
        gone = await store.create_session("app", "u", "gone")
        shared = Message(role="user", content="shared", parts=[ImagePart(data=PNG)])
        own = Message(role="user", content="own", parts=[FilePart(name="a.bin", data=b"only")])
        await store.append_event(kept, Event(author="user", message=shared))
        await store.append_event(gone, Event(author="user", message=shared))
        await store.append_event(gone, Event(author="user", message=own))
        await store.delete_session("app", "u", "gone")
        assert await store.empty_trash("app", "u") == 1
        image_ref = shared.parts[0].ref
        file_ref = own.parts[0].ref
        assert image_ref is not None and file_ref is not None
        assert await store.get_blob(image_ref) == PNG  # still named by "kept"
        assert await store.get_blob(file_ref) is None
    finally:
        store.close()


async def test_in_memory_store_shares_one_copy_per_hash() -> None:
    store = InMemorySessionService()
    session = await store.create_session("app", "u", "s")
    for _ in range(2):
        message = Message(role="user", content="x", parts=[ImagePart(data=bytes(PNG))])
        await store.append_event(session, Event(author="user", message=message))
    loaded = await store.get_session("app", "u", "s")
    assert loaded is not None
    first, second = (e.message.parts[0] for e in loaded.events if e.message)
    assert first.data is second.data
    assert first.ref is not None and store.get_blob(first.ref) is first.data


async def test_reasoning_is_kept_but_never_sent_back(
    server: ScriptedServer, model: OpenAIChatModel
) -> None:
    store = InMemorySessionService()
    session = await store.create_session("app", "u", "s")
    reply = Message(role="assistant", content="4", reasoning="2 + 2 is 4")
    await store.append_event(session, Event(author="helper", message=reply))
    server.script(text("ok"))
    runner = Runner("app", LLMAgent("helper", model=model), session_service=store)
    await runner.run_to_end("u", "s", "and 3 + 3?")
    assert "2 + 2 is 4" not in str(server.requests[0]["messages"])
