"""A deterministic, seeded generator of a realistic synthetic cohort of learners.

Each record is one learner's document, built from the examples in ``examples/`` by varying the
learner (synthetic fødselsnummer: month + 80, valid mod-11 check digits; names; birth date that
matches the number), the grades, the issue date, the document number, the school (fictitious names,
organisation numbers with a valid mod-11 check digit) and every node id (UUID v5 from the seed).
Proportions (roughly those of a school year's output in Norway): vitnemål for studiespesialisering
45 %, vitnemål for yrkeskompetanse 10 %, kompetansebevis 15 %, fagbrev 30 %, each spread over the
layouts of ``KINDS`` (the examples and valid fixtures).

Variety read from the model, never invented: every grade code of ``vocab/kodelister/karakter.ttl``
is placed where the model allows it (``GRADE_PLACES``; the generator refuses to run if the code list
and that table differ), the programmes and programme areas from the shipped Grep snapshot
(``grep/grep-eksempler.sqlite``). Learners are pupils or privatister; a kompetansebevis documents
partial competence (grade 1, IV, IM, GK, fritak). A few records carry codes the model accepts with
a warning (ID, which is withdrawn; BMG, the old alias of BM).

A share of the records (``--fault-rate``, default 1 %) carries a fault of a known kind (see
``FAULTS``), a few of them across records (the same document number twice, the same record twice);
``Cohort.known_faults`` names the fault each such record really carries. All data is synthetic.

    python benchmarks/cohort.py --learners 60000 --seed 2026 --out /tmp/cohort.ndjson
"""

from __future__ import annotations

import argparse
import copy
import json
import random
import sys
import uuid
from pathlib import Path
from typing import Iterator

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples"
NAMESPACE = uuid.UUID("6f1c0f5e-2b7a-5d0e-9a51-3c0b5e7d2a10")

VALID = REPO / "tests" / "fixtures" / "valid"
GREP_SNAPSHOT = REPO / "grep" / "grep-eksempler.sqlite"
KARAKTER = REPO / "vocab" / "kodelister" / "karakter.ttl"

KINDS = [  # (layout: an example or a valid fixture, profile, share)
    (EXAMPLES / "vitnemaal-studiespesialisering.json", "vitnemaal", 0.35),
    (VALID / "vitnemaal" / "fag-med-to-eksamensformer.json", "vitnemaal", 0.10),
    (EXAMPLES / "vitnemaal-yrkeskompetanse.json", "vitnemaal", 0.10),
    (EXAMPLES / "kompetansebevis-delvis.json", "kompetansebevis", 0.10),
    (VALID / "kompetansebevis" / "nkr-nivaa-3.json", "kompetansebevis", 0.05),
    (EXAMPLES / "fagbrev-elektriker.json", "fagbrev", 0.25),
    (VALID / "fagbrev" / "dokumentnummer-uten-nasjonalt-format.json", "fagbrev", 0.05),
]
PRIVATIST_SHARE = 0.06  # of vitnemål and kompetansebevis: the learner is a privatist

