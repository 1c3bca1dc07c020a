"""Settings → Streaming: off, each reply is one plain request and arrives whole (for servers
that run tools only without streaming); the choice is kept."""

from __future__ import annotations

import json
from typing import Any

from tests.scripted_server import Reply
from tests.ui.helpers import Harness, items, send, wait_idle


def test_replies_can_come_whole_without_streaming(app: Harness, qtbot: Any) -> None:
    checkbox = app.window.settings_panel.stream
    assert checkbox.isChecked()  # streaming is the default
    checkbox.setChecked(False)  # as a click does
    app.server.script(Reply(text=["Whole ", "answer"]))
    send(app, qtbot, "no streaming please")
    qtbot.waitUntil(lambda: any(i.text == "Whole answer" and i.event_id for i in items(app)))
    wait_idle(app, qtbot)
    assert app.server.requests[-1].get("stream") is not True  # one plain request
    saved = json.loads((app.services.folder / "settings.json").read_text(encoding="utf-8"))
    assert saved["stream"] is False
    checkbox.setChecked(True)
    app.server.script(Reply(text=["Streamed ", "again"]))
    send(app, qtbot, "and now streamed")
    qtbot.waitUntil(lambda: any(i.text == "Streamed again" and i.event_id for i in items(app)))
    wait_idle(app, qtbot)
    assert app.server.requests[-1]["stream"] is True
