"""The options of the toolkit's commands as tables in the page's language, read from the CLI's own
argparse parser (so the site never describes an option that does not exist). English texts are the
parser's help; bokmål and nynorsk are written here. An option without a translation is shown in
English and marked as a missing translation, like any other text."""

from __future__ import annotations

import argparse

from samtbu.generate.site.text import Page

# --grep, shared by the commands that read a Grep snapshot (samtbu/grep/cli.py adds it to each)
GREP_OPTION = (
    "Grep-uttrekket som skal brukes (laget med `samtbu grep import`; «none» for ingen). Standard: $SAMTBU_GREP, ellers [grep] snapshot "
    "i samtbu.toml eller ~/.config/samtbu/config.toml, ellers ingen Grep-data",
    "Grep-uttrekket som skal brukast (laga med `samtbu grep import`; «none» for ingen). Standard: $SAMTBU_GREP, elles [grep] snapshot "
    "i samtbu.toml eller ~/.config/samtbu/config.toml, elles ingen Grep-data",
)

# Texts keyed by (command, argparse dest); "" is the command's description.
OPTION_TEXTS: dict[tuple[str, str], tuple[str, str]] = {
    ("validate", ""): (
        "Validerer nyttelaster (JSON, JSON-LD, Turtle, N-Triples, RDF/XML) mot en valideringsprofil. Avslutningskode 0: i samsvar; "
        "1: brudd (eller resultater på nivået i --fail-on); 2: uleselig inndata eller feil bruk.",
        "Validerer nyttelaster (JSON, JSON-LD, Turtle, N-Triples, RDF/XML) mot ein valideringsprofil. Avslutningskode 0: i samsvar; "
        "1: brot (eller resultat på nivået i --fail-on); 2: uleseleg inndata eller feil bruk.",
    ),
    ("validate", "paths"): ("filer eller mapper; «-» eller ingen leser standard inn", "filer eller mapper; «-» eller ingen les standard inn"),
    ("validate", "profile"): ("valideringsprofil (standard: valgt ut fra rotnoden i nyttelasten)",
                              "valideringsprofil (standard: vald ut frå rotnoden i nyttelasta)"),
    ("validate", "format"): ("inndataformat (standard: ut fra filnavnet eller innholdet)", "inndataformat (standard: ut frå filnamnet eller innhaldet)"),
    ("validate", "report"): ("rapportformat (standard: text)", "rapportformat (standard: text)"),
    ("validate", "lang"): ("språket i meldingene (standard: nb)", "språket i meldingane (standard: nb)"),
    ("validate", "fail_on"): ("laveste alvorlighetsgrad som gir avslutningskode 1", "lågaste alvorsgrad som gir avslutningskode 1"),
    ("validate", "output"): ("skriv rapporten til denne filen i stedet for standard ut", "skriv rapporten til denne fila i staden for standard ut"),
    ("validate", "color"): ("farger i tekstrapporter", "fargar i tekstrapportar"),
    ("validate", "engine"): ("SHACL-motor (standard: fast; samme resultater som pyshacl)", "SHACL-motor (standard: fast; same resultat som pyshacl)"),
    ("validate", "batch"): (
        "valider mange nyttelaster: en mappe, et tar- eller zip-arkiv eller en NDJSON-strøm («-» = standard inn); én rapport per post "
        "etter hvert som den blir ferdig (json: JSON-linjer), deretter reglene på tvers av poster og en oppsummering",
        "valider mange nyttelaster: ei mappe, eit tar- eller zip-arkiv eller ein NDJSON-straum («-» = standard inn); éin rapport per post "
        "etter kvart som han blir ferdig (json: JSON-linjer), deretter reglane på tvers av postar og ei oppsummering",
    ),
    ("validate", "jobs"): ("arbeidsprosesser for --batch (standard: alle kjerner)", "arbeidsprosessar for --batch (standard: alle kjernar)"),
    ("validate", "no_cross_record"): ("hopp over reglene som gjelder flere poster", "hopp over reglane som gjeld fleire postar"),
    ("validate", "grep"): GREP_OPTION,
    ("validate", "follow_symlinks"): (
        "følg symbolske lenker i en mappe når de peker til noe inne i mappen (standard: lenker hoppes over, med en begrunnelse)",
        "følg symbolske lenkjer i ei mappe når dei peikar til noko inne i mappa (standard: lenkjer blir hoppa over, med ei grunngiving)",
    ),
    ("export", ""): (
        "Skriver en post (JSON eller Turtle) i et annet format. Opplysningene formatet ikke kan bære, blir listet på standard feil; "
        "resultatet kontrolleres mot formatets skjema der det finnes. Avslutningskode 0: eksportert; 2: uleselig post, eller et "
        "resultat som ikke validerer.",
        "Skriv ein post (JSON eller Turtle) i eit anna format. Opplysningane formatet ikkje kan bere, blir lista på standard feil; "
        "resultatet blir kontrollert mot skjemaet til formatet der det finst. Avslutningskode 0: eksportert; 2: uleseleg post, eller eit "
        "resultat som ikkje validerer.",
    ),
    ("export", "record"): ("posten (JSON eller Turtle; «-» leser standard inn)", "posten (JSON eller Turtle; «-» les standard inn)"),
    ("export", "target"): ("målformatet", "målformatet"),
    ("export", "output"): ("skriv til denne filen (standard: standard ut)", "skriv til denne fila (standard: standard ut)"),
    ("export", "quiet"): ("ikke list opp opplysningene målformatet ikke kan bære", "ikkje list opp opplysningane målformatet ikkje kan bere"),
    ("export", "national_id"): (
        "ta med fødselsnummeret til den lærende i eksporten (elm: nationalID; elmo: nationalIdentifier; ob3: som en saltet hash), for en "
        "mottaker med rettslig grunnlag for å trenge det; uten valget blir nummeret utelatt og listet som ikke overført",
        "ta med fødselsnummeret til den lærande i eksporten (elm: nationalID; elmo: nationalIdentifier; ob3: som ein salta hash), for ein "
        "mottakar med rettsleg grunnlag for å trenge det; utan valet blir nummeret utelate og lista som ikkje overført",
    ),
    ("export", "side_record"): (
        "elmo: sideposten fra en import; dokumentet er da det importerte, med opplysningene i posten skrevet inn i det",
        "elmo: sideposten frå ein import; dokumentet er då det importerte, med opplysningane i posten skrivne inn i det",
    ),
    ("export", "issuer_profiles"): (
        "ob3: JSON-fil med utstederprofiler etter organisasjonsnummer, hver med den id-en (HTTP(S)-URL eller DID) som peker til "
        "utstederens Profile (standard: $SAMTBU_OB3_ISSUER_PROFILES)",
        "ob3: JSON-fil med utferdarprofilar etter organisasjonsnummer, kvar med den id-en (HTTP(S)-URL eller DID) som peikar til "
        "Profile-en til utferdaren (standard: $SAMTBU_OB3_ISSUER_PROFILES)",
    ),
    ("export", "grep"): GREP_OPTION,
}
HEADINGS = {"option": ("Valg", "Val", "Option"), "values": ("Verdier", "Verdiar", "Values"), "meaning": ("Betydning", "Tyding", "Meaning")}


