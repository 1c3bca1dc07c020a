"""The session sidebar: search, the session tree, new, rename, delete."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QModelIndex, QObject, QPoint, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QLabel,
    QLineEdit,
    QMenu,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from threadline.ui.common.widgets import named
from threadline.ui.sidebar.tree import PINNED_ROLE, SESSION_ID_ROLE, SessionTreeModel
from threadline.ui.sidebar.view import SessionTreeView

SEARCH_DELAY_MS = 200
EMPTY_HINT = (
    "No conversations yet.\n\nWrite a message to start one, or bring your ChatGPT or Claude"
    " history in with File → Import (Ctrl+I)."
)
NO_MATCH = "No conversation matches."


class Sidebar(QWidget):
    """Lists conversations and branches; emits what the user asks for.

    Signals:
        session_selected(str): a row was chosen.
        new_requested(): the New button or Ctrl+N.
        delete_requested(str): a session to move to the trash.
        search_changed(str): text to search message contents for (debounced).
        pin_requested(str, bool): keep a conversation at the top (True) or not (False).
    """

    session_selected = Signal(str)
    new_requested = Signal()
    delete_requested = Signal(str)
    search_changed = Signal(str)
    pin_requested = Signal(str, bool)  # a session id, and whether it should be pinned

    def __init__(self, model: SessionTreeModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self._wanted: str | None = None  # the open session, highlighted once its row is in
        self.search = named(QLineEdit(), "sessionSearch")
        self.search.setPlaceholderText("Search conversations (Ctrl+K)")
        self.search.setClearButtonEnabled(True)
        self.search.setAccessibleName("Search conversations")
        self.search.setToolTip("Enter opens the first match; Down goes to the list")
        self.new_button = named(QPushButton("New conversation"), "newSessionButton")
        self.new_button.setToolTip("Start a new conversation (Ctrl+N)")
        self.tree = named(SessionTreeView(), "sessionSidebar")
        self.tree.setModel(model)
        self.tree.setHeaderHidden(True)
        # Not uniform: a group's first row carries its label ("Today"). The view only holds
        # the rows fetched so far (tree.BATCH at a time), so heights stay cheap at 50,000.
        self.tree.setUniformRowHeights(False)
        self.tree.setEditTriggers(QAbstractItemView.EditTrigger.EditKeyPressed)
        self.tree.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.tree.setAccessibleName("Conversations")
        self._debounce = QTimer(self, singleShot=True, interval=SEARCH_DELAY_MS)
        self.empty_hint = named(QLabel(EMPTY_HINT), "sidebarEmptyHint")
        self.empty_hint.setWordWrap(True)
        self.empty_hint.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignHCenter)
        self.empty_hint.setStyleSheet("color: gray; padding: 12px")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.new_button)
        layout.addWidget(self.search)
        layout.addWidget(self.empty_hint)  # above the (empty) list, until it has a row
        layout.addWidget(self.tree, 1)
        self.delete_action = QAction("Move to trash", self.tree)
        self.delete_action.setShortcut(QKeySequence.StandardKey.Delete)
        self.delete_action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        self.tree.addAction(self.delete_action)
        self.rename_action = QAction("Rename", self.tree)
        self.rename_action.setShortcut(QKeySequence(Qt.Key.Key_F2))
        # The Menu key and Shift+F10 open the current row's menu on every platform (as the
        # chat's messages do), the row's "…" button's menu.
        self.menu_action = QAction("Conversation menu", self.tree)
        self.menu_action.setShortcuts([QKeySequence("Shift+F10"), QKeySequence(Qt.Key.Key_Menu)])
        self.menu_action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        # message_keys.SCOPE_PROPERTY, for the Ctrl+/ table (not imported: the list shows early)
        self.menu_action.setProperty("shortcutScope", "The conversations list has the focus")
        self.tree.addAction(self.menu_action)
        self._connect_signals()

    def _connect_signals(self) -> None:
        self.new_button.clicked.connect(self.new_requested)
        self.tree.selectionModel().currentChanged.connect(self._on_current)
        self.tree.activated.connect(self._open)  # Enter (and a double click)
        self.search.returnPressed.connect(self._open_first)
        self.search.installEventFilter(self)
        self.tree.customContextMenuRequested.connect(self._context_menu)
        self.tree.row_actions.more_clicked.connect(self._row_more)
        self.menu_action.triggered.connect(self._current_row_menu)
        self.tree.row_actions.pin_clicked.connect(self._row_pin)
        self.delete_action.triggered.connect(self._delete_current)
        self.rename_action.triggered.connect(lambda: self.tree.edit(self.tree.currentIndex()))
        self.search.textChanged.connect(self._on_search_text)
        self._debounce.timeout.connect(lambda: self.search_changed.emit(self.search.text()))
        self.model.modelReset.connect(self._expand_branches)
        self.model.modelReset.connect(self._update_empty_hint)
        self.model.rowsInserted.connect(self._update_empty_hint)
        self.model.rowsRemoved.connect(self._update_empty_hint)
        self.model.rowsInserted.connect(self._on_rows_inserted)

    def _update_empty_hint(self, *args: object) -> None:
        """An empty list says how to fill it (a search that finds nothing says so)."""
        empty = self.model.rowCount() == 0
        self.empty_hint.setText(NO_MATCH if self.search.text().strip() else EMPTY_HINT)
        self.empty_hint.setVisible(empty)

    def _expand_branches(self) -> None:
        # Only rows that have branches: expandAll() would visit all 10,000 rows through Python.
        for session_id in self.model.parents_with_branches():
            index = self.model.index_of(session_id)
            if index.isValid() and not self.tree.isExpanded(index):
                self.tree.expand(index)

    def _on_rows_inserted(self, parent: QModelIndex, first: int, last: int) -> None:
        if not parent.isValid():  # more rows fetched (scrolling down): catch up with them
            self._expand_branches()
            if self._wanted is not None and self.current_session() != self._wanted:
                self.select(self._wanted)

    def select(self, session_id: str) -> None:
        """Highlights a session without emitting ``session_selected`` again.

        A row not fetched yet (far down a long list) is highlighted once scrolling brings it
        in: fetching thousands of rows to show one would lay them all out first.
        """
        self._wanted = session_id
        index = self.model.index_of(session_id)
        if index.isValid():
            # Signals blocked: the view's reaction to them lays out rows before the chat can
            # paint. It only needs to repaint.
            self.tree.selectionModel().blockSignals(True)
            self.tree.setCurrentIndex(index)
            self.tree.selectionModel().blockSignals(False)
            self.tree.viewport().update()
            self.tree.scrollTo(index)

    def clear_selection(self) -> None:
        """No session highlighted (a new conversation is open)."""
        self._wanted = None
        self.tree.selectionModel().blockSignals(True)
        self.tree.selectionModel().clear()
        self.tree.selectionModel().blockSignals(False)
        self.tree.viewport().update()

    def current_session(self) -> str | None:
        """The highlighted session's id."""
        index = self.tree.currentIndex()
        return index.data(SESSION_ID_ROLE) if index.isValid() else None

    def focus_search(self) -> None:
        """Ctrl+K: jump to the search field."""
        self.search.setFocus()
        self.search.selectAll()

    def _on_current(self, current: QModelIndex, previous: QModelIndex) -> None:
        # A click opens the row; the keyboard only highlights it until Enter (``_open``).
        if current.isValid() and not self.tree.browsing:
            self.session_selected.emit(current.data(SESSION_ID_ROLE))

    def _open(self, index: QModelIndex) -> None:
        if index.isValid():
            self.session_selected.emit(index.data(SESSION_ID_ROLE))

    def _open_first(self) -> None:
        """Enter in the search field opens the first conversation listed."""
        first = self.model.index(0, 0)
        if first.isValid():
            self.select(first.data(SESSION_ID_ROLE))
            self._open(first)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            watched is self.search
            and event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() == Qt.Key.Key_Down
            and self.model.rowCount() > 0
        ):  # Down goes from the search field to the list, highlighting (not opening) a row
            self.tree.browsing = True  # the list's focus-in makes its first row current
            try:
                self.tree.setFocus(Qt.FocusReason.TabFocusReason)
                if not self.tree.currentIndex().isValid():
                    self.tree.setCurrentIndex(self.model.index(0, 0))
            finally:
                self.tree.browsing = False
            return True
        return super().eventFilter(watched, event)

    def _on_search_text(self, text: str) -> None:
        self.model.set_filter(text, None)
        self._debounce.start()

    def _delete_current(self) -> None:
        session_id = self.current_session()
        if session_id:
            self.delete_requested.emit(session_id)

    def _context_menu(self, position: QPoint) -> None:
        index = self.tree.indexAt(position)
        if index.isValid():
            self.row_menu(index, self.tree.viewport().mapToGlobal(position))

    def _highlight(self, index: QModelIndex) -> None:
        """Makes ``index`` the list's current row without opening it (its menu acts on it)."""
        self.tree.browsing = True
        try:
            self.tree.setCurrentIndex(index)
        finally:
            self.tree.browsing = False

    def row_menu(self, index: QModelIndex, at: QPoint) -> QMenu:
        """A conversation's menu (right-click, the Menu key, a row's "…"), shown at ``at``
        (global): pin or unpin, rename, move to the trash."""
        self._highlight(index)
        menu = QMenu(self.tree)
        menu.setObjectName("sessionMenu")
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        session_id = index.data(SESSION_ID_ROLE)
        pinned = bool(index.data(PINNED_ROLE))
        pin = menu.addAction("Unpin" if pinned else "Pin to top")
        pin.triggered.connect(lambda: self.pin_requested.emit(session_id, not pinned))
        menu.addAction(self.rename_action)
        menu.addAction(self.delete_action)
        menu.popup(at)
        return menu

    def _current_row_menu(self) -> None:
        index = self.tree.currentIndex()
        if index.isValid():
            rect = self.tree.visualRect(index)
            self.row_menu(index, self.tree.viewport().mapToGlobal(rect.bottomLeft()))

    def _row_more(self, index: QModelIndex) -> None:
        button = self.tree.row_actions.more
        self.row_menu(index, button.mapToGlobal(button.rect().bottomLeft()))

    def _row_pin(self, index: QModelIndex) -> None:
        self.pin_requested.emit(index.data(SESSION_ID_ROLE), not index.data(PINNED_ROLE))

    def focus_list(self) -> None:
        """The keyboard into the list, on the open conversation's row (else the first),
        highlighting it without opening it; an empty list gives the search field the focus."""
        if self.model.rowCount() == 0:
            self.focus_search()
            return
        if not self.tree.currentIndex().isValid():
            self._highlight(self.model.index(0, 0))
        self.tree.browsing = True  # the list's focus-in must not open a row either
        try:
            self.tree.setFocus(Qt.FocusReason.OtherFocusReason)
        finally:
            self.tree.browsing = False
