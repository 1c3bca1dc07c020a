"""Resolves model names such as ``ollama/llama3.2`` to a configured provider's model."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from threadline.runner.models import Model
from threadline.runner.openai_model import OpenAIChatModel


@dataclass(frozen=True)
class Provider:
    """An OpenAI-compatible endpoint. ``api_key`` is looked up when a model is made."""

    name: str
    base_url: str | None
    api_key: Callable[[], str | None] = lambda: None


BUILTIN_PROVIDERS = (
    Provider("openai", "https://api.openai.com/v1"),
    Provider("ollama", "http://localhost:11434/v1"),
    Provider("lmstudio", "http://localhost:1234/v1"),
    Provider("llamacpp", "http://localhost:8080/v1"),
    Provider("vllm", "http://localhost:8000/v1"),
    Provider("openrouter", "https://openrouter.ai/api/v1"),
)


class ProviderRegistry:
    """Named providers; ``resolve("ollama/llama3.2")`` makes a model on the ``ollama`` one.

    A name without a slash goes to the default provider.
    """

    def __init__(
        self, providers: tuple[Provider, ...] = BUILTIN_PROVIDERS, *, default: str = "openai"
    ) -> None:
        self._providers = {p.name: p for p in providers}
        self.default = default

    def register(self, provider: Provider) -> None:
        """Adds or replaces a provider."""
        self._providers[provider.name] = provider

    def get(self, name: str) -> Provider:
        """The provider called ``name``; raises ``KeyError`` with the known names."""
        try:
            return self._providers[name]
        except KeyError:
            known = ", ".join(sorted(self._providers))
            raise KeyError(f"unknown provider {name!r} (known: {known})") from None

    def names(self) -> list[str]:
        """Every provider name, sorted."""
        return sorted(self._providers)

    def resolve(self, model_ref: str) -> Model:
        """A model for ``provider/model`` (or ``model`` on the default provider)."""
        provider_name, _, model_name = model_ref.partition("/")
        if not model_name:
            provider_name, model_name = self.default, model_ref
        provider = self.get(provider_name)
        return OpenAIChatModel(model_name, base_url=provider.base_url, api_key=provider.api_key())
