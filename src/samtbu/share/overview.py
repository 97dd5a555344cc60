"""The learner's own overview: one accessible, printable HTML page in nb, nn or en.

It shows the learner's results, competence, completion status and documentation, and who has
received what (from a disclosure log). The page is built from the learner's own view (the policy
for the role «laerende» and the purpose «egen-oversikt»), so it shows what that policy allows and
nothing else. No external resources: inline CSS, no scripts, no web fonts. The identity number is
not printed.
"""

from __future__ import annotations

import base64
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, UTC
from html import escape
from pathlib import Path
from typing import Any

from rdflib import RDF, Graph, Literal

from samtbu.errors import SamtbuError
from samtbu.model import Model
from samtbu.namespaces import GREP, MODEL_VERSION, SBU, SBUK
from samtbu.share.policies import PolicySet, label
from samtbu.share.view import _as_date, _as_datetime, _types, read_log, share

LANGS = ("nb", "nn", "en")

# Why a signed document is not valid (the reason codes of samtbu.credential.verify), as the page says it.
REASONS = {
    "tampered": {"nb": "endret etter signering", "nn": "endra etter signering", "en": "changed after signing"},
    "unknown-issuer": {"nb": "ukjent utsteder", "nn": "ukjend utferdar", "en": "unknown issuer"},
    "revoked": {"nb": "trukket tilbake", "nn": "trekt tilbake", "en": "withdrawn"},
    "suspended": {"nb": "midlertidig ugyldig", "nn": "mellombels ugyldig", "en": "suspended"},
    "expired": {"nb": "utløpt", "nn": "utløpt", "en": "expired"},
    "not-yet-valid": {"nb": "ikke gyldig ennå", "nn": "ikkje gyldig enno", "en": "not yet valid"},
    "status-unknown": {"nb": "status ukjent", "nn": "status ukjend", "en": "status unknown"},
}


@dataclass
class DigitalOriginal:
    """A signed credential of one document, as checked (``samtbu.credential.verify``) for the page."""

    valid: bool
    reason: str | None
    data: bytes  # the signed file, offered for download
    filename: str

