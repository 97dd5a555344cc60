"""Site pages for the terms of the model: one per concept, class, property and code list.

Each function takes the shared SiteIndex, one term and a language, and returns a Page. All content
comes from the model; only headings and column names come from text.py.
"""

from __future__ import annotations

import weakref

from rdflib import OWL, RDF, RDFS, SKOS, URIRef
from rdflib.namespace import DCAT, DCTERMS, SH

from samtbu.generate.site.index import EUVOC, NO_COUNTERPART, SKOSNO, XKOS, SiteIndex, curie
from samtbu.generate.site.text import (
    LANGS, RELATIONSHIP_WITH_SOURCE, STATUS_LABELS, Page, esc, lang_lists, lang_texts, pick,
)
from samtbu.namespaces import SBU, local_name
from samtbu.templating import render


# What a build asks of its index again and again (a label for every link, in every language; the
# examples that use a term, on each language's page), kept per index: the index does not change
# while its pages are written.
_ASKED: weakref.WeakKeyDictionary[SiteIndex, dict] = weakref.WeakKeyDictionary()


def _asked(idx: SiteIndex, key: tuple, make):
    asked = _ASKED.setdefault(idx, {})
    found = asked.get(key)
    if found is None:
        found = asked[key] = make()
    return found


def _label(idx: SiteIndex, iri, lang: str) -> str:
    return _asked(idx, ("label", iri, lang), lambda: idx.label(iri, lang))


def _examples_using(idx: SiteIndex, term) -> list[str]:
    return _asked(idx, ("examples", term), lambda: idx.examples_using(term))


def parenthesized(text: str) -> str:
    """``(text)``, or ``– text`` when the text has brackets of its own (no doubled brackets)."""
    return f"– {text}" if "(" in text or ")" in text else f"({text})"

MATCH_LABELS = {
    str(OWL.equivalentClass): ("ekvivalent klasse", "ekvivalent klasse", "equivalent class"),
    str(OWL.equivalentProperty): ("ekvivalent egenskap", "ekvivalent eigenskap", "equivalent property"),
    str(RDFS.subClassOf): ("underklasse av", "underklasse av", "subclass of"),
    str(RDFS.subPropertyOf): ("underegenskap av", "undereigenskap av", "subproperty of"),
    str(SKOS.exactMatch): ("samme betydning (exactMatch)", "same tyding (exactMatch)", "exact match"),
    str(SKOS.closeMatch): ("nær betydning (closeMatch)", "nær tyding (closeMatch)", "close match"),
    str(SKOS.broadMatch): ("videre betydning (broadMatch)", "vidare tyding (broadMatch)", "broad match"),
    str(SKOS.narrowMatch): ("snevrere betydning (narrowMatch)", "snevrare tyding (narrowMatch)", "narrow match"),
    str(SKOS.relatedMatch): ("beslektet (relatedMatch)", "i slekt (relatedMatch)", "related match"),
}


def term_link(page: Page, idx: SiteIndex, iri, text: str | None = None) -> str:
    """A link to the term's page if it has one, otherwise its IRI (marked when it is a catalog slug)."""
    label = text or _label(idx, iri, page.lang)
    located = idx.locate(iri)
    if located:
        return page.link(located[0], label, located[1]) if located[0] != page.path else f"[{esc(label)}](#{located[1]})"
    if isinstance(iri, URIRef) and str(iri).startswith("http"):
        return f"[{esc(curie(iri))}]({iri})"
    return esc(str(iri))


def shape_link(page: Page, idx: SiteIndex, shape) -> str:
    """A shape's name as code, linked to where it is shown (an identifier, not a word)."""
    where, anchor = idx.locate(shape)
    target = f"#{anchor}" if where == page.path else f"{page.rel(where)}#{anchor}"
    return f"[`{local_name(shape)}`]({target})"


def iri_line(page: Page, iri, resources=None) -> None:
    """The IRI, and the links to its RDF (Skosmos: per-concept downloads)."""
    resource = resources.get(iri) if resources is not None else None
    if resource is not None and resource.graph is not None:
        from samtbu.generate.site.iris import rdf_links

        page.add(f"**{page.t('iri')}:** `{iri}` · **{page.t('rdf')}:** {rdf_links(page.lang, page.path, resource)}", "")
    else:
        page.add(f"**{page.t('iri')}:** `{iri}`", "")


