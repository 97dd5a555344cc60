"""Parts of the learner's overview page for the register's history and for fagskoleutdanning:

- the history of a result that has been corrected (from a replay of the event stream: each version
  with its grade, when and by whom it was registered or changed, and why), shown under the result;
- the section for tertiary vocational education: the qualification (programme, credits, NKR level,
  degree) and the course unit assessments (course unit, credits, grade, date, status).

The texts are in bokmål, nynorsk and English; nothing here reads anything the learner's own view
(``share(..., "laerende", "egen-oversikt")``) does not hold, except the history, which concerns the
same results.
"""

from __future__ import annotations

from html import escape
from pathlib import Path

from rdflib import Graph, Literal, URIRef

from samtbu.model import Model
from samtbu.namespaces import SBU, SBUK

T = {
    "history": {"nb": "Historikk", "nn": "Historikk", "en": "History"},
    "changed": {"nb": "Endret {n} gang(er) – vis historikken", "nn": "Endra {n} gong(er) – vis historikken",
                "en": "Changed {n} time(s) – show the history"},
    "version": {"nb": "Versjon {n}", "nn": "Versjon {n}", "en": "Version {n}"},
    "registrert": {"nb": "registrert", "nn": "registrert", "en": "registered"},
    "korrigert": {"nb": "korrigert", "nn": "korrigert", "en": "corrected"},
    "trukket-tilbake": {"nb": "trukket tilbake", "nn": "trekt tilbake", "en": "withdrawn"},
    "erstattet": {"nb": "erstattet av et nytt resultat", "nn": "erstatta av eit nytt resultat", "en": "replaced by a new result"},
    "erstatter": {"nb": "registrert i stedet for et tidligere resultat", "nn": "registrert i staden for eit tidlegare resultat",
                  "en": "registered in place of an earlier result"},
    "by": {"nb": "av", "nn": "av", "en": "by"},
    "reason": {"nb": "Grunn", "nn": "Grunn", "en": "Reason"},
    "grade": {"nb": "karakter", "nn": "karakter", "en": "grade"},
    "current": {"nb": "gjeldende", "nn": "gjeldande", "en": "current"},
    "fagskole": {"nb": "Fagskoleutdanning", "nn": "Fagskoleutdanning", "en": "Tertiary vocational education"},
    "programme": {"nb": "Utdanning", "nn": "Utdanning", "en": "Programme"},
    "credits": {"nb": "Studiepoeng", "nn": "Studiepoeng", "en": "Credits"},
    "level": {"nb": "Nivå", "nn": "Nivå", "en": "Level"},
    "degree": {"nb": "Grad", "nn": "Grad", "en": "Degree"},
    "achieved": {"nb": "Oppnådd", "nn": "Oppnådd", "en": "Achieved"},
    "unit": {"nb": "Emne", "nn": "Emne", "en": "Course unit"},
    "date": {"nb": "Dato", "nn": "Dato", "en": "Date"},
    "status": {"nb": "Status", "nn": "Status", "en": "Status"},
    "assessments": {"nb": "Emnevurderinger", "nn": "Emnevurderingar", "en": "Course unit assessments"},
    "none": {"nb": "Ingen resultater fra fagskoleutdanning er registrert.", "nn": "Ingen resultat frå fagskoleutdanning er registrerte.",
             "en": "No results from tertiary vocational education are recorded."},
}


def _t(key: str, lang: str, **words) -> str:
    text = T[key][lang]
    return text.format(**words) if words else text


def load_history(source, results: set[str]) -> dict[str, dict]:
    """The history items (from a replay's state file, or given as a dict) of these results."""
    if source is None:
        return {}
    if isinstance(source, dict):
        return {k: v for k, v in source.items() if k in results}
    from samtbu.events.replay import load_history as from_file

    return from_file(Path(source), results)


