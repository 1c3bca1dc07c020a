"""The real accessibility tree on Linux: Threadline started as a user starts it, on an X server
(Xvfb, Qt's xcb platform), inside a private D-Bus session with at-spi2-core's registry, read
and worked through AT-SPI as a screen reader does (tests/ui/atspi_tree.py, run with the system
Python that has Debian's python3-pyatspi).

The test writes and sends a message through AT-SPI alone (the composer's editable text, the
Send button's action) and opens Settings from its toolbar button the same way, then checks the
names and roles a screen reader announces. Qt's offscreen platform has no AT-SPI bridge, so
nothing here can run offscreen.
"""

from __future__ import annotations

import json
import os
import select
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pytest

from tests.scripted_server import Reply, ScriptedServer
from threadline.settings.config import ProviderSettings, load_settings, save_settings

SYSTEM_PYTHON = "/usr/bin/python3"
WALKER = str(Path(__file__).with_name("atspi_tree.py"))
APP_NAME = "Threadline"
# CI installs Xvfb and python3-pyatspi (.ci/run); there a missing piece fails the test.
MUST_RUN = bool(os.environ.get("CI") or os.environ.get("THREADLINE_TEST_ATSPI"))
T = TypeVar("T")
ROLES_NEEDING_NAMES = {
    "push button",
    "check box",
    "text",
    "password text",
    "spin button",
    "list",
    "tree",
    "combo box",
    "page tab",
}


def _missing() -> str | None:
    """Why the accessibility tree cannot be read on this machine, or None."""
    if not sys.platform.startswith("linux"):
        return "AT-SPI is the Linux accessibility bus"
    for program in ("Xvfb", "dbus-daemon"):
        if shutil.which(program) is None:
            return f"{program} is not installed (apt-get install xvfb dbus)"
    if not Path("/usr/libexec/at-spi-bus-launcher").exists():
        return "at-spi2-core is not installed (apt-get install at-spi2-core)"
    probe = subprocess.run(
        [SYSTEM_PYTHON, "-c", "import pyatspi"], capture_output=True, text=True, check=False
    )
    if probe.returncode != 0:
        return "the system Python has no pyatspi (apt-get install python3-pyatspi)"
    return None


@dataclass
class Desktop:
    """An X server and a session bus of the test's own, and the app running on them."""

    env: dict[str, str]
    log: Path

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        """Runs the AT-SPI walker with ``args``."""
        return subprocess.run(
            [SYSTEM_PYTHON, WALKER, *args, APP_NAME],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=20,
            check=False,
        )

    def tree(self) -> dict[str, Any] | None:
        """The application's accessible tree now, or None while it is not on the bus."""
        done = self.run("dump")
        assert done.returncode in (0, 3), done.stderr
        return json.loads(done.stdout) if done.returncode == 0 else None

    def command(self, command: str, role: str, name: str, value: str) -> bool:
        """``act`` or ``set-text`` on the object with ``role`` and ``name``."""
        done = subprocess.run(
            [SYSTEM_PYTHON, WALKER, command, APP_NAME, role, name, value],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=20,
            check=False,
        )
        assert done.returncode in (0, 3), done.stderr
        return done.returncode == 0

    def until(self, what: str, found: Callable[[dict[str, Any]], T | None], limit: float) -> T:
        """Reads the tree again until ``found`` returns something (each read takes a
        fraction of a second; a deadline bounds the wait)."""
        deadline = time.monotonic() + limit
        tree: dict[str, Any] | None = None
        while time.monotonic() < deadline:
            tree = self.tree()
            result = found(tree) if tree is not None else None
            if result is not None and result is not False:
                return result
        pytest.fail(f"{what} not in the accessibility tree within {limit} s:\n{_outline(tree)}")


def _start_x(folder: Path, logs: ExitStack) -> tuple[subprocess.Popen[bytes], str]:
    """Xvfb on a free display (it writes the number to a pipe once it accepts clients)."""
    read, write = os.pipe()
    server = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write), "-screen", "0", "1280x900x24", "-nolisten", "tcp"],
        pass_fds=[write],
        stdout=subprocess.DEVNULL,
        stderr=logs.enter_context((folder / "xvfb.log").open("wb")),
    )
    os.close(write)
    number = b""
    while not number.endswith(b"\n"):
        ready, _, _ = select.select([read], [], [], 15)
        chunk = os.read(read, 16) if ready else b""
        if not chunk:
            server.kill()
            pytest.fail(f"Xvfb did not start: {(folder / 'xvfb.log').read_text()}")
        number += chunk
    os.close(read)
    return server, f":{number.decode().strip()}"


