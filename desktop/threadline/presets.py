"""Known OpenAI-compatible servers: the one list of presets (stdlib only, so light).

The provider form shows them while the window builds (before the runner is loaded);
``threadline.runner`` re-exports them and resolves ``provider/model`` names with them.
"""

from __future__ import annotations

from typing import NamedTuple


class ProviderPreset(NamedTuple):
    """How to reach one kind of server.

    Attributes:
        label: The name a person reads (``"LM Studio"``).
        base_url: Its usual OpenAI-compatible endpoint.
        default_model: The model to offer first; ``""`` means whatever the server has loaded
            (ask it with ``GET /models``).
        needs_key: True when the server refuses requests without an API key.
    """

    label: str
    base_url: str
    default_model: str
    needs_key: bool


PROVIDER_PRESETS: dict[str, ProviderPreset] = {
    "openai": ProviderPreset("OpenAI", "https://api.openai.com/v1", "gpt-4o-mini", True),
    "ollama": ProviderPreset("Ollama", "http://localhost:11434/v1", "llama3.2", False),
    "lmstudio": ProviderPreset("LM Studio", "http://localhost:1234/v1", "", False),
    "llamacpp": ProviderPreset("llama.cpp server", "http://localhost:8080/v1", "", False),
    "vllm": ProviderPreset("vLLM", "http://localhost:8000/v1", "", False),
    "openrouter": ProviderPreset(
        "OpenRouter", "https://openrouter.ai/api/v1", "openai/gpt-4o-mini", True
    ),
}
