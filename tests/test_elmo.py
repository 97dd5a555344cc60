"""EMREX ELMO crosswalk (issues 8 and 16): import, export, the side record, the fact-level round trips,
the SSSOM mapping set, and refusal of unsafe XML.

The official schema and example are read from the anchors (``SAMTBU_ANCHORS`` or
``<repo>/../shared/anchors``); the tests that need them skip when they are absent.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest
from rdflib import RDF, RDFS, XSD, Graph, Literal, URIRef
from rdflib.compare import isomorphic

from lxml import etree

from samtbu.crosswalk import elmo as elmo_module
from samtbu.crosswalk.sssom import read_sssom
from samtbu.crosswalk.elmo import (
    ALLOWED_PREDICATES,
    ELMO_NS,
    ElmoError,
    ElmoMapping,
    UnsafeXmlError,
    export_elmo,
    export_elmo_report,
    import_elmo,
    import_elmo_document,
    parse_elmo_xml,
    validate_elmo,
)
from samtbu.generate.plainjson import frame_plain
from samtbu.namespaces import SBU, SBUK, local_name
from samtbu.validate import validate
from samtbu.validate.input import read_payload

from _elmo_facts import compare, facts

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


def _example(name: str) -> dict:
    return json.loads((REPO / "examples" / f"{name}.json").read_text(encoding="utf-8"))


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
        "comment_nb", "comment_nn",  # extension slots, declared in the header (test_crosswalks)
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


# -- import: the official example (a Polish Master's transcript) ------------------------------------

# What the import lists for the official example: kept verbatim in the side record (True) or not
# carried at all (False). The report is from an issuer in Poland: it is not Norwegian upper
# secondary documentation, so only what the model can state truthfully (the learner as a person)
# goes into the record; the report stays whole in the side record, never relabelled.
EXAMPLE_LISTING = [
    ("/elmo/generatedDate", False),
    ("/elmo/learner/citizenship", True),
    ("/elmo/learner/identifier[1]", True),
    ("/elmo/learner/identifier[2]", True),
    ("/elmo/report/issuer", True),
    ("/elmo/report/learningOpportunitySpecification[1]", True),
    ("/elmo/report/learningOpportunitySpecification[2]", True),
    ("/elmo/report/learningOpportunitySpecification[3]", True),
    ("/elmo/report/issueDate", True),
    ("/elmo/report/gradingScheme[1]", True),
    ("/elmo/report/gradingScheme[2]", True),
    ("/elmo/report/gradingScheme[3]", True),
    ("/elmo/report/attachment[1]", True),
    ("/elmo/report/attachment[2]", True),
    ("/elmo/attachment", True),
    ("/elmo/groups/groupType[1]", True),
    ("/elmo/groups/groupType[2]", True),
    ("/elmo/Signature", False),
]


@pytest.fixture(scope="module")
def example_import(elmo_dir):
    return import_elmo_document((elmo_dir / "example.xml").read_bytes(), source="example.xml")


def test_example_is_imported_as_what_it_is_never_relabelled(example_import):
    graph = example_import.graph
    assert [(u.location, u.kept) for u in example_import.unmapped] == EXAMPLE_LISTING
    assert all(u.reason for u in example_import.unmapped)
    assert "issuer is in PL" in next(u.reason for u in example_import.unmapped if u.location == "/elmo/report/issuer")
    # The record states only what the model can hold about this document: a person with names and birth
    # date, and each result as an external result in the source's own words.
    (person,) = set(graph.subjects(RDF.type, SBU.Person))
    assert set(graph.objects(person, RDF.type)) == {SBU.Person}
    assert set(graph.subjects()) == {person} | set(graph.subjects(RDF.type, SBU.EksterntResultat))
    assert graph.value(person, SBU.fornavn) == Literal("Wojciech Łukasz")
    assert graph.value(person, SBU.etternavn) == Literal("Rygielski")
    assert graph.value(person, SBU.foedselsdato).toPython().isoformat() == "1983-04-12"
    for cls in ("Laerende", "Dokumentasjon", "Karakterutskrift", "Vurdering", "Sluttkompetanse", "Organisasjon"):
        assert not list(graph.subjects(RDF.type, SBU[cls])), f"the Polish transcript was relabelled as {cls}"
    # A Polish PESEL is not a fødselsnummer: kept verbatim, not imported, and masked in the listing.
    assert graph.value(person, SBU.foedselsnummer) is None
    pesel = next(u for u in example_import.unmapped if u.location == "/elmo/learner/identifier[1]")
    assert "83041200000" not in str(pesel) and pesel.kept
    assert example_import.side_record["kind"] == "foreign"


def _external(graph, title_en):
    (node,) = [s for s in graph.subjects(SBU.resultatnavn, Literal(title_en, lang="en"))]
    return node


def test_foreign_results_are_external_results_in_the_sources_own_words(example_import):
    """Each learning opportunity with an instance, nested ones included, is an sbu:EksterntResultat:
    its title, grade, grading scheme and date as written, the issuer's name and country (PL, never NO),
    and the person; nothing is read as a Norwegian grade, subject or document."""
    graph = example_import.graph
    results = set(graph.subjects(RDF.type, SBU.EksterntResultat))
    assert len(results) == 6  # the titled one without xml:lang included, though its title is not held
    (person,) = set(graph.subjects(RDF.type, SBU.Person))
    for node in results:
        assert graph.value(node, SBU.gjelderPerson) == person
        assert graph.value(node, SBU.laerestedsland) == Literal("PL")
        assert set(graph.objects(node, SBU.laerestedsnavn)) == {Literal("University of Warsaw", lang="en"),
                                                               Literal("Uniwersytet Warszawski", lang="pl")}
    compiler = _external(graph, "Compiler construction")
    assert graph.value(compiler, SBU.oppgittKarakter) == Literal("45.1")
    assert graph.value(compiler, SBU.resultatdato) == Literal("2015-03-17", datatype=XSD.date)
    assert Literal("A number of the scale from 0.0 to 100.0 (one digit of precision)", lang="en") in set(
        graph.objects(compiler, SBU.oppgittKarakterskala))
    assert Literal("Budowa kompilatorów", lang="pl") in set(graph.objects(compiler, SBU.resultatnavn))
    fungi = _external(graph, "Identifying ectomycorrhizal fungi (University of Copenhagen)")
    assert graph.value(fungi, SBU.oppgittKarakter) == Literal("Innpasset")  # as written, not a Norwegian code
    master = _external(graph, "Master of Science in Biology")
    assert graph.value(master, SBU.oppgittKarakter) is None and graph.value(master, SBU.resultatdato) == Literal("2009-06-15", datatype=XSD.date)
    # The side record lists the facts read, for the export to check the record against.
    assert len(example_import.side_record["external"]) == len([t for r in results for t in graph.triples((r, None, None))])


def test_external_results_conform_to_their_shapes_and_bad_ones_do_not(example_import, model):
    from pyshacl import validate as shacl

    shapes = Graph().parse(model.root / "shapes" / "ekstern.ttl")  # the module of the class (no profile's root rules)
    data = Graph()
    for triple in example_import.graph:
        data.add(triple)
    conforms, _, text = shacl(data, shacl_graph=shapes, ont_graph=model.ontology, inference="none")
    assert conforms, text
    node = _external(data, "Compiler construction")
    data.add((node, SBU.oppgittKarakter, Literal("46")))  # two grades
    data.set((node, SBU.laerestedsland, Literal("Polen")))  # not ISO 3166-1 alpha-2
    data.add((node, SBU.resultatnavn, Literal("Compilers", lang="en")))  # two English titles
    conforms, report, _ = shacl(data, shacl_graph=shapes, ont_graph=model.ontology, inference="none")
    assert not conforms
    sources = {str(o) for o in report.objects(None, URIRef("http://www.w3.org/ns/shacl#sourceShape"))}
    assert {f"https://w3id.org/samt-bu/shapes/EksterntResultat-{n}" for n in ("oppgittKarakter", "laerestedsland", "resultatnavn")} <= sources


def test_an_edited_external_result_is_never_exported_with_the_sources_old_text(example_import):
    """External results come back verbatim from the side record: a record that changes, adds or drops a
    fact of one is refused with the side record, never exported with the source's old text."""
    graph = Graph()
    for triple in example_import.graph:
        graph.add(triple)
    node = _external(graph, "Compiler construction")
    graph.set((node, SBU.oppgittKarakter, Literal("99.9")))
    with pytest.raises(ElmoError, match="external result"):
        export_elmo_report(graph, side_record=example_import.side_record, generated=GENERATED)
    graph.remove((node, None, None))
    with pytest.raises(ElmoError, match="no longer states"):
        export_elmo_report(graph, side_record=example_import.side_record, generated=GENERATED)
    # Without the side record the record is no issued document: refused, as before.
    with pytest.raises(ElmoError, match="an ELMO report is issued by an institution"):
        export_elmo_report(example_import.graph, generated=GENERATED)


