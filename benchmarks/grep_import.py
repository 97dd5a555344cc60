"""Import of a synthetic Grep dump (Udir's JSON-LD form), lookups in the snapshot, and the compact
file the snapshot format was measured against.

    python benchmarks/grep_import.py --elements 100000          # prints the figures
    python benchmarks/grep_import.py --elements 100000 --gigabyte  # also a 1 GB dump (memory stays flat)

The dump is seeded and written once to --workdir: one JSON-LD document with ``@graph`` (as a dump of
Grep is), elements in the proportions of the kinds samtbu keeps (fagkoder, opplæringsfag, læreplaner
with their long texts, programområder, utdanningsprogram), each with titles in nob/nno/eng/default,
status, validity and references, every tenth starting its file with a BOM-free @context. The import
runs as `samtbu grep import` in a child process; its peak memory is that process's maximum RSS.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ONT = "http://psi.udir.no/ontologi/kl06/"
IRI = "http://psi.udir.no/kl06/"
STATUS = "https://data.udir.no/kl06/v201906/status/status_"
CONTEXT = {"@vocab": ONT, "uriId": "@id", "uri": {"@type": "@id"}, "url-data": {"@type": "@id"}, "grepType": "@type",
           "grep-type": {"@type": "@id"}, "verdi": "@value", "spraak": "@language", "status": {"@type": "@id"}}
KINDS = [("fagkode", 0.55), ("opplaeringsfag", 0.25), ("laereplan_lk20", 0.08), ("programomraade", 0.11), ("utdanningsprogram", 0.01)]


def _texts(rng: random.Random, words: int) -> list[dict]:
    base = " ".join(rng.choice(("norsk", "matematikk", "fag", "vg1", "vg2", "programfag", "skriftlig", "muntlig")) for _ in range(words))
    return [{"spraak": lang, "verdi": f"{base} {lang}"} for lang in ("nob", "nno", "eng", "default")]


def element(i: int, rng: random.Random) -> dict:
    kind = rng.choices([k for k, _ in KINDS], [w for _, w in KINDS])[0]
    kode = f"{kind[:3].upper()}{i:06d}"
    rec = {"grepType": ONT + kind, "uriId": IRI + kode, "id": f"uuid:{rng.getrandbits(128):032x}", "kode": kode, "uri": IRI + kode,
           "url-data": f"https://data.udir.no/kl06/v201906/{kind}/{kode}", "tittel": _texts(rng, 6), "kortform": _texts(rng, 2),
           "grep-type": ONT + kind, "status": STATUS + rng.choice(("publisert", "publisert", "publisert", "utgaatt")),
           "sist-endret": f"20{rng.randint(10, 25)}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}T12:00:00.0000000",
           "gyldig-fra": f"20{rng.randint(6, 24):02d}-08-01T00:00:00", "gyldig-til": rng.choice((None, "2025-07-31T00:00:00")),
           "erstatter": [{"uriId": f"{IRI}OLD{i:06d}"}], "erstattes-av": [], "merkelapper": [],
           "fagtype": {"uriId": IRI + "fagtype_fellesfag"}, "opplaeringsnivaa": {"uriId": IRI + "opplaeringsnivaa_videregaaende"}}
    if kind == "fagkode":
        rec["opplaeringsfag"] = [{"uriId": f"{IRI}OPP{rng.randint(0, 99999):06d}"} for _ in range(rng.randint(1, 3))]
        rec["tilleggsopplysninger"] = _texts(rng, 20)
    elif kind == "opplaeringsfag":
        rec["programomraader-referanse"] = [{"uriId": f"{IRI}PRO{rng.randint(0, 99999):06d}"} for _ in range(rng.randint(0, 4))]
        rec["laereplan-referanse"] = [{"uriId": f"{IRI}LAE{rng.randint(0, 99999):06d}"}]
    elif kind == "laereplan_lk20":
        rec["fagets-relevans"] = _texts(rng, 300)  # long texts samtbu does not keep
        rec["vurderingsordning"] = _texts(rng, 400)
    elif kind == "programomraade":
        rec["utdanningsprogram-referanse"] = [{"uriId": f"{IRI}UTD{rng.randint(0, 999):06d}"}]
    return rec


def write_dump(path: Path, n: int, seed: int = 2026) -> None:
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8") as out:
        out.write('{"@context": ' + json.dumps(CONTEXT) + ', "@graph": [\n')
        for i in range(n):
            out.write(("" if i == 0 else ",\n") + json.dumps(element(i, rng), ensure_ascii=False))
        out.write("\n]}\n")


def run_import(dump: Path, snapshot: Path) -> dict:
    """`samtbu grep import` in a child process: wall time and that process's own peak RSS."""
    script = ("import resource, sys\n"
              "from samtbu.cli import main\n"
              f"rc = main(['grep', 'import', {str(dump)!r}, '-o', {str(snapshot)!r}, '--date', '2026-12-03'])\n"
              "u = resource.getrusage(resource.RUSAGE_SELF)\n"
              # VmHWM is this process's own peak; ru_maxrss would carry the parent's over fork and exec
              "peak = next(line.split()[1] for line in open('/proc/self/status') if line.startswith('VmHWM:'))\n"
              "print('PEAK', peak, rc, u.ru_utime + u.ru_stime)\n")
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    wall = time.perf_counter() - started
    last = done.stdout.strip().splitlines()[-1].split() if done.stdout.strip() else []
    if done.returncode != 0 or not last or last[0] != "PEAK" or last[2] != "0":
        raise SystemExit(done.stderr or done.stdout)
    return {"wall": wall, "peak_kib": int(last[1]), "cpu": float(last[3]), "stdout": done.stdout}


