"""Export a documentation record (vitnemål, kompetansebevis, fagbrev, ...) to a European Digital
Credential: ELM v3 JSON-LD under the EDC application profile (EDC-generic-no-cv, EDC-generic-full).

The term correspondences are in ``crosswalks/elm.sssom.tsv``; this module reads which terms of the
model the EDC carries from there, and lists every other fact of the record as not carried.

Shape of the credential (one claim per document):

- ``credentialSubject`` (elm:Person): names, birth date, ``hasClaim`` one ``LearningAchievement`` for
  the Sluttkompetanse (or, without one, for the document), ``specifiedBy`` a ``Qualification`` with
  ``eqfLevel`` (``http://data.europa.eu/snb/eqf/{n}``) and ``nqfLevel`` (the EU's NKR concept, where
  the code list gives one), the Grep codes of utdanningsprogram/programområde as identifiers;
- each Vurdering is a ``LearningAssessment`` in ``provenBy``: ``grade`` a Note with the grade code and
  its label, ``specifiedBy`` a ``LearningAssessmentSpecification`` whose ``dcType`` is the assessment
  type (our code, as a skos:Concept) and whose ``gradingScheme`` is the grade scale (our scheme IRI);
- issuer and assessing bodies are ``Organisation``s with ``legalName``, a Norwegian ``location`` and,
  where known, the organisasjonsnummer as ``registration`` (and as the issuer's eIDAS identifier).

Decisions (documented in the README):

- **Identity number.** The fødselsnummer is not carried by default (data minimisation: the holder is
  identified by name and birth date, and the wallet binds the credential to the holder);
  ``national_id=True`` adds it as ``nationalID`` for a receiver that has a legal basis to need it.
- **Issuer identifier.** The EDC profile requires the issuer's eIDAS legal identifier; a record whose
  issuer has no organisasjonsnummer is refused with a clear error.
- **Visual.** EDC requires a display image; the export carries a plain placeholder page and says so
  in its warnings. The real rendering is the issuer's.
- **Context.** The output names the EDC context by its IRI. Parsing it (tests, validation) uses the
  context files in ``$SAMTBU_ANCHORS`` through a document loader; nothing is fetched and nothing is
  copied into the repository. Without anchors the export still works (it needs no context to be
  written); ``to_rdf`` and ``validate_edc`` then refuse with a clear error.
"""

from __future__ import annotations

import base64
import json
import os
import struct
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph, Literal, URIRef

from samtbu.crosswalk.record import CrosswalkError, NotCarried, Record, load_mapping_set
from samtbu.model import Model
from samtbu.namespaces import GREP, SBU, SBUK

CREDENTIALS_V1 = "https://www.w3.org/2018/credentials/v1"
EDC_CONTEXT = "http://data.europa.eu/snb/model/context/edc-ap"
ANCHOR_FILES = {
    CREDENTIALS_V1: ("ob3", "w3c-2018-credentials-v1-context.jsonld"),
    EDC_CONTEXT: ("elm/master", "edc-ap-context.jsonld"),
}
EDC_SHAPES = ("elm/master/EDC-generic-no-cv.ttl", "elm/lts-3.2/ap_edc_EDC-generic-full.ttl")

