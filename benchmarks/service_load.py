"""Bounded load test of the validation service on loopback.

Starts `samtbu serve` as a second process on 127.0.0.1 (a free port), waits until it is ready, sends a
fixed number of validation requests with a fixed concurrency (a typical vitnemål payload), and prints
requests per second and p50/p99 latency. Any non-200 answer or non-conforming report is an error;
the exit code is 1 when there was any.

    python benchmarks/service_load.py                  # 300 requests, concurrency 4
    python benchmarks/service_load.py --requests 20    # a smoke run
    python benchmarks/service_load.py --url http://127.0.0.1:8000   # against a running service
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]
PAYLOAD = REPO / "examples" / "vitnemaal-studiespesialisering.json"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_service(port: int, workers: int | None = None, extra: list[str] | None = None) -> subprocess.Popen:
    command = [sys.executable, "-m", "samtbu.cli", "serve", "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]
    if workers:
        command += ["--workers", str(workers)]
    command += extra or []
    env = {**os.environ, "PYTHONPATH": str(REPO / "src") + os.pathsep + os.environ.get("PYTHONPATH", "")}
    return subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def wait_ready(url: str, process: subprocess.Popen | None = None, timeout: float = 180.0) -> None:
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


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * p / 100
    low, high = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (k - low)


def run_load(url: str, requests: int, concurrency: int, payload: bytes, profile: str = "vitnemaal") -> dict:
    latencies: list[float] = []
    errors: list[str] = []

    with httpx.Client(base_url=url, timeout=120, trust_env=False, limits=httpx.Limits(max_connections=concurrency)) as client:

        def one(_: int) -> None:
            start = time.perf_counter()
            try:
                response = client.post(f"/v1/validate?profile={profile}", content=payload, headers={"Content-Type": "application/json"})
            except httpx.HTTPError as exc:
                errors.append(type(exc).__name__)
                return
            latencies.append(time.perf_counter() - start)
            if response.status_code != 200:
                errors.append(f"HTTP {response.status_code}")
            elif response.headers.get("x-samtbu-conforms") != "true":
                errors.append("report: does not conform")

        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=concurrency) as pool:
            list(pool.map(one, range(requests)))
        elapsed = time.perf_counter() - started
    return {
        "requests": requests,
        "concurrency": concurrency,
        "payload_bytes": len(payload),
        "errors": len(errors),
        "error_kinds": sorted(set(errors)),
        "seconds": round(elapsed, 2),
        "requests_per_second": round(requests / elapsed, 2),
        "p50_ms": round(percentile(latencies, 50) * 1000, 1),
        "p99_ms": round(percentile(latencies, 99) * 1000, 1),
        "mean_ms": round(statistics.fmean(latencies) * 1000, 1) if latencies else None,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--payload", type=Path, default=PAYLOAD)
    parser.add_argument("--profile", default="vitnemaal")
    parser.add_argument("--workers", type=int, help="validation threads of the started service (samtbu serve --workers)")
    parser.add_argument("--url", help="use a running service instead of starting one")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)

    payload = args.payload.read_bytes()
    process = None
    url = args.url
    if url is None:
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        process = start_service(port, args.workers)
    try:
        wait_ready(url, process)
        # one request first, so that the figures are for a warm service
        run_load(url, 1, 1, payload, args.profile)
        figures = run_load(url, args.requests, args.concurrency, payload, args.profile)
    finally:
        if process is not None:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
    figures["cpus"] = os.cpu_count()
    if args.json:
        print(json.dumps(figures, indent=2))
    else:
        print(
            f"{figures['requests']} requests, concurrency {figures['concurrency']}, payload {args.payload.name} "
            f"({figures['payload_bytes']:,} bytes), {figures['cpus']} CPUs\n"
            f"  {figures['requests_per_second']} requests/s, p50 {figures['p50_ms']} ms, p99 {figures['p99_ms']} ms, "
            f"{figures['errors']} errors{(' ' + ', '.join(figures['error_kinds'])) if figures['errors'] else ''}"
        )
    return 1 if figures["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
