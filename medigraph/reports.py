"""Report formats for a validation run: text, json, turtle, junit, github and sarif.

Every format is written from the same ``ValidationReport`` and lists results in the same
order (path, line, key), so reports diff cleanly between runs.
"""

from __future__ import annotations

import json
import os
import xml.etree.ElementTree as ET
from collections.abc import Callable
from typing import Any

import pyoxigraph as ox

from ._version import __version__
from .diagnostics import Diagnostic, Severity
from .validation import ValidationReport

SH = "http://www.w3.org/ns/shacl#"
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_SARIF_LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
_SH_SEVERITY = {Severity.ERROR: "Violation", Severity.WARNING: "Warning", Severity.INFO: "Info"}


def text(report: ValidationReport) -> str:
    """One ``path:line: severity: key: message`` line per result, then focus and shape."""
    lines = []
    for d in report.diagnostics:
        lines.append(_one_line(d.format()))  # one result, one line: grep and IDEs rely on it
        if d.focus or d.shape:
            lines.append(f"    focus {d.focus or '-'}  shape {d.shape or '-'}")
    lines.append(("conforms: " if not report.failed() else "does not conform: ") + report.summary())
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


def to_json(report: ValidationReport) -> str:
    data = {
        "conforms": not report.failed(),
        "summary": report.counts(),
        "documents": len(report.documents),
        "rejected": sum(1 for d in report.documents if d.rejected),
        "results": [_diagnostic_json(d) for d in report.diagnostics],
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def turtle(report: ValidationReport) -> str:
    """The standard SHACL validation report graph (sh:ValidationReport, sh:result …).

    Results are named ``urn:medigraph:result:N`` (in report order) rather than blank nodes,
    so two reports of the same input are byte-identical.
    """

    def sh(name: str) -> ox.NamedNode:
        return ox.NamedNode(SH + name)

    rdf_type = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    top = ox.NamedNode("urn:medigraph:report")
    triples = [
        ox.Triple(top, rdf_type, sh("ValidationReport")),
        ox.Triple(
            top,
            sh("conforms"),
            ox.Literal(
                "true" if report.conforms else "false",
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
            ox.Triple(node, sh("resultMessage"), ox.Literal(r.message)),
        ]
        if r.shape:
            triples.append(ox.Triple(node, sh("sourceShape"), ox.NamedNode(r.shape)))
        if r.path and not r.path.startswith(("[", "_:")):
            triples.append(ox.Triple(node, sh("resultPath"), ox.NamedNode(r.path.strip("<>"))))
        if r.value is not None:
            triples.append(ox.Triple(node, sh("value"), _term(r.value)))
    data = ox.serialize(
        triples,
        format=ox.RdfFormat.TURTLE,
        prefixes={"sh": SH, "medigy": "https://medigy.com/ontology/"},
    )
    return (data or b"").decode("utf-8")


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


def junit(report: ValidationReport) -> str:
    """JUnit XML: one test case per document, one failure per error (Jenkins, GitHub)."""
    diagnostics = report.diagnostics
    by_path: dict[str, list[Diagnostic]] = {}
    for d in diagnostics:
        by_path.setdefault(d.path, []).append(d)
    paths = sorted({d.path for d in report.documents} | set(by_path))
    failures = sum(
        1 for p in paths if any(d.severity is Severity.ERROR for d in by_path.get(p, []))
    )
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
    for path in paths:
        case = ET.SubElement(
            suite, "testcase", classname="medigraph.validate", name=path or "medigraph", time="0"
        )
        found = by_path.get(path, [])
        for d in found:
            if d.severity is Severity.ERROR:
                failure = ET.SubElement(
                    case,
                    "failure",
                    message=_one_line(f"{d.key + ': ' if d.key else ''}{d.message}"),
                    type=d.code,
                )
                failure.text = d.format() + (
                    f"\nfocus {d.focus}\nshape {d.shape}" if d.focus else ""
                )
        others = [d.format() for d in found if d.severity is not Severity.ERROR]
        if others:
            ET.SubElement(case, "system-out").text = "\n".join(others)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def github(report: ValidationReport) -> str:
    """GitHub Actions workflow commands: ``::error file=F,line=L,title=KEY::message``."""
    command = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}
    lines = []
    for d in report.diagnostics:
        props = []
        if d.path:
            props.append(f"file={_escape_property(d.path)}")
        if d.line is not None:
            props.append(f"line={d.line}")
        props.append(f"title={_escape_property(d.key or d.code)}")
        lines.append(f"::{command[d.severity]} {','.join(props)}::{_escape_data(d.message)}")
    return "\n".join(lines) + ("\n" if lines else "")


def _rule_id(d: Diagnostic) -> str:
    if d.shape:
        return f"{d.shape}#{d.code.split('.', 1)[-1]}"
    return d.code


def sarif(report: ValidationReport) -> str:
    """SARIF 2.1.0 for GitHub code scanning: rules per shape and constraint, results per line."""
    rules: dict[str, dict[str, Any]] = {}
    results = []
    for d in report.diagnostics:
        rule_id = _rule_id(d)
        if rule_id not in rules:
            rule: dict[str, Any] = {
                "id": rule_id,
                "name": d.code.replace(".", "-"),
                "shortDescription": {"text": d.code},
                "defaultConfiguration": {"level": _SARIF_LEVELS[d.severity]},
            }
            if d.shape and d.shape.startswith(("http://", "https://")):
                rule["helpUri"] = d.shape
            rules[rule_id] = rule
        result: dict[str, Any] = {
            "ruleId": rule_id,
            "ruleIndex": list(rules).index(rule_id),
            "level": _SARIF_LEVELS[d.severity],
            "message": {"text": f"{d.key + ': ' if d.key else ''}{d.message}"},
        }
        if d.path:
            location: dict[str, Any] = {
                "artifactLocation": {"uri": _uri(d.path), "uriBaseId": "%SRCROOT%"},
            }
            if d.line is not None:
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
                "originalUriBaseIds": {"%SRCROOT%": {"uri": _srcroot()}},
                "results": results,
            }
        ],
    }
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"


def _uri(path: str) -> str:
    """A relative URI reference: ``/`` separators, no leading ``./``, spaces escaped."""
    from urllib.parse import quote

    rel = os.path.relpath(path) if os.path.isabs(path) else os.path.normpath(path)
    return quote(rel.replace(os.sep, "/"), safe="/-._~")


def _srcroot() -> str:
    from pathlib import Path

    return Path.cwd().as_uri() + "/"


FORMATTERS: dict[str, Callable[[ValidationReport], str]] = {
    "text": text,
    "json": to_json,
    "turtle": turtle,
    "junit": junit,
    "github": github,
    "sarif": sarif,
}


def render(report: ValidationReport, fmt: str) -> str:
    try:
        return FORMATTERS[fmt](report)
    except KeyError:
        raise ValueError(f"unknown report format {fmt!r} (use {', '.join(FORMATTERS)})") from None
