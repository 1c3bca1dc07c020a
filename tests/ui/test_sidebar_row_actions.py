"""A sidebar row under the pointer (or the keyboard's current row while the list has the focus)
shows a pin and a "…" button at its right, without changing its height; "…" opens the row's
menu (the one right-click and the Menu key open), and the pin pins."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMenu, QToolButton

from tests.ui import shots
from tests.ui.helpers import Harness
from threadline.ui.sidebar.tree import PINNED_ROLE, SESSION_ID_ROLE
from threadline.ui.sidebar.view import hover_tint


def _row(app: Harness, title: str) -> QModelIndex:
    model = app.window.tree_model
    for row in range(model.rowCount()):
        index = model.index(row, 0)
        if index.data() == title:
            return index
    raise AssertionError(f"no row {title!r}")


def _back_to(window: Any, qtbot: Any) -> None:
    """After a popup menu: the window active again (Qt's offscreen platform gives a popup the
    focus window and may leave nobody with it, where a window manager would give it back)."""

    def regained() -> bool:
        if QApplication.activeWindow() is not window:
            window.windowHandle().requestActivate()
        return QApplication.activeWindow() is window

    qtbot.waitUntil(regained)


def test_hover_shows_a_rows_actions_and_more_opens_its_menu(app: Harness, qtbot: Any) -> None:
    window, sidebar = app.window, app.window.sidebar
    tree, actions = sidebar.tree, sidebar.tree.row_actions
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    shots.fill_sidebar(app, qtbot)
    opened = app.parts.sessions.current_session_id
    model = window.tree_model
    heights = [tree.visualRect(model.index(r, 0)).height() for r in range(model.rowCount())]
    assert not actions.isVisible()

    sql = _row(app, "SQL window functions")
    QTest.mouseMove(tree.viewport(), tree.visualRect(sql).center())
    qtbot.waitUntil(lambda: actions.isVisible() and actions.index() == sql)
    more = actions.more
    assert isinstance(more, QToolButton) and more.objectName() == "sidebarRowMore"
    assert more.accessibleName() == "More actions for SQL window functions"
    assert actions.pin.accessibleName() == "Pin SQL window functions to top"
    row_rect = tree.visualRect(sql)
    box = actions.geometry()
    assert row_rect.top() <= box.top() and box.bottom() <= row_rect.bottom()  # inside the row
    assert tree.viewport().width() - box.right() <= 8  # at its right end
    assert tree.sessions_delegate.view.row_actions.reserved(sql) > 0  # the title ends before
    after = [tree.visualRect(model.index(r, 0)).height() for r in range(model.rowCount())]
    assert after == heights  # no row changed height
    # The hovered row is tinted; a row nobody points at keeps the sidebar's colour. (Both open
    # a date group: their top is the group's label, the row itself is below it.)
    shot = tree.viewport().grab().toImage()
    ratio = shot.devicePixelRatio()
    quiet = tree.visualRect(_row(app, "Cover letter draft"))
    x = round((row_rect.left() + 6) * ratio)
    hovered_colour = shot.pixelColor(x, round((row_rect.bottom() - 6) * ratio))
    quiet_colour = shot.pixelColor(x, round((quiet.bottom() - 6) * ratio))
    assert hovered_colour.name() == hover_tint(tree.palette()).name()
    assert hovered_colour != quiet_colour

    # Another row under the pointer: the buttons follow it.
    regex = _row(app, "Regex for ISO dates")
    QTest.mouseMove(tree.viewport(), tree.visualRect(regex).center())
    qtbot.waitUntil(lambda: actions.index() == regex)
    assert more.accessibleName() == "More actions for Regex for ISO dates"
    assert actions.reserved(sql) == 0

    # "…": the row's menu, on that row, without opening the conversation.
    qtbot.mouseClick(more, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: isinstance(QApplication.activePopupWidget(), QMenu))
    menu = QApplication.activePopupWidget()
    assert isinstance(menu, QMenu) and menu.objectName() == "sessionMenu"
    labels = [a.text() for a in menu.actions()]
    assert labels == ["Pin to top", "Rename", "Move to trash"]
    regex_id = regex.data(SESSION_ID_ROLE)
    assert sidebar.current_session() == regex_id  # what Rename and Move to trash act on
    assert app.parts.sessions.current_session_id == opened
    menu.actions()[0].trigger()
    menu.close()
    _back_to(window, qtbot)
    qtbot.waitUntil(lambda: bool(_row(app, "Regex for ISO dates").data(PINNED_ROLE)))

    # The pin button unpins a pinned row.
    regex = _row(app, "Regex for ISO dates")
    QTest.mouseMove(tree.viewport(), tree.visualRect(regex).center())
    qtbot.waitUntil(lambda: actions.isVisible() and actions.index() == regex)
    assert actions.pin.accessibleName() == "Unpin Regex for ISO dates"
    qtbot.mouseClick(actions.pin, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not _row(app, "Regex for ISO dates").data(PINNED_ROLE))

    # The pointer leaves: hidden. The keyboard's current row shows them while the list has
    # the focus, and the Menu key still opens the same menu.
    QTest.mouseMove(window.chat.view.viewport(), window.chat.view.viewport().rect().center())
    qtbot.waitUntil(lambda: not actions.isVisible())
    _back_to(window, qtbot)
    sidebar.focus_list()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is tree)
    qtbot.waitUntil(lambda: actions.isVisible() and actions.index() == tree.currentIndex())
    QTest.keyClick(tree, Qt.Key.Key_Menu)
    qtbot.waitUntil(lambda: isinstance(QApplication.activePopupWidget(), QMenu))
    menu = QApplication.activePopupWidget()
    assert isinstance(menu, QMenu) and menu.objectName() == "sessionMenu"
    menu.close()
    _back_to(window, qtbot)
    window.chat.composer.setFocus()
    qtbot.waitUntil(lambda: not actions.isVisible())
