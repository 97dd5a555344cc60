"""Site pages that are tables over files beside the model: the sharing policies (``policies/*.ttl``,
section "Deling") and the SSSOM mapping sets (``crosswalks/*.sssom.tsv``, section "Koblinger").

The policy rows come from ``samtbu.share.policy_table``; the policies' own texts (title, description,
comment, editorial note) are read from each policy's triples so that a missing translation is marked
on the page as everywhere else on the site. A mapping set's page shows its metadata and every row of
the TSV, one table row per mapping; the file itself is already among the downloads.
"""

from __future__ import annotations

import re
from pathlib import Path

from rdflib import RDFS, URIRef
from rdflib.namespace import DCTERMS, SKOS

from samtbu.crosswalk.record import NO_TERM, CrosswalkError, MappingSet
from samtbu.crosswalk.sssom import SssomTable
from samtbu.generate.site.downloads import FOLDER
from samtbu.generate.site.index import SiteIndex
from samtbu.generate.site.pages import MATCH_LABELS, parenthesized, term_link
from samtbu.generate.site.text import Page, esc, lang_texts, pick
from samtbu.namespaces import SBUK

SHARING = "deling"
CROSSWALKS = "koblinger"

X = {
    "sharing": ("Deling", "Deling", "Sharing"),
    "crosswalks": ("Koblinger", "Koplingar", "Crosswalks"),
    "sharing_intro": (
        "En delingspolicy sier hvilke opplysninger en mottakerrolle kan få utlevert for ett formål, på hvilket behandlingsgrunnlag "
        "og med hvilke vilkår. Verktøyet lager en lukket SHACL-profil for hver policy og kontrollerer hvert utsnitt det deler, mot den. "
        "Finnes det ingen policy for en rolle og et formål, blir forespørselen avvist.",
        "Ein delingspolicy seier kva opplysningar ei mottakarrolle kan få utlevert for eitt formål, på kva behandlingsgrunnlag "
        "og med kva vilkår. Verktøyet lagar ein lukka SHACL-profil for kvar policy og kontrollerer kvart utsnitt det deler, mot han. "
        "Finst det ingen policy for ei rolle og eit formål, blir førespurnaden avvist.",
        "A sharing policy states which data a recipient role may receive for one purpose, on which legal basis and under which "
        "conditions. The toolkit generates a closed SHACL profile for each policy and checks every view it shares against it. "
        "A request for a role and purpose without a policy is refused.",
    ),
    "no_policies": ("Modellen har ingen delingspolicyer ennå.", "Modellen har ingen delingspolicyar enno.", "The model has no sharing policies yet."),
    "role": ("Mottakerrolle", "Mottakarrolle", "Recipient role"),
    "purpose": ("Formål", "Formål", "Purpose"),
    "scope": ("Dataomfang", "Dataomfang", "Data scope"),
    "legal_basis": ("Behandlingsgrunnlag", "Behandlingsgrunnlag", "Legal basis"),
    "legal_sources": ("Rettslige kilder", "Rettslege kjelder", "Legal sources"),
    "conditions": ("Vilkår", "Vilkår", "Conditions"),
    "n_properties": ("{n} egenskaper", "{n} eigenskapar", "{n} properties"),
    "identity_number": ("Fødselsnummer", "Fødselsnummer", "National identity number"),
    "identity_number_short": ("fødselsnummer", "fødselsnummer", "identity number"),
    "unclear": ("Rettslig uavklart", "Rettsleg uavklart", "Legal position unclear"),
    "unclear_marker": ("uavklart", "uavklart", "unclear"),
    "unclear_intro": (
        "Der loven ikke gir et klart svar, sier policyen det i stedet for å gjette:",
        "Der lova ikkje gir eit klart svar, seier policyen det i staden for å gjette:",
        "Where the law gives no clear answer, the policy says so instead of guessing:",
    ),
    "no_unclear": ("Ingen av policyene har uavklarte rettsspørsmål.", "Ingen av policyane har uavklarte rettsspørsmål.", "None of the policies has an unclear legal question."),
    "legal_comment": ("Rettslig grunnlag", "Rettsleg grunnlag", "Legal grounds"),
    "classes_incl": ("Klasser (med underklasser)", "Klassar (med underklassar)", "Classes (subclasses included)"),
    "properties_only": ("Egenskaper (bare disse kan utleveres)", "Eigenskapar (berre desse kan utleverast)", "Properties (only these may be disclosed)"),
    "profile": ("Lukket SHACL-profil", "Lukka SHACL-profil", "Closed SHACL profile"),
    "policy_file": ("Policyfil", "Policyfil", "Policy file"),
    "policy_texts": ("Tekstene i policyen", "Tekstane i policyen", "The policy's texts"),
    "crosswalks_intro": (
        "Et koblingssett (SSSOM) sier hvilke termer i en annen modell eller et annet format som svarer til klassene, egenskapene og kodene i samtbu. "
        "Eksport og import leser dem: det som ikke har noen kobling, blir listet som ikke overført.",
        "Eit koplingssett (SSSOM) seier kva termar i ein annan modell eller eit anna format som svarar til klassane, eigenskapane og kodane i samtbu. "
        "Eksport og import les dei: det som ikkje har nokon kopling, blir lista som ikkje overført.",
        "A mapping set (SSSOM) states which terms of another model or format correspond to the classes, properties and codes of samtbu. "
        "Export and import read them: whatever has no mapping is listed as not carried.",
    ),
    "no_sets": ("Modellen har ingen koblingssett ennå.", "Modellen har ingen koplingssett enno.", "The model has no mapping sets yet."),
    "set": ("Koblingssett", "Koplingssett", "Mapping set"),
    "rows": ("Koblinger", "Koplingar", "Mappings"),
    "no_counterpart_n": ("Uten motsvarighet", "Utan motsvar", "No counterpart"),
    "metadata": ("Om settet", "Om settet", "About the set"),
    "mapping_set_id": ("Identifikator", "Identifikator", "Identifier"),
    "title": ("Tittel", "Tittel", "Title"),
    "license": ("Lisens", "Lisens", "License"),
    "version": ("Versjon", "Versjon", "Version"),
    "date": ("Dato", "Dato", "Date"),
    "subject_source": ("Kilde for subjektene", "Kjelde for subjekta", "Subject source"),
    "object_source": ("Kilde for objektene", "Kjelde for objekta", "Object source"),
    "set_comment": ("Kommentar", "Kommentar", "Comment"),
    "set_texts": ("Beskrivelsen av koblingssettet", "Skildringa av koplingssettet", "The description of the mapping set"),
    "row_comments": ("Kommentarene i koblingene", "Kommentarane i koplingane", "The comments of the mappings"),
    "download": ("Last ned", "Last ned", "Download"),
    "subject": ("Subjekt", "Subjekt", "Subject"),
    "predicate": ("Relasjon", "Relasjon", "Relation"),
    "object": ("Objekt", "Objekt", "Object"),
    "comment": ("Kommentar", "Kommentar", "Comment"),
    "no_counterpart": ("ingen motsvarighet", "ikkje noko motsvar", "no counterpart"),
    "mapping_table": ("Koblingene", "Koplingane", "The mappings"),
}