def publication_facts(page: Page, idx: SiteIndex, graph, term) -> None:
    """data.norge.no's facts of a concept: publisher, contact point, validity period, dates."""
    facts = []
    publisher = graph.value(term, DCTERMS.publisher)
    if publisher is not None:
        name = page.choose_plain(lang_texts(idx.vocab, publisher, URIRef("http://xmlns.com/foaf/0.1/name")), local_name(publisher))
        facts.append(f"**{page.t('publisher')}:** {term_link(page, idx, publisher, name)}")
    contact = graph.value(term, DCAT.contactPoint)
    if contact is not None:
        VCARD = "http://www.w3.org/2006/vcard/ns#"
        name = page.choose_plain(lang_texts(idx.vocab, contact, URIRef(VCARD + "fn")), local_name(contact))
        email = idx.vocab.value(contact, URIRef(VCARD + "hasEmail"))
        text = term_link(page, idx, contact, name)
        if email is not None:
            text += f" ([{esc(str(email).removeprefix('mailto:'))}]({email}))"
        facts.append(f"**{page.t('contact_point')}:** {text}")
    start, end = graph.value(term, URIRef(EUVOC + "startDate")), graph.value(term, URIRef(EUVOC + "endDate"))
    if start is None and end is None:
        validity = page.t("validity_open")
    else:
        validity = f"{start or '…'} – {end or ''}".strip()
    facts.append(f"**{page.t('validity')}:** {esc(validity)}")
    for key, predicate in (("created", DCTERMS.created), ("modified", DCTERMS.modified)):
        value = graph.value(term, predicate)
        if value is not None:
            facts.append(f"**{page.t(key)}:** {esc(str(value))}")
    page.add(" · ".join(facts), "")


def mapping_table(page: Page, idx: SiteIndex, mappings, with_subject: bool = False) -> None:
    if not mappings:
        page.add(page.t("no_mappings"), "")
        return
    head = ([page.t("mapping_from")] if with_subject else []) + [page.t("mapping_relation"), page.t("mapping_target"), page.t("mapping_set")]
    page.add("| " + " | ".join(head) + " |", "|" + "---|" * len(head))
    for m in mappings:
        if m.target == NO_COUNTERPART:
            relation, target = "–", f'<em class="sbu-nomatch">{page.t("no_counterpart")}</em>'
        else:
            relation = esc(pick(MATCH_LABELS[str(m.predicate)], page.lang) if str(m.predicate) in MATCH_LABELS else curie(m.predicate))
            target = f"[{esc(curie(m.target))}]({m.target})"
        cells = ([term_link(page, idx, m.subject, local_name(m.subject))] if with_subject else []) + [relation, target, esc(m.source)]
        page.add("| " + " | ".join(cells) + " |")
    page.add("")


def examples_list(page: Page, idx: SiteIndex, term) -> None:
    names = _examples_using(idx, term)
    if not names:
        page.add(page.t("no_examples"), "")
        return
    for name in names:
        links = [page.link(f"nedlasting/eksempler/{name}.ttl", "Turtle")]
        if idx.example_json(name):
            links.insert(0, page.link(f"nedlasting/eksempler/{name}.json", "JSON"))
        page.add(f"- `{name}` ({', '.join(links)})")
    page.add("")


# -- concepts --------------------------------------------------------------------------------------
# Relations between concepts, each with the relation that says the same from the other concept
# (shown too when only the other concept asserts it).
CONCEPT_RELATIONS = (
    ("generic_broader", URIRef(XKOS + "specializes"), URIRef(XKOS + "generalizes")),
    ("generic_narrower", URIRef(XKOS + "generalizes"), URIRef(XKOS + "specializes")),
    ("partitive_whole", URIRef(XKOS + "isPartOf"), URIRef(XKOS + "hasPart")),
    ("partitive_parts", URIRef(XKOS + "hasPart"), URIRef(XKOS + "isPartOf")),
    ("broader", SKOS.broader, SKOS.narrower),
    ("narrower", SKOS.narrower, SKOS.broader),
    ("related", SKOS.related, SKOS.related),
)


