"""Reading: find the ``*.md`` files under the given paths and turn each into a ``Document``.

Front matter is split with python-frontmatter's YAML boundary and composed by PyYAML's C
parser into nodes; we build the values ourselves so that every scalar keeps the text the
editor typed (no YAML 1.1 surprises such as ``NO`` → false), every key keeps its line, and
duplicate keys, foreign tags and alias bombs become diagnostics instead of silent changes.
"""

from __future__ import annotations

import codecs
import hashlib
import os
import re
import stat
import sys
from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, TypeAlias

import frontmatter.default_handlers
import yaml

from .diagnostics import Diagnostic, Severity, error, plural, warning

_PLAIN_TAG = "tag:medigraph.invalid,2026:plain"
"""The tag of a scalar written without one: its text alone decides whether it is null (``~``,
``null``); one tagged ``!!str`` is text whatever it says."""

# The C parser when libyaml is there; the pure-Python one otherwise.
_Base: Any = getattr(yaml, "CBaseLoader", yaml.BaseLoader)


class _Loader(_Base):  # type: ignore[misc]
    """Every untagged node gets its kind's tag (a plain scalar :data:`_PLAIN_TAG`), with no
    YAML 1.1 guessing; saying so directly spares two Python calls per node, a fifth of the
    time spent parsing."""

    _TAGS: ClassVar[dict[type[yaml.Node], str]] = {
        yaml.ScalarNode: _PLAIN_TAG,
        yaml.SequenceNode: yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG,
        yaml.MappingNode: yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
    }

    def resolve(self, kind: type[yaml.Node], value: object, implicit: object) -> str:
        return self._TAGS[kind]

    def descend_resolver(self, current_node: object, current_index: object) -> None:
        return None

    def ascend_resolver(self) -> None:
        return None


MAX_FRONT_MATTER_BYTES = 1 << 20
MAX_FILE_BYTES = 32 << 20
"""A document larger than this (front matter and body) is refused without being read: the
body's text costs many times its size in memory while it is mapped."""
MAX_NODES = 50_000
MAX_DEPTH = 64

_BOUNDARY = frontmatter.default_handlers.YAMLHandler.FM_BOUNDARY
_TOML_BOUNDARY = re.compile(r"^\+{3,}\s*$", re.MULTILINE)
_NULLS = frozenset({"", "~", "null", "Null", "NULL"})
_STANDARD_TAG = "tag:yaml.org,2002:"
_MERGE_TAG = _STANDARD_TAG + "merge"
_NULL_TAG = _STANDARD_TAG + "null"
_ALLOWED_TAGS = frozenset(
    _STANDARD_TAG + name
    for name in ("str", "int", "float", "bool", "null", "timestamp", "seq", "map")
) | {_PLAIN_TAG}

_COLLECTION_TAGS = frozenset(_STANDARD_TAG + name for name in ("seq", "map"))
_MISMATCHED: dict[type[yaml.Node], frozenset[str]] = {
    yaml.ScalarNode: _COLLECTION_TAGS,
    yaml.SequenceNode: _ALLOWED_TAGS - {_STANDARD_TAG + "seq"},
    yaml.MappingNode: _ALLOWED_TAGS - {_STANDARD_TAG + "map"},
}
"""Tags that PyYAML refuses on such a node (``link: !!null`` above a mapping): what the editor
meant is unclear, so it is an error rather than a silent choice."""

Value = str | list["Value"] | dict[str, "Value"] | None


@dataclass(frozen=True)
class Document:
    """One source file, read and parsed, with everything later stages need to point back at it."""

    path: str
    """Path relative to the root the user gave, with ``/`` separators (stable across machines)."""
    source: str
    """Path as the user can open it (the root as given joined with ``path``), for diagnostics."""
    front_matter: dict[str, Value]
    body: str
    sha256: str
    """sha256 of the file's bytes (what a cache is keyed by)."""
    text_sha256: str
    """sha256 of the text with any BOM removed and CRLF made LF (what the graph records)."""
    lines: dict[str, int] = field(default_factory=dict)
    """Line of each front-matter key: ``title``, ``link.href``, ``author[1]``."""
    first_line: int = 1
    body_line: int = 1
    """The line the body starts on (the one after the closing ``---``)."""

    def line_of_dotted_name(self, name: str) -> int | None:
        """The line of a key whose own name holds a dot (``link.href:`` at the top level),
        which :meth:`line_of` gives to the nested key of the same path."""
        return self.lines.get(_dotted(name))

    def line_of(self, key: str | None) -> int:
        """The line of ``key``, else of its nearest parent key, else the document's first line."""
        while key:
            if key in self.lines:
                return self.lines[key]
            key = _parent_key(key)
        return self.first_line


def _dotted(name: str) -> str:
    """Where :attr:`Document.lines` keeps the line of a key named with a dot: quoted, which
    no path of keys is."""
    return f'"{name}"'


def _parent_key(key: str) -> str:
    cut = max(key.rfind("."), key.rfind("["))
    return key[:cut] if cut > 0 else ""


@dataclass(frozen=True, slots=True)
class SourceFile:
    """A file found under a root: where it is, and how to name it.

    One exists per file of the corpus for the whole run, so it is kept small: slots, and
    ``file`` a plain string (often the very object ``source`` is) rather than a Path.
    """

    file: str | os.PathLike[str]
    path: str
    source: str


Paths: TypeAlias = Iterable[str | os.PathLike[str]] | str | os.PathLike[str]
"""The paths a function of the API takes: several, or one (``"content/"``, ``Path("content")``)."""


def path_list(paths: Paths) -> list[str | os.PathLike[str]]:
    """The paths given, as a list; one path (``"content/"``) is one path, not its letters
    (a string is an iterable of strings, and ``/`` among them would be the whole disk)."""
    if isinstance(paths, (str, bytes, os.PathLike)):
        return [os.fsdecode(paths) if isinstance(paths, bytes) else paths]
    return list(paths)


def discover(
    paths: Paths, keep: Callable[[str], bool] | None = None
) -> tuple[list[SourceFile], list[Diagnostic]]:
    """Every ``*.md`` under ``paths`` (files or folders, recursive), in a deterministic order.

    A file reached twice (overlapping roots, links) is listed once, where it is first met.
    ``keep`` (given the relative path) selects files, such as one shard of the corpus: the
    folders are walked lazily, so the others cost nothing to hold.
    """
    found: list[SourceFile] = []
    problems: list[Diagnostic] = []
    given_paths = path_list(paths)
    # Identities of the files listed so far. Under a single folder, plain files cannot meet
    # twice, so only links (and the files they point at) need remembering: memory follows
    # the number of links, not the size of the corpus.
    seen: set[int] = set()
    remember_all = len(given_paths) > 1
    under = _relative_roots(given_paths)
    for given in given_paths:
        root = Path(given)
        shown = os.fspath(given)
        if root.is_file():
            identity = _identity(os.path.realpath(root))
            rel = as_utf8(under.get(shown) or root.name)
            if identity not in seen and (keep is None or keep(rel)):
                found.append(SourceFile(os.fspath(root), rel, as_utf8(shown)))
            seen.add(identity)
            continue
        if not root.is_dir():
            problems.append(error(shown, None, None, "no such file or folder", "read.missing"))
            continue
        if _is_hugo_site(root):
            # Its README, archetypes (templates) and themes are no content, and the paths of
            # the documents would change (content/x.md, not x.md), replacing every graph.
            content = os.path.join(shown, "content")
            message = f"is a Hugo site's root: its documents are under {content}; give that folder"
            problems.append(error(shown, None, None, message, SITE_ROOT))
            continue
        top = os.fspath(root)
        real_root = os.path.realpath(top)
        same = top == shown and os.sep == "/"
        empty = True
        prefix = under.get(shown, "")
        for rel, folder, is_link in _walk(root, problems, shown):
            empty = False
            name = rel.rpartition("/")[2]
            if is_link:
                real = os.path.realpath(os.path.join(folder, name))
                identity = _identity(real)
                if identity in seen or _listed_before(real, real_root, rel):
                    continue
                seen.add(identity)
            else:
                identity = _identity(os.path.join(real_root, rel))
                if identity in seen:
                    continue
                if remember_all:
                    seen.add(identity)
            path = as_utf8(f"{prefix}/{rel}" if prefix else rel)
            if keep is not None and not keep(path):
                continue
            display = os.path.join(shown, rel)
            # Then the path to open and the name shown are one string, stored once (under a
            # UTF-8 locale; else the name shown is the UTF-8 text, as the path is).
            file = display if same else os.path.join(folder, name)
            found.append(SourceFile(file, path, as_utf8(display)))
        if empty and len(given_paths) > 1:
            # One of several: a mistyped folder must not pass a CI gate unnoticed. (One
            # folder alone with none is the callers' usage error.)
            problems.append(error(shown, None, None, no_documents([shown]), EMPTY_FOLDER))
    return found, problems


HUGO_TRUE = frozenset({"1", "t", "T", "TRUE", "true", "True"})
HUGO_FALSE = frozenset({"0", "f", "F", "FALSE", "false", "False"})
"""What Hugo reads as true and false in a flag such as ``draft`` (Go's strconv.ParseBool)."""


def is_draft(front_matter: Mapping[str, Value]) -> bool:
    """Whether the document is a Hugo draft (``draft: true``), which Hugo does not publish
    (unless built with ``--buildDrafts``)."""
    value = hugo_value(front_matter, "draft")
    return isinstance(value, str) and value.strip() in HUGO_TRUE


