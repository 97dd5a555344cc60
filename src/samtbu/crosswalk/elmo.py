"""EMREX ELMO XML (v1) to and from the samtbu model, faithfully: no import or export states
something the source did not say.

ELMO is what Vitnemålsportalen hands to EMREX clients today (schema.xsd of emrex-eu/elmo-schemas,
based on EN 15981 EuroLMAI). The mapping itself is data: ``crosswalks/elmo.sssom.tsv``, an SSSOM set.
This module reads it; the code here only knows the shape of an ELMO document (which element sits
where, in which order) and how a value is written (a date, a code, a Grep code).

- :func:`import_elmo_document` reads an ELMO document into a record of the model, and keeps
  everything the model cannot hold verbatim in a **side record**: the document itself, annotated
  with where each fact of the record sits (binding attributes in their own namespace). A report is
  read into the model only when it is Norwegian upper secondary documentation (its issuer in Norway,
  a result identified by a Grep code or a code list of the model); any other report (a foreign or
  higher-education transcript) is imported as what it is: the learner as a person, the report kept
  whole in the side record, never relabelled as a karakterutskrift or its courses as Vurderinger.
  Every element the model does not hold is listed, kept (in the side record) or not carried (the
  XML signature, which would not hold for another document, and the source's generatedDate).
- :func:`export_elmo_report` writes a record as ELMO, one learning opportunity specification per
  result (the model has no part-of relation, so no hierarchy is invented), and lists the facts ELMO
  does not carry. Given the side record of an import, it writes the record's facts into the
  imported document: what the record still states stays as the source wrote it, a changed or new
  fact is written where ELMO's sequence puts it, and what the model does not hold comes back
  verbatim, hierarchy included.
- :func:`validate_elmo` checks a document against the official schema, whose imports resolve from
  local copies (``$SAMTBU_ANCHORS/elmo/``); nothing is fetched.

Input safety: documents are parsed with lxml without entity resolution, DTD loading or network
access; DOCTYPE and entity declarations are refused, as are documents over a size limit or nested
deeper than a limit. Each refusal is a ``SamtbuError`` (one line, exit code 2).

Conventions of this crosswalk (ELMO allows custom identifier types and group types):
identifier ``type="uri"`` carries the IRI of the node in the samtbu record (learner, issuer,
document attachment, learning opportunity instance); ``organisasjonsnummer``, ``dokumentnummer``,
``grep-fag``, ``grep-utdanningsprogram``, ``grep-programomraade`` carry those facts; the group types
``vurderingstype`` and ``kompetansetype`` (``elmo/groups``) carry those code lists, and a result's
``grouping`` names its code. A school year is an academic term from 1 August to 31 July.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import io
import os
import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime, UTC
from pathlib import Path
from urllib.parse import unquote

from lxml import etree
from lxml.builder import ElementMaker
from rdflib import OWL, RDF, RDFS, SKOS, XSD, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.term import Node

from samtbu.errors import SamtbuError
from samtbu.model import Model, ModelError
from samtbu.crosswalk.record import NotCarried  # one listing of what a target does not carry, for every crosswalk
from samtbu.crosswalk.sssom import SssomTable
from samtbu.namespaces import GREP, SBU, SBUK, local_name

ELMO_NS = "https://github.com/emrex-eu/elmo-schemas/tree/v1"
XML_NS = "http://www.w3.org/XML/1998/namespace"
XML_LANG = f"{{{XML_NS}}}lang"
MAX_BYTES = 10 * 1024 * 1024
MAX_DEPTH = 64
MINT_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://w3id.org/samt-bu/mapping/elmo")
# The namespaces whose terms the mapping names by their local name (rdf: for rdf:type, "type"); a term
# of any other namespace is named by its whole IRI.
OWN_NAMESPACES = (SBU, GREP, SBUK, str(RDF))

# schemaLocation URLs in schema.xsd and the XSDs it imports -> the local copy (anchors README).
SCHEMA_LOCATIONS = {
    "http://www.w3.org/2001/03/xml.xsd": "xml.xsd",
    "https://raw.githubusercontent.com/emrex-eu/elmo-schemas/v1/references/xmldsig-core-schema.xsd": "xmldsig-core-schema.xsd",
    "https://raw.githubusercontent.com/emrex-eu/elmo-schemas/v1/references/EUROPASS_ISOCountries_V1.1.xsd": "EUROPASS_ISOCountries_V1.1.xsd",
    "https://raw.githubusercontent.com/erasmus-without-paper/ewp-specs-types-address/stable-v1/schema.xsd": "ewp-specs-types-address.xsd",
    "https://raw.githubusercontent.com/erasmus-without-paper/ewp-specs-architecture/stable-v1/common-types.xsd": "ewp-common-types.xsd",
}

# Udir's certificate number names its document: V (vitnemål) or K (kompetansebevis), the school's
# organisation number, the year and a 5-digit serial (CONVENTIONS.md, dokumentasjon). Other documents
# have no national number format; their class comes from the attachment's title or type.
UDIR_NUMBER = re.compile(r"^([VK])[0-9]{18}$")
UDIR_NUMBER_CLASSES = {"V": SBU.Vitnemaal, "K": SBU.Kompetansebevis}
# The class a learning opportunity specification stands for -> the class of its instance (the
# learner's result) and the property from the result to the specification's Grep element.
RESULT_OF = {
    SBU.Fag: (SBU.Vurdering, SBU.gjelderFag),
    SBU.Utdanningsprogram: (SBU.Sluttkompetanse, SBU.utdanningsprogram),
}
NO_COUNTERPART = "no counterpart in the samtbu model (not in crosswalks/elmo.sssom.tsv)"
SKOLEAAR = re.compile(r"^(\d{4})-(\d{4})$")
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")


class ElmoError(SamtbuError):
    """An ELMO document cannot be read or written: exit code 2."""


class UnsafeXmlError(ElmoError):
    """The XML uses a feature that is refused for safety (DTD, entities, excessive nesting, size)."""


class ElmoSchemaError(ElmoError):
    """An ELMO document does not validate against the official schema, or the schema is not available."""


# -- the mapping (SSSOM) ------------------------------------------------------------------------

ALLOWED_PREDICATES = {"skos:exactMatch", "skos:closeMatch", "skos:broadMatch", "skos:narrowMatch", "skos:relatedMatch"}


@dataclass(frozen=True)
class MappingRow:
    subject_id: str
    subject_label: str
    predicate_id: str
    object_id: str
    object_label: str
    comment: str
    object_iri: URIRef


class ElmoMapping:
    """The SSSOM mapping set: ELMO element (path) <-> term of the model, with the strength."""

    def __init__(self, rows: list[MappingRow], metadata: dict, path: Path | None = None):
        self.rows = rows
        self.metadata = metadata
        self.path = path
        self._by_subject: dict[str, list[MappingRow]] = {}
        for row in rows:
            self._by_subject.setdefault(row.subject_id, []).append(row)

    @classmethod
    def load(cls, model: Model | None = None) -> ElmoMapping:
        """The model's mapping set ``elmo`` (read by the model index), made once per model."""
        model = model or Model.load()
        return model.derive("crosswalk-mapping:elmo", lambda m: cls.of(m.index.mapping_set("elmo")))

    @classmethod
    def of(cls, table: SssomTable) -> ElmoMapping:
        """The mapping from a set as the one reader (``crosswalk.sssom``) read it."""
        path, curie_map = table.path, table.curie_map
        rows = []
        for record in table.rows:
            predicate = record["predicate_id"]
            if predicate not in ALLOWED_PREDICATES:
                raise ModelError(f"{path}: predicate {predicate!r} is not a SKOS mapping predicate")
            rows.append(
                MappingRow(
                    record["subject_id"], record["subject_label"], predicate, record["object_id"],
                    record["object_label"], record.get("comment") or "", _expand(record["object_id"], curie_map, path),
                )
            )
        return cls(rows, table.metadata, path)

    def rows_for(self, subject: str) -> list[MappingRow]:
        return self._by_subject.get(subject, [])

    def objects(self, subject: str) -> list[URIRef]:
        return [r.object_iri for r in self.rows_for(subject)]

    def subjects_for(self, obj: URIRef) -> list[str]:
        return [r.subject_id for r in self.rows if r.object_iri == obj]

    @functools.cached_property
    def mapped_terms(self) -> frozenset[URIRef]:
        return frozenset(r.object_iri for r in self.rows)

    def value_map(self, prefix: str) -> dict[str, list[URIRef]]:
        """Rows ``{prefix}=value``: the (decoded) value -> its objects."""
        out: dict[str, list[URIRef]] = {}
        for row in self.rows:
            if row.subject_id.startswith(prefix + "="):
                out.setdefault(unquote(row.subject_id[len(prefix) + 1:]), []).append(row.object_iri)
        return out


def _expand(curie: str, curie_map: dict, path: Path) -> URIRef:
    standard = {"skos": str(SKOS), "rdfs": str(RDFS)}
    prefix, _, local = curie.partition(":")
    base = curie_map.get(prefix) or standard.get(prefix)
    if base is None:
        raise ModelError(f"{path}: prefix {prefix!r} of {curie!r} is not in the curie_map")
    return URIRef(base + local)


# -- safe parsing -------------------------------------------------------------------------------

_DECLARATION = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)


def parse_elmo_xml(data: bytes | str, *, source: str = "<elmo>", max_bytes: int = MAX_BYTES, max_depth: int = MAX_DEPTH) -> etree._Element:
    """Parse ELMO XML safely and return its root element (``elmo``)."""
    raw = data.encode("utf-8") if isinstance(data, str) else bytes(data)
    if len(raw) > max_bytes:
        raise UnsafeXmlError(f"XML is {len(raw):,} bytes, over the limit of {max_bytes:,}", where=source)
    if not raw.strip():
        raise ElmoError("XML is empty", where=source)
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in raw[:4]:
        raise ElmoError("XML must be UTF-8 encoded", where=source)
    match = _DECLARATION.search(raw)
    if match:
        kind = match.group(1).decode().upper()
        raise UnsafeXmlError(
            f"XML {kind} declarations are refused: no DTDs, external entities or entity expansion", where=source
        )
    depth = 0
    root = None
    try:
        for event, element in etree.iterparse(
            io.BytesIO(raw), events=("start", "end"), resolve_entities=False, no_network=True,
            load_dtd=False, huge_tree=False, remove_pis=True,
        ):
            if event == "start":
                depth += 1
                if depth > max_depth:
                    raise UnsafeXmlError(f"XML nested deeper than {max_depth} levels", where=source)
            else:
                depth -= 1
                root = element
    except etree.XMLSyntaxError as exc:
        message = " ".join(str(exc.msg or exc).split())
        if "depth" in message.lower():
            raise UnsafeXmlError(f"XML nested deeper than {max_depth} levels", where=source) from None
        raise ElmoError(f"malformed XML: {message}", where=source) from None
    if root is None:
        raise ElmoError("XML has no root element", where=source)
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        raise UnsafeXmlError("XML DOCTYPE declarations are refused", where=source)
    if root.tag != f"{{{ELMO_NS}}}elmo":
        raise ElmoError(f"not an EMREX ELMO document: the root element is {_qname_text(root)}, not elmo in {ELMO_NS}", where=source)
    return root


