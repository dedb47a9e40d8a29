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
import unicodedata
from collections import Counter, defaultdict

from rapidfuzz.distance import Levenshtein

from imrdb import patterns as p

ALPHABET = "abcdefghijklmnopqrstuvwxyz"
MIN_EDIT_LENGTH = 5  # shorter words are one edit from too many others for a single one to mean much
MAX_CONFUSIONS = 2  # "employcc": two letters of a like shape misread in one word
# How often (in pyspellchecker's counts) a word must occur in English to be taken for a misread word
# that the letter does not use elsewhere: "female" 56,744, "comprehensive" 2,641; not "bolter" (50),
# which "Holter" (a monitor no list knows) is one confusion from.
COMMON_WORD_COUNT = 500
# A heading is taken as read again where as many of its words, in order, are as this leaves: at most
# MOST_WORDS_OTHER of them read otherwise, and at most a third; a heading of fewer than MIN_COPY_WORDS
# words is too short to tell its copies from words that merely look alike.
MIN_COPY_WORDS = 3
MOST_WORDS_OTHER = 2
# A word read otherwise in a copy is the same word misread when it is as long give or take
# MOST_LETTERS_OTHER letters and that many edits from it, and at most a third of its letters
# ("Jambar" for "lumbar": 2 edits; "buaterel" for "bilateral": 3), not a shorter word that begins alike
# ("lumbosacral" and "lumbar": 5).
MOST_LETTERS_OTHER = 3
MANY_COPIES = 2  # ... or this many of its copies read another, known too: theirs (Copies._taken)
MANY_TIMES = 3  # a known word read in a heading where copies read another, known too, this often: theirs (Copies._taken)


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
    if _inflected(lower, known):
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


def without_accents(text: str) -> tuple[str, list[tuple[str, str]]]:
    """`text` with each word OCR read with an accent written without it ("Pré-operative", "Etodolaé", which
    the spelling then takes for "Etodolac"): no description prints an accent; and the (read, taken) pairs.
    A mark no letter is under (a "¢") stays."""
    changes: list[tuple[str, str]] = []

    def fix(match: re.Match) -> str:
        word = match[0]
        if word.isascii():
            return word
        plain = unicodedata.normalize("NFKD", word).encode("ascii", "ignore").decode()
        if len(plain) != len(word):
            return word
        changes.append((word, plain))
        return plain

    return p.OCR_WORD.sub(fix, text), changes


def letter_words(text: str) -> frozenset[str]:
    """The known words (lower-case) a letter's text uses."""
    known = known_words()
    return frozenset(word for word in p.WORD_LETTERS.findall(text.lower()) if word in known)


