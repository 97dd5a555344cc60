"""Our catalog and model description conform to the official Norwegian profiles (SKOS-AP-NO-Begrep v2,
ModellDCAT-AP-NO, DCAT-AP-NO), read from the anchors folder.

The data graph is our file(s) plus the reference data the official shapes expect to find typed
(publisher, contact point, fdk reference data). Results on nodes that are not ours (the reference data
and the official ontologies themselves do not conform to the shapes) are not our concern; every result
on a node our files describe is.

Known defects of the official files, documented rather than worked around in our data:
- SKOS-AP-NO v2: the scopeNote property shape has path skos:scopeNot (never checks scopeNote); the
  publisher "Max1" shape has no sh:maxCount; sh:class on external IRIs means they must be typed in
  the validated graph.
- fdk-reference-data concept-status (the copy in the anchors): its concepts carry no rdf:type, so the
  test types them skos:Concept, as the published vocabulary at data.norge.no does.
- ModellDCAT-AP-NO v1.3: the xkos: prefix is bound to a wrong namespace.
"""

from __future__ import annotations

from pathlib import Path

import pyshacl
import pytest
from rdflib import RDF, RDFS, SKOS, Graph, URIRef
from rdflib.namespace import SH

from samtbu.generate.modelldcat import MODELLDCATNO, build_model_description
from samtbu.model import Model

REPO = Path(__file__).resolve().parents[1]


def _graph(*paths: Path) -> Graph:
    g = Graph()
    for p in paths:
        g.parse(p, format="turtle")
    return g


def _reference_data(anchors: Path) -> Graph:
    no = anchors / "no"
    g = _graph(*sorted(no.glob("fdk-reference-data__*.ttl")))
    for concept in list(g.subjects(SKOS.inScheme, None)):
        g.add((concept, RDF.type, SKOS.Concept))
    return g


def _results_on_our_nodes(ours: Graph, data: Graph, shapes: Graph, ont: Graph | None = None) -> list[str]:
    """Violations on our nodes. Warnings are not failures; the ones the official shapes always give
    (e.g. DCAT-AP-NO warns for any theme taxonomy that is not Eurovoc, ModellDCAT-AP-NO for any theme
    that is not from LOS, even the EU data theme EDUC) are documented in vocab/*.ttl."""
    conforms, report, _ = pyshacl.validate(data, shacl_graph=shapes, ont_graph=ont, inference="none", advanced=True)
    our_nodes = set(ours.subjects())
    problems = []
    for result in report.subjects(RDF.type, SH.ValidationResult):
        focus = report.value(result, SH.focusNode)
        if focus in our_nodes and report.value(result, SH.resultSeverity) == SH.Violation:
            problems.append(
                f"{focus} {report.value(result, SH.resultPath)}: {report.value(result, SH.resultMessage)} "
                f"({report.value(result, SH.sourceConstraintComponent)})"
            )
    return sorted(problems)


def test_concept_catalog_conforms_to_skos_ap_no_begrep_v2(anchors: Path):
    no = anchors / "no"
    ours = _graph(*sorted((REPO / "vocab" / "begreper").glob("*.ttl")))
    data = Graph()
    data += ours
    data += _graph(REPO / "vocab" / "organisasjoner.ttl")
    data += _reference_data(anchors)
    data += _graph(no / "skos-ap-no-begrep__ontology_skosno.ttl", no / "skos-ap-no-begrep__shacl_ontologies.ttl")
    shapes = _graph(no / "skos-ap-no-begrep__SKOS-AP-NO-Begrep-shape_shape_v2.ttl")
    assert len(set(ours.subjects(RDF.type, SKOS.Concept))) >= 50
    assert _results_on_our_nodes(ours, data, shapes) == []


def test_the_shape_check_catches_a_broken_concept(anchors: Path):
    """The harness above must be able to fail: drop the nynorsk label of one concept."""
    no = anchors / "no"
    ours = _graph(REPO / "vocab" / "begreper" / "aktoerer-og-opplaering.ttl")
    victim = next(iter(sorted(ours.subjects(RDF.type, SKOS.Concept))))
    for label in list(ours.objects(victim, SKOS.prefLabel)):
        if label.language == "nn":
            ours.remove((victim, SKOS.prefLabel, label))
    data = ours + _graph(REPO / "vocab" / "organisasjoner.ttl") + _reference_data(anchors)
    shapes = _graph(no / "skos-ap-no-begrep__SKOS-AP-NO-Begrep-shape_shape_v2.ttl")
    problems = _results_on_our_nodes(ours, data, shapes)
    assert any(str(victim) in p and "prefLabel" in p for p in problems), problems


def test_information_model_conforms_to_modelldcat_ap_no(anchors: Path):
    """The full description: vocab/modell.ttl and the model elements generated from the model."""
    no = anchors / "no"
    ours = build_model_description(Model.load(REPO))
    assert (None, RDF.type, MODELLDCATNO.ObjectType) in ours
    # The shapes require each dct:subject to be a skos:Concept, so the catalog is part of the data.
    data = ours + _graph(REPO / "vocab" / "organisasjoner.ttl", *sorted((REPO / "vocab" / "begreper").glob("*.ttl")))
    data += _reference_data(anchors)
    shapes = _graph(no / "modelldcat-ap-no__modelldcat-ap-no_v1_SHACL-shapes.ttl")
    # Only the class hierarchy of the ModellDCAT ontology: its model-type entries break its own shapes.
    official = _graph(no / "modelldcat-ap-no__ontology_modelldcatno.ttl")
    hierarchy = Graph()
    for s, o in official.subject_objects(RDFS.subClassOf):
        if isinstance(s, URIRef) and isinstance(o, URIRef):
            hierarchy.add((s, RDFS.subClassOf, o))
    assert _results_on_our_nodes(ours, data, shapes, ont=hierarchy) == []


def test_catalog_conforms_to_dcat_ap_no(anchors: Path):
    no = anchors / "no"
    ours = _graph(REPO / "vocab" / "katalog.ttl")
    data = ours + _graph(REPO / "vocab" / "organisasjoner.ttl") + _reference_data(anchors)
    shapes = _graph(no / "dcat-ap-no__DCAT-AP-NO-shacl_shapes_2.00.ttl")
    assert _results_on_our_nodes(ours, data, shapes) == []
