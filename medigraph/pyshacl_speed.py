"""Making pySHACL cheaper in medigraph's own process, without changing what it reports.

pySHACL re-reads and rebuilds much of its state for every focus node. These changes keep
what does not change during a validation run (parsed SPARQL, the constraints made for a
shape, the shapes graph's answers) and skip work whose result nobody reads (the text of each
result, a debug message's shape name), and keep Python's cycle collector off the objects
that live for the whole run. Each is installed once per process and guarded so that a
pySHACL with another layout is left as it is. ``tests/test_validate.py`` compares the
results with an unmodified pySHACL run in a separate interpreter.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import rdflib

_describing = True
"""False while medigraph's own pySHACL call runs (:func:`validating`): its text report is
never read, and the constraints and names kept are for its shapes. Other pySHACL calls in
the same process get pySHACL's own behaviour."""


def install() -> None:
    """The changes to pySHACL's own code below, each made once per process."""
    _prepare_sparql_once()
    _check_sparql_once()
    _fast_constraints_once()
    _skip_text_report_once()
    _filter_without_repr_once()


@contextlib.contextmanager
def validating() -> Iterator[None]:
    """Around medigraph's own pySHACL call: no text report, and the constraints kept for its
    shapes forgotten afterwards."""
    global _describing
    _describing = False
    try:
        yield
    finally:
        _describing = True
        forget_constraints()


class FrozenGraph(rdflib.Graph):
    """A graph that is read far more than written: triple-pattern lookups are remembered.

    pySHACL reads each shape's description from the shapes graph again for every focus node
    it checks (≈ 90 lookups per document with the bundled shapes), through rdflib's
    context-aware memory store: a third of the validation time. The shapes do not change
    while we validate, so the answer to each pattern is kept; any change forgets them all.
    """

    _MEMO_LIMIT = 200_000

    def __init__(self) -> None:
        super().__init__()
        self._memo: dict[Any, tuple[Any, ...]] = {}
        # and the answers of objects() and predicate_objects(), which pySHACL calls most
        self._objects: dict[Any, tuple[Any, ...]] = {}
        self._predicate_objects: dict[Any, tuple[Any, ...]] = {}

    def _forget(self) -> None:
        self._memo.clear()
        self._objects.clear()
        self._predicate_objects.clear()

    def triples(self, triple: Any) -> Any:  # rdflib's signature
        if isinstance(triple[1], rdflib.paths.Path):
            yield from super().triples(triple)
            return
        found = self._memo.get(triple)
        if found is None:
            if len(self._memo) >= self._MEMO_LIMIT:
                self._forget()
            found = self._memo[triple] = tuple(super().triples(triple))
        yield from found

    def objects(self, subject: Any = None, predicate: Any = None, unique: bool = False) -> Any:
        if unique or isinstance(predicate, rdflib.paths.Path):
            return super().objects(subject, predicate, unique)
        found = self._objects.get((subject, predicate))
        if found is None:
            if len(self._objects) >= self._MEMO_LIMIT:
                self._forget()
            found = tuple(o for _s, _p, o in self.triples((subject, predicate, None)))
            self._objects[(subject, predicate)] = found
        return iter(found)

    def predicate_objects(self, subject: Any = None, unique: bool = False) -> Any:
        if unique:
            return super().predicate_objects(subject, unique)
        found = self._predicate_objects.get(subject)
        if found is None:
            if len(self._predicate_objects) >= self._MEMO_LIMIT:
                self._forget()
            found = tuple((p, o) for _s, p, o in self.triples((subject, None, None)))
            self._predicate_objects[subject] = found
        return iter(found)

    def add(self, triple: Any) -> Any:
        self._forget()
        return super().add(triple)

    def addN(self, quads: Any) -> Any:
        self._forget()
        return super().addN(quads)

    def remove(self, triple: Any) -> Any:
        self._forget()
        return super().remove(triple)


_prepared: dict[tuple[str, str | None, tuple[tuple[str, str], ...]], Any] = {}


