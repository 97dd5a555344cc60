"""Every internal of rdflib and pyshacl that samtbu relies on, named, imported and called the way
samtbu calls it.

pyproject.toml caps rdflib and pyshacl to the versions tested. Before a cap is raised, this file
says which internal changed, and where samtbu uses it, instead of a validation result changing
somewhere else. The list is complete: a test below finds every import of a private rdflib or
pyshacl module in src/ and every rdflib SPARQL operator the fast engine calls, and fails on one
that is not named here.
"""

from __future__ import annotations

import ast
import importlib
import re
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import pytest
from rdflib import XSD, Literal, URIRef, Variable

REPO = Path(__file__).resolve().parents[1]
SRC = REPO / "src" / "samtbu"


def _ns(**kwargs):
    """The argument rdflib's operator functions take: an expression node with attributes."""
    return SimpleNamespace(**kwargs)


def _algebra_round_trips() -> bool:
    """A prepared query's algebra through samtbu.modelcache's pickling gives a query that answers the same."""
    from rdflib import Graph
    from rdflib.plugins.sparql import prepareQuery
    from rdflib.plugins.sparql.sparql import Query

    from samtbu.modelcache import dumps_algebra
    import pickle

    query = prepareQuery("SELECT ?x WHERE { ?x ?p ?o FILTER (STRLEN(STR(?o)) > 1 && ?o != 'b') }")
    again = Query(query.prologue, pickle.loads(dumps_algebra(query.algebra)))
    graph = Graph().parse(data="<urn:a> <urn:p> 'ab', 'b', 'abc' .", format="turtle")
    return sorted(map(str, graph.query(query))) == sorted(map(str, graph.query(again))) != []


# (module, name, where samtbu uses it, a call the way samtbu makes it -> what it must give)
INTERNALS = [
    ("rdflib.plugins.sparql.operators", "EBV", "fastsparql: effective boolean value of a typed literal",
     lambda f: f(Literal("true", datatype=XSD.boolean)) is True and f(Literal(0)) is False),
    ("rdflib.plugins.sparql.operators", "RelationalExpression", "fastsparql: comparing terms rdflib's way",
     lambda f: f(_ns(expr=Literal(1), other=Literal(2), op="<"), None) == Literal(True)),
    ("rdflib.plugins.sparql.operators", "AdditiveExpression", "fastsparql: arithmetic on mixed datatypes",
     lambda f: f(_ns(expr=Literal(1), op=["+"], other=[Literal(Decimal("1.5"))]), None) == Literal(Decimal("2.5"))),
    ("rdflib.plugins.sparql.operators", "default_cast", "fastsparql: casts such as xsd:integer(?x)",
     lambda f: f(_ns(iri=XSD.integer, expr=[Literal("42")]), None) == Literal(42)),
    ("rdflib.plugins.sparql.operators", "Builtin_SUBSTR", "fastsparql: SUBSTR",
     lambda f: f(_ns(arg=Literal("abcdef"), start=Literal(2), length=Literal(3)), None) == Literal("bcd")),
    ("rdflib.plugins.sparql.operators", "Builtin_YEAR", "fastsparql: YEAR of a date",
     lambda f: f(_ns(arg=Literal("2026-06-12", datatype=XSD.date)), None) == Literal(2026)),
    ("rdflib.plugins.sparql.operators", "Builtin_MONTH", "fastsparql: MONTH of a date",
     lambda f: f(_ns(arg=Literal("2026-06-12", datatype=XSD.date)), None) == Literal(6)),
    ("rdflib.plugins.sparql.operators", "Builtin_DAY", "fastsparql: DAY of a date",
     lambda f: f(_ns(arg=Literal("2026-06-12", datatype=XSD.date)), None) == Literal(12)),
    ("rdflib.plugins.sparql.sparql", "SPARQLError", "fastsparql: the error rdflib's operators raise",
     lambda c: issubclass(c, Exception)),
    ("rdflib.plugins.sparql.datatypes", "type_promotion", "fastsparql: the datatype of a numeric result",
     lambda f: f(XSD.integer, XSD.decimal) == XSD.decimal),
    ("rdflib.plugins.sparql.algebra", "translateGroupGraphPattern", "fastsparql: the pattern inside EXISTS",
     lambda f: callable(f)),
    ("rdflib.plugins.sparql.algebra", "translateQuery", "validate.engine: a parsed query, prepared once",
     lambda f: callable(f)),
    ("rdflib.plugins.sparql.parserutils", "CompValue", "modelcache: an algebra node, pickled by its name, items and attributes",
     lambda c: _algebra_round_trips() and issubclass(c, dict) and hasattr(c("X"), "name")),
    ("rdflib.plugins.sparql.parserutils", "Expr", "modelcache: an expression node, its evaluation function bound to itself",
     lambda c: _algebra_round_trips() and "_evalfn" in vars(c("X", evalfn=lambda e, ctx: None))),
    ("rdflib.plugins.sparql.parser", "parseQuery", "validate.engine: a query text, parsed once",
     lambda f: f("SELECT ?x WHERE { ?x ?p ?o }") is not None),
    ("rdflib.plugins.sparql", "prepareQuery", "fastsparql: a constraint's query as rdflib's algebra",
     lambda f: f("SELECT ?x WHERE { ?x ?p ?o }").algebra.name == "SelectQuery"),
    ("pyshacl.rdfutil.compare", "compare_literal", "fastengine: sh:minInclusive and the other range constraints",
     lambda f: f(Literal(1), Literal(2)) < 0 and f(Literal("2026-01-01", datatype=XSD.date), Literal("2025-01-01", datatype=XSD.date)) > 0),
    ("pyshacl", "validate", "validate.engine, share.profiles, crosswalk.elm (see the test of inplace below)",
     lambda f: callable(f)),
]


