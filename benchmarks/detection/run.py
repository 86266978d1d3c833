#!/usr/bin/env python3
"""Detection benchmark for datalint's rule packs (run by hand, not by pytest).

Labelled mode (default) loads every item of ``labelled/*.yaml``, turns it into a
``datalint.model.Field``, runs the rule engine on it and prints precision and
recall per category and overall against the project targets, then every miss and
every false alarm so that rule writers can fix them. Exit status 1 when a target
is missed, 2 when the labelled set itself is malformed.

``--set`` picks the items: ``labelled`` (default, ``labelled/*.yaml``, the set the
rules were developed against), ``holdout`` (``holdout/*.yaml``, written blind to the
rules and to the first set, to measure whether the rules generalise), ``blind2``
(``blind2/*.yaml``, a second blind set written after the holdout's misses had been
studied, so that generalisation is measured on items no rule writer has seen) or
``all`` (all three together; an item present in two sets is reported as a
duplicate).

Scoring, per item with label L and the set F of categories that fired on it:

* L is ``none``: every category in F gets a false positive (the item is one
  false alarm overall).
* L in F: a true positive for L. Other categories that also fired on it are
  listed as "also fired" but not counted against them.
* L not in F: a miss (false negative) for L, and a false positive for every
  category in F (one false alarm overall if F is not empty).

Corpus mode (``--corpus [DIR]``) runs datalint's readers and rules over the
unlabelled real corpus (default ``<repo>/../shared/corpus``) and prints counts per
category and per source folder, then every finding for review (exit 0; 2 if
datalint itself fails on the corpus).

    /work/venv/bin/python benchmarks/detection/run.py
    /work/venv/bin/python benchmarks/detection/run.py --misses --category travel
    /work/venv/bin/python benchmarks/detection/run.py --false-alarms
    /work/venv/bin/python benchmarks/detection/run.py --stats
    /work/venv/bin/python benchmarks/detection/run.py --set holdout
    /work/venv/bin/python benchmarks/detection/run.py --set blind2
    /work/venv/bin/python benchmarks/detection/run.py --set all --stats
    /work/venv/bin/python benchmarks/detection/run.py --corpus
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from datalint.model import CATEGORIES as MODEL_CATEGORIES

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
LABELLED_DIR = HERE / "labelled"
HOLDOUT_DIR = HERE / "holdout"
BLIND2_DIR = HERE / "blind2"
SETS = {
    "labelled": (LABELLED_DIR,),
    "holdout": (HOLDOUT_DIR,),
    "blind2": (BLIND2_DIR,),
    "all": (LABELLED_DIR, HOLDOUT_DIR, BLIND2_DIR),
}
DEFAULT_CORPUS = REPO.parent / "shared" / "corpus"

# Field categories: linkage is about paths between fields, not one field.
CATEGORIES = tuple(c for c in MODEL_CATEGORIES if c != "linkage")
NONE = "none"

TARGET_PRECISION = 0.97
TARGET_RECALL = 0.95
TARGET_CATEGORY_RECALL = 0.90

LIST_KEYS = ("enum", "format")
STRING_KEYS = ("name", "container", "description", "references", "type", "pattern", "category")
ALLOWED_KEYS = frozenset(LIST_KEYS + STRING_KEYS)
LANGUAGE_HEADER = re.compile(r"^#\s*--\s*(\w+)")


# --------------------------------------------------------------------------- loading


@dataclass(frozen=True)
class Item:
    data: dict[str, Any]
    file: str
    line: int
    language: str

    @property
    def label(self) -> str:
        return self.data["category"]

    @property
    def name(self) -> str:
        return self.data["name"]

    def key(self) -> tuple:
        """What makes two items the same field: everything but the label."""
        return tuple(sorted((k, repr(v)) for k, v in self.data.items() if k != "category"))

    def evidence(self) -> str:
        """The item as a reviewer reads it: name, then the evidence beyond it."""
        parts = []
        for key in ("container", "description", "enum", "format", "pattern", "references", "type"):
            if key not in self.data:
                continue
            value = self.data[key]
            if isinstance(value, list):
                parts.append(f"{key}=[{', '.join(value)}]")
            elif key == "description":
                parts.append(f'{key}="{value}"')
            else:
                parts.append(f"{key}={value}")
        return self.name + (f"  [{'; '.join(parts)}]" if parts else "")


class LabelError(Exception):
    pass


def load_items(directory: Path | tuple[Path, ...] = LABELLED_DIR, *, novel: bool = False) -> list[Item]:
    """All labelled items of one directory (or several, read in order), validated.

    Raises LabelError listing every problem. An item repeated inside one set is
    a mistake; the same item in two sets is natural (common words such as
    ``flugnummer`` occur in any honest set) and is scored once, but it must
    carry the same label in both. ``novel`` keeps only the items of the last
    directory that no earlier one holds: generalisation measured on words no
    rule writer has seen.
    """
    directories = (directory,) if isinstance(directory, Path) else tuple(directory)
    sets: list[list[Item]] = []
    problems: list[str] = []
    for folder in directories:
        items = _read_set(folder, problems)
        problems.extend(_duplicates(items))
        sets.append(items)
    merged = _merge(sets[:-1] if novel else sets, problems)
    if novel:
        earlier = {item.key() for item in merged}
        merged = [item for item in _merge(sets, problems) if item.key() not in earlier]
    if problems:
        raise LabelError("\n".join(dict.fromkeys(problems)))
    return merged


def _read_set(folder: Path, problems: list[str]) -> list[Item]:
    files = sorted(folder.glob("*.yaml"))
    if not files:
        raise LabelError(f"no labelled files in {folder}")
    items: list[Item] = []
    for path in files:
        text = path.read_text(encoding="utf-8")
        languages = _languages_by_line(text)
        node = yaml.compose(text)
        data = yaml.safe_load(text)
        display = path.relative_to(REPO).as_posix() if path.is_relative_to(REPO) else str(path)
        if not isinstance(data, list) or node is None:
            problems.append(f"{display}: must be a YAML list of items")
            continue
        for child, entry in zip(node.value, data):
            line = child.start_mark.line + 1
            where = f"{display}:{line}"
            problems.extend(f"{where}: {p}" for p in _check(entry))
            if isinstance(entry, dict):
                items.append(Item(entry, display, line, languages.get(line, "?")))
    return items


def _merge(sets: list[list[Item]], problems: list[str]) -> list[Item]:
    """The sets' items in order, each distinct item once; an item labelled
    differently in two sets is a problem."""
    first: dict[tuple, Item] = {}
    for items in sets:
        for item in items:
            seen = first.setdefault(item.key(), item)
            if seen is not item and seen.label != item.label:
                problems.append(
                    f"{item.file}:{item.line}: {item.name} is labelled {item.label}, "
                    f"but {seen.label} at {seen.file}:{seen.line}"
                )
    return list(first.values())


def _languages_by_line(text: str) -> dict[int, str]:
    """Line number -> the language of the nearest ``# -- xx`` header above it."""
    result, current = {}, "?"
    for number, line in enumerate(text.splitlines(), start=1):
        match = LANGUAGE_HEADER.match(line)
        if match:
            current = match.group(1)
        result[number] = current
    return result