def test_example_round_trip_fact_by_fact(example_import, elmo_dir):
    """Import, then export with the side record: every fact of every element and attribute of the
    official example is in the output unchanged, or listed as not carried."""
    source = (elmo_dir / "example.xml").read_bytes()
    out = export_elmo_report(example_import.graph, side_record=example_import.side_record, generated=GENERATED)
    assert validate_elmo(out.xml, elmo_dir / "schema.xsd") == []
    not_carried = [u.location for u in example_import.unmapped if not u.kept]
    result = compare(source, out.xml, not_carried)
    assert result.changed == [] and result.lost == [] and result.added == [], result.summary()
    assert {f.location.split("/")[2] for f in result.listed} == {"generatedDate", "Signature"}
    assert len(result.kept) == len(facts(source)) - len(result.listed) > 200
    assert not out.not_carried


def test_every_element_of_the_example_is_in_the_record_kept_or_listed(example_import, elmo_dir):
    """Nothing is dropped silently: each element is read into the record, or lies in a listed subtree."""
    root = parse_elmo_xml((elmo_dir / "example.xml").read_bytes())
    listed = {u.location for u in example_import.unmapped}
    record_values = {str(o) for o in example_import.graph.objects()}
    checked = 0
    for element in root.iter():
        if not isinstance(element.tag, str) or any(isinstance(c.tag, str) for c in element) or not elmo_module._text(element):
            continue  # every leaf with a value
        checked += 1
        chain = [element] + list(element.iterancestors())
        in_listing = any(elmo_module._location(e) in listed for e in chain)
        assert in_listing or elmo_module._text(element) in record_values, elmo_module._location(element)
    assert checked > 150


