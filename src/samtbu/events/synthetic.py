"""A synthetic event stream: registrations of single results from schools and tertiary vocational
colleges, corrections after appeal, withdrawals and replacements, all valid, in time order.

Everything is made up and deterministic for a seed: fødselsnummer with 80 added to the month and
valid check digits, organisation numbers with a valid mod-11 check digit (starting with 99, not
meant to match a real body; the county councils carry their real names and no number). Used by the
benchmark (``benchmarks/events.py``) and the tests, and by ``samtbu events generate`` for anyone who
wants a stream to try a receiver with.
"""

from __future__ import annotations

import json
import random
import uuid
from datetime import date, datetime, timedelta, UTC
from typing import IO

from samtbu.events.cloudevents import TYPE_OF_CLASS

_W1 = (3, 7, 6, 1, 8, 9, 4, 5, 2)
_W2 = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)
_WORG = (3, 2, 7, 6, 5, 4, 3, 2)


def synthetic_fnr(born: date, individual: int) -> str | None:
    """A synthetic fødselsnummer (month + 80) with valid check digits, or None when the individual
    number gives a check digit of 10 (no valid number)."""
    base = f"{born.day:02d}{born.month + 80:02d}{born.year % 100:02d}{individual:03d}"
    digits = [int(c) for c in base]
    k1 = (11 - sum(a * b for a, b in zip(digits, _W1)) % 11) % 11
    if k1 == 10:
        return None
    digits.append(k1)
    k2 = (11 - sum(a * b for a, b in zip(digits, _W2)) % 11) % 11
    if k2 == 10:
        return None
    return base + f"{k1}{k2}"


def synthetic_orgnr(prefix8: str) -> str | None:
    """A 9-digit organisation number with a valid mod-11 check digit, or None."""
    k = (11 - sum(int(c) * w for c, w in zip(prefix8, _WORG)) % 11) % 11
    return None if k == 10 else prefix8 + str(k)


def _uuid(*parts) -> str:
    return "urn:uuid:" + str(uuid.uuid5(uuid.NAMESPACE_URL, "samtbu-synthetic|" + "|".join(str(p) for p in parts)))


_GIVEN = ("Noah", "Emma", "Jakob", "Nora", "Lukas", "Sofie", "Filip", "Ella", "Oskar", "Maja", "Aksel", "Ingrid", "Amir", "Leah", "Isak", "Sara")
_FAMILY = ("Berg", "Haugland", "Solbakken", "Nyberg", "Eidsvåg", "Strand", "Lie", "Aasen", "Myhre", "Dahl", "Vik", "Moen")
_FAG = ("NOR1267", "NOR1268", "ENG1007", "MAT1021", "NAT1007", "SAK1001", "GEO1003", "HIS1010", "REL1003", "KRO1019", "REA3056", "REA3038")
_COUNTIES = ("Vestland fylkeskommune", "Rogaland fylkeskommune", "Trøndelag fylkeskommune", "Nordland fylkeskommune")
_LIVE = 20_000
_EMNER = (("FNE-101", "Realfag", "Mathematics and physics"), ("FNE-102", "Elektroteknikk", "Electrical engineering"),
          ("FTB-204", "Betongteknologi", "Concrete technology"), ("FHA-102", "Aldring og helse", "Ageing and health"),
          ("FNE-201", "Energiforsyning og miljø", "Energy supply and the environment"), ("FNE-202", "Automatisering", "Automation"))


class _World:
    def __init__(self, rng: random.Random):
        self.rng = rng
        self.schools = []
        for k in range(12):
            number = next(n for n in (synthetic_orgnr(f"9987{k:02d}{j:02d}") for j in range(10, 99)) if n)
            self.schools.append({"id": _uuid("skole", k), "type": "Skole", "navn": f"Syntetisk videregående skole {k + 1}",
                                 "organisasjonsnummer": number,
                                 "skoleeier": {"id": _uuid("fylke", k % len(_COUNTIES)), "type": "Fylkeskommune", "navn": _COUNTIES[k % len(_COUNTIES)]}})
        self.colleges = []
        for k in range(4):
            number = next(n for n in (synthetic_orgnr(f"9988{k:02d}{j:02d}") for j in range(10, 99)) if n)
            self.colleges.append({"id": _uuid("fagskole", k), "type": "Fagskole", "navn": f"Syntetisk fagskole {k + 1}", "organisasjonsnummer": number})

    def learner(self, n: int, student: bool) -> dict:
        rng = random.Random(n)
        born = date(1998 + rng.randrange(6), 1 + rng.randrange(12), 1 + rng.randrange(28)) if student else \
            date(2007 + rng.randrange(3), 1 + rng.randrange(12), 1 + rng.randrange(28))
        individual = 500 + rng.randrange(500)
        fnr = None
        while fnr is None:
            fnr = synthetic_fnr(born, individual)
            individual = 500 + (individual - 499) % 500
        return {"id": _uuid("laerende", n), "type": "Fagskolestudent" if student else "Elev", "foedselsnummer": fnr,
                "fornavn": _GIVEN[rng.randrange(len(_GIVEN))], "etternavn": _FAMILY[rng.randrange(len(_FAMILY))],
                "foedselsdato": born.isoformat()}


def _org_ref(org: dict) -> dict:
    return {k: v for k, v in org.items() if k != "skoleeier"} | ({"skoleeier": org["skoleeier"]} if "skoleeier" in org else {})


