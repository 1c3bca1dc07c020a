"""``threadline serve`` without ``--agent``: the teams the desktop app defines in its data
folder (the assistant with its live instruction and built-in tools, and the Agents page's
agents), built as the app builds them and reached through the OpenAI-compatible route."""

from __future__ import annotations

from pathlib import Path

import openai
import pytest

from tests.scripted_server import ScriptedServer, text
from tests.serve.conftest import StartServer
from threadline.app.teams import SPECS_SETTING
from threadline.serve.desktop import load_desktop_teams
from threadline.sessions import SQLiteSessionService
from threadline.settings import SecretStore, save_settings
from threadline.settings.config import AppSettings, ProviderSettings

pytestmark = pytest.mark.asyncio


async def test_the_desktop_apps_teams_are_served_by_name(
    start_server: StartServer, server: ScriptedServer, tmp_path: Path
) -> None:
    folder = tmp_path / "data"
    provider = ProviderSettings(name="test", base_url=server.base_url, model="scripted-large")
    settings = AppSettings(
        provider=provider, instruction="Be kind.", always_allowed_tools=["current_time"]
    )
    save_settings(folder, settings)
    store = SQLiteSessionService(folder / "threadline.db")
    writer = {"name": "writer", "instruction": "Write well.", "tools": ["calculator"]}
    await store.set_setting(SPECS_SETTING, [writer])
    await store.aclose()
    secrets = SecretStore()
    secrets.keep_for_session("provider:test", "sk-test")  # the keyring is not reached

    teams = await load_desktop_teams(folder, secrets=secrets)
    try:
        assert list(teams.agents) == ["assistant", "writer"]
        assert teams.base_config.always_allow == frozenset({"current_time"})
        served = await start_server(teams.agents, base_config=teams.base_config)
        server.script(text("Kindly: hello."), text("Well written."))
        async with openai.AsyncOpenAI(
            base_url=served.url + "/v1", api_key="unused", max_retries=0
        ) as sdk:
            assert [m.id for m in (await sdk.models.list()).data] == ["assistant", "writer"]
            for team, answer in [("assistant", "Kindly: hello."), ("writer", "Well written.")]:
                done = await sdk.chat.completions.create(
                    model=team, messages=[{"role": "user", "content": "Hi"}]
                )
                assert done.choices[0].message.content == answer
    finally:
        await teams.aclose()

    assistant, writer_request = server.requests
    assert assistant["model"] == writer_request["model"] == "scripted-large"
    assert assistant["messages"][0]["content"].startswith("Be kind.")
    assert [t["function"]["name"] for t in assistant["tools"]] == [
        "calculator",
        "current_time",
        "read_text_file",
    ]
    assert writer_request["messages"][0]["content"].startswith("Write well.")
    assert [t["function"]["name"] for t in writer_request["tools"]] == ["calculator"]
    assert server.headers[0]["authorization"] == "Bearer sk-test"
