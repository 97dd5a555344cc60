"""Open-loop load test of the validation service on loopback.

Starts `samtbu serve` as a separate process on 127.0.0.1 (a free port), waits until it is ready, and
sends requests on a fixed schedule: request i is due at start + i / rate, whether or not earlier
answers have come back (an open loop: a closed-loop client waits for answers and so hides queueing).
Each latency is counted from the request's scheduled time, so time spent waiting in the client, in the
kernel or in the service all counts. Phases (each ``--duration`` seconds, 60 by default):

- ``vitnemaal``: the 12.5 kB vitnemål example at 200 requests/s (target: p99 <= 50 ms, no errors);
- ``enkeltresultat``: the 850-byte enkeltresultat example at 400 requests/s (the same target);
- ``overload``: the vitnemål at 3x the first rate, for a third of the duration: the service is to
  refuse what it cannot do in time with 503 quickly, not queue for seconds.

For each phase it prints the offered and achieved rate (answers of 200 per second), p50/p95/p99/max
latency, the count of 503 answers and how long they took, errors (any other status, a connection
error, a report that does not conform), and the server's CPU (user + system seconds of the whole
process tree per second of the phase, in cores, and per answered request: the figure least moved by
other load on the machine) and memory (RSS and PSS of the process tree at the end of the phase: PSS
counts a page that worker processes share once, divided among them). "client lag" is the p99 of how
late the load generator itself wrote a request: when it is large, the generator was short of CPU
and its own delay is in every latency; the p99 from the request written to its answer, by status,
leaves it out. With its 1,000 connections all open and waiting, a request waits in the client for a
free one (the count is printed; its latency still runs from its scheduled time): none is dropped.

With ``--baseline REV`` (e.g. main, or a commit) the service of that git revision (``git archive``,
run from a temporary folder, without httptools and uvloop where its pyproject.toml does not name them)
is started too and measured in the same run, phase by phase in turn with this one, and printed
beside it with the ratios. The load average is printed before and after each phase: on a shared
machine, quote it with the figures (a Linux desktop or server with autogroup scheduling gives each
session an equal share of the cores, whatever ``nice`` says).

    python benchmarks/service_load.py                          # the three phases, 60 s each
    python benchmarks/service_load.py --baseline main          # and main's service beside it
    python benchmarks/service_load.py --duration 10 --phases vitnemaal   # a short run of one phase
    python benchmarks/service_load.py --url http://127.0.0.1:8000        # a running service
    python benchmarks/service_load.py --processes 1            # samtbu serve --processes 1

The exit code is 1 when a target phase had an error (503s in the overload phase are expected).
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples"
TARGET_P99_MS = 50.0
IDLE_SECONDS = 2.0  # a keep-alive connection idle longer is not used again (uvicorn closes them after 5 s)


@dataclass(frozen=True)
class Phase:
    name: str
    payload: Path
    profile: str
    rate: float
    duration: float
    target: bool = True  # a target phase: p99 <= 50 ms and no 503 or error


def phases(duration: float, names: list[str] | None, vitnemaal_rate: float, enkeltresultat_rate: float) -> list[Phase]:
    every = [
        Phase("vitnemaal", EXAMPLES / "vitnemaal-studiespesialisering.json", "vitnemaal", vitnemaal_rate, duration),
        Phase("enkeltresultat", EXAMPLES / "enkeltresultat.json", "enkeltresultat", enkeltresultat_rate, duration),
        Phase("overload", EXAMPLES / "vitnemaal-studiespesialisering.json", "vitnemaal", 3 * vitnemaal_rate,
              max(duration / 3, 5.0), target=False),
    ]
    return [p for p in every if not names or p.name in names]


# -- the service under test -----------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_service(port: int, src: Path = REPO / "src", extra: list[str] | None = None, first: Path | None = None) -> subprocess.Popen:
    """``samtbu serve`` of the toolkit in ``src`` (this checkout's by default) on 127.0.0.1:``port``;
    ``first``: a folder put before it on the module path."""
    command = [sys.executable, "-m", "samtbu.cli", "serve", "--host", "127.0.0.1", "--port", str(port),
               "--log-level", "warning", *(extra or [])]
    path = [str(p) for p in (first, src) if p is not None]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(path + [os.environ.get("PYTHONPATH", "")])}
    return subprocess.Popen(command, cwd=src.parent, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def wait_ready(url: str, process: subprocess.Popen | None = None, timeout: float = 300.0) -> None:
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"the service exited with {process.returncode}: {process.stderr.read().decode()[-2000:]}")
        try:
            if httpx.get(f"{url}/readyz", timeout=2, trust_env=False).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"the service at {url} was not ready within {timeout:g} s")


@contextlib.contextmanager
def serving(**start):
    """A real ``samtbu serve`` on a free loopback port while the block runs; yields its URL."""
    port = free_port()
    process = start_service(port, **start)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_ready(url, process)
        yield url
    finally:
        stop_service(process)


def stop_service(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def process_tree(pid: int) -> list[int]:
    """``pid`` and every process below it (worker processes of the service)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry))
    tree, stack = [], [pid]
    while stack:
        current = stack.pop()
        tree.append(current)
        stack.extend(children.get(current, []))
    return tree


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU seconds of the processes (and of their children that have ended)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += sum(int(x) for x in fields[11:15])  # utime, stime, cutime, cstime
    return total / tick


