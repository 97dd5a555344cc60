"""A fast SHACL engine: shapes compiled once into Python closures that check a small graph quickly.

It implements the SHACL Core constraint components, the targets, property paths (predicate,
inverse, sequence, alternative, zero-or-more, one-or-more, zero-or-one) and SPARQL-based constraints
(``sh:sparql`` with ``sh:select``, through :mod:`samtbu.validate.fast.sparql`). Whatever it does not
implement (custom constraint components, SHACL-AF targets and rules, ``sh:ask`` validators,
SPARQL it cannot compile, a recursive shape) makes :func:`compile_shapes` raise ``Unsupported``:
the caller then validates with pyshacl. Shapes SHACL rules out (a SPARQL constraint that binds
``$this``, ...) raise ``InvalidShapes``: no engine validates with them. Correctness first: the engine returns the same results as
pyshacl (focus node, path, value, source shape, constraint component, severity) on the project's
shapes, and follows the SHACL and XSD specifications where pyshacl does not: a literal of a
datatype that rdflib does not check (``xsd:gYear``, ``xsd:gYearMonth``, ...) must have a valid
lexical form here (pyshacl accepts ``"abc"^^xsd:gYear``).

The output is a list of ``Result`` values; :func:`findings` gives them to the report stage as
``report.Finding`` values, the same as pyshacl's report graph is read into, so the report stage is
the same for both engines. :func:`report_graph` makes the SHACL validation report graph, as pyshacl
writes it, only for the SHACL output formats.
"""

from __future__ import annotations

import datetime as _dt
from decimal import Decimal
import re
from dataclasses import dataclass, field
from functools import partial
from typing import Any
from collections.abc import Callable, Iterable

from rdflib import RDF as _RDF
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import SH
from rdflib.term import Node

from samtbu.model import ModelError, reachable
from samtbu.validate.fast.codegen import generate_conformance
from samtbu.validate.report import Finding
from samtbu.validate.fast.terms import (
    RDF_LANGSTRING, RDF_TYPE, RDFS, RDFS_SUBCLASSOF, XSD, XSD_STRING, B, Data, L, from_rdflib,
    lexical_as_rdflib, n3, rdflib_read, to_rdflib,
)


_EMPTY: list = []
_NONE: frozenset = frozenset()
_NO_OBJECTS: dict = {}


class Unsupported(Exception):
    """The shapes use something the fast engine does not implement: use pyshacl."""


class InvalidShapes(ModelError):
    """The shapes graph breaks a rule of SHACL that a processor must report as a failure (e.g. a SPARQL
    constraint that binds a pre-bound variable, SHACL 1.0 section 5.3.1): no engine validates with it."""


_SH = str(SH)
RDFS_CLASS = RDFS + "Class"
RDFS_RESOURCE = RDFS + "Resource"
RDFS_LITERAL = RDFS + "Literal"
RDFS_DATATYPE = RDFS + "Datatype"

# Predicates of the SHACL namespace the engine understands on a shape node.
_KNOWN_SHAPE_PARAMETERS = {
    _SH + name for name in ["path", "targetNode", "targetClass", "targetSubjectsOf", "targetObjectsOf", "severity", "message", "deactivated", "name", "description", "order", "group", "defaultValue", "property", "node", "not", "and", "or", "xone", "class", "datatype", "nodeKind", "minCount", "maxCount", "minInclusive", "minExclusive", "maxInclusive", "maxExclusive", "minLength", "maxLength", "pattern", "flags", "languageIn", "uniqueLang", "equals", "disjoint", "lessThan", "lessThanOrEquals", "qualifiedValueShape", "qualifiedMinCount", "qualifiedMaxCount", "qualifiedValueShapesDisjoint", "closed", "ignoredProperties", "hasValue", "in", "sparql", "declare", "prefixes"]
}
# A tuple, not a set: shapes are compiled in the same order in every process (the compiled-model
# cache keeps the generated code by its source text)
_SHAPE_TYPES = (SH.NodeShape, SH.PropertyShape)
# Predicates whose values are shapes.
_SHAPE_REFS = (SH.property, SH.node, SH["not"], SH.qualifiedValueShape)
_SHAPE_LIST_REFS = (SH["and"], SH["or"], SH.xone)
_TARGETS = (SH.targetNode, SH.targetClass, SH.targetSubjectsOf, SH.targetObjectsOf)
# Parameters that make a shape more than a list of checks on its value nodes.
_NESTING = (SH["not"], SH["and"], SH["or"], SH.xone, SH.node, SH.qualifiedValueShape, SH.property, SH.sparql,
            SH.closed, SH.equals, SH.disjoint, SH.lessThan, SH.lessThanOrEquals)


def _component(name: str) -> str:
    return f"{_SH}{name}ConstraintComponent"


# -- datatypes ------------------------------------------------------------------------------------

# Lexical spaces (XSD 1.1 part 2) of the datatypes rdflib does not check.
_TZ = r"(Z|[+-]((0\d|1[0-3]):[0-5]\d|14:00))?"
_YEAR = r"-?([1-9]\d{3,}|0\d{3})"
_XSD_LEXICAL = {
    XSD + "gYear": re.compile(rf"^{_YEAR}{_TZ}$"),
    XSD + "gYearMonth": re.compile(rf"^{_YEAR}-(0[1-9]|1[0-2]){_TZ}$"),
    XSD + "gMonth": re.compile(rf"^--(0[1-9]|1[0-2]){_TZ}$"),
    XSD + "gDay": re.compile(rf"^---(0[1-9]|[12]\d|3[01]){_TZ}$"),
    XSD + "gMonthDay": re.compile(rf"^--(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01]){_TZ}$"),
}
_MAX_DAY = {2: 29, 4: 30, 6: 30, 9: 30, 11: 30}


def xsd_lexical_ok(lex: str, dt: str) -> bool | None:
    """True/False for the datatypes checked here (the ones rdflib leaves unchecked), None otherwise."""
    pattern = _XSD_LEXICAL.get(dt)
    if pattern is None:
        return None
    if not pattern.match(lex):
        return False
    if dt == XSD + "gMonthDay":
        month, day = int(lex[2:4]), int(lex[5:7])
        return day <= _MAX_DAY.get(month, 31)
    return True


_PY_TYPES: dict[str, Any] = {
    XSD + "integer": int, XSD + "float": float, XSD + "decimal": Decimal, XSD + "boolean": bool,
    XSD + "date": _dt.date, XSD + "time": _dt.time, XSD + "dateTime": _dt.datetime,
}
_DT_OK: dict[tuple[str, str], bool] = {}


