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


MODELS_NAMED = 8  # a warning names this many of the server's models, then says how many more


def unoffered_warning(model: str, offered: list[str]) -> str:
    """What to say when ``model`` is not among the models a server ``offered`` ("" if it is,
    or if the server listed none: some servers answer requests without listing models)."""
    if not model or not offered or model in offered:
        return ""
    names = ", ".join(offered[:MODELS_NAMED])
    if len(offered) > MODELS_NAMED:
        names += f" and {len(offered) - MODELS_NAMED} more"
    return f"⚠ {model} is not offered by this server (it offers: {names})"


def _same_url(a: str, b: str) -> bool:
    return a.strip().rstrip("/") == b.strip().rstrip("/")


class ProviderForm(QWidget):
    """Preset, base URL, model (listed from ``GET /models``), API key, test connection.

    The model field warns (``warning``) while its model is not one the server at the base URL
    listed. "List models" also picks an offered model when the field's is not.

    Signals:
        check_requested(): "Test connection" or "List models" was pressed: the owner asks the
            server for its models and answers with ``show_check``.
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
        self.warning = named(QLabel(), "modelWarning")
        self.warning.setWordWrap(True)
        self.warning.hide()
        # The server (base URL) that last listed its models, and them; "List models" pressed.
        self._offered: tuple[str, list[str]] | None = None
        self._asked_url = ""
        self._choose_offered = False
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
        form.addRow("", self.warning)
        form.addRow("API key", self.api_key)
        form.addRow(self.test_button, self.status)
        self.preset.currentIndexChanged.connect(self._on_preset)
        self.test_button.clicked.connect(lambda: self._ask(choose=False))
        self.refresh_button.clicked.connect(lambda: self._ask(choose=True))
        self.model.currentTextChanged.connect(self._update_warning)
        self.base_url.textChanged.connect(self._update_warning)

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

    def set_models(self, models: list[str], *, choose: bool = False) -> None:
        """Offers the models the server at the base URL listed, keeping the current choice
        unless ``choose`` and it is not offered: then the preset's usual model if offered,
        else the first."""
        current = self.model.currentText().strip()
        self._offered = (self.base_url.text(), list(models))
        self.model.blockSignals(True)
        self.model.clear()
        self.model.addItems(models)
        self.model.blockSignals(False)
        if models and (not current or (choose and current not in models)):
            preset = PROVIDER_PRESETS.get(self.preset.currentData()[0])
            usual = preset.default_model if preset is not None else ""
            current = usual if usual in models else models[0]
        self.model.setCurrentText(current)
        self._update_warning()

    def show_check(self, ok: bool, text: str, models: list[str]) -> None:
        """The answer to ``check_requested``: the outcome and, when it worked, the models."""
        if ok and _same_url(self._asked_url, self.base_url.text()):  # not typed over since
            self.set_models(models, choose=self._choose_offered)
        self.show_result(ok, text)

    def _ask(self, *, choose: bool) -> None:
        self._asked_url, self._choose_offered = self.base_url.text(), choose
        self.check_requested.emit()

    def _update_warning(self) -> None:
        offered = self._offered
        text = ""
        if offered is not None and _same_url(offered[0], self.base_url.text()):
            text = unoffered_warning(self.model.currentText().strip(), offered[1])
        dark = self.palette().window().color().lightness() < 128
        self.warning.setStyleSheet(f"color: {'#fbbf24' if dark else '#b45309'}")
        self.warning.setText(text)
        self.warning.setVisible(bool(text))

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
