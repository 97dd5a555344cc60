"""Two pages of the documentation site, in nb, nn and en: results from tertiary vocational education
(the terms, code lists, rules with their sources, profiles and the examples), and the continuous
flow (the event format, the rules for a change, and the commands). Everything is read from the model,
the examples and ``samtbu.events``; only the words around it are written here."""

from __future__ import annotations

import json

from rdflib import RDF, URIRef
from rdflib.namespace import DCTERMS, RDFS, SH

from samtbu.generate.site.index import SiteIndex
from samtbu.generate.site.text import Page, esc, fence, pick, texts_file
from samtbu.namespaces import SBU, SBUK

FAGSKOLE_PAGE = "fagskole.md"
EVENTS_PAGE = "hendelser.md"
FAGSKOLE_CLASSES = ("Fagskolestudent", "Fagskoleutdanning", "Emne", "Emnevurdering", "Fagskolekvalifikasjon",
                    "Fagskolevitnemaal", "Fagskolekarakterutskrift")
FAGSKOLE_SCHEMES = ("fagskolekarakter", "karakterskala-a-f", "karakterskala-fagskole-bestaatt", "fagskolegrad", "studiepoengsystem", "nkr-nivaa")
FAGSKOLE_PROFILES = ("fagskolevitnemaal", "fagskolekarakterutskrift", "emnevurdering")
FAGSKOLE_EXAMPLES = ("fagskolevitnemaal-elkraft", "fagskolekarakterutskrift-helse", "emnevurdering")
CHANGE_CLASSES = ("Resultatendring", "Registrering", "Korrigering", "Tilbaketrekking", "Erstatning", "Resultatversjon")

# The pages' texts (texts/fagskole.yaml), and what the fagskole page lists as left out for want of a
# confirmed source, as (nb, nn, en) lists.
_TEXTS = texts_file("fagskole")
W: dict[str, tuple[str, str, str]] = _TEXTS["texts"]
LEFT_OUT_ITEMS: tuple[tuple[str, ...], ...] = tuple(zip(*_TEXTS["left_out"], strict=True))


def w(key: str, lang: str) -> str:
    return pick(W[key], lang)


def _source_link(page: Page, idx: SiteIndex, source) -> str:
    label = idx.source_label(source, page.lang)
    return f"[{esc(label if label != str(source) else str(source))}]({source})"


def _term_table(page: Page, idx: SiteIndex, iris: list) -> None:
    page.add(f"| {page.t('term')} | {page.t('definition')} |", "|---|---|")
    for iri in iris:
        path = idx.path(iri)
        name = idx.label(iri, page.lang)
        definition = page.choose(idx.definition(idx.onto, iri) or idx.definition(idx.vocab, iri), name) or ""
        page.add(f"| {page.link(path, name) if path else esc(name)} | {definition} |")
    page.add("")


def _rule_table(page: Page, idx: SiteIndex, module: URIRef) -> None:
    rows = []
    for shape in sorted(set(idx.shapes.subjects(RDFS.isDefinedBy, module)), key=str):
        sources = sorted(idx.shapes.objects(shape, DCTERMS.source), key=str)
        severity = idx.shapes.value(shape, SH.severity)
        if not sources or severity is None or (shape, RDF.type, SH.NodeShape) in idx.shapes:
            continue
        name = page.choose_plain({k: v for k, v in _texts(idx, shape, SH.name).items()}, str(shape).rsplit("/", 1)[-1])
        rows.append((str(severity).rsplit("#", 1)[-1], name, ", ".join(_source_link(page, idx, s) for s in sources)))
    page.add(f"| {w('rule', page.lang)} | {w('severity', page.lang)} | {w('source', page.lang)} |", "|---|---|---|")
    for severity_name, name, source_links in rows:
        page.add(f"| {esc(name)} | {severity_name} | {source_links} |")
    page.add("")


def _texts(idx: SiteIndex, subject, predicate) -> dict[str, str]:
    from samtbu.generate.site.text import lang_texts

    return lang_texts(idx.shapes, subject, predicate)