# Where each grade code of the model's code list may stand (profile, field), from the code list's
# own notes (sbu:tillattPaaVitnemaal, sbu:erBestaatt, the scales, scope notes) and the shapes: a
# vitnemål documents passed subjects (1–6 scale and D, F, GK), a kompetansebevis partial competence
# (also 1, IV, IM in the exam field, B/IB for subjects assessed pass/fail), a fagbrev the trade
# examination (B, BM). ID (withdrawn) and BMG (alias of BM) are accepted with a warning; IG must
# never be written on a document: it is one of the faults.
GRADE_PLACES = {
    "1": {("kompetansebevis", "standpunkt"), ("kompetansebevis", "eksamen")},
    **{g: {("vitnemaal", "standpunkt"), ("vitnemaal", "eksamen"), ("kompetansebevis", "standpunkt"),
           ("kompetansebevis", "eksamen")} for g in "23456"},
    "D": {("vitnemaal", "standpunkt"), ("kompetansebevis", "standpunkt")},
    "F": {("vitnemaal", "standpunkt"), ("kompetansebevis", "standpunkt")},
    "GK": {("vitnemaal", "eksamen"), ("kompetansebevis", "eksamen")},
    "IV": {("kompetansebevis", "standpunkt"), ("kompetansebevis", "eksamen")},
    "IM": {("kompetansebevis", "eksamen")},
    "B": {("kompetansebevis", "standpunkt"), ("fagbrev", "fagproeve")},
    "IB": {("kompetansebevis", "standpunkt")},
    "BM": {("fagbrev", "fagproeve")},
    "ID": {("kompetansebevis", "standpunkt")},  # withdrawn: a warning (older data)
    "IG": set(),  # never on a document: fault "karakter-ig"
}
SPECIAL_SHARE = 0.03  # of the grades of a vitnemål or kompetansebevis: a code other than 2–6 where allowed
WARNING_SHARE = 0.004  # records carrying a code the model accepts with a warning (ID, BMG)
FIRST_NAMES = ["Maren", "Noah", "Ingrid", "Jakob", "Sofie", "Emil", "Nora", "Filip", "Ella", "Lukas", "Aurora",
               "Oliver", "Selma", "Henrik", "Frida", "Isak", "Tiril", "Sander", "Hedda", "Magnus", "Ylva", "Mathias"]
LAST_NAMES = ["Lyngvær", "Eidsvåg", "Strømsnes", "Bakkevold", "Fjellheim", "Solbakk", "Nyhus", "Kvamsdal", "Haugland",
              "Rønningen", "Tveitane", "Brekkestø", "Myrvang", "Åsheim", "Lindtveit", "Vågsholm", "Sørbøen", "Hellebust"]
SCHOOL_WORDS = ["Lyngvik", "Elvetun", "Fjordbakken", "Solhaug", "Nordvoll", "Bjørkely", "Storåsen", "Vesthamar",
                "Granlund", "Havbakken", "Lierhaug", "Myrvoll", "Steinsland", "Breivoll", "Kvitåsen", "Furulund"]
GRADE_SCALE = [str(n) for n in range(2, 7)]
GRADE_WEIGHTS = [8, 22, 33, 27, 10]  # 2..6, roughly Udir's spread of standpunkt grades

# Faults of known kinds: (name, share among the faulty records). A fault that does not fit the
# record drawn (no V/K document number, no assessment) falls back to "ukjent-felt", and is named so.
FAULTS = [
    ("fnr-kontrollsiffer", 0.16), ("karakter-ukjent", 0.12), ("vurderingsdato-ugyldig", 0.12),
    ("dokumentnummer-aar", 0.08), ("orgnr-kontrollsiffer", 0.08), ("karakter-mangler", 0.08),
    ("ukjent-felt", 0.04), ("dokumentnummer-dobbelt", 0.08), ("post-dobbelt", 0.04),
    ("karakter-ig", 0.06), ("standpunkt-im", 0.06), ("iv-paa-vitnemaal", 0.08),
]
CROSS_RECORD_FAULTS = ("dokumentnummer-dobbelt", "post-dobbelt")


def grade_codes() -> list[str]:
    """The notations of the model's grade code list (vocab/kodelister/karakter.ttl)."""
    from pyoxigraph import RdfFormat, parse

    notation = "http://www.w3.org/2004/02/skos/core#notation"
    with KARAKTER.open("rb") as f:
        return sorted({q.object.value for q in parse(f, RdfFormat.TURTLE) if q.predicate.value == notation})


def grep_programmes() -> dict[str, list[str]]:
    """Programme code -> its programme areas, from the shipped Grep snapshot."""
    import sqlite3

    with sqlite3.connect(f"file:{GREP_SNAPSHOT}?mode=ro", uri=True) as db:
        programmes = {kode: [] for (kode,) in db.execute("SELECT kode FROM element WHERE type = 'utdanningsprogram'")}
        for kode, data in db.execute("SELECT kode, data FROM element WHERE type = 'programomraade'"):
            for programme in json.loads(data).get("refs", {}).get("utdanningsprogram-referanse", []):
                programmes.setdefault(programme, []).append(kode)
    return {k: sorted(v) for k, v in sorted(programmes.items())}


