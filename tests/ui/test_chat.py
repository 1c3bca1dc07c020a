"""The window driven as a user drives it: send, stream, stop, errors, branches, switching."""

from __future__ import annotations

import json
import sqlite3
import threading
from pathlib import Path
from typing import Any

from PySide6.QtCore import QPoint, Qt

from tests.scripted_server import Reply, text
from tests.ui.helpers import Harness, items, send, wait_idle
from threadline.app.timeline import ChatItem
from threadline.ui.chat import delegate as chat_delegate


def test_reply_streams_into_a_growing_bubble(app: Harness, qtbot: Any) -> None:
    gate = threading.Event()
    app.server.script(Reply(text=["Hello", " there", ", friend"], hold=gate))
    send(app, qtbot, "hi")
    qtbot.waitUntil(lambda: app.window.chat.stop_button.isEnabled(), timeout=3000)
    # Shown at once, before any reply; a quiet "Connecting…" row says the reply is coming.
    assert [i.kind for i in items(app)] == ["user", "note"] and items(app)[1].status == "waiting"
    qtbot.waitUntil(lambda: len(app.server.requests) == 1, timeout=3000)
    assert items(app)[0].event_id  # the saved event took its place
    gate.set()
    qtbot.waitUntil(lambda: any(i.text == "Hello there, friend" and i.event_id for i in items(app)))
    wait_idle(app, qtbot)
    reply = items(app)[-1]
    assert reply.author == "assistant" and reply.status == "" and "tokens" in reply.detail
    assert app.window.chat.composer.toPlainText() == ""
    tree = app.window.tree_model
    assert tree.rowCount() == 1 and tree.index(0, 0).data() == "hi"


def test_stop_keeps_the_partial_reply(app: Harness, qtbot: Any) -> None:
    app.server.script(Reply(text=["Partial ", "answer"] + [" more"] * 400, delay=0.01))
    send(app, qtbot, "long story please")
    qtbot.waitUntil(lambda: any("Partial answer" in i.text for i in items(app)), timeout=5000)
    qtbot.mouseClick(app.window.chat.stop_button, Qt.MouseButton.LeftButton)
    wait_idle(app, qtbot)
    reply = next(i for i in items(app) if i.kind == "assistant")
    assert reply.status == "interrupted" and reply.text.startswith("Partial answer")
    db = sqlite3.connect(app.services.folder / "threadline.db")
    stored = db.execute("SELECT text, tag FROM events WHERE role = 'assistant'").fetchall()
    assert stored[0][0].startswith("Partial answer") and stored[0][1] == "interrupted"


def test_errors_are_shown_and_nothing_is_lost(app: Harness, qtbot: Any) -> None:
    app.server.script(Reply(status=401))
    send(app, qtbot, "first question")
    qtbot.waitUntil(lambda: any(i.kind == "error" for i in items(app)), timeout=5000)
    error = next(i for i in items(app) if i.kind == "error")
    assert "API key" in error.text and error.status == "auth"
    wait_idle(app, qtbot)
    app.server.script(Reply(text=["Kept ", "this"], cut_after=3))
    send(app, qtbot, "second question")
    qtbot.waitUntil(lambda: sum(i.kind == "error" for i in items(app)) == 2, timeout=5000)
    wait_idle(app, qtbot)
    kinds = [(i.kind, i.text) for i in items(app)]
    assert ("user", "first question") in kinds and ("user", "second question") in kinds
    assert ("assistant", "Kept this") in kinds
    # Retry runs the agent again on what is there.
    app.server.script(text("Recovered"))
    last_error = [i for i in items(app) if i.kind == "error"][-1]
    app.window.chat.item_action.emit("retry", last_error)
    qtbot.waitUntil(
        lambda: any(i.text == "Recovered" and i.event_id for i in items(app)), timeout=5000
    )
    wait_idle(app, qtbot)
    sent = app.server.requests[-1]["messages"]
    assert {"role": "user", "content": "second question"} in sent
    assert sent[-1] == {"role": "assistant", "content": "Kept this"}  # the model continues it


