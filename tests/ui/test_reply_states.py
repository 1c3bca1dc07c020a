"""A reply's states as the chat shows them: waiting for its first token, retried after a 429,
stopped, finished, and the same reply reopened later."""

from __future__ import annotations

import re
import threading
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from tests.scripted_server import Reply, text
from tests.ui.helpers import Harness, items, send, wait_idle
from threadline.app.timeline import ChatItem


def _reply(app: Harness) -> ChatItem:
    return next(i for i in items(app) if i.kind == "assistant")


def _waiting(app: Harness) -> list[ChatItem]:
    return [i for i in items(app) if i.status == "waiting"]


def _switch_away_and_back(app: Harness, qtbot: Any) -> None:
    sid = app.parts.sessions.current_session_id
    assert sid is not None
    app.parts.sessions.new_session()
    qtbot.waitUntil(lambda: items(app) == [])
    app.run(qtbot, app.parts.sessions.show(sid))
    qtbot.waitUntil(lambda: any(i.kind == "assistant" for i in items(app)))


def _toolbar_over(app: Harness, item: ChatItem) -> list[str]:
    """Hovers ``item``'s row and returns the toolbar's actions."""
    chat = app.window.chat
    model = chat.model
    row = next(r for r in range(model.rowCount()) if model.item(r) is item)
    chat.composer.setFocus()
    QTest.mouseMove(chat.view.viewport(), chat.view.visualRect(model.index(row)).center())
    bar = chat.delegate.toolbar.widget
    return [b.action for b in bar.shown_buttons()] if bar.isVisible() else []


def test_a_stopped_reply_offers_what_a_reopened_one_does(app: Harness, qtbot: Any) -> None:
    gate = threading.Event()
    app.server.script(
        Reply(text=["Half ", "an ", "answer", " never sent"], pause_after=3, pause=gate)
    )
    send(app, qtbot, "tell me")
    qtbot.waitUntil(lambda: any("Half an" in i.text for i in items(app)), timeout=5000)
    qtbot.keyClick(app.window.chat.composer, Qt.Key.Key_Escape)  # Esc stops, as Stop does
    wait_idle(app, qtbot)
    gate.set()
    reply = _reply(app)
    assert reply.status == "interrupted" and reply.event_id  # the stored event's id
    expected = ["copy", "branch", "regen", "continue", "inspect", "more"]
    qtbot.waitUntil(lambda: _toolbar_over(app, _reply(app)) == expected, timeout=3000)
    stopped_id = reply.event_id
    _switch_away_and_back(app, qtbot)
    assert _reply(app).event_id == stopped_id and _reply(app).status == "interrupted"
    qtbot.waitUntil(lambda: _toolbar_over(app, _reply(app)) == expected, timeout=3000)


def test_a_reply_cut_by_a_failure_gets_its_stored_id_too(app: Harness, qtbot: Any) -> None:
    app.server.script(Reply(text=["Kept ", "this", " not this"], cut_after=3))
    send(app, qtbot, "question")
    qtbot.waitUntil(lambda: any(i.kind == "error" for i in items(app)), timeout=5000)
    wait_idle(app, qtbot)
    reply = _reply(app)
    assert reply.text == "Kept this" and reply.status == "interrupted" and reply.event_id


