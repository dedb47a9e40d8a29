"""Normalized letter text -> Letter.

The letter is read in the order it is written: header fields, the reviewer's credentials (in a
block or in prose), the clinical case summary, then each disputed item with its decision, the
guidelines cited and the rationale. Every regular expression used here lives in `patterns`.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from rapidfuzz import fuzz, process
from rapidfuzz.distance import Levenshtein

from imrdb import patterns as p
from imrdb.citations import parse_guideline_text
from imrdb.clean import clean_ocr, normalize, unwrap
from imrdb.errors import ParseError
from imrdb.letter import DisputedItem, Letter, Reviewer
from imrdb.sources import OCR_FORMATS

NAMES_DIR = Path(__file__).resolve().parents[1] / "data" / "names"


def parse_letter(text: str, source_format: str = "text", path: str | None = None) -> Letter:
    """Parse a letter's raw text (any format) into a Letter. Raises ParseError.

    Text read by OCR (source_format "pdf-ocr" or "pdf-mixed") is cleaned of a scan's marks first, and
    what has a known shape is checked, corrected where that is unambiguous, and warned about."""
    if source_format in OCR_FORMATS:
        text, corrections = clean_ocr(text)
        letter = parse_normalized(normalize(text, source_format), path, ocr=True)
        letter.warnings[:0] = corrections
        return letter
    return parse_normalized(normalize(text, source_format), path)


def parse_normalized(text: str, path: str | None = None, ocr: bool = False) -> Letter:
    sections = split_sections(text, path)
    letter = Letter(letter_text=text)
    if ocr:
        read_ocr_header(sections.header, letter)
    else:
        read_header(sections.header, letter)
    letter.reviewer = read_reviewer(sections.how)
    if ocr:
        letter.reviewer = check_reviewer(letter.reviewer, letter.warnings)
    letter.case_summary = read_case_summary(sections.summary)
    read_patient(letter)
    if ocr:
        check_ocr_age(letter)
    if ocr and (letter.patient_age is None or letter.patient_sex is None):
        read_ocr_patient(letter, text)
    if ocr and (letter.patient_age is None or letter.patient_sex is None):
        read_ocr_patient_loosely(letter)
    letter.items = read_items(sections.issues, path, ocr_heading_fixer(letter, text) if ocr else None,
                              letter.warnings if ocr else None)
    if ocr:
        for item in letter.items:  # a speck before a heading's first word (": MRI of the right knee")
            item.description = item.description.lstrip(p.OCR_HEADING_MARKS)
            if item.original_request:
                item.original_request = item.original_request.lstrip(p.OCR_HEADING_MARKS)
    check_letter(letter)
    if ocr:
        check_dates(letter)
    return letter


# ---------------------------------------------------------------------------------------------
# Sections
# ---------------------------------------------------------------------------------------------


@dataclass(slots=True)
class Sections:
    header: str
    how: str  # "HOW THE IMR FINAL DETERMINATION WAS MADE": the reviewer's credentials
    summary: str
    issues: str


def split_sections(text: str, path: str | None = None) -> Sections:
    # each title as (start, end), or None
    how = p.SECTION_HOW.search(text)
    summary = p.SECTION_SUMMARY.search(text, how[1] if how else 0)
    issues = p.SECTION_ISSUES.search(text, summary[1] if summary else (how[1] if how else 0))
    if not (how or summary or issues):
        raise ParseError("not an IMR final determination letter (none of its section titles found)", path)
    if not issues:
        raise ParseError("letter is cut off before its decisions (no 'IMR ISSUES, DECISIONS AND RATIONALES')", path)
    first = min(title[0] for title in (how, summary, issues) if title)
    how_text = text[how[1]: (summary or issues)[0]] if how else ""
    summary_text = text[summary[1]: issues[0]] if summary else ""
    return Sections(text[:first], how_text, summary_text, text[issues[1]:])


# ---------------------------------------------------------------------------------------------
# Dates
# ---------------------------------------------------------------------------------------------

_TODAY_YY = dt.date.today().year % 100


@functools.lru_cache(maxsize=20_000)  # the same dates recur across letters: a hit skips the regex and the arithmetic
def parse_date(value: str | None) -> str | None:
    """One date as letters write it ("06/27/2014", "10-13-16", "July 30, 2002") -> "YYYY-MM-DD"."""
    if not value:
        return None
    match = p.NUMERIC_DATE.search(value)
    if match:
        month, day, year = int(match[1]), int(match[2]), match[3]
        year_number = int(year)
        if len(year) == 2:  # "9/10/01" is 2001, "1/5/98" is 1998
            year_number += 2000 if year_number <= _TODAY_YY + 1 else 1900
    else:
        match = p.MONTH_DATE.search(value)
        if not match:
            return None
        month = p.MONTH_NAMES[match[1][:4].lower() if match[1][:4].lower() == "sept" else match[1][:3].lower()]
        day, year_number = int(match[2]), int(match[3])
    try:
        return dt.date(year_number, month, day).isoformat()
    except ValueError:
        return None


# ---------------------------------------------------------------------------------------------
# Header
# ---------------------------------------------------------------------------------------------


def read_header(header: str, letter: Letter) -> None:
    flat = " ".join(header.split())
    match = p.CASE_NUMBER_LABELLED.search(flat) or p.CASE_NUMBER.search(flat)
    letter.case_number = match[1] if match else None
    for field, pattern in p.HEADER_DATE_FIELDS.items():
        found = pattern.search(flat)
        setattr(letter, field, parse_date(found[1]) if found else None)
    priority = p.PRIORITY.search(flat)
    letter.priority = priority[1].capitalize() if priority else None


# ---------------------------------------------------------------------------------------------
# Header, as OCR reads it: labels misread, values out of place, letters taken for digits
# ---------------------------------------------------------------------------------------------

HEADER_DATES = ("date_assigned", "date_of_injury", "decision_date", "ur_denial_date", "application_received")
# The order the header's dates keep in every letter: injury, UR denial, application, assignment, decision.
DATE_ORDER = ("date_of_injury", "ur_denial_date", "application_received", "date_assigned", "decision_date")


def as_digits(value: str) -> str:
    """A value that must be all digits, with the letters OCR takes for digits made digits."""
    return value.translate(p.OCR_DIGITS)


def read_ocr_case_number(flat: str, warn) -> str | None:
    """The case number, when what was read has its shape (CMyy-nnnnnnn) once letters taken for
    digits are made digits; otherwise none, and a warning saying what was read."""
    match = p.OCR_CASE_NUMBER.search(flat)
    if match and len(match[2].replace(" ", "")) != 7:
        match = None  # "CM16-021 955": a digit lost, not one split off
    if not match:
        stray = p.OCR_CASE_NUMBER_START.search(flat)
        warn("no case number of the shape CMyy-nnnnnnn in the header" + (f" (read: {stray[0]!r})" if stray else ""))
        return None
    number = f"CM{as_digits(match[1].replace(' ', ''))}-{as_digits(match[2].replace(' ', ''))}"
    read = " ".join(match[0].split())
    if " " in match[2]:  # seven digits with a space: one split off, or a speck for a digit and one lost
        warn(f"case number read by OCR as {read!r}, a space in its digits, taken as {number}: "
             "check it against the file")
    elif number != read.replace(" ", ""):
        warn(f"case number read by OCR as {read!r}, taken as {number}")
    return number


def read_ocr_date(match: re.Match, field: str, warn, misread: dict | None = None) -> str | None:
    """One header date as OCR read it; a value that is no date is left out, with a warning, or, given
    `misread`, noted there as (read, digits) for `date_in_its_place` to try."""
    text = match[0]
    month, day, year = (match[1], match[2], match[3]) if match[1] else (match[4], match[5], match[6])
    value = f"{as_digits(month)}/{as_digits(day.replace(' ', ''))}/{as_digits(year)}"
    date = parse_date(value)
    if date is not None and date[:4] > str(dt.date.today().year):  # "01/03/2617": no letter is dated so
        date = None
    if date is None and misread is not None:
        misread[field] = (text, value)
    elif date is None:
        warn(f"{field} read by OCR as {text!r}, which is no date: left out")
    elif value != text.replace("-", "/"):
        warn(f"{field} read by OCR as {text!r}, taken as {date}")
    return date


LABEL_MATCH = 75  # rapidfuzz ratio from which words of the OCR'd header are taken for a label ("DCaie Assigned": 80)
LABEL_PREFIX_MATCH = 90  # ... for a label read only in part (p.OCR_HEADER_LABEL_PREFIXES): "Date of", not "Date:" (80)


def find_ocr_labels(flat: str) -> dict[str, tuple[int, int]]:
    """Where each header label is in the OCR'd header, by edit distance on runs of its words without
    digits ("Dateoflnjury:", "Decision DCaie:", "Caie of Injury"): every label takes its closest run
    of words, the closest first, no two the same words."""
    words = [(match.start(), match.end(), p.NON_LETTER.sub("", match[0].lower()))
             for match in p.OCR_WORD.finditer(flat)]
    candidates = []
    for field, label in p.OCR_HEADER_LABEL_WORDS.items():
        size = len(label.split())
        candidates += [(score, field, first, count) for score, first, count in
                       _runs_like(words, flat, label, range(max(1, size - 1), size + 2), LABEL_MATCH)]
    for field, prefix in p.OCR_HEADER_LABEL_PREFIXES.items():  # a label read only in part, read (almost) exactly
        candidates += [(score - 1, field, first, count) for score, first, count in  # the whole label comes first
                       _runs_like(words, flat, prefix, (len(prefix.split()),), LABEL_PREFIX_MATCH)]
    found: dict[str, tuple[int, int]] = {}
    used: set[int] = set()
    for score, field, first, count in sorted(candidates, key=lambda candidate: -candidate[0]):
        span = set(range(first, first + count))
        if field not in found and not span & used:
            found[field] = (words[first][0], words[first + count - 1][1])
            used |= span
    return found


def _runs_like(words: list[tuple[int, int, str]], flat: str, label: str, counts, least: int) -> Iterator[tuple]:
    """(score, first word, word count) of each run of `counts` consecutive words, none with a digit,
    whose letters are at least `least` like the label's (rapidfuzz ratio)."""
    wanted = p.NON_LETTER.sub("", label.lower())
    for count in counts:
        for first in range(len(words) - count + 1):
            run = words[first: first + count]
            if any(character.isdigit() for character in flat[run[0][0]:run[-1][1]]):
                continue
            score = fuzz.ratio("".join(word for _, _, word in run), wanted)
            if score >= least:
                yield score, first, count