def command_parser(command: str) -> argparse.ArgumentParser | None:
    from samtbu.cli import build_parser

    parser = build_parser()
    for action in parser._subparsers._group_actions:  # noqa: SLF001 - argparse has no public accessor
        if isinstance(action, argparse._SubParsersAction) and command in action.choices:  # noqa: SLF001
            return action.choices[command]
    return None


def _text(page: Page, command: str, dest: str, english: str | None) -> str:
    own = OPTION_TEXTS.get((command, dest))
    texts = {"en": english or ""}
    if own:
        texts.update(nb=own[0], nn=own[1])
    return page.choose(texts, f"samtbu {command} {'--' + dest.replace('_', '-') if dest else ''}".strip()) or "–"


def options_section(page: Page, command: str) -> bool:
    """A collapsible ``samtbu {command} --help`` with the command's description and an options table
    in the page's language; False when the toolkit has no such command."""
    parser = command_parser(command)
    if parser is None:
        return False
    lang = page.lang
    pick = {"nb": 0, "nn": 1, "en": 2}[lang]
    rows = []
    for action in parser._actions:  # noqa: SLF001
        if isinstance(action, argparse._HelpAction):  # noqa: SLF001
            continue
        name = ", ".join(f"`{o}`" for o in action.option_strings) or f"`{action.dest}`"
        values = ", ".join(f"`{c}`" for c in action.choices) if action.choices else (f"`{action.metavar or action.dest.upper()}`"
                                                                                         if action.nargs != 0 and action.option_strings else "–")
        english = (action.help or "") % {"default": action.default, "prog": parser.prog} if action.help else ""
        rows.append(f"| {name} | {values} | {_text(page, command, action.dest, english)} |")
    description = _text(page, command, "", parser.description)
    body = [description, "", f"| {HEADINGS['option'][pick]} | {HEADINGS['values'][pick]} | {HEADINGS['meaning'][pick]} |",
            "|---|---|---|", *rows]
    page.add(f'??? info "samtbu {command} --help"', "", *["    " + line if line else "" for line in body], "")
    return True


__all__ = ["options_section", "command_parser", "OPTION_TEXTS"]
