"""File → Import with a ChatGPT export: the notice says how much came in, the sidebar shows the
edits and regenerations as branches under their conversation, and each opens."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QModelIndex
from PySide6.QtWidgets import QFileDialog

from tests.ui.helpers import Harness, items
from threadline.ui.sidebar.tree import SESSION_ID_ROLE

FIXTURES = Path(__file__).parent.parent / "fixtures"


def test_a_chatgpt_export_shows_its_branches_under_the_conversation(
    app: Harness, qtbot: Any, tmp_path: Path
) -> None:
    path = tmp_path / "conversations.json"
    path.write_bytes((FIXTURES / "chatgpt_conversations.json").read_bytes())
    app.window.import_action.trigger()  # File → Import conversation…
    dialog = app.window.findChildren(QFileDialog)[-1]
    assert dialog.nameFilters() == [
        "Threadline JSON (*.json)",
        "ChatGPT or Claude export (conversations.json)",
        "All files (*)",
    ]
    dialog.selectFile(str(path))
    dialog.accept()
    banner = app.window.chat.banner
    qtbot.waitUntil(lambda: banner.text().startswith("Imported"), timeout=5000)
    assert banner.text() == (
        "Imported 2 conversations and 2 branches from conversations.json (a ChatGPT export)."
        " 1 empty conversation left out."
    )

    # The conversation ChatGPT showed last is open, in the order the user saw it.
    qtbot.waitUntil(lambda: app.window.windowTitle() == "Weekend in Lisbon — Threadline")
    shown = [(i.kind, i.text) for i in items(app)]
    assert shown[0] == ("user", "Plan a weekend in Lisbon")
    assert shown[-1] == ("assistant", "Yes, that is the 28E: it goes up to Graça.")
    assert len(shown) == 6

    model = app.window.tree_model
    titles = [model.index(row, 0).data() for row in range(model.rowCount())]
    assert titles == ["Weekend in Lisbon", "Sorting dicts in Python"]  # newest first
    lisbon = model.index(0, 0)
    labels = [model.index(row, 0, lisbon).data() for row in range(model.rowCount(lisbon))]
    # Each branch is labelled by the message it shares with the conversation.
    assert sorted(labels) == [
        "↳ Day 1: Alfama and the castle. Day 2: Be…",
        "↳ What about food on a budget?",
    ]
    assert model.rowCount(model.index(1, 0)) == 0

    edited = next(
        model.index(row, 0, lisbon)
        for row in range(model.rowCount(lisbon))
        if model.index(row, 0, lisbon).data().startswith("↳ Day 1")
    )
    assert edited.parent() == lisbon and edited.parent() != QModelIndex()
    branch_id = model.data(edited, SESSION_ID_ROLE)
    app.parts.sessions.open_session(branch_id)
    qtbot.waitUntil(lambda: any(i.text == "What about food?" for i in items(app)), timeout=5000)
    assert [i.text for i in items(app)][-2:] == [
        "What about food?",
        "Try pastéis de nata in Belém.",
    ]
