"""Where the time of one record goes, against the cost of only parsing it.

    python benchmarks/profile_record.py --kind vitnemaal --records 400 [--against main] [--grep grep/grep-eksempler.sqlite]

Validates distinct synthetic learners of one kind (cohort.py, a seed of its own), each once, in
process, after a warm-up, and prints the median CPU time of each step of the pipeline that the batch
runs for a record: reading the JSON (json.loads alone, then the whole reader into triples), choosing
the profile, indexing the triples, the compiled shapes, and the whole ``validate_payload`` and
``validate()``. For scale, pyoxigraph's parse of the same record as N-Triples (the cheapest RDF
syntax) is timed too. Then the SPARQL constraints that cost most per record (their evaluations
timed one by one: the model is compiled in this process, without the compiled-model cache), and how
many of the queries run as one generated function each (``validate/fast/sparqlgen.py``).

With ``--against REV`` (e.g. ``main``) each SPARQL constraint is also compiled by the SPARQL module
(``validate/fast/sparql.py``, ``fastsparql.py`` before the package) of that git revision and both evaluators are timed on the same calls, taking turns
(CPU time, the best of three rounds, each round with evaluators just compiled, so that nothing is
remembered from an earlier round): the figures side by side in one process, and a check that both
give the same rows.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "benchmarks"))


def ntriples(triples) -> bytes:
    from samtbu.validate.fast.terms import B, L

    def term(t):
        if isinstance(t, L):
            lex, dt, lang = t
            text = json.dumps(lex, ensure_ascii=False)
            return text + (f"@{lang}" if lang else f"^^<{dt}>" if dt else "")
        if isinstance(t, B):
            return f"_:b{abs(hash(t))}"
        return f"<{t}>"

    return "".join(f"{term(s)} {term(p)} {term(o)} .\n" for s, p, o in triples).encode()


def median_cpu(step, items) -> float:
    times = []
    for item in items:
        started = time.process_time()
        step(item)
        times.append(time.process_time() - started)
    return statistics.median(times) * 1000


def timer_cost(rounds: int = 20_000) -> float:
    """The CPU seconds that timing one call costs (two readings of the process clock and the sum)."""
    clock = time.process_time
    total = 0.0
    started = clock()
    for _ in range(rounds):
        t = clock()
        total += clock() - t
    return (clock() - started) / rounds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kind", default="vitnemaal", choices=("vitnemaal", "kompetansebevis", "fagbrev"))
    parser.add_argument("--records", type=int, default=400)
    parser.add_argument("--warmup", type=int, default=100)
    parser.add_argument("--grep", type=Path, metavar="SNAPSHOT",
                        help="validate() with this Grep snapshot (e.g. grep/grep-eksempler.sqlite): its lookups and "
                             "the Grep shapes' SPARQL constraints are then timed too")
    parser.add_argument("--fault-rate", type=float, default=0.0, help="share of the records with an injected fault (cohort.py)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of the --against comparison (the best is kept)")
    parser.add_argument("--against", metavar="REV", help="also time each SPARQL constraint with the fast SPARQL module of this git revision")
    args = parser.parse_args(argv)
    os.environ["SAMTBU_NO_CACHE"] = "1"  # compile here, so that the SPARQL evaluators can be timed

    from samtbu.validate.fast import sparql as fastsparql

    spent: collections.Counter = collections.Counter()
    counted: collections.Counter = collections.Counter()  # evaluations timed, per constraint
    names: dict[str, str] = {}
    calls: dict[str, tuple] = {}  # constraint -> (its compile arguments, the (ctx, focus) of its evaluations)
    compile_constraint = fastsparql.compile_sparql_constraint

    def timed_constraint(g, constraint, select, path_sparql):
        evaluate = compile_constraint(g, constraint, select, path_sparql)
        shape = next((str(s) for s in g.subjects(None, constraint)), str(constraint))
        key = str(constraint)
        names[key] = shape.rsplit("/", 1)[-1]
        clock = time.process_time
        # (one list per constraint: with --grep the same constraint is compiled for two profiles)
        seen = calls.setdefault(key, ((g, constraint, select, path_sparql), []))[1]

        def timed(ctx, focus):
            if args.against:
                seen.append((ctx, focus))
            started = clock()
            try:
                return evaluate(ctx, focus)
            finally:
                spent[key] += clock() - started
                counted[key] += 1

        timed.locality = evaluate.locality
        timed.cache_by_values = evaluate.cache_by_values
        return timed

    fastsparql.compile_sparql_constraint = timed_constraint

    import pyoxigraph
    from cohort import Cohort

    from samtbu.model import Model
    from samtbu.validate import read_any, validate, validate_payload
    from samtbu.validate.engine import compiled_shapes, detect_profile_triples
    from samtbu.validate.fast.terms import Data

    model = Model.load()
    from samtbu.grep import resolve_snapshot

    snapshot = (resolve_snapshot(args.grep) or False) if args.grep else False
    want = args.records + args.warmup
    payloads = [json.dumps(doc, ensure_ascii=False).encode() for _n, profile, doc in
                Cohort(12 * want, 11, fault_rate=args.fault_rate).records() if profile == args.kind][:want]
    warm, timed_payloads = payloads[: args.warmup], payloads[args.warmup:]
    for data in warm:
        validate(data, None, model=model, grep=snapshot)
    spent.clear()
    # each step on its own copy of the records, so that no step meets a record a second time
    # (the SPARQL evaluators remember their rows per value: a second pass would be cheaper)
    # (validate_payload gets a third of its own: on records validate() had met, it measured ~0.15 ms
    # less, the SPARQL evaluators answering from the rows they remembered)
    thirds = [timed_payloads[i::3] for i in range(3)]
    read = [read_any(d, model=model) for d in thirds[0]]
    profile = detect_profile_triples(read[0].triples, model)
    compiled = compiled_shapes(profile, model)
    rows = [
        ("json.loads", median_cpu(json.loads, thirds[0])),
        ("read: JSON -> triples (whole reader)", median_cpu(lambda d: read_any(d, model=model), thirds[0])),
        ("choose the profile", median_cpu(lambda p: detect_profile_triples(p.triples, model), read)),
        ("index the triples (Data)", median_cpu(lambda p: Data(p.triples), read)),
        ("compiled shapes (all constraints)", median_cpu(lambda p: compiled.validate(Data(p.triples)), read)),
    ]
    spent.clear()
    counted.clear()
    for _compile_args, seen in calls.values():
        seen.clear()  # from here on only the validate() step's evaluations
    rows.append(("validate(): the whole call" + (f" (Grep: {args.grep.name})" if args.grep else ""),
                 median_cpu(lambda d: validate(d, None, model=model, grep=snapshot), thirds[1])))
    # each evaluation is timed by two clock readings, whose own cost (a system call for the CPU clock,
    # ~0.2-1 us) would be counted in: taken off, as measured here
    overhead = timer_cost()
    sparql_per_record = {k: max(0.0, v - counted[k] * overhead) / len(thirds[1]) * 1000 for k, v in spent.items()}
    frozen = {k: (a, list(seen)) for k, (a, seen) in calls.items()}
    fresh = [read_any(d, model=model) for d in thirds[2]]
    rows.append(("validate_payload (as the batch: no report graph)",
                 median_cpu(lambda p: validate_payload(p, None, model=model, keep_shacl_report=False), fresh)))
    nt = [ntriples(p.triples) for p in read]
    parse = median_cpu(lambda b: list(pyoxigraph.parse(b, pyoxigraph.RdfFormat.N_TRIPLES)), nt)
    rows.append(("pyoxigraph: parse the record as N-Triples", parse))
    print(f"{args.kind}: {len(timed_payloads)} distinct records ({args.fault_rate:.0%} with a fault), "
          f"{statistics.mean(len(p.triples) for p in read):.0f} triples "
          f"each on average; median CPU per record; load average {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    for name, ms in rows:
        print(f"  {name:52} {ms:7.3f} ms  {ms / parse:5.1f}x parsing")
    print(f"  SPARQL constraints, sum of the means per record: {sum(sparql_per_record.values()):.3f} ms "
          f"({sum(counted.values()) / len(thirds[1]):.1f} evaluations per record, less the timer's own "
          f"{overhead * 1e6:.2f} us each); the costliest:")
    for key, ms in sorted(sparql_per_record.items(), key=lambda kv: -kv[1])[:8]:
        print(f"    {ms:6.3f} ms  {names[key]}")
    queries = getattr(fastsparql, "_QUERY_CACHE", {}).values()
    generated = sum(1 for entry in queries if len(entry) > 2 and entry[2] is not None)
    print(f"  SPARQL queries written as one generated function each: {generated} of {len(queries)} "
          "(the others run as closures)")
    if args.against:
        return compare_sparql(args.against, compile_constraint, frozen, names, len(thirds[1]), args.rounds)
    return 0


def compare_sparql(rev: str, compile_new, calls: dict, names: dict, records: int, rounds: int = 3) -> int:
    """Each SPARQL constraint's evaluations of the ``validate()`` step again, with this tree's
    evaluator and with that of ``rev``'s fast SPARQL module, taking turns: CPU per record, best of
    ``rounds``."""
    import importlib
    import subprocess
    import tempfile

    import re

    def show(where: str) -> bytes | None:
        shown = subprocess.run(["git", "-C", str(REPO), "show", f"{rev}:{where}"], capture_output=True)
        return shown.stdout if shown.returncode == 0 else None

    for where in ("src/samtbu/validate/fast/sparql.py", "src/samtbu/validate/fastsparql.py"):  # before the package
        source = show(where)
        if source is not None:
            break
    else:
        raise SystemExit(f"no fast SPARQL module at {rev}")
    # an older revision's module imports its siblings by their names before the package
    source = re.sub(rb"samtbu\.validate\.fast(engine|terms)\b", rb"samtbu.validate.fast.\1", source)
    # and the revision's own query generator (sparqlgen.py), bound to the revision's SPARQL module: else
    # both sides would run this tree's generated queries
    generator = show("src/samtbu/validate/fast/sparqlgen.py")
    if generator is not None:
        source = source.replace(b"from samtbu.validate.fast.sparqlgen import", b"from fastsparqlgen_baseline import")
        generator = generator.replace(b"from samtbu.validate.fast import sparql as _s", b"import fastsparql_baseline as _s")
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "fastsparql_baseline.py").write_bytes(source)
        if generator is not None:
            (Path(folder) / "fastsparqlgen_baseline.py").write_bytes(generator)
        sys.path.insert(0, folder)
        try:
            old_module = importlib.import_module("fastsparql_baseline")
            if generator is not None:
                importlib.import_module("fastsparqlgen_baseline")
        finally:
            sys.path.remove(folder)
    totals = {"old": 0.0, "new": 0.0}
    rows, differing = [], []
    for key, (compile_args, seen) in calls.items():
        if not seen:
            continue
        best = {"old": float("inf"), "new": float("inf")}
        for _round in range(rounds):
            answers = {}
            for label, compile_fn in (("old", old_module.compile_sparql_constraint), ("new", compile_new)):
                evaluate = compile_fn(*compile_args)
                started = time.process_time()
                answers[label] = [evaluate(ctx, focus) for ctx, focus in seen]
                best[label] = min(best[label], (time.process_time() - started) / records * 1000)
            if answers["old"] != answers["new"] and names[key] not in differing:
                differing.append(names[key])
        totals["old"] += best["old"]
        totals["new"] += best["new"]
        rows.append((best["old"], best["new"], names[key]))
    print(f"  SPARQL constraints, {rev}'s fast SPARQL module against this tree's (CPU per record, the same {records} "
          f"records' evaluations, best of {rounds} interleaved rounds): {totals['old']:.3f} ms -> {totals['new']:.3f} ms "
          f"({totals['new'] / totals['old']:.2f}x); load average {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    for old, new, name in sorted(rows, reverse=True)[:10]:
        print(f"    {old:6.3f} ms -> {new:6.3f} ms  {name}")
    if differing:
        print(f"  DIFFERENT ROWS from {rev} for: {', '.join(differing)}")
        return 1
    print(f"  the same rows as {rev} for every evaluation")
    return 0


if __name__ == "__main__":
    sys.exit(main())