def _prepare_sparql_once() -> None:
    """Parse each SPARQL text once per process instead of once per focus node.

    pySHACL hands rdflib the same query text (``$this`` comes as a binding) for every focus
    node of a SPARQL-based constraint, and rdflib parses and translates it every time: 40% of
    the validation time with the bundled shapes. A translated query is what rdflib's own
    ``prepareQuery`` returns for reuse, so reusing it changes no result.
    """
    from rdflib.plugins.sparql import processor
    from rdflib.plugins.sparql.algebra import translateQuery
    from rdflib.plugins.sparql.parser import parseQuery

    if getattr(processor.SPARQLProcessor.query, "_medigraph", False):
        return
    original = processor.SPARQLProcessor.query

    def query(  # rdflib's parameter names
        self: Any,
        strOrQuery: Any,
        initBindings: Any = None,
        initNs: Any = None,
        base: str | None = None,
        DEBUG: bool = False,
    ) -> Any:
        if isinstance(strOrQuery, str):
            key = (strOrQuery, base, tuple(sorted((k, str(v)) for k, v in (initNs or {}).items())))
            prepared = _prepared.get(key)
            if prepared is None:
                if len(_prepared) > 1024:
                    _prepared.clear()
                prepared = _prepared[key] = translateQuery(parseQuery(strOrQuery), base, initNs)
            strOrQuery = prepared
        return original(self, strOrQuery, initBindings, initNs, base, DEBUG)

    query._medigraph = True  # type: ignore[attr-defined]
    processor.SPARQLProcessor.query = query  # type: ignore[method-assign]


_checked: set[tuple[str, bool, frozenset[str]]] = set()
_prebound: dict[tuple[Any, bool, bool, frozenset[str]], tuple[dict[str, Any], str]] = {}


def _check_sparql_once() -> None:
    """Check each SPARQL constraint's text once per process, not once per focus node.

    Before every evaluation pySHACL scans the same text with seven regular expressions for
    what a SPARQL constraint may not hold (MINUS, VALUES, SERVICE, a nested SELECT without
    ``$this``, ``AS ?this``): 0.5 ms per focus node for a query of 25 lines. The answer depends
    only on the text and on which variables may be pre-bound, so a text that passed passes
    again; one that fails is checked (and fails) every time, as before.
    """
    from pyshacl.helper.sparql_query_helper import SPARQLQueryHelper

    if getattr(SPARQLQueryHelper.check_invalid_sparql, "_medigraph", False):
        return
    original: Any = SPARQLQueryHelper.check_invalid_sparql
    prebind: Any = SPARQLQueryHelper.pre_bind_variables

    def check_invalid_sparql(  # pySHACL's parameter names
        self: Any, sparql_text: str, valuenode: Any = None, extravars: Any = None
    ) -> Any:
        key = (sparql_text, valuenode is not None, frozenset(extravars or ()))
        if key in _checked:
            return True
        passed = original(self, sparql_text, valuenode=valuenode, extravars=extravars)
        if len(_checked) > 1024:
            _checked.clear()
        _checked.add(key)
        return passed

    def pre_bind_variables(  # pySHACL's parameter names
        self: Any, thisnode: Any, valuenode: Any = None, extravars: Any = None
    ) -> Any:
        """The text with its ``$PATH`` written in, and which variables come pre-bound, are the
        same for every focus node of a constraint: worked out once per pySHACL call."""
        if _describing:
            return prebind(self, thisnode, valuenode, extravars)
        key = (self, bool(valuenode), valuenode is not None, frozenset(extravars or ()))
        known = _prebound.get(key)
        if known is None:
            bindings, text = prebind(self, thisnode, valuenode, extravars)
            which = {
                name: "this" if bound is thisnode else "value" if bound is valuenode else bound
                for name, bound in bindings.items()
            }
            known = _prebound[key] = (which, text)
        which, text = known
        given = {"this": thisnode, "value": valuenode}
        return {
            name: given.get(bound, bound) if isinstance(bound, str) else bound
            for name, bound in which.items()
        }, text

    check_invalid_sparql._medigraph = True  # type: ignore[attr-defined]
    SPARQLQueryHelper.check_invalid_sparql = check_invalid_sparql  # type: ignore[method-assign]
    SPARQLQueryHelper.pre_bind_variables = pre_bind_variables  # type: ignore[method-assign]


