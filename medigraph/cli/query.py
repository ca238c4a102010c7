"""``medigraph query`` and ``medigraph serve``: SPARQL over the embedded store or an endpoint."""

from __future__ import annotations

import difflib
import shutil
import signal
import sys
import tempfile
import time
from typing import IO

import click

from ..mapping import MappingError
from ..query import (
    DEFAULT_TIMEOUT_S,
    FORMATS,
    QueryError,
    SavedQuery,
    bind_params,
    check_bound,
    default_prefixes,
    is_saved_name,
    prefixed_name_hints,
    saved_queries,
    stream_embedded,
    stream_remote,
    union_repeats_matter,
)
from ..store import DEFAULT_STORE, StoreError, StoreMissing
from . import cli
from ._common import (
    Fatal,
    base_option,
    file_option,
    given,
    log_to_stderr,
    mapping_option,
    refuse_unless,
    timeout_option,
)

_FORMAT_ALIASES = {"ttl": "turtle", "nt": "ntriples"}
"""The export's names of the graph formats, taken here too."""

SPOOL_IN_MEMORY = 16 << 20
"""Bytes of an answer kept in memory before it is spooled to a temporary file."""
NO_STORE_HINT = "build it with `medigraph export PATH…` (or give --store PATH, or --endpoint URL)"
SERVE_NO_STORE_HINT = "build it with `medigraph export PATH…` (or give --store PATH)"


def _params(values: tuple[str, ...]) -> dict[str, str]:
    params: dict[str, str] = {}
    for value in values:
        name, equals, text = value.partition("=")
        if not equals or not name.strip():
            raise click.BadParameter(f"{value!r}: use NAME=VALUE", param_hint="--param")
        name = name.strip().lstrip("?$")
        if name in params:
            raise click.BadParameter(
                f"{name} is given twice ({params[name]!r} and {text!r}); give one value",
                param_hint="--param",
            )
        params[name] = text
    return params


def _check_text(values: list[str], what: str) -> None:
    """Refuse arguments whose bytes were not UTF-8 (Python keeps them as lone surrogates,
    which no SPARQL engine can be given)."""
    for value in values:
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise Fatal(f"{what} is not UTF-8 text; give it in UTF-8") from None


ASKING = ("fmt", "params", "store_path", "endpoint", "union_default_graph", "timeout")
"""The options of a query, which do nothing to the --list and --prefixes listings."""


def _refuse_with_a_listing(list_queries: bool, list_prefixes: bool) -> None:
    """Options that would do nothing beside --list or --prefixes are refused rather than
    ignored (a --format csv that gives no CSV); --base makes the prefixes, not the list."""
    if list_queries:
        refuse_unless(False, given(*ASKING), "to a query, not with --list")
        refuse_unless(False, given("base"), "to a query or --prefixes, not with --list")
        refuse_unless(False, given("mapping"), "to a query or --prefixes, not with --list")
    if list_prefixes:
        refuse_unless(False, given(*ASKING), "to a query, not with --prefixes")