def test_a_norwegian_report_without_upper_secondary_results_is_not_relabelled(elmo_dir):
    """The same transcript from an issuer in Norway (a university, say): still no Grep subject and
    no code of the model, so still not a karakterutskrift, a Vurdering or a Sluttkompetanse."""
    text = (elmo_dir / "example.xml").read_text(encoding="utf-8").replace("<country>PL</country>", "<country>NO</country>")
    result = import_elmo_document(text.encode("utf-8"))
    assert {o for o in result.graph.objects(None, RDF.type)} == {SBU.Person, SBU.EksterntResultat}
    reason = next(u.reason for u in result.unmapped if u.location == "/elmo/report/issuer")
    assert "no learning opportunity of the report is identified by a Grep code" in reason


def test_the_code_reads_the_mapping(tmp_path, mapping, elmo_dir):
    """Drop one row from the set: the element it mapped is then not read into the record, but kept."""
    text = mapping.path.read_text(encoding="utf-8")
    reduced = tmp_path / "elmo.sssom.tsv"
    reduced.write_text("\n".join(l for l in text.splitlines() if not l.startswith("elmo:elmo/learner/givenNames\t")) + "\n", encoding="utf-8")
    graph, unmapped = import_elmo((elmo_dir / "example.xml").read_bytes(), mapping=ElmoMapping.of(read_sssom(reduced)))
    assert ("/elmo/learner/givenNames", True) in [(u.location, u.kept) for u in unmapped]
    assert not list(graph.objects(None, SBU.fornavn))


