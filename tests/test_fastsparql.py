"""The fast engine's SPARQL evaluator against rdflib's on the query shapes the model's constraints use:
relational tests on dates, strings and numbers, DATATYPE tests, arithmetic and casts, filters over
joins and unions. Data values are drawn at random, ill-typed ones included."""

from __future__ import annotations

import logging
from types import SimpleNamespace

import pytest

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from rdflib import BNode, Graph, Literal, Namespace, URIRef, Variable
from rdflib.namespace import XSD

from samtbu.validate.fast.sparql import compile_sparql_constraint
from samtbu.validate.fast.terms import Data, from_rdflib

EX = Namespace("http://example.org/")
PREFIXES = "PREFIX ex: <http://example.org/>\nPREFIX xsd: <http://www.w3.org/2001/XMLSchema#>\n"

QUERIES = [
    # DATATYPE tests and date order, over a join with a union (the learner's birth date rule)
    """SELECT DISTINCT $this ?value WHERE { $this ex:a ?value . { ?x ex:of $this . } UNION { ?d ex:to $this ; ex:has ?x . }
       ?x ex:when ?w . FILTER (DATATYPE(?value) = xsd:date && DATATYPE(?w) = xsd:date && ?w <= ?value) }""",
    """SELECT $this ?value WHERE { $this ex:a ?value ; ex:b ?b . FILTER (DATATYPE(?b) != xsd:date || ?value > ?b) }""",
    """SELECT $this ?value WHERE { $this ex:a ?value . ?value ex:when ?w . $this ex:b ?b . FILTER (?w > ?b) }""",
    """SELECT $this ?value WHERE { $this ex:a ?value . FILTER (?value = ex:one || ?value != ex:two) }""",
    """SELECT $this ?value WHERE { $this ex:a ?value ; ex:b ?b . FILTER (?value < ?b || ?value = ?b) }""",
    # arithmetic and casts (the check-digit rules)
    """SELECT $this ?value WHERE { $this ex:a ?value . FILTER (REGEX(STR(?value), "^[0-9]{3}$"))
       BIND (xsd:integer(SUBSTR(STR(?value), 1, 1)) AS ?d1) BIND (xsd:integer(SUBSTR(STR(?value), 2, 1)) AS ?d2)
       BIND (xsd:integer(SUBSTR(STR(?value), 3, 1)) AS ?d3) BIND (3*?d1 + 7*?d2 + ?d3 AS ?s)
       FILTER ((?s - 11 * FLOOR(?s / 11)) != 0) }""",
    """SELECT $this ?value WHERE { $this ex:a ?value ; ex:b ?b . BIND (?value + ?b AS ?s) FILTER (?s > 2) }""",
    """SELECT $this ?value WHERE { $this ex:a ?value ; ex:b ?b . BIND (?value - 1.5 AS ?s) FILTER (?s >= ?b) }""",
    # conjuncts written into the join plans: two variables compared (IRIs, dates, anything), DATATYPE
    """SELECT $this ?value WHERE { $this ex:a ?value ; ex:b ?b . FILTER (?value != ?b && DATATYPE(?b) != xsd:integer) }""",
    """SELECT $this ?value WHERE { $this ex:a ?value . ?n ex:when ?w . FILTER (?w = ?value) }""",
    # a digit cast of any value's text, and the parts of a date asked one after another
    """SELECT $this ?value WHERE { $this ex:a ?value . BIND (xsd:integer(SUBSTR(STR(?value), 2, 2)) AS ?n)
       FILTER (?n > 1 || DAY(?value) > 10 || MONTH(?value) < 12) }""",
]

VALUES = st.sampled_from([
    Literal("2024-06-20", datatype=XSD.date), Literal("2001-01-31", datatype=XSD.date),
    Literal("2024-6-2", datatype=XSD.date), Literal("not a date", datatype=XSD.date),
    Literal("2024-06-20"), Literal("abc"), Literal("ABC", lang="nb"), Literal("123"), Literal("0"),
    Literal("7", datatype=XSD.integer), Literal("-3", datatype=XSD.integer), Literal("2.5", datatype=XSD.decimal),
    Literal("1e2", datatype=XSD.double), Literal("x", datatype=XSD.integer), Literal("true", datatype=XSD.boolean),
    Literal("2024", datatype=XSD.gYear), Literal("123", datatype=XSD.string), Literal("-12"), Literal("81234567890123"),
    Literal("2024-06-20T23:30:00", datatype=XSD.dateTime), Literal("2024-06-20+02:00", datatype=XSD.date),
    EX.one, EX.two, EX.n1, EX.n2,
])
NODES = st.sampled_from([EX.f, EX.n1, EX.n2, EX.d])
PREDICATES = st.sampled_from([EX.a, EX.b, EX.when, EX.of, EX.to, EX.has])


@st.composite
def graphs(draw):
    g = Graph()
    g.add((EX.f, EX.a, draw(VALUES)))
    g.add((EX.f, EX.b, draw(VALUES)))
    for _ in range(draw(st.integers(0, 14))):
        p = draw(PREDICATES)
        o = draw(NODES) if p in (EX.of, EX.to, EX.has) else draw(VALUES)
        g.add((draw(NODES), p, o))
    return g


