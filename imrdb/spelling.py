"""OCR'd words -> the words they were meant to be, where that is unambiguous.

A scan's words are read a letter wrong ("Comprehensiye", "umbar", "ycar oid femalc"). A word is put
right only when it is no known word itself and exactly one known word is near it: first by the
confusions OCR makes between letters of a like shape (p.OCR_CONFUSIONS: "c" read for "e", "i" for
"l", "y" for "v"), to a common word or one the letter uses elsewhere ("Holter", a monitor no list
knows, is one confusion from the rare "bolter"), and for a word under five letters only to one the
letter uses elsewhere, since "sai" could be many; then, for a word long enough that one edit seldom
leads to two words, by one edit of any kind to a word the letter itself uses elsewhere ("umbar":
"lumbar", read right in the rationale; a medical word no list knows, "myositis", is one edit from
"myosotis", which no letter uses). Known words are pyspellchecker's English word list (in the `ocr`
extra) with the lexicon's drug names and the known state and specialty names: words a letter uses
that no list knows (a compounded product's brand, "Synapryn") have no known word near them and stay
as read. Digital letters never come here.
"""

from __future__ import annotations

import functools
import itertools
import re

from imrdb import patterns as p

ALPHABET = "abcdefghijklmnopqrstuvwxyz"
MIN_EDIT_LENGTH = 5  # shorter words are one edit from too many others for a single one to mean much
MAX_CONFUSIONS = 2  # "employcc": two letters of a like shape misread in one word
# How often (in pyspellchecker's counts) a word must occur in English to be taken for a misread word
# that the letter does not use elsewhere: "female" 56,744, "comprehensive" 2,641; not "bolter" (50),
# which "Holter" (a monitor no list knows) is one confusion from.
COMMON_WORD_COUNT = 500


@functools.lru_cache(maxsize=1)
def _word_lists() -> tuple[set[str], frozenset[str]]:
    """(known, common): lower-case words taken as spelt right, and those of them common enough (or the
    lexicon's and the known names') to be taken for a misread word the letter does not use elsewhere.
    Both empty without pyspellchecker (no word is then corrected). Neither is to be changed."""
    try:
        from spellchecker import SpellChecker
    except ImportError:
        return set(), frozenset()
    from imrdb.enrich.lexicon import load_lexicon
    from imrdb.parse import known_names

    frequency = SpellChecker(language="en", distance=1).word_frequency.dictionary
    ours: set[str] = set()
    names = [*load_lexicon().drugs, *(entry.generic for entry in load_lexicon().drugs.values()),
             *known_names("states"), *known_names("specialties")]
    for name in names:
        ours.update(p.WORD_LETTERS.findall(name.lower()))
    common = frozenset(ours.union(word for word, count in frequency.items() if count >= COMMON_WORD_COUNT))
    ours.update(frequency)  # built in place and not copied: a worker's memory peaks here
    del frequency
    return ours, common


def known_words() -> set[str]:
    """Lower-case words taken as spelt right (see _word_lists); not to be changed."""
    return _word_lists()[0]


def _confused(word: str) -> set[str]:
    """Every reading of `word` with up to MAX_CONFUSIONS of its letters swapped for the letters OCR takes them for."""
    places = [(index, size, instead) for size in (1, 2) for index in range(len(word) - size + 1)
              for instead in p.OCR_CONFUSIONS.get(word[index: index + size], ())]
    readings = set()
    for count in range(1, MAX_CONFUSIONS + 1):
        for chosen in itertools.combinations(places, count):
            ends = [index + size for index, size, _ in chosen]
            if any(end > later for end, (later, _, _) in zip(ends, chosen[1:])):
                continue  # two swaps that overlap
            reading, last = [], 0
            for index, size, instead in chosen:
                reading += [word[last:index], instead]
                last = index + size
            readings.add("".join(reading) + word[last:])
    return readings