def lookups(snapshot: Path, n: int) -> dict:
    from samtbu.grep.store import Snapshot

    snap = Snapshot(snapshot)
    codes = snap.codes()
    rng = random.Random(7)
    sample = [rng.choice(codes) for _ in range(2000)]
    started = time.perf_counter()
    opened = Snapshot(snapshot)
    opened.get(sample[0])
    open_ms = (time.perf_counter() - started) * 1000
    cold = []
    for code in sample[:1000]:
        t = time.perf_counter()
        opened.get(code)
        cold.append(time.perf_counter() - t)
    batch = []
    fresh = Snapshot(snapshot)
    for i in range(0, 1000, 25):  # 25 codes per payload, as a vitnemål has
        t = time.perf_counter()
        fresh.get_many(sample[1000 + i:1000 + i + 25])
        batch.append(time.perf_counter() - t)
    warm = []
    for code in sample[:1000]:
        t = time.perf_counter()
        opened.get(code)
        warm.append(time.perf_counter() - t)
    return {"open_ms": open_ms, "cold_us": statistics.median(cold) * 1e6, "warm_us": statistics.median(warm) * 1e6,
            "per_payload_25_us": statistics.median(batch) * 1e6, "elements": len(codes)}


def compact_alternative(snapshot: Path, workdir: Path) -> dict:
    """The other format measured: every element as one JSON line in a gzip file, loaded whole."""
    from samtbu.grep.store import Snapshot

    snap = Snapshot(snapshot)
    path = workdir / "compact.jsonl.gz"
    with gzip.open(path, "wt", encoding="utf-8") as out:
        for code in snap.codes():
            out.write(json.dumps(snap.get(code).to_json(), ensure_ascii=False) + "\n")
    script = ("import gzip, json, resource, time\n"
              "t = time.perf_counter()\n"
              f"with gzip.open({str(path)!r}, 'rt', encoding='utf-8') as f:\n"
              "    data = {d['kode']: d for d in map(json.loads, f)}\n"
              "peak = next(line.split()[1] for line in open('/proc/self/status') if line.startswith('VmHWM:'))\n"
              "print(time.perf_counter() - t, peak, len(data))\n")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout.split()
    return {"load_s": float(out[0]), "peak_kib": int(out[1]), "bytes": path.stat().st_size}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="import of a synthetic Grep dump: time, peak memory, lookup cost")
    parser.add_argument("--elements", type=int, default=100_000)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/samtbu-bench-grep"))
    parser.add_argument("--gigabyte", action="store_true", help="also import a dump of about 1 GB")
    args = parser.parse_args(argv)
    args.workdir.mkdir(parents=True, exist_ok=True)
    dump = args.workdir / f"grep-{args.elements}.jsonld"
    if not dump.exists():
        started = time.perf_counter()
        write_dump(dump, args.elements)
        print(f"dump: {args.elements:,} elements, {dump.stat().st_size / 2**20:,.0f} MiB, written in {time.perf_counter() - started:.1f} s -> {dump}")
    snapshot = args.workdir / f"grep-{args.elements}.sqlite"
    result = run_import(dump, snapshot)
    size = dump.stat().st_size
    print(f"samtbu grep import: {args.elements:,} elements ({size / 2**20:,.0f} MiB) in {result['wall']:.1f} s wall "
          f"({args.elements / result['wall']:,.0f} elements/s, {size / 2**20 / result['wall']:.1f} MiB/s; CPU time {result['cpu']:.1f} s), "
          f"peak memory {result['peak_kib'] / 1024:,.0f} MiB; snapshot {snapshot.stat().st_size / 2**20:,.1f} MiB")
    found = lookups(snapshot, args.elements)
    print(f"lookups in the snapshot: open {found['open_ms']:.2f} ms; one code {found['cold_us']:.0f} µs first time, "
          f"{found['warm_us']:.1f} µs remembered; 25 codes of one payload in one query {found['per_payload_25_us']:.0f} µs")
    alt = compact_alternative(snapshot, args.workdir)
    print(f"compact file instead (gzip JSON lines, {alt['bytes'] / 2**20:,.1f} MiB): loading it whole takes {alt['load_s']:.2f} s "
          f"and {alt['peak_kib'] / 1024:,.0f} MiB before the first lookup")
    if args.gigabyte:
        n = int(args.elements * (2**30 / size)) + 1
        big = args.workdir / f"grep-{n}.jsonld"
        if not big.exists():
            write_dump(big, n, seed=7)
        result = run_import(big, args.workdir / "grep-1g.sqlite")
        print(f"1 GB dump: {n:,} elements ({big.stat().st_size / 2**30:.2f} GiB) in {result['wall']:.1f} s wall "
              f"(CPU time {result['cpu']:.1f} s), peak memory {result['peak_kib'] / 1024:,.0f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