def _qname_text(element) -> str:
    qname = etree.QName(element)
    return qname.localname if qname.namespace in (None, ELMO_NS) else f"{{{qname.namespace}}}{qname.localname}"


# -- schema validation --------------------------------------------------------------------------


def anchors_dir() -> Path:
    from samtbu.model import default_root

    env = os.environ.get("SAMTBU_ANCHORS")
    if env:
        return Path(env)
    return default_root().parent / "shared" / "anchors"


def schema_path() -> Path:
    return anchors_dir() / "elmo" / "schema.xsd"


class _LocalSchemaResolver(etree.Resolver):
    """Resolves each schemaLocation to its local copy; anything else is refused, nothing fetched."""

    def __init__(self, folder: Path):
        super().__init__()
        self.folder = folder

    def resolve(self, url, pubid, context):
        name = SCHEMA_LOCATIONS.get(url)
        if name is None:
            local = Path(url)
            if local.is_absolute() and local.parent == self.folder and local.is_file():
                return self.resolve_filename(str(local), context)
            return self.resolve_string("", context)  # refused: an empty document fails the import
        return self.resolve_filename(str(self.folder / name), context)


@functools.lru_cache(maxsize=2)
def _schema(path_text: str) -> etree.XMLSchema:
    path = Path(path_text)
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    parser.resolvers.add(_LocalSchemaResolver(path.parent))
    try:
        document = etree.parse(str(path), parser)
        return etree.XMLSchema(document)
    except (OSError, etree.XMLSyntaxError, etree.XMLSchemaParseError) as exc:
        raise ElmoSchemaError(f"the ELMO schema cannot be loaded from {path}: {' '.join(str(exc).split())}") from None


def validate_elmo(xml: bytes | etree._Element, schema: Path | None = None) -> list[str]:
    """Errors of the document against ELMO's schema.xsd (empty list: valid). Imports resolve locally."""
    schema = schema or schema_path()
    if not schema.is_file():
        raise ElmoSchemaError(f"the ELMO schema is not at {schema} (set SAMTBU_ANCHORS to the anchors folder)")
    xsd = _schema(str(schema))
    root = xml if isinstance(xml, etree._Element) else parse_elmo_xml(xml)
    if xsd.validate(root):
        return []
    return [f"line {e.line}: {e.message}" for e in xsd.error_log]


# -- model helpers ------------------------------------------------------------------------------


class _Terms:
    """What the crosswalk asks of the ontology and the code lists."""

    def __init__(self, model: Model):
        self.model = model
        self.onto = model.ontology
        self.vocab = model.vocab

    def superclasses(self, cls: Node) -> frozenset[Node]:
        return self.model.hierarchy.with_ancestors(cls)

    @functools.cache
    def domain(self, prop: URIRef) -> frozenset[URIRef] | None:
        found: set[URIRef] = set()
        for dom in self.onto.objects(prop, RDFS.domain):
            union = self.onto.value(dom, OWL.unionOf)
            if union is not None:
                found.update(Collection(self.onto, union))
            elif isinstance(dom, URIRef):
                found.add(dom)
        return frozenset(found) or None

    def domain_ok(self, prop: URIRef, cls: URIRef) -> bool:
        dom = self.domain(prop)
        return dom is None or bool(self.superclasses(cls) & dom)

    def range(self, prop: URIRef):
        return self.onto.value(prop, RDFS.range)

    def code_namespace(self, prop: URIRef) -> str | None:
        ns = self.onto.value(prop, SBU.kodeNavnerom)
        return str(ns) if ns is not None else None

    def scheme_of(self, prop: URIRef) -> URIRef | None:
        return self.onto.value(prop, SBU.kodeliste)

    def is_code(self, iri: URIRef, scheme: URIRef | None = None) -> bool:
        if scheme is None:
            return (iri, RDF.type, SKOS.Concept) in self.vocab
        return (iri, SKOS.inScheme, scheme) in self.vocab

    def labels(self, iri: URIRef) -> list[Literal]:
        by_lang = {o.language: o for o in self.vocab.objects(iri, SKOS.prefLabel) if isinstance(o, Literal)}
        return [by_lang[lang] for lang in ("nb", "nn", "en") if lang in by_lang]

    def notation(self, iri: URIRef) -> str:
        value = self.vocab.value(iri, SKOS.notation)
        return str(value) if value is not None else str(iri).rsplit("/", 1)[-1]

    def erBestaatt(self, grade: URIRef) -> bool | None:
        value = self.vocab.value(grade, SBU.erBestaatt)
        return None if value is None else bool(value.toPython())

    def default_scale(self, vurderingstype: URIRef | None, grade: URIRef) -> URIRef | None:
        """The grade scale a grade is read on: the first allowed scale of the assessment type that
        holds the grade, else the narrowest scheme that holds it (never the umbrella list)."""
        allowed = sorted(self.vocab.objects(vurderingstype, SBU.tillattKarakterskala)) if vurderingstype else []
        for scale in allowed:
            if (grade, SKOS.inScheme, scale) in self.vocab:
                return scale
        schemes = sorted(s for s in self.vocab.objects(grade, SKOS.inScheme) if s != SBUK.karakter)
        return schemes[0] if schemes else (SBUK.karakter if (grade, SKOS.inScheme, SBUK.karakter) in self.vocab else None)

    def class_labels(self, cls: URIRef) -> list[Literal]:
        by_lang = {o.language: o for o in self.onto.objects(cls, RDFS.label) if isinstance(o, Literal)}
        return [by_lang[lang] for lang in ("nb", "nn", "en") if lang in by_lang]

    @functools.cache
    def document_types(self) -> tuple[tuple[URIRef, URIRef], ...]:
        """(code of kode/dokumenttype, the document class it names) for every document type."""
        return tuple(sorted((code, cls) for code, cls in self.vocab.subject_objects(RDFS.seeAlso)
                            if (code, SKOS.inScheme, SBUK.dokumenttype) in self.vocab and isinstance(cls, URIRef)))

    def document_type_code(self, cls: URIRef) -> URIRef | None:
        return next((code for code, c in self.document_types() if c == cls), None)

    def attachment_type(self, cls: URIRef, mapping: ElmoMapping) -> str | None:
        """The ELMO attachment type of a document of a class (the mapping's row for the class)."""
        kinds = [unquote(r.subject_id.split("=", 1)[1]) for r in mapping.rows
                 if r.subject_id.startswith("elmo:Attachment/type=") and r.object_iri in self.superclasses(cls)]
        return kinds[0] if kinds else None

    def most_specific_mapped(self, cls: URIRef, mapped: frozenset[URIRef]) -> URIRef | None:
        candidates = [m for m in mapped if m in self.superclasses(cls)]
        if not candidates:
            return None
        return max(candidates, key=lambda m: len(self.superclasses(m)))


@functools.lru_cache(maxsize=4)
def _terms(root: str) -> _Terms:
    return _Terms(Model.load(root))


def _scheme_slug(scheme: URIRef) -> str:
    return str(scheme)[len(str(SBUK)):]


def valid_foedselsnummer(value: str) -> bool:
    """11 digits with valid mod-11 check digits (the synthetic ones with month+80 pass too)."""
    if not re.fullmatch(r"\d{11}", value):
        return False
    digits = [int(c) for c in value]

    def check(weights, n):
        r = sum(w * d for w, d in zip(weights, digits[:n])) % 11
        return 0 if r == 0 else (None if r == 1 else 11 - r)

    k1 = check((3, 7, 6, 1, 8, 9, 4, 5, 2), 9)
    k2 = check((5, 4, 3, 2, 7, 6, 5, 4, 3, 2), 10)
    return k1 == digits[9] and k2 == digits[10]


# -- results of an import -----------------------------------------------------------------------

# Binding attributes: the side record's template marks which element carries which fact of the record
# (subject, property, canonical value) and which element stands for which node (role, node). They live
# in their own namespace and are never written to an exported document.
SB_NS = "https://w3id.org/samt-bu/elmo-binding#"
SB_ROLE, SB_NODE = f"{{{SB_NS}}}role", f"{{{SB_NS}}}node"
SB_S, SB_P, SB_O = f"{{{SB_NS}}}s", f"{{{SB_NS}}}p", f"{{{SB_NS}}}o"
SB_USED = f"{{{SB_NS}}}used"  # structure read by the import (not a fact of its own, not listed)
SIDE_RECORD_FORMAT = "https://w3id.org/samt-bu/elmo-side-record/1"
DSIG = "http://www.w3.org/2000/09/xmldsig#"
# Derived facts (a function of the record, written by every export) that are written into an imported
# document even where the source had none: they define what other elements refer to.
ALWAYS_DERIVED = frozenset({"~scale", "~gradingScheme", "~groupType", "~group"})
# The order of the children of each ELMO element (schema.xsd sequences), for inserting an element.
SEQUENCES = {
    "elmo": ["generatedDate", "learner", "report", "attachment", "groups", "extension", "Signature"],
    "learner": ["citizenship", "identifier", "givenNames", "familyName", "bday", "placeOfBirth", "birthName",
                "currentAddress", "gender"],
    "report": ["issuer", "learningOpportunitySpecification", "issueDate", "gradingScheme", "attachment"],
    "issuer": ["country", "identifier", "title", "url"],
    "learningOpportunitySpecification": ["identifier", "title", "type", "subjectArea", "iscedCode", "url", "description",
                                         "descriptionHtml", "specifies", "hasPart", "extension"],
    "specifies": ["learningOpportunityInstance", "extension"],
    "learningOpportunityInstance": ["identifier", "start", "date", "academicTerm", "status", "gradingSchemeLocalId",
                                    "resultLabel", "shortenedGrading", "resultDistribution", "credit", "level",
                                    "languageOfInstruction", "engagementHours", "attachments", "grouping", "extension",
                                    "diplomaSupplement"],
    "attachment": ["identifier", "title", "type", "description", "content", "extension"],
    "groups": ["groupType"],
    "groupType": ["title", "group"],
}
KEPT = "no counterpart in the samtbu model: kept verbatim in the side record"


