"""Every IRI the model defines, where its page (and anchor) is, and the RDF it dereferences to.

``resources(idx)`` lists one ``Resource`` per IRI under the model's base: classes, properties,
concepts, collections, code lists (also as their JSON code namespace ``kode/{list}/``), codes,
shapes, shape modules, ontology modules, validation profiles, the closed profiles generated from the
sharing policies, the policies, the mapping sets, the model description, the DCAT catalog with its
datasets and distributions, the publisher and its contact point, and the JSON-LD context. Versioned
IRIs (``ontology/0.1.0/core``) resolve like their unversioned twins.

The site writes each resource's RDF as ``nedlasting/rdf/{IRI path}.{ttl,jsonld,rdf,nt}`` (an IRI
ending in ``/`` gets ``index``), so that content negotiation is one rule: the file named after the
request path, if it exists. The same list drives the HTML redirects and the test that requests every
IRI behind a real nginx and Apache.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from pathlib import Path
from collections.abc import Callable

from rdflib import OWL, RDF, RDFS, BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS

from samtbu.crosswalk.sssom import SssomTable
from samtbu.namespaces import BASE_IRI, CONTEXT_IRI, SBU, local_name

RDF_FOLDER = "nedlasting/rdf"
SSSOM = Namespace("https://w3id.org/sssom/")


@dataclass
class Resource:
    iri: str
    page: str  # Markdown path of its page, relative to a language's docs folder
    anchor: str = ""  # the element on that page that describes it ("" = the page itself)
    graph: Callable[[], Graph] | None = field(default=None, repr=False)  # None: not an RDF resource
    kind: str = ""

    @property
    def path(self) -> str:
        """The IRI's path below the host, with a leading slash."""
        return "/" + self.iri[len(BASE_IRI):]

    @property
    def rdf_stem(self) -> str:
        """Where its RDF files are, without the suffix (relative to the site root)."""
        path = self.path + ("index" if self.path.endswith("/") else "")
        return RDF_FOLDER + path


def page_url(md_path: str) -> str:
    """The URL path (from the site root, leading slash) of a page."""
    stem = md_path[: -len(".md")]
    if stem == "index" or stem.endswith("/index"):
        return "/" + stem[: -len("index")]
    return f"/{stem}/"


def cbd(graph: Graph, iri) -> Graph:
    """The concise bounded description of a resource, with the graph's prefixes."""
    out = graph.cbd(URIRef(iri))
    for prefix, ns in graph.namespaces():
        out.bind(prefix, ns, override=False)
    return out


def _parse(*paths: Path) -> Graph:
    graph = Graph()
    for path in paths:
        graph.parse(path, format="turtle")
    return graph


def code_anchor(code) -> str:
    return "kode-" + local_name(code)


def shape_anchor(shape) -> str:
    return local_name(shape)


def sssom_graph(table: SssomTable) -> Graph:
    """A mapping set as RDF after the SSSOM RDF serialisation: the set, its metadata, and each mapping
    as an owl:Axiom over (subject, predicate, object) with its justification, labels and comment."""
    from samtbu.generate.site.tables import read_set, sssom_texts

    _name, mset, rows = read_set(table)
    meta = mset.metadata
    graph = Graph()
    graph.bind("sssom", SSSOM)
    for prefix, ns in (mset.curie_map or {}).items():
        graph.bind(prefix, Namespace(ns), override=False)
    node = URIRef(str(meta["mapping_set_id"]))
    graph.add((node, RDF.type, SSSOM.MappingSet))
    for key, predicate in (("mapping_set_title", DCTERMS.title), ("mapping_set_description", DCTERMS.description),
                           ("comment", RDFS.comment)):
        for lang, text in sssom_texts(meta, key).items():  # the slot in English, its extension slots in nb and nn
            graph.add((node, predicate, Literal(text, lang=lang)))
    for key, predicate in (("mapping_set_version", OWL.versionInfo), ("mapping_date", SSSOM.mapping_date),
                           ("subject_source", SSSOM.subject_source), ("object_source", SSSOM.object_source)):
        if meta.get(key):
            graph.add((node, predicate, Literal(str(meta[key]))))
    if meta.get("license"):
        graph.add((node, DCTERMS.license, URIRef(str(meta["license"]))))

    def expand(value: str) -> URIRef:
        if value == "sssom:NoTermFound":
            return SSSOM.NoTermFound
        try:
            return URIRef(mset.expand(value))
        except Exception:  # noqa: BLE001 - an unexpandable CURIE stays as written
            return URIRef(value)

    for row in rows:
        axiom = BNode()
        graph.add((node, SSSOM.mappings, axiom))
        graph.add((axiom, RDF.type, OWL.Axiom))
        graph.add((axiom, OWL.annotatedSource, expand(row["subject_id"])))
        graph.add((axiom, OWL.annotatedProperty, expand(row["predicate_id"])))
        graph.add((axiom, OWL.annotatedTarget, expand(row["object_id"])))
        if row.get("mapping_justification"):
            graph.add((axiom, SSSOM.mapping_justification, expand(row["mapping_justification"])))
        for key in ("subject_label", "object_label"):
            if row.get(key):
                graph.add((axiom, SSSOM[key], Literal(row[key])))
        for lang, text in sssom_texts(row, "comment").items():
            graph.add((axiom, RDFS.comment, Literal(text, lang=lang)))
    return graph