def datatype_ok(lex: str, dt: str) -> bool:
    """Is a literal with this lexical form and datatype well-formed: pyshacl's verdict (rdflib's
    ill_typed and value type), and for datatypes rdflib does not check, the XSD lexical space."""
    key = (lex, dt)
    found = _DT_OK.get(key)
    if found is not None:
        return found
    # the type of the value rdflib gives Literal(lex, datatype=dt), from the one rdflib_read built
    _canon, ill, value_type = rdflib_read(lex, dt)
    if ill is True:
        ok = False
    else:
        ok = True
        expected = _PY_TYPES.get(dt)
        if expected is not None:
            ok = issubclass(value_type, expected)
            if expected is int:
                ok = ok and not issubclass(value_type, bool)
        own = xsd_lexical_ok(lex, dt)
        if own is not None:
            ok = own
    if len(_DT_OK) > 200_000:
        _DT_OK.clear()
    _DT_OK[key] = ok
    return ok


# The datatypes _matches_datatype treats otherwise than by the literal's own datatype
_SPECIAL_DATATYPES = frozenset((RDFS_LITERAL, RDFS_DATATYPE, XSD_STRING, RDF_LANGSTRING))


def _matches_datatype(v, dt: str) -> bool:
    if type(v) is not L:
        return False
    lex, vdt, lang = v
    if lang == "":
        return False  # read by rdflib as ill-typed
    if vdt == dt:
        return True if dt == XSD_STRING else datatype_ok(lex, dt)
    if dt == RDFS_LITERAL:
        return True
    if dt == RDFS_DATATYPE:
        return vdt is not None
    if dt == XSD_STRING:
        return vdt is None and lang is None
    if dt == RDF_LANGSTRING:
        return lang is not None
    return False


# -- paths ----------------------------------------------------------------------------------------

PathFn = Callable[["Context", object], list]


def _compile_path(g: Graph, node) -> tuple[PathFn, object]:
    """A function (ctx, focus) -> value nodes (ordered, unique), and the path as SPARQL text."""
    if isinstance(node, URIRef):
        p = str(node)

        def predicate(ctx, f, _p=p):
            return ctx.data.objects(f, _p)

        return predicate, f"<{p}>"
    if isinstance(node, Literal):
        raise Unsupported(f"a literal as a property path: {node!r}")
    first = g.value(node, _RDF.first)
    if first is not None or node == _RDF.nil:
        items = [_compile_path(g, item) for item in Collection(g, node)]
        if len(items) < 2:
            raise Unsupported("a sequence path needs at least two members")

        def sequence(ctx, f, _items=[fn for fn, _ in items]):
            current = [f]
            for fn in _items:
                nxt: dict = {}
                for node_ in current:
                    for v in fn(ctx, node_):
                        nxt[v] = None
                current = list(nxt)
            return current

        return sequence, "/".join(f"({text})" for _, text in items)
    props = {p for p in g.predicates(node)}
    if props == {SH.inversePath}:
        inner, text = _compile_path(g, g.value(node, SH.inversePath))
        target = g.value(node, SH.inversePath)
        if isinstance(target, URIRef):
            p = str(target)

            def inverse(ctx, f, _p=p):
                return ctx.data.subjects(_p, f)

            return inverse, f"^<{p}>"
        raise Unsupported("inverse of a complex path")
    if props == {SH.alternativePath}:
        items = [_compile_path(g, item) for item in Collection(g, g.value(node, SH.alternativePath))]

        def alternative(ctx, f, _items=[fn for fn, _ in items]):
            out: dict = {}
            for fn in _items:
                for v in fn(ctx, f):
                    out[v] = None
            return list(out)

        return alternative, "|".join(f"({text})" for _, text in items)
    for name, minimum, many in (("zeroOrMorePath", 0, True), ("oneOrMorePath", 1, True), ("zeroOrOnePath", 0, False)):
        if props == {SH[name]}:
            inner, text = _compile_path(g, g.value(node, SH[name]))

            def repeat(ctx, f, _inner=inner, _min=minimum, _many=many):
                out: dict = {}
                if _min == 0:
                    out[f] = None
                frontier = [f]
                seen = {f} if _many else set()
                while frontier:
                    nxt = []
                    for node_ in frontier:
                        for v in _inner(ctx, node_):
                            out[v] = None
                            if _many and v not in seen:
                                seen.add(v)
                                nxt.append(v)
                    frontier = nxt if _many else []
                return list(out)

            suffix = {"zeroOrMorePath": "*", "oneOrMorePath": "+", "zeroOrOnePath": "?"}[name]
            return repeat, f"({text}){suffix}"
    raise Unsupported(f"unknown property path {node!r}")


# -- the compiled shapes --------------------------------------------------------------------------


@dataclass
class Result:
    focus: object
    path: object  # rdflib term (from the shapes graph) or an internal IRI (sh:closed, SPARQL ?path)
    value: object  # internal term or None
    shape: CShape
    component: str
    messages: tuple = ()
    source_constraint: Node | None = None  # rdflib term (SPARQL constraints)
    details: tuple = ()  # results nested under sh:detail (sh:node, as pyshacl reports them)


class _Recursion(Exception):
    pass


class Context:
    """What one validation run needs: the data, the hierarchy, memoised conformance checks."""

    __slots__ = ("data", "compiled", "_types", "_conforms", "_active", "_supers", "_subs", "own_edges")

    def __init__(self, data: Data, compiled: CompiledShapes, own_edges: Iterable = ()):
        self.data = data
        self.own_edges = list(own_edges)
        self.compiled = compiled
        self._conforms: dict = {}
        self._active: set = set()
        # class -> itself and its superclasses: the static hierarchy's (shared) unless the payload
        # adds subclass edges of its own
        self._supers = compiled._closure if not self.own_edges else None
        self._subs: dict | None = None

    def superclasses_map(self) -> dict:
        """Every class -> itself and its superclasses (with the payload's own subclass edges)."""
        if self._supers is None:
            self._supers = self.compiled.hierarchy_closure(self.own_edges)
        return self._supers

    def superclasses(self, cls) -> set:
        """cls and all its superclasses (rdfs:subClassOf* in the data graph, incl. the hierarchy)."""
        found = self.superclasses_map().get(cls)
        return found if found is not None else {cls}

    def is_instance(self, node, cls) -> bool:
        for t in self.data.objects(node, RDF_TYPE):
            if t == cls or cls in self.superclasses(t):
                return True
        return False

    def conforms(self, shape: CShape, node) -> bool:
        fn = shape.conforms_fn
        if shape.simple:
            return fn(self, self.data.spo, node) if fn is not None else shape.evaluate_one(self, node, None)
        key = (id(shape), node)
        found = self._conforms.get(key)
        if found is not None:
            return found
        if key in self._active:
            raise _Recursion()
        self._active.add(key)
        try:
            result = fn(self, self.data.spo, node) if fn is not None else shape.evaluate_one(self, node, None)
        finally:
            self._active.discard(key)
        self._conforms[key] = result
        return result


