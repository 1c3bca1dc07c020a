"""How much of a model's context window a request used ("3.1k / 128k" under a reply).

The OpenAI API does not say how large a model's window is; servers that do (llama.cpp's
``n_ctx``, LM Studio's ``max_context_length``) say it in their own ways. This table knows the
families people run, by name; for any other model the reply shows the tokens used alone.
"""

from __future__ import annotations

# (name fragment, window in tokens): the first fragment found in the lower-cased model name
# wins, so the more specific come first.
_WINDOWS: tuple[tuple[str, int], ...] = (
    ("gpt-4.1", 1_047_576),
    ("gpt-5", 400_000),
    ("gpt-4o", 128_000),
    ("gpt-4-turbo", 128_000),
    ("gpt-4", 8_192),
    ("gpt-3.5", 16_385),
    ("o4-mini", 200_000),
    ("o3", 200_000),
    ("o1", 200_000),
    ("claude", 200_000),
    ("gemini-1.5", 1_000_000),
    ("gemini-2", 1_000_000),
    ("deepseek", 128_000),
    ("llama-3.1", 128_000),
    ("llama3.1", 128_000),
    ("llama-3.2", 128_000),
    ("llama3.2", 128_000),
    ("llama-3.3", 128_000),
    ("llama3.3", 128_000),
    ("qwen2.5", 32_768),
    ("qwen3", 32_768),
    ("mistral-large", 128_000),
    ("mistral", 32_768),
    ("mixtral", 32_768),
    ("gemma-3", 128_000),
    ("gemma3", 128_000),
    ("gemma", 8_192),
    ("phi-4", 16_384),
    ("smollm2", 8_192),
)


def context_window(model: str) -> int | None:
    """The context window of ``model`` in tokens, when its family is known."""
    name = model.lower()
    return next((size for fragment, size in _WINDOWS if fragment in name), None)


def tokens(count: int) -> str:
    """ "950", "3.1k", "128k", "1M": a token count as a reply's footer shows it."""
    if count < 1000:
        return str(count)
    if count < 1_000_000:
        value = count / 1000
        return f"{value:.1f}k".replace(".0k", "k") if value < 10 else f"{value:.0f}k"
    value = count / 1_000_000
    return f"{value:.1f}M".replace(".0M", "M")


def context_line(prompt_tokens: int, model: str) -> str:
    """ "context 3.1k / 128k" (or "context 3.1k" for a model of unknown window)."""
    window = context_window(model)
    used = tokens(prompt_tokens)
    return f"context {used} / {tokens(window)}" if window else f"context {used}"


NEAR_FULL = 0.9  # a request this close to the window gets a warning before it is sent


def overflow_warning(
    last_prompt_tokens: int, last_reply_tokens: int, new_text: str, model: str
) -> str:
    """A warning when the next request would come close to ``model``'s context window ("" when
    it fits or the window is unknown): the last request's prompt and reply, plus the new
    message at about four characters a token."""
    window = context_window(model)
    if not window or not last_prompt_tokens:
        return ""
    estimate = last_prompt_tokens + last_reply_tokens + len(new_text) // 4
    if estimate < NEAR_FULL * window:
        return ""
    return (
        f"This conversation is near the model's context window (about {tokens(estimate)} of"
        f" {tokens(window)} tokens): the server may cut or refuse the oldest messages. A"
        " branch from a recent message, or a new conversation, starts with room again."
    )