def concept_page(idx: SiteIndex, concept, lang: str, resources=None) -> Page:
    """A concept's page (templates/concept.md.j2). The values are made in the order the page shows
    them, so that the list of texts shown in another language follows the page."""
    vocab = idx.vocab
    page = Page(lang, idx.path(concept))
    page.title = page.choose_plain(lang_texts(vocab, concept, SKOS.prefLabel), local_name(concept), page.t('title'))
    # Search: a concept is the first hit for its own terms (the tags field weighs most).
    own_terms = [*lang_lists(vocab, concept, SKOS.prefLabel).get(lang, []), *lang_lists(vocab, concept, SKOS.altLabel).get(lang, [])]
    page.meta = {"search": {"boost": 10}, "tags": own_terms or [page.title]}
    context: dict = {"t": page.t, "iri": page.lines_of(lambda: iri_line(page, concept, resources)), "facts": _concept_facts(page, vocab, concept),
                     "publication": page.lines_of(lambda: publication_facts(page, idx, vocab, concept))}
    collections = [c for c in sorted(vocab.objects(concept, URIRef("http://purl.org/umu/uneskos#memberOf")), key=str) if idx.path(c)]
    context["collections"] = [term_link(page, idx, c) for c in collections]
    pref, alt, hidden = (lang_lists(vocab, concept, p) for p in (SKOS.prefLabel, SKOS.altLabel, SKOS.hiddenLabel))
    context["terms"] = [(code, [page.foreign(", ".join(esc(v) for v in d.get(code, [])), code) if d.get(code) else "–" for d in (pref, alt, hidden)])
                        for code in LANGS]
    context.update(_definition(page, idx, concept))
    context["notes"] = [(key, text) for key, predicate in (("note", SKOS.scopeNote), ("example", SKOS.example))
                        if (text := page.choose(lang_texts(vocab, concept, predicate), page.t(key)))]
    context["relations"] = _relations(page, idx, concept)
    context["criteria"] = [(term_link(page, idx, generic) if generic is not None else "", description)
                           for rel_node in vocab.objects(concept, URIRef(SKOSNO + "hasGenericConceptRelation"))
                           if (description := page.choose(lang_texts(vocab, rel_node, DCTERMS.description), page.t("criterion")))
                           for generic in [vocab.value(rel_node, URIRef(SKOSNO + "hasGenericConcept"))]]
    implementers = idx.implementers(concept)
    context["not_used"] = not implementers and not idx.schemes_about(concept) and not any(c in idx.codes_set for c in vocab.subjects(DCTERMS.subject, concept))
    context["used_in"] = _used_in(page, idx, concept, implementers)
    context["mappings"] = page.lines_of(lambda: mapping_table(page, idx, idx.mappings_of(concept, *implementers), with_subject=True))
    page.add(render("samtbu.generate.site", "concept.md.j2", False, **context))
    return page


def _concept_facts(page: Page, vocab, concept) -> list[str]:
    """Status, version and subject area of a concept."""
    facts = []
    status = vocab.value(concept, URIRef(EUVOC + "status"))
    if status is not None:
        code = local_name(status)
        facts.append(f"**{page.t('status')}:** {esc(pick(STATUS_LABELS[code], page.lang) if code in STATUS_LABELS else code)}")
    version = vocab.value(concept, OWL.versionInfo)
    if version is not None:
        facts.append(f"**{page.t('version')}:** {esc(str(version))}")
    subject = page.choose(lang_texts(vocab, concept, DCTERMS.subject), page.t("subject_area"))
    if subject:
        facts.append(f"**{page.t('subject_area')}:** {subject}")
    return facts


def _definition(page: Page, idx: SiteIndex, concept) -> dict:
    """The definition with its relation to the source and the sources (SKOS-AP-NO-Begrep:
    euvoc:xlDefinition nodes), in the page's language or the first there is."""
    vocab = idx.vocab
    nodes: dict = {}
    for node in vocab.objects(concept, URIRef(EUVOC + "xlDefinition")):
        for code in lang_texts(vocab, node, RDF.value):
            nodes.setdefault(code, node)
    text = page.choose(idx.definition(vocab, concept), page.t("definition"))
    found: dict = {"definition": f"> {text}" if text else "–", "relation": None, "sources": []}
    node = nodes.get(page.lang) or next((nodes[c] for c in (*LANGS, "") if c in nodes), None)
    if node is None:
        return found
    rel = vocab.value(node, URIRef(SKOSNO + "relationshipWithSource"))
    if rel is not None:
        code = local_name(rel)
        found["relation"] = esc(pick(RELATIONSHIP_WITH_SOURCE[code], page.lang) if code in RELATIONSHIP_WITH_SOURCE else code)
    found["sources"] = [f"- [{esc(idx.source_label(src, page.lang))}]({src})" if str(src).startswith("http") else f"- {esc(str(src))}"
                        for src in sorted(vocab.objects(node, DCTERMS.source), key=str)]
    return found


