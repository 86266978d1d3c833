"""Targets 1-3: start-up, and the pre-commit case of one small file.

Each datalint run is compared with a bare interpreter importing what that
run cannot avoid: click for ``--version``; click, PyYAML and json (plus
reading the file) for one schema; click and sqlglot's postgres dialect for
one SQL file. A run also reports which heavy modules it imported, because a
stray import is what breaks these targets first.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

from _harness import EXAMPLES, Settings, compare, datalint_command, info, ms, no_cache, report

#: Modules a run should only import when the input needs them.
HEAVY = ("sqlglot", "jsonschema", "referencing", "yaml", "click")

_PROBE = """
import json, sys
from datalint.cli import main
try:
    main(sys.argv[1:], standalone_mode=False)
except SystemExit:
    pass
print(json.dumps(sorted(m for m in {heavy!r} if m in sys.modules)), file=sys.__stderr__)
"""


def inputs(settings: Settings) -> dict[str, Path]:
    """Small inputs of each kind, copied out of the repository so the run
    sees no other files."""
    folder = settings.workdir / "small"
    folder.mkdir(exist_ok=True)
    sources = {
        "schema.json": EXAMPLES / "unsafe" / "advertiser.schema.json",
        "openapi.yaml": EXAMPLES / "unsafe" / "openapi.yaml",
        "schema.sql": EXAMPLES / "unsafe" / "postgres" / "schema.sql",
    }
    copied = {}
    for name, source in sources.items():
        target = folder / name
        shutil.copyfile(source, target)
        copied[name] = target
    return copied


def imported_modules(settings: Settings, path: Path) -> list[str]:
    """The heavy modules a ``datalint check path`` run imported."""
    code = _PROBE.format(heavy=HEAVY)
    result = subprocess.run(
        [settings.python, "-c", code, "check", "-q", *no_cache(settings), str(path)], env=settings.env(), capture_output=True, text=True
    )
    last = result.stderr.strip().splitlines()[-1:] or ["[]"]
    try:
        return json.loads(last[0])
    except ValueError:
        return ["(probe failed: " + result.stderr.strip()[-200:] + ")"]


def run(settings: Settings) -> dict[str, float]:
    py, datalint = settings.python, datalint_command(settings.python)
    repeat = settings.runs(settings.repeat)
    files = inputs(settings)

    times = compare(
        {
            "click": [py, "-c", "import click"],
            "version": [*datalint, "--version"],
            "help": [*datalint, "--help"],
        },
        settings,
        repeat,
    )
    worst = max(times["version"], times["help"])
    report(
        "T1",
        "--version / --help vs import click",
        worst / times["click"],
        1.3,
        f"import click {ms(times['click'])}; --version {ms(times['version'])}; --help {ms(times['help'])}",
        settings,
    )

    schema_json, schema_yaml = files["schema.json"], files["openapi.yaml"]
    read = "open({!r}, encoding='utf-8').read()"
    times2 = compare(
        {
            "floor-json": [py, "-c", f"import click, yaml, json; {read.format(str(schema_json))}"],
            "json": [*datalint, "check", "-q", *no_cache(settings), str(schema_json)],
            "floor-yaml": [py, "-c", f"import click, yaml, json; {read.format(str(schema_yaml))}"],
            "yaml": [*datalint, "check", "-q", *no_cache(settings), str(schema_yaml)],
        },
        settings,
        repeat,
    )
    ratio_json = times2["json"] / times2["floor-json"]
    ratio_yaml = times2["yaml"] / times2["floor-yaml"]
    modules_json = imported_modules(settings, schema_json)
    modules_yaml = imported_modules(settings, schema_yaml)
    report(
        "T2",
        "one small JSON/YAML schema vs click+yaml+json",
        max(ratio_json, ratio_yaml),
        1.2,
        f"floor {ms(times2['floor-json'])}; {schema_json.name} {ms(times2['json'])} ({ratio_json:.2f}x); "
        f"{schema_yaml.name} {ms(times2['yaml'])} ({ratio_yaml:.2f}x)",
        settings,
    )
    info(f"T2 imports: {schema_json.name}: {', '.join(modules_json) or '-'}; {schema_yaml.name}: {', '.join(modules_yaml) or '-'}")

    schema_sql = files["schema.sql"]
    times3 = compare(
        {
            "floor": [py, "-c", f"import click, sqlglot.dialects.postgres; {read.format(str(schema_sql))}"],
            "sql": [*datalint, "check", "-q", *no_cache(settings), str(schema_sql)],
        },
        settings,
        repeat,
    )
    modules_sql = imported_modules(settings, schema_sql)
    report(
        "T3",
        "one small SQL file vs click+sqlglot(postgres)",
        times3["sql"] / times3["floor"],
        1.2,
        f"floor {ms(times3['floor'])}; {schema_sql.name} {ms(times3['sql'])}",
        settings,
    )
    info(f"T3 imports: {', '.join(modules_sql) or '-'}")
    return {"version": times["version"], "json": times2["json"]}

