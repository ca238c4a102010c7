"""Report formats for a validation run: text, json, turtle, junit, github and sarif.

Every format is written from the same ``ValidationReport`` and lists results in the same
order (path, line, key), so reports diff cleanly between runs.
"""

from __future__ import annotations

import json
import os
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from typing import Any

import pyoxigraph as ox

from ._version import __version__
from .diagnostics import Diagnostic, Severity, plural, visible
from .validation import ValidationReport

SH = "http://www.w3.org/ns/shacl#"
XSD_INTEGER = "http://www.w3.org/2001/XMLSchema#integer"
MEDIGRAPH_LINE = "urn:medigraph:line"
"""The line of the file a problem is on (SHACL has no term for it)."""
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_SARIF_LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
_SH_SEVERITY = {Severity.ERROR: "Violation", Severity.WARNING: "Warning", Severity.INFO: "Info"}


def text(report: ValidationReport, fail_on: Severity = Severity.ERROR) -> str:
    """One ``path:line: severity: key: message`` line per result, then focus and shape."""
    lines = []
    for d in report.diagnostics:
        lines.append(_one_line(d.format()))  # one result, one line: grep and IDEs rely on it
        if d.focus or d.shape:
            lines.append(f"    focus {d.focus or '-'}  shape {d.shape or '-'}")
    lines.append(
        ("does not conform: " if report.failed(fail_on) else "conforms: ") + report.summary()
    )
    return "\n".join(lines) + "\n"


def _diagnostic_json(d: Diagnostic) -> dict[str, Any]:
    return {
        "path": d.path,
        "line": d.line,
        "key": d.key,
        "severity": d.severity.label,
        "message": d.message,
        "code": d.code,
        "focus": d.focus,
        "shape": d.shape,
    }


