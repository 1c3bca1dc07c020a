"""The SPEC §3 model and network faults, met in the real window: each gives its plain message
in the chat and loses nothing already saved (checked in the file after the app has closed)."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest

from tests.scripted_server import Reply, ScriptedServer, calls, text
from tests.ui.helpers import items, send, start_app, stop_app, wait_idle
from threadline.settings.config import ProviderSettings
from threadline.ui.common.qt import QEventLoop

NOW = {"Retry-After": "0"}  # the app retries 429/5xx three times; don't wait between tries


@pytest.mark.parametrize(
    ("replies", "message"),
    [
        ([Reply(status=401)], "The server refused the API key (401). Check the key in Settings."),
        ([Reply(status=429, headers=NOW)] * 4, "Rate limited by the server (429)"),
        ([Reply(status=503, headers=NOW)] * 4, "The model server failed (503)."),
        ([Reply(text=["Half a ", "thought", " never"], cut_after=2)], "dropped mid-reply"),
        ([Reply(text=["Half a ", "thought", " never"], close_after=2)], "ended without finishing"),
    ],
    ids=["401", "429", "5xx", "cut-stream", "clean-close"],
)
def test_a_model_fault_is_explained_and_nothing_saved_is_lost(
    qtbot: Any,
    qloop: QEventLoop,
    server: ScriptedServer,
    tmp_path: Path,
    replies: list[Reply],
    message: str,
) -> None:
    folder = tmp_path / "data"
    app = start_app(qtbot, folder, server)
    try:
        server.script(text("The first answer."))
        send(app, qtbot, "first question")
        qtbot.waitUntil(lambda: any(i.text == "The first answer." for i in items(app)))
        wait_idle(app, qtbot)
        for reply in replies:
            server.script(reply)
        send(app, qtbot, "second question")
        qtbot.waitUntil(lambda: any(i.kind == "error" for i in items(app)), timeout=15000)
        wait_idle(app, qtbot)
        error = next(i for i in items(app) if i.kind == "error")
        assert message in error.text
        partial = [i for i in items(app) if i.status == "interrupted"]
        if "mid-reply" in message or "finishing" in message:
            [kept] = partial  # what arrived before the cut is kept, marked interrupted
            assert kept.text.startswith("Half a") and "Half a thought never".startswith(kept.text)
    finally:
        stop_app(qtbot, app)
    db = sqlite3.connect(folder / "threadline.db")
    texts = [row[0] for row in db.execute("SELECT text FROM events ORDER BY seq") if row[0]]
    db.close()
    assert texts[:3] == ["first question", "The first answer.", "second question"]


def test_an_unreachable_server_is_named(
    qtbot: Any, qloop: QEventLoop, server: ScriptedServer, tmp_path: Path
) -> None:
    app = start_app(qtbot, tmp_path / "data", server)
    try:
        app.services.settings.provider = ProviderSettings(
            name="custom", base_url="http://127.0.0.1:9/v1", model="m"
        )
        app.parts.settings.invalidate_model()
        send(app, qtbot, "anyone there?")
        qtbot.waitUntil(lambda: any(i.kind == "error" for i in items(app)), timeout=30000)
        error = next(i for i in items(app) if i.kind == "error")
        assert "Could not reach the model server at http://127.0.0.1:9/v1" in error.text
        assert [i.text for i in items(app) if i.kind == "user"] == ["anyone there?"]
    finally:
        stop_app(qtbot, app)


def test_invalid_tool_call_json_goes_back_to_the_model_as_a_tool_error(
    qtbot: Any, qloop: QEventLoop, server: ScriptedServer, tmp_path: Path
) -> None:
    app = start_app(qtbot, tmp_path / "data", server)
    try:
        server.script(calls(("calculator", ['{"expression": "1+', "oops"])))
        server.script(text("Sorry, let me fix that."))
        send(app, qtbot, "add please")
        qtbot.waitUntil(lambda: any(i.text == "Sorry, let me fix that." for i in items(app)))
        wait_idle(app, qtbot)
        tool = next(i for i in items(app) if i.kind == "tool")
        assert tool.status == "error" and "JSON" in tool.detail
        sent = server.requests[1]["messages"]
        assert any(m["role"] == "tool" and "JSON" in m["content"] for m in sent)
    finally:
        stop_app(qtbot, app)
