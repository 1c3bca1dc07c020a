"""mcp-server-git (PyPI) over stdio: a real third-party server working in a real repository."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from threadline.runner.mcp import MCPServerConfig, MCPToolset

pytestmark = pytest.mark.asyncio


async def test_git_server_reports_the_status_of_a_repository(tmp_path: Path) -> None:
    pytest.importorskip("mcp_server_git")
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    repo = tmp_path / "repo"
    repo.mkdir()
    subprocess.run(["git", "init", "-q", str(repo)], check=True)  # noqa: ASYNC221
    (repo / "new_file.txt").write_text("hello\n")
    config = MCPServerConfig(
        "git", command=sys.executable, args=["-m", "mcp_server_git", "--repository", str(repo)]
    )
    toolset = MCPToolset(config)
    await toolset.connect()
    try:
        names = {t.name for t in toolset.tools}
        assert "git_status" in names
        status = await toolset.call("git_status", {"repo_path": str(repo)})
    finally:
        await toolset.aclose()
    assert "new_file.txt" in status
