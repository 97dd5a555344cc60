"""Benchmark: our batch validator against plain pyshacl on the same synthetic cohort.

    python benchmarks/run.py --learners 60000 --jobs 2 --per-stratum 3 --baseline main

1. Generates the cohort (benchmarks/cohort.py, seeded) as NDJSON, unless it exists, with the fault
   each faulty record carries beside it (``.faults.json``).
2. Runs ``samtbu validate --batch`` on it (a separate process, all workers) and measures wall time,
   CPU time and peak memory (RSS summed over the process tree, sampled every 50 ms); with
   ``--baseline REV`` the toolkit of that git revision too, in the same run, and checks that both
   wrote the same results for every record; then the batch with the Grep snapshot; then signing
   (unless ``--no-signing``): ``--sign-sample`` records of the cohort (300, spread evenly) validated,
   exported, signed and verified one by one as ``samtbu sign`` and ``samtbu verify`` do
   (benchmarks/credential.py ``--sample-of``, a fresh process of each tree): the median CPU time per
   record of secure, verify and the whole validate+export+secure path, how many were signed and
   refused, and how many of the signed verify (any that does not fails the run).
3. The identity check against plain pyshacl (``pyshacl.validate`` on each record's rdflib graph, as
   the pipeline's pyshacl engine does, nothing cached), on a stratified sample: ``--per-stratum``
   records of every injected fault kind, of the records with warnings and of the conforming ones.
   For each stratum it prints how many records and results were compared; it fails (exit 1, the
   differences printed) on any difference, on an empty stratum, and on a stratum of faults or
   warnings where no result was compared. Faults across records (one document number twice, one
   record twice) are outside any one record, so pyshacl cannot see them: each injected one must be
   among the batch's cross-record results instead. pyshacl's time per record is extrapolated to the
   whole cohort on the same number of cores, and labelled so.
4. The cost per record at 1 %, 10 % and 50 % faulty records (``--fault-rates``, a cohort of
   ``--cost-learners`` each).
5. The in-process latency of validating one typical payload (median after warm-up).

With ``--batch-only`` only step 2 without Grep, ``--rounds`` times (this tree and the baseline taking
turns), with the start-up of each (a batch of one record) taken off: the figures to compare a change
of the batch itself, the best round of each quoted (CPU time, so that a busy machine counts less):

    python benchmarks/run.py --learners 6000 --jobs 2 --batch-only --rounds 3 --baseline main
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import tempfile
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from itertools import zip_longest
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "benchmarks"))


def _rss_tree(pid: int) -> int:
    """Resident memory of a process and all its descendants, in bytes (Linux /proc)."""
    total = 0
    stack = [pid]
    while stack:
        p = stack.pop()
        try:
            with open(f"/proc/{p}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1]) * 1024
                        break
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as f:
                    stack.extend(int(c) for c in f.read().split())
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
    return total


def measure(cmd: list[str], env: dict | None = None) -> tuple[float, int, subprocess.Popen, str]:
    """Run a command; (wall seconds, peak RSS of its process tree, the process, its stderr)."""
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    peak = 0
    done = threading.Event()

    def sample():
        nonlocal peak
        while not done.is_set():
            peak = max(peak, _rss_tree(proc.pid))
            time.sleep(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    stdout, stderr = proc.communicate()
    done.set()
    sampler.join()
    return time.perf_counter() - started, peak, proc, stderr


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_batch(cohort: Path, out: Path, jobs: int, grep: Path | None = None, env: dict | None = None) -> dict:
    """``samtbu validate --batch`` in a child process (``env``: another toolkit's PYTHONPATH)."""
    cmd = [sys.executable, "-m", "samtbu.cli", "validate", "--batch", str(cohort), "-r", "json", "-o", str(out),
           "-j", str(jobs), "--color", "never", "--grep", str(grep) if grep else "none"]
    cpu = children_cpu()
    wall, peak, proc, stderr = measure(cmd, env)
    cpu = children_cpu() - cpu
    if proc.returncode not in (0, 1):
        raise SystemExit(f"batch failed ({proc.returncode}):\n{stderr}")
    summary = None
    with out.open(encoding="utf-8") as f:
        for line in f:
            if line.startswith('{"summary"'):
                summary = json.loads(line)["summary"]
    return {"wall": wall, "cpu": cpu, "peak_rss": peak, "summary": summary, "stderr": stderr}


def baseline_env(rev: str, work: Path) -> dict:
    """An environment that runs the toolkit and model of git revision ``rev`` (``git archive``)."""
    folder = work / "baseline"
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    archive = subprocess.run(["git", "-C", str(REPO), "archive", rev], capture_output=True, check=True)
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive.stdout, check=True)
    env = {**os.environ, "PYTHONPATH": str(folder / "src")}
    warm_cache(env)
    return env


