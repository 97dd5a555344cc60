"""The fast engine finds a record's target shapes by the record's rdf:type values (a plan per set of
types). It must give the results, in the same order, that the loop over every target shape with
each one's own focus nodes gives: with the payload's own subclass edges, with targets other than
classes, and with a node of two types."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph

from samtbu.model import Model
from samtbu.validate.engine import compiled_shapes
from samtbu.validate.fast.engine import (
    CompiledShapes, Context, _own_subclass_edges, _with_hierarchy, result_key,
)
from samtbu.validate.fast.input import read_fast
from samtbu.validate.fast.terms import Data

REPO = Path(__file__).resolve().parents[1]

PREFIXES = """
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix ex: <http://example.org/> .
"""

# A: every node needs an ex:name; B (a subclass of A in the hierarchy) an ex:code too; ex:Root by
# sh:targetNode, ex:owner's subjects and ex:member's objects have shapes of their own.
SHAPES = PREFIXES + """
ex:AShape a sh:NodeShape ; sh:targetClass ex:A ; sh:property ex:AShape-name .
ex:AShape-name sh:path ex:name ; sh:minCount 1 ; sh:datatype xsd:string .
ex:BShape a sh:NodeShape ; sh:targetClass ex:B ; sh:property ex:BShape-code .
ex:BShape-code sh:path ex:code ; sh:minCount 1 ; sh:in ( "x" "y" ) .
ex:CShape a sh:NodeShape ; sh:targetClass ex:C ;
    sh:or ( [ sh:not [ sh:property [ sh:path ex:code ; sh:hasValue "x" ] ] ]
            [ sh:property [ sh:path ex:name ; sh:minCount 2 ] ] ) .
ex:RootShape a sh:NodeShape ; sh:targetNode ex:root ; sh:property ex:RootShape-name .
ex:RootShape-name sh:path ex:name ; sh:maxCount 0 .
ex:OwnerShape a sh:NodeShape ; sh:targetSubjectsOf ex:owner ; sh:property ex:OwnerShape-owner .
ex:OwnerShape-owner sh:path ex:owner ; sh:class ex:A .
ex:MemberShape a sh:NodeShape ; sh:targetObjectsOf ex:member ; sh:targetClass ex:D ;
    sh:nodeKind sh:IRI .
ex:Off a sh:NodeShape ; sh:targetClass ex:A ; sh:deactivated true ; sh:property [ sh:path ex:name ; sh:maxCount 0 ] .
"""
EX = "http://example.org/"
HIERARCHY = [(EX + "B", EX + "A")]


def _compiled() -> CompiledShapes:
    return CompiledShapes(Graph().parse(data=SHAPES, format="turtle"), HIERARCHY)


def _data(turtle: str) -> Data:
    from samtbu.validate.fast.terms import from_rdflib

    g = Graph().parse(data=PREFIXES + turtle, format="turtle")
    return Data([(from_rdflib(s), from_rdflib(p), from_rdflib(o)) for s, p, o in g])


def _every_shape(compiled: CompiledShapes, data: Data) -> list:
    """The results of the loop over every target shape, each with its focus nodes found anew (what
    validate() did before it dispatched by type), as ordered keys."""
    own = _own_subclass_edges(data)
    merged = _with_hierarchy(data, compiled.hierarchy_data)
    ctx = Context(merged, compiled, own)
    out: list = []
    for shape in compiled.target_shapes:
        if not shape.deactivated:
            for f in shape.focus_nodes(ctx):
                shape.evaluate_one(ctx, f, out)
    return [result_key(r) for r in out]


def _dispatched(compiled: CompiledShapes, data: Data) -> list:
    return [result_key(r) for r in compiled.validate(data)]


def _shapes_of(keys: list) -> list:
    """(focus, the target shape's name, component) per result (a property shape is named
    ``<target shape>-<property>``)."""
    return [(k[0], k[2].rsplit("/", 1)[-1].split("-")[0], k[3].rsplit("#", 1)[-1]) for k in keys]


def test_a_subclass_from_the_hierarchy_is_dispatched():
    compiled = _compiled()
    data = _data("ex:b a ex:B .")  # no name (AShape, through B subclass of A) and no code (BShape)
    keys = _dispatched(compiled, data)
    assert keys == _every_shape(compiled, data)
    assert sorted(_shapes_of(keys)) == [("<http://example.org/b>", "AShape", "MinCountConstraintComponent"),
                                        ("<http://example.org/b>", "BShape", "MinCountConstraintComponent")]


def test_the_payloads_own_subclass_edge_is_followed():
    """ex:E is no class of the hierarchy: only the payload's own edge makes its instance an A."""
    compiled = _compiled()
    data = _data("ex:e a ex:E . ex:E rdfs:subClassOf ex:A .")
    keys = _dispatched(compiled, data)
    assert _shapes_of(keys) == [("<http://example.org/e>", "AShape", "MinCountConstraintComponent")]
    assert keys == _every_shape(compiled, data)
    # the same record without the edge meets no shape, and the plan of its types is not reused wrongly
    assert _dispatched(compiled, _data("ex:e a ex:E .")) == []
    assert _dispatched(compiled, data) == keys