# -- the samtbu examples: record -> ELMO -> record, and ELMO -> record -> ELMO -------------------------


@pytest.fixture(scope="module")
def exported():
    return {name: export_elmo_report(_record(name), generated=GENERATED) for name in DOCUMENTS}


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_export_validates_against_the_official_schema(name, exported, elmo_dir):
    assert validate_elmo(exported[name].xml, elmo_dir / "schema.xsd") == []


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_export_states_each_result_as_itself(name, exported, model):
    """One specification per result, side by side (the model has no part-of relation: none is
    invented), each titled by its own subject and assessment type."""
    root = parse_elmo_xml(exported[name].xml)
    ns = {"e": ELMO_NS}
    assert not root.findall(".//e:hasPart", ns)
    record = _example(name)
    specs = root.findall("e:report/e:learningOpportunitySpecification", ns)
    assert len(specs) == len(record["dokumenterer"])
    for spec in specs:
        kind = spec.findtext("e:type", namespaces=ns)
        titles = [t.text for t in spec.findall("e:title", ns)]
        code = spec.findtext("e:identifier[@type='grep-fag']", namespaces=ns)
        if kind == "Course":
            assert "Sluttkompetanse" not in titles
            assert code is None or all(t.startswith(code) for t in titles), titles
    attachment_type = root.findtext("e:report/e:attachment/e:type", namespaces=ns)
    if name == "karakterutskrift-vg2":
        assert attachment_type == "Transcript of Records"
        assert all(s.findtext("e:type", namespaces=ns) == "Course" for s in specs)  # no programme, no qualification


def _entailed(triple, original: Graph, model) -> bool:
    """A type the import gives that the original's type entails (Elev -> Laerende)."""
    s, p, o = triple
    return p == RDF.type and any((c, RDFS.subClassOf, o) in model.ontology or c == o for c in original.objects(s, RDF.type)) \
        or p == RDF.type and any(o in set(model.ontology.transitive_objects(c, RDFS.subClassOf)) for c in original.objects(s, RDF.type))


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_record_round_trip_fact_by_fact(name, exported, model):
    """Record -> ELMO -> record: every fact (triple) of the record is in the re-import unchanged or
    listed as not carried; the re-import adds nothing but types the record's own types entail."""
    original = _record(name)
    export = exported[name]
    graph = import_elmo_document(export.xml).graph
    listed = {(n.node, n.property, n.value) for n in export.not_carried}
    changed, lost = [], []
    for s, p, o in original:
        if (s, p, o) in graph:
            continue
        shown = local_name(o, *elmo_module.OWN_NAMESPACES, foreign="iri") if isinstance(o, URIRef) else str(o)
        if (str(s), local_name(p, *elmo_module.OWN_NAMESPACES, foreign="iri"), shown) in listed:
            continue
        (changed if (s, p, None) in graph else lost).append((s, p, o))
    added = [t for t in graph if t not in original and not _entailed(t, original, model)]
    assert changed == [] and lost == [] and added == [], (changed[:3], lost[:3], added[:3])
    assert len(export.not_carried) + len(export.carried) >= len(original)


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_elmo_round_trip_fact_by_fact(name, exported, elmo_dir):
    """ELMO -> record (+ side record) -> ELMO on every example's document: every fact of every
    element and attribute comes back unchanged (generatedDate is the new document's own)."""
    first = exported[name].xml
    imported = import_elmo_document(first)
    assert [(u.location, u.kept) for u in imported.unmapped] == [("/elmo/generatedDate", False)]
    later = GENERATED.replace(day=2)
    again = export_elmo_report(imported.graph, side_record=imported.side_record, generated=later)
    assert validate_elmo(again.xml, elmo_dir / "schema.xsd") == []
    result = compare(first, again.xml, ["/elmo/generatedDate"])
    assert result.changed == [] and result.lost == [] and result.added == [], result.summary()
    assert [f.location for f in result.listed] == ["/elmo/generatedDate"]
    # Without the side record, the record alone gives the same document (nothing was kept aside).
    plain = export_elmo_report(imported.graph, generated=GENERATED)
    assert compare(first, plain.xml).summary() == compare(first, first).summary()


