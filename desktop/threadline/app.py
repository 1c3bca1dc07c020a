"""Composition root: paths, logging, settings, services and the window; ``main()`` runs it."""

from __future__ import annotations

import asyncio
import logging
import sys
from dataclasses import dataclass
from pathlib import Path

from threadline import logs
from threadline.core.errors import CorruptDatabaseError, DatabaseInUseError, StorageError
from threadline.runner import LLMAgent, Runner, ScriptedModel
from threadline.sessions import SQLiteSessionService
from threadline.settings import AppSettings, SecretStore, data_dir, load_settings
from threadline.settings.config import log_dir
from threadline.tools_builtin import builtin_tools

log = logging.getLogger(__name__)
RESOURCES = Path(__file__).resolve().parents[2] / "resources"


@dataclass
class Services:
    """Everything below the UI, built once per process."""

    folder: Path
    settings: AppSettings
    store: SQLiteSessionService
    secrets: SecretStore
    agent: LLMAgent
    runner: Runner


def build_services(folder: Path, *, secrets: SecretStore | None = None) -> Services:
    """Opens the store (one process per data folder) and builds the agent and runner.

    Raises ``StorageError`` subclasses when the data file cannot be used.
    """
    settings = load_settings(folder)
    store = SQLiteSessionService(folder / "threadline.db", exclusive=True)
    # The real model needs the API key from the keyring (async): the controller swaps it in
    # before the first run. Until then a placeholder says so if it is ever reached.
    placeholder = ScriptedModel(["(No model is configured yet: open Settings → Provider.)"])
    agent = LLMAgent(
        "assistant",
        model=placeholder,
        instruction=settings.instruction,
        description="A general assistant",
        tools=builtin_tools(set()),
    )
    runner = Runner("threadline", agent, session_service=store)
    return Services(folder, settings, store, secrets or SecretStore(), agent, runner)


def main(argv: list[str] | None = None) -> int:
    """Starts the desktop app; returns the exit code."""
    from PySide6.QtGui import QIcon
    from PySide6.QtWidgets import QApplication, QMessageBox

    from threadline.ui.controller import ChatController
    from threadline.ui.main_window import MainWindow
    from threadline.ui.qt import QEventLoop
    from threadline.ui.tasks import TaskSpawner
    from threadline.ui.theme import apply_theme

    logs.configure(log_dir())
    app = QApplication(sys.argv if argv is None else argv)
    app.setApplicationName("Threadline")
    app.setOrganizationName("Threadline")
    app.setDesktopFileName("threadline")
    app.setQuitOnLastWindowClosed(False)  # closing goes through our shutdown, not app.quit()
    icon = RESOURCES / "threadline.svg"
    if icon.exists():
        app.setWindowIcon(QIcon(str(icon)))
    loop = QEventLoop(app)
    asyncio.set_event_loop(loop)

    folder = data_dir()
    try:
        services = build_services(folder)
    except DatabaseInUseError as exc:
        QMessageBox.information(None, "Threadline is already running", str(exc))
        return 2
    except CorruptDatabaseError as exc:
        QMessageBox.warning(None, "Threadline: damaged data file", str(exc))
        services = build_services(folder)
    except StorageError as exc:
        QMessageBox.critical(None, "Threadline cannot open its data", str(exc))
        return 1

    apply_theme(app, services.settings.theme)
    window_ref: list[MainWindow] = []
    spawner = TaskSpawner(
        lambda error: window_ref[0].controller.report(error) if window_ref else None
    )
    controller = ChatController(
        runner=services.runner,
        agent=services.agent,
        store=services.store,
        secrets=services.secrets,
        settings=services.settings,
        folder=folder,
        spawner=spawner,
    )
    window = MainWindow(controller)
    window_ref.append(window)
    done: asyncio.Future[int] = loop.create_future()

    async def shut_down() -> None:
        try:
            await controller.shutdown()
        finally:
            window.allow_close()
            window.close()
            if not done.done():
                done.set_result(0)

    window.close_requested.connect(lambda: loop.create_task(shut_down()))
    window.show()
    controller.start()
    if not services.settings.is_setup_done:
        window.open_setup()
    with loop:
        return int(loop.run_until_complete(done))
