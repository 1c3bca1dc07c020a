"""Console test fixtures: the runner tests' ``model`` (the real ``openai`` client on the
scripted server), shared rather than written twice."""

from tests.runner.conftest import model

__all__ = ["model"]
