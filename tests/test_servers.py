"""Prove the real-server fixtures work: update, query and Graph Store round trips."""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
import uuid
from collections.abc import Sequence
from pathlib import Path

import pytest
from SPARQLWrapper import DIGEST, JSON, POST, SPARQLWrapper

from tests.servers import (
    REQUIRE_ENV,
    OxigraphServer,
    ServerStartError,
    SparqlServer,
    VirtuosoServer,
    find_free_port,
    require_servers,
)

pytestmark = pytest.mark.servers

NTRIPLES = "application/n-triples"


@pytest.fixture(params=["oxigraph", "virtuoso"])
def server(request: pytest.FixtureRequest) -> SparqlServer:
    """Each test below runs against both session servers."""
    fixture: SparqlServer = request.getfixturevalue(f"{request.param}_server")
    return fixture


def new_graph() -> str:
    return f"urn:medigraph:test:{uuid.uuid4()}"


def sparql(server: SparqlServer, endpoint: str) -> SPARQLWrapper:
    client = SPARQLWrapper(endpoint)
    if server.auth == "digest":
        client.setHTTPAuth(DIGEST)
        client.setCredentials(server.user, server.password)
    return client


def run_update(server: SparqlServer, update: str) -> None:
    client = sparql(server, server.update_endpoint)
    client.setMethod(POST)
    client.setQuery(update)
    client.query()


def ask(server: SparqlServer, query: str) -> bool:
    client = sparql(server, server.query_endpoint)
    client.setQuery(query)
    client.setReturnFormat(JSON)
    result = client.queryAndConvert()
    assert isinstance(result, dict)
    return bool(result["boolean"])


def select_values(server: SparqlServer, query: str, variable: str) -> list[str]:
    client = sparql(server, server.query_endpoint)
    client.setQuery(query)
    client.setReturnFormat(JSON)
    result = client.queryAndConvert()
    assert isinstance(result, dict)
    return [row[variable]["value"] for row in result["results"]["bindings"]]


def count_triples(server: SparqlServer, graph: str) -> int:
    query = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"
    return int(select_values(server, query, "n")[0])


def graph_store(server: SparqlServer, method: str, graph: str, body: str | None = None) -> int:
    """Send one Graph Store Protocol request and return the HTTP status."""
    data = None if body is None else body.encode("utf-8")
    request = urllib.request.Request(server.graph_store_url(graph), data=data, method=method)
    if data is not None:
        request.add_header("Content-Type", NTRIPLES)
    try:
        with server.opener().open(request, timeout=30) as response:
            status: int = response.status
            return status
    except urllib.error.HTTPError as error:
        return error.code


def test_find_free_port_is_bindable() -> None:
    port = find_free_port()
    assert 1024 <= port <= 65535


def test_insert_data_then_ask(server: SparqlServer) -> None:
    graph = new_graph()
    run_update(server, f'INSERT DATA {{ GRAPH <{graph}> {{ <urn:s> <urn:p> "café" }} }}')
    assert ask(server, f'ASK {{ GRAPH <{graph}> {{ <urn:s> <urn:p> "café" }} }}')
    assert not ask(server, f'ASK {{ GRAPH <{graph}> {{ <urn:s> <urn:p> "cafe" }} }}')
    run_update(server, f"DROP SILENT GRAPH <{graph}>")
    assert count_triples(server, graph) == 0


def test_graph_store_put_post_delete(server: SparqlServer) -> None:
    graph = new_graph()
    triples = "".join(f'<urn:s{i}> <urn:p> "value {i}" .\n' for i in range(5))
    assert graph_store(server, "PUT", graph, triples) in (200, 201, 204)
    assert count_triples(server, graph) == 5
    # PUT replaces the graph content.
    assert graph_store(server, "PUT", graph, triples[: triples.index("\n") + 1]) in (200, 201, 204)
    assert count_triples(server, graph) == 1
    assert graph_store(server, "POST", graph, '<urn:x> <urn:p> "added" .\n') in (200, 201, 204)
    assert count_triples(server, graph) == 2
    assert graph_store(server, "DELETE", graph) in (200, 204)
    assert count_triples(server, graph) == 0
    assert graph_store(server, "DELETE", graph) == 404


