"""Code blocks in replies: a language label, Copy, and long lines wrapped on request."""

from __future__ import annotations

from typing import Any

from tests.scripted_server import Reply
from tests.ui.helpers import Harness, items, send, wait_idle

LONG = "print('" + "very long line " * 40 + "')"


def test_long_code_lines_wrap_when_asked_and_unwrap_again(app: Harness, qtbot: Any) -> None:
    app.server.script(Reply(text=[f"Here:\n\n```python\n{LONG}\n```\n"]))
    send(app, qtbot, "code please")
    qtbot.waitUntil(lambda: any(i.kind == "assistant" and i.event_id for i in items(app)))
    wait_idle(app, qtbot)
    reply = next(i for i in items(app) if i.kind == "assistant")
    delegate = app.window.chat.delegate
    palette = app.window.chat.view.palette()
    width = delegate._text_width()
    doc = delegate.document(reply, width, palette)
    text = doc.toPlainText()
    assert "python" in text and "Copy" in text and "Wrap lines" in text  # the block's bar
    one_line = doc.size().height()
    app.window.chat._on_link(reply, "act:wrap")
    doc = delegate.document(reply, width, palette)
    assert "Unwrap lines" in doc.toPlainText()
    assert doc.size().height() > one_line * 1.5  # the long line now runs over several
    assert doc.idealWidth() <= width + 1  # and no longer past the bubble
    app.window.chat._on_link(reply, "act:wrap")
    doc = delegate.document(reply, width, palette)
    assert "Wrap lines" in doc.toPlainText() and doc.size().height() == one_line
    assert reply.text.count(LONG) == 1  # Copy still takes the code as written
