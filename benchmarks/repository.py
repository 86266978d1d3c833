"""Target 7: a whole repository of small schema files (a monorepo).

- linear: the cost per file with all N files against the cost per file with
  a quarter of them (start-up subtracted), which should not grow;
- ``--jobs``: the default (one worker per core) against ``--jobs 1``;
- the result cache: a second run over unchanged files against
  ``datalint --version`` (target 1's case), and two concurrent runs sharing
  one cache must print the same report.
Parts whose options the CLI does not have yet are skipped, saying so.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import time
from pathlib import Path

from _harness import Settings, compare, datalint_command, info, ms, report, run_once, wall

_NAMES = ["id", "email", "display_name", "created_at", "status", "city", "country", "phone", "notes", "amount",
          "currency", "title", "body", "rating", "stage_name", "avatar_url", "tags", "locale", "timezone", "verified"]
_SENSITIVE = ["passport_number", "nationality", "date_of_birth", "visa_status", "place_of_birth", "id_card_scan"]


def generate(root: Path, count: int) -> Path:
    """``count`` small schemas, 100 to a folder, about one in ten YAML and
    one in five with a field a rule flags."""
    if root.exists():
        shutil.rmtree(root)
    rng = random.Random(7)
    for n in range(count):
        folder = root / f"service{n // 100:03d}" / "schemas"
        folder.mkdir(parents=True, exist_ok=True)
        names = rng.sample(_NAMES, rng.randint(4, 12))
        if rng.random() < 0.2:
            names.append(rng.choice(_SENSITIVE))
        properties = {name: {"type": "string", "description": f"The {name.replace('_', ' ')}."} for name in names}
        schema = {"$schema": "https://json-schema.org/draft/2020-12/schema", "title": f"Entity{n}", "type": "object",
                  "properties": properties}
        if n % 10 == 0:
            lines = [f"title: Entity{n}", "type: object", "properties:"]
            lines += [f"  {name}:\n    type: string\n    description: The {name.replace('_', ' ')}." for name in names]
            (folder / f"entity{n}.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
        else:
            (folder / f"entity{n}.json").write_text(json.dumps(schema, indent=2), encoding="utf-8")
    return root


def options(settings: Settings) -> str:
    result = run_once([*datalint_command(settings.python), "check", "--help"], settings)
    return result.stdout.decode("utf-8", "replace")


def run(settings: Settings) -> None:
    count = 200 if settings.smoke else 10_000
    quarter = count // 4
    base = settings.workdir / "repo"
    full = generate(base / "full", count)
    part = generate(base / "part", quarter)
    empty = base / "empty"
    empty.mkdir(parents=True, exist_ok=True)
    (empty / "one.json").write_text('{"type": "object", "properties": {"id": {"type": "string"}}}', encoding="utf-8")
    datalint = datalint_command(settings.python)
    help_text = options(settings)
    has_cache = "--no-cache" in help_text
    no_cache = ["--no-cache"] if has_cache else []
    jobs_one = ["--jobs", "1"] if "--jobs" in help_text else []

    lint = [*datalint, "check", "-q", "--fail-on", "error", *no_cache, *jobs_one]
    times = compare({"one": [*lint, str(empty)], "part": [*lint, str(part)], "full": [*lint, str(full)]}, settings, settings.runs(3))
    per_part = (times["part"] - times["one"]) / quarter
    per_full = (times["full"] - times["one"]) / count
    report(
        "T7",
        f"{count:,} small files: linear (per-file cost N vs N/4)",
        per_full / per_part,
        1.25,
        f"{count:,} files {ms(times['full'])} ({per_full * 1e3:.2f} ms/file); {quarter:,} files {ms(times['part'])} "
        f"({per_part * 1e3:.2f} ms/file); 1 file {ms(times['one'])}",
        settings,
    )

    if jobs_one:
        cores = os.cpu_count() or 1
        parallel = [*datalint, "check", "-q", "--fail-on", "error", *no_cache, str(full)]
        jobs = compare({"one": [*lint, str(full)], "default": parallel}, settings, settings.runs(2))
        report("T7b", f"--jobs default ({cores} cores) vs --jobs 1", jobs["default"] / jobs["one"], 1 / 1.3,
               f"--jobs 1 {ms(jobs['one'])}; default {ms(jobs['default'])} ({jobs['one'] / jobs['default']:.2f}x faster)", settings)
    else:
        report("T7b", "--jobs default vs --jobs 1", None, 1 / 1.3, "SKIPPED: `datalint check` has no --jobs option yet", settings)

    if has_cache:
        cache(settings, datalint, full)
    else:
        report("T7c", "unchanged re-run from the run cache", None, 1.5,
               "SKIPPED: `datalint check` has no --no-cache option yet (no result cache)", settings)


#: About what no replay can go below: the command line's start-up
#: (``--version``'s imports), reading a list of the tree's files (a replay
#: reads its manifest) and one ``os.stat`` per file. Lines: folder, then
#: its files' names, tab-separated.
_STAT_EVERY_FILE = """
import os, sys
import datalint.cli
with open(sys.argv[1], encoding="utf-8") as listing:
    for line in listing.read().splitlines():
        folder, *names = line.split("\t")
        descriptor = os.open(folder, os.O_RDONLY)
        [os.stat(name, dir_fd=descriptor) for name in names]
        os.close(descriptor)
"""


def cache(settings: Settings, datalint: list[str], tree: Path) -> None:
    """The re-run against ``--version`` interleaved with it: a floor measured
    minutes earlier (target 1's) would hide how busy the machine is now.
    Also timed, for information: start-up plus a bare stat of every file,
    the part of a re-run that no manifest format or comparison can save."""
    shutil.rmtree(tree / ".datalint_cache", ignore_errors=True)
    folders: dict[Path, list[str]] = {}
    for path in sorted(tree.rglob("*")):
        if path.is_file():
            folders.setdefault(path.parent, []).append(path.name)
    listing = settings.workdir / "files.txt"
    listing.write_text("".join("\t".join([str(folder), *names]) + "\n" for folder, names in folders.items()), encoding="utf-8")
    command = [*datalint, "check", "-q", "--fail-on", "error", "."]
    cold = wall(command, settings, cwd=tree)
    stats = [settings.python, "-c", _STAT_EVERY_FILE, str(listing)]
    times = compare({"version": [*datalint, "--version"], "warm": command, "stats": stats}, settings, settings.runs(7), cwd=tree)
    report("T7c", "unchanged re-run from the run cache vs --version", times["warm"] / times["version"], 1.5,
           f"cold {ms(cold)}; warm {ms(times['warm'])}; --version {ms(times['version'])}", settings)
    info(f"T7c start-up and a bare stat of every file: {ms(times['stats'])} ({times['stats'] / times['version']:.2f}x --version); "
         f"the re-run above that: {ms(times['warm'] - times['stats'])}")

    shutil.rmtree(tree / ".datalint_cache", ignore_errors=True)
    start = time.perf_counter()
    processes = [subprocess.Popen(command, cwd=tree, env=settings.env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(2)]
    outputs = [process.communicate()[0] for process in processes]
    again = subprocess.run(command, cwd=tree, env=settings.env(), capture_output=True).stdout
    same = outputs[0] == outputs[1] == again
    info(f"T7c concurrent runs on one cache: {'same report' if same else 'REPORTS DIFFER'} ({ms(time.perf_counter() - start)})")
