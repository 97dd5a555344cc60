"""Where the time of one record goes, against the cost of only parsing it.

    python benchmarks/profile_record.py --kind vitnemaal --records 400

Validates distinct synthetic learners of one kind (cohort.py, a seed of its own), each once, in
process, after a warm-up, and prints the median CPU time of each step of the pipeline that the batch
runs for a record: reading the JSON (json.loads alone, then the whole reader into triples), choosing
the profile, indexing the triples, the compiled shapes, and the whole ``validate_payload`` and
``validate()``. For scale, pyoxigraph's parse of the same record as N-Triples (the cheapest RDF
syntax) is timed too. Then the SPARQL constraints that cost most per record (their evaluations
timed one by one: the model is compiled in this process, without the compiled-model cache).
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
    from samtbu.validate.fastterms import B, L

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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kind", default="vitnemaal", choices=("vitnemaal", "kompetansebevis", "fagbrev"))
    parser.add_argument("--records", type=int, default=400)
    parser.add_argument("--warmup", type=int, default=100)
    args = parser.parse_args(argv)
    os.environ["SAMTBU_NO_CACHE"] = "1"  # compile here, so that the SPARQL evaluators can be timed

    from samtbu.validate import fastsparql

    spent: collections.Counter = collections.Counter()
    names: dict[str, str] = {}
    compile_constraint = fastsparql.compile_sparql_constraint

    def timed_constraint(g, constraint, select, path_sparql):
        evaluate = compile_constraint(g, constraint, select, path_sparql)
        shape = next((str(s) for s in g.subjects(None, constraint)), str(constraint))
        key = str(constraint)
        names[key] = shape.rsplit("/", 1)[-1]
        clock = time.process_time

        def timed(ctx, focus):
            started = clock()
            try:
                return evaluate(ctx, focus)
            finally:
                spent[key] += clock() - started

        timed.locality = evaluate.locality
        timed.cache_by_values = evaluate.cache_by_values
        return timed

    fastsparql.compile_sparql_constraint = timed_constraint

    import pyoxigraph
    from cohort import Cohort

    from samtbu.model import Model
    from samtbu.validate import read_any, validate, validate_payload
    from samtbu.validate.engine import compiled_shapes, detect_profile_triples
    from samtbu.validate.fastterms import Data

    model = Model.load()
    want = args.records + args.warmup
    payloads = [json.dumps(doc, ensure_ascii=False).encode() for _n, profile, doc in
                Cohort(12 * want, 11, fault_rate=0).records() if profile == args.kind][:want]
    warm, timed_payloads = payloads[: args.warmup], payloads[args.warmup:]
    for data in warm:
        validate(data, None, model=model, grep=False)
    spent.clear()
    # each step on its own copy of the records, so that no step meets a record a second time
    # (the SPARQL evaluators remember their rows per value: a second pass would be cheaper)
    halves = [timed_payloads[i::2] for i in range(2)]
    read = [read_any(d, model=model) for d in halves[0]]
    profile = detect_profile_triples(read[0].triples, model)
    compiled = compiled_shapes(profile, model)
    rows = [
        ("json.loads", median_cpu(json.loads, halves[0])),
        ("read: JSON -> triples (whole reader)", median_cpu(lambda d: read_any(d, model=model), halves[0])),
        ("choose the profile", median_cpu(lambda p: detect_profile_triples(p.triples, model), read)),
        ("index the triples (Data)", median_cpu(lambda p: Data(p.triples), read)),
        ("compiled shapes (all constraints)", median_cpu(lambda p: compiled.validate(Data(p.triples)), read)),
    ]
    spent.clear()
    rows.append(("validate(): the whole call", median_cpu(lambda d: validate(d, None, model=model, grep=False), halves[1])))
    sparql_per_record = {k: v / len(halves[1]) * 1000 for k, v in spent.items()}
    fresh = [read_any(d, model=model) for d in halves[1]]
    rows.append(("validate_payload (as the batch: no report graph)",
                 median_cpu(lambda p: validate_payload(p, None, model=model, keep_shacl_report=False), fresh)))
    nt = [ntriples(p.triples) for p in read]
    parse = median_cpu(lambda b: list(pyoxigraph.parse(b, pyoxigraph.RdfFormat.N_TRIPLES)), nt)
    rows.append(("pyoxigraph: parse the record as N-Triples", parse))
    print(f"{args.kind}: {len(timed_payloads)} distinct records, {statistics.mean(len(p.triples) for p in read):.0f} triples "
          f"each on average; median CPU per record; load average {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    for name, ms in rows:
        print(f"  {name:52} {ms:7.3f} ms  {ms / parse:5.1f}x parsing")
    print(f"  SPARQL constraints, sum of the means per record: {sum(sparql_per_record.values()):.3f} ms; the costliest:")
    for key, ms in sorted(sparql_per_record.items(), key=lambda kv: -kv[1])[:8]:
        print(f"    {ms:6.3f} ms  {names[key]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
