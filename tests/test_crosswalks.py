"""Exports to ELM v3 (EDC), Open Badges 3.0 and schema.org: checked against the targets' official
shapes and schema from the anchors folder (skipped with a reason where it is absent), the SSSOM
mapping sets, and the handling of personal data."""

from __future__ import annotations

import copy
import csv
import hashlib
import io
import json
import os
import re
from pathlib import Path

import pytest
from rdflib import OWL, RDFS, Graph, URIRef

from samtbu.crosswalk.record import CrosswalkError, load_mapping_set
from samtbu.model import Model
from samtbu.validate.input import read_payload

MODEL = Model.load()
ANCHORS = Path(os.environ.get("SAMTBU_ANCHORS") or MODEL.root.parent / "shared" / "anchors")
DOCUMENT_EXAMPLES = ["vitnemaal-studiespesialisering", "vitnemaal-yrkeskompetanse", "kompetansebevis-delvis",
                     "fagbrev-elektriker", "karakterutskrift-vg2"]
# Examples that claim a competence; the karakterutskrift documents grades only.
COMPETENCE_EXAMPLES = [n for n in DOCUMENT_EXAMPLES if n != "karakterutskrift-vg2"]
NOT_DOCUMENTS = ["enkeltresultat", "fullfoeringsstatus"]
ISSUER_PROFILES = MODEL.root / "examples" / "issuer-profiles" / "ob3.json"
FNR = re.compile(r"(?<!\d)\d{11}(?!\d)")
ELM = "http://data.europa.eu/snb/model/elm/"


def _example(name: str) -> dict:
    return json.loads((MODEL.root / "examples" / f"{name}.json").read_text(encoding="utf-8"))


def _graph(data: dict) -> Graph:
    return read_payload(copy.deepcopy(data)).graph


def _needs(*relative: str):
    missing = [r for r in relative if not (ANCHORS / r).is_file()]
    return pytest.mark.skipif(bool(missing), reason=f"anchors absent: {', '.join(str(ANCHORS / m) for m in missing)} (set SAMTBU_ANCHORS)")


EDC_FILES = ("elm/master/EDC-generic-no-cv.ttl", "elm/lts-3.2/ap_edc_EDC-generic-full.ttl",
             "elm/lts-3.2/ap_edc_EDC-generic-no-cv.ttl", "elm/lts-3.2/ap_edc_edc-ap-context.jsonld",
             "ob3/w3c-2018-credentials-v1-context.jsonld")


@pytest.fixture(autouse=True)
def _anchors_env(monkeypatch):
    monkeypatch.setenv("SAMTBU_ANCHORS", str(ANCHORS))


# -- ELM ------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def elm_exports():
    from samtbu.crosswalk.elm import export_elm

    return {name: export_elm(_graph(_example(name))) for name in DOCUMENT_EXAMPLES}


@_needs(*EDC_FILES, "elm/master/Sample-MC-Annex1-signed.payload.json")
def test_the_edc_check_accepts_the_official_sample():
    from samtbu.crosswalk.elm import validate_edc

    sample = json.loads((ANCHORS / "elm/master/Sample-MC-Annex1-signed.payload.json").read_text(encoding="utf-8"))
    assert all(conforms for conforms, _ in validate_edc(sample).values())


@_needs(*EDC_FILES)
def test_every_edc_profile_in_the_anchors_is_targeted_or_said_why_not():
    from samtbu.crosswalk.elm import EDC_PROFILES, EDC_SHAPES, NOT_CREDENTIAL_PROFILES

    listed = {p.path for p in EDC_PROFILES}
    for path in sorted((ANCHORS / "elm").rglob("*.ttl")):
        relative = path.relative_to(ANCHORS).as_posix()
        assert relative in listed or relative in NOT_CREDENTIAL_PROFILES, f"{relative}: an EDC profile the export does not account for"
        if "EDC" in path.name:
            assert relative in listed, relative
    for profile in EDC_PROFILES:
        assert (ANCHORS / profile.path).is_file(), profile.path
        assert len(profile.reason) > 40, profile
    # The export claims the Generic credential profile: every generic profile of both releases is targeted.
    assert set(EDC_SHAPES) == {p.path for p in EDC_PROFILES if "generic" in p.path}


