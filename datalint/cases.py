"""Rule cases: a field written as data (a name, or a name with more evidence).

Rule examples, the must-flag / must-not-flag fixtures and the detection
benchmark all describe fields this way; one conversion keeps them judged by
exactly the field a reader would produce.
"""

from __future__ import annotations

from typing import Any

from datalint.model import Field, Location


def field_from_case(case: str | dict[str, Any], location: Location = Location("case", 1, 1)) -> Field:
    if isinstance(case, str):
        case = {"name": case}
    container = case.get("container", "")
    return Field(
        name=case["name"],
        container=container,
        location=location,
        description=case.get("description", ""),
        enum=tuple(case.get("enum", ())),
        references=case.get("references"),
        format=tuple(case.get("format", ())),
        type=case.get("type"),
        pattern=case.get("pattern"),
        context=(container,) if container else (),
    )
