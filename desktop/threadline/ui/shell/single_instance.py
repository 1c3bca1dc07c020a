"""One window per data folder: a second launch asks the first to come to the front, then exits."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject
from PySide6.QtNetwork import QLocalServer, QLocalSocket

TIMEOUT_MS = 1000


def server_name(folder: Path) -> str:
    """A per-user, per-data-folder name for the local socket."""
    digest = hashlib.sha256(str(folder.resolve()).encode()).hexdigest()[:16]
    return f"threadline-{digest}"


def ask_running_instance(folder: Path) -> bool:
    """True when another Threadline on ``folder`` answered and will raise its window."""
    socket = QLocalSocket()
    socket.connectToServer(server_name(folder))
    if not socket.waitForConnected(TIMEOUT_MS):
        return False
    socket.write(b"activate\n")
    socket.flush()
    socket.waitForBytesWritten(TIMEOUT_MS)
    socket.disconnectFromServer()
    return True


class InstanceServer(QObject):
    """Listens for later launches and calls ``on_activate`` when one arrives."""

    def __init__(self, folder: Path, on_activate: Callable[[], None]) -> None:
        super().__init__()
        self._on_activate = on_activate
        self._server = QLocalServer(self)
        name = server_name(folder)
        QLocalServer.removeServer(name)  # a stale socket file from a crashed run
        self._server.listen(name)
        self._server.newConnection.connect(self._accept)

    def _accept(self) -> None:
        while self._server.hasPendingConnections():
            connection = self._server.nextPendingConnection()
            connection.disconnected.connect(connection.deleteLater)
            self._on_activate()

    def close(self) -> None:
        """Stops listening."""
        self._server.close()
