"""``medigraph serve``: a read-only SPARQL 1.1 endpoint and a query page, checked over real HTTP
and in a real (headless) browser."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import shutil
import socket
import subprocess
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from medigraph.cli import cli
from medigraph.export import export
from medigraph.serve import QueryServer, make_server, serve_in_thread
from medigraph.store import open_read_only

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples" / "content"
DOCUMENTS = len(list(EXAMPLES.rglob("*.md")))
COUNT = "SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE { ?c a medigy:CommunityContent }"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[QueryServer]:
    where = tmp_path_factory.mktemp("serve")
    export([EXAMPLES], where / "dump.ttl", store=where / "store", jobs=1)
    running = make_server(where / "store", port=0, timeout=2)
    serve_in_thread(running)
    yield running
    running.shutdown()
    running.server_close()


def fetch(request: urllib.request.Request | str) -> tuple[int, str, bytes]:
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.headers.get_content_type(), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers.get_content_type(), exc.read()


def get(server: QueryServer, query: str, accept: str = "") -> tuple[int, str, bytes]:
    url = server.url + "query?" + urllib.parse.urlencode({"query": query})
    return fetch(urllib.request.Request(url, headers={"Accept": accept} if accept else {}))


def test_binds_loopback_only(server: QueryServer) -> None:
    assert server.server_address[0] == "127.0.0.1"


def test_get_query_answers_sparql_json_by_default(server: QueryServer) -> None:
    status, media, body = get(server, COUNT)
    assert (status, media) == (200, "application/sparql-results+json")
    assert json.loads(body)["results"]["bindings"][0]["n"]["value"] == str(DOCUMENTS)


def _service_listener() -> tuple[socket.socket, str]:
    """A listening socket no request should reach, and a SERVICE clause naming it."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    listener.settimeout(0.5)
    port = listener.getsockname()[1]
    return listener, f"SERVICE <http://127.0.0.1:{port}/> {{ ?s ?p ?o }}"


def test_federated_queries_are_refused(server: QueryServer) -> None:
    """Any web page the user opens can send this endpoint a query: SERVICE would let it make
    the machine fetch other addresses. The word elsewhere (a string, a variable) is fine."""
    listener, service = _service_listener()
    hidden = [
        f"SELECT * {{ {service} }}",
        # what a scanner could take for a comment or a string, and Oxigraph does not
        f"SELECT * {{ BIND(schema:a\\#b AS ?x) {service} }}",
        f"SELECT * {{ BIND(schema:a\\'b AS ?x) {service} }} #'",
        f"SELECT * {{ BIND(<http://x/#\\u0041> AS ?x) {service} }}",
        f'SELECT * {{ BIND(<http://x/\\u0022> AS ?x) {service} }} #"',
    ]
    with listener:
        for query in hidden:
            status, _, body = get(server, query)
            assert status == 403 and b"SERVICE" in body, query
        with pytest.raises(TimeoutError):
            listener.accept()  # nothing was fetched
    status, _, _ = get(server, 'SELECT ?service { BIND("SERVICE" AS ?service) }')
    assert status == 200


def test_a_service_that_a_scanner_misreads_is_refused_by_the_parse(server: QueryServer) -> None:
    """The check that refused SERVICE read the text with a scanner of its own, which took a
    ``.`` before the word for part of a name, ``?x<'a>'`` for an IRI and then a string, and
    ``<?x#>`` for a comparison and then a comment: these queries made the machine fetch the
    address. The worker now asks Oxigraph's parser whether the query has a SERVICE."""
    listener, service = _service_listener()
    hidden = [
        f"SELECT * {{ ?s ?p ?o .{service} }}",
        f"SELECT * {{ ?s ?p ?o\n.{service} }}",
        f"SELECT * {{ ?s ?p ?x FILTER(!(?x<'a>')) {service} #'\n}}",
        f"BASE <http://a/> SELECT * {{ ?s ?p ?x OPTIONAL {{ ?s ?p <?x#> }} {service} }}",
        f"select * {{ ?s ?p ?o .{service.lower()} }}",
    ]
    with listener:
        for query in hidden:
            status, _, body = get(server, query)
            assert (status, body) == (
                403,
                b"this endpoint does not run SERVICE (federated) queries; use medigraph query\n",
            ), query
        with pytest.raises(TimeoutError):
            listener.accept()  # nothing was fetched
    # the word as a prefix, a variable, in a name, a string or an IRI is no SERVICE
    named = (
        "PREFIX service: <http://s/> SELECT ?service ?Service {"
        ' BIND(service:x.service AS ?service) BIND("service" AS ?Service)'
        " FILTER(?service != <http://x/Service>) }"
    )
    status, _, body = get(server, named)
    assert status == 200, body
    assert json.loads(body)["results"]["bindings"][0]["service"]["value"] == "http://s/x.service"


def test_only_its_own_name_and_its_own_page_reach_it(server: QueryServer) -> None:
    """DNS rebinding (a page whose own name resolves to 127.0.0.1) and other pages' forms."""
    port = server.server_address[1]
    url = server.url + "query?" + urllib.parse.urlencode({"query": COUNT})
    for host in (f"127.0.0.1:{port}", f"localhost:{port}", "localhost"):
        assert fetch(urllib.request.Request(url, headers={"Host": host}))[0] == 200, host
    for host in (f"evil.example:{port}", "evil.example", f"127.0.0.1.evil.example:{port}"):
        status, _, body = fetch(urllib.request.Request(url, headers={"Host": host}))
        assert status == 403 and b"unknown host" in body, host
    form = urllib.parse.urlencode({"query": COUNT}).encode()
    for origin, expected in (
        (f"http://127.0.0.1:{port}", 200),
        (f"http://localhost:{port}", 200),
        ("http://evil.example", 403),
        (f"http://127.0.0.1:{port + 1}", 403),
        ("null", 403),
    ):
        request = urllib.request.Request(
            server.url + "query", data=form, headers={"Origin": origin}
        )
        assert fetch(request)[0] == expected, origin


def test_links_forms_and_images_of_other_sites_run_nothing(server: QueryServer) -> None:
    """A GET from a link, a GET form or an image carries no Origin; the browser's
    Sec-Fetch-Site tells another site (or another port) from the page and a typed address."""
    url = server.url + "query?" + urllib.parse.urlencode({"query": COUNT})
    for site, expected in (
        ("cross-site", 403),
        ("same-site", 403),
        ("same-origin", 200),
        ("none", 200),
    ):
        request = urllib.request.Request(url, headers={"Sec-Fetch-Site": site})
        assert fetch(request)[0] == expected, site
    page = server.url + "?" + urllib.parse.urlencode({"query": COUNT})
    linked = fetch(urllib.request.Request(page, headers={"Sec-Fetch-Site": "cross-site"}))
    typed = fetch(urllib.request.Request(page, headers={"Sec-Fetch-Site": "none"}))
    assert linked[0] == typed[0] == 200
    assert b"const autorun = false;" in linked[2] and b"const autorun = true;" in typed[2]


def test_a_bad_content_length_is_a_400(
    server: QueryServer,
) -> None:
    host, port = server.server_address[:2]
    for declared in ("-1", "abc", "1_0", "+5"):
        with socket.create_connection((str(host), port), timeout=5) as connection:
            body = b"query=ASK%7B%7D" * 1000
            connection.sendall(
                b"POST /query HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                b"Content-Type: application/x-www-form-urlencoded\r\n"
                b"Content-Length: " + declared.encode() + b"\r\n\r\n" + body
            )
            reply = connection.recv(200)
        assert reply.startswith(b"HTTP/1.0 400") or reply.startswith(b"HTTP/1.1 400"), reply


