"""The learner's own overview: one accessible, printable HTML page in nb, nn or en.

It shows the learner's results, competence, completion status and documentation, and who has
received what (from a disclosure log). The page is built from the learner's own view (the policy
for the role «laerende» and the purpose «egen-oversikt»), so it shows what that policy allows and
nothing else. No external resources: inline CSS, no scripts, no web fonts. The identity number is
not printed.
"""

from __future__ import annotations

import base64
import functools
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, UTC
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from rdflib import RDF, Graph

from samtbu.errors import SamtbuError
from samtbu.model import Model
from samtbu.namespaces import GREP, MODEL_VERSION, SBUK
from samtbu.share.overview_history import SBU, code_label, fagskole_section, history_view, lang_text, load_history
from samtbu.share.policies import PolicySet
from samtbu.share.view import _as_date, _as_datetime, _types, read_log, share
from samtbu.templating import render

LANGS = ("nb", "nn", "en")

@dataclass
class DigitalOriginal:
    """A signed credential of one document, as checked (``samtbu.credential.verify``) for the page."""

    valid: bool
    reason: str | None
    data: bytes  # the signed file, offered for download
    filename: str


@functools.cache
def texts() -> dict[str, dict]:
    """The page's texts (templates/overview.yaml): texts, history, months, reasons; each text by language.
    Read with libyaml where PyYAML has it (2 ms instead of 24 ms of the first page)."""
    text = resources.files("samtbu.share").joinpath("templates", "overview.yaml").read_text(encoding="utf-8")
    if hasattr(yaml, "CSafeLoader"):
        return yaml.load(text, Loader=yaml.CSafeLoader)
    return yaml.safe_load(text)


def _t(key: str, lang: str, **kwargs) -> str:
    text = texts()["texts"][key][lang]
    return text.format(**kwargs) if kwargs else text


@functools.cache
def _in(lang: str, table: str = "texts") -> dict[str, str]:
    """One language's texts of a table, by key."""
    return {key: by_lang[lang] for key, by_lang in texts()[table].items()}


@dataclass(frozen=True)
class Time:
    """A date (or a moment) as the page shows it: ``<time datetime="iso">text</time>``."""

    iso: str
    text: str


@dataclass(frozen=True)
class GrepCode:
    """A Grep code with its title; ``lang`` is the title's language when it is not the page's."""

    code: str
    title: str
    lang: str = ""


@dataclass(frozen=True)
class NamedGrade:
    """A grade whose notation is not a number (IV, Deltatt …), shown with its name."""

    notation: str
    name: str


def _date_text(d: date, lang: str) -> str:
    month = texts()["months"][lang][d.month - 1]
    return f"{d.day} {month} {d.year}" if lang == "en" else f"{d.day}. {month} {d.year}"


def _date(value, lang: str) -> Time | str:
    """A date of the record (its text when it is no date; "" for none)."""
    if value is None:
        return ""
    d = value if isinstance(value, date) else _as_date(value)
    if d is None:
        return str(value)
    return Time(d.isoformat(), _date_text(d, lang))


def _datetime(value, lang: str) -> Time | str:
    dt = _as_datetime(value)
    if dt is None:
        return str(value)
    local = dt.astimezone(UTC)
    return Time(local.isoformat().replace("+00:00", "Z"), f"{_date_text(local.date(), lang)} {local:%H:%M} UTC")


_NO_SNAPSHOT = object()


class _Codes:
    """Codes as one page shows them: a Grep code with its title (from the Grep snapshot in use, looked
    up once per page), a code of ours by its label, anything else as its text."""

    def __init__(self, model: Model, lang: str):
        self.model, self.lang = model, lang
        self._snapshot: Any = _NO_SNAPSHOT

    def __call__(self, value) -> GrepCode | str:
        if value is None:
            return ""
        text = str(value)
        if text.startswith(_GREP):
            return self.grep_code(text[len(_GREP):])
        if text.startswith(_SBUK):
            return code_label(self.model, value, self.lang)
        return text

    def grep_code(self, code: str) -> GrepCode | str:
        """A Grep code, followed by its title when a Grep snapshot is in use: "ENG1007 Engelsk, vg1 …".
        A title only in another language (Grep's main text) is marked as Norwegian for screen readers."""
        if self._snapshot is _NO_SNAPSHOT:
            from samtbu.grep import active_snapshot

            self._snapshot = active_snapshot()
        if self._snapshot is None or (element := self._snapshot.get(code)) is None:
            return code
        from samtbu.grep.store import element_title

        own = element_title(element, self.lang, fallback=False)
        if own:
            return GrepCode(code, own)
        other = element_title(element, self.lang)
        return GrepCode(code, other, "no") if other else code


