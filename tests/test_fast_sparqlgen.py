"""The generated SPARQL queries (samtbu.validate.fast.sparqlgen) against the closure path they replace
(samtbu.validate.fast.sparql with GENERATED_QUERIES off): the same rows, in the same order, for every
SPARQL constraint of the model (Grep's included) on every node of the examples and fixtures, on
random graphs for the query shapes of test_fastsparql, and on the W3C SHACL-SPARQL tests."""

from __future__ import annotations

import logging
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path
from types import SimpleNamespace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rdflib import Graph, URIRef
from rdflib.namespace import SH

from samtbu.validate.fast import sparql
from samtbu.validate.fast.terms import Data, from_rdflib

from conftest import anchors_dir
from test_fastsparql import PREFIXES, QUERIES, graphs

ROOT = Path(__file__).resolve().parents[1]


def _constraints(g: Graph) -> list:
    """(shapes graph, constraint, select, $PATH text) of every sh:sparql with sh:select in ``g``."""
    found = []
    for shape, constraint in g.subject_objects(SH.sparql):
        select = g.value(constraint, SH.select)
        if select is None:
            continue
        path = g.value(shape, SH.path)
        found.append((g, constraint, str(select), f"<{path}>" if isinstance(path, URIRef) else None))
    return found


def _both(args):
    """The constraint compiled with the generated query and with closures alone (fresh each time)."""
    out = []
    for generated in (True, False):
        sparql.GENERATED_QUERIES = generated
        sparql.forget_compiled_queries()
        try:
            out.append(sparql.compile_sparql_constraint(*args))
        finally:
            sparql.GENERATED_QUERIES = True
    sparql.forget_compiled_queries()
    return out


def _query_of(args):
    sparql.forget_compiled_queries()
    sparql.compile_sparql_constraint(*args)
    (_pattern, _locality, query), = sparql._QUERY_CACHE.values()
    return query


def _data(triples) -> tuple[SimpleNamespace, list]:
    data = Data(triples)
    nodes = list(dict.fromkeys([s for s, _p, _o in data.triples] + [o for _s, _p, o in data.triples if type(o) is str]))
    return SimpleNamespace(data=data), nodes


def _agree(args, records) -> int:
    generated, closures = _both(args)
    compared = 0
    for ctx, nodes in records:
        for node in nodes:
            assert generated(ctx, node) == closures(ctx, node), (args[2], node)
            compared += 1
    return compared


@pytest.fixture(scope="module")
def model_constraints():
    g = Graph()
    for path in sorted((ROOT / "shapes").rglob("*.ttl")):  # the modules, the profiles, Grep
        g.parse(path, format="turtle")
    return _constraints(g)


@pytest.fixture(scope="module")
def records():
    """Every example and fixture payload, each as (context, its nodes)."""
    from samtbu.model import Model
    from samtbu.validate import read_any

    logging.getLogger("rdflib.term").setLevel(logging.CRITICAL)
    model = Model.load()
    out = []
    paths = sorted((ROOT / "examples").glob("*.json")) + sorted((ROOT / "tests" / "fixtures").rglob("*.json"))
    for path in paths:
        try:
            payload = read_any(path.read_bytes(), source=str(path), model=model)
        except Exception:  # noqa: BLE001 - a fixture the reader refuses has no graph to compare on
            continue
        out.append(_data(payload.triples))
    assert len(out) >= 20, "too few payloads read"
    return out


def test_every_sparql_constraint_of_the_model_is_generated(model_constraints):
    missing = [args[2] for args in model_constraints if _query_of(args) is None]
    assert len(model_constraints) >= 40
    assert not missing, f"left to the closure path: {missing}"


def test_generated_rows_equal_the_closure_path_on_every_payload(model_constraints, records):
    compared = sum(_agree(args, records) for args in model_constraints)
    assert compared > 10_000


def test_the_comparison_sees_rows(model_constraints, records):
    """The fixtures make the constraints report something: the equality above is not of empty lists."""
    with_rows = set()
    for args in model_constraints:
        generated, _closures = _both(args)
        for ctx, nodes in records:
            if any(generated(ctx, node) for node in nodes):
                with_rows.add(args[1])
                break
    assert len(with_rows) >= 10


QUOTES = '"' * 3


def _query_args(query: str):
    turtle = ("@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://example.org/> .\n"
              f"ex:S sh:path ex:a ; sh:sparql ex:C . ex:C sh:select {QUOTES}{query}{QUOTES} .")
    return Graph().parse(data=turtle, format="turtle"), URIRef("http://example.org/C"), query, "<http://example.org/a>"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(graphs(), st.integers(0, len(QUERIES) - 1))