T = {
    "title": {"nb": "Mine resultater", "nn": "Resultata mine", "en": "My results"},
    "intro": {
        "nb": "Her ser du resultatene, kompetansen og dokumentasjonen din fra videregående opplæring, og hvem som har fått opplysninger om deg.",
        "nn": "Her ser du resultata, kompetansen og dokumentasjonen din frå vidaregåande opplæring, og kven som har fått opplysningar om deg.",
        "en": "Here you see your results, competence and documentation from upper secondary education, and who has received information about you.",
    },
    "born": {"nb": "Født", "nn": "Fødd", "en": "Born"},
    "learner": {"nb": "Lærende", "nn": "Lærande", "en": "Learner"},
    "contents": {"nb": "Innhold", "nn": "Innhald", "en": "Contents"},
    "documents": {"nb": "Dokumentasjon", "nn": "Dokumentasjon", "en": "Documentation"},
    "competence": {"nb": "Kompetanse", "nn": "Kompetanse", "en": "Competence"},
    "completion": {"nb": "Fullføring", "nn": "Fullføring", "en": "Completion"},
    "results": {"nb": "Resultater", "nn": "Resultat", "en": "Results"},
    "disclosures": {"nb": "Hvem har fått opplysninger om deg", "nn": "Kven har fått opplysningar om deg", "en": "Who has received information about you"},
    "doc_type": {"nb": "Dokument", "nn": "Dokument", "en": "Document"},
    "doc_number": {"nb": "Dokumentnummer", "nn": "Dokumentnummer", "en": "Document number"},
    "issuer": {"nb": "Utstedt av", "nn": "Utferda av", "en": "Issued by"},
    "issued": {"nb": "Utstedt", "nn": "Utferda", "en": "Issued"},
    "status": {"nb": "Status", "nn": "Status", "en": "Status"},
    "original": {"nb": "Digital original", "nn": "Digital original", "en": "Digital original"},
    "original_valid": {"nb": "Verifisert", "nn": "Verifisert", "en": "Verified"},
    "original_invalid": {"nb": "Ikke gyldig", "nn": "Ikkje gyldig", "en": "Not valid"},
    "original_none": {"nb": "Ingen", "nn": "Ingen", "en": "None"},
    "original_download": {"nb": "Last ned signert fil", "nn": "Last ned signert fil", "en": "Download the signed file"},
    "original_note": {
        "nb": "En verifisert digital original er dokumentet signert av utstederen (W3C Verifiable Credential). Du kan gi filen til en arbeidsgiver, et lærested eller en tjeneste, som kan kontrollere den selv uten å kontakte skolen.",
        "nn": "Ein verifisert digital original er dokumentet signert av utferdaren (W3C Verifiable Credential). Du kan gi fila til ein arbeidsgivar, ein lærestad eller ei teneste, som kan kontrollere ho sjølv utan å kontakte skolen.",
        "en": "A verified digital original is the document signed by its issuer (a W3C Verifiable Credential). You can give the file to an employer, a place of study or a service, who can check it themselves without contacting the school.",
    },
    "competence_type": {"nb": "Kompetanse", "nn": "Kompetanse", "en": "Competence"},
    "programme": {"nb": "Utdanningsprogram", "nn": "Utdanningsprogram", "en": "Education programme"},
    "programme_area": {"nb": "Programområde", "nn": "Programområde", "en": "Programme area"},
    "level": {"nb": "Nivå", "nn": "Nivå", "en": "Level"},
    "occupation": {"nb": "Yrkestittel", "nn": "Yrkestittel", "en": "Occupational title"},
    "achieved": {"nb": "Oppnådd", "nn": "Oppnådd", "en": "Achieved"},
    "category": {"nb": "Status", "nn": "Status", "en": "Status"},
    "as_of": {"nb": "Per dato", "nn": "Per dato", "en": "As of"},
    "start_year": {"nb": "Startår", "nn": "Startår", "en": "Year started"},
    "normal_time": {"nb": "Normert tid", "nn": "Normert tid", "en": "Standard duration"},
    "years": {"nb": "år", "nn": "år", "en": "years"},
    "school_year": {"nb": "Skoleåret", "nn": "Skoleåret", "en": "School year"},
    "no_year": {"nb": "Uten skoleår", "nn": "Utan skoleår", "en": "No school year"},
    "subject": {"nb": "Fag (Grep-kode)", "nn": "Fag (Grep-kode)", "en": "Subject (Grep code)"},
    "assessment": {"nb": "Vurdering", "nn": "Vurdering", "en": "Assessment"},
    "grade": {"nb": "Karakter", "nn": "Karakter", "en": "Grade"},
    "date": {"nb": "Dato", "nn": "Dato", "en": "Date"},
    "when": {"nb": "Tidspunkt", "nn": "Tidspunkt", "en": "When"},
    "recipient": {"nb": "Mottaker", "nn": "Mottakar", "en": "Recipient"},
    "role": {"nb": "Rolle", "nn": "Rolle", "en": "Role"},
    "purpose": {"nb": "Formål", "nn": "Formål", "en": "Purpose"},
    "basis": {"nb": "Grunnlag", "nn": "Grunnlag", "en": "Legal basis"},
    "what": {"nb": "Hva", "nn": "Kva", "en": "What"},
    "consent": {"nb": "med ditt samtykke", "nn": "med samtykket ditt", "en": "with your consent"},
    "none_docs": {"nb": "Ingen dokumentasjon er registrert.", "nn": "Ingen dokumentasjon er registrert.", "en": "No documentation is recorded."},
    "none_comp": {"nb": "Ingen sluttkompetanse er registrert.", "nn": "Ingen sluttkompetanse er registrert.", "en": "No final competence is recorded."},
    "none_completion": {"nb": "Ingen fullføringsstatus er registrert.", "nn": "Ingen fullføringsstatus er registrert.", "en": "No completion status is recorded."},
    "none_results": {"nb": "Ingen resultater er registrert.", "nn": "Ingen resultat er registrerte.", "en": "No results are recorded."},
    "none_disclosures": {"nb": "Ingen utleveringer er registrert.", "nn": "Ingen utleveringar er registrerte.", "en": "No disclosures are recorded."},
    "no_log": {
        "nb": "Det er ikke oppgitt noen logg over utleveringer, så siden kan ikke vise hvem som har fått opplysninger om deg.",
        "nn": "Det er ikkje oppgitt nokon logg over utleveringar, så sida kan ikkje vise kven som har fått opplysningar om deg.",
        "en": "No disclosure log was given, so the page cannot show who has received information about you.",
    },
    "disclosure_intro": {
        "nb": "Du har rett til å vite hvem som har fått opplysninger om deg (personvernforordningen artikkel 15).",
        "nn": "Du har rett til å vite kven som har fått opplysningar om deg (personvernforordninga artikkel 15).",
        "en": "You have the right to know who has received information about you (GDPR Article 15).",
    },
    "results_count": {"nb": "{n} resultater", "nn": "{n} resultat", "en": "{n} results"},
    "provisional_note": {
        "nb": "Foreløpige resultater kan endre seg, for eksempel etter en klage.",
        "nn": "Førebelse resultat kan endre seg, til dømes etter ei klage.",
        "en": "Provisional results may change, for example after an appeal.",
    },
    "footer": {
        "nb": "Laget med samtbu {v} den {d}. Fødselsnummeret ditt vises ikke på siden.",
        "nn": "Laga med samtbu {v} den {d}. Fødselsnummeret ditt blir ikkje vist på sida.",
        "en": "Made with samtbu {v} on {d}. Your identity number is not shown on this page.",
    },
}