COUNTRY = "http://publications.europa.eu/resource/authority/country"
LANGUAGE = "http://publications.europa.eu/resource/authority/language"
FILE_TYPE = "http://publications.europa.eu/resource/authority/file-type"
EQF_SCHEME = "http://data.europa.eu/snb/eqf/25831c2"
NQF_SCHEME = "http://data.europa.eu/snb/qdr/25831c2"  # the QDR scheme the EDC-generic-full profile requires
GENERIC_PROFILE = "http://data.europa.eu/snb/credential/e34929035b"
BASE64 = "http://data.europa.eu/snb/encoding/6146cde7dd"
LANG_CODES = {"nb": "NOB", "nn": "NNO", "en": "ENG"}
DOCUMENT_TITLES = {
    "Vitnemaal": {"nb": "Vitnemål for videregående opplæring", "nn": "Vitnemål for vidaregåande opplæring",
                  "en": "Upper secondary school diploma"},
    "Kompetansebevis": {"nb": "Kompetansebevis for videregående opplæring", "nn": "Kompetansebevis for vidaregåande opplæring",
                        "en": "Certificate of competence, upper secondary education"},
    "Fagbrev": {"nb": "Fagbrev", "nn": "Fagbrev", "en": "Trade certificate"},
    "Svennebrev": {"nb": "Svennebrev", "nn": "Sveinebrev", "en": "Journeyman's certificate"},
    "Praksisbrev": {"nb": "Praksisbrev", "nn": "Praksisbrev", "en": "Practice certificate"},
    "Karakterutskrift": {"nb": "Karakterutskrift", "nn": "Karakterutskrift", "en": "Transcript of grades"},
}


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
    return all((base / folder / name).is_file() for folder, name in ANCHOR_FILES.values())


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


def validate_edc(document: dict) -> dict[str, tuple[bool, str]]:
    """Validate the credential with the official EDC shapes (pyshacl); name -> (conforms, text)."""
    from samtbu.validate.engine import shacl_validate

    data = to_rdf(document)
    results = {}
    for name in EDC_SHAPES:
        path = anchors_dir() / name
        if not path.is_file():
            raise CrosswalkError(f"the EDC shapes {path} are missing (set SAMTBU_ANCHORS)")
        shapes = _shapes(str(path))
        conforms, _, text = shacl_validate(data, shapes, advanced=True)
        results[name] = (bool(conforms), text)
    return results


_SHAPES: dict[str, Graph] = {}


def _shapes(path: str) -> Graph:
    if path not in _SHAPES:
        graph = Graph()
        graph.parse(path, format="turtle")
        _SHAPES[path] = graph
    return _SHAPES[path]


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


