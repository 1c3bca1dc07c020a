"""The Agents page, the team picker and the MCP page, used the way a person uses them."""

from __future__ import annotations

import json
import sys
import threading
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox, QListWidget

from tests.scripted_server import calls, text
from tests.ui.helpers import Harness, items, send, start_app, stop_app, wait_idle
from threadline.app.mcp_servers import mcp_secret_name
from threadline.ui.chat.edit_arguments import EditArgumentsDialog

ENV_SERVER = Path(__file__).with_name("mcp_env_server.py")


def tick(checklist: QListWidget, names: list[str]) -> None:
    for row in range(checklist.count()):
        item = checklist.item(row)
        if item.text() in names:
            item.setCheckState(Qt.CheckState.Checked)


def define_agent(
    app: Harness,
    qtbot: Any,
    name: str,
    *,
    kind: str = "llm",
    instruction: str = "",
    model: str = "",
    tools: list[str] | None = None,
    sub_agents: list[str] | None = None,
) -> None:
    page = app.window.settings_panel.agents
    qtbot.waitUntil(page.isEnabled)  # the saved agents are loaded
    qtbot.mouseClick(page.new, Qt.MouseButton.LeftButton)
    page.name.setText(name)
    page.kind.setCurrentIndex(page.kind.findData(kind))
    page.description.setText(f"the {name} agent")
    page.instruction.setPlainText(instruction)
    if model:
        page.model.setCurrentText(model)
    tick(page.tools, tools or [])
    tick(page.sub_agents, sub_agents or [])
    qtbot.mouseClick(page.save, Qt.MouseButton.LeftButton)


def pick_team(app: Harness, name: str) -> None:
    picker = app.window.chat.team_picker
    index = picker.findText(name)
    assert index >= 0, f"{name} is not offered"
    picker.setCurrentIndex(index)
    picker.activated.emit(index)


def approvals(app: Harness) -> list[Any]:
    return [i for i in items(app) if i.kind == "approval"]


def approve_with_arguments(app: Harness, qtbot: Any, card: Any, arguments: dict[str, Any]) -> None:
    app.window.chat.item_action.emit("edit-args", card)
    dialog = app.window.findChild(EditArgumentsDialog)
    assert dialog is not None
    assert json.loads(dialog.editor.toPlainText()) == json.loads(card.data["arguments"])
    dialog.editor.setPlainText(json.dumps(arguments))
    ok = dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok)
    qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)


def test_coordinator_with_two_specialists_transfers_and_approvals_across_a_restart(
    qtbot: Any, qloop: Any, server: Any, tmp_path: Path
) -> None:
    alpha, beta = tmp_path / "alpha.txt", tmp_path / "beta.txt"
    alpha.write_text("alpha", encoding="utf-8")
    beta.write_text("beta", encoding="utf-8")
    folder = tmp_path / "data"
    first = start_app(qtbot, folder, server)
    try:
        page = first.window.settings_panel.agents
        qtbot.waitUntil(lambda: page.tools.count() >= 3, timeout=5000)  # built-in tools listed
        define_agent(
            first,
            qtbot,
            "files",
            instruction="You read files.",
            model="scripted-small",
            tools=["read_text_file"],
        )
        define_agent(first, qtbot, "poet", instruction="You write verse.")
        define_agent(
            first, qtbot, "lead", instruction="Route the work.", sub_agents=["files", "poet"]
        )
        assert [page.agents.item(r).text() for r in range(page.agents.count())] == [
            "files · LLM agent · scripted-small · tools: read_text_file",
            "poet · LLM agent · provider's model · no tools",
            "lead · LLM agent · provider's model · no tools · hands over to files, poet",
        ]
        qtbot.waitUntil(lambda: first.window.chat.team_picker.findText("lead") >= 0)
        picker = first.window.chat.team_picker
        assert picker.itemData(picker.findText("lead"), Qt.ItemDataRole.ToolTipRole) == (
            "the lead agent"
        )
        pick_team(first, "lead")

        server.script(
            calls(("transfer_to_agent", '{"agent_name": "files"}')),
            calls(("read_text_file", json.dumps({"path": "/wrong/guess.txt"}))),
            text("It says alpha."),
            calls(("read_text_file", json.dumps({"path": str(beta)}))),
        )
        send(first, qtbot, "what is in my file?")
        qtbot.waitUntil(lambda: len(approvals(first)) == 1, timeout=5000)
        wait_idle(first, qtbot)
        transfer = next(i for i in items(first) if i.kind == "transfer")
        assert transfer.text == "lead → files"
        assert first.window.chat.active_agent.text() == "· files has the conversation"
        lead_request, files_request = server.requests
        assert lead_request["model"] == "scripted-large"  # the provider's model
        assert lead_request["messages"][0]["content"] == "Route the work."
        assert files_request["model"] == "scripted-small"
        assert files_request["messages"][0]["content"] == "You read files."
        assert [t["function"]["name"] for t in files_request["tools"]] == [
            "read_text_file",
            "transfer_to_agent",
        ]
        card = approvals(first)[0]
        call = next(i for i in items(first) if i.kind == "tool" and i.call_id == card.call_id)
        assert call.status == "awaiting approval"
        approve_with_arguments(first, qtbot, card, {"path": str(alpha)})
        qtbot.waitUntil(
            lambda: any(i.text == "It says alpha." and i.event_id for i in items(first)),
            timeout=5000,
        )
        wait_idle(first, qtbot)
        assert server.requests[-1]["messages"][-1]["content"] == "alpha"
        assert call.data["edited"] and str(alpha) in call.text  # shows what really ran
        assert next(i for i in items(first) if i.text == "It says alpha.").author == "files"

        send(first, qtbot, "and the other one?")
        qtbot.waitUntil(lambda: len(approvals(first)) == 2, timeout=5000)
        wait_idle(first, qtbot)
    finally:
        stop_app(qtbot, first)

    second = start_app(qtbot, folder, server)
    try:
        qtbot.waitUntil(lambda: len(approvals(second)) == 2, timeout=5000)
        assert second.window.chat.team_picker.currentText() == "lead"
        assert second.window.chat.active_agent.text() == "· files has the conversation"
        card = approvals(second)[-1]
        assert card.status == "pending" and str(beta) in card.text
        call = next(i for i in items(second) if i.kind == "tool" and i.call_id == card.call_id)
        assert call.status == "awaiting approval"
        server.script(text("It says beta."))
        second.window.chat.item_action.emit("approve", card)
        qtbot.waitUntil(
            lambda: any(i.text == "It says beta." and i.event_id for i in items(second)),
            timeout=5000,
        )
        wait_idle(second, qtbot)
        assert server.requests[-1]["model"] == "scripted-small"  # still the files agent
        assert server.requests[-1]["messages"][-1]["content"] == "beta"
    finally:
        stop_app(qtbot, second)
    assert first.errors == [] and second.errors == []


