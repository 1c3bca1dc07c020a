"""Starting Threadline again once this process has ended (Settings → Storage → Restart).

``threadline --restart-after PID`` waits for process ``PID`` to end, then becomes the app (or
starts the command given after the PID). The same binary does it, so it works in a packaged
app too, where ``sys.executable`` is Threadline itself and runs no ``-c`` scripts. Waiting
uses the system's own call on Windows (``os.kill`` there would end the process, not probe it).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

FLAG = "--restart-after"
WAIT_S = 120.0  # a shutdown that takes longer than this is not waited for


def restart_command(pid: int, command: list[str] | None = None) -> list[str]:
    """The command that starts ``command`` (default: Threadline) once process ``pid`` ends."""
    if getattr(sys, "frozen", False):  # a packaged app: the binary is Threadline
        program = [sys.executable]
    else:
        program = [sys.executable, "-m", "threadline"]
    return [*program, FLAG, str(pid), *(command or [])]


def is_running(pid: int) -> bool:
    """Whether process ``pid`` still runs (without touching it)."""
    if sys.platform == "win32":
        import ctypes

        kernel32 = ctypes.windll.kernel32
        handle = kernel32.OpenProcess(0x00100000, False, pid)  # SYNCHRONIZE
        if not handle:
            return False
        try:
            return bool(kernel32.WaitForSingleObject(handle, 0) == 0x102)  # WAIT_TIMEOUT
        finally:
            kernel32.CloseHandle(handle)
    try:
        os.kill(pid, 0)  # POSIX: signal 0 only checks
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def wait_for_exit(pid: int, timeout: float = WAIT_S) -> None:
    """Returns once process ``pid`` has ended (or ``timeout`` seconds have passed)."""
    deadline = time.monotonic() + timeout
    while is_running(pid) and time.monotonic() < deadline:
        time.sleep(0.1)


def start_after(pid: int, command: list[str]) -> int | None:
    """Waits for ``pid``; then starts ``command`` and returns 0, or returns None for the
    caller to go on as the app itself (no command given)."""
    wait_for_exit(pid)
    if not command:
        return None
    subprocess.Popen(command, start_new_session=True)
    return 0
