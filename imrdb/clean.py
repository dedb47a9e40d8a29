"""Raw text of any format -> normalized letter text.

Normalized text has LF line ends, no byte order mark, no markup, single spaces, no blank lines,
and every label a letter puts at the start of a line ("Decision rationale:", section titles) back
at the start of a line. Hard wraps are kept: the parser reads lines; `unwrap` joins them for prose.
"""

from __future__ import annotations

import html
import unicodedata

from rapidfuzz import fuzz

from imrdb import patterns as p

# Non-ASCII characters letters carry, and what they become. pdfium reports a hyphen that ended a
# line in the PDF as U+FFFE ("x\uffferay"); it is a hyphen.
_UNICODE_REPLACEMENTS = (
    ("\ufeff", ""), ("\u00ad", ""), ("\u200b", ""),  # BOM, soft hyphen, zero-width space
    ("\ufffe", "-"), ("\u2028", "\n"), ("\u2029", "\n"),
    ("\u2018", "'"), ("\u2019", "'"), ("\u201c", '"'), ("\u201d", '"'),
    ("\u2013", "-"), ("\u2014", "-"), ("\u2010", "-"), ("\u2011", "-"), ("\u2212", "-"),
)


def normalize(text: str, source_format: str = "text") -> str:
    """Normalize a letter's text; `source_format` is "pdf", "text", "markdown" or "html"."""
    # Tests for one character run at memchr speed, many times faster than any longer search, so
    # the whole-text passes below are skipped when a single character shows they would do nothing.
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = text.replace("\f", "\n").replace("\v", "\n")
    if not text.isascii():
        for character, replacement in _UNICODE_REPLACEMENTS:  # str.replace: far faster than str.translate
            if character in text:
                text = text.replace(character, replacement)
        text = unicodedata.normalize("NFKC", text)
        if not text.isascii():
            text = p.UNICODE_SPACE.sub(" ", text)
    if source_format in ("html", "markdown") or _has_markup(text):
        text = strip_markup(text, drop_scripts=source_format == "html")
    text = labels_at_line_start(text)
    text = p.RUN_IN_AFTER_INTRO.sub(":\n", text)
    if "\t" in text:
        text = text.replace("\t", " ")
    if "  " in text:  # quicker than the regex's own scan, and most letters hold no double space
        text = p.SPACE_RUN.sub(" ", text)
    text = "\n".join(filter(None, [line.strip(" ") for line in text.split("\n")]))
    text = p.PAGE_FOOTER.sub("", text)  # it skips from line break to line break: quicker than a test for "age"
    text = _drop_running_headers(text)
    return p.WRAPPED_DECISION.sub(": ", text)


def _drop_running_headers(text: str) -> str:
    """A case number alone on a line again after the header is a page's running header: drop it."""
    repeats = list(p.CASE_NUMBER_LINE.spans(text))[1:]
    for start, match in reversed(repeats):
        text = text[:start] + text[match.end() + 1:]
    return text


def _has_markup(text: str) -> bool:
    """HTML tags or markdown emphasis or headings in text of any format (one-character tests first)."""
    return (("<" in text and ("</" in text or "<b>" in text or "<B>" in text))
            or ("*" in text and "**" in text)
            or _line_starts_with_hash(text))


def _line_starts_with_hash(text: str) -> bool:
    """Whether a line starts with "#". Each "#" is found at memchr speed and there are few ("#60"), so
    looking behind each is quicker than searching for the pair "\n#"."""
    hash_at = text.find("#")
    while hash_at > 0:
        if text[hash_at - 1] == "\n":
            return True
        hash_at = text.find("#", hash_at + 1)
    return hash_at == 0


def labels_at_line_start(text: str) -> str:
    """Put each label that ran into the previous line (p.LINE_LABEL) back at the start of a line."""
    pieces = []
    previous = 0
    for label in p.LINE_LABEL.finditer(text):
        start = label.start()
        if start and text[start - 1] != "\n":
            pieces.append(text[previous:start])
            previous = start
    if not pieces:  # the usual case: every label already starts its line
        return text
    pieces.append(text[previous:])
    return "\n".join(pieces)