@dataclass(frozen=True)
class Unmapped:
    """An ELMO element (with everything inside it) that the model does not hold: kept verbatim in the
    side record (``kept``), or not carried at all (the reason says why)."""

    location: str
    element: str
    reason: str
    value: str | None = None
    kept: bool = True

    def __str__(self) -> str:
        shown = f" = {self.value!r}" if self.value else ""
        return f"{self.location}{shown}: {self.reason}"

    def as_dict(self) -> dict:
        return {"location": self.location, "element": self.element, "reason": self.reason, "value": self.value,
                "kept": self.kept}


@dataclass
class ElmoImport:
    """An imported ELMO document: the record (what the model holds), the side record (everything
    else, verbatim, with where each fact of the record sits in the document) and the listing."""

    graph: Graph
    unmapped: list[Unmapped]
    side_record: dict

    @property
    def kind(self) -> str:
        return self.side_record.get("kind", "")


@dataclass
class ElmoExport:
    xml: bytes
    not_carried: list[NotCarried] = field(default_factory=list)
    carried: Graph = field(default_factory=Graph, repr=False)


# -- small helpers ------------------------------------------------------------------------------


def _elmo(name: str) -> str:
    return f"{{{ELMO_NS}}}{name}"


def _local_tag(element) -> str:
    return etree.QName(element).localname


def _children(element, name: str) -> list:
    return [c for c in element if c.tag == _elmo(name)]


def _child(element, name: str):
    found = _children(element, name)
    return found[0] if found else None


def _text(element) -> str:
    return " ".join("".join(element.itertext()).split()) if element is not None else ""


def _location(element) -> str:
    parts = []
    while element is not None:
        parent = element.getparent()
        name = etree.QName(element).localname
        if parent is not None:
            same = [c for c in parent if c.tag == element.tag]
            if len(same) > 1:
                name += f"[{same.index(element) + 1}]"
        parts.append(name)
        element = parent
    return "/" + "/".join(reversed(parts))


def _shown_value(element) -> str | None:
    if any(isinstance(c.tag, str) for c in element):
        return None
    text = _text(element)
    if not text:
        return None
    from samtbu.validate.report import mask_identity_numbers

    text = mask_identity_numbers(text)
    return text if len(text) <= 80 else text[:77] + "..."


def _canonical(value) -> str:
    """The canonical text of a value in a binding: an IRI, or a literal's lexical form with @lang."""
    if isinstance(value, Literal) and value.language:
        return f"{value}@{value.language}"
    return str(value)


def _bind(element, p: str, o, s=None) -> None:
    element.set(SB_P, p)
    element.set(SB_O, _canonical(o))
    if s is not None:
        element.set(SB_S, str(s))


def _anchor(element, role: str, node) -> None:
    element.set(SB_ROLE, role)
    element.set(SB_NODE, str(node))


def _mark_used(*elements) -> None:
    for element in elements:
        if element is not None:
            element.set(SB_USED, "1")


def _is_marked(element) -> bool:
    return any(k in element.attrib for k in (SB_ROLE, SB_P, SB_USED))


def _fact_key(element) -> tuple[str, str, str]:
    subject = element.get(SB_S)
    if subject is None:
        anchor = element
        while anchor is not None and anchor.get(SB_ROLE) is None:
            anchor = anchor.getparent()
        subject = anchor.get(SB_NODE) if anchor is not None else ""
    return subject, element.get(SB_P), element.get(SB_O)


def _anchor_key(element) -> tuple[str, str]:
    return element.get(SB_ROLE), element.get(SB_NODE)


def _strip_bindings(root) -> None:
    for element in root.iter():
        if isinstance(element.tag, str):
            for key in [k for k in element.attrib if k.startswith(f"{{{SB_NS}}}")]:
                del element.attrib[key]
    etree.cleanup_namespaces(root)


def _insert_in_order(parent, child) -> None:
    """Insert ``child`` where the ELMO sequence of ``parent`` puts it (after the last sibling whose
    element comes before or with it)."""
    order = SEQUENCES.get(_local_tag(parent), [])
    name = _local_tag(child)
    rank = order.index(name) if name in order else len(order)
    position = 0
    for index, sibling in enumerate(parent):
        if not isinstance(sibling.tag, str):
            continue
        sibling_name = _local_tag(sibling)
        sibling_rank = order.index(sibling_name) if sibling_name in order else len(order)
        if sibling_rank <= rank:
            position = index + 1
    parent.insert(position, child)


class _Titles:
    """The titles an export writes for a result's learning opportunity specification: the record's
    own titles of its most specific Grep element (``sbu:tittel``, facts), else Grep's titles of it
    (the active snapshot, one call: :func:`_grep_titles`), else titles derived from the record's codes
    (``NOR1267 – Standpunktvurdering``, the competence type, or the class). The import reads a title
    that Grep or the codes give as no fact of its own."""

    def __init__(self, terms: _Terms, graph: Graph):
        self.t = terms
        self.g = graph

    def grep_node(self, node, cls: URIRef):
        props = (SBU.programomraade, SBU.utdanningsprogram) if cls == SBU.Sluttkompetanse else (SBU.gjelderFag,)
        for prop in props:
            value = self.g.value(node, prop)
            if value is not None:
                return value
        return None

    def derived(self, node, cls: URIRef) -> list[Literal]:
        g, t = self.g, self.t
        grep = self.grep_node(node, cls)
        if grep is not None and (known := _grep_titles(grep)):
            return [Literal(text, lang=lang) for lang, text in known.items()]
        if cls == SBU.Sluttkompetanse:
            kind = g.value(node, SBU.kompetansetype)
            if kind is not None and t.labels(kind):
                return t.labels(kind)
            codes = [t.notation(c) for p in (SBU.programomraade, SBU.utdanningsprogram) for c in g.objects(node, p)]
            if codes:
                return [Literal(codes[0])]
            return t.class_labels(SBU.Sluttkompetanse)
        fag = g.value(node, SBU.gjelderFag)
        kind = g.value(node, SBU.vurderingstype)
        code = str(fag)[len(str(GREP)):] if fag is not None else None
        labels = t.labels(kind) if kind is not None else []
        if code and labels:
            return [Literal(f"{code} – {label}", lang=label.language) for label in labels]
        if code:
            return [Literal(code)]
        return labels or t.class_labels(SBU.Vurdering)

    def titles(self, node, cls: URIRef) -> tuple[list[Literal], URIRef | None]:
        """The titles to write, and the Grep element whose ``sbu:tittel`` facts they are (None:
        derived from Grep or the codes)."""
        grep = self.grep_node(node, cls)
        if grep is not None:
            own = sorted((t for t in self.g.objects(grep, SBU.tittel) if isinstance(t, Literal)), key=str)
            if own:
                return own, grep
        return self.derived(node, cls), None


# -- import -------------------------------------------------------------------------------------


