"""Timing helpers shared by the benchmarks.

Every target is a ratio against a floor measured in the same run, because
absolute times on shared machines drift by 2x from one hour to the next.
Subprocess timings interleave the floor and the subject (floor, subject,
floor, subject, ...) so that a slow minute hurts both alike, and report the
fastest run of each (noise only ever adds time).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared" / "corpus"
EXAMPLES = REPO / "examples"


@dataclass
class Settings:
    python: str = sys.executable
    """The interpreter whose environment has datalint installed."""
    fast_python: str | None = None
    """An interpreter whose environment has ``datalint[fast]`` (sqlglotc)."""
    smoke: bool = False
    """Run each benchmark once on small inputs: checks the benchmarks work,
    measures nothing worth quoting."""
    repeat: int = 15
    no_cache: list[str] | None = None
    """What ``no_cache()`` found, once per session."""
    workdir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="datalint-bench-")))

    def runs(self, full: int) -> int:
        return 1 if self.smoke else full

    def env(self) -> dict[str, str]:
        """Subprocess environment: a private rule cache, so benchmarks neither
        read nor pollute the user's."""
        env = dict(os.environ)
        env["DATALINT_CACHE_DIR"] = str(self.workdir / "user-cache")
        env.pop("PYTHONPROFILEIMPORTTIME", None)
        # Installed packages run from bytecode compiled at install time; a
        # session that sets PYTHONDONTWRITEBYTECODE would instead recompile
        # datalint's sources on every run (~30 ms), which no user pays.
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        return env


def datalint_command(python: str) -> list[str]:
    """The installed console script next to ``python``, as users run it;
    ``python -m datalint`` if there is none."""
    script = Path(python).parent / "datalint"
    return [str(script)] if script.exists() else [python, "-m", "datalint"]


def no_cache(settings: Settings) -> list[str]:
    """``--no-cache`` when the CLI has a result cache: a benchmark of reading
    a file must not be served from the previous run's entry (re-runs are
    target 7c's business)."""
    if settings.no_cache is None:
        result = run_once([*datalint_command(settings.python), "check", "--help"], settings)
        settings.no_cache = ["--no-cache"] if b"--no-cache" in result.stdout else []
    return settings.no_cache


def find_squawk(*pythons: str | None) -> str | None:
    for python in pythons:
        if python:
            candidate = Path(python).parent / "squawk"
            if candidate.exists():
                return str(candidate)
    return shutil.which("squawk")


def run_once(command: Sequence[str], settings: Settings, cwd: Path | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(list(command), cwd=cwd, env=settings.env(), capture_output=True)


def wall(command: Sequence[str], settings: Settings, cwd: Path | None = None) -> float:
    """Seconds one run of ``command`` takes, start-up included."""
    start = time.perf_counter()
    run_once(command, settings, cwd)
    return time.perf_counter() - start


def compare(commands: dict[str, Sequence[str]], settings: Settings, repeat: int, cwd: Path | None = None) -> dict[str, float]:
    """Fastest wall time of each command, runs interleaved. One untimed run
    of each first warms the OS file cache, bytecode and the rule cache.
    The minimum, not the median: on a shared machine noise only ever adds
    time, and it comes in bursts that a median of a few runs does not hide."""
    for command in commands.values():
        run_once(command, settings, cwd)
    samples: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(max(1, repeat)):
        for name, command in commands.items():
            samples[name].append(wall(command, settings, cwd))
    return {name: min(values) for name, values in samples.items()}


def best_of(function: Callable[[], object], repeat: int) -> float:
    """Fastest of ``repeat`` in-process runs, in seconds (in-process timings
    only get slower by noise, so the minimum is the estimate)."""
    best = float("inf")
    for _ in range(max(1, repeat)):
        start = time.perf_counter()
        function()
        best = min(best, time.perf_counter() - start)
    return best


def peak_rss_kib(command: Sequence[str], settings: Settings, cwd: Path | None = None) -> int:
    """Peak resident set size of one run of ``command`` (KiB, Linux)."""
    process = subprocess.Popen(list(command), cwd=cwd, env=settings.env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _pid, _status, usage = os.wait4(process.pid, 0)
    process.returncode = 0
    return int(usage.ru_maxrss)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def report(target: str, title: str, ratio: float | None, limit: float | None, detail: str, settings: Settings, *, note: str = "") -> None:
    """One line per target: ``T4 <title>: 0.31x (<= 0.50x) MET | detail``.
    Smoke runs print the same shape, marked as not a measurement."""
    if ratio is None:
        verdict = "SKIPPED"
        shown = "    -"
    else:
        shown = f"{ratio:5.2f}x"
        verdict = "met" if limit is None or ratio <= limit else "NOT MET"
        if settings.smoke:
            verdict = "smoke (not a measurement)"
    bound = f"(<= {limit:.2f}x)" if limit is not None else ""
    line = f"{target:<4} {title:<46} {shown} {bound:<12} {verdict:<10} | {detail}"
    if note:
        line += f" | {note}"
    print(line, flush=True)


def info(text: str) -> None:
    print(f"     {text}", flush=True)
