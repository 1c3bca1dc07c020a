"""The ``PATH`` a user's terminal has, for the MCP servers Threadline starts (``uvx``, ``npx``).

An app opened from the Finder (macOS) or from a Linux desktop's menu inherits the session's
bare ``PATH`` (``/usr/bin:/bin:/usr/sbin:/sbin`` on macOS), not the one the user's shell
profile builds (Homebrew, ``~/.local/bin``, nvm...). So when this process is a frozen bundle,
or its ``PATH`` holds nothing but system folders, the login shell is asked once, with a
timeout, and its entries come first in the children's ``PATH``. Windows apps get the user's
full ``PATH`` from the registry: nothing is done there.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading

TIMEOUT_S = 5.0
SYSTEM_FOLDERS = frozenset({"/usr/bin", "/bin", "/usr/sbin", "/sbin"})
_MARK = "__threadline_path__"
_lock = threading.Lock()
_shell_path: str | None = None
_asked = False


def is_minimal(path: str) -> bool:
    """True when ``path`` has only the system folders a desktop session starts with."""
    return all(entry in SYSTEM_FOLDERS for entry in path.split(os.pathsep) if entry)


def needed(path: str, *, frozen: bool | None = None) -> bool:
    """Whether the login shell should be asked (never on Windows)."""
    if sys.platform == "win32":
        return False
    is_frozen = bool(getattr(sys, "frozen", False)) if frozen is None else frozen
    return is_frozen or is_minimal(path)


def login_shell_path(timeout: float = TIMEOUT_S) -> str | None:
    """The ``PATH`` an interactive login shell of the user ends up with; None when unknown.

    Asked once per process (later calls return the first answer). The shell is ``$SHELL``,
    else ``/bin/sh``; its profile may print anything, so the value is read between markers.
    """
    global _shell_path, _asked
    with _lock:
        if _asked:
            return _shell_path
        _asked = True
        shell = os.environ.get("SHELL") or "/bin/sh"
        script = f'printf "{_MARK}%s{_MARK}" "$PATH"'
        try:
            done = subprocess.run(
                [shell, "-l", "-i", "-c", script],
                stdin=subprocess.DEVNULL,
                capture_output=True,
                timeout=timeout,
                check=False,
            )
        except (OSError, subprocess.SubprocessError):
            return None
        parts = done.stdout.decode(errors="replace").split(_MARK)
        _shell_path = parts[1] if len(parts) >= 3 and parts[1] else None
        return _shell_path


def warm() -> None:
    """Asks the login shell in a background thread now, so the first server start need not wait
    for it (``child_path`` blocks up to ``TIMEOUT_S`` otherwise, once)."""
    if needed(os.environ.get("PATH", "")):
        threading.Thread(target=login_shell_path, name="login-path", daemon=True).start()


def merged(current: str, login: str | None) -> str:
    """``login``'s entries first, then those of ``current`` it lacks (no duplicates)."""
    entries: list[str] = []
    for entry in [*(login or "").split(os.pathsep), *current.split(os.pathsep)]:
        if entry and entry not in entries:
            entries.append(entry)
    return os.pathsep.join(entries)


def child_path(current: str, *, frozen: bool | None = None) -> str:
    """The ``PATH`` to give a child process: ``current``, completed by the login shell's."""
    if not needed(current, frozen=frozen):
        return current
    return merged(current, login_shell_path())


def missing_command(command: str, path: str | None) -> str | None:
    """None when ``command`` can be started with ``path``; else a sentence saying what to do."""
    if os.sep in command or (os.altsep and os.altsep in command):
        if os.path.isfile(command):  # a path: the OS says itself when it cannot run it
            return None
        return f"the command {command!r} does not exist."
    if shutil.which(command, path=path) is not None:
        return None
    return (
        f"the command {command!r} was not found on PATH ({path or 'empty'}). Install it, "
        "or give its full path in the server's settings."
    )