def _relations(page: Page, idx: SiteIndex, concept) -> list[tuple[str, list[str]]]:
    """The concept's relations (CONCEPT_RELATIONS) that have a target, each target linked or named."""
    vocab = idx.vocab
    found = []
    for key, predicate, inverse in CONCEPT_RELATIONS:
        targets = set(vocab.objects(concept, predicate)) | set(vocab.subjects(inverse, concept))
        targets = sorted((t for t in targets if isinstance(t, URIRef)), key=lambda t: _label(idx, t, page.lang).casefold())
        if targets:
            found.append((key, [term_link(page, idx, target) if idx.locate(target) else f"`{local_name(target)}` ({page.t('not_in_catalog')})"
                                for target in targets]))
    return found


def _used_in(page: Page, idx: SiteIndex, concept, implementers) -> list[tuple[str, list[str]]]:
    """Where the concept is used: the terms that implement it, code lists, codes, shapes, examples."""
    vocab = idx.vocab
    classes = [t for t in implementers if t in idx.classes]
    props = [t for t in implementers if t not in idx.classes]
    codes = []
    for code in sorted((c for c in vocab.subjects(DCTERMS.subject, concept) if c in idx.codes_set), key=str):
        notation = vocab.value(code, SKOS.notation) or local_name(code)
        scheme = next((s for s in idx.schemes if str(code).startswith(str(s) + "/")), None)
        codes.append(f"`{notation}` ({term_link(page, idx, scheme)})" if scheme is not None else f"`{notation}`")
    shapes = sorted({s for c in classes for s in idx.node_shapes_for(c)} | {s for p in props for s in idx.shapes_on_path(p)}, key=str)
    used_in = [
        ("classes", [term_link(page, idx, c) + f" (`{local_name(c)}`)" for c in classes]),
        ("properties", [term_link(page, idx, p) + f" (`{local_name(p)}`)" for p in props]),
        ("code_lists", [term_link(page, idx, s) for s in idx.schemes_about(concept)]),
        ("codes", codes),
        ("shapes", [f"`{local_name(s)}`" for s in shapes if isinstance(s, URIRef)]),
        ("examples", [f"`{n}` ({page.link(f'nedlasting/eksempler/{n}.ttl', 'Turtle')})"
                      for n in sorted({n for t in implementers for n in _examples_using(idx, t)})]),
    ]
    return [(key, items) for key, items in used_in if items]


# -- classes ---------------------------------------------------------------------------------------
def range_text(page: Page, idx: SiteIndex, row) -> str:
    if row.in_scheme is not None:
        return f"{page.t('code_list')}: " + term_link(page, idx, row.in_scheme)
    if row.codes:
        return page.t("code_list")
    if row.cls is not None:
        return term_link(page, idx, row.cls, local_name(row.cls))
    if row.datatype is not None:
        return f"`{curie(row.datatype)}`"
    rng = idx.ranges(row.path)
    if rng:
        return ", ".join(term_link(page, idx, r, local_name(r)) if idx.path(r) else f"`{curie(r)}`" for r in rng)
    if row.pattern:
        return f"`{esc(row.pattern)}`"
    return "–"


def mermaid_id(iri) -> str:
    return "".join(ch for ch in local_name(iri) if ch.isalnum() or ch == "_") or "X"


def mermaid_type(idx: SiteIndex, row) -> str:
    if row.in_scheme is not None:
        return "kode"
    if row.datatype is not None:
        return curie(row.datatype).replace(":", "_")
    if row.codes:
        return "kode"
    return "IRI"


