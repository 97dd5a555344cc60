"""Export a documentation record (vitnemål, kompetansebevis, fagbrev, karakterutskrift, ...) to a
European Digital Credential: ELM v3 JSON-LD under the EDC application profile, checked against every
EDC profile in the anchors that the credential targets (:data:`EDC_PROFILES`).

The term correspondences are in ``crosswalks/elm.sssom.tsv``; this module reads which terms of the
model the EDC carries from there, and lists every other fact of the record as not carried.

Shape of the credential:

- ``credentialSubject`` (elm:Person): names, birth date, and its claims (``hasClaim``);
- a document that documents a competence (vitnemål, kompetansebevis, fag-/svenne-/praksisbrev) claims
  one ``LearningAchievement`` for its Sluttkompetanse, ``specifiedBy`` a ``Qualification`` with
  ``eqfLevel`` and ``nqfLevel`` (the EU's NKR concept, where the code list gives one) and the Grep
  codes of utdanningsprogram/programområde as identifiers; its grades are ``provenBy`` that
  achievement;
- a **karakterutskrift** documents grades, not a competence (Udir's guidelines, chapter 1: it is not
  valid documentation of completed education): it claims no Qualification and no achievement; each
  grade is a ``LearningAssessment`` claim of its own (ELM's claim type for an assessment and its grade);
- each Vurdering is a ``LearningAssessment``: ``grade`` a Note with the grade code and its label,
  ``specifiedBy`` a ``LearningAssessmentSpecification`` whose ``dcType`` is the assessment type and
  whose ``gradingScheme`` is the grade scale;
- issuer and assessing bodies are ``Organisation``s with ``legalName``, a Norwegian ``location``, the
  organisasjonsnummer as ``registration`` and, for the issuer, the eIDAS legal identifier in the form
  the official samples use: the legal-person semantics identifier of ETSI EN 319 412-1 (clause 5.1.4),
  ``NTR`` + country + ``-`` + the national trade register number, here ``NTRNO-{organisasjonsnummer}``.

Decisions (documented in the README):

- **Identity number.** The fødselsnummer is not carried by default (data minimisation: the holder is
  identified by name and birth date, and the wallet binds the credential to the holder);
  ``national_id=True`` adds it as ``nationalID``, which the current EDC context (ELM 3.2) maps to
  ``elm:nationalId`` (the 3.1 context mapped the same key to an IRI outside the ontology).
- **Issuer identifier.** The EDC profile requires the issuer's eIDAS legal identifier; a record whose
  issuer has no organisasjonsnummer is refused with a clear error.
- **Display.** EDC requires a display image per page: the export renders the credential's facts as
  PNG pages (:mod:`samtbu.crosswalk.display`), never a blank page. The issuer's own design is not
  known to the record.
- **Dates.** ``issuanceDate`` (required by the VC data model 1.1, which the EDC context builds on),
  ``issued`` and ``validFrom`` are the document's utstedelsesdato.
- **Context.** The output names the EDC context by its IRI. Parsing it (tests, validation) uses the
  context files in ``$SAMTBU_ANCHORS`` through a document loader (the ELM 3.2 context, the current
  one); nothing is fetched and nothing is copied into the repository. Without anchors the export still
  works; ``to_rdf`` and ``validate_edc`` then refuse with a clear error.
"""

from __future__ import annotations

import base64
import json
import os
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import OWL, SKOS, Graph, Literal, URIRef

from samtbu.crosswalk.display import Line, font_warning, render_pages
from samtbu.crosswalk.record import CrosswalkError, NotCarried, Record, as_graph, load_mapping_set
from samtbu.model import Model
from samtbu.namespaces import GREP, SBU, SBUK

CREDENTIALS_V1 = "https://www.w3.org/2018/credentials/v1"
EDC_CONTEXT = "http://data.europa.eu/snb/model/context/edc-ap"
# Both ELM releases publish their context under the same IRI; the current one (3.2) is used.
ANCHOR_FILES = {
    CREDENTIALS_V1: ("ob3", "w3c-2018-credentials-v1-context.jsonld"),
    EDC_CONTEXT: ("elm/lts-3.2", "ap_edc_edc-ap-context.jsonld"),
}