def to_json(report: ValidationReport, fail_on: Severity = Severity.ERROR) -> str:
    data = {
        "conforms": not report.failed(fail_on),  # as the exit code: nothing at or above --fail-on
        "summary": report.counts(),
        "documents": len(report.checked),
        "rejected": sum(1 for d in report.documents if d.rejected),
        "results": [_diagnostic_json(d) for d in report.diagnostics],
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def turtle(report: ValidationReport, fail_on: Severity = Severity.ERROR) -> str:
    """The standard SHACL validation report graph (sh:ValidationReport, sh:result …).

    The SHACL and ontology results, then every other problem of the run (a document that
    could not be read or mapped) as a result of its own: focus the file (a ``file:`` IRI),
    constraint component ``urn:medigraph:check:CODE``. ``sh:conforms`` is true only when there
    is no result at all, as SHACL defines it (warnings included; ``--fail-on`` sets only the
    exit code). Results are named ``urn:medigraph:result:N`` (in report order) rather than
    blank nodes, so two reports of the same input are byte-identical.
    """

    def sh(name: str) -> ox.NamedNode:
        return ox.NamedNode(SH + name)

    rdf_type = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    top = ox.NamedNode("urn:medigraph:report")
    others = [d for d in report.diagnostics if not d.code.startswith(("shacl.", "ontology."))]
    triples = [
        ox.Triple(top, rdf_type, sh("ValidationReport")),
        ox.Triple(
            top,
            sh("conforms"),
            ox.Literal(
                "false" if report.results or others else "true",
                datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#boolean"),
            ),
        ),
    ]
    for index, r in enumerate(report.results, 1):
        node = ox.NamedNode(f"urn:medigraph:result:{index}")
        triples += [
            ox.Triple(top, sh("result"), node),
            ox.Triple(node, rdf_type, sh("ValidationResult")),
            ox.Triple(node, sh("focusNode"), _term(r.focus)),
            ox.Triple(node, sh("resultSeverity"), sh(_SH_SEVERITY[r.severity])),
            ox.Triple(node, sh("sourceConstraintComponent"), ox.NamedNode(r.component)),
            ox.Triple(node, sh("resultMessage"), ox.Literal(_storable(r.message))),
        ]
        if r.shape:
            triples.append(ox.Triple(node, sh("sourceShape"), ox.NamedNode(r.shape)))
        if r.path and not r.path.startswith(("[", "_:")):
            triples.append(ox.Triple(node, sh("resultPath"), ox.NamedNode(r.path.strip("<>"))))
        if r.value is not None:
            triples.append(ox.Triple(node, sh("value"), _term(r.value)))
    for index, d in enumerate(others, len(report.results) + 1):
        node = ox.NamedNode(f"urn:medigraph:result:{index}")
        focus = _file_iri(d.path) if d.path else ox.NamedNode("urn:medigraph:run")
        triples += [
            ox.Triple(top, sh("result"), node),
            ox.Triple(node, rdf_type, sh("ValidationResult")),
            ox.Triple(node, sh("focusNode"), focus),
            ox.Triple(node, sh("resultSeverity"), sh(_SH_SEVERITY[d.severity])),
            ox.Triple(
                node, sh("sourceConstraintComponent"), ox.NamedNode(f"urn:medigraph:check:{d.code}")
            ),
            ox.Triple(node, sh("resultMessage"), ox.Literal(_storable(_keyed(d)))),
        ]
        if d.line is not None:
            line = ox.Literal(str(d.line), datatype=ox.NamedNode(XSD_INTEGER))
            triples.append(ox.Triple(node, ox.NamedNode(MEDIGRAPH_LINE), line))
    data = ox.serialize(
        triples,
        format=ox.RdfFormat.TURTLE,
        prefixes={"sh": SH, "medigy": "https://medigy.com/ontology/"},
    )
    return (data or b"").decode("utf-8")


def _file_iri(path: str) -> ox.NamedNode:
    """The file a problem is in, as an absolute ``file:`` IRI."""
    from pathlib import Path

    try:
        raw = path.encode("utf-8", "surrogateescape")  # names are UTF-8 text (documents.as_utf8)
    except UnicodeEncodeError:  # a surrogate that no file name's bytes give (an API caller's)
        raw = visible(path).encode("utf-8")
    return ox.NamedNode(Path(raw.decode("utf-8", "replace")).resolve().as_uri())


_SURROGATES = re.compile("[\ud800-\udfff]")


def _storable(text: str) -> str:
    """``text`` with its lone surrogates (a file name's bytes that are not UTF-8, a YAML
    ``"\\ud800"``) as ``\\uNNNN`` escapes: an RDF literal cannot hold them, and the rest of
    the message, line breaks included, stays as it is."""
    return _SURROGATES.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def _keyed(d: Diagnostic) -> str:
    """``key: message``, or the message alone when no key is known."""
    return f"{d.key}: {d.message}" if d.key else d.message


def _term(ntriples: str) -> ox.NamedNode | ox.Literal | ox.BlankNode:
    """A term written in N-Triples syntax, back to a term."""
    subject = ox.NamedNode("urn:x")
    quad = next(
        iter(ox.parse(f"<urn:x> <urn:x> {ntriples} .".encode(), format=ox.RdfFormat.N_TRIPLES))
    )
    assert quad.subject == subject
    term = quad.object
    assert isinstance(term, ox.NamedNode | ox.Literal | ox.BlankNode)
    return term


def junit(report: ValidationReport, fail_on: Severity = Severity.ERROR) -> str:
    """JUnit XML: one test case per document, failed when it has a problem at or above
    ``--fail-on`` (as the exit code says). A test case holds at most one ``failure`` (several
    consumers, Jenkins among them, read only the first): its message is the first problem,
    its text every failing problem; the others go to ``system-out``. A test case names its
    file as the ``github`` report does (``file``) and its first failing problem's ``line``,
    where GitHub's JUnit reporters put the annotation."""
    diagnostics = report.diagnostics
    by_path: dict[str, list[Diagnostic]] = {}
    for d in diagnostics:
        by_path.setdefault(d.path, []).append(d)
    paths = sorted({d.path for d in report.checked} | set(by_path))
    failures = sum(1 for p in paths if any(d.severity >= fail_on for d in by_path.get(p, [])))
    root = ET.Element(
        "testsuites",
        name="medigraph validate",
        tests=str(len(paths)),
        failures=str(failures),
        errors="0",
    )
    suite = ET.SubElement(
        root,
        "testsuite",
        name="medigraph validate",
        tests=str(len(paths)),
        failures=str(failures),
        errors="0",
        skipped="0",
        time=f"{report.seconds:.3f}",
    )
    repository = _repository_root()
    for path in paths:
        found = by_path.get(path, [])
        failing = [d for d in found if d.severity >= fail_on]
        # XML 1.0 cannot hold most control characters at all, escaped or not.
        case = ET.SubElement(
            suite,
            "testcase",
            classname="medigraph.validate",
            name=visible(path) or "medigraph",
            time="0",
        )
        if path:
            # Where GitHub's JUnit reporters annotate a failure (without them, on a file
            # named after the classname's last part, `validate`): the file as the
            # repository names it, and the first failing problem's line.
            case.set("file", visible(_relative(path, repository)))
            line = next((d.line for d in failing if d.line is not None), None)
            if line is not None:
                case.set("line", str(line))
        if failing:
            first = failing[0]
            more = f" (and {len(failing) - 1} more)" if len(failing) > 1 else ""
            failure = ET.SubElement(
                case,
                "failure",
                message=visible(_one_line(_keyed(first) + more)),
                type=first.code,
            )
            failure.text = "\n".join(
                d.format()
                + (
                    f"\n    focus {visible(d.focus)}  shape {visible(d.shape or '-')}"
                    if d.focus
                    else ""
                )
                for d in failing
            )
        others = [d.format() for d in found if d.severity < fail_on]
        if others:
            ET.SubElement(case, "system-out").text = "\n".join(others)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _one_line(text: str) -> str:
    """``text`` on one line: its line breaks (and the indentation after them) as one space;
    spaces within a line kept, as in a quoted value (``'   '`` is three spaces, not one)."""
    return " ".join(part.strip() for part in text.splitlines() if part.strip())


def visible_text(text: str) -> str:
    """A message's control characters as escapes, its line breaks kept (GitHub encodes them)."""
    return "\n".join(visible(line) for line in text.split("\n"))


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


GITHUB_SHOWN = 10
"""Annotations of each kind GitHub shows per step; the log keeps every line."""


def github(report: ValidationReport, fail_on: Severity = Severity.ERROR) -> str:
    """GitHub Actions workflow commands: ``::error file=F,line=L,title=KEY::message``, after a
    notice with the counts when GitHub would not show every annotation.

    The counts come first: GitHub keeps the first annotations of each kind, so a last notice
    would be hidden exactly when there are too many notices (infos) to show."""
    command = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}
    lines = []
    counts = report.counts()
    if max(counts.values(), default=0) > GITHUB_SHOWN:
        told = ", ".join(plural(n, kind) for kind, n in counts.items() if n)
        lines.append(
            f"::notice title=medigraph validate::{told}; GitHub shows at most {GITHUB_SHOWN} "
            "annotations of each kind per step: the step's log lists them all"
        )
    root = _repository_root()
    for d in report.diagnostics:
        props = []
        if d.path:
            props.append(f"file={_escape_property(visible(_relative(d.path, root)))}")
        if d.line is not None:
            props.append(f"line={d.line}")
        props.append(f"title={_escape_property(visible(d.key or d.code))}")
        lines.append(
            f"::{command[d.severity]} {','.join(props)}::{_escape_data(visible_text(d.message))}"
        )
    return "\n".join(lines) + ("\n" if lines else "")