class _Importer:
    """Reads an ELMO document into a record of the model, annotating a copy of the document (the
    side record's template) with where each fact sits; what the model cannot hold stays in the copy
    verbatim."""

    def __init__(self, root, model: Model, mapping: ElmoMapping, digest: str):
        self.source = root
        self.template = copy.deepcopy(root)
        self.model = model
        self.t = _terms(str(model.root))
        self.m = mapping
        self.digest = digest
        self.graph = Graph()
        self.reasons: dict = {}  # template element -> why it is kept verbatim
        self.dropped: dict = {}  # template element -> why it is not carried at all
        self.learner: URIRef | None = None
        self.kinds: list[str] = []
        self.external: set = set()  # the facts of external results (foreign or higher-education reports)

    # -- helpers
    def mint(self, element) -> URIRef:
        return URIRef(f"urn:uuid:{uuid.uuid5(MINT_NAMESPACE, f'{self.digest}:{_location(element)}')}")

    def node_of(self, element, role: str) -> URIRef:
        """The node an element stands for: its identifier of type uri, else a stable minted IRI."""
        node = None
        for ident in _children(element, "identifier"):
            value = _text(ident)
            if ident.get("type") == "uri" and re.match(r"^(urn|https?):\S+$", value):
                node = URIRef(value)
                _bind(ident, "~id", node)
                break
        node = node or self.mint(element)
        _anchor(element, role, node)
        return node

    def prop(self, subject: str, cls: URIRef | None = None, predicates=None) -> URIRef | None:
        for row in self.m.rows_for(subject):
            iri = row.object_iri
            if predicates is not None and row.predicate_id not in predicates:
                continue
            if iri.startswith(str(SBU)) and iri not in self._classes() and (cls is None or self.t.domain_ok(iri, cls)):
                return iri
        return None

    @functools.cache
    def _classes(self) -> frozenset:
        return frozenset(s for s in self.t.onto.subjects(RDF.type, OWL.Class) if isinstance(s, URIRef))

    def cls(self, subject: str) -> URIRef | None:
        classes = [o for o in self.m.objects(subject) if o in self._classes()]
        return classes[0] if len(classes) == 1 else None

    def keep(self, element, reason: str) -> None:
        if element is not None:
            self.reasons[element] = reason

    def drop(self, element, reason: str) -> None:
        if element is not None:
            self.dropped[element] = reason

    def literal(self, node: URIRef, prop: URIRef, element) -> bool:
        text = _text(element)
        if not text:
            return False
        rng = self.t.range(prop)
        if rng == XSD.date:
            if not DATE.match(text):
                self.keep(element, f"not a date: {text!r}; kept verbatim in the side record")
                return False
            value = Literal(text[:10], datatype=XSD.date)
        elif isinstance(rng, URIRef) and rng not in (XSD.string, RDFS.Literal, RDF.langString) and str(rng).startswith(str(XSD)):
            value = Literal(text, datatype=rng)
        else:
            value = Literal(text)
        self.graph.add((node, prop, value))
        _bind(element, local_name(prop, *OWN_NAMESPACES, foreign="iri"), value)
        return True

    def code_iri(self, prop: URIRef, notation: str, scheme: URIRef | None = None) -> URIRef | None:
        namespace = self.t.code_namespace(prop)
        if namespace is None or not notation:
            return None
        iri = URIRef(namespace + notation)
        if namespace != str(GREP) and not self.t.is_code(iri, scheme or self.t.scheme_of(prop)):
            return None
        return iri

    # -- the document
    def run(self) -> Graph:
        root = self.template
        _anchor(root, "elmo", "")
        self.drop(_child(root, "generatedDate"),
                  "when the source document was generated; an exported document states its own generatedDate")
        reports = _children(root, "report")
        norwegian = {report: self.classify(report) for report in reports}
        learner_el = _child(root, "learner")
        self.learner = self.import_learner(learner_el, any(why is None for why in norwegian.values()))
        for report, why in norwegian.items():
            if why is None:
                self.kinds.append("norwegian")
                self.import_report(report)
            else:
                self.kinds.append("foreign")
                _mark_used(report)
                held = self.import_external(report)
                for child in report:
                    if isinstance(child.tag, str):
                        self.keep(child, f"{why}; not Norwegian upper secondary documentation, so not read as a result "
                                         f"of the model{held}: kept verbatim in the side record")
        for signature in root.iter(f"{{{DSIG}}}Signature"):
            self.drop(signature, "the XML signature signs the source document; it is not verified here and would not "
                                 "hold for any other document")
        groups = _child(root, "groups")
        if groups is not None:
            _mark_used(groups)
            for group_type in _children(groups, "groupType"):
                self.import_group_type(group_type)
        return self.graph

    def import_external(self, report) -> str:
        """A report that is not Norwegian upper secondary documentation: each learning opportunity with
        an instance (a result), nested ones included, as an ``sbu:EksterntResultat`` in the source's own
        words (title, grade, the grading scheme's description, date, the issuer's name and country),
        never as a Vurdering or a document of the model. The elements stay verbatim in the side record
        (hierarchy, credits, levels and all); the facts read are listed in it (``external``), and an
        export with the side record writes them back only while the record still states them."""
        cls = SBU.EksterntResultat
        issuer = _child(report, "issuer")
        shared: list[tuple[URIRef, Literal]] = []
        if issuer is not None:
            prop = self.prop("elmo:elmo/report/issuer/title", cls)
            shared += [(prop, literal) for literal in _tagged_texts(_children(issuer, "title"))] if prop else []
            country = _text(_child(issuer, "country"))
            if (prop := self.prop("elmo:elmo/report/issuer/country", cls)) and re.fullmatch(r"[A-Z]{2}", country):
                shared.append((prop, Literal(country)))
        schemes = {el.get("localId"): el for el in _children(report, "gradingScheme")}
        count = 0
        for los in report.iter(_elmo("learningOpportunitySpecification")):
            specifies = _child(los, "specifies")
            loi = _child(specifies, "learningOpportunityInstance") if specifies is not None else None
            if loi is None:
                continue
            node = self.mint(los)
            count += 1
            self.add_external(node, RDF.type, cls)
            if self.learner is not None and (prop := self.prop("elmo:elmo/learner", cls)):
                self.add_external(node, prop, self.learner)
            if prop := self.prop("elmo:LearningOpportunitySpecification/title", cls):
                for literal in _tagged_texts(_children(los, "title")):
                    self.add_external(node, prop, literal)
            grade = _text(_child(loi, "resultLabel"))
            if grade and (prop := self.prop("elmo:learningOpportunityInstance/resultLabel", cls)):
                self.add_external(node, prop, Literal(grade))
            scheme = schemes.get(_text(_child(loi, "gradingSchemeLocalId")))
            if scheme is not None and (prop := self.prop("elmo:elmo/report/gradingScheme/description", cls)):
                for literal in _tagged_texts(_children(scheme, "description")):
                    self.add_external(node, prop, literal)
            date = _text(_child(loi, "date"))
            if DATE.match(date) and (prop := self.prop("elmo:learningOpportunityInstance/date", cls)):
                self.add_external(node, prop, Literal(date[:10], datatype=XSD.date))
            for prop, literal in shared:
                self.add_external(node, prop, literal)
        return f" (its {count} result(s) are read as sbu:EksterntResultat, in the source's own words)" if count else ""

    def add_external(self, s, p, o) -> None:
        self.graph.add((s, p, o))
        self.external.add((s, p, o))

    def classify(self, report) -> str | None:
        """None for a report of Norwegian upper secondary education, else why it is not one."""
        issuer = _child(report, "issuer")
        country = _text(_child(issuer, "country")) if issuer is not None else ""
        if country and country != "NO":
            return f"the report's issuer is in {country}"
        if not any(self.is_norwegian_los(los) for los in report.iter(_elmo("learningOpportunitySpecification"))):
            return "no learning opportunity of the report is identified by a Grep code or a code list of the model"
        return None

    def is_norwegian_los(self, los) -> bool:
        for ident in _children(los, "identifier"):
            prop = self.prop(f"elmo:LearningOpportunitySpecification/identifier/@type={ident.get('type', '')}")
            if prop is not None and self.t.code_namespace(prop) == str(GREP):
                return True
        specifies = _child(los, "specifies")
        loi = _child(specifies, "learningOpportunityInstance") if specifies is not None else None
        grouping = _child(loi, "grouping") if loi is not None else None
        return grouping is not None and any(
            (sc := self.t.scheme_of(p)) is not None and _scheme_slug(sc) == grouping.get("typeref", "")
            for p in self.m.objects("elmo:learningOpportunityInstance/grouping"))

    def import_learner(self, element, norwegian: bool) -> URIRef:
        node = self.node_of(element, "learner")
        cls = self.cls("elmo:elmo/learner") if norwegian else SBU.Person
        if cls is not None:
            self.graph.add((node, RDF.type, cls))
        for name in ("givenNames", "familyName", "bday"):
            child = _child(element, name)
            prop = self.prop(f"elmo:elmo/learner/{name}", cls)
            if child is not None and prop is not None:
                if not self.literal(node, prop, child) and not _text(child):
                    _mark_used(child)  # an empty name: ELMO's way of saying "not known"
        for ident in _children(element, "identifier"):
            if ident.get(SB_P):
                continue
            kind = ident.get("type", "")
            prop = self.prop(f"elmo:elmo/learner/identifier/@type={kind}", cls)
            if prop == SBU.foedselsnummer and not valid_foedselsnummer(_text(ident)):
                self.keep(ident, "a national identifier that is not a Norwegian fødselsnummer (11 digits, valid check "
                                 "digits): kept verbatim in the side record")
            elif prop is not None:
                self.literal(node, prop, ident)
            else:
                self.keep(ident, f"learner identifier of type {kind!r}: {KEPT}")
        return node

    def document_class(self, report, attachment_el) -> URIRef:
        if attachment_el is not None:
            titles = {_text(t) for t in _children(attachment_el, "title")}
            for code, cls in self.t.document_types():
                if titles & {str(label) for label in self.t.labels(code)}:
                    return cls
            for ident in _children(attachment_el, "identifier"):
                number = _text(ident) if ident.get("type") == "dokumentnummer" else ""
                udir = UDIR_NUMBER.match(number)
                if udir:
                    return UDIR_NUMBER_CLASSES[udir.group(1)]
            kind = _text(_child(attachment_el, "type"))
            rows = self.m.rows_for(f"elmo:Attachment/type={kind.replace(' ', '%20')}")
            close = [r.object_iri for r in rows if r.predicate_id in ("skos:exactMatch", "skos:closeMatch")]
            if len(close) == 1:
                return close[0]
        return self.cls("elmo:elmo/report") or SBU.Dokumentasjon

    def document_attachment(self, report):
        for attachment in _children(report, "attachment"):
            if any(i.get("type") == "dokumentnummer" for i in _children(attachment, "identifier")):
                return attachment
        labels = {str(label) for code, _ in self.t.document_types() for label in self.t.labels(code)}
        for attachment in _children(report, "attachment"):
            if {_text(t) for t in _children(attachment, "title")} & labels:
                return attachment
        return None

    def import_report(self, report) -> None:
        attachment = self.document_attachment(report)
        doc_cls = self.document_class(report, attachment)
        doc = self.node_of(attachment, "document") if attachment is not None else self.mint(report)
        _anchor(report, "report", doc)
        self.graph.add((doc, RDF.type, doc_cls))
        if self.learner is not None and (prop := self.prop("elmo:elmo/learner", doc_cls)) is not None:
            self.graph.add((doc, prop, self.learner))
        issuer = _child(report, "issuer")
        if issuer is not None:
            self.import_issuer(issuer, doc, doc_cls)
        issue_date = _child(report, "issueDate")
        if issue_date is not None and (prop := self.prop("elmo:elmo/report/issueDate", doc_cls)):
            self.literal(doc, prop, issue_date)
        if attachment is not None:
            self.import_document_attachment(attachment, doc, doc_cls)
        for other in _children(report, "attachment"):
            if other is not attachment:
                self.keep(other, f"an attachment that is not the document itself: {KEPT}")
        for scheme_el in _children(report, "gradingScheme"):
            scheme = SBUK[scheme_el.get("localId", "")]
            if (scheme, RDF.type, SKOS.ConceptScheme) in self.t.vocab and self.m.rows_for("elmo:elmo/report/gradingScheme"):
                _bind(scheme_el, "~gradingScheme", scheme, s=doc)  # a scale of the model, described by its labels
            else:
                self.keep(scheme_el, f"grading scheme {scheme_el.get('localId')!r} is not a grade scale of the model: "
                                     "kept verbatim in the side record")
        for los in _children(report, "learningOpportunitySpecification"):
            self.import_los(los, doc, doc_cls)

    def import_identifiers(self, element, subject: str, node: URIRef, cls: URIRef, what: str) -> None:
        """An element's identifiers (not the node's own, already bound) as the facts the mapping
        names for their type, else kept verbatim."""
        for ident in _children(element, "identifier"):
            if ident.get(SB_P):
                continue
            kind = ident.get("type", "")
            prop = self.prop(f"{subject}/@type={kind}", cls)
            if prop is not None:
                self.literal(node, prop, ident)
            else:
                self.keep(ident, f"{what} identifier of type {kind!r}: {KEPT}")

    def import_issuer(self, issuer, doc: URIRef, doc_cls: URIRef) -> None:
        node = self.node_of(issuer, "issuer")
        cls = self.cls("elmo:elmo/report/issuer") or SBU.Organisasjon
        self.graph.add((node, RDF.type, cls))
        if (prop := self.prop("elmo:elmo/report/issuer", doc_cls)) is not None:
            self.graph.add((doc, prop, node))
        self.import_identifiers(issuer, "elmo:elmo/report/issuer/identifier", node, cls, "issuer")
        country = _child(issuer, "country")
        if country is not None:
            if _text(country) == "NO" and self.graph.value(node, SBU.organisasjonsnummer) is not None:
                _bind(country, "~country", "NO")  # an organisation in Enhetsregisteret is in Norway
            else:
                self.keep(country, "the model has no country of an organisation: kept verbatim in the side record")
        titles = _children(issuer, "title")
        prop = self.prop("elmo:elmo/report/issuer/title", cls)
        if titles and prop is not None:
            norwegian = [t for t in titles if (t.get(XML_LANG) or "").split("-")[0] in ("no", "nb", "nn")]
            chosen = (norwegian or titles)[0]
            self.literal(node, prop, chosen)
            for other in titles:
                if other is not chosen:
                    self.keep(other, "the model holds one name per organisation (sbu:navn): kept verbatim in the side record")
        url = _child(issuer, "url")
        if url is not None and not _text(url):
            _mark_used(url)
        elif url is not None:
            self.keep(url, f"the issuer's web address: {KEPT}")

    def import_document_attachment(self, attachment, doc: URIRef, doc_cls: URIRef) -> None:
        code = self.t.document_type_code(doc_cls)
        labels = {str(label) for label in self.t.labels(code)} if code is not None else set()
        for title in _children(attachment, "title"):
            if _text(title) in labels:
                _bind(title, "~doctitle", Literal(_text(title), lang=title.get(XML_LANG)) if title.get(XML_LANG) else _text(title))
            else:
                self.keep(title, f"a title of the document: {KEPT}")
        kind = _child(attachment, "type")
        if kind is not None:
            if _text(kind) == self.t.attachment_type(doc_cls, self.m):
                _bind(kind, "~attachmentType", _text(kind))
            else:
                self.keep(kind, f"the attachment type {_text(kind)!r}: {KEPT}")
        self.import_identifiers(attachment, "elmo:Attachment/identifier", doc, doc_cls, "document")
        for content in _children(attachment, "content"):
            self.keep(content, "a rendition of the document (data: URI): kept verbatim in the side record")

    def import_los(self, los, doc: URIRef, doc_cls: URIRef) -> None:
        if not self.is_norwegian_los(los):
            self.keep(los, "a learning opportunity identified by no Grep code and no code list of the model: not an "
                           "upper secondary result, kept verbatim in the side record")
            return
        kind_el = _child(los, "type")
        kind = _text(kind_el) or "Course"
        spec_classes = [c for c in self.m.objects(f"elmo:LearningOpportunitySpecification/type={kind.replace(' ', '%20')}") if c in RESULT_OF]
        specifies = _child(los, "specifies")
        loi = _child(specifies, "learningOpportunityInstance") if specifies is not None else None
        if not spec_classes or loi is None:
            why = f"a specification of type {kind!r}" if not spec_classes else "a specification without an instance"
            self.keep(los, f"{why}: not a result of the model, kept verbatim in the side record")
            return
        result_cls = RESULT_OF[spec_classes[0]][0]
        node = self.node_of(loi, "instance")
        _anchor(los, "los", node)
        _mark_used(specifies)
        if kind_el is not None:
            _bind(kind_el, "~type", kind)
        self.graph.add((node, RDF.type, result_cls))
        if (prop := self.prop("elmo:elmo/report/learningOpportunitySpecification", doc_cls)) is not None:
            self.graph.add((doc, prop, node))
        if self.learner is not None and (prop := self.prop("elmo:elmo/learner", result_cls)) is not None:
            self.graph.add((node, prop, self.learner))
        for ident in _children(los, "identifier"):
            kind_text = ident.get("type", "")
            prop = self.prop(f"elmo:LearningOpportunitySpecification/identifier/@type={kind_text}", result_cls)
            iri = self.code_iri(prop, _text(ident)) if prop is not None else None
            if iri is not None:
                self.graph.add((node, prop, iri))
                _bind(ident, local_name(prop, *OWN_NAMESPACES, foreign="iri"), iri)
            else:
                self.keep(ident, f"specification identifier of type {kind_text!r}: {KEPT}")
        self.import_instance(loi, node, result_cls)
        self.import_titles(los, node, result_cls)
        for name in ("subjectArea", "iscedCode", "url", "description", "descriptionHtml", "extension"):
            for child in _children(los, name):
                self.keep(child, f"{name} of a specification: {KEPT}")
        for part in _children(los, "hasPart"):
            _mark_used(part)  # the hierarchy stays in the side record; the model has no part-of relation
            for child in _children(part, "learningOpportunitySpecification"):
                self.import_los(child, doc, doc_cls)

    def import_titles(self, los, node: URIRef, result_cls: URIRef) -> None:
        titles = _Titles(self.t, self.graph)
        derived = {_canonical(t) for t in titles.derived(node, result_cls)}
        grep = titles.grep_node(node, result_cls)
        prop = self.prop("elmo:LearningOpportunitySpecification/title")
        for title in _children(los, "title"):
            text = _text(title)
            literal = Literal(text, lang=title.get(XML_LANG)) if title.get(XML_LANG) else Literal(text)
            if _canonical(literal) in derived:
                _bind(title, "~title", literal)
            elif grep is not None and prop is not None and text:
                tagged = literal if literal.language else Literal(text, lang="nb")
                if not literal.language:
                    self.keep(title, "a title without a language: the model holds Grep titles by language; kept verbatim "
                                     "in the side record")
                    continue
                self.graph.add((grep, prop, tagged))
                _bind(title, local_name(prop, *OWN_NAMESPACES, foreign="iri"), tagged, s=grep)
            else:
                self.keep(title, f"the title of a specification with no Grep element: {KEPT}")

    def import_instance(self, loi, node: URIRef, result_cls: URIRef) -> None:
        for child in loi:
            if not isinstance(child.tag, str) or child.get(SB_P):
                continue
            name = _local_tag(child)
            if name == "identifier":
                self.keep(child, f"instance identifier of type {child.get('type', '')!r}: {KEPT}")
            elif name == "date":
                prop = self.prop("elmo:learningOpportunityInstance/date", result_cls)
                if prop is not None:
                    self.literal(node, prop, child)
                else:
                    self.keep(child, f"date: {KEPT}")
            elif name == "academicTerm":
                self.import_term(child, node, result_cls)
            elif name in ("status", "gradingSchemeLocalId", "resultLabel"):
                continue  # below, together
            elif name == "level":
                self.import_level(child, node, result_cls)
            elif name == "grouping":
                self.import_grouping(child, node, result_cls)
            else:
                self.keep(child, f"{name}: {KEPT}")
        self.import_grade(loi, node, result_cls)

    def import_term(self, term, node: URIRef, result_cls: URIRef) -> None:
        prop = self.prop("elmo:learningOpportunityInstance/academicTerm", result_cls)
        start, end = _text(_child(term, "start"))[:10], _text(_child(term, "end"))[:10]
        if (prop is not None and len(start) == 10 and len(end) == 10 and start[4:] == "-08-01" and end[4:] == "-07-31"
                and start[:4].isdigit() and end[:4].isdigit() and int(end[:4]) == int(start[:4]) + 1):
            value = Literal(f"{start[:4]}-{end[:4]}")
            self.graph.add((node, prop, value))
            _bind(term, local_name(prop, *OWN_NAMESPACES, foreign="iri"), value)  # the titles name the school year
        else:
            self.keep(term, "an academic term that is not a school year (1 August to 31 July): kept verbatim in the side record")

    def import_level(self, level, node: URIRef, result_cls: URIRef) -> None:
        kind = _text(_child(level, "type"))
        prop = self.prop(f"elmo:learningOpportunityInstance/level/type={kind.replace(' ', '%20')}", result_cls)
        iri = self.code_iri(prop, _text(_child(level, "value"))) if prop is not None else None
        if iri is not None:
            self.graph.add((node, prop, iri))
            _bind(level, local_name(prop, *OWN_NAMESPACES, foreign="iri"), iri)
        else:
            self.keep(level, f"a level of type {kind!r} on a {local_name(result_cls, *OWN_NAMESPACES, foreign='iri')}: {KEPT}")

    def import_grouping(self, grouping, node: URIRef, result_cls: URIRef) -> None:
        typeref, idref = grouping.get("typeref", ""), grouping.get("idref", "")
        for prop in self.m.objects("elmo:learningOpportunityInstance/grouping"):
            scheme = self.t.scheme_of(prop)
            if scheme is not None and _scheme_slug(scheme) == typeref and self.t.domain_ok(prop, result_cls):
                iri = self.code_iri(prop, idref, scheme)
                if iri is not None:
                    self.graph.add((node, prop, iri))
                    _bind(grouping, local_name(prop, *OWN_NAMESPACES, foreign="iri"), iri)
                    return
        self.keep(grouping, f"grouping in group type {typeref!r}: {KEPT}")

    def import_grade(self, loi, node: URIRef, result_cls: URIRef) -> None:
        label, scheme_el, status = _child(loi, "resultLabel"), _child(loi, "gradingSchemeLocalId"), _child(loi, "status")
        prop = self.prop("elmo:learningOpportunityInstance/resultLabel", result_cls)
        local_id = _text(scheme_el)
        scheme = SBUK[local_id] if local_id else None
        grade = None
        if label is not None and prop is not None and scheme is not None and (scheme, RDF.type, SKOS.ConceptScheme) in self.t.vocab:
            grade = self.code_iri(prop, _text(label), scheme)
        if grade is not None:
            self.graph.add((node, prop, grade))
            _bind(label, local_name(prop, *OWN_NAMESPACES, foreign="iri"), grade)
            _bind(scheme_el, "~scale", scheme)
            scale_prop = self.prop("elmo:learningOpportunityInstance/gradingSchemeLocalId", result_cls)
            vurderingstype = self.graph.value(node, SBU.vurderingstype)
            if scale_prop is not None and scheme not in (SBUK.karakter, self.t.default_scale(vurderingstype, grade)):
                self.graph.add((node, scale_prop, scheme))
        else:
            why = (f"a result in grading scheme {local_id!r}, which is not a grade scale of the model" if local_id
                   else "a result without a grading scheme of the model")
            self.keep(label, f"{why}: kept verbatim in the side record")
            self.keep(scheme_el, f"{why}: kept verbatim in the side record")
        if status is not None:
            text = _text(status)
            prop = self.prop("elmo:learningOpportunityInstance/status", result_cls)
            # Only a status that implies the model's value: passed and failed are final (broadMatch);
            # in-progress is not the same as foreløpig (relatedMatch) and stays verbatim.
            targets = [r.object_iri for r in self.m.rows_for(f"elmo:learningOpportunityInstance/status={text}")
                       if r.predicate_id in ("skos:exactMatch", "skos:closeMatch", "skos:broadMatch")]
            if prop is not None and len(targets) == 1:
                self.graph.add((node, prop, targets[0]))
                if _status_text(self.t, targets[0], grade, self.m) == text:
                    _bind(status, "~status", text)
                else:
                    _mark_used(status)  # its meaning is in the record; the text stays as the source wrote it
            else:
                self.keep(status, f"status {text!r} of a {local_name(result_cls, *OWN_NAMESPACES, foreign='iri')}: {KEPT}")

    def import_group_type(self, group_type) -> None:
        slug = group_type.get("id", "")
        props = [p for p in self.m.objects("elmo:learningOpportunityInstance/grouping")
                 if (s := self.t.scheme_of(p)) is not None and _scheme_slug(s) == slug]
        if props and self.m.rows_for("elmo:elmo/groups/groupType"):
            scheme = self.t.scheme_of(props[0])
            _bind(group_type, "~groupType", scheme)
            for title in _children(group_type, "title"):
                _mark_used(title)  # the code list's labels
            for group in _children(group_type, "group"):
                code = self.code_iri(props[0], group.get("id", ""), scheme)
                if code is not None:
                    _bind(group, "~group", code)
                else:
                    self.keep(group, f"a group that is not a code of {slug}: {KEPT}")
        else:
            self.keep(group_type, f"group type {slug!r} is not a code list of the model: kept verbatim in the side record")

    # -- what the model does not hold
    def unmapped(self) -> list[Unmapped]:
        out: list[Unmapped] = []
        source_of = dict(zip(self.template.iter(), self.source.iter()))

        def walk(element):
            for child in element:
                if not isinstance(child.tag, str):
                    continue
                if child in self.dropped:
                    original = source_of.get(child, child)
                    out.append(Unmapped(_location(original), _qname_text(child), self.dropped[child], _shown_value(child), kept=False))
                elif _is_marked(child) and child not in self.reasons:
                    walk(child)
                elif element.get(SB_P) is not None:
                    continue  # a part of how a fact is written (the titles of a school year, a level's value)
                elif not _text(child) and not len(child) and not child.attrib:
                    continue  # an empty element holds nothing (ELMO writes "" for "not known")
                else:
                    original = source_of.get(child, child)
                    out.append(Unmapped(_location(original), _qname_text(child), self.reasons.get(child, KEPT), _shown_value(child)))

        walk(self.template)
        return out

    def side_record(self, source: str) -> dict:
        text = self._template_text()
        documents = sorted(str(s) for s, o in self.graph.subject_objects(RDF.type) if SBU.Dokumentasjon in self.t.superclasses(o))
        return {
            "format": SIDE_RECORD_FORMAT,
            "source": source,
            "sha256": self.digest,
            "kind": "norwegian" if "norwegian" in self.kinds else "foreign",
            "learner": str(self.learner) if self.learner is not None else None,
            "documents": documents,
            "external": sorted(_external_fact(t) for t in self.external),
            "template": text,
        }

    def _template_text(self) -> str:
        for element in self.dropped:
            parent = element.getparent()
            if parent is not None:
                parent.remove(element)
        return etree.tostring(self.template, encoding="unicode")


