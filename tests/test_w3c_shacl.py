"""The fast engine against the W3C SHACL test suite (core and SHACL-SPARQL): every test whose shapes it
compiles must give exactly the expected validation results, and every test that expects a failure
(a shapes graph SHACL rules out, e.g. a query that binds ``$this`` with AS) must be refused with
``InvalidShapes``. Tests whose shapes use something the engine does not implement are skipped, naming
the feature (the pipeline validates those with pyshacl)."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from rdflib import RDF, BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import SH, Namespace

from samtbu.validate.fast.engine import CompiledShapes, InvalidShapes, Unsupported
from samtbu.validate.fast.terms import Data, from_rdflib, to_rdflib

from conftest import anchors_dir

MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
SHT = Namespace("http://www.w3.org/ns/shacl-test#")
SUITE = anchors_dir() / "w3c-shacl-tests"
CORE = SUITE / "core"
PARTS = (CORE, SUITE / "sparql")


def _manifests() -> list[Path]:
    return sorted(p for part in PARTS if part.is_dir() for p in part.rglob("manifest.ttl") if p.parent != part)


def _tests():
    cases = []
    for manifest in _manifests():
        g = Graph().parse(manifest, format="turtle", publicID=manifest.as_uri())
        for included in g.objects(None, MF.include):
            path = Path(str(included).removeprefix("file://"))
            if path.is_file():
                cases.append(path)
    return sorted(cases)


CASES = _tests()
# rdflib reads "1"^^xsd:boolean as "true" when it parses the shapes graph, so sh:uniqueLang "1" cannot
# be told from sh:uniqueLang true (pyshacl has the same limitation; our shapes write true).
RDFLIB_LIMITS = {"uniqueLang-002": 'rdflib normalises "1"^^xsd:boolean to "true" when it reads the shapes'}


def _path_repr(g: Graph, node) -> str:
    if isinstance(node, BNode):
        first = g.value(node, RDF.first)
        if first is not None:
            return "(" + " ".join(_path_repr(g, x) for x in Collection(g, node)) + ")"
        return "[" + " ".join(f"{p.n3()} {_path_repr(g, o)}" for p, o in sorted(g.predicate_objects(node))) + "]"
    return node.n3()


def _key(g_shapes: Graph, g_data: Graph, focus, path, value, shape, component, severity, g_path: Graph | None = None) -> tuple:
    def term(t, graph):
        if t is None:
            return None
        if isinstance(t, BNode):
            return "_:" + str(t) if (t, None, None) in graph or (None, None, t) in graph else "_:?"
        return t.n3()

    return (
        term(focus, g_data),
        None if path is None else _path_repr(g_path if g_path is not None else g_shapes, path),
        term(value, g_data),
        term(shape, g_shapes),
        str(component),
        str(severity),
    )


@pytest.mark.skipif(not CORE.is_dir(), reason=f"the W3C SHACL test suite is not at {CORE} (set SAMTBU_ANCHORS)")
@pytest.mark.parametrize("case", CASES, ids=lambda p: str(p.relative_to(SUITE).with_suffix("")))
def test_w3c(case: Path):
    logging.getLogger("rdflib.term").setLevel(logging.CRITICAL)
    if case.stem in RDFLIB_LIMITS:
        pytest.skip(RDFLIB_LIMITS[case.stem])
    g = Graph().parse(case, format="turtle", publicID=case.as_uri())
    test = next(iter(g.subjects(MF.action, None)))
    action = g.value(test, MF.action)
    expected = g.value(test, MF.result)
    assert expected is not None, "the test names no result"
    data_iri, shapes_iri = g.value(action, SHT.dataGraph), g.value(action, SHT.shapesGraph)
    data_g = g if str(data_iri) == case.as_uri() else Graph().parse(str(data_iri), format="turtle")
    shapes_g = g if str(shapes_iri) == case.as_uri() else Graph().parse(str(shapes_iri), format="turtle")
    if expected == SHT.Failure:
        _refused(shapes_g, data_g)
        return
    try:
        compiled = CompiledShapes(shapes_g)
        results = compiled.validate(Data([(from_rdflib(s), from_rdflib(p), from_rdflib(o)) for s, p, o in data_g]))
    except Unsupported as exc:
        pytest.skip(f"not implemented by the fast engine (pyshacl validates it): {exc}")
    got = sorted(
        (_key(shapes_g, data_g, to_rdflib(r.focus), r.path if isinstance(r.path, (URIRef, BNode)) or r.path is None else URIRef(r.path),
              None if r.value is None else to_rdflib(r.value), r.shape.node, r.component, r.shape.severity) for r in results),
        key=repr,
    )
    want = sorted(
        (_key(shapes_g, data_g, g.value(r, SH.focusNode), g.value(r, SH.resultPath), g.value(r, SH.value),
              g.value(r, SH.sourceShape), g.value(r, SH.sourceConstraintComponent), g.value(r, SH.resultSeverity), g)
         for r in g.objects(expected, SH.result)),
        key=repr,
    )
    conforms = g.value(expected, SH.conforms)
    assert (not got) == (isinstance(conforms, Literal) and conforms.toPython() is True)
    assert got == want
    _generated_agrees(compiled, data_g)


def _refused(shapes_g: Graph, data_g: Graph) -> None:
    """A test that expects a failure: the engine must refuse the shapes graph, never report on the data."""
    try:
        compiled = CompiledShapes(shapes_g)
    except InvalidShapes:
        return
    except Unsupported as exc:
        pytest.skip(f"not implemented by the fast engine (pyshacl refuses it): {exc}")
    results = compiled.validate(Data([(from_rdflib(s), from_rdflib(p), from_rdflib(o)) for s, p, o in data_g]))
    pytest.fail(f"the fast engine accepted a shapes graph SHACL rules out ({len(results)} results)")


def _generated_agrees(compiled: CompiledShapes, data_g: Graph) -> None:
    """The generated conformance function of every shape (none when shapes refer to each other in a
    cycle) gives, on every node, what the engine's own evaluation gives with no result list."""
    from samtbu.validate.fast.engine import Context

    data = Data([(from_rdflib(s), from_rdflib(p), from_rdflib(o)) for s, p, o in data_g])
    nodes = list(dict.fromkeys([s for s, _p, _o in data.triples] + [o for _s, _p, o in data.triples]))
    for shape in compiled.shapes.values():
        if shape.conforms_fn is None:
            continue
        for node in nodes:
            try:
                evaluated = shape.evaluate_one(Context(data, compiled), node, None)
            except Unsupported:
                continue  # the whole test falls back to pyshacl when this is reached in validation
            assert shape.conforms_fn(Context(data, compiled), data.spo, node) == evaluated, (shape.node, node)