# -- the side record: the record's facts written into the imported document ---------------------------


def _vurdering_loi(root, fag: str, kind: str):
    ns = {"e": ELMO_NS}
    for spec in root.iter(f"{{{ELMO_NS}}}learningOpportunitySpecification"):
        if spec.findtext("e:identifier[@type='grep-fag']", namespaces=ns) == fag:
            loi = spec.find("e:specifies/e:learningOpportunityInstance", ns)
            if loi.find("e:grouping", ns).get("idref") == kind:
                return loi
    raise AssertionError(f"{fag} {kind} not found")


def test_an_edited_record_is_written_into_the_imported_document(exported):
    first = exported["karakterutskrift-vg2"].xml
    imported = import_elmo_document(first)
    graph = imported.graph
    ns = {"e": ELMO_NS}
    # A changed grade (fysikk 1: 1 -> 3), a removed result (engelsk) and a new one.
    fysikk = next(s for s in graph.subjects(SBU.gjelderFag, URIRef("http://psi.udir.no/kl06/REA3038")))
    graph.set((fysikk, SBU.karakter, SBUK["karakter/3"]))
    engelsk = next(s for s in graph.subjects(SBU.gjelderFag, URIRef("http://psi.udir.no/kl06/ENG1007")))
    for triple in list(graph.triples((engelsk, None, None))) + list(graph.triples((None, None, engelsk))):
        graph.remove(triple)
    new = URIRef("urn:uuid:00000000-0000-5000-8000-000000000001")
    doc = next(graph.subjects(RDF.type, SBU.Karakterutskrift))
    learner = next(graph.subjects(RDF.type, SBU.Laerende))
    for p, o in ((RDF.type, SBU.Vurdering), (SBU.gjelderFag, URIRef("http://psi.udir.no/kl06/SAK1001")),
                 (SBU.vurderingstype, SBUK["vurderingstype/standpunkt"]), (SBU.karakter, SBUK["karakter/5"]),
                 (SBU.resultatstatus, SBUK["resultatstatus/endelig"]), (SBU.gjelderLaerende, learner)):
        graph.add((new, p, o))
    graph.add((doc, SBU.dokumenterer, new))
    out = export_elmo_report(graph, side_record=imported.side_record, generated=GENERATED)
    assert validate_elmo(out.xml) == []
    root = parse_elmo_xml(out.xml)
    loi = _vurdering_loi(root, "REA3038", "standpunkt")
    assert loi.findtext("e:resultLabel", namespaces=ns) == "3" and loi.findtext("e:status", namespaces=ns) == "passed"
    assert not [s for s in root.iter(f"{{{ELMO_NS}}}identifier") if s.text == "ENG1007"]
    added = _vurdering_loi(root, "SAK1001", "standpunkt")
    assert added.findtext("e:resultLabel", namespaces=ns) == "5"
    result = compare(first, out.xml, ["/elmo/generatedDate"])
    changed = {(f.path.rsplit("/", 1)[-1], f.value) for f, _ in result.changed}
    assert changed == {("resultLabel#1", "1"), ("status#1", "failed")}, changed
    assert all("ENG1007" in f.path for f in result.lost)


