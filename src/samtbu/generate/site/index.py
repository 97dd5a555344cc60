"""Look-ups over a loaded Model that the site's pages share: page paths, labels, shapes per class,
examples per term, alignments and SSSOM mappings. Built once per site build."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

from rdflib import OWL, RDF, RDFS, SKOS, BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import DCTERMS, SH, XSD

from samtbu.generate.site.text import lang_texts
from samtbu.model import Model
from samtbu.namespaces import BASE_IRI, SBU, local_name

SBUC = BASE_IRI + "begrepssamling/"

ALIGN_PREDICATES = (
    OWL.equivalentClass, OWL.equivalentProperty, RDFS.subClassOf, RDFS.subPropertyOf,
    SKOS.exactMatch, SKOS.closeMatch, SKOS.broadMatch, SKOS.narrowMatch, SKOS.relatedMatch,
)
PREFIXES = {
    "http://data.europa.eu/snb/model/elm/": "elm:",
    "https://purl.imsglobal.org/spec/vc/ob/vocab.html#": "obv3:",
    "https://schema.org/": "schema:",
    "http://schema.org/": "schema:",
    "https://www.w3.org/2018/credentials#": "cred:",
    "https://w3id.org/dpv#": "dpv:",
    "http://www.w3.org/ns/odrl/2/": "odrl:",
    "http://xmlns.com/foaf/0.1/": "foaf:",
    "http://www.w3.org/ns/org#": "org:",
    "http://psi.udir.no/ontologi/kl06/": "u:",
    "http://psi.udir.no/kl06/": "grep:",
    "http://www.w3.org/2001/XMLSchema#": "xsd:",
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#": "rdf:",
    "http://www.w3.org/2000/01/rdf-schema#": "rdfs:",
    "http://www.w3.org/2002/07/owl#": "owl:",
    "http://www.w3.org/2004/02/skos/core#": "skos:",
    "http://www.w3.org/ns/shacl#": "sh:",
    "http://data.europa.eu/snb/": "snb:",
    str(SBU): "sbu:",
}
NO_TERM_CURIE = "sssom:NoTermFound"
NO_COUNTERPART = URIRef("https://w3id.org/sssom/NoTermFound")
XKOS = "http://rdf-vocabulary.ddialliance.org/xkos#"
SKOSNO = "https://data.norge.no/vocabulary/skosno#"
EUVOC = "http://publications.europa.eu/ontology/euvoc#"


def curie(iri) -> str:
    text = str(iri)
    for base, prefix in PREFIXES.items():
        if text.startswith(base) and len(text) > len(base):
            return prefix + text[len(base):]
    return text


@dataclass(frozen=True)
class Mapping:
    subject: URIRef
    predicate: URIRef
    target: URIRef
    source: str  # "ontology/alignments.ttl", a SSSOM file name, or "vocab"


@dataclass(frozen=True)
class PropRow:
    """One property of a class as the shapes (or, without a shape, the ontology) describe it."""

    path: URIRef
    min: int
    max: int | None
    datatype: URIRef | None
    cls: URIRef | None
    in_scheme: URIRef | None
    codes: bool
    pattern: str | None
    declared_on: URIRef
    shapes: tuple[URIRef, ...]
    from_shape: bool

    def cardinality(self) -> str:
        return f"{self.min}..{'*' if self.max is None else self.max}"


class SiteIndex:
    def __init__(self, model: Model):
        self.model = model
        self.onto = model.ontology
        self.vocab = model.vocab
        self.shapes = model.shapes
        self.concepts = model.catalog_concepts()
        self.classes = model.classes()
        self.properties = model.properties()
        self.schemes = model.code_schemes()
        self.profiles = dict(sorted(model.profiles.items()))
        self._paths: dict[URIRef, str] = {}
        self._rows_cache: dict = {}
        for c in self.concepts:
            self._paths[c] = f"begreper/{local_name(c)}.md"
        for c in self.classes:
            self._paths[c] = f"klasser/{local_name(c)}.md"
        for p in self.properties:
            self._paths[p] = f"egenskaper/{local_name(p)}.md"
        for s in self.schemes:
            self._paths[s] = f"kodelister/{local_name(s)}.md"
        for name, profile in self.profiles.items():
            self._paths[profile.iri] = f"profiler/{name}.md"
        self.collections = sorted(s for s in self.vocab.subjects(RDF.type, SKOS.Collection)
                                  if isinstance(s, URIRef) and str(s).startswith(str(SBUC)))
        for c in self.collections:
            self._paths[c] = f"begrepssamlinger/{local_name(c)}.md"
        self.ontology_modules = {}  # module IRI -> (file, page)
        for path in self.model.ontology_files(self.model.root):
            for module in self.onto_files_graph(path).subjects(RDF.type, OWL.Ontology):
                self.ontology_modules[str(module)] = (path, f"ontologi/{path.stem}.md")
                self._paths[module] = f"ontologi/{path.stem}.md"
        self.shape_modules = {}  # shapes module IRI -> (file, page)
        for path in self.model.shape_module_files(self.model.root):
            for module in self.onto_files_graph(path).subjects(RDF.type, OWL.Ontology):
                self.shape_modules[str(module)] = (path, f"ontologi/{path.stem}.md")
        self.module_names = sorted({Path(p).stem for p, _ in [*self.ontology_modules.values(), *self.shape_modules.values()]})
        self.examples = self._load_examples()
        self.mappings = self._load_mappings()

    # -- pages and labels --------------------------------------------------------------------
    def path(self, iri) -> str | None:
        return self._paths.get(iri)

    def page_path(self, iri) -> str:
        """The page of a term the site has a page for (a class, property, code list, profile …)."""
        path = self._paths.get(iri)
        if path is None:
            raise KeyError(f"the site has no page for {iri}")
        return path

    def locate(self, iri) -> tuple[str, str] | None:
        """(page, anchor) of anything the site describes: a term's own page, or a code on its list's
        page, or a shape in the table that lists it."""
        if iri in self._paths:
            return self._paths[iri], ""
        if iri in self.codes_set:
            scheme = self.code_scheme(iri)
            if scheme is not None and scheme in self._paths:
                return self._paths[scheme], "kode-" + local_name(iri)
        if iri in self.shape_locations:
            return self.shape_locations[iri]
        text = str(iri)
        if text.startswith(BASE_IRI + "organisasjon/"):
            return "ontologi/index.md", ("kontaktpunkt" if text.endswith("/kontaktpunkt") else "utgiver")
        return None

    @functools.cache
    def onto_files_graph(self, path: Path) -> Graph:
        """One model file parsed on its own (to know which module defines what)."""
        graph = Graph()
        graph.parse(path, format="turtle")
        return graph

    def code_scheme(self, code) -> URIRef | None:
        scheme = self.vocab.value(code, SKOS.inScheme) or self.vocab.value(code, SKOS.topConceptOf)
        if scheme in self.schemes:
            return scheme
        return next((s for s in self.schemes if str(code).startswith(str(s) + "/")), None)

    def module_of_file(self, iri, files) -> Path | None:
        for path in files:
            if (URIRef(iri), None, None) in self.onto_files_graph(path):
                return path
        return None

    @functools.cached_property
    def shape_locations(self) -> dict[URIRef, tuple[str, str]]:
        """Where each named shape is shown: a profile's own shapes on the profile page; a module's
        property shapes on their property's page, its node shapes on their target class's page, any
        other on the module's page."""
        out: dict[URIRef, tuple[str, str]] = {}
        for name, profile in self.profiles.items():
            for shape in self.shapes_in(self.onto_files_graph(profile.path)):
                out.setdefault(shape, (self._paths[profile.iri], local_name(shape)))
        for path in self.model.shape_module_files(self.model.root):
            graph = self.onto_files_graph(path)
            for shape in self.shapes_in(graph):
                if shape in out:
                    continue
                target_path = graph.value(shape, SH.path)
                target_class = graph.value(shape, SH.targetClass)
                if isinstance(target_path, URIRef) and target_path in self._paths:
                    out[shape] = (self._paths[target_path], local_name(shape))
                elif isinstance(target_class, URIRef) and target_class in self._paths:
                    out[shape] = (self._paths[target_class], local_name(shape))
                else:
                    out[shape] = (f"ontologi/{path.stem}.md", local_name(shape))
        return out

    @staticmethod
    def shapes_in(graph: Graph) -> list[URIRef]:
        """The named shapes a shapes file defines."""
        shapes = set(graph.subjects(RDF.type, SH.NodeShape)) | set(graph.subjects(RDF.type, SH.PropertyShape)) \
            | set(graph.subjects(SH.path, None)) | set(graph.objects(None, SH.property))
        return sorted((s for s in shapes if isinstance(s, URIRef)), key=str)

    def policy_pages(self) -> list:
        from samtbu.generate.site.tables import _policies, policy_path

        policies = _policies(self)
        return [(p, policy_path(p)) for p in policies] if policies is not None else []

    def mapping_set_pages(self) -> list:
        from samtbu.generate.site.tables import set_path

        return [(table, set_path(name)) for name, table in self.model.index.mapping_sets.items()]

    def labels(self, iri) -> dict[str, str]:
        for graph, predicate in (
            (self.onto, RDFS.label), (self.vocab, SKOS.prefLabel), (self.vocab, DCTERMS.title),
            (self.vocab, RDFS.label), (self.shapes, SH.name), (self.onto, DCTERMS.title),
        ):
            texts = lang_texts(graph, iri, predicate)
            if texts:
                return texts
        return {}

    def label(self, iri, lang: str) -> str:
        texts = self.labels(iri)
        for code in (lang, "nb", "nn", "en", ""):
            if texts.get(code):
                return texts[code]
        return local_name(iri)

    def definition(self, graph: Graph, iri) -> dict[str, str]:
        texts = lang_texts(graph, iri, SKOS.definition)
        for node in graph.objects(iri, URIRef(EUVOC + "xlDefinition")):
            for lang, text in lang_texts(graph, node, RDF.value).items():
                texts.setdefault(lang, text)
        return texts

    # -- ontology ----------------------------------------------------------------------------
    def members(self, node) -> list:
        """A class expression as its named classes (owl:unionOf expanded)."""
        if isinstance(node, BNode):
            union = self.onto.value(node, OWL.unionOf)
            if union is not None:
                return [m for m in Collection(self.onto, union)]
            return []
        return [node] if node is not None else []

    def domains(self, prop) -> list:
        return [m for d in self.onto.objects(prop, RDFS.domain) for m in self.members(d)]

    def ranges(self, prop) -> list:
        return [m for r in self.onto.objects(prop, RDFS.range) for m in self.members(r)]

    # The site shows the model's own classes: the hierarchy (model.hierarchy) within sbu:.
    def superclasses(self, cls) -> list[URIRef]:
        return [c for c in self.model.hierarchy.superclasses(cls) if c in SBU]

    def subclasses(self, cls) -> list[URIRef]:
        return [c for c in self.model.hierarchy.subclasses(cls) if c in SBU]

    def ancestors(self, cls) -> list[URIRef]:
        return [c for c in self.model.hierarchy.ancestors(cls) if c in SBU]

    def descendants(self, cls) -> set[URIRef]:
        return {c for c in self.model.hierarchy.descendants(cls) if c in SBU}

    def property_kind(self, prop) -> str:
        for kind in ("ObjectProperty", "DatatypeProperty", "AnnotationProperty"):
            if (prop, RDF.type, OWL[kind]) in self.onto:
                return kind
        return "ObjectProperty"

    def implementers(self, concept) -> list[URIRef]:
        terms = set(self.onto.subjects(DCTERMS.subject, concept))
        return sorted(t for t in terms if t in self._paths)

    def schemes_about(self, concept) -> list[URIRef]:
        return sorted(s for s in self.vocab.subjects(DCTERMS.subject, concept) if s in self.schemes)

    # -- shapes ------------------------------------------------------------------------------
    def node_shapes_for(self, cls) -> list:
        return sorted(set(self.shapes.subjects(SH.targetClass, cls)), key=str)

    def shapes_on_path(self, prop) -> list:
        return list(self.model.index.shapes_with_path(prop))

    def shape_list(self, shape, predicate) -> list:
        node = self.shapes.value(shape, predicate)
        return list(Collection(self.shapes, node)) if node is not None else []

    def class_rows(self, cls) -> list[PropRow]:
        if cls not in self._rows_cache:
            self._rows_cache[cls] = self._class_rows(cls)
        return self._rows_cache[cls]

    def _class_rows(self, cls) -> list[PropRow]:
        """Properties of a class: from the property shapes of node shapes targeting it or an ancestor,
        and properties whose domain is the class but that no shape covers."""
        rows: dict[URIRef, dict] = {}
        for owner in [cls, *self.ancestors(cls)]:
            for node_shape in self.node_shapes_for(owner):
                for pshape in self.shapes.objects(node_shape, SH.property):
                    path = self.shapes.value(pshape, SH.path)
                    if not isinstance(path, URIRef):
                        continue
                    row = rows.setdefault(path, {"min": 0, "max": None, "datatype": None, "cls": None, "in": False,
                                                 "pattern": None, "declared_on": owner, "shapes": []})
                    mn = self.shapes.value(pshape, SH.minCount)
                    mx = self.shapes.value(pshape, SH.maxCount)
                    if mn is not None:
                        row["min"] = max(row["min"], int(mn))
                    if mx is not None:
                        row["max"] = int(mx) if row["max"] is None else min(row["max"], int(mx))
                    row["datatype"] = row["datatype"] or self.shapes.value(pshape, SH.datatype)
                    row["cls"] = row["cls"] or self.shapes.value(pshape, SH["class"])
                    row["in"] = row["in"] or self.shapes.value(pshape, SH["in"]) is not None
                    pattern = self.shapes.value(pshape, SH.pattern)
                    row["pattern"] = row["pattern"] or (str(pattern) if pattern is not None else None)
                    if isinstance(pshape, URIRef):
                        row["shapes"].append(pshape)
        out = []
        for path, row in rows.items():
            scheme = self.onto.value(path, SBU.kodeliste)
            out.append(PropRow(path, row["min"], row["max"], row["datatype"], row["cls"], scheme,
                               row["in"] or scheme is not None, row["pattern"], row["declared_on"],
                               tuple(sorted(set(row["shapes"]), key=str)), True))
        covered = set(rows)
        for owner in [cls, *self.ancestors(cls)]:
            for prop in self.properties:
                if prop in covered or owner not in self.domains(prop):
                    continue
                if self.property_kind(prop) == "AnnotationProperty":
                    continue
                covered.add(prop)
                rng = self.ranges(prop)
                scheme = self.onto.value(prop, SBU.kodeliste)
                datatype = rng[0] if rng and str(rng[0]).startswith(str(XSD)) or (rng and rng[0] == RDF.langString) else None
                cls_range = rng[0] if rng and not datatype and scheme is None and rng[0] != SKOS.Concept else None
                functional = (prop, RDF.type, OWL.FunctionalProperty) in self.onto
                out.append(PropRow(prop, 0, 1 if functional else None, datatype, cls_range, scheme, scheme is not None,
                                   None, owner, (), False))
        return sorted(out, key=lambda r: (0 if r.declared_on == cls else 1, -r.min, local_name(r.path).casefold()))

    # -- examples ----------------------------------------------------------------------------
    def _load_examples(self) -> dict[str, Graph]:
        graphs = {}
        for path in self.model.example_files(".ttl"):
            graph = Graph()
            try:
                graph.parse(path, format="turtle")
            except Exception:  # noqa: BLE001 - a broken example is the examples' test's business
                continue
            graphs[path.stem] = graph
        return graphs

    def examples_using(self, term) -> list[str]:
        names = []
        classes = {term} | (self.descendants(term) if term in self.classes else set())
        for name, graph in self.examples.items():
            if any((None, RDF.type, c) in graph for c in classes) or (None, term, None) in graph \
                    or (None, None, term) in graph:
                names.append(name)
        return names

    def example_json(self, name: str) -> Path | None:
        path = self.model.root / "examples" / f"{name}.json"
        return path if path.is_file() else None

    # -- mappings ----------------------------------------------------------------------------
    def _load_mappings(self) -> list[Mapping]:
        out: list[Mapping] = []
        alignments = self.model.root / "ontology" / "alignments.ttl"
        for graph, origin in ((self.onto, "ontology/alignments.ttl" if alignments.is_file() else "ontology"), (self.vocab, "vocab")):
            for predicate in ALIGN_PREDICATES:
                for s, o in graph.subject_objects(predicate):
                    if not isinstance(s, URIRef) or not isinstance(o, URIRef) or s not in self._paths and s not in self.codes_set:
                        continue
                    if str(o).startswith(("https://w3id.org/samt-bu/",)) or str(o).startswith(str(OWL)):
                        continue
                    out.append(Mapping(s, predicate, o, origin))
        out += self._sssom_mappings()
        return sorted(set(out), key=lambda m: (str(m.subject), str(m.predicate), str(m.target)))

    @functools.cached_property
    def codes_set(self) -> set:
        return set(self.model.codes())

    def sssom_files(self) -> list[Path]:
        return [table.path for table in self.model.index.mapping_sets.values()]

    def _sssom_mappings(self) -> list[Mapping]:
        out = []
        for table in self.model.index.mapping_sets.values():
            curies, path = table.curie_map, table.path

            def expand(value: str) -> URIRef:
                prefix, sep, rest = value.partition(":")
                if sep and prefix in curies:
                    return URIRef(curies[prefix] + rest)
                return URIRef(value)

            for row in table.rows:
                try:
                    if NO_TERM_CURIE in (row["subject_id"], row["object_id"]):
                        # "no counterpart": not a link to anything (the mapping set's page lists these)
                        side = row["subject_id"] if row["object_id"] == NO_TERM_CURIE else row["object_id"]
                        term = expand(side)
                        if term in self._paths or term in self.codes_set:
                            out.append(Mapping(term, NO_COUNTERPART, NO_COUNTERPART, path.relative_to(self.model.root).as_posix()))
                        continue
                    s, p, o = expand(row["subject_id"]), expand(row["predicate_id"]), expand(row["object_id"])
                except (KeyError, AttributeError):
                    continue
                rel = path.relative_to(self.model.root).as_posix()
                if s in self._paths or s in self.codes_set:
                    out.append(Mapping(s, p, o, rel))
                elif o in self._paths or o in self.codes_set:
                    out.append(Mapping(o, p, s, rel))
        return out

    def mappings_of(self, *terms) -> list[Mapping]:
        wanted = set(terms)
        return [m for m in self.mappings if m.subject in wanted]

    # -- vocab helpers -----------------------------------------------------------------------
    def source_label(self, source, lang: str) -> str:
        texts = lang_texts(self.vocab, source, RDFS.label) or lang_texts(self.onto, source, RDFS.label)
        for code in (lang, "nb", "en", ""):
            if texts.get(code):
                return texts[code]
        return str(source)

    def scheme_codes(self, scheme) -> list[URIRef]:
        codes = set(self.vocab.subjects(SKOS.inScheme, scheme)) | set(self.vocab.subjects(SKOS.topConceptOf, scheme)) \
            | set(self.vocab.objects(scheme, SKOS.hasTopConcept))
        order = self.scheme_order(scheme)
        def key(code):
            if code in order:
                return (0, order.index(code), "")
            rank = self.vocab.value(code, SBU.rang)
            notation = str(self.vocab.value(code, SKOS.notation) or local_name(code))
            return (1, int(rank) if rank is not None else 10**6, notation)
        return sorted((c for c in codes if isinstance(c, URIRef)), key=key)

    def scheme_order(self, scheme) -> list[URIRef]:
        """The scheme's explicit order: a skos:OrderedCollection that refers to it (rdfs:seeAlso)."""
        for coll in self.vocab.subjects(RDF.type, SKOS.OrderedCollection):
            if (coll, RDFS.seeAlso, scheme) in self.vocab or (scheme, RDFS.seeAlso, coll) in self.vocab:
                node = self.vocab.value(coll, SKOS.memberList)
                if node is not None:
                    return list(Collection(self.vocab, node))
        return []

    def literal(self, graph, subject, predicate):
        value = graph.value(subject, predicate)
        return value.toPython() if isinstance(value, Literal) else value


__all__ = ["SiteIndex", "PropRow", "Mapping", "curie", "NO_COUNTERPART", "XKOS", "SKOSNO", "EUVOC"]