def _check(entry: Any) -> list[str]:
    if not isinstance(entry, dict):
        return [f"item must be a mapping, got {type(entry).__name__}"]
    problems = []
    unknown = set(entry) - ALLOWED_KEYS
    if unknown:
        problems.append(f"unknown keys {sorted(unknown)}")
    for key in ("name", "category"):
        if key not in entry:
            problems.append(f"missing {key!r}")
    for key in STRING_KEYS:
        if key in entry and not isinstance(entry[key], str):
            problems.append(f"{key!r} must be a string (quote it?), got {entry[key]!r}")
    for key in LIST_KEYS:
        if key in entry and not (
            isinstance(entry[key], list) and all(isinstance(v, str) for v in entry[key])
        ):
            problems.append(f"{key!r} must be a list of strings (quote yes/no/on/off), got {entry[key]!r}")
    if entry.get("category") not in (*CATEGORIES, NONE):
        problems.append(f"category {entry.get('category')!r} is not one of {', '.join(CATEGORIES)}, none")
    if "pattern" in entry and isinstance(entry["pattern"], str):
        try:
            re.compile(entry["pattern"])
        except re.error as error:
            problems.append(f"pattern does not compile: {error}")
    return problems


def _duplicates(items: list[Item]) -> list[str]:
    seen: dict[tuple, Item] = {}
    problems = []
    for item in items:
        key = item.key()
        if key in seen:
            first = seen[key]
            problems.append(f"{item.file}:{item.line}: duplicate of {first.file}:{first.line} ({item.name})")
        else:
            seen[key] = item
    return problems


def to_field(item: Item):
    """The Field a reader would produce for this item."""
    from datalint.cases import field_from_case
    from datalint.model import Location

    return field_from_case(item.data, Location(item.file, item.line, 1))