@_needs(*EDC_FILES)
@pytest.mark.parametrize("name", DOCUMENT_EXAMPLES)
def test_elm_export_conforms_to_every_targeted_edc_profile(name, elm_exports):
    from samtbu.crosswalk.elm import EDC_SHAPES, to_rdf, validate_edc

    result = elm_exports[name]
    outcome = validate_edc(result.document)
    assert set(outcome) == set(EDC_SHAPES)
    for shapes, (conforms, text) in outcome.items():
        assert conforms, f"{shapes}:\n{text}"
    graph = to_rdf(result.document)  # the data graph: parsed with the current EDC context from the anchors
    assessments = list(graph.subjects(URIRef(ELM + "grade"), None))
    assert len(assessments) == sum(1 for r in _example(name)["dokumenterer"] if r["type"] == "Vurdering")
    assert len(set(graph.objects(None, URIRef(ELM + "gradingScheme")))) >= 1
    assert any(str(o).startswith("https://w3id.org/samt-bu/kode/vurderingstype/")
               for o in graph.objects(None, URIRef("http://purl.org/dc/terms/type")))
    if name in ("vitnemaal-studiespesialisering", "vitnemaal-yrkeskompetanse", "fagbrev-elektriker"):
        assert (None, URIRef(ELM + "EQFLevel"), URIRef("http://data.europa.eu/snb/eqf/4")) in graph
        assert (None, URIRef(ELM + "NQFLevel"), URIRef("http://data.europa.eu/snb/qdr/c_81090d42")) in graph


@_needs(*EDC_FILES, "elm/master/Sample-MC-Annex1-signed.payload.json", "elm/lts-3.2/samples_credential-sample.jsonld")
@pytest.mark.parametrize("name", DOCUMENT_EXAMPLES)
def test_elm_dates_and_issuer_identifier_as_in_the_official_samples(name, elm_exports):
    """issuanceDate as both official samples carry it (VC 1.1); the issuer's eIDAS identifier in the
    samples' form: a legal-person semantics identifier (ETSI EN 319 412-1, clause 5.1.4)."""
    from samtbu.crosswalk.elm import to_rdf

    samples = [json.loads((ANCHORS / p).read_text(encoding="utf-8")) for p in
               ("elm/master/Sample-MC-Annex1-signed.payload.json", "elm/lts-3.2/samples_credential-sample.jsonld")]
    form = re.compile(r"^[A-Z]{3}[A-Z]{2}-\S+$")
    assert any(form.match(s["issuer"]["eIDASIdentifier"]["notation"]) for s in samples)
    assert all("issuanceDate" in s for s in samples)
    document = elm_exports[name].document
    issued = _example(name)["utstedelsesdato"]
    assert document["issuanceDate"] == document["issued"] == document["validFrom"] == f"{issued}T00:00:00Z"
    eidas = document["issuer"]["eIDASIdentifier"]
    orgnr = _example(name)["utsteder"]["organisasjonsnummer"]
    assert eidas["notation"] == f"NTRNO-{orgnr}" and form.match(eidas["notation"])
    assert eidas["spatial"]["id"].endswith("/country/NOR")
    graph = to_rdf(document)
    vc = "https://www.w3.org/2018/credentials#"
    assert (URIRef(document["id"]), URIRef(vc + "issuanceDate"), None) in graph


def _pixels(png: bytes):
    from PIL import Image

    image = Image.open(io.BytesIO(png))
    image.load()
    return image


