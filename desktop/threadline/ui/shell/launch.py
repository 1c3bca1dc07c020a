"""Starting the app: paint the window first, then load the runner and the store behind it.

Phase one needs only a few Qt classes: the window's shell (menu titles and a skeleton of the
layout) appears about as fast as an empty Qt window does; the real widgets are built
right after its first frame. Phase two imports asyncio/qasync, pydantic, the runner, SQLite and the
keyring, builds the app (`root.build_app`) and attaches it to the window already on screen.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from PySide6.QtCore import QEvent, QEventLoop, QObject, QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from threadline.app.early import saved_settings
from threadline.paths import RESOURCES, data_dir
from threadline.runtime import settle_gc, tune_gc
from threadline.ui.common.import_hook import speed_up_pyside_import_hook
from threadline.ui.shell.main_window import MainWindow
from threadline.ui.shell.theme import apply_theme, system_prefers_dark

if TYPE_CHECKING:
    from threadline.ui.shell.root import App

FIRST_PAINT_WAIT_S = 2.0


class _PaintWatcher(QObject):
    """Notes when the window has painted once."""

    def __init__(self) -> None:
        super().__init__()
        self.painted_at: float | None = None

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint and self.painted_at is None:
            self.painted_at = time.time()
        return False


def run(argv: list[str] | None = None) -> int:
    """Shows the window, attaches the services, runs the qasync loop until the window closes."""
    args = sys.argv if argv is None else argv
    tune_gc()
    speed_up_pyside_import_hook()
    # No third-party pydantic plugins in the app: finding them scans every installed package.
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "1")
    app = QApplication(args)
    app.setApplicationName("Threadline")
    app.setOrganizationName("Threadline")
    app.setDesktopFileName("threadline")
    app.setQuitOnLastWindowClosed(False)  # closing goes through our shutdown, not app.quit()
    folder = data_dir()
    problem = _folder_problem(folder)
    if problem is not None:
        return _fatal("Threadline cannot use its data folder", problem, 1, args)
    if _is_in_use(folder):
        handed_over = _hand_over(folder, args)
        if handed_over is not None:
            return handed_over
    icon = RESOURCES / "threadline.svg"
    if icon.exists():
        app.setWindowIcon(QIcon(str(icon)))
    saved = saved_settings(folder)  # read once: the theme now, the storage choice next
    theme = _saved_theme(saved)
    guessed_dark = apply_theme(app, theme, quick=True)

    window = MainWindow(build=False)  # a shell with a skeleton: the real widgets come next
    watcher = _PaintWatcher()
    window.installEventFilter(watcher)
    window.show()
    deadline = time.monotonic() + FIRST_PAINT_WAIT_S
    while watcher.painted_at is None and time.monotonic() < deadline:
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)
    window.removeEventFilter(watcher)
    if "--report-startup" in args and watcher.painted_at is not None:
        print(f"first paint {watcher.painted_at:.6f}", flush=True)
    from threadline.ui.shell.theme_style import install_style

    # Focus rings and tick boxes (theme_style): after the first frame, before the real widgets
    # are made (a style set on a built window polishes every widget again).
    install_style(app)
    window.build()
    if theme == "system" and system_prefers_dark() != guessed_dark:  # the guess was wrong
        apply_theme(app, theme)
    listed = _list_early(app, window, folder, saved)
    if listed:
        if "--report-startup" in args:  # shown, not yet taking input
            print(f"listed {time.time():.6f}", flush=True)
        _import_phase_two_taking_input(app, report="--report-startup" in args)
    return _run_attached(app, window, folder, args, theme, listed_early=listed)


# What ``_run_attached`` imports (the loop, pydantic, the runner, SQLite, the controllers):
# ~120 ms of module code that needs no window.
PHASE_TWO = (
    "asyncio",
    "threadline.app.services",
    "threadline.core.errors",
    "threadline.ui.common.qt",
    "threadline.ui.shell.root",
    "threadline.ui.shell.single_instance",
)


def _import_phase_two_taking_input(
    app: QApplication, *, report: bool, modules: tuple[str, ...] = PHASE_TWO
) -> None:
    """Imports phase two on a thread while the listed window takes input.

    The person can type into the composer (or move in the sidebar) meanwhile; nothing is sent
    before the app is attached (``ChatPanel._submit`` keeps the text). The imports hold the
    GIL most of the time, but Qt's loop gets it at every switch interval (5 ms), so keys are
    echoed as they are typed. A module that fails to import here fails again, with its real
    error, when ``_run_attached`` imports it.
    """
    import importlib
    import threading

    finished = threading.Event()

    def load() -> None:
        try:
            for name in modules:
                importlib.import_module(name)
        except BaseException:  # the import on the main thread reports it
            pass
        finally:
            finished.set()

    waiting = QEventLoop()
    poll = QTimer(interval=5)

    def quit_when_loaded() -> None:
        if finished.is_set():
            waiting.quit()

    poll.timeout.connect(quit_when_loaded)
    threading.Thread(target=load, name="threadline-imports", daemon=True).start()
    poll.start()
    if report:  # the first turn of this loop takes the keys pressed since the list showed
        QTimer.singleShot(0, lambda: print(f"interactive {time.time():.6f}", flush=True))
    if not finished.is_set():
        waiting.exec()
    poll.stop()


def _list_early(
    app: QApplication,
    window: MainWindow,
    folder: Path,
    saved: dict[str, Any] | Literal["unread"] | None = "unread",
) -> bool:
    """Lists the conversations from the store file before the rest of the app is built
    (``app/early.py``) and focuses the composer; False when they cannot be read early.

    Keys pressed meanwhile wait in the window system's queue until the app is attached and
    its loop runs (and a message is never sent before: ``ChatPanel._submit``).
    """
    from threadline.app.early import early_rows
    from threadline.ui.sidebar.tree import SessionNode

    found = early_rows(folder, saved)
    if found is None:
        return False
    rows, pinned = found
    nodes = [SessionNode(*row) for row in rows]
    wanted = frozenset(pinned)
    for node in nodes:
        node.pinned = node.id in wanted
    window.tree_model.set_sessions(nodes)
    window.chat.composer.setFocus()
    app.processEvents(QEventLoop.ProcessEventsFlag.ExcludeUserInputEvents)  # shown now
    return True


def _report_interactive(parts: App, window: MainWindow) -> None:
    """Prints when the window is usable (benchmarks): the sidebar listed and shown, the
    composer focused, and the loop back to idle after both."""

    def listed(*_args: object) -> None:
        parts.sessions.sessions_listed.disconnect(listed)
        window.chat.composer.setFocus()

        QTimer.singleShot(0, lambda: print(f"interactive {time.time():.6f}", flush=True))

    parts.sessions.sessions_listed.connect(listed)


def _saved_theme(saved: dict[str, Any] | None) -> str:
    """The theme in settings.json (``app.early.saved_settings``), "system" when unknown."""
    theme = (saved or {}).get("theme")
    return theme if theme in ("system", "light", "dark") else "system"


def _run_attached(
    app: QApplication,
    window: MainWindow,
    folder: Path,
    args: list[str],
    theme: str,
    *,
    listed_early: bool = False,
) -> int:
    import asyncio

    from threadline.app.services import start_logging
    from threadline.core.errors import CorruptDatabaseError, DatabaseInUseError, StorageError
    from threadline.ui.common.qt import QEventLoop as AsyncLoop
    from threadline.ui.shell.root import build_app
    from threadline.ui.shell.single_instance import InstanceServer

    start_logging()
    loop = AsyncLoop(app)
    asyncio.set_event_loop(loop)
    try:
        parts = build_app(folder)
    except DatabaseInUseError as exc:
        window.hide()
        handed_over = _hand_over(folder, args)
        if handed_over is not None:
            return handed_over
        return _fatal("Threadline is already running", str(exc), 2, args)
    except CorruptDatabaseError as exc:  # damaged and it could not even be moved aside
        window.hide()
        return _fatal("Threadline cannot open its data", str(exc), 1, args)
    except StorageError as exc:
        window.hide()
        return _fatal("Threadline cannot open its data", str(exc), 1, args)
    except OSError as exc:  # the folder changed under us since the check (disk full, rights)
        window.hide()
        problem = _folder_problem(folder) or f"Threadline cannot open its data in {folder}: {exc}"
        return _fatal("Threadline cannot use its data folder", problem, 1, args)

    settings = parts.services.settings
    if settings.theme != theme:  # settings.json was unreadable: defaults apply
        apply_theme(app, settings.theme)
    window.attach(parts)
    # Collected once startup's objects are built, after the sidebar is listed (the collection
    # takes ~50 ms): what survived is never garbage, so it leaves the collector for good.
    parts.after_warm = settle_gc
    if "--report-startup" in args and not listed_early:  # else said while importing
        _report_interactive(parts, window)
    done: asyncio.Future[int] = loop.create_future()

    async def shut_down() -> None:
        try:
            await parts.shutdown()
        finally:
            window.allow_close()
            window.close()
            if not done.done():
                done.set_result(0)

    instance = InstanceServer(folder, lambda: _bring_to_front(window))
    window.close_requested.connect(instance.close)
    window.close_requested.connect(lambda: loop.create_task(shut_down()))
    parts.start()
    if not settings.is_setup_done:
        window.open_setup()
    if "--smoke-test" in args:
        # Packaging and e2e checks: open, paint, shut down cleanly, report (the keyring and
        # MCP checks run only when packaging asks for them, see app/selfcheck.py).
        async def finish() -> None:
            from threadline.app.selfcheck import smoke_checks

            await asyncio.sleep(1.5)
            try:
                for line in await smoke_checks(folder, window.windowTitle()):
                    print(line, flush=True)
            finally:
                window.close()

        smoke = loop.create_task(finish())
        done.add_done_callback(lambda _: smoke.cancel())
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


def _is_in_use(folder: Path) -> bool:
    """True when another process has this data folder open (checked without loading Qt's
    network module or the store)."""
    from threadline.app.early import STORE_NAME
    from threadline.sessions.instance_lock import is_held

    return is_held(folder / STORE_NAME)


def _folder_problem(folder: Path) -> str | None:
    from threadline.app.preflight import data_folder_problem

    return data_folder_problem(folder)


def _hand_over(folder: Path, args: list[str]) -> int | None:
    """Asks the instance already running on ``folder`` to come to the front.

    Returns the exit code when this launch is done (handed over, or the other one is hung),
    None when nobody answered on the socket (the store's lock then decides).
    """
    from threadline.ui.shell.single_instance import HandOver, ask_running_instance

    outcome = ask_running_instance(folder)
    if outcome is HandOver.ANSWERED:
        print("Threadline is already running; its window was brought to the front.")
        return 0
    if outcome is HandOver.HUNG:
        text = (
            f"Threadline is already running on {folder} but does not answer: it may be frozen "
            "or stopped. Close it (or end its process), then start Threadline again."
        )
        return _fatal("Threadline is not responding", text, 1, args)
    return None


def _fatal(title: str, text: str, code: int, args: list[str]) -> int:
    """Says why Threadline cannot start: one plain line on stderr and a dialog."""
    from PySide6.QtWidgets import QMessageBox

    print(" ".join(text.split()), file=sys.stderr, flush=True)
    box = QMessageBox(QMessageBox.Icon.Critical, title, text)
    box.setObjectName("fatalDialog")
    # Never hang an unattended launch; a smoke test only needs to see it shown.
    QTimer.singleShot(500 if "--smoke-test" in args else 30_000, box.close)
    if "--smoke-test" in args:
        box.shown = lambda: print(f"dialog shown: {title}", flush=True)  # type: ignore[attr-defined]
        QTimer.singleShot(0, box.shown)  # type: ignore[attr-defined]
    box.exec()
    return code


def _bring_to_front(window: MainWindow) -> None:
    window.showNormal()
    window.raise_()
    window.activateWindow()
