"""Fast matching of many ordered patterns that each start at the beginning of a word.

Joining a few hundred `\\b...` alternatives into one regular expression makes the engine try every
alternative at every position (Python's `re` only skips an alternative quickly when it starts with a
literal character, and `\\b` is not one). WordStartMatcher instead splits each pattern into its
top-level alternatives, works out which characters each alternative can start with, and builds one
small expression per first character. At each word start of the text only the expression for that
character runs. Results are the same as trying the patterns in order; it is just much faster.

Patterns must start at a word (begin with `\\b`, a letter or a digit, possibly after a look-behind)
or be anchored to the start of the text with `^`.
"""

from __future__ import annotations

import re
import string
from collections.abc import Sequence

try:  # Python 3.11+
    from re import _constants as _c, _parser as _p  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - older Pythons
    import sre_constants as _c  # type: ignore[no-redef]
    import sre_parse as _p  # type: ignore[no-redef]

WORD_CHARS = frozenset(string.ascii_lowercase + string.digits + "_")
_WORD_START = re.compile(r"\b\w")
_LEADING_BOUNDARY = re.compile(r"^(?:\\b)+")
_MISSING = object()


class PatternShapeError(ValueError):
    """A pattern alternative that cannot begin at the start of a word."""


def split_alternatives(pattern: str) -> list[str]:
    """The top-level '|' alternatives of a regular expression's source."""
    parts, depth, in_class, start, i = [], 0, False, 0, 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            i += 2
            continue
        if in_class:
            if char == "]":
                in_class = False
        elif char == "[":
            in_class = True
            if pattern[i + 1 : i + 2] == "^":
                i += 1
            if pattern[i + 1 : i + 2] == "]":  # "[]...]" and "[^]...]" hold a literal ']'
                i += 1
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "|" and depth == 0:
            parts.append(pattern[start:i])
            start = i + 1
        i += 1
    parts.append(pattern[start:])
    return parts


_ZERO_WIDTH = {_c.AT, _c.ASSERT, _c.ASSERT_NOT}
_REPEATS = {_c.MAX_REPEAT, _c.MIN_REPEAT, getattr(_c, "POSSESSIVE_REPEAT", _c.MAX_REPEAT)}
_CATEGORY_CHARS = {
    _c.CATEGORY_DIGIT: frozenset(string.digits),
    _c.CATEGORY_WORD: WORD_CHARS,
}


def _class_chars(items) -> frozenset[str] | None:
    chars: set[str] = set()
    for op, av in items:
        if op is _c.LITERAL:
            chars.add(chr(av))
        elif op is _c.RANGE:
            low, high = av
            if high - low > 256:
                return None
            chars.update(chr(code) for code in range(low, high + 1))
        elif op is _c.CATEGORY and av in _CATEGORY_CHARS:
            chars.update(_CATEGORY_CHARS[av])
        else:  # NEGATE, other categories: could be anything
            return None
    return frozenset(chars)


def _first(items) -> tuple[frozenset[str] | None, bool]:
    """(characters the sequence can start with or None for 'any', whether it can match empty)."""
    found: set[str] = set()
    for op, av in items:
        if op in _ZERO_WIDTH:
            continue
        if op is _c.LITERAL:
            chars, nullable = frozenset(chr(av)), False
        elif op is _c.IN:
            chars, nullable = _class_chars(av), False
        elif op is _c.BRANCH:
            chars, nullable = frozenset(), False
            for branch in av[1]:
                branch_chars, branch_nullable = _first(branch)
                if branch_chars is None:
                    return None, False
                chars, nullable = chars | branch_chars, nullable or branch_nullable
        elif op is _c.SUBPATTERN:
            chars, nullable = _first(av[-1])
        elif op in _REPEATS:
            chars, nullable = _first(av[2])
            nullable = nullable or av[0] == 0
        else:
            return None, False
        if chars is None:
            return None, False
        found |= chars
        if not nullable:
            return frozenset(found), False
    return frozenset(found), True


def _anchored(items) -> bool:
    return bool(items) and items[0] == (_c.AT, _c.AT_BEGINNING)


def _literal_prefix(items, length: int) -> str | None:
    """The first `length` characters when the sequence starts with that many literal characters."""
    prefix = []
    for op, av in items:
        if op in _ZERO_WIDTH and not prefix:
            continue
        if op is not _c.LITERAL:
            break
        prefix.append(chr(av))
        if len(prefix) == length:
            return "".join(prefix)
    return None


