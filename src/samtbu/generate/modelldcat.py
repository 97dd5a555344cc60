"""The ModellDCAT-AP-NO description of the information model, generated from the loaded model.

``vocab/modell.ttl`` holds only what cannot be derived: the information model's own metadata (title,
description, keywords, themes, publisher, contact point, licence, status, dates). Everything else is
a function of the ontology, the code lists and the shapes, and is generated here:

- one ``modelldcatno:ObjectType`` per class (``modell/objekttype/{Class}``), and for each superclass in
  the model a ``modelldcatno:Specialization`` (``modell/spesialisering/{Class}``);
- one property element per non-annotation property (``modell/egenskap/{property}``), its kind read from
  the ontology: ``sbu:kodeliste`` -> Attribute with ``hasValueFrom`` the code list; a model class as
  range -> Role; a union of model classes -> Choice (``hasSome``); a datatype range -> Attribute with a
  simple type; any other range (a scheme, a class, a document) -> Attribute with the simple type IRI;
- one ``modelldcatno:CodeList`` per SKOS concept scheme (``modell/kodeliste/{scheme}``), titled and
  linked to its catalog concept as the scheme itself is;
- the simple types the properties use (``modell/enkeltype/{Name}``): one per datatype, and one per
  property whose shape gives a lexical format (``sh:pattern``), with that pattern as ``xsd:pattern``;
- one ``modelldcatno:Module`` per ontology module that defines a described term, titled as the
  ontology module (without the project name), and the two modules of code lists and data types;
- the model's formats: each ontology module in Turtle at its version IRI.

Every element that implements an ontology term carries the term's IRI twice (``dct:identifier`` as
an ``xsd:anyURI`` literal, ``rdfs:seeAlso`` as a node) and the term's ``dct:subject``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rdflib import OWL, RDF, RDFS, XSD, Graph, Literal, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.namespace import DCAT, DCTERMS, FOAF, SH, SKOS

from samtbu.model import LANGUAGES, Model, ModelError
from samtbu.namespaces import BASE_IRI, ONTOLOGY_BASE, SBU, SBUK, local_name

MODELLDCATNO = Namespace("https://data.norge.no/vocabulary/modelldcatno#")
ADMS = Namespace("http://www.w3.org/ns/adms#")
INFORMATION_MODEL = URIRef(BASE_IRI + "modell")
ELEMENT_BASE = BASE_IRI + "modell/"
TURTLE_FORMAT = URIRef("http://publications.europa.eu/resource/authority/file-type/RDF_TURTLE")

CODE_LIST_MODULE = "kodelister"
DATA_TYPE_MODULE = "datatyper"

# Modules of the description that have no ontology module of their own: name -> titles (nb, nn, en).
_OWN_MODULES = {
    CODE_LIST_MODULE: ("Kodelister", "Kodelister", "Code lists"),
    DATA_TYPE_MODULE: ("Datatyper", "Datatypar", "Data types"),
}

# The simple type of each datatype used as a range: datatype -> (name, titles nb, nn, en).
_DATATYPE_SIMPLE_TYPES = {
    XSD.string: ("Tekst", "Tekst", "Tekst", "Text"),
    RDF.langString: ("SpraakmerketTekst", "Språkmerket tekst", "Språkmerkt tekst", "Language-tagged text"),
    XSD.date: ("Dato", "Dato", "Dato", "Date"),
    XSD.dateTime: ("Tidspunkt", "Tidspunkt", "Tidspunkt", "Date and time"),
    XSD.gYear: ("Aar", "År", "År", "Year"),
    XSD.integer: ("Heltall", "Heltall", "Heiltal", "Integer"),
    XSD.positiveInteger: ("PositivtHeltall", "Positivt heltall", "Positivt heiltal", "Positive integer"),
    XSD.decimal: ("Desimaltall", "Desimaltall", "Desimaltal", "Decimal number"),
    XSD.boolean: ("Sannhetsverdi", "Sannhetsverdi", "Sanningsverdi", "Boolean"),
    XSD.anyURI: ("IRI", "IRI", "IRI", "IRI"),
}

# Ontology module titles begin with the project name; module and format titles leave it out.
_PROJECT_PREFIX = "SAMT-BU: "
_FORMAT_TITLE = {"nb": "Ontologimodul: {} (Turtle)", "nn": "Ontologimodul: {} (Turtle)",
                 "en": "Ontology module: {} (Turtle)"}

# Titles of a specialisation: "{class} er en spesialisering av {superclass}".
_SPECIALISATION = {"nb": "{} er en spesialisering av {}", "nn": "{} er ei spesialisering av {}",
                   "en": "{} is a specialisation of {}"}


def header_path(model: Model) -> Path:
    """The hand-written part of the description."""
    return model.root / "vocab" / "modell.ttl"


def element_iri(kind: str, name: str) -> URIRef:
    """``kind`` is objekttype, spesialisering, egenskap, kodeliste, enkeltype or modul."""
    return URIRef(f"{ELEMENT_BASE}{kind}/{name}")


def term_name(term: URIRef) -> str:
    """A class's or property's local name: sbu:Vurdering -> "Vurdering"."""
    return local_name(term, SBU)


def scheme_name(scheme: URIRef) -> str:
    """A code list's local name: sbuk:karakter -> "karakter"."""
    return local_name(scheme, SBUK)