def test_server_error_500(app: Harness, qtbot: Any) -> None:
    app.server.default(lambda body: Reply(status=500, headers={"Retry-After": "0"}))
    send(app, qtbot, "hello")
    qtbot.waitUntil(lambda: any(i.kind == "error" for i in items(app)), timeout=15000)
    wait_idle(app, qtbot)
    assert "500" in next(i for i in items(app) if i.kind == "error").text
    assert len(app.server.requests) == 4  # three retries, then a clear error


def test_regenerate_and_edit_make_branches_in_the_sidebar(app: Harness, qtbot: Any) -> None:
    app.server.script(text("First answer"))
    send(app, qtbot, "Tell me a fact")
    qtbot.waitUntil(lambda: any(i.text == "First answer" and i.event_id for i in items(app)))
    wait_idle(app, qtbot)
    root_id = app.parts.sessions.current_session_id
    answer = next(i for i in items(app) if i.kind == "assistant")
    app.server.script(text("Second answer"))
    app.window.chat.item_action.emit("regen", answer)
    qtbot.waitUntil(
        lambda: any(i.text == "Second answer" and i.event_id for i in items(app)), timeout=5000
    )
    wait_idle(app, qtbot)
    regen_id = app.parts.sessions.current_session_id
    assert regen_id != root_id
    assert [i.text for i in items(app)] == ["Tell me a fact", "Second answer"]
    tree = app.window.tree_model
    root = tree.index_of(root_id or "")
    assert tree.rowCount(root) == 1 and tree.index(0, 0, root).data().startswith("↳")
    # Edit the user message: another branch, the original untouched.
    user_item = items(app)[0]
    app.window.chat.begin_edit(user_item)
    composer = app.window.chat.composer
    assert composer.textCursor().position() == len("Tell me a fact")  # goes on from the end
    app.window.chat.composer.setPlainText("Tell me a joke")
    app.server.script(text("A joke"))
    qtbot.mouseClick(app.window.chat.send_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: any(i.text == "A joke" and i.event_id for i in items(app)), timeout=5000
    )
    wait_idle(app, qtbot)
    assert [i.text for i in items(app)] == ["Tell me a joke", "A joke"]
    assert app.server.requests[-1]["messages"][-1] == {"role": "user", "content": "Tell me a joke"}
    # The message belongs to the conversation: its edit is a sibling of the branch it was
    # edited from, not nested under it.
    qtbot.waitUntil(lambda: tree.rowCount(tree.index_of(root_id or "")) == 2, timeout=3000)
    assert tree.rowCount(tree.index_of(regen_id or "")) == 0
    edit_id = app.parts.sessions.current_session_id or ""
    # Labelled by its own first words, not the reply before the fork.
    qtbot.waitUntil(lambda: tree.index_of(edit_id).data() == "↳ Tell me a joke", timeout=3000)
    assert app.window.tree_model.node(root_id or "").title == "Tell me a fact"
    # Switching back shows the original conversation, unchanged.
    app.window.sidebar.tree.setCurrentIndex(tree.index_of(root_id or ""))
    qtbot.waitUntil(
        lambda: [i.text for i in items(app)] == ["Tell me a fact", "First answer"], timeout=3000
    )


def test_branch_from_here_and_switching(app: Harness, qtbot: Any) -> None:
    app.server.script(text("one"), text("two"))
    send(app, qtbot, "a")
    qtbot.waitUntil(lambda: any(i.text == "one" and i.event_id for i in items(app)))
    wait_idle(app, qtbot)
    send(app, qtbot, "b")
    qtbot.waitUntil(lambda: any(i.text == "two" and i.event_id for i in items(app)))
    wait_idle(app, qtbot)
    first_reply = next(i for i in items(app) if i.text == "one")
    app.window.chat.item_action.emit("branch", first_reply)
    qtbot.waitUntil(lambda: [i.text for i in items(app)] == ["a", "one"], timeout=3000)
    branch_id = app.parts.sessions.current_session_id
    node = app.window.tree_model.node(branch_id or "")
    assert node is not None and node.fork_text == "one"
    assert app.window.sidebar.current_session() == branch_id


