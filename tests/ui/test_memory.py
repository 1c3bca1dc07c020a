"""Memory: with it on in Settings, a request brings excerpts of past conversations that share
words with the message (clean text); the inspector shows them; a conversation can opt out."""

from __future__ import annotations

from typing import Any

from tests.scripted_server import Reply
from tests.ui.helpers import Harness, items, send, wait_idle
from threadline.runner.instructions import MEMORY_HEADING


def _system(request: dict[str, Any]) -> str:
    first = request["messages"][0]
    return str(first["content"]) if first["role"] == "system" else ""


def _ask(app: Harness, qtbot: Any, text: str, answer: str) -> dict[str, Any]:
    app.server.script(Reply(text=[answer]))
    send(app, qtbot, text)
    qtbot.waitUntil(lambda: any(i.text == answer and i.event_id for i in items(app)))
    wait_idle(app, qtbot)
    return app.server.requests[-1]


def test_memory_brings_past_conversations_in_and_a_conversation_can_opt_out(
    app: Harness, qtbot: Any
) -> None:
    first = _ask(app, qtbot, "My sourdough starter needs feeding twice daily", "Noted.")
    assert MEMORY_HEADING not in _system(first)  # memory is off until Settings turns it on
    app.window.settings_panel.memory.setChecked(True)
    assert app.services.settings.memory is True
    app.parts.sessions.new_session()
    qtbot.waitUntil(lambda: not items(app))
    assert not app.window.chat.memory_button.isHidden()  # the per-conversation switch
    asked = _ask(app, qtbot, "How often should the sourdough starter be fed?", "Twice a day.")
    system = _system(asked)
    assert MEMORY_HEADING in system
    assert "sourdough starter needs feeding twice daily" in system  # the past words, clean
    assert "[" not in system.split(MEMORY_HEADING, 1)[1]  # no search marks for the model
    app.window.panels.toggle_inspector.trigger()  # the inspector shows what memory brought in
    inspector = app.window.inspector
    last = inspector.requests.rowCount() - 1
    inspector.requests_view.setCurrentIndex(inspector.requests.index(last, 0))
    qtbot.waitUntil(lambda: "Memory brought in:" in inspector.request_detail.toPlainText())
    assert "feeding twice daily" in inspector.request_detail.toPlainText()
    app.window.chat.memory_button.setChecked(False)  # this conversation opts out
    qtbot.waitUntil(lambda: any(i.text == "Memory off here" for i in items(app)))
    again = _ask(app, qtbot, "And the sourdough starter temperature?", "Warm.")
    assert MEMORY_HEADING not in _system(again)