def strip_markup(text: str, drop_scripts: bool = False) -> str:
    """Remove formatting tags and markdown emphasis and heading marks, keeping the words and line breaks.

    Only formatting tags go; any other angle-bracket text is the letter's own and stays verbatim.
    Scripts and styles are dropped only from HTML pages, where they are the page's, not the letter's.
    """
    if drop_scripts:
        text = p.HTML_SCRIPT_STYLE.sub(" ", text)
    text = p.HTML_BREAK.sub("\n", text)
    text = p.HTML_TAG.sub(" ", text)
    text = html.unescape(text)
    text = p.MARKDOWN_HEADING.sub("", text)
    return p.MARKDOWN_EMPHASIS.sub("", text)


def unwrap(text: str) -> str:
    """Join hard-wrapped lines into running prose."""
    if "-\n" in text:
        text = p.HYPHEN_BREAK.sub("-", text)
    # Normalized text separates words by one space or one line break: then joining lines is a
    # replace, several times faster than splitting into words and joining them.
    flat = text.replace("\n", " ")
    if "  " not in flat and flat.isascii() and not _has_other_ascii_space(flat):
        return flat.strip(" ")
    return " ".join(text.split())


def _has_other_ascii_space(text: str) -> bool:
    """Any ASCII character str.split() takes for white space, other than the space and the line break."""
    return ("\t" in text or "\r" in text or "\x0b" in text or "\x0c" in text
            or "\x1c" in text or "\x1d" in text or "\x1e" in text or "\x1f" in text)


# ---------------------------------------------------------------------------------------------
# OCR'd text: the marks a scan leaves, misread labels and decisions
# ---------------------------------------------------------------------------------------------

LABEL_SIMILARITY = 85  # rapidfuzz ratio (0-100) from which a line's start is taken for a misread label
DECISION_SIMILARITY = 75  # ... and a heading's last word for a misread decision ("Uphe1d": 83, "Upfield": 77)
LABEL_LOST = 0.85  # a line's start as short as this share of a label is compared with it
CERTIFICATION_LABEL_LONGEST = 32  # characters: "Certification(s)/Specialty:" (27) misread a little longer
# rapidfuzz ratios from which a word no list knows is taken for one misread beyond edit distance: after
# "Decision", "rationale" ("satbineale": 74); a rationale's wrapped last word, "necessary" ("hecessarys": 84);
# where a heading's decision is, the decision it is most like ("Overtinnent": 67)
RATIONALE_LIKE = 50
CONCLUSION_LIKE = 75
DECISION_LIKE = 60