def is_unpublished(front_matter: Mapping[str, Value], path: str) -> bool:
    """Whether Hugo neither renders nor lists the page, so that the site does not show it: a
    leaf bundle's ``index.md`` saying ``headless: true``, or a page whose ``build`` (Hugo's
    older ``_build``) says ``render: never`` and ``list: never``. Keys are read in any case, as
    Hugo reads them; ``false`` is ``never``, as in Hugo."""
    if _BUNDLE_INDEX.fullmatch(path.rsplit("/", 1)[-1]):
        headless = hugo_value(front_matter, "headless")
        if isinstance(headless, str) and headless.strip() in HUGO_TRUE:
            return True
    build = hugo_value(front_matter, "build")
    if build is None:
        build = hugo_value(front_matter, "_build")
    if not isinstance(build, dict):
        return False
    return all(
        isinstance(value := hugo_value(build, option), str) and value.strip() in _NEVER
        for option in ("render", "list")
    )


_NEVER = frozenset({"never", *HUGO_FALSE})
"""What Hugo reads as ``never`` in a ``build`` option: the word, or false (``render: false``)."""


def hugo_value(front_matter: Mapping[str, Value], key: str) -> Value:
    """The value of Hugo's own top-level ``key`` as Hugo reads it, whatever the case it is
    written in (``Draft: true`` is ``draft: true``)."""
    value = front_matter.get(key)
    if value is None:
        folded = key.lower()
        value = next((v for k, v in front_matter.items() if k.lower() == folded), None)
    return value


MARKDOWN_SUFFIXES = (".md", ".markdown", ".mdown")
"""The names of Markdown files, as Hugo knows them (its ``markdown`` media type)."""


_ISO_639_1 = (
    "aa ab ae af ak am an ar as av ay az ba be bg bh bi bm bn bo br bs ca ce ch co cr cs cu cv "
    "cy da de dv dz ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr "
    "ht hu hy hz ia id ie ig ii ik io is it iu ja jv ka kg ki kj kk kl km kn ko kr ks ku kv kw "
    "ky la lb lg li ln lo lt lu lv mg mh mi mk ml mn mr ms mt my na nb nd ne ng nl nn no nr nv "
    "ny oc oj om or os pa pi pl ps pt qu rm rn ro ru rw sa sc sd se sg si sk sl sm sn so sq sr "
    "ss st su sv sw ta te tg th ti tk tl tn to tr ts tt tw ty ug uk ur uz ve vi vo wa wo xh yi "
    "yo za zh zu"
)
"""The two-letter language codes (ISO 639-1): Hugo names a translation ``index.fr.md`` by a
language of the site's configuration, which medigraph does not read; these are what such a
code can be (``index.old.md`` is not a translation)."""
_LANGUAGE = r"(?:" + "|".join(_ISO_639_1.split()) + r")(?:-[A-Za-z0-9]{2,8})*"
_SUFFIX = "(" + "|".join(re.escape(suffix[1:]) for suffix in MARKDOWN_SUFFIXES) + ")"
_SECTION_PAGE = re.compile(r"(?:.*/)?_index(?:\." + _LANGUAGE + r")?\." + _SUFFIX)
"""The page of a Hugo section (a branch bundle): ``_index.md``, or a translation of it."""


def is_section_page(path: str) -> bool:
    """Whether ``path`` is a Hugo section's own page (``_index.md``), a list page."""
    return _SECTION_PAGE.fullmatch(path) is not None


_BUNDLE_INDEX = re.compile(r"index(?:\." + _LANGUAGE + r")?\." + _SUFFIX)
"""The page of a Hugo leaf bundle: ``index.md``, or a translation of it (``index.fr.md``)."""


def page_key(path: str) -> str:
    """What names a document that has no ``mdName`` or ``id``: its path without the Markdown
    suffix, and for a leaf bundle's page its folder's, as Hugo gives both the same page
    (``news/post.md`` and ``news/post/index.md`` are ``news/post``; a translation
    ``news/post/index.fr.md`` is ``news/post.fr``, as ``news/post.fr.md`` is). A page turned
    into a bundle, to put its images beside it, keeps its IRI. A section's ``_index.md``
    keeps its name (``news/_index``): a list page, not the page of its folder's name."""
    folder, _, name = path.rpartition("/")
    found = _BUNDLE_INDEX.fullmatch(name) if folder else None
    if found is None:
        return markdown_stem(path)
    language = name[len("index") : -len(found.group(1)) - 1]  # "" or ".fr"
    return folder + language


_TRANSLATION = re.compile(r"(.+)\.(" + _LANGUAGE + r")\." + _SUFFIX)


def _order(name: str) -> str:
    """Where a file comes in its folder: by name, but a translation (``x.fr.md``) right after
    the page it translates (``x.md``), which comes first in the run: if the two share an
    ``mdName``, the original keeps its IRI and the translation is told to get its own."""
    if name.count(".") < 2:  # (nearly every name: no regex over ~180 languages)
        return name
    found = _TRANSLATION.fullmatch(name)
    return f"{found.group(1)}.{found.group(3)}\x00{found.group(2)}" if found else name


def is_markdown(name: str) -> bool:
    return name.endswith(MARKDOWN_SUFFIXES)


def markdown_stem(path: str) -> str:
    """``path`` without its Markdown suffix (a file named ``.md`` alone keeps its name)."""
    name = path.rpartition("/")[2]
    for suffix in MARKDOWN_SUFFIXES:
        if name.endswith(suffix) and name != suffix:
            return path[: -len(suffix)]
    return path


_HUGO_CONFIGS = tuple(
    f"{name}.{ext}" for name in ("hugo", "config") for ext in ("toml", "yaml", "yml", "json")
)


def _is_hugo_site(folder: Path) -> bool:
    """Whether ``folder`` is a Hugo site's root: a configuration and a ``content`` folder."""
    configured = (
        any((folder / name).is_file() for name in _HUGO_CONFIGS)
        or (folder / "config" / "_default").is_dir()
    )
    return configured and (folder / "content").is_dir()


EMPTY_FOLDER = "read.empty"
"""The code of a folder given among several that holds no ``*.md`` file."""
SITE_ROOT = "read.site"
"""The code of a Hugo site's root given as a PATH (refused for its content folder)."""


def site_root_refusal(problems: Iterable[Diagnostic]) -> str | None:
    """What to say when the PATHs given were Hugo sites' roots (``SITE_ROOT`` problems), if
    they were: the content folders to give instead."""
    sites = [d for d in problems if d.code == SITE_ROOT]
    return "; ".join(f"{d.path} {d.message}" for d in sites) or None


def unlisted(problems: Iterable[Diagnostic]) -> list[Diagnostic]:
    """The problems of listing that may hide documents (a folder that cannot be read, a path
    that is gone): graphs of documents not seen must then be kept, not removed."""
    return [p for p in problems if p.severity is Severity.ERROR and p.code != EMPTY_FOLDER]


def _relative_roots(given: list[str | os.PathLike[str]]) -> dict[str, str]:
    """With several PATHs, where each lies under their common folder (``/``-separated; "" for
    the folder itself): a document's path is then relative to that folder, as if it had been
    given alone, so that ``a/index.md`` and ``b/index.md`` stay two paths (and two IRIs).
    With one PATH, nothing: paths are relative to it.

    When every PATH names one file (``doc.md doc.md``, ``doc.md ./doc.md``), their common
    path is that file: its folder is taken instead, so the file keeps its name as if given
    once; a document's path is never "" (its source IRI would be the folder's)."""
    if len(given) < 2:
        return {}
    absolute = {os.fspath(path): os.path.abspath(path) for path in given}
    try:
        common = os.path.commonpath(list(absolute.values()))
    except ValueError:  # different drives: no common folder; paths as before
        return {}
    if not os.path.isdir(common):
        common = os.path.dirname(common)
    out = {}
    for shown, full in absolute.items():
        rel = os.path.relpath(full, common)
        out[shown] = "" if rel == "." else rel.replace(os.sep, "/")
    return out


def _identity(real: str) -> int:
    """A 128-bit digest of a real path: a few bytes per file instead of the whole path."""
    return int.from_bytes(hashlib.blake2b(os.fsencode(real), digest_size=16).digest())


def _listed_before(real: str, real_root: str, rel: str) -> bool:
    """Whether a link's target is a plain file of the same walk that sorts before the link."""
    target = os.path.relpath(real, real_root)
    if target == ".." or target.startswith(".." + os.sep) or os.path.isabs(target):
        return False
    target = target.replace(os.sep, "/")
    return (
        target < rel
        and is_markdown(target)
        and not any(part.startswith(".") for part in target.split("/"))
        and os.path.lexists(real)
        and not os.path.isdir(real)
        and not _in_a_bundle(real_root, target)
    )


def _in_a_bundle(root: str, target: str) -> bool:
    """Whether ``target`` (relative to ``root``) is a leaf bundle's resource, which the walk
    passes over: a folder on its way down holds a bundle index that is not ``target``."""
    parts = target.split("/")
    for depth in range(len(parts)):
        folder = os.path.join(root, *parts[:depth])
        try:
            names = os.listdir(folder)
        except OSError:
            return False
        if depth == len(parts) - 1 and _BUNDLE_INDEX.fullmatch(parts[depth]):
            return False  # the bundle's page itself (or a translation of it)
        if any(_BUNDLE_INDEX.fullmatch(name) for name in names):
            return True
    return False