class ResourceIndex:
    """The resources of one site build, built once from a SiteIndex."""

    def __init__(self, idx):
        self.idx = idx
        self.items: dict[str, Resource] = {}
        self._collect()

    def add(self, iri, page: str, anchor: str = "", graph=None, kind: str = "") -> None:
        iri = str(iri)
        if iri.startswith(BASE_IRI) and iri not in self.items:
            self.items[iri] = Resource(iri, page, anchor, graph, kind)

    def __iter__(self):
        return iter(sorted(self.items.values(), key=lambda r: r.iri))

    def __len__(self) -> int:
        return len(self.items)

    def get(self, iri) -> Resource | None:
        return self.items.get(str(iri))

    def _collect(self) -> None:
        """Every IRI, in this order (the first place an IRI is found is its page): terms, concepts and
        codes; the namespaces of codes; modules, shapes and profiles; sharing policies and mapping
        sets; the model description and catalog; the JSON-LD context."""
        self._collect_terms()
        self._collect_code_namespaces()
        self._collect_modules()
        self._collect_policies_and_mappings()
        self._collect_catalog()
        # The JSON-LD context: a JSON document, not RDF (its HTML is the getting-started section).
        self.add(CONTEXT_IRI, "kom-i-gang.md", "kontekst", None, kind="context")

    def _collect_terms(self) -> None:
        idx = self.idx
        onto, vocab = idx.onto, idx.vocab
        for term in [*idx.classes, *idx.properties]:
            self.add(term, idx.path(term), graph=functools.partial(cbd, onto, term), kind="term")
        for concept in idx.concepts:
            self.add(concept, idx.path(concept), graph=functools.partial(cbd, vocab, concept), kind="concept")
        for collection in idx.collections:
            self.add(collection, idx.path(collection), graph=functools.partial(cbd, vocab, collection), kind="collection")
        for scheme in idx.schemes:
            self.add(scheme, idx.path(scheme), graph=functools.partial(cbd, vocab, scheme), kind="scheme")
        for code in idx.codes_set:
            scheme = idx.code_scheme(code)
            if scheme is not None:
                self.add(code, idx.path(scheme), code_anchor(code), functools.partial(cbd, vocab, code), kind="code")

    def _collect_code_namespaces(self) -> None:
        """The namespace of a code list's codes in JSON (kode/{list}/): its list, and the properties
        whose codes are written in it."""
        idx = self.idx
        onto, vocab = idx.onto, idx.vocab

        def namespace_graph(namespace: str, scheme) -> Graph:
            graph = cbd(vocab, scheme)
            graph.add((URIRef(namespace), RDFS.isDefinedBy, scheme))
            for prop in onto.subjects(SBU.kodeNavnerom, None):
                if str(onto.value(prop, SBU.kodeNavnerom)) == namespace:
                    graph.add((prop, SBU.kodeNavnerom, onto.value(prop, SBU.kodeNavnerom)))
            return graph

        for prop in idx.properties:
            namespace = onto.value(prop, SBU.kodeNavnerom)
            scheme = onto.value(prop, SBU.kodeliste)
            if namespace is not None and scheme is not None and idx.path(scheme):
                self.add(str(namespace), idx.path(scheme), graph=functools.partial(namespace_graph, str(namespace), scheme), kind="namespace")
        for scheme in idx.schemes:
            self.add(str(scheme) + "/", idx.path(scheme), graph=functools.partial(namespace_graph, str(scheme) + "/", scheme), kind="namespace")

    def _collect_modules(self) -> None:
        """Ontology modules and shape modules (unversioned and versioned), shapes and profiles."""
        idx = self.idx
        for module_iri, (path, page) in idx.ontology_modules.items():
            graph = functools.partial(_parse, path)
            self.add(module_iri, page, graph=graph, kind="module")
            for version_iri in idx.onto_files_graph(path).objects(URIRef(module_iri), OWL.versionIRI):
                self.add(version_iri, page, graph=graph, kind="module")
        for module_iri, (path, page) in idx.shape_modules.items():
            graph = functools.partial(_parse, path)
            self.add(module_iri, page, "former", graph, kind="shape-module")
            for version_iri in idx.onto_files_graph(path).objects(URIRef(module_iri), OWL.versionIRI):
                self.add(version_iri, page, "former", graph, kind="shape-module")
        for shape, (page, anchor) in idx.shape_locations.items():
            self.add(shape, page, anchor, functools.partial(cbd, idx.shapes, shape), kind="shape")

        for name, profile in idx.profiles.items():
            # The profile's own file: its owl:imports name the shape modules, which resolve too.
            graph = functools.partial(_parse, profile.path)
            self.add(profile.iri, idx.path(profile.iri), graph=graph, kind="profile")
            for version_iri in profile.shapes.objects(profile.iri, OWL.versionIRI):
                self.add(version_iri, idx.path(profile.iri), graph=graph, kind="profile")

    def _collect_policies_and_mappings(self) -> None:
        idx = self.idx
        model = idx.model
        for policy, page in idx.policy_pages():
            from samtbu.share.profiles import build_profile, profile_iri

            self.add(policy.iri, page, graph=(lambda p=policy: p.graph), kind="policy")
            self.add(profile_iri(policy), page, "lukket-profil",
                     (lambda p=policy: build_profile(p, model)), kind="sharing-profile")

        for table, page in idx.mapping_set_pages():
            if table.metadata.get("mapping_set_id"):
                self.add(table.metadata["mapping_set_id"], page, graph=functools.partial(sssom_graph, table), kind="mapping-set")

    def _collect_catalog(self) -> None:
        """The model description, the catalog and the organisation (vocab/modell.ttl, katalog.ttl,
        organisasjoner.ttl): each subject under the base is a resource of its own."""
        model = self.idx.model
        root = model.root
        dcat_files = [p for p in (root / "vocab" / "modell.ttl", root / "vocab" / "katalog.ttl",
                                  root / "vocab" / "organisasjoner.ttl") if p.is_file()]
        dcat = _parse(*dcat_files) if dcat_files else Graph()

        def description() -> Graph:
            from samtbu.generate.modelldcat import render_model_description

            return Graph().parse(data=render_model_description(model), format="turtle")

        for subject in sorted({s for s in dcat.subjects() if isinstance(s, URIRef)}, key=str):
            text = str(subject)
            if text == BASE_IRI or text == CONTEXT_IRI:
                continue
            rest = text[len(BASE_IRI):]
            if rest == "modell":
                self.add(subject, "ontologi/index.md", graph=description, kind="model")
            elif rest == "katalog":
                self.add(subject, "nedlasting.md", graph=(lambda g=dcat: g), kind="catalog")
            elif rest.startswith("katalog/"):
                self.add(subject, "nedlasting.md", rest.replace("/", "-"), functools.partial(cbd, dcat, subject), kind="catalog")
            elif rest.startswith("organisasjon/"):
                anchor = "kontaktpunkt" if rest.endswith("/kontaktpunkt") else "utgiver"
                self.add(subject, "ontologi/index.md", anchor, functools.partial(cbd, dcat, subject), kind="organisation")