def clean_ocr(text: str) -> tuple[str, list[str]]:
    """OCR'd text made like a text layer's: table rules and speckle read as marks gone, misread labels
    and decision words put right. Returns the text and the corrections that change a fact (for the
    letter's parse warnings); cleaning marks away changes none."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = unicodedata.normalize("NFKC", text)  # the "fi" ligature Tesseract reads ("Complaiﬁts")
    text = "\n".join(p.OCR_PAGE_NUMBER.sub("", page) for page in text.split("\f"))
    text = p.OCR_BAR.sub(" ", text)
    if "©" in text or "€" in text:
        text = p.OCR_C_IN_CAPITALS.sub("C", text)
    text = p.SPACE_RUN.sub(" ", text.replace("\t", " "))
    text = p.OCR_MARKS_LINE.sub("", text)
    text = p.OCR_LEADING_NOISE.sub("", text)
    text = p.OCR_TRAILING_NOISE.sub("", text)
    text = p.OCR_MARK_AFTER_COLON.sub("", text)
    text = p.OCR_DOUBLE_STOP.sub(".", text)
    text = p.OCR_PARAGRAPH_END_COMMA.sub(".", text)
    text = p.OCR_UNDERSCORE.sub(" ", p.OCR_UNDERSCORE_IN_WORD.sub("", text))
    text = p.OCR_CERTIFICATION_LABEL.sub("Certification(s)/Specialty:", text)
    text = p.OCR_LICENSURE_LABEL.sub("State(s) of Licensure:", text)
    text = p.OCR_CLAIMS_LABEL.sub("Claims Administrator guideline:", text)
    text = p.OCR_RATIONALE_LABEL.sub(_rationale_label, text)
    text = p.OCR_RATIONALE_WORD.sub(_rationale_word, text)
    corrections: list[str] = []
    text = fix_phrases(text, corrections)
    text = "\n".join(fix_label(line) for line in text.split("\n"))
    if "HOW THE IMR FINAL DETERMINATION WAS MADE" not in text:  # its title lost: the section starts as every one does
        text = p.OCR_HOW_FIRST_SENTENCE.sub("HOW THE IMR FINAL DETERMINATION WAS MADE\n", text, count=1)
    if "Certification(s)/Specialty:" not in text:
        text = p.OCR_UNLABELLED_CERTIFICATION.sub(lambda match: _certification_line(match, corrections), text, count=1)
    text = p.OCR_DECISION_END.sub(lambda match: _fix_decision(match, corrections), text)
    text = p.OCR_HEADING_WITHOUT_COLON.sub(lambda match: _colon_before_decision(match, corrections), text)
    text = p.OCR_GARBLED_CONCLUSION.sub(lambda match: _garbled_conclusion(match, corrections), text)
    text = p.OCR_WRAPPED_CONCLUSION.sub(lambda match: _wrapped_conclusion(match, corrections), text)
    text = p.OCR_SPECK_BEFORE_DECISION.sub("", text)
    text = p.OCR_HEADING_AFTER_CONCLUSION.sub(lambda match: f"{match['before']}{match['heading']}: {match['word']}", text)
    text = p.OCR_STRAY_APOSTROPHE.sub("", text)
    text, spaces = p.OCR_DECIMAL_SPACE.subn(".", text)
    if spaces:
        corrections.append(f"a space OCR read after a dose's decimal point dropped ({spaces} time(s))")
    text = p.OCR_ORIGINAL_WORD.sub(lambda match: _original_word(match, corrections), text)
    text = p.OCR_ORIGINAL_SENTENCE.sub(lambda match: _original_sentence(match, corrections), text)
    text = p.OCR_QUOTE_BEFORE_MODIFIED_TAIL.sub("", text)
    text = p.OCR_MARK_BEFORE_CLOSING_IS.sub(" ", text)
    text, remaining = p.OCR_REMAINING_REQUEST.subn("request,", text)
    if remaining:
        corrections.append(f"a modified request's 'The remaining IMR eligible portion of the original request,' read "
                           f"by OCR with its last word misread ({remaining} time(s)): put right")
    text, commas = p.OCR_COMMA_FOR_STOP.subn(".", text)
    if commas:
        corrections.append(f"a mark OCR read for the full stop before a modified request's closing sentence "
                           f"put right ({commas} time(s))")
    text, lost_commas = p.OCR_ORIGINAL_REQUEST_NO_COMMA.subn("The original request,", text)
    if lost_commas:
        corrections.append(f"a modified request's 'The original request,' read by OCR without its comma "
                           f"({lost_commas} time(s)): comma put back")
    return text, corrections


def _colon_before_decision(match, corrections: list[str]) -> str:
    """A heading whose colon OCR lost ("Compi'ehehsive psychologlcal'testingi Upheld"), known for one
    by the item label on the next line: its decision word, if it is one, gets its colon back."""
    word = match["word"]
    decision = decision_word(word)
    if decision is None and _like_a_decision(word):
        return f"{match['heading']}: {word}\n"  # a decision OCR could not read: parsing takes it from the rationale
    if decision is None:
        return match[0]
    if word != decision:
        corrections.append(f"decision read by OCR as {word!r}, taken as {decision!r}")
    return f"{match['heading']}: {decision}\n"


def _certification_line(match, corrections: list[str]) -> str:
    """The reviewer's certification line, its label misread beyond recognition ("CHEESE np enny: Physical
    Medicine & Rehabilitation", "anon Preventive Medicine"), known by its place: the one line after the
    licensure line, before the block's blank line. The words before a colon near its start were the label;
    with no colon, the line is left whole after it (the names are checked against the known ones)."""
    line = match["line"]
    colon = line.find(":", 0, CERTIFICATION_LABEL_LONGEST)
    label = f"its label read by OCR as {line[:colon + 1]!r}" if colon >= 0 else "its label not read by OCR"
    corrections.append(f"the line after the licensure read as the certifications, {label}")
    return f"{match['licensure']}Certification(s)/Specialty: {line[colon + 1:].lstrip() if colon >= 0 else line}"


def _like_a_decision(word: str) -> bool:
    """Whether a word no list knows, ending a heading line before its item's label, is more like one
    decision word than anything else ("Overtinnent": 67 like "Overturned", 12 like "Upheld"), though
    too far from it to be taken for it: "Synapryn" or "Deprizine" ending a heading is no decision."""
    from imrdb.spelling import known_words

    scores = sorted(fuzz.ratio(word.lower(), decision.lower()) for decision in p.DECISION_WORDS)
    return word.lower() not in known_words() and scores[1] >= DECISION_LIKE and scores[0] < DECISION_LIKE - 20


def _garbled_conclusion(match, corrections: list[str]) -> str:
    """"medically necessary." for a rationale's closing words misread before a heading ("medically wae")."""
    from imrdb.spelling import known_words

    if match["word"] in known_words():
        return match[0]
    corrections.append(f"a rationale's closing 'medically necessary.' read by OCR as {match[0].strip()!r}: put right")
    return "medically necessary."


