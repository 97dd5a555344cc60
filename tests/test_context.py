"""The generated JSON-LD context: deterministic, complete, no clashes, and every JSON example expands
(with the bundled context, no network) to a graph isomorphic to its Turtle twin."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rdflib import RDFS, Graph, URIRef
from rdflib.compare import graph_diff, isomorphic, to_isomorphic

from samtbu.generate.context import build_context, render_context
from samtbu.model import Model
from samtbu.namespaces import SBU
from samtbu.validate import read_payload

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((REPO / "examples").glob("*.json"))


def test_context_is_deterministic(model: Model):
    assert render_context(model) == render_context(Model.load(REPO))
    first = render_context(model)
    from samtbu import model as model_module

    model_module._load_cached.cache_clear()
    assert render_context(Model.load(REPO)) == first


def test_context_is_json_ld_1_1_protected_with_aliases(model: Model):
    ctx = build_context(model)["@context"]
    assert ctx["@version"] == 1.1 and ctx["@protected"] is True
    assert ctx["id"] == "@id" and ctx["type"] == "@type"


def test_every_term_maps_to_a_defined_iri_and_no_two_terms_clash(model: Model):
    ctx = build_context(model)["@context"]
    defined = {str(t) for t in model.classes() + model.properties()}
    seen: dict[str, str] = {}
    for term, definition in ctx.items():
        if term.startswith("@") or term in ("id", "type", "sbu", "xsd"):
            continue
        iri = definition if isinstance(definition, str) else definition["@id"]
        assert iri in defined, (term, iri)
        assert iri == str(SBU) + term, (term, iri)
        assert iri not in seen, f"{term} and {seen[iri]} map to the same IRI"
        seen[iri] = term
    # A class and a property may share a name up to case (Samtykke / samtykke), as in schema.org;
    # two classes or two properties may not.
    for kind in (model.classes(), model.properties()):
        lowered = [str(t).casefold() for t in kind]
        assert len(lowered) == len(set(lowered)), "two terms of one kind differ only in case"


def test_code_properties_expand_plain_codes_into_their_scheme(model: Model):
    ctx = build_context(model)["@context"]
    assert ctx["karakter"]["@type"] == "@vocab"
    assert ctx["karakter"]["@context"]["@vocab"] == "https://w3id.org/samt-bu/kode/karakter/"
    assert ctx["gjelderFag"]["@context"]["@vocab"] == "http://psi.udir.no/kl06/"
    payload = read_payload({"id": "urn:uuid:0", "type": "Vurdering", "karakter": "IV", "gjelderFag": "NOR1260"})
    objects = {str(o) for o in payload.graph.objects()}
    assert "https://w3id.org/samt-bu/kode/karakter/IV" in objects
    assert "http://psi.udir.no/kl06/NOR1260" in objects


def test_no_code_notation_is_shadowed_by_a_term(model: Model):
    """A notation equal to a term name would expand to the term's IRI instead of the code's."""
    from rdflib import SKOS

    terms = set(build_context(model)["@context"])
    shadowed = {str(n) for n in model.vocab.objects(None, SKOS.notation)} & terms
    assert not shadowed


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_json_example_expands_to_its_turtle_twin(path: Path, model: Model):
    twin = path.with_suffix(".ttl")
    assert twin.exists(), f"{path.name} has no Turtle twin"
    from_json = read_payload(path, model=model)
    assert not from_json.unknown_terms, from_json.unknown_terms
    from_turtle = Graph().parse(twin, format="turtle")
    if not isomorphic(from_json.graph, from_turtle):
        _, only_json, only_ttl = graph_diff(to_isomorphic(from_json.graph), to_isomorphic(from_turtle))
        pytest.fail(
            f"{path.name} and {twin.name} differ\nonly in JSON:\n"
            + "\n".join(sorted(f"  {t}" for t in only_json.serialize(format="nt").splitlines()))
            + "\nonly in Turtle:\n"
            + "\n".join(sorted(f"  {t}" for t in only_ttl.serialize(format="nt").splitlines()))
        )


def test_examples_come_in_pairs():
    jsons = {p.stem for p in EXAMPLES}
    ttls = {p.stem for p in (REPO / "examples").glob("*.ttl")}
    assert jsons == ttls and len(jsons) >= 6


def test_released_context_file_matches_the_generated_one(model: Model):
    """The published, versioned context is immutable: the file in contexts/ must equal what the model
    generates for the same version (regenerate with `samtbu context -o contexts/`)."""
    from samtbu.generate.context import context_file_name

    released = REPO / "contexts" / context_file_name(model.version)
    assert released.exists(), f"{released} missing: run `samtbu context -o contexts/`"
    assert released.read_text(encoding="utf-8") == render_context(model)
    json.loads(released.read_text(encoding="utf-8"))


# -- keys the context does not define: what a consumer with only the published context learns --------


def _with_unknown_keys(value, found: list, pointer: str = ""):
    """The payload with a key no term defines ("telefon") added to every node object."""
    if isinstance(value, list):
        return [_with_unknown_keys(v, found, f"{pointer}/{i}") for i, v in enumerate(value)]
    if isinstance(value, dict):
        out = {k: _with_unknown_keys(v, found, f"{pointer}/{k}") for k, v in value.items()}
        if "type" in value:
            out["telefon"] = "22 00 00 00"
            found.append((value.get("id"), f"{pointer}/telefon"))
        return out
    return value


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_an_undefined_key_is_kept_by_pyld_and_rejected_by_the_shapes(path: Path, model: Model):
    """Decision (CONVENTIONS.md, "JSON payloads"): the published context's @vocab puts a key it does
    not define into the namespace https://w3id.org/samt-bu/ukjent#, which is no term of the model.
    A consumer that expands a payload with pyld and the published context alone gets the key as a
    fact in that namespace (not dropped), and validating that RDF with the profile's shapes in any
    SHACL engine (pyshacl here) rejects it: every class of a payload has a closed shape."""
    import pyshacl
    from pyld import jsonld

    from samtbu.jsonld import document_loader
    from samtbu.namespaces import CONTEXT_IRI, UKJENT
    from samtbu.validate.engine import detect_profile

    data = json.loads(path.read_text(encoding="utf-8"))
    added: list = []
    payload = {"@context": CONTEXT_IRI, **_with_unknown_keys(data, added)}
    nquads = jsonld.to_rdf(payload, {"format": "application/n-quads", "documentLoader": document_loader(model)})
    graph = Graph().parse(data=nquads, format="nquads")
    kept = {str(s) for s, p, _ in graph if p == UKJENT.telefon}
    assert len([t for t in graph if t[1] == UKJENT.telefon]) == len(added)  # not one dropped
    assert {node for node, _ in added if node} <= kept
    # The same RDF against the profile's shapes, as a third party would check it.
    profile = detect_profile(read_payload(path).graph, model)
    data_graph = Graph()
    for triple in graph:
        data_graph.add(triple)
    for triple in model.ontology.triples((None, RDFS.subClassOf, None)):
        data_graph.add(triple)
    conforms, report, _ = pyshacl.validate(data_graph, shacl_graph=profile.shapes, inference="none")
    assert not conforms
    SH = "http://www.w3.org/ns/shacl#"
    rejected = {str(report.value(r, URIRef(SH + "focusNode"))) for r in report.subjects(URIRef(SH + "resultPath"), UKJENT.telefon)}
    assert kept <= rejected, kept - rejected
    # samtbu's own validator names each such key once, by its JSON Pointer (and counts no closed-shape
    # violation for it on top).
    from samtbu.validate import validate

    results = [r for rec in validate({"@context": CONTEXT_IRI, **_with_unknown_keys(data, [])}, profile=profile.name).records
               for r in rec.results]
    unknown = sorted(r.pointer for r in results if "telefon" in (r.pointer or ""))
    assert unknown == sorted(p for _, p in added)
    assert all(r.constraint != "sh:ClosedConstraintComponent" for r in results if "telefon" in (r.pointer or ""))


def test_the_published_context_sets_the_unknown_term_namespace(model: Model):
    from samtbu.namespaces import SBU, UKJENT

    ctx = build_context(model)["@context"]
    assert ctx["@vocab"] == str(UKJENT) and not str(UKJENT).startswith(str(SBU))
    # No term of the model lives in that namespace.
    assert not [t for t in model.classes() + model.properties() if str(t).startswith(str(UKJENT))]
