"""What ``--smoke-test`` checks besides the window: the keyring and an MCP stdio server.

Packaging runs a built app with ``--smoke-test`` to prove that a frozen bundle still finds
its keyring backend (entry points and native modules the freezer may miss) and can start an
MCP stdio server (the child environment without the bundle's library paths). The checks run
only when asked, so an ordinary smoke launch never touches the user's keyring:

- ``THREADLINE_SMOKE_KEYRING=1``: store, read back and delete a throwaway secret;
- ``THREADLINE_SMOKE_MCP='["command", "arg", ...]'``: start that server and list its tools.

The lines are also written to ``smoke-test.txt`` in the data folder, because a windowed build
on Windows has no stdout to read them from.
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
from pathlib import Path

REPORT_NAME = "smoke-test.txt"
KEYRING_SERVICE = "Threadline smoke test"
TIMEOUT_S = 20.0


async def smoke_checks(folder: Path, title: str) -> list[str]:
    """Runs the requested checks; returns (and writes to the report file) one line each."""
    lines: list[str] = []
    if os.environ.get("THREADLINE_SMOKE_KEYRING") == "1":
        lines.append(await _check_keyring())
    command = os.environ.get("THREADLINE_SMOKE_MCP")
    if command:
        lines.append(await _check_mcp(command))
    failed = any(line.startswith("check failed") for line in lines)
    lines.append(f"smoke test {'failed' if failed else 'ok'}: {title}")
    (folder / REPORT_NAME).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return lines


async def _check_keyring() -> str:
    def round_trip() -> str:
        import keyring

        name, value = "check", secrets.token_hex(8)
        keyring.set_password(KEYRING_SERVICE, name, value)
        try:
            read = keyring.get_password(KEYRING_SERVICE, name)
        finally:
            keyring.delete_password(KEYRING_SERVICE, name)
        backend = type(keyring.get_keyring())
        if read != value:
            raise RuntimeError(f"{backend.__module__}.{backend.__name__} gave back {read!r}")
        return f"{backend.__module__}.{backend.__name__}"

    try:
        backend = await asyncio.wait_for(asyncio.to_thread(round_trip), TIMEOUT_S)
    except Exception as exc:
        return f"check failed: keyring: {type(exc).__name__}: {exc}"
    return f"check ok: keyring {backend}"


async def _check_mcp(command: str) -> str:
    from threadline.runner.mcp import MCPServerConfig, MCPToolset

    try:
        argv = json.loads(command)
        config = MCPServerConfig(
            name="smoke", command=str(argv[0]), args=[str(a) for a in argv[1:]]
        )
    except (ValueError, TypeError, IndexError) as exc:
        return f"check failed: mcp: THREADLINE_SMOKE_MCP is not a JSON list: {exc}"
    toolset = MCPToolset(config)
    try:
        tools = await asyncio.wait_for(toolset.connect(), TIMEOUT_S)
    except Exception as exc:
        return f"check failed: mcp: {type(exc).__name__}: {exc}"
    finally:
        await toolset.aclose()
    return f"check ok: mcp {len(tools)} tools from {argv[0]}"