def _misread_of(word: str, meant: str, least: float) -> bool:
    """Whether an OCR'd word is no known word and at least `least` like the word `meant` (rapidfuzz ratio,
    lower-case): that word misread beyond correction by edit distance ("hecessarys", "satbineale")."""
    from imrdb.spelling import known_words

    return word.lower() not in known_words() and fuzz.ratio(word.lower(), meant) >= least


def _wrapped_conclusion(match, corrections: list[str]) -> str:
    """"medically necessary." for a rationale's last word misread on a line of its own ("hecessarys"):
    no known word, and like "necessary"."""
    if not _misread_of(match["word"], "necessary", CONCLUSION_LIKE):
        return match[0]
    corrections.append(f"a rationale's closing 'medically necessary.' read by OCR as "
                       f"{' '.join(match[0].split())!r}: put right")
    return "medically necessary."


def _original_word(match, corrections: list[str]) -> str:
    """"was the original request" where OCR misread "original" into no known word ("oxtiiaia")."""
    from imrdb.spelling import known_words

    if match["word"] == "original" or match["word"] in known_words():
        return match[0]  # "was the first request": a sentence of the letter's own
    corrections.append(f"a modified request's 'was the original request' read by OCR as "
                       f"{' '.join(match[0].split())!r}: put right")
    return f"was{match[1]}the{match[2]}original{match[4]}request"


def _original_sentence(match, corrections: list[str]) -> str:
    """"... was the original request." as the letter has it, where OCR put a speck or a comma in it."""
    right = f"was{match[1] or ' '}the{match[2]}original{match[3]}request."
    if match[0] != right:
        corrections.append(f"a modified request's 'was the original request.' read by OCR as {' '.join(match[0].split())!r}: "
                           f"put right")
    return right


def _rationale_word(match) -> str:
    """"Decision rationale:" for a line's "Decision" and a word no list knows that is like "rationale"
    ("satbineale"); "Decision based on ...", a guideline's words, stays."""
    return "Decision rationale:" if _misread_of(match["word"], "rationale", RATIONALE_LIKE) else match[0]


def _rationale_label(match) -> str:
    """"Decision rationale:" for a line starting with what is left of it ("—e rationale:"): at most two
    characters, the end of "Decision" or close to it; any other "... rationale:" ("The rationale:") stays."""
    rest = match["rest"].strip("-—–~_.,'\"").lower()
    if len(rest) <= 2 or "decision".endswith(rest) or fuzz.ratio(rest, "decision") >= LABEL_SIMILARITY:
        return "Decision rationale:"
    return match[0]