@pytest.mark.parametrize("name", DOCUMENT_EXAMPLES)
def test_elm_display_is_a_rendered_page_of_the_record(name, elm_exports):
    import base64

    from samtbu.crosswalk.display import font_path

    display = elm_exports[name].document["displayParameter"]
    assert display["title"]["nb"] and display["description"]["nb"]
    details = display["individualDisplay"]["displayDetail"]
    details = details if isinstance(details, list) else [details]
    assert [d["page"] for d in details] == list(range(1, len(details) + 1))
    for detail in details:
        image = _pixels(base64.b64decode(detail["image"]["content"]))
        assert image.format == "PNG" and image.size == (827, 1169)
        histogram = image.convert("L").histogram()
        dark = sum(histogram[:128])
        assert dark > 2000, f"page {detail['page']} is (nearly) blank: {dark} dark pixels"
    # Not one image for every record: the page shows this record's facts.
    others = [e for n, e in elm_exports.items() if n != name]
    first = details[0]["image"]["content"]
    assert all(first != (o.document["displayParameter"]["individualDisplay"]["displayDetail"] if isinstance(
        o.document["displayParameter"]["individualDisplay"]["displayDetail"], dict) else
        o.document["displayParameter"]["individualDisplay"]["displayDetail"][0])["image"]["content"] for o in others)
    if font_path() is not None:
        assert not elm_exports[name].warnings


@_needs(*EDC_FILES)
def test_elm_national_id_only_on_request_and_with_the_current_context_term():
    from samtbu.crosswalk.elm import export_elm, to_rdf

    plain = export_elm(_graph(_example("fagbrev-elektriker")))
    assert "nationalID" not in plain.document["credentialSubject"]
    assert any(i.property == "foedselsnummer" for i in plain.not_carried)
    result = export_elm(_graph(_example("fagbrev-elektriker")), national_id=True)
    assert result.document["credentialSubject"]["nationalID"]["notation"] == "08910458885"
    assert all(i.property != "foedselsnummer" for i in result.not_carried)
    graph = to_rdf(result.document)
    person = URIRef(result.document["credentialSubject"]["id"])
    # The ELM 3.2 context maps the key to elm:nationalId, the property the EDC shapes check; the 3.1
    # context mapped it to elm:nationalID, which no shape or ontology term knows.
    identifier = graph.value(person, URIRef(ELM + "nationalId"))
    assert identifier is not None
    assert str(graph.value(identifier, URIRef("http://www.w3.org/2004/02/skos/core#notation"))) == "08910458885"
    assert (person, URIRef(ELM + "nationalID"), None) not in graph


@_needs(*EDC_FILES)
def test_karakterutskrift_elm_claims_grades_not_a_qualification(elm_exports):
    from samtbu.crosswalk.elm import to_rdf

    result = elm_exports["karakterutskrift-vg2"]
    graph = to_rdf(result.document)
    rdf_type = URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    for cls in ("LearningAchievement", "Qualification"):
        assert not list(graph.subjects(rdf_type, URIRef(ELM + cls))), f"a karakterutskrift must not claim a {cls}"
    claims = list(graph.objects(None, URIRef(ELM + "hasClaim")))
    vurderinger = [r for r in _example("karakterutskrift-vg2")["dokumenterer"] if r["type"] == "Vurdering"]
    assert len(claims) == len(vurderinger)
    for claim in claims:
        assert (claim, rdf_type, URIRef(ELM + "LearningAssessment")) in graph
        assert graph.value(claim, URIRef(ELM + "grade")) is not None
    failed = {v["id"] for v in vurderinger if v["karakter"] in ("1", "IV", "IM")}
    assert failed and failed <= {str(c) for c in claims}  # fails are stated, not dropped
    assert "Transcript of grades" not in json.dumps(result.document["credentialSubject"])


def test_elm_export_is_deterministic_and_lists_what_is_not_carried():
    from samtbu.crosswalk.elm import export_elm

    first = export_elm(_graph(_example("fagbrev-elektriker")))
    again = export_elm(_graph(_example("fagbrev-elektriker")))
    assert first.to_bytes() == again.to_bytes()
    not_carried = {(i.property, i.value) for i in first.not_carried}
    assert ("dokumentstatus", "gyldig") in not_carried
    assert any(p == "foedselsnummer" for p, _ in not_carried)
    for item in first.not_carried:
        assert not FNR.search(str(item)), item  # never a full fødselsnummer in a report
    assert "08910458885" not in first.to_bytes().decode()


