"""A streamed reply's document grows in place and ends up as the whole reply rendered at once."""

from __future__ import annotations

from typing import Any

from PySide6.QtGui import QTextDocument

from threadline.app.markdown import render_block
from threadline.ui.chat.stream_doc import StreamingDocument

HEADER = '<table width="100%"><tr><td><b>assistant</b></td></tr></table>'
REPLY = (
    "First paragraph.\n\nSecond paragraph with **bold**.\n\n- one\n- two\n\n"
    "```python\nprint(42)\n```\n\nLast words."
)


def test_streamed_paragraphs_stay_apart_like_the_reply_rendered_whole(qapp: Any) -> None:
    streamed = QTextDocument()
    stream = StreamingDocument(streamed, HEADER)
    for end in range(1, len(REPLY) + 1, 3):  # about one token at a time
        stream.update(REPLY[:end])
    stream.update(REPLY)
    whole = QTextDocument()
    whole.setHtml(HEADER + render_block(REPLY))
    lines = [line.strip() for line in streamed.toPlainText().splitlines() if line.strip()]
    assert lines == [line.strip() for line in whole.toPlainText().splitlines() if line.strip()]
    assert "First paragraph." in lines and "Second paragraph with bold." in lines
