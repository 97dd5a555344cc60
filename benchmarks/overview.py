"""Benchmark: the learner's overview page (``samtbu.share.overview.render_overview``), CPU per page.

    python benchmarks/overview.py [--rounds 5] [--profile]
    PYTHONPATH=/tmp/ov-base/src python benchmarks/overview.py   # another checkout (its own examples and model)
    python benchmarks/overview.py --against /tmp/ov-base/src [--turns 3]   # both, in turns, side by side

Every example in ``examples/`` is drawn in nb, nn and en: with ``share()`` (the learner's view,
which the page is drawn from), from a view made before (the page's own drawing), and from a view
made before with a disclosure log (made once, before the timing; the page parses it each time).
Then the site's concept pages alone (every concept in nb, nn and en, the site index made before).
Prints CPU time (``time.process_time``: on a shared machine the wall time counts the waits for a
core): the first page in the process split into model, view and drawing, the first concept page,
then per page over each round and the medians. ``--profile`` prints the 25 functions with the most
own time of one more round of drawing. ``--against SRC`` measures this checkout's src and another's
(e.g. ``git worktree add /tmp/ov-base 46cae7a~1``) in fresh processes taken in turns, and prints
the medians side by side with their ratio; each side reads its own examples and model.
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
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO / "src") not in sys.path:
    sys.path.append(str(REPO / "src"))  # after PYTHONPATH: another checkout's src may be measured

NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)  # after every example's date of issue
LANGS = ("nb", "nn", "en")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5, help="rounds over every example, language and variant")
    parser.add_argument("--profile", action="store_true", help="profile one more round (cProfile, by own time)")
    parser.add_argument("--against", metavar="SRC", help="another checkout's src: both measured in turns, in fresh processes")
    parser.add_argument("--turns", type=int, default=3, help="with --against: processes per side, taken in turns")
    parser.add_argument("--src", default=str(REPO / "src"), help="with --against: the src measured as 'this' (default: this checkout's)")
    args = parser.parse_args()
    if args.against:
        return side_by_side(Path(args.src), Path(args.against), args.rounds, args.turns)

    import samtbu
    from samtbu.model import Model
    from samtbu.share import overview, share

    views: dict = {}
    original_share = overview.share

    def prepared_share(record, role, purpose, **k):
        """The learner's view, made once per record: the rounds of drawing time the page alone."""
        key = (str(record), role, purpose)
        if key not in views:
            views[key] = original_share(record, role, purpose, **k)
        return views[key]

    examples = sorted((Path(samtbu.__file__).resolve().parents[2] / "examples").glob("*.json"))
    start = time.process_time()
    model = Model.load()
    loaded = time.process_time()
    overview.share = prepared_share
    prepared_share(examples[0], "laerende", "egen-oversikt", now=NOW, model=model)
    viewed = time.process_time()
    overview.render_overview(examples[0], "nb", now=NOW, model=model)
    first = time.process_time() - viewed
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "utleveringer.ttl"
        vitnemaal = next(e for e in examples if e.name == "vitnemaal-studiespesialisering.json")
        for role, purpose, name in (("opptak-hoeyere-utdanning", "opptak-hoeyere-utdanning", "Samordna opptak"),
                                    ("oppfoelgingstjenesten", "oppfoelging", "Oppfølgingstjenesten i Vestland")):
            share(vitnemaal, role, purpose, now=NOW, log=log, recipient_name=name, model=model)
        plain = [(e, lang, None) for e in examples for lang in LANGS]
        with_log = [(e, lang, log) for e in examples for lang in LANGS]

        def one_round(share_function, variants) -> float:
            overview.share = share_function
            start = time.process_time()
            for example, lang, disclosures in variants:
                overview.render_overview(example, lang, now=NOW, model=model, disclosures=disclosures)
            return 1000 * (time.process_time() - start) / len(variants)

        one_round(prepared_share, plain)  # the views made
        print(f"samtbu from {Path(samtbu.__file__).parent} (load average {os.getloadavg()[0]:.2f})")
        print(f"first page in the process: model loaded {loaded - start:.3f} s CPU, first view (share()) {viewed - loaded:.3f} s, "
              f"first drawing (templates compiled, texts read) {first:.3f} s")
        concepts = ConceptPages(model)
        print(f"concept pages: {len(concepts.concepts)} concepts x nb/nn/en, site index made in {concepts.setup:.3f} s CPU, "
              f"first page (template compiled) {1000 * concepts.first:.1f} ms")
        figures: dict[str, list[float]] = {"with share()": [], "drawing": [], "drawing with the log": [], "concept page": []}
        for round_ in range(args.rounds):
            figures["with share()"].append(one_round(original_share, plain))
            figures["drawing"].append(one_round(prepared_share, plain))
            figures["drawing with the log"].append(one_round(prepared_share, with_log))
            figures["concept page"].append(concepts.one_round())
            print(f"round {round_ + 1}: " + "; ".join(f"{name} {values[-1]:.2f} ms" for name, values in figures.items()))
        print(f"median of {args.rounds} rounds, CPU per page ({len(plain)} pages each): "
              + "; ".join(f"{name} {statistics.median(values):.2f} ms" for name, values in figures.items())
              + f" (load average {os.getloadavg()[0]:.2f})")
        medians = {name: statistics.median(values) for name, values in figures.items()}
        print("RESULT " + json.dumps({"first drawing": first, "first concept page": concepts.first, **medians}))
        if args.profile:
            import cProfile
            import pstats

            profiler = cProfile.Profile()
            profiler.runcall(one_round, prepared_share, plain + with_log)
            pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
    return 0


