"""Attachments in the real window: the attach button, drag-and-drop, pasting an image or a huge
text (a chip, not megabytes in the editor), what the model receives, and what the chat shows."""

from __future__ import annotations

import base64
import time
from pathlib import Path
from typing import Any

from PySide6.QtCore import QMimeData, QUrl
from PySide6.QtGui import QColor, QGuiApplication, QImage

from tests.scripted_server import text
from tests.ui.helpers import Harness, items, wait_idle
from threadline.app.attachments import MAX_ATTACHMENTS, PASTE_LIMIT_CHARS


def red_square() -> QImage:
    image = QImage(8, 8, QImage.Format.Format_RGB32)
    image.fill(QColor("red"))
    return image


def test_attach_by_button_and_paste_then_send(app: Harness, qtbot: Any, tmp_path: Path) -> None:
    notes = tmp_path / "notes.md"
    notes.write_text("# Shopping\n- milk\n", encoding="utf-8")
    chat = app.window.chat
    dialog = chat.choose_files()
    dialog.selectFile(str(notes))
    dialog.accept()
    qtbot.waitUntil(lambda: len(chat.tray.attachments) == 1)

    mime = QMimeData()
    mime.setImageData(red_square())
    chat.composer.insertFromMimeData(mime)  # what Ctrl+V delivers (the offscreen clipboard
    # crashes PySide6 when it takes ownership of mime data)
    assert [a.name for a in chat.tray.attachments] == ["notes.md", "pasted image.png"]
    assert len(chat.tray.chips()) == 2 and chat.tray.isVisible()

    app.server.script(text("I see a red square and your list."))
    chat.composer.setPlainText("what is in these?")
    chat.send_current()
    qtbot.waitUntil(lambda: any(i.text.startswith("I see a red") for i in items(app)))
    wait_idle(app, qtbot)
    assert chat.tray.attachments == [] and not chat.tray.isVisible()
    sent = app.server.requests[0]["messages"][-1]
    assert sent["role"] == "user" and isinstance(sent["content"], list)
    kinds = [part["type"] for part in sent["content"]]
    assert "image_url" in kinds
    image_url = next(p for p in sent["content"] if p["type"] == "image_url")["image_url"]["url"]
    assert image_url.startswith("data:image/png;base64,")
    assert base64.b64decode(image_url.split(",", 1)[1]).startswith(b"\x89PNG")
    texts = " ".join(p.get("text", "") for p in sent["content"] if p["type"] == "text")
    assert "what is in these?" in texts and "- milk" in texts and "notes.md" in texts
    mine = next(i for i in items(app) if i.kind == "user")
    assert mine.detail.startswith("Attached: notes.md") and "pasted image.png" in mine.detail
    # Reopened from the file, the message still says what it carried.
    sid = app.parts.sessions.current_session_id or ""
    app.parts.sessions.new_session()
    app.parts.sessions.open_session(sid)
    qtbot.waitUntil(lambda: any(i.kind == "user" for i in items(app)))
    assert next(i for i in items(app) if i.kind == "user").detail == mine.detail


def test_a_huge_paste_becomes_a_text_attachment_at_once(app: Harness, qtbot: Any) -> None:
    chat = app.window.chat
    huge = "one very long line " * 600_000  # 11 MB on one line
    mime = QMimeData()
    mime.setText(huge)
    started = time.perf_counter()
    chat.composer.insertFromMimeData(mime)
    assert time.perf_counter() - started < 2  # never the 47 s Qt's own box takes
    assert chat.composer.toPlainText() == ""
    [pasted] = chat.tray.attachments
    assert pasted.name == "pasted text.txt" and pasted.data.decode() == huge
    QGuiApplication.clipboard().setText("short and sweet")
    chat.composer.paste()
    assert chat.composer.toPlainText() == "short and sweet"  # below the limit: plain text
    assert len("short and sweet") < PASTE_LIMIT_CHARS
    chat.tray.chips()[0].click()  # the chip's ✕ removes it
    qtbot.waitUntil(lambda: chat.tray.attachments == [])


def test_files_dropped_on_the_chat_are_attached_and_limits_are_said(
    app: Harness, qtbot: Any, tmp_path: Path
) -> None:
    chat = app.window.chat
    files = []
    for number in range(MAX_ATTACHMENTS + 1):
        path = tmp_path / f"f{number}.txt"
        path.write_text(f"file {number}", encoding="utf-8")
        files.append(path)
    chat.composer.offer_files(files[:2])
    assert [a.name for a in chat.tray.attachments] == ["f0.txt", "f1.txt"]
    chat.composer.offer_files(files[2:])  # one too many
    assert len(chat.tray.attachments) == 2
    assert f"at most {MAX_ATTACHMENTS} attachments" in chat.banner.text()
    chat.composer.offer_files([tmp_path])
    assert "is a folder" in chat.banner.text()
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(files[5]))])
    chat.composer.insertFromMimeData(mime)  # what a drop or a pasted file delivers
    assert [a.name for a in chat.tray.attachments] == ["f0.txt", "f1.txt", "f5.txt"]
