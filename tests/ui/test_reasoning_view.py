"""A model that thinks first: "Thinking…" while only reasoning streams, then a closed "Thought
for N s" block above the reply that opens on click; kept when reopened, never sent back."""

from __future__ import annotations

from typing import Any

from tests.scripted_server import Reply, text
from tests.ui.helpers import Harness, items, send, wait_idle
from threadline.app.timeline import ChatItem
from threadline.ui.chat.delegate import thinking_html


def test_reasoning_streams_into_a_thinking_block(app: Harness, qtbot: Any) -> None:
    app.server.script(
        Reply(reasoning=["The user greets me. ", "I should greet back."], text=["Hello", " there!"])
    )
    send(app, qtbot, "hi")
    qtbot.waitUntil(lambda: any(i.text == "Hello there!" and i.event_id for i in items(app)))
    wait_idle(app, qtbot)
    reply = next(i for i in items(app) if i.kind == "assistant")
    assert reply.data["reasoning"] == "The user greets me. I should greet back."
    html = app.window.chat.delegate._html(reply)
    assert "▸ Thought for" in html and "I should greet back" not in html  # closed
    app.window.chat.item_action.emit("thinking", reply)
    assert "▾ Thought for" in app.window.chat.delegate._html(reply)
    assert "I should greet back." in app.window.chat.delegate._html(reply)
    # The next request carries the reply, never its reasoning.
    app.server.script(text("Bye."))
    send(app, qtbot, "bye")
    qtbot.waitUntil(lambda: any(i.text == "Bye." for i in items(app)))
    wait_idle(app, qtbot)
    sent = app.server.requests[1]["messages"]
    assert all("greet back" not in str(m.get("content")) for m in sent)
    assert all("reasoning" not in m and "reasoning_content" not in m for m in sent)
    # Reopened from the file, the block is still there.
    sid = app.parts.sessions.current_session_id or ""
    app.parts.sessions.new_session()
    app.parts.sessions.open_session(sid)
    qtbot.waitUntil(lambda: any(i.kind == "assistant" for i in items(app)))
    again = next(i for i in items(app) if i.kind == "assistant")
    assert again.data["reasoning"] == "The user greets me. I should greet back."
    assert "Thought for" in app.window.chat.delegate._html(again)


def test_while_only_reasoning_streams_it_says_thinking() -> None:
    item = ChatItem("assistant", "assistant", "", status="streaming")
    item.data["reasoning"] = "weighing the options " * 30
    html = thinking_html(item)
    assert "Thinking…" in html and "weighing the options" in html
    assert len(html) < 600  # only the latest words while it thinks
    item.text = "The answer"
    item.data["reasoning_ms"] = 12_400
    assert "Thought for 12 s" in thinking_html(item)
