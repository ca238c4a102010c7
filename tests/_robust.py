"""Shared helpers of the robustness suite (test_roundtrip, test_properties, test_hostile,
test_yaml_policy, test_framing, test_robust_resources): build documents from the seed, export
them, read dumps back strictly, compute the graph the mapping says should be in a dump.
"""

from __future__ import annotations

import copy
import functools
import os
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import rdflib
import yaml
from hypothesis import HealthCheck, settings

from medigraph.diagnostics import Diagnostic, Severity
from medigraph.documents import discover, read_document
from medigraph.export import Report, export
from medigraph.mapping import DEFAULT_BASE, MappedDocument, load_mapping
from medigraph.writers import FORMATS

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples" / "content"
BROKEN = ROOT / "examples" / "broken"
SEED = (
    EXAMPLES
    / "communities/chronic-care-management/curated-content/d12da9f4-80a4-53d7-ad46-1e538af2b729.md"
)
SCHEMA = "http://schema.org/"
MEDIGY = "https://medigy.com/ontology/"
PROV = "http://www.w3.org/ns/prov#"
XSD = "http://www.w3.org/2001/XMLSchema#"

# -- hypothesis profiles (only for this suite's tests; the global default is left alone) -------
CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
settings.register_profile(
    "medigraph-robust-ci",
    max_examples=10_000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    print_blob=True,
)
settings.register_profile(
    "medigraph-robust-dev",
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
PROFILE = settings.get_profile("medigraph-robust-ci" if CI else "medigraph-robust-dev")


def medigraph_command() -> list[str]:
    """The installed console script beside this interpreter (the CLI as users run it)."""
    script = Path(sys.executable).with_name("medigraph")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from medigraph._entry import main; main()"]


def run_cli(
    *args: str, cwd: str | os.PathLike[str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, NO_COLOR="1", COLUMNS="200")
    return subprocess.run(
        [*medigraph_command(), *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        check=False,
    )


# -- documents ----------------------------------------------------------------------------------


@functools.cache
def _seed_parts() -> tuple[dict[str, Any], str]:
    text = SEED.read_text(encoding="utf-8")
    _, fm, body = text.split("---\n", 2)
    return yaml.safe_load(fm), body


def seed_parts() -> tuple[dict[str, Any], str]:
    """The seed's front matter (as plain YAML values, a fresh copy) and its body."""
    fm, body = _seed_parts()
    return copy.deepcopy(fm), body


@functools.cache
def _dump_entry(key: str) -> str:
    fm, _ = _seed_parts()
    return yaml.safe_dump({key: fm[key]}, sort_keys=False, allow_unicode=True, width=80)


def render_fast(front_matter: dict[str, Any], body: str = "<p>Body.</p>\n") -> bytes:
    """``render`` for property tests: each top-level key is ``yaml.safe_dump``'ed on its own
    (a YAML mapping is its entries one after the other); the seed's unchanged entries are
    dumped once and reused."""
    seed, _ = _seed_parts()
    parts = ["---\n"]
    for key, value in front_matter.items():
        if key in seed and seed[key] == value and type(seed[key]) is type(value):
            parts.append(_dump_entry(key))
        else:
            unicode = not _has_yaml_break(value) and not _has_yaml_break(key)
            parts.append(
                yaml.safe_dump({key: value}, sort_keys=False, allow_unicode=unicode, width=80)
            )
    parts.append("---\n" + body)
    return "".join(parts).encode("utf-8")


def scratch_dir() -> str | None:
    """Where throw-away dumps go: RAM (/dev/shm) when there is one, so fsync costs nothing."""
    return "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else None


_YAML_BREAKS = ("\x85", "\u2028", "\u2029")


def _has_yaml_break(value: Any) -> bool:
    if isinstance(value, str):
        return any(ch in value for ch in _YAML_BREAKS)
    if isinstance(value, list):
        return any(_has_yaml_break(v) for v in value)
    if isinstance(value, dict):
        return any(_has_yaml_break(k) or _has_yaml_break(v) for k, v in value.items())
    return False


def render(front_matter: dict[str, Any], body: str = "<p>Body.</p>\n", **dump: Any) -> bytes:
    """A document as an editor's tool would write it: safe_dump'ed YAML between --- lines.

    PyYAML's emitter with ``allow_unicode`` writes NEL, LS and PS raw inside single-quoted
    scalars, where YAML 1.1 folds them (its own ``safe_load`` then reads a space): a dumper
    limitation, not a medigraph one. Values holding them are dumped escaped (``\\N``, ``\\L``).
    """
    unicode = not _has_yaml_break(front_matter)
    options: dict[str, Any] = {"sort_keys": False, "allow_unicode": unicode, "width": 80}
    options.update(dump)
    text = "---\n" + yaml.safe_dump(front_matter, **options) + "---\n" + body
    return text.encode("utf-8")


def seed_document(**changes: Any) -> dict[str, Any]:
    """The seed's front matter with top-level keys replaced (``None`` removes a key)."""
    fm, _ = seed_parts()
    for key, value in changes.items():
        if value is None:
            fm.pop(key, None)
        else:
            fm[key] = value
    return fm


def write_doc(
    folder: Path, name: str, front_matter: dict[str, Any], body: str | None = None
) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(render(front_matter) if body is None else render(front_matter, body))
    return path


# -- exporting and reading back ---------------------------------------------------------------------


def export_to(paths: Iterable[str | os.PathLike[str]], out: Path, fmt: str = "ttl") -> Report:
    """The Python API, one process (what the CLI does, without the store)."""
    return export([os.fspath(p) for p in paths], out, format=fmt, jobs=1)


def parse_dump(path: Path, fmt: str) -> set[ox.Quad]:
    """A dump read back strictly by pyoxigraph (IRIs and syntax checked, no lenient mode)."""
    quads = ox.parse(path=str(path), format=FORMATS[fmt].rdf_format)
    return {
        q if isinstance(q, ox.Quad) else ox.Quad(q.subject, q.predicate, q.object) for q in quads
    }


def triples_of(quads: Iterable[ox.Quad]) -> set[ox.Triple]:
    return {ox.Triple(q.subject, q.predicate, q.object) for q in quads}


def mapped_documents(paths: Iterable[str | os.PathLike[str]]) -> list[MappedDocument]:
    """What the mapping gives for every document that export keeps (same order and rules:
    rejected documents and the second owner of an IRI are left out)."""
    mapper = load_mapping(base=DEFAULT_BASE)
    files, _ = discover(paths)
    kept: list[MappedDocument] = []
    owners: set[str] = set()
    for found in files:
        doc, problems = read_document(found)
        if doc is None or any(p.severity is Severity.ERROR for p in problems):
            continue
        mapped = mapper.map(doc)
        if mapped.rejected or mapped.subject is None:
            continue
        if mapped.subject.value in owners:
            continue
        owners.add(mapped.subject.value)
        kept.append(mapped)
    return kept


def expected_quads(mapped: Iterable[MappedDocument]) -> set[ox.Quad]:
    return {q for m in mapped for q in m.quads()}


def expected_triples(mapped: Iterable[MappedDocument]) -> set[ox.Triple]:
    return {t for m in mapped for t in m.triples}


def to_rdflib(term: ox.NamedNode | ox.Literal | ox.BlankNode | ox.DefaultGraph) -> Any:
    if isinstance(term, ox.NamedNode):
        return rdflib.URIRef(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return rdflib.Literal(term.value, lang=term.language)
        if term.datatype.value == XSD + "string":
            return rdflib.Literal(term.value)
        return rdflib.Literal(term.value, datatype=rdflib.URIRef(term.datatype.value))
    raise AssertionError(f"unexpected term in a medigraph graph: {term!r}")


def errors(report: Report) -> list[Diagnostic]:
    return [d for d in report.diagnostics if d.severity is Severity.ERROR]


def files_under(root: Path) -> set[str]:
    """Every file (and symlink) below ``root``, relative, as posix paths."""
    found = set()
    for folder, dirs, files in os.walk(root):
        for name in files + [d for d in dirs if os.path.islink(os.path.join(folder, d))]:
            found.add(Path(folder, name).relative_to(root).as_posix())
    return found


def objects(quads: Iterable[ox.Quad], subject: ox.NamedNode | None, predicate: str) -> set[Any]:
    """Objects of ``predicate`` (full IRI) on ``subject`` (any subject when ``None``)."""
    return {
        q.object
        for q in quads
        if q.predicate.value == predicate and (subject is None or q.subject == subject)
    }


def hide_a_community(corpus: Path, monkeypatch: Any) -> Path:
    """Make the first community folder of ``corpus`` one that cannot be listed (as chmod 000
    would for another user; the tests run as root, which chmod does not stop)."""
    import medigraph.documents as documents

    hidden = next(p for p in sorted((corpus / "communities").iterdir()) if p.is_dir())
    real_scandir = os.scandir

    def scandir(folder: Any) -> Any:
        if os.fspath(folder) == os.fspath(hidden):
            raise PermissionError(13, "Permission denied", os.fspath(folder))
        return real_scandir(folder)

    monkeypatch.setattr(documents.os, "scandir", scandir)
    return hidden
