"""The fast engine's generated conformance functions (validate/fast/codegen.py): the checks that read
only single values are remembered per values that passed, and must never let a value pass that the
checks would fail (a blank node whose id is the text of an IRI that passed, a value after the memory
was emptied); the source generated for a structure of shapes is kept (the compiled-model cache
writes it into its entry) and a second compilation of the same shapes uses it, with its own
constants, and answers the same."""

from __future__ import annotations

from rdflib import Graph

from samtbu import modelcache
from samtbu.validate.fast import codegen
from samtbu.validate.fast.engine import CompiledShapes, result_key
from samtbu.validate.fast.terms import XSD, B, Data, L

PREFIXES = """
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix ex: <http://example.org/> .
"""
EX = "http://example.org/"
TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"

# One value each: ex:code an IRI of a pattern, ex:grade a literal of a pattern and a length,
# ex:date an xsd:date; an ex:Item with a grade "IV" needs the code ex:fritak (checks on two values).
SHAPES = PREFIXES + """
ex:ItemShape a sh:NodeShape ; sh:targetClass ex:Item ;
    sh:property [ sh:path ex:code ; sh:minCount 1 ; sh:maxCount 1 ; sh:nodeKind sh:IRI ; sh:pattern "^http://example.org/c" ] ;
    sh:property [ sh:path ex:grade ; sh:minCount 1 ; sh:maxCount 1 ; sh:datatype xsd:string ; sh:pattern "^[1-6]$|^IV$" ; sh:maxLength 2 ] ;
    sh:property [ sh:path ex:date ; sh:minCount 1 ; sh:maxCount 1 ; sh:datatype xsd:date ] ;
    sh:or ( [ sh:not [ sh:property [ sh:path ex:grade ; sh:hasValue "IV" ] ] ]
            [ sh:property [ sh:path ex:code ; sh:in ( ex:cfritak ) ] ] ) .
"""


def _compiled() -> CompiledShapes:
    return CompiledShapes(Graph().parse(data=SHAPES, format="turtle"))


def _item(code, grade: str, date: str = "2026-06-20", node: str = EX + "i") -> Data:
    return Data([(node, TYPE, EX + "Item"), (node, EX + "code", code), (node, EX + "grade", L((grade, None, None))),
                 (node, EX + "date", L((date, XSD + "date", None)))])


def _components(compiled: CompiledShapes, data: Data) -> list:
    return [key[3].rsplit("#", 1)[-1] for key in map(result_key, compiled.validate(data))]


def test_the_generated_function_remembers_the_values_that_passed():
    compiled = _compiled()
    source = _source_of(compiled)
    assert "PASSED" in source and "for v in" not in source  # one value each: no loop, remembered
    assert _components(compiled, _item(EX + "c1", "4")) == []
    assert _components(compiled, _item(EX + "c1", "4")) == []  # (from what was remembered)
    assert _components(compiled, _item(EX + "c1", "7")) == ["PatternConstraintComponent"]
    assert _components(compiled, _item(EX + "c1", "IV")) == ["OrConstraintComponent"]
    assert _components(compiled, _item(EX + "cfritak", "IV")) == []
    assert _components(compiled, _item(EX + "cfritak", "IV", date="2026-02-30")) == ["DatatypeConstraintComponent"]


def test_a_blank_node_never_passes_as_the_iri_of_its_text():
    compiled = _compiled()
    assert _components(compiled, _item(EX + "c1", "4")) == []  # the IRI ex:c1 passed, and is remembered
    assert B(EX + "c1") == EX + "c1"  # (a blank node of that id is equal to it as a string)
    assert _components(compiled, _item(B(EX + "c1"), "4")) == ["NodeKindConstraintComponent", "PatternConstraintComponent"]


def test_the_memory_of_passed_values_is_bounded(monkeypatch):
    monkeypatch.setattr(codegen, "_PASSED_KEPT", 3)
    monkeypatch.setattr(modelcache.MEMO, "generated_blobs", {})  # generated anew, with the bound of 3
    compiled = _compiled()
    for n in range(10):
        assert _components(compiled, _item(EX + "c1", "4", date=f"2026-06-{10 + n}")) == []
    namespaces = {id(fn.__globals__): fn.__globals__ for fn in _functions(compiled)}
    passed = [value for namespace in namespaces.values() for name, value in namespace.items() if name.startswith("PASSED")]
    assert passed and all(len(values) <= 3 for values in passed)
    assert _components(compiled, _item(EX + "c1", "4", date="2026-13-01")) == ["DatatypeConstraintComponent"]


def test_the_source_of_the_same_shapes_is_generated_once_and_answers_the_same(monkeypatch):
    monkeypatch.setattr(modelcache.MEMO, "generated_blobs", {})
    first = _compiled()
    generated = []
    monkeypatch.setattr(codegen._Generator, "function", lambda self, shape: generated.append(shape) or "")
    second = _compiled()  # the same structure: the kept source, this compilation's own constants
    assert generated == []
    assert _source_of(second) == _source_of(first)
    for data in (_item(EX + "c1", "4"), _item(EX + "x1", "IV"), _item(B("b"), "9", date="x")):
        assert [result_key(r) for r in second.validate(data)] == [result_key(r) for r in first.validate(data)]
    constants = [fn.__globals__ for fn in _functions(second)][0]
    for name, value in constants.items():  # the closures and sets are the second compilation's own
        if name.startswith(("CHECK", "SPARQL", "IN")):
            assert not any(id(value) == id(getattr(c, "spec", (0, 0))[1]) or id(value) == id(c)
                           for s in first.shapes.values() for c in s.checks), name


def test_a_different_structure_is_generated_anew(monkeypatch):
    monkeypatch.setattr(modelcache.MEMO, "generated_blobs", {})
    _compiled()
    other = CompiledShapes(Graph().parse(data=SHAPES.replace("sh:maxLength 2", "sh:maxLength 1"), format="turtle"))
    assert _components(other, _item(EX + "cfritak", "IV")) == ["MaxLengthConstraintComponent"]
    assert len(modelcache.MEMO.generated_blobs) == 2


def test_the_same_shapes_in_another_order_are_another_structure():
    """Shapes by position: a kept source is used only for shapes met in the same order."""
    shapes = list(_compiled().shapes.values())
    again = list(_compiled().shapes.values())
    assert codegen._structure(shapes, [])[0] == codegen._structure(again, [])[0]
    assert codegen._structure(shapes[::-1], [])[0] != codegen._structure(shapes, [])[0]


def _functions(compiled: CompiledShapes) -> list:
    return [s.conforms_fn for s in compiled.shapes.values() if s.conforms_fn is not None]


def _source_of(compiled: CompiledShapes) -> str:
    structure, _objects = codegen._structure(list(compiled.shapes.values()), [])
    import hashlib

    kept = modelcache.MEMO.generated(hashlib.sha256(repr(structure).encode()).hexdigest())
    assert kept is not None
    return kept[0]