def fix_phrases(text: str, corrections: list[str] | None = None) -> str:
    """The phrases the parser reads by (p.OCR_PHRASES) spelt right where OCR misread a letter of them;
    each one put right noted in `corrections`, if given."""
    def fix(match, phrase: str) -> str:
        if fuzz.ratio(match[0].lower(), phrase) < LABEL_SIMILARITY or match[0].lower() == phrase:
            return match[0]
        if corrections is not None and " ".join(match[0].lower().split()) != phrase:  # not for a line break in it
            corrections.append(f"{phrase!r} read by OCR as {' '.join(match[0].split())!r}: put right")
        return _in_case_of(match[0], phrase)

    for phrase, pattern in p.OCR_PHRASES.items():
        text = pattern.sub(lambda match: fix(match, phrase), text)
    return text


def _in_case_of(read: str, phrase: str) -> str:
    """`phrase` with the first letter's case of what was read ("The original request")."""
    return phrase[0].upper() + phrase[1:] if read[:1].isupper() else phrase


def fix_label(line: str) -> str:
    """A line that starts with a misread label ("Claims Adininistrator guidellne: ...") starting with
    the label; any other line as it is."""
    if len(line) < 12:
        return line
    read = line
    line = line.lstrip(p.OCR_MARKS_BEFORE_LABEL)  # "| * GLINICAL CASE SUMMARY", '"  OLINICAL CASE SUMMARY'
    if len(line) < 12:
        return read
    best, best_score, best_end = None, 0.0, 0
    for label in p.OCR_LINE_LABELS:
        if line.startswith(label):
            best, best_score, best_end = label, 100.0, len(label)
            break
        firsts = label[0].lower() + p.OCR_FIRST_LETTER_READINGS.get(label[0], "")
        if line[0].lower() not in firsts and label[0].lower() != line[1].lower() and line[0] != label[1]:
            continue  # neither its first letter (or one OCR reads for it), nor (a stray mark before it) its second,
            # nor its second letter (the first lost: "OW THE IMR FINAL DETERMINATION WAS MADE"): not this label
        # a label read a few characters longer or shorter, or with a word lost ("The Final — was: based on ...")
        shortest = max(1, min(len(label) - 3, round(len(label) * LABEL_LOST)))
        for end in range(shortest, min(len(line), len(label) + 3) + 1):
            score = fuzz.ratio(line[:end], label)
            if score > best_score:
                best, best_score, best_end = label, score, end
    if best is None or best_score < LABEL_SIMILARITY:
        return read
    rest = line[best_end:]
    if not best.endswith(":"):  # a section title is a line of its own: what follows it was specks ("RATIONALES 7", "SUMMARY™", "SUMMARY’ oy ,")
        return best if len(rest.strip()) <= 2 or not p.OCR_WORD_OF_THREE.search(rest) else read
    return best + (" " + rest.lstrip() if rest.strip() else rest)


def decision_word(word: str) -> str | None:
    """The decision an OCR'd word is ("Uphe1d": Upheld), when it is close to one and not to the other."""
    scores = {decision: fuzz.ratio(word.lower(), decision.lower()) for decision in p.DECISION_WORDS}
    decision = max(scores, key=scores.get)
    if scores[decision] < DECISION_SIMILARITY or min(scores.values()) >= DECISION_SIMILARITY:
        return None
    return decision


def _fix_decision(match, corrections: list[str]) -> str:
    word = match[1].rstrip(".,'‘’\"“”")
    if word in p.DECISION_WORDS:
        return ": " + word  # specks after it gone; "L5-S1; Upheld": the colon misread
    decision = decision_word(match[1])
    if decision is None:
        return match[0]
    if match[1].lower() != decision.lower():
        corrections.append(f"decision read by OCR as {match[1]!r}, taken as {decision!r}")
    return ": " + decision
