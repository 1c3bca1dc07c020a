"""Package boundaries: the runner and the store never import Qt; public names stay exported."""

from __future__ import annotations

import ast
import subprocess
import sys
import types
from pathlib import Path

import pytest

import threadline.console as console_pkg
import threadline.core as core_pkg
import threadline.runner as runner_pkg
import threadline.sessions as sessions_pkg

PACKAGE = Path(__file__).resolve().parents[2] / "desktop" / "threadline"
QT_MODULES = ("PySide6", "qasync", "shiboken6", "PyQt5", "PyQt6")


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_only_ui_imports_qt() -> None:
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        if "ui" in path.relative_to(PACKAGE).parts[:1]:
            continue
        for name in imported_modules(path):
            if name.split(".")[0] in QT_MODULES:
                offenders.append(f"{path.relative_to(PACKAGE)} imports {name}")
    assert offenders == []


def imports_of(package: str) -> dict[str, set[str]]:
    """The ``threadline`` modules each module of ``package`` imports (lazy imports too)."""
    found: dict[str, set[str]] = {}
    for path in (PACKAGE / package).rglob("*.py"):
        names = {n for n in imported_modules(path) if n.startswith("threadline")}
        found[str(path.relative_to(PACKAGE))] = names
    return found


@pytest.mark.parametrize(
    ("package", "allowed"),
    [
        ("core", ("threadline.core",)),
        ("sessions", ("threadline.core", "threadline.sessions")),
        # threadline.presets: the provider presets, plain data the provider form shares.
        ("runner", ("threadline.core", "threadline.runner", "threadline.presets")),
        # threadline chat: the runner in a terminal, beside app (never importing it or Qt).
        (
            "console",
            ("threadline.core", "threadline.runner", "threadline.sessions", "threadline.console"),
        ),
    ],
)
def test_layers_import_only_below_them(package: str, allowed: tuple[str, ...]) -> None:
    offenders = [
        f"{module} imports {name}"
        for module, names in imports_of(package).items()
        for name in names
        if not any(name == a or name.startswith(a + ".") for a in allowed)
    ]
    assert offenders == []


def test_instance_lock_is_light() -> None:
    """The launcher checks the lock before the first paint: no pydantic, no SQLite store."""
    code = (
        "import sys, threadline.sessions.instance_lock;"
        "print(sorted(m for m in ('pydantic', 'sqlite3', 'threadline.core') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def public_names(package: types.ModuleType) -> set[str]:
    return {
        name
        for name, value in vars(package).items()
        if not name.startswith("_") and not isinstance(value, types.ModuleType)
    }


@pytest.mark.parametrize(
    "package", [core_pkg, runner_pkg, sessions_pkg, console_pkg], ids=lambda p: p.__name__
)
def test_all_lists_exactly_the_public_names(package: types.ModuleType) -> None:
    listed = list(package.__all__)
    assert len(set(listed)) == len(listed), "a name is listed twice"
    assert [name for name in listed if not hasattr(package, name)] == []
    # hasattr above loaded every lazy name, so the namespace now holds all of them.
    assert sorted(public_names(package) - set(listed)) == []


def test_public_names_exported() -> None:
    for name in [
        "Runner",
        "RunConfig",
        "RunResult",
        "Event",
        "EventActions",
        "Message",
        "LLMAgent",
        "ChainAgent",
        "ParallelAgent",
        "CycleAgent",
        "GenerationConfig",
        "function_tool",
        "ToolContext",
        "ApprovalRequest",
        "OpenAIChatModel",
        "MCPServerConfig",
        "MCPToolset",
        # What a custom Model yields, and the one error base.
        "TextChunk",
        "ToolCallChunk",
        "UsageChunk",
        "ThreadlineError",
        "EventTag",
    ]:
        assert name in runner_pkg.__all__ and hasattr(runner_pkg, name)
    for name in ["SessionService", "Session", "InMemorySessionService", "SQLiteSessionService"]:
        assert name in sessions_pkg.__all__ and hasattr(sessions_pkg, name)
    assert "ThreadlineError" in core_pkg.__all__ and "EventTag" in core_pkg.__all__
