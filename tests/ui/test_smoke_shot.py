"""Drives the window as a user would and saves a screenshot of it (artifacts/main-window.png)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt

from tests.scripted_server import calls, text
from tests.ui.helpers import Harness, items, wait_idle

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"
ANSWER = (
    "6 × 7 is **42**. Here it is in Python:\n\n",
    "```python\nprint(6 * 7)  # 42\n```\n\n",
    "| factor | factor | product |\n|---|---|---|\n| 6 | 7 | 42 |\n",
)


def test_conversation_tool_call_branch_screenshot(app: Harness, qtbot: Any) -> None:
    app.server.script(calls(("calculator", ['{"expression": ', '"6 * 7"}'])), text(*ANSWER))
    chat = app.window.chat
    qtbot.keyClicks(chat.composer, "What is 6 times 7?")
    qtbot.mouseClick(chat.send_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: any(i.kind == "assistant" and i.event_id for i in items(app)), timeout=5000
    )
    wait_idle(app, qtbot)
    assert [i.kind for i in items(app)] == ["user", "tool", "assistant"]
    tool = items(app)[1]
    assert tool.status == "ok" and tool.detail == "42"
    ARTIFACTS.mkdir(exist_ok=True)
    assert app.window.grab().save(str(ARTIFACTS / "streamed-reply.png"))
    root = app.parts.sessions.current_session_id
    app.window.chat.item_action.emit("branch", items(app)[-1])
    qtbot.waitUntil(lambda: app.parts.sessions.current_session_id != root, timeout=3000)
    qtbot.waitUntil(lambda: len(items(app)) == 3, timeout=3000)
    tree = app.window.tree_model
    assert tree.rowCount(tree.index_of(root or "")) == 1
    app.window.inspector.calls_view.setCurrentIndex(app.window.inspector.calls.index(0, 0))
    ARTIFACTS.mkdir(exist_ok=True)
    image = app.window.grab()
    assert not image.isNull() and image.width() >= 1000
    assert image.save(str(ARTIFACTS / "main-window.png"))