class WordStartMatcher:
    """Ordered patterns tried at word starts; see the module docstring.

    Alternatives that start with two literal characters are filed under those two characters; the rest
    under each character they can start with. At a position the expression for the text's next two
    characters holds both kinds, merged back into pattern order.
    """

    def __init__(self, patterns: Sequence[str], suffix: str = "") -> None:
        self.count = len(patterns)
        anchored: list[tuple[int, str]] = []
        by_pair: dict[str, list[tuple[int, str]]] = {}
        by_char: dict[str, list[tuple[int, str]]] = {}
        for index, pattern in enumerate(patterns):
            for alternative in split_alternatives(pattern):
                items = list(_p.parse(alternative))
                if _anchored(items):
                    anchored.append((index, alternative + suffix))
                    continue
                chars, nullable = _first(items)
                if chars is None or nullable or not chars or not chars <= WORD_CHARS:
                    raise PatternShapeError(
                        f"pattern alternative {alternative!r} must begin a word (start with \\b, a letter "
                        "or a digit) or be anchored with ^"
                    )
                # at a word start "\b" always holds: drop it so the alternative starts with a literal
                body = _LEADING_BOUNDARY.sub("", alternative) + suffix
                pair = _literal_prefix(items, 2)
                if pair is not None:
                    by_pair.setdefault(pair, []).append((index, body))
                else:
                    for char in chars:
                        by_char.setdefault(char, []).append((index, body))
        self._by_pair = by_pair
        self._by_char = by_char
        self._groups: dict[str, int] = {}
        # Expressions are compiled on first use: one per two-character key (alternatives that begin
        # with those two literal characters) and one per first character (the rest), so no
        # alternative is compiled twice and only the keys real text contains are ever compiled.
        # Each entry: (expression, smallest pattern index it holds), or None when there is none.
        self._pairs: dict[str, tuple[re.Pattern[str], int] | None] = {}
        self._chars: dict[str, tuple[re.Pattern[str], int] | None] = {}
        self._anchored = self._entry(anchored)

    def _entry(self, alternatives: list[tuple[int, str]]) -> tuple[re.Pattern[str], int] | None:
        if not alternatives:
            return None
        return self._compile(alternatives), min(index for index, _ in alternatives)

    def _compile(self, alternatives: list[tuple[int, str]]) -> re.Pattern[str]:
        alternatives = sorted(alternatives, key=lambda item: item[0])  # stable: keeps file order
        parts = []
        for index, body in alternatives:
            name = f"g{len(self._groups)}"
            self._groups[name] = index
            # The empty group that names the alternative closes it (it is the match's lastgroup), so
            # the alternative still starts with its first character: the engine skips an alternative
            # whose first character is wrong without entering it, and shares common beginnings.
            parts.append(f"(?:{body})(?P<{name}>)")
        return re.compile("|".join(parts), re.DOTALL)

    def _candidates(self, text: str, position: int) -> tuple:
        key = text[position : position + 2]
        pair = self._pairs.get(key, _MISSING)
        if pair is _MISSING:
            pair = self._pairs[key] = self._entry(self._by_pair.get(key, []))
        char = self._chars.get(key[:1], _MISSING)
        if char is _MISSING:
            char = self._chars[key[:1]] = self._entry(self._by_char.get(key[:1], []))
        return (pair, char, self._anchored) if position == 0 else (pair, char)

    def _best_at(self, text: str, position: int, bound: int) -> tuple[int, re.Match[str]] | None:
        """The lowest-index pattern below `bound` that matches at `position`, with its match."""
        found = None
        for entry in self._candidates(text, position):
            if entry is None or entry[1] >= bound:  # nothing in it could beat what was found
                continue
            match = entry[0].match(text, position)
            if match is not None:
                index = self._groups[match.lastgroup]  # type: ignore[index]
                if index < bound:
                    bound, found = index, (index, match)
        return found

    def first_pattern(self, text: str, positions: list[int] | None = None) -> int | None:
        """Index of the first pattern (in the given order) that matches at any word start."""
        best = self.count
        for position in word_starts(text) if positions is None else positions:
            found = self._best_at(text, position, best)
            if found is not None:
                best = found[0]
                if best == 0:
                    break
        return None if best == self.count else best

    def leftmost(self, text: str, positions: list[int] | None = None) -> tuple[int, re.Match[str]] | None:
        """(pattern index, match) at the earliest word start where any pattern matches."""
        for position in word_starts(text) if positions is None else positions:
            found = self._best_at(text, position, self.count)
            if found is not None:
                return found
        return None


def word_starts(text: str) -> list[int]:
    """Positions where a word starts, plus 0: the only places WordStartMatcher tries its patterns."""
    positions = [match.start() for match in _WORD_START.finditer(text)]
    if text and (not positions or positions[0] != 0):
        positions.insert(0, 0)
    return positions
