"""The ontology section: the model's header (pyLODE/Widoco: creators, publisher, dates, version, prior
version, licence, how to cite), the namespace table, and one page per module with its classes,
properties, shapes and a class diagram of the module whose boxes link to the class pages."""

from __future__ import annotations

from rdflib import OWL, RDFS, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF

from samtbu.generate.site.index import PREFIXES, SiteIndex
from samtbu.generate.site.pages import iri_line, mermaid_id, shape_link, term_link
from samtbu.generate.site.text import Page, esc, lang_texts, pick, texts_file
from samtbu.namespaces import BASE_IRI, local_name

# The pages' texts and what each namespace of the model holds (texts/ontology.yaml).
_TEXTS = texts_file("ontology")
X: dict[str, tuple[str, str, str]] = _TEXTS["texts"]
NAMESPACE_NOTES: dict[str, tuple[str, str, str]] = _TEXTS["namespace_notes"]
LICENCES = {
    "http://publications.europa.eu/resource/authority/licence/NLOD_2_0": "Norsk lisens for offentlige data (NLOD) 2.0",
    "http://publications.europa.eu/resource/authority/licence/CC_BY_4_0": "CC BY 4.0",
}


def x(key: str, lang: str, **kw) -> str:
    return pick(X[key], lang).format(**kw)


def module_page_path(name: str) -> str:
    return f"ontologi/{name}.md"


def model_iri() -> URIRef:
    return URIRef(BASE_IRI + "modell")


def ontology_index_page(ctx, lang: str) -> Page:
    idx: SiteIndex = ctx.idx
    vocab = idx.vocab
    model = model_iri()
    page = Page(lang, "ontologi/index.md")
    page.title = x("about", lang)
    iri_line(page, model, ctx.resources)
    page.add(x("intro", lang), "")
    title = page.choose(lang_texts(vocab, model, DCTERMS.title), x("title", lang))
    desc = page.choose(lang_texts(vocab, model, DCTERMS.description), page.t("description"))
    rows = []
    if title:
        rows.append((x("title", lang), title))
    if desc:
        rows.append((page.t("description"), desc))
    rows.append((page.t("version"), esc(str(vocab.value(model, OWL.versionInfo) or idx.model.version))))
    prior = ctx.changelog.old_version if ctx.changelog is not None and ctx.changelog.old_version else None
    rows.append((x("prior_version", lang), esc(prior) if prior else x("no_prior", lang)))
    notes = page.choose(lang_texts(vocab, model, URIRef("http://www.w3.org/ns/adms#versionNotes")), x("version_notes", lang))
    if notes:
        rows.append((x("version_notes", lang), notes))
    status = vocab.value(model, URIRef("http://www.w3.org/ns/adms#status"))
    if status is not None:
        rows.append((x("status", lang), f"[{esc(local_name(status))}]({status})"))
    for key, predicate in (("issued", DCTERMS.issued), ("modified", DCTERMS.modified)):
        value = vocab.value(model, predicate)
        if value is not None:
            rows.append((x(key, lang) if key in X else page.t(key), esc(str(value))))
    publisher = vocab.value(model, DCTERMS.publisher)
    creators = list(vocab.objects(model, DCTERMS.creator)) or ([publisher] if publisher is not None else [])
    names = []
    for agent in creators:
        names.append(page.choose_plain(lang_texts(vocab, agent, FOAF.name), local_name(agent)))
    if names:
        rows.append((x("creators", lang), esc(", ".join(names))))
    if publisher is not None:
        name = page.choose_plain(lang_texts(vocab, publisher, FOAF.name), local_name(publisher))
        ident = vocab.value(publisher, DCTERMS.identifier)
        rows.append((f'<span id="utgiver"></span>{page.t("publisher")}', esc(name) + (f" (`{ident}`)" if ident else "") + f" · `{publisher}`"))
    contact = vocab.value(model, DCAT.contactPoint)
    if contact is not None:
        vcard = "http://www.w3.org/2006/vcard/ns#"
        name = page.choose_plain(lang_texts(vocab, contact, URIRef(vcard + "fn")), local_name(contact))
        email = vocab.value(contact, URIRef(vcard + "hasEmail"))
        text = esc(name) + (f" ([{esc(str(email).removeprefix('mailto:'))}]({email}))" if email is not None else "")
        rows.append((f'<span id="kontaktpunkt"></span>{page.t("contact_point")}', text + f" · `{contact}`"))
    licence = vocab.value(model, DCTERMS.license)
    if licence is not None:
        rows.append((x("license", lang), f"[{esc(LICENCES.get(str(licence), local_name(licence)))}]({licence})"))
    page.add(f"| {page.t('what')} | {page.t('value')} |", "|---|---|", *[f"| {k} | {v} |" for k, v in rows], "")

    # How to cite: publisher, year, title, version, IRI.
    year = str(vocab.value(model, DCTERMS.issued) or "")[:4]
    cite_title = page.choose_plain(lang_texts(vocab, model, DCTERMS.title), "samtbu")
    who = names[0] if names else "samtbu"
    citation = f"{who} ({year}). {cite_title}, {x('version_word', lang)} {idx.model.version}. {model}"
    page.add(f"## {x('cite', lang)}", "", f"> {esc(citation)}", "")

    page.add(f"## {x('namespaces', lang)}", "", f"| {x('prefix', lang)} | {x('namespace', lang)} | {page.t('description')} |", "|---|---|---|")
    own = {"sbu": "def/", "sbub": "begrep/", "sbuc": "begrepssamling/", "sbuk": "kode/", "sbus": "shapes/", "sbup": "profil/",
           "sbuo": "ontology/", "sbud": "delingspolicy/", "sbum": "mapping/"}
    for prefix, rest in own.items():
        page.add(f"| `{prefix}:` | `{BASE_IRI}{rest}` | {esc(pick(NAMESPACE_NOTES[rest], lang))} ({x('ns_own', lang)}) |")
    seen = {BASE_IRI + rest for rest in own.values()}
    for namespace, prefix in sorted(PREFIXES.items(), key=lambda kv: kv[1]):
        if namespace in seen or prefix == "sbu:":
            continue
        seen.add(namespace)
        page.add(f"| `{prefix}` | `{namespace}` | {x('ns_used', lang)} |")
    page.add("")

    page.add(f"## {x('modules', lang)}", "", f"| {page.t('module')} | {page.t('description')} | {page.t('classes')} |", "|---|---|---|")
    for name in idx.module_names:
        module = _module_iri(idx, name)
        title = page.choose(lang_texts(idx.onto, module, DCTERMS.title), f"{page.t('module')} {name}") if module is not None else None
        classes = _module_classes(idx, module)
        page.add(f"| {page.link(module_page_path(name), name)} | {title or '–'} | {len(classes)} |")
    page.add("")
    return page