Check = Callable[[Context, object, list, "list | None"], bool]


@dataclass(eq=False)
class CShape:
    node: Node  # rdflib term of the shape in the shapes graph
    severity: URIRef = SH.Violation
    messages: tuple = ()
    deactivated: bool = False
    path: PathFn | None = None
    path_node: Node | None = None
    path_sparql: str | None = None
    predicate: str | None = None  # the path, when it is one IRI
    checks: list = field(default_factory=list)
    simple: bool = False  # only checks on its value nodes: cheaper to evaluate than to remember
    targets: tuple = ((), (), (), ())  # nodes, classes, subjects-of, objects-of
    # evaluate_one(ctx, f, None) as one generated function (ctx, spo, f) -> bool (fastcodegen)
    conforms_fn: Callable | None = None
    static_types: tuple = ()  # for a target shape: its target classes and their subclasses

    def evaluate(self, ctx: Context, focus_nodes, out: list | None) -> bool:
        """Validate each focus node; append results to ``out`` (or, if None, stop at the first failure)."""
        if self.deactivated:
            return True
        ok = True
        path = self.path
        checks = self.checks
        predicate = self.predicate
        for f in focus_nodes:
            if predicate is not None:
                by_p = ctx.data.spo.get(f)
                values = by_p.get(predicate, _EMPTY) if by_p is not None else _EMPTY
            else:
                values = [f] if path is None else path(ctx, f)
            for check in checks:
                if not check(ctx, f, values, out):
                    ok = False
                    if out is None:
                        return False
        return ok

    def evaluate_one(self, ctx: Context, f, out: list | None) -> bool:
        if self.deactivated:
            return True
        predicate = self.predicate
        if predicate is not None:
            by_p = ctx.data.spo.get(f)
            values = by_p.get(predicate, _EMPTY) if by_p is not None else _EMPTY
        else:
            values = [f] if self.path is None else self.path(ctx, f)
        ok = True
        for check in self.checks:
            if not check(ctx, f, values, out):
                ok = False
                if out is None:
                    return False
        return ok

    def focus_nodes(self, ctx: Context) -> list:
        nodes, classes, subjects_of, objects_of = self.targets
        found: dict = dict.fromkeys(nodes)
        pos = ctx.data.pos
        if classes:
            typed = pos.get(RDF_TYPE, _NO_OBJECTS)
            # (with the static hierarchy, the classes and their subclasses are known before the record)
            types = self.static_types if not ctx.own_edges and self.static_types else \
                [sub for cls in classes for sub in ctx.compiled.subclasses(cls, ctx)]
            for t in types:
                instances = typed.get(t)
                if instances:
                    found.update(dict.fromkeys(instances))
        for p in subjects_of:  # (the subjects in the order data.subject_objects gives them)
            for subjects in pos.get(p, _NO_OBJECTS).values():
                found.update(dict.fromkeys(subjects))
        for p in objects_of:  # (every object in pos has a subject)
            found.update(dict.fromkeys(pos.get(p, _NO_OBJECTS)))
        return list(found)


def _as_int(term) -> int:
    value = term.toPython() if isinstance(term, Literal) else None
    if not isinstance(value, int) or isinstance(value, bool):
        raise Unsupported(f"expected an integer, got {term!r}")
    return value


def _each_value(good: Callable[[Context, object], bool], component: str, result, spec=None) -> Check:
    """A check of each value node on its own: one result for every value that is not ``good``
    (with no result list: False at the first)."""

    def check(ctx, f, values, out):
        ok = True
        for v in values:
            if not good(ctx, v):
                ok = False
                if out is None:
                    return False
                result(out, f, v, component)
        return ok

    check.spec = spec
    return check


class _Compiler:
    def __init__(self, g: Graph):
        self.g = g
        self.shapes: dict = {}
        self.structures: dict = {}

    def shape(self, node) -> CShape:
        found = self.shapes.get(node)
        if found is not None:
            return found
        g = self.g
        shape = CShape(node=node)
        self.shapes[node] = shape
        for p in set(g.predicates(node)):
            if str(p).startswith(_SH) and str(p) not in _KNOWN_SHAPE_PARAMETERS:
                raise Unsupported(f"{p} on shape {node}")
        shape.severity = g.value(node, SH.severity) or SH.Violation
        shape.messages = tuple(g.objects(node, SH.message))
        deactivated = g.value(node, SH.deactivated)
        shape.deactivated = bool(isinstance(deactivated, Literal) and deactivated.toPython() is True)
        path = g.value(node, SH.path)
        if path is not None:
            shape.path, shape.path_sparql = _compile_path(g, path)
            shape.path_node = path
            if isinstance(path, URIRef):
                shape.predicate = str(path)
        shape.targets = (
            tuple(from_rdflib(t) for t in g.objects(node, SH.targetNode)),
            tuple(str(t) for t in g.objects(node, SH.targetClass)) + (tuple([str(node)]) if self._implicit_class(node) else ()),
            tuple(str(t) for t in g.objects(node, SH.targetSubjectsOf)),
            tuple(str(t) for t in g.objects(node, SH.targetObjectsOf)),
        )
        shape.checks = self._checks(shape)
        shape.simple = (shape.path is None or shape.predicate is not None) and not any(
            (node, q, None) in g for q in _NESTING
        )
        return shape

    def conformance_shape(self, node) -> CShape:
        """The shape behind sh:not/and/or/xone/node/qualifiedValueShape. A blank-node shape used only
        there reports nothing of its own, so structurally equal ones (the shapes repeat the same
        ``[ sh:not [ sh:class sbu:Vurdering ] ]`` many times) share one compiled shape, and so share
        the per-record memo of which nodes conform."""
        g = self.g
        if not isinstance(node, BNode) or (None, SH.property, node) in g or any((node, t, None) in g for t in _TARGETS):
            return self.shape(node)
        key = self._structure(node, 0)
        first = self.structures.get(key)
        if first is None:
            self.structures[key] = node
            return self.shape(node)
        return self.shape(first)

    def _structure(self, node, depth: int):
        if depth > 20:
            raise Unsupported("shape structure nested too deeply")
        if isinstance(node, BNode):
            return tuple(sorted(
                (str(p), self._structure(o, depth + 1)) for p, o in self.g.predicate_objects(node)
                if p not in (SH.name, SH.description, SH.order, SH.group)
            ))
        return node.n3()

    def _implicit_class(self, node) -> bool:
        if not isinstance(node, URIRef):
            return False
        g = self.g
        classes = {URIRef(RDFS_CLASS)} | set(g.subjects(URIRef(RDFS_SUBCLASSOF), URIRef(RDFS_CLASS)))
        return any(t in classes for t in g.objects(node, _RDF.type))

    def _list(self, node) -> list:
        try:
            return list(Collection(self.g, node))
        except Exception as exc:  # noqa: BLE001
            raise Unsupported(f"malformed RDF list {node!r}: {exc}") from None

    def _checks(self, shape: CShape) -> list:
        """The shape's checks: for each value of each constraint parameter on the shape, the check
        made by that parameter's constraint component (``_CONSTRAINT_COMPONENTS``, in its order)."""
        g, node = self.g, shape.node
        for pred in _SINGLE_VALUED:
            if len(list(g.objects(node, pred))) > 1:
                raise Unsupported(f"more than one {pred} on {node}")
        build = _Build(self, shape)
        checks: list = []
        for pred, component in _CONSTRAINT_COMPONENTS:
            for value in g.objects(node, pred):
                check = component(build, value)
                if check is not None:
                    checks.append(check)
        return checks


