"""Cold start with a heavy user's store (1M events in 2,000 sessions) vs a bare PySide6 window.

Each side runs in a fresh process. Two figures, medians of several launches: wall time from
process start to the first Paint event of the top-level window (budget ≤ 1.3× the bare
window's), and to an interactive window, the sidebar listed, the composer focused and the
loop taking input (budget ≤ 2.5× the bare window's first paint; the rest of the app may still
be loading behind it, ``launch._import_phase_two_taking_input``).
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import report

LAUNCHES = 5
LISTED: list[float] = []  # when the sidebar showed, before the window took input

BARE = r"""
import os, sys, time
from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QApplication, QLabel

class FirstPaint(QObject):
    def eventFilter(self, obj, event):
        if event.type() == QEvent.Type.Paint:
            print(f"first paint {time.time():.6f}", flush=True)
            os._exit(0)
        return False

app = QApplication(sys.argv)
window = QLabel("Hello")
window.resize(1280, 800)
watcher = FirstPaint()
window.installEventFilter(watcher)
window.show()
app.exec()
"""


def launch(mode: str, data: Path) -> tuple[float, float]:
    """Milliseconds from process start to its window's first paint and to interactive."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "THREADLINE_DATA_DIR": str(data)}
    # An installed app starts from compiled bytecode (pip and the packaged builds write it);
    # with PYTHONDONTWRITEBYTECODE, which some machines set, every launch of an editable
    # checkout compiled ~60 modules from source again (~40 ms) and timed the compiler.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    if mode == "bare":
        command = [sys.executable, "-c", BARE]
    else:  # the real entry point, exactly as `threadline` starts
        command = [sys.executable, "-m", "threadline", "--report-startup"]
    start = time.time()
    proc = subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    assert proc.stdout is not None
    marks: dict[str, float] = {}
    for line in proc.stdout:
        for mark in ("first paint ", "listed ", "interactive "):
            if line.startswith(mark):
                marks[mark.strip()] = float(line.split()[-1])
        if "first paint" in marks and (mode == "bare" or "interactive" in marks):
            break
    proc.kill()
    proc.wait()
    proc.stdout.close()
    assert "first paint" in marks, f"{mode} never painted"
    painted = (marks["first paint"] - start) * 1000
    if "listed" in marks:
        LISTED.append((marks["listed"] - start) * 1000)
    return painted, (marks.get("interactive", marks["first paint"]) - start) * 1000


def main() -> int:
    import bigstore

    source = bigstore.path()
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        data.mkdir()
        shutil.copy(source, data / "threadline.db")
        (data / "settings.json").write_text('{"is_setup_done": true}', encoding="utf-8")
        launch("bare", data), launch("app", data)  # warm the OS file cache for both
        # Taken in turns, so that the floor and the app meet the machine in the same state
        # (one after the other, a busy spell could fall on either alone).
        bares, runs = [], []
        for _ in range(LAUNCHES):
            bares.append(launch("bare", data)[0])
            runs.append(launch("app", data))
        bare = statistics.median(bares)
    painted = statistics.median(r[0] for r in runs)
    interactive = statistics.median(r[1] for r in runs)
    ok = report("cold start, 1M events in 2,000 sessions: first paint", painted, bare, "ms", 1.3)
    if LISTED:
        listed = statistics.median(LISTED[-LAUNCHES:])
        print(
            f"INFO sidebar listed (shown, not yet taking input): {listed:.0f} ms, "
            f"{listed / bare:.2f}× the bare window"
        )
    ok &= report(
        "the same: interactive (sidebar listed, composer focused, taking input)",
        interactive,
        bare,
        "ms",
        2.5,
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
