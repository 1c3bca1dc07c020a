"""Threadline: a desktop client for LLM agents with an embedded asyncio runner."""

__version__ = "0.1.0"
