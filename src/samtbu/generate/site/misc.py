"""Site pages that are not about one term: the overview with the whole-model diagram, the section
indexes, getting started (vendors and developers), downloads and the changelog."""

from __future__ import annotations


from rdflib import OWL, RDF, RDFS, URIRef
from rdflib.namespace import DCTERMS

from samtbu.generate.changelog import KINDS, Changelog
from samtbu.generate.site.downloads import FORMATS, Artifact
from samtbu.generate.site.index import SiteIndex, curie
from samtbu.generate.site.pages import term_link
from samtbu.generate.site.text import LANG_NAMES, Page, esc, fence, lang_texts, pick
from samtbu.namespaces import BASE_IRI, CONTEXT_IRI, local_name

X = {
    "intro": (
        "Dette er den publiserte begrepskatalogen og informasjonsmodellen for resultater fra videregående opplæring (samtbu), versjon {v}. "
        "Alle sidene er laget fra modellfilene: ontologien, begrepskatalogen, kodelistene og SHACL-formene.",
        "Dette er den publiserte omgrepskatalogen og informasjonsmodellen for resultat frå vidaregåande opplæring (samtbu), versjon {v}. "
        "Alle sidene er laga frå modellfilene: ontologien, omgrepskatalogen, kodelistene og SHACL-formene.",
        "This is the published concept catalog and information model for results from Norwegian upper secondary education (samtbu), version {v}. "
        "Every page is generated from the model files: the ontology, the concept catalog, the code lists and the SHACL shapes.",
    ),
    "model_diagram": ("Hele modellen", "Heile modellen", "The whole model"),
    "model_diagram_note": (
        "Hver modul har sin egen side med et klassediagram over klassene i modulen; hver klasse har sin egen side med egenskaper og et detaljert diagram.",
        "Kvar modul har si eiga side med eit klassediagram over klassane i modulen; kvar klasse har si eiga side med eigenskapar og eit detaljert diagram.",
        "Each module has its own page with a class diagram of its classes; each class has its own page with its properties and a detailed diagram.",
    ),
    "coverage_note": (
        "Tallene er telt på sidene slik de er bygget: tekster fra modellen som vises på sidens eget språk, og tekster som vises på et annet språk fordi oversettelsen mangler.",
        "Tala er talde på sidene slik dei er bygde: tekstar frå modellen som blir viste på språket til sida, og tekstar som blir viste på eit anna språk fordi omsetjinga manglar.",
        "Counted on the pages as built: texts from the model shown in the page's own language, and texts shown in another language because the translation is missing.",
    ),
    "texts_own": ("På eget språk", "På eige språk", "In its own language"),
    "texts_other": ("På et annet språk", "På eit anna språk", "In another language"),
    "share": ("Dekning", "Dekning", "Coverage"),
    "in_numbers": ("Modellen i tall", "Modellen i tal", "The model in numbers"),
    "modules": ("Moduler", "Modular", "Modules"),
    "languages": ("Språkdekning", "Språkdekning", "Language coverage"),
    "label_def": ("etikett / definisjon", "etikett / definisjon", "label / definition"),
    "concepts_intro": ("Alle begrepene i katalogen, sortert alfabetisk.", "Alle omgrepa i katalogen, sorterte alfabetisk.", "All concepts of the catalog, in alphabetical order."),
    "classes_intro": ("Alle klassene i ontologien.", "Alle klassane i ontologien.", "All classes of the ontology."),
    "properties_intro": ("Alle egenskapene i ontologien. JSON-nøkkelen er egenskapens lokale navn.", "Alle eigenskapane i ontologien. JSON-nøkkelen er det lokale namnet til eigenskapen.", "All properties of the ontology. The JSON key is the property's local name."),
    "code_lists_intro": ("Alle kodelistene. En kode skrives i JSON som sin notasjon.", "Alle kodelistene. Ein kode blir skriven i JSON som notasjonen sin.", "All code lists. In JSON a code is written as its notation."),
    "profiles_intro": ("En valideringsprofil er én samling SHACL-former for én dataflyt.", "Ein valideringsprofil er éi samling SHACL-formar for éin dataflyt.", "A validation profile is one set of SHACL shapes for one data flow."),
    "see": ("se", "sjå", "see"),
    "no_profiles": ("Modellen har ingen valideringsprofiler ennå.", "Modellen har ingen valideringsprofilar enno.", "The model has no validation profiles yet."),
    "vendors": ("For leverandører: valider en nyttelast", "For leverandørar: valider ei nyttelast", "For vendors: validate a payload"),
    "vendors_text": (
        "Installer verktøyet og valider en JSON-fil mot en valideringsprofil. Uten `--profile` velger validatoren profil ut fra rotnoden i nyttelasten. "
        "Avslutningskode 0 betyr at nyttelasten er gyldig, 1 at den har brudd, 2 at den ikke kunne leses.",
        "Installer verktøyet og valider ei JSON-fil mot ein valideringsprofil. Utan `--profile` vel validatoren profil ut frå rotnoden i nyttelasta. "
        "Avslutningskode 0 tyder at nyttelasta er gyldig, 1 at ho har brot, 2 at ho ikkje kunne lesast.",
        "Install the toolkit and validate a JSON file against a validation profile. Without `--profile` the validator picks the profile from the payload's root node. "
        "Exit code 0 means the payload conforms, 1 that it has violations, 2 that it could not be read.",
    ),
    "report_formats": ("Rapportformater", "Rapportformat", "Report formats"),
    "developers": ("For utviklere: bruk konteksten", "For utviklarar: bruk konteksten", "For developers: use the context"),
    "developers_text": (
        "En nyttelast er vanlig JSON der nøklene er de lokale navnene i modellen. JSON-LD-konteksten gjør den til RDF: "
        "koder blir IRI-er i riktig kodeliste, og Grep-koder blir Grep-IRI-er.",
        "Ei nyttelast er vanleg JSON der nøklane er dei lokale namna i modellen. JSON-LD-konteksten gjer henne til RDF: "
        "kodar blir IRI-ar i rett kodeliste, og Grep-kodar blir Grep-IRI-ar.",
        "A payload is plain JSON whose keys are the model's local names. The JSON-LD context turns it into RDF: "
        "codes become IRIs in the right code list, and Grep codes become Grep IRIs.",
    ),
    "python_api": ("Fra Python", "Frå Python", "From Python"),
    "export": ("Eksport", "Eksport", "Export"),
    "no_export": (
        "Denne versjonen av verktøyet har ingen eksportkommando ennå (`samtbu export`).",
        "Denne versjonen av verktøyet har ingen eksportkommando enno (`samtbu export`).",
        "This version of the toolkit has no export command yet (`samtbu export`).",
    ),
    "export_text": ("Eksportkommandoen, slik verktøyet beskriver den:", "Eksportkommandoen, slik verktøyet skildrar han:", "The export command, as the toolkit describes it:"),
    "downloads_intro": (
        "Alle artefaktene i versjon {v}, laget fra modellfilene da nettstedet ble bygget.",
        "Alle artefaktane i versjon {v}, laga frå modellfilene då nettstaden vart bygd.",
        "Every artifact of version {v}, generated from the model files when the site was built.",
    ),
    "conneg_text": (
        "Konfigurasjonene for innholdsforhandling får hver IRI i modellen til å svare med HTML-siden til en nettleser og med RDF til en maskin "
        "(etter `Accept`-hodet: Turtle, JSON-LD, RDF/XML eller N-Triples).",
        "Konfigurasjonane for innhaldsforhandling får kvar IRI i modellen til å svare med HTML-sida til ein nettlesar og med RDF til ein maskin "
        "(etter `Accept`-hovudet: Turtle, JSON-LD, RDF/XML eller N-Triples).",
        "The content-negotiation configurations make each IRI of the model answer with the HTML page to a browser and with RDF to a machine "
        "(by the `Accept` header: Turtle, JSON-LD, RDF/XML or N-Triples).",
    ),
    "dl_ontology": ("Ontologien (alle moduler)", "Ontologien (alle modular)", "The ontology (all modules)"),
    "dl_code_lists": ("Kodelistene", "Kodelistene", "The code lists"),
    "dl_concepts": ("Begrepskatalogen (SKOS-AP-NO-Begrep)", "Omgrepskatalogen (SKOS-AP-NO-Begrep)", "The concept catalog (SKOS-AP-NO-Begrep)"),
    "dl_catalog": ("Katalog og modellbeskrivelse (DCAT-AP-NO, ModellDCAT-AP-NO)", "Katalog og modellskildring (DCAT-AP-NO, ModellDCAT-AP-NO)", "Catalog and model description (DCAT-AP-NO, ModellDCAT-AP-NO)"),
    "catalog": ("Katalog (DCAT-AP-NO)", "Katalog (DCAT-AP-NO)", "Catalog (DCAT-AP-NO)"),
    "catalog_text": (
        "Datasettene og distribusjonene i katalogen som beskriver modellens artefakter.",
        "Datasetta og distribusjonane i katalogen som skildrar artefaktane i modellen.",
        "The datasets and distributions of the catalog that describes the model's artifacts.",
    ),
    "dataset": ("Datasett", "Datasett", "Dataset"),
    "record": ("Katalogpost", "Katalogpost", "Catalog record"),
    "distributions": ("Distribusjoner", "Distribusjonar", "Distributions"),
    "dl_context": ("JSON-LD-kontekst", "JSON-LD-kontekst", "JSON-LD context"),
    "dl_shapes": ("SHACL-former (samlet og per modul)", "SHACL-formar (samla og per modul)", "SHACL shapes (merged and per module)"),
    "dl_profiles": ("Valideringsprofiler (med importerte former)", "Valideringsprofilar (med importerte formar)", "Validation profiles (with imported shapes)"),
    "dl_toolkit_rules": ("Regler som verktøyet kontrollerer selv, utenfor SHACL", "Reglar som verktøyet kontrollerer sjølv, utanfor SHACL",
                         "Rules the toolkit checks itself, outside SHACL"),
    "dl_schemas": ("JSON Schema", "JSON Schema", "JSON Schemas"),
    "dl_mappings": ("Koblingssett (SSSOM)", "Koplingssett (SSSOM)", "Mapping sets (SSSOM)"),
    "dl_examples": ("Syntetiske eksempler (JSON og Turtle)", "Syntetiske døme (JSON og Turtle)", "Synthetic examples (JSON and Turtle)"),
    "dl_conneg": ("Innholdsforhandling (nginx, Apache)", "Innhaldsforhandling (nginx, Apache)", "Content negotiation (nginx, Apache)"),
    "first_release": (
        "Versjon {v} er den første utgivelsen av modellen; det finnes ingen tidligere versjon å sammenligne med. Den inneholder:",
        "Versjon {v} er den første utgjevinga av modellen; det finst inga tidlegare versjon å samanlikne med. Ho inneheld:",
        "Version {v} is the first release of the model; there is no earlier version to compare with. It contains:",
    ),
    "compared": ("Endringer fra versjon {old} til {new}.", "Endringar frå versjon {old} til {new}.", "Changes from version {old} to {new}."),
    "breaking_intro": (
        "Endringer merket **brytende** kan gjøre at nyttelaster som var gyldige i forrige versjon, ikke lenger er det.",
        "Endringar merkte **brytande** kan gjere at nyttelaster som var gyldige i førre versjon, ikkje lenger er det.",
        "Changes marked **breaking** may make payloads that conformed to the previous version fail.",
    ),
    "no_changes": ("Ingen endringer.", "Ingen endringar.", "No changes."),
    "what_changed": ("endret", "endra", "changed"),
    "concepts_k": ("Begreper", "Omgrep", "Concepts"),
    "shapes_k": ("Former", "Formar", "Shapes"),
}


