"""Inspector, live instruction edits, tool approvals (also across a restart), first-run setup.

Agents, teams and MCP servers: ``test_teams_view.py``."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox

from tests.scripted_server import calls, text
from tests.ui.helpers import Harness, items, send, start_app, stop_app, wait_idle
from threadline.ui.chat.edit_arguments import EditArgumentsDialog


def test_instruction_edited_mid_run_reaches_the_next_request(app: Harness, qtbot: Any) -> None:
    gate = threading.Event()
    first = calls(("current_time", "{}"))
    first.hold = gate
    app.server.script(first, text("It is late."))
    send(app, qtbot, "what time is it?")
    qtbot.waitUntil(lambda: len(app.server.requests) == 1, timeout=10000)
    editor = app.window.settings_panel.instruction
    editor.setPlainText("Answer like a pirate.")
    qtbot.mouseClick(app.window.settings_panel.apply_button, Qt.MouseButton.LeftButton)
    gate.set()
    qtbot.waitUntil(
        lambda: any(i.text == "It is late." and i.event_id for i in items(app)), timeout=5000
    )
    wait_idle(app, qtbot)
    systems = [r["messages"][0]["content"] for r in app.server.requests]
    assert systems[1] == "Answer like a pirate." and systems[0] != systems[1]
    # The timeline marks the change, the inspector records the version per request.
    assert any(i.kind == "note" and "v2" in i.text for i in items(app))
    requests = app.window.inspector.requests
    versions = [requests.item(r, 3).text() for r in range(requests.rowCount())]
    assert versions == ["v1", "v2"]
    history = app.window.settings_panel.history
    assert history.count() == 2 and history.item(0).text().startswith("v2")


def test_inspector_shows_tool_call_and_exact_request(app: Harness, qtbot: Any) -> None:
    app.server.script(calls(("calculator", '{"expression": "2**10"}')), text("1024"))
    send(app, qtbot, "2^10?")
    qtbot.waitUntil(lambda: any(i.text == "1024" and i.event_id for i in items(app)), timeout=5000)
    wait_idle(app, qtbot)
    inspector = app.window.inspector
    assert inspector.calls.rowCount() == 1
    assert [inspector.calls.item(0, c).text() for c in (0, 1)] == ["calculator", "ok"]
    inspector.calls_view.setCurrentIndex(inspector.calls.index(0, 0))
    detail = inspector.call_detail.toPlainText()
    assert '"expression": "2**10"' in detail and "1024" in detail
    inspector.select_request(0)
    qtbot.waitUntil(lambda: "Request:" in inspector.request_detail.toPlainText(), timeout=3000)
    shown = inspector.request_detail.toPlainText()
    request_json = shown.split("Request:\n", 1)[1].split("\n\nResponse:", 1)[0]
    sent = json.loads(request_json)
    assert sent["messages"] == app.server.requests[0]["messages"]
    assert [t["function"]["name"] for t in sent["tools"]] == [
        t["function"]["name"] for t in app.server.requests[0]["tools"]
    ]
    assert '"usage"' in shown
    assert "calculator" in inspector.event_log.toPlainText()


def _approval_items(app: Harness) -> list[Any]:
    return [i for i in items(app) if i.kind == "approval"]


def test_approve_deny_and_edit_arguments(app: Harness, qtbot: Any, tmp_path: Path) -> None:
    secret = tmp_path / "notes.txt"
    secret.write_text("the launch code is 1234", encoding="utf-8")
    other = tmp_path / "other.txt"
    other.write_text("edited target", encoding="utf-8")
    app.server.script(
        calls(("read_text_file", json.dumps({"path": str(secret)}))),
        text("Read it."),
        calls(("read_text_file", json.dumps({"path": "/etc/shadow"}))),
        text("Fine, I will not."),
        calls(("read_text_file", json.dumps({"path": "/wrong"}))),
        text("Done."),
    )
    send(app, qtbot, "read my notes")
    qtbot.waitUntil(lambda: len(_approval_items(app)) == 1, timeout=5000)
    wait_idle(app, qtbot)
    card = _approval_items(app)[0]
    assert card.status == "pending" and str(secret) in card.text
    assert len(app.server.requests) == 1  # nothing runs before a decision
    app.window.chat.item_action.emit("approve", card)
    qtbot.waitUntil(
        lambda: any(i.text == "Read it." and i.event_id for i in items(app)), timeout=5000
    )
    wait_idle(app, qtbot)
    assert app.server.requests[1]["messages"][-1]["content"] == "the launch code is 1234"

    send(app, qtbot, "now read the shadow file")
    qtbot.waitUntil(lambda: len(_approval_items(app)) == 2, timeout=5000)
    wait_idle(app, qtbot)
    inspector = app.window.inspector
    row = next(
        r
        for r in range(inspector.calls.rowCount())
        if inspector.calls.item(r, 1).text() == "awaiting approval"
    )
    done = next(r for r in range(inspector.calls.rowCount()) if r != row)
    inspector.calls_view.setCurrentIndex(inspector.calls.index(done, 0))
    assert not inspector.deny_button.isVisibleTo(inspector)  # nothing to decide on that call
    inspector.calls_view.setCurrentIndex(inspector.calls.index(row, 0))
    assert inspector.deny_button.isEnabled() and inspector.deny_button.isVisibleTo(inspector)
    qtbot.mouseClick(inspector.deny_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: any(i.text == "Fine, I will not." and i.event_id for i in items(app)), timeout=5000
    )
    wait_idle(app, qtbot)
    assert "denied by the user" in app.server.requests[3]["messages"][-1]["content"]

    send(app, qtbot, "read something")
    qtbot.waitUntil(lambda: len(_approval_items(app)) == 3, timeout=5000)
    wait_idle(app, qtbot)
    app.window.chat.item_action.emit("edit-args", _approval_items(app)[-1])
    dialog = app.window.findChild(EditArgumentsDialog)
    assert dialog is not None and dialog.isVisible()
    dialog.editor.setPlainText("{not json")
    ok = dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok)
    qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
    assert "Not valid JSON" in dialog.error.text() and dialog.isVisible()
    dialog.editor.setPlainText(json.dumps({"path": str(other)}))
    qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: any(i.text == "Done." and i.event_id for i in items(app)), timeout=5000)
    assert app.server.requests[5]["messages"][-1]["content"] == "edited target"


def test_pending_approval_survives_a_restart(
    qtbot: Any, qloop: Any, server: Any, tmp_path: Path
) -> None:
    target = tmp_path / "a.txt"
    target.write_text("alpha", encoding="utf-8")
    server.script(calls(("read_text_file", json.dumps({"path": str(target)}))), text("Got alpha."))
    folder = tmp_path / "data"
    first = start_app(qtbot, folder, server)
    try:
        send(first, qtbot, "read a")
        qtbot.waitUntil(lambda: len(_approval_items(first)) == 1, timeout=5000)
        wait_idle(first, qtbot)
    finally:
        stop_app(qtbot, first)

    second = start_app(qtbot, folder, server)
    try:
        qtbot.waitUntil(lambda: len(_approval_items(second)) == 1, timeout=5000)
        card = _approval_items(second)[0]
        assert card.status == "pending"
        second.window.chat.item_action.emit("approve", card)
        qtbot.waitUntil(
            lambda: any(i.text == "Got alpha." and i.event_id for i in items(second)), timeout=5000
        )
        wait_idle(second, qtbot)
        assert server.requests[-1]["messages"][-1]["content"] == "alpha"
        # Reopened once more, the decided card is history, not pending.
        assert _approval_items(second)[0].status == "approved"
    finally:
        stop_app(qtbot, second)
    assert first.errors == [] and second.errors == []


def test_always_allow_is_remembered_and_revocable(app: Harness, qtbot: Any, tmp_path: Path) -> None:
    target = tmp_path / "b.txt"
    target.write_text("beta", encoding="utf-8")
    args = json.dumps({"path": str(target)})
    app.server.script(
        calls(("read_text_file", args)), text("one"), calls(("read_text_file", args)), text("two")
    )
    send(app, qtbot, "read b")
    qtbot.waitUntil(lambda: len(_approval_items(app)) == 1, timeout=5000)
    wait_idle(app, qtbot)
    app.window.chat.item_action.emit("always", _approval_items(app)[0])
    qtbot.waitUntil(lambda: any(i.text == "one" and i.event_id for i in items(app)), timeout=5000)
    wait_idle(app, qtbot)
    send(app, qtbot, "again")
    qtbot.waitUntil(lambda: any(i.text == "two" and i.event_id for i in items(app)), timeout=5000)
    assert len(_approval_items(app)) == 1  # not asked the second time
    assert app.window.settings_panel.allowed.count() == 1
    app.window.settings_panel.allowed.setCurrentRow(0)
    qtbot.mouseClick(app.window.settings_panel.revoke_button, Qt.MouseButton.LeftButton)
    assert app.services.settings.always_allowed_tools == []


def test_first_run_setup_lists_models(app: Harness, qtbot: Any) -> None:
    dialog = app.window.open_setup()
    form = dialog.form
    form.preset.setCurrentIndex(form.preset.count() - 1)  # custom URL
    form.base_url.setText(app.server.base_url)
    qtbot.mouseClick(form.test_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Connected" in form.status.text(), timeout=5000)
    assert [form.model.itemText(i) for i in range(form.model.count())] == [
        "scripted-large",
        "scripted-small",
    ]
    form.base_url.setText("http://127.0.0.1:9/v1")
    qtbot.mouseClick(form.test_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Could not reach" in form.status.text(), timeout=15000)
    dialog.reject()


def test_settings_show_the_provider_saved_in_first_run_setup(app: Harness, qtbot: Any) -> None:
    panel_form = app.window.settings_panel.provider
    dialog = app.window.open_setup()
    form = dialog.form
    form.preset.setCurrentIndex(form.preset.count() - 1)  # custom URL
    form.base_url.setText("http://127.0.0.1:4321/v1")
    form.model.setCurrentText("picked-in-setup")
    dialog.accept()
    qtbot.waitUntil(lambda: panel_form.base_url.text() == "http://127.0.0.1:4321/v1")
    assert panel_form.model.currentText() == "picked-in-setup"
    assert app.services.settings.provider.model == "picked-in-setup"
    # Saving from Settings now keeps what setup chose instead of the defaults shown before.
    assert panel_form.provider().base_url == "http://127.0.0.1:4321/v1"


def test_the_provider_form_offers_the_one_list_of_presets(app: Harness, qtbot: Any) -> None:
    from threadline.presets import PROVIDER_PRESETS

    form = app.window.settings_panel.provider
    labels = [form.preset.itemText(i) for i in range(form.preset.count())]
    assert labels[:-1] == [p.label for p in PROVIDER_PRESETS.values()]
    assert labels[-1] == "Custom OpenAI-compatible URL"
    form.preset.setCurrentIndex(labels.index("Ollama"))
    assert form.base_url.text() == "http://localhost:11434/v1"
    assert form.model.currentText() == "llama3.2"