@dataclass(frozen=True)
class EdcProfile:
    """An EDC application profile (SHACL) in the anchors, and whether the export targets it."""

    path: str  # relative to the anchors folder
    targeted: bool
    reason: str


# Every EDC profile in the anchors. The export claims the Generic credential profile
# (credentialProfiles = http://data.europa.eu/snb/credential/e34929035b): it must conform to the
# generic profiles of both ELM releases. The other profiles are for other kinds of credential.
EDC_PROFILES = (
    EdcProfile("elm/master/EDC-generic-no-cv.ttl", True,
               "ELM 3.1 generic profile: the credential profile the export claims (Generic)"),
    EdcProfile("elm/lts-3.2/ap_edc_EDC-generic-no-cv.ttl", True,
               "ELM 3.2 generic profile: the credential profile the export claims (Generic)"),
    EdcProfile("elm/lts-3.2/ap_edc_EDC-generic-full.ttl", True,
               "ELM 3.2 generic profile with the controlled vocabularies (imports generic-no-cv)"),
    EdcProfile("elm/lts-3.2/ap_edc_EDC-accredited.ttl", False,
               "for credentials of an issuer accredited for the qualification, with evidence of the accreditation; "
               "a Norwegian school or county authority issues under the Education Act, not an accreditation, and the "
               "export claims the Generic profile"),
    EdcProfile("elm/lts-3.2/ap_edc_EDC-converted.ttl", False,
               "for credentials converted from an existing document, which they embed as evidence; the export is "
               "made from the register's record, not from a signed original"),
    EdcProfile("elm/lts-3.2/ap_edc_EDC-diplomaSupplement.ttl", False,
               "the Diploma Supplement of higher education (Lisbon Recognition Convention); upper secondary "
               "documents have no diploma supplement"),
    EdcProfile("elm/lts-3.2/ap_edc_EDC-issuedByMandate.ttl", False,
               "for credentials issued by one body on behalf of another under a mandate; the issuer of a Norwegian "
               "document issues it in its own right"),
)
# Files in the anchors' elm folders that are not EDC credential profiles (for the completeness test).
NOT_CREDENTIAL_PROFILES = {
    "elm/lts-3.2/ap_loq_LOQ-constraints.ttl": "constraints for publishing learning opportunities and qualifications, not credentials",
    "elm/lts-3.2/ap_loq_LOQ-constraints-mdr.ttl": "constraints for publishing learning opportunities and qualifications, not credentials",
    "elm/lts-3.2/ontology_ELM.ttl": "the ELM 3.2 ontology",
    "elm/lts-3.2/ontology_ELM-external.ttl": "external terms of the ELM 3.2 ontology",
    "elm/lts-3.2/samples_credential-sample.ttl": "a sample credential",
    "elm/master/ELM.ttl": "the ELM 3.1 ontology",
}
EDC_SHAPES = tuple(p.path for p in EDC_PROFILES if p.targeted)

COUNTRY = "http://publications.europa.eu/resource/authority/country"
LANGUAGE = "http://publications.europa.eu/resource/authority/language"
FILE_TYPE = "http://publications.europa.eu/resource/authority/file-type"
EQF_SCHEME = "http://data.europa.eu/snb/eqf/25831c2"
NQF_SCHEME = "http://data.europa.eu/snb/qdr/25831c2"  # the QDR scheme the EDC-generic-full profile requires
GENERIC_PROFILE = "http://data.europa.eu/snb/credential/e34929035b"
BASE64 = "http://data.europa.eu/snb/encoding/6146cde7dd"
ID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://w3id.org/samt-bu/crosswalk/elm")
# English titles are the document type code list's labels (vocab/kodelister/dokumenttype.ttl; Udir's
# terms, issue 13), checked by tests/test_crosswalks.py
DOCUMENT_TITLES = {
    "Vitnemaal": {"nb": "Vitnemål for videregående opplæring", "nn": "Vitnemål for vidaregåande opplæring",
                  "en": "Certificate for upper secondary education and training"},
    "Kompetansebevis": {"nb": "Kompetansebevis for videregående opplæring", "nn": "Kompetansebevis for vidaregåande opplæring",
                        "en": "Certificate of competence"},
    "Fagbrev": {"nb": "Fagbrev", "nn": "Fagbrev", "en": "Craft certificate"},
    "Svennebrev": {"nb": "Svennebrev", "nn": "Sveinebrev", "en": "Journeyman's certificate"},
    "Praksisbrev": {"nb": "Praksisbrev", "nn": "Praksisbrev", "en": "Practice certificate"},
    "Karakterutskrift": {"nb": "Karakterutskrift", "nn": "Karakterutskrift", "en": "Transcript of grades"},
}
# A karakterutskrift is not documentation of a competence: it claims none (Udir's guidelines, chapter 1).
GRADES_ONLY = {"Karakterutskrift"}


