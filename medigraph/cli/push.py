"""``medigraph push``: synchronise per-document graphs into a SPARQL 1.1 store."""

from __future__ import annotations

import sys

import click

from ..mapping import MappingError
from ..push import DEFAULT_BYTE_BUDGET, PushError, push
from ..sparql import Credentials
from . import cli
from ._common import (
    Fatal,
    Seconds,
    base_option,
    echo_diagnostics,
    file_option,
    jobs_option,
    log_to_stderr,
    mapping_option,
    progress,
)


@cli.command("push")
@click.argument("paths", nargs=-1, type=click.Path(exists=True))
@click.option(
    "--dump",
    type=click.Path(exists=True, dir_okay=False),
    multiple=True,
    help="Push a TriG or N-Quads dump instead of documents; give every shard's dump of a"
    " sharded export (--dump s1.nq --dump s2.nq …): one alone would delete the others'.",
)
@click.option("--endpoint", required=True, help="SPARQL 1.1 query endpoint URL.")
@click.option("--update-endpoint", help="SPARQL 1.1 update endpoint URL (default: --endpoint).")
@click.option(
    "--graph-store",
    help="Graph Store Protocol endpoint URL, for graphs larger than the byte budget.",
)
@click.option(
    "--user",
    help="User name (default: MEDIGRAPH_USER or ~/.netrc). The password comes from MEDIGRAPH_PASSWORD or ~/.netrc.",
)
@click.option(
    "--auth",
    "scheme",
    type=click.Choice(["basic", "digest"]),
    default="basic",
    show_default=True,
    help="HTTP authentication scheme.",
)
@click.option(
    "--byte-budget",
    type=click.IntRange(min=1000),
    default=DEFAULT_BYTE_BUDGET,
    show_default=True,
    help="Largest request body in bytes; several documents share a request up to it.",
)
@click.option(
    "--no-delete", is_flag=True, help="Keep the graphs of documents that no longer exist."
)
@click.option(
    "--allow-empty",
    is_flag=True,
    help="Push even when PATHS (or the --dump files) hold no document: every graph a push"
    " under --base wrote is then removed: the documents', the ontology's and the manifest"
    " (with --no-delete, nothing is removed).",
)
@click.option("--dry-run", is_flag=True, help="Print what would change; send nothing.")
@click.option(
    "--drafts",
    is_flag=True,
    help="Push what Hugo does not publish too (drafts, headless bundles, build: never); by"
    " default they are left out, and a document that becomes one is removed from the store, as Hugo unpublishes it. The same for"
    " a --dump exported with --drafts (their graphs say medigy:draft true or"
    " medigy:unpublished true).",
)
@click.option(
    "--timeout",
    type=Seconds(min=0.1, min_open=False),
    default=60.0,
    show_default=True,
    help="Seconds to wait for each request.",
)
@click.option(
    "--retries",
    type=click.IntRange(min=0),
    default=3,
    show_default=True,
    help="Retries (with backoff) after connection errors, timeouts and 5xx answers.",
)
@file_option(
    "--ontology",
    "Turtle ontology pushed as the store's ontology graph instead of the bundled one (as"
    " export --ontology keeps it in the embedded store); one that does not parse is exit 2.",
)
@base_option("Base IRI for minted IRIs (and the manifest).")
@mapping_option
@jobs_option("Worker processes for mapping (default: number of cores).")
@click.option("-q", "--quiet", is_flag=True, help="Print errors only, no warnings or summary.")
def push_command(
    paths: tuple[str, ...],
    dump: tuple[str, ...],
    endpoint: str,
    update_endpoint: str | None,
    graph_store: str | None,
    user: str | None,
    scheme: str,
    byte_budget: int,
    no_delete: bool,
    allow_empty: bool,
    dry_run: bool,
    drafts: bool,
    timeout: float,
    retries: int,
    ontology: str | None,
    base: str,
    mapping: str | None,
    jobs: int | None,
    quiet: bool,
) -> None:
    """Synchronise the documents under PATHS (or a --dump) into a SPARQL 1.1 store.

    Each document is one named graph, replaced as a whole. A manifest graph in the store
    remembers what medigraph wrote, so only changed documents are sent, and the graphs of
    deleted documents are removed (unless --no-delete). Graphs medigraph did not write
    are never touched.
    """
    if paths and dump:
        raise click.UsageError("give document PATHS or --dump FILE, not both")
    if not paths and not dump:
        raise click.UsageError("give document PATHS to push, or --dump FILE to push a dump")
    if dump and jobs is not None:
        raise click.UsageError("--jobs maps documents; a --dump is pushed as it was exported")
    log_to_stderr(quiet)
    try:
        credentials = Credentials.lookup(
            update_endpoint or endpoint,
            user=user,
            scheme="digest" if scheme == "digest" else "basic",
            user_option="--user",
        )
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    if user and credentials is None:
        raise click.UsageError(
            f"--user {user} given but no password for it: set MEDIGRAPH_PASSWORD or add the "
            "host to ~/.netrc (nothing was sent)"
        )

    def show(action: str, graph: str) -> None:
        if dry_run:
            click.echo(f"{action} {graph}")

    try:
        with progress("pushing", quiet=quiet) as (start, advance):
            report = push(
                paths,
                dump=dump or None,
                endpoint=endpoint,
                update_endpoint=update_endpoint,
                graph_store=graph_store,
                credentials=credentials,
                byte_budget=byte_budget,
                delete=not no_delete,
                allow_empty=allow_empty,
                dry_run=dry_run,
                drafts=drafts,
                jobs=jobs,
                base=base,
                mapping=mapping,
                timeout=timeout,
                retries=retries,
                ontology=ontology,
                on_start=start,
                on_document=lambda _source: advance(),
                plan_out=show,
            )
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    except PushError as exc:
        # What the documents had to say (warnings, refusals) before the push stopped.
        echo_diagnostics(exc.diagnostics, quiet=quiet)
        raise Fatal(str(exc)) from None
    except MappingError as exc:
        raise Fatal(str(exc)) from None
    echo_diagnostics(report.diagnostics, quiet=quiet)
    if not quiet:
        click.echo(f"medigraph: {report.summary()}", err=True)
    sys.exit(report.exit_code)