def _rule_id(d: Diagnostic) -> str:
    if d.shape:
        return f"{d.shape}#{d.code.split('.', 1)[-1]}"
    return d.code


_RULE_WORDS = {
    "read": "how the file is written",
    "map": "how a value is written",
    "shacl": "what the shapes require",
    "ontology": "what the ontology allows",
    "shapes": "what the shapes file names",
}
"""What a rule whose results say different things is about, by the family of its code."""

SARIF_HELP = (
    "Each result names the front-matter key to fix, at its line of the file, and says what"
    " to write instead. Checked by medigraph validate against the SHACL shapes and the"
    " Medigy ontology."
)
SARIF_SHAPES_HELP = (
    "Each result names a shape of the shapes file (--shapes) and the Medigy property its path"
    " or target goes through, which the ontology does not declare: the shape checks nothing."
    " Correct the name in the shapes file, or declare the property in the ontology."
)
"""The help of a rule about the shapes file itself, which has no front-matter key to fix."""


def _rule_descriptions(found: list[Diagnostic]) -> dict[str, Any]:
    """The rule's descriptions in an editor's words, true of every result of the run: a
    shape's rule says what its results say when they all say one thing (``title: title is
    missing``, the shape's message), else its key and what it is about (a message that quotes
    values, as lastMod's does, differs between results); a rule of a medigraph check
    (``map.not-a-date``, whose messages quote the value) what its family is about, the same in
    every run. GitHub code scanning titles its alerts with the short description and requires
    the full description and the help text; each result's message says the rest."""
    first = found[0]
    family = first.code.split(".", 1)[0]
    words = _RULE_WORDS.get(family, "a problem medigraph checks")
    if first.shape:
        texts = sorted({visible(_one_line(_keyed(d))) for d in found})
        keys = sorted({visible(d.key) for d in found if d.key})
        if len(texts) == 1:
            short = texts[0]
        else:
            short = f"{', '.join(keys)}: {words}" if keys else words[:1].upper() + words[1:]
        detail = f"SHACL shape {visible(first.shape)}, constraint {first.code.split('.', 1)[-1]}"
    elif family == "shapes":
        short = f"{words[:1].upper()}{words[1:]} ({first.code})"
        detail = "a check of the shapes file against the ontology; each result names the term"
    else:
        short = f"{words[:1].upper()}{words[1:]} ({first.code})"
        detail = "a check of medigraph's reading and mapping; each result says what to write"
    short = _shortened_rule_text(short)
    return {
        "shortDescription": {"text": short},
        "fullDescription": {"text": _shortened_rule_text(f"{short} — {detail}")},
        "help": {"text": SARIF_SHAPES_HELP if family == "shapes" else SARIF_HELP},
    }


