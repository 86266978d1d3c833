"""The neutral model every part of datalint speaks.

Readers turn files into `Field`s (plus `Diagnostic`s for what they could not
read); the rule engine turns fields into `Finding`s; reporters render both.
Nothing here knows about SQL, JSON, rules or output formats, so each side can
change without the others noticing.

The records are ``NamedTuple``s rather than frozen dataclasses: equally
immutable, but a large schema builds tens of thousands of them and
``--jobs`` workers send them back pickled. A ``Field`` costs ~0.5 us to
build instead of ~1.9 us, unpickles ~7x faster, and defining the classes
does not import ``dataclasses`` (and with it ``inspect``), ~7 ms of a
one-file run. Use ``record._replace(...)`` for a changed copy.
"""

from __future__ import annotations

from typing import Literal, NamedTuple

Severity = Literal["error", "warning", "note"]

#: Ordering used by ``--fail-on`` and for sorting: higher is more serious.
SEVERITY_RANK: dict[str, int] = {"note": 1, "warning": 2, "error": 3}

CATEGORIES: tuple[str, ...] = (
    "identity-document",
    "nationality",
    "immigration",
    "travel",
    "biometric",
    "ethnicity",
    "legal-identity",
    "enforcement",
    "linkage",
)


class Location(NamedTuple):
    """Where something was written: the file as given on the command line
    (so reports stay relative and reproducible) and a 1-based line and column.
    ``line == 0`` means the position is unknown (e.g. the whole file).

    An input that is not a file of lines (a live database) has no line: its
    ``file`` is the target as named, without any password
    (``postgresql://auditor@db.internal/ads``), and ``fragment`` names the
    place inside it (``public.advertisers.nationality``); see ``place``."""

    file: str
    line: int = 0
    column: int = 0
    fragment: str = ""

    @property
    def place(self) -> str:
        """``file``, or ``file#fragment`` when there is a fragment."""
        return f"{self.file}#{self.fragment}" if self.fragment else self.file


class Suppression(NamedTuple):
    """A request written in the source to allow some rules at one place
    (``x-datalint``, ``-- datalint: allow``), recorded as written. Readers
    only record it; ``datalint.suppressions`` judges it (is there a reason,
    has ``until`` passed, do the rules exist), so that policy can change
    without touching a reader."""

    rules: tuple[str, ...]
    """Rule codes, names or categories, as written."""
    reason: str
    until: str | None
    """The last day it holds, as written (``2027-06-30``)."""
    location: Location
    """Where the annotation is written."""
    scope: str
    """What it covers, for messages and fingerprints: the JSON Pointer of the
    annotated schema object, or ``table``/``table.column``."""


class Field(NamedTuple):
    """One column or property, at the place where it is defined.

    Everything a rule may look at is carried as plain strings so that the
    rule engine never needs to know which reader produced the field.
    """

    name: str
    """The column or property name exactly as written."""
    container: str
    """SQL: the table as written (schema-qualified if written so).
    JSON/YAML: the JSON Pointer of the object holding the property,
    e.g. ``#/$defs/Verification``."""
    location: Location
    kind: Literal["column", "property", "parameter"] = "property"
    pointer: str | None = None
    """JSON Pointer of the property itself (JSON/YAML only)."""
    type: str | None = None
    """Declared type as written (``varchar(20)``, ``string``, ``array``)."""
    description: str = ""
    """Human text attached to the field: title, description, SQL comments."""
    enum: tuple[str, ...] = ()
    """Allowed values: ``enum``/``const``, SQL CHECK ... IN, ENUM types."""
    format: tuple[str, ...] = ()
    """``format``, ``contentEncoding`` and ``contentMediaType`` values."""
    pattern: str | None = None
    examples: tuple[str, ...] = ()
    """``examples``/``default``/SQL DEFAULT values. They may hold real personal
    data, so reporters never print them in full."""
    context: tuple[str, ...] = ()
    """Names of the enclosing objects, outermost first (the table; the
    ``$defs`` entry and parent properties)."""
    references: str | None = None
    """The table a SQL foreign key on this column points to."""
    container_description: str = ""
    """Text attached to the container: a table comment, an object's
    title/description."""
    suppressions: tuple[Suppression, ...] = ()
    """Suppressions written on the field or around it, outermost first."""
    links: tuple[str, ...] = ()
    """Where the field leads, for the schema graph (``datalint.graph``):
    JSON/YAML, the absolute URI of each object its ``$ref`` (or its items'
    ``$ref``) names; SQL, the ``table.column`` a foreign key names, when it
    names the column as well as the table."""

    @property
    def qualified_name(self) -> str:
        """``container.field`` for humans: ``ads.passport_number`` or
        ``#/$defs/Verification.residence``."""
        return f"{self.container}.{self.name}" if self.container else self.name


