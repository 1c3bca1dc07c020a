"""Drives the window as a user and saves a screenshot."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt

from tests.scripted_server import calls, text
from tests.ui.conftest import Harness

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"


def test_conversation_tool_call_branch_screenshot(app: Harness, qtbot: object) -> None:
    server = app.server
    server.script(
        calls(("calculator", ['{"expression": ', '"6 * 7"}'])),
        text(
            "The answer is **42**.\n\n",
            "```python\nprint(6 * 7)\n```\n\n",
            "| a | b |\n|---|---|\n| 6 | 7 |",
        ),
    )
    chat = app.window.chat
    qtbot.keyClicks(chat.composer, "What is 6 times 7?")  # type: ignore[attr-defined]
    qtbot.mouseClick(chat.send_button, Qt.MouseButton.LeftButton)  # type: ignore[attr-defined]
    qtbot.waitUntil(
        lambda: any(
            i.kind == "assistant" and "42" in i.text and i.event_id
            for i in app.window.chat_model.items()
        ),
        timeout=5000,
    )  # type: ignore[attr-defined]
    qtbot.waitUntil(lambda: not chat.stop_button.isEnabled(), timeout=5000)  # type: ignore[attr-defined]
    kinds = [i.kind for i in app.window.chat_model.items()]
    assert kinds[:2] == ["user", "tool"]
    ARTIFACTS.mkdir(exist_ok=True)
    app.window.grab().save(str(ARTIFACTS / "main-window.png"))