def test_a_class_check_follows_the_payloads_own_subclass_edge():
    """sh:class in the generated code: one set test with the static hierarchy, the payload's own
    edges otherwise."""
    compiled = _compiled()
    with_edge = _data('ex:e a ex:E ; ex:name "e" . ex:E rdfs:subClassOf ex:A . ex:x ex:owner ex:e .')
    assert _dispatched(compiled, with_edge) == [] == _every_shape(compiled, with_edge)
    without = _data('ex:e a ex:E ; ex:name "e" . ex:x ex:owner ex:e .')
    keys = _dispatched(compiled, without)
    assert _shapes_of(keys) == [("<http://example.org/x>", "OwnerShape", "ClassConstraintComponent")]
    assert keys == _every_shape(compiled, without)
    through_hierarchy = _data('ex:b a ex:B ; ex:name "b" ; ex:code "y" . ex:x ex:owner ex:b .')
    assert _dispatched(compiled, through_hierarchy) == []
    for data in (with_edge, without, through_hierarchy):
        _generated_functions_agree(compiled, data)


def _generated_functions_agree(compiled: CompiledShapes, data: Data) -> None:
    """Every shape's generated function gives the engine's own answer (no result list) on every node."""
    own = _own_subclass_edges(data)
    merged = _with_hierarchy(data, compiled.hierarchy_data)
    nodes = list(dict.fromkeys([s for s, _p, _o in merged.triples] + [o for _s, _p, o in merged.triples]))
    for shape in compiled.shapes.values():
        for node in nodes:
            assert shape.conforms_fn(Context(merged, compiled, own), merged.spo, node) == \
                shape.evaluate_one(Context(merged, compiled, own), node, None), (shape.node, node)


def test_targets_other_than_classes_run_for_every_record():
    compiled = _compiled()
    data = _data("""
        ex:root ex:name "r" .
        ex:x ex:owner ex:y .
        ex:z ex:member _:m .
        ex:d a ex:D .
    """)
    keys = _dispatched(compiled, data)
    assert keys == _every_shape(compiled, data)
    found = _shapes_of(keys)
    assert ("<http://example.org/root>", "RootShape", "MaxCountConstraintComponent") in found
    assert ("<http://example.org/x>", "OwnerShape", "ClassConstraintComponent") in found
    member = [k for k in found if k[1] == "MemberShape"]
    assert len(member) == 1 and member[0][0].startswith("_:") and member[0][2] == "NodeKindConstraintComponent"
    assert [k[1] for k in found] == ["MemberShape", "OwnerShape", "RootShape"]  # in target order
    # the instance of ex:D (an IRI) conforms to the same shape
    assert not any(k[0] == "<http://example.org/d>" for k in found)