def read_ocr_header(header: str, letter: Letter) -> None:
    """The header table from OCR'd text. Each label (found by `find_ocr_labels`) takes the first date
    after it, before the next label; labels that have none (the table read column by column: labels
    first, then values) take the dates that no label took, in order, with a warning, when those dates
    then keep the order every letter's dates keep; a label not found gets no date."""
    warn = letter.warnings.append
    flat = " ".join(header.split())
    letter.case_number = read_ocr_case_number(flat, warn)
    found = find_ocr_labels(flat)
    received = found.pop("received", None)
    labels = sorted((start, end, field) for field, (start, end) in found.items())
    dates = list(p.OCR_DATE.finditer(flat))
    taken: set[int] = set()
    unread = []
    misread: dict[str, tuple[str, str]] = {}
    for index, (_, end, field) in enumerate(labels):
        if field not in HEADER_DATES:
            continue
        bound = labels[index + 1][0] if index + 1 < len(labels) else len(flat)
        if field == "application_received" and received and received[0] >= end:
            bound = max(bound, received[1])  # its date can come between "Application" and "Received:"
        for number, date in enumerate(dates):
            if number not in taken and end <= date.start() < bound:
                taken.add(number)
                setattr(letter, field, read_ocr_date(date, field, warn, misread))
                break
        else:
            unread.append(field)
    left = [date for number, date in enumerate(dates) if number not in taken]
    unlabelled = [field for field in HEADER_DATES if field not in found]
    if len(unlabelled) == 1 and not unread and len(left) == 1:
        # one label lost ("Daie -- 12/22/2016", "Standard. n enerail 12/23/2016"), one date no label took
        field, quiet = unlabelled[0], []
        setattr(letter, field, read_ocr_date(left[0], field, quiet.append))
        if getattr(letter, field) and _in_date_order(letter):
            letter.warnings += quiet
            warn(f"{field} taken from the OCR'd header as the one date no label took (its label was not found)")
            unlabelled, left = [], []
    for field in unlabelled:
        setattr(letter, field, None)
        warn(f"{field}: its label was not found in the OCR'd header")
    if unread and len(left) == len(unread):
        quiet: list[str] = []
        for field, date in zip(unread, left):
            setattr(letter, field, read_ocr_date(date, field, quiet.append))
        if _in_date_order(letter):
            letter.warnings += quiet
            for field in unread:
                warn(f"{field} taken from the OCR'd header by its place (the table read column by column)")
            unread = []
    for field in unread:
        setattr(letter, field, None)
        warn(f"{field}: no date after its label in the OCR'd header")
    for field, (text, value) in misread.items():
        date_in_its_place(letter, field, text, value, warn)
    priority = p.PRIORITY.search(flat)
    if priority is None:  # the value is the header's only "Standard" or "Expedited", whether its label was read or not
        after = found["priority"][1] if "priority" in found else 0
        for word in p.OCR_PRIORITY.finditer(flat, after, after + 200 if after else len(flat)):
            choice = process.extractOne(word[1], ("Standard", "Expedited"), scorer=fuzz.ratio)
            if choice[1] >= 80:
                letter.priority = choice[0]
                if word[1] != choice[0]:
                    warn(f"priority read by OCR as {word[1]!r}, taken as {choice[0]}")
                break
    else:
        letter.priority = priority[1].capitalize() if priority else None