@dataclass
class ElmExport:
    document: dict
    not_carried: list[NotCarried] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def to_bytes(self) -> bytes:
        return (json.dumps(self.document, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


# -- anchors: the EDC context and shapes, read from the anchors folder at run time -----------------


def anchors_dir() -> Path:
    env = os.environ.get("SAMTBU_ANCHORS")
    if env:
        return Path(env)
    return Model.load().root.parent / "shared" / "anchors"


def anchors_available() -> bool:
    base = anchors_dir()
    return all((base / folder / name).is_file() for folder, name in ANCHOR_FILES.values()) and all(
        (base / p).is_file() for p in EDC_SHAPES)


def document_loader():
    """A pyld document loader serving the W3C credentials v1 and EDC contexts from the anchors
    folder; every other URL is refused."""
    base = anchors_dir()

    def load(url: str, options=None) -> dict:
        if url not in ANCHOR_FILES:
            raise CrosswalkError(f"remote JSON-LD context {url!r} refused: nothing is fetched")
        folder, name = ANCHOR_FILES[url]
        path = base / folder / name
        if not path.is_file():
            raise CrosswalkError(
                f"the EDC JSON-LD context is needed to read the credential as RDF, but {path} is missing "
                "(set SAMTBU_ANCHORS to the folder of third-party reference files)"
            )
        return {"contextUrl": None, "documentUrl": url, "document": json.loads(path.read_text(encoding="utf-8"))}

    return load


def to_rdf(document: dict) -> Graph:
    """The credential as an RDF graph (needs the EDC context from the anchors)."""
    from pyld import jsonld

    nquads = jsonld.to_rdf(document, {"format": "application/n-quads", "documentLoader": document_loader()})
    graph = Graph()
    graph.parse(data=nquads, format="nquads")
    plain = Graph()
    for triple in graph:
        plain.add(triple)
    return plain


def validate_edc(document: dict, profiles: tuple[str, ...] = EDC_SHAPES) -> dict[str, tuple[bool, str]]:
    """Validate the credential with the official EDC shapes (pyshacl), each profile with the
    profiles it imports; name -> (conforms, text)."""
    from samtbu.validate.engine import shacl_validate

    data = to_rdf(document)
    results = {}
    for name in profiles:
        shapes = profile_shapes(name)
        conforms, _, text = shacl_validate(data, shapes, advanced=True)
        results[name] = (bool(conforms), text)
    return results


_SHAPES: dict[str, Graph] = {}


def profile_shapes(name: str) -> Graph:
    """The shapes of one EDC profile in the anchors, with the profiles it imports (owl:imports,
    resolved to the anchor files of the same release by their ontology IRI)."""
    if name in _SHAPES:
        return _SHAPES[name]
    path = anchors_dir() / name
    if not path.is_file():
        raise CrosswalkError(f"the EDC shapes {path} are missing (set SAMTBU_ANCHORS)")
    by_iri: dict[URIRef, Path] = {}
    for sibling in sorted(path.parent.glob("*.ttl")):
        if "EDC" in sibling.name:
            for line in sibling.read_text(encoding="utf-8").splitlines():
                if line.startswith("<http://data.europa.eu/snb/model/ap/"):
                    by_iri[URIRef(line.strip().strip("<>"))] = sibling
                    break
    graph, todo, seen = Graph(), [path], set()
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        part = Graph().parse(current, format="turtle")
        graph += part
        todo += [by_iri[i] for i in part.objects(None, OWL.imports) if isinstance(i, URIRef) and i in by_iri]
    _SHAPES[name] = graph
    return graph


# -- building the credential --------------------------------------------------------------------


def _concept(iri: str, scheme: str, labels: dict[str, str], notation: str | None = None) -> dict:
    node = {"id": iri, "type": "Concept", "inScheme": {"id": scheme, "type": "ConceptScheme"}, "prefLabel": labels}
    if notation is not None:
        node["notation"] = notation
    return node


def _country_norway() -> dict:
    return _concept(f"{COUNTRY}/NOR", COUNTRY, {"en": "Norway", "nb": "Norge", "nn": "Noreg"}, "country")


def _language(code: str) -> dict:
    names = {"NOB": {"en": "Norwegian Bokmål", "nb": "norsk bokmål"},
             "NNO": {"en": "Norwegian Nynorsk", "nn": "norsk nynorsk"},
             "ENG": {"en": "English"}}[code]
    return _concept(f"{LANGUAGE}/{code}", LANGUAGE, names, "language")


def _datetime(value) -> str:
    """ELM dates are xsd:dateTime; a date of the record becomes midnight UTC of that day."""
    text = str(value)
    return text if "T" in text else f"{text}T00:00:00Z"


def _norwegian_date(value) -> str:
    text = str(value)[:10]
    return f"{text[8:10]}.{text[5:7]}.{text[0:4]}" if len(text) == 10 else text


def eidas_identifier(orgnr: str) -> str:
    """The legal-person semantics identifier (ETSI EN 319 412-1, clause 5.1.4) of a Norwegian
    organisation: NTR (national trade register) + NO + '-' + the organisasjonsnummer."""
    return f"NTRNO-{orgnr}"


class _Builder:
    def __init__(self, record: Record, national_id: bool):
        self.r = record
        self.national_id = national_id
        self.described: set[str] = set()
        self.warnings: list[str] = []
        self.display_rows: list[Line] = []

    @staticmethod
    def lang_map(labels: dict[str, str]) -> dict[str, str]:
        return {lang: text for lang, text in labels.items() if text}

    def organisation(self, node, *, issuer: bool = False) -> dict:
        """An Organisation described in full the first time, by id afterwards."""
        iri = str(node)
        if iri in self.described:
            return {"id": iri}
        r = self.r
        name = r.value(node, "navn")
        if name is None:
            raise CrosswalkError(f"organisation {iri} has no navn; the EDC requires a legal name")
        org: dict = {"id": iri, "type": "Organisation", "legalName": {"nb": str(name)}}
        org["location"] = {
            "id": r.uuid_for(iri, "location"),
            "type": "Location",
            "address": {"id": r.uuid_for(iri, "address"), "type": "Address", "countryCode": _country_norway()},
        }
        orgnr = r.value(node, "organisasjonsnummer")
        if orgnr is not None:
            org["registration"] = {
                "id": f"urn:uuid:{uuid.uuid5(ID_NAMESPACE, f'organisasjonsnummer:{orgnr}')}", "type": "LegalIdentifier",
                "notation": str(orgnr), "spatial": _country_norway(),
                "schemeName": "organisasjonsnummer (Enhetsregisteret)"}
            if issuer:
                org["eIDASIdentifier"] = {
                    "id": f"urn:uuid:{uuid.uuid5(ID_NAMESPACE, eidas_identifier(str(orgnr)))}", "type": "LegalIdentifier",
                    "notation": eidas_identifier(str(orgnr)), "spatial": _country_norway()}
        elif issuer:
            raise CrosswalkError(
                f"the issuer {iri} has no organisasjonsnummer; an EDC needs the issuer's eIDAS legal identifier"
            )
        owner = r.value(node, "skoleeier")
        self.described.add(iri)
        if owner is not None:
            org["subOrganizationOf"] = self.organisation(owner)
        return org

    def subject_title(self, fag) -> dict[str, str]:
        """The subject per language: its code and Grep title ("ENG1007 Engelsk ..."), else its code."""
        if fag is None:
            return {}
        code = self.r.notation(fag)
        titles = self.r.grep_titles(fag)
        return {lang: f"{code} {text}" for lang, text in titles.items()} or {"nb": code}

    def assessment(self, vurdering, issuer_iri: str) -> dict:
        r = self.r
        iri = str(vurdering)
        fag = r.value(vurdering, "gjelderFag")
        kind = r.value(vurdering, "vurderingstype")
        grade = r.value(vurdering, "karakter")
        date = r.value(vurdering, "vurderingsdato")
        assessor = r.value(vurdering, "vurdertAv")
        fag_code = r.notation(fag) if fag is not None else None
        fag_titles = self.subject_title(fag)
        kind_labels = r.labels(kind) if kind is not None else {}
        languages = [lang for lang in ("nb", "nn", "en") if lang in kind_labels or lang in fag_titles] or ["nb"]
        title = {}
        for lang in languages:
            subject = fag_titles.get(lang) or fag_titles.get("nb") or fag_code
            label = kind_labels.get(lang) or kind_labels.get("nb")
            title[lang] = ", ".join(x for x in (subject, label) if x) or "vurdering"
        grade_code = r.notation(grade) if grade is not None else ""
        grade_text = {lang: f"{grade_code} ({label})" if label != grade_code and not label.startswith(grade_code + " ") else label
                      for lang, label in r.labels(grade).items()} if grade is not None else {}
        node: dict = {"id": iri, "type": "LearningAssessment", "title": title,
                      "grade": {"id": r.uuid_for(iri, "grade"), "type": "Note",
                                "noteLiteral": grade_text or {"nb": grade_code}}}
        node["awardedBy"] = {
            "id": r.uuid_for(iri, "awardingProcess"),
            "type": "AwardingProcess",
            "awardingBody": self.organisation(assessor) if assessor is not None else {"id": issuer_iri},
        }
        if date is not None:
            node["awardedBy"]["awardingDate"] = _datetime(date)
            node["dateIssued"] = _datetime(date)
        if assessor is not None:
            node["assessedBy"] = {"id": str(assessor)}
        spec: dict = {"id": r.uuid_for("spec", fag_code or "", str(kind)), "type": "LearningAssessmentSpecification",
                      "title": title}
        if kind is not None:
            spec["dcType"] = _concept(str(kind), str(r.scheme_of(kind) or f"{SBUK}vurderingstype"),
                                      self.lang_map(kind_labels), r.notation(kind))
        scale = r.grade_scale(vurdering) if grade is not None else None
        if scale is None and grade is not None:
            scale = next((s for s in sorted(r.model.vocab.objects(grade, SKOS.inScheme), key=str)
                          if str(s) != f"{SBUK}karakter"), None)
        if scale is not None:
            scale_title = r.labels(scale) or {"nb": str(scale).rsplit("/", 1)[-1]}
            spec["gradingScheme"] = {"id": str(scale), "type": "GradingScheme", "title": scale_title}
        if fag is not None:
            spec["identifier"] = {"id": r.uuid_for("grep", fag_code), "type": "Identifier",
                                  "notation": fag_code, "schemeName": "Grep fagkode", "schemeId": str(GREP)}
        node["specifiedBy"] = spec
        shown_grade = (grade_text.get("nb") or grade_code) if grade is not None else ""
        self.display_rows.append(Line("  ".join(x for x in (
            _norwegian_date(date) if date is not None else "", title.get("nb") or next(iter(title.values())),
            f"karakter {shown_grade}" if shown_grade else "") if x), "row", str(date or "")))
        return node

    def achievement(self, kompetanse, issuer_iri: str, assessments: list[dict]) -> dict:
        r = self.r
        kind = r.value(kompetanse, "kompetansetype")
        doc_title = DOCUMENT_TITLES.get(r.document_class, {"nb": r.document_class})
        title = self.lang_map(r.labels(kind)) if kind is not None else dict(doc_title)
        yrkestittel = {lit.language: str(lit) for lit in r.values(kompetanse, "yrkestittel")
                       if isinstance(lit, Literal) and lit.language}
        if yrkestittel:
            title = {lang: f"{title.get(lang, title.get('nb', ''))}: {yrkestittel[lang]}" for lang in yrkestittel}
        node: dict = {"id": str(kompetanse), "type": "LearningAchievement", "title": title}
        date = r.value(kompetanse, "oppnaaddDato") or r.value(r.document, "utstedelsesdato")
        qualification: dict = {"id": r.uuid_for("qualification", str(kompetanse)), "type": "Qualification", "title": title}
        eqf = r.value(kompetanse, "eqfNivaa")
        if eqf is not None:
            eu = r.exact_match(eqf, "http://data.europa.eu/snb/eqf/")
            if eu is not None:
                qualification["eqfLevel"] = _concept(str(eu), EQF_SCHEME, {"en": f"Level {r.notation(eqf)}"})
            else:
                r.used.discard((kompetanse, SBU.eqfNivaa, eqf))
        nkr = r.value(kompetanse, "nkrNivaa")
        if nkr is not None:
            eu = r.exact_match(nkr, "http://data.europa.eu/snb/qdr/")
            if eu is not None:
                labels = r.labels(nkr)
                qualification["nqfLevel"] = _concept(str(eu), NQF_SCHEME, self.lang_map(labels) or {"nb": f"NKR-nivå {r.notation(nkr)}"})
            else:
                r.used.discard((kompetanse, SBU.nkrNivaa, nkr))
                self.warnings.append(f"NKR level {r.notation(nkr)} has no EU concept IRI in the code list; not carried")
        identifiers = []
        for prop, scheme in (("utdanningsprogram", "Grep utdanningsprogram"), ("programomraade", "Grep programområde")):
            for code in r.values(kompetanse, prop):
                identifiers.append({"id": r.uuid_for(prop, r.notation(code)), "type": "Identifier",
                                    "notation": r.notation(code), "schemeName": scheme, "schemeId": str(GREP)})
        if identifiers:
            qualification["identifier"] = identifiers if len(identifiers) > 1 else identifiers[0]
        # The programme the competence is in, by name (the most specific one Grep names)
        programme = next((t for prop in ("programomraade", "utdanningsprogram")
                          for code in r.values(kompetanse, prop) if (t := r.grep_titles(code))), None)
        if programme:
            qualification["altLabel"] = self.lang_map(programme)
        node["awardedBy"] = {"id": r.uuid_for("awardingProcess", str(kompetanse)), "type": "AwardingProcess",
                             "awardingBody": {"id": issuer_iri}}
        if date is not None:
            node["awardedBy"]["awardingDate"] = _datetime(date)
        node["specifiedBy"] = qualification
        if assessments:
            node["provenBy"] = assessments
        self.display_rows.insert(0, Line(title.get("nb") or next(iter(title.values())), "heading"))
        return node

    @staticmethod
    def awarding(iri: str, body: dict, date) -> dict:
        """An AwardingProcess by ``body``, dated when the date is known."""
        process = {"id": iri, "type": "AwardingProcess", "awardingBody": body}
        if date is not None:
            process["awardingDate"] = _datetime(date)
        return process

    def claims(self, issuer_iri: str) -> list[dict]:
        """The credential subject's claims: one achievement per Sluttkompetanse, the assessments
        proving the first; for a document of grades only, the assessments. (``elm_fagskole`` has
        its own.)"""
        r = self.r
        vurderinger = r.results("Vurdering")
        assessments = [self.assessment(v, issuer_iri) for v in vurderinger]
        kompetanser = r.results("Sluttkompetanse")
        for result in vurderinger + kompetanser:
            r.used.add((result, SBU.gjelderLaerende, r.graph.value(result, SBU.gjelderLaerende)))
        if r.document_class in GRADES_ONLY:
            # Grades, not a competence: each assessment is a claim of its own; a Sluttkompetanse the
            # record lists anyway is not claimed (listed as not carried).
            for kompetanse in kompetanser:
                r.used.discard((r.document, SBU.dokumenterer, kompetanse))
                r.used.discard((kompetanse, SBU.gjelderLaerende, r.graph.value(kompetanse, SBU.gjelderLaerende)))
            claims = assessments
            if not claims:
                raise CrosswalkError("the karakterutskrift documents no Vurdering: an EDC needs at least one claim")
        else:
            claims = [self.achievement(k, issuer_iri, assessments if i == 0 else []) for i, k in enumerate(kompetanser)]
            if not claims:
                raise CrosswalkError(
                    f"the {r.document_class} documents no Sluttkompetanse: the EDC would have to claim a competence "
                    "the record does not state")
        return claims

    def person(self, learner) -> dict:
        r = self.r
        given = r.value(learner, "fornavn")
        family = r.value(learner, "etternavn")
        person: dict = {"id": str(learner), "type": "Person"}
        if given is not None:
            person["givenName"] = {"nb": str(given)}
        if family is not None:
            person["familyName"] = {"nb": str(family)}
        if given is not None or family is not None:
            person["fullName"] = {"nb": " ".join(str(x) for x in (given, family) if x is not None)}
        birth = r.value(learner, "foedselsdato")
        if birth is not None:
            person["dateOfBirth"] = _datetime(birth)
        if self.national_id:
            fnr = r.value(learner, "foedselsnummer")
            if fnr is not None:
                person["nationalID"] = {"id": r.uuid_for("nationalID"), "type": "LegalIdentifier",
                                        "notation": str(fnr), "spatial": _country_norway(), "schemeName": "fødselsnummer"}
        return person

    def display(self, title: dict, person: dict, issuer: dict, issued, number) -> dict:
        """The display parameter: the credential's facts rendered as PNG pages."""
        r = self.r
        head = [Line(title["nb"], "title")]
        name = person.get("fullName", {}).get("nb")
        if name:
            born = f", født {_norwegian_date(person['dateOfBirth'])}" if "dateOfBirth" in person else ""
            head.append(Line(f"Utstedt til: {name}{born}"))
        head.append(Line(f"Utsteder: {issuer['legalName']['nb']}"))
        head.append(Line(f"Utstedelsesdato: {_norwegian_date(issued)}"))
        if number is not None:
            head.append(Line(f"Dokumentnummer: {number}"))
        rows = [line for line in self.display_rows if line.style == "heading"]
        rows += sorted((line for line in self.display_rows if line.style != "heading"), key=lambda line: (line.sort_key, line.text))
        if rows and rows[0].style != "heading":
            rows.insert(0, Line("Karakterer" if r.document_class in GRADES_ONLY else "Resultater", "heading"))
        pages = render_pages(head + rows)
        warning = font_warning()
        if warning:
            self.warnings.append(warning)
        details = []
        for number_, png in enumerate(pages, start=1):
            details.append({
                "id": r.uuid_for("displayDetail", str(number_)),
                "type": "DisplayDetail",
                "page": number_,
                "image": {
                    "id": r.uuid_for("image", str(number_)),
                    "type": "MediaObject",
                    "content": base64.b64encode(png).decode("ascii"),
                    "contentType": _concept(f"{FILE_TYPE}/PNG", FILE_TYPE, {"en": "PNG"}, "file-type"),
                    "contentEncoding": _concept(BASE64, "http://data.europa.eu/snb/encoding/25831c2", {"en": "base64"}),
                },
            })
        summary = {"nb": f"{title['nb']} for {name}" if name else title["nb"]}
        return {
            "id": r.uuid_for("displayParameter"),
            "type": "DisplayParameter",
            "title": title,
            "description": summary,
            "language": [_language("NOB"), _language("ENG")],
            "primaryLanguage": _language("NOB"),
            "individualDisplay": {
                "id": r.uuid_for("individualDisplay"),
                "type": "IndividualDisplay",
                "language": _language("NOB"),
                "displayDetail": details if len(details) > 1 else details[0],
            },
        }

    def build(self) -> dict:
        r = self.r
        doc = r.document
        issuer_node = r.value(doc, "utsteder")
        if issuer_node is None:
            raise CrosswalkError("the document has no utsteder; an EDC needs an issuer")
        learner = r.value(doc, "utstedtTil")
        if learner is None:
            raise CrosswalkError("the document has no utstedtTil; an EDC needs a credential subject")
        issued = r.value(doc, "utstedelsesdato")
        if issued is None:
            raise CrosswalkError("the document has no utstedelsesdato; an EDC needs the date of issue")
        issuer = self.organisation(issuer_node, issuer=True)
        issuer_iri = str(issuer_node)
        claims = self.claims(issuer_iri)
        person = self.person(learner)
        person["hasClaim"] = claims if len(claims) > 1 else claims[0]
        title = DOCUMENT_TITLES.get(r.document_class, {"nb": r.document_class})
        number = r.value(doc, "dokumentnummer")
        credential: dict = {
            "@context": [CREDENTIALS_V1, EDC_CONTEXT],
            "id": str(doc),
            "type": ["VerifiableCredential", "EuropeanDigitalCredential"],
            "credentialProfiles": _concept(GENERIC_PROFILE, "http://data.europa.eu/snb/credential/25831c2", {"en": "Generic"}),
            "credentialSchema": {"id": "http://data.europa.eu/snb/model/ap/edc-generic-full", "type": "ShaclValidator2017"},
            "displayParameter": self.display(title, person, issuer, issued, number),
            "issuanceDate": _datetime(issued),
            "issued": _datetime(issued),
            "validFrom": _datetime(issued),
            "issuer": issuer,
            "credentialSubject": person,
        }
        if number is not None:
            credential["identifier"] = {"id": f"urn:uuid:{uuid.uuid5(ID_NAMESPACE, f'dokumentnummer:{number}')}",
                                        "type": "Identifier", "notation": str(number), "schemeName": "dokumentnummer"}
        return credential


def export_elm(payload, *, national_id: bool = False, model: Model | None = None) -> ElmExport:
    """The record (a graph, or anything ``read_payload`` reads) as an EDC (JSON-LD, compacted with
    the EDC context by IRI), the facts it does not carry and warnings."""
    model = model or Model.load()
    record = Record.from_graph(as_graph(payload, model), model, target="elm")
    mapping = load_mapping_set("elm", model)
    from samtbu.crosswalk.elm_fagskole import FAGSKOLE_DOCUMENTS, FagskoleBuilder

    builder = (FagskoleBuilder if record.document_class in FAGSKOLE_DOCUMENTS else _Builder)(record, national_id)
    document = builder.build()
    not_carried = record.not_carried(mapping, reason_for=_reason_for(record))
    return ElmExport(document, not_carried, builder.warnings)


def _reason_for(record: Record):
    if record.document_class not in GRADES_ONLY:
        return None

    def reason(prop):
        if prop in (SBU.dokumenterer, SBU.kompetansetype, SBU.nkrNivaa, SBU.eqfNivaa, SBU.yrkestittel, SBU.oppnaaddDato,
                    SBU.utdanningsprogram, SBU.programomraade, SBU.gjelderLaerende):
            return "a karakterutskrift is not documentation of a competence (Udir's guidelines, chapter 1): not claimed"
        return None

    return reason


def export(payload, *, national_id: bool = False, model: Model | None = None) -> dict:
    """The record as an EDC credential (a dict), unsigned: for signing and for callers that need
    only the credential."""
    return export_elm(payload, national_id=national_id, model=model).document


__all__ = ["export", "export_elm", "ElmExport", "EdcProfile", "EDC_PROFILES", "EDC_SHAPES", "NOT_CREDENTIAL_PROFILES",
           "to_rdf", "validate_edc", "profile_shapes", "anchors_available", "anchors_dir", "document_loader",
           "eidas_identifier"]
