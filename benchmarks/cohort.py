"""A deterministic, seeded generator of a realistic synthetic cohort of learners.

Each record is one learner's document, built from the examples in ``examples/`` by varying the
learner (synthetic fødselsnummer: month + 80, valid mod-11 check digits; names; birth date that
matches the number), the grades, the issue date, the document number, the school (fictitious names,
organisation numbers with a valid mod-11 check digit) and every node id (UUID v5 from the seed).
Proportions (roughly those of a school year's output in Norway): vitnemål for studiespesialisering
45 %, vitnemål for yrkeskompetanse 10 %, kompetansebevis 15 %, fagbrev 30 %. About 1 % of the
records carry a fault of a known kind (see ``FAULTS``), a few of them across records (the same
document number twice, the same record twice). All data is synthetic.

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

KINDS = [  # (example, profile, share)
    ("vitnemaal-studiespesialisering.json", "vitnemaal", 0.45),
    ("vitnemaal-yrkeskompetanse.json", "vitnemaal", 0.10),
    ("kompetansebevis-delvis.json", "kompetansebevis", 0.15),
    ("fagbrev-elektriker.json", "fagbrev", 0.30),
]
FIRST_NAMES = ["Maren", "Noah", "Ingrid", "Jakob", "Sofie", "Emil", "Nora", "Filip", "Ella", "Lukas", "Aurora",
               "Oliver", "Selma", "Henrik", "Frida", "Isak", "Tiril", "Sander", "Hedda", "Magnus", "Ylva", "Mathias"]
LAST_NAMES = ["Lyngvær", "Eidsvåg", "Strømsnes", "Bakkevold", "Fjellheim", "Solbakk", "Nyhus", "Kvamsdal", "Haugland",
              "Rønningen", "Tveitane", "Brekkestø", "Myrvang", "Åsheim", "Lindtveit", "Vågsholm", "Sørbøen", "Hellebust"]
SCHOOL_WORDS = ["Lyngvik", "Elvetun", "Fjordbakken", "Solhaug", "Nordvoll", "Bjørkely", "Storåsen", "Vesthamar",
                "Granlund", "Havbakken", "Lierhaug", "Myrvoll", "Steinsland", "Breivoll", "Kvitåsen", "Furulund"]
GRADE_SCALE = [str(n) for n in range(2, 7)]
GRADE_WEIGHTS = [8, 22, 33, 27, 10]  # 2..6, roughly Udir's spread of standpunkt grades

# Faults of known kinds: (name, share among the faulty records)
FAULTS = [
    ("fnr-kontrollsiffer", 0.2), ("karakter-ukjent", 0.15), ("vurderingsdato-ugyldig", 0.15),
    ("dokumentnummer-aar", 0.1), ("orgnr-kontrollsiffer", 0.1), ("karakter-mangler", 0.1),
    ("ukjent-felt", 0.05), ("dokumentnummer-dobbelt", 0.1), ("post-dobbelt", 0.05),
]


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
        self.templates = [(json.loads((EXAMPLES / name).read_text()), profile, share) for name, profile, share in KINDS]
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
            doc = self._vary(template, rng, i, serial)
            fault = None
            if rng.random() < self.fault_rate:
                fault = rng.choices([f for f, _ in FAULTS], [w for _, w in FAULTS])[0]
                if fault == "dokumentnummer-dobbelt" and previous_number and previous_number[:1] == doc["dokumentnummer"][:1]:
                    doc["dokumentnummer"] = previous_number  # the same number issued to another document
                elif fault == "post-dobbelt" and previous_record:
                    doc = copy.deepcopy(previous_record[2])
                    profile = previous_record[1]
                elif fault in ("dokumentnummer-dobbelt", "post-dobbelt"):
                    fault = None
                else:
                    _apply_fault(doc, fault, rng)
            if fault:
                self.known_faults[i] = fault
            previous_number = doc.get("dokumentnummer")
            previous_record = (f"record-{i:06d}", profile, doc)
            yield f"record-{i:06d}", profile, doc

    def _vary(self, template: dict, rng: random.Random, i: int, serial: int) -> dict:
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
        doc["dokumentnummer"] = document_number(doc, serial)
        return doc


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


def _apply_fault(doc: dict, fault: str, rng: random.Random) -> None:
    vurderinger = [x for x in doc.get("dokumenterer", []) if isinstance(x, dict) and x.get("type") == "Vurdering"]
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
    elif fault == "ukjent-felt":
        doc["merknad"] = "fri tekst"
    else:
        doc["merknad"] = "fri tekst"


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