def date_in_its_place(letter: Letter, field: str, text: str, value: str, warn) -> None:
    """A header date OCR read as no date ("Application Received: 42/09/2016", a 1 read as a 4) or as one
    after this year ("01/03/2617"), taken as the one date a single digit away (or a digit lost from a
    month or day of one: "2/30/2016") that falls between the dates before and after it in the order every
    letter keeps (UR denial 11/22/2016, assignment 12/13/2016: 12/09/2016, not 02/09/2016); left out, with
    a warning, when it has not both of those dates or more than one such date. Never the first or the last
    date of that order, which nothing bounds on one side."""
    at = DATE_ORDER.index(field)
    before = getattr(letter, DATE_ORDER[at - 1]) if at > 0 else None
    after = getattr(letter, DATE_ORDER[at + 1]) if at + 1 < len(DATE_ORDER) else None
    found = set()
    if before and after:
        month, day, year = value.split("/")
        readings = [value[:place] + digit + value[place + 1:] for place in range(len(value)) if value[place].isdigit()
                    for digit in "0123456789"]
        # ... or a digit lost from a month or day read with one ("2/30/2016": 12/30/2016)
        readings += [f"{month[:place]}{digit}{month[place:]}/{day}/{year}" for digit in "0123456789"
                     for place in (0, 1) if len(month) == 1]
        readings += [f"{month}/{day[:place]}{digit}{day[place:]}/{year}" for digit in "0123456789"
                     for place in (0, 1) if len(day) == 1]
        for reading in readings:
            date = parse_date(reading)
            if date and before <= date <= after:
                found.add(date)
    read = f"{field} read by OCR as {text!r}, which is no date a letter can have"
    if len(found) == 1:
        setattr(letter, field, found.pop())
        warn(f"{read}: taken as {getattr(letter, field)}, the one date a digit away between {DATE_ORDER[at - 1]} "
             f"and {DATE_ORDER[at + 1]}")
    else:
        warn(f"{read}: left out")


def _in_date_order(letter: Letter) -> bool:
    dated = [getattr(letter, field) for field in DATE_ORDER if getattr(letter, field)]
    return all(early <= late for early, late in zip(dated, dated[1:]))


def check_doubtful(letter: Letter, doubtful) -> None:
    """Warn about each header value (case number, dates) that OCR read with low confidence: a digit
    of it may be misread into another valid one (CM17-0001749 read as CM17-0001748, at 58)."""
    for word, confidence in doubtful:
        digits = as_digits(word)
        date = p.OCR_DATE.search(word)
        for field in ("case_number", *HEADER_DATES):
            value = getattr(letter, field)
            if not value:
                continue
            if field == "case_number":
                doubted = value in digits.replace("CN", "CM") or value[5:] in digits
            else:
                doubted = date is not None and read_ocr_date(date, field, lambda _: None) == value
            if doubted:
                letter.warnings.append(f"{field} {value} was read by OCR with a confidence of {confidence:g} "
                                       f"(as {word!r}): check it against the file")


def check_reread(letter: Letter, rereads) -> None:
    """Warn when the case number, read again from its own crop (ocr.REREAD_SCALES), reads the same at both
    scales and otherwise than on the page: one reading misread a digit into another valid number (the page
    read CM17-0001748 at a confidence of 77 where the crops read CM17-0001749, the letter's). Which one is
    not known (on the dev scans the crops were right twice, the page once), so the page's stays, doubted."""
    def number(text: str) -> str | None:
        return read_ocr_case_number(text.strip(p.OCR_WORD_MARKS), lambda _: None)

    if not letter.case_number:
        return
    for word, readings in rereads:
        again = {number(reading) for reading in readings}
        if number(word) == letter.case_number and len(again) == 1 and None not in again \
                and again != {letter.case_number}:
            letter.warnings.append(f"case_number {letter.case_number} was read by OCR as {again.pop()} from its "
                                   "own crop, enlarged: check it against the file")
            return


def check_dates(letter: Letter) -> None:
    """Warn when OCR'd header dates are out of the order every letter keeps (a digit misread)."""
    dated = [(field, getattr(letter, field)) for field in DATE_ORDER if getattr(letter, field)]
    for (early, early_date), (late, late_date) in zip(dated, dated[1:]):
        if early_date > late_date:
            letter.warnings.append(f"{early} {early_date} is after {late} {late_date}: a date misread by OCR?")


# ---------------------------------------------------------------------------------------------
# Reviewer
# ---------------------------------------------------------------------------------------------


def read_reviewer(how: str) -> Reviewer:
    licensure = p.LICENSURE_BLOCK.search(how)
    certification = p.CERTIFICATION_BLOCK.search(how)
    if licensure or certification:
        states = split_list(unwrap(licensure[1])) if licensure else ()
        specialties = split_specialties(unwrap(certification[1])) if certification else ()
        return Reviewer(tuple(specialties), tuple(states))
    prose = p.BOARD_CERTIFIED.search(unwrap(how))
    if prose:
        return Reviewer(tuple(split_specialties(prose[1])), tuple(split_list(prose[2])))
    return Reviewer()


@functools.lru_cache(maxsize=4)
def known_names(kind: str) -> tuple[str, ...]:
    """The names of data/names/<kind>.txt ("states", "specialties")."""
    lines = (NAMES_DIR / f"{kind}.txt").read_text(encoding="utf-8").splitlines()
    return tuple(line.strip() for line in lines if line.strip() and not line.startswith("#"))


@functools.lru_cache(maxsize=4)
def name_words(kind: str) -> frozenset[str]:
    """The words (lower-case) of the known names of data/names/<kind>.txt."""
    return frozenset(word for name in known_names(kind) for word in p.WORD_LETTERS.findall(name.lower()))


NAME_GARBLED_LETTERS = 3  # letters a name's word misread into no word may have more or fewer than the word
NAME_SIMILARITY = 80  # rapidfuzz ratio from which an OCR'd name is taken for a known one ("Califomia": 84)