# -- the constraint components --------------------------------------------------------------------
# One function per SHACL Core constraint component (SHACL 1.0, section 4), as pySHACL has one class
# per component: it takes the shape being compiled and one value of the component's parameter, and
# returns the component's check of that value (or None when the value switches it off, as
# ``sh:closed false`` does). A check is ``(ctx, focus, value nodes, out) -> conforms``: with a result
# list it appends a ``Result`` per violation; without one (``out`` None) it stops at the first. Its
# ``spec`` (kind, argument) lets fastcodegen write the check inline.


class _Build:
    """What a constraint component's function reads: the compiler (the shapes graph, the other
    shapes), the shape being compiled, and ``result``, which records a result of that shape."""

    __slots__ = ("compiler", "g", "shape", "result")

    def __init__(self, compiler: _Compiler, shape: CShape):
        self.compiler, self.g, self.shape = compiler, compiler.g, shape

        def result(out, f, value, component, path=None, **extra):
            if out is not None:
                out.append(Result(f, shape.path_node if path is None else path, value, shape, component, shape.messages,
                                  **extra))

        self.result = result


def _is_true(term) -> bool:
    return isinstance(term, Literal) and term.toPython() is True


def _class_component(b: _Build, cls) -> Check:
    c = str(cls)
    return _each_value(lambda ctx, v: type(v) is not L and ctx.is_instance(v, c), _component("Class"), b.result,
                       ("class", c))


def _datatype_component(b: _Build, datatype) -> Check:
    d = str(datatype)
    return _each_value(lambda ctx, v: _matches_datatype(v, d), _component("Datatype"), b.result, ("datatype", d))


# sh:nodeKind value -> (an IRI, a blank node, a literal) allowed
_NODE_KINDS = {
    SH.IRI: (True, False, False), SH.BlankNode: (False, True, False), SH.Literal: (False, False, True),
    SH.BlankNodeOrIRI: (True, True, False), SH.BlankNodeOrLiteral: (False, True, True),
    SH.IRIOrLiteral: (True, False, True),
}


def _node_kind_component(b: _Build, kind) -> Check:
    allowed = _NODE_KINDS.get(kind)
    if allowed is None:
        raise Unsupported(f"unknown node kind {kind}")

    def kind_ok(ctx, v):
        t = type(v)
        return allowed[2 if t is L else 1 if t is B else 0]

    return _each_value(kind_ok, _component("NodeKind"), b.result, ("nodeKind", allowed))


def _count_component(name: str, b: _Build, limit) -> Check:
    """sh:minCount, sh:maxCount."""
    m = _as_int(limit)
    at_least = name == "MinCount"
    comp, result = _component(name), b.result

    def check_count(ctx, f, values, out):
        if (len(values) >= m) if at_least else (len(values) <= m):
            return True
        result(out, f, None, comp)
        return False

    check_count.spec = (name[0].lower() + name[1:], m)  # type: ignore[attr-defined]
    return check_count


# compare_literal(value, bound) -> whether the value is in range
_IN_RANGE = {"MinExclusive": lambda c: c > 0, "MinInclusive": lambda c: c >= 0,
             "MaxExclusive": lambda c: c < 0, "MaxInclusive": lambda c: c <= 0}


def _range_component(name: str, b: _Build, bound) -> Check:
    """sh:minExclusive, sh:minInclusive, sh:maxExclusive, sh:maxInclusive: compared as pyshacl
    compares them (rdflib literals)."""
    from pyshacl.rdfutil.compare import compare_literal

    if not isinstance(bound, Literal):
        raise Unsupported(f"sh:{name[0].lower() + name[1:]} must be a literal")
    bound_is_string = isinstance(bound.value, str)
    want = _IN_RANGE[name]

    def in_range(ctx, v):
        if type(v) is not L:
            return False
        lit = to_rdflib(v)
        if isinstance(lit.value, str) != bound_is_string:
            return False
        try:
            return want(compare_literal(lit, bound))
        except (TypeError, NotImplementedError):
            return False

    return _each_value(in_range, _component(name), b.result)


def _length_component(name: str, b: _Build, limit) -> Check:
    """sh:minLength, sh:maxLength."""
    m = _as_int(limit)
    minimum = name == "MinLength"

    def length_ok(ctx, v):
        if minimum and m == 0:
            return True
        if type(v) is B:
            return False
        n = len(lexical_as_rdflib(v)) if type(v) is L else len(v)
        return n >= m if minimum else n <= m

    return _each_value(length_ok, _component(name), b.result, ("length", (minimum, m)))


def _pattern_component(b: _Build, pattern) -> Check:
    """sh:pattern, with the shape's sh:flags."""
    flags = b.g.value(b.shape.node, SH.flags)
    re_flags = 0
    if flags is not None:
        text = str(flags).lower()
        re_flags = (re.I if "i" in text else 0) | (re.M if "m" in text else 0)
    compiled = re.compile(str(pattern), re_flags)

    def pattern_ok(ctx, v):
        t = type(v)
        return t is not B and compiled.search(lexical_as_rdflib(v) if t is L else v) is not None

    return _each_value(pattern_ok, _component("Pattern"), b.result, ("pattern", compiled))


