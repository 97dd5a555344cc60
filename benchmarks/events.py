"""Benchmark: the continuous flow. A synthetic stream of CloudEvents (registrations, corrections after
appeal, withdrawals, replacements) validated and replayed, with time and peak memory.

    python benchmarks/events.py --events 100000 --jobs 2

1. Generates the stream (``samtbu.events.synthetic``, seeded) as NDJSON, unless it exists, and a
   stream a quarter as long (to show that memory does not grow with the stream).
2. Runs ``samtbu events validate`` on both (separate processes, all workers) and measures wall time,
   throughput and peak memory (RSS summed over the process tree, sampled every 50 ms).
3. Runs ``samtbu events replay`` on the long stream (state, PROV-O and no records) and measures the
   same; then replays it again with one worker and without SHACL (the envelope and history rules
   only) and checks that both replays wrote byte-identical state and PROV-O (determinism).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "benchmarks"))
sys.path.insert(0, str(REPO / "src"))

from run import measure as measure_process  # noqa: E402


def measure(cmd: list[str]) -> dict:
    wall, peak, proc, stderr = measure_process(cmd)
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{stderr[-2000:]}")
    return {"wall": wall, "peak_rss": peak, "returncode": proc.returncode, "stderr": stderr}


def summary_of(report: Path) -> dict:
    with report.open(encoding="utf-8") as f:
        for line in f:
            if line.startswith('{"summary"'):
                return json.loads(line)["summary"]
    raise SystemExit(f"no summary in {report}")


def digest(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()[:16]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/samtbu-bench-events"))
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    from samtbu.events.synthetic import generate

    streams = {}
    for n in (args.events, max(1, args.events // 4)):
        path = args.workdir / f"events-{n}-seed{args.seed}.ndjson"
        if not path.exists():
            started = time.perf_counter()
            with path.open("w", encoding="utf-8") as out:
                counts = generate(out, n, seed=args.seed)
            (path.with_suffix(".counts.json")).write_text(json.dumps(counts))
            print(f"generated {path} ({n:,} events, {time.perf_counter() - started:.1f} s)")
        streams[n] = (path, json.loads(path.with_suffix(".counts.json").read_text()))

    cli = [sys.executable, "-m", "samtbu.cli", "events"]
    print(f"\n== samtbu events validate, {args.jobs} workers")
    validated = {}
    for n, (path, counts) in sorted(streams.items()):
        report = args.workdir / f"validate-{n}.ndjson"
        m = measure(cli + ["validate", str(path), "-r", "json", "-o", str(report), "-j", str(args.jobs)])
        s = summary_of(report)
        validated[n] = m
        print(f"{n:>9,} events ({path.stat().st_size / 1e6:.0f} MB; {counts['Registrering']:,} registrations, "
              f"{counts['Korrigering']:,} corrections, {counts['Tilbaketrekking']:,} withdrawals, {counts['Erstatning']:,} replacements)")
        print(f"          {m['wall']:.1f} s wall, {n / m['wall']:,.0f} events/s, peak memory {m['peak_rss'] / 2**20:.0f} MiB; "
              f"applied {s['applied']:,}, rejected {s['rejected']:,}, violations {s['with_violations']:,}, warnings {s['with_warnings']:,}")
    small, large = min(validated), max(validated)
    print(f"          memory, {large:,} vs {small:,} events: {validated[large]['peak_rss'] / validated[small]['peak_rss']:.2f}× "
          "(the engine's value caches fill up to their caps; the state is on disk)")
    print("   without SHACL (envelope and history rules only: the stream and the state alone):")
    light = {}
    for n, (path, _counts) in sorted(streams.items()):
        report = args.workdir / f"validate-light-{n}.ndjson"
        light[n] = measure(cli + ["validate", str(path), "-r", "json", "-o", str(report), "-j", str(args.jobs), "--no-shacl"])
        print(f"{n:>9,} events: {light[n]['wall']:.1f} s wall, {n / light[n]['wall']:,.0f} events/s, peak memory {light[n]['peak_rss'] / 2**20:.0f} MiB")
    print(f"          memory, {large:,} vs {small:,} events: {light[large]['peak_rss'] / light[small]['peak_rss']:.2f}×")

    path, counts = streams[args.events]
    print(f"\n== samtbu events replay, {args.jobs} workers ({args.events:,} events)")
    state, prov = args.workdir / "state.ndjson", args.workdir / "history.nt"
    report = args.workdir / "replay-report.ndjson"
    m = measure(cli + ["replay", str(path), "-o", str(state), "--prov", str(prov), "--report-file", str(report), "-j", str(args.jobs)])
    s = summary_of(report)
    learners = sum(1 for _ in state.open(encoding="utf-8"))
    print(f"          {m['wall']:.1f} s wall, {args.events / m['wall']:,.0f} events/s, peak memory {m['peak_rss'] / 2**20:.0f} MiB; "
          f"{learners:,} learners, state {state.stat().st_size / 1e6:.0f} MB, PROV-O {prov.stat().st_size / 1e6:.0f} MB; rejected {s['rejected']:,}")
    state2, prov2 = args.workdir / "state-2.ndjson", args.workdir / "history-2.nt"
    m2 = measure(cli + ["replay", str(path), "-o", str(state2), "--prov", str(prov2), "--report-file", str(args.workdir / "replay-report-2.ndjson"),
                        "-j", "1", "--no-shacl"])
    same = digest(state) == digest(state2) and digest(prov) == digest(prov2)
    print(f"   again with 1 worker, no SHACL (envelope and history rules): {m2['wall']:.1f} s wall, "
          f"{args.events / m2['wall']:,.0f} events/s, peak memory {m2['peak_rss'] / 2**20:.0f} MiB")
    print(f"   state and PROV-O identical: {'yes' if same else 'NO'} (state {digest(state)}, PROV-O {digest(prov)})")
    return 0 if same and s["rejected"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