def class_diagram(idx: SiteIndex, cls) -> str:
    """Mermaid classDiagram of a class's neighbourhood: super- and subclasses, its attributes, the
    classes its object properties point to and those that point to it."""
    lines = ["classDiagram", "  direction LR"]
    rows = [r for r in idx.class_rows(cls) if r.declared_on == cls]

    def target(row):
        if row.cls is not None:
            return row.cls if row.cls in idx.classes else None
        if row.codes or row.datatype is not None:
            return None
        ranges = [r for r in idx.ranges(row.path) if r in idx.classes]
        return ranges[0] if len(ranges) == 1 else None

    attrs = [r for r in rows if target(r) is None]
    lines.append(f"  class {mermaid_id(cls)} {{")
    for row in attrs:
        lines.append(f"    +{mermaid_type(idx, row)} {local_name(row.path)}")
    lines.append("  }")
    nodes = {cls}
    for sup in idx.superclasses(cls):
        lines.append(f"  {mermaid_id(sup)} <|-- {mermaid_id(cls)}")
        nodes.add(sup)
    for sub in idx.subclasses(cls):
        lines.append(f"  {mermaid_id(cls)} <|-- {mermaid_id(sub)}")
        nodes.add(sub)
    for row in rows:
        if target(row) is not None:
            lines.append(f'  {mermaid_id(cls)} --> "{row.cardinality()}" {mermaid_id(target(row))} : {local_name(row.path)}')
            nodes.add(target(row))
    for other in idx.classes:
        if other == cls:
            continue
        for row in idx.class_rows(other):
            if row.declared_on == other and (row.cls == cls or (row.cls is None and not row.codes and row.datatype is None
                                                                 and idx.ranges(row.path) == [cls])):
                lines.append(f'  {mermaid_id(other)} --> "{row.cardinality()}" {mermaid_id(cls)} : {local_name(row.path)}')
                nodes.add(other)
    return "\n".join(lines)


def ontology_term_page(idx: SiteIndex, term, lang: str, resources=None, kind: str | None = None) -> Page:
    """The start of a class's or a property's page: title, IRI, JSON key (the property's kind),
    module and concept, and the definition."""
    onto = idx.onto
    page = Page(lang, idx.path(term))
    page.title = page.choose_plain(lang_texts(onto, term, RDFS.label), local_name(term), page.t('title'))
    iri_line(page, term, resources)
    facts = [f"**{page.t('json_key')}:** `{local_name(term)}`"] + ([f"**{page.t('kind')}:** {page.t(kind)}"] if kind else [])
    module = onto.value(term, RDFS.isDefinedBy)
    if module is not None:
        facts.append(f"**{page.t('module')}:** `{local_name(module)}`")
    concept = onto.value(term, DCTERMS.subject)
    if concept is not None:
        facts.append(f"**{page.t('concept')}:** " + term_link(page, idx, concept))
    page.add(" · ".join(facts), "")
    definition = page.choose(idx.definition(onto, term), page.t("definition"))
    page.add(f"## {page.t('definition')}", "", f"> {definition}" if definition else "–", "")
    return page