def load_engine():
    from datalint.engine import Engine
    from datalint.rulebook import load_rulebook

    rulebook, problems = load_rulebook()
    for problem in problems:
        print(f"warning: rule pack problem: {problem.location.file}: {problem.code} {problem.message}", file=sys.stderr)
    return Engine(rulebook), rulebook


# --------------------------------------------------------------------------- scoring


@dataclass
class Outcome:
    item: Item
    findings: list  # datalint Finding objects
    fired: frozenset[str]

    @property
    def hit(self) -> bool:
        return self.item.label != NONE and self.item.label in self.fired

    @property
    def missed(self) -> bool:
        return self.item.label != NONE and self.item.label not in self.fired

    @property
    def false_alarm(self) -> bool:
        """Fired, but never with the item's own category."""
        return bool(self.fired) and self.item.label not in self.fired

    @property
    def wrong_categories(self) -> frozenset[str]:
        return self.fired - {self.item.label} if self.false_alarm else frozenset()

    def what_fired(self) -> str:
        if not self.findings:
            return "nothing"
        parts = []
        for finding in self.findings:
            terms = ", ".join(f"{e.source}:{e.term}" for e in finding.evidence)
            parts.append(f"{finding.code} {finding.category} ({terms})")
        return "; ".join(parts)


@dataclass
class Score:
    labelled: int = 0
    tp: int = 0
    fp: int = 0
    fn: int = 0
    also: int = 0

    @property
    def precision(self) -> float | None:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else None

    @property
    def recall(self) -> float | None:
        return self.tp / self.labelled if self.labelled else None


@dataclass
class Results:
    outcomes: list[Outcome]
    per_category: dict[str, Score] = field(default_factory=dict)
    overall: Score = field(default_factory=Score)
    negatives: int = 0
    negative_alarms: int = 0


def evaluate(items: list[Item], engine) -> Results:
    outcomes = []
    for item in items:
        findings = engine.evaluate(to_field(item))
        outcomes.append(Outcome(item, findings, frozenset(f.category for f in findings)))
    results = Results(outcomes)
    scores: dict[str, Score] = defaultdict(Score, {category: Score() for category in CATEGORIES})
    for outcome in outcomes:
        label = outcome.item.label
        if label == NONE:
            results.negatives += 1
            if outcome.fired:
                results.negative_alarms += 1
                results.overall.fp += 1
            for category in outcome.fired:
                scores[category].fp += 1
            continue
        scores[label].labelled += 1
        results.overall.labelled += 1
        if outcome.hit:
            scores[label].tp += 1
            results.overall.tp += 1
            for category in outcome.fired - {label}:
                scores[category].also += 1
        else:
            scores[label].fn += 1
            results.overall.fn += 1
            if outcome.fired:
                results.overall.fp += 1
            for category in outcome.fired:
                scores[category].fp += 1
    results.per_category = dict(scores)
    return results


def targets_met(results: Results) -> list[str]:
    """Descriptions of the targets that were missed (empty when all are met)."""
    missed = []
    overall = results.overall
    if overall.precision is None or overall.precision < TARGET_PRECISION:
        missed.append(f"overall precision {_fmt(overall.precision)} < {TARGET_PRECISION:.2f}")
    if overall.recall is None or overall.recall < TARGET_RECALL:
        missed.append(f"overall recall {_fmt(overall.recall)} < {TARGET_RECALL:.2f}")
    for category in CATEGORIES:
        recall = results.per_category[category].recall
        if recall is None or recall < TARGET_CATEGORY_RECALL:
            missed.append(f"{category} recall {_fmt(recall)} < {TARGET_CATEGORY_RECALL:.2f}")
    return missed


# --------------------------------------------------------------------------- printing


def _fmt(value: float | None) -> str:
    return "  n/a" if value is None else f"{value:.3f}"


def _mark(ok: bool) -> str:
    return "ok" if ok else "MISSED"


