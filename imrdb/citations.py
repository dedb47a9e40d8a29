"""A guideline line ("Claims Administrator guideline: ...", "MAXIMUS guideline: ...") -> Citations.

One line often cites several guidelines: "Decision based on MTUS ... Decision based on Non-MTUS
Citation Official Disability Guidelines (ODG) ... Other Medical Treatment Guideline or Medical
Evidence: Title 8, California Code of Regulations, section 9792.20" gives one row each.
"""

from __future__ import annotations

import functools
import re

from imrdb import patterns as p
from imrdb.letter import Citation

# Canonical names for the MTUS guidelines that letters write in several ways.
_MTUS_CANONICAL = (
    (re.compile(r"^chronic\s+pain", re.I), "Chronic Pain Medical Treatment Guidelines"),
    (re.compile(r"^opioids?\s+treatment", re.I), "Opioids Treatment Guidelines"),
    (re.compile(r"^acupuncture", re.I), "Acupuncture Medical Treatment Guidelines"),
    (re.compile(r"^post-?\s?surgical", re.I), "Postsurgical Treatment Guidelines"),
)
_SPLIT_SOURCES = re.compile(
    r"\s*;\s*(?=(?:ODG|Official|ACOEM|Title\s+8|MTUS|California\s+Code)\b)"
    r"|\s+and\s+(?:the\s+)?(?=(?:ODG|Official\s+Disability|ACOEM|Title\s+8|MTUS|California\s+Code)\b)",
    re.IGNORECASE,
)


def parse_guideline_text(text: str, role: str) -> list[Citation]:
    """Every citation in one guideline line; "did not cite any medical evidence" gives none."""
    return [Citation(role, *fields) for fields in _citation_fields(text)]


@functools.lru_cache(maxsize=50_000)
def _citation_fields(text: str) -> tuple[tuple, ...]:
    """(source, text, guideline, year, topic, pages) of each citation. Cached: guideline lines
    repeat across thousands of letters ("Decision based on MTUS Low Back Complaints 2004.")."""
    lowered = text.lower()
    cited = p.NON_CITATION_SENTENCE.sub(" ", text, lowered)
    if cited is not text:
        text, lowered = cited, cited.lower()
    return tuple(fields for clause in _clauses(text, lowered) for fields in _clause_fields(clause.strip(" .;,")))


def _clauses(text: str, lowered: str | None = None) -> list[str]:
    """The text cut where each clause starts: cut out "Decision based on", cut before "Other Medical
    Treatment Guideline or Medical Evidence:"."""
    cuts = [match.span() for match in p.CITATION_CLAUSE.finditer(text, lowered=lowered)]
    cuts += [(match.start(), match.start()) for match in p.OTHER_EVIDENCE_CLAUSE.finditer(text, lowered=lowered)]
    cuts.sort()
    clauses = []
    previous = 0
    for start, end in cuts:
        clauses.append(text[previous:start])
        previous = end
    clauses.append(text[previous:])
    return clauses


@functools.lru_cache(maxsize=50_000)
def _clause_fields(clause: str) -> tuple[tuple, ...]:
    """The citations of one "Decision based on ..." clause. Cached apart from whole lines: a line
    combines two or three clauses, and each clause repeats far more often than its combination."""
    if len(clause) < 3:
        return ()
    if not p.NON_MTUS_PREFIX.sub("", clause).strip(" .;,:"):
        return ()  # "Decision based on Non-MTUS Citation" followed by the next clause's label
    fields = []
    for part in _split_sources(clause):
        citation = read_citation(part, "")
        fields.append((citation.source, citation.text, citation.guideline, citation.year, citation.topic,
                       citation.pages))
    return tuple(fields)


def _split_sources(clause: str) -> list[str]:
    if ";" not in clause and clause.isascii() and "and" not in clause.lower():
        return [clause]  # nothing to split at, found quicker than by the split
    parts = [part.strip(" .;,") for part in _SPLIT_SOURCES.split(clause)]
    parts = [part for part in parts if part]
    # split only where each part names a guideline of its own
    if len(parts) > 1 and all(_source_of(part) != "Other" for part in parts):
        return parts
    return [clause]


def _source_of(text: str) -> str:
    if p.CITES_CCR.search(text):
        return "CCR"
    if p.CITES_ACOEM.search(text):
        return "ACOEM"
    if p.CITES_ODG.search(text):
        return "ODG"
    if p.CITES_MTUS.search(text):
        return "MTUS"
    return "Other"