MONTHS = {
    "nb": ["januar", "februar", "mars", "april", "mai", "juni", "juli", "august", "september", "oktober", "november", "desember"],
    "nn": ["januar", "februar", "mars", "april", "mai", "juni", "juli", "august", "september", "oktober", "november", "desember"],
    "en": ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"],
}

CSS = """
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  font-size: 1rem; line-height: 1.5; color: #1b1b1b; background: #ffffff; }
.wrap { max-width: 60rem; margin: 0 auto; padding: 1.5rem 1rem 3rem; }
header { border-bottom: 3px solid #1f4e79; margin-bottom: 1.5rem; }
h1 { font-size: 2rem; margin: 0 0 .25rem; color: #1f4e79; }
h2 { font-size: 1.4rem; margin: 2rem 0 .75rem; color: #1f4e79; border-bottom: 1px solid #c9d3de; padding-bottom: .25rem; }
h3 { font-size: 1.1rem; margin: 1.25rem 0 .5rem; }
.person { font-size: 1.15rem; margin: .25rem 0 .75rem; }
.muted { color: #4a4a4a; }
nav ul { list-style: none; padding: 0; margin: 0 0 1rem; display: flex; flex-wrap: wrap; gap: .5rem 1.25rem; }
a { color: #0b5394; text-decoration: underline; }
a:focus-visible { outline: 3px solid #b35c00; outline-offset: 2px; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0 1rem; font-size: .95rem; }
caption { text-align: left; font-weight: 600; padding: .25rem 0; }
th, td { text-align: left; vertical-align: top; padding: .4rem .6rem; border-bottom: 1px solid #d0d7de; }
thead th { background: #eef3f8; border-bottom: 2px solid #1f4e79; }
td.grade { font-weight: 600; white-space: nowrap; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; margin: .5rem 0 1rem; }
dt { font-weight: 600; }
dd { margin: 0; }
.card { border: 1px solid #c9d3de; border-radius: 6px; padding: .75rem 1rem; margin: .75rem 0; }
tr.history td { border-bottom: 1px solid #d0d7de; padding-top: 0; }
tr.history summary { cursor: pointer; color: #0b5394; }
tr.history ol { margin: .25rem 0 .5rem 1.25rem; padding: 0; }
.verified { color: #1b5e20; }
.badge { display: inline-block; padding: 0 .4rem; border-radius: 4px; border: 1px solid #8a5a00; color: #5c3d00; background: #fff4e0; font-size: .85rem; }
footer { margin-top: 2.5rem; border-top: 1px solid #c9d3de; padding-top: .75rem; font-size: .9rem; color: #4a4a4a; }
@media print {
  body { font-size: 10.5pt; }
  .wrap { max-width: none; padding: 0; }
  nav { display: none; }
  h1, h2 { color: #000; }
  thead th { background: none; }
  thead { display: table-header-group; }
  tr, .card { break-inside: avoid; page-break-inside: avoid; }
  h2, h3 { break-after: avoid; page-break-after: avoid; }
  a { color: #000; text-decoration: none; }
  @page { margin: 18mm 15mm; }
}
"""