def _tagged_texts(elements) -> list[Literal]:
    """The texts of elements that name their language (xml:lang), as language-tagged literals."""
    return [Literal(_text(e), lang=e.get(XML_LANG)) for e in elements if e.get(XML_LANG) and _text(e)]


def _external_fact(triple) -> str:
    """One fact of an external result as the side record lists it (an N-Triples line)."""
    return " ".join(term.n3() for term in triple) + " ."


def _status_text(terms: _Terms, status: URIRef | None, grade: URIRef | None, mapping: ElmoMapping) -> str | None:
    """The ELMO status an export writes: passed or failed for a final result whose grade passes or
    fails; nothing otherwise (a grade that neither passes nor fails, or a result that is not final)."""
    if status is None or grade is None:
        return None
    values = mapping.value_map("elmo:learningOpportunityInstance/status")
    candidates = [v for v, objects in values.items() if status in objects and v in ("passed", "failed")]
    passed = terms.erBestaatt(grade)
    wanted = {True: "passed", False: "failed"}.get(passed)
    return wanted if wanted in candidates else None


def import_elmo_document(
    xml_bytes: bytes | str,
    *,
    model: Model | None = None,
    mapping: ElmoMapping | None = None,
    source: str = "<elmo>",
) -> ElmoImport:
    """An ELMO document as a record of the model, the side record that keeps the rest verbatim, and
    the listing of every element the model does not hold."""
    model = model or Model.load()
    mapping = mapping or ElmoMapping.load(model=model)
    raw = xml_bytes.encode("utf-8") if isinstance(xml_bytes, str) else bytes(xml_bytes)
    root = parse_elmo_xml(raw, source=source)
    importer = _Importer(root, model, mapping, hashlib.sha256(raw).hexdigest())
    graph = importer.run()
    _bind_prefixes(graph)
    unmapped = importer.unmapped()
    return ElmoImport(graph, unmapped, importer.side_record(source))


