"""``medigraph export``: map documents and write a dump."""

from __future__ import annotations

import io
import os
import sys
from collections import Counter
from pathlib import Path

import click

from ..cache import CacheError
from ..diagnostics import visible
from ..export import DEFAULT_OUTPUT, BadOutput, NothingFound, Report, export
from ..mapping import MappingError, load_mapping
from ..store import DEFAULT_STORE, StoreError
from ..writers import FORMAT_ALIASES, FORMATS
from . import cli
from ._common import (
    Fatal,
    base_option,
    echo_diagnostics,
    file_option,
    jobs_option,
    mapping_option,
    parse_shard,
    progress,
)


@cli.command("export")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True))
@click.option(
    "-o", "--output", default=DEFAULT_OUTPUT, show_default=True, help="Dump file, or - for stdout."
)
@click.option(
    "-f",
    "--format",
    "fmt",
    type=click.Choice([*sorted(FORMATS), *sorted(FORMAT_ALIASES)]),
    help="Default: from the output's extension, .ttl, .nt, .trig, .nq or .jsonld (or .turtle,"
    " .ntriples, .nquads, .json); ttl for a name without one or for -. Any other extension,"
    " which is any dotted suffix (kb-2024.03.01, dump.ttl.bak), needs --format (exit 2"
    " without it). turtle, ntriples, nquads and json are the same as ttl, nt, nq and jsonld.",
)
@base_option()
@mapping_option
@jobs_option()
@click.option(
    "--shard", help="Export only shard K of N (K/N), for splitting a corpus over machines."
)
@click.option(
    "--coverage",
    is_flag=True,
    help="Print the full table of front-matter keys and how they are mapped.",
)
@click.option("-q", "--quiet", is_flag=True, help="Print errors only, no warnings or summary.")
@click.option(
    "--store",
    "store_path",
    type=click.Path(file_okay=False),
    help="Embedded store (for `medigraph query`) to update incrementally "
    f"(default: {DEFAULT_STORE} for the default dump, output/medigraph.ttl or another"
    " format of it).",
)
@click.option("--no-store", is_flag=True, help="Do not update the embedded store.")
@click.option(
    "--cache/--no-cache",
    default=None,
    help="Skip unchanged files using a cache: output/cache for a dump under ./output (the"
    " default there), else cache/ beside the dump.",
)
@click.option(
    "--validate",
    is_flag=True,
    help="Check against the SHACL shapes first; write nothing if there are violations or"
    " rejected documents.",
)
@file_option(
    "--shapes",
    "With --validate: SHACL shapes file (default: the bundled shapes).",
)
@file_option(
    "--ontology",
    "Ontology file for --validate and the store's ontology graph (default: the bundled ontology).",
)
@click.option(
    "--drafts",
    is_flag=True,
    help="Export what Hugo does not publish too: drafts (draft: true), headless bundles and"
    " pages with build render and list never; by default they are left out, as Hugo leaves"
    " them out of the site.",
)
def export_command(
    paths: tuple[str, ...],
    output: str,
    fmt: str | None,
    base: str,
    mapping: str | None,
    jobs: int | None,
    shard: str | None,
    coverage: bool,
    quiet: bool,
    store_path: str | None,
    no_store: bool,
    cache: bool | None,
    validate: bool,
    shapes: str | None,
    ontology: str | None,
    drafts: bool,
) -> None:
    """Map the documents under PATHS and write one RDF dump.

    Turtle by default (output/medigraph.ttl); TriG, N-Quads and JSON-LD keep one named graph
    per document. Rejected documents are reported on stderr and left out (exit code 1).
    """
    if shapes and not validate:
        raise click.UsageError("--shapes is what --validate checks against: give --validate too")
    if ontology and not validate and _store_for(output, store_path, no_store) is None:
        raise click.UsageError(
            "--ontology is what --validate checks against and the store holds: this export"
            " has neither (give --validate or --store)"
        )
    try:
        with progress("exporting", quiet=quiet, writes_stdout=_to_stdout(output)) as (
            start,
            advance,
        ):
            report = export(
                paths,
                output,
                format=fmt,
                base=base,
                mapping=mapping,
                jobs=jobs,
                shard=parse_shard(shard),
                on_start=start,
                on_document=lambda _item: advance(),
                store=_store_for(output, store_path, no_store),
                cache=cache,
                validate=validate,
                drafts=drafts,
                shapes=shapes,
                ontology=ontology,
            )
    except (MappingError, StoreError, CacheError, NothingFound, BadOutput) as exc:
        raise Fatal(str(exc)) from exc
    except BrokenPipeError:
        raise  # stdout closed (`| head`): click ends quietly, as for every command
    except OSError as exc:
        where = "standard output" if output == "-" else output
        raise Fatal(f"cannot write {where}: {exc.strerror or exc}") from exc
    except Exception as exc:
        if _validation_setup_error(exc):
            raise Fatal(str(exc)) from exc
        raise
    echo_diagnostics(report.diagnostics, quiet=quiet)
    if coverage:
        click.echo(coverage_table(report, mapping, base), err=output == "-")
    if report.refused:
        click.echo(f"medigraph: {report.summary()} {_left_as_it_was(output)}".rstrip(), err=True)
    elif not quiet:
        where = "standard output" if output == "-" else output
        click.echo(f"medigraph: {report.summary()} Written to {where}.", err=True)
        if report.store:
            click.echo(f"medigraph: {report.store}.", err=True)
    sys.exit(report.exit_code)


