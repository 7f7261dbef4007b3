"""Shared fixtures: one real index, built once per test session with the network cut off."""

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.ingest.build import BuildSummary, build


class NetworkBlocked(RuntimeError):
    pass


def _refuse(*args: object, **kwargs: object) -> None:
    raise NetworkBlocked("network access attempted during a test that must run offline")


def cut_network(patch: pytest.MonkeyPatch) -> None:
    """Any connection attempt, name lookup included, fails at once."""
    patch.setattr(socket.socket, "connect", _refuse)
    patch.setattr(socket.socket, "connect_ex", _refuse)
    patch.setattr(socket, "create_connection", _refuse)
    patch.setattr(socket, "getaddrinfo", _refuse)


@pytest.fixture(scope="session")
def offline_build(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, BuildSummary]:
    """The full corpus built into a fresh folder while every socket connection is refused."""
    index_dir = tmp_path_factory.mktemp("index")
    with pytest.MonkeyPatch.context() as patch:
        cut_network(patch)
        summary = build(index_dir=index_dir)
    return index_dir, summary


@pytest.fixture(scope="session")
def built_index(offline_build: tuple[Path, BuildSummary]) -> Iterator[Path]:
    """The real index, made the live one for the session through HKLAW_INDEX_DIR."""
    index_dir, _ = offline_build
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HKLAW_INDEX_DIR", str(index_dir))
        yield index_dir
