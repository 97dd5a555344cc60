"""The ontology is consistent under an OWL reasoner (HermiT, through owlready2)."""

from __future__ import annotations

import shutil

import pytest
from rdflib import OWL, RDFS, XSD, Graph

from samtbu.model import Model

owlready2 = pytest.importorskip("owlready2", reason="owlready2 is needed for the reasoner test")


@pytest.mark.slow
def test_ontology_is_consistent_and_every_class_satisfiable(model: Model, tmp_path):
    if shutil.which("java") is None:
        pytest.skip("no Java runtime: HermiT needs one (.ci/run installs default-jre-headless)")
    merged = Graph()
    for path in Model.ontology_files(model.root):
        merged.parse(path, format="turtle")
    # The modules import each other by IRI; they are all merged here, so the imports are dropped to
    # keep owlready2 from trying to fetch them.
    merged.remove((None, OWL.imports, None))
    # xsd:date and xsd:gYear are not in the OWL 2 datatype map, and HermiT refuses them. The
    # ontology keeps them (payloads need them); the reasoner's copy, which holds no instance data,
    # reads those ranges as rdfs:Literal, which cannot hide an unsatisfiable class.
    for prop, rng in list(merged.subject_objects(RDFS.range)):
        if rng in (XSD.date, XSD.gYear):
            merged.remove((prop, RDFS.range, rng))
            merged.add((prop, RDFS.range, RDFS.Literal))
    owl_file = tmp_path / "samtbu.owl"
    merged.serialize(owl_file, format="xml")

    world = owlready2.World()
    onto = world.get_ontology(owl_file.as_uri()).load()
    try:
        with onto:
            owlready2.sync_reasoner_hermit(world, infer_property_values=False, debug=0)
    except owlready2.OwlReadyInconsistentOntologyError as exc:  # pragma: no cover - the failure case
        pytest.fail(f"the ontology is inconsistent: {exc}")
    unsatisfiable = [str(c) for c in world.inconsistent_classes()]
    assert not unsatisfiable, f"unsatisfiable classes: {unsatisfiable}"
    assert len(list(onto.classes())) >= 30
