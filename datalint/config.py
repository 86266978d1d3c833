"""Configuration files: ``datalint.toml`` or ``[tool.datalint]`` in
``pyproject.toml``, found from the current directory upward like ruff's.

A configuration is validated whole before anything is linted: a misspelt
key or an unknown rule must stop the run (DL008, exit 2) rather than lint
with half of the team's choices silently dropped.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, NamedTuple

from datalint.diagnostics import diagnostic
from datalint.globs import project_path
from datalint.model import Diagnostic
from datalint.selectors import RuleIndex

#: Looked for in this order in each directory, from the current one upward.
CONFIG_FILES = ("datalint.toml", "pyproject.toml")
SCHEMA_FILE = Path(__file__).with_name("config.schema.json")

_TOML_POSITION = r"\s*\(at line (\d+), column (\d+)\)$"


class Settings(NamedTuple):
    """Every choice a run depends on, from the configuration file, with the
    command line's options laid over it."""

    root: Path = Path(".")
    """Globs and paths of the configuration are relative to this directory."""
    source: str | None = None
    """The configuration file, for messages; None when there is none."""
    select: tuple[str, ...] | None = None
    extend_select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    severity: tuple[tuple[str, str], ...] = ()
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    respect_gitignore: bool = True
    dialect: str | None = None
    dialects: tuple[tuple[str, str], ...] = ()
    fail_on: str = "warning"
    rule_dirs: tuple[Path, ...] = ()
    jobs: int = 0
    """Worker processes reading and matching files; 0 for one per core."""


def find_config(start: Path) -> Path | None:
    """The nearest configuration at or above ``start``. A ``pyproject.toml``
    counts only if it has a ``[tool.datalint]`` table, so a Python project's
    manifest does not hide a ``datalint.toml`` further up."""
    for directory in (start, *start.parents):
        for name in CONFIG_FILES:
            candidate = directory / name
            if candidate.is_file() and (name != "pyproject.toml" or _mentions_datalint(candidate)):
                return candidate
    return None


def _mentions_datalint(pyproject: Path) -> bool:
    try:
        return "tool.datalint" in pyproject.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return False


def load_settings(path: Path | None) -> tuple[Settings, list[Diagnostic]]:
    """Settings from ``path`` (none: the defaults, rooted at the current
    directory), or the defaults and what is wrong with the file."""
    if path is None:
        return Settings(root=Path.cwd()), []
    path = path.resolve()
    shown = project_path(path, Path.cwd()) or str(path)
    defaults = Settings(root=path.parent, source=shown)
    import tomllib  # only when there is a configuration file

    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        return defaults, [diagnostic("DL008", f"cannot read configuration: {getattr(error, 'strerror', None) or error}", shown)]
    except tomllib.TOMLDecodeError as error:
        return defaults, [_syntax_error(str(error), shown)]
    except RecursionError:  # tomllib recurses along nested arrays and inline tables
        return defaults, [diagnostic("DL008", "configuration is not valid TOML: nested too deeply", shown)]
    table, prefix = (document.get("tool", {}).get("datalint", {}), "[tool.datalint] ") if path.name == "pyproject.toml" else (document, "")
    problems = _schema_problems(table)
    if problems:
        return defaults, [diagnostic("DL008", f"{prefix}{problem}", shown) for problem in problems]
    return _settings(table, defaults), []


def _syntax_error(message: str, shown: str) -> Diagnostic:
    position = re.search(_TOML_POSITION, message)
    if position is None:
        return diagnostic("DL008", f"configuration is not valid TOML: {message}", shown)
    text = message[: position.start()]
    return diagnostic("DL008", f"configuration is not valid TOML: {text}", shown, int(position[1]), int(position[2]))


def _schema_problems(table: Any) -> list[str]:
    """The same validation, and so the same messages, as rule packs get."""
    from datalint.rulebook import validate_pack

    return validate_pack(table, json.loads(SCHEMA_FILE.read_text(encoding="utf-8")))


def _settings(table: dict[str, Any], defaults: Settings) -> Settings:
    root = defaults.root

    def strings(key: str) -> tuple[str, ...]:
        return tuple(table.get(key, ()))

    return Settings(
        root=root,
        source=defaults.source,
        select=tuple(table["select"]) if "select" in table else None,
        extend_select=strings("extend-select"),
        ignore=strings("ignore"),
        severity=tuple(table.get("severity", {}).items()),
        per_file_ignores=tuple((glob, tuple(entries)) for glob, entries in table.get("per-file-ignores", {}).items()),
        include=strings("include"),
        exclude=strings("exclude"),
        respect_gitignore=table.get("respect-gitignore", True),
        dialect=table.get("dialect"),
        dialects=tuple(table.get("dialects", {}).items()),
        fail_on=table.get("fail-on", defaults.fail_on),
        rule_dirs=tuple(root / directory for directory in strings("rule-dirs")),
        jobs=table.get("jobs", 0),
    )


def unknown_names(settings: Settings, index: RuleIndex) -> list[Diagnostic]:
    """What the schema cannot know: rule names and dialects that do not
    exist. Checked once the rule packs (including ``rule-dirs``) are loaded."""
    if settings.source is None:
        return []
    named = [
        *(("select", s) for s in settings.select or ()),
        *(("extend-select", s) for s in settings.extend_select),
        *(("ignore", s) for s in settings.ignore),
        *((f"severity.{s}", s) for s, _ in settings.severity),
        *((f"per-file-ignores.{glob!r}", entry.partition("@")[0]) for glob, entries in settings.per_file_ignores for entry in entries),
    ]
    problems = [
        diagnostic("DL008", f"at {key}: no rule, rule name or category is called {selector!r}; see `datalint rules`", settings.source)
        for key, selector in named
        if index.expand(selector) is None
    ]
    dialects = [("dialect", settings.dialect)] if settings.dialect else []
    dialects += [(f"dialects.{glob!r}", name) for glob, name in settings.dialects]
    problems += [
        diagnostic("DL008", f"at {key}: unknown SQL dialect {name!r}", settings.source)
        for key, name in dialects
        if not _known_dialect(name)
    ]
    return problems


def _known_dialect(name: str) -> bool:
    from sqlglot.dialects.dialect import Dialect

    try:
        Dialect.get_or_raise(name)
    except ValueError:
        return False
    return True
