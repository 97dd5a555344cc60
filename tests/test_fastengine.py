"""The fast engine and the fast readers against pyshacl and pyld: the same results on every example,
every invalid fixture and many mutants of the examples, and the same graphs from the readers; plus
the documented differences where pyshacl is wrong against the SHACL and XSD specifications."""

from __future__ import annotations

import datetime
import json
import logging
from decimal import Decimal
from pathlib import Path

import pytest

from samtbu.validate.engine import EngineError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic

from samtbu.model import Model
from samtbu.validate import validate
from samtbu.validate.engine import compiled_shapes
from samtbu.validate.fast.engine import datatype_ok, xsd_lexical_ok
from samtbu.validate.fast.input import _try_fast, read_fast
from samtbu.validate.input import read_payload

from _mutations import MUTATIONS, mutate

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((REPO / "examples").glob("*.json")) + sorted((REPO / "examples").glob("*.ttl"))
FIXTURES = sorted(p for p in (REPO / "tests" / "fixtures" / "invalid").glob("*/*.*") if not p.name.endswith(".expected.json"))
VALID_FIXTURES = sorted(p for p in (REPO / "tests" / "fixtures" / "valid").glob("*/*.json") if not p.name.endswith(".expected.json"))
PROFILE = {
    "vitnemaal": "vitnemaal", "kompetansebevis": "kompetansebevis", "fagbrev": "fagbrev",
    "enkeltresultat": "enkeltresultat", "fullfoeringsstatus": "fullfoeringsstatus",
    "karakterutskrift": "karakterutskrift",
}
XSD = "http://www.w3.org/2001/XMLSchema#"
# Datatypes rdflib does not check (so pyshacl accepts any lexical form); the fast engine checks them.
UNCHECKED_BY_RDFLIB = {XSD + t for t in ("gYear", "gYearMonth", "gMonth", "gDay", "gMonthDay")}


def profile_of(path: Path) -> str:
    # An example named after its profile ({profile}-{case}) needs no entry in the table.
    name = path.stem.split("-")[0]
    return PROFILE.get(name, name)


@pytest.fixture(scope="module", autouse=True)
def _quiet():
    """rdflib logs every ill-typed literal of the reference runs; the reports say what is wrong.
    (The pyshacl engine parses each SPARQL query once per process: engine.shacl_validate.)"""
    logging.getLogger("rdflib.term").setLevel(logging.CRITICAL)
    yield


def _key(report) -> list:
    """(focus, path, source shape, component, severity, value) per result, plus the JSON Pointer."""
    def focus(r):
        # blank node ids differ between two readings of one payload; their pointer identifies them
        return r.pointer if r.pointer is not None and not r.focus_node.startswith("urn:") and ":" not in r.focus_node else r.focus_node

    return sorted(
        tuple(str(v) for v in (focus(r), r.path, r.source_shape, r.constraint, r.severity, r.value, r.pointer))
        for r in report.results
    )


def _documented_difference(result) -> bool:
    """A result the fast engine gives and pyshacl does not, because rdflib does not check the lexical
    form of these datatypes (``"abc"^^xsd:gYear`` is not a gYear)."""
    return result.constraint == "sh:DatatypeConstraintComponent" and result.expected is not None and any(
        t.rsplit("#", 1)[-1] in (result.expected or "") for t in UNCHECKED_BY_RDFLIB
    )


def _compare(data, profile: str, model: Model, *, source: str = "<payload>"):
    fast = validate(data, profile, model=model, engine="fast", source=source)
    try:
        reference = validate(data, profile, model=model, engine="pyshacl", source=source)
    except EngineError as exc:
        # pyshacl (rdflib's SPARQL engine) breaks on an ill-typed xsd:date inside a SPARQL constraint
        # (an AttributeError on 'bindings'), which the toolkit reports as a one-line engine error;
        # the fast engine reports the ill-typed literal (sh:datatype) and goes on.
        assert "AttributeError" in str(exc)
        assert any(r.constraint == "sh:DatatypeConstraintComponent" for r in fast.results)
        return fast, None
    mine, theirs = _key(fast), _key(reference)
    extra = [k for k in mine if k not in theirs]
    documented = {tuple(_key(type(fast)([type(fast.records[0])("x", "x", "x", [r])]))[0]) for r in fast.results if _documented_difference(r)}
    assert [k for k in theirs if k not in mine] == [], "pyshacl only"
    assert all(tuple(k) in documented for k in extra), f"fast only: {extra}"
    assert len(mine) - len(extra) == len(theirs)
    return fast, reference