def _filter_without_repr_once() -> None:
    """Evaluate a SPARQL ``FILTER`` without first formatting its whole expression.

    rdflib's ``FILTER`` first tries the expression itself as a boolean, which only a literal
    is: for any other expression that try raises a type error whose message holds the
    expression tree formatted with ``%r`` (≈ 60 objects for the ``lastMod`` order), and only
    then evaluates it. An expression (``Expr``) always fails that try, so it is evaluated
    directly, as rdflib would next; anything else takes rdflib's own path.
    """
    from rdflib.plugins.sparql import evaluate, evalutils
    from rdflib.plugins.sparql.operators import EBV
    from rdflib.plugins.sparql.parserutils import Expr
    from rdflib.plugins.sparql.sparql import SPARQLError

    original: Any = evalutils._ebv
    if getattr(original, "_medigraph", False):
        return

    def _ebv(expr: Any, ctx: Any) -> bool:
        if isinstance(expr, Expr):
            try:
                return bool(EBV(expr.eval(ctx)))
            except SPARQLError:
                return False  # an error is false, as in rdflib
        return bool(original(expr, ctx))

    _ebv._medigraph = True  # type: ignore[attr-defined]
    evalutils._ebv = _ebv
    evaluate._ebv = _ebv  # type: ignore[attr-defined]  # imported there by name


class _ParameterList(list[Any]):
    """pySHACL's list of constraint parameters, with membership by hash instead of a scan."""

    def __init__(self, items: Iterable[Any]) -> None:
        super().__init__(items)
        self._members = frozenset(self)

    def __contains__(self, item: object) -> bool:
        return item in self._members

    def copy(self) -> _ParameterList:
        return _ParameterList(self)

    def append(self, item: Any) -> None:
        super().append(item)
        self._members = self._members | {item}


def _fast_constraints_once() -> None:
    """Find a shape's constraint parameters by hash lookups instead of list scans, make each
    shape's constraints once per call (:func:`_reused`) and name each shape once
    (:func:`_name_shapes_once`).

    For every (shape, focus nodes) evaluation pySHACL tests each predicate of the shape
    against its list of ~40 constraint parameters with ``in``: a linear scan of rdflib
    ``URIRef.__eq__`` calls, 3.5 million per 200 documents and a third of the validation
    time. pySHACL keeps that list in a module attribute that it fills on first use; filling
    it first with a list whose ``in`` is a set lookup changes no answer (same members, same
    equality), only the cost. A pySHACL without that attribute is left as it is.
    """
    try:
        from pyshacl import shape
        from pyshacl.constraints import ALL_CONSTRAINT_PARAMETERS, CONSTRAINT_PARAMETERS_MAP
    except ImportError:  # another pySHACL layout: keep its own lookup
        return
    current = getattr(shape, "CONSTRAINT_PARAMS", (None, None))
    if isinstance(current[0], _ParameterList) or not hasattr(shape, "module"):
        return
    factories: dict[Any, Callable[[Any], Any]] = {}
    shape.CONSTRAINT_PARAMS = (  # type: ignore[attr-defined]
        _ParameterList(ALL_CONSTRAINT_PARAMETERS),
        {
            parameter: factories.setdefault(component, _reused(component))
            for parameter, component in CONSTRAINT_PARAMETERS_MAP.items()
        },
    )
    _name_shapes_once(shape.Shape)


_made: dict[Any, tuple[Any, Any]] = {}
"""(shape, constraint class) → (the shape, the constraint made for it), for one pySHACL call."""
_MADE_LIMIT = 100_000


def _kept(table: dict[Any, tuple[Any, Any]], key: Any, shape: Any, make: Callable[[], Any]) -> Any:
    """What ``make`` gives for ``shape``, made once while ``table`` remembers it.

    Keyed by the shape object's identity (pySHACL shapes cannot be weakly referenced): the
    entry holds the shape, so the identity stays its own until :func:`forget_constraints`.
    """
    found = table.get(key)
    if found is None:
        if len(table) >= _MADE_LIMIT:
            table.clear()
        found = table[key] = (shape, make())
    return found[1]


