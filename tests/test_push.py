"""Push without a server: credentials, request text, usage errors."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from medigraph.cli import cli
from medigraph.push import (
    DocumentGraph,
    PushError,
    push,
    remove_graphs_update,
    replace_graphs_update,
)
from medigraph.sparql import Credentials, Endpoint
from medigraph.sync import manifest_graph, manifest_query

SECRET = "pa:ss word"


def test_credentials_from_environment_hide_the_password() -> None:
    creds = Credentials.lookup(
        "http://127.0.0.1/sparql", environ={"MEDIGRAPH_USER": "etl", "MEDIGRAPH_PASSWORD": SECRET}
    )
    assert creds is not None and creds.user == "etl" and creds.password == SECRET
    for shown in (repr(creds), str(creds), repr(Endpoint("http://127.0.0.1/q", credentials=creds))):
        assert SECRET not in shown


def test_credentials_from_netrc(tmp_path: Path) -> None:
    netrc = tmp_path / "netrc"
    netrc.write_text("machine 127.0.0.1 login etl password s3cret\n", encoding="utf-8")
    netrc.chmod(0o600)
    creds = Credentials.lookup(
        "http://127.0.0.1:8890/sparql", environ={}, netrc_file=str(netrc), scheme="digest"
    )
    assert creds == Credentials("etl", "s3cret", "digest", "127.0.0.1")
    assert (
        Credentials.lookup(
            "http://127.0.0.1/sparql", user="other", environ={}, netrc_file=str(netrc)
        )
        is None
    )


def test_redact_removes_every_form_of_the_password() -> None:
    creds = Credentials("etl", SECRET)
    echoed = f"user etl pass {SECRET} basic ZXRsOnBhOnNzIHdvcmQ= quoted pa%3Ass%20word"
    assert creds.redact(echoed) == "user etl pass *** basic *** quoted ***"


def test_one_update_replaces_graphs_and_manifest_together() -> None:
    store = ox.Store()
    manifest = manifest_graph("https://x.example/").value
    doc = DocumentGraph("https://x.example/graph/a", "a.md", ['<urn:s> <urn:p> "new" .'])
    store.update('INSERT DATA { GRAPH <https://x.example/graph/a> { <urn:s> <urn:p> "old" } }')
    store.update(replace_graphs_update([(doc, "h1")], manifest))
    store.update(replace_graphs_update([(doc, "h2")], manifest))
    rows = [
        (r["g"].value, r["hash"].value) for r in store.query(manifest_query("https://x.example/"))
    ]
    assert rows == [("https://x.example/graph/a", "h2")]
    assert [
        q.object for q in store.quads_for_pattern(None, None, None, ox.NamedNode(doc.graph))
    ] == [ox.Literal("new")]
    store.update(remove_graphs_update([doc.graph], manifest))
    assert list(store.query(manifest_query("https://x.example/"))) == []
    assert len(store) == 1  # only the manifest's type statement remains


def test_cli_needs_paths_or_dump_but_not_both(tmp_path: Path) -> None:
    """Given neither, push said "(not both)" too: each case is told as it is."""
    runner = CliRunner()
    neither = runner.invoke(cli, ["push", "--endpoint", "http://127.0.0.1:9/q"])
    assert neither.exit_code == 2
    assert neither.stderr.strip().splitlines()[-1] == (
        "Error: give document PATHS to push, or --dump FILE to push a dump"
    )
    dump = tmp_path / "d.nq"
    dump.write_text("", encoding="utf-8")
    both = runner.invoke(
        cli, ["push", str(tmp_path), "--dump", str(dump), "--endpoint", "http://127.0.0.1:9/q"]
    )
    assert both.exit_code == 2
    assert both.stderr.strip().splitlines()[-1] == (
        "Error: give document PATHS or --dump FILE, not both"
    )


@pytest.mark.parametrize("url", ["ftp://127.0.0.1/q", "not a url"])
def test_cli_refuses_non_http_endpoints(tmp_path: Path, url: str) -> None:
    assert CliRunner().invoke(cli, ["push", str(tmp_path), "--endpoint", url]).exit_code == 2


def test_removals_are_sent_within_the_byte_budget() -> None:
    """Long graph IRIs make long removal requests; each stays within the budget."""
    from medigraph.push import _removal_chunks, remove_graphs_update

    manifest = "https://medigy.com/graph/medigraph-manifest"
    graphs = [f"https://medigy.com/graph/content/{'x' * 800}{i}" for i in range(210)]
    chunks = list(_removal_chunks(graphs, manifest, 150_000))
    assert [g for chunk in chunks for g in chunk] == graphs
    assert len(chunks) > 1
    assert all(len(remove_graphs_update(c, manifest).encode()) <= 150_000 for c in chunks)
    short = [f"https://medigy.com/graph/content/{i}" for i in range(450)]
    assert [len(c) for c in _removal_chunks(short, manifest, 150_000)] == [200, 200, 50]


def test_credentials_go_only_to_the_host_they_were_found_for(tmp_path: Path) -> None:
    """A ~/.netrc entry for the update endpoint's host must not reach a query endpoint on
    another host (here: localhost vs 127.0.0.1, two names the netrc tells apart)."""
    import json
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    seen: list[tuple[str, str | None]] = []

    class Recorder(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            self.rfile.read(length)
            seen.append((self.headers.get("Host", ""), self.headers.get("Authorization")))
            body = json.dumps({"head": {"vars": []}, "results": {"bindings": []}}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/sparql-results+json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = _answer

    server = ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    netrc = tmp_path / "netrc"
    netrc.write_text("machine localhost login etl password s3cret\n", encoding="utf-8")
    netrc.chmod(0o600)
    try:
        update = f"http://localhost:{port}/update"
        creds = Credentials.lookup(update, environ={}, netrc_file=str(netrc))
        assert creds is not None and creds.host == "localhost"
        client = Endpoint(f"http://127.0.0.1:{port}/query", update, credentials=creds)
        client.select("SELECT * WHERE { }")
        client.update("INSERT DATA { <urn:a> <urn:b> <urn:c> }")
    finally:
        server.shutdown()
        server.server_close()
    assert [(host.split(":")[0], auth is not None) for host, auth in seen] == [
        ("127.0.0.1", False),
        ("localhost", True),
    ]


def test_user_without_a_password_is_refused_before_anything_is_sent(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("MEDIGRAPH_PASSWORD", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))  # no ~/.netrc
    result = CliRunner().invoke(
        cli,
        ["push", "examples/content", "--endpoint", "http://127.0.0.1:9/q", "--user", "etl"],
    )
    assert result.exit_code == 2 and "no password" in result.output


def test_a_dry_run_does_not_pretend_to_know_its_requests() -> None:
    from medigraph.push import PushReport

    planned = PushReport(endpoint="http://x/update", dry_run=True, read=3, triples_sent=120)
    assert "120 triples to send;" in planned.summary() and "requests" not in planned.summary()
    done = PushReport(endpoint="http://x/update", read=3, triples_sent=120, requests=3, writes=2)
    assert "120 triples sent in 2 updates (" in done.summary()
    assert "3 requests in all" in done.summary()
    unchanged = PushReport(endpoint="http://x/update", read=3, requests=1)
    assert "nothing sent (1 request to read the manifest)" in unchanged.summary()


@pytest.fixture
def no_requests(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every request an Endpoint would send, recorded and not sent."""
    sent: list[str] = []

    def record(_self: Endpoint, _request: object, what: str, **_kwargs: object) -> bytes:
        sent.append(what)
        raise AssertionError(f"{what}: nothing should have been sent")

    monkeypatch.setattr(Endpoint, "_send", record)
    return sent