def history_details(item: dict | None, model: Model, lang: str, date_html, colspan: int) -> str:
    """A table row with the history of one result, when it has been changed after its registration."""
    if not item or len(item.get("historikk", [])) < 2:
        return ""
    from samtbu.share.policies import label

    entries = item["historikk"]
    lines = []
    for entry in entries:
        content = entry.get("innhold") or {}
        grade = content.get("karakter") or content.get("fagskolekarakter")
        parts = []
        if entry.get("hendelse") not in ("trukket-tilbake", "erstattet"):
            parts.append(escape(_t("version", lang, n=entry.get("versjon", "?"))))
            if grade:
                scheme = "karakter" if "karakter" in content else "fagskolekarakter"
                parts.append(f"{escape(_t('grade', lang))} <strong>{escape(str(grade))}</strong>"
                             + (f" ({escape(label(model, URIRef(f'{SBUK}{scheme}/{grade}'), lang))})" if not str(grade).isdigit() else ""))
        what = escape(_t(entry.get("hendelse", "registrert"), lang)) if entry.get("hendelse") in T else escape(str(entry.get("hendelse")))
        when = date_html(Literal(entry["tidspunkt"][:10])) if entry.get("tidspunkt") else ""
        who = (entry.get("utfoertAv") or {}).get("navn")
        sentence = f"{what} {when}" + (f" {escape(_t('by', lang))} {escape(who)}" if who else "")
        parts.append(sentence)
        if entry.get("endringsgrunn"):
            reason = label(model, URIRef(f"{SBUK}endringsgrunn/{entry['endringsgrunn']}"), lang)
            text = f"{escape(_t('reason', lang))}: {escape(reason)}"
            if entry.get("begrunnelse"):
                text += f" – «{escape(entry['begrunnelse'])}»"
            parts.append(text)
        lines.append("<li>" + "; ".join(parts) + "</li>")
    changes = sum(1 for e in entries[1:])
    summary = escape(_t("changed", lang, n=changes))
    return (f'<tr class="history"><td colspan="{colspan}"><details><summary>{summary}</summary>'
            f'<ol aria-label="{escape(_t("history", lang))}">' + "".join(lines) + "</ol></details></td></tr>")


def fagskole_section(g: Graph, nodes: list, is_a, code, date_html, model: Model, lang: str, history: dict) -> list[str]:
    """The section with the learner's results from tertiary vocational education."""
    from samtbu.share.policies import label

    qualifications = [n for n in nodes if is_a(n, SBU.Fagskolekvalifikasjon)]
    assessments = [n for n in nodes if is_a(n, SBU.Emnevurdering)]
    if not qualifications and not assessments:
        return []
    out = ['<section aria-labelledby="fagskole">', f'<h2 id="fagskole">{escape(_t("fagskole", lang))}</h2>']

    def text(node, prop) -> str:
        values = [o for o in g.objects(node, prop) if isinstance(o, Literal)]
        for wanted in (lang, "nb" if lang == "nn" else "en", "nb", None):
            for v in values:
                if v.language == wanted or wanted is None:
                    return str(v)
        return ""

    for q in qualifications:
        programme = g.value(q, SBU.fagskoleutdanning)
        rows = [
            ("programme", escape(text(programme, SBU.utdanningsnavn)) if programme is not None else ""),
            ("credits", escape(str(g.value(programme, SBU.studiepoeng) or "")) if programme is not None else ""),
            ("level", ", ".join(x for x in (code(g.value(q, SBU.nkrNivaa)), code(g.value(q, SBU.eqfNivaa))) if x)),
            ("degree", code(g.value(q, SBU.gradsbetegnelse))),
            ("achieved", date_html(g.value(q, SBU.oppnaaddDato)) if g.value(q, SBU.oppnaaddDato) is not None else ""),
        ]
        out.append('<div class="card"><dl>')
        for key, value in rows:
            if value:
                out.append(f"<dt>{escape(_t(key, lang))}</dt><dd>{value}</dd>")
        out.append("</dl></div>")
    if assessments:
        out.append("<table>")
        out.append(f"<caption>{escape(_t('assessments', lang))}</caption>")
        out.append("<thead><tr>" + "".join(f'<th scope="col">{escape(_t(k, lang))}</th>' for k in ("unit", "credits", "grade", "date", "status"))
                   + "</tr></thead><tbody>")

        def by_date_and_unit(n):
            unit = g.value(n, SBU.gjelderEmne)
            return (str(g.value(n, SBU.vurderingsdato) or ""), str(g.value(unit, SBU.emnekode) or "") if unit is not None else "")

        for n in sorted(assessments, key=by_date_and_unit):
            unit = g.value(n, SBU.gjelderEmne)
            name = text(unit, SBU.emnenavn) if unit is not None else ""
            unit_code = str(g.value(unit, SBU.emnekode) or "") if unit is not None else ""
            grade = g.value(n, SBU.fagskolekarakter)
            grade_html = ""
            if grade is not None:
                notation = str(grade).rsplit("/", 1)[-1]
                grade_html = escape(notation) if len(notation) == 1 else escape(label(model, grade, lang))
            out.append("<tr>"
                       f'<th scope="row">{escape(name or unit_code)}' + (f' <span class="muted">({escape(unit_code)})</span>' if name and unit_code else "") + "</th>"
                       f"<td>{escape(str(g.value(unit, SBU.studiepoeng) or '')) if unit is not None else ''}</td>"
                       f'<td class="grade">{grade_html}</td>'
                       f"<td>{date_html(g.value(n, SBU.vurderingsdato)) if g.value(n, SBU.vurderingsdato) is not None else ''}</td>"
                       f"<td>{code(g.value(n, SBU.resultatstatus))}</td>"
                       "</tr>")
            out.append(history_details(history.get(str(n)), model, lang, date_html, 5))
        out.append("</tbody></table>")
    out.append("</section>")
    return out


__all__ = ["history_details", "fagskole_section", "load_history"]