def import_elmo(xml_bytes: bytes | str, *, model: Model | None = None, mapping: ElmoMapping | None = None,
                source: str = "<elmo>") -> tuple[Graph, list[Unmapped]]:
    """An ELMO document as an RDF graph of the model, and every element the model does not hold."""
    result = import_elmo_document(xml_bytes, model=model, mapping=mapping, source=source)
    return result.graph, result.unmapped


def _bind_prefixes(graph: Graph) -> None:
    graph.bind("sbu", SBU)
    graph.bind("kl06", GREP)
    graph.bind("xsd", XSD)
    for scheme in ("karakter", "vurderingstype", "resultatstatus", "kompetansetype", "eqf-nivaa", "nkr-nivaa"):
        graph.bind(f"k-{scheme}", SBUK[scheme + "/"])


# -- export -------------------------------------------------------------------------------------

E = ElementMaker(namespace=ELMO_NS, nsmap={None: ELMO_NS, "sb": SB_NS})


def _grep_titles(code) -> dict[str, str]:
    """The titles of a Grep element in the languages the active Grep snapshot has ({} without one)."""
    from samtbu.grep import titles

    return titles(str(code)) if str(code).startswith(str(GREP)) else {}


class _Generator:
    """Writes a record as ELMO, each element bound to the fact of the record it states. One learning
    opportunity specification per result, side by side: the model has no part-of relation, so none
    is invented."""

    def __init__(self, graph: Graph, model: Model, mapping: ElmoMapping, generated: datetime, *, national_id: bool = True):
        self.national_id = national_id
        self.g = graph
        self.t = _terms(str(model.root))
        self.m = mapping
        self.generated = generated
        self.title_source = _Titles(self.t, graph)
        self.carried: set = set()
        self.reasons: dict[tuple, str] = {}
        self.grading_schemes: list[URIRef] = []
        self.groups: dict[URIRef, list[URIRef]] = {}

    def value(self, node, prop):
        if prop is None:
            return None
        value = self.g.value(node, prop)
        if value is not None:
            self.carried.add((node, prop, value))
        return value

    def prop_for(self, subject: str, cls: URIRef | None = None) -> URIRef | None:
        for iri in self.m.objects(subject):
            if iri.startswith(str(SBU)) and (iri, RDF.type, OWL.Class) not in self.t.onto and (cls is None or self.t.domain_ok(iri, cls)):
                return iri
        return None

    def node_class(self, node) -> URIRef | None:
        classes = [c for c in self.g.objects(node, RDF.type) if isinstance(c, URIRef)]
        return max(classes, key=lambda c: len(self.t.superclasses(c))) if classes else None

    def carry_type(self, node, reason_if_narrowed: str) -> URIRef | None:
        cls = self.node_class(node)
        if cls is None:
            return None
        mapped = self.t.most_specific_mapped(cls, self.m.mapped_terms)
        if mapped is not None:
            self.carried.add((node, RDF.type, mapped))
            if mapped != cls:
                self.reasons[(node, RDF.type, cls)] = reason_if_narrowed.format(cls=local_name(mapped, *OWN_NAMESPACES, foreign="iri"))
        return cls

    def is_a(self, node, cls: URIRef) -> bool:
        return any(cls in self.t.superclasses(c) for c in self.g.objects(node, RDF.type) if isinstance(c, URIRef))

    @staticmethod
    def identifier(kind: str, value: str, p: str, o):
        element = E.identifier(value, type=kind)
        _bind(element, p, o)
        return element

    def fact(self, element, node, prop: URIRef, value):
        self.carried.add((node, prop, value))
        _bind(element, local_name(prop, *OWN_NAMESPACES, foreign="iri"), value)
        return element

    def documents(self) -> list:
        return sorted({s for s in self.g.subjects(RDF.type, None) if self.is_a(s, SBU.Dokumentasjon)} - set(self.g.objects()))

    def learners(self) -> list:
        return sorted({s for s in self.g.subjects(RDF.type, None) if self.is_a(s, SBU.Person)})

    def run(self, *, require_document: bool = True):
        root = E.elmo(E.generatedDate(self.generated.isoformat().replace("+00:00", "Z")))
        _anchor(root, "elmo", "")
        docs = self.documents()
        if len(docs) > 1 or (require_document and not docs):
            if not docs:
                from samtbu.crosswalk.record import not_a_document_reason

                raise ElmoError(not_a_document_reason(self.g, "elmo"))
            raise ElmoError(f"an ELMO export needs a record with exactly one document as its root; this record has {len(docs)}")
        if not docs:
            learners = self.learners()
            if len(learners) != 1:
                raise ElmoError("the record holds no document and not exactly one person")
            root.append(self.learner(learners[0]))
            return root
        doc = docs[0]
        from samtbu.crosswalk.record import FAGSKOLE_DOCUMENTS, fagskole_refusal

        if any((doc, RDF.type, SBU[name]) in self.g for name in FAGSKOLE_DOCUMENTS):
            raise ElmoError(fagskole_refusal("ELMO"))
        doc_cls = self.carry_type(doc, "ELMO carries the document class only as {cls}")
        learner = self.value(doc, self.prop_for("elmo:elmo/learner", doc_cls))
        issuer = self.value(doc, self.prop_for("elmo:elmo/report/issuer", doc_cls))
        if learner is None or issuer is None:
            raise ElmoError("an ELMO export needs the document's learner (utstedtTil) and issuer (utsteder)")
        root.append(self.learner(learner))
        report = E.report(self.issuer(issuer))
        _anchor(report, "report", doc)
        results = sorted(self.g.objects(doc, SBU.dokumenterer), key=self.sort_key)
        link = self.prop_for("elmo:elmo/report/learningOpportunitySpecification", doc_cls)
        for result in results:
            if not (self.is_a(result, SBU.Sluttkompetanse) or self.is_a(result, SBU.Vurdering)):
                self.reasons[(doc, SBU.dokumenterer, result)] = "ELMO carries only assessments and qualifications as results"
                continue
            self.carried.add((doc, link, result))
            report.append(self.los(result, learner))
        issued = self.value(doc, self.prop_for("elmo:elmo/report/issueDate", doc_cls))
        if issued is None:
            raise ElmoError("an ELMO export needs the document's issue date (utstedelsesdato)")
        report.append(self.fact(E.issueDate(f"{issued}T00:00:00Z"), doc, self.prop_for("elmo:elmo/report/issueDate", doc_cls), issued))
        for scheme in self.grading_schemes:
            element = E.gradingScheme(*self.descriptions(scheme), localId=_scheme_slug(scheme))
            _bind(element, "~gradingScheme", scheme)
            report.append(element)
        report.append(self.document_attachment(doc, doc_cls))
        root.append(report)
        if self.groups:
            root.append(self.groups_element())
        return root

    def sort_key(self, node):
        cls = self.node_class(node)
        date = self.g.value(node, SBU.vurderingsdato) or self.g.value(node, SBU.oppnaaddDato) or ""
        return (0 if self.is_a(node, SBU.Sluttkompetanse) else 1, str(date), str(self.g.value(node, SBU.gjelderFag) or ""), str(cls), str(node))

    def learner(self, node):
        cls = self.carry_type(node, "ELMO carries the learner only as {cls}")
        if (node, RDF.type, SBU.Person) in self.g:
            self.carried.add((node, RDF.type, SBU.Person))  # ELMO's learner is a natural person
        element = E.learner()
        _anchor(element, "learner", node)
        element.append(self.identifier("uri", str(node), "~id", node))
        prop = self.prop_for("elmo:elmo/learner/identifier/@type=nationalIdentifier", cls)
        if prop is not None and not self.national_id:
            for number in self.g.objects(node, prop):
                self.reasons[(node, prop, number)] = "withheld: the identity number goes into an export only when asked for (--national-id)"
        elif prop is not None and (number := self.value(node, prop)) is not None:
            element.append(self.fact(E.identifier(str(number), type="nationalIdentifier"), node, prop, number))
        for name in ("givenNames", "familyName", "bday"):
            prop = self.prop_for(f"elmo:elmo/learner/{name}", cls)
            value = self.value(node, prop) if prop is not None else None
            if value is not None:
                element.append(self.fact(E(name, str(value)), node, prop, value))
            elif name != "bday":
                element.append(E(name, ""))  # required by ELMO; empty: not known
        return element

    def issuer(self, node):
        cls = self.carry_type(node, "ELMO carries the issuer only as {cls}")
        element = E.issuer()
        _anchor(element, "issuer", node)
        orgnr_prop = self.prop_for("elmo:elmo/report/issuer/identifier/@type=organisasjonsnummer", cls)
        orgnr = self.value(node, orgnr_prop) if orgnr_prop is not None else None
        if orgnr is not None:
            country = E.country("NO")  # registered in Enhetsregisteret: in Norway
            _bind(country, "~country", "NO")
            element.append(country)
        element.append(self.identifier("uri", str(node), "~id", node))
        for row in self.m.rows:
            if row.subject_id.startswith("elmo:elmo/report/issuer/identifier/@type="):
                value = self.value(node, row.object_iri)
                if value is not None:
                    element.append(self.fact(E.identifier(str(value), type=row.subject_id.split("=", 1)[1]), node, row.object_iri, value))
        prop = self.prop_for("elmo:elmo/report/issuer/title", cls)
        name = self.value(node, prop)
        if name is not None:
            element.append(self.fact(E.title(str(name)), node, prop, name))
        else:
            raise ElmoError(f"the issuer {node} has no navn; ELMO requires the issuer's title")
        element.append(E.url(""))  # required by ELMO; the model has no web address
        return element

    def titles(self, literals, p: str, s=None) -> list:
        out = []
        for literal in literals:
            title = E.title(str(literal))
            if getattr(literal, "language", None):
                title.set(XML_LANG, literal.language)
            _bind(title, p, literal, s=s)
            out.append(title)
        return out

    def descriptions(self, iri: URIRef) -> list:
        out = []
        for label in self.t.labels(iri):
            description = E.description(str(label))
            description.set(XML_LANG, label.language)
            out.append(description)
        return out

    def los(self, node, learner):
        cls = self.carry_type(node, "ELMO carries the result only as {cls}")
        learner_prop = self.prop_for("elmo:elmo/learner", cls)
        if learner_prop is not None and (node, learner_prop, learner) in self.g:
            self.carried.add((node, learner_prop, learner))
        result_cls = SBU.Sluttkompetanse if self.is_a(node, SBU.Sluttkompetanse) else SBU.Vurdering
        spec_cls = next(c for c, (rc, _) in RESULT_OF.items() if rc == result_cls)
        spec_kind = next(
            unquote(r.subject_id.split("=", 1)[1]) for r in self.m.rows
            if r.subject_id.startswith("elmo:LearningOpportunitySpecification/type=") and r.object_iri == spec_cls
        )
        element = E.learningOpportunitySpecification()
        _anchor(element, "los", node)
        for row in self.m.rows:
            if row.subject_id.startswith("elmo:LearningOpportunitySpecification/identifier/@type=") and self.t.domain_ok(row.object_iri, cls):
                value = self.value(node, row.object_iri)
                if value is not None:
                    code = str(value)[len(str(GREP)):] if str(value).startswith(str(GREP)) else str(value)
                    element.append(self.fact(E.identifier(code, type=row.subject_id.split("=", 1)[1]), node, row.object_iri, value))
        literals, grep = self.title_source.titles(node, result_cls)
        if grep is not None:
            for literal in self.g.objects(grep, SBU.tittel):
                self.carried.add((grep, SBU.tittel, literal))
            element.extend(self.titles(literals, "tittel", s=grep))
        else:
            element.extend(self.titles(literals, "~title"))
        kind = E.type(spec_kind)
        _bind(kind, "~type", spec_kind)
        element.append(kind)
        element.append(E.specifies(self.loi(node, cls)))
        return element

    def loi(self, node, cls):
        element = E.learningOpportunityInstance(self.identifier("uri", str(node), "~id", node))
        _anchor(element, "instance", node)
        date_prop = self.prop_for("elmo:learningOpportunityInstance/date", cls)
        date = self.value(node, date_prop)
        if date is not None:
            element.append(self.fact(E.date(str(date)), node, date_prop, date))
        year_prop = self.prop_for("elmo:learningOpportunityInstance/academicTerm", cls)
        year = self.g.value(node, year_prop) if year_prop is not None else None
        if year is not None and (match := SKOLEAAR.match(str(year))):
            first, second = match.groups()
            term = E.academicTerm()
            for lang, text in (("nb", "Skoleåret"), ("nn", "Skoleåret"), ("en", "School year")):
                title = E.title(f"{text} {first}–{second}")
                title.set(XML_LANG, lang)
                term.append(title)
            term.extend([E.start(f"{first}-08-01"), E.end(f"{second}-07-31")])
            element.append(self.fact(term, node, year_prop, year))
        status_prop = self.prop_for("elmo:learningOpportunityInstance/status", cls)
        grade_prop = self.prop_for("elmo:learningOpportunityInstance/resultLabel", cls)
        grade = self.g.value(node, grade_prop) if grade_prop is not None else None
        status = self.g.value(node, status_prop) if status_prop is not None else None
        if status is not None:
            written = _status_text(self.t, status, grade, self.m)
            if written is not None:
                self.carried.add((node, status_prop, status))
                status_el = E.status(written)
                _bind(status_el, "~status", written)
                element.append(status_el)
            else:
                self.reasons[(node, status_prop, status)] = (
                    "ELMO's status says passed, failed or in progress: it would claim a pass or a fail this grade does not "
                    "express, or (in progress) something other than a preliminary result")
        if grade is not None:
            scale_prop = self.prop_for("elmo:learningOpportunityInstance/gradingSchemeLocalId", cls)
            scale = self.g.value(node, scale_prop) if scale_prop is not None else None
            if scale is not None:
                self.carried.add((node, scale_prop, scale))
            scale = scale or self.t.default_scale(self.g.value(node, SBU.vurderingstype), grade) or SBUK.karakter
            if scale not in self.grading_schemes:
                self.grading_schemes.append(scale)
            scale_el = E.gradingSchemeLocalId(_scheme_slug(scale))
            _bind(scale_el, "~scale", scale)
            element.append(scale_el)
            element.append(self.fact(E.resultLabel(self.t.notation(grade)), node, grade_prop, grade))
        for row in self.m.rows:
            if row.subject_id.startswith("elmo:learningOpportunityInstance/level/type=") and self.t.domain_ok(row.object_iri, cls):
                level = self.value(node, row.object_iri)
                if level is not None:
                    kind = row.subject_id.split("=", 1)[1]
                    scheme = self.t.scheme_of(row.object_iri)
                    level_el = E.level(E.type(kind), E.description(self._level_description(kind, scheme)), E.value(self.t.notation(level)))
                    element.append(self.fact(level_el, node, row.object_iri, level))
        grouping_prop = next((p for p in self.m.objects("elmo:learningOpportunityInstance/grouping") if self.t.domain_ok(p, cls)), None)
        grouping_code = self.value(node, grouping_prop) if grouping_prop is not None else None
        if grouping_code is not None:
            scheme = self.t.scheme_of(grouping_prop)
            self.groups.setdefault(scheme, [])
            if grouping_code not in self.groups[scheme]:
                self.groups[scheme].append(grouping_code)
            element.append(self.fact(E.grouping(typeref=_scheme_slug(scheme), idref=self.t.notation(grouping_code)),
                                     node, grouping_prop, grouping_code))
        return element

    def _level_description(self, kind: str, scheme) -> str:
        labels = {l.language: str(l) for l in self.t.vocab.objects(scheme, SKOS.prefLabel)} if scheme is not None else {}
        return labels.get("en") or labels.get("nb") or kind

    def document_attachment(self, doc, doc_cls):
        element = E.attachment(self.identifier("uri", str(doc), "~id", doc))
        _anchor(element, "document", doc)
        prop = self.prop_for("elmo:Attachment/identifier/@type=dokumentnummer", doc_cls)
        number = self.value(doc, prop) if prop is not None else None
        if number is not None:
            element.append(self.fact(E.identifier(str(number), type="dokumentnummer"), doc, prop, number))
        code = self.t.document_type_code(doc_cls)
        if code is not None:
            element.extend(self.titles(self.t.labels(code), "~doctitle"))
        kind = self.t.attachment_type(doc_cls, self.m)
        if kind:
            kind_el = E.type(kind)
            _bind(kind_el, "~attachmentType", kind)
            element.append(kind_el)
        return element

    def groups_element(self):
        element = E.groups()
        for scheme, codes in self.groups.items():
            group_type = E.groupType(*self.titles(self.t.labels(scheme), "~label"), id=_scheme_slug(scheme))
            _bind(group_type, "~groupType", scheme)
            for index, code in enumerate(codes, start=1):
                group = E.group(*self.titles(self.t.labels(code), "~label"), id=self.t.notation(code), sortingKey=str(index))
                _bind(group, "~group", code)
                group_type.append(group)
            element.append(group_type)
        return element

    def not_carried(self) -> list[NotCarried]:
        out = []
        for s, p, o in sorted(self.g):
            if (s, p, o) in self.carried:
                continue
            reason = self.reasons.get((s, p, o))
            if reason is None:
                reason = ("no counterpart in ELMO (not in crosswalks/elmo.sssom.tsv)" if p not in self.m.mapped_terms and p != RDF.type
                          else "not reachable through a mapped fact")
            shown = local_name(o, *OWN_NAMESPACES, foreign="iri") if isinstance(o, URIRef) else str(o)
            out.append(NotCarried(str(s), local_name(p, *OWN_NAMESPACES, foreign="iri"), shown, reason))
        return out