def test_a_foreign_course_in_a_norwegian_document_is_kept_verbatim(exported, elmo_dir):
    """A vitnemål-like document with one course that is no upper secondary result (no Grep code, a
    foreign grading scheme), nested under a Norwegian result: the Norwegian results go into the
    record, the foreign course and the nesting stay as the source wrote them."""
    root = parse_elmo_xml(exported["karakterutskrift-vg2"].xml)
    example = parse_elmo_xml((elmo_dir / "example.xml").read_bytes())
    foreign = example.findall(f"{{{ELMO_NS}}}report/{{{ELMO_NS}}}learningOpportunitySpecification")[2]
    first_spec = root.find(f"{{{ELMO_NS}}}report/{{{ELMO_NS}}}learningOpportunitySpecification")
    part = etree.SubElement(first_spec, f"{{{ELMO_NS}}}hasPart")
    part.append(foreign)
    xml = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    assert validate_elmo(xml) == []
    imported = import_elmo_document(xml)
    assert len(list(imported.graph.subjects(RDF.type, SBU.Vurdering))) == 11
    kept = [u for u in imported.unmapped if u.kept]
    assert [u.location.rsplit("/", 2)[-2:] for u in kept] == [["hasPart", "learningOpportunitySpecification"]]
    out = export_elmo_report(imported.graph, side_record=imported.side_record, generated=GENERATED)
    result = compare(xml, out.xml, ["/elmo/generatedDate"])
    assert result.changed == [] and result.lost == [] and result.added == [], result.summary()


def test_a_side_record_of_another_record_is_refused(exported, example_import):
    with pytest.raises(ElmoError, match="belongs to another record"):
        export_elmo_report(_record("fagbrev-elektriker"), side_record=example_import.side_record)
    with pytest.raises(ElmoError, match="not an ELMO side record"):
        export_elmo_report(_record("fagbrev-elektriker"), side_record={"format": "x"})


# -- the command line ----------------------------------------------------------------------------


def test_cli_import_writes_record_and_side_record_and_export_restores_the_document(elmo_dir, tmp_path):
    record = tmp_path / "record.json"
    done = _samtbu("import", "--from", "elmo", str(elmo_dir / "example.xml"), "-o", str(record), anchors_path=elmo_dir.parent)
    assert done.returncode == 0, done.stderr.decode()
    stderr = done.stderr.decode()
    assert "kept verbatim in the side record" in stderr and "are not carried" in stderr
    assert "/elmo/learner/citizenship" in stderr and "83041200000" not in stderr
    side = tmp_path / "record.elmo-side.json"
    assert side.is_file()
    data = json.loads(record.read_text(encoding="utf-8"))
    person = next(r["gjelderPerson"] for r in data if "type" in r["gjelderPerson"])
    assert {r["type"] for r in data} == {"EksterntResultat"} and person["type"] == "Person"
    assert person["fornavn"] == "Wojciech Łukasz"
    out = tmp_path / "again.xml"
    done = _samtbu("export", "--to", "elmo", str(record), "--side-record", str(side), "--national-id", "-o", str(out),
                   anchors_path=elmo_dir.parent)
    assert done.returncode == 0, done.stderr.decode()
    result = compare((elmo_dir / "example.xml").read_bytes(), out.read_bytes(), ["/elmo/generatedDate", "/elmo/Signature"])
    assert result.changed == [] and result.lost == [] and result.added == [], result.summary()
    # Not asked to carry the identity number: it is left out and listed, never written masked.
    withheld = tmp_path / "withheld.xml"
    done = _samtbu("export", "--to", "elmo", str(record), "--side-record", str(side), "-o", str(withheld),
                   anchors_path=elmo_dir.parent)
    assert done.returncode == 0, done.stderr.decode()
    assert "nationalIdentifier" in done.stderr.decode() and "withheld" in done.stderr.decode()
    result = compare((elmo_dir / "example.xml").read_bytes(), withheld.read_bytes(), ["/elmo/generatedDate", "/elmo/Signature"])
    assert result.changed == [] and result.added == [], result.summary()
    assert {fact.path for fact in result.lost} == {"elmo#1/learner#1/identifier[type=nationalIdentifier]#1"}, result.summary()
    # The record alone is no document: refused, with the reason.
    done = _samtbu("export", "--to", "elmo", str(record), anchors_path=elmo_dir.parent)
    assert done.returncode == 2 and "an ELMO report is issued by an institution" in done.stderr.decode()