def generate(out: IO[str], events: int, *, seed: int = 1, learners: int | None = None,
             corrections: float = 0.10, withdrawals: float = 0.03, replacements: float = 0.02) -> dict:
    """Write ``events`` events (NDJSON) to ``out``; returns counts per kind of change."""
    rng = random.Random(seed)
    world = _World(rng)
    learners = learners or max(1, events // 4)
    live: list = []  # results in force that a later change may concern (at most _LIVE of them)

    def keep(item) -> None:
        if len(live) < _LIVE:
            live.append(item)
        else:  # the one it replaces stays in force; no later event concerns it
            live[rng.randrange(_LIVE)] = item

    def take():
        j = rng.randrange(len(live))
        item = live[j]
        live[j] = live[-1]
        live.pop()
        return item
    counts = {"Registrering": 0, "Korrigering": 0, "Tilbaketrekking": 0, "Erstatning": 0}
    clock = datetime(2026, 6, 10, 6, 0, tzinfo=UTC)
    serial = 0

    def new_result(n_learner: int) -> tuple[dict, dict]:
        nonlocal serial
        serial += 1
        student = n_learner % 5 == 0
        learner = world.learner(n_learner, student)
        if student:
            college = world.colleges[n_learner % len(world.colleges)]
            code, name_nb, name_en = _EMNER[rng.randrange(len(_EMNER))]
            content = {"id": _uuid("resultat", seed, serial), "type": "Emnevurdering", "gjelderLaerende": learner,
                       "gjelderEmne": {"id": _uuid("emne", code), "type": "Emne", "emnekode": code,
                                       "emnenavn": {"nb": name_nb, "en": name_en}, "studiepoeng": 10},
                       "fagskolekarakter": "ABCDE"[rng.randrange(5)],
                       "vurderingsdato": (date(2026, 5, 20) + timedelta(days=rng.randrange(15))).isoformat(),
                       "resultatstatus": "endelig", "vurdertAv": college}
            return content, college
        school = world.schools[n_learner % len(world.schools)]
        content = {"id": _uuid("resultat", seed, serial), "type": "Vurdering", "gjelderLaerende": learner,
                   "vurderingstype": "standpunkt" if rng.random() < 0.8 else "skriftlig-eksamen",
                   "gjelderFag": _FAG[rng.randrange(len(_FAG))], "karakter": str(2 + rng.randrange(5)),
                   "vurderingsdato": (date(2026, 5, 20) + timedelta(days=rng.randrange(15))).isoformat(),
                   "skoleaar": "2025-2026", "vurdertAv": _org_ref(school), "somPrivatist": False, "resultatstatus": "endelig"}
        return content, school

    for i in range(events):
        clock += timedelta(seconds=1 + rng.randrange(30))
        roll = rng.random()
        if live and roll < corrections:
            kind = "Korrigering"
        elif live and roll < corrections + withdrawals:
            kind = "Tilbaketrekking"
        elif live and roll < corrections + withdrawals + replacements:
            kind = "Erstatning"
        else:
            kind = "Registrering"
        when = clock.strftime("%Y-%m-%dT%H:%M:%SZ")
        data: dict = {"id": _uuid("endring", seed, i), "type": kind, "endringstidspunkt": when}
        if kind == "Registrering":
            content, org = new_result(rng.randrange(learners))
            keep((content, org))
            data["gjelderResultat"] = content
        else:
            content, org = take()
            if kind == "Korrigering":
                content = dict(content)
                if content["type"] == "Vurdering":
                    content["karakter"] = str(2 + (int(content["karakter"]) - 1) % 5)
                else:
                    content["fagskolekarakter"] = "ABCDE"[("ABCDE".index(content["fagskolekarakter"]) + 1) % 5]
                keep((content, org))
                data.update(endringsgrunn="klage", begrunnelse="Karakteren er endret etter at klagen ble tatt til følge.",
                            gjelderResultat=content)
            elif kind == "Tilbaketrekking":
                data.update(endringsgrunn="annullering" if rng.random() < 0.5 else "retting",
                            begrunnelse="Resultatet gjelder ikke lenger.", gjelderResultat=content["id"])
            else:
                serial_before = content["id"]
                replacement = dict(content)
                replacement["id"] = _uuid("erstatning", seed, i)
                keep((replacement, org))
                data.update(endringsgrunn="retting", begrunnelse="Resultatet var registrert med feil og er registrert på nytt.",
                            erstattetResultat=serial_before, gjelderResultat=replacement)
                content = replacement
        data["utfoertAv"] = {"id": org["id"], "type": org["type"], "navn": org["navn"], "organisasjonsnummer": org["organisasjonsnummer"]}
        if isinstance(data["gjelderResultat"], dict):
            result = dict(data["gjelderResultat"])
            result["vurdertAv"] = {"id": org["id"]}  # described once, in utfoertAv
            data["gjelderResultat"] = result
        counts[kind] += 1
        subject = content["id"] if kind != "Tilbaketrekking" else data["gjelderResultat"]
        event = {"specversion": "1.0", "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"samtbu-synthetic-event|{seed}|{i}")),
                 "source": f"urn:samtbu:kilde:{org['organisasjonsnummer']}", "type": TYPE_OF_CLASS[kind],
                 "subject": subject, "time": when, "datacontenttype": "application/json", "data": data}
        out.write(json.dumps(event, ensure_ascii=False, separators=(",", ":")) + "\n")
    return counts


__all__ = ["generate", "synthetic_fnr", "synthetic_orgnr"]