def test_a_node_of_two_types_is_one_focus_node_per_shape():
    compiled = _compiled()
    # ex:n is an A and a B (B also a subclass of A): AShape once, BShape once, CShape once
    data = _data("""
        ex:n a ex:A , ex:B , ex:C ; ex:code "x" ; ex:name "n" .
        ex:m a ex:B , ex:C ; ex:code "z" .
        ex:k a ex:A , ex:B ; ex:code "x" .
    """)
    keys = _dispatched(compiled, data)
    assert keys == _every_shape(compiled, data)
    found = _shapes_of(keys)
    assert found.count(("<http://example.org/n>", "CShape", "OrConstraintComponent")) == 1
    assert ("<http://example.org/m>", "AShape", "MinCountConstraintComponent") in found
    assert ("<http://example.org/m>", "BShape", "InConstraintComponent") in found
    assert found.count(("<http://example.org/k>", "AShape", "MinCountConstraintComponent")) == 1
    assert len(found) == len(set(found))
    # in target order (shapes by IRI), whatever the order of the types in the payload
    assert [k[1] for k in found] == sorted(k[1] for k in found)


def test_a_deactivated_shape_is_not_dispatched():
    compiled = _compiled()
    keys = _dispatched(compiled, _data('ex:a a ex:A ; ex:name "a" .'))
    assert keys == []


def _files() -> list[tuple[Path, str]]:
    examples = [(p, p.stem.split("-")[0]) for p in sorted((REPO / "examples").glob("*.json"))]
    fixtures = [(p, p.parent.name) for p in sorted((REPO / "tests" / "fixtures" / "invalid").glob("*/*.json"))
                if not p.name.endswith(".expected.json")]
    return examples + fixtures


def _compiled_files(model: Model):
    """(path, compiled shapes of its profile, its data) for every example and fixture the fast engine
    and the fast reader take."""
    for path, profile in _files():
        if profile not in model.profiles:
            continue
        compiled = compiled_shapes(model.profile(profile), model)
        if compiled is None:
            continue
        try:
            data = Data(read_fast(path, model=model).triples)
        except Exception:  # noqa: BLE001 - a fixture the fast reader refuses is another test's business
            continue
        yield path, compiled, data


def test_every_example_and_fixture_same_results_in_the_same_order(model: Model):
    compared = results = 0
    for path, compiled, data in _compiled_files(model):
        keys = _dispatched(compiled, data)
        assert keys == _every_shape(compiled, data), path.name
        compared += 1
        results += len(keys)
    assert compared > 20 and results > 20, (compared, results)


def _type_functions_agree(compiled: CompiledShapes, data: Data) -> int:
    """Each type's one generated function answers, on every node, whether the node conforms to every
    shape that targets the type by class (their own generated functions, each asked on its own)."""
    own = _own_subclass_edges(data)
    merged = _with_hierarchy(data, compiled.hierarchy_data)
    nodes = list(dict.fromkeys([s for s, _p, _o in merged.triples] + [o for _s, _p, o in merged.triples]))
    compared = 0
    assert compiled._type_conforms is not None
    for t, conforms_all in compiled._type_conforms.items():
        shapes = [compiled.target_shapes[i] for i in compiled._by_type[t]]
        for node in nodes:
            each = all(s.conforms_fn(Context(merged, compiled, own), merged.spo, node) for s in shapes)
            assert conforms_all(Context(merged, compiled, own), merged.spo, node) == each, (t, node)
            compared += 1
    return compared


def test_the_function_of_a_type_is_all_of_its_shapes(model: Model):
    compiled = _compiled()
    small = _type_functions_agree(compiled, _data("""
        ex:n a ex:A , ex:B , ex:C ; ex:code "x" ; ex:name "n" .
        ex:m a ex:B , ex:C ; ex:code "z" .
        ex:k a ex:A , ex:B ; ex:code "x" .
        ex:e a ex:E . ex:E rdfs:subClassOf ex:A .
    """))
    assert small > 20
    compared = 0
    for path, compiled, data in _compiled_files(model):
        compared += _type_functions_agree(compiled, data)
    assert compared > 10_000, compared


if __name__ == "__main__":  # pragma: no cover
    pytest.main([__file__])
