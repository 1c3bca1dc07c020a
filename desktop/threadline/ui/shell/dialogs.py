"""The main window's dialogs: export or import a conversation (file dialogs), first-run setup.

Each is opened non-modal with ``open()`` (no static ``QFileDialog`` helpers: no nested event
loops under qasync, see STYLE.md) and returned, so tests can drive it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PySide6.QtWidgets import QFileDialog, QWidget

    from threadline.ui.settings.controller import SettingsController
    from threadline.ui.settings.provider_form import ProviderForm
    from threadline.ui.settings.setup_dialog import SetupDialog
    from threadline.ui.sidebar.controller import SessionsController

EXPORT_FILTERS = {"Markdown (*.md)": ".md", "Threadline JSON (*.json)": ".json"}
IMPORT_FILTERS = [
    "Threadline JSON (*.json)",
    "ChatGPT or Claude export (conversations.json)",
    "All files (*)",
]


def open_export(parent: QWidget, sessions: SessionsController) -> QFileDialog:
    """Asks where to export the open conversation; the chosen filter decides the format."""
    from PySide6.QtWidgets import QFileDialog

    # No default suffix: the dialog would add the first filter's (".md") to a name typed
    # under the JSON filter.
    dialog = QFileDialog(parent, "Export conversation")
    dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
    dialog.setNameFilters(list(EXPORT_FILTERS))
    dialog.fileSelected.connect(
        lambda path: sessions.export_current(
            path, suffix=EXPORT_FILTERS.get(dialog.selectedNameFilter(), ".md")
        )
    )
    dialog.open()
    return dialog


def open_import(parent: QWidget, sessions: SessionsController) -> QFileDialog:
    """Asks for a file of conversations to import (Threadline, ChatGPT or Claude)."""
    from PySide6.QtWidgets import QFileDialog

    dialog = QFileDialog(parent, "Import conversation")
    dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
    dialog.setNameFilters(IMPORT_FILTERS)
    dialog.fileSelected.connect(sessions.import_file)
    dialog.open()
    return dialog


def wire_provider_form(form: ProviderForm, settings: SettingsController) -> None:
    """Connection checks from a provider form (the settings panel's or first-run setup's);
    the form also offers (and warns against) the configured provider's models while it shows
    that provider's URL."""
    form.check_requested.connect(
        lambda: settings.test_connection(form.provider(), form.api_key.text(), form.show_check)
    )

    def offer(models: list[str]) -> None:
        if form.base_url.text().strip() == settings.settings.provider.base_url.strip():
            form.set_models(models)

    settings.models_listed.connect(offer)


def open_setup(parent: QWidget, settings: SettingsController) -> SetupDialog:
    """Shows the first-run setup and saves what the user picks."""
    from threadline.ui.settings.setup_dialog import SetupDialog

    dialog = SetupDialog(parent)
    dialog.form.load(settings.settings.provider)
    form = dialog.form
    wire_provider_form(form, settings)
    dialog.accepted.connect(lambda: settings.save_provider(form.provider(), form.api_key.text()))
    dialog.open()
    return dialog