def _texts(graph: Graph, subject, predicate) -> list[Literal]:
    """The literals of ``predicate`` in the model's languages, in a fixed order."""
    found = [o for o in graph.objects(subject, predicate) if getattr(o, "language", None) in LANGUAGES]
    return sorted(found, key=lambda lit: (LANGUAGES.index(lit.language), str(lit)))


def _by_language(graph: Graph, subject, predicate) -> dict[str, str]:
    return {lit.language: str(lit) for lit in _texts(graph, subject, predicate)}


def _lang_literals(texts: tuple[str, str, str] | dict[str, str]) -> list[Literal]:
    if isinstance(texts, tuple):
        texts = dict(zip(LANGUAGES, texts))
    return [Literal(texts[lang], lang=lang) for lang in LANGUAGES if texts.get(lang)]


def _any_uri(iri) -> Literal:
    return Literal(str(iri), datatype=XSD.anyURI)


def _in_model(term) -> bool:
    return isinstance(term, URIRef) and str(term).startswith(str(SBU))


def _members(graph: Graph, node) -> list:
    """A class expression's named classes: the class itself, or the members of its owl:unionOf."""
    if isinstance(node, URIRef):
        return [node]
    union = graph.value(node, OWL.unionOf)
    return list(Collection(graph, union)) if union is not None else []


# -- simple types ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class SimpleType:
    name: str
    datatype: URIRef
    titles: tuple[Literal, ...]
    pattern: str | None = None  # an XML Schema regular expression (always matches the whole value)
    length: int | None = None


def _datatype_simple_type(datatype: URIRef) -> SimpleType:
    try:
        name, *titles = _DATATYPE_SIMPLE_TYPES[datatype]
    except KeyError:
        raise ModelError(f"no simple type for the datatype {datatype} (add it to {__name__})") from None
    return SimpleType(name, datatype, tuple(_lang_literals(tuple(titles))))


def _format_pattern(model: Model, prop: URIRef, domains: list[URIRef]) -> str | None:
    """The sh:pattern that the shapes of the property's domain classes give its values."""
    shapes = model.shapes
    patterns = set()
    for shape in model.index.shapes_with_path(prop):
        owners = shapes.subjects(SH.property, shape)
        if any((node_shape, SH.targetClass, domain) in shapes for node_shape in owners for domain in domains):
            patterns.update(str(p) for p in shapes.objects(shape, SH.pattern))
    if len(patterns) > 1:
        raise ModelError(f"the shapes give {prop} more than one format: {sorted(patterns)}")
    return patterns.pop() if patterns else None


def xsd_pattern(shacl_pattern: str) -> str:
    """SHACL patterns search (anchors ^ and $ mark the whole value); XSD patterns always match the whole."""
    start = shacl_pattern.startswith("^")
    end = shacl_pattern.endswith("$") and not shacl_pattern.endswith("\\$")
    body = shacl_pattern[1 if start else 0 : -1 if end else None]
    if start and end:
        return body
    return ("" if start else ".*") + f"({body})" + ("" if end else ".*")


def fixed_length(pattern: str) -> int | None:
    """The length every match of an XSD pattern has, or None when it varies (or is not understood).

    Understands literals, escapes, character classes, groups of alternatives, ``.`` and ``{n}``;
    ``*``, ``+``, ``?`` and ``{n,m}`` make the length vary.
    """
    try:
        length, end = _alternatives(pattern, 0)
    except (IndexError, ValueError):
        return None
    return length if end == len(pattern) else None


def _alternatives(p: str, i: int) -> tuple[int | None, int]:
    lengths = []
    while True:
        length, i = _sequence(p, i)
        lengths.append(length)
        if i < len(p) and p[i] == "|":
            i += 1
            continue
        return (lengths[0] if len(set(lengths)) == 1 else None), i


