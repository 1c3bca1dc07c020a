"""The sidebar with thousands of conversations: highlighting one never fetches them all."""

from __future__ import annotations

from typing import Any

from tests.scripted_server import text
from tests.ui.helpers import Harness, send, wait_idle
from threadline.ui.sidebar.panel import Sidebar
from threadline.ui.sidebar.tree import BATCH, SessionNode, SessionTreeModel


def test_an_old_conversation_is_highlighted_once_scrolling_brings_its_row(qtbot: Any) -> None:
    model = SessionTreeModel()
    sidebar = Sidebar(model)
    qtbot.addWidget(sidebar)
    sidebar.show()
    count = 3 * BATCH
    model.set_sessions(
        [SessionNode(f"s{i}", f"Chat {i}", None, float(count - i)) for i in range(count)]
    )
    oldest = f"s{count - 1}"
    sidebar.select(oldest)
    assert model.rowCount() == BATCH  # not everything fetched (and laid out) to show one row
    assert sidebar.current_session() is None
    while model.canFetchMore(model.index(-1, 0)):
        model.fetchMore(model.index(-1, 0))  # what scrolling to the end does
    assert sidebar.current_session() == oldest
    sidebar.select("s0")
    assert sidebar.current_session() == "s0"
    sidebar.clear_selection()  # a new conversation: nothing highlighted, now or after fetches
    assert sidebar.current_session() is None


def test_the_window_title_follows_the_conversation(app: Harness, qtbot: Any) -> None:
    app.server.script(text("Sure."))
    send(app, qtbot, "plan a picnic")
    qtbot.waitUntil(lambda: app.window.windowTitle() == "plan a picnic — Threadline")
    wait_idle(app, qtbot)
    index = app.window.tree_model.index(0, 0)
    app.window.tree_model.setData(index, "Picnic in June")  # F2 in the sidebar
    assert app.window.windowTitle() == "Picnic in June — Threadline"
    app.parts.sessions.new_session()
    qtbot.waitUntil(lambda: app.window.windowTitle() == "New conversation — Threadline")
