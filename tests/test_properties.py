"""Property-based front matter: whatever an editor's tool writes, export either keeps every
string exactly (checked in the written dump, re-parsed strictly by pyoxigraph) or says which
file and which key it could not take. Never an exception, never a silent change.

The documents are the seed with some keys replaced by generated values: strings full of
quotes, triple quotes, backslashes, newlines, CR, NUL, U+FEFF, U+2028, non-BMP characters,
and lists or mappings where text is expected (and text where a mapping is expected). The YAML
is written with ``yaml.safe_dump`` so the test knows the intended values; characters YAML
cannot hold raw (NUL, …) are escaped by the dumper, and it is the value after YAML parsing
that must survive.

``body`` (→ ``schema:articleBody``) is HTML reduced to text — tags dropped, white space
collapsed — so it is not an "exactly preserved" value and is left out here (see
docs/reliability.md); every other string value is compared for exact equality.

Number of examples: the ``medigraph-robust-ci`` profile (10,000, selected when CI=true) or
``medigraph-robust-dev`` (150) — see tests/_robust.py.
"""

from __future__ import annotations

import functools
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from unittest import mock

import pyoxigraph as ox
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from medigraph import export as export_module
from medigraph import mapping as mapping_module
from medigraph import pipeline as pipeline_module
from medigraph.diagnostics import Severity
from tests._robust import (
    MEDIGY,
    PROFILE,
    PROV,
    SCHEMA,
    export_to,
    parse_dump,
    render,
    render_fast,
    scratch_dir,
    seed_parts,
)

# front-matter key → property path from the document to the literal it gives
TEXT_FIELDS: dict[str, list[str]] = {
    "title": [SCHEMA + "name"],
    "description": [SCHEMA + "description"],
    "tags": [SCHEMA + "keywords"],
    "categories": [MEDIGY + "category"],
    "source": [MEDIGY + "curationSource"],
    "searchCategory": [MEDIGY + "searchCategory"],
    "mdName": [SCHEMA + "identifier"],
    "mastHead": [MEDIGY + "community", MEDIGY + "mastHead"],
    "identifier": [MEDIGY + "community", SCHEMA + "name"],
    "featuredImage.alt": [SCHEMA + "image", SCHEMA + "caption"],
    "featuredImage.wpAttachment.fileName": [
        SCHEMA + "image",
        PROV + "wasDerivedFrom",
        SCHEMA + "name",
    ],
}
# keys the mapping reads as mappings (link.href, featuredImage.alt, …)
PARENTS = ["link", "featuredImage", "featuredImage.wpAttachment", "openProjectCustomFields"]

SPECIALS = [
    '"',
    '"""',
    "'",
    "\\",
    "\n",
    "\r",
    "\r\n",
    "\x00",
    "\t",
    "\ufeff",
    "\u2028",
    "\u2029",
    "\x85",
    "😀",
    "𝔘",
    "\U0010fffd",
    "é",
    "e\u0301",
    "#",
    ": ",
    "- ",
    "---",
    "...",
    "{",
    "}",
    "[",
    "]",
    "&a",
    "*a",
    "!",
    "%",
    "@",
    "`",
    "<",
    ">",
    " ",
    "~",
    "null",
    "NO",
    "0x1F",
    "1.10",
    "2024-01-05",
    "\x7f",
    "\x1b",
]

text = st.lists(
    st.one_of(st.sampled_from(SPECIALS), st.characters(exclude_categories=("Cs",))),
    max_size=16,
).map("".join)
scalar = st.one_of(text, text, text, st.none())
nested = st.recursive(
    st.one_of(text, st.none()),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(st.text(min_size=1, max_size=4), inner, max_size=2),
    ),
    max_leaves=5,
)
field_value = st.one_of(
    scalar,
    scalar,
    st.lists(scalar, max_size=3),
    st.lists(nested, min_size=1, max_size=3),
    st.dictionaries(st.text(min_size=1, max_size=4), nested, min_size=1, max_size=2),
)
parent_value = st.one_of(text.filter(lambda s: s != ""), st.lists(text, min_size=1, max_size=2))


@st.composite
def front_matters(draw: st.DrawFn) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """(front matter, {field: generated value}, {parent: generated non-mapping})."""
    fm, _ = seed_parts()
    parents: dict[str, Any] = {}
    if draw(st.integers(0, 9)) == 0:
        picked = draw(st.lists(st.sampled_from(PARENTS), min_size=1, max_size=2, unique=True))
        for name in sorted(picked):  # a parent before its children
            if any(name.startswith(p + ".") for p in parents):
                continue
            parents[name] = draw(parent_value)
            _set(fm, name, parents[name])
    fields = draw(
        st.dictionaries(st.sampled_from(sorted(TEXT_FIELDS)), field_value, min_size=1, max_size=5)
    )
    for name in list(fields):
        if any(name.startswith(p + ".") for p in parents):
            del fields[name]  # its parent is not a mapping any more
        else:
            _set(fm, name, fields[name])
    return fm, fields, parents


def _set(fm: dict[str, Any], dotted: str, value: Any) -> None:
    *path, last = dotted.split(".")
    for part in path:
        fm = fm[part]
    fm[last] = value


NODE_FIELDS = {"mdName", "identifier", "featuredImage.wpAttachment.fileName"}
"""Keys that name a node or the document (its IRI is made from them): one text, never a list."""