def warm_cache(env: dict | None = None) -> None:
    """Build the compiled-model cache entry (if the toolkit has one) outside the timed runs, as any
    earlier call on the machine would have."""
    for grep in ("none", str(REPO / "grep" / "grep-eksempler.sqlite")):
        subprocess.run([sys.executable, "-m", "samtbu.cli", "validate", str(REPO / "examples" / "enkeltresultat.json"),
                        "--grep", grep], env=env, capture_output=True)


def record_lines(report: Path) -> Iterator[tuple[str, list]]:
    """(source, its results as sorted keys) for each record of a batch report, in its order."""
    with report.open(encoding="utf-8") as f:
        for line in f:
            record = json.loads(line)
            if "summary" not in record:
                yield record.get("source", "?"), _result_keys(record.get("results", []))


def same_reports(a: Path, b: Path) -> tuple[int, int, list[str]]:
    """Compare two batch reports record by record: (records, results, sources that differ)."""
    records = results = 0
    differing = []
    for (source_a, results_a), (source_b, results_b) in zip_longest(record_lines(a), record_lines(b), fillvalue=("?", None)):
        records += 1
        results += len(results_a or [])
        if source_a != source_b or results_a != results_b:
            differing.append(source_a)
    return records, results, differing


def print_batch(label: str, learners: int, run: dict) -> None:
    s = run["summary"]
    print(f"{label}: {learners:,} records in {run['wall']:.1f} s wall, {run['cpu']:.1f} s CPU "
          f"({learners / run['wall']:,.0f} records/s; {run['cpu'] / learners * 1000:.2f} ms CPU per record), "
          f"peak memory {run['peak_rss'] / 2**20:,.0f} MiB (process tree)")
    print(f"  {s['conforming']:,} conforming, {s['with_violations']:,} with violations, {s['with_warnings']:,} with warnings, "
          f"{s['unreadable']:,} unreadable, {s['results']:,} results, {s['cross_record_results']:,} cross-record results")


def _result_keys(results) -> list:
    keys = []
    for r in results:
        get = r.get if isinstance(r, dict) else (lambda k, _r=r: getattr(_r, k))
        focus = get("focus_node")
        pointer = get("pointer")
        if pointer is not None and ":" not in str(focus):
            focus = pointer  # blank node ids differ between two readings; the pointer names the node
        keys.append(tuple(str(x) for x in (focus, get("path"), get("source_shape"), get("constraint"),
                                           get("severity"), get("value"), pointer)))
    return sorted(keys)