@pytest.mark.parametrize(
    ("arguments", "usage", "said"),
    [
        ({"endpoint": "notaurl"}, True, "must be an http(s) URL"),
        ({"endpoint": "http://u:p@127.0.0.1:9/q"}, True, "contains a password"),
        ({"update_endpoint": "ftp://127.0.0.1/u"}, True, "--update-endpoint must be"),
        ({"paths": ["nonexist"]}, True, "nonexist: no such file or folder"),
        ({"paths": ["examples/content", "nonexist"]}, True, "nonexist: no such file"),
        ({"paths": [], "dump": "nonexist.trig"}, True, "nonexist.trig: no such file"),
        ({"paths": [], "dump": []}, True, "at least one dump"),
        ({"paths": []}, True, "give document paths to push, or a dump"),
        ({"byte_budget": 10}, True, "at least 1000 bytes"),
        ({"timeout": 0.0}, True, "no request can be sent"),
        ({"timeout": 1e300}, True, "no request can be sent"),  # was an OverflowError
        ({"retries": -1}, True, "no request can be sent"),
        ({"mapping": "nonexist.yaml"}, False, "cannot read mapping"),
        ({"base": "medigy.com"}, True, "base IRI must be"),
    ],
)
def test_the_api_raises_push_error_wherever_the_command_exits_2(
    no_requests: list[str], arguments: dict[str, Any], usage: bool, said: str
) -> None:
    """README: ``PushError`` where the command exits 2. An endpoint that is no http(s) URL
    or holds a password was a plain ValueError, a broken mapping a MappingError, and a
    missing path or dump was not refused at all (the command refuses it, exit 2)."""
    given = {"paths": ["examples/content"], "endpoint": "http://127.0.0.1:9/q", **arguments}
    with pytest.raises(PushError, match=re.escape(said)) as raised:
        push(given.pop("paths"), dry_run=True, **given)
    # The arguments' errors are ValueErrors as they were (the command's usage errors).
    assert isinstance(raised.value, ValueError) == usage
    assert no_requests == []


