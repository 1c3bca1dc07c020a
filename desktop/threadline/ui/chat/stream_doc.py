"""A rich-text document that grows with a streamed reply without being rebuilt.

Re-setting the whole HTML of a long reply every 30 ms costs tens of milliseconds of parsing and
layout on the GUI thread. Here finished Markdown blocks are appended once and only the block
still being written is replaced, so each update costs about the same at 100 or 50,000 characters.
"""

from __future__ import annotations

from PySide6.QtGui import QTextCursor, QTextDocument

from threadline.app.markdown import render_block, split_stable


class StreamingDocument:
    """Header, finished blocks, growing tail; ``update`` with the text so far."""

    def __init__(self, doc: QTextDocument, header_html: str, *, dark: bool = False) -> None:
        self.doc = doc
        from threadline.ui.chat.row_html import dark_body

        self._paint = dark_body if dark else _as_is  # the theme's colours for code and links
        self.header_html = header_html
        doc.setHtml(header_html)
        self._header_end = self._end()
        self._tail_start = self._header_end
        self._stable = ""
        self.text = ""

    def update(self, text: str) -> None:
        """Shows ``text``; cheap when it extends the previous text, free when it is the same
        (layout and painting both ask)."""
        if text == self.text:
            return
        stable, tail = split_stable(text)
        if not stable.startswith(self._stable):  # not a continuation: start the body again
            self._replace(self._header_end, "")
            self._tail_start, self._stable = self._header_end, ""
        cursor = self._select_from(self._tail_start)
        cursor.removeSelectedText()
        if len(stable) > len(self._stable):
            _insert_blocks(cursor, self._paint(render_block(stable[len(self._stable) :])))
            self._stable = stable
            self._tail_start = cursor.position()
        if tail.strip():
            _insert_blocks(cursor, self._paint(render_block(tail)))
        self.text = text

    def replace_header(self, header_html: str) -> None:
        """Swaps the header (status, usage, actions) when the stream ends."""
        self.header_html = header_html
        length_before = self._end()
        self._replace(0, header_html, end=self._header_end)
        shift = self._end() - length_before
        self._header_end += shift
        self._tail_start += shift

    def _replace(self, start: int, html: str, *, end: int | None = None) -> None:
        cursor = self._select_from(start, end)
        cursor.removeSelectedText()
        if html:
            cursor.insertHtml(html)

    def _select_from(self, start: int, end: int | None = None) -> QTextCursor:
        cursor = QTextCursor(self.doc)
        cursor.setPosition(start)
        if end is None:
            cursor.movePosition(QTextCursor.MoveOperation.End, QTextCursor.MoveMode.KeepAnchor)
        else:
            cursor.setPosition(end, QTextCursor.MoveMode.KeepAnchor)
        return cursor

    def _end(self) -> int:
        cursor = QTextCursor(self.doc)
        cursor.movePosition(QTextCursor.MoveOperation.End)
        return cursor.position()


def _insert_blocks(cursor: QTextCursor, html: str) -> None:
    """Inserts rendered blocks after the cursor's block, never into it.

    HTML inserted at the end of a non-empty block merges its first paragraph into that block
    ("one" + "two" shows as "one two"), and Qt then lays the whole document out again: each
    update would cost more the longer the reply. A fresh empty block avoids both.
    """
    if cursor.block().length() > 1:
        cursor.insertBlock()
    cursor.insertHtml(html)


def _as_is(html: str) -> str:
    return html
