"""Fagskole documents in the European Digital Credential: ELM's vocabulary for credits and levels,
checked against the official EDC shapes from the anchors folder (skipped with a reason without)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from rdflib import URIRef

from samtbu.crosswalk.record import load_mapping_set
from samtbu.model import Model
from samtbu.validate.input import read_payload

MODEL = Model.load()
ANCHORS = Path(os.environ.get("SAMTBU_ANCHORS") or MODEL.root.parent / "shared" / "anchors")
FAGSKOLE_EXAMPLES = ["fagskolevitnemaal-elkraft", "fagskolekarakterutskrift-helse"]
EDC_FILES = ("elm/master/EDC-generic-no-cv.ttl", "elm/lts-3.2/ap_edc_EDC-generic-full.ttl",
             "elm/master/edc-ap-context.jsonld", "ob3/w3c-2018-credentials-v1-context.jsonld")
ELM = "http://data.europa.eu/snb/model/elm/"
needs_anchors = pytest.mark.skipif(any(not (ANCHORS / f).is_file() for f in EDC_FILES),
                                   reason=f"the EDC shapes and contexts are not under {ANCHORS} (set SAMTBU_ANCHORS)")


@pytest.fixture(autouse=True)
def _anchors_env(monkeypatch):
    monkeypatch.setenv("SAMTBU_ANCHORS", str(ANCHORS))


def _example(name: str) -> dict:
    return json.loads((MODEL.root / "examples" / f"{name}.json").read_text(encoding="utf-8"))


def _export(name: str):
    from samtbu.crosswalk.elm import export_elm

    return export_elm(read_payload(_example(name)).graph)


@needs_anchors
@pytest.mark.parametrize("name", FAGSKOLE_EXAMPLES)
def test_fagskole_export_conforms_to_the_edc_shapes(name):
    from samtbu.crosswalk.elm import to_rdf, validate_edc

    result = _export(name)
    for shapes, (conforms, text) in validate_edc(result.document).items():
        assert conforms, f"{shapes}:\n{text}"
    graph = to_rdf(result.document)
    units = [r for r in _example(name)["dokumenterer"] if r["type"] == "Emnevurdering"]
    parts = list(graph.objects(None, URIRef(ELM + "hasPart")))
    assert len(parts) == len(units)
    # Every course unit's credits, in the fagskole credit system (not ECTS).
    frameworks = set(graph.objects(None, URIRef(ELM + "framework")))
    assert frameworks == {URIRef("https://w3id.org/samt-bu/kode/studiepoengsystem/fagskole")}
    points = sorted(int(str(p)) for c in graph.objects(None, URIRef(ELM + "creditPoint")) for p in graph.objects(c, URIRef(ELM + "point")))
    schemes = {str(s) for s in graph.objects(None, URIRef(ELM + "gradingScheme"))}
    assert schemes <= {"https://w3id.org/samt-bu/kode/karakterskala-a-f", "https://w3id.org/samt-bu/kode/karakterskala-fagskole-bestaatt"}
    assert "https://w3id.org/samt-bu/kode/karakterskala-a-f" in schemes
    if name == "fagskolevitnemaal-elkraft":
        assert (None, URIRef(ELM + "EQFLevel"), URIRef("http://data.europa.eu/snb/eqf/5")) in graph
        assert 120 in points and sorted(points[:-1]) == sorted(u["gjelderEmne"]["studiepoeng"] for u in units)
        received = list(graph.objects(None, URIRef(ELM + "creditReceived")))
        assert len(received) == len(units) + 1  # every unit passed, and the qualification
    else:
        # The transcript: a failed unit (F) and a provisional one; credits received only for passes.
        passed = [u for u in units if u["fagskolekarakter"] not in ("F", "ikke-bestaatt")]
        assert len(list(graph.objects(None, URIRef(ELM + "creditReceived")))) == len(passed)
    assert _example(name)["utstedtTil"]["foedselsnummer"] not in result.to_bytes().decode()


def test_nkr_level_without_an_eu_iri_is_listed_as_not_carried():
    result = _export("fagskolevitnemaal-elkraft")
    assert ("nkrNivaa", "5.2") in {(i.property, i.value) for i in result.not_carried}
    assert any("NKR level 5.2" in w for w in result.warnings)
    assert _export("fagskolevitnemaal-elkraft").to_bytes() == result.to_bytes()
    fnr = _example("fagskolevitnemaal-elkraft")["utstedtTil"]["foedselsnummer"]
    assert not [item for item in result.not_carried if fnr in str(item)]  # (a UUID may hold 11 digits by chance)


def test_every_property_in_the_fagskole_examples_has_an_elm_row():
    mapping = load_mapping_set("elm")
    sbu = "https://w3id.org/samt-bu/def/"
    for name in FAGSKOLE_EXAMPLES:
        for _, p, _ in read_payload(_example(name)).graph:
            if str(p).startswith(sbu):
                assert mapping.for_subject(p), f"no row for {p} (used in {name})"


@needs_anchors
def test_the_colleges_own_document_number_is_carried_as_it_is():
    """No national format exists for it: the number is an opaque identifier, written verbatim."""
    from samtbu.crosswalk.elm import export_elm, validate_edc

    path = MODEL.root / "tests" / "fixtures" / "valid" / "fagskolevitnemaal" / "dokumentnummer-uten-nasjonalt-format.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    result = export_elm(read_payload(data).graph)
    assert result.document["identifier"]["notation"] == data["dokumentnummer"] == "NFS-2026-0417"
    for shapes, (conforms, text) in validate_edc(result.document).items():
        assert conforms, f"{shapes}:\n{text}"