# Link texts for the legal sources the policies cite; any other source is shown by its identifier.
LAW_NAMES = {
    "http://data.europa.eu/eli/reg/2016/679/oj": ("personvernforordningen", "personvernforordninga", "GDPR"),
    "https://lovdata.no/dokument/NL/lov/1967-02-10": ("forvaltningsloven", "forvaltningslova", "Public Administration Act"),
    "https://lovdata.no/dokument/NL/lov/2006-06-16-20": ("NAV-loven", "NAV-lova", "Norwegian Labour and Welfare Administration Act"),
    "https://lovdata.no/dokument/NL/lov/2018-06-08-28": ("fagskoleloven", "fagskolelova", "Tertiary Vocational Education Act"),
    "https://lovdata.no/dokument/NL/lov/2018-06-15-38": ("personopplysningsloven", "personopplysningslova", "Personal Data Act"),
    "https://lovdata.no/dokument/NL/lov/2019-06-21-32": ("statistikkloven", "statistikklova", "Statistics Act"),
    "https://lovdata.no/dokument/NL/lov/2023-06-09-30": ("opplæringslova", "opplæringslova", "Education Act"),
    "https://lovdata.no/dokument/NL/lov/2024-03-08-9": ("universitets- og høyskoleloven", "universitets- og høgskolelova", "Universities and University Colleges Act"),
    "https://lovdata.no/dokument/SF/forskrift/2017-01-06-13": ("forskrift om opptak til høyere utdanning", "forskrift om opptak til høgare utdanning", "Regulations on admission to higher education"),
    "https://lovdata.no/dokument/SF/forskrift/2019-07-11-1005": ("fagskoleforskriften", "fagskoleforskrifta", "Regulations on tertiary vocational education"),
    "https://lovdata.no/dokument/SF/forskrift/2024-06-03-900": ("opplæringsforskrifta", "opplæringsforskrifta", "Education Regulations"),
}
TARGET_NAMES = {"elmo": "EMREX ELMO", "elm": "European Learning Model (ELM)", "ob3": "Open Badges 3.0", "schemaorg": "schema.org"}