def x(key: str, lang: str, **kw) -> str:
    return pick(X[key], lang).format(**kw)


def overview_page(idx: SiteIndex, lang: str, ctx=None) -> Page:
    page = Page(lang, "index.md")
    page.title = {"nb": "samtbu: begrepskatalog og informasjonsmodell", "nn": "samtbu: omgrepskatalog og informasjonsmodell",
                  "en": "samtbu: concept catalog and information model"}[lang]
    page.add(x("intro", lang, v=idx.model.version), "")
    summary = idx.model.summary()
    page.add(f"## {x('in_numbers', lang)}", "", f"| {page.t('what')} | {page.t('count')} |", "|---|---|")
    for key, label_key, target in (
        ("concepts", "concepts", "begreper/index.md"), ("classes", "classes", "klasser/index.md"),
        ("properties", "properties", "egenskaper/index.md"), ("code_lists", "code_lists", "kodelister/index.md"),
        ("codes", "codes", None), ("shapes", "shapes", None),
    ):
        label = page.link(target, page.t(label_key)) if target else esc(page.t(label_key))
        page.add(f"| {label} | {summary[key]} |")
    page.add(f"| {page.link('profiler/index.md', page.t('profiles'))} | {len(summary['profiles'])} |", "")
    if ctx is not None and ctx.stats:
        # Counted from the pages as built: every text from the model that a page shows, and how many
        # of them are shown in another language because the translation is missing.
        page.add(f"## {x('languages', lang)}", "", x("coverage_note", lang), "",
                 f"| {page.t('language')} | {x('texts_own', lang)} | {x('texts_other', lang)} | {x('share', lang)} |", "|---|---|---|---|")
        for code, (shown, fallback) in ctx.stats.items():
            share = shown / (shown + fallback) if shown + fallback else 1.0
            page.add(f"| {LANG_NAMES[code][lang]} | {shown} | {fallback} | {share:.1%} |")
        page.add("")
    modules = sorted(s for s in idx.onto.subjects(RDF.type, OWL.Ontology) if isinstance(s, URIRef))
    if modules:
        page.add(f"## {x('modules', lang)}", "", x("model_diagram_note", lang), "",
                 f"| {page.t('module')} | {page.t('description')} | {page.t('classes')} |", "|---|---|---|")
        for module in modules:
            title = page.choose(lang_texts(idx.onto, module, DCTERMS.title), f"{page.t('module')} {local_name(module)}") or local_name(module)
            classes = [c for c in idx.classes if idx.onto.value(c, RDFS.isDefinedBy) == module]
            name = page.link(idx.path(module), local_name(module)) if idx.path(module) else f"`{local_name(module)}`"
            page.add(f"| {name} | {title} | " + (", ".join(term_link(page, idx, c, local_name(c)) for c in classes) or "–") + " |")
        page.add("")
    return page


