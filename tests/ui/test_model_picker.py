"""The model picker above the composer: the server's models, a choice per conversation that
its next request uses, kept by branches, and new conversations back on the provider's model."""

from __future__ import annotations

from typing import Any

from tests.scripted_server import text
from tests.ui.helpers import Harness, items, send, wait_idle


def pick(app: Harness, name: str) -> None:
    picker = app.window.chat.model_picker
    picker.setCurrentIndex(picker.findText(name))
    picker.activated.emit(picker.currentIndex())


def test_a_conversation_asks_the_model_it_picked(app: Harness, qtbot: Any) -> None:
    picker = app.window.chat.model_picker
    assert picker.objectName() == "modelPicker"
    qtbot.waitUntil(lambda: picker.findText("scripted-small") >= 0, timeout=5000)
    assert [picker.itemText(i) for i in range(picker.count())] == [
        "Default (scripted-large)",  # names what the provider's settings ask for
        "scripted-large",
        "scripted-small",
    ]
    pick(app, "scripted-small")  # before the first message: the new conversation takes it
    app.server.script(text("Small answer."))
    send(app, qtbot, "which model are you?")
    qtbot.waitUntil(lambda: any(i.text == "Small answer." and i.event_id for i in items(app)))
    wait_idle(app, qtbot)
    assert app.server.requests[-1]["model"] == "scripted-small"
    assert [i.kind for i in items(app)] == ["user", "assistant"]  # the picker says it

    # A branch keeps the conversation's model.
    answer = next(i for i in items(app) if i.kind == "assistant")
    app.server.script(text("Small again."))
    app.window.chat.item_action.emit("regen", answer)
    qtbot.waitUntil(lambda: any(i.text == "Small again." and i.event_id for i in items(app)))
    wait_idle(app, qtbot)
    assert app.server.requests[-1]["model"] == "scripted-small"
    assert app.window.chat.current_model() == "scripted-small"

    # A new conversation is back on the provider's model.
    app.parts.sessions.new_session()
    qtbot.waitUntil(lambda: app.window.chat.current_model() == "")
    app.server.script(text("Large answer."))
    send(app, qtbot, "and you?")
    qtbot.waitUntil(lambda: any(i.text == "Large answer." and i.event_id for i in items(app)))
    wait_idle(app, qtbot)
    assert app.server.requests[-1]["model"] == "scripted-large"

    # Switching the model mid-conversation applies to its very next request.
    pick(app, "scripted-small")
    note = "From here on this conversation asks scripted-small"
    qtbot.waitUntil(lambda: any(i.kind == "note" and i.text == note for i in items(app)))
    app.server.script(text("Switched."))
    send(app, qtbot, "now?")
    qtbot.waitUntil(lambda: any(i.text == "Switched." and i.event_id for i in items(app)))
    wait_idle(app, qtbot)
    assert app.server.requests[-1]["model"] == "scripted-small"
