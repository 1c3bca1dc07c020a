"""Settings → Storage: where the conversations live (this computer, or a shared PostgreSQL
server), a connection test, a one-way copy to the server, and a restart to switch.

The page only shows and asks; ``StorageController`` (``storage_controller.py``) does the work
through ``app/storage.py``. ``bind_storage`` connects the two.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from threadline.ui.common.widgets import named

if TYPE_CHECKING:
    from threadline.settings.config import StorageSettings
    from threadline.ui.settings.storage_controller import StorageController


class StoragePage(QWidget):
    """The Storage page.

    Signals:
        test_requested(object, str): ``StorageSettings`` and the password typed ("" = the
            keyring's).
        save_requested(object, str): the same, to be saved and used after a restart.
        copy_requested(object, str): the same; copy this computer's conversations there.
        restart_requested(): quit and start again on the saved storage.
    """

    test_requested = Signal(object, str)
    save_requested = Signal(object, str)
    copy_requested = Signal(object, str)
    restart_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("storagePage")
        self._copying = False  # a copy runs: its button stays off until it ends
        self.local = named(QRadioButton("This computer"), "storageLocal")
        self.local.setToolTip("One file in Threadline's data folder (the default)")
        self.server = named(QRadioButton("A shared server (PostgreSQL)"), "storageServer")
        self.server.setToolTip(
            "Conversations on a PostgreSQL server several people or machines use"
        )
        choice = QButtonGroup(self)
        choice.addButton(self.local)
        choice.addButton(self.server)
        self.in_use = named(QLabel(), "storageInUse")
        self.in_use.setWordWrap(True)

        self.host = named(QLineEdit(), "storageHost")
        self.host.setPlaceholderText("db.example.org")
        self.port = named(QSpinBox(), "storagePort")
        self.port.setRange(1, 65535)
        self.port.setValue(5432)
        self.database = named(QLineEdit(), "storageDatabase")
        self.user = named(QLineEdit(), "storageUser")
        self.password = named(QLineEdit(), "storagePassword")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText("kept in the system keyring only")
        self.password.setAccessibleName("Server password")
        self.dsn = named(QLineEdit(), "storageDsn")
        self.dsn.setPlaceholderText("or a connection string: postgresql://user@host:5432/db")
        self.dsn.setAccessibleName("Connection string")
        self.server_box = QGroupBox("Shared server")
        form = QFormLayout(self.server_box)
        form.addRow("Host", self.host)
        form.addRow("Port", self.port)
        form.addRow("Database", self.database)
        form.addRow("User", self.user)
        form.addRow("Password", self.password)
        form.addRow("Or", self.dsn)

        self.test_button = named(QPushButton("Test connection"), "storageTest")
        self.save_button = named(QPushButton("Use this storage"), "storageSave")
        self.result = named(QLabel(), "storageResult")
        self.result.setWordWrap(True)
        self.restart_note = named(QLabel(), "storageRestartNote")
        self.restart_note.setWordWrap(True)
        self.restart_button = named(QPushButton("Restart Threadline"), "storageRestart")
        self.copy_button = named(QPushButton("Copy my conversations to the server"), "storageCopy")
        self.copy_button.setToolTip(
            "A one-way copy of the conversations on this computer; those already on the"
            " server are left as they are, so copying twice adds nothing twice"
        )
        self.progress = named(QProgressBar(), "storageProgress")
        self.copy_result = named(QLabel(), "storageCopyResult")
        self.copy_result.setWordWrap(True)

        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Where your conversations are kept"))
        layout.addWidget(self.local)
        layout.addWidget(self.server)
        layout.addWidget(self.in_use)
        layout.addWidget(self.server_box)
        buttons = QHBoxLayout()
        buttons.addWidget(self.test_button)
        buttons.addWidget(self.save_button)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        layout.addWidget(self.result)
        restart = QHBoxLayout()
        restart.addWidget(self.restart_note, 1)
        restart.addWidget(self.restart_button)
        layout.addLayout(restart)
        layout.addWidget(self.copy_button)
        layout.addWidget(self.progress)
        layout.addWidget(self.copy_result)
        layout.addStretch(1)
        for widget in (self.restart_note, self.restart_button, self.progress):
            widget.hide()

        self.server.toggled.connect(self._show_choice)
        self.test_button.clicked.connect(lambda: self.test_requested.emit(*self._asked()))
        self.save_button.clicked.connect(lambda: self.save_requested.emit(*self._asked()))
        self.copy_button.clicked.connect(self._copy)
        self.restart_button.clicked.connect(self.restart_requested)
        self.local.setChecked(True)
        self._show_choice()
        self.controller: StorageController | None = None  # set by ``bind_storage``

    def load(self, storage: StorageSettings, in_use: str) -> None:
        """Shows saved storage settings and which store the app works on now."""
        (self.server if storage.kind == "server" else self.local).setChecked(True)
        self.host.setText(storage.host)
        self.port.setValue(storage.port)
        self.database.setText(storage.database)
        self.user.setText(storage.user)
        self.dsn.setText(storage.dsn)
        self.password.clear()
        self.in_use.setText(in_use)
        from threadline.app.storage import missing_driver

        missing = missing_driver()
        if missing and storage.kind != "server":  # nothing to connect with: say so up front
            self.server.setEnabled(False)
            self.server.setToolTip(missing)
            self.in_use.setText(f"{in_use} {missing}")
        self._show_choice()

    def values(self) -> StorageSettings:
        """What the page holds now (the password aside)."""
        # Imported here: the settings models (pydantic) load after the window is on screen.
        from threadline.settings.config import StorageSettings

        return StorageSettings(
            kind="server" if self.server.isChecked() else "local",
            host=self.host.text().strip(),
            port=self.port.value(),
            database=self.database.text().strip(),
            user=self.user.text().strip(),
            dsn=self.dsn.text().strip(),
        )

    def show_check(self, ok: bool, message: str) -> None:
        """The outcome of a connection test (or of saving)."""
        self.result.setText(("✓ " if ok else "✗ ") + message)
        self.result.setProperty("ok", ok)

    def show_restart(self, message: str) -> None:
        """The saved storage is not the one in use: say so and offer the restart."""
        self.restart_note.setText(message)
        self.restart_note.setVisible(bool(message))
        self.restart_button.setVisible(bool(message))

    def show_progress(self, done: int, total: int) -> None:
        """How far a copy has got."""
        self.progress.show()
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done if total else 1)
        self.progress.setFormat(f"{done} of {total} conversations")

    def show_copied(self, ok: bool, message: str) -> None:
        """The end of a copy: how many went over, or why it stopped."""
        self._copying = False
        self.copy_button.setEnabled(self.server.isChecked())
        self.copy_result.setText(message)
        self.copy_result.setProperty("ok", ok)

    def _asked(self) -> tuple[StorageSettings, str]:
        return self.values(), self.password.text()

    def _copy(self) -> None:
        self._copying = True
        self.copy_button.setEnabled(False)
        self.copy_result.setText("Copying…")
        self.copy_requested.emit(*self._asked())

    def _show_choice(self) -> None:
        on_server = self.server.isChecked()
        self.server_box.setEnabled(on_server)
        self.test_button.setEnabled(on_server)
        self.copy_button.setEnabled(on_server and not self._copying)


def bind_storage(page: StoragePage, controller: StorageController) -> None:
    """Connects the page to its controller and shows the settings in force (once: binding
    the same pair again changes nothing)."""
    if page.controller is controller:
        return
    page.controller = controller
    page.test_requested.connect(controller.test)
    page.save_requested.connect(controller.save)
    page.copy_requested.connect(controller.copy)
    page.restart_requested.connect(controller.restart)
    controller.checked.connect(page.show_check)
    controller.restart_needed.connect(page.show_restart)
    controller.copy_progress.connect(page.show_progress)
    controller.copied.connect(page.show_copied)
    controller.in_use_changed.connect(page.in_use.setText)
    page.load(controller.settings.storage, controller.in_use())