def test_an_update_sent_as_a_query_is_refused_as_an_update(server: QueryServer) -> None:
    for update in ("INSERT DATA { <urn:a> <urn:b> <urn:c> }", "PREFIX ex: <urn:x#>\nDROP ALL"):
        status, _, body = get(server, update)
        assert status == 403 and b"read-only" in body
    status, _, _ = get(server, "SELECT * WHERE { ?s ?p }")  # a plain syntax error stays 400
    assert status == 400


@pytest.mark.parametrize(
    ("name", "params"),
    [("stale-topics", ["since=2022-01-01"]), ("orphan-topics", []), ("recent-content", [])],
)
def test_the_page_offers_saved_queries_with_their_parameters_bound(
    server: QueryServer, name: str, params: list[str]
) -> None:
    """A required parameter is bound to its description's example and a default to itself,
    in a VALUES block: the page's query answers as `medigraph query NAME --param …` does."""
    status, _, page = fetch(server.url)
    assert status == 200
    data = page.decode().split("const saved = ", 1)[1].split(";\n", 1)[0]
    text = json.loads(data.replace("<\\/", "</"))[name]["text"]
    status, _, body = get(server, text, "application/sparql-results+json")
    assert status == 200
    args = ["query", "--store", server.workers.store_path, "-q", name, "--format", "json"]
    for value in params:
        args += ["--param", value]
    expected = CliRunner().invoke(cli, args)
    assert expected.exit_code == 0, expected.output
    got = json.loads(body)["results"]["bindings"]
    assert got == json.loads(expected.stdout)["results"]["bindings"] and got


@pytest.mark.parametrize("name", ["stale-topics", "orphan-topics", "content-by-topic"])
def test_the_page_s_query_answers_the_same_given_to_medigraph_query(
    server: QueryServer, name: str, tmp_path: Path
) -> None:
    """The page writes a saved query's values into it; its `# @param` lines then say so
    instead of declaring them, or `medigraph query -f` (which binds a query's own header)
    would ask for `since` again, or bind a second `max` beside the first."""
    status, _, page = fetch(server.url)
    data = page.decode().split("const saved = ", 1)[1].split(";\n", 1)[0]
    text = json.loads(data.replace("<\\/", "</"))[name]["text"]
    status, _, body = get(server, text, "application/sparql-results+json")
    assert status == 200
    (tmp_path / "page.rq").write_text(text, encoding="utf-8")
    args = ["query", "--store", server.workers.store_path, "-q", "--format", "json"]
    result = CliRunner().invoke(cli, [*args, "-f", str(tmp_path / "page.rq")])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["results"] == json.loads(body)["results"]
    written = "@param since" not in text and "@param max" not in text
    assert written and ("@param topic" in text) == (name == "content-by-topic")


def test_content_negotiation(server: QueryServer) -> None:
    status, media, body = get(server, COUNT, "text/csv")
    assert (status, media, body) == (200, "text/csv", f"n\r\n{DOCUMENTS}\r\n".encode())
    status, media, _ = get(server, COUNT, "application/sparql-results+xml")
    assert (status, media) == (200, "application/sparql-results+xml")
    status, media, body = get(
        server, "CONSTRUCT WHERE { ?c a medigy:Community }", "application/n-triples"
    )
    assert (status, media) == (200, "application/n-triples") and body.count(b"\n") == 5
    assert get(server, COUNT, "image/png")[0] == 406


def test_a_protocol_dataset_is_whole(server: QueryServer) -> None:
    """Named graphs alone leave the default graph empty; a default graph alone leaves no named
    graphs (SPARQL 1.1 Query §13.2), as FROM NAMED and FROM in the query do."""
    listing = "SELECT ?g WHERE { GRAPH ?g {} } ORDER BY ?g LIMIT 1"
    graph = get(server, listing, "text/csv")[2].decode().splitlines()[1]

    def count(query: str, **dataset: str) -> int:
        params = {"query": query, **{k.replace("_", "-"): v for k, v in dataset.items()}}
        url = server.url + "query?" + urllib.parse.urlencode(params)
        status, _, body = fetch(urllib.request.Request(url, headers={"Accept": "text/csv"}))
        assert status == 200, body
        return int(body.decode().splitlines()[1])

    triples = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    graphs = "SELECT (COUNT(DISTINCT ?g) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
    assert count(triples, named_graph_uri=graph) == 0
    assert count(graphs, named_graph_uri=graph) == 1
    assert count(graphs, default_graph_uri=graph) == 0
    assert count(triples, default_graph_uri=graph) > 0


def test_a_get_without_a_query_describes_the_service(server: QueryServer) -> None:
    status, media, body = fetch(server.url + "query")
    assert (status, media) == (200, "text/turtle")
    graph = {(str(q.predicate), str(q.object)) for q in ox.parse(body, format=ox.RdfFormat.TURTLE)}
    sd = "http://www.w3.org/ns/sparql-service-description#"
    assert (f"<{sd}endpoint>", f"<{server.url}query>") in graph
    assert (f"<{sd}supportedLanguage>", f"<{sd}SPARQL11Query>") in graph
    status, media, _ = fetch(
        urllib.request.Request(server.url + "query", headers={"Accept": "application/n-triples"})
    )
    assert (status, media) == (200, "application/n-triples")
    assert fetch(server.url + "query?default-graph-uri=http://e.org/g")[0] == 400  # no query