def _sequence(p: str, i: int) -> tuple[int | None, int]:
    total: int | None = 0
    while i < len(p) and p[i] not in "|)":
        atom, i = _atom(p, i)
        count, i = _quantifier(p, i)
        total = None if None in (total, atom, count) else total + atom * count
    return total, i


def _atom(p: str, i: int) -> tuple[int | None, int]:
    if p[i] == "\\":
        if p[i + 1] in "pP":  # \p{...}
            return 1, p.index("}", i) + 1
        return 1, i + 2
    if p[i] == "[":
        j = i + 1
        while p[j] != "]" or j == i + 1:
            j += 2 if p[j] == "\\" else 1
        return 1, j + 1
    if p[i] == "(":
        length, j = _alternatives(p, i + 1)
        if p[j] != ")":
            raise ValueError(p)
        return length, j + 1
    return 1, i + 1


def _quantifier(p: str, i: int) -> tuple[int | None, int]:
    if i < len(p) and p[i] in "*+?":
        return None, i + 1
    if i < len(p) and p[i] == "{":
        j = p.index("}", i)
        low, comma, high = p[i + 1 : j].partition(",")
        return (int(low) if not comma or high == low else None), j + 1
    return 1, i


def simple_type_of(model: Model, prop: URIRef, value_type: URIRef, domains: list[URIRef]) -> SimpleType:
    """A property with a format of its own gets a simple type named after it; others the datatype's."""
    pattern = _format_pattern(model, prop, domains)
    if pattern is None:
        return _datatype_simple_type(value_type)
    pattern = xsd_pattern(pattern)
    name = term_name(prop)
    titles = tuple(Literal(lit[:1].upper() + lit[1:], lang=lit.language)
                   for lit in _texts(model.ontology, prop, RDFS.label))
    return SimpleType(name[:1].upper() + name[1:], value_type, titles, pattern, fixed_length(pattern))