def closest_name(name: str, kind: str) -> str | None:
    """The one known name (data/names/<kind>.txt) an OCR'd name is close to, or None: none is, or
    two are about as close."""
    names = known_names(kind)
    if name in names:
        return name
    close = [match for match in process.extract(name, names, scorer=fuzz.ratio, limit=2) if match[1] >= NAME_SIMILARITY]
    if (len(close) == 1 or (close and close[0][1] - close[1][1] >= 5)) and _begins_alike(name, close[0][0]):
        return close[0][0]
    return _name_with_a_word_garbled(name, kind)


def _name_with_a_word_garbled(name: str, kind: str) -> str | None:
    """The one known name an OCR'd name is, one of its words misread into no word at all ("Preventive
    aeeemanit", "Preventive PISHICING": Preventive Medicine) and the others read right (or a letter
    off): a name of as many words, that word about as long (NAME_GARBLED_LETTERS). None where several
    names fit ("'Gcvapationsl Medicine": Occupational, Emergency, Addiction ... Medicine)."""
    from imrdb.spelling import known_words

    words = name.split()
    known = known_words()
    garbled = [index for index, word in enumerate(words) if word.strip(p.OCR_WORD_MARKS).lower() not in known]
    if len(words) < 2 or len(garbled) != 1:
        return None
    at = garbled[0]
    letters = len(words[at].strip(p.OCR_WORD_MARKS))
    found = []
    for known_name in known_names(kind):
        theirs = known_name.split()
        if (len(theirs) == len(words) and abs(len(theirs[at]) - letters) <= NAME_GARBLED_LETTERS
                and all(index == at or Levenshtein.distance(word.lower(), their.lower()) <= (len(their) >= 5)
                        for index, (word, their) in enumerate(zip(words, theirs)))):
            found.append(known_name)
    return found[0] if len(found) == 1 else None


def _begins_alike(read: str, name: str) -> bool:
    """Whether each word of an OCR'd name begins as the known name's word does, or with a letter OCR reads
    for it (p.OCR_CONFUSIONS): OCR misreads letters inside a word ("Occuputional", "Med1cme"), but a word
    that begins otherwise is another word ("hain Medicine", read for "Preventive Medicine", is no "Pain
    Medicine"), unless its first letter was lost. Names of as many words only: words lost or run together are
    left to the ratio."""
    read_words, words = read.split(), name.split()
    if len(read_words) != len(words):
        return True
    return all(mine[:1].lower() == theirs[:1].lower()
               or theirs[:1].lower() in p.OCR_CONFUSIONS.get(mine[:1].lower(), ())
               or mine[:1].lower() == theirs[1:2].lower()  # its first letter lost or split off: "New Y ork"
               or not mine[:1].isalpha() for mine, theirs in zip(read_words, words))


def split_names(words: list[str], kind: str) -> list[str] | None:
    """Words of names whose separating comma OCR lost ("Preventive Med1cme Occupatlonal Medlcme"),
    as the known names they are, when every run of them is one; else None."""
    if not words:
        return []
    for end in range(1, min(len(words), 6) + 1):
        first = closest_name(" ".join(words[:end]), kind)
        if first is not None:
            rest = split_names(words[end:], kind)
            if rest is not None:
                return [first, *rest]
    return None


def check_names(names: tuple[str, ...], kind: str, warnings: list[str]) -> tuple[str, ...]:
    """OCR'd state or specialty names checked against the known ones: each corrected when it is close
    to one known name (or, run together, to several), and kept with a warning when not."""
    what = "state" if kind == "states" else "specialty"
    checked: list[str] = []
    for name in _join_split_names(names, kind, warnings):
        found: list[str] = []
        for piece in _split_at_stops(name, kind):
            known = _known_names_in(piece, kind)
            if known is None:
                warnings.append(f"{what} {piece!r} is not a known name (misread by OCR?)")
                found.append(piece)
            else:
                found.extend(known)
        if found != [name]:
            warnings.append(f"{what} read by OCR as {name!r}, taken as {', '.join(found)}")
        checked.extend(found)
    return tuple(checked)


def _known_names_in(name: str, kind: str) -> list[str] | None:
    """The known name an OCR'd name is, or the several it is run together, or None."""
    from imrdb.spelling import correct_words

    # no name has a word of two letters (specks, marks aside: 'Texas “et') or a full stop ("New
    # York.California": a comma misread)
    words = [word for word in p.NAME_WORD_SEPARATOR.split(name)
             if sum(character.isalnum() for character in word) > 2 or word == "&"]
    known = closest_name(" ".join(words), kind) or _name_with_a_word_garbled(name, kind)  # ... "Preventive PaeEne"
    if known is None:  # "lowa": a letter misread for one of a like shape ("l" for "I")
        read = correct_words(" ".join(words).lower(), name_words(kind))[0]
        known = next((known_name for known_name in known_names(kind) if known_name.lower() == read), None)
    return [known] if known else split_names(words, kind)


def _split_at_stops(name: str, kind: str) -> list[str]:
    """An OCR'd name split where a full stop stands for a comma ("Rehabilitation. Sports Medicine"),
    when the names on both sides of it are known ones; otherwise the pieces stay together
    ("California. Pte": a speck; "Preventive. Medicine": a speck inside a name)."""
    pieces = p.OCR_NAME_STOP.split(name)
    kept = [pieces[0]]
    for piece in pieces[1:]:
        if closest_name(piece, kind) is None or closest_name(kept[-1], kind) is None:
            kept[-1] = f"{kept[-1]} {piece}"
        else:
            kept.append(piece)
    return kept


def _join_split_names(names: tuple[str, ...], kind: str, warnings: list[str]) -> tuple[str, ...]:
    """Names with a speck read as a comma inside one ("Preventive, Medicine") joined again: a name no
    known name is close to, which with the next one is a known name."""
    joined: list[str] = []
    index = 0
    while index < len(names):
        name = names[index]
        if index + 1 < len(names) and closest_name(name, kind) is None:
            both = closest_name(f"{name} {names[index + 1]}", kind)
            if both is not None:
                warnings.append(f"{'state' if kind == 'states' else 'specialty'} read by OCR as "
                                f"'{name}, {names[index + 1]}', taken as {both}")
                joined.append(both)
                index += 2
                continue
        joined.append(name)
        index += 1
    return tuple(joined)


def check_reviewer(reviewer: Reviewer, warnings: list[str]) -> Reviewer:
    return Reviewer(check_names(reviewer.specialties, "specialties", warnings),
                    check_names(reviewer.licensure_states, "states", warnings))


def split_list(value: str) -> list[str]:
    """"Texas,New York and California" -> ["Texas", "New York", "California"]."""
    parts = (part.strip(" .") for part in p.NAME_LIST_SEPARATOR.split(value))
    return [part for part in parts if part]


