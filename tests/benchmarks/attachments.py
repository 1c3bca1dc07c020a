"""A conversation with 20 images and 50 files, opened in a fresh app, and a reply streamed into
it beside the same reply in a conversation without attachments.

Figures: first paint and the longest GUI stall while opening (SPEC §4's open budgets), and the
streaming rate with attachments as a ratio of the rate without (attachments must add nothing
to the streaming path: the bytes are stored once and sent as parts, never re-encoded per chunk).
"""

from __future__ import annotations

import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from common import ROOT, report, report_abs

sys.path.insert(0, str(ROOT))
from PySide6.QtWidgets import QApplication
from ui_chat import StallMeter, _rss_mb, make_app, wait_for

from tests.scripted_server import Reply, ScriptedServer
from threadline.ui.common.qt import QEventLoop

IMAGES, FILES, CHUNKS, RUNS = 20, 50, 2000, 3

FILL = r"""
import sys, time
from pathlib import Path
from PySide6.QtCore import QBuffer, QByteArray, QIODevice
from PySide6.QtGui import QColor, QImage
import asyncio
from threadline.core.events import Event, FilePart, ImagePart, Message
from threadline.sessions import SQLiteSessionService

def png(n):
    image = QImage(1024, 768, QImage.Format.Format_RGB32)
    image.fill(QColor(40 + n * 9, 120, 200 - n * 7))
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    return bytes(data)

async def main(path, images, files):
    store = SQLiteSessionService(path)
    for sid in ("plain", "attached"):
        session = await store.create_session("threadline", "local", sid)
        for n in range(max(images, files)):
            parts = []
            if sid == "attached":
                if n < images:
                    parts.append(ImagePart(data=png(n), mime_type="image/png", name=f"photo{n}.png"))
                if n < files:
                    text = (f"line {n} of the notes file, with some words\n" * 400).encode()
                    parts.append(FilePart(data=text, mime_type="text/plain", name=f"notes{n}.txt"))
            user = Message(role="user", content=f"Look at these, number {n}", parts=parts)
            await store.append_event(session, Event(author="user", message=user))
            reply = Message(role="assistant", content=f"Seen {n}: " + "a fine picture. " * 20)
            await store.append_event(session, Event(author="assistant", message=reply))
    await store.aclose()

asyncio.run(main(Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])))
"""


async def open_and_stream(folder: Path, server: ScriptedServer) -> bool:
    window, app = make_app(folder, server.base_url)
    window.resize(1280, 800)
    await wait_for(lambda: window.tree_model.rowCount() >= 2 and app.warmed)
    opened: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    window.chat_model.modelReset.connect(lambda: opened.done() or opened.set_result(None))
    meter = StallMeter()
    meter.start()
    start = time.perf_counter()
    app.sessions.open_session("attached")
    await opened
    window.chat.view.viewport().repaint()
    first_paint = (time.perf_counter() - start) * 1000
    await asyncio.sleep(0.5)  # thumbnails decode and load meanwhile: timed by the meter
    stall = meter.stop()
    ok = report_abs(
        f"open a conversation with {IMAGES} images and {FILES} files: first paint",
        first_paint,
        "ms",
        100,
    )
    ok &= report_abs("the same: longest GUI stall while opening", stall, "ms", 16)
    ok &= report_abs("resident memory with it open", _rss_mb(), "MB", 250)
    pieces = [f"word{i} " for i in range(CHUNKS)]
    server.default(lambda body: Reply(text=pieces))

    async def stream_in(session_id: str) -> float:
        app.sessions.open_session(session_id)
        await wait_for(lambda: app.sessions.current_session_id == session_id)
        await asyncio.sleep(0.05)
        finished: asyncio.Future[None] = asyncio.get_running_loop().create_future()

        def on_running(sid: str, running: bool) -> None:
            if not running and not finished.done():
                finished.set_result(None)

        app.chat.running_changed.connect(on_running)
        began = time.perf_counter()
        app.chat.send("once more, please")
        await finished
        elapsed = time.perf_counter() - began
        app.chat.running_changed.disconnect(on_running)
        return CHUNKS / elapsed

    plain, attached = [], []
    for _ in range(RUNS):  # interleaved, so a noisy moment hits both
        plain.append(await stream_in("plain"))
        attached.append(await stream_in("attached"))
    ok &= report(
        "streamed reply with the attachments, chunks/s (median; higher is better)",
        statistics.median(attached),
        statistics.median(plain),
        "chunks/s",
        0.9,
        lower_is_better=False,
    )
    await app.shutdown()
    window.allow_close()
    window.close()
    return ok


async def scenario() -> bool:
    with tempfile.TemporaryDirectory() as tmp, ScriptedServer() as server:
        folder = Path(tmp)
        subprocess.run(  # noqa: ASYNC221 - before the app starts, in another process
            [sys.executable, "-c", FILL, str(folder / "threadline.db"), str(IMAGES), str(FILES)],
            check=True,
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT / "desktop")},
        )
        return await open_and_stream(folder, server)


def main() -> int:
    application = QApplication(sys.argv)
    loop = QEventLoop(application)
    asyncio.set_event_loop(loop)
    with loop:
        ok = loop.run_until_complete(scenario())
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
