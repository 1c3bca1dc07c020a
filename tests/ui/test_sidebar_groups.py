"""The sidebar groups conversations by date, as peers do, and keeps pinned ones on top."""

from __future__ import annotations

import time
from typing import Any

from tests.ui.helpers import Harness
from threadline.ui.sidebar.tree import HEADER_ROLE, PINNED_ROLE, SessionNode, date_group

DAY = 86400.0


def test_date_groups_follow_the_calendar() -> None:
    now = time.mktime((2026, 12, 2, 15, 0, 0, 0, 0, -1))
    assert date_group(now - 3600, now) == "Today"
    assert date_group(now - DAY, now) == "Yesterday"
    assert date_group(now - 4 * DAY, now) == "Previous 7 days"
    assert date_group(now - 20 * DAY, now) == "Previous 30 days"
    assert date_group(now - 90 * DAY, now) == "September 2026"


def test_groups_and_pins_in_the_real_sidebar(app: Harness, qtbot: Any) -> None:
    store, now = app.services.store, time.time()

    async def fill() -> None:
        for sid, title, age in [
            ("a", "today's", 60),
            ("b", "last week's", 4 * DAY),
            ("c", "old", 90 * DAY),
        ]:
            session = await store.create_session("threadline", "local", sid)
            await store.rename_session("threadline", "local", sid, title)
            await store._call(
                lambda db, sid=sid, age=age: db.execute(
                    "UPDATE sessions SET updated_at = ? WHERE id = ?", (now - age, sid)
                )
            )
            del session

    app.run(qtbot, fill())
    app.run(qtbot, app.parts.sessions.list())
    tree = app.window.tree_model
    qtbot.waitUntil(lambda: tree.rowCount() == 3)
    headers = [tree.index(r, 0).data(HEADER_ROLE) for r in range(3)]
    assert headers[:2] == ["Today", "Previous 7 days"] and headers[2].endswith(
        time.strftime("%Y", time.localtime(now - 90 * DAY))
    )
    app.parts.sessions.set_pinned("c", True)  # as the context menu's "Pin to top" does
    qtbot.waitUntil(lambda: tree.index(0, 0).data(PINNED_ROLE) is True)
    assert [tree.index(r, 0).data() for r in range(3)] == ["old", "today's", "last week's"]
    assert [tree.index(r, 0).data(HEADER_ROLE) for r in range(3)] == [
        "Pinned",
        "Today",
        "Previous 7 days",
    ]
    view = app.window.sidebar.tree
    first, second = (view.visualRect(tree.index(r, 0)) for r in range(2))
    assert first.height() > second.height() - 1  # the group's first row has room for its label
    app.parts.sessions.set_pinned("c", False)
    qtbot.waitUntil(lambda: tree.index(0, 0).data() == "today's")


def test_pins_survive_a_restart(app: Harness, qtbot: Any) -> None:
    store = app.services.store
    app.run(qtbot, store.create_session("threadline", "local", "keep"))
    app.parts.sessions.set_pinned("keep", True)
    qtbot.waitUntil(lambda: app.window.tree_model.index(0, 0).data(PINNED_ROLE) is True)
    assert app.run(qtbot, store.get_setting("pinned_sessions")) == ["keep"]
    nodes = [SessionNode("keep", "x"), SessionNode("other", "y")]
    del nodes