def test_the_usage_line_and_layout_survive_reopening(app: Harness, qtbot: Any) -> None:
    app.server.script(
        Reply(
            text=[
                "The answer ",
                "is **42**.\n\n",
                "- one\n",
                "- two\n\n",
                "```py\nx = 1\n```\n",
                "Done.",
            ],
            usage={"prompt_tokens": 7, "completion_tokens": 5, "total_tokens": 12},
        )
    )
    send(app, qtbot, "what is it?")
    qtbot.waitUntil(lambda: any(i.kind == "assistant" and i.event_id for i in items(app)))
    wait_idle(app, qtbot)
    streamed = _reply(app)
    # The reply's own tokens, as the rate counts them (not prompt + reply).
    assert streamed.detail.startswith("5 tokens · ") and "s to first token" in streamed.detail
    assert "context 7" in streamed.detail
    delegate, view = app.window.chat.delegate, app.window.chat.view
    width = delegate._text_width()
    # The document the stream grew (painted since it finished), not one made afresh.
    qtbot.waitUntil(lambda: delegate._docs.get(id(streamed), (-1,))[0] == streamed.revision)
    streamed_height = delegate.document(streamed, width, view.palette()).size().height()
    streamed_text = delegate.document(streamed, width, view.palette()).toPlainText()
    _switch_away_and_back(app, qtbot)
    reopened = _reply(app)
    assert reopened.detail == streamed.detail
    doc = delegate.document(reopened, width, view.palette())
    assert doc.toPlainText() == streamed_text
    assert doc.size().height() == streamed_height


def test_a_quiet_waiting_row_until_the_first_token(app: Harness, qtbot: Any) -> None:
    gate = threading.Event()
    app.server.script(Reply(text=["Here ", "it is"], hold=gate))
    send(app, qtbot, "hello")
    qtbot.waitUntil(lambda: len(_waiting(app)) == 1, timeout=3000)
    waiting = _waiting(app)[0]
    assert waiting.text == "Connecting…" and items(app)[-1] is waiting
    model = app.window.chat_model
    row = model.rowCount() - 1
    assert model.index(row).data(Qt.ItemDataRole.AccessibleTextRole) == "Connecting…"
    assert app.window.chat.view.accessibleDescription() == "A reply is being written"
    gate.set()
    qtbot.waitUntil(lambda: any(i.text == "Here it is" for i in items(app)), timeout=5000)
    assert _waiting(app) == [] and [i.kind for i in items(app)] == ["user", "assistant"]
    wait_idle(app, qtbot)
    # An error takes its place too.
    app.server.script(Reply(status=401))
    send(app, qtbot, "again")
    qtbot.waitUntil(lambda: any(i.kind == "error" for i in items(app)), timeout=5000)
    wait_idle(app, qtbot)
    assert _waiting(app) == [] and items(app)[-1].kind == "error"


def test_a_429_says_it_waits_and_the_first_token_counts_from_the_retry(
    app: Harness, qtbot: Any
) -> None:
    app.server.script(Reply(status=429, headers={"Retry-After": "1"}), text("after ", "the wait"))
    send(app, qtbot, "busy?")
    qtbot.waitUntil(lambda: any("Rate limited" in i.text for i in _waiting(app)), timeout=5000)
    assert _waiting(app)[0].text == "Rate limited by the server — retrying in 1 s"
    qtbot.waitUntil(lambda: any(i.text == "after the wait" for i in items(app)), timeout=8000)
    wait_idle(app, qtbot)
    assert len(app.server.requests) == 2 and _waiting(app) == []
    detail = _reply(app).detail
    found = re.search(r"([\d.]+) s to first token after 1 retry", detail)
    assert found is not None, detail
    assert float(found.group(1)) < 0.9  # the second wait is not the model's slowness


def test_a_retry_that_works_takes_the_stale_error_card_away(app: Harness, qtbot: Any) -> None:
    app.server.script(Reply(status=401))
    send(app, qtbot, "question")
    qtbot.waitUntil(lambda: any(i.kind == "error" for i in items(app)), timeout=5000)
    wait_idle(app, qtbot)
    error = next(i for i in items(app) if i.kind == "error")
    app.server.script(Reply(status=429, headers={"Retry-After": "1"}), text("Recovered"))
    app.window.chat.item_action.emit("retry", error)
    qtbot.waitUntil(lambda: any(i.text == "Recovered" for i in items(app)), timeout=8000)
    wait_idle(app, qtbot)
    assert [i.kind for i in items(app)] == ["user", "assistant"]
    _switch_away_and_back(app, qtbot)
    assert [i.kind for i in items(app)] == ["user", "assistant"]
