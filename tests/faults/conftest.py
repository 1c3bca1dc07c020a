"""Fault tests drive the real window too: the UI tests' qasync loop fixture."""

from tests.ui.conftest import qloop

__all__ = ["qloop"]