def sort_key(text: str, lang: str) -> str:
    """Alphabetical order of the language: in Norwegian æ, ø, å come after z."""
    text = text.casefold()
    if lang in ("nb", "nn"):
        text = text.translate({ord("æ"): "z\u0001", ord("ø"): "z\u0002", ord("å"): "z\u0003"})
    return text


def concept_index(page: Page, idx: SiteIndex) -> None:
    """Skosmos' alphabetical index in the page's language: every preferred and admitted term, grouped
    by letter (a letter bar on top), an admitted term pointing to its concept; then the collections."""
    from rdflib import SKOS

    lang = page.lang
    entries = []  # (sort key, term, concept, preferred)
    for concept in idx.concepts:
        for predicate, preferred in ((SKOS.prefLabel, True), (SKOS.altLabel, False)):
            for label in idx.vocab.objects(concept, predicate):
                if getattr(label, "language", None) == lang:
                    entries.append((sort_key(str(label), lang), str(label), concept, preferred))
        if not any(e[2] == concept and e[3] for e in entries):  # no term in this language: the fallback label
            label = idx.label(concept, lang)
            entries.append((sort_key(label, lang), label, concept, True))
    entries.sort()
    letters: dict[str, list] = {}
    for entry in entries:
        first = entry[1][:1].upper()
        letters.setdefault(first if first.isalpha() else "#", []).append(entry)
    anchors = {letter: f"bokstav-{i}" for i, letter in enumerate(letters)}
    page.add(f"## {page.t('alphabetical')}", "", " · ".join(f"[{esc(l)}](#{anchors[l]})" for l in letters), "")
    for letter, items in letters.items():
        page.add(f"### {esc(letter)} {{#{anchors[letter]}}}", "", f"| {page.t('term')} | {page.t('definition')} |", "|---|---|")
        for _key, term, concept, preferred in items:
            if preferred:
                definition = page.choose(idx.definition(idx.vocab, concept), f"{page.t('definition')} ({local_name(concept)})") or "–"
                page.add(f"| {term_link(page, idx, concept, term)} | {definition} |")
            else:
                page.add(f"| *{esc(term)}* | {x('see', lang)} {term_link(page, idx, concept)} |")
        page.add("")
    if idx.collections:
        page.add(f"## {page.t('collections')}", "")
        for collection in idx.collections:
            page.add(f"- {term_link(page, idx, collection)}")
        page.add("")


