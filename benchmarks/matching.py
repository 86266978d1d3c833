"""Target 6: rule matching per identifier, tokenising included, at the full
rule pack size, over many distinct generated identifiers (so the per-text
caches cannot help; per-word caches can, as they would on a real schema).

The target is absolute (3 us); the same-run reference printed beside it is
the bare cost of splitting each identifier into lower-case words with one
regex, so a slower or faster machine shows in both numbers.
"""

from __future__ import annotations

import random
import re
import time

from _harness import Settings, info, report

_WORDS = """
id user account customer profile address street city postal code country region phone email name first last
middle display stage legal birth date place nationality citizenship passport document number issue expiry
expiration status type kind created updated deleted at by on is has verified verification photo image scan
front back selfie face visa permit residence residency asylum refugee immigration arrival departure travel
trip booking hotel flight seat ticket amount currency price total tax vat payment card iban bank token secret
hash salt session device ip agent locale language timezone gender ethnicity race religion note comment
description title label url link external internal reference source target owner member group role permission
ad listing post message thread reply rating review score level tier plan subscription invoice order item
line quantity weight height eye hair colour color tattoo mark id_card driver licence license ssn tin nin
""".split()
_SHAPES = ("snake", "camel", "pascal", "glued", "kebab", "upper")


def identifiers(count: int, seed: int = 6) -> list[str]:
    """Distinct, realistic column and property names: 1-4 schema words in
    every common casing, sometimes with a digit suffix."""
    rng = random.Random(seed)
    seen: dict[str, None] = {}
    while len(seen) < count:
        words = rng.sample(_WORDS, rng.choice((1, 2, 2, 3, 3, 3, 4)))
        if rng.random() < 0.15:
            words.append(str(rng.randint(1, 99)))
        shape = rng.choice(_SHAPES)
        if shape == "snake":
            name = "_".join(words)
        elif shape == "camel":
            name = words[0] + "".join(w.capitalize() for w in words[1:])
        elif shape == "pascal":
            name = "".join(w.capitalize() for w in words)
        elif shape == "glued":
            name = "".join(words)
        elif shape == "kebab":
            name = "-".join(words)
        else:
            name = "_".join(words).upper()
        seen.setdefault(name)
    return list(seen)


def run(settings: Settings) -> None:
    from datalint.engine import Engine
    from datalint.model import Field, Location
    from datalint.rulebook import expand_terms, load_rulebook

    count = 2_000 if settings.smoke else 100_000
    names = identifiers(count)
    here = Location("bench", 1, 1)
    fields = [Field(name=name, container="t", location=here, context=("t",)) for name in names]

    best, findings, terms = float("inf"), 0, 0
    for _ in range(settings.runs(3)):
        rulebook, _problems = load_rulebook()  # a fresh vocabulary: its word caches start empty
        engine = Engine(rulebook)
        start = time.perf_counter()
        found = [finding for field in fields for finding in engine.evaluate(field)]
        best = min(best, time.perf_counter() - start)
        findings = len(found)
    for rule in rulebook.rules:
        terms += sum(1 for _ in expand_terms(rule.match.get("name", ())))
    per_identifier = best / count * 1e6

    words = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|[0-9]+")
    start = time.perf_counter()
    for name in names:
        [word.lower() for word in words.findall(name)]
    naive = (time.perf_counter() - start) / count * 1e6

    report(
        "T6",
        f"matching, {count:,} distinct identifiers",
        per_identifier / 3.0,
        1.0,
        f"{per_identifier:.2f} us per identifier (target <= 3 us; the ratio is to 3 us) incl. tokenising, "
        f"{len(rulebook.rules)} rules, {terms:,} name phrases, {findings:,} findings",
        settings,
        note=f"same-run reference: only splitting each identifier into lower-case words takes {naive:.2f} us ({per_identifier / naive:.1f}x)",
    )
    info(f"T6 engine caches: {len(rulebook.vocabulary._words):,} distinct words tokenised for {count:,} identifiers")