# -- the description -------------------------------------------------------------------------------
class _Description:
    """Writes the elements into one graph; collects what the information model contains."""

    def __init__(self, model: Model):
        self.model = model
        self.onto = model.ontology
        self.graph = Graph()
        self.simple_types: dict[str, SimpleType] = {}
        self.modules: set[str] = set()

    def add(self, s, p, o) -> None:
        self.graph.add((s, p, o))

    def titled(self, node: URIRef, element_class: URIRef, titles: list[Literal]) -> None:
        self.add(node, RDF.type, element_class)
        for title in titles:
            self.add(node, DCTERMS.title, title)

    def implements(self, node: URIRef, term: URIRef, graph: Graph) -> None:
        """Links an element to the term or scheme it describes and to that term's catalog concept."""
        self.add(node, DCTERMS.identifier, _any_uri(term))
        self.add(node, RDFS.seeAlso, term)
        for definition in _texts(graph, term, SKOS.definition):
            self.add(node, DCTERMS.description, definition)
        for concept in graph.objects(term, DCTERMS.subject):
            self.add(node, DCTERMS.subject, concept)

    def in_module(self, node: URIRef, module: str) -> None:
        self.modules.add(module)
        self.add(node, MODELLDCATNO.belongsToModule, element_iri("modul", module))

    def module_of(self, term: URIRef) -> str:
        module = self.onto.value(term, RDFS.isDefinedBy)
        if not (isinstance(module, URIRef) and str(module).startswith(ONTOLOGY_BASE)):
            raise ModelError(f"{term} has no rdfs:isDefinedBy of an ontology module")
        return local_name(module, ONTOLOGY_BASE)

    def module_name(self, ontology: URIRef) -> dict[str, str]:
        """An ontology module's title without the project name: "SAMT-BU: vurdering" -> "vurdering"."""
        return {lang: text.removeprefix(_PROJECT_PREFIX)
                for lang, text in _by_language(self.onto, ontology, DCTERMS.title).items()}

    def label(self, term: URIRef) -> dict[str, str]:
        return _by_language(self.onto, term, RDFS.label)

    # -- object types --------------------------------------------------------------------------
    def object_type(self, cls: URIRef, properties: list[URIRef]) -> None:
        name = term_name(cls)
        node = element_iri("objekttype", name)
        self.titled(node, MODELLDCATNO.ObjectType, _texts(self.onto, cls, RDFS.label))
        self.implements(node, cls, self.onto)
        module = self.module_of(cls)
        for prop in properties:
            self.add(node, MODELLDCATNO.hasProperty, element_iri("egenskap", term_name(prop)))
        supers = sorted(s for s in self.onto.objects(cls, RDFS.subClassOf) if _in_model(s))
        for general in supers:
            spec_name = name if len(supers) == 1 else f"{name}/{term_name(general)}"
            spec = element_iri("spesialisering", spec_name)
            self.add(node, MODELLDCATNO.hasProperty, spec)
            self.specialisation(spec, cls, general, module)
        self.in_module(node, module)

    def specialisation(self, node: URIRef, cls: URIRef, general: URIRef, module: str) -> None:
        mine, theirs = self.label(cls), self.label(general)
        titles = {lang: text.format(mine[lang], theirs[lang])
                  for lang, text in _SPECIALISATION.items() if lang in mine and lang in theirs}
        self.titled(node, MODELLDCATNO.Specialization, _lang_literals(titles))
        self.add(node, MODELLDCATNO.hasGeneralConcept, element_iri("objekttype", term_name(general)))
        self.in_module(node, module)

    # -- properties ----------------------------------------------------------------------------
    def property(self, prop: URIRef, domains: list[URIRef]) -> None:
        node = element_iri("egenskap", term_name(prop))
        element_class, predicate, values = self.property_kind(prop, domains)
        self.titled(node, element_class, _texts(self.onto, prop, RDFS.label))
        self.implements(node, prop, self.onto)
        for value in values:
            self.add(node, predicate, value)
        self.in_module(node, self.module_of(prop))

    def property_kind(self, prop: URIRef, domains: list[URIRef]) -> tuple[URIRef, URIRef, list[URIRef]]:
        scheme = self.onto.value(prop, SBU.kodeliste)
        if scheme is not None:
            code_list = element_iri("kodeliste", scheme_name(scheme))
            return MODELLDCATNO.Attribute, MODELLDCATNO.hasValueFrom, [code_list]
        ranges = [c for r in self.onto.objects(prop, RDFS.range) for c in _members(self.onto, r)]
        if ranges and all(_in_model(c) for c in ranges):
            types = [element_iri("objekttype", term_name(c)) for c in ranges]
            if len(types) == 1:
                return MODELLDCATNO.Role, MODELLDCATNO.hasObjectType, types
            return MODELLDCATNO.Choice, MODELLDCATNO.hasSome, types
        if (prop, RDF.type, OWL.DatatypeProperty) in self.onto:
            if len(ranges) != 1:
                raise ModelError(f"{prop}: a datatype property needs exactly one rdfs:range")
            value_type = ranges[0]
        else:  # a link to something outside the model (a scheme, a class, a document): its IRI
            value_type = XSD.anyURI
        simple = simple_type_of(self.model, prop, value_type, domains)
        known = self.simple_types.setdefault(simple.name, simple)
        if known != simple:
            raise ModelError(f"two different simple types are named {simple.name} ({prop})")
        return MODELLDCATNO.Attribute, MODELLDCATNO.hasSimpleType, [element_iri("enkeltype", simple.name)]

    # -- code lists, simple types, modules ------------------------------------------------------
    def code_list(self, scheme: URIRef) -> None:
        vocab = self.model.vocab
        node = element_iri("kodeliste", scheme_name(scheme))
        self.titled(node, MODELLDCATNO.CodeList, _texts(vocab, scheme, DCTERMS.title))
        self.add(node, DCTERMS.identifier, _any_uri(scheme))
        self.add(node, RDFS.seeAlso, scheme)
        for concept in vocab.objects(scheme, DCTERMS.subject):
            self.add(node, DCTERMS.subject, concept)
        self.in_module(node, CODE_LIST_MODULE)

    def simple_type(self, simple: SimpleType) -> None:
        node = element_iri("enkeltype", simple.name)
        self.titled(node, MODELLDCATNO.SimpleType, list(simple.titles))
        self.add(node, MODELLDCATNO.typeDefinitionReference, _any_uri(simple.datatype))
        if simple.length is not None:
            self.add(node, XSD.length, Literal(str(simple.length), datatype=XSD.nonNegativeInteger))
        if simple.pattern is not None:
            self.add(node, XSD.pattern, Literal(simple.pattern))
        self.in_module(node, DATA_TYPE_MODULE)

    def module(self, name: str) -> None:
        node = element_iri("modul", name)
        if name in _OWN_MODULES:
            self.titled(node, MODELLDCATNO.Module, _lang_literals(_OWN_MODULES[name]))
            return
        ontology = URIRef(ONTOLOGY_BASE + name)
        titles = {lang: text[:1].upper() + text[1:] for lang, text in self.module_name(ontology).items()}
        self.titled(node, MODELLDCATNO.Module, _lang_literals(titles))
        self.add(node, DCTERMS.identifier, _any_uri(ontology))
        self.add(node, RDFS.seeAlso, ontology)

    def ontology_format(self, ontology: URIRef) -> None:
        """The module's Turtle file, at its version IRI, as a format of the information model."""
        document = self.onto.value(ontology, OWL.versionIRI)
        if document is None:
            raise ModelError(f"{ontology} has no owl:versionIRI")
        self.add(INFORMATION_MODEL, DCTERMS.hasFormat, document)
        self.add(document, RDF.type, FOAF.Document)
        name = self.module_name(ontology)
        for title in _lang_literals({lang: _FORMAT_TITLE[lang].format(name[lang]) for lang in name}):
            self.add(document, DCTERMS.title, title)
        self.add(document, DCTERMS.format, TURTLE_FORMAT)