def strata(ours: Path, faults: dict[int, str]) -> tuple[dict[str, list[int]], dict[int, dict], dict[int, list]]:
    """The records of the cohort by stratum: each injected fault kind, the records without a fault
    that have warnings, and the conforming ones (from the batch report); and our per-record and
    cross-record reports by record index."""
    from cohort import FAULTS

    by_stratum: dict[str, list[int]] = {name: [] for name, _ in FAULTS}
    by_stratum.update({"warnings (no fault injected)": [], "conforming": []})
    mine: dict[int, dict] = {}
    cross: dict[int, list] = {}
    with ours.open(encoding="utf-8") as f:
        for line in f:
            record = json.loads(line)
            if "source" not in record:
                continue
            n = int(record["source"].rsplit(":", 1)[1]) - 1
            if record.get("crossRecord"):
                cross.setdefault(n, []).extend(record["results"])
                continue
            mine[n] = record
            severities = {r["severity"] for r in record["results"]}
            if n in faults:
                by_stratum[faults[n]].append(n)
            elif severities == {"Warning"}:
                by_stratum["warnings (no fault injected)"].append(n)
            elif not severities:
                by_stratum["conforming"].append(n)
    return by_stratum, mine, cross


def identity_check(cohort: Path, ours: Path, faults: dict[int, str], per_stratum: int, learners: int) -> dict:
    """Plain pyshacl on ``per_stratum`` records of each stratum (spread evenly over the stratum),
    compared result by result with the batch's report of the same record."""
    from cohort import CROSS_RECORD_FAULTS

    from samtbu.model import Model
    from samtbu.validate import validate

    model = Model.load()
    by_stratum, mine, cross = strata(ours, faults)
    chosen: dict[str, list[int]] = {}
    for name, members in by_stratum.items():
        step = max(1, len(members) // max(per_stratum, 1))
        chosen[name] = members[::step][:per_stratum]
    wanted = {i for members in chosen.values() for i in members}
    with cohort.open(encoding="utf-8") as f:
        payloads = {i: line for i, line in enumerate(f) if i in wanted}
    seconds, rows, failures = 0.0, [], []
    for name, members in chosen.items():
        compared = results = identical = 0
        for i in members:
            started = time.perf_counter()
            report = validate(payloads[i], None, model=model, engine="pyshacl", grep=False, source=f"{cohort}:{i + 1}")
            seconds += time.perf_counter() - started
            theirs, ours_keys = _result_keys(report.results), _result_keys(mine[i]["results"])
            compared += 1
            results += len(theirs)
            if theirs == ours_keys:
                identical += 1
            else:
                failures.append(f"{name}, record {i + 1}: pyshacl only {sorted(set(theirs) - set(ours_keys))}, "
                                f"fast engine only {sorted(set(ours_keys) - set(theirs))}")
        rows.append((name, len(by_stratum[name]), compared, results, identical))
        if not compared:
            failures.append(f"{name}: no record in this stratum (the cohort has none: raise --learners or the fault rate)")
        elif name not in ("conforming", *CROSS_RECORD_FAULTS) and not results:
            failures.append(f"{name}: {compared} records compared but no result in any: the check compares nothing")
    # faults across records: every injected one is among the batch's cross-record results
    # (the records themselves may conform: their per-record results are compared above all the same)
    injected = sorted(i for i, name in faults.items() if name in CROSS_RECORD_FAULTS)
    missed = [i + 1 for i in injected if i not in cross]
    if missed:
        failures.append(f"cross-record faults not reported for records {missed[:10]}")
    for kind in CROSS_RECORD_FAULTS:
        if not any(name == kind for name in faults.values()):
            failures.append(f"{kind}: no record in the cohort carries this fault")
    return {"rows": rows, "failures": failures, "seconds": seconds, "records": sum(r[2] for r in rows),
            "results": sum(r[3] for r in rows), "cross_injected": len(injected), "cross_missed": len(missed)}


def latency(kind: str, runs: int = 300, warmup: int = 100, seed: int = 7, grep=False) -> tuple[float, float]:
    """Median in-process time of ``validate()`` on one payload (bytes in, report out), over distinct
    learners of one kind (a different seed from the cohort's), after warm-up: (wall ms, CPU ms).
    ``grep``: a snapshot path to check the Grep codes against too (the lookups and the Grep shapes
    are then included)."""
    from cohort import Cohort

    payloads = [json.dumps(doc) for _n, profile, doc in Cohort(8 * (runs + warmup), seed, fault_rate=0).records()
                if profile == kind][: runs + warmup]
    return _median_times(payloads, warmup, grep)


def latency_example(example: str, runs: int = 300, warmup: int = 30, grep=False) -> tuple[float, float]:
    """As :func:`latency`, for one example payload validated again and again."""
    data = (REPO / "examples" / example).read_bytes()
    return _median_times([data] * (runs + warmup), warmup, grep)


def _median_times(payloads: list, warmup: int, grep) -> tuple[float, float]:
    """Median wall and CPU time (ms) of ``validate()`` per payload after the first ``warmup``."""
    from samtbu.grep import resolve_snapshot
    from samtbu.model import Model
    from samtbu.validate import validate

    model = Model.load()
    snapshot = resolve_snapshot(grep) or False
    for data in payloads[:warmup]:
        validate(data, None, model=model, grep=snapshot)
    walls, cpus = [], []
    for data in payloads[warmup:]:
        started, started_cpu = time.perf_counter(), time.process_time()
        validate(data, None, model=model, grep=snapshot)
        cpus.append(time.process_time() - started_cpu)
        walls.append(time.perf_counter() - started)
    return statistics.median(walls) * 1000, statistics.median(cpus) * 1000


def load_average() -> str:
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


def make_cohort(workdir: Path, learners: int, seed: int, fault_rate: float) -> tuple[Path, dict[int, str]]:
    """The cohort's NDJSON file (written once) and the fault each faulty record carries."""
    from cohort import Cohort, write_ndjson

    workdir.mkdir(parents=True, exist_ok=True)
    path = workdir / f"cohort-v2-{learners}-{seed}-{fault_rate:g}.ndjson"
    faults_file = path.with_suffix(".faults.json")
    if not path.exists() or not faults_file.exists():
        started = time.perf_counter()
        cohort = Cohort(learners, seed, fault_rate)
        counts = write_ndjson(cohort, path)
        faults_file.write_text(json.dumps(cohort.known_faults), encoding="utf-8")
        print(f"cohort: {learners:,} learners {counts}, {len(cohort.known_faults):,} with an injected fault, "
              f"written in {time.perf_counter() - started:.1f} s -> {path}")
    return path, {int(k): v for k, v in json.loads(faults_file.read_text(encoding="utf-8")).items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="samtbu batch validation against plain pyshacl")
    parser.add_argument("--learners", type=int, default=60000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--fault-rate", type=float, default=0.01, help="share of faulty records in the main cohort")
    parser.add_argument("--per-stratum", type=int, default=3, help="records pyshacl validates in each stratum")
    parser.add_argument("--baseline", metavar="REV", help="also run the batch with the toolkit at this git revision (e.g. main)")
    parser.add_argument("--fault-rates", default="0.01,0.1,0.5", help="cost per record at these shares of faulty records ('' to skip)")
    parser.add_argument("--cost-learners", type=int, default=6000, help="cohort size for each of --fault-rates")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/samtbu-bench"))
    parser.add_argument("--grep", type=Path, default=REPO / "grep" / "grep-eksempler.sqlite",
                        help="Grep snapshot for the runs with Grep (default: the one shipped for the examples)")
    parser.add_argument("--no-latency", action="store_true", help="skip the single-payload latencies")
    parser.add_argument("--no-signing", action="store_true", help="skip signing and verifying a sample of the cohort")
    parser.add_argument("--sign-sample", type=int, default=300, help="records of the cohort signed and verified (default 300)")
    parser.add_argument("--latency-only", action="store_true", help="only the single-payload latencies, without and with Grep")
    parser.add_argument("--latency-json", action="store_true", help=argparse.SUPPRESS)  # one round, for side by side
    parser.add_argument("--batch-only", action="store_true",
                        help="only the batch without Grep (and the baseline's), --rounds times, start-up taken off; no identity check")
    parser.add_argument("--rounds", type=int, default=1, help="with --batch-only: rounds of the batch (each tree in turn)")
    args = parser.parse_args(argv)
    if args.latency_json:
        print(json.dumps({kind: latency_example(kind) if kind.endswith(".json") else latency(kind) for kind in LATENCY_KINDS}))
        return 0
    if args.latency_only:
        if args.baseline:  # side by side with the baseline, each in fresh processes taking turns
            work = Path(tempfile.mkdtemp(prefix="samtbu-run-"))
            try:
                print(f"machine: {os.cpu_count()} cores; load average {load_average()} at the start")
                latency_side_by_side(args.baseline, baseline_env(args.baseline, work))
                print(f"load average {load_average()} at the end")
            finally:
                shutil.rmtree(work, ignore_errors=True)
        else:
            print_latencies(args.grep)
        return 0

    print(f"machine: {os.cpu_count()} cores; load average {load_average()} at the start; samtbu batch on {args.jobs} worker(s)")
    cohort, faults = make_cohort(args.workdir, args.learners, args.seed, args.fault_rate)
    if args.batch_only:
        return batch_rounds(args, cohort)
    work = Path(tempfile.mkdtemp(prefix="samtbu-run-"))
    failed = False
    try:
        old_env = baseline_env(args.baseline, work) if args.baseline else None
        warm_cache()
        ours_out = args.workdir / f"report-{args.learners}.jsonl"
        if old_env is not None:  # the baseline first, then ours, so that a warming machine favours neither
            old_out = args.workdir / f"report-{args.learners}-{args.baseline}.jsonl"
            old = run_batch(cohort, old_out, args.jobs, env=old_env)
            print_batch(f"samtbu --batch at {args.baseline} (baseline)", args.learners, old)
        ours = run_batch(cohort, ours_out, args.jobs)
        print_batch("samtbu --batch (this tree)", args.learners, ours)
        if old_env is not None:
            records, results, differing = same_reports(old_out, ours_out)
            print(f"  this tree / {args.baseline}: wall {ours['wall'] / old['wall']:.2f}x, CPU {ours['cpu'] / old['cpu']:.2f}x, "
                  f"peak memory {ours['peak_rss'] / old['peak_rss']:.2f}x; results identical for {records - len(differing):,}/{records:,} "
                  f"records ({results:,} results compared)" + (f"; DIFFERING: {differing[:10]}" if differing else ""))
            failed |= bool(differing)
        if args.grep:
            with_grep = run_batch(cohort, args.workdir / f"report-{args.learners}-grep.jsonl", args.jobs, args.grep)
            print_batch(f"samtbu --batch --grep {args.grep.name}", args.learners, with_grep)
            print(f"  with Grep / without: wall {with_grep['wall'] / ours['wall']:.2f}x, CPU {with_grep['cpu'] / ours['cpu']:.2f}x")

        if not args.no_signing:
            failed |= not signing(cohort, args.sign_sample, args.baseline, old_env)

        check = identity_check(cohort, ours_out, faults, args.per_stratum, args.learners)
        print(f"identity check against plain pyshacl, {args.per_stratum} records per stratum:")
        print(f"  {'stratum':32} {'in cohort':>9} {'compared':>9} {'results':>8} {'identical':>9}")
        for name, members, compared, results, identical in check["rows"]:
            print(f"  {name:32} {members:>9,} {compared:>9} {results:>8} {identical:>9}")
        print(f"  total: {check['records']} records, {check['results']} results compared; cross-record faults injected "
              f"{check['cross_injected']}, reported {check['cross_injected'] - check['cross_missed']} (the batch's global pass)")
        per_record = check["seconds"] / max(check["records"], 1)
        extrapolated = per_record * args.learners / args.jobs
        print(f"pyshacl (plain): {per_record * 1000:,.0f} ms/record; EXTRAPOLATED to {args.learners:,} records on {args.jobs} cores: "
              f"{extrapolated:,.0f} s ({extrapolated / 3600:,.1f} h); ratio to samtbu {extrapolated / ours['wall']:,.0f}x")
        if check["failures"]:
            failed = True
            print("IDENTITY CHECK FAILED:")
            for line in check["failures"]:
                print(f"  {line}")
        else:
            print("identity check: PASSED (every compared result identical, every stratum non-empty)")

        rates = [float(x) for x in args.fault_rates.split(",") if x.strip()]
        if rates:
            # the start-up (model load, compile, workers) of a batch of one record, taken off each run
            one = work / "one.ndjson"
            with cohort.open("rb") as f:
                one.write_bytes(f.readline())
            start_new = run_batch(one, work / "one.jsonl", args.jobs)
            start_old = run_batch(one, work / "one.jsonl", args.jobs, env=old_env) if old_env is not None else None
            print(f"start-up of a batch (one record): this tree {start_new['wall']:.2f} s wall, {start_new['cpu']:.2f} s CPU"
                  + (f"; {args.baseline} {start_old['wall']:.2f} s wall, {start_old['cpu']:.2f} s CPU" if start_old else ""))
        for rate in rates:
            path, injected = make_cohort(args.workdir, args.cost_learners, args.seed, rate)
            out = work / f"cost-{rate:g}.jsonl"
            n = args.cost_learners
            line = f"cost per record, {rate:.0%} faulty ({len(injected):,} of {n:,} with a fault), start-up taken off: "
            if old_env is not None and start_old is not None:
                old = run_batch(path, out, args.jobs, env=old_env)
                line += (f"{args.baseline} {(old['wall'] - start_old['wall']) / n * 1000:.2f} ms wall, "
                         f"{(old['cpu'] - start_old['cpu']) / n * 1000:.2f} ms CPU; ")
            run = run_batch(path, out, args.jobs)
            s = run["summary"]
            line += (f"this tree {(run['wall'] - start_new['wall']) / n * 1000:.2f} ms wall, "
                     f"{(run['cpu'] - start_new['cpu']) / n * 1000:.2f} ms CPU ({s['with_violations']:,} with violations, "
                     f"{s['results']:,} results)")
            print(line)
        if not args.no_latency and old_env is not None:
            latency_side_by_side(args.baseline, old_env)
        elif not args.no_latency:
            print_latencies(None)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"load average {load_average()} at the end")
    return 1 if failed else 0


def batch_rounds(args, cohort: Path) -> int:
    """``--batch-only``: the batch of this tree (and of the baseline) in turns, ``--rounds`` times; per
    round wall, CPU and the CPU per record with the start-up (a batch of one record, measured in the
    same round) taken off; then of each tree the round of least CPU, less the least start-up, and,
    with a baseline, the ratios and whether both wrote the same results for every record. (Give the
    run a cache folder of its own, SAMTBU_CACHE_DIR, on a machine others use: an entry pruned by
    another toolkit's build is rebuilt inside a timed run.)"""
    work = Path(tempfile.mkdtemp(prefix="samtbu-run-"))
    try:
        trees = [(args.baseline, baseline_env(args.baseline, work))] if args.baseline else []
        trees.append(("this tree", None))
        warm_cache()
        one = work / "one.ndjson"
        with cohort.open("rb") as f:
            one.write_bytes(f.readline())
        n = args.learners
        best: dict[str, dict] = {}  # per tree: the round of least CPU, and the least start-up CPU of any round
        for round_ in range(1, args.rounds + 1):
            for label, env in trees:
                start = run_batch(one, work / "one.jsonl", args.jobs, env=env)
                run = run_batch(cohort, work / f"report-{'base' if env else 'ours'}.jsonl", args.jobs, env=env)
                print(f"round {round_}, {label}: {run['wall']:.1f} s wall, {run['cpu']:.1f} s CPU; start-up {start['wall']:.2f} s wall, "
                      f"{start['cpu']:.2f} s CPU; {(run['cpu'] - start['cpu']) / n * 1000:.3f} ms CPU per record without it; "
                      f"peak memory {run['peak_rss'] / 2**20:,.0f} MiB; load average {load_average()}")
                mine = best.setdefault(label, {**run, "start": start})
                if run["cpu"] < mine["cpu"]:
                    best[label] = mine = {**run, "start": mine["start"]}
                if start["cpu"] < mine["start"]["cpu"]:
                    mine["start"] = start
        for mine in best.values():
            mine["per_record"] = (mine["cpu"] - mine["start"]["cpu"]) / n * 1000
        for label, _env in trees:
            print_batch(f"samtbu --batch, {label} (best of {args.rounds})", n, best[label])
        if args.baseline:
            old, new = best[args.baseline], best["this tree"]
            records, results, differing = same_reports(work / "report-base.jsonl", work / "report-ours.jsonl")
            print(f"  this tree / {args.baseline}: wall {new['wall'] / old['wall']:.2f}x, CPU {new['cpu'] / old['cpu']:.2f}x, "
                  f"CPU per record without start-up {new['per_record'] / old['per_record']:.2f}x "
                  f"({old['per_record']:.3f} -> {new['per_record']:.3f} ms), start-up CPU {old['start']['cpu']:.2f} -> "
                  f"{new['start']['cpu']:.2f} s; results identical for {records - len(differing):,}/{records:,} records "
                  f"({results:,} results compared)" + (f"; DIFFERING: {differing[:10]}" if differing else ""))
            if differing:
                return 1
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"load average {load_average()} at the end")
    return 0