def _t(key: str, lang: str, **kwargs) -> str:
    text = T[key][lang]
    return text.format(**kwargs) if kwargs else text


def _date(value, lang: str) -> str:
    d = value if isinstance(value, date) else _as_date(value)
    if d is None:
        return escape(str(value)) if value is not None else ""
    text = f"{d.day} {MONTHS[lang][d.month - 1]} {d.year}" if lang == "en" else f"{d.day}. {MONTHS[lang][d.month - 1]} {d.year}"
    return f'<time datetime="{d.isoformat()}">{escape(text)}</time>'


def _datetime(value, lang: str) -> str:
    dt = _as_datetime(value)
    if dt is None:
        return escape(str(value))
    local = dt.astimezone(UTC)
    return f'<time datetime="{local.isoformat().replace("+00:00", "Z")}">{escape(_date(local.date(), lang).split(">", 1)[1].rsplit("<", 1)[0])} {local:%H:%M} UTC</time>'


def _code(model: Model, value, lang: str) -> str:
    if value is None:
        return ""
    text = str(value)
    if text.startswith(str(GREP)):
        return _grep_code(text[len(str(GREP)):], lang)
    if text.startswith(str(SBUK)):
        return escape(label(model, value, lang))
    return escape(text)


def _grep_code(code: str, lang: str) -> str:
    """A Grep code, followed by its title when a Grep snapshot is in use: "ENG1007 Engelsk, vg1 …".
    A title only in another language (Grep's main text) is marked as Norwegian for screen readers."""
    from samtbu.grep import active_snapshot

    snapshot = active_snapshot()
    if snapshot is None or (element := snapshot.get(code)) is None:
        return escape(code)
    from samtbu.grep.store import element_title

    own = element_title(element, lang, fallback=False)
    if own:
        return f'{escape(code)} <span class="grep-tittel">{escape(own)}</span>'
    other = element_title(element, lang)
    return f'{escape(code)} <span class="grep-tittel" lang="no">{escape(other)}</span>' if other else escape(code)


def _grade(model: Model, value, lang: str) -> str:
    if value is None:
        return ""
    notation = str(value).rsplit("/", 1)[-1]
    if notation.isdigit():
        return escape(notation)
    return f'<abbr title="{escape(label(model, value, lang))}">{escape(notation)}</abbr> {escape(label(model, value, lang))}'


def _lang_text(graph: Graph, node, prop, lang: str) -> str | None:
    values = [o for o in graph.objects(node, prop) if isinstance(o, Literal)]
    for wanted in (lang, "nb" if lang == "nn" else "en", "nb", None):
        for v in values:
            if v.language == wanted or wanted is None:
                return str(v)
    return None


def _is(graph: Graph, node, cls, model: Model) -> bool:
    return any(cls in model.hierarchy.with_ancestors(t) for t in _types(graph, node))


