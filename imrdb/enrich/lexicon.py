"""Load the curated lexicon (data/lexicon/) once, validate it, and precompile everything.

The folder is `<repo>/data/lexicon` unless the environment variable IMRDB_LEXICON_DIR points elsewhere.
See data/lexicon/README.md for the files and how to extend them.
"""

from __future__ import annotations

import csv
import functools
import hashlib
import io
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from imrdb.errors import ImrdbError

from . import patterns
from .models import DrugEntry, GuidelineName, Rule
from .wordmatch import PatternShapeError, WordStartMatcher

ENV_VAR = "IMRDB_LEXICON_DIR"
DEFAULT_DIR = Path(__file__).resolve().parents[2] / "data" / "lexicon"
DRUG_MARKER = "drug_names"
# libyaml's safe loader where PyYAML was built with it: treatments.yaml in 2 ms instead of 33 ms
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

# Fuzzy matching only ever considers words this long, against names of the same first letter and a
# length within FUZZY_MAX_LENGTH_DIFFERENCE; see drugs.fuzzy_match().
FUZZY_MIN_LENGTH = 6
FUZZY_MAX_LENGTH_DIFFERENCE = 2


class LexiconError(ImrdbError, ValueError):
    """A lexicon data file is malformed; the message names the file and line."""


@dataclass(eq=False)  # hashed by identity: classify() caches per (lexicon, description)
class Lexicon:
    directory: Path
    version: str
    drug_classes: tuple[str, ...]  # in precedence order
    drugs: dict[str, DrugEntry]  # lookup key -> entry
    max_name_tokens: int
    multiword_first_tokens: frozenset[str]
    combinations: dict[frozenset[str], DrugEntry]  # ingredient set -> a product with exactly those
    topical_class: dict[str, str]
    fuzzy_names: dict[tuple[str, int], tuple[str, ...]]  # (first letter, length) -> one-word keys
    fuzzy_stopwords: frozenset[str]
    rules: tuple[Rule, ...]
    rule_matcher: WordStartMatcher
    drug_detail_categories: frozenset[str]
    region_matcher: WordStartMatcher
    region_names: tuple[str, ...]  # by region_matcher pattern index
    odg_chapters: tuple[GuidelineName, ...] = ()  # closed list: odg_chapters.csv
    mtus_guidelines: tuple[GuidelineName, ...] = ()  # closed list: mtus_guidelines.csv
    other_sources: tuple[GuidelineName, ...] = ()  # other_sources.csv, in precedence order
    fuzzy_cache: dict[str, tuple[str, float] | None] = field(default_factory=dict)

    def class_rank(self, drug_class: str) -> int:
        try:
            return self.drug_classes.index(drug_class)
        except ValueError:
            return len(self.drug_classes)


def lexicon_dir() -> Path:
    return Path(os.environ.get(ENV_VAR) or DEFAULT_DIR)


def name_key(name: str) -> str:
    """The lookup key of a drug name: its tokens, as descriptions are tokenised."""
    return " ".join(patterns.NAME_TOKEN.findall(patterns.normalize(name)))


