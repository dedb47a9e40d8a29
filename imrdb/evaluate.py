"""Score the parser against a facts file (the shape of ../shared/real-letters/dev-facts.json).

    imrdb evaluate ../shared/real-letters/dev ../shared/real-letters/dev-facts.json

prints, for every fact, how many letters agree, and lists each disagreement.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from imrdb.errors import ImrdbError, LetterError
from imrdb.letter import Letter
from imrdb.parse import parse_letter
from imrdb.sources import find_letter_files, read_letter

HEADER_FACTS = ("case_number", "date_assigned", "date_of_injury", "decision_date", "ur_denial_date",
                "application_received", "priority", "patient_age", "patient_sex")
FACTS = HEADER_FACTS + ("specialties", "licensure_states", "item_count", "decisions", "descriptions",
                        "original_requests")


def letter_facts(letter: Letter) -> dict:
    """The facts of a parsed letter, in the facts file's shape."""
    facts = {name: getattr(letter, name) for name in HEADER_FACTS}
    facts["specialties"] = list(letter.reviewer.specialties)
    facts["licensure_states"] = list(letter.reviewer.licensure_states)
    facts["items"] = [{"description": item.description, "decision": item.decision,
                       "original_request": item.original_request} for item in letter.items]
    return facts


def _item_facts(facts: dict) -> dict:
    items = facts.get("items") or []
    return {
        "item_count": len(items),
        "decisions": [item["decision"] for item in items],
        "descriptions": [" ".join((item["description"] or "").split()) for item in items],
        "original_requests": [" ".join(item["original_request"].split()) if item.get("original_request") else None
                              for item in items],
    }


@dataclass
class Score:
    letters: int = 0
    failed: list[str] = field(default_factory=list)
    agree: Counter = field(default_factory=Counter)
    disagreements: list[tuple[str, str, object, object]] = field(default_factory=list)

    def format(self) -> str:
        lines = [f"{self.letters} letters scored, {len(self.failed)} failed to parse"]
        for name in FACTS:
            lines.append(f"  {name:22s} {self.agree[name]:5d}/{self.letters}  {100 * self.agree[name] / max(self.letters, 1):6.2f}%")
        total = sum(self.agree.values())
        lines.append(f"  {'all facts':22s} {total:5d}/{self.letters * len(FACTS)}  {100 * total / max(self.letters * len(FACTS), 1):6.2f}%")
        for failure in self.failed:
            lines.append(f"FAILED {failure}")
        for case, name, expected, got in self.disagreements:
            lines.append(f"DIFF {case} {name}: expected {expected!r} got {got!r}")
        return "\n".join(lines)


def score(letters: Iterable[tuple[str, Letter | LetterError]], facts: dict[str, dict]) -> Score:
    result = Score()
    for case, parsed in letters:
        expected = facts.get(case)
        if expected is None:
            continue
        result.letters += 1
        if isinstance(parsed, LetterError):
            result.failed.append(f"{case}: {parsed.reason}")
            continue
        got = letter_facts(parsed)
        expected_all = {**expected, **_item_facts(expected)}
        got_all = {**got, **_item_facts(got)}
        for name in FACTS:
            if expected_all.get(name) == got_all.get(name):
                result.agree[name] += 1
            else:
                result.disagreements.append((case, name, expected_all.get(name), got_all.get(name)))
    return result


def load_facts(facts_path: str | Path) -> dict:
    """The facts file: a JSON object keyed by case number; anything else is one line naming the file."""
    try:
        facts = json.loads(Path(facts_path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ImrdbError(f"{facts_path}: not a facts file ({error})") from None
    if not isinstance(facts, dict):
        raise ImrdbError(f"{facts_path}: not a facts file (a JSON object keyed by case number is expected)")
    return facts


def _facts_key(case_number: str | None, stem: str, facts: dict) -> str:
    """A letter's key in the facts: its file name when the facts have it (so a case number misread
    from a scan is scored as wrong, not left out), else the case number it states."""
    return stem if stem in facts else case_number or stem


def evaluate_folder(folder: str | Path, facts_path: str | Path) -> Score:
    """Parse every letter under `folder` and score it against the facts file (keyed by case number).

    A letter is matched to its facts by its file name when that is a case number of the facts, else
    by the case number it states.
    """
    facts = load_facts(facts_path)
    files = 0

    def parsed():
        nonlocal files
        for source in find_letter_files([folder]):
            files += 1
            try:
                text = read_letter(source)
                letter = parse_letter(text.text, text.format, str(source.path))
                yield _facts_key(letter.case_number, Path(source.path).stem, facts), letter
            except LetterError as error:
                yield Path(source.path).stem, error

    result = score(parsed(), facts)
    if not result.letters:
        raise ImrdbError(f"{folder}: none of its {files:,} letter files has facts in {facts_path} "
                         f"({len(facts):,} case numbers there): is it the right facts file?")
    return result