@pytest.mark.parametrize("module,name,where,check", INTERNALS, ids=[f"{m}.{n}" for m, n, _w, _c in INTERNALS])
def test_internal_is_there_and_behaves(module, name, where, check):
    version = _versions()
    try:
        thing = getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError) as exc:
        pytest.fail(f"{module}.{name} is gone in {version} ({exc}); samtbu uses it in {where}")
    try:
        ok = check(thing)
    except Exception as exc:  # noqa: BLE001 - any failure is the message
        pytest.fail(f"{module}.{name} is no longer called as samtbu calls it in {version}: {type(exc).__name__}: {exc} "
                    f"(used in {where})")
    assert ok, f"{module}.{name} gives another answer in {version} (used in {where})"


def _versions() -> str:
    from importlib.metadata import version

    return f"rdflib {version('rdflib')}, pyshacl {version('pyshacl')}"


# -- the SPARQL algebra the fast engine reads -----------------------------------------------------

# Names the fast engine only tests as prefixes (name.startswith(...)) or keeps for older rdflib.
NOT_NODE_NAMES = {"Additive", "Conditional", "Multiplicative", "Relational", "Unary", "Function", "GroupGraphPattern", "None"}


def _node_names_fastsparql_reads() -> set[str]:
    """The rdflib algebra and parser node names fastsparql dispatches on: its compiler's ``_Name``
    methods and the names it compares with a node's ``.name``."""
    tree = ast.parse((SRC / "validate" / "fast" / "sparql.py").read_text(encoding="utf-8"))
    pattern = re.compile(r"(Builtin_\w+|[A-Z][a-z]+[A-Za-z]*)")
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and pattern.fullmatch(node.value):
            names.add(node.value)
        if isinstance(node, ast.FunctionDef) and node.name.startswith("_") and pattern.fullmatch(node.name[1:]):
            names.add(node.name[1:])
    return names - NOT_NODE_NAMES


def test_algebra_node_names_still_made_by_rdflib():
    import rdflib.plugins.sparql as sparql

    folder = Path(sparql.__file__).parent
    source = "".join(p.read_text(encoding="utf-8") for p in folder.glob("*.py"))
    names = _node_names_fastsparql_reads()
    assert len(names) > 30, names  # the extraction found the compiler's methods
    gone = sorted(n for n in names if f'"{n}"' not in source and f"'{n}'" not in source)
    assert gone == [], f"the fast engine reads SPARQL algebra nodes that {_versions()} no longer makes: {gone}"


def test_algebra_shape_the_fast_engine_walks():
    """A query with every pattern the fast engine compiles: the tree has the nodes and the fields it reads."""
    from rdflib.plugins.sparql import prepareQuery

    query = prepareQuery("""
        PREFIX ex: <http://example.org/>
        SELECT $this ?value WHERE {
            $this ex:p ?value .
            OPTIONAL { ?value ex:q ?other }
            { ?value ex:r ?x } UNION { ?value ex:s ?x }
            BIND (STRLEN(STR(?value)) AS ?n)
            FILTER (?n > 1 && !BOUND(?other))
            FILTER NOT EXISTS { ?value ex:t ?y }
        }""")
    algebra = query.algebra
    assert algebra.name == "SelectQuery" and not algebra.datasetClause
    assert [str(v) for v in algebra.PV] == ["this", "value"]
    seen: dict[str, set[str]] = {}

    def walk(node):
        name = getattr(node, "name", None)
        if name is not None and hasattr(node, "items"):
            seen.setdefault(name, set()).update(k for k in node if not str(k).startswith("_"))
            for value in node.values():
                walk(value)
        elif isinstance(node, (list, tuple)):
            for value in node:
                walk(value)

    walk(algebra.p)
    expected = {
        "Project": {"p", "PV"}, "Filter": {"p", "expr"}, "Extend": {"p", "expr", "var"}, "LeftJoin": {"p1", "p2", "expr"},
        "Join": {"p1", "p2"}, "Union": {"p1", "p2"}, "BGP": {"triples"}, "ConditionalAndExpression": {"expr", "other"},
        "RelationalExpression": {"expr", "other", "op"}, "Builtin_NOTEXISTS": {"graph"}, "Builtin_STRLEN": {"arg"},
        "Builtin_BOUND": {"arg"}, "UnaryNot": {"expr"},
    }
    for name, fields in expected.items():
        assert name in seen, f"{_versions()}: no {name} node in the algebra (seen: {sorted(seen)})"
        assert fields <= seen[name], f"{_versions()}: the {name} node lacks {sorted(fields - seen[name])}"
    assert isinstance(algebra.PV[0], Variable)


