"""The provider form and the models a server offers: "List models" picks one it has, and a
model it does not have is warned about (first-run setup, Settings → General, Test connection).
Settings → General puts the provider first, names its theme choices and explains the empty
list of always-allowed tools."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QPoint, Qt

from tests.scripted_server import ScriptedServer
from tests.ui.helpers import Harness, start_app, stop_app
from threadline.settings.config import ProviderSettings
from threadline.ui.common.qt import QEventLoop

LEFT = Qt.MouseButton.LeftButton
NOT_OFFERED = (
    "gpt-4o-mini is not offered by this server (it offers: scripted-large, scripted-small)"
)


def test_first_run_setup_picks_a_model_the_server_offers(app: Harness, qtbot: Any) -> None:
    app.services.settings.provider = ProviderSettings()  # a first run: OpenAI, gpt-4o-mini
    panel_form = app.window.settings_panel.provider
    panel_model = panel_form.model.currentText()
    dialog = app.window.open_setup()
    form = dialog.form
    assert form.model.currentText() == "gpt-4o-mini"
    form.preset.setCurrentIndex(form.preset.count() - 1)  # custom URL
    form.base_url.clear()
    qtbot.keyClicks(form.base_url, app.server.base_url)
    qtbot.mouseClick(form.refresh_button, LEFT)
    qtbot.waitUntil(lambda: "Connected" in form.status.text(), timeout=5000)
    assert [form.model.itemText(i) for i in range(form.model.count())] == [
        "scripted-large",
        "scripted-small",
    ]
    assert form.model.currentText() == "scripted-large"  # gpt-4o-mini is not there
    assert form.warning.isHidden()

    # Test connection keeps the model typed, but says the server does not have it.
    form.model.setCurrentText("gpt-4o-mini")
    assert not form.warning.isHidden() and NOT_OFFERED in form.warning.text()
    form.status.clear()
    qtbot.mouseClick(form.test_button, LEFT)
    qtbot.waitUntil(lambda: "Connected: 2 model(s)" in form.status.text(), timeout=5000)
    assert form.model.currentText() == "gpt-4o-mini"
    assert not form.warning.isHidden() and NOT_OFFERED in form.warning.text()
    form.model.setCurrentIndex(form.model.findText("scripted-small"))
    assert form.warning.isHidden()
    # The check answered the form that asked, not Settings' (another provider's fields).
    assert panel_form.status.text() == "" and panel_form.model.currentText() == panel_model

    dialog.accept()
    settings = app.services.settings
    qtbot.waitUntil(lambda: settings.provider.model == "scripted-small", timeout=5000)
    assert settings.provider.base_url == app.server.base_url
    qtbot.waitUntil(lambda: panel_form.model.currentText() == "scripted-small")
    assert panel_form.warning.isHidden()


@pytest.fixture
def elsewhere(
    qtbot: object, qloop: QEventLoop, server: ScriptedServer, tmp_path: Path
) -> Iterator[Harness]:
    """The app configured for ``scripted-large`` on a server that no longer offers it."""
    server.models = ["other-a", "other-b"]
    harness = start_app(qtbot, tmp_path / "data", server)
    yield harness
    stop_app(qtbot, harness)
    assert harness.errors == []


def test_settings_warn_about_a_saved_model_the_server_lacks(elsewhere: Harness, qtbot: Any) -> None:
    form = elsewhere.window.settings_panel.provider
    # The models listed at startup show the saved model is not among them; it stays chosen.
    qtbot.waitUntil(lambda: not form.warning.isHidden(), timeout=10000)
    assert form.warning.text() == (
        "⚠ scripted-large is not offered by this server (it offers: other-a, other-b)"
    )
    assert form.model.currentText() == "scripted-large"
    qtbot.mouseClick(form.test_button, LEFT)
    qtbot.waitUntil(lambda: "Connected" in form.status.text(), timeout=5000)
    assert "scripted-large is not offered" in form.warning.text()
    qtbot.mouseClick(form.refresh_button, LEFT)
    qtbot.waitUntil(lambda: form.model.currentText() == "other-a", timeout=5000)
    assert form.warning.isHidden()
    # Another URL typed in: the list came from a different server, so no verdict on it.
    form.model.setCurrentText("scripted-large")
    assert not form.warning.isHidden()
    form.base_url.setText("http://127.0.0.1:9/v1")
    assert form.warning.isHidden()


def test_settings_open_on_the_provider(app: Harness, qtbot: Any) -> None:
    window, page = app.window, app.window.settings_panel
    window.panels.open_settings.trigger()
    qtbot.waitUntil(page.isVisible)
    qtbot.waitUntil(lambda: not page.save_provider.visibleRegion().isEmpty())
    body = page.provider.parentWidget().parentWidget()  # form -> group box -> page
    top = page.provider.mapTo(body, QPoint(0, 0)).y()
    assert top < page.instruction.mapTo(body, QPoint(0, 0)).y()
    assert not page.provider.preset.visibleRegion().isEmpty()  # no scrolling to reach it
    window.panels.settings_window.close()
    qtbot.waitUntil(lambda: not window.panels.settings_window.isVisible())


def test_theme_choices_read_as_words_and_store_values(app: Harness, qtbot: Any) -> None:
    page, settings = app.window.settings_panel, app.services.settings
    theme = page.theme
    assert [theme.itemText(i) for i in range(theme.count())] == ["System", "Light", "Dark"]
    assert theme.currentText() == "System" and settings.theme == "system"
    settings.theme = "dark"
    page.load(settings)
    assert theme.currentText() == "Dark"
    with qtbot.waitSignal(page.theme_changed) as changed:
        theme.setCurrentText("System")
    assert changed.args == ["system"]
    assert settings.theme == "system"


def test_the_empty_list_of_allowed_tools_says_what_goes_there(app: Harness, qtbot: Any) -> None:
    page, settings = app.window.settings_panel, app.services.settings
    assert page.allowed.count() == 0
    assert not page.allowed_hint.isHidden()
    assert "Always allow" in page.allowed_hint.text()
    assert not page.revoke_button.isEnabled()
    settings.always_allowed_tools = ["read_text_file"]
    page.load(settings)
    assert page.allowed_hint.isHidden() and not page.allowed.isHidden()
    page.allowed.setCurrentRow(0)
    qtbot.mouseClick(page.revoke_button, LEFT)
    assert not page.allowed_hint.isHidden()
