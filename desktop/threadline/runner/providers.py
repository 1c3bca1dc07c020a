"""Known OpenAI-compatible providers (``PROVIDER_PRESETS``) and ``provider/model`` names."""

from __future__ import annotations

from threadline.presets import PROVIDER_PRESETS, ProviderPreset
from threadline.runner.openai_model import OpenAIChatModel

__all__ = ["PROVIDER_PRESETS", "ProviderPreset", "resolve_model"]


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
