"""Quality gate for the model files: they parse, every term is defined, labelled and defined in
three languages, IRIs and versions come from the one place they are defined."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from rdflib import OWL, RDF, RDFS, SKOS, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS

from samtbu import MODEL_VERSION
from samtbu.model import LANGUAGES, Model
from samtbu.namespaces import BASE_IRI, ONTOLOGY_BASE, SBU, SBUB

REPO = Path(__file__).resolve().parents[1]
MODEL_DIRS = ("ontology", "vocab", "shapes", "examples")
TURTLE_FILES = sorted(p for d in MODEL_DIRS for p in (REPO / d).rglob("*.ttl"))


def test_model_has_files():
    names = {p.parent.name for p in TURTLE_FILES}
    assert {"ontology", "kodelister", "begreper", "profiler", "examples"} <= names


@pytest.mark.parametrize("path", TURTLE_FILES, ids=lambda p: str(p.relative_to(REPO)))
def test_file_parses_and_uses_only_declared_prefixes(path: Path):
    # rdflib refuses an undeclared prefix, so parsing proves both.
    Graph().parse(path, format="turtle")
    text = path.read_text(encoding="utf-8")
    declared = set(re.findall(r"@prefix\s+([\w-]*):", text)) | set(re.findall(r"PREFIX\s+([\w-]*):", text))
    # Prefixes used inside SPARQL strings of shapes are declared with sh:declare; allow them.
    used = set(re.findall(r"(?<![\w/#<\"'.:-])([a-zA-Z][\w-]*):[A-Za-z_]", _strip_strings_and_iris(text)))
    assert used <= declared | {"http", "https", "urn", "mailto", "_"}, f"undeclared prefixes {used - declared}"


def _strip_strings_and_iris(text: str) -> str:
    text = re.sub(r'"""(.|\n)*?"""', '""', text)
    text = re.sub(r'"(\\.|[^"\\\n])*"', '""', text)
    text = re.sub(r"<[^>\s]*>", "<>", text)
    return re.sub(r"#[^\n]*", "", text)


def _defined_terms(model: Model) -> set[URIRef]:
    return set(model.classes()) | set(model.properties())


def test_no_undefined_model_term_is_used(model: Model):
    defined = _defined_terms(model)
    used: dict[URIRef, Path] = {}
    for path in TURTLE_FILES:
        g = Graph().parse(path, format="turtle")
        for triple in g:
            for term in triple:
                if isinstance(term, URIRef) and str(term).startswith(str(SBU)):
                    used.setdefault(term, path)
    undefined = {str(t): str(p.relative_to(REPO)) for t, p in used.items() if t not in defined}
    assert not undefined, f"terms used but not defined in ontology/: {undefined}"


def test_ontology_has_every_module(model: Model):
    modules = {str(s)[len(ONTOLOGY_BASE):] for s in model.ontology.subjects(RDF.type, OWL.Ontology)}
    assert {"core", "vurdering", "fullfoering", "kompetanse", "dokumentasjon", "deling", "alignments"} <= modules


def test_versions_agree_with_the_package(model: Model):
    for ontology in model.ontology.subjects(RDF.type, OWL.Ontology):
        assert str(model.ontology.value(ontology, OWL.versionInfo)) == MODEL_VERSION, ontology
        version_iri = str(model.ontology.value(ontology, OWL.versionIRI))
        module = str(ontology)[len(ONTOLOGY_BASE):]
        assert version_iri == f"{ONTOLOGY_BASE}{MODEL_VERSION}/{module}", ontology


def test_every_model_iri_is_under_the_one_base(model: Model):
    """Our own IRIs all start with BASE_IRI; a typo such as w3id.org/samtbu/ would slip past otherwise."""
    for g in (model.ontology, model.vocab, model.shapes):
        for term in {t for triple in g for t in triple if isinstance(t, URIRef)}:
            s = str(term)
            if "samt-bu" in s or "samtbu" in s:
                assert s.startswith(BASE_IRI) or "example" in s, s


def _terms(model: Model):
    return model.classes() + model.properties()


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_term_has_label_and_definition(model: Model, lang: str):
    missing = []
    for term in _terms(model):
        labels = [o for o in model.ontology.objects(term, RDFS.label) if getattr(o, "language", None) == lang]
        definitions = [o for o in model.ontology.objects(term, SKOS.definition) if getattr(o, "language", None) == lang]
        if len(labels) != 1 or len(definitions) != 1:
            missing.append(str(term))
    assert not missing, f"terms without exactly one @{lang} label and definition: {missing}"


def test_every_term_links_to_a_catalog_concept(model: Model):
    concepts = set(model.catalog_concepts())
    bad = {}
    for term in _terms(model):
        subjects = [s for s in model.ontology.objects(term, DCTERMS.subject) if str(s).startswith(str(SBUB))]
        if not subjects and (term, RDF.type, OWL.AnnotationProperty) in model.ontology:
            continue  # the model's own machinery (kodeliste, kodeNavnerom) has no domain concept
        if not subjects or any(s not in concepts for s in subjects):
            bad[str(term)] = [str(s) for s in subjects]
    assert not bad, f"terms without a (known) catalog concept: {bad}"


def test_every_property_has_domain_and_range(model: Model):
    bad = []
    for prop in model.properties():
        if (prop, RDF.type, OWL.AnnotationProperty) in model.ontology:
            continue
        if model.ontology.value(prop, RDFS.domain) is None or model.ontology.value(prop, RDFS.range) is None:
            bad.append(str(prop))
    assert not bad, f"properties without domain or range: {bad}"


def test_code_valued_properties_name_an_existing_code_list(model: Model):
    schemes = set(model.code_schemes())
    kodeliste = SBU.kodeliste
    checked = 0
    for prop, scheme in model.ontology.subject_objects(kodeliste):
        assert scheme in schemes, f"{prop} names unknown code list {scheme}"
        ns = str(model.ontology.value(prop, SBU.kodeNavnerom))
        assert ns == f"{scheme}/", f"{prop}: kodeNavnerom {ns} does not match its code list {scheme}"
        checked += 1
    assert checked >= 8


def test_every_term_is_defined_by_its_module(model: Model):
    modules = set(model.ontology.subjects(RDF.type, OWL.Ontology))
    bad = [str(t) for t in _terms(model) if model.ontology.value(t, RDFS.isDefinedBy) not in modules]
    assert not bad, f"terms without rdfs:isDefinedBy a module: {bad}"


def test_labels_are_literals_with_a_language():
    for path in TURTLE_FILES:
        g = Graph().parse(path, format="turtle")
        for s, p, o in g.triples((None, None, None)):
            if p in (RDFS.label, SKOS.prefLabel, SKOS.definition) and isinstance(o, Literal):
                assert o.language and str(o).strip(), f"{path.name}: {s} {p} has no language tag or is empty"