def class_page(idx: SiteIndex, cls, lang: str, resources=None) -> Page:
    onto = idx.onto
    page = ontology_term_page(idx, cls, lang, resources)
    sources = sorted(onto.objects(cls, DCTERMS.source), key=str)
    if sources:
        page.add(f"**{page.t('sources')}:** " + ", ".join(f"[{esc(idx.source_label(s, lang))}]({s})" for s in sources), "")
    sups, subs = idx.superclasses(cls), idx.subclasses(cls)
    if sups:
        page.add(f"**{page.t('superclasses')}:** " + ", ".join(term_link(page, idx, s) for s in sups), "")
    if subs:
        page.add(f"**{page.t('subclasses')}:** " + ", ".join(term_link(page, idx, s) for s in subs), "")

    page.add(f"## {page.t('class_props')}", "")
    rows = idx.class_rows(cls)
    if rows:
        page.add(f"| {page.t('property')} | {page.t('json_key')} | {page.t('range')} | {page.t('cardinality')} | {page.t('declared_on')} |",
                 "|---|---|---|---|---|")
        for row in rows:
            card = row.cardinality() if row.from_shape else f"{row.cardinality()} ({page.t('no_shape')})"
            page.add(f"| {term_link(page, idx, row.path)} | `{local_name(row.path)}` | {range_text(page, idx, row)} | {card} | "
                     f"{term_link(page, idx, row.declared_on, local_name(row.declared_on))} |")
        page.add("")
    else:
        page.add("–", "")

    # pyLODE/Widoco: the properties that have the class as domain, and those that point to it.
    def prop_list(props) -> str:
        return ", ".join(term_link(page, idx, p) + f" (`{local_name(p)}`)" for p in sorted(set(props), key=lambda p: local_name(p).casefold())) or "–"

    page.add(f"## {page.t('domain_of')}", "", prop_list(p for p in idx.properties if cls in idx.domains(p)), "")
    # rdfs:range in the ontology, and sh:class in the shapes of other classes
    pointing = [p for p in idx.properties if cls in idx.ranges(p)]
    pointing += [r.path for other in idx.classes for r in idx.class_rows(other) if r.declared_on == other and r.cls == cls]
    page.add(f"## {page.t('range_of')}", "", prop_list(pointing), "")

    node_shapes = [s for s in idx.node_shapes_for(cls) if isinstance(s, URIRef) and idx.shape_locations.get(s, ("",))[0] == page.path]
    if node_shapes:
        page.add(f"## {page.t('node_shapes')}", "", f"| {page.t('shape')} | {page.t('rule')} | {page.t('message')} |", "|---|---|---|")
        for shape in node_shapes:
            messages = lang_texts(idx.shapes, shape, SH.message)
            for constraint in idx.shapes.objects(shape, SH.sparql):
                for code, text in lang_texts(idx.shapes, constraint, SH.message).items():
                    messages.setdefault(code, text)
            message = page.choose_message(messages, page.t("message")) or "–"
            page.add(f'| <span id="{local_name(shape)}"></span>`{local_name(shape)}` | {esc(constraint_summary(idx, shape, lang)) or "–"} | {message} |')
        page.add("")

    page.add(f"## {page.t('diagram')}", "", "```mermaid", class_diagram(idx, cls), "```", "")
    page.add(f"## {page.t('alignments')}", "")
    mapping_table(page, idx, idx.mappings_of(cls))
    page.add(f"## {page.t('examples_using')}", "")
    examples_list(page, idx, cls)
    return page


# -- properties ------------------------------------------------------------------------------------
def constraint_summary(idx: SiteIndex, shape, lang: str) -> str:
    g = idx.shapes
    parts = []
    mn, mx = g.value(shape, SH.minCount), g.value(shape, SH.maxCount)
    if mn is not None or mx is not None:
        parts.append(f"{int(mn) if mn is not None else 0}..{int(mx) if mx is not None else '*'}")
    for predicate in (SH.datatype, SH["class"], SH.nodeKind, SH.node):
        value = g.value(shape, predicate)
        if value is not None:
            parts.append(f"{curie(predicate)} {curie(value)}")
    values = idx.shape_list(shape, SH["in"])
    if values:
        shown = ", ".join(str(idx.vocab.value(v, SKOS.notation) or local_name(v)) for v in values[:12])
        parts.append(f"sh:in ({shown}{', …' if len(values) > 12 else ''})")
    for predicate in (SH.pattern, SH.minInclusive, SH.maxInclusive, SH.minLength, SH.maxLength, SH.hasValue):
        value = g.value(shape, predicate)
        if value is not None:
            parts.append(f"{curie(predicate)} {value}")
    if g.value(shape, SH.sparql) is not None:
        parts.append("SPARQL")
    return "; ".join(parts)


