"""A guideline line ("Claims Administrator guideline: ...", "MAXIMUS guideline: ...") -> Citations.

One line often cites several guidelines: "Decision based on MTUS ... Decision based on Non-MTUS
Citation Official Disability Guidelines (ODG) ... Other Medical Treatment Guideline or Medical
Evidence: Title 8, California Code of Regulations, section 9792.20" gives one row each, and so does a
clause that names two ("MTUS Low Back Complaints 2004, Section(s): Physical Methods, and Chronic Pain
Medical Treatment 2009, Section(s): ..."). ODG chapters, MTUS guidelines and the names of other
sources come from closed lists in data/lexicon/ (odg_chapters.csv, mtus_guidelines.csv,
other_sources.csv), loaded with the enrich lexicon.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from imrdb import patterns as p
from imrdb.enrich.lexicon import Lexicon, load_lexicon
from imrdb.enrich.models import GuidelineName
from imrdb.letter import Citation

_SPLIT_SOURCES = re.compile(
    r"\s*;\s*(?=(?:ODG|Official|ACOEM|Title\s+8|MTUS|California\s+Code)\b)"
    r"|\s+and\s+(?:the\s+)?(?=(?:ODG|Official\s+Disability|ACOEM|Title\s+8|MTUS|California\s+Code)\b)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class GuidelineNames:
    """The closed lists of data/lexicon/, compiled: each name with its pattern, matched where a name starts."""

    odg_chapters: tuple[tuple[GuidelineName, re.Pattern], ...]
    odg_any: re.Pattern  # any chapter: one match tells where none starts, before each is tried
    mtus_guidelines: tuple[tuple[GuidelineName, re.Pattern], ...]
    other_sources: tuple[tuple[GuidelineName, re.Pattern], ...]
    mtus_named: re.Pattern  # an MTUS guideline's name that starts a citation
    mtus_second: re.Pattern  # ", and" before a second MTUS guideline in the same clause


@functools.lru_cache(maxsize=4)
def _compile_names(lexicon: Lexicon) -> GuidelineNames:
    def whole_words(names):
        return tuple((name, re.compile(f"(?:{name.pattern})(?![A-Za-z])", re.IGNORECASE)) for name in names)

    mtus = "|".join(f"(?:{name.pattern})" for name in lexicon.mtus_guidelines)
    return GuidelineNames(
        odg_chapters=whole_words(lexicon.odg_chapters),
        odg_any=re.compile("|".join(f"(?:{name.pattern})" for name in lexicon.odg_chapters), re.IGNORECASE),
        mtus_guidelines=whole_words(lexicon.mtus_guidelines),
        other_sources=tuple((name, re.compile(name.pattern, re.IGNORECASE)) for name in lexicon.other_sources),
        mtus_named=re.compile(f"(?:{mtus}){p.MTUS_NAMED_AFTER}", re.IGNORECASE),
        mtus_second=re.compile(f",?\\s+and\\s+(?=(?:{mtus}){p.MTUS_NAMED_AFTER}|{p.MTUS_ACOEM_LABEL_TEXT})",
                               re.IGNORECASE),
    )


def guideline_names() -> GuidelineNames:
    return _compile_names(load_lexicon())


def clear_cache() -> None:
    """Forget cached citations (after the lexicon's closed lists change in a running process)."""
    _citation_fields.cache_clear()
    _clause_fields.cache_clear()


def _longest(names, text: str, pos: int = 0) -> tuple[GuidelineName, re.Match] | None:
    """The name whose pattern matches the longest text at `pos` (the first listed, at equal length)."""
    best = None
    for name, pattern in names:
        match = pattern.match(text, pos)
        if match and (best is None or match.end() > best[1].end()):
            best = (name, match)
    return best


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
    return tuple((citation.source, citation.text, citation.guideline, citation.year, citation.topic, citation.pages)
                 for part in _split_sources(clause) for citation in read_citations(part, ""))


def _split_sources(clause: str) -> list[str]:
    """The clause cut where it goes on to cite another guideline: one part per guideline it names."""
    parts = []
    for piece in p.CITATION_SECOND_SOURCE.split(clause):
        parts += _split_named_sources(piece.strip(" .;,"))
    names = guideline_names()
    split = []
    for part in parts:
        if p.MTUS_PREFIX.match(part) or p.MTUS_ACOEM_LABEL.match(part) or names.mtus_named.match(part):
            split += names.mtus_second.split(part)
        else:
            split.append(part)
    return [part.strip(" .;,") for part in split if part.strip(" .;,")]


def _split_named_sources(clause: str) -> list[str]:
    """"ODG Pain; ACOEM Chapter 6", "MTUS ... and ODG ...": cut only where each part names a source."""
    if ";" not in clause and clause.isascii() and "and" not in clause.lower():
        return [clause]  # nothing to split at, found quicker than by the split
    parts = [part.strip(" .;,") for part in _SPLIT_SOURCES.split(clause)]
    parts = [part for part in parts if part]
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


def read_citations(clause: str, role: str) -> list[Citation]:
    """The citation(s) of one part of a clause: one, or one per ODG chapter it names."""
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
        label = None if non_mtus else p.MTUS_ACOEM_LABEL.match(body)
        if label:  # "..., and (ACOEM Practice Guidelines) Chronic Pain, ...": the MTUS of 2018
            body, source = body[label.end():], "MTUS"
        elif source == "Other" and not non_mtus and guideline_names().mtus_named.match(body.strip()):
            source = "MTUS"  # the second guideline of "MTUS X 2004, ..., and Chronic Pain Medical Treatment 2009, ..."
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
        chapters = _read_odg(body_without_pages)
        citations = []
        for chapter, topic in chapters:
            row = Citation(role, source, clause, chapter, citation.year, topic, citation.pages)
            citations.append(row)
        return citations
    else:
        citation.guideline = _other_source(body)
    return [citation]


def read_citation(clause: str, role: str) -> Citation:
    """The first citation of one part of a clause."""
    return read_citations(clause, role)[0]


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


def _topic(value: str | None) -> str | None:
    """The section alone: no "Section(s):" or "Topic" label, no separators left at its ends."""
    if value is None:
        return None
    value = p.TOPIC_LABEL.sub(" ", value.strip(" ,;:/-–")).strip(" ,;:/-–")
    value = p.TOPIC_IN_PARENTHESES.sub(r"\1", value)
    return _tidy(value)


def _read_mtus(body: str, citation: Citation) -> None:
    body = body.strip()
    found = _longest(guideline_names().mtus_guidelines, body)
    if found:
        name, match = found
        citation.guideline = name.name
        tail = p.MTUS_GUIDELINE_TAIL.match(body, match.end())
        year = tail["year"] or tail["year_paren"]
        if year:
            citation.year = int(year)
        rest = body[tail.end():]
    else:
        rest = body
    sections = p.CITATION_SECTIONS.search(rest)
    topic = sections[1] if sections else p.LEADING_GUIDELINES_WORD.sub("", rest.strip())
    citation.topic = _topic(topic)


def _read_acoem(body: str, citation: Citation) -> None:
    body = p.ACOEM_NAME.sub(",", body)
    chapter = p.ACOEM_CHAPTER.search(body)
    if chapter:
        # "Chapter 11 Forearm, Wrist, and Hand Complaints": the MTUS's name for the chapter, when it has one
        named = _longest(guideline_names().mtus_guidelines, body, chapter.start(2))
        name = named[0].name if named else _tidy(chapter[2])
        citation.guideline = name or f"Chapter {chapter[1]}"
        citation.topic = f"Chapter {chapter[1]}"
        return
    body = body.strip(" ,;:")
    named = _longest(guideline_names().mtus_guidelines, body)
    if named:  # "ACOEM Forearm, Wrist, and Hand Complaints", "ACOEM Hip and Groin Disorders, Diagnostic Testing"
        citation.guideline = named[0].name
        citation.topic = _topic(body[named[1].end():])
        return
    parts = [_tidy(part) for part in p.CLAUSE_SEPARATOR.split(body)]
    parts = [part for part in parts if part and not p.NOT_A_GUIDELINE_NAME.search(part)
             and not p.AUTHOR_NAME.fullmatch(part) and p.ANY_LETTER.search(part)]
    citation.guideline = parts[0] if parts else None
    citation.topic = ", ".join(parts[1:]) or None if len(parts) > 1 else None


@dataclass(frozen=True)
class _ChapterAt:
    name: GuidelineName
    start: int
    name_end: int
    end: int  # after the name and its decorations ("Chapter", "(Acute & Chronic)")


def _chapter_at(text: str, pos: int) -> _ChapterAt | None:
    names = guideline_names()
    if not names.odg_any.match(text, pos):
        return None
    found = _longest(names.odg_chapters, text, pos)
    if found is None:
        return None
    name, match = found
    decoration = p.ODG_CHAPTER_DECORATION.match(text, match.end())
    return _ChapterAt(name, match.start(), match.end(), decoration.end() if decoration else match.end())


def _read_odg(body: str) -> list[tuple[str | None, str | None]]:
    """(chapter, topic) of each ODG chapter the citation names, or [(None, what it names)]."""
    if "<" in body:  # "Official Disability Guidelines (ODG) <Pain>, <Carisoprodol>"
        body = p.ANGLE_BRACKETED.sub(r"\1", body)
    text = p.ODG_NAME.sub(",", p.ODG_EDITION.sub(" ", body))
    text = p.ODG_LEADING_EDITION.sub("", text.strip(" ,;:-–")).strip(" ,;:-–")
    chapter = _chapter_at(text, 0)
    if chapter is None:
        return [(None, _topic(text))]
    # (chapter, where its topic starts, where it ends): a second chapter starts after a separator
    # and is followed by the end or a separator ("Knee/DME, Low Back Lumbar and Thoracic/Mattress
    # selection"), so a topic's first word ("Knee & Leg, Knee brace") is not taken for one
    found = []
    topic_start = chapter.end if chapter.name.kind == "chapter" else chapter.start
    while True:
        following = None
        for join in p.ODG_CHAPTER_JOIN.finditer(text, chapter.end):
            candidate = _chapter_at(text, join.end())
            if candidate and candidate.name.kind == "chapter" and p.ODG_CHAPTER_END.match(text, candidate.end):
                following = (join.start(), candidate)
                break
        if following is None:
            found.append((chapter.name.name, text[topic_start:]))
            break
        found.append((chapter.name.name, text[topic_start:following[0]]))
        chapter = following[1]
        topic_start = chapter.end
    chapters: list[tuple[str, str | None]] = []
    for name, topic in found:
        topic = _topic(topic)
        if chapters and chapters[-1][0] == name:
            chapters[-1] = (name, ", ".join(filter(None, (chapters[-1][1], topic))) or None)
        else:
            chapters.append((name, topic))
    # "Low Back and neck Chapter, Physical Therapy": a chapter named without a topic shares the next one's
    for index in range(len(chapters) - 2, -1, -1):
        if chapters[index][1] is None:
            chapters[index] = (chapters[index][0], chapters[index + 1][1])
    return chapters


def _other_source(body: str) -> str | None:
    """A name for evidence outside the guidelines: "UpToDate", "FDA label", "web page", "journal reference"."""
    for name, pattern in guideline_names().other_sources:
        if pattern.search(body):
            return name.name
    return None


# Names that show a row still holds a second guideline: another source's name, "Non-MTUS Citation",
# "Other Medical Treatment Guidelines", an author-and-initials reference.


def holds_two_guidelines(source: str, guideline: str | None, topic: str | None) -> bool:
    """Whether a stored citation row still names a second guideline in its guideline or topic: another
    source, a second MTUS guideline ("..., and Chronic Pain Medical Treatment 2009, Section(s): ..."),
    or a second ODG chapter ("Shoulder Chapter, Physical therapy")."""
    names = guideline_names()
    for value in (guideline if source != "CCR" else None, topic):  # a CCR row's guideline is Title 8's name
        if not value:
            continue
        if p.ANOTHER_SOURCE_NAMED.search(value):
            return True
        if source == "MTUS" and (names.mtus_second.search(value) or p.SECTIONS_LABEL.search(value)):
            return True
        if source == "ODG" and value is topic:
            for position in [0] + [join.end() for join in p.ODG_CHAPTER_JOIN.finditer(value)]:
                chapter = _chapter_at(value, position)
                if chapter and chapter.name.kind == "chapter" and p.NAMED_AS_CHAPTER.search(value, chapter.name_end, chapter.end):
                    return True
    return False