def split_specialties(value: str) -> list[str]:
    """Certifications in the letter's order; names that contain "and" stay whole."""
    specialties: list[str] = []
    for group in p.SUBSPECIALTY_SPLIT.split(value.strip(" .")):
        pieces = [piece.strip(" .") for piece in group.split(",")]
        for piece in pieces:
            if not piece:
                continue
            if " and " in piece and piece.lower() not in p.SPECIALTIES_WITH_AND:
                specialties.extend(part.strip() for part in piece.split(" and ") if part.strip())
            else:
                specialties.append(piece)
    return specialties


# ---------------------------------------------------------------------------------------------
# Case summary and patient
# ---------------------------------------------------------------------------------------------


def read_case_summary(summary: str) -> str:
    return p.SUMMARY_INTRO.sub("", unwrap(summary), count=1)


def read_patient(letter: Letter) -> None:
    summary = letter.case_summary
    match = p.AGE_SEX.search(summary)
    if match:
        age = int(match[1])
        letter.patient_age = age if 0 < age < 120 else None
        word = (match[2] or "").lower()
        letter.patient_sex = "female" if word in p.FEMALE_WORDS else "male" if word in p.MALE_WORDS else None
    if letter.patient_sex is None and summary:
        she = len(p.SEX_PRONOUN_FEMALE.findall(summary))
        he = len(p.SEX_PRONOUN_MALE.findall(summary))
        if she >= 2 and she >= 3 * he:
            letter.patient_sex = "female"
        elif he >= 2 and he >= 3 * she:
            letter.patient_sex = "male"
    if letter.date_of_injury is None:
        letter.date_of_injury = injury_date_from_summary(summary)


WORKER_AGES = (14, 100)  # an injured worker's age: outside it a letter's age is warned, an OCR'd one left out


def check_ocr_age(letter: Letter) -> None:
    """An OCR'd age whose digits follow a letter or a mark OCR reads for a digit ("a $2 year old": 52,
    "a4 year old": 41) is left out, with a warning: a digit of it may be misread or lost. One whose two
    digits OCR read apart ("a 5 1 year old") is the two together, with a warning; one that is no worker's
    age (WORKER_AGES: "a 34-1 -year-old male" read as 1) is left out, with a warning."""
    match = p.AGE_SEX.search(letter.case_summary)
    split = p.OCR_AGE_SPLIT.search(letter.case_summary, max(0, match.start(1) - 2)) if match else None
    if letter.patient_age is not None and split and split.end() == match.end(1):
        # "a 5 1 year old female": the age's digits read apart (the second alone is no worker's age)
        letter.patient_age = int(split[1] + split[2])
        letter.warnings.append(f"patient age read by OCR as {split[0]!r}: taken as {letter.patient_age}")
        return
    if (letter.patient_age is not None and match and match.start()
            and p.OCR_DIGIT_LIKE.match(letter.case_summary, match.start() - 1)):
        letter.warnings.append(f"patient age read by OCR as {letter.case_summary[match.start() - 1: match.end(1)]!r}: "
                               f"a digit may be misread, left out")
        letter.patient_age = None
    if letter.patient_age is not None and not WORKER_AGES[0] <= letter.patient_age <= WORKER_AGES[1]:
        # "a 34-1 -year-old male" read as 1: no worker's age, a digit misread or a speck read for one
        letter.warnings.append(f"patient age read by OCR as {letter.patient_age}, no worker's age: left out")
        letter.patient_age = None


def read_ocr_patient(letter: Letter, text: str) -> None:
    """Age and sex from an OCR'd summary whose words for them were misread ("a 51 year oid female",
    "43 year old femalc", "58-ycar-old") or marked ("60 yeur.old male", "a 33. year old male"): read
    again with those words (imrdb.spelling; the words of the phrase count as words the letter uses) and
    marks put right; what that finds, with a warning."""
    from imrdb.spelling import correct_words, letter_words

    summary, changes = correct_words(letter.case_summary, letter_words(text) | p.AGE_SEX_WORDS, p.OCR_LETTERS)
    misread = [f"{word!r} as {right!r}" for word, right in changes if right.lower() in p.AGE_SEX_WORDS]
    marks = [f"the mark {match[0]!r} after {summary[max(match.start() - 5, 0): match.start()].split()[-1]!r} as a space"
             for match in p.OCR_AGE_MARK.finditer(summary)]
    digits = [f"{summary[match.start() - 1: match.end()]!r} as {summary[match.start() - 1] + '1'!r}"
              for match in p.OCR_AGE_DIGIT.finditer(summary)]
    if not misread and not marks and not digits:
        return
    summary = p.OCR_AGE_DIGIT.sub("1", p.OCR_AGE_MARK.sub(" ", summary))
    read = Letter(case_summary=summary, date_of_injury=letter.date_of_injury)
    read_patient(read)
    how = ", ".join(misread + marks + digits)
    for field, what in (("patient_age", "age"), ("patient_sex", "sex")):
        if getattr(letter, field) is None and getattr(read, field) is not None:
            setattr(letter, field, getattr(read, field))
            letter.warnings.append(f"patient {what} read from the summary taking OCR's {how}")


def read_ocr_patient_loosely(letter: Letter) -> None:
    """Age and sex from an OCR'd summary's first "<age> year old <sex>" whatever OCR made of its words
    (p.OCR_AGE_SEX_LOOSE: "a 24 yeat old male", "a 34-yedr-old male", "a 60 year old mile", "a4 year old
    male"), where the readings before found nothing: the age where no letter or mark is glued to it
    (in "a4" or "4]", a digit is lost), the sex where the word after "old" is one edit from one word for
    it; each with a warning."""
    summary = letter.case_summary
    match = p.OCR_AGE_SEX_LOOSE.search(summary)
    exact = p.AGE_SEX.search(summary)
    if match is None or (exact is not None and exact.start() < match.start(2)):
        return  # the phrase read right comes first: the readings before had it
    glued, digits, _, _, word = match.groups()
    phrase = match[0].rstrip(" ,")
    after = summary[match.end(2): match.end(2) + 1]
    if letter.patient_age is None:
        if glued or after in p.OCR_ONE_READINGS:  # "a4 year old", "a 4] year old", "a 6) year old": a digit lost
            letter.warnings.append(f"patient age read by OCR as {phrase!r}: a digit may be misread, left out")
        elif WORKER_AGES[0] <= int(digits) <= WORKER_AGES[1]:
            letter.patient_age = int(digits)
            letter.warnings.append(f"patient age read by OCR as {phrase!r}: taken as {digits}")
    sex = _sex_word(word or "")
    if letter.patient_sex is None and sex is not None:
        letter.patient_sex = sex
        letter.warnings.append(f"patient sex read by OCR as {phrase!r}: taken as {sex}")