def _module_iri(idx: SiteIndex, name: str):
    return next((URIRef(iri) for iri, (path, _page) in idx.ontology_modules.items() if path.stem == name), None)


def _shape_module_iri(idx: SiteIndex, name: str):
    return next((URIRef(iri) for iri, (path, _page) in idx.shape_modules.items() if path.stem == name), None)


def _module_classes(idx: SiteIndex, module) -> list:
    return [c for c in idx.classes if module is not None and idx.onto.value(c, RDFS.isDefinedBy) == module]


# A module diagram with more boxes than this is drawn in parts (each inheritance hierarchy, then the
# object properties between the classes): mermaid scales a diagram down to the column's width, and the
# core module drawn whole had about 8 px text at 1366 px (issue 18).
MAX_DIAGRAM_NODES = 9


def _draw(page: Page, idx: SiteIndex, own: list, nodes: set, edges: list[str]) -> str:
    """One Mermaid classDiagram: the boxes (classes of other modules grey), the edges, a link per box."""
    # Left to right, so that subclasses stand one under another and the diagram stays narrow.
    lines = ["classDiagram", "  direction LR"]
    lines += [f"  class {mermaid_id(node)}" for node in sorted(nodes, key=local_name)]
    lines += edges
    for node in sorted(nodes, key=local_name):
        target = idx.path(node)
        if target:
            lines.append(f'  click {mermaid_id(node)} href "{page.rel(target)[: -len(".md")]}/" "{local_name(node)}"')
    lines += [f"  style {mermaid_id(node)} fill:#eceff1,stroke:#90a4ae" for node in sorted(nodes - set(own), key=local_name)]
    return "\n".join(lines)


