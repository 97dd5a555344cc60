"""The generated ModellDCAT-AP-NO description: complete, linked to the ontology and the catalog,
deterministic; vocab/modell.ttl keeps only the hand-written metadata."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from rdflib import OWL, RDF, RDFS, XSD, Graph, Literal
from rdflib.collection import Collection
from rdflib.namespace import DCTERMS, FOAF

from samtbu.cli import main
from samtbu.generate.modelldcat import (
    INFORMATION_MODEL,
    MODELLDCATNO,
    build_model_description,
    element_iri,
    fixed_length,
    header_path,
    model_description_file_name,
    render_model_description,
    xsd_pattern,
)
from samtbu.model import Model
from samtbu.namespaces import CONTEXT_IRI, SBU, SBUK

REPO = Path(__file__).resolve().parents[1]
PROPERTY_ELEMENTS = {MODELLDCATNO.Attribute, MODELLDCATNO.Role, MODELLDCATNO.Choice}


@pytest.fixture(scope="module")
def description(model: Model) -> Graph:
    return build_model_description(model)


def _name(term) -> str:
    return str(term)[len(str(SBU)):]


def _described_properties(model: Model) -> list:
    return [p for p in model.properties() if (p, RDF.type, OWL.AnnotationProperty) not in model.ontology]


def _assert_implements(description: Graph, model: Model, element, term) -> None:
    """The element links to its ontology term (identifier and seeAlso) and to the term's concept."""
    assert (element, DCTERMS.identifier, Literal(str(term), datatype=XSD.anyURI)) in description
    assert (element, RDFS.seeAlso, term) in description
    concepts = set(description.objects(element, DCTERMS.subject))
    assert concepts, f"{element} has no dct:subject"
    assert concepts == set(model.ontology.objects(term, DCTERMS.subject))
    assert concepts <= set(model.catalog_concepts()), f"{element}: {concepts} not in the concept catalog"
    assert set(description.objects(element, DCTERMS.title)), f"{element} has no title"


def test_every_class_has_an_object_type(description: Graph, model: Model):
    contained = set(description.objects(INFORMATION_MODEL, MODELLDCATNO.containsModelElement))
    for cls in model.classes():
        element = element_iri("objekttype", _name(cls))
        assert (element, RDF.type, MODELLDCATNO.ObjectType) in description, cls
        assert element in contained
        _assert_implements(description, model, element, cls)


def test_every_non_annotation_property_has_a_property_element(description: Graph, model: Model):
    for prop in _described_properties(model):
        element = element_iri("egenskap", _name(prop))
        kinds = set(description.objects(element, RDF.type)) & PROPERTY_ELEMENTS
        assert len(kinds) == 1, f"{prop}: {kinds}"
        _assert_implements(description, model, element, prop)


def test_annotation_properties_have_no_element(description: Graph, model: Model):
    for prop in model.properties():
        if (prop, RDF.type, OWL.AnnotationProperty) in model.ontology:
            assert (element_iri("egenskap", _name(prop)), None, None) not in description


def test_each_property_hangs_on_the_object_type_of_each_domain_class(description: Graph, model: Model):
    onto = model.ontology
    for prop in _described_properties(model):
        domains = set()
        for domain in onto.objects(prop, RDFS.domain):
            union = onto.value(domain, OWL.unionOf)
            domains |= set(Collection(onto, union)) if union is not None else {domain}
        owners = set(description.subjects(MODELLDCATNO.hasProperty, element_iri("egenskap", _name(prop))))
        assert owners == {element_iri("objekttype", _name(c)) for c in domains}, prop


def test_code_valued_properties_take_their_values_from_their_code_list(description: Graph, model: Model):
    for prop in _described_properties(model):
        scheme = model.ontology.value(prop, SBU.kodeliste)
        if scheme is None:
            continue
        element = element_iri("egenskap", _name(prop))
        code_list = element_iri("kodeliste", str(scheme)[len(str(SBUK)):])
        assert (element, MODELLDCATNO.hasValueFrom, code_list) in description
        assert (code_list, RDFS.seeAlso, scheme) in description


def test_every_code_list_describes_its_scheme(description: Graph, model: Model):
    for scheme in model.code_schemes():
        element = element_iri("kodeliste", str(scheme)[len(str(SBUK)):])
        assert (element, RDF.type, MODELLDCATNO.CodeList) in description
        assert set(description.objects(element, DCTERMS.title)) == set(model.vocab.objects(scheme, DCTERMS.title))
        assert set(description.objects(element, DCTERMS.subject)) == set(model.vocab.objects(scheme, DCTERMS.subject))