def _language_in_component(b: _Build, languages) -> Check:
    wanted = {str(x).lower() for x in b.compiler._list(languages)}

    def language_ok(ctx, v):
        lang = v[2] if type(v) is L else None
        return bool(lang) and ("*" in wanted or lang.lower() in wanted or lang.split("-")[0].lower() in wanted)

    return _each_value(language_ok, _component("LanguageIn"), b.result)


def _unique_lang_component(b: _Build, unique) -> Check | None:
    if not _is_true(unique):
        return None
    comp, result = _component("UniqueLang"), b.result

    def check_unique_lang(ctx, f, values, out):
        seen, dup = set(), []
        for v in values:
            if type(v) is L and v[2]:
                low = v[2].lower()
                if low in seen:
                    if low not in dup:
                        dup.append(low)
                else:
                    seen.add(low)
        for _ in dup:
            result(out, f, None, comp)
        return not dup

    return check_unique_lang


def _pair_component(name: str, b: _Build, other_property) -> Check:
    """sh:equals, sh:disjoint, sh:lessThan, sh:lessThanOrEquals: the values against those of
    another property of the focus node."""
    if not isinstance(other_property, URIRef):
        raise Unsupported(f"sh:{name[0].lower() + name[1:]} must be an IRI")
    other = str(other_property)
    comp, result = _component(name), b.result

    def check_pair(ctx, f, values, out):
        others = ctx.data.objects(f, other)
        bad = []
        if name == "Equals":
            bad = [v for v in values if v not in others] + [o for o in others if o not in values]
        elif name == "Disjoint":
            bad = [v for v in values if v in others]
        else:
            for v in values:
                for o in others:
                    if type(v) is B or type(o) is B:
                        raise Unsupported("sh:lessThan on a blank node (pyshacl stops with an error)")
                    if not _less(v, o, name == "LessThanOrEquals"):
                        bad.append(v)
        for v in bad:
            result(out, f, v, comp)
        return not bad

    return check_pair


def _not_component(b: _Build, inner) -> Check:
    target = b.compiler.conformance_shape(inner)
    return _each_value(lambda ctx, v: not ctx.conforms(target, v), _component("Not"), b.result, ("not", target))


def _exactly_one(hits: Iterable[bool]) -> bool:
    return sum(1 for hit in hits if hit) == 1


_LOGIC = {"And": all, "Or": any, "Xone": _exactly_one}


def _logic_component(name: str, b: _Build, members_list) -> Check:
    """sh:and, sh:or, sh:xone: how many of the listed shapes each value conforms to."""
    members = [b.compiler.conformance_shape(m) for m in b.compiler._list(members_list)]
    decide = _LOGIC[name]

    def logic_ok(ctx, v):
        return decide(ctx.conforms(s, v) for s in members)

    return _each_value(logic_ok, _component(name), b.result, (name.lower(), members))


def _node_component(b: _Build, inner) -> Check:
    target = b.compiler.conformance_shape(inner)
    comp, result = _component("Node"), b.result

    def check_node(ctx, f, values, out):
        ok = True
        for v in values:
            if not ctx.conforms(target, v):
                ok = False
                if out is None:
                    return False
                # as pyshacl does, the node's own results are nested under sh:detail
                details: list = []
                target.evaluate_one(ctx, v, details)
                result(out, f, v, comp, details=tuple(details))
        return ok

    check_node.spec = ("node", target)  # type: ignore[attr-defined]
    return check_node


def _qualified_component(b: _Build, inner) -> Check:
    """sh:qualifiedValueShape with sh:qualifiedMinCount, sh:qualifiedMaxCount and
    sh:qualifiedValueShapesDisjoint (the sibling shapes' conforming values do not count)."""
    compiler, g, node = b.compiler, b.g, b.shape.node
    target = compiler.shape(inner)
    qmin_term, qmax_term = g.value(node, SH.qualifiedMinCount), g.value(node, SH.qualifiedMaxCount)
    qmin = _as_int(qmin_term) if qmin_term is not None else None
    qmax = _as_int(qmax_term) if qmax_term is not None else None
    siblings: list[CShape] = []
    if _is_true(g.value(node, SH.qualifiedValueShapesDisjoint)):
        for parent in g.subjects(SH.property, node):
            for prop in g.objects(parent, SH.property):
                siblings.extend(compiler.shape(sib) for sib in g.objects(prop, SH.qualifiedValueShape) if sib != inner)
    result = b.result

    def check_qualified(ctx, f, values, out):
        n = 0
        for v in values:
            if ctx.conforms(target, v) and not any(ctx.conforms(s, v) for s in siblings):
                n += 1
        ok = True
        if qmax is not None and n > qmax:
            ok = False
            result(out, f, None, _component("QualifiedMaxCount"))
        if qmin is not None and n < qmin:
            ok = False
            result(out, f, None, _component("QualifiedMinCount"))
        return ok

    check_qualified.spec = ("qualified", (target, tuple(siblings), qmin, qmax))  # type: ignore[attr-defined]
    return check_qualified


def _closed_component(b: _Build, closed) -> Check | None:
    """sh:closed true: the properties of sh:property's paths and sh:ignoredProperties only."""
    if not _is_true(closed):
        return None
    g, node = b.g, b.shape.node
    allowed = set()
    for prop in g.objects(node, SH.property):
        p = g.value(prop, SH.path)
        if isinstance(p, URIRef):
            allowed.add(str(p))
    for ignored in g.objects(node, SH.ignoredProperties):
        allowed.update(str(x) for x in b.compiler._list(ignored))
    comp, result = _component("Closed"), b.result

    def check_closed(ctx, f, values, out):
        ok = True
        for v in values:
            for p, o in ctx.data.predicate_objects(v):
                if p in allowed or (p == RDF_TYPE and o == RDFS_RESOURCE):
                    continue
                ok = False
                if out is None:
                    return False
                result(out, f, o, comp, path=p)
        return ok

    check_closed.spec = ("closed", frozenset(allowed))  # type: ignore[attr-defined]
    return check_closed


def _has_value_component(b: _Build, wanted) -> Check:
    w = from_rdflib(wanted)
    comp, result = _component("HasValue"), b.result

    def check_has_value(ctx, f, values, out):
        if w in values:
            return True
        result(out, f, None, comp)
        return False

    check_has_value.spec = ("hasValue", w)  # type: ignore[attr-defined]
    return check_has_value