def _markdown_below(folder: str, name: str) -> Iterator[str]:
    """The Markdown files in a leaf bundle's subfolder ``name`` and below (relative to it, with
    ``/``), skipping hidden names and linked folders as the walk does, in the walk's order; a
    folder that cannot be listed is passed over (nothing in it is a page either way)."""
    try:
        with os.scandir(os.path.join(folder, name)) as entries:
            listed = [(e.name, e.is_dir(follow_symlinks=False)) for e in entries]
    except OSError:
        return
    for entry, is_dir in sorted(listed, key=lambda item: _order(item[0] + "/" * item[1])):
        if entry.startswith("."):
            continue
        if is_dir:
            yield from (
                f"{entry}/{rel}" for rel in _markdown_below(os.path.join(folder, name), entry)
            )
        elif is_markdown(entry):
            yield entry


def _walk(root: Path, problems: list[Diagnostic], shown: str) -> Iterator[tuple[str, str, bool]]:
    """(relative path, folder, is a link) of every ``*.md``, lazily, sorted by relative path.

    Within a folder, entries are sorted by name with ``/`` after a folder's name (and a
    translation, ``x.fr.md``, right after ``x.md``): that visits the tree in the order of the
    sorted relative paths, so nothing but the folders on the current path is held. Like ``os.walk``, linked folders are not entered.
    """

    def on_error(exc: OSError) -> None:
        where = os.path.relpath(exc.filename, root) if exc.filename else "."
        problems.append(
            error(
                os.path.join(shown, where),
                None,
                None,
                f"cannot list folder: {exc.strerror}",
                "read.io",
            )
        )

    def scan(folder: str, prefix: str) -> Iterator[tuple[str, str, bool]]:
        try:
            with os.scandir(folder) as entries:
                listed = list(entries)
        except OSError as exc:
            on_error(exc)
            return
        items: list[tuple[str, bool, bool]] = []  # (sort key, is a folder, is a link)
        linked: list[str] = []
        for entry in listed:
            try:
                is_dir = entry.is_dir()
            except OSError:
                is_dir = False
            try:
                is_link = entry.is_symlink()
            except OSError:
                is_link = False
            if entry.name.startswith("."):
                continue  # hidden, as Hugo ignores them: .git/, editors' .#locks, ._AppleDouble
            if is_dir:
                if not is_link:
                    items.append((entry.name + "/", True, False))
                else:
                    linked.append(entry.name)
            elif is_markdown(entry.name):
                items.append((entry.name, False, is_link))
        del listed
        for name in sorted(linked):
            problems.append(
                warning(
                    os.path.join(shown, prefix + name),
                    None,
                    None,
                    "a linked folder is not entered (it could loop, or hold a second copy of the"
                    " content); give it as a PATH of its own to read it",
                    "read.link",
                )
            )
        indexes = {key for key, is_dir, _ in items if not is_dir and _BUNDLE_INDEX.fullmatch(key)}
        if indexes:
            # A leaf bundle: its index is the page; the other Markdown files in it and in its
            # folders are the page's resources, which Hugo does not render as pages. Said, as
            # an index.md put in the wrong folder would unpublish its documents without a word.
            resources = [key for key, is_dir, _ in items if not is_dir and key not in indexes]
            beside = len(resources)
            for key, is_dir, _ in sorted(items, key=lambda item: _order(item[0])):
                if is_dir:  # those below it are too (an index.md there is no page either)
                    resources.extend(key + rel for rel in _markdown_below(folder, key[:-1]))
            if resources:
                index = min(indexes, key=_order)
                named = ", ".join(resources[:3]) + (", …" if len(resources) > 3 else "")
                are = "is" if len(resources) == 1 else "are"
                where = "in its folder" if beside == len(resources) else "in and below its folder"
                problems.append(
                    warning(  # on the index, a file (annotations attach to files)
                        os.path.join(shown, prefix + index),
                        None,
                        None,
                        f"a leaf bundle's page: {plural(len(resources), 'other Markdown file')}"
                        f" {where} ({named}) {are} the page's resources, not documents,"
                        " as Hugo renders them",
                        "read.bundle",
                    )
                )
            items = [item for item in items if item[0] in indexes]
        items.sort(key=lambda item: _order(item[0]))
        for key, is_dir, is_link in items:
            if is_dir:
                yield from scan(os.path.join(folder, key[:-1]), prefix + key)
            else:
                yield prefix + key, folder, is_link

    yield from scan(os.fspath(root), "")


@dataclass
class _Parsed:
    value: dict[str, Value]
    lines: dict[str, int]
    problems: list[Diagnostic]


def read_document(found: SourceFile) -> tuple[Document | None, list[Diagnostic]]:
    """Read one file. Problems that make it unusable give ``None`` and at least one error."""
    src = found.source
    if not _utf8(found.path):
        # Named by its bytes (bad\xffname.md): reports are text, and so is the graph.
        shown = src.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
        message = "file name is not UTF-8; rename it (the name goes into the graph as text)"
        return None, [error(shown, None, None, message, "read.name")]
    try:
        # A FIFO or a device named *.md would block or never end: read regular files only.
        info = os.stat(found.file)
        if not stat.S_ISREG(info.st_mode) and not os.path.isdir(found.file):
            return None, [
                error(src, None, None, "is not a regular file (pipe, socket or device)", "read.io")
            ]
        if info.st_size > MAX_FILE_BYTES:
            return None, [_too_large(src)]
        with open(found.file, "rb") as stream:
            raw = stream.read()
        if len(raw) > MAX_FILE_BYTES:  # it grew since the stat
            return None, [_too_large(src)]
    except IsADirectoryError:
        return None, [error(src, None, None, "is a folder, not a file", "read.io")]
    except OSError as exc:
        return None, [error(src, None, None, f"cannot read file: {exc.strerror}", "read.io")]
    return parse_document(raw, found.path, src)


def only_left_out(
    paths: Iterable[str | os.PathLike[str]], drafts: int, sections: int, unpublished: int = 0
) -> str:
    """What to say when ``paths`` held only drafts, unpublished pages (headless, or ``build``
    never) and section pages, which are left out."""
    kinds = [
        plural(drafts, "draft"),
        *(
            [plural(unpublished, "unpublished page") + " (headless or build: never)"]
            * bool(unpublished)
        ),
        plural(sections, "section page") + " (_index.md)",
    ]
    return (
        f"no documents under {', '.join(os.fspath(p) for p in paths)}, only"
        f" {', '.join(kinds[:-1])} and {kinds[-1]}, which are left out"
    )


def cascade_warning(doc: Document) -> list[Diagnostic]:
    """A section page's ``cascade``, told at its line: Hugo gives its keys to the pages below
    the section, but medigraph reads each page alone and does not, so a page relying on it
    lacks them (no ``owlType``: rejected; no community), whether the section page itself is
    exported or left out."""
    if not is_section_page(doc.path):
        return []
    key = next((k for k in doc.front_matter if k.lower() == "cascade"), None)
    if key is None:
        return []
    return [
        warning(
            doc.source,
            doc.line_of(key),
            key,
            "medigraph does not apply cascade (Hugo gives its keys to the pages below this"
            " section; medigraph reads each page alone): write the keys in each page",
            "read.cascade",
        )
    ]


def missing_paths(paths: Iterable[str | os.PathLike[str]]) -> str | None:
    """``a: no such file or folder; b: …`` for the paths that do not exist, else None: each
    command's usage error (exit 2), told before anything is read, written or sent."""
    missing = [os.fspath(path) for path in paths if not os.path.exists(path)]
    return "; ".join(f"{path}: no such file or folder" for path in missing) or None


def no_documents(paths: Iterable[str | os.PathLike[str]]) -> str:
    """What to say when :func:`discover` finds no document under ``paths``."""
    where = ", ".join(os.fspath(p) for p in paths) or "no path (none was given)"
    return (
        f"no documents (*.md, *.markdown or *.mdown files; hidden ones are skipped) under {where}"
    )


def _bytes_as_utf8(name: str) -> str:
    """A name from the file system read as the UTF-8 its bytes are, where Python decoded
    them by another locale's encoding (``CafÃ©`` for ``Café`` under Latin-1): a document's
    path goes into its IRIs, which must not depend on the machine's locale. Bytes that are
    not UTF-8 stay surrogates, as under a UTF-8 locale."""
    return os.fsencode(name).decode("utf-8", "surrogateescape")


def _utf8_as_bytes(name: str) -> str:
    """The inverse of :func:`_bytes_as_utf8`: the name to give the file system."""
    return os.fsdecode(name.encode("utf-8", "surrogateescape"))


def _same(name: str) -> str:
    return name


_UTF8_NAMES = sys.getfilesystemencoding() == "utf-8"
as_utf8: Callable[[str], str] = _same if _UTF8_NAMES else _bytes_as_utf8
as_os_name: Callable[[str], str] = _same if _UTF8_NAMES else _utf8_as_bytes