_GREP, _SBUK = str(GREP), str(SBUK)


def _grade(model: Model, value, lang: str) -> NamedGrade | str:
    if value is None:
        return ""
    notation = str(value).rsplit("/", 1)[-1]
    if notation.isdigit():
        return notation
    return NamedGrade(notation, code_label(model, value, lang))


def _card(rows: list[tuple[str, Any]]) -> list[tuple[str, Any]]:
    """The rows of a card that have a value."""
    return [(key, value) for key, value in rows if value]


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
    """The learner's overview page as an HTML string (templates/overview.html.j2). ``originals``: the
    signed credential of each document (by the document's id), checked; the page says per document
    whether it is a verified digital original and offers the signed file for download (inline, so
    the page stays one file). ``history``: a replay's state file (or a dict result IRI -> item) from
    which the history of corrected results is shown."""
    if lang not in LANGS:
        raise SamtbuError(f"unknown language {lang!r} (use nb, nn or en)")
    model = model or Model.load()
    now = now or datetime.now(UTC)
    view = share(record, "laerende", "egen-oversikt", now=now, policies=policies, model=model)
    page = _Page(view.graph, model, lang)
    history = load_history(history, {str(n) for n in page.nodes})
    learners = page.of(SBU.Laerende)
    name = page.learner_name(learners)
    footer = _t("footer", lang, v=MODEL_VERSION, d="\x00").split("\x00")
    context: dict[str, Any] = {
        "lang": lang,
        "t": _in(lang),
        "h": _in(lang, "history"),
        "name": name,
        "person": page.person(learners[0]) if learners else None,
        "documents": page.documents(originals),
        "originals": originals,
        "competences": page.competences(),
        "statuses": page.statuses(),
        "years": page.results(lambda r: history_view(history.get(str(r)), model, lang, lambda v: _date(v, lang))),
        "fagskole": fagskole_section(page.graph, page.nodes, page.is_a, page.code_of, lambda v: _date(v, lang),
                                     model, lang, history),
        "disclosures": None if disclosures is None else page.disclosures(disclosures, learners, name),
        "footer": (footer[0], _date(now.date(), lang), footer[1]),
    }
    context["provisional"] = any(row["provisional"] for year in context["years"] for row in year["rows"])
    return render("samtbu.share", "overview.html.j2", **context)