SIGN_STEPS = ("secure", "verify", "validate+export+secure")


def signing(cohort: Path, sample: int, rev: str | None, old_env: dict | None) -> bool:
    """Sign and verify ``sample`` records of the cohort with this tree (and the baseline's toolkit,
    first): benchmarks/credential.py ``--sample-of`` in a fresh process of each. Prints the median
    CPU time per record of each step side by side; False when a signed record does not verify."""
    trees = ([(rev, old_env)] if old_env is not None else []) + [("this tree", None)]
    figures = {}
    for label, env in trees:
        done = subprocess.run([sys.executable, str(REPO / "benchmarks" / "credential.py"), "--sample-of", str(cohort),
                               "--sample", str(sample)], env=env, capture_output=True, text=True)
        if done.returncode:
            raise SystemExit(f"signing the sample failed ({label}):\n{done.stderr}")
        figures[label] = json.loads(done.stdout.splitlines()[-1])
    ours = figures["this tree"]
    print(f"signing {ours['records']} records of the cohort (spread evenly; each validated, exported, secured and verified "
          f"as samtbu sign and samtbu verify do, {ours['engine']}): {ours['signed']} signed, {sum(ours['refused'].values())} refused "
          f"({', '.join(f'{n} {why}' for why, n in ours['refused'].items()) or 'none'}); {ours['verified']} of {ours['signed']} verify")
    for step in SIGN_STEPS:
        line = f"  {step}: CPU per record, median: this tree {ours['cpu_ms'][step]:.2f} ms"
        if rev is not None and rev in figures:
            old = figures[rev]["cpu_ms"][step]
            line += f"; {rev} {old:.2f} ms ({ours['cpu_ms'][step] / old:.2f}x)"
        print(line)
    return all(f["verified"] == f["signed"] for f in figures.values())