def _in_component(b: _Build, members_list) -> Check:
    members = frozenset(from_rdflib(m) for m in b.compiler._list(members_list))
    return _each_value(lambda ctx, v: v in members, _component("In"), b.result, ("in", members))


def _sparql_component(b: _Build, constraint) -> Check:
    """sh:sparql with sh:select (compiled by fastsparql)."""
    from samtbu.validate.fast.sparql import compile_sparql_constraint

    g, shape = b.g, b.shape
    for p in g.predicates(constraint):
        if str(p).startswith(_SH) and p not in (SH.select, SH.prefixes, SH.message, SH.deactivated):
            raise Unsupported(f"{p} on SPARQL constraint {constraint}")
    if _is_true(g.value(constraint, SH.deactivated)):
        return lambda ctx, f, values, out: True
    select = g.value(constraint, SH.select)
    if select is None:
        raise Unsupported(f"SPARQL constraint {constraint} without sh:select")
    evaluator = compile_sparql_constraint(g, constraint, str(select), shape.path_sparql)
    messages = tuple(g.objects(constraint, SH.message))
    comp = _component("SPARQL")
    is_property = shape.path is not None

    def check_sparql(ctx, f, values, out):
        rows = evaluator(ctx, f)
        if not rows:
            return True
        if out is not None:
            for this, path, value, bindings in rows:
                if value is None and not is_property:
                    value = f
                out.append(Result(
                    this if this is not None else f,
                    path if path is not None else shape.path_node,
                    value, shape, comp, _sparql_messages(shape.messages, messages, bindings, this or f, value),
                    constraint,
                ))
        return False

    check_sparql.spec = ("sparql", evaluator)  # type: ignore[attr-defined]
    return check_sparql


def _property_component(b: _Build, prop) -> Check:
    target = b.compiler.shape(prop)
    if target.path is None:
        raise Unsupported(f"sh:property {prop} has no sh:path")

    def check_property(ctx, f, values, out):
        ok = True
        for v in values:
            if not target.evaluate_one(ctx, v, out):
                ok = False
                if out is None:
                    return False
        return ok

    check_property.spec = ("property", target)  # type: ignore[attr-defined]
    return check_property


# Parameters whose constraint component allows one value on a shape (more: pyshacl's business).
_SINGLE_VALUED = (SH.datatype, SH.nodeKind, SH.flags, SH.closed)

# Each constraint parameter -> the function of its constraint component, in the order the checks run
# (and so the order of a focus node's results): sh:property last, so that the results of the
# property shapes come after the node's own.
_CONSTRAINT_COMPONENTS: tuple[tuple[URIRef, Callable[[_Build, Any], Check | None]], ...] = (
    (SH["class"], _class_component),
    (SH.datatype, _datatype_component),
    (SH.nodeKind, _node_kind_component),
    (SH.minCount, partial(_count_component, "MinCount")),
    (SH.maxCount, partial(_count_component, "MaxCount")),
    (SH.minExclusive, partial(_range_component, "MinExclusive")),
    (SH.minInclusive, partial(_range_component, "MinInclusive")),
    (SH.maxExclusive, partial(_range_component, "MaxExclusive")),
    (SH.maxInclusive, partial(_range_component, "MaxInclusive")),
    (SH.minLength, partial(_length_component, "MinLength")),
    (SH.maxLength, partial(_length_component, "MaxLength")),
    (SH.pattern, _pattern_component),
    (SH.languageIn, _language_in_component),
    (SH.uniqueLang, _unique_lang_component),
    (SH.equals, partial(_pair_component, "Equals")),
    (SH.disjoint, partial(_pair_component, "Disjoint")),
    (SH.lessThan, partial(_pair_component, "LessThan")),
    (SH.lessThanOrEquals, partial(_pair_component, "LessThanOrEquals")),
    (SH["not"], _not_component),
    (SH["and"], partial(_logic_component, "And")),
    (SH["or"], partial(_logic_component, "Or")),
    (SH.xone, partial(_logic_component, "Xone")),
    (SH.node, _node_component),
    (SH.qualifiedValueShape, _qualified_component),
    (SH.closed, _closed_component),
    (SH.hasValue, _has_value_component),
    (SH["in"], _in_component),
    (SH.sparql, _sparql_component),
    (SH.property, _property_component),
)


def _less(a, b, or_equal: bool) -> bool:
    """pyshacl's sh:lessThan(OrEquals) comparison."""
    def plain(x):
        if type(x) is L:
            lit = to_rdflib(x)
            return (lit.value, True) if isinstance(lit.value, str) else (lit, False)
        return (str(x), True)

    av, a_str = plain(a)
    bv, b_str = plain(b)
    if a_str != b_str:
        return False
    try:
        return bool(av <= bv) if or_equal else bool(av < bv)
    except TypeError:
        return False


_MSG_VAR = re.compile(r"\{[?$]([A-Za-z_][A-Za-z0-9_]*)\}")


def _sparql_messages(shape_messages, messages, bindings, this, value) -> tuple:
    if shape_messages:
        return shape_messages
    out = []
    for m in messages:
        def sub(match):
            name = match.group(1)
            term = {"this": this, "value": value}.get(name) if name in ("this", "value") else bindings.get(name)
            if term is None:
                term = bindings.get(name)
            return match.group(0) if term is None else (term[0] if type(term) is L else str(term))

        out.append(Literal(_MSG_VAR.sub(sub, str(m)), lang=m.language))
    return tuple(out)


