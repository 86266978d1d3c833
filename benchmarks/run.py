"""Run datalint's performance benchmarks (issue #6) and print one line per target.

    python benchmarks/run.py                 # every target, full inputs (minutes)
    python benchmarks/run.py --only 1,2,6    # some targets
    python benchmarks/run.py --smoke         # each benchmark once on small inputs (seconds)
    python benchmarks/run.py --fast-python .bench-fast/bin/python   # also target 9 (sqlglotc)

Run by hand, never from the test suite's timing point of view: machines are
shared and noisy, so every line is a ratio against a floor measured in the
same run, and ``--smoke`` only proves the benchmarks still work (the test
suite runs it and checks that every target's line is printed).
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _harness import Settings  # noqa: E402

TARGETS = {
    "1": "startup",  # 1, 2, 3 share one module
    "2": "startup",
    "3": "startup",
    "4": "sql_large",  # 4, 8, 9 share the structure.sql runs
    "5": "openapi_large",
    "6": "matching",
    "7": "repository",
    "8": "sql_large",
    "9": "sql_large",
}


def machine() -> str:
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} cores, {model}, Python {platform.python_version()} ({sys.executable})"


def rule_problems(settings: Settings) -> str:
    """Problems loading the rule packs: a broken pack is never cached, so
    every run would pay for YAML and JSON Schema validation."""
    code = "from datalint.rulebook import load_rulebook; print(len(load_rulebook()[1]))"
    result = subprocess.run([settings.python, "-c", code], capture_output=True, text=True, env=settings.env())
    count = result.stdout.strip()
    if result.returncode != 0:
        return "the rulebook cannot be loaded"
    return "" if count == "0" else f"{count} problems"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--smoke", action="store_true", help="run each benchmark once on small inputs")
    parser.add_argument("--only", help="comma-separated target numbers (default: all)")
    parser.add_argument("--python", default=sys.executable, help="interpreter with datalint installed (default: this one)")
    parser.add_argument("--fast-python", default=os.environ.get("DATALINT_BENCH_FAST_PYTHON"),
                        help="interpreter with datalint[fast] (sqlglotc) installed, for target 9")
    parser.add_argument("--repeat", type=int, default=15, help="runs per start-up measurement (the fastest is used)")
    parser.add_argument("--keep", action="store_true", help="keep the generated inputs")
    args = parser.parse_args(argv)

    settings = Settings(python=args.python, fast_python=args.fast_python, smoke=args.smoke, repeat=args.repeat)
    wanted = sorted(set(args.only.split(","))) if args.only else sorted(TARGETS)
    modules = list(dict.fromkeys(TARGETS[t] for t in wanted if t in TARGETS))
    print(f"datalint benchmarks{' (smoke)' if settings.smoke else ''}: {machine()}")
    print(f"inputs in {settings.workdir}")
    broken = rule_problems(settings)
    if broken:
        print(f"WARNING: the rule packs do not load cleanly ({broken}); every run revalidates them and the figures are not representative")
    started = time.perf_counter()
    try:
        for name in modules:
            __import__(name).run(settings)
    finally:
        if not args.keep:
            shutil.rmtree(settings.workdir, ignore_errors=True)
    print(f"done in {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