def _rows_rdflib(g: Graph, query: str) -> set:
    try:
        rows = list(g.query(PREFIXES + query, initBindings={"this": EX.f}))
    except Exception:  # noqa: BLE001 - rdflib fails on some ill-typed values; nothing to compare then
        return None
    return {(str(r[0]), str(from_rdflib(r[1])) if r[1] is not None else None) for r in rows}


def _rows_fast(g: Graph, query: str) -> set:
    shapes = Graph()
    constraint = BNode()
    evaluate = compile_sparql_constraint(shapes, constraint, PREFIXES + query, None)
    data = Data([(from_rdflib(s), from_rdflib(p), from_rdflib(o)) for s, p, o in g])
    rows = evaluate(SimpleNamespace(data=data), str(EX.f))
    return {(str(this if this is not None else EX.f), str(value) if value is not None else None) for this, _p, value, _b in rows}


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(graphs(), st.sampled_from(range(len(QUERIES))))
def test_fast_sparql_same_rows_as_rdflib(g: Graph, which: int):
    logging.getLogger("rdflib.term").setLevel(logging.CRITICAL)
    query = QUERIES[which]
    # rdflib drops every row of a BIND once one binding adds an ill-typed number ("x"^^xsd:integer),
    # where SPARQL 1.1 (18.6, Extend) leaves only that row's variable unbound; the fast engine follows
    # the standard (pinned below), so such graphs are not compared here
    assume(not ("BIND (?value" in query and any(_ill_typed_number(o) for o in g.objects())))
    expected = _rows_rdflib(g, query)
    if expected is None:
        return
    assert _rows_fast(g, query) == expected


def _ill_typed_number(term) -> bool:
    return isinstance(term, Literal) and term.datatype in (XSD.integer, XSD.decimal, XSD.double) and term.ill_typed


def test_an_ill_typed_number_in_a_bind_unbinds_only_its_own_row():
    g = Graph()
    for triple in [(EX.f, EX.a, Literal("7", datatype=XSD.integer)), (EX.f, EX.b, Literal("7", datatype=XSD.integer)),
                   (EX.f, EX.b, Literal("x", datatype=XSD.integer))]:
        g.add(triple)
    assert _rows_fast(g, QUERIES[6]) == {(str(EX.f), "'7'^^<http://www.w3.org/2001/XMLSchema#integer>")}


_DATE = XSD.date
FOUND = [
    # (why, query, triples): each query yields rows on some graph, so the comparison is not vacuous
    ("a date before the birth date", 0, [(EX.f, EX.a, Literal("2001-01-31", datatype=_DATE)), (EX.n1, EX.of, EX.f),
                                         (EX.n1, EX.when, Literal("2000-01-01", datatype=_DATE))]),
    ("equal dates: <= holds", 0, [(EX.f, EX.a, Literal("2001-01-31", datatype=_DATE)), (EX.n1, EX.of, EX.f),
                                  (EX.n1, EX.when, Literal("2001-01-31", datatype=_DATE))]),
    ("DATATYPE(?b) != xsd:date on a plain string", 1, [(EX.f, EX.a, Literal("a")), (EX.f, EX.b, Literal("b"))]),
    ("a wrong check digit", 5, [(EX.f, EX.a, Literal("124"))]),
    ("two different dates", 8, [(EX.f, EX.a, Literal("2024-06-20", datatype=_DATE)),
                                (EX.f, EX.b, Literal("2001-01-31", datatype=_DATE))]),
    ("the same date on another node", 9, [(EX.f, EX.a, Literal("2001-01-31", datatype=_DATE)),
                                          (EX.n1, EX.when, Literal("2001-01-31", datatype=_DATE))]),
    ("digits 2-3 of the text are 23", 10, [(EX.f, EX.a, Literal("123"))]),
]


@pytest.mark.parametrize("why,which,triples", FOUND, ids=[f[0] for f in FOUND])
def test_the_queries_find_something(why: str, which: int, triples: list):
    g = Graph()
    for t in triples:
        g.add(t)
    assert _rows_fast(g, QUERIES[which]) == _rows_rdflib(g, QUERIES[which]) != set()


# -- shapes SHACL rules out (section 5.3.1): refused by both engines, one clear error ----------------

REBINDS_THIS = """
sbus:RebindsThis a sh:NodeShape ;
    sh:targetClass sbu:Vurdering ;
    sh:sparql [ sh:select "SELECT $this WHERE { BIND (true AS $this) . }" ] .
"""


@pytest.mark.parametrize("engine", ["fast", "pyshacl"])
def test_a_profile_that_binds_this_is_refused_by_both_engines(tmp_path, engine):
    import shutil

    from samtbu.model import Model, ModelError
    from samtbu.validate import validate

    from conftest import REPO

    for folder in ("ontology", "vocab", "shapes", "contexts"):
        shutil.copytree(REPO / folder, tmp_path / folder)
    profile = tmp_path / "shapes" / "profiler" / "enkeltresultat.ttl"
    profile.write_text(profile.read_text(encoding="utf-8") + REBINDS_THIS, encoding="utf-8")
    model = Model.load(tmp_path)
    with pytest.raises(ModelError, match=r"binds the pre-bound variable \$this|re-bind .*this") as refused:
        validate(REPO / "examples" / "enkeltresultat.json", "enkeltresultat", model=model, engine=engine)
    assert "enkeltresultat" in str(refused.value) or "RebindsThis" in str(refused.value)