def test_an_empty_folder_is_refused_before_the_store_is_contacted(
    no_requests: list[str], tmp_path: Path
) -> None:
    """A mistyped (empty) folder was told as "reading the medigraph manifest … did not
    answer" when the store was down: the corpus is judged first, the store asked after."""
    (tmp_path / "empty").mkdir()
    done = CliRunner().invoke(
        cli, ["push", str(tmp_path / "empty"), "--endpoint", "http://127.0.0.1:9/q"]
    )
    assert done.exit_code == 2, done.output
    assert "no documents" in done.output and "--allow-empty" in done.output
    assert "manifest" not in done.output
    with pytest.raises(PushError, match="--allow-empty"):
        push([tmp_path / "empty"], endpoint="http://127.0.0.1:9/q")
    assert no_requests == []


def test_a_dump_given_twice_is_refused_before_the_store_is_contacted(
    no_requests: list[str], tmp_path: Path
) -> None:
    """The same dump twice (by another name too) is no sharded corpus: its graphs were sent,
    then the push stopped half way with "appears in two places" (or, now that a graph in
    two dumps is a clash of two shards' documents, each graph would be told as one)."""
    from medigraph.export import export

    examples = Path(__file__).resolve().parent.parent / "examples" / "content"
    dump = tmp_path / "s1.nq"
    export([examples], dump, jobs=1, cache=False)
    (tmp_path / "again").symlink_to(tmp_path)
    again = tmp_path / "again" / "s1.nq"
    done = CliRunner().invoke(
        cli,
        ["push", "--dump", str(dump), "--dump", str(again), "--endpoint", "http://127.0.0.1:9/q"],
    )
    assert done.exit_code == 2, done.output
    assert f"--dump {again} is given twice (as {dump} too)" in done.output
    assert no_requests == []


@pytest.mark.parametrize("name", ["dump.ttl", "dump.nt", "dump.jsonld"])
def test_a_dump_of_another_format_is_refused_naming_every_extension_push_reads(
    tmp_path: Path, name: str
) -> None:
    """The message named only ``.nq`` for N-Quads, though ``.nquads`` is pushed too."""
    from medigraph.export import export
    from medigraph.push import graphs_from_dump

    examples = Path(__file__).resolve().parent.parent / "examples" / "content"
    dump = tmp_path / name
    export([examples], dump, jobs=1, cache=False)
    with pytest.raises(PushError) as refused:
        list(graphs_from_dump(str(dump), manifest_graph("https://medigy.com/").value))
    assert "must be TriG (.trig) or N-Quads (.nq or .nquads)" in str(refused.value)