def test_switching_team_mid_conversation_is_marked_and_used(app: Harness, qtbot: Any) -> None:
    define_agent(app, qtbot, "writer", instruction="You write.")
    define_agent(app, qtbot, "critic", instruction="You criticise.")
    define_agent(app, qtbot, "review", kind="chain", sub_agents=["writer", "critic"])
    app.server.script(text("Hello."))
    send(app, qtbot, "hi")
    qtbot.waitUntil(lambda: any(i.text == "Hello." and i.event_id for i in items(app)))
    wait_idle(app, qtbot)
    pick_team(app, "review")
    qtbot.waitUntil(lambda: any(i.text == "From here on review answers" for i in items(app)))
    assert app.window.chat.active_agent.isHidden()  # the leader itself has it
    app.server.script(text("A draft."), text("Too short."))
    send(app, qtbot, "write me a poem")
    qtbot.waitUntil(
        lambda: any(i.text == "Too short." and i.event_id for i in items(app)), timeout=5000
    )
    wait_idle(app, qtbot)
    writer_request, critic_request = app.server.requests[-2:]
    assert writer_request["messages"][0]["content"] == "You write."
    assert critic_request["messages"][0]["content"] == "You criticise."
    assert {"role": "user", "content": "[writer] said: A draft."} in critic_request["messages"]
    assert [i.author for i in items(app) if i.kind == "assistant"][-2:] == ["writer", "critic"]
    # New conversations start with the team picked last.
    qtbot.mouseClick(app.window.chat.send_button, Qt.MouseButton.LeftButton)
    app.window.new_action.trigger()
    assert app.window.chat.team_picker.currentText() == "review"


def test_agents_that_would_loop_are_refused_with_a_reason(app: Harness, qtbot: Any) -> None:
    define_agent(app, qtbot, "a")
    define_agent(app, qtbot, "b", sub_agents=["a"])
    page = app.window.settings_panel.agents
    page.agents.setCurrentRow(0)  # edit a: make it hand over to b, which hands over to a
    tick(page.sub_agents, ["b"])
    qtbot.mouseClick(page.save, Qt.MouseButton.LeftButton)
    banner = app.window.chat.banner
    qtbot.waitUntil(lambda: "goes round in a loop" in banner.text())
    saved = app.run(qtbot, app.services.store.get_setting("agents"))
    assert [a["sub_agents"] for a in saved] == [[], ["a"]]  # type: ignore[union-attr]
    assert page.agents.count() == 2


