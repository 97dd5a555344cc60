"""Export a documentation record to schema.org JSON-LD for web publishing: an
``EducationalOccupationalCredential`` with its issuer (``recognizedBy``), level (EQF/NKR as
``DefinedTerm``s), programme and subjects (``about``), and the holder by ``@reverse hasCredential``.

Term correspondences: ``crosswalks/schemaorg.sssom.tsv``. schema.org has no property for a grade, so
the results (grades, assessment types and dates) are listed as not carried; the subjects are carried
as ``Course``s. For publishing on the web, only the holder's name is carried: the fødselsnummer and
the birth date are never written (listed as not carried).

A **karakterutskrift** is refused: an ``EducationalOccupationalCredential`` is a credential awarded
to its holder (a diploma, certificate, qualification), and schema.org has no property for a grade,
so the subjects would be listed as the credential's ``about`` with their grades (and fails) dropped.
A karakterutskrift documents grades, not an awarded competence (Udir's guidelines, chapter 1).

The context is inline (``{"@vocab": "https://schema.org/"}``), so the output parses as JSON-LD
without the network.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from rdflib import Literal

from samtbu.crosswalk.elm import DOCUMENT_TITLES
from samtbu.crosswalk.record import CrosswalkError, NotCarried, NotExportable, Record, as_graph, load_mapping_set
from samtbu.model import Model
from samtbu.namespaces import SBU, SBUK

SCHEMA = "https://schema.org/"
ORGANISATION_TYPES = {"Skole": "HighSchool", "Fylkeskommune": "GovernmentOrganization", "Fagskole": "EducationalOrganization"}
DOCUMENT_TYPE_CODES = {"Vitnemaal": "vitnemaal", "Kompetansebevis": "kompetansebevis",
                       "Fagbrev": "fagbrev", "Svennebrev": "svennebrev", "Praksisbrev": "praksisbrev"}
KARAKTERUTSKRIFT_REFUSAL = (
    "not exported: a schema.org EducationalOccupationalCredential is a credential awarded to its holder, and schema.org has "
    "no property for a grade, so the subjects would be stated without their grades (fails included); a karakterutskrift "
    "documents grades, not an awarded competence (Udir's guidelines for vitnemål and kompetansebevis, chapter 1)"
)

# Every schema.org term this export writes (a test checks the output uses no other).
TERMS = frozenset({
    "EducationalOccupationalCredential", "Person", "Organization", "HighSchool", "GovernmentOrganization",
    "EducationalOrganization", "DefinedTerm", "PropertyValue", "EducationalOccupationalProgram", "Course",
    "name", "description", "inLanguage", "identifier", "credentialCategory", "educationalLevel", "recognizedBy",
    "dateCreated", "about", "hasCredential", "givenName", "familyName", "parentOrganization", "termCode",
    "inDefinedTermSet", "propertyID", "value", "courseCode", "url",
})


@dataclass
class SchemaOrgExport:
    document: dict
    not_carried: list[NotCarried] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def to_bytes(self) -> bytes:
        return (json.dumps(self.document, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def _organisation(r: Record, node, seen: set) -> dict:
    if str(node) in seen:
        return {"@id": str(node)}
    seen.add(str(node))
    org: dict = {"@id": str(node), "@type": ORGANISATION_TYPES.get(r.type_of(node) or "", "Organization")}
    name = r.value(node, "navn")
    if name is not None:
        org["name"] = str(name)
    orgnr = r.value(node, "organisasjonsnummer")
    if orgnr is not None:
        org["identifier"] = {"@type": "PropertyValue", "propertyID": "organisasjonsnummer", "value": str(orgnr)}
    owner = r.value(node, "skoleeier")
    if owner is not None:
        org["parentOrganization"] = _organisation(r, owner, seen)
    return org


def _term(code: str, name: str, term_set: str, url: str | None = None) -> dict:
    term = {"@type": "DefinedTerm", "termCode": code, "name": name, "inDefinedTermSet": term_set}
    if url:
        term["url"] = url
    return term


def _grep_name(r: Record, code) -> dict:
    """{"name": [language-tagged titles]} from the active Grep snapshot; {} without one."""
    titles = r.grep_titles(code)
    return {"name": [{"@value": text, "@language": lang} for lang, text in titles.items()]} if titles else {}


def export_schemaorg(payload, *, model: Model | None = None) -> SchemaOrgExport:
    """The record (a graph, or anything ``read_payload`` reads) as schema.org JSON-LD, the facts it
    does not carry and warnings."""
    model = model or Model.load()
    r = Record.from_graph(as_graph(payload, model), model, target="schemaorg")
    if r.document_class == "Karakterutskrift":
        raise NotExportable(KARAKTERUTSKRIFT_REFUSAL)
    mapping = load_mapping_set("schemaorg", model)
    doc = r.document
    title = DOCUMENT_TITLES.get(r.document_class, {"nb": r.document_class})
    credential: dict = {"@context": {"@vocab": SCHEMA}, "@id": str(doc), "@type": "EducationalOccupationalCredential",
                        "name": title["nb"], "inLanguage": "nb"}
    type_code = DOCUMENT_TYPE_CODES.get(r.document_class)
    if type_code:
        credential["credentialCategory"] = _term(type_code, title["nb"], f"{SBUK}dokumenttype", f"{SBUK}dokumenttype/{type_code}")
    number = r.value(doc, "dokumentnummer")
    if number is not None:
        credential["identifier"] = {"@type": "PropertyValue", "propertyID": "dokumentnummer", "value": str(number)}
    issued = r.value(doc, "utstedelsesdato")
    if issued is not None:
        credential["dateCreated"] = str(issued)
    issuer = r.value(doc, "utsteder")
    if issuer is None:
        raise CrosswalkError("the document has no utsteder")
    seen: set = set()
    credential["recognizedBy"] = _organisation(r, issuer, seen)

    about = []
    levels = []
    for kompetanse in r.results("Sluttkompetanse"):
        r.used.add((kompetanse, SBU.gjelderLaerende, r.graph.value(kompetanse, SBU.gjelderLaerende)))
        kind = r.value(kompetanse, "kompetansetype")
        if kind is not None:
            name = r.labels(kind).get("nb", r.notation(kind))
            yrkestittel = {lit.language: str(lit) for lit in r.values(kompetanse, "yrkestittel") if isinstance(lit, Literal)}
            if yrkestittel:
                name = f"{name}: {yrkestittel.get('nb') or next(iter(yrkestittel.values()))}"
            credential["description"] = name
        for prop, framework, prefix, term_set in (
            ("eqfNivaa", "EQF", "http://data.europa.eu/snb/eqf/", "http://data.europa.eu/snb/eqf/25831c2"),
            ("nkrNivaa", "NKR", "http://data.europa.eu/snb/qdr/", f"{SBUK}nkr-nivaa"),
        ):
            level = r.value(kompetanse, prop)
            if level is not None:
                levels.append(_term(r.notation(level), f"{framework} {r.notation(level)}", term_set,
                                    str(r.exact_match(level, prefix) or level)))
        for prop in ("programomraade", "utdanningsprogram"):
            for code in r.values(kompetanse, prop):
                about.append({"@type": "EducationalOccupationalProgram", "identifier": r.notation(code), "url": str(code),
                              **_grep_name(r, code)})
    if levels:
        credential["educationalLevel"] = levels if len(levels) > 1 else levels[0]
    courses = {}
    for vurdering in r.results("Vurdering"):
        fag = r.value(vurdering, "gjelderFag")
        if fag is not None and str(fag) not in courses:
            courses[str(fag)] = {"@type": "Course", "courseCode": r.notation(fag), "url": str(fag), **_grep_name(r, fag)}
    about += [courses[k] for k in sorted(courses)]
    if about:
        credential["about"] = about
    learner = r.value(doc, "utstedtTil")
    if learner is not None:
        person: dict = {"@id": str(learner), "@type": "Person"}
        given, family = r.value(learner, "fornavn"), r.value(learner, "etternavn")
        if given is not None:
            person["givenName"] = str(given)
        if family is not None:
            person["familyName"] = str(family)
        if given is not None or family is not None:
            person["name"] = " ".join(str(x) for x in (given, family) if x is not None)
        credential["@reverse"] = {"hasCredential": person}
    return SchemaOrgExport(credential, r.not_carried(mapping), [])


def export(payload, *, model: Model | None = None) -> dict:
    """The record as schema.org JSON-LD (a dict)."""
    return export_schemaorg(payload, model=model).document


def used_terms(document) -> set[str]:
    """The keys and @type values of a schema.org export (for checking it uses only schema.org terms)."""
    found: set[str] = set()

    def walk(value):
        if isinstance(value, list):
            for item in value:
                walk(item)
        elif isinstance(value, dict):
            for key, item in value.items():
                if key == "@type":
                    found.update(item if isinstance(item, list) else [item])
                elif key == "@reverse":
                    found.update(item)
                    walk(list(item.values()))
                elif not key.startswith("@"):
                    found.add(key)
                    walk(item)

    walk(document)
    return found


__all__ = ["export", "export_schemaorg", "SchemaOrgExport", "TERMS", "used_terms"]