def memory_mib(pids: list[int]) -> tuple[float, float]:
    """RSS and PSS of the processes together, in MiB."""
    rss = pss = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/smaps_rollup") as f:
                for line in f:
                    if line.startswith("Rss:"):
                        rss += int(line.split()[1])
                    elif line.startswith("Pss:"):
                        pss += int(line.split()[1])
        except OSError:
            continue
    return rss / 1024, pss / 1024


# -- the open-loop client ---------------------------------------------------------------------------


@dataclass
class Outcome:
    latencies: list[float] = field(default_factory=list)  # seconds from the scheduled time, answers of 200
    refused: list[float] = field(default_factory=list)  # the same, answers of 503
    written: dict[int, list[float]] = field(default_factory=dict)  # status -> seconds from the request written to its answer
    errors: dict[str, int] = field(default_factory=dict)
    send_lag: list[float] = field(default_factory=list)  # seconds from the scheduled time to the request written
    connection_waits: int = 0  # requests that waited in the client for a free connection (all were open and busy)
    first: float = 0.0
    last: float = 0.0

    def error(self, kind: str) -> None:
        self.errors[kind] = self.errors.get(kind, 0) + 1


async def read_response(reader: asyncio.StreamReader) -> tuple[int, dict[str, str], bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            name, value = line.split(":", 1)
            headers[name.strip().lower()] = value.strip()
    body = await reader.readexactly(int(headers.get("content-length", "0")))
    return status, headers, body


async def open_loop(host: str, port: int, phase: Phase, max_connections: int = 1000, timeout: float = 60.0) -> Outcome:
    """Send ``phase.rate * phase.duration`` requests on their schedule over keep-alive connections
    (a new one whenever every open connection is waiting for an answer). With ``max_connections``
    open and all waiting, a request waits in the client for the first that is free (counted in
    ``Outcome.connection_waits``; its latency still runs from its scheduled time): never dropped."""
    loop = asyncio.get_running_loop()
    body = phase.payload.read_bytes()
    request = (
        f"POST /v1/validate?profile={phase.profile} HTTP/1.1\r\nHost: {host}:{port}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode() + body
    idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter, float]] = []  # oldest first
    waiters: collections.deque[asyncio.Future] = collections.deque()  # requests waiting for a connection
    opened = 0
    outcome = Outcome()

    def release(connection: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None) -> None:
        """A connection free again (or, None, one closed): to the first waiting request, else idle."""
        nonlocal opened
        while waiters:
            waiter = waiters.popleft()
            if not waiter.done():
                if connection is None:
                    opened += 1  # the waiter opens its own in the closed one's place
                waiter.set_result(connection)
                return
        if connection is not None:
            idle.append((*connection, loop.time()))

    def close(writer: asyncio.StreamWriter) -> None:
        nonlocal opened
        writer.close()
        opened -= 1
        release(None)

    async def connection() -> tuple[asyncio.StreamReader, asyncio.StreamWriter] | None:
        nonlocal opened
        while idle and idle[0][2] < loop.time() - IDLE_SECONDS:  # the service may have closed it (keep-alive timeout)
            close(idle.pop(0)[1])
        if idle:
            reader, writer, _since = idle.pop()
            return reader, writer
        if opened >= max_connections:
            outcome.connection_waits += 1
            waiter = loop.create_future()
            waiters.append(waiter)
            free = await waiter
            if free is not None:
                return free
        else:
            opened += 1
        try:
            return await asyncio.open_connection(host, port)
        except OSError as exc:
            opened -= 1
            release(None)
            outcome.error(f"connect: {type(exc).__name__}")
            return None

    async def one(scheduled: float) -> None:
        free = await connection()
        if free is None:
            return
        reader, writer = free
        written = loop.time()
        outcome.send_lag.append(written - scheduled)
        try:
            writer.write(request)
            status, headers, _answer = await asyncio.wait_for(read_response(reader), timeout)
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError, ValueError) as exc:
            outcome.error(f"connection: {type(exc).__name__}")
            close(writer)
            return
        latency = loop.time() - scheduled
        outcome.last = loop.time()
        outcome.written.setdefault(status, []).append(loop.time() - written)
        if status == 200:
            outcome.latencies.append(latency)
            if headers.get("x-samtbu-conforms") != "true":
                outcome.error("report: does not conform")
        elif status == 503:
            outcome.refused.append(latency)
            if not headers.get("retry-after"):
                outcome.error("HTTP 503 without Retry-After")
        else:
            outcome.error(f"HTTP {status}")
        if headers.get("connection", "").lower() == "close":
            close(writer)
        else:
            release((reader, writer))

    total = int(phase.rate * phase.duration)
    start = loop.time() + 0.05
    outcome.first = start
    tasks = []
    sent = 0
    while sent < total:
        now = loop.time()
        while sent < total and start + sent / phase.rate <= now:  # everything due (a late wake-up catches up)
            tasks.append(asyncio.ensure_future(one(start + sent / phase.rate)))
            sent += 1
        if sent < total:
            await asyncio.sleep(max(0.0, start + sent / phase.rate - loop.time()))
    await asyncio.gather(*tasks)
    for _reader, writer, _since in idle:
        writer.close()
    return outcome


