"""The composition root: ``build_app(folder)`` makes every part of the running app, once.

Services below the UI (store, settings, keyring, assistant, runner), the agent hub, the task
spawner, the event bridge and every controller are built here and handed to each other (and
to the window) through constructors. ``ui/shell/launch.py`` and the UI tests both call it;
nothing else constructs these.
"""

from __future__ import annotations

import asyncio
import importlib
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from threadline.app.approvals import ApprovalBook
from threadline.app.drafts import UnsentDrafts
from threadline.app.hub import AgentHub
from threadline.app.mcp_prompts import McpPrompts
from threadline.app.services import Services, build_services, preload_openai
from threadline.core.errors import CorruptDatabaseError, StorageError
from threadline.settings import save_settings
from threadline.ui.agents.controller import AgentsController
from threadline.ui.agents.mcp_controller import McpController
from threadline.ui.chat.controller import ChatController
from threadline.ui.common.bridge import EventBridge
from threadline.ui.common.tasks import TaskSpawner
from threadline.ui.settings.controller import SettingsController
from threadline.ui.settings.page import AppParts
from threadline.ui.sidebar.controller import SessionsController

if TYPE_CHECKING:
    from PySide6.QtCore import SignalInstance

    from threadline.core.events import Event
    from threadline.settings import SecretStore


@dataclass
class App:
    """Everything the window works with; built by ``build_app``."""

    services: Services
    hub: AgentHub
    spawner: TaskSpawner
    bridge: EventBridge
    sessions: SessionsController
    chat: ChatController
    settings: SettingsController
    agents: AgentsController
    mcp: McpController
    notices: list[SignalInstance]  # every controller's ``notice`` signal, for the banner
    prompts: McpPrompts  # what MCP servers ask the person during tool calls
    warmed: bool = False  # the slow imports are done (benchmarks wait for it)
    after_warm: Callable[[], None] | None = None  # run then, on the GUI thread (see launch)

    def start(self) -> None:
        """Restores the agents, MCP servers, instruction, sidebar and last conversation."""
        self.spawner.spawn(self._start())

    async def _start(self) -> None:
        # A keyring that is missing or locked is said when any call meets it: at every start
        # that is the provider key's read below (``list_models``), not first a lost key or 401.
        secrets = self.services.secrets
        secrets.on_problem = self.sessions.notice.emit
        if secrets.problem:  # met while the app was built
            self.sessions.notice.emit(secrets.problem)
        self.mcp.restore()
        await self.agents.restore()
        await self.settings.restore_instruction()
        await self.sessions.start()
        # The openai SDK takes a third of a second to import, Markdown and Pygments a tenth: do
        # it now, off the GUI thread, rather than freeze the window when the first message is
        # sent or the first conversation drawn.
        await asyncio.to_thread(importlib.import_module, "threadline.app.markdown")
        await asyncio.to_thread(importlib.import_module, "openai")
        await asyncio.to_thread(preload_openai)
        if self.after_warm is not None:
            self.after_warm()
        self.warmed = True
        self.spawner.spawn(self.settings.list_models(), group="list-models")

    async def shutdown(self) -> None:
        """Stops runs (their partial replies are saved), closes MCP servers and the store."""
        self.prompts.cancel_all()  # a server waiting for an answer gets one
        await self.spawner.cancel_all()
        self.bridge.flush()
        await self.hub.aclose()
        self.services.settings.last_session_id = self.sessions.current_session_id
        self.save_settings()
        await self.services.store.aclose()

    def save_settings(self) -> None:
        """Writes settings.json; says so in the banner when it cannot."""
        folder = self.services.folder
        try:
            save_settings(folder, self.services.settings)
        except OSError as exc:
            self.sessions.notice.emit(f"Settings could not be saved in {folder}: {exc.strerror}")

    def report(self, error: BaseException) -> None:
        """Shows an unexpected failure of a background task."""
        if isinstance(error, CorruptDatabaseError) and error.moved_to:
            self.sessions.recovered.emit(str(error), error.moved_to)
            self.spawner.spawn(self.sessions.list())  # what was salvaged
            return
        if isinstance(error, StorageError):
            text = str(error)
        elif isinstance(error, asyncio.TimeoutError):
            text = "An operation took too long and was abandoned."
        else:
            text = f"Something went wrong: {type(error).__name__}: {error}"
        self.sessions.notice.emit(text)


def build_app(
    folder: Path,
    *,
    secrets: SecretStore | None = None,
    on_error: Callable[[BaseException], None] | None = None,
) -> App:
    """Opens the store on ``folder`` and builds every part of the app around it.

    ``on_error`` receives failures of background tasks (default: the banner says what went
    wrong). Raises ``StorageError`` subclasses when the data file cannot be used.
    """
    services = build_services(folder, secrets=secrets)
    app: App | None = None

    def report(error: BaseException) -> None:
        if on_error is not None:
            on_error(error)
        elif app is not None:
            app.report(error)

    def save() -> None:
        assert app is not None
        app.save_settings()

    spawner = TaskSpawner(report)
    bridge = EventBridge()
    hub = AgentHub(services.agent, services.settings, services.secrets)
    # MCP elicitation and sampling: asked in the conversation whose tool call it is; sampling
    # runs on that conversation's model (the provider's, when no agent of the team has one).
    prompts = McpPrompts(fallback_model=lambda: hub.model_for(""))
    hub.mcp.prompts = prompts
    approvals = ApprovalBook()
    store, settings = services.store, services.settings
    parts = AppParts(hub, store, settings, services.secrets, spawner, save)
    sessions = SessionsController(
        store=store, settings=settings, spawner=spawner, approvals=approvals
    )
    chat: ChatController | None = None

    def mark_session(event: Event) -> Coroutine[Any, Any, None]:
        assert chat is not None  # the conversation open when it is called, not after an await
        return chat.mark_open_session(event, sessions.current_session_id)

    settings_ctl = SettingsController(parts, mark_session=mark_session)
    chat = ChatController(
        runner=services.runner,
        hub=hub,
        store=store,
        settings=settings,
        sessions=sessions,
        settings_ctl=settings_ctl,
        approvals=approvals,
        bridge=bridge,
        spawner=spawner,
        save_settings=save,
        drafts=UnsentDrafts(folder),
    )
    agents = AgentsController(parts)
    mcp = McpController(parts)
    notices = [c.notice for c in (sessions, chat, settings_ctl, agents, mcp)]
    app = App(
        services, hub, spawner, bridge, sessions, chat, settings_ctl, agents, mcp, notices, prompts
    )
    return app