@pytest.fixture
def desktop(tmp_path: Path, server: ScriptedServer) -> Iterator[Desktop]:
    """Threadline on Xvfb with the accessibility bus on, talking to the scripted server."""
    reason = _missing()
    if reason is not None:
        if MUST_RUN:
            pytest.fail(f"the accessibility-tree test must run here, but {reason}")
        pytest.skip(reason)
    logs = ExitStack()
    runtime = Path(tempfile.mkdtemp(prefix="tl-a11y-"))  # short: sockets live here
    x_server, display = _start_x(tmp_path, logs)
    bus = subprocess.Popen(
        ["dbus-daemon", "--session", "--nofork", "--print-address=1"],
        stdout=subprocess.PIPE,
        stderr=logs.enter_context((tmp_path / "dbus.log").open("wb")),
        text=True,
    )
    assert bus.stdout is not None
    address = bus.stdout.readline().strip()
    data = tmp_path / "data"
    data.mkdir()
    settings = load_settings(data)
    settings.provider = ProviderSettings(
        name="custom", base_url=server.base_url, model="scripted-large"
    )
    settings.is_setup_done = True
    save_settings(data, settings)
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "XDG_RUNTIME_DIR": str(runtime),
        "DISPLAY": display,
        "DBUS_SESSION_BUS_ADDRESS": address,
        "LANG": "C.UTF-8",
    }
    app_env = {
        **env,
        "QT_QPA_PLATFORM": "xcb",
        "QT_LINUX_ACCESSIBILITY_ALWAYS_ON": "1",
        "THREADLINE_DATA_DIR": str(data),
        # No keyring prompt on this display; a custom local server needs no key.
        "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring",
    }
    log = tmp_path / "app.log"
    app = subprocess.Popen(
        [sys.executable, "-m", "threadline"],
        env=app_env,
        stdout=subprocess.PIPE,
        stderr=logs.enter_context(log.open("wb")),
        text=True,
    )
    try:
        assert app.stdout is not None
        line = app.stdout.readline()  # the window is up and the app attached
        assert "is ready" in line, log.read_text()
        yield Desktop(env, log)
    finally:
        app.terminate()  # SIGTERM closes the window the normal way
        try:
            app.wait(timeout=20)
        finally:
            if app.poll() is None:
                app.kill()
            bus.terminate()
            bus.wait(timeout=10)
            x_server.terminate()
            x_server.wait(timeout=10)
            for pipe in (app.stdout, bus.stdout):
                if pipe is not None:
                    pipe.close()
            logs.close()
            shutil.rmtree(runtime, ignore_errors=True)
    assert app.returncode == 0, log.read_text()


# -- reading the tree --------------------------------------------------------------------------


