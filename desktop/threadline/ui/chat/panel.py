"""The chat column: the virtualised timeline, the composer, send and stop."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote

from PySide6.QtCore import SIGNAL, QEvent, QModelIndex, QObject, QPoint, Qt, Signal
from PySide6.QtGui import (
    QDragEnterEvent,
    QDropEvent,
    QGuiApplication,
    QKeyEvent,
    QResizeEvent,
    QTextCursor,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListView,
    QMenu,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)

from threadline.app.attachments import Attachment
from threadline.app.timeline import ChatItem
from threadline.ui.chat.choices import ChoicesBar
from threadline.ui.chat.composer_box import ComposerBox, composer_notes
from threadline.ui.chat.delegate import COLUMN, ChatDelegate
from threadline.ui.chat.first_frame import FirstFrame
from threadline.ui.chat.links import is_web_link, open_link
from threadline.ui.chat.model import ChatModel
from threadline.ui.chat.reading import ReadingPlace
from threadline.ui.common.widgets import named


class ChatPanel(QWidget):
    """Timeline plus composer. Emits intents; the controller decides what they do.

    Signals:
        send_requested(str): the composer's text, to send as a new message.
        edit_submitted(object, str): a user ``ChatItem`` and its new text (makes a branch).
        model_chosen(str): the model this conversation should ask for ("" = the provider's).
        copied(str): something was copied; the text says what (feedback for the user).
        stop_requested(): stop the running reply.
        item_action(str, object): ``branch``/``regen``/``retry``/``approve``/``deny``/
            ``edit-args``/``always`` on a ``ChatItem``.
        team_chosen(str): the team that should answer in this conversation.
        older_wanted(int): the reader scrolled above the rows read; read those below this seq
            and hand them to ``show_older``.
    """

    send_requested = Signal(str)
    edit_submitted = Signal(object, str)
    model_chosen = Signal(str)
    copied = Signal(str)
    stop_requested = Signal()
    item_action = Signal(str, object)
    team_chosen = Signal(str)
    older_wanted = Signal(int)  # the reader reached the first row read: rows below this seq

    def __init__(self, model: ChatModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self._editing: ChatItem | None = None
        self._is_running = False
        self.own_instruction: str | None = None
        self.setAutoFillBackground(True)  # the page's colour under the composer too (theme.CHAT)
        self.last_announcement = ""  # what screen readers were last told (tests read it)

        self.view = named(QListView(), "chatView")
        self.view.setModel(model)
        self.view.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.view.setResizeMode(QListView.ResizeMode.Adjust)
        # One pass: the model holds a window of rows (see ChatModel), and a layout done in
        # batches shows a shrunken scroll range midway, which clamps the reader's position.
        self.view.setLayoutMode(QListView.LayoutMode.SinglePass)
        self.view.setWordWrap(True)
        self.view.setMouseTracking(True)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setAccessibleName("Conversation")
        self.view.setFrameShape(QListView.Shape.NoFrame)
        self.delegate = ChatDelegate(self.view)
        self.view.setItemDelegate(self.delegate)
        self.first_frame = FirstFrame(self.view, self.delegate)

        self.empty_hint = named(
            QLabel(
                "Start a conversation below.\n\nEnter sends · Esc stops a reply · Ctrl+K searches"
                " · every message can be branched, edited or regenerated",
                self.view.viewport(),
            ),
            "emptyHint",
        )
        self.empty_hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_hint.setWordWrap(True)
        self.empty_hint.setStyleSheet("color: gray")

        self.banner, self.edit_label = composer_notes()

        # The rounded box: the text, Attach, Stop and Send (see composer_box).
        self.composer_box = ComposerBox()
        self.composer = self.composer_box.composer
        self.tray = self.composer_box.tray
        self.attach_button = self.composer_box.attach_button
        self.send_button = self.composer_box.send_button
        self.stop_button = self.composer_box.stop_button
        self.composer.installEventFilter(self)

        # The conversation's choices above the composer: model, team, instruction, memory.
        self.choices = ChoicesBar()
        self.model_picker = self.choices.model_picker
        self.team_picker = self.choices.team_picker
        self.active_agent = self.choices.active_agent
        self.instruction_button = self.choices.instruction_button
        self.memory_button = self.choices.memory_button

        layout = self._column = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view, 1)
        # The composer sits under the reading column, as wide as it (see delegate.COLUMN).
        bottom = QWidget()
        bottom.setMaximumWidth(COLUMN + 16)  # the box as wide as the messages (8 px margins)
        stack = QVBoxLayout(bottom)
        stack.setContentsMargins(8, 4, 8, 8)
        stack.addWidget(self.banner)  # the notes sit in the column, over the composer
        stack.addWidget(self.edit_label)
        stack.addWidget(self.choices)
        stack.addWidget(self.composer_box)
        centred = QHBoxLayout()  # the stretches share what the column does not take
        centred.addStretch(1)
        centred.addWidget(bottom, 100)
        centred.addStretch(1)
        layout.addLayout(centred)
        self.view.viewport().setAcceptDrops(True)
        self.view.viewport().installEventFilter(self)
        self._connect_signals()

    def _connect_signals(self) -> None:
        self.reading = ReadingPlace(self.view, self.model)  # follows the end, or keeps the place
        self.reading.older_wanted.connect(self.older_wanted)
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.view.customContextMenuRequested.connect(self.message_menu)
        self.send_button.clicked.connect(self._submit)
        self.attach_button.clicked.connect(self.choose_files)
        self.composer.attachments_offered.connect(self.tray.add)
        self.composer.attachment_refused.connect(self.show_banner)
        self.tray.refused.connect(self.show_banner)
        self.team_picker.activated.connect(
            lambda index: self.team_chosen.emit(self.team_picker.itemText(index))
        )
        self.model_picker.activated.connect(
            lambda _index: self.model_chosen.emit(self.current_model())
        )
        self.stop_button.clicked.connect(self.stop_requested)
        self.delegate.link_activated.connect(self._on_link)
        self.model.dataChanged.connect(self._relayout_changed)
        for signal in (self.model.modelReset, self.model.rowsInserted, self.model.rowsRemoved):
            signal.connect(self._update_empty_hint)

    # -- slots the window calls --------------------------------------------------------------

    def on_running_changed(self, is_running: bool) -> None:
        """Enables Stop while a reply runs; Send stays usable for queued messages."""
        self._is_running = is_running
        self.stop_button.setEnabled(is_running)
        # The streaming state, for screen readers (the finished reply is announced).
        self.view.setAccessibleDescription("A reply is being written" if is_running else "")

    def set_teams(self, teams: list[tuple[str, str]]) -> None:
        """The teams a conversation can pick (see ``ChoicesBar.set_teams``)."""
        self.choices.set_teams(teams)

    def set_models(self, models: list[str]) -> None:
        """The models the server offers (see ``ChoicesBar.set_models``)."""
        self.choices.set_models(models)

    def set_provider_model(self, name: str) -> None:
        """The model the provider's settings ask for, named in the model picker."""
        self.choices.set_provider_model(name)

    def show_model(self, name: str) -> None:
        """Shows the model this conversation asks for ("" = the provider's)."""
        self.choices.show_model(name)

    def current_model(self) -> str:
        """The model picked ("" = the provider's)."""
        return self.choices.current_model()

    def show_instruction(self, own: str | None) -> None:
        """Says whether the open conversation has its own instruction."""
        self.own_instruction = own
        self.choices.show_instruction(own)

    def show_memory(self, available: bool, on: bool) -> None:
        """The memory toggle (see ``ChoicesBar.show_memory``)."""
        self.choices.show_memory(available, on)

    def show_team(self, name: str) -> None:
        """Shows which team answers here."""
        self.choices.show_team(name)

    def show_active_agent(self, name: str | None) -> None:
        """Says which member of the team has the conversation (after a transfer)."""
        self.choices.show_active_agent(name)

    def add_top_bar(self, bar: QWidget) -> None:
        """Puts ``bar`` (an app-wide banner) above the conversation."""
        self._column.insertWidget(0, bar)

    def show_banner(self, text: str) -> None:
        """A plain message above the composer (errors, keyring warnings); empty hides it."""
        self.banner.setText(text)
        self.banner.setVisible(bool(text))

    def scroll_to_end(self) -> None:
        """Shows the latest message."""
        self.reading.to_end()

    def show_opened(self) -> None:
        """Shows a conversation just opened at its latest message, painted once its visible
        rows are ready (``first_frame.drawn``)."""
        self.scroll_to_end()
        self.first_frame.prepare()

    def begin_edit(self, item: ChatItem) -> None:
        """Puts a user message in the composer; sending it makes a branch."""
        self._editing = item
        self.composer.setPlainText(item.text)
        self.composer.moveCursor(QTextCursor.MoveOperation.End)  # to go on writing, as typed
        self.edit_label.show()
        self.composer.setFocus()

    def cancel_edit(self) -> None:
        """Leaves edit mode, clearing the composer."""
        if self._editing is not None:
            self._editing = None
            self.edit_label.hide()
            self.composer.clear()

    def choose_files(self) -> QFileDialog:
        """The attach dialog (Attach…)."""
        return self.composer.choose_files()

    def take_attachments(self) -> list[Attachment]:
        """What the message being sent carries (the tray empties)."""
        return self.tray.take()

    def open_link(self, href: str) -> QMessageBox | None:
        """Opens a link from a reply in the browser; one that is not https asks first."""
        return open_link(href, self)

    def send_current(self) -> None:
        """Sends what the composer holds, as Enter does."""
        self._submit()

    # -- internals ---------------------------------------------------------------------------

    def _submit(self) -> None:
        text = self.composer.toPlainText()
        if not text.strip() and not self.tray.attachments:
            return
        if not self.receivers(SIGNAL("send_requested(QString)")):
            return  # the app is still starting (the list shows early): the text stays here
        editing, self._editing = self._editing, None
        self.edit_label.hide()
        self.composer.clear()
        self.scroll_to_end()
        if editing is not None:
            self.edit_submitted.emit(editing, text)
        else:
            self.send_requested.emit(text)

    def _on_link(self, item: ChatItem, href: str) -> None:
        if is_web_link(href):  # written by the model
            self.open_link(href)
            return
        if href.startswith("copy:"):
            QGuiApplication.clipboard().setText(unquote(href[5:]))
            self.copied.emit("Code copied to the clipboard")
            return
        action = href.removeprefix("act:")
        if action == "copy":
            QGuiApplication.clipboard().setText(item.text)
            self.copied.emit("Message copied to the clipboard")
        elif action == "edit":
            self.begin_edit(item)
        elif action == "tool":  # a tool call's card opens (arguments, result) or closes
            item.data["open"] = not item.data.get("open")
            self.model.update_item(item)
        elif action == "more":  # the toolbar's "…": the message's menu, every action in it
            row = next((r for r in range(self.model.rowCount()) if self.model.item(r) is item), -1)
            if row >= 0:
                self.view.setCurrentIndex(self.model.index(row))
                self.message_menu(QPoint(-1, -1))
        elif action == "wrap":  # this message's code blocks: long lines wrapped or not
            item.data["wrap"] = not item.data.get("wrap")
            self.model.update_item(item)
        else:
            self.item_action.emit(action, item)

    def _relayout_changed(self, top_left: QModelIndex, bottom_right: QModelIndex) -> None:
        # A changed item may have changed height: have the view lay out again now, so it lays
        # out and paints once instead of painting, measuring, painting again. Not when a
        # growing reply kept its height (most updates): a layout asks every row for its size,
        # which in a long conversation costs more than the whole update.
        for row in range(top_left.row(), bottom_right.row() + 1):
            index = self.model.index(row)
            if self.delegate.may_have_resized(index):
                self.delegate.sizeHintChanged.emit(index)

    def _update_empty_hint(self, *args: object) -> None:
        self.empty_hint.setVisible(self.model.rowCount() == 0)
        self.empty_hint.setGeometry(self.view.viewport().rect().adjusted(40, 0, -40, 0))

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._update_empty_hint()

    def message_menu(self, at: QPoint) -> QMenu | None:
        """The selected (or right-clicked) message's actions (Menu key, Shift+F10)."""
        from threadline.ui.chat.message_menu import show_message_menu

        return show_message_menu(
            self.view, at, lambda item, a: self._on_link(item, f"act:{a}"), self
        )

    def announce_reply(self, author: str, text: str) -> str:
        """Tells screen readers a reply finished (Qt's accessibility announcement), with its
        opening words; returns what was announced."""
        from PySide6.QtGui import QAccessible, QAccessibleAnnouncementEvent

        words = " ".join(text.split()[:30])
        said = f"{author} replied: {words}" if words else f"{author} replied"
        if QAccessible.isActive():  # a screen reader listens: no cost otherwise
            QAccessible.updateAccessibility(QAccessibleAnnouncementEvent(self.view, said))
        self.last_announcement = said
        return said

    def show_older(self, items: list[ChatItem], older_than: int | None) -> None:
        """Older items read from the store (``older_wanted``): shown above, the view kept."""
        self.reading.show_older(items, older_than)

    def set_text_points(self, points: float) -> None:
        """The chat's text size (zoom): the timeline is laid out again at the new size."""
        for widget in (self.view, self.composer):
            font = widget.font()
            font.setPointSizeF(points)
            widget.setFont(font)
        self.delegate.font_changed()
        self.view.doItemsLayout()
        self.reading.follow()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.view.viewport() and event.type() in (
            QEvent.Type.DragEnter,
            QEvent.Type.Drop,
        ):  # files dropped onto the conversation are attached, as onto the composer
            assert isinstance(event, QDragEnterEvent | QDropEvent)
            if not event.mimeData().hasUrls():
                return False
            event.acceptProposedAction()
            if isinstance(event, QDropEvent) and event.type() == QEvent.Type.Drop:
                self.composer.offer_files([Path(u.toLocalFile()) for u in event.mimeData().urls()])
            return True
        if watched is self.composer and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            key = event.key()
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not (
                event.modifiers() & Qt.KeyboardModifier.ShiftModifier
            ):
                self._submit()
                return True
            if key == Qt.Key.Key_Escape:
                if self._editing is not None:
                    self.cancel_edit()
                else:
                    self.stop_requested.emit()
                return True
        return super().eventFilter(watched, event)
