"""Continue: a reply cut off (stopped, or the stream broke) goes on in a new request."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt

from tests.scripted_server import Reply
from tests.ui.helpers import Harness, items, send, wait_idle
from threadline.app.timeline import CONTINUE_PROMPT, CONTINUED_NOTE
from threadline.ui.chat.toolbar_buttons import toolbar_actions


def test_an_interrupted_reply_can_be_continued(app: Harness, qtbot: Any) -> None:
    app.server.script(Reply(text=["The first half "] + ["more "] * 400, delay=0.01))
    send(app, qtbot, "a long answer please")
    qtbot.waitUntil(lambda: any("The first half" in i.text for i in items(app)), timeout=5000)
    qtbot.mouseClick(app.window.chat.stop_button, Qt.MouseButton.LeftButton)
    wait_idle(app, qtbot)
    cut = next(i for i in items(app) if i.kind == "assistant")
    assert cut.status == "interrupted"
    assert "continue" in toolbar_actions(cut)  # offered on the reply's toolbar
    app.server.script(Reply(text=["and the second half."]))
    app.window.chat._on_link(cut, "act:continue")  # what clicking "Continue" does
    qtbot.waitUntil(lambda: any(i.text == "and the second half." for i in items(app)))
    wait_idle(app, qtbot)
    sent = app.server.requests[-1]["messages"]
    assert sent[-2]["role"] == "assistant" and sent[-2]["content"].startswith("The first half")
    assert sent[-1] == {"role": "user", "content": CONTINUE_PROMPT}  # the model sees its text
    kinds = [(i.kind, i.text) for i in items(app)]
    assert ("note", CONTINUED_NOTE) in kinds and ("user", CONTINUE_PROMPT) not in kinds
    done = next(i for i in items(app) if i.text == "and the second half.")
    assert "continue" not in toolbar_actions(done)  # it finished
    session_id = app.parts.sessions.current_session_id
    assert session_id is not None
    app.parts.sessions.new_session()
    qtbot.waitUntil(lambda: not items(app))
    app.parts.sessions.open_session(session_id)  # reopened: the same note, no bubble
    qtbot.waitUntil(lambda: any(i.kind == "note" for i in items(app)))
    assert [(i.kind, i.text) for i in items(app)] == kinds