def grades_for(profile: str, field: str) -> list[str]:
    return sorted(g for g, places in GRADE_PLACES.items() if (profile, field) in places and g not in "23456")


def fnr_check_digits(nine: str) -> str | None:
    w1, w2 = [3, 7, 6, 1, 8, 9, 4, 5, 2], [5, 4, 3, 2, 7, 6, 5, 4, 3, 2]
    r = 11 - sum(int(d) * w for d, w in zip(nine, w1)) % 11
    k1 = 0 if r == 11 else r
    if k1 == 10:
        return None
    ten = nine + str(k1)
    r = 11 - sum(int(d) * w for d, w in zip(ten, w2)) % 11
    k2 = 0 if r == 11 else r
    if k2 == 10:
        return None
    return ten + str(k2)


def synthetic_fnr(rng: random.Random, year: int, month: int, day: int) -> str:
    """A synthetic fødselsnummer (month + 80) with valid check digits; individual number 500–999 (born 2000–2039)."""
    while True:
        individual = rng.randint(500, 999)
        nine = f"{day:02d}{month + 80:02d}{year % 100:02d}{individual:03d}"
        number = fnr_check_digits(nine)
        if number:
            return number


def orgnr(rng: random.Random) -> str:
    weights = [3, 2, 7, 6, 5, 4, 3, 2]
    while True:
        eight = f"{rng.randint(80000000, 99999999)}"
        r = 11 - sum(int(d) * w for d, w in zip(eight, weights)) % 11
        if r == 10:
            continue
        return eight + str(0 if r == 11 else r)