LATENCY_KINDS = ("fagbrev", "kompetansebevis", "vitnemaal", "enkeltresultat.json", "fullfoeringsstatus.json")


def latency_side_by_side(rev: str, old_env: dict, rounds: int = 3) -> None:
    """The single-payload latencies of the baseline and of this tree, each round a fresh process of
    each in turn (so that the machine's load falls on both alike); the median over the rounds."""
    times: dict[str, dict[str, list]] = {"old": {k: [] for k in LATENCY_KINDS}, "new": {k: [] for k in LATENCY_KINDS}}
    for _ in range(rounds):
        for label, env in (("old", old_env), ("new", None)):
            done = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--latency-json"], env=env,
                                  capture_output=True, text=True, check=True)
            for kind, (wall, cpu) in json.loads(done.stdout).items():
                times[label][kind].append((wall, cpu))
    for kind in LATENCY_KINDS:
        (old, old_cpu), (new, new_cpu) = ([statistics.median(x) for x in zip(*times[label][kind], strict=True)]
                                          for label in ("old", "new"))
        print(f"single payload, {kind}: {rev} {old:.2f} ms wall, {old_cpu:.2f} ms CPU; this tree {new:.2f} ms wall, "
              f"{new_cpu:.2f} ms CPU ({new / old:.2f}x wall, {new_cpu / old_cpu:.2f}x CPU; median in-process after "
              f"warm-up, distinct learners, median of {rounds} interleaved rounds)")


