"""The main window's menus: File, Edit, Chat and View, their actions and shortcuts.

The menu titles exist from the window's first frame (``MainWindow.__init__``); their actions
are made by ``build_menus`` once the widgets they act on exist. The window connects them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    from PySide6.QtGui import QAction
    from PySide6.QtWidgets import QMenu, QWidget

    from threadline.ui.chat.message_keys import MessageKeys
    from threadline.ui.shell.panels import SidePanels
    from threadline.ui.sidebar.panel import Sidebar

MENU_TITLES = ("&File", "&Edit", "&Chat", "&View")


class MenuActions(NamedTuple):
    """The actions the window connects (the sidebar's and the docks' own are only listed)."""

    new: QAction
    export: QAction
    trash: QAction
    import_: QAction
    quit: QAction
    search: QAction
    stop: QAction
    focus_composer: QAction
    message_keys: MessageKeys  # the selected message's keys, and Copy the last reply


def build_menus(
    owner: QWidget, menus: list[QMenu], sidebar: Sidebar, panels: SidePanels
) -> MenuActions:
    """Fills ``menus`` (made from ``MENU_TITLES``); the ``panels``' actions go in View."""
    from PySide6.QtGui import QKeySequence

    def action(menu: Any, text: str, shortcut: Any) -> QAction:
        from PySide6.QtGui import QAction

        made = QAction(text, owner)
        made.setShortcut(shortcut)
        menu.addAction(made)
        return made

    file_menu, edit_menu, chat_menu, view_menu = menus
    new = action(file_menu, "&New conversation", QKeySequence.StandardKey.New)
    export = action(file_menu, "&Export conversation…", QKeySequence("Ctrl+E"))
    import_ = action(file_menu, "&Import conversation…", QKeySequence("Ctrl+I"))
    file_menu.addSeparator()
    trash = action(file_menu, "&Trash…", QKeySequence())
    file_menu.addSeparator()
    quit_ = action(file_menu, "&Quit", QKeySequence.StandardKey.Quit)
    search = action(edit_menu, "&Search conversations", QKeySequence("Ctrl+K"))
    edit_menu.addAction(sidebar.rename_action)
    edit_menu.addAction(sidebar.delete_action)
    stop = action(chat_menu, "&Stop reply", QKeySequence("Esc"))
    focus_composer = action(chat_menu, "&Focus composer", QKeySequence("Ctrl+L"))
    from threadline.ui.chat.message_keys import MessageKeys

    message_keys = MessageKeys(panels.chat, owner)
    message_keys.copy_last.setText("&Copy the last reply")
    chat_menu.addAction(message_keys.copy_last)
    view_menu.addAction(panels.toggle_sidebar)
    view_menu.addAction(panels.toggle_inspector)
    view_menu.addAction(panels.open_settings)
    view_menu.addSeparator()
    for zoom in (panels.zoom_in, panels.zoom_out, panels.zoom_reset):
        view_menu.addAction(zoom)
    view_menu.addSeparator()
    view_menu.addAction(panels.show_shortcuts)
    return MenuActions(
        new, export, trash, import_, quit_, search, stop, focus_composer, message_keys
    )