def fagskole_page(idx: SiteIndex, lang: str) -> Page:
    page = Page(lang, FAGSKOLE_PAGE)
    page.title = w("fagskole_title", lang)
    page.add(w("fagskole_intro", lang), "")
    page.add(f"## {w('terms', lang)}", "")
    _term_table(page, idx, [SBU[c] for c in FAGSKOLE_CLASSES if SBU[c] in idx.classes])
    page.add(f"## {w('code_lists', lang)}", "")
    page.add(", ".join(page.link(scheme_path, idx.label(SBUK[s], lang)) for s in FAGSKOLE_SCHEMES if (scheme_path := idx.path(SBUK[s]))), "")
    page.add(f"## {w('rules', lang)}", "")
    _rule_table(page, idx, URIRef("https://w3id.org/samt-bu/shapes/module/fagskole"))
    page.add(f"## {w('profiles', lang)}", "")
    for name in FAGSKOLE_PROFILES:
        if name in idx.profiles:
            profile = idx.profiles[name]
            title = page.choose_plain(_texts(idx, profile.iri, DCTERMS.title), name)
            page.add(f"- {page.link(idx.page_path(profile.iri), name)}: {esc(title)}")
    page.add("")
    page.add(f"## {w('examples', lang)}", "")
    for name in FAGSKOLE_EXAMPLES:
        path = idx.model.root / "examples" / f"{name}.json"
        if not path.is_file():
            continue
        profile_name = name.split("-")[0]
        profile_link = page.link(idx.page_path(idx.profiles[profile_name].iri), profile_name) if profile_name in idx.profiles else profile_name
        page.add(f"### {name}", "", f"{w('example_of', lang)} {profile_link}. "
                 + page.link(f"nedlasting/eksempler/{name}.json", f"{name}.json") + " · "
                 + page.link(f"nedlasting/eksempler/{name}.ttl", f"{name}.ttl"), "")
        page.add(fence(path.read_text(encoding="utf-8"), "json"), "")
    page.add(f"## {w('export', lang)}", "", w("export_text", lang), "")
    page.add(fence("samtbu export examples/fagskolevitnemaal-elkraft.json --to elm -o vitnemaal.edc.jsonld", "console"), "")
    page.add(f"## {w('left_out', lang)}", "")
    for item in pick(LEFT_OUT_ITEMS, lang):
        page.add(f"- {esc(item)}")
    page.add("")
    return page


def events_page(idx: SiteIndex, lang: str) -> Page:
    from samtbu.events.cloudevents import TYPES
    from samtbu.events.rules import RULES

    page = Page(lang, EVENTS_PAGE)
    page.title = w("events_title", lang)
    page.add(w("events_intro", lang), "")
    page.add(f"## {w('types', lang)}", "")
    page.add(f"| {w('type', lang)} | {w('data_root', lang)} | {w('meaning', lang)} |", "|---|---|---|")
    for etype, cls in TYPES.items():
        iri = SBU[cls]
        definition = page.choose(idx.definition(idx.onto, iri), cls) or ""
        page.add(f"| `{etype}` | {page.link(term_path, idx.label(iri, lang)) if (term_path := idx.path(iri)) else cls} | {definition} |")
    page.add("")
    page.add(f"## {w('envelope', lang)}", "", w("envelope_text", lang), "")
    example = idx.model.root / "examples" / "resultatendring-korrigering.json"
    if example.is_file():
        data = json.loads(example.read_text(encoding="utf-8"))
        event = {"specversion": "1.0", "id": "5f0c1b7e-2d2a-4c55-9d7f-0f3f5d2b8a11", "source": "urn:samtbu:kilde:994123750",
                 "type": next(t for t, c in TYPES.items() if c == data["type"]), "subject": data["gjelderResultat"]["id"],
                 "time": data["endringstidspunkt"], "datacontenttype": "application/json", "data": data}
        page.add(f"### {w('example_event', lang)}", "", fence(json.dumps(event, ensure_ascii=False, indent=2), "json"), "")
    page.add(f"## {w('terms', lang)}", "")
    _term_table(page, idx, [SBU[c] for c in CHANGE_CLASSES if SBU[c] in idx.classes])
    page.add(f"## {w('event_rules', lang)}", "", w("event_rules_text", lang), "")
    page.add(f"| {w('rule', lang)} | {w('severity', lang)} | {w('message', lang)} | {w('source', lang)} |", "|---|---|---|---|")
    for rule in RULES.values():
        text = {"nb": rule.nb, "nn": rule.nn}.get(lang, rule.en)
        page.add(f"| `samtbu:{rule.name}` | {rule.severity} | {esc(text)} | [{esc(rule.source.rsplit('/', 1)[-1] or rule.source)}]({rule.source}) |")
    page.add("")
    page.add(f"## {w('rules', lang)}", "")
    _rule_table(page, idx, URIRef("https://w3id.org/samt-bu/shapes/module/endring"))
    page.add(f"## {w('commands', lang)}", "", w("commands_text", lang), "")
    page.add(fence("samtbu events generate --count 1000 -o hendelser.ndjson\n"
                   "samtbu events validate hendelser.ndjson -r json -o rapport.ndjson\n"
                   "samtbu events replay hendelser.ndjson -o tilstand.ndjson --prov historikk.nt --records poster/\n"
                   "samtbu share poster/<lærende>.json --recipient laerende --purpose egen-oversikt --log utleveringer.ttl\n"
                   "samtbu render poster/<lærende>.json --history tilstand.ndjson --disclosures utleveringer.ttl -o oversikt.html", "console"), "")
    return page


def pages(idx: SiteIndex, lang: str) -> list[Page]:
    """The pages this module adds to the site (for one language)."""
    return [fagskole_page(idx, lang), events_page(idx, lang)]


def sections() -> list:
    """The site's sections (tabs) for these pages, registered by site.py beside the built-in ones."""
    from samtbu.generate.site.build import Section

    return [Section(W["fagskole_title"], FAGSKOLE_PAGE, lambda ctx, lang: [fagskole_page(ctx.idx, lang)], sort_pages=False),
            Section(W["events_title"], EVENTS_PAGE, lambda ctx, lang: [events_page(ctx.idx, lang)], sort_pages=False)]


__all__ = ["pages", "sections", "fagskole_page", "events_page"]
