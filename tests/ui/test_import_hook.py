"""The cheaper PySide6 import hook gives PySide6's own answers."""

from __future__ import annotations

import importlib
import json
import sys

import PySide6.QtCore  # noqa: F401 - installs PySide6's import hook

import threadline.ui.common.import_hook as hook
import threadline.ui.shell.panels as uses_pyside


def test_the_direct_read_answers_as_pyside_does() -> None:
    hook.speed_up_pyside_import_hook()
    original = hook.replaced
    assert original is not None and original is not hook._uses_pyside
    for module in (uses_pyside, json, sys, importlib, hook):
        assert hook._uses_pyside(module) == original(module), module.__name__
    assert hook._uses_pyside(uses_pyside) and not hook._uses_pyside(json)


def test_the_hook_is_swapped_in() -> None:
    hook.speed_up_pyside_import_hook()
    assert sys.modules["PySide6.support.feature"]._mod_uses_pyside is hook._uses_pyside