def x(key: str, lang: str, **kw) -> str:
    return pick(X[key], lang).format(**kw)


def _linkable(iri: str) -> bool:
    return iri.startswith(("http://", "https://")) and not re.search(r"[\s<>()\[\]|`]", iri)


def source_id(iri: str) -> str:
    """The identifier of a legal source from its IRI: LOV-…/FOR-… for Lovdata, (EU) n/n for ELI."""
    m = re.search(r"lovdata\.no/(?:dokument/(?:NL|SF)/)?(lov|forskrift)/(\d{4}-\d{2}-\d{2}(?:-\d+)?)(?:/(.+))?$", iri)
    if m:
        text = ("LOV-" if m.group(1) == "lov" else "FOR-") + m.group(2)
        return text + (f" {m.group(3).replace('§', '§ ')}".replace("§  ", "§ ") if m.group(3) else "")
    m = re.search(r"eli/reg/(\d{4})/(\d+)", iri)
    if m:
        return f"(EU) {m.group(1)}/{m.group(2)}"
    return iri


def source_link(idx: SiteIndex, iri: str, lang: str) -> str:
    ident = source_id(iri)
    base = re.sub(r"lovdata\.no/(lov|forskrift)/([^/]+)/.+$", lambda m: f"lovdata.no/dokument/{'NL' if m.group(1) == 'lov' else 'SF'}/{m.group(1)}/{m.group(2)}", iri)
    name = pick(LAW_NAMES[base], lang) if base in LAW_NAMES else None
    if name is None and idx.source_label(URIRef(iri), lang) != iri:
        name = idx.source_label(URIRef(iri), lang)
    text = f"{name} {parenthesized(ident)}" if name and ident != iri else (name or ident)
    if base != iri and name and " " in ident:  # a section: the law's name and the section
        text = f"{name} {ident.split(' ', 1)[1]} ({ident.split(' ', 1)[0]})"
    return f"[{esc(text)}]({iri})" if _linkable(iri) else esc(text)


# -- sharing ---------------------------------------------------------------------------------------
def _policies(idx: SiteIndex):
    """The PolicySet of the model, or None when it has no policies/ folder."""
    from samtbu.share.policies import load_policies

    try:
        policies = load_policies(idx.model)
    except Exception:  # noqa: BLE001 - no policies/ folder: the section says so
        return None
    return policies


def policy_path(policy) -> str:
    return f"{SHARING}/{policy.name}.md"


def _code_cell(page: Page, idx: SiteIndex, scheme: str, code: str) -> str:
    iri = URIRef(f"{SBUK}{scheme}/{code}")
    text = page.choose(idx.labels(iri), f"{scheme}/{code}") or esc(code)
    scheme_iri = URIRef(f"{SBUK}{scheme}")
    return text + (f" ({page.link(idx.path(scheme_iri), code)})" if idx.path(scheme_iri) else f" (`{code}`)")