def _sex_word(word: str) -> str | None:
    """"male" or "female" for a word that is one (accents aside, "malé"; with two letters OCR reads for an
    "m" made one, "inale"), or is one edit from just one of its words ("mule", "femalc")."""
    lower = unicodedata.normalize("NFKD", word.lower()).encode("ascii", "ignore").decode()
    for reading in (lower, *(lower.replace(pair, "m") for pair in p.OCR_M_READINGS)):  # "inale", "niale", "rnale"
        if reading in p.FEMALE_WORDS:
            return "female"
        if reading in p.MALE_WORDS:
            return "male"
    lower = lower.replace("rn", "m")
    if len(lower) < 4:
        return None
    near = {sex for sex, words in (("female", p.FEMALE_WORDS), ("male", p.MALE_WORDS))
            for known in words if len(known) >= 4 and Levenshtein.distance(lower, known) <= 1}
    return near.pop() if len(near) == 1 else None


def ocr_heading_fixer(letter: Letter, text: str):
    """For an OCR'd letter's item headings: each word misread that `imrdb.spelling` can put right put
    right ("MRI of the umbar spine", "The original reauest"), before the heading is read, with a warning."""
    from imrdb.spelling import Copies, correct_words, join_split_words, letter_words, without_accents

    used = letter_words(text)
    copies = Copies(text)

    def spell(heading: str, changes: list, doubts: list) -> str:
        heading, plain = without_accents(heading)
        changes += plain
        heading, agreed, unsure = _agree_in_parts(copies, heading)
        changes += agreed
        doubts += [doubt for doubt in unsure if doubt not in doubts]
        heading, agreed = copies.abbreviations(heading)
        changes += agreed
        heading, joined = join_split_words(heading)
        changes += joined
        heading, corrected = correct_words(heading, used)
        changes += corrected
        heading, corrected = correct_words(heading, used, p.OCR_HYPHENED_PART)
        changes += corrected
        return heading

    def fix(heading: str, position: int) -> str:
        changes: list[tuple[str, str]] = []
        doubts: list[tuple[str, str]] = []
        heading = spell(heading, changes, doubts)
        marked = len(changes)
        for pattern, replace in _OCR_HEADING_MARKS_FIXES:
            heading = _replace_noting(heading, pattern, replace, changes)
        if len(changes) > marked:  # a mark put right can part a word from the one it was glued to ("Celecoxih'200mg")
            heading = spell(heading, changes, doubts)
        for read, elsewhere in doubts:
            letter.warnings.append(f"item {position} heading: {read!r} read by OCR, where the letter says it "
                                   f"again {elsewhere!r}: check it against the file")
        for read, right in changes:
            letter.warnings.append(f"item {position} heading: {read!r} read by OCR, taken as {right!r}")
        return heading

    return fix


def _agree_in_parts(copies, heading: str) -> tuple[str, list, list]:
    """`Copies.agree` for a heading; for a modified request's, for its original request and the item
    remaining apart ("Acupuncture 18 sessions was the original request. ... The remaining IMR eligible
    portion of the original request, 7 Acupuncture 12 sessions is"): the letter says each of them
    elsewhere, never the whole heading."""
    original = p.MODIFIED_ORIGINAL.search(heading)
    if not original:
        return copies.agree(heading)
    spans = [(0, original.start())]
    remaining = p.MODIFIED_REMAINING.search(heading, original.end())
    if remaining:
        spans.append(remaining.span("description"))
    changes: list = []
    doubts: list = []
    parts = [set(heading[start:end].split()) for start, end in spans]
    for index, (start, end) in reversed(list(enumerate(spans))):
        right, more, unsure = copies.agree(heading[start:end])
        others = set().union(*(words for other, words in enumerate(parts) if other != index))
        # the other part is no misreading of this one: "Acupuncture 18 sessions" was asked, "12" remain, and
        # the remaining "Trezix capsule 30.5/30/L6mg" is not the "320.5/30/16mg" asked
        if any(any(character.isdigit() for character in taken) and taken in others for _, taken in more):
            right, more = heading[start:end], []
        heading = heading[:start] + right + heading[end:]
        changes[:0], doubts[:0] = more, [doubt for doubt in unsure if doubt[1] not in others]
    return heading, changes, doubts


# What a heading's marks and digits OCR misread are put right with ("5% /Dextromethorphan", "30/L6mg", "MRI-of",
# "L4.5", "5 %", "#90)", "base.240g", "PT'T").
_OCR_HEADING_MARKS_FIXES = ((p.OCR_SLASH_SPACE, "/"), (p.OCR_DOSE_ONE, "1"),
                            (p.OCR_JOINED_SHORT_WORD, lambda match: match[0][:-1] + " "),
                            (p.OCR_STOP_IN_HEADING, ""), (p.OCR_HYPHEN_BEFORE_WORD, ""),
                            (p.OCR_DECIMAL_COMMA, "."), (p.OCR_MARK_AT_HEADING_END, ""),
                            (p.OCR_OPENING_QUOTE, ""), (p.OCR_QTY_SEMICOLON, ":"),
                            (p.OCR_BRACE, lambda match: "(" if match[0] == "{" else match[1] + ")"),
                            (p.OCR_SPINE_LEVEL_FIVE, "5"), (p.OCR_SACRAL_ONE, "1"),
                            (p.OCR_MRI, "MRI"),
                            (p.OCR_SPINE_LEVEL_STOP, "-"), (p.OCR_SPACE_BEFORE_PERCENT, ""),
                            (p.OCR_PERCENT_FIVE, "5"),
                            (p.OCR_STOP_BEFORE_NUMBER, " "), (p.OCR_APOSTROPHE_IN_CAPITALS, ""),
                            (p.OCR_APOSTROPHE_FOR_SPACE, " "),
                            (p.OCR_BANG_FOR_ONE, "1"), (p.OCR_BANG_AFTER_WORD, ""),
                            (p.OCR_SPACE_IN_PARENTHESES, ""), (p.OCR_STOP_AFTER_DIGIT, " "),
                            (p.OCR_MARK_AFTER_COMMA, " "), (p.OCR_LONE_COLON, ""), (p.OCR_GLUED_COLON, " "),
                            (p.OCR_LONE_LETTER, ""),
                            (p.OCR_LABEL_WITHOUT_COLON, "Associated surgical service:"),
                            (p.OCR_SECOND_COLON, lambda match: "" if ":" in match.string[:match.start()] else ":"),
                            (p.OCR_DOUBLE_PARENTHESIS, ""), (p.OCR_SPACE_AFTER_HYPHEN, ""),
                            (p.OCR_STOP_BEFORE_QUANTITY, " "),
                            (p.OCR_APOSTROPHE_BEFORE_PARENTHESIS, " "), (p.OCR_QTY, "QTY"),
                            (p.OCR_UNCLOSED_PARENTHESIS, lambda match: match[0] + ")"),
                            (p.OCR_STOP_AFTER_A, " "), (p.OCR_VS, "vs"), (p.OCR_DOSE_ME, "mg"),
                            (p.OCR_STOP_BEFORE_PARENTHESIS, ""),
                            (p.OCR_SPINE_LEVEL_FIVE_TWICE, ""), (p.OCR_DOSE_FIVE, "5"),
                            (p.OCR_CLOSE_PARENTHESIS_AT_END,
                             lambda match: ")" if "(" in match.string[:match.start()] else ""))