def _did_you_mean(name: str) -> str:
    """`` (did you mean 'communities'?)`` for the saved query ``name`` is likely a typo of."""
    close = difflib.get_close_matches(name, list(saved_queries()), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _list_queries() -> str:
    lines = []
    for query in saved_queries().values():
        lines.append(f"{query.name}\n    {query.title}")
        for param in query.params:
            flag = (
                " (required)"
                if param.required
                else f" (default {param.default})"
                if param.default
                else ""
            )
            lines.append(f"    --param {param.name}=… {param.type}{flag}: {param.description}")
    return "\n".join(lines) + "\n"


store_option = click.option(
    "--store",
    "store_path",
    default=DEFAULT_STORE,
    show_default=True,
    type=click.Path(file_okay=False),
    help="Embedded store written by `medigraph export`.",
)


@cli.command("query")
@click.argument("query", required=False)
@click.option(
    "-f",
    "--file",
    "file",
    type=click.File("r", encoding="utf-8-sig"),  # a BOM (Windows editors) is not SPARQL
    help="Read the query from a file (- for stdin).",
)
@click.option(
    "-p",
    "--param",
    "params",
    multiple=True,
    metavar="NAME=VALUE",
    help="Bind ?NAME to VALUE as an RDF term (repeatable): typed as the query's `# @param`"
    " header says (a saved query's, or your own); in a query without one, a string, an IRI"
    ' when written <…>, and text when written in double quotes, "…" (\\" and \\\\ inside),'
    " which is how to give text that looks like <…>.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice([*FORMATS, *_FORMAT_ALIASES]),
    help="Output format (default: an aligned table, its values whole in a pipe or file, the "
    "widest cut with … to fit a terminal; Turtle for CONSTRUCT and DESCRIBE, which also take "
    "ntriples, or table for one row per triple; ttl and nt are turtle and ntriples).",
)
@store_option
@click.option(
    "--endpoint",
    metavar="URL",
    help="Query this SPARQL 1.1 endpoint instead of the embedded store.",
)
@click.option(
    "--union-default-graph",
    is_flag=True,
    help="Ask the endpoint to use the union of all graphs as default graph (Oxigraph's protocol"
    " option). Refused for a query with FROM or FROM NAMED: Oxigraph would put the union in"
    " place of the default graph the query chooses. The union repeats a triple once per graph"
    " that states it, so counts through shared things (topics, communities, people) are"
    " multiplied: count DISTINCT, or use GRAPH ?g.",
)
@timeout_option("Give up after this many seconds.", DEFAULT_TIMEOUT_S)
@base_option("Base IRI of the minted IRIs (for the predeclared prefixes).")
@file_option(
    "--mapping",
    "Predeclare this mapping's prefixes instead of the bundled mapping's (that of an"
    " export --mapping).",
)
@click.option(
    "--list",
    "list_queries",
    is_flag=True,
    help="List the saved queries, what they answer and their parameters.",
)
@click.option("--prefixes", "list_prefixes", is_flag=True, help="List the predeclared prefixes.")
@click.option(
    "-q", "--quiet", is_flag=True, help="No summary line or warnings on stderr, errors only."
)
def query_command(
    query: str | None,
    file: IO[str] | None,
    params: tuple[str, ...],
    fmt: str | None,
    store_path: str,
    endpoint: str | None,
    union_default_graph: bool,
    timeout: float,
    base: str,
    mapping: str | None,
    list_queries: bool,
    list_prefixes: bool,
    quiet: bool,
) -> None:
    """Ask a SPARQL question: QUERY is SPARQL text or the name of a saved query (see --list).

    \b
      medigraph query 'SELECT ?title WHERE { ?c schema:name ?title } LIMIT 5'
      medigraph query -f my-question.rq --format csv > answer.csv
      medigraph query content-by-topic --param topic="KLAS: Telehealth"
      medigraph query --endpoint http://localhost:7878/query 'ASK { ?s ?p ?o }'

    The embedded store's default graph is the deduplicated union of the document graphs
    and the ontology (no GRAPH ?g needed; each document graph is also there by name), so
    class hierarchies work: ?c a/rdfs:subClassOf* medigy:Content. Common prefixes are predeclared
    (--prefixes). Exit codes: 0 answered (an ASK that is false included), 2 usage error,
    syntax error, timeout, unreachable endpoint, an endpoint answer that does not fit the
    query, a query nested more than 128 levels, or no store.
    """
    log_to_stderr(quiet)
    fmt = _FORMAT_ALIASES.get(fmt, fmt) if fmt else fmt
    refuse_unless(bool(endpoint), given("union_default_graph"), "with --endpoint")
    if list_queries and list_prefixes:
        raise click.UsageError("give --list or --prefixes, not both")
    if (list_queries or list_prefixes) and (query is not None or file is not None):
        raise click.UsageError("--list and --prefixes take no query")
    _refuse_with_a_listing(list_queries, list_prefixes)
    refuse_unless(not endpoint, given("store_path"), "to the embedded store, not with --endpoint")
    try:
        prefixes = default_prefixes(base, mapping)
    except MappingError as exc:
        raise Fatal(str(exc)) from None
    if list_prefixes:
        lines = (f"PREFIX {name}: <{iri}>\n" for name, iri in sorted(prefixes.items()))
        _write_utf8("".join(lines))
        return
    if list_queries:
        _write_utf8(_list_queries())
        return
    if query is not None and file is not None:
        raise click.UsageError(
            "give a query (SPARQL text or a saved query's name) or -f FILE, not both"
        )
    if query is None and file is None:
        raise click.UsageError(
            "give a query (SPARQL text or a saved query's name) or -f FILE; --list shows the"
            " saved queries"
        )
    saved: SavedQuery | None = None
    name = "the query"
    _check_text([query or "", *params], "the query or a --param")
    if file is not None:
        name = "standard input" if file.name in ("-", "<stdin>") else file.name
        try:
            text = file.read()
        except UnicodeDecodeError:
            raise Fatal(f"{name} is not UTF-8 text; save the query as UTF-8") from None
    else:
        assert query is not None
        text = query
        if is_saved_name(query):
            saved = saved_queries().get(query.strip())
            if saved is None:
                raise click.UsageError(
                    f"no saved query named {query!r}{_did_you_mean(query.strip())}; see"
                    " `medigraph query --list`"
                )
            text = saved.text_for(endpoint=bool(endpoint))
    # The answer is written to a spool as it comes (a temporary file once it is large, so
    # that an answer of any size does not sit in memory) and shown only when it is complete:
    # a timeout or an error never leaves half an answer on stdout.
    with tempfile.SpooledTemporaryFile(
        max_size=SPOOL_IN_MEMORY, mode="w+", encoding="utf-8", newline=""
    ) as spool:
        try:
            bound = bind_params(saved, text, _params(params), prefixes, name=name)
            if saved is None and not quiet:
                for hint in prefixed_name_hints(text, _params(params), prefixes):
                    click.echo(f"medigraph: warning: {hint}", err=True)
            if fmt is None:  # a table, but triples read best as Turtle
                fmt = (
                    "turtle"
                    if check_bound(text, prefixes, bound, timeout=timeout)[0] == "graph"
                    else "table"
                )
            started = time.perf_counter()
            if endpoint:
                size = stream_remote(
                    text,
                    endpoint,
                    spool,
                    fmt,
                    params=bound,
                    prefixes=prefixes,
                    timeout=timeout,
                    union_default_graph=union_default_graph,
                    width=_terminal_width(),
                )
            else:
                size = stream_embedded(
                    text,
                    spool,
                    fmt,
                    store=store_path,
                    params=bound,
                    prefixes=prefixes,
                    timeout=timeout,
                    width=_terminal_width(),
                )
        except StoreMissing as exc:
            raise Fatal(f"{exc}; {NO_STORE_HINT}") from None
        except (QueryError, StoreError) as exc:
            raise Fatal(str(exc)) from None
        spool.seek(0)
        while chunk := spool.read(1 << 16):
            _write_utf8(chunk)
    if not endpoint and not quiet:
        _warn_if_unfinished(store_path, base)
    if union_default_graph and saved is None and not quiet and union_repeats_matter(text):
        click.echo(f"medigraph: warning: {UNION_NOT_DEDUPLICATED}", err=True)
    if not quiet:
        where = endpoint or store_path
        click.echo(
            f"medigraph: {size} in {time.perf_counter() - started:.3f} s from {where}.",
            err=True,
        )


UNION_NOT_DEDUPLICATED = (
    "--union-default-graph: the endpoint's union holds a triple once for every graph that"
    " states it, and each document's graph states the shared things it mentions (a topic's"
    " label, a community's or a person's name): matches through them are repeated once per"
    " document, so counts are multiplied (the embedded store's default graph holds each"
    " triple once). Count with DISTINCT, or match each document's own graph with GRAPH ?g,"
    " as the saved queries do on an endpoint."
)
"""Told (unless ``--quiet``) after an ad hoc query answered with ``--union-default-graph``
whose answer the repetition can change (:func:`~medigraph.query.union_repeats_matter`: not an
ASK, nor a query that matches only in ``GRAPH``s, as the saved queries' endpoint forms do):
Oxigraph's union is computed per query, not deduplicated, so a natural count through a
topic gave 189² = 35 721 for a topic of 189 documents."""


def _terminal_width() -> int | None:
    """The columns a table must fit in: the terminal's, or none (whole cells) when standard
    output is a pipe or a file, where the values are read whole."""
    isatty = getattr(sys.stdout, "isatty", None)
    if isatty is None or not isatty():
        return None
    return shutil.get_terminal_size().columns


def _write_utf8(text: str) -> None:
    """Write ``text`` to standard output as UTF-8, whatever the locale says: SPARQL results
    in CSV, TSV and JSON are UTF-8 by their specifications, and a Windows console or a
    Latin-1 locale could not encode the answer (``UnicodeEncodeError``, half an answer)."""
    buffer = getattr(sys.stdout, "buffer", None)
    if buffer is None:  # a text stream only (contextlib.redirect_stdout(io.StringIO()))
        click.echo(text, nl=False)
        return
    sys.stdout.flush()
    buffer.write(text.encode("utf-8", "surrogateescape"))
    buffer.flush()


def _warn_if_unfinished(store_path: str, base: str) -> None:
    """Say so when an export that did not finish left the store half updated (unless
    ``--quiet``, which silences medigraph's own warnings; ``serve`` always says it)."""
    from ..store import unfinished_update

    try:
        since = unfinished_update(store_path, base)
    except (StoreError, OSError):  # no store (StoreMissing) or one that cannot be read
        return
    if since == "never":
        click.echo(
            f"medigraph: warning: no export has finished in {store_path}: it holds no"
            " documents yet; export again to build it",
            err=True,
        )
    elif since is not None:
        click.echo(
            f"medigraph: warning: an export that began updating {store_path} at {since} did not"
            " finish: answers may mix documents from before and after it; export again to"
            " repair the store",
            err=True,
        )


@cli.command("serve")
@store_option
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to bind (keep loopback unless you mean to share it).",
)
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=7879,
    show_default=True,
    help="Port (0: any free port).",
)
@timeout_option("Per-query time limit in seconds.", DEFAULT_TIMEOUT_S)
@base_option("Base IRI of the minted IRIs (for the predeclared prefixes).")
@mapping_option
def serve_command(
    store_path: str, host: str, port: int, timeout: float, base: str, mapping: str | None
) -> None:
    """Serve the embedded store as a read-only SPARQL 1.1 endpoint, with a query page.

    GET/POST /query (SPARQL 1.1 Protocol, results as JSON, XML, CSV or TSV, graphs as
    Turtle, N-Triples, RDF/XML or JSON-LD, by Accept header); a page at / to type queries
    and see tables. Updates and
    federated (SERVICE) queries are refused, and so are requests naming another host or
    sent by another web page. The server holds the store: stop it to export, then start it
    again.
    """
    from ..serve import make_server

    _warn_if_unfinished(store_path, base)
    try:
        server = make_server(
            store_path, host=host, port=port, timeout=timeout, base=base, mapping=mapping
        )
    except MappingError as exc:
        raise Fatal(str(exc)) from None
    except StoreMissing as exc:
        raise Fatal(f"{exc}; {SERVE_NO_STORE_HINT}") from None
    except StoreError as exc:
        raise Fatal(str(exc)) from None
    except OSError as exc:
        raise Fatal(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    if not server.holds_lock:
        click.echo(
            f"medigraph: warning: {store_path} cannot be written (a read-only file system, or"
            " no permission), so it is served without holding it: an export by someone who"
            " can write it would change the answers while they are given",
            err=True,
        )
    # kill (SIGTERM, as a service manager stops it) and a closed terminal (SIGHUP) stop it
    # as Ctrl-C does: their default ended this process alone, and a worker in the middle of
    # a query ran on, orphaned, until the query ended (hours, for a runaway one).
    stops = [
        getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name)
    ]
    for stop in stops[1:]:
        signal.signal(stop, _stop_serving)
    try:
        # Within the try: a Ctrl-C the moment this line says it stops the server is its end.
        click.echo(
            f"medigraph: serving {store_path} read-only at {server.url} (SPARQL endpoint {server.url}query); Ctrl-C stops.",
            err=True,
        )
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        for stop in stops:  # a second one must not cut the ending of the workers short
            signal.signal(stop, signal.SIG_IGN)
        server.server_close()
    sys.exit(0)


def _stop_serving(_signal: int, _frame: object) -> None:
    raise KeyboardInterrupt