def _rows(idx: SiteIndex, lang: str):
    from samtbu.share.table import policy_table

    policies = _policies(idx)
    if policies is None or not len(policies):
        return []
    by_iri = {row["policy"]: row for row in policy_table(policies, lang)}
    pairs = [(p, by_iri[str(p.iri)]) for p in policies]
    return sorted(pairs, key=lambda pr: (pr[1]["role"].casefold(), pr[1]["purpose"].casefold()))


def sharing_index_page(idx: SiteIndex, lang: str) -> Page:
    page = Page(lang, f"{SHARING}/index.md")
    page.title = x("sharing", lang)
    page.add(x("sharing_intro", lang), "")
    pairs = _rows(idx, lang)
    if not pairs:
        page.add(x("no_policies", lang), "")
        return page
    page.add(f"| {x('role', lang)} | {x('purpose', lang)} | {x('scope', lang)} | {x('legal_basis', lang)} | "
             f"{x('legal_sources', lang)} | {x('conditions', lang)} |", "|---|---|---|---|---|---|")
    for policy, row in pairs:
        role = page.link(policy_path(policy), row["role"])
        if lang_texts(policy.graph, policy.iri, SKOS.editorialNote):
            role += f' **[⚠ {x("unclear_marker", lang)}](#uavklart-{policy.name})**'
        classes = ", ".join(term_link(page, idx, URIRef(iri), label) for label, iri in row["classes"])
        scope = f"{classes}; {page.link(policy_path(policy), x('n_properties', lang, n=len(row['properties'])))}; " \
                f"{esc(x('identity_number_short', lang))}: " \
                f"{page.t('yes') if row['identity_number'] else page.t('no')}"
        sources = "<br>".join(source_link(idx, s, lang) for s in row["legal_sources"]) or "–"
        conditions = "<br>".join(esc(c) for c in row["conditions"])
        page.add(f"| {role} | {esc(row['purpose'])} | {scope} | {_code_cell(page, idx, 'behandlingsgrunnlag', policy.basis)} | "
                 f"{sources} | {conditions} |")
    page.add("")
    page.add(f"## {x('unclear', lang)}", "")
    unclear = [(p, r) for p, r in pairs if lang_texts(p.graph, p.iri, SKOS.editorialNote)]
    if not unclear:
        page.add(x("no_unclear", lang), "")
    else:
        page.add(x("unclear_intro", lang), "")
    for policy, row in unclear:
        title = page.choose_plain(lang_texts(policy.graph, policy.iri, RDFS.label), policy.name)
        note = page.choose(lang_texts(policy.graph, policy.iri, SKOS.editorialNote), f"{x('unclear', lang)}: {policy.name}")
        page.add(f"### {esc(title)} {{#uavklart-{policy.name}}}", "",
                 f'!!! warning "{x("unclear", lang)}"', "", f"    {note}", "",
                 page.link(policy_path(policy), title), "")
    return page


