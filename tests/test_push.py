"""Push without a server: credentials, request text, usage errors."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from medigraph.cli import cli
from medigraph.push import DocumentGraph, remove_graphs_update, replace_graphs_update
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
    runner = CliRunner()
    assert runner.invoke(cli, ["push", "--endpoint", "http://127.0.0.1:9/q"]).exit_code == 2
    dump = tmp_path / "d.nq"
    dump.write_text("", encoding="utf-8")
    assert (
        runner.invoke(
            cli, ["push", str(tmp_path), "--dump", str(dump), "--endpoint", "http://127.0.0.1:9/q"]
        ).exit_code
        == 2
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