def test_elm_refuses_an_issuer_without_organisation_number():
    from samtbu.crosswalk.elm import export_elm

    data = _example("fagbrev-elektriker")
    del data["utsteder"]["organisasjonsnummer"]
    with pytest.raises(CrosswalkError, match="organisasjonsnummer"):
        export_elm(_graph(data))


# -- records that are not issued documents: every target says why not --------------------------------


@pytest.mark.parametrize("target", ["elm", "ob3", "schemaorg", "elmo"])
@pytest.mark.parametrize("name", NOT_DOCUMENTS)
def test_a_record_that_is_no_issued_document_is_refused_by_every_target_with_the_reason(name, target, capsys):
    from samtbu.cli import main
    from samtbu.crosswalk.record import TARGET_NEEDS

    kind = {"enkeltresultat": "the record is an enkeltresultat", "fullfoeringsstatus": "the record is a fullføringsstatus"}[name]
    assert main(["export", str(MODEL.root / "examples" / f"{name}.json"), "--to", target]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert TARGET_NEEDS[target] in err and kind in err


# -- Open Badges 3.0 --------------------------------------------------------------------------------


@_needs("ob3/ob-v3p0-achievementcredential.schema.json", "ob3/ob30-simple-err-credential-subject-result-type.json")
def test_the_ob3_check_rejects_the_known_invalid_sample():
    from samtbu.crosswalk.ob3 import validate_ob3

    bad = json.loads((ANCHORS / "ob3/ob30-simple-err-credential-subject-result-type.json").read_text(encoding="utf-8"))
    assert validate_ob3(bad)


RESOLVABLE = re.compile(r"^(https://[a-z0-9.-]+\.[a-z]+/\S*|did:[a-z0-9]+:[A-Za-z0-9._:%-]+)$")


@_needs("ob3/ob-v3p0-achievementcredential.schema.json")
@pytest.mark.parametrize("name", COMPETENCE_EXAMPLES)
def test_ob3_export_passes_the_schema_with_a_resolvable_issuer_and_a_hashed_learner(name):
    from samtbu.crosswalk.ob3 import export_ob3, validate_ob3

    result = export_ob3(_graph(_example(name)), issuer_profiles=ISSUER_PROFILES)
    assert validate_ob3(result.document) == []
    profiles = json.loads(ISSUER_PROFILES.read_text(encoding="utf-8"))
    issuer = result.document["issuer"]
    orgnr = _example(name)["utsteder"]["organisasjonsnummer"]
    assert issuer["id"] == profiles[orgnr]["id"] and RESOLVABLE.match(issuer["id"])
    assert not issuer["id"].startswith("urn:")
    subject = result.document["credentialSubject"]
    learner = _example(name)["utstedtTil"]
    text = result.to_bytes().decode()
    # The learner: a salted hash of the name, which a verifier who knows the name recomputes; no bare name.
    (identity,) = subject["identifier"]
    assert identity["hashed"] is True and identity["identityType"] == "name" and len(identity["salt"]) >= 16
    name_text = f"{learner['fornavn']} {learner['etternavn']}"
    assert identity["identityHash"] == "sha256$" + hashlib.sha256((name_text + identity["salt"]).encode()).hexdigest()
    assert learner["fornavn"] not in text and learner["etternavn"] not in text
    # (not the 11-digit pattern: a random salt's hex hash holds such runs of digits by chance)
    assert learner["foedselsnummer"] not in text and learner["foedselsdato"] not in text
    assert "id" not in subject  # no record-internal id of the learner to correlate credentials by
    # Every result names its ResultDescription in the achievement.
    vurderinger = [r for r in _example(name)["dokumenterer"] if r["type"] == "Vurdering"]
    assert len(subject.get("result", [])) == len(vurderinger)
    described = {d["id"]: d for d in subject["achievement"].get("resultDescription", [])}
    for item in subject.get("result", []):
        description = described[item["resultDescription"]]
        assert description["resultType"] == "LetterGrade" and item["value"] in description["allowedValue"]
    assert {i.property for i in result.not_carried} >= {"foedselsnummer", "foedselsdato"}
    # A fresh salt per credential: two exports of one record cannot be linked by the hash.
    again = export_ob3(_graph(_example(name)), issuer_profiles=ISSUER_PROFILES)
    assert again.document["credentialSubject"]["identifier"][0]["identityHash"] != identity["identityHash"]


def test_ob3_national_id_is_hashed_and_only_on_request():
    from samtbu.crosswalk.ob3 import export_ob3

    result = export_ob3(_graph(_example("fagbrev-elektriker")), issuer_profiles=ISSUER_PROFILES, national_id=True, salt="s" * 32)
    identities = {i["identityType"]: i for i in result.document["credentialSubject"]["identifier"]}
    assert identities["nationalIdentityNumber"]["identityHash"] == "sha256$" + hashlib.sha256(("08910458885" + "s" * 32).encode()).hexdigest()
    assert "08910458885" not in result.to_bytes().decode()


def test_ob3_refuses_an_issuer_without_a_resolvable_profile(tmp_path):
    from samtbu.crosswalk.ob3 import export_ob3

    with pytest.raises(CrosswalkError, match="no OB 3.0 issuer profile for organisasjonsnummer 994123777"):
        export_ob3(_graph(_example("kompetansebevis-delvis")), issuer_profiles={})
    bad = tmp_path / "profiles.json"
    bad.write_text(json.dumps({"994123777": {"id": "urn:uuid:3f0c2a52-6d7e-5b8a-9d41-0c6e2b7f5a13"}}))
    with pytest.raises(CrosswalkError, match="HTTP\\(S\\) URL that resolves to its Profile, or by a DID"):
        export_ob3(_graph(_example("kompetansebevis-delvis")), issuer_profiles=bad)


@pytest.mark.parametrize("issuer_id,problem", [
    ("http://localhost/issuer.json", "resolves to its Profile"),  # no domain name at all
    ("https://skole.invalid/issuer.json", "never resolve"),
    ("https://skole.local/issuer.json", "never resolve"),
    ("https://10.1.2.3/issuer.json", "private, loopback or reserved address"),
    ("https://192.168.0.10/issuer.json", "private, loopback or reserved address"),
    ("https://admin:secret@skole.no/issuer.json", "user name or password"),
    ("https://-skole.no/issuer.json", "not a domain name"),
    ("https://skole.no:abc/issuer.json", "port is not a number"),
    ("did:web:skole.invalid", "never resolve"),
    ("did:key:z6MkBAD", "a did:key resolves to its key"),
])
def test_ob3_refuses_an_issuer_id_that_cannot_resolve(issuer_id, problem):
    from samtbu.crosswalk.ob3 import export_ob3

    with pytest.raises(CrosswalkError, match=re.escape(problem)):
        export_ob3(_graph(_example("kompetansebevis-delvis")), issuer_profiles={"994123777": {"id": issuer_id}})


def test_ob3_says_what_it_checked_of_the_issuer_id():
    """Nothing is fetched: the export's warnings say what was checked offline and what was not."""
    from samtbu.crosswalk.ob3 import export_ob3, issuer_id_problems

    def notes(issuer_id):
        return " | ".join(export_ob3(_graph(_example("kompetansebevis-delvis")),
                                     issuer_profiles={"994123777": {"id": issuer_id}}).warnings)

    assert "not fetched" in notes("https://skole.no/ob3/issuer.json") and "reserved" not in notes("https://skole.no/ob3/issuer.json")
    assert "reserved for documentation and testing" in notes("https://skole.example/ob3/issuer.json")
    assert "https://skole.no:8443/ob3/did.json" in notes("did:web:skole.no%3A8443:ob3")
    assert "https://skole.no/.well-known/did.json" in notes("did:web:skole.no")
    assert "not checked" in notes("did:ion:EiClkZMDxPKqC9c-umQfTkR8vvZ9JPhl_xLDI9Nfk38w5w")
    # A did:key is resolved here: it is the key.
    pytest.importorskip("cryptography")
    assert issuer_id_problems("did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK") == ([], [])


# -- a karakterutskrift claims no qualification or achievement in any target ------------------------


@pytest.mark.parametrize("target", ["ob3", "schemaorg"])
def test_karakterutskrift_is_refused_where_the_target_can_only_claim_an_achievement(target, capsys):
    from samtbu.cli import main

    args = ["export", str(MODEL.root / "examples" / "karakterutskrift-vg2.json"), "--to", target]
    if target == "ob3":
        args += ["--issuer-profile", str(ISSUER_PROFILES)]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "a karakterutskrift documents grades" in err and "chapter 1" in err and err.count("\n") == 1


# -- schema.org -------------------------------------------------------------------------------------


def _refuse(url, options=None):
    raise AssertionError(f"the schema.org export must parse without fetching {url}")


@pytest.mark.parametrize("name", COMPETENCE_EXAMPLES)
def test_schemaorg_export_parses_and_uses_only_schema_org_terms(name):
    from pyld import jsonld

    from samtbu.crosswalk.schemaorg import TERMS, export_schemaorg, used_terms

    result = export_schemaorg(_graph(_example(name)))
    assert result.document["@type"] == "EducationalOccupationalCredential"
    assert used_terms(result.document) <= TERMS
    nquads = jsonld.to_rdf(result.document, {"format": "application/n-quads", "documentLoader": _refuse})
    graph = Graph().parse(data=nquads, format="nquads")
    for _, p, o in graph:
        assert str(p).startswith("https://schema.org/") or p == URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
        if str(p).endswith("#type"):
            assert str(o).startswith("https://schema.org/") and str(o)[len("https://schema.org/"):] in TERMS
    text = result.to_bytes().decode()
    assert not FNR.search(text)
    person = _example(name)["utstedtTil"]
    assert person["foedselsdato"] not in text


# -- the mapping sets -------------------------------------------------------------------------------

PREDICATES = {"skos:exactMatch", "skos:closeMatch", "skos:broadMatch", "skos:narrowMatch", "skos:relatedMatch"}


@pytest.mark.parametrize("name", ["elm", "ob3", "schemaorg"])
def test_mapping_set_is_sssom_with_the_required_metadata(name):
    mapping = load_mapping_set(name)
    meta = mapping.metadata
    assert meta["mapping_set_id"] == f"https://w3id.org/samt-bu/mapping/{name}"
    assert meta["license"] == "https://data.norge.no/nlod/no/2.0"
    assert meta["mapping_set_version"] == MODEL.version
    assert {"sbu", "skos", "semapv"} <= set(mapping.curie_map)
    text = (MODEL.root / "crosswalks" / f"{name}.sssom.tsv").read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO("".join(l for l in text.splitlines(True) if not l.startswith("#"))), delimiter="\t"))
    assert rows
    defined = set(MODEL.classes()) | set(MODEL.properties())
    for row in rows:
        assert row["predicate_id"] in PREDICATES, row
        assert row["mapping_justification"] == "semapv:ManualMappingCuration", row
        assert mapping.expand(row["subject_id"]) in defined, f"{row['subject_id']} is not a term of the model"
        if row["object_id"] == "sssom:NoTermFound":
            assert row["comment"], f"{row['subject_id']}: an unmappable term needs a reason"


