"""Package boundaries: the runner and the store never import Qt; public names stay exported."""

from __future__ import annotations

import ast
from pathlib import Path

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
    ]:
        assert name in runner_pkg.__all__ and hasattr(runner_pkg, name)
    for name in ["SessionService", "Session", "InMemorySessionService", "SQLiteSessionService"]:
        assert name in sessions_pkg.__all__ and hasattr(sessions_pkg, name)
    assert sorted(runner_pkg.__all__) == list(runner_pkg.__all__)
