"""Runner test fixtures: the real ``openai`` client pointed at the scripted server."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio

from tests.scripted_server import ScriptedServer
from threadline.runner import OpenAIChatModel


@pytest_asyncio.fixture
async def model(server: ScriptedServer) -> AsyncIterator[OpenAIChatModel]:
    """An ``OpenAIChatModel`` on the scripted server (closed afterwards)."""
    made = OpenAIChatModel("scripted-large", base_url=server.base_url, api_key="sk-test")
    yield made
    await made.aclose()
