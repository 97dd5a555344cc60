"""Benchmark: our batch validator against plain pyshacl on the same synthetic cohort.

    python benchmarks/run.py --learners 60000 --jobs 2 --pyshacl-sample 40

1. Generates the cohort (benchmarks/cohort.py, seeded) as NDJSON, unless it exists.
2. Runs ``samtbu validate --batch`` on it (a separate process, all workers) and measures wall time,
   peak memory (RSS summed over the process tree, sampled every 50 ms) and throughput.
3. Runs plain pyshacl (``pyshacl.validate`` on each record's rdflib graph, as the pipeline's pyshacl
   engine does, nothing cached) on an evenly spread sample of records, and extrapolates its time to
   the whole cohort on the same number of cores: this figure is labelled as extrapolated.
4. Checks that the results are identical on the sample pyshacl ran: the same (focus node, path,
   source shape, constraint component, severity, value, JSON Pointer) for every record.
5. Measures the in-process latency of validating one typical payload (median after warm-up).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import threading
import time
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


def run_batch(cohort: Path, out: Path, jobs: int, grep: Path | None = None) -> dict:
    cmd = [sys.executable, "-m", "samtbu.cli", "validate", "--batch", str(cohort), "-r", "json", "-o", str(out),
           "-j", str(jobs), "--color", "never", "--grep", str(grep) if grep else "none"]
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
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
    wall = time.perf_counter() - started
    if proc.returncode not in (0, 1):
        raise SystemExit(f"batch failed ({proc.returncode}):\n{stderr}")
    summary = None
    with out.open(encoding="utf-8") as f:
        for line in f:
            if line.startswith('{"summary"'):
                summary = json.loads(line)["summary"]
    return {"wall": wall, "peak_rss": peak, "summary": summary, "stderr": stderr}


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


def run_pyshacl_sample(cohort: Path, ours: Path, sample: int, learners: int) -> dict:
    """Plain pyshacl on a spread sample; our results for the same records come from the batch output."""
    from samtbu.model import Model
    from samtbu.validate import validate

    model = Model.load()
    step = max(1, learners // sample)
    wanted = set(range(0, learners, step)[:sample])
    ours_by_line: dict[int, dict] = {}
    with ours.open(encoding="utf-8") as f:
        for line in f:
            record = json.loads(line)
            if "source" in record and not record.get("crossRecord"):
                n = int(record["source"].rsplit(":", 1)[1]) - 1
                if n in wanted:
                    ours_by_line[n] = record
    payloads = {}
    with cohort.open(encoding="utf-8") as f:
        for i, line in enumerate(f):
            if i in wanted:
                payloads[i] = line
    seconds, same, differing = 0.0, 0, []
    for i in sorted(payloads):
        started = time.perf_counter()
        report = validate(payloads[i], None, model=model, engine="pyshacl", source=f"{cohort}:{i + 1}")
        seconds += time.perf_counter() - started
        mine = ours_by_line.get(i)
        if mine is not None and _result_keys(mine["results"]) == _result_keys(report.results):
            same += 1
        else:
            differing.append(i + 1)
    return {"records": len(payloads), "seconds": seconds, "identical": same, "differing": differing}


def latency(kind: str, runs: int = 300, warmup: int = 100, seed: int = 7, grep=False) -> float:
    """Median in-process time of ``validate()`` on one payload (bytes in, report out), over distinct
    learners of one kind (a different seed from the cohort's), after warm-up. ``grep``: a snapshot
    path to check the Grep codes against too (the lookups and the Grep shapes are then included)."""
    from cohort import Cohort

    from samtbu.model import Model
    from samtbu.validate import validate

    model = Model.load()
    payloads = [json.dumps(doc) for _n, profile, doc in Cohort(8 * (runs + warmup), seed, fault_rate=0).records()
                if profile == kind][: runs + warmup]
    from samtbu.grep import resolve_snapshot

    snapshot = resolve_snapshot(grep) or False
    for data in payloads[:warmup]:
        validate(data, None, model=model, grep=snapshot)
    times = []
    for data in payloads[warmup:]:
        started = time.perf_counter()
        validate(data, None, model=model, grep=snapshot)
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def latency_example(example: str, runs: int = 300, warmup: int = 30, grep=False) -> float:
    from samtbu.model import Model
    from samtbu.validate import validate

    from samtbu.grep import resolve_snapshot

    model = Model.load()
    snapshot = resolve_snapshot(grep) or False
    data = (REPO / "examples" / example).read_bytes()
    for _ in range(warmup):
        validate(data, None, model=model, grep=snapshot)
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        validate(data, None, model=model, grep=snapshot)
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="samtbu batch validation against plain pyshacl")
    parser.add_argument("--learners", type=int, default=60000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--pyshacl-sample", type=int, default=40, help="records pyshacl validates (spread evenly)")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/samtbu-bench"))
    parser.add_argument("--grep", type=Path, default=REPO / "grep" / "grep-eksempler.sqlite",
                        help="Grep snapshot for the runs with Grep (default: the one shipped for the examples)")
    parser.add_argument("--latency-only", action="store_true", help="only the single-payload latencies, without and with Grep")
    args = parser.parse_args(argv)
    if args.latency_only:
        print_latencies(args.grep)
        return 0

    from cohort import Cohort, write_ndjson

    args.workdir.mkdir(parents=True, exist_ok=True)
    cohort = args.workdir / f"cohort-{args.learners}-{args.seed}.ndjson"
    if not cohort.exists():
        started = time.perf_counter()
        counts = write_ndjson(Cohort(args.learners, args.seed), cohort)
        print(f"cohort: {args.learners:,} learners {counts} written in {time.perf_counter() - started:.1f} s -> {cohort}")
    ours_out = args.workdir / f"report-{args.learners}.jsonl"

    print(f"machine: {os.cpu_count()} cores; samtbu batch on {args.jobs} worker(s)")
    ours = run_batch(cohort, ours_out, args.jobs)
    s = ours["summary"]
    print(f"samtbu --batch: {args.learners:,} records in {ours['wall']:.1f} s wall "
          f"({args.learners / ours['wall']:,.0f} records/s), peak memory {ours['peak_rss'] / 2**20:,.0f} MiB (process tree)")
    print(f"  {s['conforming']:,} conforming, {s['with_violations']:,} with violations, {s['with_warnings']:,} with warnings, "
          f"{s['unreadable']:,} unreadable, {s['cross_record_results']:,} cross-record results")

    ref = run_pyshacl_sample(cohort, ours_out, args.pyshacl_sample, args.learners)
    per_record = ref["seconds"] / max(ref["records"], 1)
    extrapolated = per_record * args.learners / args.jobs
    print(f"pyshacl (plain): {ref['records']} sampled records in {ref['seconds']:.1f} s = {per_record * 1000:,.0f} ms/record; "
          f"EXTRAPOLATED to {args.learners:,} records on {args.jobs} cores: {extrapolated:,.0f} s "
          f"({extrapolated / 60:,.1f} min)")
    print(f"ratio (extrapolated pyshacl / samtbu): {extrapolated / ours['wall']:,.0f}x")
    print(f"identical results on the sample: {ref['identical']}/{ref['records']}"
          + (f" (differing records: {ref['differing'][:10]})" if ref["differing"] else ""))
    print_latencies(args.grep)
    if args.grep:
        with_grep = run_batch(cohort, args.workdir / f"report-{args.learners}-grep.jsonl", args.jobs, args.grep)
        s = with_grep["summary"]
        print(f"samtbu --batch --grep {args.grep.name}: {args.learners:,} records in {with_grep['wall']:.1f} s wall "
              f"({args.learners / with_grep['wall']:,.0f} records/s), peak memory {with_grep['peak_rss'] / 2**20:,.0f} MiB; "
              f"{s['conforming']:,} conforming, {s['with_violations']:,} with violations, {s['with_warnings']:,} with warnings")
    return 0 if not ref["differing"] else 1


def print_latencies(grep: Path | None) -> None:
    """The single-payload latencies without Grep and, when a snapshot is given, the CPU time per payload
    without and with it, measured alternately so that a busy machine slows both alike."""
    if grep is None:
        for kind in ("fagbrev", "kompetansebevis", "vitnemaal"):
            print(f"single payload, {kind} (distinct learners): median {latency(kind):.2f} ms (in-process, after warm-up)")
        for example in ("enkeltresultat.json", "fullfoeringsstatus.json"):
            print(f"single payload, examples/{example}: median {latency_example(example):.2f} ms (in-process, after warm-up)")
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