def test_generated_rows_equal_the_closure_path_on_random_graphs(g: Graph, which: int):
    args = _query_args(PREFIXES + QUERIES[which])
    assert _query_of(args) is not None
    ctx, nodes = _data([(from_rdflib(s), from_rdflib(p), from_rdflib(o)) for s, p, o in g])
    _agree(args, [(ctx, nodes)])


# Queries on the generator's own fast paths (what the model's rules use), compared with the closure path
# on random graphs: two variables known to be xsd:date literals (after DATATYPE(?v) = xsd:date),
# simple-literal text expressions (STR, SUBSTR, CONCAT) compared as text, REGEX matches remembered per
# text, digit casts remembered per text and check-digit sums over them, a set for the look-ups in the
# focus node's values inside a loop, an index entry reused by a later pattern on the same subject,
# NOW() without an rdflib Literal, nested && checked one conjunct at a time.
FAST_PATHS = [
    """SELECT $this ?value WHERE { $this $PATH ?value . ?n ex:when ?w .
       FILTER (DATATYPE(?value) = xsd:date && DATATYPE(?w) = xsd:date && ?w <= ?value) }""",
    """SELECT DISTINCT $this ?value WHERE { $this $PATH ?value .
       { ?v ex:of $this } UNION { ?d ex:to $this ; ex:has ?v }
       ?v ex:when ?w . FILTER (DATATYPE(?value) = xsd:date && (DATATYPE(?w) = xsd:date && ?w != ?value)) }""",
    """SELECT $this ?value WHERE { $this $PATH ?value ; ex:b ?b .
       FILTER (REGEX(STR(?b), "^[0-9]{4}") && DATATYPE(?value) = xsd:date)
       FILTER (STR(?value) < CONCAT(SUBSTR(STR(?b), 1, 4), "-08-01") || STR(?value) > CONCAT(SUBSTR(STR(?b), 6, 4), "-07-31")) }""",
    """SELECT $this ?value WHERE { $this $PATH ?value ; ex:b ?b . FILTER (SUBSTR(STR(?value), 2, 3) != STR(?b)) }""",
    """SELECT $this ?value WHERE { $this $PATH ?value ; ex:b ?b . FILTER (REGEX(STR(?value), "^[a-z0-9]") && REGEX(STR(?b), "[0-9]$"))
       BIND (xsd:integer(SUBSTR(STR(?value), 1, 2)) AS ?d1) BIND (xsd:integer(SUBSTR(STR(?b), 1, 1)) AS ?d2)
       BIND (3*?d1 + ?d2 AS ?s) FILTER ((?s - 11 * FLOOR(?s / 11)) != 0) }""",
    """SELECT DISTINCT $this ?value WHERE { $this $PATH ?x . ?x ex:of ?value ; ex:when ?t .
       ?y ex:of ?value ; ex:when ?t . FILTER (?x != ?y) $this $PATH ?y . }""",
    """SELECT $this ?value WHERE { $this $PATH ?value . FILTER (DATATYPE(?value) = xsd:date && STR(?value) > SUBSTR(STR(NOW()), 1, 10)) }""",
    # numbers of known kinds compared and summed as Python integers: digit casts, IF of them, sums with a
    # constant, YEAR/MONTH/DAY of any value, the modulo idiom of a year and of a check-digit sum
    """SELECT $this ?value WHERE { $this $PATH ?value ; ex:b ?d .
       BIND (xsd:integer(SUBSTR(STR(?value), 1, 2)) AS ?dd) BIND (xsd:integer(SUBSTR(STR(?value), 2, 1)) AS ?mm)
       BIND (xsd:integer(SUBSTR(STR(?value), 3, 2)) AS ?yy)
       BIND (IF(?dd > 40, ?dd - 40, ?dd) AS ?dag) BIND (IF(?mm > 5, ?mm - 5, IF(?mm > 2, ?mm - 2, ?mm)) AS ?m2)
       FILTER ((?dag != DAY(?d) || ?m2 != MONTH(?d)) && ?yy = YEAR(?d) - 100 * FLOOR(YEAR(?d) / 100)) }""",
    """SELECT $this ?value WHERE { $this $PATH ?value .
       BIND (xsd:integer(SUBSTR(STR(?value), 1, 1)) AS ?d1) BIND (xsd:integer(SUBSTR(STR(?value), 2, 2)) AS ?d2)
       BIND (3*?d1 + 7*?d2 AS ?s) BIND (?d1 + ?d2 - 3 AS ?t)
       FILTER (!((?d1 >= 1 && ?d1 <= 3) || (?t >= 4 && ?t <= 50)) || (?s - 11 * FLOOR(?s / 11)) = 9 || ?t = ?d2) }""",
    # (the computed number itself as the value: the same term)
    """SELECT $this ?value WHERE { $this $PATH ?x ; ex:b ?d . BIND (xsd:integer(SUBSTR(STR(?x), 1, 2)) AS ?n)
       BIND (IF(?n > 3, ?n - 3 + YEAR(?d), ?n + 1) AS ?value) FILTER (?value > 2) }""",
    """SELECT $this ?value WHERE { $this $PATH ?x . BIND (xsd:integer(SUBSTR(STR(?x), 1, 3)) AS ?s)
       BIND ((?s - 7 * FLOOR(?s / 7)) + ?s AS ?value) }""",
    # what follows a UNION once per value of the variables the branches bind and the rest reads (a branch
    # binding one that another does not; nested; a blank node of a branch)
    """SELECT $this ?value ?d WHERE { $this $PATH ?value . { ?v ex:of $this } UNION { ?d ex:to ?v } UNION { ?v ex:has [ ex:of ?d ] }
       ?v ex:when ?w . FILTER (DATATYPE(?w) = xsd:date || BOUND(?d)) }""",
]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(graphs(), st.integers(0, len(FAST_PATHS) - 1))
def test_generated_fast_paths_equal_the_closure_path_on_random_graphs(g: Graph, which: int):
    args = _query_args(PREFIXES + FAST_PATHS[which])
    assert _query_of(args) is not None
    ctx, nodes = _data([(from_rdflib(s), from_rdflib(p), from_rdflib(o)) for s, p, o in g])
    _agree(args, [(ctx, nodes)])