class CompiledShapes:
    """A shapes graph compiled once: target shapes with their checks, and the class hierarchy."""

    def __init__(self, shapes: Graph, hierarchy: Iterable[tuple[str, str]] = (), *, generate: bool = True):
        for s, p, o in shapes.triples((None, _RDF.type, None)):
            if o in (SH.ConstraintComponent, SH.SPARQLTarget, SH.SPARQLTargetType, SH.JSConstraint,
                     SH.SPARQLRule, SH.TripleRule, SH.JSRule, SH.JSTarget):
                raise Unsupported(f"{o} in the shapes graph")
        for p in (SH.target, SH.rule, SH.condition, SH.js, SH.ask):
            if (None, p, None) in shapes:
                raise Unsupported(f"{p} in the shapes graph")
        compiler = _Compiler(shapes)
        candidates: set = set()
        for pred in _TARGETS:
            candidates.update(shapes.subjects(pred, None))
        for t in _SHAPE_TYPES:
            for s in shapes.subjects(_RDF.type, t):
                if compiler._implicit_class(s):
                    candidates.add(s)
        # Every shape is compiled (so that unsupported features anywhere are found now), targeted or not.
        for t in _SHAPE_TYPES:
            for s in shapes.subjects(_RDF.type, t):
                compiler.shape(s)
        self.target_shapes = [compiler.shape(s) for s in sorted(candidates, key=str)]
        self.shapes = compiler.shapes
        self.hierarchy = list(hierarchy)
        self._closure = reachable(self.hierarchy)
        self._sub_closure = _inverse(self._closure)
        self.hierarchy_data = Data((s, RDFS_SUBCLASSOF, o) for s, o in self.hierarchy)
        # The types whose instances a class-targeting shape reaches, with the static hierarchy.
        for shape in self.target_shapes:
            shape.static_types = tuple(dict.fromkeys(
                sub for cls in shape.targets[1] for sub in self._sub_closure.get(cls, (cls,))))
        # Dispatch by the record's types: type -> the positions of the shapes that target its
        # instances by class only; the shapes with other targets (sh:targetNode, ...) run for every
        # record. A record's plan (by its set of types) lists the shapes it meets, in target order.
        self._always: tuple = tuple(i for i, shape in enumerate(self.target_shapes) if not shape.deactivated
                                    and (shape.targets[0] or shape.targets[2] or shape.targets[3]))
        self._by_type: dict = {}
        for i, shape in enumerate(self.target_shapes):
            if not shape.deactivated and i not in self._always:
                for t in shape.static_types:
                    self._by_type.setdefault(t, []).append(i)
        self._plans: dict = {}
        # For each type, one generated function: does an instance conform to every shape that
        # targets it by class (types with the same shapes share one). In an order that does not
        # depend on the hierarchy's: the compiled-model cache keeps the generated code by its text.
        groups = sorted({tuple(positions) for positions in self._by_type.values() if len(positions) > 1})
        generated = generate_conformance(
            self.shapes.values(), [[self.target_shapes[i] for i in group] for group in groups],
            closure=self._closure, sub_closure=self._sub_closure) if generate else None
        self._type_conforms: dict | None = None
        if generated is not None:
            for shape in self.shapes.values():
                shape.conforms_fn = generated[id(shape)]
            by_group = {group: generated[("all", i)] for i, group in enumerate(groups)}
            self._type_conforms = {t: by_group[tuple(positions)] if len(positions) > 1 else
                                   self.target_shapes[positions[0]].conforms_fn for t, positions in self._by_type.items()}

    def hierarchy_closure(self, data: list) -> dict:
        own = data
        if not own:
            return self._closure
        return reachable(self.hierarchy + own)

    def subclasses(self, cls, ctx: Context):
        """cls and its subclasses (transitively) in the data graph."""
        if ctx._subs is None:
            own = ctx.own_edges
            ctx._subs = self._sub_closure if not own else _inverse(reachable(self.hierarchy + own))
        return ctx._subs.get(cls, (cls,))

    def validate(self, data: Data) -> list[Result]:
        """All results for a data graph (payload triples; the hierarchy is added here)."""
        own = _own_subclass_edges(data)
        data = _with_hierarchy(data, self.hierarchy_data)
        ctx = Context(data, self, own)
        typed = data.pos.get(RDF_TYPE) or {}
        out: list[Result] = []
        try:
            if own:  # the payload's own subclass edges: every shape's focus nodes found anew
                for shape in self.target_shapes:
                    if not shape.deactivated:
                        self._check(ctx, shape, shape.focus_nodes(ctx), out)
                return out
            failing = self._failing(ctx, typed)
            if failing is None:
                # no function of the record's types: shape by shape
                for shape, types in self._plan(typed):
                    self._check(ctx, shape, self._focus(ctx, shape, types, typed), out)
                return out
            if not failing:
                return out  # every focus node conforms to every shape: no results
            # Shape by shape, in target order, for the nodes that failed: a node that the function of
            # one of its types found conforming conforms to every shape that targets that type.
            spo = ctx.data.spo
            for shape, types in self._plan(typed):
                if types is None:
                    nodes = failing.get(id(shape))
                    if nodes:
                        for f in nodes:
                            shape.evaluate_one(ctx, f, out)
                    continue
                suspects = failing.get(types[0], _NONE) if len(types) == 1 else \
                    set().union(*(failing.get(t, _NONE) for t in types))
                if not suspects:
                    continue
                conforms = shape.conforms_fn
                for f in self._focus(ctx, shape, types, typed):
                    if f in suspects and not conforms(ctx, spo, f):
                        shape.evaluate_one(ctx, f, out)
        except _Recursion:
            raise Unsupported("recursive shapes") from None
        return out

    @staticmethod
    def _focus(ctx: Context, shape: CShape, types: tuple | None, typed: dict):
        """A planned shape's focus nodes in the record."""
        if types is None:  # not only by class: sh:targetNode, sh:targetSubjectsOf, ...
            return shape.focus_nodes(ctx)
        if len(types) == 1:
            return typed[types[0]]
        # a node of two of the types is one focus node
        return list(dict.fromkeys(s for t in types for s in typed[t]))

    def _failing(self, ctx: Context, typed: dict) -> dict | None:
        """The nodes that do not conform (nearly every record has none): for each of the record's
        types, the instances that the one function of that type's shapes finds failing one of them,
        and for each shape with other targets (by its id), its failing focus nodes in order. Empty
        when every node conforms; None when the shapes have no generated functions."""
        by_type = self._type_conforms
        if by_type is None:
            return None
        spo = ctx.data.spo
        failing: dict = {}
        for t, instances in typed.items():
            conforms = by_type.get(t)
            if conforms is not None:
                for f in instances:
                    if not conforms(ctx, spo, f):
                        failing.setdefault(t, set()).add(f)
        for i in self._always:
            shape = self.target_shapes[i]
            conforms = shape.conforms_fn
            for f in shape.focus_nodes(ctx):
                if not conforms(ctx, spo, f):
                    failing.setdefault(id(shape), []).append(f)
        return failing

    def _plan(self, typed: dict) -> tuple:
        """The target shapes a record with these types meets, in target order, each with the types
        of the record that it targets (in the order of its static types), or None when its focus
        nodes are found otherwise (not only by class). The same for every record of one layout."""
        key = frozenset(typed)
        plan = self._plans.get(key)
        if plan is not None:
            return plan
        positions = set(self._always)
        for t in key:
            positions.update(self._by_type.get(t, ()))
        shapes = self.target_shapes
        plan = tuple(
            (shapes[i], None if i in self._always else tuple(t for t in shapes[i].static_types if t in key))
            for i in sorted(positions)
        )
        if len(self._plans) >= 4096:
            self._plans.clear()
        self._plans[key] = plan
        return plan

    @staticmethod
    def _check(ctx: Context, shape: CShape, focus, out: list) -> None:
        """The results of one target shape on its focus nodes."""
        if not focus:
            return
        conforms = shape.conforms_fn
        if conforms is None:
            shape.evaluate(ctx, focus, out)
            return
        # Ask only whether each node conforms; the reporting evaluation, which makes the results,
        # runs for the few that do not.
        spo = ctx.data.spo
        for f in focus:
            if not conforms(ctx, spo, f):
                shape.evaluate_one(ctx, f, out)


