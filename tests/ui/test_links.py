"""Links in replies: the web opens in the browser (plain http asks first), and a model can never
trigger an app action by writing an ``act:`` or ``copy:`` link. Single line breaks are kept."""

from __future__ import annotations

from typing import Any

from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QMessageBox

from tests.scripted_server import text
from tests.ui.helpers import FakeBrowser, Harness, items, send, wait_idle
from threadline.app.markdown import render_markdown


def test_single_line_breaks_stay_line_breaks() -> None:
    html = render_markdown("Roses are red,\nviolets are blue.")
    assert "Roses are red,<br" in html and "violets are blue." in html


def test_a_model_written_app_link_is_only_text() -> None:
    html = render_markdown(
        "[again](act:regen) [steal](copy:secret) [site](https://example.com) [x](javascript:1)"
    )
    for scheme in ("act:", "copy:", "javascript:"):
        assert f'href="{scheme}' not in html  # shown as the text the model wrote
    assert "[again](act:regen)" in html
    assert 'href="https://example.com"' in html


def test_links_open_in_the_browser_and_plain_http_asks_first(app: Harness, qtbot: Any) -> None:
    app.server.script(
        text("See [the docs](https://example.com/docs) or [old](http://example.org).")
    )
    send(app, qtbot, "where are the docs?")
    qtbot.waitUntil(lambda: any("the docs" in i.text and i.event_id for i in items(app)))
    wait_idle(app, qtbot)
    reply = next(i for i in items(app) if i.kind == "assistant")
    browser = FakeBrowser()
    for scheme in ("https", "http"):
        QDesktopServices.setUrlHandler(scheme, browser, "open")
    try:
        app.window.chat._on_link(reply, "https://example.com/docs")
        assert browser.opened == ["https://example.com/docs"]
        box = app.window.chat.open_link("http://example.org")
        assert isinstance(box, QMessageBox) and box.isVisible()
        assert "not a secure" in box.text() and browser.opened == ["https://example.com/docs"]
        box.accept()
        assert browser.opened == ["https://example.com/docs", "http://example.org"]
        before = len(app.server.requests)
        app.window.chat._on_link(reply, "https://example.com/act:regen")  # no app action
        assert len(app.server.requests) == before
    finally:
        for scheme in ("https", "http"):
            QDesktopServices.unsetUrlHandler(scheme)


def test_copy_says_it_copied(app: Harness, qtbot: Any) -> None:
    from PySide6.QtGui import QGuiApplication

    app.server.script(text("Run this:\n\n```sh\nmake test\n```\n"))
    send(app, qtbot, "how do I test?")
    qtbot.waitUntil(lambda: any("Run this" in i.text and i.event_id for i in items(app)))
    wait_idle(app, qtbot)
    reply = next(i for i in items(app) if i.kind == "assistant")
    html = app.window.chat.delegate._html(reply)
    assert 'href="copy:' in html  # the code block's own Copy link
    app.window.chat._on_link(reply, "copy:make%20test%0A")
    assert QGuiApplication.clipboard().text() == "make test\n"
    assert app.window.statusBar().currentMessage() == "Code copied to the clipboard"
    app.window.chat._on_link(reply, "act:copy")
    assert app.window.statusBar().currentMessage() == "Message copied to the clipboard"