def test_the_fast_paths_are_written():
    """The queries above do meet the fast paths (else the comparison would test the general code)."""
    sources = [_query_of(_query_args(PREFIXES + q)).source for q in FAST_PATHS]
    assert "PLAIN_DATES.get(v" in sources[0] and "_compare('<='" in sources[0]
    assert "PLAIN_DATES.get(v" in sources[1] and "except _Found:" in sources[1]  # the search ends at the row
    assert ".search(" in sources[2] and "_concat_values" not in sources[2]
    assert "INTEGERS.get(" in sources[4] and " is N and type(" not in sources[4]  # the sum without type guards
    assert "{(x, type(x)) for x in" in sources[5]
    assert "_now_term()" in sources[6]
    once = r"if t\d+\.get\(v\d+\) is type\(v\d+\):"  # after a UNION, once per value (a dict by the value, or by a tuple of values)
    assert re.search(once, sources[1]) and re.search(r"if t\d+ in t\d+:", sources[-1])
    for source in sources[7:10]:  # numbers as Python integers: no call of the general arithmetic and comparison
        assert "_add_values" not in source and "_compare(" not in source and "_mul_values" not in source


@pytest.mark.parametrize("now", [
    datetime(2026, 12, 4, 13, 9, 17, 399337, tzinfo=timezone.utc), datetime(2026, 1, 1, tzinfo=timezone.utc),
    datetime(2025, 6, 30, 23, 59, 59, 1, tzinfo=timezone(timedelta(hours=2))), datetime(2024, 2, 29, 12, 0),
])
def test_now_is_the_closure_paths_now(monkeypatch, now):
    from rdflib import Literal

    from samtbu.validate.fast import sparqlgen

    monkeypatch.setattr(sparql, "_NOW_VALUE", now)
    assert sparqlgen._now_term() == sparql._from_r(Literal(sparql._now()))


def _w3c_sparql_cases() -> list[Path]:
    suite = anchors_dir() / "w3c-shacl-tests" / "sparql"
    return sorted(suite.rglob("*.ttl")) if suite.is_dir() else []


W3C = _w3c_sparql_cases()


@pytest.mark.skipif(not W3C, reason="the W3C SHACL test suite is not in the anchors (SAMTBU_ANCHORS)")
@pytest.mark.parametrize("case", W3C, ids=lambda p: p.stem)
def test_generated_rows_equal_the_closure_path_on_the_w3c_sparql_tests(case: Path):
    logging.getLogger("rdflib.term").setLevel(logging.CRITICAL)
    g = Graph().parse(case, format="turtle", publicID=case.as_uri())
    constraints = _constraints(g)
    if not constraints:
        pytest.skip("no SPARQL constraint in this file")
    ctx, nodes = _data([(from_rdflib(s), from_rdflib(p), from_rdflib(o)) for s, p, o in g])
    for args in constraints:
        try:
            _agree(args, [(ctx, nodes)])
        except (sparql.Unsupported, sparql.InvalidShapes):
            continue  # refused by the closure path too: the profile goes to pyshacl, or is rejected