@pytest.mark.parametrize("name", ["dump.nquads", "dump.NQ", "dump.TriG"])
def test_a_dump_named_as_export_names_it_is_pushed(tmp_path: Path, name: str) -> None:
    """``export -o dump.nquads`` writes N-Quads, but push read the extension by pyoxigraph's
    table, which knows no ``.nquads``, and refused the dump it had written."""
    from medigraph.export import export
    from medigraph.push import graphs_from_dump

    examples = Path(__file__).resolve().parent.parent / "examples" / "content"
    dump = tmp_path / name
    export([examples], dump, jobs=1, cache=False)
    graphs = list(graphs_from_dump(str(dump), manifest_graph("https://medigy.com/").value))
    assert len(graphs) == 19


def test_the_api_prints_nothing_of_its_retries(tmp_path: Path) -> None:
    """A push from Python, with logging left unconfigured as most programs leave it, printed
    each retry ("…; retrying in 0.3 s") on the caller's stderr: Python shows a library's
    warnings there when nobody handles them. The warnings go to the ``medigraph`` logger, for
    a program that configures logging to show; the command line shows them as before."""
    import socket
    import subprocess
    import sys

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing answers there
    examples = Path(__file__).resolve().parent.parent / "examples" / "content"
    program = f"""
import logging
from medigraph.push import PushError, push
try:
    push({str(examples)!r}, endpoint="http://127.0.0.1:{port}/q",
         retries=1, timeout=2, jobs=1)
except PushError as exc:
    print("refused:", exc)
"""
    ran = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, cwd=tmp_path
    )
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.startswith("refused: reading the medigraph manifest"), ran.stdout
    assert "after 2 attempts" in ran.stdout
    assert ran.stderr == ""
    shown = program.replace("import logging", "import logging; logging.basicConfig()")
    configured = subprocess.run(
        [sys.executable, "-c", shown], capture_output=True, text=True, cwd=tmp_path
    )
    assert "WARNING:medigraph.sparql:reading the medigraph manifest" in configured.stderr
    assert "retrying in" in configured.stderr


def test_the_files_of_an_old_manifest_are_all_read_from_a_store_that_answers_few_rows() -> None:
    """_provenance stopped paging at a page shorter than asked: a store that answers at most
    so many rows (Virtuoso's ResultSetMaxRows) cut it short without a word, and the graphs
    after them were taken for graphs no file gave. It pages on until a page comes empty."""
    from medigraph import push as push_module
    from medigraph.sync import DERIVED_FROM, LISTS, PROVENANCE_PATH

    base = "https://example.org/"
    manifest = manifest_graph(base)
    store = ox.Store()
    files = {f"{base}graph/content/d{i:02}": f"d{i:02}.md" for i in range(12)}
    for graph, file in files.items():
        name, source = ox.NamedNode(graph), ox.NamedNode(f"{base}source/{file}")
        store.add(ox.Quad(manifest, LISTS, name, manifest))
        store.add(ox.Quad(name, DERIVED_FROM, source, name))
        store.add(ox.Quad(source, PROVENANCE_PATH, ox.Literal(file), name))

    class FewRows:
        """A store that answers a SELECT with at most 5 rows, and drops the others."""

        asked = 0

        def select(self, query: str, what: str = "query") -> list[dict[str, str]]:
            self.asked += 1
            answer = store.query(query)
            assert isinstance(answer, ox.QuerySolutions)
            variables = [v.value for v in answer.variables]
            rows = [{v: s[v].value for v in variables if s[v] is not None} for s in answer]
            return rows[:5]

    few = FewRows()
    assert dict(push_module._provenance(few, base)) == files  # type: ignore[arg-type]
    assert few.asked == 12 // 5 + 2  # 5, 5, 2, then an empty page