def _bad_shapes(name: str, value: Any) -> set[str]:
    """Keys that must get an error: a mapping, or a list/mapping inside a list, where text goes;
    any list where a node's name goes."""
    if isinstance(value, dict) or (name in NODE_FIELDS and isinstance(value, list) and value):
        return {name}
    if isinstance(value, list):
        return {f"{name}[{i}]" for i, item in enumerate(value) if isinstance(item, list | dict)}
    return set()


NAMES = {"identifier"}
"""Names of shared things: written without the spaces around them (a map.spaces warning)."""


NAMING = {"mdName", "featuredImage.wpAttachment.fileName"}
"""Keys an IRI is made from: one of only white space names nothing, as an empty one."""


def _strings(value: Any, name: str = "") -> set[str]:
    """The strings that must be in the graph (an empty string or null means "no value")."""
    items = value if isinstance(value, list) else [value]
    texts = [item for item in items if isinstance(item, str) and item != ""]
    if name in NAMING and isinstance(value, str):
        texts = [text for text in texts if text.strip()]
    if name in NAMES:
        texts = [text.strip() for text in texts if text.strip()]
    return set(texts)


def _follow(quads: set[ox.Quad], start: set[Any], path: list[str]) -> set[Any]:
    current = start
    for predicate in path:
        current = {
            q.object for q in quads if q.subject in current and q.predicate.value == predicate
        }
    return current


@pytest.fixture(scope="module")
def fast_mapping() -> Iterator[None]:
    """Load the bundled mapping once (it is pure data) instead of twice per example."""
    cached = functools.cache(mapping_module.load_mapping)
    with (
        mock.patch.object(export_module, "load_mapping", cached),
        mock.patch.object(pipeline_module, "load_mapping", cached),
    ):
        yield


@pytest.mark.usefixtures("fast_mapping")
@settings(PROFILE)
@given(front_matters())
def test_front_matter_is_kept_exactly_or_reported(
    case: tuple[dict[str, Any], dict[str, Any], dict[str, Any]],
) -> None:
    fm, fields, parents = case
    with tempfile.TemporaryDirectory(dir=scratch_dir()) as tmp:
        folder = Path(tmp)
        source = folder / "doc.md"
        source.write_bytes(render_fast(fm))
        out = folder / "dump.ttl"
        report = export_to([source], out)  # an exception here fails the property
        quads = parse_dump(out, "ttl")

    assert report.read == 1
    for d in report.diagnostics:
        assert d.path == str(source), d.format()
        assert d.line is not None and d.line >= 1, d.format()
    errors = {d.key for d in report.diagnostics if d.severity is Severity.ERROR}
    must_fail = set(parents) | {k for name, v in fields.items() for k in _bad_shapes(name, v)}

    if must_fail:
        refused = [
            d
            for d in report.diagnostics
            if d.code == "read.yaml" and d.key and d.severity is Severity.ERROR
        ]
        if refused:  # a key indented with a no-break space: refused on reading, never mapped
            assert any(
                (d.key or "").startswith((k + ".", k + "[")) or d.key == k
                for d in refused
                for k in must_fail
            ), (must_fail, [d.format() for d in report.diagnostics])
        else:
            assert must_fail <= errors, (must_fail, [d.format() for d in report.diagnostics])
        assert report.rejected == 1 and report.exit_code == 1
        assert quads == set(), "a rejected document must leave nothing in the dump"
        return

    assert not errors, [d.format() for d in report.diagnostics]
    assert report.exported == 1 and report.exit_code == 0
    documents = {q.object for q in quads if q.predicate.value == MEDIGY + "describes"}
    assert len(documents) == 1
    for name, value in fields.items():
        wanted = {ox.Literal(s) for s in _strings(value, name)}
        got = _follow(quads, documents, TEXT_FIELDS[name])
        if name in NAMES and got and any(s.strip() and s != s.strip() for s in _strings(value)):
            assert any(
                d.code == "map.spaces" and (d.key or "").split("[")[0] == name
                for d in report.diagnostics
            )
        if got == wanted:
            continue
        # only allowed when a diagnostic names the key (e.g. the community it belongs to has
        # no usable identifier) — and even then nothing may be written that was not typed
        assert got <= wanted, (name, got - wanted)
        assert any(
            d.key and d.key.split("[")[0] in (name, *_parents(name)) for d in report.diagnostics
        ), (
            name,
            value,
            [d.format() for d in report.diagnostics],
        )


def _parents(name: str) -> list[str]:
    parts = name.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts))] + ["identifier"]


@settings(PROFILE, max_examples=max(50, PROFILE.max_examples // 20))
@given(text)
def test_title_round_trips_in_every_format(title: str) -> None:
    """The same exactness in N-Triples, TriG, N-Quads and JSON-LD (fewer examples: 5 parses each)."""
    fm, _ = seed_parts()
    fm["title"] = title
    with tempfile.TemporaryDirectory(dir=scratch_dir()) as tmp:
        source = Path(tmp, "doc.md")
        source.write_bytes(render(fm))
        for fmt in ("nt", "trig", "nq", "jsonld"):
            out = Path(tmp, f"dump.{fmt}")
            report = export_to([source], out, fmt)
            assert report.exported == 1, [d.format() for d in report.diagnostics]
            names = {
                q.object
                for q in parse_dump(out, fmt)
                if q.predicate.value == SCHEMA + "name"
                and q.subject.value.startswith("https://medigy.com/content/")
            }
            assert names == ({ox.Literal(title)} if title else set()), fmt