def print_latencies(grep: Path | None) -> None:
    """The single-payload latencies without Grep and, when a snapshot is given, the CPU time per payload
    without and with it, measured alternately so that a busy machine slows both alike."""
    if grep is None:
        for kind in ("fagbrev", "kompetansebevis", "vitnemaal"):
            wall, cpu = latency(kind)
            print(f"single payload, {kind} (distinct learners): median {wall:.2f} ms wall, {cpu:.2f} ms CPU (in-process, after warm-up)")
        for example in ("enkeltresultat.json", "fullfoeringsstatus.json"):
            wall, cpu = latency_example(example)
            print(f"single payload, examples/{example}: median {wall:.2f} ms wall, {cpu:.2f} ms CPU (in-process, after warm-up)")
        return
    for kind in ("fagbrev", "kompetansebevis", "vitnemaal", "enkeltresultat.json", "fullfoeringsstatus.json"):
        without, with_grep = latency_pair(kind, grep)
        print(f"single payload, {kind}: {without:.2f} ms CPU without Grep, {with_grep:.2f} ms with {grep.name} "
              f"(+{with_grep - without:.2f} ms, {with_grep / without - 1:+.0%}; in-process, after warm-up, best of 5 alternating blocks)")


def latency_pair(kind: str, grep: Path, runs: int = 80, warmup: int = 40, repeats: int = 5) -> tuple[float, float]:
    """CPU time per payload of ``validate()`` without and with the snapshot: the same distinct payloads,
    the two alternating block by block, the best of ``repeats`` blocks each (CPU time, so that other
    processes on a busy machine count less)."""
    from cohort import Cohort

    from samtbu.grep import resolve_snapshot
    from samtbu.model import Model
    from samtbu.validate import validate

    model = Model.load()
    snapshot = resolve_snapshot(grep)
    if kind.endswith(".json"):
        payloads = [(REPO / "examples" / kind).read_bytes()] * (runs + warmup)
    else:
        payloads = [json.dumps(doc) for _n, profile, doc in Cohort(8 * (runs + warmup), 7, fault_rate=0).records()
                    if profile == kind][: runs + warmup]
    for data in payloads[:warmup]:
        validate(data, None, model=model, grep=False)
        validate(data, None, model=model, grep=snapshot)
    best = {False: float("inf"), True: float("inf")}
    for _ in range(repeats):
        for with_grep in (False, True):
            started = time.process_time()
            for data in payloads[warmup:]:
                validate(data, None, model=model, grep=snapshot if with_grep else False)
            best[with_grep] = min(best[with_grep], (time.process_time() - started) / len(payloads[warmup:]))
    return best[False] * 1000, best[True] * 1000


if __name__ == "__main__":
    sys.exit(main())
