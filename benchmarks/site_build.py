"""Times `samtbu site build` as a user runs it, phase by phase: the generated sources (pages in three
languages, downloads, the RDF of every IRI) and the mkdocs build, with wall and CPU time of each
(CPU time counts the mkdocs child process too), and the machine's load average before and after.
Run twice: the first run may fetch mermaid with npm into build/vendor; the second is the figure.

    python benchmarks/site_build.py [--runs 2]
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def cpu() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=2)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / "src"))
    from samtbu.generate.site import generate_sources
    from samtbu.model import Model

    model = Model.load(ROOT)
    for run in range(1, args.runs + 1):
        with tempfile.TemporaryDirectory() as tmp:
            load = os.getloadavg()[0]
            wall0, cpu0 = time.perf_counter(), cpu()
            config = generate_sources(model, Path(tmp) / "src", Path(tmp) / "site")
            wall1, cpu1 = time.perf_counter(), cpu()
            result = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--clean", "--strict", "-q", "-f", str(config)],
                                    cwd=config.parent, capture_output=True, text=True)
            from samtbu.generate.site.build import _root_relative_links, site_url
            from samtbu.generate.site.search import split_search_index

            split_search_index(Path(tmp) / "site")
            _root_relative_links(Path(tmp) / "site", site_url(model))
            wall2, cpu2 = time.perf_counter(), cpu()
            if result.returncode != 0:
                print(result.stderr[-2000:], file=sys.stderr)
                return 1
            pages = sum(1 for _ in (Path(tmp) / "site").rglob("index.html"))
            print(f"run {run}: sources {wall1 - wall0:.1f} s wall / {cpu1 - cpu0:.1f} s CPU; "
                  f"mkdocs + search split {wall2 - wall1:.1f} s wall / {cpu2 - cpu1:.1f} s CPU; "
                  f"total {wall2 - wall0:.1f} s wall / {cpu2 - cpu0:.1f} s CPU; {pages} pages; "
                  f"load average {load:.1f} -> {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
