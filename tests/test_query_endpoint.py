"""The same saved queries give the same answers on the embedded store and on a real Oxigraph server."""

from __future__ import annotations

import contextlib
import http.server
import json
import socket
import threading
import time
import unicodedata
from collections.abc import Callable, Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner, Result

from medigraph import query
from medigraph.cli import cli
from medigraph.export import export
from medigraph.push import push
from medigraph.query import saved_queries

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples" / "content"

# Values for every parameter, including hostile text that must stay a term.
PARAMS: dict[str, list[str]] = {
    "community-content": ["community=Chronic Care Management (CCM)"],
    "content-by-topic": ["topic=KLAS: Telehealth"],
    "topics-per-scheme": ["scheme=Symplur"],
    "recent-content": ["since=2022-06-01"],
    "content-per-publisher": ["publisher=healthleadersmedia.com"],
    "authors": ["author=José Álvarez"],
    "stale-topics": ["since=2022-01-01"],
    "orphan-topics": ["max=2"],
    "content-graph": ["id=078e48f8-f2f6-5ea5-a2b4-cc5e4ed56d58"],
}


@pytest.fixture(scope="module")
def loaded(fresh_oxigraph: object, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """(embedded store, endpoint URL): the same corpus exported, and pushed to the server."""
    where = tmp_path_factory.mktemp("endpoint")
    export([EXAMPLES], where / "dump.ttl", store=where / "store", jobs=1)
    server = fresh_oxigraph
    report = push(
        [EXAMPLES],
        endpoint=server.query_endpoint,  # type: ignore[attr-defined]
        update_endpoint=server.update_endpoint,  # type: ignore[attr-defined]
        jobs=1,
    )
    assert report.exit_code == 0 and report.added  # type: ignore[attr-defined]
    return where / "store", server.query_endpoint  # type: ignore[attr-defined]


@pytest.fixture(scope="module")
def fresh_oxigraph() -> object:  # module-scoped twin of the conftest fixture
    from tests.servers import OxigraphServer, require_servers

    require_servers(OxigraphServer)
    with OxigraphServer() as server:
        yield server


def ask_both(store: Path, endpoint: str, name: str) -> tuple[bool, bytes, bytes]:
    """(whether it is a graph query, the embedded store's answer, the endpoint's)."""
    graph = "CONSTRUCT" in saved_queries()[name].text
    fmt = ["--format", "ntriples" if graph else "json"]
    _, local = ask(["--store", str(store)], name, fmt)
    _, remote = ask(["--endpoint", endpoint], name, fmt)
    return graph, local, remote


def ask(where: list[str], name: str, extra: list[str]) -> tuple[int, bytes]:
    args = ["query", *where, "-q", name, *extra]
    for value in PARAMS.get(name, []):
        args += ["--param", value]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    return result.exit_code, result.stdout_bytes


@pytest.mark.servers
@pytest.mark.parametrize("name", sorted(saved_queries()))
def test_saved_query_answers_identically_on_oxigraph_server(
    loaded: tuple[Path, str], name: str
) -> None:
    graph, local, remote = ask_both(*loaded, name)
    if graph:
        a = ox.Dataset(
            ox.Quad(t.subject, t.predicate, t.object)
            for t in ox.parse(local, format=ox.RdfFormat.N_TRIPLES)
        )
        b = ox.Dataset(
            ox.Quad(t.subject, t.predicate, t.object)
            for t in ox.parse(remote, format=ox.RdfFormat.N_TRIPLES)
        )
        assert len(a) > 0 and a == b
    else:
        a, b = json.loads(local), json.loads(remote)
        assert a["results"]["bindings"], (
            f"{name} answered nothing: the comparison would prove little"
        )
        assert a == b


@pytest.fixture(
    scope="module", params=["mixed_dates_corpus", "name_variants_corpus", "spread_names_corpus"]
)
def edited(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> object:
    """(embedded store, endpoint URL) for a copy of the examples edited as editors write:
    dates without a time, without a timezone, undated and untitled documents; names spelled
    differently."""
    from tests.servers import OxigraphServer, require_servers

    require_servers(OxigraphServer)
    corpus = request.getfixturevalue(request.param)
    where = tmp_path_factory.mktemp("edited")
    export([corpus], where / "dump.ttl", store=where / "store", jobs=1)
    with OxigraphServer() as server:
        report = push(
            [corpus], endpoint=server.query_endpoint, update_endpoint=server.update_endpoint
        )
        assert report.exit_code == 0
        yield where / "store", server.query_endpoint


@pytest.mark.servers
@pytest.mark.parametrize("name", sorted(set(saved_queries()) - {"content-graph"}))
def test_saved_queries_agree_on_edited_content_pushed_to_oxigraph(
    edited: tuple[Path, str], name: str
) -> None:
    store, endpoint = edited
    required = [p for p in saved_queries()[name].params if p.required]
    extra = [arg for value in PARAMS[name] for arg in ("--param", value)] if required else []
    answers = []
    for where in (["--store", str(store)], ["--endpoint", endpoint]):
        result = CliRunner().invoke(cli, ["query", *where, "-q", name, *extra, "--format", "json"])
        assert result.exit_code == 0, result.output
        answers.append(json.loads(result.stdout))
    assert answers[0] == answers[1]


@pytest.fixture(scope="module")
def normal_forms_pushed(
    normal_forms_corpus: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Path, str]]:
    """(embedded store, endpoint URL) of ``normal_forms_corpus``: names written in NFD and NFC."""
    from tests.servers import OxigraphServer, require_servers

    require_servers(OxigraphServer)
    where = tmp_path_factory.mktemp("normal-forms")
    export([normal_forms_corpus], where / "dump.ttl", store=where / "store", jobs=1)
    with OxigraphServer() as server:
        report = push(
            [normal_forms_corpus],
            endpoint=server.query_endpoint,
            update_endpoint=server.update_endpoint,
        )
        assert report.exit_code == 0
        yield where / "store", server.query_endpoint


@pytest.mark.servers
@pytest.mark.parametrize("written", ["NFD", "NFC"])
@pytest.mark.parametrize("param", ["community", "topic", "author", "publisher", "scheme"])
def test_a_name_parameter_matches_in_either_normal_form_on_the_endpoint(
    normal_forms_pushed: tuple[Path, str], param: str, written: str
) -> None:
    """A name typed in NFC finds the document that writes it in NFD on an endpoint as on the
    embedded store, and the reverse (before, only the document's own form matched)."""
    from tests.conftest import NORMAL_FORM_NAMES

    store, endpoint = normal_forms_pushed
    name = {
        "community": "community-content",
        "topic": "content-by-topic",
        "author": "authors",
        "publisher": "content-per-publisher",
        "scheme": "topics-per-scheme",
    }[param]
    value = NORMAL_FORM_NAMES[written][param]
    answers = []
    for form in ("NFC", "NFD"):
        for where in (["--store", str(store)], ["--endpoint", endpoint]):
            given = f"{param}={unicodedata.normalize(form, value)}"
            args = ["query", *where, "-q", name, "--param", given, "--format", "json"]
            result = CliRunner().invoke(cli, args)
            assert result.exit_code == 0, result.output
            answers.append(json.loads(result.stdout)["results"]["bindings"])
    assert answers[0], f"the {written} document was not found"
    assert all(answer == answers[0] for answer in answers)


@pytest.mark.servers
def test_hostile_parameter_stays_a_term_on_the_endpoint(loaded: tuple[Path, str]) -> None:
    _, endpoint = loaded
    hostile = 'KLAS: Telehealth" } } ; DROP ALL ; #\n'
    args = [
        "query",
        "--endpoint",
        endpoint,
        "-q",
        "content-by-topic",
        "--param",
        f"topic={hostile}",
        "--format",
        "json",
    ]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["results"]["bindings"] == []
    assert ask_for_communities(endpoint, "--union-default-graph") == "true\n"


@pytest.mark.servers
@pytest.mark.parametrize(
    ("name", "given"),
    [
        ("content-by-topic", {"topic": " KLAS: Telehealth"}),
        ("orphan-topics", {"max": 2}),
        ("authors", {"author": "José Álvarez "}),
    ],
)
def test_plain_values_with_the_portable_text_give_the_embedded_rows(
    loaded: tuple[Path, str], name: str, given: dict[str, query.ParamValue]
) -> None:
    """``run_remote(saved.text_for(endpoint=True), params=…)`` binds plain values by the
    portable form's own header, as ``--param`` does: before it had one, ``topic`` bound
    ``?topic`` as a string and ``max`` the string "2", and the endpoint answered other rows."""
    store, endpoint = loaded
    saved = saved_queries()[name]
    local = query.run_embedded(saved.text, store=store, params=given)
    remote = query.run_remote(saved.text_for(endpoint=True), endpoint, params=given)
    assert local.rows and [list(map(str, r)) for r in remote.rows] == [
        list(map(str, r)) for r in local.rows
    ]
    # and the file itself given to the command, as a user copies it
    args = ["query", "--endpoint", endpoint, "--format", "json"]
    args += ["-f", str(saved.path.parent / "endpoint" / saved.path.name)]
    for key, value in given.items():
        args += ["--param", f"{key}={value}"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert len(json.loads(result.stdout)["results"]["bindings"]) == len(local.rows)


@pytest.mark.servers
@pytest.mark.parametrize("server", ["loaded", "virtuoso_loaded"])
@pytest.mark.parametrize(
    "text",
    [
        # Prefix names are case-sensitive: Schema: is not schema:, which stays predeclared.
        "PREFIX Schema: <http://schema.org/>\nSELECT (COUNT(DISTINCT ?s) AS ?n)"
        " { GRAPH ?g { ?g medigy:describes ?s . ?s schema:name ?o . ?s Schema:name ?o } }",
        # A PREFIX in a string declares nothing.
        "SELECT (COUNT(DISTINCT ?s) AS ?n) { GRAPH ?g { ?g medigy:describes ?s ."
        ' ?s schema:name ?o FILTER(?o != "PREFIX schema: <x>") } }',
    ],
)
def test_a_predeclared_prefix_is_sent_unless_the_query_declares_that_very_name(
    request: pytest.FixtureRequest, server: str, text: str
) -> None:
    """Both passed the local check and reached the endpoint without ``schema:`` declared:
    the prefix was compared without regard to case and counted in a string, and Oxigraph
    answered HTTP 400. Virtuoso takes the two names apart as well."""
    store, endpoint = request.getfixturevalue(server)
    local = query.run_embedded(text, store=store)
    remote = query.run_remote(text, endpoint)
    counts = [int(a.rows[0][0].value) for a in (local, remote)]  # type: ignore[union-attr]
    assert counts[0] > 0 and counts[0] == counts[1]


@pytest.mark.servers
def test_union_default_graph_option_on_oxigraph(loaded: tuple[Path, str]) -> None:
    _, endpoint = loaded
    plain = ask_for_communities(endpoint)
    union = ask_for_communities(endpoint, "--union-default-graph")
    assert (plain, union) == ("false\n", "true\n")


@pytest.mark.servers
def test_union_default_graph_warns_that_it_repeats_shared_things(
    loaded: tuple[Path, str],
) -> None:
    """Oxigraph's union default graph is not deduplicated: every document graph states the
    topics it mentions, so a natural count through a topic's label counted each document once
    per document of that topic (189² for a topic of 189), where the embedded store, whose
    default graph holds each triple once, counts 189. It was answered without a word."""
    store, endpoint = loaded
    natural = "SELECT (COUNT(?c) AS ?n) { ?c schema:about ?t . ?t skos:prefLabel ?l }"
    distinct = natural.replace("COUNT(?c)", "COUNT(DISTINCT *)")
    truth = int(query.run_embedded(natural, store=store).rows[0][0].value)  # type: ignore[union-attr]
    args = ["query", "--endpoint", endpoint, "--format", "csv", "--union-default-graph"]
    answered = CliRunner().invoke(cli, [*args, natural])
    assert answered.exit_code == 0, answered.output
    assert int(answered.stdout.split()[1]) > truth  # repeated, as the warning says
    assert "medigraph: warning: --union-default-graph: the endpoint's union" in answered.stderr
    assert "Count with DISTINCT, or match each document's own graph with GRAPH ?g" in (
        answered.stderr
    )
    # its advice holds: DISTINCT gives the embedded store's count
    advised = CliRunner().invoke(cli, [*args, "-q", distinct])
    assert int(advised.stdout.split()[1]) == truth and advised.stderr == ""
    # a saved query asks each graph on an endpoint: nothing to warn of
    saved = CliRunner().invoke(cli, [*args, "communities"])
    assert saved.exit_code == 0 and "warning" not in saved.stderr
    # nor of its endpoint form run with -f (every pattern in GRAPH ?g), nor of an ASK (a
    # boolean is not multiplied); they were warned of all the same
    portable = ROOT / "queries" / "endpoint" / "communities.rq"
    run = CliRunner().invoke(cli, [*args, "-f", str(portable)])
    assert run.exit_code == 0 and run.stdout == saved.stdout and "warning" not in run.stderr
    asked = CliRunner().invoke(cli, [*args, "ASK { ?c schema:about ?t . ?t skos:prefLabel ?l }"])
    assert asked.exit_code == 0 and asked.stdout == "true\n" and "warning" not in asked.stderr
    # the embedded store's form, run with -f on the endpoint, matches in the default graph
    embedded = CliRunner().invoke(cli, [*args, "-f", str(ROOT / "queries" / "communities.rq")])
    assert embedded.exit_code == 0 and "Count with DISTINCT" in embedded.stderr


@pytest.mark.parametrize(
    ("text", "warned"),
    [
        ("SELECT (COUNT(?c) AS ?n) { ?c schema:about ?t . ?t skos:prefLabel ?l }", True),
        ("SELECT ?c ?l { ?c schema:about ?t . ?t skos:prefLabel ?l }", True),  # rows repeated
        ("SELECT DISTINCT (COUNT(?c) AS ?n) { ?c schema:about ?t }", True),
        ("SELECT (COUNT(*) AS ?n) { GRAPH ?g { ?s ?p ?o } ?s a ?k }", True),
        ("SELECT (COUNT(*) AS ?n) { GRAPH ?g { ?s ?p ?o } OPTIONAL { [] a ?s } }", True),
        ("SELECT * { GRAPH ?g { ?s ?p ?o } <http://a> <http://b> ?o }", True),
        ("ASK { { SELECT (COUNT(*) AS ?n) { ?s ?p ?o } } FILTER(?n > 3) }", True),
        (
            "CONSTRUCT { ?s ?p ?n } WHERE { { SELECT ?s ?p (COUNT(*) AS ?n) { ?s ?p ?o } GROUP BY ?s ?p } }",
            True,
        ),
        ("ASK { ?c schema:about ?t . ?t skos:prefLabel ?l }", False),
        ("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", False),
        ("DESCRIBE topic:klas.telehealth", False),
        ("SELECT DISTINCT ?c ?l { ?c schema:about ?t . ?t skos:prefLabel ?l }", False),
        ("SELECT (COUNT(*) AS ?n) { GRAPH ?g { ?s ?p ?o } }", False),
        ("SELECT (COUNT(*) AS ?n) { GRAPH ?g { ?s ?p ?o } FILTER EXISTS { ?s a ?k } }", False),
        (
            "SELECT (COUNT(*) AS ?n) { GRAPH ?g { ?s ?p ?o } FILTER(?o > <http://x>) VALUES ?s { <a> } }",
            False,
        ),
        (
            "SELECT (COUNT(*) AS ?n) # { ?s ?p ?o }\n{ GRAPH <http://g> { ?s ?p ?o } BIND(1 AS ?x) }",
            False,
        ),
    ],
)
def test_the_union_warning_is_for_answers_the_repetition_can_change(
    text: str, warned: bool
) -> None:
    """The warning that the union repeats shared things came with every ad hoc query: an ASK
    (a boolean is not multiplied), a CONSTRUCT or DESCRIBE (written each triple once), and the
    saved queries' endpoint forms run with -f, whose every pattern is in a GRAPH."""
    assert query.union_repeats_matter(text) is warned


def test_no_endpoint_form_of_a_saved_query_is_warned_of() -> None:
    """Checked against the files themselves: every pattern is in a GRAPH, so the option
    changes nothing; the embedded store's forms match in the default graph (a CONSTRUCT aside)."""
    for path in sorted((ROOT / "queries" / "endpoint").glob("*.rq")):
        assert not query.union_repeats_matter(path.read_text(encoding="utf-8")), path.name
    names = query.default_prefixes()
    for path in sorted((ROOT / "queries").glob("*.rq")):
        text = path.read_text(encoding="utf-8")
        graph = query.check_syntax(text, names) == "graph"
        assert query.union_repeats_matter(text) is not graph, path.name


@pytest.mark.servers
def test_a_graph_answer_holds_each_triple_once(loaded: tuple[Path, str]) -> None:
    """Oxigraph's DESCRIBE over its union default graph repeats a triple once per graph that
    states it: a topic several documents mention came back with its label, notation and
    scheme written once per document (in Turtle, `skos:prefLabel "Telehealth" ,
    "Telehealth" , …`), and counted so. A graph is a set: each triple once, as the embedded
    store answers."""
    store, endpoint = loaded
    text = "DESCRIBE topic:klas.telehealth"
    local = query.run_embedded(text, store=store).triples
    args = ["query", "--endpoint", endpoint, "--union-default-graph", "--format", "ntriples"]
    described = CliRunner().invoke(cli, [*args, text])
    assert described.exit_code == 0, described.output
    lines = described.stdout.splitlines()
    assert len(local) > 1 and len(lines) == len(set(lines)) == len(local)
    assert f"{len(local)} triples in" in described.stderr


@pytest.mark.parametrize(
    "dataset",
    ["FROM <https://medigy.com/graph/ontology>", "FROM NAMED <https://medigy.com/graph/ontology>"],
)
def test_union_default_graph_is_refused_for_a_query_that_names_its_dataset(dataset: str) -> None:
    """Oxigraph's option puts the union of every graph in place of the default graph the
    query's FROM chooses (1879 triples for the ontology's 228), and of the empty one a
    FROM NAMED alone chooses: refused before anything is sent, not answered wrongly."""
    text = f"SELECT (COUNT(*) AS ?n) {dataset} WHERE {{ ?s ?p ?o }}"
    args = ["query", "--endpoint", "http://127.0.0.1:9/query", text]
    refused = CliRunner().invoke(cli, [*args, "--union-default-graph"])
    assert refused.exit_code == 2
    assert "--union-default-graph and the query's own FROM (or FROM NAMED)" in refused.stderr
    assert "cannot reach" not in refused.stderr
    plain = CliRunner().invoke(cli, args)  # without the option the query goes out
    assert plain.exit_code == 2 and "cannot reach the endpoint" in plain.stderr


def test_union_default_graph_takes_a_query_whose_from_is_only_a_word() -> None:
    text = 'SELECT ?from WHERE { ?from rdfs:label "FROM" } # FROM <x>'
    args = ["query", "--endpoint", "http://127.0.0.1:9/query", "--union-default-graph", text]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2 and "cannot reach the endpoint" in result.stderr


def ask_for_communities(endpoint: str, *flags: str) -> str:
    """``ASK { ?s a medigy:Community }`` on the endpoint: its output."""
    query = ["query", "--endpoint", endpoint, "-q", *flags, "ASK { ?s a medigy:Community }"]
    return CliRunner().invoke(cli, query).stdout


def test_unreachable_endpoint_is_named() -> None:
    with socket.socket() as sock:  # a port that was free a moment ago: nothing listens
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    endpoint = f"http://127.0.0.1:{port}/query"
    result = CliRunner().invoke(cli, ["query", "--endpoint", endpoint, "ASK {}"])
    assert result.exit_code == 2
    assert f"cannot reach the endpoint {endpoint}" in result.output


def test_remote_syntax_error_is_reported_before_sending() -> None:
    result = CliRunner().invoke(
        cli, ["query", "--endpoint", "http://127.0.0.1:9/query", "SELECT ?x {"]
    )
    assert result.exit_code == 2 and "syntax error at line 1" in result.output


class _Canned:
    """A loopback HTTP server answering every POST with one canned response body."""

    def __init__(self, body: bytes, media: str) -> None:
        canned = (body, media)

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                self.send_response(200)
                self.send_header("Content-Type", canned[1])
                self.send_header("Content-Length", str(len(canned[0])))
                self.end_headers()
                self.wfile.write(canned[0])

            def log_message(self, format: str, *args: object) -> None:
                return None

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> str:
        self.thread.start()
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/query"

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def _results(count: int) -> dict[str, object]:
    bindings = [
        {
            "s": {"type": "uri", "value": f"https://e.org/{i}"},
            "n": {"type": "literal", "value": "a,b"},
        }
        for i in range(count)
    ]
    return {"head": {"vars": ["s", "n"]}, "results": {"bindings": bindings}}


def test_endpoint_results_are_written_as_they_are_read() -> None:
    body = json.dumps(_results(3000)).encode()
    with _Canned(body, "application/sparql-results+json") as endpoint:
        result = CliRunner().invoke(
            cli, ["query", "--endpoint", endpoint, "SELECT ?s ?n {}", "--format", "csv", "-q"]
        )
    assert result.exit_code == 0, result.output
    expected = "s,n\r\n" + "".join(f'https://e.org/{i},"a,b"\r\n' for i in range(3000))
    assert result.stdout_bytes == expected.encode()


def test_an_endpoints_table_writes_iris_with_the_querys_own_prefixes() -> None:
    answer = {
        "head": {"vars": ["p"]},
        "results": {"bindings": [{"p": {"type": "uri", "value": "http://schema.org/name"}}]},
    }
    text = "PREFIX schema: <https://schema.org/> SELECT ?p WHERE { ?s ?p ?o }"
    with _Canned(json.dumps(answer).encode(), "application/sparql-results+json") as endpoint:
        result = CliRunner().invoke(cli, ["query", "--endpoint", endpoint, "-q", text])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[2] == "<http://schema.org/name>"


ROWS_OF_X_AND_Y = {
    "head": {"vars": ["x", "y"]},
    "results": {"bindings": [{"x": {"type": "literal", "value": "5"}}]},  # ?y unbound
}


@pytest.mark.parametrize(
    ("text", "answer", "said"),
    [
        (
            "SELECT ?x WHERE { ?x ?p ?o }",
            {"head": {}, "boolean": True},
            "answered a SELECT query with a boolean (true), not rows",
        ),
        (
            "ASK { ?s ?p ?o }",
            ROWS_OF_X_AND_Y,
            "answered an ASK query with rows (of ?x, ?y), not a boolean",
        ),
        (
            "SELECT ?a WHERE { ?a ?p ?o }",
            ROWS_OF_X_AND_Y,
            "answered with rows of ?x, ?y, but the query selects ?a",
        ),
        (
            "SELECT ?x (COUNT(*) AS ?n) WHERE { ?x ?p ?o } GROUP BY ?x",
            ROWS_OF_X_AND_Y,
            "answered with rows of ?x, ?y, but the query selects ?x, ?n",
        ),
    ],
)
def test_results_that_do_not_fit_the_query_are_the_endpoints_error(
    text: str, answer: dict[str, object], said: str
) -> None:
    """A proxy, the wrong service or a store that rewrote the query: not taken as an answer."""
    with _Canned(json.dumps(answer).encode(), "application/sparql-results+json") as endpoint:
        result = CliRunner().invoke(cli, ["query", "--endpoint", endpoint, "-q", text])
    assert result.exit_code == 2, result.output
    assert f"{endpoint} {said}" in result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize(
    "text",
    [
        "SELECT ?x ?y WHERE { ?x ?p ?o OPTIONAL { ?x ?q ?y } }",  # ?y unbound in every row
        "SELECT ?y ?x WHERE { ?x ?p ?y }",  # the head in another order
        "SELECT * WHERE { ?x ?p ?y }",  # no fixed list: the pattern's variables
        'SELECT ?x (STR(?x) AS ?y) WHERE { ?x ?p "(?z AS ?w)" }',
    ],
)
def test_results_that_fit_the_query_are_taken(text: str) -> None:
    body = json.dumps(ROWS_OF_X_AND_Y).encode()
    with _Canned(body, "application/sparql-results+json") as endpoint:
        result = CliRunner().invoke(
            cli, ["query", "--endpoint", endpoint, "-q", "--format", "csv", text]
        )
    assert result.exit_code == 0, result.output
    assert result.stdout_bytes == b"x,y\r\n5,\r\n"


def test_endpoint_results_broken_midway_show_no_rows() -> None:
    """Rows read before the response breaks off are not shown: the answer is incomplete."""
    body = json.dumps(_results(3000)).encode()
    with _Canned(body[: len(body) // 2], "application/sparql-results+json") as endpoint:
        result = CliRunner().invoke(
            cli, ["query", "--endpoint", endpoint, "SELECT ?s ?n {}", "--format", "csv"]
        )
    assert result.exit_code == 2
    assert f"{endpoint} sent results that do not parse as application/sparql-results+json" in (
        result.stderr
    )
    assert result.stdout == ""


def _whole_request(connection: socket.socket) -> bytes:
    """The request's head and its Content-Length body, however the client split them."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = connection.recv(65536)
        if not chunk:
            return data
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip() or 0)
    while len(body) < length:
        chunk = connection.recv(65536)
        if not chunk:
            break
        body += chunk
    return head + b"\r\n\r\n" + body


class _Raw:
    """A loopback server that answers each connection by ``reply(connection, request)``: what
    an endpoint that misbehaves sends; ``requests`` holds every request line it got."""

    def __init__(self, reply: Callable[[socket.socket, bytes], None]) -> None:
        self.reply = reply
        self.requests: list[str] = []
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(8)
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return
            with connection:
                request = _whole_request(connection)
                self.requests.append(request.split(b"\r\n", 1)[0].decode())
                with contextlib.suppress(OSError):
                    self.reply(connection, request)
                    # Closed with none of the request unread, the connection ends with a FIN:
                    # unread bytes would make the kernel reset it, and the client would see
                    # "connection reset", not what the reply meant (a flaky test under load).
                    connection.shutdown(socket.SHUT_WR)
                    connection.settimeout(2)
                    while connection.recv(65536):
                        pass

    def __enter__(self) -> _Raw:
        return self

    def __exit__(self, *exc: object) -> None:
        self.listener.close()


def _status(
    line: str, body: bytes = b"", headers: str = ""
) -> Callable[[socket.socket, bytes], None]:
    def reply(connection: socket.socket, _request: bytes) -> None:
        head = (
            f"HTTP/1.1 {line}\r\nContent-Length: {len(body)}\r\n{headers}Connection: close\r\n\r\n"
        )
        connection.sendall(head.encode() + body)

    return reply


def ask_endpoint(endpoint: str, *flags: str) -> Result:
    return CliRunner().invoke(cli, ["query", "--endpoint", endpoint, *flags, "ASK { ?s ?p ?o }"])


def test_an_endpoint_that_does_not_speak_http_is_unreachable() -> None:
    with _Raw(lambda connection, _: connection.sendall(b"SSH-2.0-OpenSSH\r\n")) as fake:
        result = ask_endpoint(fake.url + "/query")
    assert result.exit_code == 2 and result.exception is not None
    assert isinstance(result.exception, SystemExit), result.exception
    assert f"cannot reach the endpoint {fake.url}/query: it does not answer as an HTTP server" in (
        result.stderr
    )


def _drip_true(connection: socket.socket, pause: float) -> None:
    """Answer ASK with true, the body one byte every ``pause`` seconds."""
    body = b'{"head":{"vars":[]},"boolean":true}'
    connection.sendall(
        b"HTTP/1.1 200 OK\r\nContent-Type: application/sparql-results+json\r\n"
        + f"Content-Length: {len(body)}\r\n\r\n".encode()
    )
    for byte in body:
        connection.sendall(bytes([byte]))
        time.sleep(pause)


def test_the_timeout_bounds_an_answer_that_trickles_in() -> None:
    def drip(connection: socket.socket, _request: bytes) -> None:
        _drip_true(connection, 0.3)

    with _Raw(drip) as fake:
        started = time.perf_counter()
        result = ask_endpoint(fake.url + "/query", "--timeout", "1")
    assert result.exit_code == 2, result.output
    assert "did not answer within 1 s" in result.stderr
    assert time.perf_counter() - started < 3


def test_the_timeout_bounds_the_whole_request() -> None:
    """--timeout covers the status line and headers (which may trickle in, each read within
    the socket timeout) and the body together, not each in turn."""

    def headers(connection: socket.socket, _request: bytes) -> None:
        connection.sendall(b"HTTP/1.1 200 OK\r\n")
        for i in range(40):
            time.sleep(0.25)
            connection.sendall(b"X-Slow: %d\r\n" % i)

    def late(connection: socket.socket, _request: bytes) -> None:
        time.sleep(0.9)
        _drip_true(connection, 0.25)

    for reply, most in ((headers, 2.5), (late, 1.7)):
        with _Raw(reply) as fake:
            started = time.perf_counter()
            result = ask_endpoint(fake.url + "/query", "--timeout", "1")
            took = time.perf_counter() - started
        assert result.exit_code == 2, result.output
        assert "did not answer within 1 s" in result.stderr
        assert took < most, (reply.__name__, took)


def test_an_answer_that_breaks_off_is_not_called_unreachable_or_malformed() -> None:
    def chunk_bad(connection: socket.socket, _request: bytes) -> None:
        connection.sendall(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/sparql-results+json\r\n"
            b"Transfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n"
        )

    def cut_short(connection: socket.socket, _request: bytes) -> None:
        body = json.dumps(_results(3)).encode()
        connection.sendall(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/sparql-results+json\r\n"
            + f"Content-Length: {len(body) + 100}\r\n\r\n".encode()
            + body[:-5]
        )

    for reply in (chunk_bad, cut_short):
        with _Raw(reply) as fake:  # the rows of a SELECT ?s ?n, broken off
            endpoint = fake.url + "/query"
            result = CliRunner().invoke(cli, ["query", "--endpoint", endpoint, "SELECT ?s ?n {}"])
        assert result.exit_code == 2, result.output
        assert (
            f"{fake.url}/query answered, but the answer broke off: the connection closed before"
            " its end, or its chunked encoding is malformed"
        ) in result.stderr, reply.__name__
    with _Raw(_status("302 Found")) as fake:
        result = ask_endpoint(fake.url + "/query")
    assert result.exit_code == 2
    assert result.stderr.strip().endswith(
        "answered HTTP 302 Found, a redirect that does not say where to (no Location header)"
    )
    with _Raw(_status("500 Internal Server Error")) as fake:
        result = ask_endpoint(fake.url + "/query")
    assert result.stderr.strip().endswith("HTTP 500 Internal Server Error (with no message)")


@pytest.mark.parametrize(
    "status", ["301 Moved Permanently", "302 Found", "303 See Other", "308 Permanent Redirect"]
)
def test_a_redirect_is_not_followed_and_says_where(
    status: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MEDIGRAPH_USER", "reader")
    monkeypatch.setenv("MEDIGRAPH_PASSWORD", "s3cret")
    with _Raw(_status("200 OK")) as target:
        moved = _status(status, headers=f"Location: {target.url}/sparql\r\n")
        with _Raw(moved) as fake:
            result = ask_endpoint(fake.url + "/query")
        assert target.requests == []  # neither the query nor the credentials went there
    assert result.exit_code == 2
    expected = f"redirected the query (HTTP {status.split()[0]}) to {target.url}/sparql; use --endpoint {target.url}/sparql"
    assert expected in result.stderr


def test_an_endpoints_error_is_shown_without_control_characters() -> None:
    body = b"bad\x1b]0;owned\x07 query\r\nmedigraph: 12 rows in 0.1 s"
    with _Raw(_status("400 Bad Request", body)) as fake:
        result = ask_endpoint(fake.url + "/query")
    assert result.exit_code == 2
    assert "\x1b" not in result.stderr and "\x07" not in result.stderr
    assert "bad\\x1b]0;owned\\x07 query medigraph: 12 rows" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_only_a_401_suggests_credentials(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("MEDIGRAPH_USER", raising=False)
    monkeypatch.delenv("MEDIGRAPH_PASSWORD", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))  # no ~/.netrc
    with _Raw(_status("403 Forbidden", b"no SERVICE here")) as fake:
        forbidden = ask_endpoint(fake.url + "/query")
    with _Raw(_status("401 Unauthorized", b"who are you")) as fake:
        unauthorized = ask_endpoint(fake.url + "/query")
    assert forbidden.exit_code == unauthorized.exit_code == 2
    assert "HTTP 403 Forbidden: no SERVICE here" in forbidden.stderr
    assert "MEDIGRAPH_USER" not in forbidden.stderr
    assert "HTTP 401 Unauthorized (set MEDIGRAPH_USER and MEDIGRAPH_PASSWORD" in unauthorized.stderr


def test_a_user_name_in_the_url_and_a_port_out_of_range_are_refused() -> None:
    user = ask_endpoint("http://reader@127.0.0.1:9/query")
    assert user.exit_code == 2 and "put the user in MEDIGRAPH_USER" in user.stderr
    port = ask_endpoint("http://127.0.0.1:99999/query")
    assert port.exit_code == 2 and "port that is out of range" in port.stderr


@pytest.fixture(scope="module")
def virtuoso_loaded(tmp_path_factory: pytest.TempPathFactory) -> object:
    """(embedded store, Virtuoso query endpoint) for the examples, the server filled by push."""
    from medigraph.sparql import Credentials
    from tests.servers import VirtuosoServer, require_servers

    require_servers(VirtuosoServer)
    where = tmp_path_factory.mktemp("virtuoso")
    export([EXAMPLES], where / "dump.ttl", store=where / "store", jobs=1)
    with VirtuosoServer() as server:
        report = push(
            [EXAMPLES],
            endpoint=server.query_endpoint,
            update_endpoint=server.update_endpoint,
            credentials=Credentials(str(server.user), str(server.password), "digest"),
            jobs=1,
        )
        assert report.exit_code == 0
        yield where / "store", server.query_endpoint


@pytest.mark.servers
@pytest.mark.parametrize("name", sorted(saved_queries()))
def test_saved_query_runs_on_virtuoso_with_the_same_rows(
    virtuoso_loaded: tuple[Path, str], name: str
) -> None:
    """Virtuoso answers every portable form (it could not compile one), with as many rows;
    values are not compared: Virtuoso writes a date-time's fraction its own way."""
    graph, local, remote = ask_both(*virtuoso_loaded, name)
    if graph:
        assert len(local.splitlines()) == len(remote.splitlines()) > 0
    else:
        a, b = json.loads(local), json.loads(remote)
        assert len(a["results"]["bindings"]) == len(b["results"]["bindings"]) > 0


@pytest.mark.servers
@pytest.mark.parametrize(
    "name",
    ["content-by-topic", "community-content", "authors", "topics-per-scheme", "stale-topics"],
)
def test_saved_listings_come_in_name_order_on_virtuoso(
    virtuoso_loaded: tuple[Path, str], name: str
) -> None:
    """Every name, in order: Virtuoso 7.2 ignored an ORDER BY on a name a sub-select made,
    and returned the listings by topic, community, author or scheme in no order."""
    column = SORTED_BY_NAME[name]
    args = ["query", "--endpoint", virtuoso_loaded[1], "-q", name, "--format", "json"]
    if name == "stale-topics":
        args += ["--param", "since=2099-01-01"]  # every topic is stale then
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)["results"]["bindings"]
    names = [r[column]["value"] for r in rows if column in r]
    assert names == sorted(names) and len(set(names)) > 1, names


SORTED_BY_NAME = {
    "content-by-topic": "topic",
    "community-content": "community",
    "authors": "author",
    "topics-per-scheme": "scheme",
    "stale-topics": "scheme",
}
"""Saved queries whose first sort key is a name, and its column."""


@pytest.fixture(scope="module")
def virtuoso_dated(tmp_path_factory: pytest.TempPathFactory) -> object:
    """The examples plus copies of one document dated by a day alone (xsd:date), undated, and
    dated by text that is no moment, in the embedded store and pushed to Virtuoso."""
    import shutil

    from tests.servers import VirtuosoServer, require_servers

    require_servers(VirtuosoServer)
    where = tmp_path_factory.mktemp("virtuoso-dated")
    corpus = where / "content"
    shutil.copytree(EXAMPLES, corpus)
    seed = next(corpus.rglob("d12da9f4-80a4-53d7-ad46-1e538af2b729.md"))
    for name, date in ODD_DATES.items():
        text = seed.read_text(encoding="utf-8").replace(
            "d12da9f4-80a4-53d7-ad46-1e538af2b729", name
        )
        text = text.replace("date: '2021-02-17T04:49:37.317526Z'\n", date)
        if not date:  # undated: without the lastMod Hugo (and the export) would date it by
            text = text.replace("lastMod: '2021-02-17T10:10:10.785753Z'\n", "")
        (seed.parent / f"{name}.md").write_text(text, encoding="utf-8")
    yield from _on_virtuoso(corpus, where)


ODD_DATES = {
    "day": "date: '2024-01-05'\n",  # an xsd:date
    "undated": "",  # no date: ?published unbound
    "wordy": "date: March 2, 2024\n",  # an ill-typed xsd:dateTime
}
"""The documents ``virtuoso_dated`` adds, each a copy of one example, and the date it writes."""


@pytest.mark.servers
@pytest.mark.parametrize("since", ["2020-01-01", "2021-06-01", "2024-01-05"])
def test_a_date_parameter_selects_the_same_documents_on_virtuoso(
    virtuoso_dated: tuple[Path, str], since: str
) -> None:
    """Virtuoso compared a date given in a VALUES block with the store's dates wrongly (only
    the day-only document was recent); parameters go to endpoints as a BIND."""
    store, endpoint = virtuoso_dated

    def contents(where: list[str]) -> list[str]:
        args = ["query", *where, "-q", "recent-content", "--param", f"since={since}"]
        result = CliRunner().invoke(cli, [*args, "--format", "csv"])
        assert result.exit_code == 0, result.output
        return [line.rsplit(",", 1)[-1] for line in result.stdout.splitlines()[1:]]

    local = contents(["--store", str(store)])
    remote = contents(["--endpoint", endpoint])

    assert local, since
    assert remote == local


@pytest.mark.servers
@pytest.mark.parametrize(
    "name", sorted(n for n, q in saved_queries().items() if "?published" in q.text)
)
def test_saved_queries_read_undated_and_wordy_dates_on_virtuoso(
    virtuoso_dated: tuple[Path, str], name: str
) -> None:
    """Virtuoso refused the date expression (HTTP 500) for a document without a date (TZ of an
    unbound value) and for one dated "March 2, 2024" (TZ of an ill-typed date-time): each now
    counts as undated, as on the embedded store. Names and dates are compared only as bound or
    not (Virtuoso spells and writes them its own way); IRIs and counts exactly."""
    store, endpoint = virtuoso_dated
    # Every listing whole (the added documents among the rows); stale-topics needs its date.
    extra = ["--param", "since=2021-06-01"] if name == "stale-topics" else []

    def rows(where: list[str]) -> list[list[tuple[str, str]]]:
        args = ["query", *where, "-q", name, "--format", "json", *extra]
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 0, result.output
        return sorted(
            sorted((column, _comparable(term)) for column, term in row.items())
            for row in json.loads(result.stdout)["results"]["bindings"]
        )

    local = rows(["--store", str(store)])
    assert local
    assert rows(["--endpoint", endpoint]) == local


def _comparable(term: dict[str, str]) -> str:
    """An IRI or a count as it is; any other literal (a name, a date) only as present."""
    if term["type"] == "uri" or term.get("datatype", "").endswith("#integer"):
        return term["value"]
    return "a literal"


@pytest.fixture(scope="module")
def virtuoso_generated(tmp_path_factory: pytest.TempPathFactory) -> object:
    """400 generated documents (many per community, topic and author), in the embedded store
    and pushed to Virtuoso: enough for Virtuoso's planner to choose other joins than on the
    examples."""
    from tests._bench import load_benchmark
    from tests.servers import VirtuosoServer, require_servers

    require_servers(VirtuosoServer)
    where = tmp_path_factory.mktemp("virtuoso-generated")
    load_benchmark("generate").generate(400, where / "content")
    yield from _on_virtuoso(where / "content", where)


def _on_virtuoso(corpus: Path, where: Path) -> Iterator[tuple[Path, str]]:
    """(embedded store, Virtuoso query endpoint) for ``corpus``: exported, and pushed to a
    Virtuoso server that runs while the caller's fixture is alive."""
    from medigraph.sparql import Credentials
    from tests.servers import VirtuosoServer

    export([corpus], where / "dump.ttl", store=where / "store", jobs=1)
    with VirtuosoServer() as server:
        push(
            [corpus],
            endpoint=server.query_endpoint,
            update_endpoint=server.update_endpoint,
            credentials=Credentials(str(server.user), str(server.password), "digest"),
            jobs=1,
        )
        yield where / "store", server.query_endpoint


@pytest.mark.servers
@pytest.mark.parametrize(
    ("name", "param"),
    [
        ("community-content", None),
        ("community-content", "community=Behavioral Health"),
        ("content-by-topic", None),
        ("content-by-topic", "topic=KLAS: Telehealth"),
        ("authors", None),
        ("topics-per-scheme", None),
        ("recent-content", "since=2024-01-05"),
        ("missing-description-or-image", None),
    ],
)
def test_listings_hold_the_same_documents_on_virtuoso(
    virtuoso_generated: tuple[Path, str], name: str, param: str | None
) -> None:
    """The documents (or topics) each listing names are the embedded store's: Virtuoso shows
    names and dates its own way and orders ties by its collation, but must not lose rows."""
    store, endpoint = virtuoso_generated

    def last_column(where: list[str]) -> list[str]:
        args = ["query", *where, "-q", name, "--format", "csv"]
        if param:
            args += ["--param", param]
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 0, result.output
        return sorted(line.rsplit(",", 1)[-1] for line in result.stdout.splitlines()[1:])

    local = last_column(["--store", str(store)])
    assert local
    assert last_column(["--endpoint", endpoint]) == local


def test_an_answer_with_no_length_cut_by_the_timeout_is_not_taken_whole(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """When the whole-request watch (not the body's own deadline) ends a read, an answer with
    no Content-Length simply ends: the rows read so far must not pass for the answer."""

    def rows(connection: socket.socket, _request: bytes) -> None:
        connection.sendall(
            b"HTTP/1.0 200 OK\r\nContent-Type: text/tab-separated-values\r\n\r\n?s\n"
        )
        for i in range(40):
            connection.sendall(b"<http://example.org/%d>\n" % i)
            time.sleep(0.05)

    # Only the watch enforces the deadline: the race where it fires first, made certain.
    original = query._Deadline
    monkeypatch.setattr(query, "_Deadline", lambda response, until: original(response, None))
    with _Raw(rows) as fake:
        flags = ["--endpoint", fake.url + "/query", "--timeout", "1", "--format", "tsv"]
        result = CliRunner().invoke(cli, ["query", *flags, "SELECT ?s WHERE { ?s ?p ?o }"])
    assert result.exit_code == 2, result.output
    assert "did not answer within 1 s" in result.stderr
    assert "<http://example.org/0>" not in result.stdout