def read_citation(clause: str, role: str) -> Citation:
    non_mtus = p.NON_MTUS_PREFIX.match(clause)
    body = clause[non_mtus.end():] if non_mtus else clause
    other = p.OTHER_EVIDENCE_PREFIX.match(body)
    if other:
        body = body[other.end():]
    mtus = None if non_mtus else p.MTUS_PREFIX.match(body)
    if mtus:
        body = body[mtus.end():]
        source = "ACOEM" if p.CITES_ACOEM.search(body) else "MTUS"
    else:
        source = _source_of(body)
    citation = Citation(role=role, source=source, text=clause)
    # "Benzodiazepines, page 24 Page(s): 24": the labelled "Page(s):" wins; all are cut from the topic
    pages = list(p.CITATION_PAGES.finditer(body))
    if pages:
        labelled = [match for match in pages if match[0].lower().startswith("page(s)")]
        citation.pages = " ".join((labelled or pages)[0][1].split())
        body_without_pages = p.CITATION_PAGES.sub(" ", body)
    else:
        body_without_pages = body
    year = p.CITATION_YEAR.search(body_without_pages)
    citation.year = int(year[1]) if year else None
    if source == "CCR":
        section = p.CCR_SECTION.search(body)
        citation.guideline = "Title 8, California Code of Regulations"
        citation.topic = section[1] if section else None
    elif source == "MTUS":
        _read_mtus(body_without_pages, citation)
    elif source == "ACOEM":
        _read_acoem(body_without_pages, citation)
    elif source == "ODG":
        _read_odg(body_without_pages, citation)
    return citation


_TRAILING_NUMBER = re.compile(r"(?:[,\s]+\d{1,4})+$")


def _tidy(value: str | None) -> str | None:
    """Tidy a guideline or topic name: no angle brackets, stray punctuation or trailing page numbers."""
    if value is None:
        return None
    if "<" in value:
        value = p.ANGLE_BRACKETED.sub(r"\1", value)
    value = " ".join(value.split()).strip(" .,;:-")
    if value[-1:].isdecimal():  # a trailing number ends the value
        value = _TRAILING_NUMBER.sub("", value).strip(" .,;:-")
    while value.startswith("(") and value.count("(") > value.count(")"):
        value = value[1:].strip()
    while value.endswith(")") and value.count(")") > value.count("("):
        value = value[:-1].strip()
    if value.endswith("(") or (value.count("(") > value.count(")") and not value.endswith(")")):
        value = value + ")" if not value.endswith("(") else value[:-1].strip()
    return value or None


def _read_mtus(body: str, citation: Citation) -> None:
    match = p.MTUS_GUIDELINE.match(body.strip())
    if match:
        name = " ".join(match["guideline"].split())
        for pattern, canonical in _MTUS_CANONICAL:
            if pattern.search(name):
                name = canonical
                break
        citation.guideline = name
        year = match["year"] or match["year_paren"]
        if year:
            citation.year = int(year)
        rest = body.strip()[match.end():]
    else:
        rest = body
    sections = p.CITATION_SECTIONS.search(rest)
    topic = sections[1] if sections else re.sub(r"^Guidelines?\b", "", rest.strip())
    citation.topic = _tidy(topic)


def _read_acoem(body: str, citation: Citation) -> None:
    chapter = p.ACOEM_CHAPTER.search(body)
    if chapter:
        name = _tidy(chapter[2])
        citation.guideline = name or f"Chapter {chapter[1]}"
        citation.topic = f"Chapter {chapter[1]}"
        return
    parts = [_tidy(part) for part in re.split(r"[,;]", body)]
    parts = [part for part in parts if part and not re.search(r"ACOEM|Guidelines?$|\d(?:st|nd|rd|th)\s+ed", part, re.I)]
    citation.guideline = parts[0] if parts else None
    citation.topic = ", ".join(parts[1:]) or None if len(parts) > 1 else None


def _read_odg(body: str, citation: Citation) -> None:
    name = p.ODG_NAME.search(body.strip())
    rest = body.strip()[name.end():] if name and name.start() == 0 else body.strip()
    rest = re.sub(r"^(?:\(?ODG\)?\s*)", "", rest)
    rest = re.sub(r"\((?:updated|update)\b[^)]{0,30}\)", "", rest, flags=re.I)
    parts = [_tidy(part) for part in re.split(r"\s*[,;:]\s+|\s+-\s+", rest)]
    parts = [part for part in parts if part and not p.CITATION_YEAR.fullmatch(part)
             and not re.fullmatch(r"\d{1,2}(?:st|nd|rd|th)\s+Edition|Guidelines?", part, re.I)]
    if parts:
        citation.guideline = re.sub(r"\s+Chapter$", "", parts[0], flags=re.I)
        citation.topic = ", ".join(parts[1:]) or None
