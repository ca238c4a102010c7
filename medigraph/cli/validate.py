"""``medigraph validate``: SHACL and ontology checks as a CI gate, reported as file:line:key."""

from __future__ import annotations

import sys

import click

from ..diagnostics import Severity
from ..documents import is_markdown
from ..reports import FORMATTERS, render
from ..validation import (
    DEFAULT_BATCH_SIZE,
    INFERENCE,
    ValidationReport,
    ValidationSetupError,
    validate,
    validate_graph,
)
from ..writers import atomic_output, output_problem
from . import cli
from ._common import (
    Fatal,
    base_option,
    file_option,
    given,
    jobs_option,
    mapping_option,
    progress,
    refuse_unless,
)

GRAPH_FORMATS = {
    "ttl": "ttl",
    "turtle": "ttl",
    "nt": "nt",
    "ntriples": "nt",
    "trig": "trig",
    "nq": "nq",
    "nquads": "nq",
    "jsonld": "jsonld",
    "json-ld": "jsonld",
    "json": "jsonld",
    "rdf": "rdf",
    "n3": "n3",
}
"""--graph-format: the names export --format takes (and json-ld), and the two formats a dump
may come in that export does not write, RDF/XML (rdf) and N3; each to the name the
validation reads."""

_FAIL_ON = {"violation": Severity.ERROR, "warning": Severity.WARNING, "info": Severity.INFO}


@cli.command("validate")
@click.argument("paths", nargs=-1, type=click.Path(exists=True))
@click.option(
    "--graph",
    "graph",
    type=click.Path(exists=True, dir_okay=False),
    help="Check an existing dump instead of documents.",
)
@click.option(
    "--graph-format",
    type=click.Choice(list(GRAPH_FORMATS), case_sensitive=False),
    help="RDF format of --graph; default: from its extension (none: Turtle; an extension"
    " medigraph does not know, e.g. .txt, needs this option). turtle, ntriples, nquads, json"
    " and json-ld are ttl, nt, nq and jsonld; rdf is RDF/XML.",
)
@click.option(
    "--root",
    type=click.Path(exists=True, file_okay=False),
    help="With --graph: the folder the dump was exported from, to give line numbers.",
)
@click.option(
    "-f",
    "--format",
    "fmt",
    type=click.Choice(list(FORMATTERS)),
    default="text",
    show_default=True,
    help="Report format.",
)
@click.option(
    "-o", "--output", default="-", show_default=True, help="Report file, or - for stdout."
)
@click.option(
    "--fail-on",
    type=click.Choice(list(_FAIL_ON)),
    default="violation",
    show_default=True,
    help="Lowest severity that makes the exit code 1.",
)
@file_option(
    "--shapes",
    "SHACL shapes file (default: the bundled shapes).",
)
@file_option(
    "--ontology",
    "Ontology file (default: the bundled ontology).",
)
@mapping_option
@base_option()
@click.option(
    "--inference",
    type=click.Choice(INFERENCE),
    default="none",
    show_default=True,
    help="Inference before validating (rdfs uses the ontology).",
)
@jobs_option()
@click.option(
    "--batch-size",
    type=click.IntRange(min=0),
    default=DEFAULT_BATCH_SIZE,
    show_default=True,
    help="Documents per SHACL call (0: all at once).",
)
@click.option("-q", "--quiet", is_flag=True, help="No summary line on stderr.")
def validate_command(
    paths: tuple[str, ...],
    graph: str | None,
    graph_format: str | None,
    root: str | None,
    fmt: str,
    output: str,
    fail_on: str,
    shapes: str | None,
    ontology: str | None,
    mapping: str | None,
    base: str,
    inference: str,
    jobs: int | None,
    batch_size: int,
    quiet: bool,
) -> None:
    """Check the documents under PATHS (or a dump, with --graph) against the SHACL shapes and
    the ontology, and report each problem as path:line: severity: key: message.

    Exit codes: 0 conforms, 1 results at or above --fail-on (a document that cannot be read
    or mapped is an error), 2 usage or fatal error (such as
    a shapes file that cannot be used).
    """
    if paths and graph:
        raise click.UsageError(
            "give PATHS to validate documents, or --graph FILE to validate a dump, not both"
        )
    if not paths and not graph:
        raise click.UsageError(
            "give PATHS to validate documents, or --graph FILE to validate a dump"
        )
    if output != "-" and is_markdown(output.lower()):
        raise click.BadParameter(
            "a report is not a Markdown file: it would replace a document, or be read as one"
            " by the next run; name it .txt, .json, .xml, …",
            param_hint="'-o' / '--output'",
        )
    problem = output_problem(output)  # now, not after the whole validation
    if problem is not None:
        raise Fatal(f"cannot write {problem}")
    refuse_unless(bool(graph), given("root", "graph_format"), "with --graph")
    refuse_unless(not graph, given("jobs", "batch_size"), "to documents, not with --graph")
    try:
        report: ValidationReport
        if graph:
            report = validate_graph(
                graph,
                format=GRAPH_FORMATS[graph_format] if graph_format else None,
                shapes=shapes,
                ontology=ontology,
                mapping=mapping,
                base=base,
                inference=inference,
                root=root,
            )
        else:
            with progress("validating", quiet=quiet) as (start, advance):
                report = validate(
                    paths,
                    shapes=shapes,
                    ontology=ontology,
                    mapping=mapping,
                    base=base,
                    inference=inference,
                    jobs=jobs,
                    batch_size=batch_size,
                    on_start=start,
                    on_document=lambda _d: advance(),
                )
    except ValidationSetupError as exc:
        raise Fatal(str(exc)) from None
    # A name the file system gave as bytes that are not UTF-8 is written as escapes.
    threshold = _FAIL_ON[fail_on]
    data = render(report, fmt, threshold).encode("utf-8", "backslashreplace")
    try:
        with atomic_output(output) as stream:
            stream.write(data)
    except BrokenPipeError:
        raise  # stdout closed (`| head`): click ends quietly, as for every command
    except OSError as exc:
        where = "standard output" if output == "-" else output
        raise Fatal(f"cannot write {where}: {exc.strerror or exc}") from None
    if not quiet and (fmt != "text" or output != "-"):
        click.echo(f"medigraph: {report.summary()}", err=True)
    sys.exit(report.exit_code(threshold))