def _utf8(name: str) -> bool:
    """Whether a name read from the file system is text (not bytes kept as surrogates)."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _too_large(source: str) -> Diagnostic:
    return error(
        source,
        None,
        None,
        f"file is larger than {MAX_FILE_BYTES >> 20} MiB; not read (is a large file embedded "
        "in the text? link to it instead)",
        "read.limits",
    )


def _looks_utf16(head: bytes) -> bool:
    """Mostly ASCII written as UTF-16 without a byte-order mark: every other byte is NUL."""
    half = len(head) // 2
    if half < 8:
        return False
    even, odd = head[0::2].count(0), head[1::2].count(0)
    # one half all but NUL-free, the other mostly NUL (UTF-32 has NULs in both halves)
    return max(even, odd) >= half * 3 // 4 and min(even, odd) <= half // 4


def parse_document(
    raw: bytes, path: str, source: str | None = None
) -> tuple[Document | None, list[Diagnostic]]:
    """Parse the bytes of one file (the part of reading that needs no file system)."""
    src = source or path
    if raw and not raw.strip(b"\x00"):
        return None, [
            error(src, 1, None, "file holds only NUL bytes (zeroed by a crash?)", "read.encoding")
        ]
    if raw.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return None, [
            error(src, 1, None, "file is UTF-32, not UTF-8; save it as UTF-8", "read.encoding")
        ]
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or _looks_utf16(raw[:64]):
        return None, [
            error(src, 1, None, "file is UTF-16, not UTF-8; save it as UTF-8", "read.encoding")
        ]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return None, [_not_utf8(raw, exc.start, src)]
    decoded = len(text)
    text = text.removeprefix("\ufeff").replace("\r\n", "\n")
    as_read = len(text) == decoded  # no BOM, no CRLF: the text's bytes are the file's

    first = _front_matter_start(text)
    opening = _BOUNDARY.match(text, first)
    if opening is None:
        if _TOML_BOUNDARY.match(text, first):
            message = "TOML front matter (+++) is not supported; use YAML between --- lines"
        elif re.match(r'\s*\{\s*(?:"|\})', text):
            message = "JSON front matter ({ … }) is not supported; use YAML between --- lines"
        elif text.strip() == "":
            message = "file is empty; a document needs YAML front matter between --- lines"
        elif re.match(r"-{3,}[ \t]*\r(?!\n)", text):
            # the boundary needs a line feed: a lone CR is no line end to Python or Hugo's YAML
            message = (
                "the file's lines end with CR alone (classic Mac OS line endings), not LF;"
                " save it with LF (Unix) line endings"
            )
        elif _BOUNDARY.match(text.lstrip("\ufeff\u200b\u2060")):
            message = (
                "an invisible character (a second byte-order mark U+FEFF, or a zero-width"
                " space) comes before the first --- line; remove it"
            )
        else:
            found = _BOUNDARY.search(text)
            message = "no front matter: the file must start with a --- line"
            if found is not None and _closing_boundary(text, found.end()) is not None:
                # text above something shaped like front matter: told where that starts
                line = text.count("\n", 0, found.start()) + 1
                return None, [error(src, line, None, message, "read.framing")]
        return None, [error(src, 1, None, message, "read.framing")]
    first_line = text.count("\n", 0, first) + 1
    closing = _closing_boundary(text, opening.end())
    if closing is None:
        return None, [
            error(
                src,
                first_line,
                None,
                "front matter is never closed: add a --- line after it",
                "read.framing",
            )
        ]
    fm_text = text[opening.end() : closing.start()]
    line_offset = text.count("\n", 0, opening.end()) + 1
    body = text[closing.end() :].removeprefix("\n")
    body_line = line_offset + text.count("\n", opening.end(), len(text) - len(body))

    # (a character takes at most 4 bytes: most front matter needs no encoding to be measured)
    if len(fm_text) * 4 > MAX_FRONT_MATTER_BYTES and (
        len(fm_text.encode("utf-8")) > MAX_FRONT_MATTER_BYTES
    ):
        return None, [
            error(
                src,
                1,
                None,
                f"front matter is larger than {MAX_FRONT_MATTER_BYTES // 1024} KiB",
                "read.limits",
            )
        ]
    parsed = _parse_yaml(fm_text, src, line_offset)
    if parsed is None or any(p.severity is Severity.ERROR for p in parsed.problems):
        problems = parsed.problems if parsed else []
        return None, sorted(problems, key=Diagnostic.sort_key)

    problems = list(parsed.problems)
    if (stray := _stray_boundary(text, closing, line_offset)) is not None:
        problems.append(warning(src, *stray, "read.framing"))
    sha256 = hashlib.sha256(raw).hexdigest()
    return (
        Document(
            path=path,
            source=src,
            front_matter=parsed.value,
            body=body,
            sha256=sha256,
            text_sha256=sha256 if as_read else hashlib.sha256(text.encode("utf-8")).hexdigest(),
            lines=parsed.lines,
            first_line=first_line,
            body_line=body_line,
        ),
        problems,
    )


_BODY_KEY = re.compile(r"[A-Za-z_][\w.-]*:(?: |$)")
"""A line that starts like a front-matter key (``mastHead: …``, ``tags:``)."""


def _stray_boundary(
    text: str, closing: re.Match[str], line_offset: int
) -> tuple[int, None, str] | None:
    """A ``---`` inside the front matter ends it there, for Hugo as for medigraph: the keys
    below it become the page's text, and the diagnostics that follow ("title is missing")
    do not say why. When the body starts right below it with keys of their own that run,
    with no blank line, up to another ``---``, the line of the first ``---`` and what to do."""
    start = text.find("\n", closing.start()) + 1  # the line right below it
    if start == 0:
        return None
    if _BODY_KEY.match(text, start) is None:  # keys right below it, as in front matter
        return None
    second = _closing_boundary(text, start)
    if (
        second is None
        or second.start() - start > MAX_FRONT_MATTER_BYTES
        or "\n\n" in text[start : second.start()]  # paragraphs: the page's own text
    ):
        return None
    try:
        keys = yaml.load(text[start : second.start()], Loader=_Base)
    except yaml.YAMLError:
        return None
    if not isinstance(keys, dict) or len(keys) < 2:
        return None
    at = text.count("\n", 0, closing.start()) + 1
    end = text.count("\n", 0, second.start()) + 1
    names = ", ".join(str(key) for key in list(keys)[:3]) + (", …" if len(keys) > 3 else "")
    return (
        at,
        None,
        (
            f"the front matter ends at this ---, but {plural(len(keys), 'key')} follow it"
            f" ({names}), up to another --- on line {end}: Hugo reads them as the page's"
            " text, not as front matter, and so does medigraph; if this --- is a stray one,"
            " remove it"
        ),
    )


def _not_utf8(raw: bytes, at: int, src: str) -> Diagnostic:
    """The first byte that is not UTF-8, told by its line, its key and the text before it
    (an offset in bytes means nothing in an editor), with what it is in Windows-1252, the
    likeliest source of such a byte."""
    line = raw.count(b"\n", 0, at) + 1
    text = raw.decode("utf-8", "replace").removeprefix("\ufeff").replace("\r\n", "\n")
    key = None
    opening = _BOUNDARY.match(text, _front_matter_start(text))
    closing = _closing_boundary(text, opening.end()) if opening else None
    if opening is not None and closing is not None:
        first = text.count("\n", 0, opening.end()) + 1
        fm_text = text[opening.end() : closing.start()]
        if 0 <= line - first <= fm_text.count("\n"):
            key = _key_of_line(fm_text, line - first)
    start = raw.rfind(b"\n", 0, at) + 1
    before = raw[start:at].decode("utf-8", "replace").lstrip()[-24:]
    where = f' after "{before}"' if before else " at the start of the line"
    try:
        meant = f' (in Windows-1252 it is "{raw[at : at + 1].decode("cp1252")}")'
    except UnicodeDecodeError:
        meant = ""
    return error(
        src,
        line,
        key,
        f"file is not UTF-8: the byte 0x{raw[at]:02x}{where} is not UTF-8 text{meant};"
        " save the file as UTF-8",
        "read.encoding",
    )


_BLANK_LINES = re.compile(r"(?:[ \t]*\n)+")


def _front_matter_start(text: str) -> int:
    """Where the front matter's opening ``---`` may stand: after any blank lines (or lines
    of spaces and tabs) at the top of the file, which Hugo (and python-frontmatter) pass
    over as well, so a page Hugo publishes is read, at its own line numbers."""
    blank = _BLANK_LINES.match(text)
    return blank.end() if blank is not None else 0


def _closing_boundary(text: str, start: int) -> re.Match[str] | None:
    """``_BOUNDARY.search(text, start)``, trying only the lines that start with ``---``
    (the regex alone tries every position of the front matter)."""
    at = text.find("---", start)
    while at != -1:
        if (at == 0 or text[at - 1] == "\n") and (found := _BOUNDARY.match(text, at)):
            return found
        at = text.find("---", at + 1)
    return None


def _parse_yaml(fm_text: str, src: str, line_offset: int) -> _Parsed | None:
    if fm_text.strip() == "" or all(
        line.strip() == "" or line.lstrip().startswith("#") for line in fm_text.splitlines()
    ):
        return _Parsed(
            {}, {}, [error(src, line_offset, None, "front matter is empty", "read.yaml")]
        )
    loader = _Loader(fm_text)
    try:
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        at, key, what = _yaml_failure(fm_text, exc, line_offset)
        return _Parsed(
            {}, {}, [error(src, line_offset + at, key, f"YAML does not parse: {what}", "read.yaml")]
        )
    except yaml.reader.ReaderError as exc:  # a character YAML does not allow, e.g. U+000C
        at = min(_reader_position(fm_text, exc), len(fm_text))
        line = fm_text.count("\n", 0, at)
        code = exc.character if isinstance(exc.character, int) else ord(str(exc.character)[:1])
        message = (
            f"the character U+{code:04X} is not allowed in YAML ({exc.reason}); remove it,"
            f' or write it as "\\u{code:04X}" in a double-quoted value'
        )
        key = _key_holding(fm_text, at)
        if key is None:
            key = _key_at(fm_text, line)
        return _Parsed({}, {}, [error(src, line_offset + line, key, message, "read.yaml")])
    except yaml.YAMLError as exc:
        what = " ".join(str(exc).split())  # one line: diagnostics are one line each
        return _Parsed(
            {}, {}, [error(src, line_offset, None, f"YAML does not parse: {what}", "read.yaml")]
        )
    finally:
        loader.dispose()
    if not isinstance(node, yaml.MappingNode):
        line = (
            line_offset + _LineCounter(fm_text).line(node.start_mark)
            if node is not None
            else line_offset
        )
        kind = (
            "empty"
            if node is None
            else "a list"
            if isinstance(node, yaml.SequenceNode)
            else "a single value"
        )
        return _Parsed(
            {},
            {},
            [
                error(
                    src,
                    line,
                    None,
                    f"front matter must be key: value pairs, not {kind}",
                    "read.yaml",
                )
            ],
        )
    builder = _Builder(src, line_offset, _LineCounter(fm_text), fm_text)
    value = builder.mapping(node, "", 0)
    if not fm_text.isascii() and _ODD_SPACE.search(fm_text):  # (isascii costs nothing)
        builder.problems += _odd_space_keys(fm_text, builder.lines, src, line_offset)
    return _Parsed(value, builder.lines, builder.problems)


_ODD_SPACE_CHARS = "\u00a0\u1680" + "".join(map(chr, range(0x2000, 0x200C))) + "\u202f\u205f\u3000"
_ODD_SPACE = re.compile(f"[{_ODD_SPACE_CHARS}]")
"""Spaces YAML does not take for indentation (pasted from a web page or a word processor):
a line indented with them is read as a key at column 0 whose name starts with them."""


def _space_name(char: str) -> str:
    kind = "no-break space" if char in "\u00a0\u202f" else "invisible space"
    return f"a {kind} (U+{ord(char):04X})"


def _odd_indent(lines: list[str], upto: int) -> tuple[int, str] | None:
    """The first line up to ``upto`` indented with a space YAML does not count, and that
    space."""
    for at, text in enumerate(lines[: upto + 1]):
        lead = re.match(r"[ \t]*", text)
        char = text[lead.end() : lead.end() + 1] if lead else ""
        if char and _ODD_SPACE.match(char) and text.strip():
            return at, char
    return None


def _odd_space_keys(
    fm_text: str, lines: dict[str, int], src: str, line_offset: int
) -> list[Diagnostic]:
    """Keys indented with a no-break space that still parse (as a key at column 0 whose
    name starts with it): an error, as the key is not where the editor put it."""
    text_lines = fm_text.split("\n")
    problems = []
    for key, line in lines.items():
        parent, _, name = key.rpartition(".")
        at = line - line_offset
        if not (name[:1] and _ODD_SPACE.match(name[:1]) and 0 <= at < len(text_lines)):
            continue
        written = text_lines[at].lstrip(" \t")
        if not written.startswith(name[:1]):
            continue  # in a flow mapping ({\u00a0x: 1}), where no line is indented
        message = (
            f"{_space_name(name[0])} in the indentation of line {line}: YAML indents with"
            " spaces only; use spaces"
        )
        meant = _key_of_line(_unodd(text_lines, at), at) if not parent else None
        where = meant or (f"{parent}." if parent else "") + name.lstrip(_ODD_SPACE_CHARS)
        problems.append(error(src, line, where, message, "read.yaml"))
    return problems


def _unodd(lines: list[str], at: int) -> str:
    """The text with line ``at``'s indentation made plain spaces."""
    mended = list(lines)
    body = re.sub(f"^[ \t{_ODD_SPACE.pattern[1:-1]}]*", "", lines[at])
    mended[at] = " " * (len(lines[at]) - len(body)) + body
    return "\n".join(mended)


