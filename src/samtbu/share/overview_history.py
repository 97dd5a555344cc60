"""Parts of the learner's overview page for the register's history and for fagskoleutdanning:

- the history of a result that has been corrected (from a replay of the event stream: each version
  with its grade, when and by whom it was registered or changed, and why), shown under the result;
- the section for tertiary vocational education: the qualification (programme, credits, NKR level,
  degree) and the course unit assessments (course unit, credits, grade, date, status).

Both are values for the page's template (templates/overview.html.j2); their texts, in bokmål,
nynorsk and English, are the table «history» of templates/overview.yaml. Nothing here reads anything
the learner's own view (``share(..., "laerende", "egen-oversikt")``) does not hold, except the
history, which concerns the same results.
"""

from __future__ import annotations

from pathlib import Path

from rdflib import Graph, Literal, URIRef

from samtbu.model import Model
from samtbu.namespaces import SBU as _SBU, SBUK


class _Terms:
    """The model's terms, each made once: rdflib makes a new URIRef (and checks it) at every
    ``SBU.name``, and a page asks for the same few terms in every row."""

    def __getattr__(self, name: str) -> URIRef:
        term = _SBU[name]
        setattr(self, name, term)
        return term


SBU = _Terms()


# What happened to a result, as the history names it (a text of each; another word is shown as it is).
EVENTS = ("registrert", "korrigert", "trukket-tilbake", "erstattet", "erstatter")


def _t(key: str, lang: str, **words) -> str:
    from samtbu.share.overview import texts

    text = texts()["history"][key][lang]
    return text.format(**words) if words else text


def code_label(model: Model, iri, lang: str) -> str:
    """A term's or code's label (``policies.label``), looked up once per model, term and language:
    a page shows the same few codes in every row, and every page the same code lists."""
    labels = model.derive("overview-labels", lambda _model: {})
    key = (str(iri), lang)
    found = labels.get(key)
    if found is None:
        from samtbu.share.policies import label

        found = labels[key] = label(model, iri, lang)
    return found


def lang_text(graph: Graph, node, prop, lang: str) -> str | None:
    """A text of a node in the page's language, else nb for nn, en for the others, else nb, else any."""
    values = [o for o in graph.objects(node, prop) if isinstance(o, Literal)]
    for wanted in (lang, "nb" if lang == "nn" else "en", "nb", None):
        for v in values:
            if v.language == wanted or wanted is None:
                return str(v)
    return None


def load_history(source, results: set[str]) -> dict[str, dict]:
    """The history items (from a replay's state file, or given as a dict) of these results."""
    if source is None:
        return {}
    if isinstance(source, dict):
        return {k: v for k, v in source.items() if k in results}
    from samtbu.events.replay import load_history as from_file

    return from_file(Path(source), results)


def history_view(item: dict | None, model: Model, lang: str, date_of) -> dict | None:
    """The history of one result, when it has been changed after its registration: a summary and
    one entry per version or change (what, when, by whom, why; the version's grade)."""
    if not item or len(item.get("historikk", [])) < 2:
        return None
    entries = []
    for entry in item["historikk"]:
        content = entry.get("innhold") or {}
        event = entry.get("hendelse")
        view = {"version": None, "grade": None, "grade_name": None, "who": (entry.get("utfoertAv") or {}).get("navn"),
                "what": _t(event or "registrert", lang) if (event or "registrert") in EVENTS else str(event),
                "when": date_of(Literal(entry["tidspunkt"][:10])) if entry.get("tidspunkt") else "",
                "reason": None, "because": entry.get("begrunnelse")}
        if event not in ("trukket-tilbake", "erstattet"):
            view["version"] = _t("version", lang, n=entry.get("versjon", "?"))
            grade = content.get("karakter") or content.get("fagskolekarakter")
            if grade:
                scheme = "karakter" if "karakter" in content else "fagskolekarakter"
                view["grade"] = str(grade)
                view["grade_name"] = None if str(grade).isdigit() else code_label(model, URIRef(f"{SBUK}{scheme}/{grade}"), lang)
        if entry.get("endringsgrunn"):
            view["reason"] = code_label(model, URIRef(f"{SBUK}endringsgrunn/{entry['endringsgrunn']}"), lang)
        entries.append(view)
    return {"summary": _t("changed", lang, n=len(entries) - 1), "entries": entries}


def fagskole_section(g: Graph, nodes: list, is_a, code, date_of, model: Model, lang: str, history: dict) -> dict | None:
    """The learner's results from tertiary vocational education (None when there are none): the
    qualifications as cards of (text key, value), the course unit assessments by date and unit."""
    qualifications = [n for n in nodes if is_a(n, SBU.Fagskolekvalifikasjon)]
    assessments = [n for n in nodes if is_a(n, SBU.Emnevurdering)]
    if not qualifications and not assessments:
        return None
    cards = []
    for q in qualifications:
        programme = g.value(q, SBU.fagskoleutdanning)
        rows = [
            ("programme", lang_text(g, programme, SBU.utdanningsnavn, lang) or "" if programme is not None else ""),
            ("credits", str(g.value(programme, SBU.studiepoeng) or "") if programme is not None else ""),
            ("level", [x for x in (code(g.value(q, SBU.nkrNivaa)), code(g.value(q, SBU.eqfNivaa))) if x]),
            ("degree", code(g.value(q, SBU.gradsbetegnelse))),
            ("achieved", date_of(g.value(q, SBU.oppnaaddDato))),
        ]
        cards.append([(key, value) for key, value in rows if value])

    def by_date_and_unit(n):
        unit = g.value(n, SBU.gjelderEmne)
        return (str(g.value(n, SBU.vurderingsdato) or ""), str(g.value(unit, SBU.emnekode) or "") if unit is not None else "")

    units = []
    for n in sorted(assessments, key=by_date_and_unit):
        unit = g.value(n, SBU.gjelderEmne)
        grade = g.value(n, SBU.fagskolekarakter)
        notation = str(grade).rsplit("/", 1)[-1] if grade is not None else ""
        units.append({
            "name": lang_text(g, unit, SBU.emnenavn, lang) or "" if unit is not None else "",
            "code": str(g.value(unit, SBU.emnekode) or "") if unit is not None else "",
            "credits": str(g.value(unit, SBU.studiepoeng) or "") if unit is not None else "",
            "grade": notation if len(notation) == 1 or grade is None else code_label(model, grade, lang),
            "date": date_of(g.value(n, SBU.vurderingsdato)),
            "status": code(g.value(n, SBU.resultatstatus)),
            "history": history_view(history.get(str(n)), model, lang, date_of),
        })
    return {"qualifications": cards, "assessments": units}


__all__ = ["history_view", "fagskole_section", "code_label", "lang_text", "load_history"]