def _reused(component: Any) -> Callable[[Any], Any]:
    """Make ``component``'s constraint for a shape once, instead of at each evaluation.

    pySHACL makes every constraint of a shape again each time it evaluates the shape: for a
    nested property shape, once per value of every focus node (≈ 10 000 times per batch of
    100 documents). A constraint is made from the shape alone (its parameters, read from the
    shapes graph, which does not change during a call) and keeps nothing of an evaluation,
    so the one made first answers the same (:func:`forget_constraints` empties the table after
    each call). A constraint that cannot be made (pySHACL warns and skips it) is tried again
    each time, as before.
    """

    def make(shape: Any) -> Any:
        if _describing:  # not medigraph's own call: as pySHACL does it
            return component(shape)
        return _kept(_made, (id(shape), component), shape, lambda: component(shape))

    make.__name__ = make.__qualname__ = getattr(component, "__name__", "constraint")
    return make


_shape_names: dict[Any, tuple[Any, Any]] = {}


def _name_shapes_once(shape_class: Any) -> None:
    """Remember each shape's ``str()``, which pySHACL builds twice per evaluation for a debug
    message (formatted whether or not debugging is on). It depends only on the shape's node,
    names and kind, which a shape never changes."""
    original = shape_class.__str__
    if getattr(original, "_medigraph", False):
        return

    def name(self: Any) -> str:
        if _describing:  # not medigraph's own call: as pySHACL does it
            return str(original(self))
        return str(_kept(_shape_names, id(self), self, lambda: original(self)))

    name._medigraph = True  # type: ignore[attr-defined]
    shape_class.__str__ = name


def forget_constraints() -> None:
    """Drop the constraints and names kept for the shapes of the pySHACL call that ended."""
    _made.clear()
    _shape_names.clear()
    _prebound.clear()


def _skip_text_report_once() -> None:
    """Do not write the text description of each result while medigraph validates.

    pySHACL formats a paragraph of text for every result it makes, including the many that
    ``sh:or``/``sh:not`` make and throw away while trying alternatives (≈ 10% of the time).
    Only the report graph is read here, and the text is not part of it; other callers in the
    same process (``_describing`` is True outside ``Engine.shacl``) get the text as before.
    """
    try:
        from pyshacl.constraints.constraint_component import ConstraintComponent
    except ImportError:  # another pySHACL layout: keep the text
        return
    original = ConstraintComponent.make_v_result_description
    if getattr(original, "_medigraph", False):
        return

    def describe(self: Any, *args: Any, **kwargs: Any) -> Any:
        return original(self, *args, **kwargs) if _describing else ""

    describe._medigraph = True  # type: ignore[attr-defined]
    ConstraintComponent.make_v_result_description = describe  # type: ignore[method-assign]


_GC_THRESHOLDS = (50_000, 20, 100)


def collect_less() -> None:
    """Let Python's cycle collector run less often while batches are checked.

    Each batch builds an rdflib graph of ≈ 10 000 triples (hundreds of thousands of small
    objects) and pySHACL makes as many more; with the default thresholds the collector
    walks the young ones every 700 allocations and every long-lived object (the shapes, the
    ontology, the mapping) again and again: ≈ 20 % of the validation time. Those long-lived
    objects are frozen out of its reach and it runs every 50 000 allocations instead; the
    cycles a batch leaves (an rdflib graph and its store refer to each other) are collected
    by :func:`collect_batch` once the batch is done.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(*_GC_THRESHOLDS)


def collect_batch() -> None:
    """Free what a checked batch left, now, while :func:`collect_less` is in force.

    Without it the batches' graphs would pile up until a full collection, which the higher
    thresholds make rare: measured on 10 000 documents with two workers, 190 MB at the peak
    per worker instead of 79 MB, and more the longer the run. What survives the collection
    (the report so far, the caches) is frozen in turn, so that each collection walks only
    what the last batch made, not everything kept since the start (which made the run
    quadratic: 19 ms per collection after 50 batches, 200 ms after 300).
    """
    gc.collect()
    gc.freeze()


@contextlib.contextmanager
def collecting_less() -> Iterator[None]:
    """:func:`collect_less` for a validation run in this process, then back as it was."""
    previous = gc.get_threshold()
    collect_less()
    try:
        yield
    finally:
        gc.set_threshold(*previous)
        gc.unfreeze()
