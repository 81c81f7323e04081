#!/usr/bin/env python
"""Run every benchmark under benchmarks/ one after another and print their figures.

Each script builds its own realistic data set in its own PostgreSQL database (it needs
PostgreSQL: set DATABASE_URL, default postgres://postgres@127.0.0.1:5432/test as on CI), prints its
figures, and drops the database. `make bench` runs this; `python benchmarks/run_all.py NAME ...` runs
only the named ones (e.g. `complaints_sla_sweep`).
"""

import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(argv: list[str]) -> int:
    os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/test")
    scripts = sorted(p for p in HERE.glob("*.py") if p.name not in {"run_all.py", "__init__.py"} and not p.name.startswith("_"))
    if argv:
        wanted = {a.removesuffix(".py") for a in argv}
        scripts = [p for p in scripts if p.stem in wanted]
    failures = []
    for script in scripts:
        print(f"\n=== {script.stem} " + "=" * (70 - len(script.stem)), flush=True)
        started = time.monotonic()
        rc = subprocess.call([sys.executable, str(script)], cwd=HERE.parent)
        print(f"--- {script.stem}: exit {rc} in {time.monotonic() - started:.0f} s", flush=True)
        if rc:
            failures.append(script.stem)
    if failures:
        print(f"\nFAILED: {', '.join(failures)}")
        return 1
    print("\nall benchmarks finished")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
