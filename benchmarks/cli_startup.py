"""Benchmark: the start-up of a fresh `samtbu` process, with and without the compiled-model cache.

    python benchmarks/cli_startup.py [--runs 9] [--payload examples/enkeltresultat.json] [--files 100]

Runs, interleaved round by round so that the machine's load falls on every command alike, and prints
the median wall time of each side by side:

1. ``samtbu --help`` (the floor: the interpreter, the imports, the argument parser);
2. ``samtbu validate PAYLOAD`` with ``SAMTBU_NO_CACHE=1`` (what every call cost before the cache:
   parse the model, compile the shapes);
3. the same with a warm cache (a cache folder of its own, built before the first round);
4. the same with a cold cache (an empty folder each time: the first call, which builds the entry);
5. ``samtbu validate`` of FILES synthetic payloads (benchmarks/cohort.py) in one call, without and with
   the warm cache.

With ``--baseline REV`` (e.g. ``main``), also the single payload and the FILES payloads with the
toolkit and model as they are at that git revision (``git archive``, run from a temporary folder):
the cost before this work, measured in the same run. Then the ratios to ``--help`` (target: warm
validate at most 1.5x) and whether the reports are identical with and without the cache. The commands run as an installed package runs: with its
bytecode written (into a temporary folder, PYTHONPYCACHEPREFIX) after one warm-up call each, even when
PYTHONDONTWRITEBYTECODE is set (``--no-bytecode`` measures that setting instead). The load average
is printed before and after: on a shared machine, quote it with the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "benchmarks"))


def samtbu_command() -> list[str]:
    """The console script beside this interpreter (what a user runs), else ``python -m samtbu.cli``."""
    script = Path(sys.executable).with_name("samtbu")
    return [str(script)] if script.is_file() else [sys.executable, "-m", "samtbu.cli"]


def timed(command: list[str], env: dict) -> tuple[float, float, subprocess.CompletedProcess]:
    """Wall time, CPU time (user + system, of the child) and the result."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    result = subprocess.run(command, env=env, capture_output=True, cwd=REPO)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), result


