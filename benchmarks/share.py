"""Benchmark: ``share()``, the minimal view for a recipient, and the share of it spent checking the
view against the policy's closed profile (``samtbu.share.profiles.check_view``).

    python benchmarks/share.py [--rounds 3]

Every example in ``examples/`` is shared with every policy in ``policies/`` (the ones refused are
skipped, as a refusal comes before the check). Prints CPU time (``time.process_time``: on a shared
machine the wall time counts the waits for a core) of the first call in the process (model and
profile compiled then), and per call over the later rounds, with the part spent in ``check_view``.
Run it with another checkout's ``src`` on ``PYTHONPATH`` to compare two versions in one run.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO / "src") not in sys.path:
    sys.path.append(str(REPO / "src"))  # after PYTHONPATH: another checkout's src may be measured

NOW = datetime(2026, 11, 1, 12, 0, tzinfo=timezone.utc)  # after every example's date of issue


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="rounds over every example and policy after the first call")
    args = parser.parse_args()

    import samtbu
    from samtbu.model import Model
    from samtbu.share import ShareRefused, load_policies, share
    from samtbu.share import view as view_module

    checked = [0.0]
    original = view_module.check_view

    def timed_check(*a, **k):
        start = time.process_time()
        try:
            return original(*a, **k)
        finally:
            checked[0] += time.process_time() - start

    view_module.check_view = timed_check
    examples = sorted((Path(samtbu.__file__).resolve().parents[2] / "examples").glob("*.json"))
    start = time.process_time()
    model = Model.load()
    policies = load_policies(model)
    first = next(p for p in policies if p.role == "opptak-hoeyere-utdanning")
    example = next(e for e in examples if e.name == "vitnemaal-studiespesialisering.json")
    share(example, first.role, first.purpose, now=NOW, model=model, policies=policies)
    print(f"samtbu from {Path(samtbu.__file__).parent}")
    print(f"first share() in the process (a vitnemål, model loaded, profile built): {time.process_time() - start:.3f} s CPU, "
          f"check_view {checked[0]:.3f} s")
    for round_ in range(args.rounds):
        checked[0] = 0.0
        calls = refused = 0
        start = time.process_time()
        for example in examples:
            for policy in policies:
                try:
                    share(example, policy.role, policy.purpose, now=NOW, model=model, policies=policies)
                    calls += 1
                except ShareRefused:
                    refused += 1
        total = time.process_time() - start
        print(f"round {round_ + 1}: {calls} views, {refused} refused; {1000 * total / (calls + refused):.1f} ms CPU per "
              f"share() call, check_view {1000 * checked[0] / calls:.1f} ms per view ({100 * checked[0] / total:.0f} % of the time)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