def policy_page(idx: SiteIndex, policy, row: dict, lang: str) -> Page:
    page = Page(lang, policy_path(policy))
    page.title = page.choose_plain(lang_texts(policy.graph, policy.iri, RDFS.label), policy.name)
    page.add(f"**{page.t('iri')}:** `{policy.iri}`", "")
    what = x("policy_texts", lang)
    description = page.choose(lang_texts(policy.graph, policy.iri, DCTERMS.description), what)
    if description:
        page.add(description, "")
    note = page.choose(lang_texts(policy.graph, policy.iri, SKOS.editorialNote), what)
    if note:
        page.add(f'!!! warning "{x("unclear", lang)}"', "", f"    {note}", "")
    page.add(f"| {page.t('what')} | {page.t('value')} |", "|---|---|",
             f"| {x('role', lang)} | {_code_cell(page, idx, 'mottakerrolle', policy.role)} |",
             f"| {x('purpose', lang)} | {_code_cell(page, idx, 'formaal', policy.purpose)} |",
             f"| {x('legal_basis', lang)} | {_code_cell(page, idx, 'behandlingsgrunnlag', policy.basis)} |",
             f"| {x('conditions', lang)} | " + "<br>".join(esc(c) for c in row["conditions"]) + " |",
             f"| {x('identity_number', lang)} | {page.t('yes') if row['identity_number'] else page.t('no')} |",
             f"| {x('legal_sources', lang)} | " + ("<br>".join(source_link(idx, s, lang) for s in row["legal_sources"]) or "–") + " |",
             f"| {x('profile', lang)} | <span id=\"lukket-profil\"></span>`{row['profile']}` (`{_profile_iri(policy)}`) |",
             f"| {x('policy_file', lang)} | `policies/{policy.name}.ttl` |", "")
    comment = page.choose(lang_texts(policy.graph, policy.iri, RDFS.comment), what)
    if comment:
        page.add(f"## {x('legal_comment', lang)}", "", comment, "")
    page.add(f"## {x('scope', lang)}", "", f"**{x('classes_incl', lang)}:** "
             + (", ".join(term_link(page, idx, URIRef(iri), label) for label, iri in row["classes"]) or "–"), "")
    page.add(f"**{x('properties_only', lang)}:** "
             + (", ".join(term_link(page, idx, URIRef(iri), label) for label, iri in row["properties"]) or "–"), "")
    page.add(page.link(f"{SHARING}/index.md", x("sharing", lang)), "")
    return page


def _profile_iri(policy) -> str:
    from samtbu.share.profiles import profile_iri

    return str(profile_iri(policy))


def sharing_pages(idx: SiteIndex, lang: str) -> list[Page]:
    return [sharing_index_page(idx, lang)] + [policy_page(idx, p, r, lang) for p, r in _rows(idx, lang)]


# -- crosswalks ------------------------------------------------------------------------------------
def read_set(table: SssomTable) -> tuple[str, MappingSet, list[dict]]:
    """The set's name, its metadata and curie_map (as the crosswalks read them) and every row with all
    its columns, from the set as the model index read it."""
    return table.name, MappingSet(table.name, table.metadata, table.curie_map, []), list(table.rows)


def sssom_texts(values: dict, slot: str) -> dict[str, str]:
    """A text slot of a mapping set or a mapping by language: the SSSOM slot itself is English, and
    the extension slots {slot}_nb and {slot}_nn (declared in the set's extension_definitions) hold
    bokmål and nynorsk. Empty values are left out, so that a missing translation shows as missing."""
    texts = {"en": str(values.get(slot) or "").strip()}
    texts.update({lang: str(values.get(f"{slot}_{lang}") or "").strip() for lang in ("nb", "nn")})
    return {lang: text for lang, text in texts.items() if text}


def set_path(name: str) -> str:
    return f"{CROSSWALKS}/{name}.md"


def _term_cell(page: Page, idx: SiteIndex, mset: MappingSet, value: str, label: str) -> str:
    try:
        iri = mset.expand(value)
    except CrosswalkError:
        iri = None
    code = f"`{value}`"
    if iri is None:
        return code
    target = idx.path(iri)
    if target is None and iri in idx.codes_set:
        scheme = next((s for s in idx.schemes if str(iri).startswith(str(s) + "/")), None)
        if scheme is not None:
            return f"{esc(idx.label(iri, page.lang))} {code} ({term_link(page, idx, scheme)})"
    if target:
        return f"{page.link(target, idx.label(iri, page.lang))} {code}"
    text = f"{esc(label)} " if label else ""
    if _linkable(str(iri)):
        return f"{text}[{code}]({iri})"
    return text + code


def crosswalks_index_page(idx: SiteIndex, lang: str, sets) -> Page:
    page = Page(lang, f"{CROSSWALKS}/index.md")
    page.title = x("crosswalks", lang)
    page.add(x("crosswalks_intro", lang), "")
    if not sets:
        page.add(x("no_sets", lang), "")
        return page
    page.add(f"| {x('set', lang)} | {x('rows', lang)} | {x('no_counterpart_n', lang)} | {page.t('file')} |", "|---|---|---|---|")
    for path, (name, mset, rows) in sets:
        missing = sum(1 for r in rows if r.get("object_id") == NO_TERM or r.get("subject_id") == NO_TERM)
        page.add(f"| {page.link(set_path(name), TARGET_NAMES.get(name, name))} | {len(rows)} | {missing} | "
                 f"{page.link(f'{FOLDER}/mapping/{path.name}', path.name)} |")
    page.add("")
    return page