def test_new_conversation_and_trash_with_undo(app: Harness, qtbot: Any) -> None:
    app.server.script(text("ok"), text("ok"))
    send(app, qtbot, "alpha")
    qtbot.waitUntil(lambda: any(i.text == "ok" and i.event_id for i in items(app)))
    wait_idle(app, qtbot)
    qtbot.keyClick(app.window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    assert items(app) == []
    send(app, qtbot, "beta")
    qtbot.waitUntil(lambda: app.window.tree_model.rowCount() == 2, timeout=3000)
    wait_idle(app, qtbot)
    beta = app.parts.sessions.current_session_id
    app.window.sidebar.delete_requested.emit(beta)
    qtbot.waitUntil(lambda: app.window.tree_model.rowCount() == 1, timeout=3000)
    assert app.window.undo_button.isVisible()
    qtbot.mouseClick(app.window.undo_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: app.window.tree_model.rowCount() == 2, timeout=3000)


def test_search_filters_the_sidebar(app: Harness, qtbot: Any) -> None:
    app.server.script(text("Tides follow the moon."), text("Bread needs yeast."))
    send(app, qtbot, "ocean question")
    qtbot.waitUntil(lambda: any(i.event_id and i.kind == "assistant" for i in items(app)))
    wait_idle(app, qtbot)
    qtbot.keyClick(app.window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    send(app, qtbot, "kitchen question")
    qtbot.waitUntil(lambda: app.window.tree_model.rowCount() == 2)
    wait_idle(app, qtbot)
    qtbot.keyClick(app.window, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
    assert app.window.sidebar.search.hasFocus()
    qtbot.keyClicks(app.window.sidebar.search, "yeast")
    qtbot.waitUntil(lambda: app.window.tree_model.rowCount() == 1, timeout=3000)
    assert app.window.tree_model.index(0, 0).data() == "kitchen question"


def test_a_ten_megabyte_paste_is_sent_whole_and_shown_clipped(app: Harness, qtbot: Any) -> None:
    huge = ("λ any Unicode 😀 " * 700_000)[:10_000_000]
    app.server.script(text("Received."))
    app.window.chat.composer.setPlainText(huge)
    qtbot.mouseClick(app.window.chat.send_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: any(i.text == "Received." and i.event_id for i in items(app)), timeout=20000
    )
    wait_idle(app, qtbot)
    assert app.server.requests[0]["messages"][-1]["content"] == huge
    mine = items(app)[0]
    assert mine.text == huge and mine.event_id
    html = app.window.chat.delegate._html(mine)
    assert "more characters" in html and len(html) < 1_000_000  # drawn clipped, kept whole
    db = sqlite3.connect(app.services.folder / "threadline.db")
    assert db.execute("SELECT length(text) FROM events WHERE role = 'user'").fetchone()[0] == len(
        huge
    )


def test_export_and_import_from_the_file_menu(app: Harness, qtbot: Any, tmp_path: Path) -> None:
    app.server.script(text("Exported answer ✓"))
    send(app, qtbot, "export me")
    qtbot.waitUntil(lambda: any(i.text == "Exported answer ✓" and i.event_id for i in items(app)))
    wait_idle(app, qtbot)
    for name in ("chat.md", "chat.json"):
        dialog = app.window._export()
        dialog.selectFile(str(tmp_path / name))
        dialog.accept()
        qtbot.waitUntil(lambda n=name: (tmp_path / n).exists(), timeout=3000)
    markdown = (tmp_path / "chat.md").read_text(encoding="utf-8")
    assert "**You:**" in markdown and "Exported answer ✓" in markdown
    # A name typed without an extension under the JSON filter is JSON, named .json.
    dialog = app.window._export()
    dialog.selectNameFilter("Threadline JSON (*.json)")
    dialog.selectFile(str(tmp_path / "typed"))
    dialog.accept()
    qtbot.waitUntil(lambda: (tmp_path / "typed.json").exists(), timeout=3000)
    assert json.loads((tmp_path / "typed.json").read_text(encoding="utf-8"))["events"]
    assert not (tmp_path / "typed.md").exists()
    before = app.window.tree_model.rowCount()
    dialog = app.window._import()
    dialog.selectFile(str(tmp_path / "chat.json"))
    dialog.accept()
    qtbot.waitUntil(lambda: app.window.tree_model.rowCount() == before + 1, timeout=3000)
    qtbot.waitUntil(lambda: [i.text for i in items(app)] == ["export me", "Exported answer ✓"])


def test_a_reloaded_item_never_gets_a_dropped_items_layout(
    app: Harness, qtbot: Any, monkeypatch: Any
) -> None:
    """CPython reuses a freed item's id() for a new one; a reload makes hundreds of items with
    the same revision and width. Here every item gets the same id, so reuse is certain."""
    monkeypatch.setattr(chat_delegate, "id", lambda item: 4242, raising=False)
    delegate = app.window.chat.delegate
    model = app.window.chat_model
    palette = app.window.chat.view.palette()
    old = ChatItem("assistant", "assistant", "the old reply", "e1")
    model.reset([old])
    assert "the old reply" in delegate.document(old, 400, palette).toPlainText()
    fresh = ChatItem("assistant", "assistant", "the new reply", "e2")
    model.reset([fresh])  # a reload
    assert "the new reply" in delegate.document(fresh, 400, palette).toPlainText()


def test_a_long_streamed_reply_keeps_its_end_in_view(app: Harness, qtbot: Any) -> None:
    gate = threading.Event()
    paragraphs = [f"Paragraph {n}: " + "words " * 40 + "\n\n" for n in range(60)]
    app.server.script(Reply(text=paragraphs, hold=gate))
    send(app, qtbot, "tell me a long story")
    gate.set()
    bar = app.window.chat.view.verticalScrollBar()
    qtbot.waitUntil(lambda: bar.maximum() > 0, timeout=5000)  # taller than the window
    qtbot.waitUntil(
        lambda: any(i.kind == "assistant" and i.event_id for i in items(app)), timeout=5000
    )
    wait_idle(app, qtbot)
    qtbot.waitUntil(lambda: bar.value() == bar.maximum())
    app.server.script(Reply(text=paragraphs, delay=0.005))
    send(app, qtbot, "another one")
    qtbot.waitUntil(lambda: app.parts.chat.is_running(app.parts.sessions.current_session_id))
    bar.setValue(0)  # the reader scrolls up to reread: the growing reply must not pull them
    wait_idle(app, qtbot)
    assert bar.value() == 0 and bar.maximum() > 0


def test_a_long_conversation_opens_at_its_end_and_loads_earlier_messages_upwards(
    app: Harness, qtbot: Any
) -> None:
    from threadline.app.conversations import OLDER_ROWS, OPEN_ROWS
    from threadline.core.events import Event, Message
    from threadline.ui.chat.model import OLDER_BATCH, WINDOW

    store = app.services.store
    total = OPEN_ROWS + OLDER_ROWS + 10  # read from the store in three goes

    async def fill() -> None:
        session = await store.create_session("threadline", "local", "long")
        for n in range(total):
            role = "user" if n % 2 == 0 else "assistant"
            author = "user" if role == "user" else "assistant"
            await store.append_event(
                session, Event(author=author, message=Message(role=role, content=f"message {n}"))
            )

    app.run(qtbot, fill(), timeout=30000)
    app.parts.sessions.open_session("long")
    model, view = app.window.chat_model, app.window.chat.view
    qtbot.waitUntil(lambda: len(model.items()) == OPEN_ROWS, timeout=5000)  # the newest only
    assert model.rowCount() == WINDOW  # and only the latest of those are laid out
    assert model.item(model.rowCount() - 1).text == f"message {total - 1}"
    bar = view.verticalScrollBar()
    qtbot.waitUntil(lambda: not app.window.chat.first_frame.preparing)  # drawn
    assert bar.value() == bar.maximum() > 0
    first_shown = model.item(0).text
    bar.setValue(0)  # the reader scrolls to the top
    qtbot.waitUntil(lambda: model.rowCount() == WINDOW + OLDER_BATCH)
    top = view.indexAt(view.viewport().rect().topLeft() + QPoint(10, 10))
    assert model.item(top.row()).text == first_shown  # what they saw did not move
    while model.rowCount() < total:  # on up: rows in memory first, then from the store
        shown = model.rowCount()
        bar.setValue(0)
        qtbot.waitUntil(lambda: model.rowCount() > shown, timeout=5000)  # noqa: B023
    assert [i.text for i in model.items()] == [f"message {n}" for n in range(total)]
    assert bar.value() > 0  # the reader stays put
    bar.setValue(bar.maximum())  # back at the end, the earlier rows are let go again
    qtbot.waitUntil(lambda: model.rowCount() == WINDOW)
    qtbot.waitUntil(lambda: bar.value() == bar.maximum())


def test_a_conversation_goes_to_the_trash_with_its_branches_and_comes_back(
    app: Harness, qtbot: Any
) -> None:
    """Trashing a conversation takes its branches too (the first branch, same title, used to
    take its place: it looked as if nothing happened); File → Trash lists it once, with its
    branches, restores it whole, and Empty trash (asked twice) deletes it for good."""
    from threadline.ui.sidebar.trash_dialog import IDS_ROLE

    app.server.script(text("one"), text("two"))
    send(app, qtbot, "a question")
    qtbot.waitUntil(lambda: any(i.text == "one" and i.event_id for i in items(app)))
    wait_idle(app, qtbot)
    root = app.parts.sessions.current_session_id
    reply = next(i for i in items(app) if i.text == "one")
    app.window.chat.item_action.emit("regen", reply)  # a branch under it
    qtbot.waitUntil(lambda: any(i.text == "two" and i.event_id for i in items(app)), timeout=5000)
    wait_idle(app, qtbot)
    branch = app.parts.sessions.current_session_id
    assert root is not None and branch is not None and branch != root
    qtbot.waitUntil(lambda: app.window.tree_model.node(branch) is not None, timeout=3000)
    app.window.sidebar.delete_requested.emit(root)
    qtbot.waitUntil(lambda: app.window.tree_model.rowCount() == 0, timeout=3000)
    assert "and its 1 branch" in app.window.statusBar().currentMessage()

    dialog = app.window.open_trash()
    qtbot.waitUntil(lambda: dialog.list.count() == 1, timeout=3000)
    row = dialog.list.item(0)
    assert row.text().startswith("a question · 1 branch")
    assert row.data(IDS_ROLE)[0] == root and len(row.data(IDS_ROLE)) == 2
    qtbot.mouseClick(dialog.restore_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: app.window.tree_model.node(branch) is not None, timeout=3000)
    assert app.window.tree_model.node(root) is not None
    qtbot.waitUntil(lambda: dialog.list.count() == 0 and dialog.empty_label.isVisibleTo(dialog))

    app.window.sidebar.delete_requested.emit(root)
    qtbot.waitUntil(lambda: app.window.tree_model.rowCount() == 0, timeout=3000)
    app.window.open_trash()
    qtbot.waitUntil(lambda: dialog.list.count() == 1, timeout=3000)
    qtbot.mouseClick(dialog.empty_button, Qt.MouseButton.LeftButton)
    assert dialog.list.count() == 1 and "again" in dialog.empty_button.text()  # asked once more
    qtbot.mouseClick(dialog.empty_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.list.count() == 0, timeout=3000)
    assert app.window.tree_model.rowCount() == 0
    dialog.close()