def test_links_between_classes_are_roles_or_choices(description: Graph):
    for role in description.subjects(RDF.type, MODELLDCATNO.Role):
        assert len(set(description.objects(role, MODELLDCATNO.hasObjectType))) == 1
    for choice in description.subjects(RDF.type, MODELLDCATNO.Choice):
        assert len(set(description.objects(choice, MODELLDCATNO.hasSome))) >= 2
    mottaker = element_iri("egenskap", "mottaker")
    assert (mottaker, RDF.type, MODELLDCATNO.Choice) in description


def test_every_link_points_at_a_described_element(description: Graph):
    for predicate, element_class in [
        (MODELLDCATNO.hasObjectType, MODELLDCATNO.ObjectType),
        (MODELLDCATNO.hasSome, MODELLDCATNO.ObjectType),
        (MODELLDCATNO.hasGeneralConcept, MODELLDCATNO.ObjectType),
        (MODELLDCATNO.hasValueFrom, MODELLDCATNO.CodeList),
        (MODELLDCATNO.hasSimpleType, MODELLDCATNO.SimpleType),
        (MODELLDCATNO.belongsToModule, MODELLDCATNO.Module),
    ]:
        for target in set(description.objects(None, predicate)):
            assert (target, RDF.type, element_class) in description, f"{predicate} -> {target}"


def test_formats_of_the_model(description: Graph, model: Model):
    formats = set(description.objects(INFORMATION_MODEL, DCTERMS.hasFormat))
    versions = set(model.ontology.objects(None, OWL.versionIRI))
    assert versions <= formats
    assert {str(f) for f in formats - versions} == {CONTEXT_IRI}
    for document in formats:
        assert (document, RDF.type, FOAF.Document) in description
        assert len(set(description.objects(document, DCTERMS.title))) == 3


def test_formats_of_values_come_from_the_shapes(description: Graph):
    fnr = element_iri("enkeltype", "Foedselsnummer")
    assert description.value(fnr, XSD.pattern) == Literal("[0-9]{11}")
    assert int(description.value(fnr, XSD.length)) == 11
    assert (element_iri("egenskap", "foedselsnummer"), MODELLDCATNO.hasSimpleType, fnr) in description
    # a document number has Udir's form only on a vitnemål or kompetansebevis: the general type has none
    assert description.value(element_iri("enkeltype", "Dokumentnummer"), XSD.pattern) is None


@pytest.mark.parametrize(
    "shacl, xsd, length",
    [
        ("^[0-9]{11}$", "[0-9]{11}", 11),
        ("^[VK][0-9]{18}$", "[VK][0-9]{18}", 19),
        ("^(VM|KB)-[0-9]{4}$", "(VM|KB)-[0-9]{4}", 7),
        ("^[A-Za-z0-9_-]+$", "[A-Za-z0-9_-]+", None),
        ("^(A|BC)$", "(A|BC)", None),
        ("^a{2,3}$", "a{2,3}", None),
        ("[0-9]", ".*([0-9]).*", None),
    ],
)
def test_shacl_patterns_become_xsd_patterns(shacl: str, xsd: str, length: int | None):
    assert xsd_pattern(shacl) == xsd
    assert fixed_length(xsd) == length


def test_header_file_holds_only_the_hand_written_metadata(model: Model):
    header = Graph().parse(header_path(model), format="turtle")
    assert (INFORMATION_MODEL, RDF.type, MODELLDCATNO.InformationModel) in header
    assert (INFORMATION_MODEL, MODELLDCATNO.containsModelElement, None) not in header
    generated_types = {MODELLDCATNO.ObjectType, MODELLDCATNO.CodeList, MODELLDCATNO.SimpleType,
                       MODELLDCATNO.Module, MODELLDCATNO.Specialization} | PROPERTY_ELEMENTS
    assert not [s for s, t in header.subject_objects(RDF.type) if t in generated_types]


def test_description_contains_the_header(description: Graph, model: Model):
    header = Graph().parse(header_path(model), format="turtle")
    assert all(triple in description for triple in header)


def test_output_is_deterministic(model: Model, tmp_path: Path):
    first = render_model_description(model)
    assert render_model_description(model) == first
    assert Graph().parse(data=first, format="turtle").isomorphic(build_model_description(model))
    outputs = []
    for seed in ("1", "2"):
        env = dict(os.environ, PYTHONHASHSEED=seed)
        done = subprocess.run(
            [sys.executable, "-c", "from samtbu.cli import main; raise SystemExit(main(['catalog']))"],
            cwd=REPO, env=env, capture_output=True, text=True, check=True,
        )
        outputs.append(done.stdout)
    assert outputs[0] == outputs[1] == first


def test_cli_writes_the_description_into_a_directory(model: Model, tmp_path: Path):
    assert main(["catalog", "-o", str(tmp_path)]) == 0
    written = tmp_path / model_description_file_name(model.version)
    assert written.read_text(encoding="utf-8") == render_model_description(model)
