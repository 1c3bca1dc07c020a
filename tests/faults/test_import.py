"""Importing a file: one transaction (whole or nothing), and a plain reason for every bad file,
through the real window's File → Import."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.scripted_server import text
from tests.ui.helpers import Harness, items, wait_idle


def exported(app: Harness, qtbot: Any, tmp_path: Path) -> dict[str, Any]:
    app.server.script(text("an answer to keep"))
    app.window.chat.composer.setPlainText("a question\nover two lines")  # Shift+Enter's line
    app.window.chat.send_current()
    qtbot.waitUntil(lambda: any(i.text == "an answer to keep" and i.event_id for i in items(app)))
    wait_idle(app, qtbot)
    target = tmp_path / f"good-{len(list(tmp_path.glob('good-*')))}.json"  # a new name: no
    dialog = app.window._export()  # "replace it?" question
    dialog.selectFile(str(target))
    dialog.accept()
    banner = app.window.chat.banner
    qtbot.waitUntil(lambda: banner.text().startswith("Exported to"), timeout=3000)
    data: dict[str, Any] = json.loads(target.read_text(encoding="utf-8"))
    return data


def import_file(app: Harness, qtbot: Any, path: Path) -> str:
    banner = app.window.chat.banner
    banner.setText("")
    dialog = app.window._import()
    dialog.selectFile(str(path))
    dialog.accept()
    qtbot.waitUntil(lambda: "import" in banner.text(), timeout=3000)
    return banner.text()


FIXTURES = Path(__file__).parent.parent / "fixtures"
# ChatGPT and Claude exports import (tests/app/test_foreign_import.py); these hold no message.
EMPTY_CHATGPT = [{"title": "Hi", "create_time": 1.0, "mapping": {}, "current_node": "x"}]
EMPTY_CLAUDE = [{"uuid": "u", "name": "Hi", "chat_messages": []}]
USERS = [{"uuid": "u", "full_name": "Ada", "email_address": "ada@example.com"}]  # users.json


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (json.dumps(USERS), "This JSON file is not a conversation export Threadline knows"),
        (json.dumps([]), "there is no conversation in it"),
        (json.dumps(EMPTY_CHATGPT), "This ChatGPT export has no messages to import"),
        (json.dumps(EMPTY_CLAUDE), "This Claude export has no messages to import"),
        ("{not json", "This file is not JSON"),
        ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
        (json.dumps({"hello": "world"}), "not a Threadline export"),
        (json.dumps({"format": "threadline.session", "version": 7, "events": []}), "version 7"),
    ],
)
def test_a_file_of_another_kind_is_named_plainly(
    app: Harness, qtbot: Any, tmp_path: Path, content: str, reason: str
) -> None:
    path = tmp_path / "other.json"
    path.write_text(content, encoding="utf-8")
    before = app.window.tree_model.rowCount()
    message = import_file(app, qtbot, path)
    assert message.startswith("Nothing was imported from other.json:") and reason in message
    assert "Error" not in message.split(":", 1)[1]  # no exception class names
    assert app.window.tree_model.rowCount() == before


@pytest.mark.parametrize(
    ("fixture", "notice", "added"),
    [
        (
            "chatgpt_conversations.json",
            "Imported 2 conversations and 2 branches from conversations.json (a ChatGPT"
            " export). 1 empty conversation left out.",
            2,
        ),
        (
            "claude_conversations.json",
            "Imported 2 conversations from conversations.json (a Claude export).",
            2,
        ),
    ],
)
def test_chatgpt_and_claude_exports_import_and_say_how_much(
    app: Harness, qtbot: Any, tmp_path: Path, fixture: str, notice: str, added: int
) -> None:
    path = tmp_path / "conversations.json"
    path.write_bytes((FIXTURES / fixture).read_bytes())
    before = app.window.tree_model.rowCount()
    dialog = app.window._import()
    dialog.selectFile(str(path))
    dialog.accept()
    qtbot.waitUntil(lambda: app.window.chat.banner.text() == notice, timeout=5000)
    assert app.window.tree_model.rowCount() == before + added  # branches sit under their parent


def test_a_bad_event_imports_nothing_and_says_which(
    app: Harness, qtbot: Any, tmp_path: Path
) -> None:
    data = exported(app, qtbot, tmp_path)
    rows_before = app.window.tree_model.rowCount()
    del data["events"][1]["message"]["role"]
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps(data), encoding="utf-8")
    assert "Event 2 has a message with no role" in import_file(app, qtbot, broken)

    data = exported(app, qtbot, tmp_path)
    data["events"].append(dict(data["events"][0]))  # the same id twice
    twice = tmp_path / "twice.json"
    twice.write_text(json.dumps(data), encoding="utf-8")
    assert "same id as event 1" in import_file(app, qtbot, twice)
    assert app.window.tree_model.rowCount() == rows_before  # no half-imported session


def test_the_store_refusing_mid_import_leaves_nothing(
    app: Harness, qtbot: Any, tmp_path: Path
) -> None:
    data = exported(app, qtbot, tmp_path)
    good = tmp_path / "again.json"
    good.write_text(json.dumps(data), encoding="utf-8")
    store = app.services.store
    # A trigger that fails on the last event's insert: the whole import must roll back.
    last = data["events"][-1]["id"]
    app.run(
        qtbot,
        store._call(
            lambda db: db.execute(
                "CREATE TEMP TRIGGER refuse BEFORE INSERT ON events WHEN new.id = "
                f"'{last}' BEGIN SELECT RAISE(ABORT, 'disk I/O error'); END"
            )
        ),
    )
    sessions_before = app.run(
        qtbot, store._call(lambda db: db.execute("SELECT count(*) FROM sessions").fetchone()[0])
    )
    message = import_file(app, qtbot, good)
    assert message.startswith("Nothing was imported from again.json")
    count = app.run(
        qtbot, store._call(lambda db: db.execute("SELECT count(*) FROM sessions").fetchone()[0])
    )
    assert count == sessions_before
    app.run(qtbot, store._call(lambda db: db.execute("DROP TRIGGER refuse")))
    before = app.window.tree_model.rowCount()
    dialog = app.window._import()
    dialog.selectFile(str(good))
    dialog.accept()
    qtbot.waitUntil(lambda: app.window.tree_model.rowCount() == before + 1, timeout=3000)
    node = app.window.tree_model.node(app.parts.sessions.current_session_id or "")
    assert node is not None and "\n" not in node.title  # titles are one line
    assert node.title == "a question over two lines"


def test_a_title_with_newlines_stays_one_line_in_the_markdown_heading(
    app: Harness, qtbot: Any, tmp_path: Path
) -> None:
    exported(app, qtbot, tmp_path)
    sid = app.parts.sessions.current_session_id or ""
    app.parts.sessions.rename(sid, "first line\nsecond line")
    qtbot.waitUntil(
        lambda: (
            app.run(qtbot, app.services.store.get_meta("threadline", "local", sid)).title
            == "first line second line"
        )
    )
    target = tmp_path / "t.md"
    app.parts.sessions.export_current(str(target))
    qtbot.waitUntil(target.exists, timeout=3000)
    assert target.read_text(encoding="utf-8").splitlines()[0] == "# first line second line"