def module_diagrams(page: Page, idx: SiteIndex, module) -> list[tuple[str, str]]:
    """Mermaid class diagrams of one module, as (heading, diagram): its classes, their superclasses and
    subclasses, and the object properties among them; every box links to the class's page. A module
    with more than MAX_DIAGRAM_NODES boxes gets one diagram per inheritance hierarchy and one of the
    object properties, so that each is drawn at a legible size."""
    classes = _module_classes(idx, module)
    if not classes:
        return []
    inheritance = [(sup, cls) for cls in classes for sup in idx.superclasses(cls)]
    associations = []
    for prop in idx.properties:
        if idx.property_kind(prop) != "ObjectProperty" or idx.onto.value(prop, RDFS.isDefinedBy) != module:
            continue
        for dom in idx.domains(prop):
            for rng in idx.ranges(prop):
                if dom in idx.classes and rng in idx.classes and (dom, rng, prop) not in associations and (dom in classes or rng in classes):
                    associations.append((dom, rng, prop))
    lang = page.lang

    def inherit_edges(pairs):
        return [f"  {mermaid_id(sup)} <|-- {mermaid_id(cls)}" for sup, cls in pairs]

    def association_edges(triples):
        return [f"  {mermaid_id(dom)} --> {mermaid_id(rng)} : {local_name(prop)}" for dom, rng, prop in triples]

    nodes = set(classes) | {n for pair in inheritance for n in pair} | {n for d, r, _p in associations for n in (d, r)}
    if len(nodes) <= MAX_DIAGRAM_NODES:
        return [("", _draw(page, idx, classes, nodes, inherit_edges(inheritance) + association_edges(associations)))]
    # The hierarchies: classes joined by rdfs:subClassOf, each drawn under its root.
    family: dict = {}
    for sup, cls in inheritance:
        merged = family.get(sup, {sup}) | family.get(cls, {cls})
        for member in merged:
            family[member] = merged
    parts = []
    for members in sorted({frozenset(f) for f in family.values()}, key=lambda f: sorted(map(local_name, f))):
        roots = sorted((m for m in members if not any(cls == m for _s, cls in inheritance)), key=local_name)
        label = ", ".join(idx.label(r, lang) for r in roots)
        parts.append((x("diagram_hierarchy", lang, root=label),
                      _draw(page, idx, classes, set(members), inherit_edges(p for p in inheritance if p[1] in members))))
    linked = {n for d, r, _p in associations for n in (d, r)}
    alone = [c for c in classes if c not in linked and c not in family]
    if associations or alone:
        parts.append((x("diagram_properties", lang), _draw(page, idx, classes, linked | set(alone), association_edges(associations))))
    return parts if len(parts) > 1 else [("", diagram) for _heading, diagram in parts]


def module_page(ctx, lang: str, name: str) -> Page:
    idx: SiteIndex = ctx.idx
    module = _module_iri(idx, name)
    page = Page(lang, module_page_path(name))
    page.title = page.choose_plain(lang_texts(idx.onto, module, DCTERMS.title), name) if module is not None else name
    if module is not None:
        iri_line(page, module, ctx.resources)
        versions = sorted(idx.onto.objects(module, OWL.versionIRI), key=str)
        if versions:
            page.add(f"**{x('version_iri', lang)}:** " + ", ".join(f"`{v}`" for v in versions), "")
        desc = page.choose(lang_texts(idx.onto, module, DCTERMS.description) or lang_texts(idx.onto, module, RDFS.comment),
                           page.t("description"))
        if desc:
            page.add(desc, "")
        classes = _module_classes(idx, module)
        props = [p for p in idx.properties if idx.onto.value(p, RDFS.isDefinedBy) == module]
        if classes:
            page.add(f"**{page.t('classes')}:** " + ", ".join(term_link(page, idx, c) + f" (`{local_name(c)}`)" for c in classes), "")
        if props:
            page.add(f"**{page.t('properties')}:** " + ", ".join(term_link(page, idx, p) + f" (`{local_name(p)}`)" for p in props), "")
        diagrams = module_diagrams(page, idx, module)
        if diagrams:
            page.add(f"## {x('diagram', lang)}", "", x("diagram_note", lang), "")
            for heading, diagram in diagrams:
                page.add(*([f"### {esc(heading)}", ""] if heading else []), "```mermaid", diagram, "```", "")
        if not classes and not props:
            path = idx.ontology_modules[str(module)][0]
            graph = idx.onto_files_graph(path)
            rows = [m for m in idx.mappings if (m.subject, m.predicate, m.target) in graph]
            if rows:
                from samtbu.generate.site.pages import mapping_table

                page.add(f"## {x('alignment_rows', lang)}", "")
                mapping_table(page, idx, rows, with_subject=True)

    shapes_module = _shape_module_iri(idx, name)
    if shapes_module is not None:
        path = idx.shape_modules[str(shapes_module)][0]
        shapes = idx.shapes_in(idx.onto_files_graph(path))
        page.add(f"## {x('shapes_module', lang)} {{#former}}", "")
        iri_line(page, shapes_module, ctx.resources)
        page.add(f"{x('n_shapes', lang, n=len(shapes))}. {x('shape_where', lang)}", "")
        by_page: dict[str, list] = {}
        for shape in shapes:
            where, _anchor = idx.shape_locations[shape]
            by_page.setdefault(where, []).append(shape)
        own = by_page.pop(page.path, [])
        for where in sorted(by_page, key=str.casefold):
            page.add(f"- {page.link(where, where.rsplit('/', 1)[-1][:-3])}: " + ", ".join(
                shape_link(page, idx, s) for s in by_page[where]))
        page.add("")
        if own:
            page.add(f"### {x('other_shapes', lang)}", "")
            for shape in own:
                page.add(f'- <span id="{local_name(shape)}"></span>`{local_name(shape)}`')
            page.add("")
    return page


def ontology_pages(ctx, lang: str) -> list[Page]:
    return [ontology_index_page(ctx, lang)] + [module_page(ctx, lang, name) for name in ctx.idx.module_names]


__all__ = ["ontology_pages", "ontology_index_page", "module_page", "module_diagrams", "module_page_path"]