def _replace_noting(text: str, pattern: re.Pattern, replace, changes: list[tuple[str, str]]) -> str:
    """`pattern.sub(replace, text)`, each change noted in `changes` as the words around it, read and taken;
    `replace` a string or a function of the match."""
    pieces, last = [], 0
    for match in pattern.finditer(text):
        right = replace if isinstance(replace, str) else replace(match)
        if right == match[0]:
            continue
        start = text.rfind(" ", 0, match.start()) + 1
        end = len(text) if (space := text.find(" ", match.end())) < 0 else space
        changes.append((text[start:end], text[start:match.start()] + right + text[match.end():end]))
        pieces += [text[last:match.start()], right]
        last = match.end()
    return "".join(pieces) + text[last:]


def injury_date_from_summary(summary: str) -> str | None:
    """The first date the summary ties to the injury, for letters with no header."""
    candidates = []
    before = p.DATE_THEN_INJURY.search(summary)
    if before:
        candidates.append((before.start(), before[1]))
    for lead in p.INJURY_THEN_DATE.finditer(summary):
        date = p.ANY_DATE.match(summary, lead.end())
        if date:
            candidates.append((lead.start(), date[0]))
            break
    for _, value in sorted(candidates):
        parsed = parse_date(value)
        if parsed:
            return parsed
    return None


# ---------------------------------------------------------------------------------------------
# Disputed items
# ---------------------------------------------------------------------------------------------

_LABEL_FIELD = {"claims administrator guideline": "claims_administrator", "maximus guideline": "imr_reviewer",
                "decision rationale": "rationale"}


def read_items(issues: str, path: str | None = None, fix_heading=None,
               ocr_warnings: list[str] | None = None) -> list[DisputedItem]:
    """The disputed items; `fix_heading(heading, position)`, if given, is applied to each heading first.
    With `ocr_warnings` (an OCR'd letter's), a heading whose decision OCR could not read takes it from
    its rationale's conclusion, with a warning; one whose rationale concludes nothing is left out."""
    body = issues.lstrip()
    intro = p.ISSUES_INTRO.search(body)
    if intro:
        before = body[:intro[0]]
        if ocr_warnings is not None and not p.OCR_LONG_WORD.search(before):
            before = ""  # specks a scan left between the section's title and its first line ("wt\nrnd")
        body = before + body[intro[1]:]
    decisions = decision_lines(body)
    if ocr_warnings is not None:
        found = {end for _, end, _ in decisions}
        from imrdb.spelling import known_words

        known = known_words()
        decisions = sorted(decisions + [
            (match.start(), match.end(), "") for match in p.OCR_UNREAD_DECISION.finditer(body)
            if match.end() not in found
            and not any(len(word) > 2 and word.lower() in known for word in (match["word"] or "").split())])
        # one whose decision was not read right after another item's decision, with no label of that item
        # between, is a speck's line ("...without contrast: Upheld\n\npayin:\nClaims Administrator guideline:")
        decisions = [decision for index, decision in enumerate(decisions)
                     if decision[2] or not index
                     or next(p.ITEM_LABEL.spans(body, decisions[index - 1][1], decision[0]), None) is not None]
    if not decisions:
        raise ParseError("letter is cut off before its decisions (no item ends in ': Upheld' or ': Overturned')", path)
    starts: list[int] = []
    headings: list[str] = []
    # the labels between one decision and the next: the previous item's, ahead of the next heading
    labels_after: list[list[tuple[int, re.Match]]] = []
    previous_end = 0
    lowered = body.lower()
    for decision_start, decision_end, _ in decisions:
        labels = list(p.ITEM_LABEL.spans(body, previous_end, decision_start))
        start = heading_start(body, previous_end, decision_start, lowered, labels,
                              p.SENTENCE_END if ocr_warnings is None else p.OCR_SENTENCE_END)
        starts.append(start)
        headings.append(body[start: decision_start])
        labels_after.append(labels)
        previous_end = decision_end
    labels_after.append(list(p.ITEM_LABEL.spans(body, previous_end)))
    items = []
    for index, (decision_start, decision_end, decision) in enumerate(decisions):
        end = starts[index + 1] if index + 1 < len(decisions) else len(body)
        item = DisputedItem(position=len(items) + 1, description="", decision=decision.capitalize())
        heading = unwrap(headings[index] if ocr_warnings is None else _after_rationale(_after_specks(headings[index])))
        read_heading(fix_heading(heading, item.position) if fix_heading else heading, item)
        read_item_body(body, labels_after[index + 1], end, item)
        if not decision:  # OCR could not read it: the rationale's conclusion says it, or the item is left out
            read = body[decision_start: decision_end].strip(": \t\n")
            read = f"read by OCR as {read!r}" if read else "not read by OCR"
            if item.medically_necessary is None:
                ocr_warnings.append(f"a heading's decision {read}, and its rationale concludes "
                                    f"nothing: item left out ({item.description[:60]})")
                continue
            item.decision = "Overturned" if item.medically_necessary else "Upheld"
            ocr_warnings.append(f"item {item.position} decision {read}: taken as {item.decision} "
                                f"from its rationale's conclusion (medically necessary: {item.medically_necessary})")
        items.append(item)
    if not any(item.rationale for item in items):
        raise ParseError("letter has decisions but no rationale ('Decision rationale:' missing)", path)
    return items


def _after_specks(heading: str) -> str:
    """An OCR'd heading without the lines ahead of it that hold no word of four letters (specks a scan
    left after the last rationale or the section's first line: "' ' a\nCustom touch back heat therapy
    pad", "7\nRight Shoulder Arthroscopy ..."): a heading wraps only a full line, which has one."""
    lines = heading.lstrip("\n").split("\n")
    while len(lines) > 1 and not p.OCR_LONG_WORD.search(lines[0]):
        lines.pop(0)
    return "\n".join(lines)


