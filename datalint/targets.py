"""Command-line targets that are not files: database URLs.

``datalint check`` takes files, directories and database URLs side by side
(``sqlite:///app.db``, ``postgresql://auditor@db.internal/ads``,
``mysql://auditor@db/ads``). This module only recognises and names them; it
imports nothing heavy, so that linting files never pays for SQLAlchemy.

A URL may carry a password. It is kept in ``DatabaseTarget.url`` (needed to
connect) and nowhere else: reports, diagnostics and exceptions name a
target by ``display``, which has no password, and every message that came
from a driver goes through ``scrub`` first.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import quote, unquote

DatabaseKind = Literal["sqlite", "postgresql", "mysql"]

#: URL scheme (without ``+driver``) -> kind of database.
KINDS: dict[str, DatabaseKind] = {
    "sqlite": "sqlite",
    "postgresql": "postgresql",
    "postgres": "postgresql",
    "mysql": "mysql",
    "mariadb": "mysql",
}

_URL = re.compile(r"(?P<scheme>[A-Za-z][A-Za-z0-9+.\-]*)://(?P<rest>.*)\Z", re.DOTALL)
#: Query parameters that may hold a secret (``?password=``, ``sslpassword``,
#: ``passfile`` is a path and harmless, but a token or key is not).
_SECRET_KEY = re.compile(r"pass(?!file)|pwd|secret|token|key(?!s?file)|credential", re.IGNORECASE)
#: ``password=...`` in libpq keyword/value strings and driver messages.
_SECRET_PAIR = re.compile(
    r"""(?P<key>\b(?:password|passwd|pwd|sslpassword)(?:\s*=\s*|["']?\s*:\s*(?=["'])))"""
    r"""(?:'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|[^\s,;&)]+)""",
    re.IGNORECASE,
)
#: ``scheme://user:secret@`` anywhere in a message.
_URL_USERINFO = re.compile(r"(?P<head>\b[A-Za-z][A-Za-z0-9+.\-]*://[^\s:/@]*):[^\s@]*@")
HIDDEN = "[hidden]"


@dataclass(frozen=True, slots=True)
class DatabaseTarget:
    """A database named on the command line."""

    url: str = field(repr=False)
    """As given, password included: only ever handed to the driver."""
    display: str
    """As given, without the password: how reports name it."""
    scheme: str
    """The scheme as written, lower-cased (``postgresql+psycopg``)."""
    kind: DatabaseKind | None
    """None when the scheme is not one datalint reads."""
    secrets: tuple[str, ...] = field(default=(), repr=False)
    """The password (as written and decoded), for ``scrub``."""

    def scrub(self, text: str) -> str:
        return scrub(text, self.url, self.display, self.secrets)

    def __str__(self) -> str:
        return self.display


def is_url(text: str) -> bool:
    """``scheme://...``: how reporters tell a database's location from a file's."""
    return _URL.match(text) is not None


def looks_like_url(target: str) -> bool:
    """``scheme://...`` that is not the name of an existing file or directory."""
    return _URL.match(target) is not None and not os.path.lexists(target)


def split_targets(targets: Sequence[str]) -> tuple[list[str], list[DatabaseTarget]]:
    """Paths (for ``files.discover``) and database URLs, each in the order given;
    a URL named twice is read once."""
    paths: list[str] = []
    databases: dict[str, DatabaseTarget] = {}
    for target in targets:
        if looks_like_url(target):
            databases.setdefault(target, parse_target(target))
        else:
            paths.append(target)
    return paths, list(databases.values())


def parse_target(url: str) -> DatabaseTarget:
    match = _URL.match(url)
    if match is None:
        raise ValueError("not a URL")
    scheme = match["scheme"].lower()
    display, secrets = _without_password(scheme, match["rest"])
    return DatabaseTarget(
        url=url,
        display=f"{match['scheme']}://{display}",
        scheme=scheme,
        kind=KINDS.get(scheme.split("+", 1)[0]),
        secrets=secrets,
    )


def _without_password(scheme: str, rest: str) -> tuple[str, tuple[str, ...]]:
    """``user:secret@host/db?sslmode=require&password=x`` ->
    ``user@host/db?sslmode=require`` and the secrets removed.

    The password is everything between the first ``:`` of the user
    information and the *last* ``@`` (people do not percent-encode ``@``,
    ``/`` or ``?`` in passwords), so an odd password can make the display
    name the wrong host, but never show the password. SQLite URLs hold a
    path, whose ``@`` and ``:`` are not user information."""
    secrets: list[str] = []
    if not scheme.startswith("sqlite"):
        at = rest.rfind("@")
        if at >= 0:
            userinfo, rest = rest[:at], rest[at + 1 :]
            user, colon, password = userinfo.partition(":")
            if colon and password:
                secrets += [password, unquote(password), quote(unquote(password), safe="")]
            rest = f"{user}@{rest}" if user else rest
    base, question, query = rest.partition("?")
    if question:
        kept = []
        for pair in query.split("&"):
            key, _, value = pair.partition("=")
            if _SECRET_KEY.search(unquote(key)):
                if value:
                    secrets += [value, unquote(value)]
            elif pair:
                kept.append(pair)
        rest = base + ("?" + "&".join(kept) if kept else "")
    return rest, tuple(sorted({s for s in secrets if s}, key=len, reverse=True))


def scrub(text: str, url: str = "", display: str = "", secrets: Sequence[str] = ()) -> str:
    """``text`` (a driver's error message, say) without the URL's password:
    the URL as given becomes its display form, each secret is hidden, and so
    is anything shaped like ``password=...`` or ``scheme://user:...@``."""
    if url and display:
        text = text.replace(url, display)
    for secret in secrets:
        if len(secret) >= 4:
            text = text.replace(secret, HIDDEN)
        else:  # a very short password would otherwise hide letters of ordinary words
            text = re.sub(rf"(?<![\w]){re.escape(secret)}(?![\w])", HIDDEN, text)
    text = _SECRET_PAIR.sub(lambda m: m["key"] + HIDDEN, text)
    return _URL_USERINFO.sub(lambda m: m["head"] + "@", text)