class ConceptPages:
    """The site's concept pages (``concept_page``: the catalog's concepts in nb, nn and en), alone:
    the site index and the IRI index are made before, as the site build does once."""

    def __init__(self, model):
        try:
            from samtbu.generate.site import pages
            from samtbu.generate.site.index import SiteIndex
            from samtbu.generate.site.iris import ResourceIndex
        except ImportError:  # a checkout from before the generate/site/ package
            from samtbu.generate import site_pages as pages  # type: ignore[no-redef]
            from samtbu.generate.site_index import SiteIndex  # type: ignore[no-redef]
            from samtbu.generate.site_iris import ResourceIndex  # type: ignore[no-redef]
        start = time.process_time()
        self.idx = SiteIndex(model)
        self.resources = ResourceIndex(self.idx)
        self.concepts = list(self.idx.concepts)
        self.page = pages.concept_page
        self.setup = time.process_time() - start
        start = time.process_time()
        self.page(self.idx, self.concepts[0], "nb", self.resources)
        self.first = time.process_time() - start
        self.one_round()  # the index's own caches filled

    def one_round(self) -> float:
        """CPU per page (ms) over every concept in every language."""
        start = time.process_time()
        for concept in self.concepts:
            for lang in LANGS:
                self.page(self.idx, concept, lang, self.resources)
        return 1000 * (time.process_time() - start) / (len(self.concepts) * len(LANGS))


def side_by_side(this: Path, other: Path, rounds: int, turns: int) -> int:
    """Two checkouts' src, each in ``turns`` fresh processes taken in turns (so both see the same
    load), and the medians of their figures side by side."""
    sides = {"this": this.resolve(), "other": other.resolve()}
    results: dict[str, list[dict]] = {side: [] for side in sides}
    for turn in range(turns):
        for side, src in sides.items():
            env = {**os.environ, "PYTHONPATH": str(src)}
            run = subprocess.run([sys.executable, __file__, "--rounds", str(rounds)], env=env, capture_output=True, text=True)
            if run.returncode != 0:
                print(run.stdout + run.stderr, file=sys.stderr)
                return 1
            line = next(x for x in run.stdout.splitlines() if x.startswith("RESULT "))
            results[side].append(json.loads(line[len("RESULT "):]))
            print(f"turn {turn + 1}, {side} ({src}): " + ", ".join(f"{k} {v:.3f}" for k, v in results[side][-1].items()))
    print(f"medians over {turns} processes a side, {rounds} rounds each (load average {os.getloadavg()[0]:.2f}):")
    for name in results["this"][0]:
        unit, scale = ("ms", 1000) if name.startswith("first") else ("ms", 1)
        this, that = (statistics.median(r[name] * scale for r in results[side]) for side in sides)
        print(f"  {name:24} this {this:8.3f} {unit}   other {that:8.3f} {unit}   this/other {this / that:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
