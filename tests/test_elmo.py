"""EMREX ELMO crosswalk (issue 8): import, export, the SSSOM mapping set, and refusal of unsafe XML.

The official schema and example are read from the anchors (``SAMTBU_ANCHORS`` or
``<repo>/../shared/anchors``); the tests that need them skip when they are absent.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest
from rdflib import RDF, Graph, Literal, URIRef
from rdflib.compare import graph_diff, isomorphic, to_isomorphic

from samtbu.crosswalk.elmo import (
    ALLOWED_PREDICATES,
    ElmoError,
    ElmoMapping,
    UnsafeXmlError,
    export_elmo,
    export_elmo_report,
    import_elmo,
    mapped_subset,
    parse_elmo_xml,
    validate_elmo,
)
from samtbu.generate.plainjson import frame_plain
from samtbu.namespaces import SBU, SBUK
from samtbu.validate import validate
from samtbu.validate.engine import detect_profile
from samtbu.validate.input import read_payload

REPO = Path(__file__).resolve().parents[1]
GENERATED = datetime(2026, 7, 1, 12, 0, tzinfo=timezone.utc)
# The document examples of issue 8, with the profile each conforms to.
DOCUMENTS = {
    "vitnemaal-studiespesialisering": "vitnemaal",
    "vitnemaal-yrkeskompetanse": "vitnemaal",
    "kompetansebevis-delvis": "kompetansebevis",
    "fagbrev-elektriker": "fagbrev",
    "karakterutskrift-vg2": "karakterutskrift",  # added with the profile «karakterutskrift»
}


@pytest.fixture(scope="module")
def elmo_dir(anchors) -> Path:
    path = anchors / "elmo"
    if not (path / "schema.xsd").is_file():
        pytest.skip(f"the ELMO schema is not at {path} (set SAMTBU_ANCHORS to the anchors folder)")
    return path


@pytest.fixture(scope="module")
def mapping(model) -> ElmoMapping:
    return ElmoMapping.load(model=model)


def _record(name: str) -> Graph:
    return read_payload(REPO / "examples" / f"{name}.json").graph


def _env(anchors_path: Path | None = None) -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO / "src") + os.pathsep + env.get("PYTHONPATH", "")
    if anchors_path is not None:
        env["SAMTBU_ANCHORS"] = str(anchors_path)
    return env


def _samtbu(*args: str, stdin: bytes | None = None, anchors_path: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "samtbu.cli", *args], input=stdin, capture_output=True, timeout=120, env=_env(anchors_path)
    )


# -- the mapping set --------------------------------------------------------------------------


def test_mapping_set_is_sssom_with_metadata(mapping):
    meta = mapping.metadata
    assert meta["mapping_set_id"].startswith("https://w3id.org/samt-bu/mapping/elmo")
    assert meta["license"] == "https://data.norge.no/nlod/no/2.0"
    assert {"elmo", "sbu", "sbuk", "skos", "semapv"} <= set(meta["curie_map"])
    header = next(l for l in mapping.path.read_text(encoding="utf-8").splitlines() if not l.startswith("#"))
    assert header.split("\t") == [
        "subject_id", "subject_label", "predicate_id", "object_id", "object_label", "mapping_justification", "comment",
    ]
    assert len(mapping.rows) >= 30
    assert all(r.predicate_id in ALLOWED_PREDICATES for r in mapping.rows)
    for line in mapping.path.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#") and not line.startswith("subject_id"):
            assert line.split("\t")[5] == "semapv:ManualMappingCuration"


def test_mapping_objects_exist_in_the_model(mapping, model):
    from rdflib import OWL, SKOS

    for row in mapping.rows:
        iri = row.object_iri
        if str(iri).startswith(str(SBU)):
            assert any(model.ontology.triples((iri, RDF.type, None))), f"{row.object_id} is not a term of the ontology"
        elif str(iri).startswith(str(SBUK)):
            assert (iri, RDF.type, SKOS.Concept) in model.vocab, f"{row.object_id} is not a code"
        else:
            assert iri in (SKOS.ConceptScheme, SKOS.Concept), row.object_id
    del OWL


def test_the_code_reads_the_mapping(tmp_path, mapping, elmo_dir):
    """Drop one row from the set: the element it mapped is then listed as unmapped."""
    text = mapping.path.read_text(encoding="utf-8")
    reduced = tmp_path / "elmo.sssom.tsv"
    reduced.write_text("\n".join(l for l in text.splitlines() if not l.startswith("elmo:elmo/learner/givenNames\t")) + "\n", encoding="utf-8")
    graph, unmapped = import_elmo((elmo_dir / "example.xml").read_bytes(), mapping=ElmoMapping.load(reduced))
    assert "/elmo/learner/givenNames" in [u.location for u in unmapped]
    assert not list(graph.objects(None, SBU.fornavn))


# -- import -----------------------------------------------------------------------------------

EXAMPLE_UNMAPPED = [
    "/elmo/generatedDate",
    "/elmo/learner/citizenship",
    "/elmo/learner/identifier[1]",
    "/elmo/learner/identifier[2]",
    "/elmo/report/issuer/country",
    "/elmo/report/issuer/identifier[1]",
    "/elmo/report/issuer/identifier[2]",
    "/elmo/report/issuer/identifier[3]",
    "/elmo/report/issuer/title[2]",
    "/elmo/report/issuer/url",
    "/elmo/report/learningOpportunitySpecification[1]/identifier[1]",
    "/elmo/report/learningOpportunitySpecification[1]/identifier[2]",
    "/elmo/report/learningOpportunitySpecification[1]/identifier[3]",
    "/elmo/report/learningOpportunitySpecification[1]/title[1]",
    "/elmo/report/learningOpportunitySpecification[1]/title[2]",
    "/elmo/report/learningOpportunitySpecification[1]/iscedCode",
    "/elmo/report/learningOpportunitySpecification[1]/url",
    "/elmo/report/learningOpportunitySpecification[1]/specifies/learningOpportunityInstance/start",
    "/elmo/report/learningOpportunitySpecification[1]/specifies/learningOpportunityInstance/academicTerm",
    "/elmo/report/learningOpportunitySpecification[1]/specifies/learningOpportunityInstance/credit",
    "/elmo/report/learningOpportunitySpecification[1]/specifies/learningOpportunityInstance/diplomaSupplement",
    "/elmo/report/learningOpportunitySpecification[1]/hasPart/learningOpportunitySpecification/identifier[1]",
    "/elmo/report/learningOpportunitySpecification[1]/hasPart/learningOpportunitySpecification/identifier[2]",
    "/elmo/report/learningOpportunitySpecification[1]/hasPart/learningOpportunitySpecification/title[1]",
    "/elmo/report/learningOpportunitySpecification[1]/hasPart/learningOpportunitySpecification/title[2]",
    "/elmo/report/learningOpportunitySpecification[1]/hasPart/learningOpportunitySpecification/specifies/learningOpportunityInstance/academicTerm",
    "/elmo/report/learningOpportunitySpecification[1]/hasPart/learningOpportunitySpecification/specifies/learningOpportunityInstance/resultLabel",
    "/elmo/report/learningOpportunitySpecification[1]/hasPart/learningOpportunitySpecification/specifies/learningOpportunityInstance/credit",
    "/elmo/report/learningOpportunitySpecification[2]/identifier",
    "/elmo/report/learningOpportunitySpecification[2]/title[1]",
    "/elmo/report/learningOpportunitySpecification[2]/title[2]",
    "/elmo/report/learningOpportunitySpecification[2]/subjectArea",
    "/elmo/report/learningOpportunitySpecification[2]/iscedCode",
    "/elmo/report/learningOpportunitySpecification[2]/url",
    "/elmo/report/learningOpportunitySpecification[2]/description[1]",
    "/elmo/report/learningOpportunitySpecification[2]/description[2]",
    "/elmo/report/learningOpportunitySpecification[2]/description[3]",
    "/elmo/report/learningOpportunitySpecification[2]/descriptionHtml",
    "/elmo/report/learningOpportunitySpecification[2]/specifies/learningOpportunityInstance/start",
    "/elmo/report/learningOpportunitySpecification[2]/specifies/learningOpportunityInstance/academicTerm",
    "/elmo/report/learningOpportunitySpecification[2]/specifies/learningOpportunityInstance/gradingSchemeLocalId",
    "/elmo/report/learningOpportunitySpecification[2]/specifies/learningOpportunityInstance/resultLabel",
    "/elmo/report/learningOpportunitySpecification[2]/specifies/learningOpportunityInstance/shortenedGrading",
    "/elmo/report/learningOpportunitySpecification[2]/specifies/learningOpportunityInstance/resultDistribution",
    "/elmo/report/learningOpportunitySpecification[2]/specifies/learningOpportunityInstance/credit",
    "/elmo/report/learningOpportunitySpecification[2]/specifies/learningOpportunityInstance/level[1]",
    "/elmo/report/learningOpportunitySpecification[2]/specifies/learningOpportunityInstance/level[2]",
    "/elmo/report/learningOpportunitySpecification[2]/specifies/learningOpportunityInstance/languageOfInstruction",
    "/elmo/report/learningOpportunitySpecification[2]/specifies/learningOpportunityInstance/grouping",
    "/elmo/report/learningOpportunitySpecification[2]/hasPart[1]/learningOpportunitySpecification",
    "/elmo/report/learningOpportunitySpecification[2]/hasPart[2]/learningOpportunitySpecification",
    "/elmo/report/learningOpportunitySpecification[3]/title",
    "/elmo/report/learningOpportunitySpecification[3]/specifies/learningOpportunityInstance/gradingSchemeLocalId",
    "/elmo/report/learningOpportunitySpecification[3]/specifies/learningOpportunityInstance/resultLabel",
    "/elmo/report/learningOpportunitySpecification[3]/specifies/learningOpportunityInstance/resultDistribution",
    "/elmo/report/learningOpportunitySpecification[3]/specifies/learningOpportunityInstance/attachments",
    "/elmo/report/gradingScheme[1]",
    "/elmo/report/gradingScheme[2]",
    "/elmo/report/gradingScheme[3]",
    "/elmo/report/attachment[1]/title",
    "/elmo/report/attachment[1]/content",
    "/elmo/report/attachment[2]",
    "/elmo/attachment",
    "/elmo/groups/groupType[1]",
    "/elmo/groups/groupType[2]",
    "/elmo/Signature",
]


def test_example_imports_and_lists_every_unmapped_element(elmo_dir):
    graph, unmapped = import_elmo((elmo_dir / "example.xml").read_bytes())
    assert [u.location for u in unmapped] == EXAMPLE_UNMAPPED
    assert all(u.reason for u in unmapped)
    learner = next(graph.subjects(RDF.type, SBU.Laerende))
    assert graph.value(learner, SBU.fornavn) == Literal("Wojciech Łukasz")
    assert graph.value(learner, SBU.foedselsdato).toPython().isoformat() == "1983-04-12"
    # A Polish PESEL is not a fødselsnummer: listed, not imported, and masked in the listing.
    assert graph.value(learner, SBU.foedselsnummer) is None
    pesel = next(u for u in unmapped if u.location == "/elmo/learner/identifier[1]")
    assert "83041200000" not in str(pesel)
    doc = next(graph.subjects(SBU.utstedtTil, learner))
    assert (doc, RDF.type, SBU.Karakterutskrift) in graph  # the report's attachment is a transcript of records
    assert len(list(graph.objects(doc, SBU.dokumenterer))) == 4
    assert graph.value(graph.value(doc, SBU.utsteder), SBU.navn) == Literal("Uniwersytet Warszawski")


def test_every_element_of_the_example_is_either_mapped_or_listed(elmo_dir):
    """Nothing is dropped silently: each element is consumed by the mapping or lies in a listed subtree."""
    from samtbu.crosswalk import elmo as module

    data = (elmo_dir / "example.xml").read_bytes()
    root = parse_elmo_xml(data)
    importer = module._Importer(root, module.Model.load(), ElmoMapping.load(), "x")
    importer.run()
    listed = {u.location for u in importer.unmapped()}
    for element in root.iter():
        if not isinstance(element.tag, str) or element in importer.consumed:
            continue
        chain = [element] + list(element.iterancestors())
        assert any(module._location(e) in listed for e in chain) or not module._text(element), module._location(element)


# What the official ELMO example gives against the profile «karakterutskrift», as (class of the focus
# node, property, constraint): every violation is a fact the ELMO document does not carry (the Polish
# transcript has no document number, no Norwegian identity number, no Grep subject codes, no school
# years, no assessment types or Norwegian grades, no organisation number and no class for the
# issuer, and its degree programme no kompetansetype). The one warning is a fact it does carry:
# the degree programme the transcript belongs to, imported as a Sluttkompetanse, which a Norwegian
# karakterutskrift does not document. The info is the module's advice on the missing identity number.
ELMO_EXAMPLE_RESULTS = {
    "Violation": [
        ("Karakterutskrift", "dokumentnummer", "sh:MinCountConstraintComponent"),
        ("Karakterutskrift", "utsteder", "sh:OrConstraintComponent"),
        ("Laerende", "foedselsnummer", "sh:MinCountConstraintComponent"),
        ("Organisasjon", "organisasjonsnummer", "sh:MinCountConstraintComponent"),
        ("Sluttkompetanse", "kompetansetype", "sh:MinCountConstraintComponent"),
        ("Vurdering", "gjelderFag", "sh:MinCountConstraintComponent"),
        ("Vurdering", "gjelderFag", "sh:MinCountConstraintComponent"),
        ("Vurdering", "gjelderFag", "sh:MinCountConstraintComponent"),
        ("Vurdering", "karakter", "sh:MinCountConstraintComponent"),
        ("Vurdering", "karakter", "sh:MinCountConstraintComponent"),
        ("Vurdering", "karakter", "sh:MinCountConstraintComponent"),
        ("Vurdering", "resultatstatus", "sh:MinCountConstraintComponent"),
        ("Vurdering", "skoleaar", "sh:MinCountConstraintComponent"),
        ("Vurdering", "skoleaar", "sh:MinCountConstraintComponent"),
        ("Vurdering", "skoleaar", "sh:MinCountConstraintComponent"),
        ("Vurdering", "vurderingsdato", "sh:MinCountConstraintComponent"),
        ("Vurdering", "vurderingsdato", "sh:MinCountConstraintComponent"),
        ("Vurdering", "vurderingstype", "sh:MinCountConstraintComponent"),
        ("Vurdering", "vurderingstype", "sh:MinCountConstraintComponent"),
        ("Vurdering", "vurderingstype", "sh:MinCountConstraintComponent"),
    ],
    "Warning": [("Karakterutskrift", "dokumenterer", "sh:QualifiedMaxCountConstraintComponent")],
    "Info": [("Laerende", "foedselsnummer", "sh:MinCountConstraintComponent")],
}


def test_example_import_against_its_profile(elmo_dir, model):
    graph, _ = import_elmo((elmo_dir / "example.xml").read_bytes())
    profile = detect_profile(graph, model)
    assert profile.name == "karakterutskrift"
    report = validate(graph, profile=profile.name)
    results = report.records[0].results
    found = {
        severity: sorted(
            (
                str(graph.value(URIRef(r.focus_node), RDF.type)).rsplit("/", 1)[-1],
                str(r.path).rsplit("/", 1)[-1],
                r.constraint,
            )
            for r in results
            if r.severity == severity
        )
        for severity in ("Violation", "Warning", "Info")
    }
    assert found == ELMO_EXAMPLE_RESULTS
    assert len(results) == sum(len(v) for v in ELMO_EXAMPLE_RESULTS.values())
    # What fails are facts the ELMO document does not carry: every violation is a missing value.
    for result in results:
        if result.severity == "Violation":
            assert result.constraint in ("sh:MinCountConstraintComponent", "sh:OrConstraintComponent", "sh:ClassConstraintComponent"), result
            focus, prop = URIRef(result.focus_node), URIRef(str(result.path))
            if result.constraint == "sh:MinCountConstraintComponent":
                assert graph.value(focus, prop) is None, result
            else:  # the issuer is there, but ELMO does not say whether it is a school or a county authority
                assert prop == SBU.utsteder and graph.value(graph.value(focus, prop), RDF.type) == SBU.Organisasjon, result


def test_import_output_is_plain_json_in_the_conventions_shape(elmo_dir, tmp_path):
    out = tmp_path / "record.json"
    done = _samtbu("import", "--from", "elmo", str(elmo_dir / "example.xml"), "-o", str(out))
    assert done.returncode == 0, done.stderr.decode()
    import json

    record = json.loads(out.read_text(encoding="utf-8"))
    assert record["type"] == "Karakterutskrift"
    assert record["utstedtTil"]["fornavn"] == "Wojciech Łukasz"
    assert {r["resultatstatus"] for r in record["dokumenterer"] if "resultatstatus" in r} == {"endelig"}
    assert "have no counterpart in the model" in done.stderr.decode()
    assert "/elmo/learner/citizenship" in done.stderr.decode()
    # The JSON reads back (bundled context) to the imported graph.
    graph, _ = import_elmo((elmo_dir / "example.xml").read_bytes())
    assert isomorphic(read_payload(out).graph, graph)
    ttl = tmp_path / "record.ttl"
    assert _samtbu("import", "--from", "elmo", str(elmo_dir / "example.xml"), "-o", str(ttl), "-q").returncode == 0
    assert isomorphic(read_payload(ttl).graph, graph)


@pytest.mark.parametrize("name", sorted(set(p.stem for p in (REPO / "examples").glob("*.json"))))
def test_plain_json_framing_reads_back_to_the_same_graph(name):
    graph = _record(name)
    assert isomorphic(read_payload(frame_plain(graph)).graph, graph)


# -- export -----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_export_validates_against_the_official_schema(name, elmo_dir):
    xml = export_elmo(_record(name), generated=GENERATED)
    assert validate_elmo(xml, elmo_dir / "schema.xsd") == []


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_export_imports_back_for_every_mapped_fact(name, elmo_dir):
    original = _record(name)
    export = export_elmo_report(original, generated=GENERATED)
    graph, unmapped = import_elmo(export.xml)
    expected, got = mapped_subset(original), mapped_subset(graph)
    if not isomorphic(expected, got):
        _, only_original, only_import = graph_diff(to_isomorphic(expected), to_isomorphic(got))
        pytest.fail(f"lost: {sorted(only_original)[:5]}; added: {sorted(only_import)[:5]}")
    # What the exporter says it carried is exactly the mapped subset.
    assert isomorphic(export.carried, expected)
    # The import adds nothing beyond the mapped facts, and our own export leaves only ELMO's header unmapped.
    assert isomorphic(got, graph)
    assert [u.location for u in unmapped] == ["/elmo/generatedDate"]
    # Every fact of the record is either carried or listed as not carried.
    assert len(export.not_carried) + len([t for t in original if t in export.carried]) == len(original)


# The violations that a re-imported record gives against its own profile: exactly the facts that
# ELMO does not carry (the issuer's class, a prøvenemnd as assessor, the yrkestittel).
REIMPORT_VIOLATIONS = {
    "vitnemaal-studiespesialisering": [("utsteder", "sh:OrConstraintComponent")],
    "vitnemaal-yrkeskompetanse": [("utsteder", "sh:OrConstraintComponent")],
    "kompetansebevis-delvis": [("utsteder", "sh:OrConstraintComponent")],
    "karakterutskrift-vg2": [("utsteder", "sh:OrConstraintComponent")],
    "fagbrev-elektriker": [
        ("utsteder", "sh:ClassConstraintComponent"),
        ("vurdertAv", "sh:MinCountConstraintComponent"),
        ("yrkestittel", "sh:MinCountConstraintComponent"),
    ],
}


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_reimport_fails_its_profile_only_for_facts_elmo_does_not_carry(name, model):
    profile = DOCUMENTS[name]
    if profile not in model.profiles:
        pytest.skip(f"the validation profile {profile!r} is not in shapes/profiler/")
    original = _record(name)
    assert validate(original, profile=profile).records[0].conforms
    export = export_elmo_report(original, generated=GENERATED)
    graph, _ = import_elmo(export.xml)
    results = [r for r in validate(graph, profile=profile).records[0].results if r.severity == "Violation"]
    found = sorted((str(r.path).rsplit("/", 1)[-1], r.constraint) for r in results)
    assert found == REIMPORT_VIOLATIONS[name]
    not_carried = {(n.subject, n.property) for n in export.not_carried}
    for result in results:
        prop = str(result.path).rsplit("/", 1)[-1]
        target = original.value(URIRef(result.focus_node), URIRef(str(result.path)))
        assert (result.focus_node, prop) in not_carried or (str(target), "type") in not_carried, result


def test_cli_export_writes_valid_elmo_and_lists_what_is_not_carried(elmo_dir, tmp_path):
    out = tmp_path / "fagbrev.xml"
    done = _samtbu("export", "--to", "elmo", str(REPO / "examples" / "fagbrev-elektriker.ttl"), "-o", str(out), anchors_path=elmo_dir.parent)
    assert done.returncode == 0, done.stderr.decode()
    assert validate_elmo(out.read_bytes(), elmo_dir / "schema.xsd") == []
    stderr = done.stderr.decode()
    assert "not carried by elmo" in stderr and "yrkestittel" in stderr and "vurdertAv" in stderr


def test_export_needs_a_document():
    with pytest.raises(ElmoError, match="exactly one document"):
        export_elmo(_record("enkeltresultat"))
    done = _samtbu("export", "--to", "elmo", str(REPO / "examples" / "enkeltresultat.json"))
    assert done.returncode == 2 and done.stderr.decode().count("\n") == 1


# -- unsafe and malformed input ---------------------------------------------------------------

SECRET = "samtbu-secret-7f3a"


def _refused(xml: bytes, tmp_path: Path, reason: str) -> subprocess.CompletedProcess:
    path = tmp_path / "evil.xml"
    path.write_bytes(xml)
    out = tmp_path / "out.json"
    done = _samtbu("import", "--from", "elmo", str(path), "-o", str(out))
    stderr = done.stderr.decode()
    assert done.returncode == 2, stderr
    assert reason in stderr
    assert stderr.count("\n") == 1 and "Traceback" not in stderr
    assert not out.exists()
    assert SECRET not in done.stdout.decode() + stderr
    return done


def test_external_entity_is_refused_without_file_or_network_access(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text(SECRET)
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    server.setblocking(False)
    port = server.getsockname()[1]
    xml = (
        f'<?xml version="1.0"?>\n<!DOCTYPE elmo [\n  <!ENTITY file SYSTEM "file://{secret}">\n'
        f'  <!ENTITY net SYSTEM "http://127.0.0.1:{port}/x">\n]>\n'
        f'<elmo xmlns="https://github.com/emrex-eu/elmo-schemas/tree/v1"><generatedDate>&file;&net;</generatedDate></elmo>'
    ).encode()
    _refused(xml, tmp_path, "DOCTYPE declarations are refused")
    with pytest.raises(BlockingIOError):
        server.accept()  # nobody connected
    server.close()


def test_billion_laughs_is_refused(tmp_path):
    entities = '<!ENTITY lol "lol">' + "".join(f'<!ENTITY lol{i} "{("&lol%s;" % (i - 1 if i > 1 else "")) * 10}">' for i in range(1, 10))
    xml = f'<?xml version="1.0"?><!DOCTYPE elmo [{entities}]><elmo xmlns="https://github.com/emrex-eu/elmo-schemas/tree/v1">&lol9;</elmo>'.encode()
    _refused(xml, tmp_path, "DOCTYPE declarations are refused")


def test_deep_nesting_is_refused(tmp_path):
    depth = 5000
    xml = ('<elmo xmlns="https://github.com/emrex-eu/elmo-schemas/tree/v1">' + "<a>" * depth + "</a>" * depth + "</elmo>").encode()
    _refused(xml, tmp_path, "nested deeper than")
    shallow = ('<elmo xmlns="https://github.com/emrex-eu/elmo-schemas/tree/v1">' + "<a>" * 100 + "</a>" * 100 + "</elmo>").encode()
    _refused(shallow, tmp_path, "nested deeper than 64 levels")


def test_entity_declaration_is_refused_in_the_library():
    with pytest.raises(UnsafeXmlError):
        parse_elmo_xml(b'<!DOCTYPE x [<!ENTITY a "b">]><elmo xmlns="https://github.com/emrex-eu/elmo-schemas/tree/v1"/>')


def test_oversized_malformed_and_foreign_xml_are_refused(tmp_path):
    with pytest.raises(UnsafeXmlError, match="over the limit"):
        parse_elmo_xml(b"<elmo/>" + b" " * 2000, max_bytes=1000)
    big = tmp_path / "big.xml"
    big.write_bytes(b'<elmo xmlns="https://github.com/emrex-eu/elmo-schemas/tree/v1">' + b" " * (11 * 1024 * 1024) + b"</elmo>")
    done = _samtbu("import", "--from", "elmo", str(big))
    assert done.returncode == 2 and "over the limit" in done.stderr.decode()
    for xml, reason in [
        (b"<elmo><unclosed></elmo>", "malformed XML"),
        (b"<report/>", "not an EMREX ELMO document"),
        ("<elmo/>".encode("utf-16"), "UTF-8"),
        (b"   ", "empty"),
    ]:
        with pytest.raises(ElmoError, match=reason) as caught:
            parse_elmo_xml(xml)
        assert caught.value.exit_code == 2 and "\n" not in str(caught.value)


def test_schema_validation_reports_errors(elmo_dir):
    xml = export_elmo(_record("fagbrev-elektriker"), generated=GENERATED)
    broken = xml.replace(b"<resultLabel>BM</resultLabel>", b"").replace(b"<status>passed</status>", b"<status>bestaatt</status>")
    errors = validate_elmo(broken, elmo_dir / "schema.xsd")
    assert errors and "status" in errors[0]
