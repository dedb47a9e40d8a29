"""Raw text of any format -> normalized letter text.

Normalized text has LF line ends, no byte order mark, no markup, single spaces, no blank lines,
and every label a letter puts at the start of a line ("Decision rationale:", section titles) back
at the start of a line. Hard wraps are kept: the parser reads lines; `unwrap` joins them for prose.
"""

from __future__ import annotations

import html
import re
import unicodedata

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
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n").replace("\v", "\n")
    if not text.isascii():
        for character, replacement in _UNICODE_REPLACEMENTS:  # str.replace: far faster than str.translate
            if character in text:
                text = text.replace(character, replacement)
        text = unicodedata.normalize("NFKC", text)
        if not text.isascii():
            text = p.UNICODE_SPACE.sub(" ", text)
    if (source_format in ("html", "markdown") or "</" in text or "<b>" in text or "<B>" in text
            or "**" in text or "\n#" in text or text.startswith("#")):
        text = strip_markup(text, drop_scripts=source_format == "html")
    text = p.LINE_LABEL.sub(_label_at_line_start, text)
    text = p.RUN_IN_AFTER_INTRO.sub(r"\1\n", text)
    if "\t" in text:
        text = text.replace("\t", " ")
    text = p.SPACE_RUN.sub(" ", text)
    text = "\n".join(filter(None, [line.strip(" ") for line in text.split("\n")]))
    if "age" in text:
        text = p.PAGE_FOOTER.sub("", text)
    text = _drop_running_headers(text)
    return p.WRAPPED_DECISION.sub(": ", text)


def _drop_running_headers(text: str) -> str:
    """A case number alone on a line again after the header is a page's running header: drop it."""
    repeats = list(p.CASE_NUMBER_LINE.spans(text))[1:]
    for start, match in reversed(repeats):
        text = text[:start] + text[match.end() + 1:]
    return text


def _label_at_line_start(match: re.Match) -> str:
    start = match.start()
    if start == 0 or match.string[start - 1] == "\n":
        return match.group()
    return "\n" + match.group()


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


# Letters are not hyphenated for justification, so a line ending in a hyphen is a compound word
# ("non-\ncertified"): keep the hyphen, drop the break.
_HYPHEN_BREAK = re.compile(r"(?<=[A-Za-z])-\n(?=[A-Za-z])")


def unwrap(text: str) -> str:
    """Join hard-wrapped lines into running prose."""
    if "-\n" in text:
        text = _HYPHEN_BREAK.sub("-", text)
    return " ".join(text.split())
