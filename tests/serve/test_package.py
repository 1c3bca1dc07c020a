"""The serve package's boundaries: its public names, what it imports, and no Qt."""

from __future__ import annotations

import subprocess
import sys
import types

import threadline.serve as serve_pkg
from tests.runner.test_boundaries import imports_of

# What `threadline serve` builds on (pyproject's layer contract says the same for import-linter).
ALLOWED = (
    "threadline.serve",
    "threadline.runner",
    "threadline.sessions",
    "threadline.settings",
    "threadline.core",
    "threadline.paths",
    "threadline.console.loader",
    "threadline.app",  # the desktop app's teams, built without Qt (serve/desktop.py)
)


def test_all_lists_exactly_the_public_names() -> None:
    listed = list(serve_pkg.__all__)
    assert len(set(listed)) == len(listed)
    public = {
        name
        for name, value in vars(serve_pkg).items()
        if not name.startswith("_") and not isinstance(value, types.ModuleType)
    }
    assert sorted(public) == sorted(listed)


def test_serve_imports_only_the_layers_below_it() -> None:
    offenders = [
        f"{module} imports {name}"
        for module, names in imports_of("serve").items()
        for name in names
        if not any(name == a or name.startswith(a + ".") for a in ALLOWED)
    ]
    assert offenders == []


def test_serving_loads_no_qt() -> None:
    code = (
        "import sys, threadline.serve, threadline.serve.desktop;"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('PySide6', 'qasync')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