def print_table(results: Results, only: str | None) -> None:
    header = f"{'category':<20} {'labelled':>8} {'TP':>5} {'FP':>5} {'FN':>5} {'also':>5} {'precision':>9} {'recall':>7}  target"
    print(header)
    print("-" * len(header))
    extra = sorted(set(results.per_category) - set(CATEGORIES))
    for category in (*CATEGORIES, *extra):
        if only and category != only:
            continue
        score = results.per_category[category]
        if category in CATEGORIES:
            ok = score.recall is not None and score.recall >= TARGET_CATEGORY_RECALL
            target = f"recall >= {TARGET_CATEGORY_RECALL:.2f} {_mark(ok)}"
        else:
            target = "(not a labelled category)"
        print(
            f"{category:<20} {score.labelled:>8} {score.tp:>5} {score.fp:>5} {score.fn:>5} {score.also:>5} "
            f"{_fmt(score.precision):>9} {_fmt(score.recall):>7}  {target}"
        )
    print("-" * len(header))
    o = results.overall
    p_ok = o.precision is not None and o.precision >= TARGET_PRECISION
    r_ok = o.recall is not None and o.recall >= TARGET_RECALL
    print(
        f"{'overall':<20} {o.labelled:>8} {o.tp:>5} {o.fp:>5} {o.fn:>5} {'':>5} {_fmt(o.precision):>9} {_fmt(o.recall):>7}  "
        f"precision >= {TARGET_PRECISION:.2f} {_mark(p_ok)}, recall >= {TARGET_RECALL:.2f} {_mark(r_ok)}"
    )
    print(
        "TP/FN count labelled items; FP counts items on which the category fired but was not the label; "
        "'also' counts true positives on which the category fired as well (not counted as FP). "
        "Overall FP = false-alarm items."
    )


def print_counts(items: list[Item], results: Results) -> None:
    positives = sum(1 for i in items if i.label != NONE)
    languages = Counter(i.language for i in items)
    print(
        f"items: {len(items)} ({positives} positives, {results.negatives} look-alike negatives); "
        f"negatives that fired: {results.negative_alarms}; positives missed: {results.overall.fn}"
    )
    print("by language: " + ", ".join(f"{lang} {n}" for lang, n in languages.most_common()))


def print_stats(items: list[Item]) -> None:
    by_file = Counter(i.file for i in items)
    by_category = Counter(i.label for i in items)
    by_language: dict[str, Counter] = defaultdict(Counter)
    evidence = Counter()
    for item in items:
        by_language[item.language][item.label] += 1
        keys = sorted(set(item.data) - {"name", "category", "type"})
        evidence["name only" if not keys else "+" + "+".join(keys)] += 1
    print("items per file:")
    for name, count in sorted(by_file.items()):
        print(f"  {name:<60} {count:>5}")
    print("items per category:")
    for name in (*CATEGORIES, NONE):
        print(f"  {name:<20} {by_category[name]:>5}")
    print("items per language (positives / negatives):")
    for lang, counter in sorted(by_language.items(), key=lambda kv: -sum(kv[1].values())):
        neg = counter[NONE]
        print(f"  {lang:<4} {sum(counter.values()):>5}  ({sum(counter.values()) - neg} / {neg})")
    print("evidence beyond the name:")
    for kind, count in evidence.most_common():
        print(f"  {kind:<40} {count:>5}")


def print_list(title: str, outcomes: list[Outcome]) -> None:
    print(f"\n{title} ({len(outcomes)})")
    if not outcomes:
        print("  none")
        return
    for outcome in outcomes:
        item = outcome.item
        print(f"  {item.file}:{item.line}  {item.evidence()}")
        print(f"      label: {item.label}; fired: {outcome.what_fired()}")


def labelled_main(args: argparse.Namespace) -> int:
    if args.labelled is not None:  # hidden override: one directory of labelled items
        directories: tuple[Path, ...] = (Path(args.labelled),)
        description = args.labelled
    else:
        directories = SETS[args.set]
        description = f"{args.set} ({', '.join(_display(str(d), REPO) for d in directories)})"
        if args.novel:
            order = SETS["all"]
            directories = order[: order.index(directories[-1]) + 1]
            description += ", novel items only"
    try:
        items = load_items(directories, novel=args.novel)
    except LabelError as error:
        print(f"labelled set is malformed:\n{error}", file=sys.stderr)
        return 2
    if args.stats:
        print_stats(items)
        return 0
    engine, rulebook = load_engine()
    results = evaluate(items, engine)
    print(f"datalint detection benchmark: {len(rulebook.rules)} rules, labelled set {description}\n")
    print_table(results, args.category)
    print()
    print_counts(items, results)
    missed = targets_met(results)
    print("targets: " + ("all met" if not missed else "MISSED: " + "; ".join(missed)))

    show_misses = args.misses or not args.false_alarms
    show_alarms = args.false_alarms or not args.misses
    only = args.category
    if show_misses:
        misses = [o for o in results.outcomes if o.missed and (not only or o.item.label == only)]
        print_list("misses: labelled positives on which their category did not fire", misses)
    if show_alarms:
        alarms = [
            o
            for o in results.outcomes
            if o.false_alarm and (not only or only in o.fired)
        ]
        print_list("false alarms: items on which only other categories fired", alarms)
    return 1 if missed else 0


