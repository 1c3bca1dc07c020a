"""Provider fields shared by the first-run setup and the settings panel."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QWidget,
)

from threadline.presets import PROVIDER_PRESETS
from threadline.ui.common.widgets import named

if TYPE_CHECKING:
    from threadline.settings.config import ProviderSettings

# The known servers (threadline.presets), then any URL.
PRESETS: list[tuple[str, str, str]] = [
    *((p.label, name, p.base_url) for name, p in PROVIDER_PRESETS.items()),
    ("Custom OpenAI-compatible URL", "custom", ""),
]


class ProviderForm(QWidget):
    """Preset, base URL, model (listed from ``GET /models``), API key, test connection.

    Signals:
        check_requested(): "Test connection" or "List models" was pressed: the owner asks the
            server for its models and answers with ``show_result`` and ``set_models``.
    """

    check_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.preset = named(QComboBox(), "providerPreset")
        for label, name, url in PRESETS:
            self.preset.addItem(label, (name, url))
        self.base_url = named(QLineEdit(), "baseUrl")
        self.base_url.setPlaceholderText("https://host:port/v1")
        self.model = named(QComboBox(), "modelName")
        self.model.setEditable(True)
        line = self.model.lineEdit()
        if line is not None:  # the editable part is a text field of its own to screen readers
            line.setAccessibleName("Model name")
        self.refresh_button = QPushButton("List models")
        self.api_key = named(QLineEdit(), "apiKey")
        self.api_key.setEchoMode(QLineEdit.EchoMode.Password)
        self.api_key.setPlaceholderText("Stored in the system keyring; optional for local servers")
        self.test_button = named(QPushButton("Test connection"), "testConnection")
        self.status = named(QLabel(), "connectionStatus")
        self.status.setWordWrap(True)
        model_row = QHBoxLayout()
        model_row.addWidget(self.model, 1)
        model_row.addWidget(self.refresh_button)
        form = QFormLayout(self)
        form.addRow("Provider", self.preset)
        form.addRow("Base URL", self.base_url)
        form.addRow("Model", model_row)
        model_label = form.labelForField(model_row)
        if isinstance(model_label, QLabel):  # a row of two widgets: say which one it labels
            model_label.setBuddy(self.model)
        form.addRow("API key", self.api_key)
        form.addRow(self.test_button, self.status)
        self.preset.currentIndexChanged.connect(self._on_preset)
        self.test_button.clicked.connect(self.check_requested)
        self.refresh_button.clicked.connect(self.check_requested)

    def load(self, provider: ProviderSettings) -> None:
        """Fills the fields from saved settings."""
        names = [self.preset.itemData(i)[0] for i in range(self.preset.count())]
        self.preset.blockSignals(True)
        self.preset.setCurrentIndex(
            names.index(provider.name) if provider.name in names else len(names) - 1
        )
        self.preset.blockSignals(False)
        self.base_url.setText(provider.base_url)
        self.model.setCurrentText(provider.model)

    def provider(self) -> ProviderSettings:
        """The provider as the fields describe it."""
        from threadline.settings.config import ProviderSettings

        name, _ = self.preset.currentData()
        return ProviderSettings(
            name=name, base_url=self.base_url.text().strip(), model=self.model.currentText().strip()
        )

    def set_models(self, models: list[str]) -> None:
        """Offers the models the server listed, keeping the current choice."""
        current = self.model.currentText()
        self.model.clear()
        self.model.addItems(models)
        self.model.setCurrentText(current or (models[0] if models else ""))

    def show_result(self, ok: bool, text: str) -> None:
        """Shows the outcome of a connection test."""
        colour = "#16a34a" if ok else "#dc2626"
        self.status.setStyleSheet(f"color: {colour}")
        self.status.setText(text)

    def _on_preset(self) -> None:
        name, url = self.preset.currentData()
        if url:
            self.base_url.setText(url)
        preset = PROVIDER_PRESETS.get(name)
        if preset is not None and preset.default_model:
            self.model.setCurrentText(preset.default_model)
        self.base_url.setFocus()