def _shortened_rule_text(text: str) -> str:
    """``text`` within the 1000 characters GitHub shows of a rule's description."""
    return text if len(text) <= 1000 else text[:999] + "…"


def sarif(report: ValidationReport, fail_on: Severity = Severity.ERROR) -> str:
    """SARIF 2.1.0 for GitHub code scanning: rules per shape and constraint, results per line.

    Every result has a location (GitHub refuses a log with one that has none): a problem of
    no file is placed on what was checked (the dump, or the first path given)."""
    rules: dict[str, dict[str, Any]] = {}
    diagnostics = report.diagnostics
    root = _repository_root()
    by_rule: dict[str, list[Diagnostic]] = {}
    for d in diagnostics:
        by_rule.setdefault(_rule_id(d), []).append(d)
    results = []
    for d in diagnostics:
        rule_id = _rule_id(d)
        if rule_id not in rules:
            rule: dict[str, Any] = {
                "id": rule_id,
                "name": d.code.replace(".", "-"),
                **_rule_descriptions(by_rule[rule_id]),
                "defaultConfiguration": {"level": _SARIF_LEVELS[d.severity]},
            }
            if d.shape and d.shape.startswith(("http://", "https://")):
                rule["helpUri"] = d.shape
            rules[rule_id] = rule
        result: dict[str, Any] = {
            "ruleId": rule_id,
            "ruleIndex": list(rules).index(rule_id),
            "level": _SARIF_LEVELS[d.severity],
            "message": {"text": _keyed(d)},
        }
        where = d.path or report.origin or "."
        location: dict[str, Any] = {
            "artifactLocation": {"uri": _uri(where, root), "uriBaseId": "%SRCROOT%"},
        }
        if d.line is not None and d.path:
            location["region"] = {"startLine": d.line}
        result["locations"] = [{"physicalLocation": location}]
        properties = {
            k: v for k, v in (("key", d.key), ("focus", d.focus), ("shape", d.shape)) if v
        }
        if properties:
            result["properties"] = properties
        results.append(result)
    log = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "medigraph",
                        "version": __version__,
                        "informationUri": "https://medigy.com/",
                        "rules": list(rules.values()),
                    }
                },
                "originalUriBaseIds": {"%SRCROOT%": {"uri": _srcroot(root)}},
                "results": results,
            }
        ],
    }
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"


def _repository_root() -> str:
    """The folder the ``github`` and ``sarif`` reports name files from: the root of the git
    checkout that holds the working folder (the nearest folder with a ``.git``, from the
    working folder up), since GitHub names a repository's files from its root whatever folder
    the step runs in (``working-directory: site``); the working folder when no checkout
    holds it."""
    cwd = os.getcwd()
    folder = cwd
    while not os.path.lexists(os.path.join(folder, ".git")):
        parent = os.path.dirname(folder)
        if parent == folder:
            return cwd
        folder = parent
    return folder


def _relative(path: str, root: str) -> str:
    """``path`` as GitHub matches it to a file of the repository: relative to ``root`` (the
    checkout's, see :func:`_repository_root`), ``/`` separators, no leading ``./`` (an
    annotation on ``./x.md``, or on ``x.md`` when the repository names it ``site/x.md``, is
    shown on no file of the pull request)."""
    absolute = path if os.path.isabs(path) else os.path.join(os.getcwd(), path)
    return os.path.relpath(absolute, root).replace(os.sep, "/")


def _uri(path: str, root: str) -> str:
    """A relative URI reference: ``/`` separators, no leading ``./``, spaces escaped."""
    from urllib.parse import quote

    rel = _relative(path, root)
    try:  # a name's bytes that are not UTF-8 (kept as surrogates) as those bytes, %XX
        return quote(rel, safe="/-._~", errors="surrogateescape")
    except UnicodeEncodeError:  # a surrogate no file name's bytes give: shown as an escape
        return quote(visible(rel), safe="/-._~")


def _srcroot(root: str) -> str:
    from pathlib import Path

    return Path(root).as_uri() + "/"


FORMATTERS: dict[str, Callable[[ValidationReport, Severity], str]] = {
    "text": text,
    "json": to_json,
    "turtle": turtle,
    "junit": junit,
    "github": github,
    "sarif": sarif,
}


def render(report: ValidationReport, fmt: str, fail_on: Severity = Severity.ERROR) -> str:
    """The report in ``fmt``; ``fail_on`` is the lowest severity that fails the run (the
    exit code), which the formats that say "failed" follow."""
    try:
        formatter = FORMATTERS[fmt]
    except KeyError:
        raise ValueError(f"unknown report format {fmt!r} (use {', '.join(FORMATTERS)})") from None
    return formatter(report, fail_on)