def _reader_position(text: str, exc: yaml.reader.ReaderError) -> int:
    """The character position of the character a ReaderError names: libyaml counts the bytes
    of the UTF-8 text, PyYAML's own reader characters."""
    at = max(exc.position, 0)
    if _Base is not yaml.BaseLoader:
        at = len(text.encode("utf-8")[:at].decode("utf-8", "ignore"))
    return int(at)


def _key_holding(fm_text: str, at: int, tries: int = 8) -> str | None:
    """The key (``extra[0].value``) whose value holds the character at ``at`` that YAML
    refused: the text is composed again with that character (and any other YAML refuses)
    made a space, and the nodes say where each value starts and ends. None if it still
    does not parse."""
    chars = list(fm_text)
    bad = at
    for _ in range(tries):
        chars[bad] = " "
        blanked = "".join(chars)
        loader = _Loader(blanked)
        try:
            node = loader.get_single_node()
            break
        except yaml.reader.ReaderError as exc:
            bad = _reader_position(blanked, exc)
            if bad >= len(chars):
                return None
        except yaml.YAMLError:
            return None
        finally:
            loader.dispose()
    else:
        return None
    target = (fm_text.count("\n", 0, at), at - fm_text.rfind("\n", 0, at) - 1)
    path = ""

    def holds(node: yaml.Node, start: yaml.Node | None = None) -> bool:
        first = (start or node).start_mark
        last = node.end_mark
        return (first.line, first.column) <= target <= (last.line, last.column)

    while node is not None:
        inner: yaml.Node | None = None
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                if holds(value_node, key_node):
                    path = f"{path}.{key_node.value}" if path else str(key_node.value)
                    inner = value_node
                    break
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                if holds(item):
                    path += f"[{index}]"
                    inner = item
                    break
        node = inner
    return path or None


_KEY_LINE = re.compile(r"^( *)(?:- +)?(?!- )([^\s#:'\"][^:#]*?|'[^']*'|\"[^\"]*\"):(?: |$)")


def _key_at(fm_text: str, line: int) -> str | None:
    """The dotted key a line of block YAML belongs to (``link.href``), read from the line
    and the lines above it by indentation; for a document YAML cannot parse."""
    lines = fm_text.split("\n")
    keys: list[str] = []
    own = lines[line] if 0 <= line < len(lines) else ""
    # a line that is no key belongs to a key it is indented under, if any
    indent = None if _KEY_LINE.match(own) else len(own) - len(own.lstrip(" "))
    for text in reversed(lines[: line + 1]):
        found = _KEY_LINE.match(text)
        if found is None:
            continue
        depth = len(found.group(1))
        if indent is None or depth < indent:
            keys.append(found.group(2).strip("'\""))
            indent = depth
            if depth == 0:
                break
    return ".".join(reversed(keys)) or None


# What YAML's errors mean to an editor. None of this runs for front matter that parses.

_TAB_ADVICE = "a tab in the indentation: YAML indents with spaces only; use spaces"
_RESERVED_START = "@`%"
"""Characters YAML keeps for itself that cannot start a value (``!``, ``&``, ``*``, ``|``
and ``>`` can, and mean something else: a tag, an anchor, an alias, a block of text)."""


def _yaml_failure(
    fm_text: str, exc: yaml.MarkedYAMLError, line_offset: int
) -> tuple[int, str | None, str]:
    """The 0-based line of the front matter an editor has to change, the key on it, and
    what is wrong there in an editor's words (one line, with the fix).

    PyYAML's marks name where parsing gave up: for a quote never closed that is the end of
    the text, or many lines below where the runaway value met a quote of another key; for an
    indentation mistake sometimes the line after the one that is off. The line is worked out
    from the kind of error, and the key by parsing the text again with that line mended."""
    lines = fm_text.split("\n")
    mark = exc.problem_mark or exc.context_mark
    what = " ".join(part for part in (exc.context, exc.problem) if part)
    if mark is None:  # pragma: no cover - libyaml and PyYAML always give one
        return 0, None, what
    at = _LineCounter(fm_text).line(mark)
    odd = _odd_indent(lines, at) if _ODD_SPACE.search(fm_text) else None
    if odd is not None:
        what = (
            f"{_space_name(odd[1])} in the indentation of line {line_offset + odd[0]}: YAML"
            " indents with spaces only; use spaces"
        )
        return odd[0], _key_of_line(_unodd(lines, odd[0]), odd[0]), what
    found = _opened_above(fm_text, exc, mark, line_offset) or _advice(
        fm_text, lines, exc, mark, line_offset
    )
    if found is not None:
        at, what = found
    if "\t" in lines[at][: _indent(lines, at)] and what != _TAB_ADVICE:
        what += f" ({_TAB_ADVICE})"
    return at, _key_of_line(fm_text, at), what


def _opened_above(
    fm_text: str, exc: yaml.MarkedYAMLError, mark: yaml.Mark, line_offset: int
) -> tuple[int, str] | None:
    """A quote or bracket never closed: the line it opens on, which PyYAML names only as
    the context of an error at the end of the text, or not at all when the runaway value
    ends at a quote meant to open another."""
    counter = _LineCounter(fm_text)
    opened = exc.context_mark
    context, problem = exc.context or "", exc.problem or ""
    if context == "while scanning a quoted scalar" and "end of stream" in problem and opened:
        at = counter.line(opened)
        quote = fm_text[opened.index]
        return at, f"the quote {quote} opened on line {line_offset + at} is never closed; close it"
    runaway = _runaway_quote(fm_text, mark.index)
    if runaway is not None:
        at = counter.line(runaway.start_mark)
        end = line_offset + counter.line(runaway.end_mark)
        quote = fm_text[runaway.start_mark.index]
        return at, (
            f"the quote {quote} opened on line {line_offset + at} is never closed: the value"
            f" runs on to line {end}; close it on line {line_offset + at}"
        )
    if context.startswith("while parsing a flow ") and opened:
        if counter.line(opened) >= counter.line(mark):
            # `categories: [` alone on its line: PyYAML names the node it expected, below
            opened = _unclosed_flow(fm_text, mark.index) or opened
        at = counter.line(opened)
        if at < counter.line(mark):
            bracket = fm_text[opened.index]
            closer = "]" if bracket == "[" else "}"
            return at, (
                f"the {bracket} opened on line {line_offset + at} is never closed with"
                f" {closer} (or a comma is missing); close it"
            )
    return None