def write_payloads(folder: Path, count: int) -> None:
    from cohort import Cohort

    folder.mkdir(parents=True, exist_ok=True)
    for i, (_key, _profile, doc) in enumerate(Cohort(count, seed=2121).records()):
        if i == count:
            break
        (folder / f"payload-{i:03d}.json").write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f}, {five:.2f}, {fifteen:.2f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=9, help="rounds; each figure is the median (default 9)")
    parser.add_argument("--payload", type=Path, default=REPO / "examples" / "enkeltresultat.json")
    parser.add_argument("--files", type=int, default=100, help="payloads validated in one call (0: skip)")
    parser.add_argument("--no-bytecode", action="store_true", help="measure with PYTHONDONTWRITEBYTECODE=1")
    parser.add_argument("--baseline", metavar="REV", help="also time the toolkit at this git revision (e.g. main)")
    args = parser.parse_args(argv)

    work = Path(tempfile.mkdtemp(prefix="samtbu-cli-startup-"))
    try:
        env = {k: v for k, v in os.environ.items() if not k.startswith("SAMTBU_CACHE") and k != "SAMTBU_NO_CACHE"}
        if args.no_bytecode:
            env["PYTHONDONTWRITEBYTECODE"] = "1"
        else:
            env.pop("PYTHONDONTWRITEBYTECODE", None)
            env["PYTHONPYCACHEPREFIX"] = str(work / "bytecode")
        no_cache = {**env, "SAMTBU_NO_CACHE": "1"}
        warm = {**env, "SAMTBU_CACHE_DIR": str(work / "warm")}
        samtbu = samtbu_command()
        payload = str(args.payload.resolve())
        files = work / "payloads"
        if args.files:
            write_payloads(files, args.files)
        many = [str(files)]
        commands = {
            "help": (samtbu + ["--help"], env),
            "validate, no cache": (samtbu + ["validate", payload, "-r", "json"], no_cache),
            "validate, warm cache": (samtbu + ["validate", payload, "-r", "json"], warm),
            "validate, cold cache": (samtbu + ["validate", payload, "-r", "json"], None),
        }
        if args.files:
            commands[f"{args.files} files, no cache"] = (samtbu + ["validate", *many, "-r", "json"], no_cache)
            commands[f"{args.files} files, warm cache"] = (samtbu + ["validate", *many, "-r", "json"], warm)
        if args.baseline:
            baseline = work / "baseline"
            baseline.mkdir()
            archive = subprocess.run(["git", "-C", str(REPO), "archive", args.baseline], capture_output=True, check=True)
            subprocess.run(["tar", "-x", "-C", str(baseline)], input=archive.stdout, check=True)
            old = {**env, "PYTHONPATH": str(baseline / "src")}
            before = [sys.executable, "-m", "samtbu.cli"]
            commands[f"help, {args.baseline}"] = (before + ["--help"], old)
            commands[f"validate, {args.baseline}"] = (before + ["validate", payload, "-r", "json"], old)
            if args.files:
                commands[f"{args.files} files, {args.baseline}"] = (before + ["validate", *many, "-r", "json"], old)

        print(f"samtbu start-up, {args.runs} rounds, {'without' if args.no_bytecode else 'with'} bytecode; "
              f"{os.cpu_count()} cores; load average before: {load()}")
        # warm-up: bytecode written, the warm cache built; the reports with and without the cache kept
        reports = {}
        for name, (command, command_env) in commands.items():
            if command_env is None:
                continue
            _wall, _cpu, result = timed(command, command_env)
            if result.returncode not in (0, 1):
                print(f"{name}: exit {result.returncode}: {result.stderr.decode(errors='replace')[-500:]}", file=sys.stderr)
                return 2
            reports[name] = result.stdout
        times: dict[str, list[float]] = {name: [] for name in commands}
        cpu: dict[str, list[float]] = {name: [] for name in commands}
        for round_number in range(args.runs):
            for name, (command, command_env) in commands.items():
                if command_env is None:  # a cache folder that is empty each time
                    cold = work / f"cold-{round_number}"
                    command_env = {**env, "SAMTBU_CACHE_DIR": str(cold)}
                seconds, cpu_seconds, result = timed(command, command_env)
                if command_env.get("SAMTBU_CACHE_DIR", "").endswith(f"cold-{round_number}"):
                    reports.setdefault(name, result.stdout)
                    shutil.rmtree(cold, ignore_errors=True)
                times[name].append(seconds)
                cpu[name].append(cpu_seconds)
        after = load()

        median = {name: statistics.median(values) for name, values in times.items()}
        median_cpu = {name: statistics.median(values) for name, values in cpu.items()}
        floor, floor_cpu = median["help"], median_cpu["help"]
        width = max(len(name) for name in commands)
        print(f"\n{'command':<{width}}  {'wall':>8}  {'x help':>7}  {'min':>7}  {'max':>7}  {'CPU':>7}  {'x help':>7}")
        for name, values in times.items():
            print(f"{name:<{width}}  {median[name]:7.3f}s  {median[name] / floor:6.2f}x  {min(values):6.3f}s  {max(values):6.3f}s"
                  f"  {median_cpu[name]:6.3f}s  {median_cpu[name] / floor_cpu:6.2f}x")
        print("(medians of the rounds; CPU: user + system time of the process, less sensitive to other load)")
        print(f"\nwarm cache / --help: {median['validate, warm cache'] / floor:.2f} (target <= 1.5); "
              f"no cache / --help: {median['validate, no cache'] / floor:.2f}; "
              f"no cache / warm cache: {median['validate, no cache'] / median['validate, warm cache']:.1f}")
        if args.files:
            a, b = median[f"{args.files} files, warm cache"], median[f"{args.files} files, no cache"]
            print(f"{args.files} files in one call: warm cache {a:.2f} s, no cache {b:.2f} s "
                  f"(warm / no cache {a / b:.2f}; target <= 1)")
            if args.baseline:
                c = median[f"{args.files} files, {args.baseline}"]
                print(f"{args.files} files in one call at {args.baseline}: {c:.2f} s (warm cache / {args.baseline} {a / c:.2f}; "
                      f"no cache / {args.baseline} {b / c:.2f}; target <= 1)")
        if args.baseline:
            then = median[f"validate, {args.baseline}"]
            print(f"one payload at {args.baseline}: {then:.2f} s ({then / median[f'help, {args.baseline}']:.2f}x its own --help, "
                  f"{then / floor:.2f}x this --help); warm cache / {args.baseline}: {median['validate, warm cache'] / then:.2f}")
        same = reports["validate, warm cache"] == reports["validate, no cache"] == reports["validate, cold cache"]
        same_many = not args.files or reports[f"{args.files} files, warm cache"] == reports[f"{args.files} files, no cache"]
        print(f"reports identical (no cache, cold, warm{', ' + str(args.files) + ' files' if args.files else ''}): "
              f"{'yes' if same and same_many else 'NO'}")
        print(f"load average after: {after}")
        return 0 if same and same_many else 1
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
