"""A bundle opened from the Finder or a desktop menu finds uvx/npx: the login shell's PATH."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import pytest

from threadline.runner import login_path
from threadline.runner.mcp import MCPError, MCPServerConfig, MCPToolset, child_environment

posix_only = pytest.mark.skipif(sys.platform == "win32", reason="no login shell on Windows")


@pytest.fixture
def fake_shell(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A ``$SHELL`` whose profile prints noise and puts ``tools/`` first on PATH."""
    tools = tmp_path / "tools"
    tools.mkdir()
    tool = tools / "uvx-like"
    tool.write_text("#!/bin/sh\nexit 0\n")
    tool.chmod(0o755)
    shell = tmp_path / "shell"
    shell.write_text(
        f'#!/bin/sh\necho "welcome, friend"\nPATH="{tools}:$PATH"\nexport PATH\n'
        'shift 3\nexec /bin/sh -c "$1"\n'  # drops -l -i -c, runs the script
    )
    shell.chmod(0o755)
    monkeypatch.setenv("SHELL", str(shell))
    monkeypatch.setattr(login_path, "_asked", False)
    monkeypatch.setattr(login_path, "_shell_path", None)
    return tools


def test_minimal_path_is_the_bare_system_one() -> None:
    assert login_path.is_minimal("/usr/bin:/bin:/usr/sbin:/sbin")
    assert not login_path.is_minimal("/opt/homebrew/bin:/usr/bin:/bin")


def test_merged_puts_the_login_entries_first_without_duplicates() -> None:
    assert login_path.merged("/usr/bin:/bin", "/home/u/.local/bin:/usr/bin") == (
        "/home/u/.local/bin:/usr/bin:/bin"
    )
    assert login_path.merged("/usr/bin", None) == "/usr/bin"


@posix_only
def test_a_frozen_app_gets_the_login_shells_path(fake_shell: Path) -> None:
    path = login_path.child_path("/usr/bin:/bin", frozen=True)
    assert path.split(os.pathsep)[0] == str(fake_shell)
    assert "/usr/bin" in path.split(os.pathsep)


@posix_only
def test_a_full_path_outside_a_bundle_is_left_alone(fake_shell: Path) -> None:
    current = f"/opt/homebrew/bin{os.pathsep}/usr/bin"
    assert login_path.child_path(current, frozen=False) == current
    assert not login_path._asked  # the shell was not even started


@posix_only
def test_a_shell_that_hangs_is_given_up(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shell = tmp_path / "slow"
    shell.write_text("#!/bin/sh\nsleep 10\n")
    shell.chmod(0o755)
    monkeypatch.setenv("SHELL", str(shell))
    monkeypatch.setattr(login_path, "_asked", False)
    assert login_path.login_shell_path(timeout=0.3) is None
    assert login_path.child_path("/usr/bin", frozen=True) == "/usr/bin"


@posix_only
def test_child_environment_of_a_bundle_uses_it(fake_shell: Path) -> None:
    env = child_environment({}, frozen=True)
    assert env["PATH"].split(os.pathsep)[0] == str(fake_shell)


def test_a_missing_command_is_named() -> None:
    problem = login_path.missing_command("no-such-uvx", "/usr/bin")
    assert problem is not None and "'no-such-uvx' was not found on PATH (/usr/bin)" in problem
    assert login_path.missing_command(sys.executable, "") is None


def test_a_server_whose_command_is_missing_says_which() -> None:
    async def connect() -> str:
        toolset = MCPToolset(MCPServerConfig("tools", command="no-such-uvx"))
        try:
            await toolset.connect()
        except MCPError as exc:
            return str(exc)
        finally:
            await toolset.aclose()
        return "connected"

    message = asyncio.run(connect())
    assert message.startswith("MCP server 'tools' is unavailable: the command 'no-such-uvx'")
