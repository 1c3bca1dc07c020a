"""The main window: sidebar | chat, with the inspector and settings docked on the right."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QMainWindow

from threadline.ui.shell import dialogs
from threadline.ui.shell.menus import MENU_TITLES
from threadline.ui.shell.skeleton import Skeleton

if TYPE_CHECKING:
    from PySide6.QtGui import QCloseEvent, QResizeEvent
    from PySide6.QtWidgets import QDialog, QFileDialog, QMenu

    from threadline.app.attachments import Attachment
    from threadline.app.conversations import OpenedSession
    from threadline.ui.agents.controller import AgentsController
    from threadline.ui.agents.mcp_controller import McpController
    from threadline.ui.chat.controller import ChatController
    from threadline.ui.common.bridge import DeltaBatch, EventUpdate
    from threadline.ui.settings.controller import SettingsController
    from threadline.ui.settings.setup_dialog import SetupDialog
    from threadline.ui.shell.root import App
    from threadline.ui.sidebar.controller import SessionsController
    from threadline.ui.sidebar.tree import SessionNode

COPIED_MS = 2000  # how long "copied" feedback stays in the status bar
ACTIVE_AGENT = "runner:active_agent"  # runner.agents.ACTIVE_AGENT_KEY (no runner import here)


class MainWindow(QMainWindow):
    """Wires widgets to the app's controllers. Closing asks the app to shut down cleanly first.

    Signals:
        close_requested(): the user closed the window; ``main`` winds down, then quits.
    """

    close_requested = Signal()

    def __init__(self, app: App | None = None, *, build: bool = True) -> None:
        """The window; ``build`` fills it, ``attach`` connects it to the app's controllers.

        With ``build=False`` only a shell appears: menu titles and a painted skeleton of the
        layout, from a handful of Qt classes, so the first frame is on screen about as
        soon as an empty Qt window's would be. ``build()`` then makes the real widgets, and
        ``attach`` follows once the runner and the store (and their libraries) are loaded.
        """
        super().__init__()
        self.setObjectName("mainWindow")
        self.setWindowTitle("Threadline")
        self.sessions: SessionsController
        self.runs: ChatController
        self.settings_ctl: SettingsController
        self.agents_ctl: AgentsController
        self.mcp_ctl: McpController
        self._may_close = False
        self._is_built = False
        self._sending: list[Attachment] = []
        menu = self.menuBar()
        self._menus: list[QMenu] = [menu.addMenu(title) for title in MENU_TITLES]
        # No docks and no Qt.* enum here: the first use of the Qt namespace alone costs 20 ms.
        self.setCentralWidget(Skeleton())
        self.resize(1280, 800)
        if build or app is not None:
            self.build()
        if app is not None:
            self.attach(app)

    def build(self) -> None:
        """Makes the sidebar, the chat, the inspector, the settings pages and the menus."""
        if self._is_built:
            return
        from PySide6.QtCore import Qt
        from PySide6.QtWidgets import QSplitter

        from threadline.ui.chat.model import ChatModel
        from threadline.ui.chat.panel import ChatPanel
        from threadline.ui.inspector.panel import Inspector
        from threadline.ui.settings.panel import SettingsPanel
        from threadline.ui.sidebar.panel import Sidebar
        from threadline.ui.sidebar.tree import SessionTreeModel

        self._is_built = True
        self.chat_model = ChatModel(self)
        self.tree_model = SessionTreeModel(self)
        self.sidebar = Sidebar(self.tree_model)
        self.chat = ChatPanel(self.chat_model)
        self.inspector = Inspector()
        self.settings_panel = SettingsPanel()

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.sidebar)
        splitter.addWidget(self.chat)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([260, 740])
        self.setCentralWidget(splitter)
        from threadline.ui.shell.panels import SidePanels

        self.panels = SidePanels(self, self.inspector, self.settings_panel, self.chat, self.sidebar)
        self.inspector_dock = self.panels.inspector_dock

        from threadline.ui.chat.key_bar import KeyBar
        from threadline.ui.shell.recovery_bar import RecoveryBar

        self.recovery_bar = RecoveryBar()
        self.chat.add_top_bar(self.recovery_bar)
        self.key_bar = KeyBar()
        self.chat.add_top_bar(self.key_bar)
        from threadline.ui.sidebar.undo import TrashUndo

        self.trash_undo = TrashUndo(self.statusBar(), lambda sid: self.sessions.restore(sid))
        self.undo_button = self.trash_undo.button
        self._build_menus()

    def attach(self, app: App) -> None:
        """Connects the widgets to the app's controllers and shows its settings."""
        self.build()
        self.sessions = app.sessions
        self.runs = app.chat
        self.settings_ctl = app.settings
        self.agents_ctl = app.agents
        self.mcp_ctl = app.mcp
        self.settings_panel.load(app.services.settings)
        self._connect_signals(app)
        draft = app.chat.drafts.load()  # a message not saved before the last quit or crash
        if draft and not self.chat.composer.toPlainText():
            self.chat.composer.setPlainText(draft)

    def _build_menus(self) -> None:
        from threadline.ui.shell.menus import build_menus

        actions = build_menus(self, self._menus, self.sidebar, self.panels)
        self.new_action = actions.new
        self.export_action = actions.export
        self.import_action = actions.import_
        self.trash_action = actions.trash
        self.quit_action = actions.quit
        self.search_action = actions.search
        self.stop_action = actions.stop
        self.focus_composer_action = actions.focus_composer

    def _connect_signals(self, app: App) -> None:
        sessions, runs, settings = self.sessions, self.runs, self.settings_ctl
        # intents -> controllers
        self.sidebar.session_selected.connect(sessions.open_session)
        self.sidebar.new_requested.connect(self._new_session)
        self.new_action.triggered.connect(self._new_session)
        self.sidebar.delete_requested.connect(self._delete)
        self.sidebar.pin_requested.connect(sessions.set_pinned)
        self.sidebar.search_changed.connect(sessions.search)
        self.tree_model.rename_requested.connect(sessions.rename)
        self.tree_model.rename_requested.connect(self._on_renamed)
        self.search_action.triggered.connect(self.sidebar.focus_search)
        self.chat.send_requested.connect(self._send)
        self.chat.composer.textChanged.connect(sessions.typing_began)
        self.chat.stop_requested.connect(runs.stop)
        self.stop_action.triggered.connect(runs.stop)
        self.focus_composer_action.triggered.connect(lambda: self.chat.composer.setFocus())
        self.chat.edit_submitted.connect(lambda item, text: runs.edit(item.event_id, text))
        from threadline.ui.chat.actions import MessageActions

        self.message_actions = MessageActions(
            runs=runs,
            chat_model=self.chat_model,
            inspector=self.inspector,
            settings_panel=self.settings_panel,
            window=self,
        )
        self.chat.item_action.connect(self.message_actions.on_item_action)
        from threadline.ui.shell.media_glue import MediaGlue

        media = MediaGlue(
            self, app=app, chat=self.chat, chat_model=self.chat_model, inspector=self.inspector
        )
        self.prompt_cards = media.prompt_cards
        self.image_cache, self.image_viewers = media.image_cache, media.image_viewers
        self.inspector.approval_decided.connect(self.message_actions.decide_from_inspector)
        self.inspector.request_wanted.connect(runs.rebuild_request)
        runs.request_rebuilt.connect(self.inspector.show_request)
        from threadline.ui.shell.choices_glue import ChoicesGlue
        from threadline.ui.shell.settings_glue import SettingsGlue

        self.settings_glue = SettingsGlue(self, app=app, pages=self.settings_panel, chat=self.chat)
        self.choices = ChoicesGlue(self, self.chat, runs, settings, self.settings_panel)
        self.chat.copied.connect(lambda what: self.statusBar().showMessage(what, COPIED_MS))
        self.quit_action.triggered.connect(self.close)
        self.export_action.triggered.connect(self._export)
        self.import_action.triggered.connect(self._import)
        self.trash_action.triggered.connect(self.open_trash)
        # controllers -> views
        sessions.sessions_listed.connect(self._on_sessions)
        sessions.session_upserted.connect(self._on_session_upserted)
        sessions.session_opened.connect(self._on_opened)
        self.chat.older_wanted.connect(sessions.fetch_older)
        sessions.older_loaded.connect(
            lambda sid, items, older: (
                self.chat.show_older(items, older) if sid == sessions.current_session_id else None
            )
        )
        sessions.trashed.connect(self.trash_undo.on_trashed)
        sessions.recovered.connect(self.recovery_bar.show_recovery)
        sessions.search_results.connect(
            lambda hits: self.tree_model.set_filter(self.sidebar.search.text(), hits)
        )
        runs.running_changed.connect(self._on_running)
        runs.unsent.connect(self._on_unsent)
        runs.key_locked.connect(self.key_bar.show_locked)
        self.key_bar.key_entered.connect(runs.use_key_for_session)
        self.key_bar.key_entered.connect(lambda _key: self.chat.send_current())
        self.key_bar.retry_requested.connect(self.chat.send_current)
        for notice in app.notices:
            notice.connect(self.chat.show_banner)
        app.bridge.deltas.connect(self._on_deltas)
        app.bridge.event_pushed.connect(self._on_event)

    # -- controller -> views ---------------------------------------------------------------

    def _on_sessions(self, nodes: list[SessionNode]) -> None:
        self.tree_model.set_sessions(nodes)
        if self.sessions.current_session_id:
            self.sidebar.select(self.sessions.current_session_id)

    def _on_session_upserted(self, node: SessionNode) -> None:
        self.tree_model.upsert(node)
        self.sidebar.select(node.id)
        if node.id == self.sessions.current_session_id:
            self._show_title(node.title)

    def _on_renamed(self, session_id: str, title: str) -> None:
        if session_id == self.sessions.current_session_id:
            self._show_title(title)

    def _show_title(self, title: str) -> None:
        """The window title follows the open conversation's title."""
        shown = f"{title or 'New conversation'} — Threadline"
        if self.windowTitle() != shown:
            self.setWindowTitle(shown)

    def _on_opened(self, opened: OpenedSession) -> None:
        self.chat_model.reset(opened.items, opened.older_than)
        self.prompt_cards.show_session(opened.session_id)
        self.inspector.load(opened.events, opened.state)
        self.chat.cancel_edit()
        self.chat.show_banner("")
        self.chat.show_team(opened.team)
        self.chat.show_model(opened.model)
        self.choices.show(opened.instruction, opened.memory)
        self.chat.show_active_agent(opened.state.get(ACTIVE_AGENT))
        self.chat.on_running_changed(self.runs.is_running(opened.session_id))
        self.chat.show_opened()
        if not self.chat.composer.hasFocus():
            self.chat.composer.setFocus()
        # The title and the sidebar's selection follow in a turn of their own: their repaint
        # then never adds to the work of the frame that opens the conversation.
        QTimer.singleShot(1, self, lambda: self._show_opened_in_chrome(opened.session_id))

    def _show_opened_in_chrome(self, session_id: str) -> None:
        if session_id != (self.sessions.current_session_id or ""):
            return  # another conversation was opened meanwhile
        node = self.tree_model.node(session_id) if session_id else None
        self._show_title(node.title if node else "")
        if session_id:
            self.sidebar.select(session_id)
        else:
            self.sidebar.clear_selection()

    def _on_running(self, session_id: str, is_running: bool) -> None:
        if session_id == self.sessions.current_session_id:
            self.chat.on_running_changed(is_running)
            if is_running:
                self.chat_model.show_waiting()  # until the first token (or an error)
            else:
                self.chat_model.end_streams()

    def _send(self, text: str) -> None:
        from threadline.app.attachments import summary

        attachments = self.chat.take_attachments()
        self._sending = attachments  # given back to the composer if the message is not saved
        parts = [(a.name, a.mime_type, len(a.data)) for a in attachments]
        self.chat_model.add_pending_user(text, summary(parts) if parts else "")
        self.runs.send(text, attachments)

    def _on_unsent(self, session_id: str, text: str) -> None:
        if self._sending:
            self.chat.tray.add(self._sending)
            self._sending = []
        if session_id in (self.sessions.current_session_id, ""):
            self.chat_model.drop_pending_user(text)
        if not self.chat.composer.toPlainText():
            self.chat.composer.setPlainText(text)

    def _on_deltas(self, batch: DeltaBatch) -> None:
        if batch.session_id == self.sessions.current_session_id:
            if batch.reasoning:  # thinking comes before the answer it leads to
                self.chat_model.add_reasoning(batch.reasoning)
            self.chat_model.add_deltas(batch.parts)

    def _on_event(self, update: EventUpdate) -> None:
        if update.session_id != self.sessions.current_session_id:
            return
        event = update.event
        self.inspector.on_event(event)
        if event.tag == "tool.progress":  # partial: a running tool's "step 2 of 3"
            self.chat_model.show_progress(event.metadata)
        elif event.tag == "model.retry":  # partial: "Rate limited — retrying in 20 s"
            self.chat_model.show_retry(event.metadata)
        if event.partial or event.done:
            return
        self.chat_model.add_event(event)
        if event.is_final_response() and event.message is not None:
            self.chat.announce_reply(event.author, event.message.content)
        delta = event.actions.state_delta
        if delta:
            self.inspector.update_state(delta)
            if ACTIVE_AGENT in delta:  # a transfer, or a team switch
                self.chat.show_active_agent(delta[ACTIVE_AGENT])

    # -- intents needing the window ----------------------------------------------------------

    def _new_session(self) -> None:
        self.sessions.new_session()  # the opened empty chat clears the sidebar's highlight

    def _delete(self, session_id: str) -> None:
        node = self.tree_model.node(session_id)
        self.sessions.delete(session_id, node.title if node else "")

    def _export(self) -> QFileDialog:
        return dialogs.open_export(self, self.sessions)

    def _import(self) -> QFileDialog:
        return dialogs.open_import(self, self.sessions)

    def open_trash(self) -> QDialog:
        """File → Trash: what is in the trash, to restore or delete for good (one window)."""
        from threadline.ui.sidebar.trash_dialog import TrashDialog

        dialog = getattr(self, "trash_dialog", None)
        if dialog is None:
            dialog = self.trash_dialog = TrashDialog(self)
            self.sessions.trash_listed.connect(dialog.show_trashed)
            dialog.restore_requested.connect(self.sessions.restore_all)
            dialog.empty_requested.connect(self.sessions.empty_trash)
        self.sessions.list_trash()
        dialog.show()
        dialog.raise_()
        dialog.activateWindow()
        return dialog

    def edit_conversation_instruction(self) -> QDialog:
        """Opens the open conversation's own instruction for editing."""
        return self.choices.edit_instruction()

    def show_shortcuts(self) -> QDialog:
        """Ctrl+/: the keyboard shortcuts, with where each works (non-modal, returned)."""
        from threadline.ui.shell.shortcuts import open_shortcuts

        return open_shortcuts(self)

    def open_setup(self) -> SetupDialog:
        """Shows the first-run setup (non-modal) and saves what the user picks."""
        return dialogs.open_setup(self, self.settings_ctl)

    # -- closing -------------------------------------------------------------------------------

    def allow_close(self) -> None:
        """Called by ``main`` once runs are stopped and the store is closed."""
        self._may_close = True

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self._is_built:
            self.panels.fit_width(event.size().width())

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._may_close:
            event.accept()
            return
        event.ignore()
        self.close_requested.emit()