def _unclosed_flow(fm_text: str, before: int) -> yaml.Mark | None:
    """Where the innermost ``[`` or ``{`` still open at ``before`` opens (None if none is)."""
    opened: list[yaml.Mark] = []
    try:
        for token in yaml.scan(fm_text, Loader=_Base):
            if token.start_mark.index >= before:
                break
            if isinstance(token, yaml.FlowSequenceStartToken | yaml.FlowMappingStartToken):
                opened.append(token.start_mark)
            elif opened and isinstance(token, yaml.FlowSequenceEndToken | yaml.FlowMappingEndToken):
                opened.pop()
    except yaml.YAMLError:
        pass  # the tokens up to where scanning failed are those that count
    return opened[-1] if opened else None


def _advice(
    fm_text: str, lines: list[str], exc: yaml.MarkedYAMLError, mark: yaml.Mark, line_offset: int
) -> tuple[int, str] | None:
    """The line and the fix for the mistakes editors make most, by the kind of error: a
    value holding ``: `` or starting with a character YAML reserves, an alias by mistake, a
    tab, a stray quote, a key indented unlike its neighbours. None for others: PyYAML's own
    words are told."""
    at = _LineCounter(fm_text).line(mark)
    column = _column(fm_text, mark.index)
    context, problem = exc.context or "", exc.problem or ""
    sign = fm_text[mark.index : mark.index + 1]  # the character PyYAML stopped at
    if "|" in fm_text or ">" in fm_text:
        found = _block_text_fault(lines, at, line_offset)
        if found is not None:
            return found
    if "#" in fm_text:
        found = _comment_cut(lines, at)
        if found is not None:
            return found
    if context == "while scanning a simple key" and exc.context_mark is not None:
        # PyYAML names the line after the one that is not `key: value`
        at = _LineCounter(fm_text).line(exc.context_mark)
        brk = fm_text[: exc.context_mark.index].rstrip(" ")[-1:]
        if brk and brk in "\r\x85\u2028\u2029":
            return at, (
                f"an invisible line break (U+{ord(brk):04X}) in the value ends the line for"
                " YAML; remove it"
            )
        glued = _GLUED_KEY.match(lines[at]) if at < len(lines) else None
        if glued is not None:
            return at, (
                f"a key needs a space after its ':'; write"
                f" '{glued.group(0).strip(' -')} {lines[at][glued.end() :][:20].strip()}…'"
            )
        return at, (
            "a line that is not 'key: value' where a key is expected; add the key and ':',"
            " or indent the line under the value it continues"
        )
    if problem == "found undefined alias":
        name = re.match(r"\*([^\s,\[\]{}]*)", fm_text[mark.index :])
        alias = name.group(1) if name else ""
        later = re.compile(rf"(?:^|(?<=[\s\[{{,]))&{re.escape(alias)}(?=[\s,\]}}]|$)")
        anchor = later.search(fm_text, mark.index)
        if alias and anchor is not None:
            return at, (
                f"*{alias} refers to the anchor &{alias} defined on line"
                f" {line_offset + fm_text.count(chr(10), 0, anchor.start())}, after it: an"
                f" anchor must come before its aliases; move the value with &{alias} above"
                f" line {line_offset + at}, or write the value out here"
            )
        return at, (
            f"*{alias} refers to an anchor &{alias} that is not defined; if it is text,"
            " put the value in quotes"
        )
    if "found unknown escape character" in problem:
        return at, (
            'a \\ in a "…" value starts an escape such as \\n; write \\\\ for a backslash,'
            " or put the value in single quotes"
        )
    if "tab" in problem or sign == "\t":
        return at, _TAB_ADVICE
    if "cannot start any token" in problem and sign and sign in _RESERVED_START:
        return at, f"a value cannot start with {sign} in YAML (it is reserved); put it in quotes"
    if context == "while scanning a block scalar" and exc.context_mark is not None:
        return at, (
            f"{fm_text[exc.context_mark.index]} at the start of a value begins a block of text"
            " in YAML; if it is the text itself, put the value in quotes"
        )
    if problem == "block sequence entries are not allowed in this context":
        own = _KEY_LINE.match(lines[at]) if at < len(lines) else None
        if own is not None and column > own.end(2):
            return at, (
                "a list item '- ' cannot follow its key on the key's line; write the key"
                " alone on its line, and each item on a line of its own below it"
            )
        return _misindented(lines, at, line_offset)
    if context in ("while scanning an anchor", "while scanning an alias") and sign != "\t":
        return at, (
            f"{'&' if 'anchor' in context else '*'} at the start of a value names"
            f" {'an anchor' if 'anchor' in context else 'an alias'} in YAML; if it is text,"
            " put the value in quotes"
        )
    if problem == "mapping values are not allowed in this context":
        own = _KEY_LINE.match(lines[at]) if at < len(lines) else None
        if own is None or column > own.end(2):
            return at, "a ': ' inside a value reads as a new key; put the value in quotes"
        return _misindented(lines, at, line_offset)
    if not problem.startswith("did not find expected"):
        return None
    if column <= _indent(lines, at):
        return _misindented(lines, at, line_offset)
    quote = lines[at][:column].rstrip()[-1:]
    if quote in ("]", "}"):
        opener = "[" if quote == "]" else "{"
        kind = "a list" if quote == "]" else "a mapping"
        return at, (
            f"a value starting with {opener} is {kind} in YAML, and text follows its"
            f" closing {quote}; if it is text, put the value in quotes"
        )
    if quote in ("'", '"'):
        inner = "''" if quote == "'" else '\\"'
        return at, (
            f"text follows the value's closing quote {quote}; write a {quote} inside the"
            f" value as {inner}, or quote the value with the other kind of quote"
        )
    return None


_BLOCK_HEADER = re.compile(r"[|>][+-]? *(?:#.*)?")


def _block_owner(text: str) -> int | None:
    """The indentation a block of text (``key: |``, ``- >``) started on this line must go
    deeper than: its key's column, or its item's dash's. None if no block starts here (or
    one with an explicit indentation, ``|2``, which says its own)."""
    dashes = re.match(r" *(?:- +)*", text)
    lead = dashes.end() if dashes else 0
    own = _KEY_LINE.match(" " * lead + text[lead:])
    if own is not None and not own.group(0).lstrip(" ").startswith("- "):
        rest = text[own.end() :].strip()
        return lead if _BLOCK_HEADER.fullmatch(rest) else None
    if lead and _BLOCK_HEADER.fullmatch(text[lead:].strip()):
        return text.rstrip(" ")[:lead].rstrip(" ").rfind("-")
    return None


def _block_text_fault(lines: list[str], at: int, line_offset: int) -> tuple[int, str] | None:
    """A line of a block of text (``description: |``) indented less than the block's first
    line, which sets the block's indentation, or no deeper than its key, or a comment line
    inside it: YAML ends the block there and fails on that line or the next. None if the
    nearest block above ``at`` ends where it should."""
    header = next((i for i in range(at - 1, -1, -1) if _block_owner(lines[i]) is not None), None)
    if header is None:
        return None
    owner = _block_owner(lines[header])
    assert owner is not None
    opened = f"the block of text started with {lines[header].rstrip()[-1:]} on line"
    opened += f" {line_offset + header}"
    width = None  # the block's indentation: its first line's
    for k in range(header + 1, min(at, len(lines) - 1) + 1):
        text = lines[k]
        if text.strip() == "":
            continue
        lead = _indent(lines, k)
        if width is None:
            if lead > owner:
                width = lead
                continue
            if _KEY_LINE.match(text) or text.lstrip(" ").startswith("- "):
                return None  # an empty block, and the next key
            return k, (
                f"the lines of {opened} are not indented under its key; indent every line of"
                " the block deeper than the key"
            )
        if lead >= width:
            continue
        if lead > owner:
            return k, (
                f"indented {plural(lead, 'space')}, less than the first line of {opened}"
                f" ({width}), which sets the block's indentation; indent every line of the"
                " block at least as deep as its first line"
            )
        if text.lstrip(" ").startswith("#") and _indent(lines, _next_text(lines, k)) >= width:
            return k, (
                f"a comment line inside {opened}, indented less than the block, ends it; a"
                " block of text holds no comments: indent the line as text, or remove it"
            )
        return None
    return None


def _next_text(lines: list[str], at: int) -> int:
    """The next line after ``at`` that is not blank (``at`` itself if none is)."""
    return next((k for k in range(at + 1, len(lines)) if lines[k].strip()), at)


def _column(text: str, index: int) -> int:
    return index - text.rfind("\n", 0, index) - 1


def _indent(lines: list[str], at: int) -> int:
    text = lines[at] if 0 <= at < len(lines) else ""
    return len(text) - len(text.lstrip(" \t"))