def _fact_elements(root) -> dict:
    """The elements of a document that state a fact of the record (not a node's own identifier)."""
    found: dict = {}
    for element in root.iter():
        if isinstance(element.tag, str) and element.get(SB_P) is not None and element.get(SB_P) != "~id":
            found.setdefault(_fact_key(element), element)
    return found


def _anchor_elements(root) -> dict:
    """The elements of a document that stand for a node of the record, by (role, node)."""
    return {_anchor_key(e): e for e in root.iter() if isinstance(e.tag, str) and e.get(SB_ROLE) is not None}


def _counterpart(t_anchors: dict, fresh_element):
    """The template element that corresponds to a fresh element's parent (created if missing)."""
    path, element = [], fresh_element
    while element is not None and element.get(SB_ROLE) is None:
        path.append(element)
        element = element.getparent()
    if element is None or _anchor_key(element) not in t_anchors:
        return None
    current = t_anchors[_anchor_key(element)]
    for step in reversed(path[1:]):
        found = next((c for c in current if isinstance(c.tag, str) and c.tag == step.tag and c.get(SB_P) is None), None)
        if found is None:
            found = etree.Element(step.tag)
            _insert_in_order(current, found)
        current = found
    return current


def _remove_gone(template, t_facts: dict, f_facts: dict, fresh_nodes: set) -> None:
    """Take out of the template the facts the record no longer states, and the results it no longer
    has (unless a part of them is still there)."""
    for key, element in t_facts.items():
        if key not in f_facts and element.getparent() is not None:
            element.getparent().remove(element)
    for (role, node), element in _anchor_elements(template).items():
        if role != "los" or node in fresh_nodes or element.getparent() is None:
            continue
        inner = {e.get(SB_NODE) for e in element.iter() if isinstance(e.tag, str) and e.get(SB_ROLE)} - {node}
        if inner & fresh_nodes:
            continue
        parent = element.getparent()
        parent.remove(element)
        if _local_tag(parent) == "hasPart" and parent.getparent() is not None:
            parent.getparent().remove(parent)