def property_page(idx: SiteIndex, prop, lang: str, resources=None) -> Page:
    onto = idx.onto
    page = ontology_term_page(idx, prop, lang, resources, kind=idx.property_kind(prop))
    domains, ranges = idx.domains(prop), idx.ranges(prop)
    page.add(f"| {page.t('what')} | {page.t('value')} |", "|---|---|")
    page.add(f"| {page.t('domain')} | " + (", ".join(term_link(page, idx, d, local_name(d)) if idx.path(d) else f"`{curie(d)}`" for d in domains) or "–") + " |")
    page.add(f"| {page.t('range')} | " + (", ".join(term_link(page, idx, r, local_name(r)) if idx.path(r) else f"`{curie(r)}`" for r in ranges) or "–") + " |")
    scheme = onto.value(prop, SBU.kodeliste)
    if scheme is not None:
        page.add(f"| {page.t('code_list')} | {term_link(page, idx, scheme)} |")
    namespace = onto.value(prop, SBU.kodeNavnerom)
    if namespace is not None:
        page.add(f"| {page.t('code_namespace')} | `{namespace}` |")
    page.add(f"| {page.t('functional')} | {page.t('yes') if (prop, RDF.type, OWL.FunctionalProperty) in onto else page.t('no')} |", "")
    from samtbu.generate.site.grep import grep_section

    grep_section(page, idx, prop)  # what a Grep-valued property's values are in Grep

    shapes = idx.shapes_on_path(prop)
    page.add(f"## {page.t('constraints')}", "")
    if shapes:
        page.add(f"| {page.t('shape')} | {page.t('rule')} | {page.t('message')} |", "|---|---|---|")
        for shape in shapes:
            name = "–"
            if isinstance(shape, URIRef):
                here = idx.shape_locations.get(shape, ("",))[0] == page.path
                name = (f'<span id="{local_name(shape)}"></span>' if here else "") + f"`{local_name(shape)}`"
                if not here and idx.locate(shape):
                    name = shape_link(page, idx, shape)
            message = page.choose_message(lang_texts(idx.shapes, shape, SH.message), page.t("message")) or "–"
            page.add(f"| {name} | {esc(constraint_summary(idx, shape, lang)) or '–'} | {message} |")
        page.add("")
    else:
        page.add("–", "")
    page.add(f"## {page.t('alignments')}", "")
    mapping_table(page, idx, idx.mappings_of(prop))
    page.add(f"## {page.t('examples_using')}", "")
    examples_list(page, idx, prop)
    return page


# -- code lists ------------------------------------------------------------------------------------
def code_list_page(idx: SiteIndex, scheme, lang: str, resources=None) -> Page:
    vocab = idx.vocab
    page = Page(lang, idx.path(scheme))
    page.title = page.choose_plain(lang_texts(vocab, scheme, DCTERMS.title) or lang_texts(vocab, scheme, SKOS.prefLabel), local_name(scheme), page.t('title'))
    iri_line(page, scheme, resources)
    desc = page.choose(lang_texts(vocab, scheme, DCTERMS.description) or idx.definition(vocab, scheme), page.t("description"))
    if desc:
        page.add(desc, "")
    concept = vocab.value(scheme, DCTERMS.subject)
    if concept is not None:
        page.add(f"**{page.t('concept')}:** " + term_link(page, idx, concept), "")
    threshold = vocab.value(scheme, SBU.laavesteBestaatteKarakter)
    if threshold is not None:
        page.add(f"**{page.t('threshold')}:** `{vocab.value(threshold, SKOS.notation) or local_name(threshold)}` "
                 f"{esc(parenthesized(_label(idx, threshold, lang)))}", "")
    users = sorted(set(idx.onto.subjects(SBU.kodeliste, scheme)), key=str)
    if users:
        page.add(f"**{page.t('used_by_props')}:** " + ", ".join(term_link(page, idx, u) + f" (`{local_name(u)}`)" for u in users), "")
    allowed_by = sorted(set(vocab.subjects(SBU.tillattKarakterskala, scheme)), key=str)
    if allowed_by:
        page.add(f"**{page.t('allowed_by')}:** " + ", ".join(f"`{vocab.value(a, SKOS.notation) or local_name(a)}`" for a in allowed_by), "")
    sources = sorted(vocab.objects(scheme, DCTERMS.source), key=str)
    if sources:
        page.add(f"**{page.t('sources')}:** " + ", ".join(f"[{esc(idx.source_label(s, lang))}]({s})" for s in sources), "")

    codes = idx.scheme_codes(scheme)
    order = idx.scheme_order(scheme)
    has_pass = any(vocab.value(c, SBU.erBestaatt) is not None for c in codes)
    page.add(f"## {page.t('codes')}", "")
    # Five columns, so that a definition keeps a readable width on a phone: the term in the page's
    # language with the other two under it (marked with their language), the matches under the definition.
    head = [page.t("notation"), page.t("term"), page.t("order")] + ([page.t("passes")] if has_pass else []) + [page.t("definition")]
    page.add('<div class="sbu-table-codes" markdown>', "")
    page.add("| " + " | ".join(head) + " |", "|" + "---|" * len(head))
    for pos, code in enumerate(codes, 1):
        labels = lang_texts(vocab, code, SKOS.prefLabel)
        notation = vocab.value(code, SKOS.notation) or local_name(code)
        rank = vocab.value(code, SBU.rang)
        order_text = str(order.index(code) + 1) if code in order else (str(rank) if rank is not None else str(pos))
        own = page.choose(labels, f"{page.t('term')} ({notation})") or "–"
        others = [f'<small>{c}: {page.foreign(esc(labels[c]), c)}</small>' for c in LANGS if c != lang and labels.get(c)]
        cells = [f'<span id="kode-{local_name(code)}"></span>`{esc(str(notation))}`', "<br>".join([own, *others]), order_text]
        if has_pass:
            passed = vocab.value(code, SBU.erBestaatt)
            cells.append("–" if passed is None else (page.t("yes") if passed.toPython() else page.t("no")))
        definition = page.choose(idx.definition(vocab, code), f"{page.t('definition')} ({notation})") or "–"
        matches = sorted(set(vocab.objects(code, SKOS.exactMatch)) | set(vocab.objects(code, SKOS.closeMatch)), key=str)
        if matches:
            definition += f"<br><small>{page.t('match')}: " + ", ".join(f"[{esc(curie(m))}]({m})" for m in matches) + "</small>"
        cells.append(definition)
        page.add("| " + " | ".join(cells) + " |")
    page.add("", "</div>")
    page.add("")
    tree = hierarchy(page, idx, codes, lambda c: [b for b in vocab.objects(c, SKOS.broader) if b in codes])
    if tree:
        page.add(f"## {page.t('hierarchy')}", "", *tree, "")
    return page