def _runaway_quote(fm_text: str, before: int) -> Any:
    """The quoted value (a scanner token), ending before ``before``, that takes in lines
    shaped like the keys or items beside it: its closing quote was meant to open another
    value, so its opening quote is the one never closed. None if there is none."""
    loader = _Loader(fm_text)
    try:
        while (token := loader.get_token()) is not None and token.start_mark.index < before:
            if (
                isinstance(token, yaml.ScalarToken)
                and token.style in ("'", '"')
                and token.end_mark.line > token.start_mark.line
                and _takes_in_keys(fm_text, token.start_mark.index, token.end_mark.index)
            ):
                return token
    except yaml.YAMLError:
        pass
    finally:
        loader.dispose()
    return None


def _takes_in_keys(fm_text: str, start: int, end: int) -> bool:
    """Whether a line of the quoted value from ``start`` to ``end`` looks like a key or an
    item no deeper than the line the value starts on."""
    first = fm_text.rfind("\n", 0, start) + 1
    opening = fm_text[first:start]
    depth = len(opening) - len(opening.lstrip(" -"))
    for text in fm_text[start:end].split("\n")[1:]:
        stripped = text.lstrip(" ")
        if len(text) - len(stripped) <= depth and (
            _KEY_LINE.match(text) or stripped.startswith("- ")
        ):
            return True
    return False


def _misindented(lines: list[str], at: int, line_offset: int) -> tuple[int, str]:
    """The line whose indentation is off, of ``at`` and the key or item above it, and why:
    the one that, indented as the other, lets the front matter parse (the first key of a
    block indented unlike the rest of it makes YAML fail on the second). If both do, the
    one out of line with the line before the two (a key dedented out of the middle of its
    block), else the one whose indentation fewer lines share."""
    above = _entry_near(lines, at, -1)
    here = _indent(lines, at)
    if above is None or _indent(lines, above) == here:
        closer = _block_closer(lines, at)
        if closer is not None:
            return closer, _lined_up(lines, closer, closer - 1, line_offset)
        return at, (
            f"indented {plural(here, 'space')}, which lines up with no block above it;"
            " line it up with the keys beside it"
        )
    there = _indent(lines, above)
    fits_above = _parses(_reindented(lines, above, here))
    fits_here = _parses(_reindented(lines, at, there))
    if fits_above and fits_here:
        before = _entry_near(lines, above, -1)
        if before is not None and (
            _indent(lines, before) == here
            or (_opens_block(lines[before]) and there <= _indent(lines, before) < here)
        ):
            fits_here = False
        else:
            widths = [_indent(lines, i) for i, text in enumerate(lines) if text.strip()]
            fits_above = widths.count(there) < widths.count(here)
    if fits_above:
        at, above = above, at
    return at, _lined_up(lines, at, above, line_offset)


def _lined_up(lines: list[str], at: int, other: int, line_offset: int) -> str:
    """Why line ``at`` is off, told by its indentation and that of the entry near ``other``
    it should line up with."""
    near = other if _entry_near(lines, other + 1, -1) == other else _entry_near(lines, other, -1)
    near = other if near is None else near
    return (
        f"indented {plural(_indent(lines, at), 'space')} where line {line_offset + near} has"
        f" {_indent(lines, near)}: YAML reads nesting from the indentation; line up the keys"
        " and items of one block"
    )


def _block_closer(lines: list[str], at: int) -> int | None:
    """The key above ``at``, dedented out of the middle of a block, that closed the block
    line ``at`` lines up with (``size:`` moved to column 0 from under ``featuredImage``:
    YAML fails on the next key of that block, many lines below). None if indenting no
    such key as that block lets the front matter parse."""
    here = _indent(lines, at)
    near = _entry_near(lines, at, -1)
    while near is not None and _indent(lines, near) >= here:
        near = _entry_near(lines, near, -1)
    before = None if near is None else _entry_near(lines, near, -1)
    if near is None or before is None or _indent(lines, before) < here:
        return None
    return near if _parses(_reindented(lines, near, here)) else None


def _entry_near(lines: list[str], at: int, step: int) -> int | None:
    """The nearest line from ``at`` in the direction ``step`` that starts a key or an item."""
    near = at + step
    while 0 <= near < len(lines):
        body = lines[near].lstrip(" \t")
        if _KEY_LINE.match(" " + body) or body == "-" or body.startswith("- "):
            return near
        near += step
    return None


def _opens_block(text: str) -> bool:
    """Whether a line is a key with nothing after it: its value is the lines below."""
    own = _KEY_LINE.match(" " + text.lstrip(" \t"))
    rest = text.lstrip(" \t")[own.end() - 1 :].strip() if own else "x"
    return rest == "" or rest.startswith("#")


def _reindented(lines: list[str], at: int, width: int) -> str:
    mended = list(lines)
    mended[at] = " " * width + lines[at].lstrip(" \t")
    return "\n".join(mended)


def _parses(text: str) -> bool:
    return _compose(text) is not None


def _compose(text: str) -> yaml.Node | None:
    loader = _Loader(text)
    try:
        node: yaml.Node | None = loader.get_single_node()
        return node
    except yaml.YAMLError:
        return None
    finally:
        loader.dispose()


def _key_of_line(fm_text: str, at: int) -> str | None:
    """The key (``featuredImage.size[0]``) line ``at`` of YAML that does not parse belongs
    to: the text is parsed again with that line mended — its value left out, its indentation
    made its neighbours' — and the nodes say which key starts on it or holds it. By the
    indentation of the lines above (:func:`_key_at`) when no mending parses."""
    lines = fm_text.split("\n")
    if not 0 <= at < len(lines):
        return None
    body = lines[at].lstrip(" \t")
    lead = len(lines[at]) - len(body)
    own = _KEY_LINE.match(" " * lead + body)
    if own is not None and lead == 0 and "." in own.group(2) and not body.startswith("-"):
        # a dotted key at column 0 (`link.href:`, as diagnostics name keys) is a path the
        # editor wrote whole, under no block: named as written, not mended into the block
        # above it (`link:`), which named it `link.link.href`
        return own.group(2).rstrip().strip("'\"")
    if own is not None:
        emptied = body[: own.end(2) - lead + 1]
    elif body == "-" or body.startswith("- "):
        emptied = "-"
    else:
        glued = _GLUED_KEY.match(lines[at])
        if glued is not None:  # `title:Three`: the key it was meant to be
            mended = list(lines)
            mended[at] = f"{lines[at][: glued.end()]} {lines[at][glued.end() :]}"
            return _key_of_line("\n".join(mended), at)
        owner = _value_owner(lines, at)
        return _key_at(fm_text, at) if owner is None else _key_of_line(fm_text, owner)
    # the line as it is, lined up with a neighbour first: a key dedented out of its block
    # (`href:` at column 0 under `link:`) also parses emptied, as a key of its own
    tries = [(width, body) for width in _neighbour_widths(lines, at)]
    tries += [(width, kept) for width in _likely_widths(lines, at) for kept in (body, emptied)]
    for width, kept in tries:
        mended = list(lines)
        mended[at] = " " * width + kept
        text = "\n".join(mended)
        node = _compose(text)
        if isinstance(node, yaml.MappingNode):
            return _path_at(node, text, at, width)
    return _key_at(fm_text, at)


_GLUED_KEY = re.compile(r" *(?:- +)?[^\s#:'\"\[{][^:#\s]*:(?=[^\s:/])")
"""A key with no space after its colon (``title:Three``), which YAML reads as text."""


def _value_owner(lines: list[str], at: int) -> int | None:
    """The line of the key whose value line ``at`` (no key, no item) was meant to continue:
    the nearest key above it with a block of text (``|``, ``>``) or a plain value on its
    line, with no other key between. None if the value above is quoted, or there is none."""
    for above in range(at - 1, -1, -1):
        text = lines[above]
        if _block_owner(text) is not None:
            return above
        body = text.lstrip(" ")
        own = _KEY_LINE.match(" " + body)
        if own is None and not body.startswith("- ") and body != "-":
            continue  # a blank line, a comment, or the value's own lines
        value = body[own.end() - 1 :] if own else body[1:]
        value = value.strip()
        plain = value != "" and value[0] not in "'\"[{|>&*!#"
        return above if plain else None
    return None


def _comment_cut(lines: list[str], at: int) -> tuple[int, str] | None:
    """A ``#`` after a space in a plain value that goes on to the lines below: the comment
    ends the value there, and YAML fails on its next line, read as no key."""
    body = lines[at].lstrip(" ")
    if _KEY_LINE.match(" " + body) or body.startswith("-") or not body:
        return None
    owner = _value_owner(lines, at)
    if owner is None or _block_owner(lines[owner]) is not None:
        return None
    for cut in range(owner, at):
        text = lines[cut]
        start = text.find(": ") + 2 if cut == owner else 0
        hash_at = re.search(r"[ \t]#", text[start:])
        if hash_at is not None:
            return cut, (
                'the text after " #" is read as a YAML comment, which ends the value: the'
                " lines below no longer continue it; put the value in quotes"
            )
    return None


def _neighbour_widths(lines: list[str], at: int) -> list[int]:
    """The indentations of the keys or items above and below line ``at`` other than its own."""
    lead = _indent(lines, at)
    near = (_entry_near(lines, at, step) for step in (-1, 1))
    widths = [_indent(lines, i) for i in near if i is not None]
    return [w for i, w in enumerate(widths) if w != lead and w not in widths[:i]]


