"""The opt-in check of a schema against its metaschema.

It is opt-in because it costs seconds on large specs (2-3 s for Stripe's
OpenAPI document) while linting needs none of it: an invalid schema is still
read. The validator is built with the metaschemas bundled with jsonschema as
its registry, because ``check_schema`` would build one with jsonschema's
default registry, which retrieves unknown references over the network.
"""

from __future__ import annotations

import warnings
from typing import Any, NamedTuple

_LONGEST_EXPECTED = 80


class Problem(NamedTuple):
    """The most relevant metaschema violation of one schema; ``path`` is
    where in the checked schema it is (pointer tokens, not yet escaped)."""

    message: str
    path: tuple[str, ...]


def metaschema_problem(schema: Any, default_dialect: str) -> Problem | None:
    """``default_dialect`` is used when the schema names no ``$schema`` (or
    one jsonschema does not know)."""
    from jsonschema.exceptions import best_match
    from jsonschema.validators import validator_for
    from jsonschema_specifications import REGISTRY

    with warnings.catch_warnings():  # an unknown $schema warns, then falls back to the default
        warnings.simplefilter("ignore")
        default = validator_for({"$schema": default_dialect})
        declared = schema.get("$schema") if isinstance(schema, dict) else None
        checked = validator_for({"$schema": declared}, default=default) if isinstance(declared, str) else default
        meta = validator_for(checked.META_SCHEMA, default=checked)
    validator = meta(checked.META_SCHEMA, registry=REGISTRY, format_checker=meta.FORMAT_CHECKER)
    try:
        with warnings.catch_warnings():  # the "regex" format check compiles patterns, which may warn
            warnings.simplefilter("ignore")
            error = best_match(validator.iter_errors(schema))
    except RecursionError:
        return Problem("too deeply nested to check against its metaschema", ())
    if error is None:
        return None
    name = checked.META_SCHEMA.get("$id", checked.META_SCHEMA.get("id", "its metaschema"))
    path = tuple(str(part) for part in error.absolute_path)
    return Problem(f"not valid against {name}: {_explain(error.validator, error.validator_value, path)}", path)


def _explain(rule: Any, expected: Any, path: tuple[str, ...]) -> str:
    """Says which keyword broke which metaschema rule, from the metaschema's
    side only: jsonschema's own message quotes the offending value, which
    may be an ``examples`` entry holding real personal data."""
    keywords = [part for part in path if not part.isdigit()]
    subject = f"'{keywords[-1]}'" if keywords else "the document"
    text = f"{subject} fails the '{rule}' check"
    if isinstance(expected, str) or (isinstance(expected, list) and all(isinstance(each, str) for each in expected)):
        shown = repr(expected)
        if len(shown) <= _LONGEST_EXPECTED:
            text += f" (expected {shown})"
    return text