def hierarchy(page: Page, idx: SiteIndex, members, parents_of) -> list[str]:
    """A nested list of members under their broader members (Skosmos' hierarchy view); empty when
    the members have no hierarchy."""
    members = list(members)
    parents = {m: [p for p in parents_of(m) if p in members] for m in members}
    if not any(parents.values()):
        return []
    children: dict = {}
    for member, ups in parents.items():
        for up in ups:
            children.setdefault(up, []).append(member)
    label = lambda m: _label(idx, m, page.lang).casefold()  # noqa: E731
    lines: list[str] = []

    def walk(node, depth, seen):
        lines.append("    " * depth + "- " + term_link(page, idx, node))
        for child in sorted(children.get(node, []), key=label):
            if child not in seen:
                walk(child, depth + 1, seen | {child})

    for top in sorted((m for m in members if not parents[m]), key=label):
        walk(top, 0, {top})
    return lines


# -- collections -----------------------------------------------------------------------------------
def collection_page(idx: SiteIndex, collection, lang: str) -> Page:
    """A collection of the concept catalog: its description, and its concepts as a tree (generic and
    partitive relations, and skos:broader) with the concepts that have no broader one in it at the top."""
    vocab = idx.vocab
    page = Page(lang, idx.path(collection))
    page.title = page.choose_plain(lang_texts(vocab, collection, SKOS.prefLabel) or lang_texts(vocab, collection, DCTERMS.title)
                                   or lang_texts(vocab, collection, RDFS.label), local_name(collection))
    iri_line(page, collection)
    desc = page.choose(lang_texts(vocab, collection, DCTERMS.description) or idx.definition(vocab, collection), page.t("description"))
    if desc:
        page.add(desc, "")
    members = set(vocab.objects(collection, SKOS.member)) | set(vocab.subjects(URIRef("http://purl.org/umu/uneskos#memberOf"), collection))
    members = sorted((m for m in members if m in idx.concepts), key=lambda m: _label(idx, m, lang).casefold())

    def broader(concept):
        ups = set(vocab.objects(concept, URIRef(XKOS + "specializes"))) | set(vocab.subjects(URIRef(XKOS + "generalizes"), concept))
        ups |= set(vocab.objects(concept, URIRef(XKOS + "isPartOf"))) | set(vocab.subjects(URIRef(XKOS + "hasPart"), concept))
        ups |= set(vocab.objects(concept, SKOS.broader))
        return ups

    page.add(f"## {page.t('hierarchy')}", "")
    tree = hierarchy(page, idx, members, broader)
    page.add(*(tree or ["- " + term_link(page, idx, m) for m in members]), "")
    return page


__all__ = ["shape_link", "collection_page", "hierarchy", "publication_facts", "iri_line", "concept_page", "class_page", "property_page", "code_list_page", "class_diagram", "term_link", "constraint_summary", "mermaid_id"]
