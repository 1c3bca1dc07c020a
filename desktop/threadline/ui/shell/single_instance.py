"""One window per data folder: a second launch asks the first to come to the front, then exits."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from enum import Enum
from pathlib import Path

from PySide6.QtCore import QObject
from PySide6.QtNetwork import QLocalServer, QLocalSocket

TIMEOUT_MS = 1000
# How long the first instance may take to say its window is coming up. A frozen (or stopped)
# process still holds the socket, so the kernel accepts the connection: only the answer tells.
ANSWER_TIMEOUT_MS = 3000
ACTIVATE = b"activate\n"
ACTIVATED = b"ok\n"


class HandOver(Enum):
    """What asking a running instance to come to the front gave."""

    ANSWERED = "answered"  # its window comes to the front
    ABSENT = "absent"  # nobody listens (it is starting, or it crashed)
    HUNG = "hung"  # it listens but does not answer: frozen or stopped


def server_name(folder: Path) -> str:
    """A per-user, per-data-folder name for the local socket."""
    digest = hashlib.sha256(str(folder.resolve()).encode()).hexdigest()[:16]
    return f"threadline-{digest}"


def ask_running_instance(folder: Path, *, answer_ms: int = ANSWER_TIMEOUT_MS) -> HandOver:
    """Asks another Threadline on ``folder`` to raise its window, and says how that went."""
    socket = QLocalSocket()
    socket.connectToServer(server_name(folder))
    if not socket.waitForConnected(TIMEOUT_MS):
        return HandOver.ABSENT
    socket.write(ACTIVATE)
    socket.flush()
    socket.waitForBytesWritten(TIMEOUT_MS)
    answered = socket.waitForReadyRead(answer_ms) and bytes(socket.readAll().data()) == ACTIVATED
    socket.abort()
    return HandOver.ANSWERED if answered else HandOver.HUNG


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
            connection.readyRead.connect(lambda c=connection: self._answer(c))

    def _answer(self, connection: QLocalSocket) -> None:
        if connection.readLine().data() == ACTIVATE:
            self._on_activate()
            connection.write(ACTIVATED)
            connection.flush()

    def close(self) -> None:
        """Stops listening."""
        self._server.close()
