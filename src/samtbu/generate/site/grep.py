"""The site's page on Grep (what it is, how to load it, what the toolkit does with it) and the Grep
section of each Grep-valued property's page. The rules listed are read from shapes/grep.ttl."""

from __future__ import annotations

from rdflib import URIRef
from rdflib.namespace import DCTERMS, RDFS, SH

from samtbu.generate.site.index import SiteIndex
from samtbu.generate.site.text import Page, esc, fence, lang_texts
from samtbu.namespaces import GREP, SBU

PAGE = "grep.md"
GREP_ONTOLOGY = "http://psi.udir.no/ontologi/kl06/"
GREP_MODULE = URIRef("https://w3id.org/samt-bu/shapes/module/grep")
# What the values of each Grep-valued property are in Grep: the element type (grep-type) and Udir's
# REST list of them (KL06 REST interface, data.udir.no/kl06/v201906).
GREP_TYPE = {
    SBU.gjelderFag: ("fagkode", "https://data.udir.no/kl06/v201906/fagkoder"),
    SBU.programomraade: ("programomraade", "https://data.udir.no/kl06/v201906/programomraader"),
    SBU.utdanningsprogram: ("utdanningsprogram", "https://data.udir.no/kl06/v201906/utdanningsprogram"),
}
_TYPE_NAMES = {
    "fagkode": ("fagkode", "fagkode", "subject code"),
    "programomraade": ("programområde", "programområde", "programme area"),
    "utdanningsprogram": ("utdanningsprogram", "utdanningsprogram", "education programme"),
}
_I = {"nb": 0, "nn": 1, "en": 2}