# -- the list above is complete --------------------------------------------------------------------

PUBLIC = {"rdflib", "rdflib.namespace", "rdflib.term", "rdflib.collection", "rdflib.graph", "pyshacl"}


def _is_module(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def test_every_internal_used_in_src_is_named_here():
    named = {f"{m}.{n}" for m, n, _w, _c in INTERNALS}
    used: dict[str, str] = {}
    for path in sorted(SRC.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        where = str(path.relative_to(REPO))
        modules: dict[str, str] = {}  # local name -> rdflib/pyshacl module it stands for
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] in ("rdflib", "pyshacl", "owlrl"):
                for alias in node.names:
                    full = f"{node.module}.{alias.name}"
                    if _is_module(full):
                        modules[alias.asname or alias.name] = full
                    elif node.module not in PUBLIC or node.module == "pyshacl":
                        used[full] = where
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name.split(".")[0] in ("rdflib", "pyshacl", "owlrl"):
                        modules[alias.asname or alias.name] = alias.name
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in modules:
                module = modules[node.value.id]
                if module not in PUBLIC or module == "pyshacl":
                    used[f"{module}.{node.attr}"] = where
    # The fast engine also calls rdflib's Builtin_* operators by name (getattr) for the functions it
    # does not implement itself: test_algebra_node_names_still_made_by_rdflib checks those names.
    unnamed = sorted(f"{name} ({where})" for name, where in used.items() if name not in named)
    assert unnamed == [], f"rdflib/pyshacl internals used in src/ but not named in {Path(__file__).name}: {unnamed}"
    assert {"rdflib.plugins.sparql.operators.EBV", "pyshacl.rdfutil.compare.compare_literal"} <= set(used), used


# -- how the pyshacl engine is called ------------------------------------------------------------------


def test_pyshacl_queries_the_graph_it_is_given_and_each_query_is_parsed_once(monkeypatch):
    """validate.engine hands pyshacl its own graph (inplace=True) whose queries are parsed once per
    process: pyshacl must query that graph itself, not a copy, and no query text is parsed twice."""
    from rdflib import Graph
    from rdflib.plugins.sparql import parser, processor

    from samtbu.validate.engine import PreparedQueryGraph, shacl_validate

    shapes = Graph().parse(data="""
        @prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://example.org/> .
        ex:S a sh:NodeShape ; sh:targetClass ex:C ;
            sh:sparql [ sh:select "SELECT $this WHERE { $this <http://example.org/p> ?v . FILTER (?v > 3) }" ] .
    """, format="turtle")
    data = Graph().parse(data="""
        @prefix ex: <http://example.org/> . ex:a a ex:C ; ex:p 5 . ex:b a ex:C ; ex:p 1 .
    """, format="turtle")
    triples = set(data)
    parses, queried = [], []
    original_parse = parser.parseQuery

    def counting(text, *args, **kwargs):
        parses.append(text)
        return original_parse(text, *args, **kwargs)

    monkeypatch.setattr(parser, "parseQuery", counting)
    monkeypatch.setattr(processor, "parseQuery", counting)
    original_query = PreparedQueryGraph.query

    def spy(self, *args, **kwargs):
        queried.append(self)
        return original_query(self, *args, **kwargs)

    monkeypatch.setattr(PreparedQueryGraph, "query", spy)
    first = shacl_validate(data, shapes, advanced=True)
    assert queried, f"{_versions()}: pyshacl did not query the graph it was given with inplace=True"
    before = len(parses)
    second = shacl_validate(data, shapes, advanced=True)
    assert len(parses) == before, f"{_versions()}: a query was parsed again: {parses[before:]}"
    assert first[0] is False and second[0] is False
    assert set(data) == triples  # the caller's graph is untouched
