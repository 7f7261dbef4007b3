"""The built-in backend, registered like every other: see assistant/answer/extractive.py."""

from assistant.answer.backends.base import Backend


def backend() -> Backend:
    from assistant.answer.extractive import ExtractiveBackend

    return ExtractiveBackend()