def test_mcp_server_with_a_secret_environment_and_a_tool_switched_off(
    app: Harness, qtbot: Any
) -> None:
    page = app.window.settings_panel.mcp
    page.name.setText("envy")
    page.command.setText(f"{sys.executable} {ENV_SERVER}")
    page.env.setPlainText("SECRET_TOKEN=tok-123")
    qtbot.mouseClick(page.add, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "connected" in page.servers.item(0).text(), timeout=20000)
    settings_file = (app.services.folder / "settings.json").read_text(encoding="utf-8")
    assert "SECRET_TOKEN" in settings_file and "tok-123" not in settings_file
    secret = app.run(qtbot, app.services.secrets.get(mcp_secret_name("envy", "SECRET_TOKEN")))
    assert secret == "tok-123"

    page.servers.setCurrentRow(0)
    assert page.env.toPlainText() == "SECRET_TOKEN=(in keyring)"  # the value is not shown
    assert [page.tools.item(r).text() for r in range(page.tools.count())] == [
        "env_value",
        "shout",
    ]
    page.tools.item(1).setCheckState(Qt.CheckState.Unchecked)
    tools = {t.name for t in app.services.agent.tools}
    assert "env_value" in tools and "shout" not in tools
    assert app.services.settings.mcp_servers[0].disabled_tools == ["shout"]
    assert "(1 off)" in page.servers.item(0).text()
    agents_page = app.window.settings_panel.agents
    offered = [agents_page.tools.item(r).text() for r in range(agents_page.tools.count())]
    assert "env_value" in offered and "shout" not in offered

    app.server.script(calls(("env_value", '{"name": "SECRET_TOKEN"}')), text("Found it."))
    send(app, qtbot, "what is my token?")
    qtbot.waitUntil(lambda: len(approvals(app)) == 1, timeout=5000)  # MCP tools ask first
    wait_idle(app, qtbot)
    assert "shout" not in [t["function"]["name"] for t in app.server.requests[-1]["tools"]]
    app.window.chat.item_action.emit("approve", approvals(app)[0])
    qtbot.waitUntil(
        lambda: any(i.text == "Found it." and i.event_id for i in items(app)), timeout=10000
    )
    wait_idle(app, qtbot)
    assert app.server.requests[-1]["messages"][-1]["content"] == "tok-123"

    page.servers.setCurrentRow(0)
    qtbot.mouseClick(page.remove, Qt.MouseButton.LeftButton)
    assert app.services.settings.mcp_servers == []
    qtbot.waitUntil(lambda: "env_value" not in {t.name for t in app.services.agent.tools})
    gone = app.run(qtbot, app.services.secrets.get(mcp_secret_name("envy", "SECRET_TOKEN")))
    assert gone is None


def test_an_agents_instruction_edited_mid_reply_reaches_its_next_request(
    app: Harness, qtbot: Any
) -> None:
    define_agent(app, qtbot, "clock", instruction="Tell the time.", tools=["current_time"])
    qtbot.waitUntil(lambda: app.window.chat.team_picker.findText("clock") >= 0)
    pick_team(app, "clock")
    gate = threading.Event()
    first = calls(("current_time", "{}"))
    first.hold = gate
    app.server.script(first, text("Arr, it be late."))
    send(app, qtbot, "what time is it?")
    qtbot.waitUntil(lambda: len(app.server.requests) == 1, timeout=3000)
    page = app.window.settings_panel.agents
    page.agents.setCurrentRow(0)
    page.instruction.setPlainText("Tell the time like a pirate.")
    qtbot.mouseClick(page.save, Qt.MouseButton.LeftButton)
    gate.set()
    qtbot.waitUntil(
        lambda: any(i.text == "Arr, it be late." and i.event_id for i in items(app)),
        timeout=5000,
    )
    wait_idle(app, qtbot)
    systems = [r["messages"][0]["content"] for r in app.server.requests]
    assert systems == ["Tell the time.", "Tell the time like a pirate."]


def test_an_mcp_server_that_cannot_start_says_why_and_breaks_nothing(
    app: Harness, qtbot: Any
) -> None:
    page = app.window.settings_panel.mcp
    page.name.setText("ghost")
    page.command.setText("/nonexistent/mcp-server --flag")
    qtbot.mouseClick(page.add, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "✕" in page.servers.item(0).text(), timeout=20000)
    status = page.servers.item(0).text()
    assert (
        status.startswith("ghost: ✕")
        and "/nonexistent/mcp-server" in status
        and "does not exist" in status
    )
    app.server.script(text("Still here."))
    send(app, qtbot, "hello?")
    qtbot.waitUntil(lambda: any(i.text == "Still here." and i.event_id for i in items(app)))
