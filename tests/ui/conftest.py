"""UI fixtures: a qasync loop inside pytest-qt, and the real window on a private data folder."""

from __future__ import annotations

import asyncio
import gc
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from tests.scripted_server import ScriptedServer
from tests.ui.helpers import Harness, start_app, stop_app
from threadline.ui.common.qt import QEventLoop


@pytest.fixture
def qloop(qapp: QApplication) -> Iterator[QEventLoop]:
    """A qasync loop driven by Qt's own loop (``qtbot.wait*`` runs asyncio callbacks too)."""
    loop = QEventLoop(qapp, already_running=True)
    asyncio.set_event_loop(loop)
    # WORKAROUND: in already_running mode qasync never installs asyncio's async-generator
    # hooks (run_forever does, as the app's launch path uses). Without them an abandoned
    # generator (httpx's byte stream after a cancelled reply) is closed by the garbage
    # collector outside the loop and raises. Do what run_forever would do.
    previous_hooks = sys.get_asyncgen_hooks()
    sys.set_asyncgen_hooks(
        firstiter=None,
        finalizer=lambda agen: loop.call_soon_threadsafe(loop.create_task, agen.aclose()),
    )
    yield loop
    # Drop the test's Qt objects here, on the GUI thread: left to the cyclic collector they
    # may be destroyed on a worker thread ("Timers cannot be stopped from another thread").
    gc.collect()
    sys.set_asyncgen_hooks(*previous_hooks)
    loop.stop()
    # loop.stop() sets Qt's quit flag; clear it so later qtbot waits still wait.
    # exit(), not quit(): Qt 6 turns quit() into closing every window first, and a window
    # that refuses to close (ours, until shut down) would leave exec() running forever.
    QTimer.singleShot(0, lambda: qapp.exit(0))
    qapp.exec()
    loop.close()
    # WORKAROUND: a qasync loop built with already_running=True stays registered as the
    # running loop after close, so a later asyncio.run() in this process would refuse to start.
    asyncio.events._set_running_loop(None)
    asyncio.set_event_loop(None)


@pytest.fixture
def app(
    qtbot: object, qloop: QEventLoop, server: ScriptedServer, tmp_path: Path
) -> Iterator[Harness]:
    """The app, started on a private data folder and stopped afterwards."""
    harness = start_app(qtbot, tmp_path / "data", server)
    yield harness
    stop_app(qtbot, harness)
    assert harness.errors == []
