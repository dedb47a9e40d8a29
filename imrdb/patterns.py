"""The regular expressions that read letter text, in one place, named and commented.

Every pattern here is bounded (no nested unbounded repetition) so that no input can make it
backtrack for long; tests/test_patterns.py pins each one to the real sentence it was written for.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator


class LineStartPattern:
    """A pattern that matches only at the start of a line, searched fast.

    Python's re tries a pattern that begins with a MULTILINE "^" at every position of the text, but
    skips straight to the candidates of one that begins with a literal character. So this searches for
    the line break before a match and tries the start of the search apart: search() and spans() find
    exactly the matches of the "^" pattern in a fraction of the time (spans() needs a pattern that
    never ends in a line break, which the next match may need).
    """

    def __init__(self, pattern: str, flags: int = 0) -> None:
        self.at_line_start = re.compile("^(?:" + pattern + ")", flags | re.MULTILINE)
        self.after_break = re.compile(r"\n(?:" + pattern + ")", flags | re.MULTILINE)

    def spans(self, text: str, pos: int = 0, endpos: int = sys.maxsize) -> Iterator[tuple[int, re.Match]]:
        """(start, match) of each match in text[pos:endpos]; a match after a line break starts after it."""
        first = self.at_line_start.match(text, pos, endpos)
        if first is not None:
            yield first.start(), first
            pos = first.end()
        for match in self.after_break.finditer(text, pos, endpos):
            yield match.start() + 1, match

    def search(self, text: str, pos: int = 0) -> tuple[int, int] | None:
        """(start, end) of the first match in text[pos:], or None."""
        match = self.at_line_start.match(text, pos)
        if match is not None:
            return match.span()
        match = self.after_break.search(text, pos)
        return None if match is None else (match.start() + 1, match.end())


class LeadingWordPattern:
    """A case-insensitive pattern whose every match starts with one word, searched fast.

    Python's re tries a case-insensitive pattern at every position of the text, while str.find skips
    to a word many times faster. Lower-casing ASCII text keeps every character where it was, so
    finditer() tries the pattern only where the lower-cased text holds the word and finds exactly
    the pattern's matches; text that is not ASCII is searched by the pattern alone.
    """

    def __init__(self, word: str, pattern: str, flags: int = 0) -> None:
        if not (word.isascii() and word.isalpha() and word.islower()
                and pattern.lower().startswith((word, "\\b" + word))):
            raise ValueError(f"pattern {pattern!r} must start with {word!r}, a word of lower-case ASCII letters")
        self.word = word
        self.pattern = re.compile(pattern, flags | re.IGNORECASE)

    def finditer(self, text: str, pos: int = 0, endpos: int = sys.maxsize,
                 lowered: str | None = None) -> Iterator[re.Match]:
        """The matches of the pattern in text[pos:endpos]; `lowered` is text.lower() when the caller has it."""
        if not text.isascii():
            yield from self.pattern.finditer(text, pos, endpos)
            return
        if lowered is None:
            lowered = text.lower()
        endpos = min(endpos, len(text))
        while (start := lowered.find(self.word, pos, endpos)) >= 0:
            match = self.pattern.match(text, start, endpos)
            if match is None:
                pos = start + 1
            else:
                yield match
                pos = match.end()  # never empty: a match holds the word

    def search(self, text: str, lowered: str | None = None) -> re.Match | None:
        """The first match in the text, or None."""
        return next(self.finditer(text, lowered=lowered), None)

    def sub(self, replacement: str, text: str, lowered: str | None = None) -> str:
        """The text with each match replaced by `replacement` (taken literally)."""
        pieces = []
        previous = 0
        for match in self.finditer(text, lowered=lowered):
            pieces += (text[previous: match.start()], replacement)
            previous = match.end()
        if not pieces:
            return text
        pieces.append(text[previous:])
        return "".join(pieces)


class LowerCasePattern:
    """A case-insensitive pattern written in lower case, searched fast in lower-cased text.

    Matched case-sensitively against lower-cased ASCII text (where every character stays where it
    was) it finds what it finds case-insensitively in the text itself, and the regex engine can skip
    ahead to its first letters, which it cannot do when ignoring case.
    """

    def __init__(self, pattern: str, flags: int = 0) -> None:
        if pattern != pattern.lower():
            raise ValueError(f"pattern {pattern!r} must be written in lower case")
        self.pattern = re.compile(pattern, flags | re.IGNORECASE)
        self.in_lowered = re.compile(pattern, flags)

    def search(self, text: str, pos: int = 0, endpos: int = sys.maxsize,
               lowered: str | None = None) -> re.Match | None:
        """The first match in text[pos:endpos] (in `lowered`, text.lower(), when the text is ASCII)."""
        if text.isascii():
            return self.in_lowered.search(text.lower() if lowered is None else lowered, pos, endpos)
        return self.pattern.search(text, pos, endpos)


# ---------------------------------------------------------------------------------------------
# Cleaning: markup and layout
# ---------------------------------------------------------------------------------------------

# HTML tags that letters published as web pages carry. Only known tag names are removed, because
# citation text uses angle brackets of its own: "Official Disability Guidelines (ODG) <Pain>".
HTML_TAG = re.compile(
    r"</?(?:b|strong|i|em|u|p|br|div|span|h[1-6]|table|thead|tbody|tr|td|th|html|body|head|title"
    r"|font|center|ul|ol|li|pre|sup|sub|hr|section|article|main|header|footer|meta|link)\b[^<>]{0,500}>",
    re.IGNORECASE,
)
# Tags that end a line of text when a page is rendered.
HTML_BREAK = re.compile(r"<(?:br|/p|/div|/h[1-6]|/tr|/li|hr)\b[^<>]{0,200}>", re.IGNORECASE)
HTML_SCRIPT_STYLE = re.compile(r"<(script|style)\b[^>]{0,500}>.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
# Markdown: "### CLINICAL CASE SUMMARY", "**Decision rationale:**", "__x__", "> quoted".
MARKDOWN_HEADING = re.compile(r"^[ \t]{0,3}#{1,6}[ \t]+", re.MULTILINE)
MARKDOWN_EMPHASIS = re.compile(r"\*\*|__")
# A case number repeated alone on a line, as a running page header does: kept only the first time.
CASE_NUMBER_LINE = LineStartPattern(r"(?:IMR\s+)?Case\s+Number\s*:?\s*CM\d{2}-\d{5,8}[ \t]*$", re.MULTILINE | re.IGNORECASE)
# Running page furniture some publishers add: "Page 2 of 5" alone on a line.
PAGE_FOOTER = re.compile(r"\n[ \t]*Page[ \t]+\d{1,3}[ \t]+of[ \t]+\d{1,3}[ \t]*(?=\n|$)", re.IGNORECASE)
UNICODE_SPACE = re.compile(r"[\u00a0\u2000-\u200b\u202f\u205f\u3000]")

# Labels that always begin a line in a well-formed letter. PDF text extraction sometimes runs
# them into the previous line ("... without contrast: UpheldClaims Administrator guideline:"),
# so cleaning puts each back at the start of a line. Written to start with a literal word so the
# regex engine can skip ahead to candidates quickly.
LINE_LABEL = re.compile(
    r"Claims\s+Administrator\s+guideline\s*:"
    r"|MAXIMUS\s+guideline\s*:"
    r"|Decision\s+rationale\s*:"
    r"|HOW\s+THE\s+IMR\s+FINAL\s+DETERMINATION\s+WAS\s+MADE"
    r"|CLINICAL\s+CASE\s+SUMMARY"
    r"|IMR\s+ISSUES?,?\s+DECISIONS?,?\s+AND\s+RATIONALES?"
    r"|The\s+Final\s+Determination\s+was\s+based\s+on\s+decisions"
    r"|The\s+Expert\s+Reviewer\s+has\s+the\s+following\s+credentials\s*:"
    r"|State\(s\)\s+of\s+Licensure\s*:"
    r"|Certification\(s\)\s*/\s*Specialty\s*:"
)
# "set forth below:MRI of the right knee" - the first item heading run into the intro line.
# It starts at the colon (the words are looked at behind it) so the regex engine skips from colon to colon.
RUN_IN_AFTER_INTRO = re.compile(r":(?<=set forth below:)[ \t]*(?=\S)")
# "... for the cervical, thoracic, and lumbar: \nOverturned": a decision wrapped onto its own line.
WRAPPED_DECISION = re.compile(r":[ \t]*\n[ \t]*(?=(?:Upheld|Overturned)[ \t]*\.?[ \t]*(?:\n|$))", re.IGNORECASE)
# Two or more spaces (starting with a literal pair keeps the scan fast: such runs are rare).
SPACE_RUN = re.compile(r"  +")
# Letters are not hyphenated for justification, so a line ending in a hyphen is a compound word
# ("non-\ncertified"): unwrapping keeps the hyphen and drops the break. The letter before the
# hyphen is looked at behind it, so the pattern starts with the literal "-\n" the engine skips to.
HYPHEN_BREAK = re.compile(r"-\n(?<=[A-Za-z]-\n)(?=[A-Za-z])")

# ---------------------------------------------------------------------------------------------
# Sections
# ---------------------------------------------------------------------------------------------

# Section titles are upper case in every letter; matching them case-sensitively keeps prose such
# as "the following clinical case summary based on a review" from being taken for a title.
SECTION_HOW = LineStartPattern(r"HOW\s+THE\s+IMR\s+FINAL\s+DETERMINATION\s+WAS\s+MADE\s*$")
SECTION_SUMMARY = LineStartPattern(r"CLINICAL\s+CASE\s+SUMMARY\s*$")
SECTION_ISSUES = LineStartPattern(r"IMR\s+ISSUES?,?\s+DECISIONS?,?\s+AND\s+RATIONALES?\s*$")

SUMMARY_INTRO = re.compile(
    r"^The\s+expert\s+reviewer\s+developed\s+the\s+following\s+clinical\s+case\s+summary\b[^:]{0,200}:\s*",
    re.IGNORECASE,
)
ISSUES_INTRO = LineStartPattern(
    r"The\s+Final\s+Determination\s+was\s+based\s+on\s+decisions\b[^:]{0,200}?set\s+forth\s+below\s*:\s*",
    re.IGNORECASE,
)

# ---------------------------------------------------------------------------------------------
# Header: "Case Number: CM14-0039927", "Date Assigned: 06/27/2014  Date of Injury: 05/17/2004" ...
# The header is read as one line with single spaces, so labels wrapped over lines
# ("Priority: Standard Application \nReceived: \n01/17/2017") read the same.
# ---------------------------------------------------------------------------------------------

CASE_NUMBER = re.compile(r"\b(CM\d{2}-\d{5,8})\b")
CASE_NUMBER_LABELLED = re.compile(r"Case\s+Number\s*:\s*(CM\d{2}-\d{5,8})\b", re.IGNORECASE)

_DATE_VALUE = r"(\d{1,2}[/-]\d{1,2}[/-]\d{2,4}|[A-Z][a-z]{2,8}\.?\s+\d{1,2},?\s+\d{4})"
HEADER_DATE_FIELDS = {
    "date_assigned": re.compile(r"Date\s+Assigned\s*:\s*" + _DATE_VALUE, re.IGNORECASE),
    "date_of_injury": re.compile(r"Date\s+of\s+Injury\s*:\s*" + _DATE_VALUE, re.IGNORECASE),
    "decision_date": re.compile(r"Decision\s+Date\s*:\s*" + _DATE_VALUE, re.IGNORECASE),
    "ur_denial_date": re.compile(r"UR\s+Denial\s+Date\s*:\s*" + _DATE_VALUE, re.IGNORECASE),
    "application_received": re.compile(
        r"Application\s+Received\s*:\s*" + _DATE_VALUE, re.IGNORECASE
    ),
}
PRIORITY = re.compile(r"Priority\s*:\s*(Standard|Expedited)\b", re.IGNORECASE)

# ---------------------------------------------------------------------------------------------
# Dates
# ---------------------------------------------------------------------------------------------

NUMERIC_DATE = re.compile(r"\b(\d{1,2})[/-](\d{1,2})[/-](\d{4}|\d{2})\b")
MONTH_NAMES = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
    "jul": 7, "aug": 8, "sep": 9, "sept": 9, "oct": 10, "nov": 11, "dec": 12,
}
# "July 30, 2002", "November 09, 2016", "Aug. 13 2009"
MONTH_DATE = re.compile(
    r"\b(Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
    r"|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?\s+(\d{1,2}),?\s+(\d{4})\b"
)
ANY_DATE = re.compile(NUMERIC_DATE.pattern + "|" + MONTH_DATE.pattern)

# Date of injury in the summary, for letters with no header:
#   "industrial injury of July 30, 2002", "reported an injury on 06/16/2010",
#   "sustained an industrial injury on August 13, 2009", "with a date of injury on 10-27-2016",
#   "an occupational claim from 10/18/2016", "industrial injury date of 12-03-2016".
INJURY_THEN_DATE = re.compile(
    r"\b(?:injur(?:y|ies|ed)|date\s+of\s+injury|DOI|occupational\s+claim|claim)\b"
    r"[^.;\n]{0,40}?\b(?:on|of|from|dated|date\s+of|in)\s*:?\s*(?=\S)",
    re.IGNORECASE,
)
#   "a 9/10/01 date of injury", "an October 2, 2012 date of injury"
DATE_THEN_INJURY = re.compile(
    r"(" + ANY_DATE.pattern + r")\s+(?:date\s+of\s+(?:industrial\s+)?injury|industrial\s+injury|DOI)\b",
    re.IGNORECASE,
)

# ---------------------------------------------------------------------------------------------
# Patient: "a 77-year-old female", "a 48 year old male", "is a 53-year-old female"
# ---------------------------------------------------------------------------------------------

AGE_SEX = re.compile(
    r"\b(\d{1,3})[\s-]{0,3}(?:year|yr)s?[\s-]{0,3}old\b[\s,]{0,3}"
    r"(?:(?:[A-Za-z]+[\s-]?){0,3}?\b(male|female|man|woman|gentleman|lady|boy|girl)\b)?",
    re.IGNORECASE,
)
FEMALE_WORDS = frozenset({"female", "woman", "lady", "girl"})
MALE_WORDS = frozenset({"male", "man", "gentleman", "boy"})
# The words AGE_SEX reads by, for putting OCR's readings of them right ("ycar oid femalc").
AGE_SEX_WORDS = frozenset({"year", "years", "old", "yr", "yrs"}) | FEMALE_WORDS | MALE_WORDS
# A mark OCR read for the space or hyphen between "year" and "old" ("a 60 yeur.old male"), or after the
# age ("a 33. year old male").
# A character OCR may have read for a digit, glued to a number ("a $2 year old", "a4 year old").
OCR_DIGIT_LIKE = re.compile(r"[A-Za-z$!|§&]")
# "!" or "l" read for an age's last digit "1" ("a 5! year old female").
OCR_AGE_DIGIT = re.compile(r"(?<=\b\d)[!|lIi](?=[\s-]{0,3}y)")  # ... or "i" ("a 5i year old female")
OCR_AGE_MARK = re.compile(r"(?<=\byear)[.,'’](?=old\b)|(?<=\byears)[.,'’](?=old\b)|(?<=\d)[.,](?= year)", re.IGNORECASE)
# The phrase as OCR may read every word of it ("a4 year old male", "a 24 yeat old male", "a 34-yedr-old male",
# "a 60 year old mile", "39-yéar-old", "a4] your.old malé", "a 63- ~year-old male", "39- “yeur- -old male"):
# a mark or letter glued before the age, a word of "y" and two to four letters for "year", one of "o" (or a
# letter OCR reads for it: "60 year éld male", "24 year ald male"; or lost: "63 year ld male") and "d" for
# "old", and the next word (the sex, if one edit from a word for it).
OCR_AGE_SEX_LOOSE = re.compile(
    r"(?<![\w$!|§&])([A-Za-z$!|§&]?)(\d{1,3})[\s.,|\])~'‘’\"“”-]{0,4}(y[^\W\d_]{1,4})[\s.,'‘’\"“”-]{0,4}((?:[oaeéó][^\W\d_1]{0,2}|l)d)\b[\s,.'‘’\"“”-]{0,3}"
    r"([^\W\d_]{3,8})?",
    re.IGNORECASE,
)
SEX_PRONOUN_FEMALE = re.compile(r"\b(?:she|her|hers|herself|Mrs|Ms)\b", re.IGNORECASE)
SEX_PRONOUN_MALE = re.compile(r"\b(?:he|him|his|himself|Mr)\b", re.IGNORECASE)

# ---------------------------------------------------------------------------------------------
# Reviewer credentials
# ---------------------------------------------------------------------------------------------

# Block style: "State(s) of Licensure: Texas,New York,California" /
#              "Certification(s)/Specialty: Preventive Medicine, Occupational Medicine"
# Each block ends where the other begins, or the summary does, or (in OCR'd text read out of order) the
# line that comes before both: "Occupational Medicine\nThe Expert Reviewer has the following credentials:".
LICENSURE_BLOCK = re.compile(r"State\(s\)\s+of\s+Licensure\s*:\s*(.{0,400}?)\s*(?=Certification\(s\)|CLINICAL\s+CASE\s+SUMMARY"
                             r"|The\s+Expert\s+Reviewer\s+has\b|$)", re.DOTALL)
CERTIFICATION_BLOCK = re.compile(
    r"Certification\(s\)\s*/\s*Specialty\s*:\s*(.{0,400}?)\s*(?=State\(s\)\s+of\s+Licensure|CLINICAL\s+CASE\s+SUMMARY"
    r"|The\s+Expert\s+Reviewer\s+has\b|$)",
    re.DOTALL,
)
# Prose style: "The expert reviewer is Board Certified in Anesthesiology, has a subspecialty in
# Pain Management and is licensed to practice in California."
BOARD_CERTIFIED = LeadingWordPattern(
    "board",
    r"\bBoard\s+Certified\s+in\s+(.{1,300}?)\s*,?\s+and\s+(?:is\s+)?licensed\s+to\s+practice\s+in\s+(.{1,200}?)\s*\.(?:\s|$)",
    re.DOTALL,
)
SUBSPECIALTY_SPLIT = re.compile(
    r"\s*,?\s*(?:has\s+(?:a\s+)?subspecialt(?:y|ies)\s+in|with\s+(?:a\s+)?subspecialt(?:y|ies)\s+in)\s+",
    re.IGNORECASE,
)
# Board certifications whose names contain "and": never split into two.
SPECIALTIES_WITH_AND = frozenset({
    "physical medicine and rehabilitation", "public health and general preventive medicine",
    "hospice and palliative medicine", "obstetrics and gynecology", "allergy and immunology",
    "plastic and reconstructive surgery", "head and neck surgery", "otolaryngology - head and neck surgery",
    "brain injury medicine and rehabilitation", "neuromuscular and electrodiagnostic medicine",
    "psychiatry and neurology", "child and adolescent psychiatry", "pulmonary and critical care medicine",
    "critical care and pulmonary medicine", "hand and upper extremity surgery", "foot and ankle surgery",
    "foot and ankle orthopedic surgery", "spine and pain medicine", "nuclear medicine and radiology",
})

# ---------------------------------------------------------------------------------------------
# Disputed items
# ---------------------------------------------------------------------------------------------

# The labelled parts of an item, each starting a line after cleaning.
ITEM_LABEL = LineStartPattern(
    r"(?P<label>Claims\s+Administrator\s+guideline|MAXIMUS\s+guideline|Decision\s+rationale)\s*:[ \t]*",
    re.IGNORECASE,
)
# A heading ends its line with the decision: "Retro Norco 10/325mg #90: Overturned",
# "... the original request, Norco 10/325mg #35 is: Upheld", "SOMA 350MG #60:  Upheld".
# A space before the colon is not part of the heading either; the pattern starts at the colon (so the
# regex engine skips from colon to colon) and parse.decision_lines() takes that space in.
DECISION_LINE = re.compile(r":[ ]?(Upheld|Overturned)[ ]?\.?[ ]?$", re.IGNORECASE | re.MULTILINE)
# A sentence that ends a rationale, so the next text is a new heading: a line ending in a full
# stop, a full stop run straight into a capital ("necessary.Acupuncture 18 sessions ..."), or, in
# text whose lines were re-flowed, a full stop, a space and a capitalized word. Item descriptions
# never hold such a sentence break (none of the 136 real ones does), except modified requests,
# which the parser treats apart. Abbreviations and initials ("Dr. Lee", "J. Smith") are not ends.
# Both kinds start at the stop itself, so the regex engine skips from stop to stop; the word before a
# full stop is looked at behind it (with the stop).
_SENTENCE_END = (
    r"""[.!?](?:["'”’)\]]?(?:[ \t]*\n|(?=[A-Z][a-z]))"""
    r"""|(?<=\.)(?<![A-Z]\.)(?<!\bDr\.)(?<!\bMr\.)(?<!\bMs\.)(?<!\bMrs\.)(?<!\bvs\.)(?<!\bNo\.)(?<!\bSt\.)"""
    r"""(?<!\betc\.)(?<!\bapprox\.)["'”’)\]]?[ ](?=[A-Z{digits}]))"""
)
SENTENCE_END = re.compile(_SENTENCE_END.format(digits="0-9"))
# ... in OCR'd text, whose lines are the page's, a heading starts a line: a full stop and a space
# before a number inside a line is a speck ("Cyclobenzaprine 5% in cream base. 240g: Upheld").
OCR_SENTENCE_END = re.compile(_SENTENCE_END.format(digits=""))
# Modified requests:
#   "Norco 10/325mg #60 was the original request. Norco 10/325mg #25 was authorized by the Claims
#    Administrator. The remaining IMR eligible portion of the original request, Norco 10/325mg #35 is"
#   "Partial Hospitalization day treatment was the original request. The Claims Administrator
#    authorized an Evaluation only ... The original request, Partial Hospitalization day treatment is"
MODIFIED_ORIGINAL = re.compile(r"\s+was\s+the\s+original\s+request\s*\.", re.IGNORECASE)
MODIFIED_AUTHORIZED = re.compile(
    r"^\s*(?P<authorized>.{1,400}?)\s+(?:was|were)\s+(?:authori[sz]ed|certified|approved)\s+by\s+the\s+Claims\s+Administrator\s*\.",
    re.IGNORECASE | re.DOTALL,
)
MODIFIED_CA_AUTHORIZED = re.compile(
    r"^\s*The\s+Claims\s+Administrator\s+(?:authori[sz]ed|certified|approved|modified\s+(?:the\s+request\s+)?to)\s+"
    r"(?P<authorized>.{1,400}?)\s*(?:,\s*leaving\b|\.\s)",
    re.IGNORECASE | re.DOTALL,
)
MODIFIED_REMAINING = re.compile(
    r"(?:The\s+remaining\s+IMR\s+eligible\s+portion\s+of\s+the\s+original\s+request\s*,?|The\s+original\s+request\s*,)"
    r"\s*(?P<description>.{1,400}?)\s*,?\s+(?:is|are)\s*\Z",
    re.IGNORECASE | re.DOTALL,
)
# The last sentence of a modified request's heading, which the search for its start begins from.
MODIFIED_TAIL = re.compile(
    r"\s*(?:The\s+remaining\s+IMR\s+eligible\s+portion\b|The\s+original\s+request\s*,)", re.IGNORECASE
)

# The end of a rationale's concluding sentence: "... is not medically necessary." A heading can
# follow it on the same line when text was re-flowed ("...not medically necessary. Naproxen 500mg #60: Upheld").
# A concluding sentence that ends its line without a full stop counts too.
CONCLUSION_END = LeadingWordPattern(
    "medically",
    r"\bmedically\s+(?:necessary|indicated|reasonable|appropriate)\b[^.!?\n]{0,150}?"
    r"(?:[.!?][\"')\]]?(?=\s|[A-Z])|[ \t]*\n)",
)
# The rationale's conclusion: the last "... (not) medically necessary" in it.
MEDICAL_NECESSITY = LeadingWordPattern("medically", r"\bmedically\s+(?:necessary|indicated|reasonable|appropriate)\b")
# A negation before it: "not", "non", "no", "n't", "neither", "nor", "never", "cannot", "un" as words,
# or "n't" ending one. Each word's first letter comes first (the start of the word is looked at
# behind it) so the engine skips from letter to letter.
NEGATION_BEFORE = LowerCasePattern(
    r"n(?<!\wn)(?:o[nrt]?|'t|either|ever)\b|c(?<!\wc)annot\b|u(?<!\wu)n\b|n't\b"
)

# ---------------------------------------------------------------------------------------------
# Guideline citations
# ---------------------------------------------------------------------------------------------

# A guideline line holds one or more clauses, each "Decision based on ...". Another citation
# starts inside a clause at "Other Medical Treatment Guideline or Medical Evidence:" (after a space
# or a stop); the clause is cut before it.
CITATION_CLAUSE = LeadingWordPattern("decision", r"Decision\s+based\s+on\s+")
OTHER_EVIDENCE_CLAUSE = LeadingWordPattern(
    "other", r"Other(?<=[\s.;,]Other)\s+Medical\s+Treatment\s+Guideline\s+or\s+Medical\s+Evidence\s*:"
)
# Sentences that say what was *not* relied on, or that nothing was cited; never citations.
NON_CITATION_SENTENCE = LeadingWordPattern(
    "the",
    r"The\s+(?:Claims\s+Administrator|Expert\s+Reviewer)\s+"
    r"(?:did\s+not\s+(?:cite|base)|based\s+(?:their|his|her|its|his/her)\s+decision\s+on\s+recommendation)"
    r"[^.]{0,200}\.",
)
NON_MTUS_PREFIX = re.compile(r"^Non-?\s?MTUS\s+(?:Citation\s*:?\s*)?", re.IGNORECASE)
# "Other Medical Treatment Guideline or Medical Evidence:", also "Other Medical Treatment Guidelines ACOEM ..."
OTHER_EVIDENCE_PREFIX = re.compile(
    r"^Other\s+Medical\s+Treatment\s+Guidelines?(?:\s+or\s+Medical\s+Evidence)?\s*:?\s*", re.IGNORECASE
)
MTUS_PREFIX = re.compile(r"^(?:CA[\s-]?)?MTUS\b[\s:,-]*(?:\(\s*[^)]{0,40}\)\s*)?", re.IGNORECASE)
# The MTUS of 2018 on, which adopted ACOEM's: "MTUS (ACOEM Practice Guidelines) Low Back Disorders, ...",
# continued in the same clause as "..., and (ACOEM Practice Guidelines) Chronic Pain, ..."
MTUS_ACOEM_LABEL_TEXT = r"\(\s*ACOEM\s+Practice\s+Guidelines\s*\)"
MTUS_ACOEM_LABEL = re.compile(r"^" + MTUS_ACOEM_LABEL_TEXT + r"\s*", re.IGNORECASE)

# Where one clause goes on to cite another guideline, so it is cut into one citation each: before a
# second "Non-MTUS Citation"; before "(and) Other Medical Treatment Guidelines ACOEM ..." ("...
# Hips and Pelvis (Acute and Chronic), MRI (magnetic resonance imaging) and Other Medical Treatment
# Guidelines ACOEM Hip and Groin Disorders"); before an author-and-initials reference that has a
# year or "et al" ("..., Harris J. Occupational medicine practice guidelines, 2nd edition (2004)",
# "..., Benditt D, et al. Syncope in adults"). The MTUS's own ", and Chronic Pain Medical Treatment
# 2009, Section(s): ..." is cut by a pattern built from data/lexicon/mtus_guidelines.csv.
CITATION_SECOND_SOURCE = re.compile(
    r"[\s,;.]{0,3}\s(?=Non-?\s?MTUS\s+Citation\b)"
    r"|[\s,;]{0,3}\s(?:and\s{1,3})?(?=Other\s+Medical\s+Treatment\s+Guidelines?\s(?!or\s))"
    r"|(?<=[.,;])\s{1,3}(?=(?-i:[A-Z][a-z'-]{1,30},?\s[A-Z]{1,3}[.,]\s)[^;]{0,200}?(?:(?:19|20)\d\d|\bet\s+al\b))",
    re.IGNORECASE,
)

# What the citation names, tried in this order on the clause text.
CITES_CCR = re.compile(
    r"\bTitle\s+8\b|California\s+Code\s+of\s+Regulations|\bCCR\b|\b9792\.\d+", re.IGNORECASE
)
CITES_ACOEM = re.compile(
    r"\bACOEM\b|American\s+College\s+of\s+Occupational|Occupational\s+Medicine\s+Practice\s+Guidelines",
    re.IGNORECASE,
)
# ACOEM's own name and edition, cut before the chapter is read ("ACOEM Occupational Medicine Practice
# Guidelines, 3rd ed., Low Back Disorders", "ACOEM: Low back disorders", "ACOEM Hip and Groin Disorders")
ACOEM_NAME = re.compile(
    r"\bACOEM\b(?:\s+(?:Practice\s+)?Guidelines?\b)?\s*:?|\bOccupational\s+Medicine\s+Practice\s+Guidelines\b"
    r"|\b\d(?:st|nd|rd|th)\s+ed(?:ition|\.)?(?!\w)",
    re.IGNORECASE,
)
# An author's name and initials alone: "Harris J" (a reference's author is not a guideline's name)
AUTHOR_NAME = re.compile(r"[A-Z][a-z'-]{1,30},?\s[A-Z]{1,3}\.?")
CITES_ODG = re.compile(r"\bODG\b|Official\s+Disability\s+Guidelines?", re.IGNORECASE)
CITES_MTUS = re.compile(r"\bMTUS\b|Medical\s+Treatment\s+Utilization\s+Schedule", re.IGNORECASE)

CCR_SECTION = re.compile(r"\b(?:section|§)?\s*(9792\.\d+(?:\.\d+)?(?:\([a-z0-9]+\))*)", re.IGNORECASE)
CITATION_YEAR = re.compile(r"(?<![\d/.-])((?:19|20)\d{2})(?![\d/-])")
CITATION_PAGES = re.compile(
    r"(?:Page\(s\)|Pages?|pgs?\.?|pp\.?|p\.)\s*:?\s*\(?\s*(\d{1,4}(?:\s*[-–,;&]\s*\d{1,4}|\s*,?\s*and\s+\d{1,4}){0,12})\s*\)?",
    re.IGNORECASE,
)
CITATION_SECTIONS = re.compile(r"Section\(s\)\s*:\s*(.{1,2000}?)\s*(?:Page\(s\)|$)", re.IGNORECASE | re.DOTALL)
ACOEM_CHAPTER = re.compile(r"\bChapter\s+(\d{1,2})\b\s*,?\s*(.{0,80}?)(?=\s*(?:Page|pg|p\.|,|\.|;|$))", re.IGNORECASE)
# ODG's own name, wherever a citation writes it ("Official Disability Guidelines (ODG)", "ODG Guidelines")
ODG_NAME = re.compile(
    r"(?:\bOfficial\s+Disability\s+Guidelines?(?:\s*\(ODG\))?|\(ODG\)|\bODG\b)(?:\s+Guidelines?\b)?", re.IGNORECASE
)
# What a citation says of the ODG edition rather than of a chapter: cut before the chapter is read.
ODG_EDITION = re.compile(
    r"\(\s*(?:last\s+)?updated?\b[^()]{0,30}\)"
    r"|\b\d{1,2}(?:st|nd|rd|th)\s+edition\b"
    r"|\bTreatment\s+in\s+Workers\W{0,2}\s*Comp(?:ensation)?\b(?:\s*\(\s*TWC\s*\))?"
    r"|\bweb[\s-]*based(?:\s+edition)?\b|\b(?:19|20)\d\d\s+edition\b",
    re.IGNORECASE,
)
# A year or "Guidelines" before the chapter: "ODG Guidelines, 14th Edition, 2016, Knee Chapter"
ODG_LEADING_EDITION = re.compile(r"^(?:[\s,;:\-–]*(?:(?:19|20)\d\d\b|Guidelines?\b|Web\s+Version\b|Online\s+Version\b))+",
                                 re.IGNORECASE)
# What any chapter name may carry after it: "Chapter", "section", "(Acute & Chronic)",
# "(Online Version)", "Web Version", a year ("Low Back chapter (Acute & Chronic)").
ODG_CHAPTER_DECORATION = re.compile(
    r"(?:\s*(?:\(\s*(?:acute\s*(?:&|and)\s*chronic|chronic|acute|on-?line(?:\s+version)?|web\s+version)\s*\)"
    r"|\bchapters?\b|\bsections?\b|\bweb\s+version\b|\bon-?line\s+version\b|\b(?:19|20)\d\d\b))+",
    re.IGNORECASE,
)
# What may stand between two chapters a citation names ("Low Back and neck Chapter",
# "Neck and Upper Back Chapter, Shoulder Chapter", "Knee/DME, Low Back Lumbar and Thoracic/...").
ODG_CHAPTER_JOIN = re.compile(r"\s{0,3}(?:[,;/&]|\band\b)\s{0,3}", re.IGNORECASE)
# What ends a chapter name that a second chapter is read from: the end, or a separator.
ODG_CHAPTER_END = re.compile(r"\s{0,3}(?:$|[,;:/]|[-–]\s|\band\b)", re.IGNORECASE)
# Labels a topic may carry that are not part of it: "Section(s):", "Topic:", "subheading".
TOPIC_LABEL = re.compile(r"^(?:Section\(s\)|Sections?\b|Topics?\b)\s*:?\s*|,?\s*\bsubheading\b", re.IGNORECASE)
# A topic written whole in parentheses after its chapter: "Low Back (Trigger point impedance imaging)"
TOPIC_IN_PARENTHESES = re.compile(r"^\(([^()]*(?:\([^()]*\)[^()]*)*)\)$")
ANGLE_BRACKETED = re.compile(r"<\s*([^<>]{1,80}?)\s*>")

# What may follow an MTUS guideline's name (data/lexicon/mtus_guidelines.csv): its year, "Guidelines".
MTUS_GUIDELINE_TAIL = re.compile(
    r"\s*(?:\(\s*(?P<year_paren>(?:19|20)\d{2})\s*\)|(?P<year>(?:19|20)\d{2}))?\s*(?:Guidelines?)?\s*[,.:]?\s*",
    re.IGNORECASE,
)
# After an MTUS guideline's name, what shows that a second guideline is named (not a topic's words):
# a year, "Section(s)" or the end ("..., and Chronic Pain Medical Treatment 2009, Section(s): ...").
MTUS_NAMED_AFTER = r"(?![A-Za-z])(?:\s*\(?(?:19|20)\d\d|\s*,?\s*Section\(s\)|\s*\.?\s*$)"

# ---------------------------------------------------------------------------------------------
# OCR'd letters (source_format pdf-ocr / pdf-mixed): what Tesseract makes of a scanned page
# ---------------------------------------------------------------------------------------------

# Table rules and speckle read as characters: "Date Assigned: | 11/18/2016", "Federal Services | HHI,".
# Not a bar glued to an age's digit, which is its last digit misread ("a 5| year old female": 51, read so
# by parse.read_ocr_patient with a warning; made a space, the age was read as 5).
OCR_BAR = re.compile(r"[¦°•·■□»«]|(?<!\b\d)\||(?<=\b\d)\|(?![ \t-]{0,3}y)")
# An underscore (no letter has one): a speck or an underline. Within a word it goes ("Om_eprazole"),
# elsewhere it is a space.
OCR_UNDERSCORE_IN_WORD = re.compile(r"(?<=[A-Za-z])_+(?=[a-z])")
OCR_UNDERSCORE = re.compile(r"_+")
# The reviewer block's labels misread beyond fix_label's reach: "Cemficauon(s)/Specralty",
# "Certlficauon(e)/Spechty",
# "Stale(s) of Llcensure:".
# With its ")/" lost or misread, the label must end in its colon: "Gortification(s Specialty: Physical
# Medicine", "Cortification(s\ySpoctilty: Anesthesiology".
OCR_CERTIFICATION_LABEL = re.compile(r"^\S{0,2}C\w{4,13}\s?\(\w\)\s*/\s*S\w{3,9}(?:[ ]\w{1,2}(?=\s*[:;]))?\s*[:;]?"
                                     r"|^\S{0,2}[CG]\w{4,13}\(\w\S{0,2}?\s?S\w{3,9}[ \t]?[:;]",
                                     re.MULTILINE)  # ... "Specialt y:"
# The first words of the reviewer's section, where OCR lost its title ("HOW THE IMR FINAL DETERMINATION WAS MADE").
OCR_HOW_FIRST_SENTENCE = re.compile(r"^(?=MAXIMUS Federal Services sent the\b)", re.MULTILINE)
# The line after the licensure's (a blank line between or not), before the block's blank line, where no
# certification label was found.
OCR_UNLABELLED_CERTIFICATION = re.compile(
    r"^(?P<licensure>State\(s\) of Licensure:[^\n]*\n(?:[ \t]*\n)?)(?!CLINICAL CASE SUMMARY)(?P<line>[^\n]*[A-Za-z]{3}[^\n]*)$(?=\n[ \t]*\n)",
    re.MULTILINE)
OCR_LICENSURE_LABEL = re.compile(r"^\S{0,2}St\w{2,3}\s?\(s\)\s*of\s*L\w{6,9}\s*[:;]?", re.MULTILINE)
# "Claims hiiviies guideline:": the item label with its middle word misread beyond fix_label's reach.
OCR_CLAIMS_LABEL = re.compile(r"^Claims[ \t]+\S{4,16}[ \t]+guideline[ \t]*[:;]", re.MULTILINE)
# "—e rationale:", "ecision rationale:": the item label with the start of "Decision" lost.
# ... or its second word misread, with its colon lost ("Decision satbineale With regard to the request"):
# clean._rationale_word.
OCR_RATIONALE_WORD = re.compile(r"^Decision[ \t]+(?P<word>[A-Za-z]{6,12})[:;,.]?(?=[ \t]+[A-Z])", re.MULTILINE)
OCR_RATIONALE_LABEL = re.compile(r"^(?P<rest>\S{0,9})[ \t]?rationale[ \t]*[:;]", re.MULTILINE)
# Words the parser reads by, as OCR misreads them ("medlcally necessary", "medicaily necessaty"):
# found by their shape, taken for the phrase when close to it (clean.fix_phrases).
OCR_PHRASES = {
    # (a last word's letters only: the full stop of "...original request.The Claims" is not the phrase's)
    "medically necessary": re.compile(r"\b[mM]ed\S{4,8}\s+nec[^\s.,;:]{5,8}\b"),
    "the original request": re.compile(r"\b[Tt]he\s+\S{7,9}\s+re[^\s.,;:]{4,6}\b"),  # "The driginal request", "reauest"
    # a heading's own label: "Associated surgical service; Cold therapy unit"
    "associated surgical service:": re.compile(r"\b[Aa]ss\S{5,9}\s+sur\S{4,7}[\s-]+ser\S{3,6}\s?[:;]"),  # "surgical-service:"
    # the end of the summary's first line: "... including all medical records;"
    "including all medical records:": re.compile(r"\b[Ii]nc\S{5,8}\s+all\s+med\S{4,6}\s+rec\S{3,6}\s?[:;,.]"),
}
# A space OCR read after a decimal point in a dose ("Trezix capsule 320. 5/30/16mg"): a digit before,
# a strength or a slash after.
OCR_DECIMAL_SPACE = re.compile(r"(?<=\d)\. (?=\d+(?:/|mg\b|mcg\b|%))")
# In a heading, a space OCR read beside a slash ("Lidocaine 5% /Dextromethorphan"), and a letter it took
# for the "1" that starts a dose's number ("Trezix capsule 30.5/30/L6mg"): after a slash or a space,
# before digits and a unit.
OCR_SLASH_SPACE = re.compile(r"(?<=\S) +/(?=\S)|(?<=\S)/ +(?=\S)")
# In a heading, a hyphen, full stop or apostrophe OCR read for the space beside a short word ("MRI-of
# the left hip", "two times a-week", "3 times.a week", "two times'a week"); no item description joins these words so, and a word
# joined twice ("state-of-the-art") is left alone.
OCR_JOINED_SHORT_WORD = re.compile(r"(?<![\w.-])(?:(?P<left>[A-Za-z]{2,})[-.'’](?=(?:a|an|the|of|for|and|with)\s)"
                                   r"|(?P<short>a|an|the|of|for|and|with)-(?=[A-Za-z]{2,}[\s,;:]|[A-Za-z]{2,}$))")
OCR_DOSE_ONE = re.compile(r"(?<=[/ ])[lIL|](?=\d+(?:\.\d+)?(?:mg|mcg|ml|gm|g|%)(?!\w))")
# A modified request's "... was the original request." with a speck or a comma read for its full stop
# ("Acupuncture 18 sessions was, the original request, Acupuncture 6 sessions was authorized", "was the-
# original request.").
# ... and with "original" misread beyond fix_phrases' reach, no known word ("... day treatment was the
# oxtiiaia request. The Claims Administrator"): clean._original_word.
OCR_ORIGINAL_WORD = re.compile(r"\bwas(\s+)the(\s+)(?P<word>[a-z]{5,11})(\s+)request(?=\.\s+[A-Z])")
OCR_ORIGINAL_SENTENCE = re.compile(r"\bwas(?:[,.]?(\s+)|[,.])the[-.,'’]?(\s+)original(\s+)request\s*[,.:;](?=\s+[A-Z])")  # "was.the"
# A quotation mark read before a modified request's closing sentence ("... by the Claims Administrator. 'The
# remaining IMR eligible portion of the original request, ...").
# A mark OCR glued before a modified request's closing "is:" ("Two refills of Ibuprofen 600mg #90'is: Upheld").
OCR_MARK_BEFORE_CLOSING_IS = re.compile(r"(?<=\S)['‘’`\"“”](?=(?:is|are):[ \t]*(?:Upheld|Overturned)\b)")
# The last word of "The remaining IMR eligible portion of the original request," misread beyond fix_phrases'
# reach ("... of the original mngeers :"): the rest of the sentence is what the letter always prints.
OCR_REMAINING_REQUEST = re.compile(r"(?<=\bThe remaining IMR eligible portion of the original\s)(?!request,)\S{3,10}(?: ?[,:;])?(?=\s)")
OCR_QUOTE_BEFORE_MODIFIED_TAIL = re.compile(r"['‘’\"“”](?=The\s+(?:remaining\s+IMR\s+eligible|original\s+request\b))")
# A comma, colon or semicolon OCR read for the full stop before a modified request's closing sentence
# ("... was authorized by the Claims Administrator, The remaining IMR eligible portion of the original
# request, ...", "... leaving the original request IMR eligible: The original request, ...").
OCR_COMMA_FOR_STOP = re.compile(r"[,:;](?=\s+The\s+(?:remaining\s+IMR\s+eligible|original\s+request\b))")
# In a heading, a full stop OCR read between two words ("Functional capacity. evaluation (FCE)",
# "Cyclobenzaprine 5%. in cream"): no item description has a full stop and a space before a small letter.
OCR_STOP_IN_HEADING = re.compile(r"(?:(?<=[a-z]{3})|(?<=\d%))\.(?= [a-z])")
# ... a comma read for a decimal point ("Flector 1,3% transdermal patch", "Trezix capsule 30,5/30/16mg":
# one or two digits and a unit or a slash after it; a thousands comma has three), a lone mark at its
# end ("Pre-operative CBC $"),
OCR_DECIMAL_COMMA = re.compile(r"(?<=\d),(?=\d{1,2}(?:%|mg\b|mcg\b|ml\b|g\b|/))")
OCR_MARK_AT_HEADING_END = re.compile(r"\s+[$§©®°*~^]+\s*$|(?<=[\w)%])[?!]+\s*$")  # ... or "?" after its last word
# ... a quotation mark before a word that no mark closes ("Associated surgical service: 'Are sling",
# "Associated 'surgical service"; no item description quotes), a brace read for a parenthesis
# ("NCV {nerve conduction velocity)"), a semicolon read for the colon of "QTY:" ("QTY; 2"),
OCR_OPENING_QUOTE = re.compile(r"(?:(?<=\s)|^)['‘’\"“”](?=[A-Za-z])(?![A-Za-z]*['‘’\"“”])")
OCR_BRACE = re.compile(r"\{(?=[^(){}]*\))|(?<=\()([^(){}]*)\}")
OCR_QTY_SEMICOLON = re.compile(r"(?<=\bQTY);")
# ... and a hyphen read before a word's first letter ("MRI of the left -hip").
OCR_HYPHEN_BEFORE_WORD = re.compile(r"(?<= )-(?=[a-z]{2})")
# ... "S" read for the 5 of a spine level ("L4-5, LS-S1"), and "i" or "l" for the I of MRI ("MRi").
OCR_SPINE_LEVEL_FIVE = re.compile(r"(?<=\b[CTL])S(?=-[CTLS]?\d\b)")
# ... the 5 read twice, as "S" and as itself ("LS5-S1"), and "S" read for a dose's 5 ("Cyclobenzaprine 7.Smg").
OCR_SPINE_LEVEL_FIVE_TWICE = re.compile(r"(?<=\b[CTL])S(?=5-[CTLS]?\d\b)")
OCR_DOSE_FIVE = re.compile(r"(?<=\d\.)S(?=(?:mg|mcg|ml|g|%)(?!\w))|(?<=\d)S(?=(?:mg|mcg)(?!\w))")
OCR_SACRAL_ONE = re.compile(r"(?<=\b[L]\d-S)[il|I](?![\w])")  # ... and "i" or "l" for the 1 of "S1" ("L5-Si")
OCR_MRI = re.compile(r"\bMR[il1|{\[](?![\w])|\bMR[TL](?= of\b)")  # ... or "T", "L" before "of" ("MRT of the left hip")
# ... a full stop read for a spine level's hyphen ("Facet joint injections L4.5, L5-S1": no level has a
# decimal), a space read between a number and its "%" ("Lidocaine 5 %/Dextromethorphan"), "$" or "S"
# read for the 5 of "5%" ("Lidocaine $%/Dextromethorphan"), and a closing parenthesis that ends a
# heading no parenthesis opens ("Two refills of Ibuprofen 600mg #90)"; a modified request's ends in "is"),
OCR_SPINE_LEVEL_STOP = re.compile(r"(?<=\b[CTL]\d)\.(?=\d\b)")
OCR_SPACE_BEFORE_PERCENT = re.compile(r"(?<=\d) (?=%)")
OCR_PERCENT_FIVE = re.compile(r"(?<![\w$])[$S](?=%)")
OCR_CLOSE_PARENTHESIS_AT_END = re.compile(r"(?<=[\w%#])\)(?=(?: is| are)?$)")
# ... a full stop read for the space between a word and a number or another word ("cream base.240g",
# "shoulder.debridement"), an apostrophe read between capitals ("PT/PT'T"), and one read for the space
# before a number or between two words ("for'2 weeks", "MRI of the left'shoulder"; not a possessive's
# "'s" or a contraction's "'t").
OCR_STOP_BEFORE_NUMBER = re.compile(r"(?<=[a-z]{3})\.(?=\d|[a-z]{3})")
OCR_APOSTROPHE_IN_CAPITALS = re.compile(r"(?<=[A-Z])['’](?=[A-Z])")
OCR_APOSTROPHE_FOR_SPACE = re.compile(r"(?<=[a-z]{2})['’](?=\d|[a-z]{3})|(?<=\d)['’](?=[a-z]{3})")  # ... "2'refill"
# ... and no item description has an exclamation mark: one before a digit is a 1 misread ("Acupuncture
# !2 sessions"), one after a word a speck ("possible proximal! biceps tenodynovitis"); nor a space inside
# a parenthesis ("Synapryn ( unknown quantity)"); nor a full stop between a number of one or two digits and
# a word ("Acupuncture 3.times a week", "18.sessions"), nor a mark glued after a comma ("Gabapentin
# 6%,.Lidocaine 5%").
OCR_BANG_FOR_ONE = re.compile(r"(?<![\w!])!(?=\d)")
OCR_BANG_AFTER_WORD = re.compile(r"(?<=[a-z]{2})!(?=\s)")
OCR_SPACE_IN_PARENTHESES = re.compile(r"(?<=\()[ ]+(?=\w)|(?<=[\w%])[ ]+(?=\))")
OCR_STOP_AFTER_DIGIT = re.compile(r"(?:(?<=(?<![\w.])\d)|(?<=(?<![\w.])\d\d))\.(?=[a-z]{3})")
OCR_MARK_AFTER_COMMA = re.compile(r"(?<=\S,)[.'’`](?=[A-Za-z])")
# ... nor a colon between two small words ("3 times : a week", "Bilateral: hearing aids"; not a modified
# request's "day treatment: is"), a space after a capital's hyphen ("X- rays"), a full stop before a
# quantity ("Naproxen 550mg.#60"), an apostrophe before a parenthesis ("Fanatrex'(unknown quantity)"),
# "OTY" or "QTy" ("QTY: 2" misread), "((" ("EMG ((electromyography)/NCV"), a parenthesis it does not
# close (its ")" lost: "Dicopanol (unknown quantity"), a full stop after "a" before a word ("3 times
# a.week"), "me", "my" or "ing" for a dose's "mg" ("30.5/30/16me", "7.5my", "550ing"), a full stop between
# an abbreviation and its parenthesis ("NCV. (nerve").
OCR_LONE_COLON = re.compile(r"(?<=[a-z]) ?:(?= (?!is\b|are\b)[a-z])")
OCR_SPACE_AFTER_HYPHEN = re.compile(r"(?<=\b[A-Z]-) (?=[a-z]{3})")
OCR_STOP_BEFORE_QUANTITY = re.compile(r"(?<=[\w%])\.(?=#\d)")
OCR_APOSTROPHE_BEFORE_PARENTHESIS = re.compile(r"(?<=[a-z])['’](?=\()")
OCR_QTY = re.compile(r"\b(?:OTY|QTy)(?=:)")
OCR_DOUBLE_PARENTHESIS = re.compile(r"\((?=\()")
OCR_UNCLOSED_PARENTHESIS = re.compile(r"\(([^()]*[\w%])$")
OCR_STOP_AFTER_A = re.compile(r"(?<=\sa)\.(?=[a-z]{3})")
OCR_DOSE_ME = re.compile(r"(?<=\d)(?:m[ey]|ing)\b")
OCR_STOP_BEFORE_PARENTHESIS = re.compile(r"(?<=[A-Z]{2})\.(?= \()")
# ... nor a colon glued between two words ("Hot/cold:therapy wrap"), nor a second label's colon ("Associated
# surgical service: Shoulder: Brace": one before a capital word after the heading's own colon); and the
# heading's own label keeps its colon ("Associated surgical service Shoulder Brace": its colon lost)
OCR_GLUED_COLON = re.compile(r"(?<=[a-z]):(?=[a-z]{3})")
OCR_SECOND_COLON = re.compile(r"(?<=[a-z]):(?= [A-Z])")
OCR_LABEL_WITHOUT_COLON = re.compile(r"^Associated surgical service(?= [A-Z])")
# ... nor a lone small letter between two words ("without o contrast"; not "a", nor "x" of "2 x 6"), nor
# "ys": "vs" misread ("rotator cuff repair ys debridement")
OCR_LONE_LETTER = re.compile(r"(?<=[a-z]{3}) [b-wyz](?= [a-z]{3})")
OCR_VS = re.compile(r"(?<= )ys(?= )")
# A modified request's closing "The original request, <item> is: Upheld" with its comma lost (fax):
# no full stop and a space between it and the decision that ends its line.
OCR_ORIGINAL_REQUEST_NO_COMMA = re.compile(
    r"\bThe original request(?=[ \t\n]+(?!was\b|is\b|were\b|are\b)[^\s,])"
    r"(?=(?:(?!\.\s)[\s\S]){1,400}?\s(?:is|are)[ \t]*:\s*(?:Upheld|Overturned)[ \t]*$)", re.MULTILINE)
# A page number alone on the first or last line of a page: "2", "- 3 -".
OCR_PAGE_NUMBER = re.compile(r"\A\s*-?\s*\d{1,2}\s*-?[ \t]*\n|\n[ \t]*-?\s*\d{1,2}\s*-?\s*\Z")
# "©" or "€" read for the C of a word in capitals ("©LINICAL CASE SUMMARY"; a case number's "©M17" is
# read as one by OCR_CASE_NUMBER, with its warning).
OCR_C_IN_CAPITALS = re.compile(r"[©€](?=[A-Z]{2})")
# A line's leading run of stray marks: ". . - : Received:", "~ The applicant", "“warrant imaging",
# "' Priority:". Brackets, "#" and "$" are kept: a line can begin with them.
OCR_LEADING_NOISE = re.compile(r"^(?:[-.,:;'\"`~_^*»«“”‘’—–=+\\]{1,3}[ \t]*)+(?=\S)", re.MULTILINE)
# Stray marks after a line's last word: "Review determinations. '", "medically necessary. ' -",
# "12004. | | | ,", and lone letters or pairs after its last sentence (a new sentence starts with a
# capital): "Special Studies. o : : _", "not medically necessary. af", "... necessary. e%". Only
# after a space, so a line's own closing full stop stays; a lone colon stays too (a heading's colon
# before a decision wrapped onto the next line).
_OCR_MARKS = r"(?!:[ \t]*$)(?:[-.,:;'\"`~_^*»«“”‘’—–=+\\]{1,3}|[()\[\]{}])"
# A line of nothing but marks: "-", '"', ". ' ,".
OCR_MARKS_LINE = re.compile(r"^[-.,:;'\"`~_^*»«“”‘’—–=+\\ \t]+$", re.MULTILINE)
OCR_TRAILING_NOISE = re.compile(r"(?:(?<=[.!?])(?:[ \t]+[a-z])+)?(?:[ \t]+" + _OCR_MARKS + r")+[ \t]*$"
                                r"|(?<=[.!?])(?:[ \t]+[a-z]{1,2}[%#*&]?)+[ \t]*$", re.MULTILINE)
# A speck between a heading's colon and the decision's ("Cold therapy unit: +: Upheld").
OCR_SPECK_BEFORE_DECISION = re.compile(r"(?<=:)[ \t]*[+*^~°«»]{1,2}[ \t]*:(?=[ \t]*(?:Upheld|Overturned)[ \t]*$)", re.MULTILINE)
# A speck after a colon that ends a line ("... 30.5/30/16mg is:." before "Upheld" on the next line).
OCR_MARK_AFTER_COLON = re.compile(r"(?<=:)[ \t]*[.,'`‘’\"“”]+[ \t]*$", re.MULTILINE)
# "pg. 607.." and "Service..He/she": a full stop read twice (an ellipsis has three).
OCR_DOUBLE_STOP = re.compile(r"(?<!\.)\.\.(?!\.)")
# A paragraph of prose (Tesseract ends one with a blank line) ends in a full stop: one that ends in a
# comma had its stop misread ("... for weaning and terminating opioids for this patient, ,"), and
# without it the next item's heading would run back into it.
# Not the comma of a modified request's "The remaining IMR eligible portion of the original request,",
# whose item follows the blank line.
OCR_PARAGRAPH_END_COMMA = re.compile(r"(?<=[a-z])(?<!original request)\.?,(?:[ \t]?,)*[ \t]*(?=\n[ \t]*\n)")  # ... or "patient.,"
# A heading's decision at the end of its line, as read: ": Upheld", "; Uphe1d", ": 0verturned",
# ": Uphcld j", "is: Upheld a :", "Upheld . . 7 ot" (specks after it), "is: Ovérturned" (a letter read with an accent),
# "contrast:. Upheld", "shoulder: ‘ Upheld" (a speck before it), "(unknown quantity); Upheld’", "is:\nUpheld :"
# and "is:\n\n‘ Upheld ms ‘" (wrapped onto a line of its own), "is: Upheld Los ;", "Overturned Hoof",
# "debridement: Overturned:", "right hip:,' Upheld".
OCR_DECISION_END = re.compile(r"[:;][ \t]*(?:\n[ \t]*){0,2}(?:[.,'`‘’\"“”][ \t]*){0,2}([^\W_][\w.,'‘’\"“”]{4,11})[:;]?"
                              r"(?:[ \t]+\S{1,4}){0,5}[ \t]*$", re.MULTILINE)
DECISION_WORDS = ("Upheld", "Overturned")
# Marks OCR leaves before a heading's first word: no item description starts with one.
OCR_HEADING_MARKS = " :;.,'\"`~_-—–“”‘’©®°"
# A heading whose colon was lost, known by the item label on the line after it (a blank line between).
OCR_HEADING_WITHOUT_COLON = re.compile(
    r"^(?P<heading>[^\n:]{3,300}?[^\s:])[ \t]+(?P<word>[^\W_]{5,11})[ \t]*\n(?=\s*(?:Claims\s+Administrator\s+guideline:|MAXIMUS\s+guideline:))",
    re.MULTILINE)
# A heading whose colon was lost, known by the previous item's concluding sentence on the line before
# ("... is not medically necessary.\nPantoprazole sodium 20mg sai Upheld"): its decision word read right,
# and not after "was" or "been" (prose: "the decision was Upheld").
OCR_HEADING_AFTER_CONCLUSION = re.compile(
    r"(?P<before>medically\s+necessary\.[ \t]*\n\s*)(?P<heading>[^\n:]{3,300}?[^\s:])(?<!\bwas)(?<!\bwere)(?<!\bbeen)(?<!\bbe)"
    r"[ \t]+(?P<word>Upheld|Overturned)[ \t]*$",
    re.MULTILINE)
# A rationale's closing "medically necessary." with its last word misread ("is not medically wae",
# "medically epey:"), known by the heading that ends with a decision on the next line: put right (when
# the word is no known word), so the heading starts after it.
# ... or its last word wrapped onto a line of its own and misread ("is not medically\n‘hecessarys"), known
# by its likeness to "necessary" (clean.CONCLUSION_LIKE) and the blank line after it.
OCR_WRAPPED_CONCLUSION = re.compile(r"\bmedically[ \t]*\n[ \t]*\S?(?P<word>[a-z]{6,12})[.,:;]?[ \t]*(?=\n[ \t]*\n)")
OCR_GARBLED_CONCLUSION = re.compile(
    r"\bmedically[ \t]+(?P<word>[a-z]{2,6})[.,:;]?[ \t]*(?=\n\s*[^\n]*:[ \t]*(?:Upheld|Overturned)[ \t]*$)", re.MULTILINE)
# A heading whose decision OCR could not read at all ("Flector 1.3% transdermal patch: phen",
# "...Lidocaine\n5% /Dextromethorphan: oe", "...upper extremities: il nial"): its colon, a word or two
# that is no decision (nor a known word of three letters or more: "service: Shoulder Brace" is a
# heading's own colon) or nothing ("MRI for lumbar — with contrast: —"), and the item's first label on the
# next line (a blank line between). Parsing takes the decision
# from the item's rationale.
OCR_UNREAD_DECISION = re.compile(
    r"[:;][ \t]*(?P<word>[^\s:;]{1,11}(?:[ \t]+[^\s:;]{1,11})?)?[ \t]*$(?=\n(?:[ \t]*\n)?Claims\s+Administrator\s+guideline:)",
    re.MULTILINE)
# An apostrophe OCR put after a word ("Ibuprofen' 600mg"); a plural's possessive ("patients' ") stays.
OCR_STRAY_APOSTROPHE = re.compile(r"(?<=[A-Za-rt-z])['‘’](?=[ \t]|$)", re.MULTILINE)
# Labels that begin a line, as Tesseract may misread them ("Claims Adininistrator guidellne:",
# "MAXIMUS guidéline:"): each line's start is compared with them by edit distance (clean.fix_labels).
OCR_LINE_LABELS = (
    "Claims Administrator guideline:", "MAXIMUS guideline:", "Decision rationale:",
    "State(s) of Licensure:", "Certification(s)/Specialty:",
    "The Expert Reviewer has the following credentials:",
    "HOW THE IMR FINAL DETERMINATION WAS MADE", "CLINICAL CASE SUMMARY", "IMR ISSUES, DECISIONS AND RATIONALES",
    "The Final Determination was based on decisions for the disputed items/services set forth below:",
)
# ... after the marks a scan leaves before them, and with a capital OCR reads for another of its shape
# ("GLINICAL CASE SUMMARY", "OLINICAL CASE SUMMARY", "@LINICAL CASE SUMMARY"): the label's first letter or
# one of these.
OCR_MARKS_BEFORE_LABEL = " \t|*\"'`~_^-.,:;»«“”‘’"
OCR_FIRST_LETTER_READINGS = {"C": "go©€(@", "S": "$5"}  # ... "$tate(s) of Licensure:"

# Header labels, as imrdb.parse.find_ocr_labels looks for them in OCR'd text ("Date Assngned",
# "Dateoflnjury", "UR Denlal Date", "Prlonty", "Qppli.cat'iion ... eceived:"), each by the field it labels.
OCR_HEADER_LABEL_WORDS = {
    "case_number": "Case Number:", "date_assigned": "Date Assigned:", "date_of_injury": "Date of Injury:",
    "decision_date": "Decision Date:", "ur_denial_date": "UR Denial Date:", "priority": "Priority:",
    "application_received": "Application", "received": "Received:",
}
# A label read only in part: the words no other label begins with ("Date of —— 11/09/2016", its "Injury:" lost in
# the table's shading). Taken only when read (almost) exactly: a lone "Date:" of another label is never one.
OCR_HEADER_LABEL_PREFIXES = {"date_of_injury": "Date of"}
# A date as OCR reads it: digits, or the letters taken for them (O for 0, l or I for 1, S for 5),
# with spaces around the slashes. Not within a longer run of digits ("10/23/20186" is no date).
# A separator can be misread as "(" ("01(10/2017") or gain a stray mark ("11/01/-2016"), and can be
# lost altogether ("12282016": eight digits). The day's two digits can have a space between them ("01/1 9/2017").
OCR_DATE = re.compile(r"(?<![\w/])([0-9OoIlS]{1,2})\s?[/(-]-?\s?([0-9OoIlS](?: ?[0-9OoIlS])?)\s?[/(-]-?\s?([0-9OoIlS]{4}|[0-9OoIlS]{2})(?![\w/])"
                      r"|(?<![\w/])([01][0-9])([0-3][0-9])((?:19|20)[0-9]{2})(?![\w/])")
# Letters OCR takes for digits, in a value that must be all digits.
OCR_DIGITS = str.maketrans({"O": "0", "o": "0", "D": "0", "Q": "0", "I": "1", "l": "1", "i": "1", "|": "1",
                            "S": "5", "s": "5", "B": "8", "Z": "2"})
# Letters of a like shape that OCR reads one for the other (imrdb/spelling.py): what was read -> what
# may have been printed. "ycar oid femalc" (e, l), "Comprehensiye" (v), "yeur" (a), "rn" for "m", "cl" for "d".
OCR_CONFUSIONS = {
    "c": ("e",), "e": ("c",), "i": ("l",), "l": ("i",), "y": ("v",), "v": ("y",), "u": ("a",),
    "rn": ("m",), "m": ("rn",), "cl": ("d",), "li": ("h",), "h": ("b", "li"), "b": ("h",), "f": ("t",), "t": ("f",),
}
# A word of letters only, not part of a hyphened, slashed or apostrophed one ("X-ray", "PT/PTT", "patient's").
OCR_PLAIN_WORD = re.compile(r"(?<![\w'/-])[A-Za-z]+(?![\w'/-])")
# The part after a hyphen of a hyphened word, of five letters or more ("Pre-aperative"): put right in a heading
# as a word is, by one edit to a word the letter uses.
OCR_HYPHENED_PART = re.compile(r"(?<=[A-Za-z]-)[A-Za-z]{5,}(?![\w'/-])")
# Any run of letters, for words inside a hyphened one too ("58-ycar-old").
OCR_LETTERS = re.compile(r"[A-Za-z]+")
# ... and for joining a word OCR split, a slash may follow ("decompr ession/acromioplasty").
OCR_WORD_PART = re.compile(r"(?<![\w'/-])[A-Za-z]+(?![\w'-])")
WORD_LETTERS = re.compile(r"[a-z]+")
# A heading read again elsewhere in its letter (imrdb.spelling.Copies): a word without the marks it can
# carry at either end in one place and not in another ('the request for "EMG/NCS of the bilateral upper
# extremities" is', "{nerve conduction velocity)"), and the shape of a word that is a number, dose or
# quantity as letters print them ("150mg", "#60", "10/325mg", "5%", "30.5/30/16mg", "240g", "x12").
OCR_WORD_CORE = re.compile(r"[#\w](?:.*[\w%])?")
NON_ALPHANUMERIC = re.compile(r"[\W_]+")
HYPHEN_OR_SLASH = re.compile(r"[/-]")  # between the parts of a word ("EMG/NCS", "Pre-operative")
OCR_UNIT_READINGS = {"g": "89"}  # what OCR reads a dose's unit letter as ("240g" read "2408")
OCR_HASH_READINGS = ("4", "H", "ff", "£")  # what OCR reads a quantity's "#" as ("Celecoxib 200mg 490")
# "a 5 1 year old": an age's two digits read apart (not "12/5 1 year old", nor "2 5 year old" after a number)
OCR_AGE_SPLIT = re.compile(r"(?<![\d.,/-] )(?<![\w.,/-])\b([1-9]) (\d)\b(?=[\s-]{0,3}(?:year|yr)s?[\s-]{0,3}old\b)", re.IGNORECASE)
OCR_ONE_READINGS = "]|)!lI"  # what OCR reads a 1 as, glued after a number ("a 4] year old male" for 41)
OCR_M_READINGS = ("rn", "in", "ni")  # what OCR reads an "m" as ("a 60 year old inale", "a 34-year-old niale")
OCR_ABBREVIATION = re.compile(r"(?<![A-Za-z])[A-Z]{2,5}(?![A-Za-z])")  # "NCV", "EMG", "PTT" (imrdb.spelling.Copies)
OCR_SPECK_MARKS = ",.;'"  # a speck after a word is read as one of these ("Bupropion HCL, 150mg")
OCR_WELL_FORMED_NUMBER = re.compile(r"[#x]?\d+(?:[.,]\d+)?(?:/\d+(?:\.\d+)?)*(?:%|mg|mcg|ml|g|gm|cc|mm|cm)?", re.IGNORECASE)
# The words of one or two letters taken as words where OCR ran two words together ("Ihave").
SHORT_WORDS = frozenset({"a", "i", "an", "as", "at", "be", "by", "do", "he", "if", "in", "is", "it", "me", "my",
                         "no", "of", "on", "or", "so", "to", "up", "us", "we"})
# Endings that make a known word's plural or past, which word lists leave out ("opioids"), and what
# each takes off the word ("scored": "score").
WORD_ENDINGS = {"s": "s", "es": "es", "ed": "d", "ing": "ing"}
# A case number as read: "CM16-O221706", "CMl6-0213037", "CM16 - 0213037", "©M17-0007300", "GM16-0240900"
# (the C read as ©, €, G or O, or as C and ©: "C©M17-0007142", or lost: "_M17-0005924"; the M read small:
# "Cm16-0245028"), "CIM16-0235724" (a stroke read between C and M), "CM1 6-0247624" (a space in the year),
# "CM16-021 9557" (one in the seven digits: parse.read_ocr_case_number takes it only where the digits
# are seven, since a space could stand for a digit lost).
OCR_CASE_NUMBER = re.compile(r"(?<![A-Za-z0-9©€])(?:C©|[CGO©€])?[Il|]?\s?[Mm]\s?([0-9OoIil|] ?[0-9OoIil|])\s?[-–—~]\s?"
                             r"([0-9OoDQIl|SB]{7}|[0-9OoDQIl|SB]{1,6} [0-9OoDQIl|SB]{1,6})(?![\w])")
CASE_NUMBER_SHAPE = re.compile(r"CM\d{2}-\d{7}")
OCR_PRIORITY = re.compile(r"(?<!\w)([S$]\w{5,8}|E\w{6,9})\b")  # ... "$tandard"

# Guideline citations (imrdb/citations.py), beside the closed lists of data/lexicon/
# A name that starts another guideline or source inside a row's guideline or topic: the row holds two.
ANOTHER_SOURCE_NAMED = re.compile(
    r"\b(?:MTUS|ODG|ACOEM|Official\s+Disability|Occupational\s+Medicine\s+Practice|Non-?\s?MTUS|Title\s+8"
    r"|California\s+Code\s+of\s+Regulations|Other\s+Medical\s+Treatment\s+Guidelines?)\b"
    r"|(?-i:\b[A-Z][a-z'-]{1,30},?\s[A-Z]{1,3}[.,]\s)",
    re.IGNORECASE,
)
# "chapter" or "section" after an ODG chapter's name in a topic: a second chapter is named there.
NAMED_AS_CHAPTER = re.compile(r"\b(?:chapter|section)\b", re.IGNORECASE)
# "Section(s)" in an MTUS row's guideline or topic: a second guideline's sections follow.
SECTIONS_LABEL = re.compile(r"Section\(s\)")
# Between the clauses of a citation no list names: "Knee, Arthroscopic surgery; Criteria".
CLAUSE_SEPARATOR = re.compile(r"[,;]")
# Clauses that are no guideline's name: ACOEM's, "Guidelines", an edition ("2nd ed").
NOT_A_GUIDELINE_NAME = re.compile(r"ACOEM|Guidelines?$|\d(?:st|nd|rd|th)\s+ed", re.IGNORECASE)
ANY_LETTER = re.compile(r"[A-Za-z]")
# A topic's leading "Guidelines" word (what is left after a guideline's name).
LEADING_GUIDELINES_WORD = re.compile(r"^Guidelines?\b")

# OCR'd headers (imrdb/parse.py): what was read where a case number should be ("CMl6-02I3O37"),
# the words of the header, and what is left of a word for comparing it with a label.
OCR_CASE_NUMBER_START = re.compile(r"(?:\bC|[©€])\s?M\S{0,12}")
OCR_WORD = re.compile(r"\S+")
# Marks a word read alone from its crop can carry at either end: a speck or a rule's remnant ("CM17-0021656_").
OCR_WORD_MARKS = " _|.,;:'\"`~-—–"
OCR_LONG_WORD = re.compile(r"[A-Za-z]{4,}")  # a word of four letters or more: not a speck
OCR_WORD_OF_THREE = re.compile(r"[A-Za-z0-9]{3,}")  # ... of three: after a section title, text and not specks
# A line of a rationale's conclusion, its last words misread or lost ("... is not medically", "... is not
# medically wc i"): no heading has the word.
OCR_CONCLUSION_CUT = re.compile(r"\bmedically\b", re.IGNORECASE)
NON_LETTER = re.compile(r"[^a-z]")
# Between names in a list of states or specialties: "California, Texas and Ohio".
NAME_LIST_SEPARATOR = re.compile(r"\s*(?:,|;|\band\b)\s*")
# Between the words of an OCR'd name: spaces, or a full stop that was a comma ("New York.California").
NAME_WORD_SEPARATOR = re.compile(r"[\s.]+|(?<=[a-z])(?=[A-Z])")  # ... or none before a capital ("CaliforniaSouth")
# ... and between two OCR'd names, a full stop that was a comma ("Rehabilitation. Sports Medicine"): no
# known name has a full stop.
OCR_NAME_STOP = re.compile(r"\.\s*(?=[A-Z])")