def crosswalk_page(idx: SiteIndex, lang: str, path: Path, name: str, mset: MappingSet, rows: list[dict]) -> Page:
    page = Page(lang, set_path(name))
    page.title = f"{x('set', lang)}: {TARGET_NAMES.get(name, name)}"
    meta = mset.metadata
    what = x("set_texts", lang)
    page.add(f"## {x('metadata', lang)}", "")
    facts = []
    if meta.get("mapping_set_id"):
        facts.append(f"- **{x('mapping_set_id', lang)}:** `{meta['mapping_set_id']}`")
    if meta.get("mapping_set_title"):
        facts.append(f"- **{x('title', lang)}:** {page.choose(sssom_texts(meta, 'mapping_set_title'), what)}")
    if meta.get("mapping_set_version"):
        facts.append(f"- **{x('version', lang)}:** {esc(str(meta['mapping_set_version']))}")
    if meta.get("mapping_date"):
        facts.append(f"- **{x('date', lang)}:** {esc(str(meta['mapping_date']))}")
    if meta.get("license"):
        lic = str(meta["license"])
        facts.append(f"- **{x('license', lang)}:** " + (f"[{esc(lic)}]({lic})" if _linkable(lic) else esc(lic)))
    for key in ("subject_source", "object_source"):
        if meta.get(key):
            facts.append(f"- **{x(key, lang)}:** `{meta[key]}`")
    facts.append(f"- **{x('download', lang)}:** {page.link(f'{FOLDER}/mapping/{path.name}', path.name)}")
    page.add(*facts, "")
    for key, heading in (("mapping_set_description", "description"), ("comment", "set_comment")):
        if meta.get(key):
            heading_text = page.t("description") if heading == "description" else x("set_comment", lang)
            page.add(f"**{heading_text}:** {page.choose(sssom_texts(meta, key), what)}", "")

    page.add(f"## {x('mapping_table', lang)}", "")
    if not rows:
        page.add(page.t("no_mappings"), "")
        return page
    page.add('<div class="sbu-table-mappings" markdown>', "",
             f"| {x('subject', lang)} | {x('predicate', lang)} | {x('object', lang)} | {x('comment', lang)} |", "|---|---|---|---|")
    comments_what = x("row_comments", lang)
    for row in rows:
        predicate = row.get("predicate_id", "")
        try:
            pred_iri = mset.expand(predicate)
        except CrosswalkError:
            pred_iri = None
        relation = f"{esc(pick(MATCH_LABELS[str(pred_iri)], lang))} (`{predicate}`)" if str(pred_iri) in MATCH_LABELS else f"`{predicate}`"
        cells = []
        for side in ("subject", "object"):
            value = row.get(f"{side}_id", "")
            if value == NO_TERM:
                cells.append(f'<em class="sbu-nomatch">{esc(x("no_counterpart", lang))}</em> (`{NO_TERM}`)')
            else:
                cells.append(_term_cell(page, idx, mset, value, row.get(f"{side}_label", "")))
        comments = sssom_texts(row, "comment")
        comment_text = page.choose(comments, comments_what) if comments else "–"
        page.add(f"| {cells[0]} | {relation} | {cells[1]} | {comment_text} |")
    page.add("", "</div>", "")
    return page


def crosswalk_pages(idx: SiteIndex, lang: str) -> list[Page]:
    sets = [(table.path, read_set(table)) for table in idx.model.index.mapping_sets.values()]
    pages = [crosswalks_index_page(idx, lang, sets)]
    pages += [crosswalk_page(idx, lang, path, *parsed) for path, parsed in sets]
    return pages


__all__ = ["sharing_pages", "crosswalk_pages", "sharing_index_page", "policy_page", "crosswalks_index_page", "crosswalk_page",
           "read_set", "sssom_texts", "source_id", "source_link", "SHARING", "CROSSWALKS"]