def run(coroutine):
    """Run the client on uvloop where it is installed (it comes with the service's dependencies): the
    load generator shares the machine with the service, and every millisecond it is late is in every
    latency it measures."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(coroutine)
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        return runner.run(coroutine)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * p / 100
    low, high = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (k - low)


def load() -> str:
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


def measure(url: str, phase: Phase, server: int | None) -> dict:
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    run(open_loop(host, port, Phase("warm-up", phase.payload, phase.profile, 50, 1)))  # warm, connections made
    pids = process_tree(server) if server else []
    load_before = load()
    cpu_before, started, client_before = cpu_seconds(pids), time.monotonic(), time.process_time()
    outcome = run(open_loop(host, port, phase))
    cpu_after, elapsed = cpu_seconds(process_tree(server) if server else []), time.monotonic() - started
    client_cpu = (time.process_time() - client_before) / elapsed
    rss, pss = memory_mib(process_tree(server)) if server else (float("nan"), float("nan"))
    ms = [x * 1000 for x in outcome.latencies]
    offered = int(phase.rate * phase.duration)
    return {
        "phase": phase.name,
        "offered_rate": phase.rate,
        "requests": offered,
        "achieved_rate": round(len(ms) / phase.duration, 1),
        "ok": len(ms),
        "p50_ms": round(percentile(ms, 50), 1),
        "p95_ms": round(percentile(ms, 95), 1),
        "p99_ms": round(percentile(ms, 99), 1),
        "max_ms": round(max(ms), 1) if ms else float("nan"),
        "refused_503": len(outcome.refused),
        "refused_p99_ms": round(percentile([x * 1000 for x in outcome.refused], 99), 1),
        "errors": sum(outcome.errors.values()),
        "error_kinds": outcome.errors,
        "server_cpu_cores": round((cpu_after - cpu_before) / elapsed, 2) if server else float("nan"),
        "server_cpu_ms_per_request": round((cpu_after - cpu_before) * 1000 / max(1, len(ms) + len(outcome.refused)), 2) if server else float("nan"),
        "server_rss_mib": round(rss) if server else None,
        "server_pss_mib": round(pss) if server else None,
        "processes": len(pids),
        "client_cpu_cores": round(client_cpu, 2),
        "client_send_lag_p99_ms": round(percentile(outcome.send_lag, 99) * 1000, 1),
        "client_connection_waits": outcome.connection_waits,
        "from_written_p99_ms": {str(k): round(percentile(v, 99) * 1000, 1) for k, v in sorted(outcome.written.items())},
        "load_before": load_before,
        "load_after": load(),
    }


def met(row: dict) -> bool:
    return row["errors"] == 0 and row["refused_503"] == 0 and row["p99_ms"] <= TARGET_P99_MS


def print_table(results: dict[str, list[dict]]) -> None:
    sides = list(results)
    by_phase: dict[str, dict[str, dict]] = {}
    for side, rows in results.items():
        for row in rows:
            by_phase.setdefault(row["phase"], {})[side] = row
    for phase, rows in by_phase.items():
        first = next(iter(rows.values()))
        print(f"\n{phase}: offered {first['offered_rate']:g} requests/s for {first['requests'] / first['offered_rate']:g} s "
              f"({first['requests']:,} requests)")
        width = max(len(s) for s in sides)
        print(f"  {'service':<{width}}  {'achieved/s':>10}  {'p50 ms':>7}  {'p95 ms':>7}  {'p99 ms':>8}  {'max ms':>8}  {'503':>6}"
              f"  {'503 p99':>8}  {'errors':>6}  {'CPU':>5}  {'CPU ms/req':>10}  {'RSS MiB':>7}  {'PSS MiB':>7}  {'procs':>5}  {'client lag':>10}  load before / after")
        for side in sides:
            r = rows.get(side)
            if r is None:
                continue
            print(f"  {side:<{width}}  {r['achieved_rate']:>10.1f}  {r['p50_ms']:>7.1f}  {r['p95_ms']:>7.1f}  {r['p99_ms']:>8.1f}"
                  f"  {r['max_ms']:>8.1f}  {r['refused_503']:>6}  {r['refused_p99_ms']:>8.1f}  {r['errors']:>6}"
                  f"  {r['server_cpu_cores']:>5.2f}  {r['server_cpu_ms_per_request']:>10.2f}  {r['server_rss_mib']!s:>7}  {r['server_pss_mib']!s:>7}  {r['processes']:>5}"
                  f"  {r['client_send_lag_p99_ms']:>10.1f}  {r['load_before']} / {r['load_after']}")
            if r["errors"]:
                print(f"  {'':<{width}}  errors: {r['error_kinds']}")
            print(f"  {'':<{width}}  p99 from the request written to its answer (the client's own lateness left out), ms, by status: "
                  + ", ".join(f"{k}: {v:,.1f}" for k, v in r["from_written_p99_ms"].items()))
            if r["client_connection_waits"]:
                print(f"  {'':<{width}}  {r['client_connection_waits']:,} requests waited in the client for a free connection "
                      "(all 1,000 open and waiting for answers; their latency counts from the scheduled time)")
        if len(rows) == 2:
            a, b = (rows[s] for s in sides)
            ratio = lambda x, y: f"{x / y:.2f}" if y else "-"  # noqa: E731
            print(f"  {sides[0]} / {sides[1]}: achieved {ratio(a['achieved_rate'], b['achieved_rate'])}, "
                  f"p50 {ratio(a['p50_ms'], b['p50_ms'])}, p99 {ratio(a['p99_ms'], b['p99_ms'])}, "
                  f"CPU per request {ratio(a['server_cpu_ms_per_request'], b['server_cpu_ms_per_request'])}, PSS {ratio(a['server_pss_mib'], b['server_pss_mib'])}")
        if first.get("phase") != "overload":
            for side in sides:
                if side in rows:
                    print(f"  target (p99 <= {TARGET_P99_MS:g} ms, no 503, no error), {side}: {'met' if met(rows[side]) else 'NOT met'}")


# Modules this branch's service gained as dependencies that the baseline's did not have: hidden from
# the baseline's process (an import of them fails), so that it runs as it did in its own environment.
BASELINE_WITHOUT = ("httptools", "uvloop")


class Side:
    """One service under test: started once, measured phase by phase."""

    def __init__(self, name: str, src: Path | None, url: str | None, extra: list[str], env_path: Path | None = None):
        self.name, self.process, self.server = name, None, None
        if url is None:
            port = free_port()
            url = f"http://127.0.0.1:{port}"
            self.process = start_service(port, src, extra, env_path)
            self.server = self.process.pid
        self.url = url

    def stop(self) -> None:
        if self.process is not None:
            stop_service(self.process)


def hide_modules(folder: Path, names: tuple[str, ...], tree: Path | None = None) -> Path:
    """A folder to put first on the module path, where an import of each of ``names`` fails; with
    ``tree``, only those its ``pyproject.toml`` does not name (the revision did depend on the others)."""
    if tree is not None and (tree / "pyproject.toml").exists():
        declared = (tree / "pyproject.toml").read_text(encoding="utf-8")
        names = tuple(n for n in names if f'"{n}' not in declared)
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        (folder / f"{name}.py").write_text(f"raise ImportError('{name} is not in the baseline environment')\n")
    return folder


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of each target phase (default 60)")
    parser.add_argument("--phases", nargs="+", choices=("vitnemaal", "enkeltresultat", "overload"), help="only these phases")
    parser.add_argument("--vitnemaal-rate", type=float, default=200.0, help="requests/s of the vitnemål phase (default 200)")
    parser.add_argument("--enkeltresultat-rate", type=float, default=400.0, help="requests/s of the enkeltresultat phase (default 400)")
    parser.add_argument("--baseline", metavar="REV", help="also measure the service at this git revision, in the same run")
    parser.add_argument("--processes", type=int, help="samtbu serve --processes for this side (default: the service's own)")
    parser.add_argument("--url", help="measure a running service instead of starting one (no CPU or memory figures)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON as well")
    args = parser.parse_args(argv)

    plan = phases(args.duration, args.phases, args.vitnemaal_rate, args.enkeltresultat_rate)
    extra = ["--processes", str(args.processes)] if args.processes else []
    print(f"samtbu serve, open-loop load on loopback; {os.cpu_count()} cores; load average at the start: {load()}")
    results: dict[str, list[dict]] = {}
    work = Path(tempfile.mkdtemp(prefix="samtbu-service-load-"))
    sides: list[Side] = []
    try:
        sides.append(Side("this", REPO / "src", args.url, extra))
        if args.baseline and not args.url:
            archive = subprocess.run(["git", "-C", str(REPO), "archive", args.baseline], capture_output=True, check=True)
            (work / "tree").mkdir()
            subprocess.run(["tar", "-x", "-C", str(work / "tree")], input=archive.stdout, check=True)
            sides.append(Side(args.baseline, work / "tree" / "src", None, [], hide_modules(work / "hidden", BASELINE_WITHOUT, work / "tree")))
        for side in sides:
            wait_ready(side.url, side.process)
        # phase by phase, each service in turn: the machine's load falls on both alike
        for phase in plan:
            for side in sides:
                results.setdefault(side.name, []).append(measure(side.url, phase, side.server))
                time.sleep(2)  # let the answers of the phase drain
    finally:
        for side in sides:
            side.stop()
        shutil.rmtree(work, ignore_errors=True)
    print_table(results)
    print(f"\nload average at the end: {load()}")
    if args.json:
        print(json.dumps(results, indent=2))
    return 1 if any(r["errors"] for r in results["this"] if r["phase"] != "overload") else 0


if __name__ == "__main__":
    sys.exit(main())