def _data_lines(path: Path) -> list[tuple[int, str]]:
    """Lines of a data file without '#' comments and blank lines, with their line numbers."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise LexiconError(f"{path}: missing lexicon file (set {ENV_VAR} to the lexicon folder)") from exc
    return [(n, line) for n, line in enumerate(text.splitlines(), 1) if line.strip() and not line.lstrip().startswith("#")]


def _read_csv(path: Path, required: tuple[str, ...]) -> list[tuple[str, dict[str, str]]]:
    lines = _data_lines(path)
    if not lines:
        raise LexiconError(f"{path}: no header row")
    reader = csv.DictReader(io.StringIO("\n".join(line for _, line in lines)))
    missing = [c for c in required if c not in (reader.fieldnames or [])]
    if missing:
        raise LexiconError(f"{path}:{lines[0][0]}: header lacks column(s) {', '.join(missing)}")
    rows = []
    for (number, _), row in zip(lines[1:], reader):
        clean = {k: (v or "").strip() for k, v in row.items() if k is not None}
        rows.append((f"{path.name}:{number}", clean))
    return rows


def _load_drug_classes(directory: Path) -> tuple[str, ...]:
    return tuple(row["drug_class"] for _, row in _read_csv(directory / "drug_classes.csv", ("drug_class",)))


def _load_drugs(directory: Path, classes: tuple[str, ...]) -> dict[str, DrugEntry]:
    drugs: dict[str, DrugEntry] = {}
    for filename in ("drugs.csv", "compounds.csv"):  # compounds.csv rows override drugs.csv
        seen_here: set[str] = set()
        for where, row in _read_csv(directory / filename, ("name", "generic", "drug_class")):
            name, generic, drug_class = row["name"], row["generic"].lower(), row["drug_class"]
            if not name or not generic or not drug_class:
                raise LexiconError(f"{where}: name, generic and drug_class are all required")
            if drug_class not in classes:
                raise LexiconError(f"{where}: unknown drug_class {drug_class!r} (add it to drug_classes.csv)")
            key = name_key(name)
            if not key:
                raise LexiconError(f"{where}: name {name!r} has no letters or digits")
            if key in seen_here:
                raise LexiconError(f"{where}: {name!r} is listed twice in {filename}")
            seen_here.add(key)
            ingredients = tuple(part.strip() for part in generic.split("/"))
            if any(not part for part in ingredients):
                raise LexiconError(f"{where}: generic {generic!r} has an empty ingredient")
            drugs[key] = DrugEntry(
                name=name,
                key=key,
                generic="/".join(ingredients),
                ingredients=ingredients,
                drug_class=drug_class,
                dosage_form=row.get("dosage_form") or None,
                source=where,
            )
    return drugs


def _load_topical(directory: Path, classes: tuple[str, ...]) -> dict[str, str]:
    topical = {}
    for where, row in _read_csv(directory / "topical.csv", ("generic", "topical_class")):
        if row["topical_class"] not in classes:
            raise LexiconError(f"{where}: unknown topical_class {row['topical_class']!r}")
        topical[row["generic"].lower()] = row["topical_class"]
    return topical


def _load_rules(directory: Path) -> tuple[tuple[Rule, ...], frozenset[str]]:
    path = directory / "treatments.yaml"
    try:
        document = yaml.load(path.read_text(encoding="utf-8"), Loader=_YAML_LOADER)
    except FileNotFoundError as exc:
        raise LexiconError(f"{path}: missing lexicon file") from exc
    except yaml.YAMLError as exc:
        raise LexiconError(f"{path}: not valid YAML: {exc}") from exc
    rules: list[Rule] = []
    before_drugs = True
    names: set[str] = set()
    for position, item in enumerate(document.get("rules") or [], 1):
        if not isinstance(item, dict):
            raise LexiconError(f"{path}: rule #{position} is not a mapping")
        if item.get("marker") == DRUG_MARKER:
            before_drugs = False
            continue
        name = item.get("name")
        if not name or name in names or not item.get("category") or not item.get("pattern"):
            raise LexiconError(f"{path}: rule #{position} ({name!r}) needs a unique name, a category and a pattern")
        names.add(name)
        try:
            compiled = re.compile(item["pattern"])
        except re.error as exc:
            raise LexiconError(f"{path}: rule {name!r}: bad pattern: {exc}") from exc
        if compiled.groupindex or re.search(r"\\[1-9]", item["pattern"]):
            raise LexiconError(f"{path}: rule {name!r}: named groups and back-references are not allowed")
        rules.append(
            Rule(
                name=name,
                category=item["category"],
                subcategory=item.get("subcategory"),
                pattern=item["pattern"],
                examples=tuple(item.get("examples") or ()),
                before_drugs=before_drugs,
            )
        )
    if before_drugs:
        raise LexiconError(f"{path}: no '- marker: {DRUG_MARKER}' entry")
    categories = frozenset(document.get("drug_detail_categories") or ["Pharmaceuticals"])
    return tuple(rules), categories


def _compile_rules(rules: tuple[Rule, ...], path: Path) -> WordStartMatcher:
    for rule in rules:
        try:
            WordStartMatcher([rule.pattern])
        except (PatternShapeError, re.error) as exc:
            raise LexiconError(f"{path}: rule {rule.name!r}: {exc}") from exc
    return WordStartMatcher([rule.pattern for rule in rules])


def _load_regions(directory: Path) -> tuple[WordStartMatcher, tuple[str, ...]]:
    patterns_, regions = [], []
    for where, row in _read_csv(directory / "body_regions.csv", ("pattern", "region")):
        try:
            re.compile(row["pattern"])
            WordStartMatcher([row["pattern"]], suffix=r"\b")
        except (PatternShapeError, re.error) as exc:
            raise LexiconError(f"{where}: bad pattern {row['pattern']!r}: {exc}") from exc
        patterns_.append(row["pattern"])
        regions.append(row["region"])
    return WordStartMatcher(patterns_, suffix=r"\b"), tuple(regions)


GUIDELINE_KINDS = ("chapter", "section")


def _load_guideline_names(path: Path, name_column: str) -> tuple[GuidelineName, ...]:
    """A closed list of guideline names (odg_chapters.csv, mtus_guidelines.csv, other_sources.csv)."""
    names = []
    for where, row in _read_csv(path, (name_column, "pattern", "examples")):
        name, pattern, kind = row[name_column], row["pattern"], row.get("kind") or "chapter"
        if not name or not pattern:
            raise LexiconError(f"{where}: {name_column} and pattern are both required")
        if kind not in GUIDELINE_KINDS:
            raise LexiconError(f"{where}: kind {kind!r} is not one of {', '.join(GUIDELINE_KINDS)}")
        try:
            compiled = re.compile(pattern, re.IGNORECASE)
        except re.error as exc:
            raise LexiconError(f"{where}: bad pattern {pattern!r}: {exc}") from exc
        if compiled.groups or re.search(r"\\[1-9]", pattern):
            raise LexiconError(f"{where}: pattern {pattern!r}: use (?:...) groups, no capturing groups or back-references")
        examples = tuple(example.strip() for example in row["examples"].split("|") if example.strip())
        if not examples:
            raise LexiconError(f"{where}: give at least one example of {name!r} as letters write it")
        names.append(GuidelineName(name=name, pattern=pattern, kind=kind, examples=examples, source=where))
    return tuple(names)


def _load_stopwords(directory: Path) -> frozenset[str]:
    return frozenset(line.strip().lower() for _, line in _data_lines(directory / "fuzzy_stopwords.txt"))


DATA_SUFFIXES = frozenset({".csv", ".yaml", ".yml", ".txt"})


def _version(directory: Path) -> str:
    """sha256 over the data files (not README.md: editing the documentation derives nothing new)."""
    digest = hashlib.sha256()
    for path in sorted(p for p in directory.iterdir() if p.is_file() and p.suffix in DATA_SUFFIXES):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


@functools.lru_cache(maxsize=4)
def _load(directory: Path) -> Lexicon:
    classes = _load_drug_classes(directory)
    drugs = _load_drugs(directory, classes)
    combinations: dict[frozenset[str], DrugEntry] = {}
    for entry in drugs.values():
        if len(entry.ingredients) > 1:
            combinations.setdefault(frozenset(entry.ingredients), entry)
    fuzzy: dict[tuple[str, int], list[str]] = {}
    for key in drugs:
        if " " not in key and len(key) >= FUZZY_MIN_LENGTH - FUZZY_MAX_LENGTH_DIFFERENCE and key.isalpha():
            fuzzy.setdefault((key[0], len(key)), []).append(key)
    rules, detail_categories = _load_rules(directory)
    region_matcher, region_names = _load_regions(directory)
    token_counts = [key.count(" ") + 1 for key in drugs]
    return Lexicon(
        directory=directory,
        version=_version(directory),
        drug_classes=classes,
        drugs=drugs,
        max_name_tokens=max(token_counts, default=1),
        multiword_first_tokens=frozenset(key.split(" ")[0] for key in drugs if " " in key),
        combinations=combinations,
        topical_class=_load_topical(directory, classes),
        fuzzy_names={k: tuple(v) for k, v in fuzzy.items()},
        fuzzy_stopwords=_load_stopwords(directory),
        rules=rules,
        rule_matcher=_compile_rules(rules, directory / "treatments.yaml"),
        drug_detail_categories=detail_categories,
        region_matcher=region_matcher,
        region_names=region_names,
        odg_chapters=_load_guideline_names(directory / "odg_chapters.csv", "chapter"),
        mtus_guidelines=_load_guideline_names(directory / "mtus_guidelines.csv", "guideline"),
        other_sources=_load_guideline_names(directory / "other_sources.csv", "guideline"),
    )


_current: tuple[str | None, Lexicon] | None = None


def load_lexicon() -> Lexicon:
    """The lexicon of the current lexicon folder, loaded and compiled once per folder."""
    global _current
    env = os.environ.get(ENV_VAR)
    if _current is None or _current[0] != env:
        _current = (env, _load(lexicon_dir().resolve()))
    return _current[1]


def reload_lexicon() -> Lexicon:
    """Forget the loaded lexicon (after editing its files in a running process) and load it again."""
    global _current
    _current = None
    _load.cache_clear()
    return load_lexicon()


def lexicon_version() -> str:
    """A hash of the lexicon files' contents: store it with derived rows to know what derived them."""
    return load_lexicon().version
