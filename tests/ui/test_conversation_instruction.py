"""A conversation can have its own system instruction: its next request uses it, other
conversations keep the default, a branch inherits it, and going back to the default works."""

from __future__ import annotations

from typing import Any

from tests.scripted_server import Reply
from tests.ui.helpers import Harness, items, send, wait_idle


def _system(request: dict[str, Any]) -> str:
    first = request["messages"][0]
    return str(first["content"]) if first["role"] == "system" else ""


def test_a_conversation_with_its_own_instruction(app: Harness, qtbot: Any) -> None:
    app.window.settings_panel.instruction.setPlainText("You are the default helper.")
    app.window.settings_panel.apply_button.click()
    app.server.script(Reply(text=["Hi."]))
    send(app, qtbot, "hello")
    qtbot.waitUntil(lambda: any(i.text == "Hi." and i.event_id for i in items(app)))
    wait_idle(app, qtbot)
    assert _system(app.server.requests[-1]) == "You are the default helper."

    dialog = app.window.edit_conversation_instruction()
    assert dialog.use_default.isChecked() and dialog.editor.toPlainText() == (
        "You are the default helper."
    )
    dialog.use_default.setChecked(False)
    dialog.editor.setPlainText("Answer only in French.")
    dialog.apply_button.click()
    qtbot.waitUntil(
        lambda: any(i.kind == "note" and "own instruction" in i.text for i in items(app))
    )
    assert app.window.chat.instruction_button.text() == "Instruction: this conversation's"
    app.server.script(Reply(text=["Bonjour."]))
    send(app, qtbot, "hello again")
    qtbot.waitUntil(lambda: any(i.text == "Bonjour." and i.event_id for i in items(app)))
    wait_idle(app, qtbot)
    assert _system(app.server.requests[-1]) == "Answer only in French."
    own_id = app.parts.sessions.current_session_id

    # A branch inherits the conversation's instruction.
    reply = next(i for i in items(app) if i.text == "Bonjour.")
    app.server.script(Reply(text=["Salut."]))
    app.window.chat.item_action.emit("regen", reply)
    qtbot.waitUntil(lambda: app.parts.sessions.current_session_id != own_id, timeout=5000)
    qtbot.waitUntil(lambda: any(i.text == "Salut." and i.event_id for i in items(app)))
    wait_idle(app, qtbot)
    assert len(app.server.requests) == 3
    assert _system(app.server.requests[-1]) == "Answer only in French."

    # Another conversation keeps the default.
    app.parts.sessions.new_session()
    qtbot.waitUntil(lambda: not items(app))
    assert app.window.chat.instruction_button.text() == "Instruction: default"
    app.server.script(Reply(text=["Hello."]))
    send(app, qtbot, "a new chat")
    qtbot.waitUntil(lambda: any(i.text == "Hello." and i.event_id for i in items(app)))
    wait_idle(app, qtbot)
    assert _system(app.server.requests[-1]) == "You are the default helper."

    # Back in the first one: reopened, it still has its own, until set back to the default.
    assert own_id is not None
    app.parts.sessions.open_session(own_id)
    qtbot.waitUntil(lambda: app.window.chat.instruction_button.text().endswith("conversation's"))
    dialog = app.window.edit_conversation_instruction()
    assert dialog.editor.toPlainText() == "Answer only in French."
    dialog.use_default.setChecked(True)
    dialog.apply_button.click()
    qtbot.waitUntil(lambda: any("follows the default" in i.text for i in items(app)))
    app.server.script(Reply(text=["Back."]))
    send(app, qtbot, "and now?")
    qtbot.waitUntil(lambda: any(i.text == "Back." and i.event_id for i in items(app)))
    wait_idle(app, qtbot)
    assert _system(app.server.requests[-1]) == "You are the default helper."
