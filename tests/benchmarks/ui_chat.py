"""The window under load: a 5,000-chunk streamed reply, sessions of 10,000 and 50,000 messages
opened and scrolled, a sidebar of 50,000 sessions. Figures beside the `openai` SDK alone
(throughput) or SPEC §4's budgets.

Each scenario runs in a fresh process (``ui_chat.py SCENARIO``; without one, all of them),
with the event loop running: what the app does, not a warm benchmark loop.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

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
RUNS = 5
STEPS = 150
FRAME_MS = 16
SIDEBAR = 50_000


class StallMeter:
    """Ticks every millisecond on the GUI loop; the longest gap is the worst stall.

    ``where`` (optional) says what the app was doing; each gap over ``NOTED_MS`` is kept with
    it in ``noted``, so a stall can be placed (at the send, or at what length of the reply).
    """

    NOTED_MS = 10.0

    def __init__(self, where: Callable[[], object] | None = None) -> None:
        self.timer = QTimer(interval=1)
        self.timer.timeout.connect(self._tick)
        self.last = 0.0
        self.worst = 0.0
        self.where = where
        self.noted: list[tuple[float, object]] = []

    def start(self) -> None:
        self.last = time.perf_counter()
        self.worst = 0.0
        self.timer.start()

    def stop(self) -> float:
        self.timer.stop()
        return self.worst * 1000

    def _tick(self) -> None:
        now = time.perf_counter()
        gap = now - self.last - 0.001
        self.worst = max(self.worst, gap)
        if self.where is not None and gap * 1000 > self.NOTED_MS:
            self.noted.append((round(gap * 1000, 1), self.where()))
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
    floor = statistics.median([await sdk_alone(server.base_url) for _ in range(RUNS)])
    window, controller = make_app(folder, server.base_url)

    def reply_length() -> int:  # where in the stream a stall fell (0: before the first chunk)
        items = window.chat_model.items()
        return len(items[-1].text) if items and items[-1].kind == "assistant" else 0

    meter = StallMeter(reply_length)

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
    rates = [(await stream_once(f"t{n}", metered=False))[0] for n in range(RUNS)]
    stalls = [(await stream_once(f"s{n}", metered=True))[1] for n in range(RUNS)]
    ok = report(
        f"streamed 5,000-chunk reply, chunks/s (median of {RUNS}; higher is better)",
        statistics.median(rates),
        floor,
        "chunks/s",
        0.8,
        lower_is_better=False,
    )
    ok &= report_abs(
        f"longest GUI-loop stall while streaming (worst of {RUNS}; median "
        f"{statistics.median(stalls):.1f} ms)",
        max(stalls),
        "ms",
        16,
    )
    over = [f"{ms} ms at {at}" for ms, at in meter.noted if ms > 16]
    print(
        f"INFO stalls over {meter.NOTED_MS:.0f} ms in {RUNS} streams: {len(meter.noted)};"
        f" over 16 ms, at the reply's length in characters: {', '.join(over) or 'none'}"
    )
    await controller.shutdown()
    window.allow_close()
    window.close()
    return ok


async def long_session(folder: Path, messages: int) -> bool:
    """Opens a session of ``messages`` messages in a fresh app and scrolls it to the top."""
    folder.mkdir(parents=True, exist_ok=True)
    # Written by another process, so that this one starts as the app does: without the
    # garbage of 50,000 events built to be written.
    code = (
        "from store import fill; from pathlib import Path; "
        f"fill(Path({str(folder / 'threadline.db')!r}), 20, {messages},"
        " app='threadline', user='local')"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).parent)  # noqa: ASYNC221 - before the app starts
    window, controller = make_app(folder, "http://127.0.0.1:9/v1")
    window.resize(1280, 800)
    # Opened once the app has warmed up (its slow imports done off the GUI thread, a second
    # after start), as a person's first click comes.
    await wait_for(lambda: window.tree_model.rowCount() > 0 and controller.warmed)
    view = window.chat.view
    # Woken by the first paint of the opened conversation, not by polling: a poll every
    # millisecond keeps the GUI thread busy and slows the store's worker thread (the GIL).
    drawn: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    window.chat.first_frame.drawn.connect(lambda: drawn.done() or drawn.set_result(None))
    meter = StallMeter()
    meter.start()
    start = time.perf_counter()
    controller.sessions.open_session("s0")
    await drawn  # the paint that shows the opened conversation
    first_paint = (time.perf_counter() - start) * 1000
    await asyncio.sleep(0.3)  # what follows the first paint (batched layout) is timed too
    stall = meter.stop()
    label = f"{messages:,}-message session"
    ok = report_abs(f"open a {label} in a fresh app: first paint", first_paint, "ms", 100)
    ok &= report_abs("the same: longest GUI stall while opening", stall, "ms", 16)
    ok &= report_abs("resident memory with it open", _rss_mb(), "MB", 250)
    steps = await scroll_up(view, STEPS)
    over = sum(1 for s in steps if s > 16)
    ok &= report_abs(
        f"scroll it up, a half-page step per 16 ms frame: steps over 16 ms (of {len(steps)};"
        f" longest {max(steps):.1f} ms, median {statistics.median(steps):.1f} ms)",
        over,
        "steps",
        0,
    )
    await controller.shutdown()
    window.allow_close()
    window.close()
    return ok


async def scroll_up(view: Any, count: int) -> list[float]:
    """Scrolls up half a page per frame with the loop running; each step's cost is how late
    the next frame came (the relayout and paint the step queued included)."""
    bar = view.verticalScrollBar()
    await wait_for(lambda: bar.maximum() > 0)
    bar.setValue(bar.maximum())
    done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    costs: list[float] = []
    last = [time.perf_counter()]
    timer = QTimer(interval=FRAME_MS)

    def frame() -> None:
        now = time.perf_counter()
        if len(costs) or bar.value() != bar.maximum():
            costs.append(max(0.0, (now - last[0]) * 1000 - FRAME_MS))
        last[0] = now
        if len(costs) >= count:
            timer.stop()
            if not done.done():
                done.set_result(None)
            return
        bar.setValue(max(0, bar.value() - max(1, bar.pageStep() // 2)))

    timer.timeout.connect(frame)
    timer.start()
    await done
    return costs


async def sidebar(folder: Path) -> bool:
    """The sidebar of a fresh app given 50,000 sessions: shown, then filtered."""
    window, controller = make_app(folder, "http://127.0.0.1:9/v1")
    await wait_for(lambda: controller.sessions.current_session_id is None)
    nodes = [
        SessionNode(
            f"x{i}", f"Conversation {i} about {'tides' if i % 7 else 'yeast'}", None, float(i)
        )
        for i in range(SIDEBAR)
    ]
    tree = window.sidebar.tree
    t = time.perf_counter()
    window.tree_model.set_sessions(nodes)
    tree.viewport().repaint()
    ok = report_abs(
        f"sidebar with {SIDEBAR:,} sessions: show", (time.perf_counter() - t) * 1000, "ms", 50
    )
    t = time.perf_counter()
    window.tree_model.set_filter("yeast")
    tree.viewport().repaint()
    ok &= report_abs(
        f"sidebar with {SIDEBAR:,} sessions: filter", (time.perf_counter() - t) * 1000, "ms", 50
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


SCENARIOS = ("stream", "open10k", "open50k", "sidebar")


async def scenario(name: str) -> bool:
    with tempfile.TemporaryDirectory() as tmp, ScriptedServer() as server:
        folder = Path(tmp) / name
        if name == "stream":
            return await streaming(folder, server)
        if name == "sidebar":
            return await sidebar(folder)
        return await long_session(folder, 10_000 if name == "open10k" else 50_000)


def main() -> int:
    if len(sys.argv) < 2:  # each scenario in a fresh process
        codes = [
            subprocess.call([sys.executable, __file__, name], cwd=Path(__file__).parent)
            for name in SCENARIOS
        ]
        return max(codes)
    app = QApplication(sys.argv)
    loop = QEventLoop(app)
    asyncio.set_event_loop(loop)
    with loop:
        ok = loop.run_until_complete(scenario(sys.argv[1]))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