def test_every_profile_compiles(model: Model):
    """No profile needs the pyshacl fallback: every feature our shapes use is implemented."""
    for profile in model.profiles.values():
        assert compiled_shapes(profile, model) is not None, profile.name


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_examples_same_as_pyshacl(path: Path, model: Model):
    fast, _ = _compare(path, profile_of(path), model)
    assert fast.conforms


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_invalid_fixtures_same_as_pyshacl(path: Path, model: Model):
    fast, reference = _compare(path, path.parent.name, model)
    assert fast.results  # a violation, or a warning


@pytest.mark.parametrize("path", VALID_FIXTURES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_valid_fixtures_same_as_pyshacl(path: Path, model: Model):
    fast, reference = _compare(path, path.parent.name, model)
    assert fast.conforms


def _small_vitnemaal() -> dict:
    """The studiespesialisering vitnemål cut to four results (the same shapes, a quarter of the time)."""
    doc = json.loads((REPO / "examples" / "vitnemaal-studiespesialisering.json").read_text())
    kept, vurderinger = [], 0
    for item in doc["dokumenterer"]:
        if item.get("type") == "Vurdering":
            vurderinger += 1
            if vurderinger > 4:
                continue
        kept.append(item)
    doc["dokumenterer"] = kept
    return doc


MUTANT_BASES = {
    "enkeltresultat": lambda: json.loads((REPO / "examples" / "enkeltresultat.json").read_text()),
    "fagbrev": lambda: json.loads((REPO / "examples" / "fagbrev-elektriker.json").read_text()),
    "fullfoeringsstatus": lambda: json.loads((REPO / "examples" / "fullfoeringsstatus.json").read_text()),
    "karakterutskrift": lambda: json.loads((REPO / "examples" / "karakterutskrift-vg2.json").read_text()),
    "vitnemaal": _small_vitnemaal,
}


@pytest.mark.parametrize("profile", sorted(MUTANT_BASES))
def test_mutants_same_as_pyshacl(profile: str, model: Model):
    base = MUTANT_BASES[profile]()
    compared = 0
    for name in MUTATIONS:
        doc = mutate(base, name)
        if doc is None:
            continue
        _compare(json.dumps(doc), profile, model, source=name)
        compared += 1
    assert compared >= 20


@pytest.mark.parametrize("payload,profile", [
    ("vitnemaal-studiespesialisering.json", "fagbrev"),
    ("fagbrev-elektriker.json", "vitnemaal"),
    ("enkeltresultat.ttl", "kompetansebevis"),
    ("fullfoeringsstatus.json", "enkeltresultat"),
    ("kompetansebevis-delvis.ttl", "fullfoeringsstatus"),
])
def test_wrong_profile_same_as_pyshacl(payload: str, profile: str, model: Model):
    """A payload against another flow's profile: many results, all the same."""
    fast, _ = _compare(REPO / "examples" / payload, profile, model)
    assert not fast.conforms


# -- where pyshacl is wrong ------------------------------------------------------------------------


def test_gyear_lexical_form_is_checked(model: Model):
    """XSD 1.1 part 2, 3.3.11: gYear is a year of at least four digits (and an optional time zone).
    rdflib does not check gYear, so pyshacl accepts "abc"^^xsd:gYear; the fast engine does not."""
    doc = json.loads((REPO / "examples" / "fullfoeringsstatus.json").read_text())
    doc["startaar"] = "abc"
    fast = validate(json.dumps(doc), "fullfoeringsstatus", model=model, engine="fast")
    reference = validate(json.dumps(doc), "fullfoeringsstatus", model=model, engine="pyshacl")
    assert reference.conforms  # pyshacl: wrong
    assert not fast.conforms
    [result] = fast.results
    assert (result.constraint, result.pointer, result.value) == ("sh:DatatypeConstraintComponent", "/startaar", "abc")


@pytest.mark.parametrize("lexical,ok", [
    ("2021", True), ("-0044", True), ("12021", True), ("2021Z", True), ("2021+01:00", True),
    ("abc", False), ("21", False), ("02021", False), ("2021-", False), ("2021+15:00", False), ("", False),
])
def test_gyear_lexical_space(lexical: str, ok: bool):
    assert xsd_lexical_ok(lexical, XSD + "gYear") is ok
    assert datatype_ok(lexical, XSD + "gYear") is ok
    # rdflib, and so pyshacl, never says no
    assert Literal(lexical, datatype=URIRef(XSD + "gYear")).ill_typed is not True


@pytest.mark.parametrize("lexical,dt,ok", [
    ("2021-06", "gYearMonth", True), ("2021-13", "gYearMonth", False),
    ("--02-29", "gMonthDay", True), ("--02-30", "gMonthDay", False),
    ("---31", "gDay", True), ("---32", "gDay", False), ("--12", "gMonth", True), ("--13", "gMonth", False),
])
def test_other_gregorian_types(lexical: str, dt: str, ok: bool):
    assert datatype_ok(lexical, XSD + dt) is ok


@pytest.mark.parametrize("lexical,dt", [
    ("2026-02-30", "date"), ("2026-6-1", "date"), ("1.5", "integer"), ("TRUE", "boolean"), ("nei", "boolean"),
    ("abc", "decimal"),
])
def test_ill_typed_literals_like_rdflib(lexical: str, dt: str):
    """Where rdflib does check, the fast engine agrees with it."""
    assert datatype_ok(lexical, XSD + dt) is False
    assert Literal(lexical, datatype=URIRef(XSD + dt)).ill_typed is True


_VALUE_TYPES = {"integer": int, "float": float, "decimal": Decimal, "boolean": bool,
                "date": datetime.date, "time": datetime.time, "dateTime": datetime.datetime}


@pytest.mark.parametrize("dt", sorted(_VALUE_TYPES))
@pytest.mark.parametrize("lexical", [
    "1", "007", "-0", "1.5", "1.0E0", "1e3", "INF", "NaN", "true", "0", "abc", "",
    "2026-06-01", "2026-02-30", "12:30:00", "2026-06-01T12:30:00", "2026-06-01T12:30:00+01:00",
])
def test_datatype_ok_is_rdflib_value_type(lexical: str, dt: str):
    """For the datatypes rdflib reads into Python values, the verdict is rdflib's (not ill-typed, a value
    of the datatype's Python type), read from the cached reading of the literal, in either order of use."""
    from samtbu.validate.fast.terms import literal

    lit = Literal(lexical, datatype=URIRef(XSD + dt))
    value_type = _VALUE_TYPES[dt]
    expected = lit.ill_typed is not True and isinstance(lit.value, value_type) and not (
        value_type is int and isinstance(lit.value, bool))
    assert datatype_ok(lexical, XSD + dt) is expected
    # as the engine calls it: on the literal the reader made (normalised lexical form)
    made = literal(lexical, XSD + dt)
    remade = Literal(made[0], datatype=URIRef(XSD + dt))
    assert datatype_ok(made[0], XSD + dt) is (remade.ill_typed is not True and isinstance(remade.value, value_type)
                                              and not (value_type is int and isinstance(remade.value, bool)))


def test_an_ill_typed_literal_does_not_spoil_its_normal_form():
    """rdflib reads "TRUE"^^xsd:boolean as ill-typed but writes it "true": the valid "true" stays valid."""
    assert datatype_ok("TRUE", XSD + "boolean") is False
    assert datatype_ok("true", XSD + "boolean") is True
    assert datatype_ok("nei", XSD + "boolean") is False
    assert datatype_ok("false", XSD + "boolean") is True


# -- the fast readers --------------------------------------------------------------------------------


def _same_reading(data, model: Model, *, must_be_fast: bool = True):
    fast = _try_fast(data, None, "<t>", model)
    if fast is None:
        assert not must_be_fast, "the fast reader fell back"
        return
    slow = read_payload(data, model=model)
    assert isomorphic(fast.graph, slow.graph)
    assert sorted(fast.pointers.values()) == sorted(slow.pointers.values())
    assert fast.unknown_terms == slow.unknown_terms == []


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_fast_reader_same_graph(path: Path, model: Model):
    _same_reading(path.read_bytes(), model)


@pytest.mark.parametrize("name", sorted(MUTATIONS))
def test_fast_reader_same_graph_on_mutants(name: str, model: Model):
    for base in MUTANT_BASES.values():
        doc = mutate(base(), name)
        if doc is not None:
            _same_reading(json.dumps(doc), model, must_be_fast=False)


def test_fast_reader_falls_back_when_in_doubt(model: Model):
    doc = json.loads((REPO / "examples" / "enkeltresultat.json").read_text())
    for change in ({"merknad": "x"}, {"@context": "https://w3id.org/samt-bu/context/0.1.0"}, {"karakter": 4.5},
                   {"karakter": None}, {"vurderingstype": "ex:x"}, {"id": "relative"}, {"skoleaar": "a\u0000b"}):
        assert _try_fast(json.dumps({**doc, **change}), None, "<t>", model) is None, change
    assert read_fast(json.dumps({**doc, "merknad": "x"}), model=model).unknown_terms  # via read_payload


_SCALAR = st.one_of(
    st.text(max_size=12), st.integers(-10**6, 10**6), st.booleans(),
    st.sampled_from(["4", "standpunkt", "2026-06-19", "2026-02-30", "NOR1260", "gyldig", "abc", "", "é ø å"]),
)


@st.composite
def _payloads(draw):
    """Random plain-JSON payloads over the context's terms (and a few strangers)."""
    from samtbu.jsonld import bundled_context

    ctx = bundled_context(Model.load())["@context"]
    props = sorted(k for k, v in ctx.items() if isinstance(v, dict) and not k.startswith("@"))
    classes = sorted(k for k, v in ctx.items() if isinstance(v, str) and not k.startswith("@") and k not in ("id", "type"))

    def node(depth):
        obj = {}
        if draw(st.booleans()):
            obj["id"] = draw(st.sampled_from(["urn:uuid:1", "urn:uuid:2", "https://example.org/x", "relative id"]))
        obj["type"] = draw(st.sampled_from(classes))
        for key in draw(st.lists(st.sampled_from(props + ["ukjent"]), max_size=4, unique=True)):
            if key in ("yrkestittel", "tittel"):
                obj[key] = draw(st.dictionaries(st.sampled_from(["nb", "nn", "en", "NB"]), st.text(max_size=5), max_size=2))
            elif depth < 2 and draw(st.integers(0, 4)) == 0:
                obj[key] = node(depth + 1)
            elif draw(st.integers(0, 5)) == 0:
                obj[key] = draw(st.lists(_SCALAR, max_size=3))
            else:
                obj[key] = draw(_SCALAR)
        return obj

    return node(0)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_payloads())