def _after_rationale(heading: str) -> str:
    """An OCR'd heading without the lines ahead of it that end the previous rationale's conclusion with
    its last words misread or lost ('Given the above, the request for "..." is not medically\nMARS MRI
    scan of lumbar spine', "the request is not\nmedically wc i\nBack support"): no heading has the word
    "medically" in it."""
    lines = heading.split("\n")
    for index in range(len(lines) - 2, -1, -1):
        if p.OCR_CONCLUSION_CUT.search(lines[index]):
            return "\n".join(lines[index + 1:])
    return heading


def decision_lines(body: str) -> list[tuple[int, int, str]]:
    """(start, end, decision) of each heading's closing ": Upheld" or " : Overturned."; a space before
    the colon belongs to it."""
    decisions = []
    for match in p.DECISION_LINE.finditer(body):
        start = match.start()
        if start and body[start - 1] == " ":
            start -= 1
        decisions.append((start, match.end(), match[1]))
    return decisions


def heading_start(body: str, lower: int, decision_start: int, lowered: str | None = None,
                  labels: list[tuple[int, re.Match]] | None = None, sentence_end: re.Pattern = p.SENTENCE_END) -> int:
    """Where the heading that ends at `decision_start` begins.

    It begins after the previous rationale's last sentence: after its concluding "... (not)
    medically necessary." and after any sentence end that follows (a full stop ending a line, run
    straight into a capital, or followed by a space and a capital in re-flowed text). A modified
    request's heading holds sentences of its own, so for one the search starts before
    "... was the original request.". `lowered` is body.lower() and `labels` the item labels between
    `lower` and `decision_start`, when the caller has them; `sentence_end` is p.OCR_SENTENCE_END for
    OCR'd text.
    """
    if labels is None:
        labels = list(p.ITEM_LABEL.spans(body, lower, decision_start))
    floor = labels[-1][1].end() if labels else lower
    if not labels:
        return _skip_space(body, floor, decision_start)
    # the previous rationale's concluding sentence ends before the heading, whatever the line breaks
    for conclusion in p.CONCLUSION_END.finditer(body, floor, decision_start, lowered):
        floor = conclusion.end()
    start = _last_sentence_end(body, floor, decision_start, sentence_end)
    if p.MODIFIED_TAIL.match(body, start, decision_start):
        original = None
        for original in p.MODIFIED_ORIGINAL.finditer(body, floor, start):
            pass
        if original is not None:
            start = _last_sentence_end(body, floor, original.start(), sentence_end)
    return _skip_space(body, start, decision_start)


def _last_sentence_end(body: str, lower: int, upper: int, sentence_end: re.Pattern = p.SENTENCE_END) -> int:
    start = lower
    for end in sentence_end.finditer(body, lower, upper):
        start = end.end()
    return start


def _skip_space(body: str, start: int, end: int) -> int:
    while start < end and body[start] in " \n":
        start += 1
    return start


def read_heading(heading: str, item: DisputedItem) -> None:
    """Description, and for a modified request the original and the authorized request."""
    heading = heading.strip().rstrip(":").strip()
    original = p.MODIFIED_ORIGINAL.search(heading)
    if original:
        item.original_request = heading[: original.start()].strip()
        rest = heading[original.end():]
        remaining = p.MODIFIED_REMAINING.search(rest)
        if remaining:
            item.description = remaining["description"].strip(" ,:")  # "..., Partial Hospitalization day treatment: is"
            middle = rest[: remaining.start()]
        else:
            item.description = item.original_request
            middle = rest
        authorized = p.MODIFIED_AUTHORIZED.search(middle) or p.MODIFIED_CA_AUTHORIZED.search(middle)
        if authorized:
            item.authorized_request = authorized["authorized"].strip()
    elif remaining := p.MODIFIED_REMAINING.match(heading):
        # its closing sentence alone, the ones before it lost (a scan's line OCR did not read): what remains
        item.description = remaining["description"].strip(" ,:")
    else:
        item.description = heading


def read_item_body(body: str, labels: list[tuple[int, re.Match]], end: int, item: DisputedItem) -> None:
    """The labelled parts of an item whose body ends at `end`; `labels` are the item labels in it."""
    parts: dict[str, str] = {}
    for index, (_, label) in enumerate(labels):
        part_end = labels[index + 1][0] if index + 1 < len(labels) else end
        field = _LABEL_FIELD[" ".join(label["label"].lower().split())]
        part = body[label.end(): part_end]
        parts[field] = (parts[field] + " " + part).strip() if field in parts else part.strip()
    item.rationale = unwrap(parts.get("rationale", ""))
    item.medically_necessary = conclusion(item.rationale)
    for role in ("claims_administrator", "imr_reviewer"):
        if role in parts:
            item.citations.extend(parse_guideline_text(unwrap(parts[role]), role))


def conclusion(rationale: str) -> bool | None:
    """True for "... is medically necessary", False for "... is not medically necessary"."""
    last = None
    lowered = rationale.lower()
    # the conclusion is almost always in the last sentences: look there first
    tail_start = max(0, len(rationale) - 600)
    for last in p.MEDICAL_NECESSITY.finditer(rationale, tail_start, lowered=lowered):
        pass
    if last is None and tail_start:
        for last in p.MEDICAL_NECESSITY.finditer(rationale, 0, tail_start + 40, lowered):
            pass
    if last is None:
        return None
    sentence_start = max(rationale.rfind(". ", 0, last.start()), last.start() - 80, 0)
    return not p.NEGATION_BEFORE.search(rationale, sentence_start, last.start(), lowered)


# ---------------------------------------------------------------------------------------------
# Checks: a letter that parses but looks wrong is stored with warnings
# ---------------------------------------------------------------------------------------------


def check_letter(letter: Letter) -> None:
    warn = letter.warnings.append
    if not letter.case_number:
        warn("no case number in the letter")
    if not letter.reviewer.specialties:
        warn("reviewer's certifications not found")
    if letter.patient_age is not None and not WORKER_AGES[0] <= letter.patient_age <= WORKER_AGES[1]:
        warn(f"patient age {letter.patient_age} is outside {WORKER_AGES[0]}-{WORKER_AGES[1]}")
    if letter.decision_date and letter.application_received and letter.decision_date < letter.application_received:
        warn(f"decision date {letter.decision_date} is before the application date {letter.application_received}")
    for item in letter.items:
        label = f"item {item.position} ({item.description[:60]})"
        if not item.description:
            warn(f"item {item.position} has no description")
        if not item.rationale:
            warn(f"{label} has no rationale")
        elif item.medically_necessary is not None and item.medically_necessary == (item.decision == "Upheld"):
            necessary = "medically necessary" if item.medically_necessary else "not medically necessary"
            warn(f"{label} is {item.decision} but its rationale concludes it is {necessary}")
        if not any(c.role == "imr_reviewer" for c in item.citations):
            warn(f"{label} has no reviewer guideline citation")
