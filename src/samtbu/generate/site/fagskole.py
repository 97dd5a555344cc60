"""Two pages of the documentation site, in nb, nn and en: results from tertiary vocational education
(the terms, code lists, rules with their sources, profiles and the examples), and the continuous
flow (the event format, the rules for a change, and the commands). Everything is read from the model,
the examples and ``samtbu.events``; only the words around it are written here."""

from __future__ import annotations

import json

from rdflib import RDF, URIRef
from rdflib.namespace import DCTERMS, RDFS, SH

from samtbu.generate.site.index import SiteIndex
from samtbu.generate.site.text import Page, esc, fence, pick
from samtbu.namespaces import SBU, SBUK

FAGSKOLE_PAGE = "fagskole.md"
EVENTS_PAGE = "hendelser.md"
FAGSKOLE_CLASSES = ("Fagskolestudent", "Fagskoleutdanning", "Emne", "Emnevurdering", "Fagskolekvalifikasjon",
                    "Fagskolevitnemaal", "Fagskolekarakterutskrift")
FAGSKOLE_SCHEMES = ("fagskolekarakter", "karakterskala-a-f", "karakterskala-fagskole-bestaatt", "fagskolegrad", "studiepoengsystem", "nkr-nivaa")
FAGSKOLE_PROFILES = ("fagskolevitnemaal", "fagskolekarakterutskrift", "emnevurdering")
FAGSKOLE_EXAMPLES = ("fagskolevitnemaal-elkraft", "fagskolekarakterutskrift-helse", "emnevurdering")
CHANGE_CLASSES = ("Resultatendring", "Registrering", "Korrigering", "Tilbaketrekking", "Erstatning", "Resultatversjon")