def _own_subclass_edges(data: Data) -> list:
    """rdfs:subClassOf triples of the payload itself (not of the shared hierarchy)."""
    by_o = data.pos.get(RDFS_SUBCLASSOF)
    if not by_o:
        return []
    return [(s, o) for o, subs in by_o.items() for s in subs if type(s) is not L and type(o) is not L]


def _inverse(closure: dict) -> dict:
    inverse: dict = {}
    for sub, sups in closure.items():
        for sup in sups:
            inverse.setdefault(sup, [sup]).append(sub) if sup != sub else inverse.setdefault(sup, [sup])
    return {k: tuple(dict.fromkeys(v)) for k, v in inverse.items()}


def _merge_index(base: dict, added: dict) -> dict:
    """A two-level index (key -> key -> list) of base plus added; base's inner dicts are copied only
    where added has the same outer key, and no value is listed twice."""
    merged = base.copy()
    merged.update(added)  # (a key of both stays where base has it)
    if len(merged) == len(base) + len(added):
        return merged  # no outer key in both (nearly every record: the payload says nothing of a class)
    for outer in base.keys() & added.keys():
        combined = {k: list(values) for k, values in base[outer].items()}
        for k, values in added[outer].items():
            current = combined.setdefault(k, [])
            current.extend(v for v in values if v not in current)
        merged[outer] = combined
    return merged


def _with_hierarchy(data: Data, base: Data) -> Data:
    """The payload plus the (static) class hierarchy: the hierarchy's index is shared, and copied
    only where the payload adds to the same subject or predicate."""
    if not base.triples:
        return data
    merged = Data.__new__(Data)
    spo = _merge_index(base.spo, data.spo)
    pos = _merge_index(base.pos, data.pos)
    merged.spo, merged.pos = spo, pos
    # (the hierarchy's triples are all rdfs:subClassOf: none is the payload's when it has none)
    merged.triples = data.triples + (base.triples if RDFS_SUBCLASSOF not in data.pos else
                                     [t for t in base.triples if not data.has(*t)])
    return merged


# -- what the report stage reads ------------------------------------------------------------------


def findings(results: list[Result]) -> list[Finding]:
    """The results as the report stage reads them: in rdflib terms, each one's nested results
    (sh:detail) after it, in the order a report graph of them lists its sh:ValidationResults."""
    out: list[Finding] = []
    for r in results:
        path = r.path
        if path is not None and not isinstance(path, (URIRef, BNode)):
            path = to_rdflib(path)
        out.append(Finding(
            to_rdflib(r.focus), path, None if r.value is None else to_rdflib(r.value), r.shape.node,
            URIRef(r.component), r.shape.severity,
            # (a graph holds a message once)
            tuple(dict.fromkeys(r.messages)) if r.messages else (Literal(_generic_message(r)),),
            r.source_constraint,
        ))
        if r.details:
            out.extend(findings(list(r.details)))
    return out


# -- the report graph -----------------------------------------------------------------------------


def _copy_path(shapes: Graph, path, report: Graph) -> None:
    if isinstance(path, BNode):
        for p, o in shapes.predicate_objects(path):
            report.add((path, p, o))
            _copy_path(shapes, o, report)


def report_graph(results: list[Result], shapes: Graph) -> Graph:
    """A SHACL validation report graph, as pyshacl writes it."""
    g = Graph(bind_namespaces="none")
    g.bind("sh", SH)
    report = BNode()
    g.add((report, _RDF.type, SH.ValidationReport))
    for r in results:
        node = BNode()
        g.add((report, SH.result, node))
        _add_result(g, node, r, shapes)
    g.add((report, SH.conforms, _FALSE if results else _TRUE))
    return g


_TRUE, _FALSE = Literal(True), Literal(False)


def _add_result(g: Graph, node, r: Result, shapes: Graph) -> None:
    g.add((node, _RDF.type, SH.ValidationResult))
    g.add((node, SH.focusNode, to_rdflib(r.focus)))
    g.add((node, SH.resultSeverity, r.shape.severity))
    g.add((node, SH.sourceConstraintComponent, URIRef(r.component)))
    g.add((node, SH.sourceShape, r.shape.node))
    if r.value is not None:
        g.add((node, SH.value, to_rdflib(r.value)))
    if r.path is not None:
        path = r.path if isinstance(r.path, (URIRef, BNode)) else to_rdflib(r.path)
        g.add((node, SH.resultPath, path))
        _copy_path(shapes, path, g)
    if r.source_constraint is not None:
        g.add((node, SH.sourceConstraint, r.source_constraint))
    for m in r.messages or (Literal(_generic_message(r)),):
        g.add((node, SH.resultMessage, m))
    for detail in r.details:
        child = BNode()
        g.add((node, SH.detail, child))
        _add_result(g, child, detail, shapes)


def _generic_message(r: Result) -> str:
    name = r.component.rsplit("#", 1)[-1].removesuffix("ConstraintComponent")
    where = n3(r.focus)
    if r.path is not None:
        where += f"->{r.path if isinstance(r.path, (URIRef, BNode)) else n3(r.path)}"
    value = f" (value {n3(r.value)})" if r.value is not None else ""
    return f"{name} constraint not satisfied on {where}{value}"


def result_key(r: Result, shapes: Graph | None = None) -> tuple:
    """(focus, path, source shape, component, severity, value) as comparable strings."""
    path = r.path
    path_text = None
    if path is not None:
        path_text = str(path) if not isinstance(path, BNode) else "(complex path)"
    return (
        n3(r.focus), path_text, str(r.shape.node) if not isinstance(r.shape.node, BNode) else "_:shape",
        r.component, str(r.shape.severity), None if r.value is None else n3(r.value),
    )


__all__ = ["CompiledShapes", "Unsupported", "InvalidShapes", "Result", "findings", "report_graph", "datatype_ok", "xsd_lexical_ok", "result_key"]
