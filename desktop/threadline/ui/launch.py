"""Starting the window: the Qt application, the qasync loop, the controller and a clean exit."""

from __future__ import annotations

import asyncio
import signal
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
from threadline.ui.single_instance import InstanceServer, ask_running_instance
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
        if ask_running_instance(folder):
            print("Threadline is already running; its window was brought to the front.")
            return 0
        print(str(exc), file=sys.stderr)
        box = QMessageBox(QMessageBox.Icon.Information, "Threadline is already running", str(exc))
        QTimer.singleShot(30_000, box.close)  # never hang an unattended launch
        box.exec()
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
    instance = InstanceServer(folder, lambda: _bring_to_front(window))
    controller.start()
    if "--smoke-test" in (sys.argv if argv is None else argv):
        # Packaging and e2e checks: open, paint, shut down cleanly, report.
        def finish() -> None:
            print(f"smoke test ok: {window.windowTitle()}", flush=True)
            window.close()

        QTimer.singleShot(1500, finish)
    QTimer.singleShot(0, settle_gc)  # after the first paint
    if not services.settings.is_setup_done:
        window.open_setup()
    window.close_requested.connect(instance.close)
    # SIGTERM / Ctrl+C close the window the normal way (runs stop, partial replies are saved).
    # Python runs signal handlers only when it gets control, hence the idle timer.
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: QTimer.singleShot(0, window.close))
    heartbeat = QTimer(interval=250)
    heartbeat.timeout.connect(lambda: None)
    heartbeat.start()
    print(f"Threadline is ready (data in {folder}).", flush=True)
    with loop:
        return int(loop.run_until_complete(done))


def _bring_to_front(window: MainWindow) -> None:
    window.showNormal()
    window.raise_()
    window.activateWindow()