def index_page(idx: SiteIndex, lang: str, section: str) -> Page:
    folder = {"concepts": "begreper", "classes": "klasser", "properties": "egenskaper", "code_lists": "kodelister", "profiles": "profiler"}[section]
    page = Page(lang, f"{folder}/index.md")
    page.title = page.t(section)
    page.add(x(f"{section}_intro", lang), "")
    if section == "concepts":
        concept_index(page, idx)
    elif section in ("classes", "properties"):
        items = idx.classes if section == "classes" else idx.properties
        page.add(f"| {page.t('json_key')} | {page.t('term')} | {page.t('module')} |", "|---|---|---|")
        for c in sorted(items, key=lambda i: local_name(i).casefold()):
            module = idx.onto.value(c, RDFS.isDefinedBy)
            page.add(f"| {page.link(idx.path(c), local_name(c))} | {esc(idx.label(c, lang))} | {'`' + local_name(module) + '`' if module is not None else '–'} |")
    elif section == "code_lists":
        page.add(f"| {page.t('code_list')} | {page.t('iri')} | {page.t('codes')} |", "|---|---|---|")
        for s in sorted(idx.schemes, key=lambda i: idx.label(i, lang).casefold()):
            page.add(f"| {term_link(page, idx, s)} | `{s}` | {len(idx.scheme_codes(s))} |")
    else:
        if not idx.profiles:
            page.add(x("no_profiles", lang))
        for name, profile in idx.profiles.items():
            title = page.choose_plain(lang_texts(profile.shapes, profile.iri, DCTERMS.title), name)
            page.add(f"- {page.link(idx.path(profile.iri), title)} (`{name}`)")
    page.add("")
    return page