def test_import_output_is_plain_json_in_the_conventions_shape(exported, tmp_path):
    source = tmp_path / "vm.xml"
    source.write_bytes(exported["vitnemaal-studiespesialisering"].xml)
    out = tmp_path / "record.json"
    done = _samtbu("import", "--from", "elmo", str(source), "-o", str(out))
    assert done.returncode == 0, done.stderr.decode()
    record = json.loads(out.read_text(encoding="utf-8"))
    assert record["type"] == "Vitnemaal"
    assert record["utstedtTil"]["fornavn"] == "Maren"
    assert {r["resultatstatus"] for r in record["dokumenterer"] if "resultatstatus" in r} == {"endelig"}
    graph = import_elmo_document(source.read_bytes()).graph
    assert isomorphic(read_payload(out).graph, graph)
    ttl = tmp_path / "record.ttl"
    assert _samtbu("import", "--from", "elmo", str(source), "-o", str(ttl), "-q").returncode == 0
    assert isomorphic(read_payload(ttl).graph, graph)


@pytest.mark.parametrize("name", sorted(set(p.stem for p in (REPO / "examples").glob("*.json"))))
def test_plain_json_framing_reads_back_to_the_same_graph(name):
    graph = _record(name)
    assert isomorphic(read_payload(frame_plain(graph)).graph, graph)


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
def test_reimport_fails_its_profile_only_for_facts_elmo_does_not_carry(name, model, exported):
    profile = DOCUMENTS[name]
    if profile not in model.profiles:
        pytest.skip(f"the validation profile {profile!r} is not in shapes/profiler/")
    original = _record(name)
    assert validate(original, profile=profile).records[0].conforms
    export = exported[name]
    graph, _ = import_elmo(export.xml)
    results = [r for r in validate(graph, profile=profile).records[0].results if r.severity == "Violation"]
    found = sorted((str(r.path).rsplit("/", 1)[-1], r.constraint) for r in results)
    assert found == REIMPORT_VIOLATIONS[name]
    not_carried = {(n.node, n.property) for n in export.not_carried}
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
    with pytest.raises(ElmoError, match="the record is an enkeltresultat"):
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


@pytest.mark.parametrize("import_with_grep", [True, False], ids=["grep-at-import", "no-grep-at-import"])
def test_round_trip_with_grep_titles(import_with_grep, elmo_dir):
    """With a Grep snapshot, the export titles each result by Grep's names; the round trip keeps them,
    whether the import has the snapshot (the titles are Grep's, no fact of the record) or not (the
    titles become the record's own sbu:tittel of the Grep element)."""
    from samtbu.grep import using

    snapshot = REPO / "grep" / "grep-eksempler.sqlite"
    if not snapshot.is_file():
        pytest.skip(f"the example Grep snapshot is not at {snapshot}")
    with using(snapshot):
        first = export_elmo_report(_record("vitnemaal-studiespesialisering"), generated=GENERATED).xml
    root = parse_elmo_xml(first)
    ns = {"e": ELMO_NS}
    spec = next(s for s in root.findall("e:report/e:learningOpportunitySpecification", ns)
                if s.findtext("e:identifier[@type='grep-fag']", namespaces=ns) == "REA3056")
    assert not any(t.text.startswith("REA3056 –") for t in spec.findall("e:title", ns))  # Grep's title, not the code
    with using(snapshot if import_with_grep else False):
        imported = import_elmo_document(first)
    tittel = list(imported.graph.objects(None, SBU.tittel))
    assert bool(tittel) is not import_with_grep
    with using(snapshot if import_with_grep else False):
        again = export_elmo_report(imported.graph, side_record=imported.side_record, generated=GENERATED.replace(day=2))
        plain = export_elmo_report(imported.graph, generated=GENERATED)
    result = compare(first, again.xml, ["/elmo/generatedDate"])
    assert result.changed == [] and result.lost == [] and result.added == [], result.summary()
    assert compare(first, plain.xml).summary() == compare(first, first).summary()