def iris_shown(html: str) -> set[str]:
    """The model's IRIs a built page shows or links to."""
    return set(re.findall(re.escape(BASE_IRI) + r"[A-Za-z0-9_\-./]*[A-Za-z0-9_\-/]", html))


__all__ = ["Resource", "ResourceIndex", "page_url", "cbd", "code_anchor", "shape_anchor", "sssom_graph", "RDF_FOLDER",
           "iris_shown"]


RDF_SUFFIXES = {"ttl": "turtle", "jsonld": "json-ld", "rdf": "xml", "nt": "nt"}


def write_rdf(resources: ResourceIndex, site_root: Path) -> int:
    """Write every resource's RDF under ``site_root/nedlasting/rdf``; returns the number of files.
    Resources that share one graph (a module and its versioned IRI) are serialized once."""
    import shutil

    written: dict[int, dict[str, Path]] = {}
    count = 0
    for resource in resources:
        if resource.graph is None:
            continue
        stem = site_root / resource.rdf_stem
        stem.parent.mkdir(parents=True, exist_ok=True)
        done = written.get(id(resource.graph))
        for suffix, fmt in RDF_SUFFIXES.items():
            target = stem.with_name(stem.name + "." + suffix)
            if done is not None:
                shutil.copyfile(done[suffix], target)
            else:
                if suffix == "ttl":
                    graph = resource.graph()
                kwargs = {"auto_compact": True} if fmt == "json-ld" else {}
                graph.serialize(destination=str(target), format=fmt, encoding="utf-8", **kwargs)
            count += 1
        if done is None:
            written[id(resource.graph)] = {s: stem.with_name(stem.name + "." + s) for s in RDF_SUFFIXES}
    return count


def rdf_links(page_lang: str, page_path: str, resource: Resource) -> str:
    """Raw HTML links to a resource's RDF files (they exist once, under the site root, for every
    language), relative to the page."""
    depth = page_url(page_path).count("/") - 1 + (0 if page_lang == "nb" else 1)
    prefix = "../" * depth
    names = {"ttl": "Turtle", "jsonld": "JSON-LD", "rdf": "RDF/XML", "nt": "N-Triples"}
    return " · ".join(f'<a href="{prefix}{resource.rdf_stem}.{suffix}" type="{media}">{names[suffix]}</a>'
                      for suffix, media in (("ttl", "text/turtle"), ("jsonld", "application/ld+json"),
                                            ("rdf", "application/rdf+xml"), ("nt", "application/n-triples")))
