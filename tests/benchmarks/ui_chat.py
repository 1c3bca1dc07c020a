"""The window under load: a 5,000-chunk streamed reply, a 10,000-message session, a sidebar of
10,000 sessions. Figures beside the `openai` SDK alone (throughput) or SPEC §4's budgets.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from common import ROOT, report, report_abs

sys.path.insert(0, str(ROOT))
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from tests.scripted_server import Reply, ScriptedServer
from threadline.settings.config import ProviderSettings
from threadline.ui.common.qt import QEventLoop
from threadline.ui.shell.main_window import MainWindow
from threadline.ui.shell.root import App, build_app
from threadline.ui.sidebar.tree import SessionNode

CHUNKS = 5000


class StallMeter:
    """Ticks every millisecond on the GUI loop; the longest gap is the worst stall."""

    def __init__(self) -> None:
        self.timer = QTimer(interval=1)
        self.timer.timeout.connect(self._tick)
        self.last = 0.0
        self.worst = 0.0

    def start(self) -> None:
        self.last = time.perf_counter()
        self.worst = 0.0
        self.timer.start()

    def stop(self) -> float:
        self.timer.stop()
        return self.worst * 1000

    def _tick(self) -> None:
        now = time.perf_counter()
        self.worst = max(self.worst, now - self.last - 0.001)
        self.last = now


async def sdk_alone(base_url: str) -> float:
    import openai

    client = openai.AsyncOpenAI(base_url=base_url, api_key="k", max_retries=0)
    start = time.perf_counter()
    stream = await client.chat.completions.create(
        model="m",
        messages=[{"role": "user", "content": "go"}],
        stream=True,
        stream_options={"include_usage": True},
    )
    count = 0
    async for chunk in stream:
        count += bool(chunk.choices and chunk.choices[0].delta.content)
    elapsed = time.perf_counter() - start
    await client.close()
    assert count == CHUNKS, count
    return CHUNKS / elapsed


def make_app(folder: Path, base_url: str) -> tuple[MainWindow, App]:
    app = build_app(folder, on_error=print)
    settings = app.services.settings
    settings.provider = ProviderSettings(name="custom", base_url=base_url, model="m")
    settings.is_setup_done = True
    window = MainWindow(app)
    window.show()
    app.start()
    return window, app


async def wait_for(condition, timeout: float = 60) -> None:  # type: ignore[no-untyped-def]
    deadline = time.perf_counter() + timeout
    while not condition():
        if time.perf_counter() > deadline:
            raise TimeoutError
        await asyncio.sleep(0.001)


async def streaming(folder: Path, server: ScriptedServer) -> bool:
    pieces = [f"word{i} " + ("\n\n" if i % 50 == 49 else "") for i in range(CHUNKS)]
    server.default(lambda body: Reply(text=pieces))
    floor = max([await sdk_alone(server.base_url) for _ in range(3)])
    window, controller = make_app(folder, server.base_url)
    meter = StallMeter()

    async def stream_once(label: str, metered: bool) -> tuple[float, float]:
        controller.sessions.new_session()
        await asyncio.sleep(0.05)
        # Woken by the controller's signal, not by polling the GUI thread every millisecond.
        finished: asyncio.Future[None] = asyncio.get_running_loop().create_future()

        def on_running(session_id: str, is_running: bool) -> None:
            if not is_running and not finished.done():
                finished.set_result(None)

        controller.chat.running_changed.connect(on_running)
        if metered:
            meter.start()
        start = time.perf_counter()
        controller.chat.send(f"stream please {label}")
        await finished
        elapsed = time.perf_counter() - start
        controller.chat.running_changed.disconnect(on_running)
        stall = meter.stop() if metered else 0.0
        final = window.chat_model.items()[-1]
        assert final.text == "".join(pieces), "reply incomplete"
        return CHUNKS / elapsed, stall

    # Throughput and stalls are measured in separate runs: the stall meter's 1 ms timer is a
    # thousand extra wake-ups a second that the SDK-alone floor never has.
    ours = max([(await stream_once(f"t{n}", metered=False))[0] for n in range(3)])
    worst = min([(await stream_once(f"s{n}", metered=True))[1] for n in range(2)])
    ok = report(
        "streamed 5,000-chunk reply, chunks/s (higher is better)",
        ours,
        floor,
        "chunks/s",
        0.8,
        lower_is_better=False,
    )
    ok &= report_abs("longest GUI-loop stall while streaming", worst, "ms", 16)
    await controller.shutdown()
    window.allow_close()
    window.close()
    return ok


async def long_session(folder: Path) -> bool:
    from store import fill

    folder.mkdir(parents=True, exist_ok=True)
    fill(folder / "threadline.db", 10_000, 10_000, app="threadline", user="local")
    window, controller = make_app(folder, "http://127.0.0.1:9/v1")
    window.resize(1280, 800)
    await wait_for(lambda: window.tree_model.rowCount() > 0)
    view = window.chat.view
    # Woken by the model's reset, not by polling: a poll every millisecond keeps the GUI
    # thread busy and slows the store's worker thread (the GIL), which no user has.
    opened: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    window.chat_model.modelReset.connect(lambda: opened.done() or opened.set_result(None))
    start = time.perf_counter()
    controller.sessions.open_session("s0")
    await opened
    assert len(window.chat_model.items()) == 10_000  # the latest are rows; older load upwards
    view.viewport().repaint()
    first_paint = (time.perf_counter() - start) * 1000
    ok = report_abs("open a 10,000-message session: first paint", first_paint, "ms", 100)
    bar = view.verticalScrollBar()
    await asyncio.sleep(0.3)  # let batched layout finish
    worst = 0.0
    steps = 0
    for value in range(bar.maximum(), -1, -max(1, bar.pageStep() // 2)):
        t = time.perf_counter()
        bar.setValue(value)
        view.viewport().repaint()
        worst = max(worst, (time.perf_counter() - t) * 1000)
        steps += 1
        if steps >= 200:
            break
    ok &= report_abs(f"scrolling it ({steps} half-page steps): longest step", worst, "ms", 16)
    rss = _rss_mb()
    ok &= report_abs("resident memory with it open", rss, "MB", 250)
    nodes = [
        SessionNode(
            f"x{i}", f"Conversation {i} about {'tides' if i % 7 else 'yeast'}", None, float(i)
        )
        for i in range(10_000)
    ]
    tree = window.sidebar.tree
    t = time.perf_counter()
    window.tree_model.set_sessions(nodes)
    tree.viewport().repaint()
    ok &= report_abs(
        "sidebar with 10,000 sessions: show", (time.perf_counter() - t) * 1000, "ms", 50
    )
    t = time.perf_counter()
    window.tree_model.set_filter("yeast")
    tree.viewport().repaint()
    ok &= report_abs(
        "sidebar with 10,000 sessions: filter", (time.perf_counter() - t) * 1000, "ms", 50
    )
    await controller.shutdown()
    window.allow_close()
    window.close()
    return ok


def _rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


async def main_async() -> bool:
    with tempfile.TemporaryDirectory() as tmp, ScriptedServer() as server:
        ok = await streaming(Path(tmp) / "stream", server)
        ok &= await long_session(Path(tmp) / "long")
    return ok


def main() -> int:
    app = QApplication(sys.argv)
    loop = QEventLoop(app)
    asyncio.set_event_loop(loop)
    with loop:
        ok = loop.run_until_complete(main_async())
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
