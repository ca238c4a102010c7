"""Shared pytest fixtures for medigraph tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.servers import OxigraphServer, VirtuosoServer, require_servers


@pytest.fixture(scope="session")
def oxigraph_server() -> Iterator[OxigraphServer]:
    """One Oxigraph server for the whole session; tests share its store."""
    require_servers(OxigraphServer)
    with OxigraphServer() as server:
        yield server


@pytest.fixture(scope="session")
def virtuoso_server() -> Iterator[VirtuosoServer]:
    """One Virtuoso server for the whole session; tests share its database."""
    require_servers(VirtuosoServer)
    with VirtuosoServer() as server:
        yield server


@pytest.fixture
def fresh_oxigraph() -> Iterator[OxigraphServer]:
    """A new Oxigraph server with an empty store, for tests that need isolation."""
    require_servers(OxigraphServer)
    with OxigraphServer() as server:
        yield server