def render_overview(
    record: Any,
    lang: str = "nb",
    *,
    disclosures: Path | str | Graph | None = None,
    model: Model | None = None,
    policies: PolicySet | None = None,
    now: datetime | None = None,
    originals: dict[str, DigitalOriginal] | None = None,
    history=None,
) -> str:
    """The learner's overview page as an HTML string. ``originals``: the signed credential of each
    document (by the document's id), checked; the page says per document whether it is a verified
    digital original and offers the signed file for download (inline, so the page stays one file).
    ``history``: a replay's state file (or a dict result IRI -> item) from which the history of
    corrected results is shown."""
    if lang not in LANGS:
        raise SamtbuError(f"unknown language {lang!r} (use nb, nn or en)")
    model = model or Model.load()
    now = now or datetime.now(UTC)
    view = share(record, "laerende", "egen-oversikt", now=now, policies=policies, model=model)
    g = view.graph
    nodes = sorted(set(g.subjects(RDF.type, None)), key=str)
    learners = [n for n in nodes if _is(g, n, SBU.Laerende, model)]
    docs = [n for n in nodes if _is(g, n, SBU.Dokumentasjon, model)]
    comps = [n for n in nodes if _is(g, n, SBU.Sluttkompetanse, model)]
    statuses = [n for n in nodes if _is(g, n, SBU.Fullfoeringsstatus, model)]
    results = [n for n in nodes if _is(g, n, SBU.Vurdering, model)]
    from samtbu.share.overview_history import fagskole_section, history_details, load_history

    history = load_history(history, {str(n) for n in nodes})

    out: list[str] = []
    w = out.append
    title = _t("title", lang)
    w("<!DOCTYPE html>")
    w(f'<html lang="{lang}">')
    w("<head>")
    w('<meta charset="utf-8">')
    w('<meta name="viewport" content="width=device-width, initial-scale=1">')
    w('<meta name="robots" content="noindex">')
    name = ""
    if learners:
        first = g.value(learners[0], SBU.fornavn)
        last = g.value(learners[0], SBU.etternavn)
        name = " ".join(str(x) for x in (first, last) if x is not None)
    w(f"<title>{escape(title + (' – ' + name if name else ''))}</title>")
    w(f"<style>{CSS}</style>")
    w("</head>")
    w("<body>")
    w('<div class="wrap">')
    w("<header>")
    w(f"<h1>{escape(title)}</h1>")
    if learners:
        born = g.value(learners[0], SBU.foedselsdato)
        kind = label(model, sorted(_types(g, learners[0]), key=str)[0], lang) if _types(g, learners[0]) else _t("learner", lang)
        w(f'<p class="person"><strong>{escape(name)}</strong>'
          + (f' <span class="muted">({escape(kind)}{", " + _t("born", lang).lower() + " " + _date(born, lang) if born is not None else ""})</span>' if kind else "")
          + "</p>")
    w(f"<p>{escape(_t('intro', lang))}</p>")
    w("</header>")
    w(f'<nav aria-label="{escape(_t("contents", lang))}"><ul>')
    for anchor, key in (("dokumentasjon", "documents"), ("kompetanse", "competence"), ("fullfoering", "completion"), ("resultater", "results"), ("utleveringer", "disclosures")):
        w(f'<li><a href="#{anchor}">{escape(_t(key, lang))}</a></li>')
    w("</ul></nav>")
    w("<main>")

    # Documentation.
    w('<section aria-labelledby="dokumentasjon">')
    w(f'<h2 id="dokumentasjon">{escape(_t("documents", lang))}</h2>')
    if docs:
        w("<table>")
        w(f'<caption class="muted">{escape(_t("documents", lang))}</caption>')
        columns = ("doc_type", "doc_number", "issuer", "issued", "status") + (("original",) if originals is not None else ())
        w("<thead><tr>" + "".join(f'<th scope="col">{escape(_t(k, lang))}</th>' for k in columns) + "</tr></thead><tbody>")
        for d in docs:
            dtype = next((label(model, t, lang) for t in sorted(_types(g, d), key=str)), "")
            issuer = g.value(d, SBU.utsteder)
            issuer_name = g.value(issuer, SBU.navn) if issuer is not None else None
            w("<tr>"
              f'<th scope="row">{escape(dtype[:1].upper() + dtype[1:])}</th>'
              f"<td>{escape(str(g.value(d, SBU.dokumentnummer) or ''))}</td>"
              f"<td>{escape(str(issuer_name or ''))}</td>"
              f"<td>{_date(g.value(d, SBU.utstedelsesdato), lang)}</td>"
              f"<td>{_code(model, g.value(d, SBU.dokumentstatus), lang)}</td>"
              + (f"<td>{_original(originals.get(str(d)), lang)}</td>" if originals is not None else "")
              + "</tr>")
        w("</tbody></table>")
        if originals:
            w(f'<p class="muted">{escape(_t("original_note", lang))}</p>')
    else:
        w(f"<p>{escape(_t('none_docs', lang))}</p>")
    w("</section>")

    # Competence.
    w('<section aria-labelledby="kompetanse">')
    w(f'<h2 id="kompetanse">{escape(_t("competence", lang))}</h2>')
    if comps:
        for c in comps:
            w('<div class="card"><dl>')
            rows = [
                ("competence_type", _code(model, g.value(c, SBU.kompetansetype), lang)),
                ("programme", _code(model, g.value(c, SBU.utdanningsprogram), lang)),
                ("programme_area", _code(model, g.value(c, SBU.programomraade), lang)),
                ("level", ", ".join(x for x in (_code(model, g.value(c, SBU.nkrNivaa), lang), _code(model, g.value(c, SBU.eqfNivaa), lang)) if x)),
                ("occupation", escape(_lang_text(g, c, SBU.yrkestittel, lang) or "")),
                ("achieved", _date(g.value(c, SBU.oppnaaddDato), lang) if g.value(c, SBU.oppnaaddDato) is not None else ""),
            ]
            for key, value in rows:
                if value:
                    w(f"<dt>{escape(_t(key, lang))}</dt><dd>{value}</dd>")
            w("</dl></div>")
    else:
        w(f"<p>{escape(_t('none_comp', lang))}</p>")
    w("</section>")

    # Completion.
    w('<section aria-labelledby="fullfoering">')
    w(f'<h2 id="fullfoering">{escape(_t("completion", lang))}</h2>')
    if statuses:
        for s in statuses:
            w('<div class="card"><dl>')
            normert = g.value(s, SBU.normertTidAar)
            rows = [
                ("category", _code(model, g.value(s, SBU.fullfoeringskategori), lang)),
                ("programme", _code(model, g.value(s, SBU.utdanningsprogram), lang)),
                ("start_year", escape(str(g.value(s, SBU.startaar) or ""))),
                ("normal_time", f"{escape(str(normert))} {escape(_t('years', lang))}" if normert is not None else ""),
                ("as_of", _date(g.value(s, SBU.statusPerDato), lang) if g.value(s, SBU.statusPerDato) is not None else ""),
            ]
            for key, value in rows:
                if value:
                    w(f"<dt>{escape(_t(key, lang))}</dt><dd>{value}</dd>")
            w("</dl></div>")
    else:
        w(f"<p>{escape(_t('none_completion', lang))}</p>")
    w("</section>")

    # Results, by school year.
    w('<section aria-labelledby="resultater">')
    w(f'<h2 id="resultater">{escape(_t("results", lang))}</h2>')
    if results:
        by_year: dict[str, list] = defaultdict(list)
        for r in results:
            by_year[str(g.value(r, SBU.skoleaar) or "")].append(r)
        provisional = False
        for year in sorted(by_year, key=lambda y: (y == "", y)):
            heading = f"{_t('school_year', lang)} {year}" if year else _t("no_year", lang)
            w("<table>")
            w(f"<caption>{escape(heading)}</caption>")
            w("<thead><tr>" + "".join(f'<th scope="col">{escape(_t(k, lang))}</th>' for k in ("subject", "assessment", "grade", "date", "status")) + "</tr></thead><tbody>")
            rows = sorted(by_year[year], key=lambda r: (str(g.value(r, SBU.gjelderFag) or ""), str(g.value(r, SBU.vurderingstype) or "")))
            for r in rows:
                status = g.value(r, SBU.resultatstatus)
                is_prov = status is not None and str(status).endswith("/foreloepig")
                provisional = provisional or is_prov
                status_html = _code(model, status, lang)
                if is_prov:
                    status_html = f'<span class="badge">{status_html}</span>'
                w("<tr>"
                  f'<th scope="row">{_code(model, g.value(r, SBU.gjelderFag), lang) or "–"}</th>'
                  f"<td>{_code(model, g.value(r, SBU.vurderingstype), lang)}</td>"
                  f'<td class="grade">{_grade(model, g.value(r, SBU.karakter), lang)}</td>'
                  f"<td>{_date(g.value(r, SBU.vurderingsdato), lang) if g.value(r, SBU.vurderingsdato) is not None else ''}</td>"
                  f"<td>{status_html}</td>"
                  "</tr>")
                w(history_details(history.get(str(r)), model, lang, lambda v: _date(v, lang), 5))
            w("</tbody></table>")
        if provisional:
            w(f"<p>{escape(_t('provisional_note', lang))}</p>")
    else:
        w(f"<p>{escape(_t('none_results', lang))}</p>")
    w("</section>")

    # Tertiary vocational education (only when the learner has such results).
    for line in fagskole_section(g, nodes, lambda n, c: _is(g, n, c, model), lambda v: _code(model, v, lang),
                                 lambda v: _date(v, lang), model, lang, history):
        w(line)

    # Disclosures.
    w('<section aria-labelledby="utleveringer">')
    w(f'<h2 id="utleveringer">{escape(_t("disclosures", lang))}</h2>')
    w(f"<p>{escape(_t('disclosure_intro', lang))}</p>")
    if disclosures is None:
        w(f"<p>{escape(_t('no_log', lang))}</p>")
    else:
        log = disclosures if isinstance(disclosures, Graph) else read_log(disclosures)
        entries = learner_disclosures(log, learners)
        if entries:
            w("<table>")
            w(f'<caption class="muted">{escape(_t("disclosures", lang))}</caption>')
            w("<thead><tr>" + "".join(f'<th scope="col">{escape(_t(k, lang))}</th>' for k in ("when", "recipient", "role", "purpose", "basis", "what")) + "</tr></thead><tbody>")
            for entry in entries:
                recipient = log.value(entry, SBU.mottaker)
                recipient_name = log.value(recipient, SBU.navn) if recipient is not None else None
                if recipient is not None and recipient in learners:
                    recipient_name = name
                role = log.value(entry, SBU.mottakerrolle)
                if recipient_name is None:
                    recipient_name = label(model, role, lang) if role is not None else ""
                basis = _code(model, log.value(entry, SBU.behandlingsgrunnlag), lang)
                if log.value(entry, SBU.basertPaaSamtykke) is not None:
                    basis += f" ({escape(_t('consent', lang))})"
                w("<tr>"
                  f"<td>{_datetime(log.value(entry, SBU.utleveringstidspunkt), lang)}</td>"
                  f'<th scope="row">{escape(str(recipient_name))}</th>'
                  f"<td>{_code(model, role, lang)}</td>"
                  f"<td>{_code(model, log.value(entry, SBU.formaal), lang)}</td>"
                  f"<td>{basis}</td>"
                  f"<td>{escape(_what(log, entry, model, lang))}</td>"
                  "</tr>")
            w("</tbody></table>")
        else:
            w(f"<p>{escape(_t('none_disclosures', lang))}</p>")
    w("</section>")
    w("</main>")
    w(f"<footer><p>{_footer(lang, now)}</p></footer>")
    w("</div>")
    w("</body>")
    w("</html>")
    return "\n".join(out) + "\n"