W: dict[str, tuple[str, str, str]] = {
    "fagskole_title": ("Fagskoleutdanning", "Fagskoleutdanning", "Tertiary vocational education"),
    "fagskole_intro": (
        "Resultater fra fagskoleutdanning (høyere yrkesfaglig utdanning) er modellert med samme omhu som resultater fra videregående opplæring: utdanningen og emnene med studiepoeng, vurderingen i hvert emne med karakter, kvalifikasjonen med nivå i NKR og grad, og vitnemål og karakterutskrift fra fagskolen. Kildene er fagskoleloven, fagskoleforskriften og NOKUTs veiledning; hver regel nedenfor viser sin kilde.",
        "Resultat frå fagskoleutdanning (høgare yrkesfagleg utdanning) er modellerte med same omhug som resultat frå vidaregåande opplæring: utdanninga og emna med studiepoeng, vurderinga i kvart emne med karakter, kvalifikasjonen med nivå i NKR og grad, og vitnemål og karakterutskrift frå fagskolen. Kjeldene er fagskolelova, fagskoleforskrifta og rettleiinga til NOKUT; kvar regel nedanfor viser kjelda si.",
        "Results from tertiary vocational education (higher vocational education) are modelled with the same care as results from upper secondary education: the programme and its course units with credits, the assessment in each course unit with its grade, the qualification with its NKR level and degree, and the college's diploma and transcript. The sources are the fagskole act and regulations and NOKUT's guidance; each rule below shows its source."),
    "terms": ("Klasser", "Klassar", "Classes"),
    "code_lists": ("Kodelister", "Kodelister", "Code lists"),
    "rules": ("Regler og kilder", "Reglar og kjelder", "Rules and sources"),
    "rule": ("Regel", "Regel", "Rule"),
    "severity": ("Alvorlighet", "Alvorsgrad", "Severity"),
    "source": ("Kilde", "Kjelde", "Source"),
    "profiles": ("Valideringsprofiler", "Valideringsprofilar", "Validation profiles"),
    "examples": ("Eksempler", "Døme", "Examples"),
    "example_of": ("Syntetisk eksempel; profil", "Syntetisk døme; profil", "Synthetic example; profile"),
    "export": ("Eksport til European Digital Credential", "Eksport til European Digital Credential", "Export to a European Digital Credential"),
    "export_text": (
        "`samtbu export --to elm` gjør et vitnemål eller en karakterutskrift fra fagskole om til en European Digital Credential: kvalifikasjonen med EQF-nivå 5 og studiepoeng (i fagskolens studiepoengsystem, ikke ECTS), og hvert emne som en del med karakter, karakterskala og studiepoeng. Kreditten sjekkes mot de offisielle EDC-formene. NKR-nivå 5.1 og 5.2 føres ikke over, fordi EUs IRI-er for disse nivåene ikke er kjent for prosjektet; eksporten sier fra om det.",
        "`samtbu export --to elm` gjer eit vitnemål eller ei karakterutskrift frå fagskole om til ein European Digital Credential: kvalifikasjonen med EQF-nivå 5 og studiepoeng (i studiepoengsystemet til fagskolen, ikkje ECTS), og kvart emne som ein del med karakter, karakterskala og studiepoeng. Kreditten blir sjekka mot dei offisielle EDC-formene. NKR-nivå 5.1 og 5.2 blir ikkje førte over, fordi IRI-ane til EU for desse nivåa ikkje er kjende for prosjektet; eksporten seier frå om det.",
        "`samtbu export --to elm` turns a diploma or transcript from a college into a European Digital Credential: the qualification with EQF level 5 and credits (in the fagskole credit system, not ECTS), and each course unit as a part with its grade, grading scheme and credits. The credential is checked against the official EDC shapes. NKR levels 5.1 and 5.2 are not carried, because the EU's IRIs for these levels are not known to the project; the export says so."),
    "left_out": ("Ikke med, fordi ingen kilde er bekreftet", "Ikkje med, fordi inga kjelde er stadfesta", "Left out, because no source was confirmed"),
    "events_title": ("Hendelser og endringer", "Hendingar og endringar", "Events and changes"),
    "events_intro": (
        "Enkeltresultater kommer inn til registeret ett og ett og endres etter at de er registrert: en karakter rettes etter klage, et resultat trekkes tilbake, et dokument erstattes. Hver endring sendes som en CloudEvents 1.0-hendelse (JSON) der data er en samtbu-nyttelast med endringen og resultatet. Endringen er en aktivitet i W3C PROV-O-forstand: hvem, når og hvorfor.",
        "Enkeltresultat kjem inn til registeret eitt og eitt og blir endra etter at dei er registrerte: ein karakter blir retta etter klage, eit resultat blir trekt tilbake, eit dokument blir erstatta. Kvar endring blir send som ei CloudEvents 1.0-hending (JSON) der data er ei samtbu-nyttelast med endringa og resultatet. Endringa er ein aktivitet i W3C PROV-O-forstand: kven, når og kvifor.",
        "Single results arrive in the register one by one and change after they are registered: a grade is corrected after an appeal, a result is withdrawn, a document is replaced. Each change travels as a CloudEvents 1.0 event (JSON) whose data is a samtbu payload with the change and the result. The change is an activity in the sense of W3C PROV-O: who, when and why."),
    "types": ("Hendelsestyper", "Hendingstypar", "Event types"),
    "type": ("type", "type", "type"),
    "data_root": ("data (rot)", "data (rot)", "data (root)"),
    "meaning": ("Betydning", "Tyding", "Meaning"),
    "envelope": ("Konvolutten", "Konvolutten", "The envelope"),
    "envelope_text": (
        "Attributtene CloudEvents 1.0 krever (specversion \"1.0\", id, source, type), og i tillegg i samtbu-flyten: subject er IRI-en til resultatet endringen gjelder, time er endringstidspunktet (samme tidspunkt som endringstidspunkt i data, med tidssone), datacontenttype er JSON når den er oppgitt, og dataschema er profilen «resultatendring» når den er oppgitt.",
        "Attributta CloudEvents 1.0 krev (specversion \"1.0\", id, source, type), og i tillegg i samtbu-flyten: subject er IRI-en til resultatet endringa gjeld, time er endringstidspunktet (same tidspunkt som endringstidspunkt i data, med tidssone), datacontenttype er JSON når han er oppgitt, og dataschema er profilen «resultatendring» når han er oppgitt.",
        "The attributes CloudEvents 1.0 requires (specversion \"1.0\", id, source, type), and in the samtbu flow also: subject is the IRI of the result the change concerns, time is the time of the change (the same instant as endringstidspunkt in the data, with a time zone), datacontenttype is JSON when given, and dataschema is the profile «resultatendring» when given."),
    "example_event": ("Eksempel: en karakter rettet etter klage", "Døme: ein karakter retta etter klage", "Example: a grade corrected after an appeal"),
    "event_rules": ("Regler for en hendelse og for historikken", "Reglar for ei hending og for historikken", "Rules for an event and for the history"),
    "event_rules_text": (
        "Data valideres med profilen «resultatendring» og resultatet den bærer med sin egen profil. I tillegg gjelder disse reglene, som trenger konvolutten eller historikken til resultatet:",
        "Data blir validerte med profilen «resultatendring» og resultatet ho ber med sin eigen profil. I tillegg gjeld desse reglane, som treng konvolutten eller historikken til resultatet:",
        "The data is validated with the profile «resultatendring» and the result it carries with its own profile. In addition these rules apply, which need the envelope or the history of the result:"),
    "message": ("Melding", "Melding", "Message"),
    "commands": ("Kommandoer", "Kommandoar", "Commands"),
    "commands_text": (
        "`samtbu events validate` leser strømmen én gang (NDJSON, én hendelse per linje) og skriver rapporten for hver hendelse etter hvert; tilstanden ligger på disk, så minnebruken vokser ikke med strømmen. `samtbu events replay` tar inn de godkjente endringene i rekkefølge og skriver hver lærendes gjeldende tilstand og historikk (også i PROV-O), og én post per lærende som `samtbu share` og `samtbu render --history` kan bruke: deling bruker bare gjeldende tilstand, og utleveringsloggen viser hvilken versjon som ble delt.",
        "`samtbu events validate` les straumen éin gong (NDJSON, éi hending per linje) og skriv rapporten for kvar hending etter kvart; tilstanden ligg på disk, så minnebruken veks ikkje med straumen. `samtbu events replay` tek inn dei godkjende endringane i rekkjefølgje og skriv gjeldande tilstand og historikk for kvar lærande (også i PROV-O), og éin post per lærande som `samtbu share` og `samtbu render --history` kan bruke: deling bruker berre gjeldande tilstand, og utleveringsloggen viser kva versjon som vart delt.",
        "`samtbu events validate` reads the stream once (NDJSON, one event per line) and writes each event's report as it goes; the state is on disk, so memory does not grow with the stream. `samtbu events replay` applies the accepted changes in order and writes every learner's current state and history (also in PROV-O), and one record per learner that `samtbu share` and `samtbu render --history` can use: sharing uses the current state only, and the disclosure log shows which version was shared."),
}
# What the fagskole page lists as left out for want of a confirmed source (nb, nn, en).
LEFT_OUT_ITEMS: tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]] = (
    ("et nasjonalt format for nummer på dokumenter fra fagskoler (profilene tar imot fagskolens eget nummer som en identifikator uten fast form)",
     "navnene på bokstavkarakterene (Fremragende, Meget god …), som er fastsatt for universiteter og høyskoler",
     "nasjonale koder for fagskoleutdanninger og emner (emnekoden er fagskolens egen)",
     "hvordan FS-studienivåene 40 og 41 som Vitnemålsportalen bruker for fagskole, svarer til NKR 5.1 og 5.2",
     "en regel om at studiepoengene for emnene på vitnemålet summerer seg til utdanningens studiepoeng",
     "EUs IRI-er for NKR-nivå 5.1 og 5.2 (bare nivå 4 er kjent)"),
    ("eit nasjonalt format for nummer på dokument frå fagskolar (profilane tek imot nummeret til fagskolen som ein identifikator utan fast form)",
     "namna på bokstavkarakterane (Fremragende, Meget god …), som er fastsette for universitet og høgskolar",
     "nasjonale kodar for fagskoleutdanningar og emne (emnekoden er fagskolen sin eigen)",
     "korleis FS-studienivåa 40 og 41 som Vitnemålsportalen bruker for fagskole, svarar til NKR 5.1 og 5.2",
     "ein regel om at studiepoenga for emna på vitnemålet summerer seg til studiepoenga for utdanninga",
     "IRI-ane til EU for NKR-nivå 5.1 og 5.2 (berre nivå 4 er kjent)"),
    ("a national format for the numbers of documents from colleges (the profiles take the college's own number as an identifier of no fixed form)",
     "the names of the letter grades (Fremragende, Meget god …), which are set for universities and university colleges",
     "national codes for tertiary vocational programmes and course units (the course unit code is the college's own)",
     "how the FS study levels 40 and 41 that Vitnemålsportalen uses for fagskole correspond to NKR 5.1 and 5.2",
     "a rule that the credits of the course units on the diploma add up to the programme's credits",
     "the EU's IRIs for NKR levels 5.1 and 5.2 (only level 4's is known)"))


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