def _placeholder_png() -> str:
    """A plain white A4-proportioned page (base64 PNG): EDC requires a display image."""
    width, height = 210, 297
    raw = b"".join(b"\x00" + b"\xff" * width for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
    png += chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")
    return base64.b64encode(png).decode("ascii")


class _Builder:
    def __init__(self, record: Record, national_id: bool):
        self.r = record
        self.national_id = national_id
        self.orgs: dict[str, dict] = {}
        self.described: set[str] = set()
        self.warnings: list[str] = []

    def lang_map(self, labels: dict[str, str]) -> dict[str, str]:
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
            legal = {"id": f"urn:samtbu:organisasjonsnummer:{orgnr}", "type": "LegalIdentifier",
                     "notation": str(orgnr), "spatial": _country_norway(), "schemeName": "organisasjonsnummer"}
            org["registration"] = legal
            if issuer:
                org["eIDASIdentifier"] = {"id": f"urn:samtbu:eidas:NO{orgnr}", "type": "LegalIdentifier",
                                          "notation": f"NO{orgnr}", "spatial": _country_norway()}
        elif issuer:
            raise CrosswalkError(
                f"the issuer {iri} has no organisasjonsnummer; an EDC needs the issuer's eIDAS legal identifier"
            )
        owner = r.value(node, "skoleeier")
        self.described.add(iri)
        if owner is not None:
            org["subOrganizationOf"] = self.organisation(owner)
        return org

    def assessment(self, vurdering, issuer_iri: str) -> dict:
        r = self.r
        iri = str(vurdering)
        fag = r.value(vurdering, "gjelderFag")
        kind = r.value(vurdering, "vurderingstype")
        grade = r.value(vurdering, "karakter")
        date = r.value(vurdering, "vurderingsdato")
        assessor = r.value(vurdering, "vurdertAv")
        fag_code = r.notation(fag) if fag is not None else None
        kind_labels = r.labels(kind) if kind is not None else {}
        fag_titles = r.grep_titles(fag)  # with a Grep snapshot: "ENG1007 Engelsk …, Standpunktvurdering"
        subject = {lang: f"{fag_code} {fag_titles[lang]}" if lang in fag_titles else fag_code for lang in kind_labels}
        title = {lang: (f"{subject[lang]}, {label}" if fag_code else label) for lang, label in kind_labels.items()}
        if not title:
            title = {"nb": fag_code or "vurdering"}
        grade_code = r.notation(grade) if grade is not None else ""
        grade_text = {lang: f"{grade_code} ({label})" if label != grade_code and not label.startswith(grade_code + " ") else label
                      for lang, label in r.labels(grade).items()} if grade is not None else {}
        node: dict = {"id": iri, "type": "LearningAssessment", "title": title,
                      "grade": {"id": r.uuid_for(iri, "grade"), "type": "Note",
                                "noteLiteral": grade_text or {"nb": grade_code}}}
        body = assessor if assessor is not None else None
        node["awardedBy"] = {
            "id": r.uuid_for(iri, "awardingProcess"),
            "type": "AwardingProcess",
            "awardingBody": self.organisation(body) if body is not None else {"id": issuer_iri},
        }
        if date is not None:
            node["awardedBy"]["awardingDate"] = _datetime(date)
            node["dateIssued"] = _datetime(date)
        if body is not None:
            node["assessedBy"] = {"id": str(body)}
        spec: dict = {"id": r.uuid_for("spec", fag_code or "", str(kind)), "type": "LearningAssessmentSpecification",
                      "title": title}
        if kind is not None:
            spec["dcType"] = _concept(str(kind), str(r.scheme_of(kind) or f"{SBUK}vurderingstype"),
                                      self.lang_map(kind_labels), r.notation(kind))
        scale = r.grade_scale(vurdering) if grade is not None else None
        if scale is None and grade is not None:
            scale = next((s for s in sorted(r.model.vocab.objects(grade, URIRef("http://www.w3.org/2004/02/skos/core#inScheme")), key=str)
                          if str(s) != f"{SBUK}karakter"), None)
        if scale is not None:
            scale_title = r.labels(scale) or {"nb": str(scale).rsplit("/", 1)[-1]}
            spec["gradingScheme"] = {"id": str(scale), "type": "GradingScheme", "title": scale_title}
        if fag is not None:
            spec["identifier"] = {"id": r.uuid_for("grep", fag_code), "type": "Identifier",
                                  "notation": fag_code, "schemeName": "Grep fagkode", "schemeId": str(GREP)}
        node["specifiedBy"] = spec
        return node

    def achievement(self, kompetanse, issuer_iri: str, assessments: list[dict]) -> dict:
        r = self.r
        doc_title = DOCUMENT_TITLES.get(r.document_class, {"nb": r.document_class})
        if kompetanse is None:
            node: dict = {"id": r.uuid_for("achievement"), "type": "LearningAchievement", "title": doc_title}
            date = r.value(r.document, "utstedelsesdato")
            qualification: dict = {"id": r.uuid_for("qualification"), "type": "Qualification", "title": doc_title}
        else:
            kind = r.value(kompetanse, "kompetansetype")
            title = self.lang_map(r.labels(kind)) if kind is not None else dict(doc_title)
            yrkestittel = {lit.language: str(lit) for lit in r.values(kompetanse, "yrkestittel")
                           if isinstance(lit, Literal) and lit.language}
            if yrkestittel:
                title = {lang: f"{title.get(lang, title.get('nb', ''))}: {yrkestittel[lang]}" for lang in yrkestittel}
            node = {"id": str(kompetanse), "type": "LearningAchievement", "title": title}
            date = r.value(kompetanse, "oppnaaddDato") or r.value(r.document, "utstedelsesdato")
            qualification = {"id": r.uuid_for("qualification"), "type": "Qualification", "title": title}
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
            # The programme the competence is in, by name (the most specific one the Grep snapshot names)
            programme = next((t for prop in ("programomraade", "utdanningsprogram")
                              for code in r.values(kompetanse, prop) if (t := r.grep_titles(code))), None)
            if programme:
                qualification["altLabel"] = self.lang_map(programme)
        node["awardedBy"] = {"id": r.uuid_for("awardingProcess"), "type": "AwardingProcess",
                             "awardingBody": {"id": issuer_iri}}
        if date is not None:
            node["awardedBy"]["awardingDate"] = _datetime(date)
        node["specifiedBy"] = qualification
        if assessments:
            node["provenBy"] = assessments
        return node

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
        assessments = [self.assessment(v, issuer_iri) for v in r.results("Vurdering")]
        for result in r.results("Vurdering") + r.results("Sluttkompetanse"):
            r.used.add((result, SBU.gjelderLaerende, r.graph.value(result, SBU.gjelderLaerende)))
        kompetanser = r.results("Sluttkompetanse")
        claims = [self.achievement(k, issuer_iri, assessments if i == 0 else []) for i, k in enumerate(kompetanser)]
        if not claims:
            claims = [self.achievement(None, issuer_iri, assessments)]
        person = self.person(learner)
        person["hasClaim"] = claims if len(claims) > 1 else claims[0]
        title = DOCUMENT_TITLES.get(r.document_class, {"nb": r.document_class})
        credential: dict = {
            "@context": [CREDENTIALS_V1, EDC_CONTEXT],
            "id": str(doc),
            "type": ["VerifiableCredential", "EuropeanDigitalCredential"],
            "credentialProfiles": _concept(GENERIC_PROFILE, "http://data.europa.eu/snb/credential/25831c2", {"en": "Generic"}),
            "credentialSchema": {"id": "http://data.europa.eu/snb/model/ap/edc-generic-full", "type": "ShaclValidator2017"},
            "displayParameter": {
                "id": r.uuid_for("displayParameter"),
                "type": "DisplayParameter",
                "title": title,
                "language": [_language("NOB"), _language("ENG")],
                "primaryLanguage": _language("NOB"),
                "individualDisplay": {
                    "id": r.uuid_for("individualDisplay"),
                    "type": "IndividualDisplay",
                    "language": _language("NOB"),
                    "displayDetail": {
                        "id": r.uuid_for("displayDetail"),
                        "type": "DisplayDetail",
                        "page": 1,
                        "image": {
                            "id": r.uuid_for("image"),
                            "type": "MediaObject",
                            "content": _placeholder_png(),
                            "contentType": _concept(f"{FILE_TYPE}/PNG", FILE_TYPE, {"en": "PNG"}, "file-type"),
                            "contentEncoding": _concept(BASE64, "http://data.europa.eu/snb/encoding/25831c2", {"en": "base64"}),
                        },
                    },
                },
            },
            "issued": _datetime(issued),
            "validFrom": _datetime(issued),
            "issuer": issuer,
            "credentialSubject": person,
        }
        number = r.value(doc, "dokumentnummer")
        if number is not None:
            credential["identifier"] = {"id": f"urn:samtbu:dokumentnummer:{number}", "type": "Identifier",
                                        "notation": str(number), "schemeName": "dokumentnummer"}
        self.warnings.append("the display image is a blank placeholder page; the issuer supplies the rendered document")
        return credential


def export_elm(graph: Graph, *, national_id: bool = False, model: Model | None = None) -> ElmExport:
    """The record in ``graph`` as an EDC (JSON-LD, compacted with the EDC context by IRI)."""
    model = model or Model.load()
    record = Record.from_graph(graph, model)
    mapping = load_mapping_set("elm", model)
    builder = _Builder(record, national_id)
    document = builder.build()
    not_carried = record.not_carried(mapping)
    return ElmExport(document, not_carried, builder.warnings)


__all__ = ["export_elm", "ElmExport", "to_rdf", "validate_edc", "anchors_available", "anchors_dir", "document_loader"]
