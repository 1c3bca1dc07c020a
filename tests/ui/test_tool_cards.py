"""Tool calls are compact cards: name, status chip, time and a short result; the arguments and
the whole result open under the name."""

from __future__ import annotations

from typing import Any

from tests.scripted_server import calls, text
from tests.ui.helpers import Harness, items, send, wait_idle


def test_a_tool_call_card_opens_and_closes(app: Harness, qtbot: Any) -> None:
    app.server.script(calls(("calculator", ['{"expression": ', '"6 * 7"}'])), text("42."))
    send(app, qtbot, "6 times 7?")
    qtbot.waitUntil(lambda: any(i.kind == "assistant" and i.event_id for i in items(app)))
    wait_idle(app, qtbot)
    tool = next(i for i in items(app) if i.kind == "tool")
    delegate, palette = app.window.chat.delegate, app.window.chat.view.palette()
    width = delegate._text_width()
    closed = delegate.document(tool, width, palette)
    shown = closed.toPlainText()
    assert "calculator" in shown and "ok" in shown and "→ 42" in shown and "ms" in shown
    assert '"expression"' not in shown  # the arguments wait behind the name
    short = closed.size().height()
    app.window.chat._on_link(tool, "act:tool")  # a click on the name
    opened = delegate.document(tool, width, palette)
    assert '"expression": "6 * 7"' in opened.toPlainText() and opened.size().height() > short
    app.window.chat._on_link(tool, "act:tool")
    assert '"expression"' not in delegate.document(tool, width, palette).toPlainText()
