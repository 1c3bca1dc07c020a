"""The Settings window's pages tied to the controllers: General (the live instruction, the
provider, generation, theme, revoked tools), Agents and MCP (with the chat's team and model
pickers they feed) and Storage.

Apart from ``main_window.py`` because none of it touches the open conversation: the window
wires sessions, runs and the chat, this wires the pages. A QObject (child of the window) so the
application-wide colour scheme signal lets go of it with the window.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication

from threadline.ui.shell import dialogs

if TYPE_CHECKING:
    from threadline.ui.chat.panel import ChatPanel
    from threadline.ui.settings.panel import SettingsPanel
    from threadline.ui.shell.root import App


class SettingsGlue(QObject):
    """Connects the pages once, in ``__init__``; ``set_theme`` is also the window's."""

    def __init__(
        self,
        window: QObject,
        *,
        app: App,
        pages: SettingsPanel,
        chat: ChatPanel,
    ) -> None:
        super().__init__(window)
        self.pages, self.chat = pages, chat
        self.runs, self.settings, self.agents, self.mcp = (
            app.chat,
            app.settings,
            app.agents,
            app.mcp,
        )
        self._connect_signals()

    def _connect_signals(self) -> None:
        pages, settings = self.pages, self.settings
        pages.instruction_applied.connect(settings.apply_instruction)
        pages.provider_saved.connect(self._save_provider)
        dialogs.wire_provider_form(pages.provider, settings)
        pages.generation_changed.connect(settings.set_generation)
        pages.streaming_changed.connect(settings.set_streaming)
        pages.theme_changed.connect(self.set_theme)
        QGuiApplication.styleHints().colorSchemeChanged.connect(self._on_system_scheme)
        pages.tool_revoked.connect(self.runs.revoke_tool)
        self._wire_agents_pages()
        from threadline.ui.settings.storage_page import bind_storage

        bind_storage(pages.storage, settings.storage)
        settings.instruction_history.connect(pages.set_history)
        # Settings shows the provider in use, however it was saved (first-run setup included).
        settings.provider_saved.connect(pages.provider.load)
        # The model picker names the provider's model ("Default (gpt-4o)").
        settings.provider_saved.connect(
            lambda provider: self.chat.set_provider_model(provider.model)
        )
        self.chat.set_provider_model(settings.settings.provider.model)

    def _wire_agents_pages(self) -> None:
        """The Agents and MCP pages and the team picker, to the agents controller."""
        agents, mcp, pages = self.agents, self.mcp, self.pages
        pages.agents.agents_changed.connect(agents.set_agents)
        agents.agents_loaded.connect(pages.agents.set_agents)
        agents.tools_listed.connect(pages.agents.set_tools)
        self.settings.models_listed.connect(pages.agents.set_models)
        agents.teams_listed.connect(self.chat.set_teams)
        self.chat.team_chosen.connect(self.runs.set_session_team)
        self.chat.model_chosen.connect(self.runs.set_session_model)
        self.settings.models_listed.connect(self.chat.set_models)
        mcp.tools_listed.connect(pages.agents.set_tools)
        pages.mcp.mcp_added.connect(mcp.add_mcp_server)
        pages.mcp.mcp_removed.connect(mcp.remove_mcp_server)
        pages.mcp.tool_toggled.connect(mcp.set_tool_enabled)
        mcp.mcp_status.connect(pages.mcp.show_status)
        mcp.mcp_tools.connect(pages.mcp.show_tools)

    def _save_provider(self) -> None:
        form = self.pages.provider
        self.settings.save_provider(form.provider(), form.api_key.text())
        form.api_key.clear()
        form.show_result(True, "Saved.")

    def set_theme(self, theme: str) -> None:
        """Applies ``theme`` to the application and saves it."""
        app = QApplication.instance()
        if isinstance(app, QApplication):
            from threadline.ui.shell.theme import apply_theme

            apply_theme(app, theme)
        self.settings.set_theme(theme)
        self.chat.delegate.font_changed()  # documents baked the old colours: draw them again

    def _on_system_scheme(self) -> None:
        """The desktop switched between light and dark: follow it when the theme is system."""
        if self.settings.settings.theme == "system":
            self.set_theme("system")