@pytest.mark.parametrize("name", ["elm", "elmo", "ob3", "schemaorg"])
def test_mapping_set_texts_are_in_bokmaal_and_nynorsk(name):
    """Issue 18: every text of a mapping set (its title, description and comment, and each mapping's
    comment) is in English (the SSSOM slot) and in bokmål and nynorsk (the extension slots {slot}_nb
    and {slot}_nn, declared in extension_definitions as SSSOM 1.0 requires for non-standard slots)."""
    from samtbu.generate.site.tables import read_set

    _name, mset, rows = read_set(MODEL.index.mapping_set(name))
    meta = mset.metadata
    declared = {d["slot_name"]: d["property"] for d in meta["extension_definitions"]}
    assert declared["comment_nb"] == declared["comment_nn"] == str(RDFS.comment)
    assert declared["mapping_set_title_nb"] == "http://purl.org/dc/terms/title"
    missing = [f"{key}_{lang}" for key in ("mapping_set_title", "mapping_set_description", "comment")
               for lang in ("nb", "nn") if meta.get(key) and not meta.get(f"{key}_{lang}")]
    missing += [f"{row['subject_id']} -> {row['object_id']}: comment_{lang}" for row in rows for lang in ("nb", "nn")
                if (row.get("comment") or "").strip() and not (row.get(f"comment_{lang}") or "").strip()]
    missing += [f"{row['subject_id']}: comment_{lang} without an English comment" for row in rows for lang in ("nb", "nn")
                if (row.get(f"comment_{lang}") or "").strip() and not (row.get("comment") or "").strip()]
    assert not missing, missing[:10]
    # nynorsk is not bokmål: the two differ wherever the English is more than names and codes
    same = [row["comment_nb"] for row in rows if row.get("comment_nb") and row["comment_nb"] == row["comment_nn"]
            and row["comment_nb"] != row["comment"]]
    assert len(same) <= len(rows) // 10, same


