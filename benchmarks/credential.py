"""Signing and verifying: time per operation for one vitnemål, and a cohort signed on every core.

    python benchmarks/credential.py                                  # latency only (a minute or two)
    nice python benchmarks/credential.py --batch-only --learners 2000 --jobs 2   # the batch only
    python benchmarks/credential.py --learners 60000                 # both (cohort from cohort.py)

Per operation, in-process after warm-up (median and fastest of ``--runs``), for each RDFC-1.0
implementation (pyoxigraph, pyld):

- ``secure``: the Data Integrity proof on an exported OB 3.0 credential (canonicalize the document and
  the proof configuration, hash, sign): what the issue's "sign" target is about;
- ``verify``: every check of ``samtbu verify`` (proof, key, issuer by trust list, dates);
- ``sign end to end``: validate the payload, export it and secure it (``samtbu sign`` without I/O).

The batch generates the synthetic cohort (``cohort.py``, seeded; not timed), then signs it with
``samtbu.credential.batch.sign_batch`` (what ``samtbu sign --batch`` runs) on ``--jobs`` processes, and
prints the wall time, the CPU time of this process and its workers, the rate per wall second and per
CPU second, the load average before and after, how many were refused (the cohort's faulty records do
not validate, so they are not signed), and what the rate gives for 60,000 (an extrapolation, named so).

``--sample-of COHORT --sample N`` signs and verifies N records of a cohort (spread evenly over it)
one by one, as ``samtbu sign`` and ``samtbu verify`` do, and prints JSON: how many were signed and
refused, how many of the signed verify, and the median CPU time per record of each step
(``benchmarks/run.py`` runs it beside its batch, with the baseline's toolkit too).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
VITNEMAAL = REPO / "examples" / "vitnemaal-studiespesialisering.json"
# OB 3.0 names an issuer by the URL of its Profile: the examples' issuer profiles (as `samtbu sign --issuer-profile`)
ISSUER_PROFILES = REPO / "examples" / "issuer-profiles" / "ob3.json"


def _times(fn, runs: int, warmup: int) -> dict:
    """``fn(i)`` timed; each call gets its own i (a distinct proof time, so no cache helps)."""
    for i in range(warmup):
        fn(10_000 + i)
    samples, cpu = [], []
    for i in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        fn(i)
        samples.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    # CPU time beside wall time: on a shared machine the wall time counts the waits for a core, the
    # CPU time (this process's, all its threads) does not, so it is the closer to a quiet machine's.
    return {"median_ms": round(statistics.median(samples), 2), "min_ms": round(min(samples), 2),
            "cpu_median_ms": round(statistics.median(cpu), 2), "cpu_min_ms": round(min(cpu), 2)}


def _created(i: int) -> str:
    return f"2026-06-19T{i // 3600 % 24:02d}:{i // 60 % 60:02d}:{i % 60:02d}Z"


def latency(runs: int, warmup: int, engines=("oxigraph", "pyld")) -> dict:
    from samtbu.credential.contexts import load_contexts
    from samtbu.credential.dataintegrity import add_proof
    from samtbu.credential.issue import sign_credential, unsigned_credential
    from samtbu.credential.keys import SigningKey
    from samtbu.credential.trust import TrustList, add_to_trust_list
    from samtbu.credential.verify import verify_credential
    from samtbu.model import Model

    model = Model.load()
    contexts = load_contexts()
    key = SigningKey.generate()
    data = VITNEMAAL.read_bytes()
    document = unsigned_credential(data, model=model, issuer_profiles=ISSUER_PROFILES).document
    trust = add_to_trust_list(TrustList(), key.public, issuer_id=document["issuer"]["id"], name=None, organisation_numbers=[])
    out = {"credential_bytes": len(json.dumps(document, ensure_ascii=False).encode())}
    # for scale on a busy machine: validating the same payload (benchmarks/run.py's figure, 1.4 ms quiet)
    from samtbu.validate import read_any, validate_payload

    out["validate (for scale)"] = _times(lambda i: validate_payload(read_any(data, model=model), model=model,
                                                                    keep_shacl_report=False), runs, warmup)
    for engine in engines:
        n = runs if engine == "oxigraph" else max(runs // 4, 5)
        # one signed copy per timed verification, each with its own proof time (no cache helps)
        copies = {i: sign_credential(document, key, contexts, engine=engine, created=_created(i))[0]
                  for i in list(range(n)) + list(range(10_000, 10_000 + warmup))}
        assert verify_credential(copies[0], contexts, trust=trust, engine=engine).valid
        operations = {
            "secure": lambda i: add_proof(document, key, contexts, engine=engine, proof_set=True, created=_created(i)),
            "verify": lambda i: verify_credential(copies[i], contexts, trust=trust, engine=engine),
            "sign end to end": lambda i: sign_credential(unsigned_credential(data, model=model, issuer_profiles=ISSUER_PROFILES).document, key, contexts,
                                                         engine=engine, created=_created(i)),
        }
        out[engine] = {}
        for name, operation in operations.items():
            contexts.config_cache.clear()  # each figure starts with nothing remembered
            out[engine][name] = _times(operation, n, warmup)
    return out


def _issuer_profiles(cohort: Path) -> dict:
    """A synthetic OB 3.0 issuer profile (an .example URL, RFC 2606) for every organisation number in
    the cohort, as a register would hold for its schools (examples/issuer-profiles/ob3.json's form)."""
    import re

    numbers = set(re.findall(r'"organisasjonsnummer": ?"(\d{9})"', cohort.read_text(encoding="utf-8")))
    return {n: {"id": f"https://skole-{n}.example/ob3/issuer.json", "url": f"https://skole-{n}.example/"} for n in sorted(numbers)}


def batch(learners: int, jobs: int, workdir: Path, seed: int) -> dict:
    from samtbu.credential.batch import sign_batch
    from samtbu.credential.contexts import load_contexts
    from samtbu.credential.keys import SigningKey

    workdir.mkdir(parents=True, exist_ok=True)
    cohort = workdir / f"cohort-{learners}-{seed}.ndjson"
    if not cohort.is_file():
        subprocess.run([sys.executable, str(REPO / "benchmarks" / "cohort.py"), "--learners", str(learners), "--seed", str(seed),
                        "--out", str(cohort)], check=True)
    out = workdir / f"signed-{learners}.ndjson"
    profiles = workdir / f"issuer-profiles-{learners}-{seed}.json"
    profiles.write_text(json.dumps(_issuer_profiles(cohort)), encoding="utf-8")
    key, contexts = SigningKey.generate(), load_contexts()
    load_before = os.getloadavg()
    refusals = workdir / f"refused-{learners}-{seed}.txt"
    with refusals.open("w", encoding="utf-8") as problems:
        start, cpu_start = time.perf_counter(), _cpu_seconds()
        summary = sign_batch(cohort, out, key, contexts, jobs=jobs, errors=problems, issuer_profiles=profiles)
        wall, cpu = time.perf_counter() - start, _cpu_seconds() - cpu_start
    summary.update(wall_s=round(wall, 1), cpu_s=round(cpu, 1), signed_per_wall_s=round(summary["signed"] / wall, 1),
                   signed_per_cpu_s=round(summary["signed"] / cpu, 1) if cpu else None,
                   cpu_ms_per_record=round(cpu * 1000 / max(summary["records"], 1), 1),
                   load_average_before=[round(x, 2) for x in load_before],
                   load_average_after=[round(x, 2) for x in os.getloadavg()],
                   output_bytes=out.stat().st_size, refusals=str(refusals))
    if learners != 60_000 and summary["signed"]:
        rate = summary["signed"] / wall
        summary["extrapolated_60000_wall_min"] = round(60_000 / rate / 60, 1)  # at this load, not measured
    summary["verified_sample"] = _verify_sample(out, key, contexts)
    return summary


def _cpu_seconds() -> float:
    """User and system time of this process and of its children that have ended (the pool's workers)."""
    import resource

    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _verify_sample(signed: Path, key, contexts, every: int = 500) -> str:
    """Every ``every``-th credential of the batch verified (a batch that signs wrongly is no figure)."""
    from samtbu.credential.trust import TrustList, add_to_trust_list
    from samtbu.credential.verify import verify_credential

    checked = failed = 0
    trust = TrustList()
    with signed.open(encoding="utf-8") as lines:
        for i, line in enumerate(lines):
            if i % every:
                continue
            credential = json.loads(line)
            if not trust.issuers_for(credential["issuer"]["id"], []):
                add_to_trust_list(trust, key.public, issuer_id=credential["issuer"]["id"], name=None, organisation_numbers=[])
            checked += 1
            failed += not verify_credential(credential, contexts, trust=trust).valid
    return f"{checked - failed} of {checked} verify"


def sample_cohort(cohort: Path, size: int, out: Path) -> int:
    """``size`` records of the cohort, spread evenly over it (every k-th line), written to ``out``
    (NDJSON); how many were written."""
    with cohort.open("rb") as lines:
        total = sum(1 for _ in lines)
    step = max(1, total // max(size, 1))
    written = 0
    with cohort.open("rb") as lines, out.open("wb") as sample:
        for i, line in enumerate(lines):
            if i % step == 0 and written < size:
                sample.write(line)
                written += 1
    return written


def sign_sample(sample: Path, engine: str = "oxigraph", warmup: int = 5) -> dict:
    """Every record of ``sample`` (NDJSON) validated and exported, signed and verified one at a time,
    as ``samtbu sign`` (validate, export, add the proof, proof time now) and ``samtbu verify`` (every
    check, the issuer by a trust list that holds the key for each school's issuer profile) do; the
    median CPU time per record of each step. A record that does not validate is refused, as by
    ``samtbu sign``. The first ``warmup`` records are signed once before (contexts parsed, profiles
    compiled), as a batch's first records would be."""
    from collections import Counter

    from samtbu.credential.contexts import load_contexts
    from samtbu.credential.issue import NotSignableError, sign_credential, unsigned_credential
    from samtbu.credential.keys import SigningKey
    from samtbu.credential.trust import TrustList, add_to_trust_list
    from samtbu.credential.verify import verify_credential
    from samtbu.model import Model

    model, contexts, key = Model.load(), load_contexts(), SigningKey.generate()
    profiles = _issuer_profiles(sample)
    records = [line for line in sample.read_bytes().splitlines() if line.strip()]
    trust = TrustList()
    for profile in profiles.values():
        add_to_trust_list(trust, key.public, issuer_id=profile["id"], name=None, organisation_numbers=[])
    for data in records[:warmup]:
        try:
            sign_credential(unsigned_credential(data, model=model, issuer_profiles=profiles).document, key, contexts, engine=engine)
        except NotSignableError:
            pass
    cpu: dict[str, list[float]] = {"validate+export": [], "secure": [], "validate+export+secure": [], "verify": []}
    refused: Counter = Counter()
    verified = 0
    for data in records:
        started = time.process_time()
        try:
            document = unsigned_credential(data, model=model, issuer_profiles=profiles).document
        except NotSignableError as exc:  # the reason's kind (the payload does not validate; not a valid document)
            reason = str(exc)
            refused["does not validate" if "does not validate" in reason else reason.split(":")[0]] += 1
            continue
        exported = time.process_time()
        signed, _ = sign_credential(document, key, contexts, engine=engine)
        secured = time.process_time()
        valid = verify_credential(signed, contexts, trust=trust, engine=engine).valid
        checked = time.process_time()
        verified += bool(valid)
        cpu["validate+export"].append(exported - started)
        cpu["secure"].append(secured - exported)
        cpu["validate+export+secure"].append(secured - started)
        cpu["verify"].append(checked - secured)
    return {"records": len(records), "signed": len(records) - sum(refused.values()), "refused": dict(refused), "verified": verified,
            "engine": engine, "cpu_ms": {step: round(statistics.median(times) * 1000, 3) if times else None
                                         for step, times in cpu.items()}}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=100, help="timed operations per figure (pyld: a quarter)")
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--learners", type=int, default=0, help="also sign a cohort of this many learners")
    parser.add_argument("--batch-only", action="store_true", help="sign the cohort only (no latency figures)")
    parser.add_argument("--engine", action="append", choices=("oxigraph", "pyld"),
                        help="time this RDFC-1.0 implementation only (repeatable; default: both)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "samtbu-bench")
    parser.add_argument("--sample-of", type=Path, metavar="COHORT",
                        help="sign and verify --sample records of this cohort (NDJSON) one by one; print JSON")
    parser.add_argument("--sample", type=int, default=300, help="records of --sample-of (spread evenly)")
    args = parser.parse_args(argv)
    if args.sample_of:
        with tempfile.TemporaryDirectory(prefix="samtbu-sign-") as work:
            sample = Path(work) / "sample.ndjson"
            sample_cohort(args.sample_of, args.sample, sample)
            print(json.dumps(sign_sample(sample, (args.engine or ["oxigraph"])[0])))
        return 0
    figures: dict = {"load_average_before": os.getloadavg()}
    if not args.batch_only:
        figures["latency"] = latency(args.runs, args.warmup, tuple(args.engine or ("oxigraph", "pyld")))
        print(json.dumps(figures, indent=2), flush=True)
    if args.learners:
        figures["batch"] = batch(args.learners, args.jobs, args.workdir, args.seed)
        print(json.dumps({"batch": figures["batch"]}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
