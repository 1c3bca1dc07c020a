"""Known OpenAI-compatible providers (``PROVIDER_PRESETS``) and ``provider/model`` names."""

from __future__ import annotations

from typing import NamedTuple

from threadline.runner.openai_model import OpenAIChatModel


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


# The one list of presets: the provider form offers these, ``resolve_model`` reads them.
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


def resolve_model(
    model_ref: str, *, api_key: str | None = None, default_provider: str = "openai"
) -> OpenAIChatModel:
    """A model for ``provider/model`` (``ollama/llama3.2``), or ``model`` on the default one.

    Raises:
        KeyError: The provider is not in ``PROVIDER_PRESETS`` (the message names the known
            ones).
    """
    provider, _, model_name = model_ref.partition("/")
    if not model_name:
        provider, model_name = default_provider, model_ref
    preset = PROVIDER_PRESETS.get(provider)
    if preset is None:
        known = ", ".join(sorted(PROVIDER_PRESETS))
        raise KeyError(f"unknown provider {provider!r} (known: {known})")
    return OpenAIChatModel(model_name, base_url=preset.base_url, api_key=api_key)
