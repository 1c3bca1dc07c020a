"""Fault tests drive the real window too: the UI tests' fixtures."""

from tests.ui.conftest import app, qloop

__all__ = ["app", "qloop"]