def test_fast_reader_property(doc):
    """Whatever the payload, the fast reader either gives pyld's graph and pointers or steps aside."""
    model = Model.load()
    text = json.dumps(doc)
    fast = _try_fast(text, None, "<t>", model)
    if fast is None:
        return
    try:
        slow = read_payload(text, model=model)
    except Exception as exc:  # noqa: BLE001
        pytest.fail(f"the fast reader accepted what read_payload refuses: {exc}")
    assert isomorphic(fast.graph, slow.graph)
    assert sorted(fast.pointers.values()) == sorted(slow.pointers.values())


def test_turtle_reader_steps_aside_for_rdflib_quirks(model: Model):
    text = (REPO / "examples" / "enkeltresultat.ttl").read_text()
    assert _try_fast(text, None, "<t>", model) is not None
    assert _try_fast(text + '\n<urn:x> <urn:p> "a"^^<http://www.w3.org/2001/XMLSchema#string> .\n', None, "<t>", model) is None
    assert _try_fast(text + '\n<urn:x> <urn:p> "a"@NB .\n', None, "<t>", model) is None
    graph = Graph().parse(data=text, format="turtle")
    assert len(graph) == len(read_fast(text, model=model).triples)


def test_results_do_not_depend_on_what_came_before(model: Model):
    """The engine keeps some outcomes across records (local SPARQL constraints, literal checks): the
    same payloads in another order give the same reports."""
    base = MUTANT_BASES["enkeltresultat"]()
    docs = [json.dumps(d) for d in (mutate(base, n) for n in sorted(MUTATIONS)) if d is not None]
    first = [_key(validate(d, "enkeltresultat", model=model)) for d in docs]
    again = [_key(validate(d, "enkeltresultat", model=model)) for d in reversed(docs)]
    assert first == list(reversed(again))