def _insert_new_facts(t_facts: dict, f_facts: dict, t_anchors: dict) -> None:
    """Facts the source did not state, inserted where ELMO's sequence puts them; derived text the
    source chose not to write is not added."""
    t_props = {(k[0], k[1]) for k in t_facts}
    for key, element in f_facts.items():
        if key in t_facts:
            continue
        if key[1].startswith("~") and key[1] not in ALWAYS_DERIVED and (key[0], key[1]) not in t_props:
            continue
        parent = _counterpart(t_anchors, element)
        if parent is not None:
            _insert_in_order(parent, copy.deepcopy(element))


def _enclosing_anchor(element):
    parent = element.getparent()
    while parent is not None and parent.get(SB_ROLE) is None:
        parent = parent.getparent()
    return parent


def _insert_new_nodes(template, t_facts: dict, f_anchors: dict) -> None:
    """Results and nodes the source did not have, inserted whole; a node the source wrote elsewhere
    is not added again unless something new is stated of it."""
    t_anchors = _anchor_elements(template)
    for key, element in f_anchors.items():
        if key in t_anchors:
            continue
        parent_anchor = _enclosing_anchor(element)
        if parent_anchor is None or _anchor_key(parent_anchor) not in t_anchors:
            continue
        new_facts = [f for f in element.iter() if isinstance(f.tag, str) and f.get(SB_P) and not f.get(SB_P).startswith("~")
                     and _fact_key(f) not in t_facts]
        if key[1] in {node for _, node in t_anchors} and not new_facts:
            continue
        anchored = element.getparent().get(SB_ROLE) is not None
        target = t_anchors[_anchor_key(parent_anchor)] if anchored else _counterpart(t_anchors, element)
        if target is not None:
            _insert_in_order(target, copy.deepcopy(element))
            t_anchors = _anchor_elements(template)


def _finish_merged(template, fresh) -> None:
    """The document is generated now; ELMO requires the learner's names and the issuer's web address
    (empty means not known)."""
    generated = _child(fresh, "generatedDate")
    old = _child(template, "generatedDate")
    if old is not None:
        new = copy.deepcopy(generated)
        new.tail = old.tail
        template.replace(old, new)
    else:
        template.insert(0, copy.deepcopy(generated))
    for learner in _children(template, "learner"):
        for name in ("givenNames", "familyName"):
            if _child(learner, name) is None:
                _insert_in_order(learner, etree.Element(_elmo(name)))
    for issuer in template.iter(_elmo("issuer")):
        if _child(issuer, "url") is None:
            _insert_in_order(issuer, etree.Element(_elmo("url")))


def _merge(template, fresh) -> None:
    """Write the record's facts (``fresh``, as the generator wrote them) into the imported document
    (``template``): an element whose fact the record still states stays as the source wrote it; one
    whose fact is gone is removed; a fact the source did not state is inserted where ELMO's sequence
    puts it. Elements the model does not hold stay verbatim."""
    t_facts, f_facts = _fact_elements(template), _fact_elements(fresh)
    f_anchors = _anchor_elements(fresh)
    _remove_gone(template, t_facts, f_facts, {node for _, node in f_anchors})
    _insert_new_facts(t_facts, f_facts, _anchor_elements(template))
    _insert_new_nodes(template, t_facts, f_anchors)
    _finish_merged(template, fresh)


def load_side_record(source) -> dict:
    """A side record written by ``samtbu import --from elmo`` (a dict, or a JSON file)."""
    if isinstance(source, dict):
        data = source
        where = "<side record>"
    else:
        path = Path(source)
        where = str(path)
        from samtbu.validate.input import read_json_file

        data = read_json_file(path, "side record")
    if not isinstance(data, dict) or data.get("format") != SIDE_RECORD_FORMAT or not isinstance(data.get("template"), str):
        raise ElmoError(f"not an ELMO side record of this version (format {SIDE_RECORD_FORMAT})", where=where)
    return data


def export_elmo_report(
    data,
    *,
    side_record=None,
    model: Model | None = None,
    mapping: ElmoMapping | None = None,
    generated: datetime | None = None,
    national_id: bool = True,
) -> ElmoExport:
    """A record (graph, parsed JSON, bytes or a path) as ELMO XML, with the facts ELMO does not carry.
    With the side record of an import, the document is the imported one with the record's facts
    written into it: what the model does not hold comes back verbatim. ``national_id=False`` leaves the
    learner's fødselsnummer out (listed as not carried)."""
    from samtbu.crosswalk.record import as_graph

    model = model or Model.load()
    mapping = mapping or ElmoMapping.load(model=model)
    graph = as_graph(data, model)
    generated = generated or datetime.now(UTC).replace(microsecond=0)
    generator = _Generator(graph, model, mapping, generated, national_id=national_id)
    if side_record is None:
        root = generator.run()
        for triple in _external_facts(graph):
            generator.reasons[triple] = ("an external result (a foreign or higher-education result) is written back only "
                                         "with the side record of its import (--side-record), verbatim")
    else:
        side = load_side_record(side_record)
        template = parse_elmo_xml(side["template"], source="the side record's template")
        fresh = generator.run(require_document=False)
        if side.get("learner") and not any(e.get(SB_NODE) == side["learner"] for e in fresh.iter() if isinstance(e.tag, str)):
            raise ElmoError("the side record belongs to another record (its learner is not in this record)")
        _merge(template, fresh)
        _carry_external(graph, side, generator)
        root = template
    withheld = [] if national_id or side_record is None else _withhold_national_identifiers(root)
    _strip_bindings(root)
    xml = etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=side_record is None)
    carried = Graph()
    for triple in generator.carried:
        carried.add(triple)
    return ElmoExport(xml, generator.not_carried() + withheld, carried)


def _external_facts(graph: Graph) -> list:
    return [t for node in graph.subjects(RDF.type, SBU.EksterntResultat) for t in graph.triples((node, None, None))]


def _carry_external(graph: Graph, side: dict, generator) -> None:
    """External results come back from the side record verbatim, so they are carried only while the
    record states exactly the facts the import read from them: a record that changes, drops or adds
    one is refused rather than exported with the source's old text (which would state what the record
    does not)."""
    facts = _external_facts(graph)
    stated = {_external_fact(t) for t in facts}
    imported = set(side.get("external") or ())
    if stated != imported:
        differ = sorted(stated - imported) or sorted(imported - stated)
        which = "states" if stated - imported else "no longer states"
        raise ElmoError(
            f"the record {which} a fact of an external result that its import did not read ({differ[0]}); an external "
            "result is written back verbatim from the side record, so this export would state what the record does "
            "not: export the record without --side-record, or import the changed document again")
    generator.carried.update(facts)


def _withhold_national_identifiers(root) -> list[NotCarried]:
    """The learner's national identifiers that the imported document states verbatim (the side
    record keeps them whole), taken out of an export not asked to carry them: left out and listed,
    never written masked, which would change the fact."""
    withheld = []
    for element in list(root.iter(_elmo("identifier"))):
        parent = element.getparent()
        if element.get("type") == "nationalIdentifier" and parent is not None and _local_tag(parent) == "learner":
            parent.remove(element)
            withheld.append(NotCarried("learner", "nationalIdentifier", "(withheld)",
                                       "withheld: the identity number goes into an export only when asked for (--national-id)"))
    return withheld


def export_elmo(graph_or_payload, *, side_record=None, model: Model | None = None, generated: datetime | None = None) -> bytes:
    """A record as ELMO XML (bytes)."""
    return export_elmo_report(graph_or_payload, side_record=side_record, model=model, generated=generated).xml


def export(payload, *, side_record=None, model: Model | None = None) -> bytes:
    """The record as an ELMO document (bytes)."""
    return export_elmo(payload, side_record=side_record, model=model)


__all__ = [
    "import_elmo", "import_elmo_document", "export", "export_elmo", "export_elmo_report", "validate_elmo", "parse_elmo_xml",
    "load_side_record", "ElmoMapping", "ElmoImport", "Unmapped", "NotCarried", "ElmoExport", "ElmoError", "UnsafeXmlError",
    "ElmoSchemaError", "valid_foedselsnummer", "schema_path", "ELMO_NS", "SIDE_RECORD_FORMAT",
]
