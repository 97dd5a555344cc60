"""The JSON reader (payload bytes -> indexed triples) of this tree against that of a git revision.

    python benchmarks/reader.py --kind vitnemaal --records 400 --baseline main

Times ``read_fast`` (what profile_record.py's "read" line times: the JSON parse, the walk into triples
and the engine's index, and the checks around them) on distinct synthetic records (cohort.py), once
with this tree's ``validate/fast/input.py`` and ``validate/input.py`` and once with those of the
baseline revision, loaded side by side in one process, taking turns record by record, each first in turn (CPU time; each
record is read once by each reader, so that neither meets a record it has seen). Prints the median and
the mean per record, the JSON parse alone for scale, and checks that both readers give the same
triples in the same order, the same index (``spo``/``pos``, in order), the same pointers and the same
key count for every record; exits 1 if any differs.
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "benchmarks"))


def load_revision(rev: str, folder: Path):
    """The fast reader of ``rev``, using the ``validate/input.py`` of ``rev`` (its checks around the walk)."""
    modules = []
    for name, where in (("baseline_input", "src/samtbu/validate/input.py"), ("baseline_fast_input", "src/samtbu/validate/fast/input.py")):
        shown = subprocess.run(["git", "-C", str(REPO), "show", f"{rev}:{where}"], capture_output=True, check=False)
        if shown.returncode != 0:
            raise SystemExit(f"no {where} at {rev}")
        path = folder / f"{name}.py"
        path.write_bytes(shown.stdout)
        spec = importlib.util.spec_from_file_location(name, path)
        if spec is None or spec.loader is None:
            raise SystemExit(f"cannot load {where} of {rev}")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module  # (dataclasses look their module up)
        spec.loader.exec_module(module)
        modules.append(module)
    slow_input, fast_input = modules
    fast_input._input = slow_input
    return fast_input


def same_reading(a, b) -> bool:
    return (list(a.triples) == list(b.triples) and a.pointers == b.pointers and a.key_count == b.key_count
            and [(k, list(v.items())) for k, v in a.triples.spo.items()] == [(k, list(v.items())) for k, v in b.triples.spo.items()]
            and [(k, list(v.items())) for k, v in a.triples.pos.items()] == [(k, list(v.items())) for k, v in b.triples.pos.items()])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kind", default="vitnemaal", choices=("vitnemaal", "kompetansebevis", "fagbrev"))
    parser.add_argument("--records", type=int, default=400)
    parser.add_argument("--warmup", type=int, default=200)
    parser.add_argument("--baseline", default="main", metavar="REV")
    args = parser.parse_args(argv)

    from cohort import Cohort

    from samtbu.jsonld import context_document
    from samtbu.model import Model
    from samtbu.validate.fast import input as current

    model = Model.load()
    want = args.records + args.warmup
    payloads = [json.dumps(doc, ensure_ascii=False).encode() for _n, profile, doc in
                Cohort(12 * want, 11, fault_rate=0).records() if profile == args.kind][:want]
    with tempfile.TemporaryDirectory() as folder:
        baseline = load_revision(args.baseline, Path(folder))
        readers = {args.baseline: baseline, "this tree": current}
        # each reader with the context read by its own code (the model's derived value is one of them)
        for module in readers.values():
            module._TERMS_CACHE[str(model.root)] = module._Terms(context_document(model))
        for data in payloads[: args.warmup]:
            for module in readers.values():
                module.read_fast(data, model=model)
        times: dict[str, list[float]] = {name: [] for name in readers}
        parse = []
        differing = 0
        gc.collect()
        gc.freeze()  # as the batch does: no collection scans the model again (its cost would land on one reader or the other)
        clock = time.process_time
        order = list(readers.items())
        for data in payloads[args.warmup:]:
            read = {}
            order.reverse()  # each first in turn
            for name, module in order:
                started = clock()
                read[name] = module.read_fast(data, model=model)
                times[name].append(clock() - started)
            started = clock()
            current._load_json(data)
            parse.append(clock() - started)
            fast = [r for r in read.values() if type(r.triples).__name__ == "IndexedTriples"]
            if len(fast) != len(read) or not same_reading(read[args.baseline], read["this tree"]):
                differing += 1
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"{args.kind}: {len(parse)} distinct records, {statistics.mean(len(r.triples) for r in read.values()):.0f} triples "
          f"(the last); CPU per record, readers taking turns; load average {load}")
    print(f"  {'JSON parse alone (orjson)':34} median {statistics.median(parse) * 1000:6.3f} ms")
    base = statistics.median(times[args.baseline])
    for name, spent in times.items():
        median = statistics.median(spent)
        p90 = statistics.quantiles(spent, n=10)[-1]
        print(f"  {'read_fast, ' + name:34} median {median * 1000:6.3f} ms  mean {statistics.mean(spent) * 1000:6.3f} ms"
              f"  90th percentile {p90 * 1000:6.3f} ms  median {median / base:5.2f}x")
    if differing:
        print(f"  DIFFERENT readings (or a fallback) for {differing} of {len(parse)} records")
        return 1
    print(f"  the same triples, index, pointers and key count from both for all {len(parse)} records")
    return 0


if __name__ == "__main__":
    sys.exit(main())
