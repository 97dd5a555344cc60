"""EMREX ELMO XML (v1) to and from the samtbu model.

ELMO is what Vitnemålsportalen hands to EMREX clients today (schema.xsd of emrex-eu/elmo-schemas,
based on EN 15981 EuroLMAI). The mapping itself is data: ``crosswalks/elmo.sssom.tsv``, an SSSOM set.
This module reads it; the code here only knows the shape of an ELMO document (which element sits
where, in which order) and how a value is written (a date, a code, a Grep code).

- :func:`import_elmo` turns an ELMO document into an RDF graph of the model and lists every element
  that has no counterpart (an XPath-like location and a reason); nothing is dropped silently.
- :func:`export_elmo` turns a record (a document: Vitnemaal, Kompetansebevis, Fagbrev, ...) into ELMO
  XML; :func:`export_elmo_report` also lists the facts ELMO does not carry.
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

import csv
import functools
import hashlib
import io
import os
import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import unquote

from lxml import etree
from lxml.builder import ElementMaker
from rdflib import OWL, RDF, RDFS, SKOS, XSD, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.term import Node

from samtbu.errors import SamtbuError
from samtbu.model import Model, ModelError
from samtbu.namespaces import GREP, SBU, SBUK, code_iri

ELMO_NS = "https://github.com/emrex-eu/elmo-schemas/tree/v1"
XML_NS = "http://www.w3.org/XML/1998/namespace"
XML_LANG = f"{{{XML_NS}}}lang"
MAX_BYTES = 10 * 1024 * 1024
MAX_DEPTH = 64
MAPPING_FILE = Path("crosswalks") / "elmo.sssom.tsv"
MINT_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://w3id.org/samt-bu/mapping/elmo")

# schemaLocation URLs in schema.xsd and the XSDs it imports -> the local copy (anchors README).
SCHEMA_LOCATIONS = {
    "http://www.w3.org/2001/03/xml.xsd": "xml.xsd",
    "https://raw.githubusercontent.com/emrex-eu/elmo-schemas/v1/references/xmldsig-core-schema.xsd": "xmldsig-core-schema.xsd",
    "https://raw.githubusercontent.com/emrex-eu/elmo-schemas/v1/references/EUROPASS_ISOCountries_V1.1.xsd": "EUROPASS_ISOCountries_V1.1.xsd",
    "https://raw.githubusercontent.com/erasmus-without-paper/ewp-specs-types-address/stable-v1/schema.xsd": "ewp-specs-types-address.xsd",
    "https://raw.githubusercontent.com/erasmus-without-paper/ewp-specs-architecture/stable-v1/common-types.xsd": "ewp-common-types.xsd",
}

# The document number's prefix names the document class (CONVENTIONS.md, dokumentasjon).
DOCUMENT_NUMBER_PREFIXES = {
    "VM": SBU.Vitnemaal, "KB": SBU.Kompetansebevis, "KU": SBU.Karakterutskrift,
    "FB": SBU.Fagbrev, "SB": SBU.Svennebrev, "PB": SBU.Praksisbrev,
}
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
    def load(cls, path: Path | None = None, model: Model | None = None) -> "ElmoMapping":
        if path is None:
            model = model or Model.load()
            path = model.root / MAPPING_FILE
        return _load_mapping(str(path))

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


@functools.lru_cache(maxsize=4)
def _load_mapping(path_text: str) -> ElmoMapping:
    import yaml

    path = Path(path_text)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ModelError(f"{path}: the ELMO mapping set cannot be read: {exc.strerror or exc}") from None
    header = "\n".join(line[1:] for line in text.splitlines() if line.startswith("#"))
    metadata = yaml.safe_load(header) or {}
    curie_map = metadata.get("curie_map") or {}
    body = [line for line in text.splitlines() if line and not line.startswith("#")]
    rows = []
    for record in csv.DictReader(body, delimiter="\t", quoting=csv.QUOTE_NONE):
        predicate = record["predicate_id"]
        if predicate not in ALLOWED_PREDICATES:
            raise ModelError(f"{path}: predicate {predicate!r} is not a SKOS mapping predicate")
        rows.append(
            MappingRow(
                record["subject_id"], record["subject_label"], predicate, record["object_id"],
                record["object_label"], record.get("comment") or "", _expand(record["object_id"], curie_map, path),
            )
        )
    return ElmoMapping(rows, metadata, path)


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

    @functools.lru_cache(maxsize=None)
    def superclasses(self, cls: URIRef) -> frozenset[URIRef]:
        return frozenset(self.onto.transitive_objects(cls, RDFS.subClassOf))

    @functools.lru_cache(maxsize=None)
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


@dataclass(frozen=True)
class Unmapped:
    """An ELMO element (with everything inside it) that has no counterpart in the model."""

    location: str
    element: str
    reason: str
    value: str | None = None

    def __str__(self) -> str:
        shown = f" = {self.value!r}" if self.value else ""
        return f"{self.location}{shown}: {self.reason}"

    def as_dict(self) -> dict:
        return {"location": self.location, "element": self.element, "reason": self.reason, "value": self.value}


@dataclass(frozen=True)
class NotCarried:
    """A fact of the record that the ELMO document does not carry."""

    subject: str
    property: str
    value: str
    reason: str

    def __str__(self) -> str:
        return f"{self.subject} {self.property} {self.value}: {self.reason}"


@dataclass
class ElmoExport:
    xml: bytes
    not_carried: list[NotCarried] = field(default_factory=list)
    carried: Graph = field(default_factory=Graph, repr=False)


# -- import -------------------------------------------------------------------------------------


def _elmo(name: str) -> str:
    return f"{{{ELMO_NS}}}{name}"


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


class _Importer:
    def __init__(self, root, model: Model, mapping: ElmoMapping, digest: str):
        self.root = root
        self.model = model
        self.t = _terms(str(model.root))
        self.m = mapping
        self.digest = digest
        self.graph = Graph()
        self.consumed: set = set()
        self.reasons: dict = {}
        self.learner: URIRef | None = None
        self.issuer_country: str | None = None

    # helpers
    def use(self, *elements) -> None:
        for element in elements:
            if element is not None:
                self.consumed.add(element)

    def use_tree(self, element) -> None:
        if element is not None:
            self.consumed.update(e for e in element.iter() if isinstance(e.tag, str))

    def refuse(self, element, reason: str) -> None:
        if element is not None:
            self.reasons[element] = reason

    def mint(self, element) -> URIRef:
        name = uuid.uuid5(MINT_NAMESPACE, f"{self.digest}:{_location(element)}")
        return URIRef(f"urn:uuid:{name}")

    def node_of(self, element) -> URIRef:
        for ident in _children(element, "identifier"):
            value = _text(ident)
            if ident.get("type") == "uri" and re.match(r"^(urn|https?):\S+$", value):
                self.use(ident)
                return URIRef(value)
        return self.mint(element)

    def prop(self, subject: str, cls: URIRef | None = None) -> URIRef | None:
        for iri in self.m.objects(subject):
            if iri.startswith(str(SBU)) and iri not in self._classes() and (cls is None or self.t.domain_ok(iri, cls)):
                return iri
        return None

    @functools.cache
    def _classes(self) -> frozenset:
        return frozenset(s for s in self.t.onto.subjects(RDF.type, OWL.Class) if isinstance(s, URIRef))

    def cls(self, subject: str) -> URIRef | None:
        classes = [o for o in self.m.objects(subject) if o in self._classes()]
        return classes[0] if len(classes) == 1 else None

    def literal(self, node: URIRef, prop: URIRef, element) -> bool:
        text = _text(element)
        if not text:
            return False
        rng = self.t.range(prop)
        if rng == XSD.date:
            if not DATE.match(text):
                self.refuse(element, f"not a date: {text!r}")
                return False
            value = Literal(text[:10], datatype=XSD.date)
        elif isinstance(rng, URIRef) and rng not in (XSD.string, RDFS.Literal, RDF.langString) and str(rng).startswith(str(XSD)):
            value = Literal(text, datatype=rng)
        else:
            value = Literal(text)
        self.graph.add((node, prop, value))
        self.use(element)
        return True

    def code(self, node: URIRef, prop: URIRef, notation: str, element, scheme: URIRef | None = None) -> bool:
        namespace = self.t.code_namespace(prop)
        if namespace is None or not notation:
            return False
        iri = URIRef(namespace + notation)
        scheme = scheme or self.t.scheme_of(prop)
        if namespace != str(GREP) and not self.t.is_code(iri, scheme):
            self.refuse(element, f"{notation!r} is not a code of {scheme or namespace}")
            return False
        self.graph.add((node, prop, iri))
        self.use(element)
        return True

    # the document
    def run(self) -> Graph:
        root = self.root
        self.use(root)
        learner_el = _child(root, "learner")
        self.learner = self.import_learner(learner_el)
        for report in _children(root, "report"):
            self.import_report(report)
        for signature in root.iter("{http://www.w3.org/2000/09/xmldsig#}Signature"):
            self.refuse(signature, "the XML signature is neither verified nor carried: the model has no signature")
        groups = _child(root, "groups")
        if groups is not None:
            self.use(groups)
            for group_type in _children(groups, "groupType"):
                self.import_group_type(group_type)
        return self.graph

    def import_learner(self, element) -> URIRef:
        node = self.node_of(element)
        self.use(element)
        cls = self.cls("elmo:elmo/learner")
        if cls is not None:
            self.graph.add((node, RDF.type, cls))
        for name in ("givenNames", "familyName", "bday"):
            child = _child(element, name)
            prop = self.prop(f"elmo:elmo/learner/{name}", cls)
            if child is not None and prop is not None:
                if not self.literal(node, prop, child) and not _text(child):
                    self.use(child)  # an empty name: ELMO's way of saying "not known"
        for ident in _children(element, "identifier"):
            if ident in self.consumed:
                continue
            kind = ident.get("type", "")
            prop = self.prop(f"elmo:elmo/learner/identifier/@type={kind}", cls)
            if prop == SBU.foedselsnummer and not valid_foedselsnummer(_text(ident)):
                self.refuse(ident, "a national identifier that is not a Norwegian fødselsnummer (11 digits, valid check digits)")
            elif prop is not None:
                self.literal(node, prop, ident)
            else:
                self.refuse(ident, f"learner identifier of type {kind!r}: {NO_COUNTERPART}")
        return node

    def document_class(self, report, attachment_el) -> URIRef:
        number = None
        if attachment_el is not None:
            for ident in _children(attachment_el, "identifier"):
                if ident.get("type") == "dokumentnummer":
                    number = _text(ident)
        if number and number[:2] in DOCUMENT_NUMBER_PREFIXES:
            return DOCUMENT_NUMBER_PREFIXES[number[:2]]
        if attachment_el is not None:
            kind = _text(_child(attachment_el, "type"))
            rows = [r for r in self.m.rows_for(f"elmo:Attachment/type={kind.replace(' ', '%20')}")]
            close = [r.object_iri for r in rows if r.predicate_id in ("skos:exactMatch", "skos:closeMatch")]
            if len(close) == 1:
                return close[0]
        return self.cls("elmo:elmo/report") or SBU.Dokumentasjon

    def document_attachment(self, report):
        attachments = _children(report, "attachment")
        for attachment in attachments:
            if any(i.get("type") == "dokumentnummer" for i in _children(attachment, "identifier")):
                return attachment
        for attachment in attachments:
            kind = _text(_child(attachment, "type")).replace(" ", "%20")
            if any(r.predicate_id in ("skos:exactMatch", "skos:closeMatch") for r in self.m.rows_for(f"elmo:Attachment/type={kind}")):
                return attachment
        return None

    def import_report(self, report) -> None:
        self.use(report)
        attachment = self.document_attachment(report)
        doc_cls = self.document_class(report, attachment)
        doc = self.node_of(attachment) if attachment is not None else self.mint(report)
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
        for scheme_el in _children(report, "gradingScheme"):
            scheme = SBUK[scheme_el.get("localId", "")]
            if (scheme, RDF.type, SKOS.ConceptScheme) in self.t.vocab and self.m.rows_for("elmo:elmo/report/gradingScheme"):
                self.use_tree(scheme_el)  # a scale of the model: its descriptions are its labels
            else:
                self.refuse(scheme_el, f"grading scheme {scheme_el.get('localId')!r} is not a grade scale of the model")
        for los in _children(report, "learningOpportunitySpecification"):
            self.import_los(los, doc, doc_cls)

    def import_issuer(self, issuer, doc: URIRef, doc_cls: URIRef) -> None:
        node = self.node_of(issuer)
        self.use(issuer)
        cls = self.cls("elmo:elmo/report/issuer") or SBU.Organisasjon
        self.graph.add((node, RDF.type, cls))
        if (prop := self.prop("elmo:elmo/report/issuer", doc_cls)) is not None:
            self.graph.add((doc, prop, node))
        country = _child(issuer, "country")
        if country is not None:
            self.issuer_country = _text(country)
            if self.issuer_country == "NO":
                self.use(country)
            else:
                self.refuse(country, "the model has no country: every organisation in it is Norwegian")
        for ident in _children(issuer, "identifier"):
            if ident in self.consumed:
                continue
            kind = ident.get("type", "")
            prop = self.prop(f"elmo:elmo/report/issuer/identifier/@type={kind}", cls)
            if prop is not None:
                self.literal(node, prop, ident)
            else:
                self.refuse(ident, f"issuer identifier of type {kind!r}: {NO_COUNTERPART}")
        titles = _children(issuer, "title")
        prop = self.prop("elmo:elmo/report/issuer/title", cls)
        if titles and prop is not None:
            norwegian = [t for t in titles if (t.get(XML_LANG) or "").split("-")[0] in ("no", "nb", "nn")]
            chosen = (norwegian or titles)[0]
            self.literal(node, prop, chosen)
            for other in titles:
                if other is not chosen:
                    self.refuse(other, "the model carries one name per organisation (sbu:navn)")

    def import_document_attachment(self, attachment, doc: URIRef, doc_cls: URIRef) -> None:
        self.use(attachment)
        kind = _child(attachment, "type")
        if kind is not None:
            self.use(kind)
        labels = {str(label) for label in self.t.labels(self._document_type_code(doc_cls))}
        for title in _children(attachment, "title"):
            if _text(title) in labels:
                self.use(title)  # the label of the document type: not a fact of its own
        for ident in _children(attachment, "identifier"):
            if ident in self.consumed:
                continue
            kind_text = ident.get("type", "")
            prop = self.prop(f"elmo:Attachment/identifier/@type={kind_text}", doc_cls)
            if prop is not None:
                self.literal(doc, prop, ident)
        for content in _children(attachment, "content"):
            self.refuse(content, "the model does not carry a rendition of the document (data: URI)")

    def _document_type_code(self, cls: URIRef) -> URIRef:
        for code in self.t.vocab.subjects(RDFS.seeAlso, cls):
            return code
        return SBUK["dokumenttype/none"]

    def import_los(self, los, doc: URIRef, doc_cls: URIRef) -> None:
        kind_el = _child(los, "type")
        kind = _text(kind_el) or "Course"
        spec_classes = [c for c in self.m.objects(f"elmo:LearningOpportunitySpecification/type={kind.replace(' ', '%20')}") if c in RESULT_OF]
        for part in _children(los, "hasPart"):
            if self.m.rows_for("elmo:LearningOpportunitySpecification/hasPart"):
                self.use(part)
                for child in _children(part, "learningOpportunitySpecification"):
                    self.import_los(child, doc, doc_cls)
        if not spec_classes:
            self.refuse(los, f"a specification of type {kind!r} has no counterpart: the model's results are per subject (Fag) or qualification")
            if kind_el is not None:
                self.refuse(kind_el, f"type {kind!r}: {NO_COUNTERPART}")
            return
        spec_cls = spec_classes[0]
        result_cls, _link = RESULT_OF[spec_cls]
        specifies = _child(los, "specifies")
        loi = _child(specifies, "learningOpportunityInstance") if specifies is not None else None
        if loi is None:
            self.refuse(los, "a specification without an instance is not a result")
            return
        self.use(los, kind_el, specifies, loi)
        node = self.node_of(loi)
        self.graph.add((node, RDF.type, result_cls))
        if (prop := self.prop("elmo:elmo/report/learningOpportunitySpecification", doc_cls)) is not None:
            self.graph.add((doc, prop, node))
        if self.learner is not None and (prop := self.prop("elmo:elmo/learner", result_cls)) is not None:
            self.graph.add((node, prop, self.learner))

        grep_nodes: list[URIRef] = []
        codes_shown: set[str] = set()
        for ident in _children(los, "identifier"):
            kind_text = ident.get("type", "")
            prop = self.prop(f"elmo:LearningOpportunitySpecification/identifier/@type={kind_text}", result_cls)
            if prop is not None and self.code(node, prop, _text(ident), ident):
                grep_nodes.append(URIRef(str(GREP) + _text(ident)))
                codes_shown.add(_text(ident))
            elif prop is None:
                self.refuse(ident, f"specification identifier of type {kind_text!r}: {NO_COUNTERPART}")

        grouping_code = self.import_grouping(loi, node, result_cls)
        self.import_titles(los, grep_nodes, codes_shown, grouping_code)
        self.import_instance(loi, node, result_cls)

    def import_grouping(self, loi, node: URIRef, result_cls: URIRef) -> URIRef | None:
        grouping = _child(loi, "grouping")
        if grouping is None:
            return None
        typeref, idref = grouping.get("typeref", ""), grouping.get("idref", "")
        for prop in self.m.objects("elmo:learningOpportunityInstance/grouping"):
            scheme = self.t.scheme_of(prop)
            if scheme is not None and _scheme_slug(scheme) == typeref and self.t.domain_ok(prop, result_cls):
                if self.code(node, prop, idref, grouping, scheme):
                    return URIRef(self.t.code_namespace(prop) + idref)
                return None
        self.refuse(grouping, f"grouping in group type {typeref!r}: {NO_COUNTERPART}")
        return None

    def import_titles(self, los, grep_nodes: list[URIRef], codes_shown: set[str], grouping_code: URIRef | None) -> None:
        derived = set(codes_shown) | {"Sluttkompetanse"}
        if grouping_code is not None:
            labels = {str(label) for label in self.t.labels(grouping_code)}
            derived |= labels | {f"{code} – {label}" for code in codes_shown for label in labels}
        prop = self.prop("elmo:LearningOpportunitySpecification/title")
        # The title names the most specific Grep element: programområde, then utdanningsprogram or fag.
        target = sorted(grep_nodes, key=lambda n: -len(str(n)))[0] if grep_nodes else None
        for title in _children(los, "title"):
            text = _text(title)
            if text in derived:
                self.use(title)
            elif target is not None and prop is not None and text:
                self.graph.add((target, prop, Literal(text, lang=title.get(XML_LANG) or None)))
                self.use(title)
            else:
                self.refuse(title, "the title of a specification with no Grep element: the model carries titles only for Grep elements")

    def import_instance(self, loi, node: URIRef, result_cls: URIRef) -> None:
        date_el = _child(loi, "date")
        if date_el is not None:
            prop = self.prop("elmo:learningOpportunityInstance/date", result_cls)
            if prop is not None:
                self.literal(node, prop, date_el)
        term = _child(loi, "academicTerm")
        if term is not None:
            self.import_term(term, node, result_cls)
        vurderingstype = self.graph.value(node, SBU.vurderingstype)
        status = _child(loi, "status")
        if status is not None:
            prop = self.prop("elmo:learningOpportunityInstance/status", result_cls)
            targets = self.m.value_map("elmo:learningOpportunityInstance/status").get(_text(status), [])
            if prop is not None and len(targets) == 1:
                self.graph.add((node, prop, targets[0]))
                self.use(status)
            else:
                self.refuse(status, f"status {_text(status)!r} of a {_local(result_cls)}: {NO_COUNTERPART}")
        label = _child(loi, "resultLabel")
        scheme_el = _child(loi, "gradingSchemeLocalId")
        if label is not None:
            self.import_grade(label, scheme_el, node, result_cls, vurderingstype)
        elif scheme_el is not None:
            self.refuse(scheme_el, "a grading scheme without a result label")
        for level in _children(loi, "level"):
            kind = _text(_child(level, "type"))
            prop = self.prop(f"elmo:learningOpportunityInstance/level/type={kind.replace(' ', '%20')}", result_cls)
            if prop == SBU.nkrNivaa and self.issuer_country not in (None, "NO"):
                self.refuse(level, f"an NQF level of an issuer in {self.issuer_country}, not the Norwegian NKR")
            elif prop is not None and self.code(node, prop, _text(_child(level, "value")), level):
                self.use_tree(level)
            elif prop is None:
                reason = NO_COUNTERPART
                if any(self.m.objects(f"elmo:learningOpportunityInstance/level/type={kind}")):
                    reason = f"a level of type {kind} on a {_local(result_cls)}: the model gives levels only for a Sluttkompetanse"
                self.refuse(level, reason)

    def import_term(self, term, node: URIRef, result_cls: URIRef) -> None:
        prop = self.prop("elmo:learningOpportunityInstance/academicTerm", result_cls)
        start, end = _text(_child(term, "start"))[:10], _text(_child(term, "end"))[:10]
        if prop is not None and len(start) == 10 and len(end) == 10 and start[4:] == "-08-01" and end[4:] == "-07-31" and int(end[:4]) == int(start[:4]) + 1:
            self.graph.add((node, prop, Literal(f"{start[:4]}-{end[:4]}")))
            self.use_tree(term)  # the titles name the school year
        else:
            self.refuse(term, "an academic term that is not a school year (1 August to 31 July)")

    def import_grade(self, label, scheme_el, node: URIRef, result_cls: URIRef, vurderingstype) -> None:
        prop = self.prop("elmo:learningOpportunityInstance/resultLabel", result_cls)
        local_id = _text(scheme_el)
        scheme = SBUK[local_id] if local_id else None
        if prop is None or scheme is None or (scheme, RDF.type, SKOS.ConceptScheme) not in self.t.vocab:
            reason = f"a result in grading scheme {local_id!r}, which is not a grade scale of the model" if local_id else "a result without a grading scheme cannot be read as a grade of the model"
            self.refuse(label, reason)
            if scheme_el is not None:
                self.refuse(scheme_el, reason)
            return
        if not self.code(node, prop, _text(label), label, scheme):
            if scheme_el is not None:
                self.refuse(scheme_el, "the grading scheme of a result that is not a grade of the model")
            return
        grade = URIRef(self.t.code_namespace(prop) + _text(label))
        self.use(scheme_el)
        scale_prop = self.prop("elmo:learningOpportunityInstance/gradingSchemeLocalId", result_cls)
        if scale_prop is not None and scheme not in (SBUK.karakter, self.t.default_scale(vurderingstype, grade)):
            self.graph.add((node, scale_prop, scheme))

    def import_group_type(self, group_type) -> None:
        slug = group_type.get("id", "")
        props = [p for p in self.m.objects("elmo:learningOpportunityInstance/grouping") if (s := self.t.scheme_of(p)) is not None and _scheme_slug(s) == slug]
        if props and self.m.rows_for("elmo:elmo/groups/groupType"):
            self.use_tree(group_type)  # a code list of the model: titles are its labels
        else:
            self.refuse(group_type, f"group type {slug!r} is not a code list of the model")

    def unmapped(self) -> list[Unmapped]:
        out: list[Unmapped] = []

        def walk(element):
            for child in element:
                if not isinstance(child.tag, str):
                    continue
                if child in self.consumed:
                    walk(child)
                elif not _text(child) and not len(child) and not child.attrib:
                    continue  # an empty element holds nothing (ELMO writes "" for "not known")
                else:
                    reason = self.reasons.get(child, NO_COUNTERPART)
                    out.append(Unmapped(_location(child), _qname_text(child), reason, _shown_value(child)))

        walk(self.root)
        return out


def import_elmo(
    xml_bytes: bytes | str,
    *,
    model: Model | None = None,
    mapping: ElmoMapping | None = None,
    source: str = "<elmo>",
) -> tuple[Graph, list[Unmapped]]:
    """An ELMO document as an RDF graph of the model, and every element that has no counterpart."""
    model = model or Model.load()
    mapping = mapping or ElmoMapping.load(model=model)
    raw = xml_bytes.encode("utf-8") if isinstance(xml_bytes, str) else bytes(xml_bytes)
    root = parse_elmo_xml(raw, source=source)
    importer = _Importer(root, model, mapping, hashlib.sha256(raw).hexdigest())
    graph = importer.run()
    _bind(graph)
    return graph, importer.unmapped()


def _bind(graph: Graph) -> None:
    graph.bind("sbu", SBU)
    graph.bind("kl06", GREP)
    graph.bind("xsd", XSD)
    for scheme in ("karakter", "vurderingstype", "resultatstatus", "kompetansetype", "eqf-nivaa", "nkr-nivaa"):
        graph.bind(f"k-{scheme}", SBUK[scheme + "/"])


# -- export -------------------------------------------------------------------------------------

E = ElementMaker(namespace=ELMO_NS, nsmap={None: ELMO_NS})


def _grep_titles(code) -> dict[str, str]:
    """The titles of a Grep element in the languages the active Grep snapshot has ({} without one)."""
    from samtbu.grep import titles

    return titles(str(code)) if str(code).startswith(str(GREP)) else {}


class _Exporter:
    def __init__(self, graph: Graph, model: Model, mapping: ElmoMapping, generated: datetime | None):
        self.g = graph
        self.model = model
        self.t = _terms(str(model.root))
        self.m = mapping
        self.generated = generated or datetime.now(timezone.utc).replace(microsecond=0)
        self.carried = Graph()
        self.reasons: dict[tuple, str] = {}
        self.grading_schemes: list[URIRef] = []
        self.groups: dict[URIRef, list[URIRef]] = {}

    # helpers
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
                self.reasons[(node, RDF.type, cls)] = reason_if_narrowed.format(cls=_local(mapped))
        return cls

    def is_a(self, node, cls: URIRef) -> bool:
        return any(cls in self.t.superclasses(c) for c in self.g.objects(node, RDF.type) if isinstance(c, URIRef))

    @staticmethod
    def identifier(kind: str, value: str):
        return E.identifier(value, type=kind)

    # the document
    def run(self) -> etree._Element:
        docs = sorted({s for s in self.g.subjects(RDF.type, None) if self.is_a(s, SBU.Dokumentasjon)} - set(self.g.objects()))
        if len(docs) != 1:
            raise ElmoError(
                "an ELMO export needs a record with exactly one document (Vitnemaal, Kompetansebevis, Fagbrev, ...) "
                f"as its root; this record has {len(docs)}"
            )
        doc = docs[0]
        doc_cls = self.carry_type(doc, "ELMO carries the document class only as {cls}")
        learner = self.value(doc, self.prop_for("elmo:elmo/learner", doc_cls))
        issuer = self.value(doc, self.prop_for("elmo:elmo/report/issuer", doc_cls))
        if learner is None or issuer is None:
            raise ElmoError("an ELMO export needs the document's learner (utstedtTil) and issuer (utsteder)")

        report = E.report(self.issuer(issuer))
        results = sorted(self.g.objects(doc, SBU.dokumenterer), key=self.sort_key)
        link = self.prop_for("elmo:elmo/report/learningOpportunitySpecification", doc_cls)
        qualifications = [r for r in results if self.is_a(r, SBU.Sluttkompetanse)]
        assessments = [r for r in results if self.is_a(r, SBU.Vurdering)]
        for other in results:
            if other not in qualifications and other not in assessments:
                self.reasons[(doc, SBU.dokumenterer, other)] = "ELMO carries only assessments and qualifications as results"
        for result in qualifications + assessments:
            self.carried.add((doc, link, result))
        part_of = qualifications[0] if len(qualifications) == 1 else None
        for qualification in qualifications:
            report.append(self.los(qualification, learner, parts=assessments if qualification is part_of else []))
        if part_of is None:
            for assessment in assessments:
                report.append(self.los(assessment, learner))
        issued = self.value(doc, self.prop_for("elmo:elmo/report/issueDate", doc_cls))
        if issued is None:
            raise ElmoError("an ELMO export needs the document's issue date (utstedelsesdato)")
        report.append(E.issueDate(f"{issued}T00:00:00Z"))
        for scheme in self.grading_schemes:
            report.append(E.gradingScheme(*self.descriptions(scheme), localId=_scheme_slug(scheme)))
        attachment = self.document_attachment(doc, doc_cls)
        if attachment is not None:
            report.append(attachment)

        root = E.elmo(E.generatedDate(self.generated.isoformat().replace("+00:00", "Z")), self.learner(learner), report)
        if self.groups:
            root.append(self.groups_element())
        return root

    def sort_key(self, node):
        cls = self.node_class(node)
        date = self.g.value(node, SBU.vurderingsdato) or self.g.value(node, SBU.oppnaaddDato) or ""
        return (str(cls), str(self.g.value(node, SBU.gjelderFag) or ""), str(date), str(node))

    def learner(self, node) -> etree._Element:
        cls = self.carry_type(node, "ELMO carries the learner only as {cls}")
        element = E.learner()
        element.append(self.identifier("uri", str(node)))
        prop = self.prop_for("elmo:elmo/learner/identifier/@type=nationalIdentifier", cls)
        if prop is not None and (number := self.value(node, prop)) is not None:
            element.append(self.identifier("nationalIdentifier", str(number)))
        for name in ("givenNames", "familyName", "bday"):
            prop = self.prop_for(f"elmo:elmo/learner/{name}", cls)
            value = self.value(node, prop) if prop is not None else None
            if value is not None or name != "bday":
                element.append(E(name, str(value) if value is not None else ""))
        return element

    def issuer(self, node) -> etree._Element:
        cls = self.carry_type(node, "ELMO carries the issuer only as {cls}")
        element = E.issuer(E.country("NO"), self.identifier("uri", str(node)))
        for row in self.m.rows:
            if row.subject_id.startswith("elmo:elmo/report/issuer/identifier/@type="):
                value = self.value(node, row.object_iri)
                if value is not None:
                    element.append(self.identifier(row.subject_id.split("=", 1)[1], str(value)))
        name = self.value(node, self.prop_for("elmo:elmo/report/issuer/title", cls))
        title = E.title(str(name) if name is not None else str(node))
        title.set(XML_LANG, "no")
        element.append(title)
        element.append(E.url(""))  # required by ELMO; the model has no web address
        return element

    def titles(self, literals) -> list:
        out = []
        for literal in literals:
            title = E.title(str(literal))
            if getattr(literal, "language", None):
                title.set(XML_LANG, literal.language)
            out.append(title)
        return out

    def descriptions(self, iri: URIRef) -> list:
        out = []
        for label in self.t.labels(iri):
            description = E.description(str(label))
            description.set(XML_LANG, label.language)
            out.append(description)
        return out

    def los(self, node, learner, parts=()) -> etree._Element:
        cls = self.carry_type(node, "ELMO carries the result only as {cls}")
        learner_prop = self.prop_for("elmo:elmo/learner", cls)
        if learner_prop is not None and (node, learner_prop, learner) in self.g:
            self.carried.add((node, learner_prop, learner))
        spec_cls = next(c for c, (result_cls, _) in RESULT_OF.items() if result_cls in self.t.superclasses(cls))
        spec_kind = next(
            unquote(r.subject_id.split("=", 1)[1]) for r in self.m.rows
            if r.subject_id.startswith("elmo:LearningOpportunitySpecification/type=") and r.object_iri == spec_cls
        )
        element = E.learningOpportunitySpecification()
        grep_titles: list = []
        codes: list[str] = []
        for row in self.m.rows:
            if row.subject_id.startswith("elmo:LearningOpportunitySpecification/identifier/@type=") and self.t.domain_ok(row.object_iri, cls):
                value = self.value(node, row.object_iri)
                if value is not None:
                    code = str(value)[len(str(GREP)):] if str(value).startswith(str(GREP)) else str(value)
                    element.append(self.identifier(row.subject_id.split("=", 1)[1], code))
                    codes.append(code)
                    titles = list(self.g.objects(value, SBU.tittel))
                    for title in titles:
                        self.carried.add((value, SBU.tittel, title))
                    if not titles:  # the payload names none: the active Grep snapshot's titles, if any
                        titles = [Literal(text, lang=lang) for lang, text in _grep_titles(value).items()]
                    if titles and (not grep_titles or len(str(value)) > len(str(grep_titles[0][0]))):
                        grep_titles = [(value, titles)]
        grouping_prop = next((p for p in self.m.objects("elmo:learningOpportunityInstance/grouping") if self.t.domain_ok(p, cls)), None)
        grouping_code = self.value(node, grouping_prop) if grouping_prop is not None else None
        labels = self.t.labels(grouping_code) if grouping_code is not None else []
        if grep_titles:
            element.extend(self.titles(grep_titles[0][1]))
        elif codes and labels and spec_cls == SBU.Fag:
            # "NOR1267 – Standpunktvurdering": the subject and the kind of assessment, in each language
            element.extend(self.titles([Literal(f"{codes[-1]} – {label}", lang=label.language) for label in labels]))
        elif labels:
            element.extend(self.titles(labels))
        elif codes:
            element.append(E.title(codes[-1]))
        else:
            element.append(E.title("Sluttkompetanse"))
        element.append(E.type(spec_kind))
        element.append(E.specifies(self.loi(node, cls, grouping_prop, grouping_code)))
        for part in parts:
            element.append(E.hasPart(self.los(part, learner)))
        return element

    def loi(self, node, cls, grouping_prop, grouping_code) -> etree._Element:
        element = E.learningOpportunityInstance(self.identifier("uri", str(node)))
        date = self.value(node, self.prop_for("elmo:learningOpportunityInstance/date", cls))
        if date is not None:
            element.append(E.date(str(date)))
        year_prop = self.prop_for("elmo:learningOpportunityInstance/academicTerm", cls)
        year = self.g.value(node, year_prop) if year_prop is not None else None
        if year is not None and (match := SKOLEAAR.match(str(year))):
            self.carried.add((node, year_prop, year))
            first, second = match.groups()
            term = E.academicTerm()
            for lang, text in (("nb", "Skoleåret"), ("nn", "Skoleåret"), ("en", "School year")):
                title = E.title(f"{text} {first}–{second}")
                title.set(XML_LANG, lang)
                term.append(title)
            term.extend([E.start(f"{first}-08-01"), E.end(f"{second}-07-31")])
            element.append(term)
        status_prop = self.prop_for("elmo:learningOpportunityInstance/status", cls)
        grade_prop = self.prop_for("elmo:learningOpportunityInstance/resultLabel", cls)
        grade = self.g.value(node, grade_prop) if grade_prop is not None else None
        status = self.g.value(node, status_prop) if status_prop is not None else None
        if status is not None:
            written = self.status_value(status, grade)
            if written is not None:
                self.carried.add((node, status_prop, status))
                element.append(E.status(written))
            else:
                self.reasons[(node, status_prop, status)] = "ELMO's status would claim a pass or a fail that this grade does not express"
        if grade is not None:
            scale_prop = self.prop_for("elmo:learningOpportunityInstance/gradingSchemeLocalId", cls)
            scale = self.g.value(node, scale_prop) if scale_prop is not None else None
            if scale is not None:
                self.carried.add((node, scale_prop, scale))
            scale = scale or self.t.default_scale(self.g.value(node, SBU.vurderingstype), grade) or SBUK.karakter
            if scale not in self.grading_schemes:
                self.grading_schemes.append(scale)
            self.carried.add((node, grade_prop, grade))
            element.append(E.gradingSchemeLocalId(_scheme_slug(scale)))
            element.append(E.resultLabel(self.t.notation(grade)))
        for row in self.m.rows:
            if row.subject_id.startswith("elmo:learningOpportunityInstance/level/type=") and self.t.domain_ok(row.object_iri, cls):
                level = self.value(node, row.object_iri)
                if level is not None:
                    kind = row.subject_id.split("=", 1)[1]
                    scheme = self.t.scheme_of(row.object_iri)
                    element.append(E.level(E.type(kind), E.description(self._level_description(kind, scheme)), E.value(self.t.notation(level))))
        if grouping_code is not None:
            scheme = self.t.scheme_of(grouping_prop)
            self.groups.setdefault(scheme, [])
            if grouping_code not in self.groups[scheme]:
                self.groups[scheme].append(grouping_code)
            element.append(E.grouping(typeref=_scheme_slug(scheme), idref=self.t.notation(grouping_code)))
        return element

    def _level_description(self, kind: str, scheme) -> str:
        labels = {l.language: str(l) for l in self.t.vocab.objects(scheme, SKOS.prefLabel)} if scheme is not None else {}
        return labels.get("en") or labels.get("nb") or kind

    def status_value(self, status: URIRef, grade) -> str | None:
        values = self.m.value_map("elmo:learningOpportunityInstance/status")
        candidates = [value for value, objects in values.items() if status in objects]
        if len(candidates) == 1:
            return candidates[0]
        passed = self.t.erBestaatt(grade) if grade is not None else None
        wanted = {True: "passed", False: "failed"}.get(passed)
        return wanted if wanted in candidates else None

    def document_attachment(self, doc, doc_cls) -> etree._Element | None:
        kinds = [
            unquote(r.subject_id.split("=", 1)[1]) for r in self.m.rows
            if r.subject_id.startswith("elmo:Attachment/type=") and r.object_iri in self.t.superclasses(doc_cls)
        ]
        element = E.attachment(self.identifier("uri", str(doc)))
        prop = self.prop_for("elmo:Attachment/identifier/@type=dokumentnummer", doc_cls)
        number = self.value(doc, prop) if prop is not None else None
        if number is not None:
            element.append(self.identifier("dokumentnummer", str(number)))
        code = next(iter(self.t.vocab.subjects(RDFS.seeAlso, doc_cls)), None)
        if code is not None:
            element.extend(self.titles(self.t.labels(code)))
        if kinds:
            element.append(E.type(kinds[0]))
        return element

    def groups_element(self) -> etree._Element:
        element = E.groups()
        for scheme, codes in self.groups.items():
            group_type = E.groupType(*self.titles(self.t.labels(scheme)), id=_scheme_slug(scheme))
            for index, code in enumerate(codes, start=1):
                group_type.append(E.group(*self.titles(self.t.labels(code)), id=self.t.notation(code), sortingKey=str(index)))
            element.append(group_type)
        return element

    def not_carried(self) -> list[NotCarried]:
        out = []
        for s, p, o in sorted(self.g):
            if (s, p, o) in self.carried:
                continue
            reason = self.reasons.get((s, p, o))
            if reason is None:
                reason = "no counterpart in ELMO (not in crosswalks/elmo.sssom.tsv)" if p not in self.m.mapped_terms and p != RDF.type else "not reachable through a mapped fact"
            out.append(NotCarried(str(s), _local(p), _local(o) if isinstance(o, URIRef) else str(o), reason))
        return out


def _local(iri) -> str:
    text = str(iri)
    for base in (str(SBU), str(GREP)):
        if text.startswith(base):
            return text[len(base):]
    if text.startswith(str(SBUK)):
        return text[len(str(SBUK)):]
    if text == str(RDF.type):
        return "type"
    return text


def _as_graph(data, model: Model) -> Graph:
    if isinstance(data, Graph):
        return data
    from samtbu.validate.input import read_payload

    return read_payload(data, model=model).graph


def export_elmo_report(
    data,
    *,
    model: Model | None = None,
    mapping: ElmoMapping | None = None,
    generated: datetime | None = None,
) -> ElmoExport:
    """A record (graph, parsed JSON, bytes or a path) as ELMO XML, with the facts ELMO does not carry."""
    model = model or Model.load()
    mapping = mapping or ElmoMapping.load(model=model)
    graph = _as_graph(data, model)
    exporter = _Exporter(graph, model, mapping, generated)
    root = exporter.run()
    xml = etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    return ElmoExport(xml, exporter.not_carried(), exporter.carried)


def export_elmo(graph_or_payload, *, model: Model | None = None, generated: datetime | None = None) -> bytes:
    """A record as ELMO XML (bytes)."""
    return export_elmo_report(graph_or_payload, model=model, generated=generated).xml


def mapped_subset(graph: Graph, *, model: Model | None = None, mapping: ElmoMapping | None = None) -> Graph:
    """The facts of a record that the mapping says ELMO carries: starting at the document, the mapped
    properties (and the nodes reached through them), with each class narrowed to the most specific
    class that the mapping names."""
    model = model or Model.load()
    mapping = mapping or ElmoMapping.load(model=model)
    terms = _terms(str(model.root))
    subset = Graph()
    objects = set(graph.objects())
    todo = [s for s in graph.subjects(RDF.type, None) if s not in objects]
    seen: set[Node] = set()
    while todo:
        node = todo.pop()
        if node in seen:
            continue
        seen.add(node)
        for p, o in graph.predicate_objects(node):
            if p == RDF.type:
                mapped = terms.most_specific_mapped(o, mapping.mapped_terms) if isinstance(o, URIRef) else None
                if mapped is not None:
                    subset.add((node, RDF.type, mapped))
            elif p in mapping.mapped_terms:
                subset.add((node, p, o))
                if not isinstance(o, Literal):
                    todo.append(o)
    return subset


__all__ = [
    "import_elmo", "export_elmo", "export_elmo_report", "validate_elmo", "parse_elmo_xml", "mapped_subset",
    "ElmoMapping", "Unmapped", "NotCarried", "ElmoExport", "ElmoError", "UnsafeXmlError", "ElmoSchemaError",
    "valid_foedselsnummer", "schema_path", "ELMO_NS",
]
