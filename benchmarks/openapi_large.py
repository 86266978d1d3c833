"""Target 5: a multi-megabyte OpenAPI document (Stripe's ``spec3.json``).

The floor is what any tool must pay to see every property: ``json.loads``
plus a hand-written walk of all ``properties``, in process. The subject is
a whole CLI run minus a run over one small schema (target 2's case), so
start-up is not counted twice; both run with ``--no-cache``, as a warm
result cache would skip the reading being measured. Line numbers are
checked too: a sample of fields must point at their own key in the text.
"""

from __future__ import annotations

import contextlib
import gc
import io
import json
import random
from pathlib import Path
from typing import Any

from _harness import SHARED, Settings, best_of, compare, datalint_command, info, ms, no_cache, report

STRIPE = SHARED / "stripe" / "spec3.json"


def generated_spec(folder: Path, schemas: int) -> Path:
    rng = random.Random(5)
    words = ["account", "balance", "card", "customer", "document", "country", "address", "line", "city", "email", "phone",
             "passport", "number", "expiry", "status", "created", "amount", "currency", "description", "metadata", "owner"]
    components = {}
    for n in range(schemas):
        properties = {}
        for _ in range(rng.randint(5, 25)):
            name = "_".join(rng.sample(words, rng.randint(1, 3)))
            properties[name] = {"type": rng.choice(["string", "integer", "boolean"]), "description": f"The {name.replace('_', ' ')} of the object."}
        properties["child"] = {"$ref": f"#/components/schemas/s{(n + 1) % schemas}"}
        components[f"s{n}"] = {"type": "object", "description": f"Schema {n}.", "properties": properties}
    paths = {f"/v1/s{n}/{{id}}": {"get": {"parameters": [{"name": "id", "in": "path", "schema": {"type": "string"}}],
                                          "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/s{n}"}}}}}}}
             for n in range(schemas)}
    spec = {"openapi": "3.0.0", "info": {"title": "generated", "version": "1"}, "paths": paths, "components": {"schemas": components}}
    path = folder / f"openapi-{schemas}.json"
    path.write_text(json.dumps(spec, indent=2), encoding="utf-8")
    return path


def hand_walk(data: object) -> int:
    """Every property of every schema: the least a linter must look at."""
    count, stack = 0, [data]
    while stack:
        node = stack.pop()
        if type(node) is dict:
            properties = node.get("properties")
            if type(properties) is dict:
                count += len(properties)
            stack.extend(node.values())
        elif type(node) is list:
            stack.extend(node)
    return count


def check_lines(path: Path, fields: list) -> tuple[int, int]:
    """(fields checked, fields whose line:column is their key's opening quote)."""
    lines = path.read_text(encoding="utf-8").split("\n")
    sample = fields[:: max(1, len(fields) // 500)]
    good = 0
    for field in sample:
        line, column = field.location.line, field.location.column
        if 0 < line <= len(lines):
            text = lines[line - 1]
            key = json.dumps(field.name) if field.kind == "property" else '"name"'
            good += text.startswith(key, column - 1)
    return len(sample), good


def run(settings: Settings) -> None:
    path = generated_spec(settings.workdir, 60) if settings.smoke or not STRIPE.is_file() else STRIPE
    label = "stripe spec3.json" if path == STRIPE else path.name
    text = path.read_text(encoding="utf-8")
    repeat = settings.runs(5)
    floor_load = best_of(lambda: json.loads(text), repeat)
    data = json.loads(text)
    floor_walk = best_of(lambda: hand_walk(data), repeat)
    floor = floor_load + floor_walk

    small = settings.workdir / "small" / "schema.json"
    small.parent.mkdir(exist_ok=True)
    if not small.exists():
        small.write_text('{"type": "object", "properties": {"id": {"type": "string"}}}', encoding="utf-8")
    datalint = datalint_command(settings.python)
    times = compare(
        {
            "small": [*datalint, "check", "-q", "--fail-on", "error", *no_cache(settings), str(small)],
            "large": [*datalint, "check", "-q", "--fail-on", "error", *no_cache(settings), str(path)],
        },
        settings,
        repeat,
    )
    extra = times["large"] - times["small"]
    report(
        "T5",
        f"{label}: run minus small run vs loads+walk",
        extra / floor,
        2.0,
        f"floor {ms(floor)} (json.loads {ms(floor_load)} + walk {ms(floor_walk)}); "
        f"datalint {ms(times['large'])} - small {ms(times['small'])} = {ms(extra)}",
        settings,
    )
    breakdown(settings, path, text, repeat)


def breakdown(settings: Settings, path: Path, text: str, repeat: int) -> None:
    """Where the in-process time goes, and whether the lines are right."""
    from datalint.engine import Engine
    from datalint.rulebook import load_rulebook
    from datalint.sources.documents import parse_json
    from datalint.sources.schema import read_schema

    rulebook, _problems = load_rulebook()
    parse = best_of(lambda: parse_json(text), repeat)
    result = read_schema(text, str(path), source=path, root=path.parent)
    read = best_of(lambda: read_schema(text, str(path), source=path, root=path.parent), repeat)
    match = best_of(lambda: Engine(rulebook).evaluate_all(result.fields), repeat)
    engine = Engine(rulebook)
    findings = engine.evaluate_all(result.fields)
    graph = best_of(lambda: graph_pass(engine, result.fields, findings), repeat)
    whole = best_of(lambda: check_in_process(path, settings), repeat)
    checked, good = check_lines(path, list(result.fields))
    info(
        f"T5 in process: whole check {ms(whole)} = read_schema {ms(read)} (parse_json {ms(parse)} of it) "
        f"+ matching {len(result.fields)} fields {ms(match)} (fresh engine) + graph rules {ms(graph)} "
        f"+ the rest {ms(whole - read - match - graph)} (the CLI's other steps, and reading and matching "
        f"costing more inside one run than apart: the collector, a cold engine); "
        f"line:column right for {good}/{checked} sampled fields"
    )


def graph_pass(engine: Any, fields: tuple, findings: list) -> None:
    """The graph rules' pass over one file's fields and findings, with the
    cyclic collector paused as the runner pauses it there."""
    from datalint.linkage import link

    enabled = gc.isenabled()
    gc.disable()
    try:
        link(engine.rules, engine.vocabulary, [(fields, list(findings))], None, {})
    finally:
        if enabled:
            gc.enable()


def check_in_process(path: Path, settings: Settings) -> None:
    """``datalint check`` as the CLI runs it, without start-up, its report
    discarded."""
    from datalint.cli import main

    with contextlib.redirect_stdout(io.StringIO()):
        try:
            main(["check", "-q", "--fail-on", "error", *no_cache(settings), str(path)], standalone_mode=False)
        except SystemExit:
            pass
