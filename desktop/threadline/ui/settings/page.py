"""What the settings pages' controllers share with the chat controller, and their base class."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

if TYPE_CHECKING:
    from threadline.app.hub import AgentHub
    from threadline.sessions import DesktopStore
    from threadline.settings import AppSettings, SecretStore
    from threadline.ui.common.tasks import TaskSpawner


@dataclass(frozen=True)
class AppParts:
    """The services below the window that every controller works with."""

    hub: AgentHub
    store: DesktopStore
    settings: AppSettings
    secrets: SecretStore
    spawner: TaskSpawner
    save_settings: Callable[[], None]  # writes settings.json, telling the user when it fails


class PageController(QObject):
    """A settings page's controller (no widgets).

    Signals:
        notice(str): a message for the user.
    """

    notice = Signal(str)

    def __init__(self, parts: AppParts, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.hub = parts.hub
        self.store = parts.store
        self.settings = parts.settings
        self.secrets = parts.secrets
        self.spawner = parts.spawner
        self._save_settings = parts.save_settings
