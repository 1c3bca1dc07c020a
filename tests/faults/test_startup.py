"""Start-up faults met as a user meets them: the real app process, real folders and disks.

Each must end with a dialog that names the folder and says what to do, one plain line on
stderr, and exit code 1 — never a traceback.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e


def launch(data: Path, *args: str, prefix: tuple[str, ...] = ()) -> subprocess.Popen[str]:
    env = {**os.environ, "THREADLINE_DATA_DIR": str(data), "QT_QPA_PLATFORM": "offscreen"}
    env.pop("OPENAI_API_KEY", None)
    return subprocess.Popen(
        [*prefix, sys.executable, "-m", "threadline", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(proc: subprocess.Popen[str]) -> tuple[int, str, str]:
    out, err = proc.communicate(timeout=60)
    return proc.returncode, out, err


def assert_explained(code: int, out: str, err: str, *words: str) -> None:
    assert code == 1, err
    assert "Traceback" not in err, err
    lines = [line for line in err.splitlines() if line.strip() and "propagateSizeHints" not in line]
    assert len(lines) == 1, err  # one plain line
    for word in words:
        assert word in lines[0], lines[0]
    assert "dialog shown: Threadline cannot use its data folder" in out


def test_data_dir_that_is_a_file(tmp_path: Path) -> None:
    target = tmp_path / "not-a-folder"
    target.write_text("my notes", encoding="utf-8")
    code, out, err = finish(launch(target, "--smoke-test"))
    assert_explained(code, out, err, str(target), "is a file", "THREADLINE_DATA_DIR")
    assert target.read_text(encoding="utf-8") == "my notes"  # untouched


def test_data_dir_below_a_file(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x", encoding="utf-8")
    target = tmp_path / "file" / "data"
    code, out, err = finish(launch(target, "--smoke-test"))
    assert_explained(code, out, err, str(target), "is a file")


@pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("setpriv"), reason="needs root+setpriv")
def test_data_dir_not_writable(tmp_path: Path) -> None:
    # A real permission denial from the kernel: the process runs without the capability that
    # lets root write anywhere (our interpreter lives under /root, so another uid can't run it).
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    drop = ("setpriv", "--inh-caps=-all", "--bounding-set=-dac_override,-dac_read_search", "--")
    try:
        code, out, err = finish(launch(locked / "data", "--smoke-test", prefix=drop))
    finally:
        locked.chmod(0o755)
    assert_explained(code, out, err, str(locked / "data"), "permission denied")


@contextlib.contextmanager
def tiny_disk(where: Path) -> Iterator[Path]:
    where.mkdir()
    result = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(where)], capture_output=True
    )
    if result.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {result.stderr.decode().strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", str(where)], check=False)


@pytest.mark.skipif(os.geteuid() != 0, reason="mounting a small disk needs root")
def test_disk_full(tmp_path: Path) -> None:
    with tiny_disk(tmp_path / "disk") as disk:
        filler = disk / "filler"
        with open(filler, "wb") as handle, contextlib.suppress(OSError):
            handle.write(b"\0" * 1024 * 1024)  # fills the 64 KiB disk
        (disk / "data").mkdir(exist_ok=True)
        code, out, err = finish(launch(disk / "data", "--smoke-test"))
    assert_explained(code, out, err, str(disk / "data"), "full")


def test_a_hung_first_instance_is_named_not_handed_over(tmp_path: Path) -> None:
    first = launch(tmp_path / "data")
    assert first.stdout is not None
    try:
        assert "is ready" in first.stdout.readline()
        first.send_signal(signal.SIGSTOP)
        code, out, err = finish(launch(tmp_path / "data", "--smoke-test"))
        assert code == 1, err
        assert "brought to the front" not in out
        assert "does not answer" in err and "Traceback" not in err
        assert "dialog shown: Threadline is not responding" in out
    finally:
        first.send_signal(signal.SIGCONT)
        first.send_signal(signal.SIGTERM)
        first.communicate(timeout=30)
    assert first.returncode == 0