class _Page:
    """What the page shows of the learner's view, in one language, as the template's values."""

    def __init__(self, graph: Graph, model: Model, lang: str):
        self.graph, self.model, self.lang = graph, model, lang
        self.nodes = sorted(set(graph.subjects(RDF.type, None)), key=str)
        hierarchy = model.hierarchy
        # each node's classes and their superclasses, once: the page asks every node for several classes
        self.kinds = {n: frozenset().union(*(hierarchy.with_ancestors(t) for t in _types(graph, n))) for n in self.nodes}
        self.code_of = _Codes(model, lang)

    def is_a(self, node, cls) -> bool:
        kinds = self.kinds.get(node)
        if kinds is None:  # a node without a type of its own: the same answer as for the typed ones
            kinds = self.kinds[node] = frozenset().union(*(self.model.hierarchy.with_ancestors(t) for t in _types(self.graph, node)))
        return cls in kinds

    def of(self, cls) -> list:
        return [n for n in self.nodes if self.is_a(n, cls)]

    def code(self, node, prop):
        return self.code_of(self.graph.value(node, prop))

    def date(self, node, prop):
        return _date(self.graph.value(node, prop), self.lang)

    def learner_name(self, learners: list) -> str:
        if not learners:
            return ""
        first, last = self.graph.value(learners[0], SBU.fornavn), self.graph.value(learners[0], SBU.etternavn)
        return " ".join(str(x) for x in (first, last) if x is not None)

    def person(self, learner) -> dict:
        types = _types(self.graph, learner)
        kind = code_label(self.model, sorted(types, key=str)[0], self.lang) if types else _t("learner", self.lang)
        return {"kind": kind, "born": self.date(learner, SBU.foedselsdato)}

    def documents(self, originals: dict[str, DigitalOriginal] | None) -> list[dict]:
        rows = []
        for d in self.of(SBU.Dokumentasjon):
            dtype = next((code_label(self.model, t, self.lang) for t in sorted(_types(self.graph, d), key=str)), "")
            issuer = self.graph.value(d, SBU.utsteder)
            issuer_name = self.graph.value(issuer, SBU.navn) if issuer is not None else None
            rows.append({
                "type": dtype[:1].upper() + dtype[1:],
                "number": str(self.graph.value(d, SBU.dokumentnummer) or ""),
                "issuer": str(issuer_name or ""),
                "issued": self.date(d, SBU.utstedelsesdato),
                "status": self.code(d, SBU.dokumentstatus),
                "original": _original(originals.get(str(d)), self.lang) if originals is not None else None,
            })
        return rows

    def competences(self) -> list[list]:
        return [_card([
            ("competence_type", self.code(c, SBU.kompetansetype)),
            ("programme", self.code(c, SBU.utdanningsprogram)),
            ("programme_area", self.code(c, SBU.programomraade)),
            ("level", [x for x in (self.code(c, SBU.nkrNivaa), self.code(c, SBU.eqfNivaa)) if x]),
            ("occupation", lang_text(self.graph, c, SBU.yrkestittel, self.lang) or ""),
            ("achieved", self.date(c, SBU.oppnaaddDato)),
        ]) for c in self.of(SBU.Sluttkompetanse)]

    def statuses(self) -> list[list]:
        cards = []
        for s in self.of(SBU.Fullfoeringsstatus):
            normert = self.graph.value(s, SBU.normertTidAar)
            cards.append(_card([
                ("category", self.code(s, SBU.fullfoeringskategori)),
                ("programme", self.code(s, SBU.utdanningsprogram)),
                ("start_year", str(self.graph.value(s, SBU.startaar) or "")),
                ("normal_time", f"{normert} {_t('years', self.lang)}" if normert is not None else ""),
                ("as_of", self.date(s, SBU.statusPerDato)),
            ]))
        return cards

    def results(self, history_of) -> list[dict]:
        """The results by school year (no school year last), each sorted by subject and assessment."""
        g = self.graph
        by_year: dict[str, list] = defaultdict(list)
        for r in self.of(SBU.Vurdering):
            by_year[str(g.value(r, SBU.skoleaar) or "")].append(r)
        years = []
        for year in sorted(by_year, key=lambda y: (y == "", y)):
            rows = []
            for r in sorted(by_year[year], key=lambda r: (str(g.value(r, SBU.gjelderFag) or ""), str(g.value(r, SBU.vurderingstype) or ""))):
                status = g.value(r, SBU.resultatstatus)
                rows.append({
                    "subject": self.code(r, SBU.gjelderFag), "assessment": self.code(r, SBU.vurderingstype),
                    "grade": _grade(self.model, g.value(r, SBU.karakter), self.lang), "date": self.date(r, SBU.vurderingsdato),
                    "status": self.code_of(status), "history": history_of(r),
                    "provisional": status is not None and str(status).endswith("/foreloepig"),
                })
            years.append({"heading": f"{_t('school_year', self.lang)} {year}" if year else _t("no_year", self.lang), "rows": rows})
        return years

    def disclosures(self, disclosures: Path | str | Graph, learners: list, name: str) -> list[dict]:
        log = disclosures if isinstance(disclosures, Graph) else read_log(disclosures)
        rows = []
        for entry in learner_disclosures(log, learners):
            recipient = log.value(entry, SBU.mottaker)
            recipient_name = log.value(recipient, SBU.navn) if recipient is not None else None
            if recipient is not None and recipient in learners:
                recipient_name = name
            role = log.value(entry, SBU.mottakerrolle)
            if recipient_name is None:
                recipient_name = code_label(self.model, role, self.lang) if role is not None else ""
            rows.append({
                "when": _datetime(log.value(entry, SBU.utleveringstidspunkt), self.lang),
                "recipient": str(recipient_name),
                "role": self.code_of(role),
                "purpose": self.code_of(log.value(entry, SBU.formaal)),
                "basis": self.code_of(log.value(entry, SBU.behandlingsgrunnlag)),
                "consent": log.value(entry, SBU.basertPaaSamtykke) is not None,
                "what": _what(log, entry, self.model, self.lang),
            })
        return rows


def _original(original: DigitalOriginal | None, lang: str) -> dict | None:
    """A document's signed original as the page offers it: verified (a data: link to download) or why not."""
    if original is None:
        return None
    reason = texts()["reasons"].get(original.reason or "", {}).get(lang, original.reason or "")
    href = "data:application/ld+json;base64," + base64.b64encode(original.data).decode("ascii")
    return {"valid": original.valid, "reason": reason, "href": href, "filename": original.filename}


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
        counts[code_label(model, types[0], lang) if types else "?"] += 1
    return ", ".join(f"{n} × {name}" if n > 1 else name for name, n in sorted(counts.items()))


__all__ = ["render_overview", "learner_disclosures"]