def getting_started_page(idx: SiteIndex, lang: str, help_texts=None) -> Page:
    from samtbu.generate.site.commands import command_parser, options_section

    page = Page(lang, "kom-i-gang.md")
    page.title = page.t("getting_started")
    example = "examples/enkeltresultat.json" if (idx.model.root / "examples" / "enkeltresultat.json").is_file() else "payload.json"
    profile = next(iter(idx.profiles), None)
    page.add(f"## {x('vendors', lang)}", "", x("vendors_text", lang), "")
    page.add(fence("pip install samtbu\n" + f"samtbu validate {example}\n"
                   + (f"samtbu validate --profile {profile} {example}\n" if profile else "")
                   + f"samtbu validate --report sarif -o report.sarif {example}", "console"), "")
    options_section(page, "validate")
    if profile:
        page.add(page.link("profiler/index.md", page.t("profiles")) + ": " + ", ".join(
            page.link(idx.path(p.iri), n) for n, p in idx.profiles.items()), "")

    page.add(f"## {x('developers', lang)} {{#kontekst}}", "", x("developers_text", lang), "")
    page.add(fence("samtbu context -o contexts/", "console"), "")
    page.add(page.link(f"nedlasting/samtbu-context-{idx.model.version}.jsonld", f"samtbu-context-{idx.model.version}.jsonld") + f" (`{CONTEXT_IRI}`)", "")
    if (idx.model.root / "examples" / "enkeltresultat.json").is_file():
        page.add(fence((idx.model.root / "examples" / "enkeltresultat.json").read_text(encoding="utf-8")[:1200].rstrip()
                       + ("\n…" if len((idx.model.root / "examples" / "enkeltresultat.json").read_text(encoding="utf-8")) > 1200 else ""), "json"), "")
    page.add(f"### {x('python_api', lang)}", "", fence(
        "from pathlib import Path\n"
        "from samtbu.validate import validate\n\n"
        f"report = validate(Path(\"{example}\"){', profile=' + repr(profile) if profile else ''}, lang=\"{lang}\")\n"
        "print(report.conforms)\n"
        "print(report.render(\"text\"))", "python"), "")
    page.add(f"### {x('export', lang)}", "")
    if command_parser("export") is not None:
        page.add(x("export_text", lang), "")
        options_section(page, "export")
    else:
        page.add(x("no_export", lang), "")
    return page


def downloads_page(idx: SiteIndex, lang: str, artifacts: list[Artifact]) -> Page:
    page = Page(lang, "nedlasting.md")
    page.title = page.t("downloads")
    page.add(x("downloads_intro", lang, v=idx.model.version), "")
    names = {suffix: name for suffix, (_f, _m, name) in FORMATS.items()}
    page.add(f"| {page.t('artifact')} | {page.t('file')} |", "|---|---|")
    for artifact in artifacts:
        links = []
        for path in artifact.files:
            suffix = path.rsplit(".", 1)[-1]
            name = path.rsplit("/", 1)[-1]
            label = names.get(suffix, name) if artifact.key in ("dl_ontology", "dl_code_lists", "dl_concepts", "dl_catalog") else name
            links.append(page.link(path, label))
        page.add(f"| {esc(x(artifact.key, lang))} | " + " · ".join(links) + " |")
    page.add("", x("conneg_text", lang), "")
    catalog_section(page, idx)
    return page


