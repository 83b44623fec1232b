"""Summarise the last `mutmut run` per module: killed / total, survivors, untested.

Run by `make mutation` after mutmut; reads `mutmut results --all true` and
prints a Markdown table for benchmarks/mutation.md.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections import Counter, defaultdict
from pathlib import Path

BIN = Path(sys.executable).parent


def main() -> None:
    cmd = [str(BIN / "mutmut"), "results", "--all", "true"]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    per: dict[str, Counter] = defaultdict(Counter)
    for line in out.splitlines():
        if ":" not in line:
            continue
        name, status = (s.strip() for s in line.rsplit(":", 1))
        per[re.sub(r"\.x[ǁ_].*", "", name)][status] += 1
    print("| module | caught / total | killed | timeout | survived | no test runs it |")
    print("|---|---|---|---|---|---|")
    total: Counter = Counter()
    for module, c in [*sorted(per.items()), ("**all**", None)]:
        if c is None:
            c = total
        else:
            total.update(c)
        n = sum(c.values())
        caught = c["killed"] + c["timeout"]
        print(
            f"| {module} | {caught} / {n} ({100 * caught / n:.0f}%) | {c['killed']} "
            f"| {c['timeout']} | {c['survived']} | {c['no tests']} |"
        )


if __name__ == "__main__":
    main()