X = {
    "title": ("Laste inn Grep", "Laste inn Grep", "Loading Grep"),
    "intro": (
        "Grep er Utdanningsdirektoratets database over fag, læreplaner og opplæringstilbud. Hvert resultat i modellen viser til Grep: "
        "en vurdering gjelder en fagkode, en sluttkompetanse et utdanningsprogram og et programområde. Uten Grep-data kjenner verktøyet "
        "bare formen på en kode. Med et lokalt Grep-uttrekk kontrollerer det at koden finnes og gjaldt, og viser titlene. Ingenting hentes "
        "fra nettet når verktøyet kjører.",
        "Grep er databasen til Utdanningsdirektoratet over fag, læreplanar og opplæringstilbod. Kvart resultat i modellen viser til Grep: "
        "ei vurdering gjeld ein fagkode, ein sluttkompetanse eit utdanningsprogram og eit programområde. Utan Grep-data kjenner verktøyet "
        "berre forma på ein kode. Med eit lokalt Grep-uttrekk kontrollerer det at koden finst og galdt, og viser titlane. Ingenting blir henta "
        "frå nettet når verktøyet køyrer.",
        "Grep is the Norwegian Directorate for Education and Training's database of subjects, curricula and programmes. Every result in "
        "the model points at Grep: an assessment is in a subject code, a final competence in an education programme and a programme area. "
        "Without Grep data the toolkit knows only a code's form. With a local Grep snapshot it checks that the code exists and was valid, "
        "and shows the titles. Nothing is fetched from the network at run time.",
    ),
    "import": ("Bygg et uttrekk", "Bygg eit uttrekk", "Build a snapshot"),
    "import_text": (
        "`samtbu grep import` leser Grep slik Udir publiserer det: JSON-LD-dumpen som Udirs SPARQL-tjeneste lastes fra, og vanlig JSON fra "
        "REST-grensesnittet (de samme objektene). En fil kan ha ett element, en JSON-liste, et JSON-LD-dokument med `@graph` eller ett element "
        "per linje (NDJSON); en mappe og et tar- eller zip-arkiv leses også. Filer som starter med BOM, går fint. Uttrekket er én fil "
        "(SQLite) med dato, innhold per type og en kontrollsum, og det erstattes bare når hele innlesingen lyktes.",
        "`samtbu grep import` les Grep slik Udir publiserer det: JSON-LD-dumpen som SPARQL-tenesta til Udir blir lasta frå, og vanleg JSON frå "
        "REST-grensesnittet (dei same objekta). Ei fil kan ha eitt element, ei JSON-liste, eit JSON-LD-dokument med `@graph` eller eitt element "
        "per linje (NDJSON); ei mappe og eit tar- eller zip-arkiv blir òg lesne. Filer som byrjar med BOM, går fint. Uttrekket er éi fil "
        "(SQLite) med dato, innhald per type og ein kontrollsum, og det blir berre bytt ut når heile innlesinga lukkast.",
        "`samtbu grep import` reads Grep as Udir publishes it: the JSON-LD dump that Udir's SPARQL service is loaded from, and the plain "
        "JSON of the REST interface (the same objects). A file may hold one element, a JSON array, a JSON-LD document with `@graph`, or one "
        "element per line (NDJSON); a folder and a tar or zip archive are read too. Files that start with a BOM are fine. The snapshot is one "
        "file (SQLite) with its date, its contents per type and a checksum, and it is replaced only when the whole import succeeded.",
    ),
    "bad_input": (
        "Verdier som ikke er brukbare Grep-elementer (ukjent grep-type, ingen kode, samme kode to ganger, et element over størrelsesgrensen), "
        "hoppes over og telles. En fil som ikke er JSON eller er avkuttet, stopper innlesingen med én linje som sier hvilken fil og hvor.",
        "Verdiar som ikkje er brukbare Grep-element (ukjend grep-type, ingen kode, same kode to gonger, eit element over storleiksgrensa), "
        "blir hoppa over og talde. Ei fil som ikkje er JSON eller er avkorta, stoppar innlesinga med éi linje som seier kva fil og kvar.",
        "Values that are not usable Grep elements (unknown grep type, no code, the same code twice, an element over the size limit) are "
        "skipped and counted. A file that is not JSON, or is truncated, stops the import with one line that names the file and the place.",
    ),
    "configure": ("Ta uttrekket i bruk", "Ta uttrekket i bruk", "Use the snapshot"),
    "configure_text": (
        "Et uttrekk brukes når det er satt opp, i denne rekkefølgen: flagget `--grep FIL` (`--grep none` slår det av), miljøvariabelen "
        "`SAMTBU_GREP`, eller en konfigurasjonsfil (`samtbu.toml` i mappen du står i, eller `~/.config/samtbu/config.toml`). Uten uttrekk "
        "virker alt som før.",
        "Eit uttrekk blir brukt når det er sett opp, i denne rekkjefølgja: flagget `--grep FIL` (`--grep none` slår det av), miljøvariabelen "
        "`SAMTBU_GREP`, eller ei konfigurasjonsfil (`samtbu.toml` i mappa du står i, eller `~/.config/samtbu/config.toml`). Utan uttrekk "
        "verkar alt som før.",
        "A snapshot is used when one is configured, in this order: the flag `--grep FILE` (`--grep none` turns it off), the environment "
        "variable `SAMTBU_GREP`, or a configuration file (`samtbu.toml` in the current folder, or `~/.config/samtbu/config.toml`). Without "
        "a snapshot everything works as before.",
    ),
    "uses": ("Hva uttrekket brukes til", "Kva uttrekket blir brukt til", "What the snapshot is used for"),
    "uses_text": (
        "- **Validering:** reglene nedenfor, og hvert funn om en vurdering nevner faget med kode og tittel.\n"
        "- **Eksport** (ELM, Open Badges 3.0, schema.org, ELMO): fag og program får titlene på de språkene uttrekket har.\n"
        "- **Oversikten til den lærende og delte utsnitt** (`samtbu render`, `samtbu share`): kode og tittel.",
        "- **Validering:** reglane nedanfor, og kvart funn om ei vurdering nemner faget med kode og tittel.\n"
        "- **Eksport** (ELM, Open Badges 3.0, schema.org, ELMO): fag og program får titlane på dei språka uttrekket har.\n"
        "- **Oversikta til den lærande og delte utsnitt** (`samtbu render`, `samtbu share`): kode og tittel.",
        "- **Validation:** the rules below, and every result about an assessment names the subject by code and title.\n"
        "- **Exports** (ELM, Open Badges 3.0, schema.org, ELMO): subjects and programmes carry their titles in the languages the snapshot has.\n"
        "- **The learner's overview and shared views** (`samtbu render`, `samtbu share`): code and title.",
    ),
    "rules": ("Regler som bruker Grep", "Reglar som bruker Grep", "Rules that use Grep"),
    "rules_text": (
        "Reglene står i `shapes/grep.ttl` og brukes bare når et uttrekk er satt opp. Fakta om kodene i nyttelasten legges i datagrafen med "
        "Udirs eget vokabular; en nyttelast kan ikke selv gå god for sine koder.",
        "Reglane står i `shapes/grep.ttl` og blir berre brukte når eit uttrekk er sett opp. Fakta om kodane i nyttelasta blir lagde i datagrafen "
        "med vokabularet til Udir; ei nyttelast kan ikkje sjølv gå god for kodane sine.",
        "The rules are in `shapes/grep.ttl` and apply only when a snapshot is configured. Facts about the payload's codes go into the data graph "
        "in Udir's own vocabulary; a payload cannot vouch for its own codes.",
    ),
    "shape": ("Regel", "Regel", "Rule"),
    "severity": ("Alvorlighet", "Alvorsgrad", "Severity"),
    "description": ("Beskrivelse", "Skildring", "Description"),
    "sources": ("Kilder", "Kjelder", "Sources"),
    "example": ("Uttrekket for eksemplene", "Uttrekket for døma", "The snapshot for the examples"),
    "example_text": (
        "Prosjektet har med et lite uttrekk (`grep/grep-eksempler.sqlite`) for eksemplene og testene: fem ekte poster fra Udir og poster "
        "prosjektet har skrevet selv i samme format for fagene og programmene eksemplene bruker. De selvskrevne er merket i filen og i "
        "`grep/README.md`, og de er ikke Udirs data. Til ekte bruk trengs et fullt uttrekk fra Udir.",
        "Prosjektet har med eit lite uttrekk (`grep/grep-eksempler.sqlite`) for døma og testane: fem ekte postar frå Udir og postar "
        "prosjektet har skrive sjølv i same format for faga og programma døma bruker. Dei sjølvskrivne er merkte i fila og i "
        "`grep/README.md`, og dei er ikkje data frå Udir. Til verkeleg bruk trengst eit fullt uttrekk frå Udir.",
        "The project ships a small snapshot (`grep/grep-eksempler.sqlite`) for its examples and tests: five real records from Udir and "
        "records the project wrote itself in the same format for the subjects and programmes the examples use. Those are flagged in the "
        "file and in `grep/README.md`, and they are not Udir's data. Real use needs a full snapshot from Udir.",
    ),
    "licence": (
        "Grep-data fra Udir er under Norsk lisens for offentlige data (NLOD): «Inneholder data under NLOD, tilgjengeliggjort på data.udir.no».",
        "Grep-data frå Udir er under Norsk lisens for offentlege data (NLOD): «Inneholder data under NLOD, tilgjengeliggjort på data.udir.no».",
        "Grep data from Udir is under the Norwegian Licence for Open Government Data (NLOD): \"Contains data under NLOD, made available on data.udir.no\".",
    ),
    "section": ("I Grep", "I Grep", "In Grep"),
    "section_text": (
        "Verdien er en {type} i Grep, skrevet som koden (Grep-IRI `http://psi.udir.no/kl06/{{kode}}`). Hva det er: {onto}. Alle: {list}.",
        "Verdien er ein {type} i Grep, skriven som koden (Grep-IRI `http://psi.udir.no/kl06/{{kode}}`). Kva det er: {onto}. Alle: {list}.",
        "The value is a {type} in Grep, written as its code (Grep IRI `http://psi.udir.no/kl06/{{code}}`). What it is: {onto}. All of them: {list}.",
    ),
    "onto_link": ("Udirs Grep-ontologi", "Grep-ontologien til Udir", "Udir's Grep ontology"),
    "list_link": ("Udirs REST-liste", "REST-lista til Udir", "Udir's REST list"),
    "see_page": ("Slik bruker verktøyet Grep", "Slik bruker verktøyet Grep", "How the toolkit uses Grep"),
}


