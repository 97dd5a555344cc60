"""Static checks of src/: ruff and mypy, their counts compared with the committed baseline.

    python .ci/quality.py            # fails when a count is above .ci/quality-baseline.json
    python .ci/quality.py --update   # writes the current counts (commit it when they went down)

The rules are in pyproject.toml ([tool.ruff], [tool.mypy]); ruff and mypy are pinned in the test
extra so that a count means the same on every machine. A count may only go down: fix what you
added, and lower the baseline when you fix more.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BASELINE = REPO / ".ci" / "quality-baseline.json"


def ruff() -> tuple[int, str]:
    run = subprocess.run([sys.executable, "-m", "ruff", "check", "src", "--output-format", "json", "--exit-zero"],
                         capture_output=True, text=True, cwd=REPO)
    if run.returncode != 0:
        raise SystemExit(f"ruff did not run: {run.stderr.strip()[-500:]}")
    findings = json.loads(run.stdout or "[]")
    by_rule = Counter(f["code"] for f in findings)
    return len(findings), ", ".join(f"{code} {n}" for code, n in by_rule.most_common())


def mypy() -> tuple[int, str]:
    run = subprocess.run([sys.executable, "-m", "mypy", "--no-error-summary", "--hide-error-context"],
                         capture_output=True, text=True, cwd=REPO)
    if run.returncode not in (0, 1):
        raise SystemExit(f"mypy did not run: {(run.stderr or run.stdout).strip()[-500:]}")
    errors = [line for line in run.stdout.splitlines() if re.search(r": error: ", line)]
    by_code = Counter(m.group(1) for line in errors if (m := re.search(r"\[([a-z-]+)\]$", line)))
    return len(errors), ", ".join(f"{code} {n}" for code, n in by_code.most_common())


def main(argv: list[str]) -> int:
    counts = {}
    for name, check in (("ruff", ruff), ("mypy", mypy)):
        count, detail = check()
        counts[name] = count
        print(f"{name}: {count} ({detail or 'clean'})")
    if "--update" in argv:
        BASELINE.write_text(json.dumps(counts, indent=2) + "\n", encoding="utf-8")
        print(f"wrote {BASELINE.relative_to(REPO)}")
        return 0
    baseline = json.loads(BASELINE.read_text(encoding="utf-8"))
    failed = False
    for name, count in counts.items():
        allowed = baseline.get(name, 0)
        if count > allowed:
            failed = True
            print(f"{name}: {count} findings, more than the baseline's {allowed}: fix the new ones "
                  f"(`{'ruff check src' if name == 'ruff' else 'mypy'}` lists them)", file=sys.stderr)
        elif count < allowed:
            print(f"{name}: {count}, below the baseline's {allowed}: lower it with `python .ci/quality.py --update` and commit")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