class Copies:
    """A letter's words, for reading each of its OCR'd headings against the other places the letter says
    the same words: a rationale's 'the request for "Cyclobenzaprine 5% in cream base 240g" is not
    medically necessary', a summary's 'non-certified the request for EMG-NCS of the bilateral upper
    extremities'. OCR misreads a word in one place and not in another. A copy is a run of the letter's
    words as long as the heading's, all but one or two of them (at most a third) the heading's, in
    order; where a heading's word is read otherwise there, near it (MOST_LETTERS_OTHER), the copy's is
    taken when the heading's is no known word and the copy's is, or is read more often ("Jambar":
    "lumbar", "buaterel": "bilateral"; see _taken). Where both are known words or numbers as long
    ("130mg" against "150mg", "Are" against "Arc"), which one OCR misread is not known: the heading stays
    as read, with a warning. A mark after a word of the heading that no copy has is a speck ("Bupropion
    HCL, 150mg #90"), and so is a character before it that the copies of the rest lack ("7 Deprizine").
    Never a word the letter does not print: only its copies'."""

    def __init__(self, text: str) -> None:
        words = (p.HYPHEN_BREAK.sub("-", text) if "-\n" in text else text).split()  # "Pre-\noperative"
        # a mark standing alone is no word of a copy but the end of the word before it ("Cyclobenzaprine 3% ,
        # Gabapentin 6% , Lidocaine": "3%," and "6%,")
        self.words = []
        for word in words:
            if _copy_key(word) or not self.words:
                self.words.append(word)
            else:
                self.words[-1] += word
        self.keys = [_copy_key(word) for word in self.words]
        self.at: dict[str, list[int]] = defaultdict(list)
        self.capitals: dict[int, set[str]] = defaultdict(set)  # the abbreviations the letter reads, by length
        for index, (word, key) in enumerate(zip(self.words, self.keys)):
            if key:
                self.at[key].append(index)
            for abbreviation in p.OCR_ABBREVIATION.findall(word):
                self.capitals[len(abbreviation)].add(abbreviation)

    def agree(self, heading: str) -> tuple[str, list[tuple[str, str]], list[tuple[str, str]]]:
        """`heading` with each word its copies put right put right; the (read, taken) pairs; and the
        (read, read elsewhere) pairs of known words its copies read otherwise, left as read. A heading
        put right is read against its copies once more: a word put right can make a copy exact, which
        shows a speck beside it ("Cyclobenzaprine. %": "Cyclobenzaprine. 5%", then "Cyclobenzaprine 5%")."""
        right, changes, doubts = self._agree_once(heading)
        if changes:  # the heading's own place in the letter, as read, is no copy of it
            right, more, doubts = self._agree_once(right, [_copy_key(word) for word in heading.split()])
            changes += more
        return right, changes, doubts

    def _agree_once(self, heading: str, read: list[str] | None = None) -> tuple[str, list, list]:
        spans = [match.span() for match in p.OCR_WORD.finditer(heading)]
        words = [heading[start:end] for start, end in spans]
        keys = [_copy_key(word) for word in words]
        if len(words) < MIN_COPY_WORDS:
            return heading, [], []
        changes: list[tuple[str, str]] = []
        if len(keys[0]) <= 1 and self._said_without(keys[1:], keys[0]):
            # a speck before the heading read as a character ("7 Deprizine (unknown quantity)"), which the
            # letter's copies of the rest do not have: "Deprizine (unknown quantity)"
            changes.append((f"{words[0]} {words[1]}", words[1]))
            offset = spans[1][0]
            heading, words, keys = heading[offset:], words[1:], keys[1:]
            spans = [(start - offset, end - offset) for start, end in spans[1:]]
        read_there, specks = self._read_in_copies(words, keys, read)
        right = list(words)
        for index in specks:
            right[index] = words[index][:-1]  # "Bupropion HCL, 150mg #90": a speck read as a comma
        doubts: list[tuple[str, str]] = []
        for index in sorted(read_there):
            word = words[index]
            core = _core(word) or word  # "%": what OCR left of "5%"
            marks = not any(character.isalnum() for character in word)  # "=,", "—": what OCR left of "6%,", "spine"
            near = [(copies, self.times(copy), copy) for copy, copies in read_there[index].items()
                    if (_misread_for(core, copy) or (marks and well_formed(copy)))
                    and copy.capitalize() not in p.DECISION_WORDS]  # the heading's own line: "(unknown —— Upheld"
            if not near:
                continue
            near.sort(reverse=True)
            if len(near) > 1 and near[0][:2] == near[1][:2]:
                continue  # copies that read it two ways as often ("EMG-NCS", "EMG/NCS" once each): none is sure
            copies, times, copy = near[0]
            if marks and well_formed(copy):
                right[index] = copy + (word[-1] if word[-1] in ",;" else "")
            elif self._taken(core, copy, times, copies):
                right[index] = word.replace(core, _in_case_of(copy, core), 1)
            elif well_formed(core) and well_formed(copy) and len(core) == len(copy):
                doubts.append((word, copy))  # "130mg" and "150mg", "Are" and "Arc"; not "points" and "Point"
        pieces, last = [], 0
        for index, (start, end) in enumerate(spans):
            if right[index] != words[index]:
                changes.append((words[index], right[index]))
                pieces += [heading[last:start], right[index]]
                last = end
        return "".join(pieces) + heading[last:], changes, doubts

    def _read_in_copies(self, words: list[str], keys: list[str],
                        read: list[str] | None = None) -> tuple[dict[int, Counter], list[int]]:
        """For a heading's words (and their keys): how its copies read each word they read otherwise, by
        its place; and the places of the words with a mark after them (not the last) that no exact copy
        has, the heading's own place in the letter aside. `read`: the keys of the heading as first read,
        when it was put right since: where the letter reads those, it is the heading's own place."""
        count = len(words)
        starts: Counter = Counter()  # where a copy may start: how many of the heading's words it has there
        for index, key in enumerate(keys):
            for at in self.at.get(key, ()):
                if at >= index:
                    starts[at - index] += 1
        most_other = min(MOST_WORDS_OTHER, count // 3)
        read_there: dict[int, Counter] = defaultdict(Counter)
        marked, unmarked = Counter(), Counter()  # of each word with a mark after it, the exact copies with it, without
        for start, same in starts.items():
            if start + count > len(self.words) or count - same > most_other:
                continue
            if read is not None and self.keys[start: start + len(read)] == read:
                continue
            for index in range(count):
                there = self.words[start + index]
                if self.keys[start + index] != keys[index]:
                    read_there[index][_core(there)] += 1
                elif same == count and index < count - 1 and words[index][-1] in p.OCR_SPECK_MARKS:
                    if there[-1] == words[index][-1]:
                        marked[index] += 1
                    elif there[-1].isalnum() or there[-1] in "%)":
                        unmarked[index] += 1
        return read_there, [index for index in unmarked if marked[index] <= 1]

    def abbreviations(self, heading: str) -> tuple[str, list[tuple[str, str]]]:
        """`heading` with each abbreviation in it (two to five capitals) that the letter reads nowhere else
        taken for the one the letter reads MANY_TIMES or more that is a letter OCR confuses with one of its
        own away (p.OCR_CONFUSIONS: "NCY bilateral lower extremities", "NCV" eight times in the letter);
        and the (read, taken) pairs. An abbreviation no copy of the heading need say again: the letter's
        other places do."""
        changes: list[tuple[str, str]] = []

        def fix(match: re.Match) -> str:
            word = match[0]
            if self.times(word) > 1:
                return word
            found = {other for other in self.capitals.get(len(word), ()) if other != word
                     and sum(a != b for a, b in zip(word, other)) == 1
                     and all(b.lower() in p.OCR_CONFUSIONS.get(a.lower(), ()) for a, b in zip(word, other) if a != b)
                     and self.times(other) >= MANY_TIMES}
            if len(found) != 1:
                return word
            changes.append((word, found.pop()))
            return changes[-1][1]

        return p.OCR_ABBREVIATION.sub(fix, heading), changes

    def _said_without(self, keys: list[str], before: str) -> bool:
        """Whether the letter says the words of `keys` (two or more), in order, somewhere not after `before`."""
        return len(keys) >= 2 and any(
            self.keys[at: at + len(keys)] == keys and (at == 0 or self.keys[at - 1] != before)
            for at in self.at.get(keys[0], ()))

    def times(self, word: str) -> int:
        """How many times the letter reads `word` (its marks aside, in any case)."""
        return len(self.at.get(word.lower(), ()))

    def _taken(self, word: str, copy: str, times: int, copies: int = 1) -> bool:
        """Whether a heading's `word` is taken for a copy's `copy`, which the letter reads `times` times:
        - the heading's is no known word and the copy's is ("crear": "cream"), or the letter reads the
          copy's more often ("acremioplasty" once: "acromioplasty", which no list knows, five times);
        - both are known words of as many letters and the heading's is read nowhere else, and the copy's
          is read in MANY_COPIES of its copies or more ("Bilateral bearing aids" once, "hearing" in two
          copies), or MANY_TIMES in the letter and is no common word ("RCE" once, "FCE" four times; not
          "Arc" once and "are" forty times). Never a number: "#90" in the heading and "#60" three times in the summary
          may both be printed so; but a quantity's "#" read as a digit or letter of its shape is one
          ("Celecoxib 200mg 490" against "#90": p.OCR_HASH_READINGS)."""
        read = self.times(word)
        if copy.startswith("#") and any(word == reading + copy[1:] for reading in p.OCR_HASH_READINGS):
            return True
        if copy[-1:] in p.OCR_UNIT_READINGS and copy[:-1].isdigit() and word[:-1] == copy[:-1] \
                and word[-1:] in p.OCR_UNIT_READINGS[copy[-1]]:
            return True  # a unit's letter read as a digit of its shape ("cream base 2408" against "240g")
        if not well_formed(word):
            return well_formed(copy) or (times >= 2 and times > read)
        return (copy.isalpha() and well_formed(copy) and len(copy) == len(word) and read <= 1
                and ((times >= MANY_TIMES and copy.lower() not in _word_lists()[1]) or copies >= MANY_COPIES))


def _misread_for(word: str, copy: str) -> bool:
    """Whether `word` may be `copy` misread: near it (MOST_LETTERS_OTHER), and not the same letters and
    digits with other marks between them ("EMG/NCS" and "EMG-NCS": neither is a misreading)."""
    if not word or not copy or p.NON_ALPHANUMERIC.sub("", word).lower() == p.NON_ALPHANUMERIC.sub("", copy).lower():
        return False
    most = min(MOST_LETTERS_OTHER, max(1, len(copy) // 3))
    return abs(len(word) - len(copy)) <= most and Levenshtein.distance(word.lower(), copy.lower()) <= most


def _core(word: str) -> str:
    """A word without the marks at its ends ('"EMG/NCS', "{nerve", "240g\"")."""
    core = p.OCR_WORD_CORE.search(word)
    return core[0] if core else ""


def _copy_key(word: str) -> str:
    return _core(word).lower()


def well_formed(word: str) -> bool:
    """Whether an OCR'd word (its marks stripped) is one a letter prints: each part of it between
    hyphens and slashes a known word (or its plural or past), an abbreviation of two to five capitals
    ("EMG", "PTT") or a number, dose or quantity ("150mg", "#60"); or, hyphens left out, a known word."""
    parts = [part for part in p.HYPHEN_OR_SLASH.split(word) if part]
    if len(parts) > 1 and "/" not in word and "".join(parts).lower() in known_words():
        return True  # "Pre-operative": no list has "pre", but "preoperative"
    return bool(parts) and all(_a_printed_part(part) for part in parts)


def _a_printed_part(part: str) -> bool:
    if p.OCR_WELL_FORMED_NUMBER.fullmatch(part):
        return True
    if not part.isalpha() or not part.isascii():
        return False
    if part.isupper() and 2 <= len(part) <= 5:
        return True
    lower, known = part.lower(), known_words()
    return lower in known or _inflected(lower, known)


def _inflected(lower: str, known: set[str]) -> bool:
    """Whether a lower-case word is a known word's plural or past (p.WORD_ENDINGS: "opioids", "scored")."""
    return any(lower.endswith(ending) and lower[:-len(cut)] in known for ending, cut in p.WORD_ENDINGS.items())


def _in_case_of(copy: str, word: str) -> str:
    """A copy's word in the case of the heading's ("custom" for "Cuntom": "Custom"); one with capitals
    inside ("EMG/NCS") as the copy has it."""
    if not (copy.islower() or copy.istitle()):
        return copy
    if word.isupper() and len(word) > 1:
        return copy.upper()
    return copy.capitalize() if word[:1].isupper() else copy.lower()
