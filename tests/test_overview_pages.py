"""The learner's overview stays byte for byte what it was while its drawing is made faster: every
example in nb, nn and en, plain, with a disclosure log, with digital originals (verified, not valid,
none) and a Grep snapshot, and with the history of corrected results, compared with the SHA-256 of
each page as stored in tests/fixtures/overview-pages.json.

A change that means to change the page (a text, the CSS, a label in the vocabulary) stores the new
digests with ``SAMTBU_UPDATE_OVERVIEW_PAGES=1 python -m pytest tests/test_overview_pages.py``, and
the diff of that file shows which pages changed."""

from __future__ import annotations

import hashlib
import json
import os
from datetime import datetime, timezone
from pathlib import Path

import pytest
from rdflib import RDF

from samtbu.namespaces import SBU
from samtbu.share import share
from samtbu.share.overview import DigitalOriginal, render_overview
from samtbu.share.view import ShareRefused

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((REPO / "examples").glob("*.json"))
EXPECTED = REPO / "tests" / "fixtures" / "overview-pages.json"
SNAPSHOT = REPO / "grep" / "grep-eksempler.sqlite"
NOW = datetime(2026, 11, 1, 12, 0, tzinfo=timezone.utc)
LANGS = ("nb", "nn", "en")
UPDATE = os.environ.get("SAMTBU_UPDATE_OVERVIEW_PAGES") == "1"


@pytest.fixture(scope="module")
def disclosure_log(tmp_path_factory, model) -> Path:
    """Disclosures of the vitnemål to two recipients (one by consent) and of the fagbrev, at three
    moments, so the newest-first order is fixed."""
    log = tmp_path_factory.mktemp("log") / "utleveringer.ttl"
    for hour, (example, role, purpose, name) in enumerate((
            ("vitnemaal-studiespesialisering.json", "opptak-hoeyere-utdanning", "opptak-hoeyere-utdanning", "Samordna opptak"),
            ("vitnemaal-studiespesialisering.json", "oppfoelgingstjenesten", "oppfoelging", "Oppfølgingstjenesten i Vestland"),
            ("fagbrev-elektriker.json", "nav", "arbeidsrettet-bistand", None))):
        share(REPO / "examples" / example, role, purpose, now=NOW.replace(hour=8 + hour), log=log,
              recipient_name=name, model=model)
    return log


def _nodes(example: Path, model, cls) -> list[str]:
    """The nodes of a class in the learner's own view of a record."""
    graph = share(example, "laerende", "egen-oversikt", now=NOW, model=model).graph
    return sorted({str(s) for s in graph.subjects(RDF.type, None)
                   if any(cls in model.hierarchy.with_ancestors(t) for t in graph.objects(s, RDF.type))})


def _originals(example: Path, model, kind: str) -> dict[str, DigitalOriginal]:
    """A digital original of each document of the record: verified, or not valid (a reason known to
    the page and one it does not know), or none at all."""
    documents = _nodes(example, model, SBU.Dokumentasjon)
    if kind == "none":
        return {}
    reasons = ("tampered", "ikke-en-kjent-grunn")
    return {d: DigitalOriginal(kind == "valid", None if kind == "valid" else reasons[i % 2], f"{{\"n\": {i}}}".encode(),
                               f"dokument-{i}.json") for i, d in enumerate(documents)}


def _history(example: Path, model) -> dict[str, dict]:
    """Every result of the record corrected once after an appeal, and the first withdrawn and
    replaced; one entry without an event (read as registered)."""
    results = _nodes(example, model, SBU.Vurdering) + _nodes(example, model, SBU.Emnevurdering)
    history = {}
    for i, result in enumerate(results):
        grade = "fagskolekarakter" if "emne" in result.lower() else "karakter"
        entries = [
            {"versjon": 1, "hendelse": "registrert", "tidspunkt": "2026-06-20T09:00:00Z", "innhold": {grade: "4" if grade == "karakter" else "C"},
             "utfoertAv": {"navn": "Vestland fylkeskommune"}},
            {"versjon": 2, "hendelse": "korrigert", "tidspunkt": "2026-07-01T10:00:00Z", "innhold": {grade: "IV" if i % 3 == 2 else "5"},
             "endringsgrunn": "klage", "begrunnelse": "Klagenemnda ga medhold <&> \"delvis\""},
        ]
        if i == 0:
            entries += [{"hendelse": "trukket-tilbake", "tidspunkt": "2026-07-02T10:00:00Z", "endringsgrunn": "annullering"},
                        {"versjon": 3, "tidspunkt": "2026-07-03"}]
        history[result] = {"historikk": entries}
    return history


def _variants(model, disclosure_log):
    for example in EXAMPLES:
        for lang in LANGS:
            base = f"{example.stem}/{lang}"
            yield f"{base}/plain", dict(record=example, lang=lang)
            yield f"{base}/disclosures", dict(record=example, lang=lang, disclosures=disclosure_log)
            yield f"{base}/history", dict(record=example, lang=lang, history=_history(example, model))
            for kind in ("valid", "invalid", "none"):
                yield f"{base}/originals-{kind}", dict(record=example, lang=lang, originals=_originals(example, model, kind))
            yield f"{base}/grep", dict(record=example, lang=lang, grep=True)


def _page(model, record, lang, grep=False, **options) -> str | None:
    from samtbu.grep import using
    from samtbu.grep.store import Snapshot

    try:
        with using(Snapshot(SNAPSHOT) if grep else False):
            return render_overview(record, lang, now=NOW, model=model, **options)
    except ShareRefused:
        return None


def test_every_overview_page_is_byte_identical_to_the_stored_one(model, disclosure_log):
    if not SNAPSHOT.is_file():
        pytest.skip(f"the shipped Grep snapshot {SNAPSHOT} is missing")
    digests = {}
    for name, options in _variants(model, disclosure_log):
        page = _page(model, **options)
        digests[name] = None if page is None else hashlib.sha256(page.encode("utf-8")).hexdigest()
    assert sum(d is not None for d in digests.values()) >= 3 * 7 * 10, "fewer pages drawn than examples allow"
    if UPDATE:
        EXPECTED.write_text(json.dumps(digests, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    expected = json.loads(EXPECTED.read_text(encoding="utf-8"))
    changed = sorted(name for name in expected.keys() | digests.keys() if expected.get(name) != digests.get(name))
    assert not changed, f"{len(changed)} overview pages differ from the stored ones: {changed[:10]}"


def test_a_page_drawn_twice_is_the_same(model, disclosure_log):
    """Nothing cached between pages (templates, labels, Grep titles) leaks from one page into the next."""
    example = REPO / "examples" / "vitnemaal-studiespesialisering.json"
    first = {lang: _page(model, example, lang, grep=True, disclosures=disclosure_log) for lang in LANGS}
    _page(model, REPO / "examples" / "fagbrev-elektriker.json", "en")
    again = {lang: _page(model, example, lang, grep=True, disclosures=disclosure_log) for lang in LANGS}
    assert first == again and len(set(first.values())) == 3
    assert _page(model, example, "nb") != first["nb"]  # without the snapshot and the log: another page