class Cohort:
    def __init__(self, learners: int, seed: int = 2026, fault_rate: float = 0.01):
        self.n = learners
        self.seed = seed
        self.fault_rate = fault_rate
        self.templates = [(json.loads(path.read_text(encoding="utf-8")), profile, share) for path, profile, share in KINDS]
        codes = grade_codes()
        if set(codes) != set(GRADE_PLACES):
            raise SystemExit(f"cohort.py: the model's grade codes {codes} differ from GRADE_PLACES {sorted(GRADE_PLACES)}")
        self.programmes = grep_programmes()
        rng = random.Random(seed)
        self.schools = [
            {"navn": f"{rng.choice(SCHOOL_WORDS)} videregående skole {i + 1}", "organisasjonsnummer": orgnr(rng),
             "id": f"urn:uuid:{uuid.uuid5(NAMESPACE, f'{seed}-skole-{i}')}"}
            for i in range(400)
        ]
        self.known_faults: dict[int, str] = {}
        self.used_fnr: set[str] = set()

    def records(self) -> Iterator[tuple[str, str, dict]]:
        """(record name, profile, payload) for every learner, in order; deterministic for a seed."""
        rng = random.Random(self.seed)
        cumulative, total = [], 0.0
        for template, profile, share in self.templates:
            total += share
            cumulative.append((total, template, profile))
        serial = 0
        previous_number = None
        previous_record = None
        for i in range(self.n):
            x = rng.random() * total
            template, profile = next((t, p) for c, t, p in cumulative if x <= c)
            serial += 1
            doc = self._vary(template, profile, rng, i, serial)
            fault = None
            if rng.random() < self.fault_rate:
                fault = rng.choices([f for f, _ in FAULTS], [w for _, w in FAULTS])[0]
                if fault == "dokumentnummer-dobbelt" and previous_number and previous_number[:1] == doc["dokumentnummer"][:1]:
                    doc["dokumentnummer"] = previous_number  # the same number issued to another document
                elif fault == "post-dobbelt" and previous_record:
                    doc = copy.deepcopy(previous_record[2])
                    profile = previous_record[1]
                elif fault in CROSS_RECORD_FAULTS:
                    fault = None
                else:
                    fault = _apply_fault(doc, fault, rng, profile)
            if fault:
                self.known_faults[i] = fault
            previous_number = doc.get("dokumentnummer")
            previous_record = (f"record-{i:06d}", profile, doc)
            yield f"record-{i:06d}", profile, doc

    def _vary(self, template: dict, profile: str, rng: random.Random, i: int, serial: int) -> dict:
        doc = copy.deepcopy(template)
        ids: dict[str, str] = {}
        school = self.schools[rng.randrange(len(self.schools))]
        shared = {}

        def new_id(old: str) -> str:
            if old not in ids:
                ids[old] = f"urn:uuid:{uuid.uuid5(NAMESPACE, f'{self.seed}-{i}-{old}')}"
            return ids[old]

        # the school that issued the document (and assessed the standpunkt) is one of the pool
        issuer = doc.get("utsteder", {})
        if issuer.get("type") == "Skole":
            shared[issuer["id"]] = school["id"]
            issuer["navn"], issuer["organisasjonsnummer"] = school["navn"], school["organisasjonsnummer"]
        county = (issuer.get("skoleeier") or issuer).get("id")
        stack = [doc]
        while stack:
            node = stack.pop()
            if isinstance(node, dict):
                if isinstance(node.get("id"), str) and node["id"].startswith("urn:uuid:"):
                    old = node["id"]
                    node["id"] = shared.get(old) or (old if old == county else new_id(old))
                if node.get("type") == "Vurdering" and node.get("karakter") in GRADE_SCALE:
                    node["karakter"] = rng.choices(GRADE_SCALE, GRADE_WEIGHTS)[0]
                if node.get("type") == "Sluttkompetanse":
                    self._programme(node, profile, rng)
                stack.extend(node.values())
            elif isinstance(node, list):
                stack.extend(node)
        # the learner
        learner = doc["utstedtTil"]
        year = int(learner["foedselsdato"][:4])
        month, day = rng.randint(1, 12), rng.randint(1, 28)
        learner["foedselsdato"] = f"{year}-{month:02d}-{day:02d}"
        while True:  # one number per learner
            number = synthetic_fnr(rng, year, month, day)
            if number not in self.used_fnr:
                break
            month, day = rng.randint(1, 12), rng.randint(1, 28)
            learner["foedselsdato"] = f"{year}-{month:02d}-{day:02d}"
        self.used_fnr.add(number)
        learner["foedselsnummer"] = number
        learner["fornavn"], learner["etternavn"] = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        if profile in ("vitnemaal", "kompetansebevis") and rng.random() < PRIVATIST_SHARE:
            learner["type"] = "Privatist"
        self._special_grades(doc, profile, rng)
        doc["dokumentnummer"] = document_number(doc, serial)
        return doc

    def _programme(self, node: dict, profile: str, rng: random.Random) -> None:
        """A programme area of the same programme from the Grep snapshot: a Vg3 area for a vitnemål
        or fagbrev, any level for a kompetansebevis (the learner may have left after Vg1 or Vg2)."""
        areas = self.programmes.get(node.get("utdanningsprogram"), [])
        if profile != "kompetansebevis":
            areas = [a for a in areas if a[5:6] == "3"]
        if "programomraade" in node and areas:
            node["programomraade"] = rng.choice(areas)

    def _special_grades(self, doc: dict, profile: str, rng: random.Random) -> None:
        """Codes other than 2–6 where the model allows them (``GRADE_PLACES``), and now and then a
        code accepted with a warning."""
        for v in (x for x in doc.get("dokumenterer", []) if isinstance(x, dict) and x.get("type") == "Vurdering"):
            field = "standpunkt" if v.get("vurderingstype") == "standpunkt" else (
                "fagproeve" if v.get("vurderingstype") == "fagproeve" else "eksamen")
            if field == "fagproeve":
                v["karakter"] = rng.choices(["B", "BM"], [70, 30])[0]
                if rng.random() < WARNING_SHARE:
                    v["karakter"] = "BMG"  # the old alias of BM: accepted with a warning
                continue
            choices = [g for g in grades_for(profile, field) if g != "ID"]
            if profile == "kompetansebevis" and rng.random() < 0.15 or rng.random() < SPECIAL_SHARE:
                if choices and v.get("karakter") in GRADE_SCALE:
                    v["karakter"] = rng.choice(choices)
        if profile == "kompetansebevis" and rng.random() < WARNING_SHARE * 4:
            standpunkt = [x for x in doc["dokumenterer"] if isinstance(x, dict) and x.get("vurderingstype") == "standpunkt"]
            rng.choice(standpunkt)["karakter"] = "ID"  # withdrawn, still read in older data: a warning