def _original(original: DigitalOriginal | None, lang: str) -> str:
    if original is None:
        return escape(_t("original_none", lang))
    href = "data:application/ld+json;base64," + base64.b64encode(original.data).decode("ascii")
    link = f'<a href="{href}" download="{escape(original.filename)}">{escape(_t("original_download", lang))}</a>'
    if original.valid:
        return f'<strong class="verified">✓ {escape(_t("original_valid", lang))}</strong><br>{link}'
    reason = REASONS.get(original.reason or "", {}).get(lang, original.reason or "")
    return f'<span class="badge">{escape(_t("original_invalid", lang))}: {escape(reason)}</span>'


def _footer(lang: str, now: datetime) -> str:
    text = escape(_t("footer", lang, v=MODEL_VERSION, d="\x00"))
    return text.replace("\x00", _date(now.date(), lang))


def learner_disclosures(log: Graph, learners: list) -> list:
    """The disclosures in a log that concern one of these learners, newest first."""
    wanted = set(learners)
    entries = []
    for entry in log.subjects(RDF.type, SBU.Utlevering):
        resources = list(log.objects(entry, SBU.utlevertRessurs))
        concerned = {o for r in resources for p in (SBU.gjelderLaerende, SBU.utstedtTil) for o in log.objects(r, p)}
        if concerned & wanted:
            entries.append(entry)
    return sorted(entries, key=lambda e: str(log.value(e, SBU.utleveringstidspunkt) or ""), reverse=True)


def _what(log: Graph, entry, model: Model, lang: str) -> str:
    counts: dict[str, int] = defaultdict(int)
    for resource in log.objects(entry, SBU.utlevertRessurs):
        types = sorted(_types(log, resource), key=str)
        counts[label(model, types[0], lang) if types else "?"] += 1
    return ", ".join(f"{n} × {name}" if n > 1 else name for name, n in sorted(counts.items()))


__all__ = ["render_overview", "learner_disclosures"]