def _one_edit(word: str) -> set[str]:
    """Every string one deletion, transposition, substitution or insertion from `word` (Norvig's edits1)."""
    splits = [(word[:index], word[index:]) for index in range(len(word) + 1)]
    return ({left + right[1:] for left, right in splits if right}
            | {left + right[1] + right[0] + right[2:] for left, right in splits if len(right) > 1}
            | {left + letter + right[1:] for left, right in splits if right for letter in ALPHABET}
            | {left + letter + right for left, right in splits for letter in ALPHABET})


def _two_words(word: str, known: set[str]) -> bool:
    """Whether `word` is two known words run together ("Ihave", "developinga"): then no edit of it is sure."""
    return any(_a_word(word[:index], known) and _a_word(word[index:], known) for index in range(1, len(word)))


def _a_word(part: str, known: set[str]) -> bool:
    # the list has short words no letter uses ("um"): a word under three letters must be a common one
    return part in p.SHORT_WORDS if len(part) < 3 else part in known


def correct_word(word: str, used: frozenset[str] | set[str] = frozenset()) -> str | None:
    """The known word an OCR'd word was meant to be, in the word's case, or None: the word is known,
    is no plain word, or more than one known word is as near. `used`: the known words (lower-case)
    the letter uses elsewhere, as read: a word one edit away must be one of them."""
    known = known_words()
    lower = word.lower()
    if len(word) < 3 or not word.isalpha() or not word.isascii() or lower in known or not known:
        return None
    if not (word.islower() or word.istitle() or (word.isupper() and len(word) > 3)):
        return None  # "EMGINCS", "PTn": an abbreviation or a mixed reading, not a word misread
    if any(lower.endswith(ending) and lower[:-len(cut)] in known for ending, cut in p.WORD_ENDINGS.items()):
        return None  # a known word's plural or past ("opioids", "entrapments"): no list has them all
    common = _word_lists()[1] if len(lower) >= MIN_EDIT_LENGTH else frozenset()
    found = {reading for reading in _confused(lower) if reading in common or reading in used}
    if len(found) != 1 and len(lower) >= MIN_EDIT_LENGTH and not word.isupper() and not _two_words(lower, known):
        found = _one_edit(lower) & used
    if len(found) != 1:
        return None
    right = found.pop()
    return right.upper() if word.isupper() else right.capitalize() if word[0].isupper() else right


def correct_words(text: str, used: frozenset[str] | set[str] = frozenset(),
                  words: re.Pattern = p.OCR_PLAIN_WORD) -> tuple[str, list[tuple[str, str]]]:
    """`text` with each of its `words` that `correct_word` puts right put right; and the (read, taken) pairs."""
    changes: list[tuple[str, str]] = []

    def fix(match: re.Match) -> str:
        right = correct_word(match[0], used)
        if right is None:
            return match[0]
        changes.append((match[0], right))
        return right

    return words.sub(fix, text), changes


def join_split_words(text: str) -> tuple[str, list[tuple[str, str]]]:
    """`text` with each pair of words OCR split, neither a known word, that run together are one
    ("decompr ession": "decompression"), joined; and the (read, taken) pairs."""
    known = known_words()
    changes: list[tuple[str, str]] = []
    pieces, last, previous = [], 0, None
    for word in p.OCR_WORD_PART.finditer(text):
        if (previous is not None and text[previous.end(): word.start()] == " " and word[0].islower()
                and (previous[0] + word[0]).lower() in known
                and previous[0].lower() not in known and word[0].lower() not in known):
            changes.append((f"{previous[0]} {word[0]}", previous[0] + word[0]))
            pieces += [text[last: previous.end()], ""]
            last = word.start()
            previous = None
            continue
        previous = word
    return "".join(pieces) + text[last:], changes


def letter_words(text: str) -> frozenset[str]:
    """The known words (lower-case) a letter's text uses."""
    known = known_words()
    return frozenset(word for word in p.WORD_LETTERS.findall(text.lower()) if word in known)