def document_number(doc: dict, serial: int) -> str:
    """A vitnemål or kompetansebevis gets Udir's number: V or K, the issuing school's organisation
    number, the year of issue and a 5-digit serial. Other documents have no national format: an
    opaque serial of the issuer's own."""
    number = doc["dokumentnummer"]
    year = doc.get("utstedelsesdato", "")[:4]
    if number[:1] in ("V", "K") and len(number) == 19:
        orgnr = doc.get("utsteder", {}).get("organisasjonsnummer", number[1:10])
        return f"{number[0]}{orgnr}{year}{serial % 100000:05d}"
    return f"{year}/{serial % 1000000:06d}"


def _apply_fault(doc: dict, fault: str, rng: random.Random, profile: str) -> str:
    """Apply a fault; the name of the fault the record now carries (see ``FAULTS``)."""
    vurderinger = [x for x in doc.get("dokumenterer", []) if isinstance(x, dict) and x.get("type") == "Vurdering"]
    standpunkt = [x for x in vurderinger if x.get("vurderingstype") == "standpunkt"]
    if fault == "fnr-kontrollsiffer":
        fnr = doc["utstedtTil"]["foedselsnummer"]
        doc["utstedtTil"]["foedselsnummer"] = fnr[:10] + str((int(fnr[10]) + 1) % 10)
    elif fault == "karakter-ukjent" and vurderinger:
        rng.choice(vurderinger)["karakter"] = "7"
    elif fault == "vurderingsdato-ugyldig" and vurderinger:
        rng.choice(vurderinger)["vurderingsdato"] = "2024-02-30"
    elif fault == "dokumentnummer-aar" and doc["dokumentnummer"][:1] in ("V", "K"):
        number = doc["dokumentnummer"]
        doc["dokumentnummer"] = number[:10] + "2019" + number[14:]
    elif fault == "orgnr-kontrollsiffer" and "organisasjonsnummer" in doc.get("utsteder", {}):
        nr = doc["utsteder"]["organisasjonsnummer"]
        doc["utsteder"]["organisasjonsnummer"] = nr[:8] + str((int(nr[8]) + 1) % 10)
    elif fault == "karakter-mangler" and vurderinger:
        rng.choice(vurderinger).pop("karakter", None)
    elif fault == "karakter-ig" and profile == "kompetansebevis" and standpunkt:
        rng.choice(standpunkt)["karakter"] = "IG"  # never written on a kompetansebevis
    elif fault == "standpunkt-im" and standpunkt:
        rng.choice(standpunkt)["karakter"] = "IM"  # IM is an exam-field code
    elif fault == "iv-paa-vitnemaal" and profile == "vitnemaal" and vurderinger:
        rng.choice(vurderinger)["karakter"] = "IV"  # the subject belongs on a kompetansebevis
    else:
        doc["merknad"] = "fri tekst"
        return "ukjent-felt"
    return fault


def write_ndjson(cohort: Cohort, path: Path) -> dict[str, int]:
    counts: dict[str, int] = {}
    with path.open("w", encoding="utf-8") as out:
        for _name, profile, doc in cohort.records():
            out.write(json.dumps(doc, ensure_ascii=False, separators=(",", ":")) + "\n")
            counts[profile] = counts.get(profile, 0) + 1
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--learners", type=int, default=60000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--fault-rate", type=float, default=0.01)
    parser.add_argument("--out", type=Path, required=True, help="NDJSON file to write (one record per line)")
    args = parser.parse_args(argv)
    cohort = Cohort(args.learners, args.seed, args.fault_rate)
    counts = write_ndjson(cohort, args.out)
    faults: dict[str, int] = {}
    for f in cohort.known_faults.values():
        faults[f] = faults.get(f, 0) + 1
    print(json.dumps({"records": args.learners, "by_profile": counts, "faults": faults}, ensure_ascii=False), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