def test_escapes_round_trip_through_graph_store(server: SparqlServer) -> None:
    graph = new_graph()
    body = '<urn:s> <urn:p> "a\\u0000b \\U0001F600 \\t\\"q\\" \U0001f9ec" .\n'
    assert graph_store(server, "PUT", graph, body) in (200, 201, 204)
    query = f"SELECT ?o WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"
    assert select_values(server, query, "o") == ['a\x00b \U0001f600 \t"q" \U0001f9ec']
    graph_store(server, "DELETE", graph)


def test_virtuoso_rejects_unauthenticated_writes(virtuoso_server: VirtuosoServer) -> None:
    request = urllib.request.Request(
        virtuoso_server.graph_store_url(new_graph()),
        data=b'<urn:s> <urn:p> "x" .\n',
        method="PUT",
        headers={"Content-Type": NTRIPLES},
    )
    with pytest.raises(urllib.error.HTTPError) as raised:
        urllib.request.urlopen(request, timeout=10)
    assert raised.value.code == 401


def test_fresh_oxigraph_starts_empty(fresh_oxigraph: OxigraphServer) -> None:
    query = "SELECT (COUNT(*) AS ?n) WHERE { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }"
    assert select_values(fresh_oxigraph, query, "n") == ["0"]
    run_update(fresh_oxigraph, "INSERT DATA { GRAPH <urn:g> { <urn:s> <urn:p> <urn:o> } }")
    assert count_triples(fresh_oxigraph, "urn:g") == 1


def test_fresh_oxigraph_is_really_fresh(fresh_oxigraph: OxigraphServer) -> None:
    # Runs after the test above wrote to its own fresh server.
    assert count_triples(fresh_oxigraph, "urn:g") == 0


def test_oxigraph_kill_restart_keeps_data(fresh_oxigraph: OxigraphServer) -> None:
    assert_kill_restart_keeps_data(fresh_oxigraph)


@pytest.mark.slow
def test_virtuoso_kill_restart_keeps_data() -> None:
    # Own instance: killing the session server would disturb other tests.
    require_servers(VirtuosoServer)
    with VirtuosoServer() as server:
        assert_kill_restart_keeps_data(server)


def assert_kill_restart_keeps_data(server: SparqlServer) -> None:
    graph = new_graph()
    port, directory = server.port, server.directory
    run_update(server, f"INSERT DATA {{ GRAPH <{graph}> {{ <urn:s> <urn:p> <urn:o> }} }}")
    server.kill()
    assert not server.is_running()
    server.restart()
    assert (server.port, server.directory) == (port, directory)
    assert count_triples(server, graph) == 1
    server.restart()  # a clean stop/start as well
    assert count_triples(server, graph) == 1


def test_stop_removes_process_and_directory() -> None:
    require_servers(OxigraphServer)
    server = OxigraphServer().start()
    process_id, directory = server.pid, server.directory
    server.stop()
    assert not directory.exists()
    assert process_id is not None
    with pytest.raises(ProcessLookupError):
        os.kill(process_id, 0)


def test_results_parse_as_json(oxigraph_server: OxigraphServer) -> None:
    request = urllib.request.Request(
        f"{oxigraph_server.query_endpoint}?query=ASK%20%7B%7D",
        headers={"Accept": "application/sparql-results+json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert json.load(response) == {"head": {}, "boolean": True}


class MissingServer(OxigraphServer):
    name = "Missing"
    install_hint = "not installable"

    @classmethod
    def find_executable(cls) -> Path | None:
        return None


class BrokenOxigraph(OxigraphServer):
    def _command(self, executable: Path, directory: Path) -> Sequence[str]:
        return [*super()._command(executable, directory), "--no-such-option"]


def test_require_servers_skips_missing_executable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(REQUIRE_ENV, raising=False)
    with pytest.raises(pytest.skip.Exception, match="Missing executable not found"):
        require_servers(MissingServer)


def test_require_servers_fails_when_servers_are_required(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(REQUIRE_ENV, "1")
    with pytest.raises(pytest.fail.Exception, match=REQUIRE_ENV):
        require_servers(MissingServer)


def test_failed_start_reports_log_tail() -> None:
    require_servers(OxigraphServer)
    server = BrokenOxigraph()
    with pytest.raises(ServerStartError, match="no-such-option") as raised:
        server.start()
    assert "exited during startup" in str(raised.value)
    assert not server.is_running()
