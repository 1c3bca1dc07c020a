"""The environment a stdio MCP server starts with: the SDK's safe default, never ours.

Provider keys live in this process's environment; a child gets the SDK's short list of safe
variables (``PATH``, ``HOME``...), minus what a PyInstaller bundle sets for itself, plus what
its config names. ``PATH`` is completed from the login shell's when needed (``runner.login_path``).
"""

from __future__ import annotations

import sys

from threadline.runner import login_path

# What a PyInstaller bundle sets for itself; a child process must not load the bundle's libraries.
BUNDLE_VARIABLES = ("LD_LIBRARY_PATH", "QT_PLUGIN_PATH")
BUNDLE_PREFIXES = ("_PYI_", "_MEIPASS")


def child_environment(env: dict[str, str], *, frozen: bool | None = None) -> dict[str, str]:
    """The environment of a stdio server: the SDK's safe default, minus a bundle's, plus ``env``.

    In a packaged (PyInstaller) app the inherited part also loses ``LD_LIBRARY_PATH``,
    ``QT_PLUGIN_PATH`` and the bootloader's ``_PYI_*`` variables, which point into the bundle.
    ``PATH`` is completed by the login shell's when needed (see ``runner.login_path``).
    Variables the config names are always passed as given.
    """
    from mcp.client.stdio import get_default_environment

    inherited = get_default_environment()
    is_frozen = bool(getattr(sys, "frozen", False)) if frozen is None else frozen
    if is_frozen:
        inherited = {
            key: value
            for key, value in inherited.items()
            if key not in BUNDLE_VARIABLES and not key.startswith(BUNDLE_PREFIXES)
        }
    # Opened from the Finder or a desktop menu: the login shell's PATH finds uvx, npx...
    path = login_path.child_path(inherited.get("PATH", ""), frozen=is_frozen)
    if path:
        inherited["PATH"] = path
    return {**inherited, **env}