def _likely_widths(lines: list[str], at: int) -> list[int]:
    """Indentations line ``at`` may have been meant to have, likeliest first: its neighbour
    key's or item's (the one below when the one above opens a block), one more or less."""
    above, below = _entry_near(lines, at, -1), _entry_near(lines, at, 1)
    widths = []
    if above is not None:
        widths.append(_indent(lines, above))
        if _opens_block(lines[above]) and below is not None:
            widths.insert(0, _indent(lines, below))  # the first key of a block
    if below is not None:
        widths.append(_indent(lines, below))
    lead = _indent(lines, at)
    if "\t" in lines[at][:lead]:  # a tab is as wide as the editor's setting: no guide
        return [width for i, width in enumerate(widths) if width not in widths[:i]]
    widths += [lead, lead - 1, lead + 1]
    widths = [width for i, width in enumerate(widths) if width >= 0 and width not in widths[:i]]
    return sorted(widths, key=lambda width: abs(width - lead))  # (stable: ties keep order)


def _path_at(node: yaml.Node | None, text: str, line: int, column: int) -> str | None:
    """The dotted key of composed YAML whose key or item starts on ``line`` of ``text``, or
    whose value holds its ``column``. By character positions: libyaml's own line count
    takes a lone CR or U+2028 for a line break, which an editor does not."""
    first = 0
    for _ in range(line):
        first = text.index("\n", first) + 1
    last = text.find("\n", first)
    last = len(text) if last == -1 else last
    target = first + column

    def on_line(item: yaml.Node) -> bool:
        return first <= int(item.start_mark.index) <= last

    def holds(item: yaml.Node) -> bool:
        return int(item.start_mark.index) <= target < int(item.end_mark.index)

    path = ""
    while node is not None:
        inner: yaml.Node | None = None
        if isinstance(node, yaml.MappingNode):
            for key_node, _ in node.value:
                if on_line(key_node):
                    name = str(key_node.value)
                    return f"{path}.{name}" if path else name
            for key_node, value_node in node.value:
                if holds(value_node):
                    name = str(key_node.value)
                    path = f"{path}.{name}" if path else name
                    inner = value_node
                    break
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                if holds(item) or on_line(item):
                    path += f"[{index}]"
                    inner = item
                    break
        node = inner
    return path or None


class _LineCounter:
    """0-based line of a YAML mark, counting ``\\n`` only.

    libyaml also counts a lone CR, NEL, LS and PS as line breaks; an editor does not, so its
    ``mark.line`` would point below the key once such a character occurs in a value.
    """

    def __init__(self, text: str) -> None:
        self.newlines: list[int] | None = None
        if any(ch in text for ch in "\r\x85\u2028\u2029"):
            self.newlines = [m.start() for m in re.finditer("\n", text)]

    def line(self, mark: yaml.Mark) -> int:
        if self.newlines is None:
            return int(mark.line)
        return bisect_left(self.newlines, mark.index)


_CUT_COMMENT = re.compile(r"[ \t]#[^\s#]")
"""A comment right before text (``Three Actions #1 for Telehealth``), the form in which one
cuts a value short; ``# a note`` is what a comment is written as."""


class _Builder:
    """Turns composed YAML nodes into plain values, keeping source text and key lines.

    It runs once per node of every document, so the common case (an untagged scalar, a key
    that is a plain name) is decided with few calls; everything else goes to ``_refuse``
    and ``_bad_key``.
    """

    def __init__(self, src: str, line_offset: int, counter: _LineCounter, text: str = "") -> None:
        self.src = src
        self.offset = line_offset
        self.counter = counter
        # libyaml's line is the editor's unless the text has other line breaks than \n
        self.plain_lines = counter.newlines is None
        # A comment that cuts a value: " #" right before text (``#1``); ``# note`` is taken
        # for the comment it is. Only the lines that hold one are looked at.
        cuts = (
            [found.start() for found in _CUT_COMMENT.finditer(text)]
            if _CUT_COMMENT.search(text)
            else None
        )
        self.text = text if cuts else ""
        self.cut_lines = (
            {text.count("\n", 0, at) for at in cuts} if cuts and self.plain_lines else None
        )
        self.lines: dict[str, int] = {}
        self.problems: list[Diagnostic] = []
        self.nodes = 0

    def _line(self, node: yaml.Node) -> int:
        if self.plain_lines:
            return self.offset + int(node.start_mark.line)
        return self.offset + self.counter.line(node.start_mark)

    def _fail(self, node: yaml.Node, key: str, message: str, code: str = "read.yaml") -> None:
        self.problems.append(error(self.src, self._line(node), key or None, message, code))

    def value(self, node: yaml.Node, key: str, depth: int) -> Value:
        self.nodes += 1
        tag = node.tag
        if self.nodes > MAX_NODES or depth > MAX_DEPTH or tag not in _ALLOWED_TAGS:
            self._refuse(node, key, depth)
            return None
        if tag in _MISMATCHED.get(type(node), ()):
            kind = "a single value" if isinstance(node, yaml.ScalarNode) else "a list or mapping"
            self._fail(node, key, f"YAML tag {_short_tag(tag)} does not fit {kind}")
            return None
        if isinstance(node, yaml.ScalarNode):
            text: str = node.value
            if (
                self.text
                and not node.style
                and (self.cut_lines is None or node.end_mark.line in self.cut_lines)
            ):
                self._comment_after(node, key)
            if tag == _NULL_TAG or (tag == _PLAIN_TAG and not node.style and text in _NULLS):
                return None
            return text
        if isinstance(node, yaml.SequenceNode):
            items: list[Value] = []
            lines = self.lines
            for index, item in enumerate(node.value):
                item_key = f"{key}[{index}]"
                if item_key not in lines:
                    lines[item_key] = self._line(item)
                items.append(self.value(item, item_key, depth + 1))
            return items
        if isinstance(node, yaml.MappingNode):
            return self.mapping(node, key, depth)
        self._fail(
            node, key, "unsupported YAML node"
        )  # pragma: no cover - composer gives no others
        return None

    def _comment_after(self, node: yaml.ScalarNode, key: str) -> None:
        """A plain value followed by `` #…`` on its line: YAML reads the rest of the line as
        a comment, so ``title: Three Actions #1 for Telehealth`` is "Three Actions". Told,
        as a warning (``key: value # note`` may be meant), rather than dropped silently."""
        end = int(node.end_mark.index)
        stop = self.text.find("\n", end)
        rest = self.text[end : len(self.text) if stop == -1 else stop]
        after = rest.lstrip(" \t")
        if not after.startswith("#") or rest[:1] not in (" ", "\t") or after[1:2].isspace():
            return  # no comment, or one written as a note (``draft: true # for now``)
        comment = rest.strip()
        if len(comment) > 30:
            comment = comment[:29] + "…"
        kept = f'"{node.value}"' if node.value else "empty"
        line = self.offset + (
            int(node.end_mark.line) if self.plain_lines else self.counter.line(node.end_mark)
        )
        message = (
            f'the text after " #" ("{comment}") is read as a YAML comment and dropped: the'
            f" value is {kept}; if the text belongs to the value, put the value in quotes"
        )
        self.problems.append(warning(self.src, line, key or None, message, "read.yaml"))

    def _refuse(self, node: yaml.Node, key: str, depth: int) -> None:
        """Too many nodes, too deep, or a tag that front matter does not allow."""
        if self.nodes > MAX_NODES:
            if self.nodes == MAX_NODES + 1:
                self._fail(
                    node,
                    key,
                    f"front matter has more than {MAX_NODES} values (alias bomb?)",
                    "read.limits",
                )
        elif depth > MAX_DEPTH:
            self._fail(
                node, key, f"front matter is nested deeper than {MAX_DEPTH} levels", "read.limits"
            )
        else:
            self._fail(node, key, f"YAML tag {_short_tag(node.tag)} is not allowed in front matter")

    def mapping(self, node: yaml.MappingNode, prefix: str, depth: int) -> dict[str, Value]:
        result: dict[str, Value] = {}
        lines = self.lines
        for key_node, value_node in node.value:
            if (
                not isinstance(key_node, yaml.ScalarNode)
                or key_node.tag == _MERGE_TAG
                or (key_node.value == "<<" and not key_node.style)
            ):
                self._bad_key(key_node, prefix)
                continue
            name = key_node.value
            full = f"{prefix}.{name}" if prefix else name
            if name in result:
                first = lines.get(full)
                self._fail(
                    key_node,
                    full,
                    f"key appears twice (first on line {first}); keep one",
                    "read.duplicate-key",
                )
                continue
            line = self._line(key_node)
            if "." in name:
                # One key with a dot in its name (`link.href:` at the top): its own line is
                # kept under its quoted name; `link.href` is the nested key's wherever it is.
                lines[_dotted(full)] = line
                lines.setdefault(full, line)
            else:
                lines[full] = line
            result[name] = self.value(value_node, full, depth + 1)
        return result

    def _bad_key(self, key_node: yaml.Node, prefix: str) -> None:
        if key_node.tag == _MERGE_TAG or isinstance(key_node, yaml.ScalarNode):
            self._fail(key_node, prefix, "YAML merge keys (<<) are not supported in front matter")
        else:
            self._fail(key_node, prefix, "a key must be a plain name, not a list or mapping")


def _short_tag(tag: str) -> str:
    return "!!" + tag[len(_STANDARD_TAG) :] if tag.startswith(_STANDARD_TAG) else tag


def read_documents(
    paths: Paths,
) -> Iterator[tuple[Document | None, list[Diagnostic]]]:
    """Read every document under ``paths`` in order; problems come with the document they concern."""
    files, problems = discover(paths)
    if problems:
        yield None, problems
    for found in files:
        yield read_document(found)
