"""Starting the window: the Qt application, the qasync loop, the controller and a clean exit."""

from __future__ import annotations

import asyncio
import sys

from PySide6.QtCore import QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QMessageBox

from threadline.app import RESOURCES, build_services
from threadline.core.errors import CorruptDatabaseError, DatabaseInUseError, StorageError
from threadline.runtime import settle_gc, tune_gc
from threadline.settings import data_dir
from threadline.ui.controller import ChatController
from threadline.ui.main_window import MainWindow
from threadline.ui.qt import QEventLoop
from threadline.ui.tasks import TaskSpawner
from threadline.ui.theme import apply_theme


def run(argv: list[str] | None = None) -> int:
    """Builds the window over the services and runs the qasync loop until it closes."""
    tune_gc()
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
    QTimer.singleShot(0, settle_gc)  # after the first paint
    if not services.settings.is_setup_done:
        window.open_setup()
    with loop:
        return int(loop.run_until_complete(done))
