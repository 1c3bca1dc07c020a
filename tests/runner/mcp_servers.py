"""The MCP reference servers from npm (``tests/mcp_servers/package.json``), for tests to start.

``.ci/run`` installs node and npm and runs ``npm ci`` there. Elsewhere the first test that
needs a server runs ``npm ci`` itself when npm is present; without node (or without the
packages and a registry to fetch them from) those tests are skipped, saying why.
"""

from __future__ import annotations

import shutil
import subprocess
import threading
from pathlib import Path

import pytest

from threadline.runner.mcp import MCPServerConfig

PACKAGES = Path(__file__).resolve().parents[1] / "mcp_servers"
BIN = PACKAGES / "node_modules" / ".bin"
_install_lock = threading.Lock()


def npm_server(name: str, program: str, *args: str, **kwargs: object) -> MCPServerConfig:
    """A config that starts ``program`` (a bin of the npm packages) over stdio."""
    if shutil.which("node") is None:
        pytest.skip("node is not installed: apt-get install nodejs npm (.ci/run does)")
    path = BIN / program
    with _install_lock:
        if not path.exists():
            _install()
    if not path.exists():
        pytest.skip(f"{program} is missing from {BIN} after npm ci")
    return MCPServerConfig(name, command=str(path), args=list(args), **kwargs)  # type: ignore[arg-type]


def _install() -> None:
    npm = shutil.which("npm")
    if npm is None:
        pytest.skip(f"npm is not installed, and {BIN} is missing: run npm ci in {PACKAGES}")
    command = "ci" if (PACKAGES / "package-lock.json").exists() else "install"
    try:
        subprocess.run(
            [npm, command, "--no-audit", "--no-fund", "--silent"],
            cwd=PACKAGES,
            check=True,
            capture_output=True,
            timeout=300,
        )
    except (subprocess.SubprocessError, OSError) as exc:
        pytest.skip(f"npm {command} in {PACKAGES} failed (no registry?): {exc}")
