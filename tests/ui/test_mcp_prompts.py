"""MCP in the window (issue 10): elicitation forms and sampling requests in the chat, progress in
the tool card, images in the chat and the inspector, a dead server on the MCP page, namesakes on
the Agents page, and an empty reply. Against the real window, the scripted OpenAI server and the
reference server ``@modelcontextprotocol/server-everything`` (``tests/mcp_servers``)."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QLineEdit, QMessageBox

from tests.runner.mcp_servers import npm_server
from tests.scripted_server import calls, text
from tests.ui.helpers import FakeBrowser, Harness, items, send, wait_idle
from threadline.app.timeline import ChatItem
from threadline.ui.chat.elicitation_form import ElicitationForm
from threadline.ui.chat.images import ImageViewer
from threadline.ui.common.widgets import checked

PROBE = Path(__file__).parents[1] / "runner" / "mcp_stdio_server.py"
SHOTS = os.environ.get("THREADLINE_SHOTS")  # a folder: the tests save screenshots there


def add_server(app: Harness, qtbot: Any, name: str, command_line: str, tools: list[str]) -> None:
    """Adds an MCP server on the MCP page and waits until it is connected; ``tools`` run
    without asking (they are always allowed)."""
    page = app.window.settings_panel.mcp
    page.name.setText(name)
    page.command.setText(command_line)
    qtbot.mouseClick(page.add, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "● connected" in _status(app, name), timeout=30000)
    app.services.settings.always_allowed_tools.extend(tools)


def add_everything(app: Harness, qtbot: Any, tools: list[str]) -> None:
    config = npm_server("everything", "mcp-server-everything")  # skips without node
    add_server(app, qtbot, "everything", str(config.command), tools)


def _status(app: Harness, name: str) -> str:
    page = app.window.settings_panel.mcp
    for row in range(page.servers.count()):
        if page.servers.item(row).text().startswith(f"{name}:"):
            return str(page.servers.item(row).text())
    return ""


def kinds(app: Harness, kind: str) -> list[ChatItem]:
    return [i for i in items(app) if i.kind == kind]


def tool_item(app: Harness, name: str) -> ChatItem | None:
    return next((i for i in items(app) if i.kind == "tool" and name in i.text), None)


def shot(app: Harness, name: str) -> None:
    if SHOTS:
        app.window.chat.view.grab().save(str(Path(SHOTS) / name))


def test_an_elicitation_is_a_form_in_the_chat(app: Harness, qtbot: Any) -> None:
    tool = "trigger-elicitation-request"
    add_everything(app, qtbot, [tool])
    app.server.script(calls((tool, "{}")), text("Thanks, Ada."), calls((tool, "{}")), text("OK."))
    send(app, qtbot, "ask me for my details")
    qtbot.waitUntil(lambda: len(kinds(app, "elicitation")) == 1, timeout=10000)
    card = kinds(app, "elicitation")[0]
    assert card.status == "pending" and card.author == "everything"
    position = items(app).index(card)
    assert items(app)[position - 1] is tool_item(app, tool)  # where the tool call is
    form = app.window.prompt_cards.form_for(card)
    assert isinstance(form, ElicitationForm) and form.isVisible()
    name = form.findChild(QLineEdit, "field:name")
    assert name is not None
    labels = [w.text() for w in form.findChildren(type(form.error)) if w.text().endswith(" *")]
    assert labels == ["String *"]  # the required field is marked
    qtbot.waitUntil(lambda: app.window.chat.view.visualRect(_index(app, card)).height() > 300)
    shot(app, "elicitation-card.png")

    qtbot.mouseClick(form.accept_button, Qt.MouseButton.LeftButton)  # "name" is required
    assert form.error.isVisible() and "String is required" in form.error.text()
    assert card.status == "pending"
    qtbot.keyClicks(name, "Ada Lovelace")
    form.findChild(QLineEdit, "field:integer").setText("7")
    qtbot.mouseClick(form.accept_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: any(i.text == "Thanks, Ada." and i.event_id for i in items(app)), timeout=10000
    )
    wait_idle(app, qtbot)
    assert card.status == "accepted" and app.window.prompt_cards.form_for(card) is None
    result = app.server.requests[1]["messages"][-1]["content"]
    assert "Ada Lovelace" in result and '"integer": 7' in result
    assert "It was a dark and stormy night." in result  # a default is sent as shown

    send(app, qtbot, "again")
    qtbot.waitUntil(lambda: len(kinds(app, "elicitation")) == 2, timeout=10000)
    second = app.window.prompt_cards.form_for(kinds(app, "elicitation")[1])
    assert second is not None
    qtbot.mouseClick(second.decline_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: any(i.text == "OK." and i.event_id for i in items(app)), timeout=10000)
    assert "declined" in app.server.requests[3]["messages"][-1]["content"]
    assert kinds(app, "elicitation")[1].status == "declined"


def _index(app: Harness, item: ChatItem) -> Any:
    model = app.window.chat_model
    row = next(r for r in range(model.rowCount()) if model.item(r) is item)
    return model.index(row)


def test_a_url_elicitation_opens_after_confirmation(app: Harness, qtbot: Any) -> None:
    tool = "trigger-url-elicitation"
    add_everything(app, qtbot, [tool])
    address = "https://example.com/authorize?state=42"
    app.server.script(calls((tool, json.dumps({"url": address}))), text("Opened."))
    browser = FakeBrowser()
    QDesktopServices.setUrlHandler("https", browser, "open")
    try:
        send(app, qtbot, "log me in")
        qtbot.waitUntil(lambda: len(kinds(app, "elicitation")) == 1, timeout=10000)
        card = kinds(app, "elicitation")[0]
        assert card.data["mode"] == "url" and card.data["url"] == address
        html = app.window.chat.delegate._html(card)
        assert address.replace("&", "&amp;") in html and "act:elicit-open" in html
        app.window.chat.item_action.emit("elicit-open", card)
        box = app.window.prompt_cards.confirm
        assert isinstance(box, QMessageBox) and box.isVisible() and address in box.text()
        assert browser.opened == []  # nothing opens before the person confirms
        qtbot.mouseClick(box.button(QMessageBox.StandardButton.Open), Qt.MouseButton.LeftButton)
        qtbot.waitUntil(
            lambda: any(i.text == "Opened." and i.event_id for i in items(app)), timeout=10000
        )
    finally:
        QDesktopServices.unsetUrlHandler("https")
    assert browser.opened == [address]
    assert card.status == "accepted"
    assert "accept" in app.server.requests[1]["messages"][-1]["content"].lower()


def test_sampling_is_shown_then_runs_on_the_conversations_model(app: Harness, qtbot: Any) -> None:
    tool = "trigger-sampling-request"
    add_everything(app, qtbot, [tool])
    arguments = json.dumps({"prompt": "What is 6 times 7?", "maxTokens": 12})
    app.server.script(
        calls((tool, arguments)),
        text("42, said the model."),  # the sampling request itself
        text("It says 42."),
        calls((tool, arguments)),
        text("Not allowed, fine."),
    )
    send(app, qtbot, "ask the server to sample")
    qtbot.waitUntil(lambda: len(kinds(app, "sampling")) == 1, timeout=10000)
    card = kinds(app, "sampling")[0]
    html = app.window.chat.delegate._html(card)
    assert "everything" in html and "What is 6 times 7?" in html and "at most 12 tokens" in html
    assert card.data["model"] == "scripted-large"  # the conversation's model
    assert card.data["system_prompt"] in html  # the exact system prompt it wants to send
    assert len(app.server.requests) == 1  # nothing is sent before the person approves
    app.window.chat.item_action.emit("sample-approve", card)
    qtbot.waitUntil(
        lambda: any(i.text == "It says 42." and i.event_id for i in items(app)), timeout=10000
    )
    wait_idle(app, qtbot)
    sampled = app.server.requests[1]
    assert sampled["messages"][0] == {"role": "system", "content": card.data["system_prompt"]}
    assert "What is 6 times 7?" in json.dumps(sampled["messages"][1])
    assert sampled["max_tokens"] == 12 or sampled.get("max_completion_tokens") == 12
    assert "42, said the model." in app.server.requests[2]["messages"][-1]["content"]
    assert card.status == "approved"

    send(app, qtbot, "again")
    qtbot.waitUntil(lambda: len(kinds(app, "sampling")) == 2, timeout=10000)
    app.window.chat.item_action.emit("sample-deny", kinds(app, "sampling")[1])
    qtbot.waitUntil(
        lambda: any(i.text == "Not allowed, fine." and i.event_id for i in items(app)),
        timeout=10000,
    )
    assert "rejected" in app.server.requests[-1]["messages"][-1]["content"].lower()
    assert len(app.server.requests) == 5  # the denied request never reached the model


def test_progress_shows_in_the_running_tool_card(app: Harness, qtbot: Any) -> None:
    tool = "trigger-long-running-operation"
    add_everything(app, qtbot, [tool])
    app.server.script(calls((tool, '{"duration": 3, "steps": 3}')), text("Finished."))
    send(app, qtbot, "run the long operation")

    def progress() -> str:
        card = tool_item(app, tool)
        return str(card.data.get("progress", "")) if card is not None else ""

    qtbot.waitUntil(lambda: progress().startswith("step 2 of 3"), timeout=10000)
    card = tool_item(app, tool)
    assert card is not None and card.status == "running"
    assert progress() in app.window.chat.delegate._html(card)
    qtbot.waitUntil(
        lambda: any(i.text == "Finished." and i.event_id for i in items(app)), timeout=15000
    )
    assert card.status == "ok" and "progress" not in card.data  # gone once it finished


def test_an_image_result_shows_in_the_chat_and_the_inspector(app: Harness, qtbot: Any) -> None:
    tool = "get-tiny-image"
    add_everything(app, qtbot, [tool])
    app.server.script(calls((tool, "{}")), text("A tiny image."))
    send(app, qtbot, "show me an image")
    qtbot.waitUntil(
        lambda: any(i.text == "A tiny image." and i.event_id for i in items(app)), timeout=10000
    )
    card = tool_item(app, tool)
    assert card is not None
    (image,) = card.data["images"]
    assert image["ref"].startswith("sha256:") and image["mime"] == "image/png"
    cache = app.window.image_cache
    qtbot.waitUntil(lambda: cache.thumbnail(image["ref"]) is not None, timeout=5000)
    assert f'src="thumb:{image["ref"]}"' in app.window.chat.delegate._html(card)
    stored = app.run(qtbot, app.services.store.get_blob(image["ref"]))
    assert isinstance(stored, bytes) and len(stored) == image["size"]
    app.window.chat.scroll_to_end()
    shot(app, "image-in-chat.png")

    assert 'href="act:image:0"' in app.window.chat.delegate._html(card)
    app.window.chat.item_action.emit("image:0", card)  # what clicking the thumbnail emits
    viewer = app.window.findChild(ImageViewer)
    assert viewer is not None and viewer.isVisible() and not viewer.isModal()
    qtbot.waitUntil(
        lambda: viewer.image.pixmap() is not None and not viewer.image.pixmap().isNull()
    )
    size = cache.dimensions(image["ref"])
    assert size is not None and viewer.image.pixmap().size() == size  # full size, as stored
    viewer.close()

    app.window.panels.toggle_inspector.trigger()  # Ctrl+Shift+I: the inspector opens beside
    inspector = app.window.inspector
    assert app.window.inspector_dock.isVisible()
    row = next(
        r for r in range(inspector.calls.rowCount()) if inspector.calls.item(r).text() == tool
    )
    inspector.calls_view.setCurrentIndex(inspector.calls.index(row, 0))
    detail = inspector.call_detail.toPlainText()
    assert f"{size.width()}×{size.height()}" in detail and "image/png" in detail
    assert inspector.call_images.isVisible()

    # Reopened from the store: the light rows name the image; its bytes come by ref.
    sid = app.parts.sessions.current_session_id
    app.parts.sessions.new_session()
    qtbot.waitUntil(lambda: not items(app))
    app.parts.sessions.open_session(sid)
    qtbot.waitUntil(lambda: tool_item(app, tool) is not None, timeout=5000)
    reopened = tool_item(app, tool)
    assert reopened is not None and reopened.data["images"] == [image]


def test_a_dead_server_and_its_restarts_show_on_the_mcp_page(app: Harness, qtbot: Any) -> None:
    add_server(app, qtbot, "probe", f"{sys.executable} {PROBE}", ["exit_soon", "pid"])
    app.server.script(
        calls(("exit_soon", "{}")), text("It left."), calls(("pid", "{}")), text("Up.")
    )
    send(app, qtbot, "stop the server")
    qtbot.waitUntil(lambda: "died" in _status(app, "probe"), timeout=10000)
    assert "restarts on next use" in _status(app, "probe")
    assert "✕" in _status(app, "probe")
    wait_idle(app, qtbot)
    send(app, qtbot, "use it again")
    qtbot.waitUntil(lambda: "restarted 1 time" in _status(app, "probe"), timeout=10000)
    assert "● connected" in _status(app, "probe")

    # Its read_text_file shares a name with the built-in one: the Agents page names the server.
    agents = app.window.settings_panel.agents.tools
    labels = [agents.item(r).text() for r in range(agents.count())]
    assert "read_text_file (MCP server probe)" in labels and "read_text_file" in labels
    row = labels.index("read_text_file (MCP server probe)")
    agents.item(row).setCheckState(Qt.CheckState.Checked)
    assert "probe__read_text_file" in checked(agents)  # saved under the name the model sees


def test_an_empty_reply_says_so_in_the_window(app: Harness, qtbot: Any) -> None:
    app.server.script(text())
    send(app, qtbot, "say nothing")
    qtbot.waitUntil(lambda: bool(kinds(app, "error")), timeout=5000)
    wait_idle(app, qtbot)
    (error,) = kinds(app, "error")
    assert error.text == "The model returned no text." and error.status == "empty_reply"
    assert "The model returned no text." in app.window.chat.delegate._html(error)
    sid = app.parts.sessions.current_session_id
    rows = app.run(qtbot, app.services.store.load_rows(sid))  # stored, not only shown
    assert any('"code":"empty_reply"' in r.body for r in rows)