def _walk(node: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield node
    for child in node["children"]:
        yield from _walk(child)


def _showing(node: dict[str, Any]) -> bool:
    return "showing" in node["states"]


def _all(tree: dict[str, Any], role: str, name: str | None = None) -> list[dict[str, Any]]:
    """The showing objects with ``role`` (and ``name``)."""
    return [
        n
        for n in _walk(tree)
        if n["role"] == role and _showing(n) and (name is None or n["name"] == name)
    ]


def _one(tree: dict[str, Any], role: str, name: str) -> dict[str, Any] | None:
    found = _all(tree, role, name)
    return found[0] if found else None


def _window(tree: dict[str, Any], role: str, name: str) -> dict[str, Any] | None:
    """A top-level window of the application (the main frame, a dialog)."""
    return next(
        (w for w in tree["children"] if w["role"] == role and name in w["name"] and _showing(w)),
        None,
    )


def _unnamed(root: dict[str, Any]) -> list[str]:
    """The showing controls a screen reader could not say the purpose of: no name and no
    label (a combo box's name on Linux is its value, so it needs its label)."""
    return [
        f"{n['role']} {n['name']!r}"
        for n in _walk(root)
        if _showing(n)
        and n["role"] in ROLES_NEEDING_NAMES
        and not n["labelled_by"]
        and (not n["name"] or n["role"] == "combo box")
    ]


def _sidebar_rows(tree: dict[str, Any]) -> list[str]:
    """The names of the sidebar's conversation rows."""
    sidebar = _one(tree, "tree", "Conversations")
    if sidebar is None:
        return []
    return [c["name"] for c in sidebar["children"] if c["role"] == "table cell" and _showing(c)]


def _outline(tree: dict[str, Any] | None, depth: int = 0) -> str:
    """The tree as indented "role 'name' [states]" lines, for a failure's message."""
    if tree is None:
        return "(the application is not on the accessibility bus)"
    if not _showing(tree) and depth > 1:
        return ""
    line = f"{'  ' * depth}{tree['role']} {tree['name'][:60]!r} {tree['states']}\n"
    return line + "".join(_outline(child, depth + 1) for child in tree["children"])


def _press(desktop: Desktop, role: str, name: str, limit: float = 5.0) -> None:
    """Presses a button through its AT-SPI action, once it is on the bus."""
    deadline = time.monotonic() + limit
    while not desktop.command("act", role, name, "Press"):
        assert time.monotonic() < deadline, f"no {role} {name!r} to press"


# -- the test ----------------------------------------------------------------------------------


def test_the_window_reads_right_to_a_screen_reader(
    desktop: Desktop, server: ScriptedServer
) -> None:
    started = time.monotonic()
    server.script(Reply(text=["Hello from ", "the scripted server."]))
    tree = desktop.until(
        "the main window's composer",
        lambda t: (
            t if _window(t, "frame", "Threadline") and _one(t, "text", "Message composer") else None
        ),
        limit=10,
    )
    frame = _window(tree, "frame", "Threadline")
    assert frame is not None
    # The sidebar: new chat, search, the conversations tree.
    assert _one(frame, "push button", "New conversation") is not None
    search = _one(frame, "text", "Search conversations")
    assert search is not None and "editable" in search["states"], _outline(frame)
    assert _one(frame, "tree", "Conversations") is not None
    # The chat: the messages list, the composer, send, stop, attach, the model picker.
    assert _one(frame, "list", "Conversation") is not None
    composer = _one(frame, "text", "Message composer")
    assert composer is not None
    assert {"editable", "focusable"} <= set(composer["states"])
    send = _one(frame, "push button", "Send")
    assert send is not None and "enabled" in send["states"] and "Press" in send["actions"]
    stop = _one(frame, "push button", "Stop")
    assert stop is not None and "enabled" not in stop["states"]  # nothing to stop yet
    assert _one(frame, "push button", "Attach files") is not None
    pickers = [c for c in _all(frame, "combo box") if "Model" in c["labelled_by"]]
    assert pickers, "the model picker is labelled by its 'Model' label"
    assert pickers[0]["description"], "the model picker says what it does"
    assert _one(pickers[0], "text", "Model for this conversation") is not None
    team = [c for c in _all(frame, "combo box") if "Team" in c["labelled_by"]]
    assert team and team[0]["name"] == "assistant"
    assert _one(frame, "push button", "Settings") is not None  # the toolbar's

    # Write and send a message as an assistive technology does: no keyboard, no mouse.
    assert desktop.command("set-text", "text", "Message composer", "Hello, who are you?")
    _press(desktop, "push button", "Send")

    def conversation(t: dict[str, Any]) -> list[str] | None:
        messages = _one(t, "list", "Conversation")
        rows = [n["name"] for n in messages["children"]] if messages else []
        replied = any(r.startswith("assistant: Hello from the scripted server") for r in rows)
        return rows if replied and _sidebar_rows(t) else None

    rows = desktop.until("the sent message and its reply", conversation, limit=10)
    assert rows[0] == "user: Hello, who are you?"
    assert rows[1] == "assistant: Hello from the scripted server."
    tree = desktop.tree()
    assert tree is not None
    messages = _one(tree, "list", "Conversation")
    assert messages is not None
    assert {c["role"] for c in messages["children"]} == {"list item"}
    # Qt shows a tree view's rows as the table cells of a tree (as GTK's tree views are).
    assert _sidebar_rows(tree) == ["Hello, who are you?"]
    stop = _one(tree, "push button", "Stop")
    assert stop is not None and "enabled" not in stop["states"]  # the reply finished
    frame = _window(tree, "frame", "Threadline")
    assert frame is not None
    assert _unnamed(frame) == [], _outline(frame)

    # Settings opens from the toolbar button: a dialog whose controls all have names.
    _press(desktop, "push button", "Settings")
    tree = desktop.until(
        "the Settings dialog",
        lambda t: t if _window(t, "dialog", "Settings") else None,
        limit=10,
    )
    dialog = _window(tree, "dialog", "Settings")
    assert dialog is not None and dialog["name"] == "Settings"
    tabs = [t["name"] for t in _all(dialog, "page tab")]
    assert tabs[:3] == ["General", "Agents", "MCP"], tabs
    assert _one(dialog, "text", "System instruction") is not None
    for button in ("Apply now (Ctrl+Enter)", "Save provider", "Test connection", "List models"):
        assert _one(dialog, "push button", button) is not None, button
    assert _one(dialog, "text", "Base URL") is not None
    assert _one(dialog, "password text", "API key") is not None  # read as hidden text
    for spin in ("Temperature", "Max tokens"):
        assert _one(dialog, "spin button", spin) is not None, spin
    assert _one(dialog, "check box", "Show replies as they are written") is not None
    theme = [c for c in _all(dialog, "combo box") if "Theme" in c["labelled_by"]]
    assert theme, "the theme picker is labelled by its 'Theme' label"
    assert _unnamed(dialog) == [], _outline(dialog)
    assert time.monotonic() - started < 20
