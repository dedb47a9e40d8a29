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

_TRANSLATE = str.maketrans({
    "\ufeff": None, "\u00ad": None, "\u200b": None,  # BOM, soft hyphen, zero-width space
    "\r": "\n", "\f": "\n", "\v": "\n", "\u2028": "\n", "\u2029": "\n",
    "\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"',
    "\u2013": "-", "\u2014": "-", "\u2010": "-", "\u2011": "-", "\u2212": "-",
    "\t": " ", "\u00a0": " ",
})


def normalize(text: str, source_format: str = "text") -> str:
    """Normalize a letter's text; `source_format` is "pdf", "text", "markdown" or "html"."""
    text = text.replace("\r\n", "\n").translate(_TRANSLATE)
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
    if source_format in ("html", "markdown") or "</" in text or "<b>" in text.lower():
        text = strip_markup(text)
    text = p.PAGE_FOOTER.sub("", text)
    text = _squeeze(text)
    text = p.RUN_IN_LABEL.sub("\n", text)
    text = p.RUN_IN_AFTER_INTRO.sub(r"\1\n", text)
    text = p.WRAPPED_DECISION.sub(": ", text)
    return text.strip()


def _squeeze(text: str) -> str:
    """Single spaces, no leading or trailing space on a line, no blank lines."""
    lines = (p.HORIZONTAL_SPACE.sub(" ", line).strip() for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


def strip_markup(text: str) -> str:
    """Remove HTML tags and markdown emphasis and heading marks, keeping the words and line breaks."""
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
    text = _HYPHEN_BREAK.sub("-", text.strip())
    return " ".join(text.split())