@pytest.mark.parametrize("name", ["elm", "ob3", "schemaorg"])
def test_mapping_set_agrees_with_alignments(name):
    """Where ontology/alignments.ttl relates the same two terms, the mapping's predicate says the same."""
    alignments = Graph().parse(MODEL.root / "ontology" / "alignments.ttl")
    skos = "http://www.w3.org/2004/02/skos/core#"
    expected = {RDFS.subClassOf: "skos:broadMatch", RDFS.subPropertyOf: "skos:broadMatch",
                OWL.equivalentClass: "skos:exactMatch", OWL.equivalentProperty: "skos:exactMatch"}
    for match in ("exactMatch", "closeMatch", "broadMatch", "narrowMatch", "relatedMatch"):
        expected[URIRef(skos + match)] = f"skos:{match}"
    for row in load_mapping_set(name).rows:
        if row.object is None:
            continue
        stated = {expected[p] for p in alignments.predicates(row.subject, row.object) if p in expected}
        if stated:
            assert row.predicate_id in stated, (row.subject_id, row.object_id, row.predicate_id, stated)


@pytest.mark.parametrize("name", ["elm", "ob3", "schemaorg"])
def test_every_property_in_the_examples_has_a_row(name):
    mapping = load_mapping_set(name)
    sbu = "https://w3id.org/samt-bu/def/"
    for example in DOCUMENT_EXAMPLES:
        for _, p, _ in _graph(_example(example)):
            if str(p).startswith(sbu):
                assert mapping.for_subject(p), f"{name}: no row for {p} (used in {example})"


