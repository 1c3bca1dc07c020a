"""Cold start to the first painted main window (1,000 stored sessions) vs a bare PySide6 window.

Each side runs in a fresh process; the figure is wall time from process start to the first
Paint event of the top-level window, median of several launches. Budget: ≤ 1.3× the bare window.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import report

LAUNCHES = 5

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


def launch(mode: str, data: Path) -> float:
    """Milliseconds from process start to the first paint of its window."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "THREADLINE_DATA_DIR": str(data)}
    if mode == "bare":
        command = [sys.executable, "-c", BARE]
    else:  # the real entry point, exactly as `threadline` starts
        command = [sys.executable, "-m", "threadline", "--report-startup"]
    start = time.time()
    proc = subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    assert proc.stdout is not None
    painted = None
    for line in proc.stdout:
        if line.startswith("first paint "):
            painted = float(line.split()[2])
            break
    proc.kill()
    proc.wait()
    proc.stdout.close()
    assert painted is not None, f"{mode} never painted"
    return (painted - start) * 1000


def main() -> int:
    from store import fill

    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        data.mkdir()
        fill(data / "threadline.db", 1000, 20, app="threadline", user="local")
        launch("bare", data), launch("app", data)  # warm the OS file cache for both
        bare = statistics.median(launch("bare", data) for _ in range(LAUNCHES))
        ours = statistics.median(launch("app", data) for _ in range(LAUNCHES))
    ok = report("cold start to first painted window (1,000 sessions)", ours, bare, "ms", 1.3)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