# --------------------------------------------------------------------------- corpus


def corpus_main(directory: Path) -> int:
    if not directory.is_dir():
        print(f"corpus not found at {directory}; skipped")
        return 0
    from datalint.runner import run

    engine, rulebook = load_engine()
    try:
        report = run([str(directory)], engine)
    except Exception as error:  # noqa: BLE001 - report a broken pipeline instead of a traceback
        print(f"datalint's runner failed over {directory}: {type(error).__name__}: {error}", file=sys.stderr)
        return 2
    by_category = Counter(f.category for f in report.findings)
    by_folder: dict[str, Counter] = defaultdict(Counter)
    for finding in report.findings:
        by_folder[_folder(finding.location.file, directory)][finding.category] += 1
    categories = [c for c in CATEGORIES if by_category[c]] + sorted(set(by_category) - set(CATEGORIES))
    errors = sum(1 for d in report.diagnostics if d.severity == "error")
    print(
        f"datalint over the corpus {directory}: {len(rulebook.rules)} rules, {report.files_checked} files checked, "
        f"{report.files_skipped} skipped, {len(report.findings)} findings, "
        f"{len(report.diagnostics)} diagnostics ({errors} errors)\n"
    )
    print("findings per category:")
    for category in (*CATEGORIES, *sorted(set(by_category) - set(CATEGORIES))):
        print(f"  {category:<20} {by_category[category]:>6}")
    print("\nfindings per source folder:")
    short = {c: c[:8] for c in categories}
    print(f"  {'folder':<16} {'total':>6} " + " ".join(f"{short[c]:>8}" for c in categories))
    folders = sorted(set(by_folder) | {_folder(p, directory) for p in report.checked})
    for folder in folders:
        counts = by_folder.get(folder, Counter())
        print(f"  {folder:<16} {sum(counts.values()):>6} " + " ".join(f"{counts[c]:>8}" for c in categories))
    print("\nfindings (file:line field (container) rule category evidence):")
    for finding in report.findings:
        loc = finding.location
        evidence = ", ".join(f"{e.source}:{e.term}" for e in finding.evidence)
        container = f" ({finding.field.container})" if finding.field.container else ""
        print(
            f"{_display(loc.file, directory)}:{loc.line} {finding.field.name}{container} "
            f"{finding.code} {finding.category} {evidence}"
        )
    return 0


def _display(file: str, directory: Path) -> str:
    try:
        return Path(file).resolve().relative_to(directory.resolve()).as_posix()
    except ValueError:
        return file


def _folder(file: str, directory: Path) -> str:
    parts = Path(_display(file, directory)).parts
    return parts[0] if len(parts) > 1 else "."


# --------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Precision/recall of datalint's rules on the labelled detection set, or findings over the real corpus."
    )
    parser.add_argument("--misses", action="store_true", help="list misses (labelled positives not detected)")
    parser.add_argument("--false-alarms", action="store_true", help="list false alarms")
    parser.add_argument("--category", choices=CATEGORIES, help="restrict the table and lists to one category")
    parser.add_argument("--stats", action="store_true", help="describe the labelled set (files, categories, languages) and exit")
    parser.add_argument(
        "--set",
        choices=tuple(SETS),
        default="labelled",
        help="which labelled items to score: labelled/ (default; the rules were tuned on it), "
        "holdout/ (written blind to the rules and to the first set), blind2/ (a second blind set, "
        "written after the holdout's misses were known) or all (the three)",
    )
    parser.add_argument(
        "--novel",
        action="store_true",
        help="score only the chosen set's items that no earlier set holds (earlier: labelled, then holdout)",
    )
    parser.add_argument("--labelled", default=None, help=argparse.SUPPRESS)
    parser.add_argument(
        "--corpus",
        nargs="?",
        const=str(DEFAULT_CORPUS),
        metavar="DIR",
        help=f"run over the unlabelled real corpus instead (default DIR: {DEFAULT_CORPUS})",
    )
    args = parser.parse_args(argv)
    if args.corpus is not None:
        return corpus_main(Path(args.corpus))
    return labelled_main(args)


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BrokenPipeError:  # piped into head/less: stop quietly
        sys.stderr.close()
        sys.exit(1)
