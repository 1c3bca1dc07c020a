"""Starts ``python -m threadline`` as a user would: first launch, a second launch, SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e


def launch(data: Path, *args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "THREADLINE_DATA_DIR": str(data), "QT_QPA_PLATFORM": "offscreen"}
    env.pop("OPENAI_API_KEY", None)
    return subprocess.Popen(
        [sys.executable, "-m", "threadline", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_first_launch_opens_and_closes_cleanly(tmp_path: Path) -> None:
    proc = launch(tmp_path / "data", "--smoke-test")
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert "smoke test ok" in out
    assert (tmp_path / "data" / "threadline.db").exists()
    assert (tmp_path / "data" / "settings.json").exists()


def test_second_launch_hands_over_to_the_first_and_sigterm_quits(tmp_path: Path) -> None:
    first = launch(tmp_path / "data")
    assert first.stdout is not None
    assert "is ready" in first.stdout.readline()  # blocks until the window is up
    second = launch(tmp_path / "data", "--smoke-test")
    out, _ = second.communicate(timeout=60)
    assert second.returncode == 0 and "already running" in out
    first.send_signal(signal.SIGTERM)
    first.wait(timeout=30)
    assert first.returncode == 0
    first.stdout.close()
    assert first.stderr is not None
    first.stderr.close()
    # The lock was released: a new launch opens normally.
    third = launch(tmp_path / "data", "--smoke-test")
    out, err = third.communicate(timeout=60)
    assert third.returncode == 0 and "smoke test ok" in out, err