def x(key: str, lang: str) -> str:
    return X[key][_I[lang]]


def grep_page(idx: SiteIndex, lang: str) -> Page:
    page = Page(lang, PAGE)
    page.title = x("title", lang)
    page.add(x("intro", lang), "")
    page.add(f"## {x('import', lang)}", "", x("import_text", lang), "")
    page.add(fence("samtbu grep import grep-dump/ -o grep.sqlite           # a folder, a .tar.gz, a .zip or files\n"
                   "samtbu grep info --grep grep.sqlite\n"
                   "samtbu grep show NOR1260 --grep grep.sqlite             # titles in nb, nn, en", "console"), "")
    page.add(x("bad_input", lang), "")
    page.add(f"## {x('configure', lang)}", "", x("configure_text", lang), "")
    page.add(fence('[grep]\nsnapshot = "grep.sqlite"   # relative to this file', "toml"), "")
    page.add(fence("samtbu validate --grep grep.sqlite vitnemaal.json\n"
                   "SAMTBU_GREP=grep.sqlite samtbu export vitnemaal.json --to elm", "console"), "")
    page.add(f"## {x('uses', lang)}", "", x("uses_text", lang), "")
    page.add(f"## {x('rules', lang)}", "", x("rules_text", lang), "")
    page.add(f"| {x('shape', lang)} | {page.t('property')} | {x('severity', lang)} | {x('description', lang)} | {x('sources', lang)} |",
             "|---|---|---|---|---|")
    g = idx.shapes
    for shape in sorted(g.subjects(RDFS.isDefinedBy, GREP_MODULE), key=str):
        path = g.value(shape, SH.path)
        if path is None:
            continue
        severity = str(g.value(shape, SH.severity) or SH.Violation).rsplit("#", 1)[-1]
        description = page.choose(lang_texts(g, shape, SH.description), x("description", lang)) or "–"
        sources = ", ".join(f"[{esc(idx.source_label(s, lang))}]({s})" for s in sorted(g.objects(shape, DCTERMS.source), key=str))
        prop = page.link(idx.path(path), str(path).rsplit("/", 1)[-1]) if idx.path(path) else f"`{path}`"
        page.add(f"| `{str(shape).rsplit('/', 1)[-1]}` | {prop} | {severity} | {description} | {sources or '–'} |")
    page.add("")
    page.add(f"## {x('example', lang)}", "", x("example_text", lang), "", x("licence", lang), "")
    return page


def grep_section(page: Page, idx: SiteIndex, prop) -> None:
    """On a Grep-valued property's page: what its values are in Grep, with links."""
    if str(idx.onto.value(prop, SBU.kodeNavnerom) or "") != str(GREP) or prop not in GREP_TYPE:
        return
    kind, listing = GREP_TYPE[prop]
    lang = page.lang
    page.add(f"## {x('section', lang)}", "")
    page.add(x("section_text", lang).format(
        type=f"**{_TYPE_NAMES[kind][_I[lang]]}** (`grep-type` `{kind}`)",
        onto=f"[{x('onto_link', lang)}: `{kind}`]({GREP_ONTOLOGY}{kind})",
        list=f"[{x('list_link', lang)}]({listing})"), "")
    page.add(page.link(PAGE, x("see_page", lang)), "")


__all__ = ["grep_page", "grep_section", "PAGE", "GREP_TYPE"]