def _generated_agrees(compiled, triples) -> int:
    """Every shape's generated conformance function gives, on every node of the data, the boolean the
    engine's own evaluation gives with no result list, and ``False`` exactly where the reporting
    evaluation gives results. Returns the number of (shape, node) pairs compared."""
    from samtbu.validate.fast.engine import Context, _own_subclass_edges, _with_hierarchy
    from samtbu.validate.fast.terms import Data

    data = Data(triples)
    own = _own_subclass_edges(data)
    data = _with_hierarchy(data, compiled.hierarchy_data)
    nodes = list(dict.fromkeys([s for s, _p, _o in data.triples] + [o for _s, _p, o in data.triples]))
    compared = 0
    for shape in compiled.shapes.values():
        assert shape.conforms_fn is not None
        for node in nodes:
            generated = shape.conforms_fn(Context(data, compiled, own), data.spo, node)
            evaluated = shape.evaluate_one(Context(data, compiled, own), node, None)
            results: list = []
            shape.evaluate_one(Context(data, compiled, own), node, results)
            assert generated == evaluated == (not results), (shape.node, node)
            compared += 1
    return compared


def test_generated_conformance_agrees_with_the_engine(model: Model):
    """The generated functions only decide whether the reporting evaluation runs; they must never
    say "conforms" where it would report something. Checked on every example, fixture and mutant."""
    compared = 0
    cases = [(p, profile_of(p)) for p in EXAMPLES] + [(p, p.parent.name) for p in FIXTURES]
    for path, profile in cases:
        compiled = compiled_shapes(model.profile(profile), model)
        compared += _generated_agrees(compiled, read_fast(path, model=model).triples)
    for profile, base in MUTANT_BASES.items():
        compiled = compiled_shapes(model.profile(profile), model)
        for name in sorted(MUTATIONS)[::3]:
            doc = mutate(base(), name)
            if doc is not None:
                compared += _generated_agrees(compiled, read_fast(json.dumps(doc), model=model).triples)
    assert compared > 100_000