# -- the command line --------------------------------------------------------------------------------


@_needs(*EDC_FILES)
def test_cli_export_to_elm(tmp_path, capsys):
    from samtbu.cli import main

    out = tmp_path / "vitnemaal.jsonld"
    assert main(["export", str(MODEL.root / "examples" / "vitnemaal-studiespesialisering.json"), "--to", "elm", "-o", str(out)]) == 0
    document = json.loads(out.read_text(encoding="utf-8"))
    assert document["type"] == ["VerifiableCredential", "EuropeanDigitalCredential"]
    err = capsys.readouterr().err
    assert "not carried by elm" in err and not FNR.search(err)


@pytest.mark.parametrize("target", ["ob3", "schemaorg"])
def test_cli_export_other_targets(target, capsys):
    from samtbu.cli import main

    extra = ["--issuer-profile", str(ISSUER_PROFILES)] if target == "ob3" else []
    assert main(["export", str(MODEL.root / "examples" / "kompetansebevis-delvis.json"), "--to", target, *extra]) == 0
    captured = capsys.readouterr()
    json.loads(captured.out)
    assert not FNR.search(captured.err)


# -- every example to every target it can carry ----------------------------------------------------

# What each example gives in each target: exported, or refused (and why, in the refusal's words).
EXPECTED_EXPORTS = {
    "vitnemaal-studiespesialisering": {"elm": True, "ob3": True, "schemaorg": True, "elmo": True},
    "vitnemaal-yrkeskompetanse": {"elm": True, "ob3": True, "schemaorg": True, "elmo": True},
    "kompetansebevis-delvis": {"elm": True, "ob3": True, "schemaorg": True, "elmo": True},
    "fagbrev-elektriker": {"elm": True, "ob3": True, "schemaorg": True, "elmo": True},
    "karakterutskrift-vg2": {"elm": True, "ob3": "a karakterutskrift documents grades",
                             "schemaorg": "a karakterutskrift documents grades", "elmo": True},
    "enkeltresultat": {t: "the record is an enkeltresultat" for t in ("elm", "ob3", "schemaorg", "elmo")},
    "fullfoeringsstatus": {t: "the record is a fullføringsstatus" for t in ("elm", "ob3", "schemaorg", "elmo")},
    # Fagskole (issue 20): the documents to ELM only (tests/test_crosswalk_fagskole.py checks the EDC)
    **{name: {"elm": True, **{t: "a fagskole document is mapped to ELM only" for t in ("ob3", "schemaorg", "elmo")}}
       for name in ("fagskolevitnemaal-elkraft", "fagskolekarakterutskrift-helse")},
    "emnevurdering": {t: "the record is an emnevurdering" for t in ("elm", "ob3", "schemaorg", "elmo")},
    "resultatendring-korrigering": {t: "the record is a change of a result" for t in ("elm", "ob3", "schemaorg", "elmo")},
}