class Diagnostic(NamedTuple):
    """A problem reading an input (as opposed to a finding about its content).

    ``error`` means the input could not be fully linted, which makes the run
    exit 2; ``warning`` and ``note`` are informational.
    """

    code: str
    severity: Severity
    message: str
    location: Location


class Evidence(NamedTuple):
    """One reason a rule fired: which part of the field (``source``) matched
    which term of the rule. Holds the rule's term, never the field's value,
    so evidence cannot leak personal data stored in examples or defaults."""

    source: str
    term: str


class Step(NamedTuple):
    """One edge of a path through the schema graph, in the order the path
    walks it: ``ads.advertiser_id -> advertisers.id``. ``reverse`` when the
    path walks a foreign key or reference against its direction."""

    source: str
    target: str
    kind: Literal["foreign-key", "inferred", "ref", "nesting"]
    reverse: bool = False


class Finding(NamedTuple):
    """A rule that fired on a field."""

    code: str
    rule_name: str
    category: str
    severity: Severity
    message: str
    field: Field
    evidence: tuple[Evidence, ...] = ()
    suppressed: Suppression | None = None
    """The justified suppression that holds for this finding: it is still
    reported (JSON, SARIF) but no longer fails the run."""
    path: tuple[Step, ...] = ()
    """Graph rules: the shortest path that makes the finding (``field``
    carries its first edge)."""
    related: str = ""
    """Graph rules: the container at the other end of ``path``. Part of the
    fingerprint, so one persona linked to two identity tables is two
    findings in a baseline."""

    @property
    def location(self) -> Location:
        return self.field.location


class ReadResult(NamedTuple):
    """What a reader made of one input."""

    fields: tuple[Field, ...] = ()
    diagnostics: tuple[Diagnostic, ...] = ()
    skipped: str = ""
    """Why the input was passed over whole, for the summary: ``not a schema``
    (a ``package.json`` manifest: quietly, with no diagnostic), or a failure
    such as ``too large`` or ``syntax error`` (with its diagnostic). Empty
    when it was read."""


class Report:
    """The outcome of a run, handed to reporters. The one mutable record:
    the runner fills it in as files are read."""

    __slots__ = ("findings", "diagnostics", "checked", "skipped")

    def __init__(
        self,
        findings: list[Finding] | None = None,
        diagnostics: list[Diagnostic] | None = None,
        checked: list[str] | None = None,
        skipped: dict[str, int] | None = None,
    ) -> None:
        self.findings: list[Finding] = [] if findings is None else findings
        self.diagnostics: list[Diagnostic] = [] if diagnostics is None else diagnostics
        self.checked: list[str] = [] if checked is None else checked
        """Display paths of the files that were linted, in order."""
        self.skipped: dict[str, int] = {} if skipped is None else skipped
        """Files passed over whole, counted by reason (see ``ReadResult.skipped``)."""

    @property
    def files_checked(self) -> int:
        return len(self.checked)

    @property
    def files_skipped(self) -> int:
        return sum(self.skipped.values())

    @property
    def active(self) -> list[Finding]:
        """The findings that count: not suppressed."""
        return [finding for finding in self.findings if finding.suppressed is None]


def fingerprint(finding: Finding) -> str:
    """Identity of a finding that survives line moves and reformatting: rule,
    file, container and field, never positions. Baselines and SARIF
    ``partialFingerprints`` use it."""
    import hashlib  # deferred: loading OpenSSL costs ~3 ms, and only some reports need fingerprints

    parts = (finding.code, finding.location.file, finding.field.container, finding.field.name)
    key = "\0".join((*parts, finding.related) if finding.related else parts)
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]