def _left_as_it_was(output: str) -> str:
    """What became of the output of a refused export: standard output is told as such (a
    file named ``-`` in the current folder has nothing to do with it)."""
    if output == "-":
        return ""  # the summary said nothing was written
    kept = "was left as it was" if os.path.exists(output) else "was not written"
    return f"{output} {kept}."


def _validation_setup_error(exc: Exception) -> bool:
    """Whether ``exc`` is the shapes or ontology failing to load for ``--validate``.

    The validation module (and rdflib and pySHACL with it) is imported only by an export
    that validates, so an export that did not import it cannot have raised its error.
    """
    validation = sys.modules.get("medigraph.validation")
    return validation is not None and isinstance(exc, validation.ValidationSetupError)


def coverage_table(report: Report, mapping: str | None, base: str) -> str:
    mapper = load_mapping(mapping, base=base)
    status: Counter[str] = Counter()
    rows = []
    for key in sorted(report.key_documents):
        spelled = next((k for k in mapper.known_keys if k.lower() == key.lower()), None)
        if key in report.unmapped:
            how = "NOT MAPPED"
        elif spelled is not None and spelled != key:
            how = f"another spelling of {spelled}, beside it: not written (Hugo reads one)"
        elif key in mapper.ignored or any(key.startswith(i + ".") for i in mapper.ignored):
            how = "ignored: " + mapper.ignored.get(key.split(".")[0], mapper.ignored.get(key, ""))
        else:
            rule = next(
                (r for r in mapper.rules if r.key == key or key.startswith(r.key + ".")), None
            )
            how = ", ".join(rule.properties) or f"checked ({rule.converter})" if rule else "mapped"
        status[how.split(":")[0]] += 1
        rows.append(f"{visible(key):<40} {report.key_documents[key]:>8}  {how}")
    header = f"{'key':<40} {'documents':>8}  mapping"
    return "\n".join([header, *rows])


def _store_for(output: str, store_path: str | None, no_store: bool) -> str | None:
    """The store to keep in step: as asked, else the default one for the default dump only
    (``output/medigraph.ttl``, ``.trig``, …).

    A dump written elsewhere (or to stdout) leaves ./output alone: nothing is written
    outside the location the user chose. Nor does another dump under ./output (one
    community's, say) make the store hold only its documents.
    """
    if no_store and store_path:
        raise click.UsageError("--store and --no-store contradict each other; give one")
    if no_store:
        return None
    if store_path:
        return store_path
    if output == "-":
        return None
    # realpath, not Path.resolve: a link that loops is left as it is, not a RuntimeError
    # (the export then says what is wrong with the output).
    target = Path(os.path.realpath(output))
    default = Path(os.path.realpath(DEFAULT_OUTPUT))
    return DEFAULT_STORE if (target.parent, target.stem) == (default.parent, default.stem) else None


def _to_stdout(output: str) -> bool:
    """Whether the dump goes to standard output: ``-``, or a name for it (``/dev/stdout``,
    ``/proc/self/fd/1``), where a progress bar on the same terminal would be drawn into it."""
    if output == "-":
        return True
    try:
        return os.path.samestat(os.stat(output), os.fstat(sys.stdout.fileno()))
    except (OSError, ValueError, io.UnsupportedOperation):
        return False