def _domains(model: Model, prop: URIRef) -> list[URIRef]:
    return sorted(c for d in model.ontology.objects(prop, RDFS.domain) for c in _members(model.ontology, d))


def _described_properties(model: Model) -> list[URIRef]:
    return [p for p in model.properties() if (p, RDF.type, OWL.AnnotationProperty) not in model.ontology]


def _ontology_modules(model: Model) -> list[URIRef]:
    return sorted(s for s in model.ontology.subjects(RDF.type, OWL.Ontology) if str(s).startswith(ONTOLOGY_BASE))


def model_elements(model: Model) -> Graph:
    """The generated part of the description: every element and its link from the information model."""
    out = _Description(model)
    properties = _described_properties(model)
    domains = {p: _domains(model, p) for p in properties}
    for cls in model.classes():
        out.object_type(cls, [p for p in properties if cls in domains[p]])
    for prop in properties:
        out.property(prop, domains[prop])
    for scheme in model.code_schemes():
        out.code_list(scheme)
    for simple in out.simple_types.values():
        out.simple_type(simple)
    for module in sorted(out.modules):
        out.module(module)
    for ontology in _ontology_modules(model):
        out.ontology_format(ontology)
    contained = [element_iri("objekttype", term_name(c)) for c in model.classes()]
    contained += [element_iri("kodeliste", scheme_name(s)) for s in model.code_schemes()]
    contained += [element_iri("enkeltype", name) for name in out.simple_types]
    contained += [element_iri("modul", name) for name in out.modules]
    for element in contained:
        out.add(INFORMATION_MODEL, MODELLDCATNO.containsModelElement, element)
    return out.graph


def read_header(model: Model) -> Graph:
    path = header_path(model)
    try:
        return Graph().parse(path, format="turtle")
    except Exception as exc:  # noqa: BLE001 - any parser error is a broken model file
        raise ModelError(f"{path}: does not parse as Turtle: {exc}") from exc


def build_model_description(model: Model) -> Graph:
    """The full ModellDCAT-AP-NO description: vocab/modell.ttl plus the generated model elements."""
    header = read_header(model)
    if (INFORMATION_MODEL, RDF.type, MODELLDCATNO.InformationModel) not in header:
        raise ModelError(f"{header_path(model)}: no modelldcatno:InformationModel {INFORMATION_MODEL}")
    graph = Graph()
    for prefix, namespace in [("adms", ADMS), ("dcat", DCAT), ("dct", DCTERMS), ("foaf", FOAF),
                              ("modelldcatno", MODELLDCATNO), ("owl", OWL), ("rdfs", RDFS), ("sbu", SBU),
                              ("skos", SKOS), ("xsd", XSD)]:
        graph.bind(prefix, namespace, override=True, replace=True)
    graph += header
    graph += model_elements(model)
    return graph


def model_description_file_name(version: str) -> str:
    return f"samtbu-modell-{version}.ttl"


def render_model_description(model: Model) -> str:
    """The description as Turtle: byte-identical for the same model."""
    note = (f"# ModellDCAT-AP-NO description of the samtbu information model {model.version}.\n"
            "# Generated by `samtbu catalog` (src/samtbu/generate/modelldcat.py) from vocab/modell.ttl,\n"
            "# ontology/, vocab/kodelister/ and shapes/: edit those, not this file.\n\n")
    return note + build_model_description(model).serialize(format="turtle")


__all__ = [
    "build_model_description",
    "render_model_description",
    "model_description_file_name",
    "model_elements",
    "element_iri",
    "term_name",
    "scheme_name",
    "header_path",
    "INFORMATION_MODEL",
    "MODELLDCATNO",
]