def test_post_form_and_direct_body(server: QueryServer) -> None:
    form = urllib.request.Request(
        server.url + "query",
        data=urllib.parse.urlencode({"query": "ASK { ?c a medigy:Community }"}).encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert json.loads(fetch(form)[2]) == {"head": {}, "boolean": True}
    direct = urllib.request.Request(
        server.url + "query",
        data=b"ASK { ?c a medigy:Nothing }",
        headers={"Content-Type": "application/sparql-query"},
    )
    assert json.loads(fetch(direct)[2]) == {"head": {}, "boolean": False}


def test_a_direct_post_takes_no_query_in_its_url(server: QueryServer) -> None:
    """SPARQL 1.1 Protocol §2.1.3: a direct POST's body is the query. A query in its URL
    too was silently ignored for the body's; other parameters are ignored, as for GET."""

    def direct(url_query: str) -> tuple[int, str, bytes]:
        return fetch(
            urllib.request.Request(
                server.url + "query?" + url_query,
                data=b"ASK {}",
                headers={"Content-Type": "application/sparql-query"},
            )
        )

    status, _, body = direct("query=ASK%7BFILTER(false)%7D")
    assert status == 400 and b"not query in the URL" in body and b"as its body" in body
    assert direct("update=DROP%20ALL")[0] == 400
    assert direct("nocache=1")[0] == 200  # a cache-buster, ignored as for GET and forms
    graph = urllib.parse.urlencode({"default-graph-uri": "http://e.org/g"})
    status, _, body = direct(graph)
    assert status == 200 and json.loads(body)["boolean"] is True


def test_updates_are_refused(server: QueryServer) -> None:
    update = urllib.request.Request(
        server.url + "query",
        data=b"DROP ALL",
        headers={"Content-Type": "application/sparql-update"},
    )
    assert fetch(update)[0] == 403
    form = urllib.request.Request(
        server.url + "update",
        data=b"update=DROP+ALL",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert fetch(form)[0] == 403
    assert json.loads(get(server, COUNT)[2])["results"]["bindings"][0]["n"]["value"] == str(
        DOCUMENTS
    )


def test_syntax_errors_and_timeouts(server: QueryServer) -> None:
    status, _, body = get(server, "SELECT ?x {\n ?x nope:y ?z }")
    assert status == 400 and b"line 2" in body and b"unknown prefix nope:" in body
    status, _, body = get(
        server, "SELECT (COUNT(*) AS ?n) { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
    )
    assert status == 503 and b"did not finish within 2 s" in body


def test_a_comment_ends_at_a_carriage_return(server: QueryServer) -> None:
    """SPARQL (and Oxigraph) end a comment at CR as at LF: read to the next LF, a query with
    CR line ends (as an old Mac editor saves it) hid its CONSTRUCT (answered as solutions: a
    400) and its nesting (the worker crashed on 3,000 braces: a 500)."""
    status, media, body = get(
        server, "# the graph\rCONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } LIMIT 1"
    )
    assert (status, media) == (200, "text/turtle"), body
    deep = "SELECT * WHERE { # deep\r" + "{ " * 3000 + "?s ?p ?o" + " }" * 3000 + " }"
    status, _, body = get(server, deep)
    assert status == 400 and b"nested too deeply (3001 levels; at most 128)" in body, body


def test_a_query_is_only_evaluated_in_a_worker_within_the_timeout(server: QueryServer) -> None:
    """An ASK whose work does not depend on the data ran in the server's own process, during
    the syntax check and past --timeout, before the worker even started."""
    import time

    values = " ".join(str(i) for i in range(1000))
    heavy = (
        f"ASK {{ VALUES ?a {{ {values} }} VALUES ?b {{ {values} }} VALUES ?c {{ {values[:300]} }}"
    )
    heavy += " FILTER(?a + ?b + ?c < 0) }"
    started = time.perf_counter()
    status, _, body = get(server, heavy)
    assert status == 503 and b"did not finish within 2 s" in body
    assert time.perf_counter() - started < 4


CROSS = "SELECT (COUNT(*) AS ?n) { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
"""Runs for ever (and writes no row): only ending its process stops it."""


def test_a_query_past_its_time_is_stopped_and_the_server_goes_on(tmp_path: Path) -> None:
    export([EXAMPLES], tmp_path / "dump.ttl", store=tmp_path / "store", jobs=1)
    running = make_server(tmp_path / "store", port=0, timeout=3, workers=1)
    serve_in_thread(running)
    try:
        assert get(running, COUNT)[0] == 200
        (first,) = running.workers._running
        status, _, body = get(running, CROSS)
        assert status == 503 and b"did not finish within 3 s" in body
        assert not first.alive()  # ended, not left running for nobody
        assert json.loads(get(running, COUNT)[2])["results"]["bindings"][0]["n"]["value"] == str(
            DOCUMENTS
        )
        (second,) = running.workers._running
        assert second is not first and second.alive()
    finally:
        running.shutdown()
        running.server_close()
    assert not second.alive()  # closing the server ends its workers


def test_a_query_whose_client_left_is_stopped(tmp_path: Path) -> None:
    """A client that closes its connection (a closed tab, the page's cancelled run) left its
    query running for nobody until --timeout, its worker taken from the other queries."""
    import time

    export([EXAMPLES], tmp_path / "dump.ttl", store=tmp_path / "store", jobs=1, cache=False)
    running = make_server(tmp_path / "store", port=0, timeout=300, workers=1)
    serve_in_thread(running)
    try:
        endless = "SELECT (COUNT(*) AS ?n) { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
        host, port = running.server_address[:2]
        with socket.create_connection((host, port)) as client:
            path = "/query?" + urllib.parse.urlencode({"query": endless})
            client.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
            deadline = time.monotonic() + 30
            while not running.workers._running and time.monotonic() < deadline:
                time.sleep(0.05)
            (worker,) = running.workers._running
            time.sleep(1)  # in the query now
        deadline = time.monotonic() + 10
        while worker.alive() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not worker.alive(), "the query runs on for nobody"
        # the one worker is free again (a new one starts: slow on a busy machine)
        with urllib.request.urlopen(running.url + "query?query=ASK%7B%7D", timeout=60) as answer:
            assert json.loads(answer.read())["boolean"] is True
    finally:
        running.shutdown()
        running.server_close()


def test_a_deeply_nested_query_is_a_400_and_the_server_goes_on(tmp_path: Path) -> None:
    """Oxigraph's parser overflowed the stack on deep nesting, and the syntax check runs in
    the server's own process: one 10 kB GET ended `medigraph serve` with a segfault. Run as a
    process here, so the old code fails the test instead of ending pytest."""
    import re

    from tests._robust import medigraph_command

    export([EXAMPLES], tmp_path / "dump.ttl", store=tmp_path / "store", jobs=1)
    command = [*medigraph_command(), "serve", "--store", str(tmp_path / "store"), "--port", "0"]
    serving = subprocess.Popen(command, stderr=subprocess.PIPE, text=True)
    try:
        assert serving.stderr is not None
        found = re.search(r"at (http://\S+/) ", serving.stderr.readline())
        assert found, "no address"
        url = found.group(1) + "query?"
        deep = "ASK { FILTER(" + "(" * 5000 + "true" + ")" * 5000 + ") }"
        braces = "SELECT * WHERE " + "{ " * 3000 + "?s ?p ?o" + " }" * 3000
        for text, levels in ((deep, 5002), (braces, 3000)):
            status, _, body = fetch(url + urllib.parse.urlencode({"query": text}))
            assert status == 400, (status, body)
            assert f"nested too deeply ({levels} levels; at most 128)".encode() in body
        status, _, body = fetch(url + "query=ASK%7B%7D")
        assert status == 200 and json.loads(body)["boolean"] is True
        assert serving.poll() is None
    finally:
        serving.terminate()
        serving.wait(10)


def test_ctrl_c_as_soon_as_serve_says_it_stops_it_ends_with_0(tmp_path: Path) -> None:
    """README: Ctrl-C is serve's normal end, so it exits 0 (not 130). The line saying
    "Ctrl-C stops" was printed before Ctrl-C was taken as that end: pressed at once, it was
    "medigraph: interrupted", exit 130."""
    import signal

    from tests._robust import medigraph_command

    export([EXAMPLES], tmp_path / "dump.ttl", store=tmp_path / "store", jobs=1)
    command = [*medigraph_command(), "serve", "--store", str(tmp_path / "store"), "--port", "0"]
    for _ in range(3):
        serving = subprocess.Popen(
            command,
            stderr=subprocess.PIPE,
            text=True,
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        )
        assert serving.stderr is not None
        assert "Ctrl-C stops" in serving.stderr.readline()
        serving.send_signal(signal.SIGINT)
        try:
            code = serving.wait(20)
        except subprocess.TimeoutExpired:
            serving.kill()
            raise
        assert code == 0, serving.stderr.read()
        assert "interrupted" not in serving.stderr.read()


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc (Linux)")
@pytest.mark.parametrize("stop", ["SIGTERM", "SIGHUP"])
def test_kill_stops_the_server_and_the_query_it_runs(tmp_path: Path, stop: str) -> None:
    """SIGTERM (kill, a service manager) and SIGHUP (the terminal closed) ended the server
    alone: its worker, in the middle of a query, ran on orphaned until the query ended."""
    import re
    import signal
    import threading
    import time

    from tests._robust import medigraph_command

    export([EXAMPLES], tmp_path / "dump.ttl", store=tmp_path / "store", jobs=1, cache=False)
    command = [*medigraph_command(), "serve", "--store", str(tmp_path / "store"), "--port", "0"]
    serving = subprocess.Popen(command, stderr=subprocess.PIPE, text=True)

    def children() -> list[int]:
        found = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            with contextlib.suppress(OSError):
                fields = stat.read_text().rsplit(")", 1)[1].split()
                if int(fields[1]) == serving.pid:
                    found.append(int(stat.parent.name))
        return found

    workers: list[int] = []
    try:
        assert serving.stderr is not None
        found = re.search(r"at (http://\S+/) ", serving.stderr.readline())
        assert found, "no address"
        endless = "SELECT (COUNT(*) AS ?n) { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
        url = found.group(1) + "query?" + urllib.parse.urlencode({"query": endless})

        def ask() -> None:
            with contextlib.suppress(OSError):  # the server ends before it answers
                fetch(url)

        asking = threading.Thread(target=ask, daemon=True)
        asking.start()
        deadline = time.monotonic() + 30
        while not (workers := children()) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert workers, "no worker started"
        time.sleep(1)  # the worker is now in the query
        serving.send_signal(getattr(signal, stop))
        assert serving.wait(20) == 0
        deadline = time.monotonic() + 10
        while any(Path(f"/proc/{pid}").exists() for pid in workers) and time.monotonic() < deadline:
            time.sleep(0.1)
        alive = [pid for pid in workers if Path(f"/proc/{pid}").exists()]
        assert not alive, f"worker(s) {alive} still running the query"
    finally:
        if serving.poll() is None:
            serving.kill()
            serving.wait(10)
        for pid in {*workers, *children()}:  # an orphan has another parent now
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)


def test_a_long_chain_is_a_400_not_a_crashed_worker(server: QueryServer) -> None:
    """20,000 UNION, OPTIONAL, MINUS, FILTER or triple patterns in one group parse, but
    overflowed Oxigraph's stack in the worker running them: a 500, the worker gone."""
    n = 20_000
    chains = {
        "UNION": "SELECT * { " + " UNION ".join(["{ ?s ?p ?o }"] * n) + " }",
        "OPTIONAL": "SELECT * { ?s ?p ?o " + "OPTIONAL { ?s ?p ?o } " * n + "}",
        "MINUS": "SELECT * { ?s ?p ?o " + "MINUS { ?s ?p ?o } " * n + "}",
        "FILTER": "SELECT * { ?s ?p ?o " + "FILTER(?o) " * n + "}",
        "triple patterns": "SELECT * { " + " . ".join(["?s ?p ?o"] * n) + " }",
    }
    assert get(server, "ASK {}", "text/csv") == (200, "text/csv", b"true")
    workers = set(server.workers._running)
    for what, text in chains.items():
        status, _, body = fetch(posted(server, text.encode(), "application/sparql-query"))
        assert status == 400, (what, status, body[:300])
        assert b"too long to run" in body and b"at most 500)" in body, what
    assert get(server, "ASK {}", "text/csv") == (200, "text/csv", b"true")
    assert set(server.workers._running) <= workers  # none ended


def test_a_query_slow_to_parse_is_stopped_and_others_are_answered_meanwhile(
    tmp_path: Path,
) -> None:
    """The syntax check ran in the server's own handler thread, outside the time limit, and
    Oxigraph's parser holds the GIL: a 200-byte GET whose parse takes hours (each nested
    SUBSTR( doubles it) stalled the whole server. The parse is now the worker's, stopped
    with it at the time limit. The server is a process of its own here, so the old code
    fails the test instead of stalling pytest."""
    import sys
    import threading
    import time

    export([EXAMPLES], tmp_path / "dump.ttl", store=tmp_path / "store", jobs=1)
    script = (
        "import sys\n"
        "from medigraph.serve import make_server\n"
        "server = make_server(sys.argv[1], port=0, timeout=8, workers=2)\n"
        "print(server.url, flush=True)\n"
        "server.serve_forever()\n"
    )
    serving = subprocess.Popen(
        [sys.executable, "-c", script, str(tmp_path / "store")], stdout=subprocess.PIPE, text=True
    )
    try:
        assert serving.stdout is not None
        url = serving.stdout.readline().strip() + "query?"
        slow = "ASK { FILTER(" + "SUBSTR(" * 28 + "?x" + ", 1)" * 28 + ") }"
        answered: dict[str, tuple[float, int, bytes]] = {}

        def ask(name: str, query: str, wait: float) -> None:
            request = url + urllib.parse.urlencode({"query": query})
            try:
                with urllib.request.urlopen(request, timeout=wait) as response:
                    status, body = response.status, response.read()
            except urllib.error.HTTPError as exc:
                status, body = exc.code, exc.read()
            except OSError as exc:  # no answer in time
                status, body = 0, str(exc).encode()
            answered[name] = (time.monotonic(), status, body)

        started = time.monotonic()
        parsing = threading.Thread(target=ask, args=("slow", slow, 60))
        parsing.start()
        time.sleep(1)  # the slow one is being parsed
        ask("simple", "ASK {}", 30)
        parsing.join(70)
        when, status, body = answered["simple"]
        assert status == 200 and json.loads(body)["boolean"] is True, body
        assert "slow" not in answered or when <= answered["slow"][0], "answered after the slow one"
        slow_when, status, body = answered["slow"]
        assert status == 503 and b"did not finish within 8 s" in body, (status, body)
        assert slow_when - started < 40
        ask("after", "ASK {}", 30)
        assert answered["after"][1] == 200
        assert serving.poll() is None
    finally:
        serving.kill()
        serving.wait(10)


def test_an_answer_is_sent_whole_from_its_file(server: QueryServer, tmp_path: Path) -> None:
    """Every format the server offers gives exactly what pyoxigraph writes for the query, but
    CSV, which is what `medigraph query --format csv` writes (pyoxigraph's leaves an IRI with
    a comma unquoted)."""
    from medigraph.query import default_prefixes, write_rows
    from medigraph.serve import GRAPH_TYPES, RESULTS_TYPES

    store = open_read_only(Path(server.workers.store_path))
    select = "SELECT ?s ?p ?o { ?s ?p ?o } ORDER BY ?s ?p ?o"
    for media, fmt in RESULTS_TYPES.items():
        status, got_media, body = get(server, select, media)
        assert (status, got_media) == (200, media)
        result = store.query(select, prefixes=default_prefixes())
        if media == "text/csv":
            text = io.StringIO(newline="")
            names = [v.value for v in result.variables]  # type: ignore[union-attr]
            rows = ([s[v] for v in names] for s in result)  # type: ignore[union-attr]
            write_rows(names, rows, "csv", {}, text)
            expected = text.getvalue().encode()
        else:
            expected = result.serialize(format=fmt)  # type: ignore[union-attr]
        assert body == expected and len(body) > 100_000, media
    construct = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"
    for media in ("application/n-triples", "text/turtle"):
        status, _, body = get(server, construct, media)
        assert status == 200
        got = {
            ox.Triple(q.subject, q.predicate, q.object)
            for q in ox.parse(body, format=GRAPH_TYPES[media])  # type: ignore[arg-type]
        }
        expected_triples = set(store.query(construct, prefixes=default_prefixes()))  # type: ignore[arg-type]
        assert got == expected_triples and len(got) > 1000, media


def test_xml_answers_keep_a_carriage_return_and_refuse_what_xml_cannot_hold(
    server: QueryServer,
) -> None:
    """Oxigraph writes a CR raw, which every XML parser reads as LF, and a control character
    raw, which makes the document unreadable: a CR is written &#13;, and an answer with a
    character XML 1.0 cannot represent is a 406 that says to ask for another format."""
    import xml.etree.ElementTree as ET

    results = "{http://www.w3.org/2005/sparql-results#}literal"
    for accept in ("application/sparql-results+xml", "application/xml"):
        status, _, body = get(server, r'SELECT ?x { BIND("cr\rx\r\ny" AS ?x) }', accept)
        assert status == 200
        assert next(ET.fromstring(body).iter(results)).text == "cr\rx\r\ny"
    status, _, body = get(
        server, r'CONSTRUCT { <http://e/s> <http://e/p> "cr\rx" } WHERE {}', "application/rdf+xml"
    )
    assert status == 200 and next(ET.fromstring(body).iter("{http://e/}p")).text == "cr\rx"
    for query, accept, other in (
        (r'SELECT ?x { BIND("a\u0001b" AS ?x) }', "application/sparql-results+xml", b"JSON"),
        (r'SELECT ?x { BIND("a\uFFFFb" AS ?x) }', "application/xml", b"JSON"),
        (
            r'CONSTRUCT { <http://e/s> <http://e/p> "a\u001Fb" } WHERE {}',
            "application/rdf+xml",
            b"Turtle",
        ),
    ):
        status, media, body = get(server, query, accept)
        assert (status, media) == (406, "text/plain"), body
        assert b"which XML 1.0 cannot represent" in body and other in body
    status, _, body = get(server, r'SELECT ?x { BIND("a\u0001b" AS ?x) }')
    assert status == 200 and json.loads(body)["results"]["bindings"][0]["x"]["value"] == "a\x01b"


def test_rdf_xml_refuses_a_predicate_it_cannot_name(server: QueryServer) -> None:
    """RDF/XML writes a predicate as an element whose name is the end of its IRI: for one
    that ends in no XML name (``http://e/1``, ``…#``) Oxigraph wrote ``<oxprefix:>``, a
    document no XML parser reads; it is now a 406 that says what to ask for."""
    from xml.dom import minidom

    for predicate in ("http://e/1", "http://e/a#", "http://e/a/", "http://e/a%20"):
        query = f'CONSTRUCT {{ <urn:a> <http://e/ok> "x" ; <{predicate}> "y" }} WHERE {{}}'
        status, _, body = get(server, query, "application/rdf+xml")
        assert status == 406, (predicate, body)
        assert f"predicate <{predicate}>".encode() in body and b"Turtle or N-Triples" in body
        assert get(server, query, "text/turtle")[0] == 200
    for predicate in ("http://e/a1", "http://e/1a", "urn:x:b", "http://e/a."):
        query = f'CONSTRUCT {{ <urn:a> <{predicate}> "y" }} WHERE {{}}'
        status, media, body = get(server, query, "application/rdf+xml")
        assert (status, media) == (200, "application/rdf+xml"), body
        minidom.parseString(body)  # well-formed


def test_a_character_xml_cannot_hold_is_found_across_writes() -> None:
    from medigraph.serve import NotRepresentable, _XmlText

    out = io.BytesIO()
    xml = _XmlText(out, "JSON")
    xml.write(b"<a>cr\r")
    xml.write(b"x \xef\xbf")  # the first two bytes of U+FFFE
    with pytest.raises(NotRepresentable, match="U\\+FFFE"):
        xml.write(b"\xbe</a>")
    assert out.getvalue() == b"<a>cr&#13;x \xef\xbf"


def test_csv_quotes_an_iri_with_a_comma(server: QueryServer) -> None:
    select = 'SELECT ?a ?b { BIND(<http://e/x?y=1,2> AS ?a) BIND("z, \\"q\\"" AS ?b) }'
    status, _, body = get(server, select, "text/csv")
    assert status == 200
    assert list(csv.reader(io.StringIO(body.decode(), newline=""))) == [
        ["a", "b"],
        ["http://e/x?y=1,2", 'z, "q"'],
    ]


def test_serve_command_without_a_store_says_how_to_build_one(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["serve", "--store", str(tmp_path / "none")])
    assert result.exit_code == 2 and "medigraph export" in result.output
    assert "--endpoint" not in result.output  # serve has none


def test_an_idle_worker_that_died_is_replaced(tmp_path: Path) -> None:
    export([EXAMPLES], tmp_path / "dump.ttl", store=tmp_path / "store", jobs=1)
    running = make_server(tmp_path / "store", port=0, timeout=5, workers=1)
    serve_in_thread(running)
    try:
        assert get(running, "ASK {}")[0] == 200
        (first,) = running.workers._running
        first.process.kill()  # the OOM killer, say, while it waits for a query
        first.process.wait(5)
        status, _, body = get(running, "ASK { ?s ?p ?o }")
        assert (status, json.loads(body)["boolean"]) == (200, True)
        assert not first.alive() and all(w.alive() for w in running.workers._running)
    finally:
        running.shutdown()
        running.server_close()


def test_a_query_process_that_fails_is_a_server_error(server: QueryServer) -> None:
    from medigraph.serve import WorkerFailed

    def broken(*_args: object) -> None:
        raise WorkerFailed("the query process ended unexpectedly (Broken pipe)")

    saved = server.workers.run
    server.workers.run = broken  # type: ignore[method-assign]
    try:
        status, _, body = get(server, "ASK {}")
    finally:
        server.workers.run = saved  # type: ignore[method-assign]
    assert status == 500 and b"ended unexpectedly" in body


def test_a_misjudged_query_form_does_not_end_the_worker(
    server: QueryServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Should the form read from the text ever differ from the parser's, the query gets an
    error and the worker answers the next one: it never dies on a query."""
    import medigraph.serve

    monkeypatch.setattr(medigraph.serve, "query_kind", lambda *_args: "graph")
    status, _, body = get(server, "SELECT ?s { ?s ?p ?o } LIMIT 1")
    assert status == 400, body
    assert b"the query gives solutions, which cannot be written as text/turtle" in body
    monkeypatch.undo()
    workers = set(server.workers._running)
    assert get(server, "ASK {}", "text/csv") == (200, "text/csv", b"true")
    assert set(server.workers._running) == workers  # the same processes


def test_head_and_other_methods(server: QueryServer) -> None:
    url = server.url + "query?" + urllib.parse.urlencode({"query": "ASK {}"})
    for target in (url, server.url):
        with urllib.request.urlopen(urllib.request.Request(target, method="HEAD")) as head:
            assert head.status == 200 and head.read() == b""
            assert int(head.headers["Content-Length"]) > 0
    for method in ("OPTIONS", "PUT", "DELETE"):
        request = urllib.request.Request(server.url + "query", data=b"x", method=method)
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request)
        assert refused.value.code == 405, method
        assert refused.value.headers["Allow"] == "GET, HEAD, POST"


def test_no_other_site_may_frame_the_page(server: QueryServer) -> None:
    """A page elsewhere that framed the query page under a decoy could make the person press
    Run (click-jacking): every answer forbids framing, for browsers old and new."""
    url = server.url + "query?" + urllib.parse.urlencode({"query": "ASK {}"})
    for target in (server.url, server.url + "index.html", url, server.url + "nowhere"):
        try:
            with urllib.request.urlopen(target, timeout=10) as response:
                headers = response.headers
        except urllib.error.HTTPError as exc:
            headers = exc.headers
        assert headers["X-Frame-Options"] == "DENY", target
        assert headers["Content-Security-Policy"] == "frame-ancestors 'none'", target


def test_a_request_line_over_64_kib_is_a_plain_414_that_says_to_post(
    server: QueryServer,
) -> None:
    """http.server answered its own errors with an HTML page, unlike every other error."""
    query = "ASK {}" + " " * 70_000
    status, media, body = get(server, query, "text/csv")
    assert (status, media) == (414, "text/plain")
    assert body.decode().startswith(
        "the request line is longer than 64 KiB; send the query by POST"
    )
    # The same query by POST is answered.
    assert fetch(posted(server, query.encode(), "application/sparql-query")) == (
        200,
        "text/csv",
        b"true",
    )
    host, port = server.server_address[:2]
    with socket.create_connection((str(host), port), timeout=10) as connection:
        connection.sendall(b"GET /query a b HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    head, _, text = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.0 400") and b"Content-Type: text/plain" in head, answer
    assert text.startswith(b"Bad request syntax") and b"<" not in text, answer


def test_a_query_is_blanked_once_and_a_body_over_1_mib_never_read(
    server: QueryServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The server reads a query through several checks (SERVICE, nesting, chains, its form),
    each of which scanned it anew: of a 1 MiB query some 5 s in the server's process. It is
    scanned once now; a body past the 1 MiB limit is refused (413) before it is read."""
    import medigraph.query

    scans: list[int] = []
    scan = medigraph.query._scan

    def counted(text: str) -> Any:
        scans.append(len(text))
        return scan(text)

    monkeypatch.setattr(medigraph.query, "_scan", counted)
    values = " ".join(f"<http://e/{i}>" for i in range(5_000))
    query = f"SELECT (COUNT(*) AS ?n) {{ VALUES ?x {{ {values} }} }}"
    request = posted(server, query.encode(), "application/sparql-query")
    assert fetch(request) == (200, "text/csv", b"n\r\n5000\r\n")
    assert scans == [len(query)]

    scans.clear()
    host, port = server.server_address[:2]
    for framing in (
        b"Content-Length: 1048577\r\n\r\n",
        b"Transfer-Encoding: chunked\r\n\r\n100001\r\n",
    ):
        with socket.create_connection((str(host), port), timeout=10) as connection:
            connection.sendall(
                b"POST /query HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                b"Content-Type: application/sparql-query\r\n" + framing + b"ASK {}"
            )
            answer = b""
            while not answer.endswith(b"large\n") and (chunk := connection.recv(65536)):
                answer += chunk
        assert answer.startswith(b"HTTP/1.0 413") and answer.endswith(b"query too large\n")
    assert scans == []


def test_a_client_still_sending_a_refused_request_gets_the_answer(server: QueryServer) -> None:
    """A 413 or 414 is sent before the request is read whole; closed with the rest unread,
    the connection was reset, and urllib, still sending, got a broken pipe instead of the
    answer that says what to do."""
    big = 16 << 20
    request = posted(server, b" " * big, "application/sparql-query")
    assert fetch(request) == (413, "text/plain", b"query too large\n")
    status, media, body = fetch(server.url + "query?query=" + "a" * big)
    assert (status, media) == (414, "text/plain")
    assert b"send the query by POST" in body


def posted(server: QueryServer, data: bytes, media: str) -> urllib.request.Request:
    """A POST of ``data`` to /query as ``media``, asking for CSV."""
    return urllib.request.Request(
        server.url + "query", data=data, headers={"Content-Type": media, "Accept": "text/csv"}
    )


def test_a_query_that_is_not_utf8_is_a_400_unless_its_charset_says(server: QueryServer) -> None:
    select = 'SELECT ("café" AS ?x) {}'
    declared = posted(
        server, select.encode("latin-1"), "application/sparql-query; charset=iso-8859-1"
    )
    assert fetch(declared)[2].decode() == "x\r\ncafé\r\n"
    undeclared = posted(server, select.encode("latin-1"), "application/sparql-query")
    status, _, body = fetch(undeclared)
    assert status == 400 and b"not utf-8 text" in body
    status, _, body = fetch(server.url + "query?query=SELECT%20(%22caf%E9%22%20AS%20%3Fx)%20%7B%7D")
    assert status == 400 and b"not utf-8 text" in body
    form = posted(
        server,
        b"query=SELECT+%28%22caf%E9%22+AS+%3Fx%29+%7B%7D",
        "application/x-www-form-urlencoded",
    )
    assert fetch(form)[0] == 400


def test_a_form_body_is_utf8_raw_or_escaped(server: QueryServer) -> None:
    """A form body (and a query string) is UTF-8 unless a charset says otherwise, bytes
    written raw (curl --data-binary) as much as percent-escaped ones: not Latin-1."""
    select = 'query=SELECT ?x { BIND("café" AS ?x) }'
    for media in (
        "application/x-www-form-urlencoded",
        "application/x-www-form-urlencoded; charset=utf-8",
    ):
        assert fetch(posted(server, select.encode(), media))[2].decode() == "x\r\ncafé\r\n", media
    latin = posted(
        server, select.encode("latin-1"), "application/x-www-form-urlencoded; charset=iso-8859-1"
    )
    assert fetch(latin)[2].decode() == "x\r\ncafé\r\n"
    bad = posted(server, select.encode("latin-1"), "application/x-www-form-urlencoded")
    status, _, body = fetch(bad)
    assert status == 400 and b"not utf-8 text" in body
    host, port = server.server_address[:2]
    with socket.create_connection((str(host), port), timeout=10) as connection:
        connection.sendall(
            b"GET /query?query=SELECT+?x+{+BIND(%22caf\xc3\xa9%22+AS+?x)+} HTTP/1.0\r\n"
            b"Host: 127.0.0.1\r\nAccept: text/csv\r\n\r\n"
        )
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    assert answer.endswith("\r\n\r\nx\r\ncafé\r\n".encode()), answer


def test_an_unknown_charset_is_named_and_a_bom_is_not_sparql(server: QueryServer) -> None:
    unknown = urllib.request.Request(
        server.url + "query",
        data=b"ASK {}",
        headers={"Content-Type": "application/sparql-query; charset=bogus"},
    )
    status, _, body = fetch(unknown)
    assert status == 400 and body == b"unknown charset 'bogus'\n"
    # Python codecs that are no character set: bytes to bytes (decoding them raised
    # LookupError: no answer at all), and punycode (quadratic), idna, undefined.
    for charset in ("rot13", "base64", "zlib", "punycode", "IDNA", "undefined"):
        for media, data in (
            ("application/sparql-query", b"ASK {}"),
            ("application/x-www-form-urlencoded", b"query=ASK+%7B%7D"),
        ):
            request = urllib.request.Request(
                server.url + "query",
                data=data,
                headers={"Content-Type": f"{media}; charset={charset}"},
            )
            expected = f"{charset.lower()!r} is not a character set\n".encode()
            assert fetch(request) == (400, "text/plain", expected), (charset, media)
    for media, data in (
        ("application/sparql-query", "\ufeffASK {}".encode()),
        ("application/x-www-form-urlencoded", b"query=%EF%BB%BFASK+%7B%7D"),
    ):
        bom = urllib.request.Request(
            server.url + "query", data=data, headers={"Content-Type": media, "Accept": "text/csv"}
        )
        assert fetch(bom) == (200, "text/csv", b"true"), media


def test_a_chunked_body_is_read(server: QueryServer) -> None:
    host, port = server.server_address[:2]
    with socket.create_connection((str(host), port), timeout=10) as connection:
        connection.sendall(
            b"POST /query HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n"
            b"Content-Type: application/sparql-query\r\nAccept: text/csv\r\n\r\n"
            b"6\r\nASK { \r\nA\r\n?s ?p ?o }\r\n0\r\n\r\n"
        )
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    assert answer.startswith(b"HTTP/1.0 200") and answer.endswith(b"\r\n\r\ntrue"), answer


@pytest.mark.parametrize("size", [b"-1", b"+6", b"0x6", b"6_0", b" ", b"\xd9\xa6"])
def test_a_chunk_size_is_hex_digits_only(server: QueryServer, size: bytes) -> None:
    """int(…, 16) takes "-1" (rfile.read(-1) reads to the end of the stream, past the 1 MiB
    limit), "+6", "0x6", "6_0" and other digits: none is a chunk size."""
    host, port = server.server_address[:2]
    with socket.create_connection((str(host), port), timeout=10) as connection:
        connection.sendall(
            b"POST /query HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n"
            b"Content-Type: application/sparql-query\r\n\r\n" + size + b"\r\nASK {}"
        )
        connection.settimeout(5)  # answered at once, while the client holds the connection
        answer = b""
        while not answer.endswith(b"body\n") and (chunk := connection.recv(65536)):
            answer += chunk
    assert answer.startswith(b"HTTP/1.0 400") and answer.endswith(b"malformed chunked body\n")


@pytest.mark.parametrize(
    ("coding", "body", "status"),
    [
        (b"chunked", b"6\r\nASK {}ANY TEXT\r\n0\r\n\r\n", b"400"),  # data, then only CRLF
        (b"gzip, chunked", b"6\r\nASK {}\r\n0\r\n\r\n", b"501"),  # a coding not applied
    ],
)
def test_a_chunked_body_is_read_as_rfc_9112_says(
    server: QueryServer, coding: bytes, body: bytes, status: bytes
) -> None:
    host, port = server.server_address[:2]
    with socket.create_connection((str(host), port), timeout=10) as connection:
        connection.sendall(
            b"POST /query HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: "
            + coding
            + b"\r\nContent-Type: application/sparql-query\r\n\r\n"
            + body
        )
        connection.settimeout(5)
        answer = connection.recv(65536)
    assert answer.startswith(b"HTTP/1.0 " + status), answer


def test_a_form_body_that_starts_with_a_byte_order_mark_is_read(server: QueryServer) -> None:
    data = b"\xef\xbb\xbfquery=ASK%20%7B%7D"
    assert fetch(posted(server, data, "application/x-www-form-urlencoded"))[:2] == (
        200,
        "text/csv",
    )


def test_an_empty_query_is_called_empty(server: QueryServer) -> None:
    for text in ("", "# TODO"):
        status, _, body = get(server, text)
        assert status == 400 and b"the query is empty" in body, body
        assert b"update" not in body and b"medigraph query" not in body


def test_a_client_that_stops_reading_leaves_no_traceback(
    server: QueryServer, capsys: pytest.CaptureFixture[str]
) -> None:
    for error in (ConnectionResetError(104, "reset"), BrokenPipeError(32, "pipe")):
        try:
            raise error
        except ConnectionError:
            server.handle_error(None, ("127.0.0.1", 1))
    assert capsys.readouterr().err == ""


def test_media_ranges_choose_among_the_offered_types(server: QueryServer) -> None:
    assert get(server, COUNT, "text/*")[1] == "text/csv"
    construct = "CONSTRUCT WHERE { ?c a medigy:Community }"
    assert get(server, construct, "application/*")[1] == "application/n-triples"
    assert get(server, construct, "text/*")[1] == "text/turtle"
    assert get(server, COUNT, "*/*")[1] == "application/sparql-results+json"
    assert get(server, COUNT, "image/*")[0] == 406


def test_the_most_specific_range_weighs_and_q_0_excludes(server: QueryServer) -> None:
    """RFC 9110 §12.5.1: a type's weight is the most specific matching range's, and q=0
    makes it not acceptable, even where a wildcard would take it."""
    construct = "CONSTRUCT WHERE { ?c a medigy:Community }"
    for accept, query, chosen in (
        ("*/*, application/sparql-results+json;q=0", COUNT, "application/sparql-results+xml"),
        (
            "application/*, application/sparql-results+json;q=0",
            COUNT,
            "application/sparql-results+xml",
        ),
        ("text/*, text/csv;q=0", COUNT, "text/tab-separated-values"),
        ("text/*;q=0.9, text/csv;q=0.1", COUNT, "text/tab-separated-values"),
        ("text/csv;q=0.1, text/*;q=0.9", COUNT, "text/tab-separated-values"),
        ("*/*, text/turtle;q=0", construct, "application/n-triples"),
        ("Text/CSV;Q=0.5, text/tab-separated-values;q=0.4", COUNT, "text/csv"),
        ("text/csv;q=0.5, text/tab-separated-values;q=0.5", COUNT, "text/csv"),  # the first
        ("*/*;q=.2", COUNT, "application/sparql-results+json"),  # Java's default
        ("application/json", COUNT, "application/json"),  # another name, when named
    ):
        assert get(server, query, accept)[1] == chosen, accept
    for accept in ("text/csv;q=0, */*;q=0", "application/sparql-results+json;q=0"):
        assert get(server, COUNT, accept)[0] == 406, accept


def test_a_malformed_weight_is_ignored(server: QueryServer) -> None:
    """A q that is no number from 0 to 1 is ignored, as if not given (1): `q=abc` once
    read as 0, so the type was refused, and q=1.5 outranked the types of weight 1."""
    tsv = "text/tab-separated-values;q=0.5"
    assert get(server, COUNT, f"text/csv;q=abc, {tsv}")[1] == "text/csv"
    assert get(server, COUNT, "text/csv;q=abc")[0] == 200
    outranked = "text/tab-separated-values, text/csv;q=1.5"  # both 1: the first listed
    assert get(server, COUNT, outranked)[1] == "text/tab-separated-values"


def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def _page_dom(url: str, tmp_path: Path) -> subprocess.CompletedProcess[bytes]:
    """The page at ``url`` as headless Chromium leaves it once its scripts ran (the DOM on
    stdout); skipped without Chromium, a failure where MEDIGRAPH_REQUIRE_SERVERS=1."""
    browser = _chromium()
    if browser is None:
        if os.environ.get("MEDIGRAPH_REQUIRE_SERVERS") == "1":
            pytest.fail("chromium not found and MEDIGRAPH_REQUIRE_SERVERS=1 forbids skipping")
        pytest.skip(
            "chromium not found (apt-get install chromium) — the page is not checked in a browser"
        )
    # --virtual-time-budget lets the page's fetches finish before the DOM is dumped.
    command = [
        browser,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        f"--user-data-dir={tmp_path / 'profile'}",
        "--virtual-time-budget=10000",
        "--dump-dom",
        url,
    ]
    return subprocess.run(command, capture_output=True, timeout=60, check=False)


def test_query_page_shows_a_table_in_a_real_browser(server: QueryServer, tmp_path: Path) -> None:
    query = "SELECT DISTINCT ?community WHERE { ?c medigy:community/schema:name ?community } ORDER BY ?community"
    url = server.url + "?" + urllib.parse.urlencode({"query": query})
    done = _page_dom(url, tmp_path)
    dom = done.stdout.decode()
    assert '<table id="results">' in dom, done.stderr.decode()[-2000:]
    assert 'data-rows="5"' in dom
    for name in ("Chronic Care Management (CCM)", "Value-Based Care (VBC)"):
        assert f"<td>{name}</td>" in dom


def test_the_page_says_when_the_server_does_not_answer(
    server: QueryServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A query whose request gets no answer at all (the server stopped, or its connection
    lost) left the page saying "running…" for ever: the failed fetch was never caught."""
    from medigraph.serve import Handler

    def hang_up(handler: Handler) -> None:
        handler.close_connection = True  # no status line, no body: as a stopped server

    monkeypatch.setattr(Handler, "do_POST", hang_up)
    url = server.url + "?" + urllib.parse.urlencode({"query": "ASK {}"})
    done = _page_dom(url, tmp_path)
    dom = done.stdout.decode()
    assert '<div id="status">error</div>' in dom, dom[-3000:]
    assert "no answer from the server" in dom and "is medigraph serve still running?" in dom


def test_the_page_shows_the_answer_to_the_last_query_run(
    server: QueryServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Run a slow query, then (not waiting) another: the slow one's answer, arriving last,
    was shown too, under the second query's text, as if it were its answer."""
    import time

    run = server.workers.run

    def slowly(job: Any, *rest: Any) -> None:
        if "# slow" in job.text:
            time.sleep(1.5)
        run(job, *rest)

    monkeypatch.setattr(server.workers, "run", slowly)
    both = (
        'run("# slow\\nSELECT ?slow WHERE { BIND(1 AS ?slow) }");'
        ' run("SELECT ?fast WHERE { BIND(2 AS ?fast) }");'
    )
    monkeypatch.setattr(server, "page", server.page.replace("</script>", both + "</script>"))
    done = _page_dom(server.url, tmp_path)
    dom = done.stdout.decode()
    shown = dom[dom.find('<div id="status"') : dom.find("<script>")]
    assert "<th>fast</th>" in shown, shown
    assert "<th>slow</th>" not in dom and dom.count("<table") == 1


def test_a_closed_server_leaves_no_answer_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An answer's temporary file was removed by the request's own thread once it was sent:
    a server stopped meanwhile (Ctrl-C, kill; the thread cut short by the exit) left it in
    the temporary folder, of any size."""
    import threading

    from medigraph.serve import Handler

    export([EXAMPLES], tmp_path / "d.ttl", store=tmp_path / "store", jobs=1, cache=False)
    sending, release = threading.Event(), threading.Event()
    being_sent: list[Path] = []

    send = Handler._send_file

    def stuck(handler: Handler, status: Any, media: str, payload: Any) -> None:
        if handler.server is not running:  # another test's server, still answering
            send(handler, status, media, payload)
            return
        being_sent.append(Path(payload.name))
        sending.set()  # a slow client: the answer is still being sent
        release.wait(30)

    monkeypatch.setattr(Handler, "_send_file", stuck)
    running = make_server(tmp_path / "store", port=0, timeout=60)
    serve_in_thread(running)

    def ask() -> None:
        with contextlib.suppress(OSError):  # its answer is never sent
            fetch(running.url + "query?query=ASK%7B%7D")

    asking = threading.Thread(target=ask)
    asking.start()
    try:
        assert sending.wait(30)
        (answer,) = being_sent
        assert answer.exists()
        running.shutdown()
        running.server_close()
        assert not answer.exists()
    finally:
        release.set()
        asking.join(30)


def test_a_closed_server_lets_go_of_the_store(tmp_path: Path) -> None:
    """As the README says to stop one (shutdown, then server_close): an export in the same
    process can write the store again, and a second server can open it."""
    store = tmp_path / "store"
    export([EXAMPLES], tmp_path / "d.ttl", store=store, jobs=1, cache=False)
    for _ in range(2):
        running = make_server(store, port=0)
        serve_in_thread(running)
        running.shutdown()
        running.server_close()
    assert export([EXAMPLES], tmp_path / "d.ttl", store=store, jobs=1, cache=False).exit_code == 0


def test_a_port_in_use_is_a_clear_error_not_a_traceback(tmp_path: Path) -> None:
    store = tmp_path / "store"
    export([EXAMPLES], tmp_path / "d.ttl", store=store, jobs=1, cache=False)
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        done = CliRunner().invoke(cli, ["serve", "--store", str(store), "--port", str(port)])
    assert done.exit_code == 2, done.output
    assert f"cannot listen on 127.0.0.1:{port}" in done.output
    assert "Traceback" not in done.output


def test_ipv6_loopback(tmp_path: Path) -> None:
    if not socket.has_ipv6:
        pytest.skip("no IPv6 on this machine")
    store = tmp_path / "store"
    export([EXAMPLES], tmp_path / "d.ttl", store=store, jobs=1, cache=False)
    try:
        running = make_server(store, host="::1", port=0)
    except OSError:
        pytest.skip("::1 cannot be bound here")
    serve_in_thread(running)
    try:
        assert running.url.startswith("http://[::1]:")
        status, _type, body = fetch(running.url + "query?query=ASK%7B%7D")
        assert status == 200 and json.loads(body)["boolean"] is True
    finally:
        running.shutdown()
        running.server_close()


def test_a_query_process_is_ended_once_by_two_threads(tmp_path: Path) -> None:
    """At SIGTERM the server's closing ended the query process while the handler whose query
    it ran ended it too (its pipe had closed): both closed its pipes, and the second close of
    a descriptor failed (EBADF, `serve` exited 2 instead of 0) or closed one opened meanwhile.
    Ending a worker is now done once, whoever asks and however often."""
    import threading

    from medigraph.query import default_prefixes
    from medigraph.serve import _Worker

    export([EXAMPLES], tmp_path / "dump.ttl", store=tmp_path / "store", jobs=1)
    worker = _Worker(str(tmp_path / "store"), default_prefixes())
    kills: list[int] = []
    real_kill = worker.process.kill

    def counted_kill() -> None:
        kills.append(1)
        real_kill()

    worker.process.kill = counted_kill  # type: ignore[method-assign]
    failed: list[BaseException] = []

    def end() -> None:
        try:
            worker.kill()
        except BaseException as exc:  # what the test is about
            failed.append(exc)

    both = [threading.Thread(target=end) for _ in range(2)]
    for thread in both:
        thread.start()
    for thread in both:
        thread.join(30)
    worker.kill()  # a third time, after both: nothing more to do
    assert not failed, failed
    assert kills == [1]
    assert worker.process.returncode is not None


@pytest.mark.parametrize("workers", [0, -1])
def test_a_server_without_a_query_process_is_refused(tmp_path: Path, workers: int) -> None:
    """``make_server(store, workers=-1)`` made a server that answered every query 503, "no
    query process was free within 60 s (all -1 busy)", and ``workers=0`` one with the
    default number: each is a ValueError now, before the store is opened."""
    with pytest.raises(ValueError, match="workers must be at least 1"):
        make_server(tmp_path / "no store", workers=workers)


def test_a_server_that_cannot_bind_lets_go_of_the_store_even_when_the_error_is_kept(
    tmp_path: Path,
) -> None:
    """``make_server`` opens the store (holding its lock) before it binds the port. When the
    bind failed, the error's traceback kept the store open: a program that kept the error
    (a REPL keeps the last one, a logger or a retry loop may too) could no longer export
    into it ("in use by another process", after waiting 10 s)."""
    import gc

    from medigraph.store import open_writable

    store = tmp_path / "store"
    export([EXAMPLES], tmp_path / "dump.ttl", store=store, jobs=1)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        kept: list[BaseException] = []
        for port, base in ((taken.getsockname()[1], "https://medigy.com/"), (0, "nope")):
            try:
                make_server(store, port=port, base=base)
            except Exception as exc:  # OSError (address in use), MappingError (base)
                kept.append(exc)
            gc.collect()
            open_writable(store, wait=0)  # StoreError while the lock is held
        assert len(kept) == 2
