"""The window's on-demand surfaces: the inspector as a side panel, Settings as a window of its
own, the keyboard-shortcut list and the chat's zoom.

The window opens on the sidebar and the chat alone, as chat apps do; the developer surfaces
are a shortcut or a toolbar button away (Ctrl+Shift+I, Ctrl+,) and keep their state while
hidden, so a run's tool calls and requests are all there when the inspector opens.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDockWidget,
    QMainWindow,
    QSizePolicy,
    QToolBar,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

if TYPE_CHECKING:
    from threadline.ui.chat.panel import ChatPanel
    from threadline.ui.sidebar.panel import Sidebar

ZOOM_STEPS = (-3, 6)  # points below and above the system's text size the chat may go
NARROW = 700  # px: below this the sidebar is a drawer over the chat (the toolbar's button)
CROWDED = 960  # px: below this the inspector closes first, giving its room to the chat


class SidePanels:
    """Builds the inspector dock, the Settings window and their actions on ``window``."""

    def __init__(
        self,
        window: QMainWindow,
        inspector: QWidget,
        settings: QWidget,
        chat: ChatPanel,
        sidebar: Sidebar,
    ) -> None:
        self.window = window
        self.chat = chat
        self.sidebar = sidebar
        self._is_narrow = False
        self.inspector_dock = QDockWidget("Inspector", window)
        self.inspector_dock.setObjectName("inspectorDock")
        self.inspector_dock.setWidget(inspector)
        self.inspector_dock.setAllowedAreas(
            Qt.DockWidgetArea.LeftDockWidgetArea | Qt.DockWidgetArea.RightDockWidgetArea
        )
        window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.inspector_dock)
        self.inspector_dock.hide()  # the chat comes first
        self.settings_window = QDialog(window)
        self.settings_window.setObjectName("settingsWindow")
        self.settings_window.setWindowTitle("Settings — Threadline")
        self.settings_window.setAccessibleName("Settings")
        self.settings_window.resize(760, 680)
        layout = QVBoxLayout(self.settings_window)
        layout.setContentsMargins(12, 12, 12, 12)
        layout.addWidget(settings)
        self.settings_window.finished.connect(self._back_to_window)
        self.toggle_inspector = self.inspector_dock.toggleViewAction()
        self.toggle_inspector.setText("&Inspector")
        self.toggle_inspector.setShortcut(QKeySequence("Ctrl+Shift+I"))
        self.toggle_inspector.setToolTip("Show or hide the inspector: tool calls, requests, events")
        self.open_settings = self._action("&Settings…", "Ctrl+,", self.show_settings)
        self.open_settings.setToolTip("Provider, instruction, agents, tools, appearance")
        self.show_shortcuts = self._action("&Keyboard shortcuts", "Ctrl+/", self.shortcuts)
        self.zoom_in = self._action("Zoom &in", "Ctrl+=", lambda: self.zoom(1))
        self.zoom_in.setShortcuts([QKeySequence("Ctrl+="), QKeySequence("Ctrl++")])
        self.zoom_out = self._action("Zoom &out", "Ctrl+-", lambda: self.zoom(-1))
        self.zoom_reset = self._action("&Actual size", "Ctrl+0", lambda: self.zoom(0))
        self._base_points = chat.view.font().pointSizeF()
        self._zoom = 0
        self.toggle_sidebar = QAction("&Conversations", window)
        self.toggle_sidebar.setCheckable(True)
        self.toggle_sidebar.setChecked(True)
        self.toggle_sidebar.setShortcut(QKeySequence("Ctrl+Shift+S"))
        self.toggle_sidebar.setToolTip("Show or hide the conversations (Ctrl+Shift+S)")
        from threadline.ui.common.glyphs import glyph_icon

        self.toggle_sidebar.setIcon(glyph_icon("menu"))
        self.toggle_sidebar.toggled.connect(self._show_sidebar)
        window.addAction(self.toggle_sidebar)
        from PySide6.QtWidgets import QSplitter

        from threadline.ui.shell.drawer import SidebarDrawer

        splitter = window.centralWidget()
        assert isinstance(splitter, QSplitter)
        self.drawer = SidebarDrawer(window, splitter, sidebar, chat.composer)
        self.drawer.dismissed.connect(lambda: self.toggle_sidebar.setChecked(False))
        # Opening a conversation (or a new one) from the drawer closes it.
        sidebar.session_selected.connect(self._after_choice)
        sidebar.new_requested.connect(self._after_choice)
        self.toolbar = self._toolbar()

    def _action(self, text: str, shortcut: str, slot: object) -> QAction:
        made = QAction(text, self.window)
        made.setShortcut(QKeySequence(shortcut))
        made.triggered.connect(slot)
        self.window.addAction(made)  # shortcuts work wherever the focus is
        return made

    def _toolbar(self) -> QToolBar:
        bar = QToolBar("Panels", self.window)
        bar.setObjectName("panelsToolbar")
        bar.setMovable(False)
        bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        bar.addAction(self.toggle_sidebar)
        button = bar.widgetForAction(self.toggle_sidebar)
        if isinstance(button, QToolButton) and not self.toggle_sidebar.icon().isNull():
            button.setObjectName("sidebarButton")
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        spacer = QWidget()
        spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        bar.addWidget(spacer)
        bar.addAction(self.toggle_inspector)
        bar.addAction(self.open_settings)
        self.window.addToolBar(Qt.ToolBarArea.TopToolBarArea, bar)
        return bar

    def fit_width(self, width: int) -> None:
        """The chat keeps priority in a small window: below ``CROWDED`` px the inspector
        closes, below ``NARROW`` px the sidebar becomes a drawer over the chat, closed;
        widening docks it beside the chat again, shown."""
        if width < CROWDED and self.inspector_dock.isVisible():
            self.inspector_dock.hide()
        narrow = width < NARROW
        if narrow == self._is_narrow:
            return
        self._is_narrow = narrow
        if narrow:
            self.drawer.take()
            self.toggle_sidebar.setChecked(False)
        else:
            self.drawer.give_back()
            self.toggle_sidebar.setChecked(True)
            self.sidebar.show()

    @property
    def is_narrow(self) -> bool:
        """The window is below ``NARROW`` px: the sidebar is a drawer."""
        return self._is_narrow

    def _show_sidebar(self, shown: bool) -> None:
        if not self._is_narrow:
            self.sidebar.setVisible(shown)
        elif shown:
            self.drawer.open()
        else:
            self.drawer.close_drawer()

    def _after_choice(self, *args: object) -> None:
        if self.drawer.is_open():
            self.toggle_sidebar.setChecked(False)

    def show_inspector(self) -> None:
        """Opens the inspector beside the chat (a message's Inspect action)."""
        self.inspector_dock.show()
        self.inspector_dock.raise_()

    def show_settings(self) -> None:
        """Opens the Settings window (or brings it to the front)."""
        self.settings_window.show()
        self.settings_window.raise_()
        self.settings_window.activateWindow()

    def zoom(self, step: int) -> None:
        """Ctrl+= / Ctrl+- make the chat's text bigger or smaller; Ctrl+0 goes back."""
        low, high = ZOOM_STEPS
        self._zoom = 0 if step == 0 else max(low, min(high, self._zoom + step))
        self.chat.set_text_points(self._base_points + self._zoom)

    def shortcuts(self) -> QDialog:
        """Ctrl+/: the keyboard shortcuts, with where each works (``shell/shortcuts.py``)."""
        from threadline.ui.shell.shortcuts import open_shortcuts

        return open_shortcuts(self.window)

    def _back_to_window(self) -> None:
        """A dialog closed (Esc): the keyboard goes back to the main window, as window
        managers do (and platforms without one, like Qt's offscreen, do not)."""
        self.window.activateWindow()