def test_every_example_exports_to_every_target_it_can_carry():
    from samtbu.crosswalk import elm, elmo, ob3, schemaorg
    from samtbu.errors import SamtbuError

    exporters = {"elm": elm.export, "ob3": lambda g: ob3.export(g, issuer_profiles=ISSUER_PROFILES),
                 "schemaorg": schemaorg.export, "elmo": elmo.export}
    examples = sorted(p.stem for p in (MODEL.root / "examples").glob("*.json"))
    assert examples == sorted(EXPECTED_EXPORTS)
    for name in examples:
        for target, expected in EXPECTED_EXPORTS[name].items():
            graph = _graph(_example(name))
            if expected is True:
                assert exporters[target](graph), (name, target)
            else:
                with pytest.raises(SamtbuError) as refused:
                    exporters[target](graph)
                assert expected in str(refused.value), (name, target, str(refused.value))


def test_elm_document_titles_use_the_code_lists_english_terms():
    """The ELM export names a document in English by the document type code list's label (Udir's
    terms, issue 13), so the catalog, the code list and the exports say the same thing."""
    from rdflib import Literal
    from rdflib.namespace import SKOS

    from samtbu.crosswalk.elm import DOCUMENT_TITLES

    codes = Graph().parse(Path(__file__).resolve().parents[1] / "vocab" / "kodelister" / "dokumenttype.ttl")
    english = {}
    for concept in codes.subjects(SKOS.notation, None):
        notation = str(codes.value(concept, SKOS.notation))
        labels = [str(label) for label in codes.objects(concept, SKOS.prefLabel)
                  if isinstance(label, Literal) and label.language == "en"]
        english[notation] = labels[0] if labels else None
    # (the fagskole documents have their own code lists and are added by crosswalk/fagskole.py)
    by_notation = {document_class.lower(): titles for document_class, titles in DOCUMENT_TITLES.items()}
    assert len(english) == 6
    for notation, label in english.items():
        assert notation in by_notation, f"{notation} has no ELM title"
        assert by_notation[notation]["en"] == label, (notation, by_notation[notation]["en"], label)