def catalog_section(page: Page, idx: SiteIndex) -> None:
    """The DCAT-AP-NO catalog (vocab/katalog.ttl): its datasets and distributions, each with the anchor
    its IRI resolves to."""
    from rdflib.namespace import DCAT, FOAF

    graph = idx.vocab
    catalog = URIRef(BASE_IRI + "katalog")
    datasets = sorted(graph.objects(catalog, DCAT.dataset), key=str)
    if not datasets:
        return
    page.add(f"## {x('catalog', page.lang)} {{#katalog}}", "", x("catalog_text", page.lang), "",
             f"| {x('dataset', page.lang)} | {x('distributions', page.lang)} | {x('record', page.lang)} |", "|---|---|---|")
    for dataset in datasets:
        anchor = str(dataset)[len(BASE_IRI):].replace("/", "-")
        title = page.choose(lang_texts(graph, dataset, DCTERMS.title), x("dataset", page.lang)) or local_name(dataset)
        cells = []
        for dist in sorted(graph.objects(dataset, DCAT.distribution), key=str):
            dist_anchor = str(dist)[len(BASE_IRI):].replace("/", "-")
            dist_title = page.choose(lang_texts(graph, dist, DCTERMS.title), x("distributions", page.lang)) or local_name(dist)
            cells.append(f'<span id="{dist_anchor}"></span>{dist_title} (`{dist}`)')
        records = []
        for record in sorted(graph.subjects(FOAF.primaryTopic, dataset), key=str):
            modified = graph.value(record, DCTERMS.modified)
            records.append(f'<span id="{str(record)[len(BASE_IRI):].replace("/", "-")}"></span>`{record}`'
                           + (f" ({page.t('modified').lower()} {modified})" if modified is not None else ""))
        page.add(f'| <span id="{anchor}"></span>{title} (`{dataset}`) | ' + "<br>".join(cells or ["–"]) + " | "
                 + ("<br>".join(records) or "–") + " |")
    page.add("")


def changelog_page(idx: SiteIndex, lang: str, log: Changelog | None) -> Page:
    page = Page(lang, "endringslogg.md")
    page.title = page.t("changelog")
    v = idx.model.version
    page.add(f"## {v}", "")
    kind_names = {"concepts": x("concepts_k", lang), "classes": page.t("classes"), "properties": page.t("properties"),
                  "codes": page.t("codes_kind"), "shapes": x("shapes_k", lang)}
    if log is None or log.old_version is None:
        summary = idx.model.summary()
        page.add(x("first_release", lang, v=v), "")
        for key, label in (("concepts", "concepts"), ("classes", "classes"), ("properties", "properties"),
                           ("code_lists", "code_lists"), ("codes", "codes"), ("shapes", "shapes")):
            page.add(f"- {esc(page.t(label))}: {summary[key]}")
        page.add(f"- {esc(page.t('profiles'))}: {len(summary['profiles'])}", "")
        return page
    page.add(x("compared", lang, old=log.old_version, new=log.new_version), "", x("breaking_intro", lang), "")
    if not log.changes:
        page.add(x("no_changes", lang), "")
    for kind in KINDS:
        for status in ("added", "changed", "removed"):
            changes = log.of(kind, status)
            if not changes:
                continue
            page.add(f"### {kind_names[kind]}: {page.t(status).lower()}", "")
            for change in changes:
                iri = URIRef(change.iri)
                name = term_link(page, idx, iri, local_name(iri)) if status != "removed" and idx.path(iri) else f"`{local_name(iri)}`"
                line = f"- {name}"
                if change.predicates:
                    line += f" ({x('what_changed', lang)}: " + ", ".join(f"`{curie(p)}`" for p in change.predicates) + ")"
                if change.breaking:
                    line += f' <span class="sbu-breaking">{page.t("breaking")}</span> {esc(change.reason)}'
                page.add(line)
            page.add("")
    return page


__all__ = ["overview_page", "index_page", "getting_started_page", "downloads_page", "changelog_page"]
