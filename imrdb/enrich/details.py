"""Amounts and flags stated in an item description: strength, form, quantity, refills, retrospective.

Each function reads text already passed through patterns.normalize().
"""

from __future__ import annotations

from . import patterns

def _clean_number_chain(chain: str) -> str:
    return patterns.SPACES_AROUND_SEPARATORS.sub(r"\1", chain.strip())


def parse_strength(text: str) -> str | None:
    """Strength(s) as stated, spacing normalised: "10/325 mg", "7.5 mg", "10%", "4%-27.5%-0.0325%".

    Several strengths (one per ingredient of a compound) are '/'-joined in the order stated.
    """
    if not patterns.ANY_DIGIT.search(text):
        return None
    found: list[tuple[int, str]] = []
    taken: list[tuple[int, int]] = []
    for match in patterns.STRENGTH_PERCENT_CHAIN.finditer(text) if "%" in text else ():
        found.append((match.start(), patterns.WHITESPACE.sub("", match.group(0))))
        taken.append(match.span())
    for match in patterns.STRENGTH.finditer(text):
        if any(start <= match.start() < end for start, end in taken):
            continue
        number = _clean_number_chain(match.group("num"))
        unit = patterns.WHITESPACE.sub("", match.group("unit"))
        if unit == "%":
            found.append((match.start(), f"{number}%"))
        else:
            found.append((match.start(), f"{number} {'units' if unit == 'unit' else unit}"))
    if not found:
        match = patterns.STRENGTH_APAP_FRACTION.search(text)
        return _clean_number_chain(match.group(0)) if match else None
    found.sort()
    return "/".join(strength for _, strength in found)


def parse_dosage_form(text: str, positions: list[int] | None = None) -> str | None:
    """The first dosage form the text states: tablet, capsule, cream, patch, dose pack, ..."""
    found = patterns.DOSAGE_FORM.leftmost(text, positions)
    return None if found is None else patterns.DOSAGE_FORM_NAMES[found[0]]


def _number(value: str) -> float:
    return float(value)


def _service_unit(text: str, sessions: bool = False) -> str:
    if "visit" in text or "appointment" in text:
        return "visit"
    if sessions or "session" in text or "treatment" in text:
        return "session"
    return "count"


def _session_unit(text: str) -> str:
    """A frequency x duration counts visits when the text says visits, otherwise sessions."""
    return "visit" if ("visit" in text or "appointment" in text) else "session"


def parse_quantity(text: str, is_drug: bool, sessions: bool = False) -> tuple[float | None, str | None]:
    """(quantity, unit) the item asks for, or (None, None).

    `sessions`: the item is a therapy counted in sessions ("Acupuncture x 6" is 6 sessions).

    Precedence: "QTY:480" > "#60" > "ninety count" > "60 tablets" > "12 sessions" / "visit times 2" >
    frequency x duration (services only) > "times 3" > "240g" > "1 container" > "seven day use" >
    a bare trailing count after a drug's strength ("Percocet 10/325 mg 30").
    """
    text = patterns.digits_for_number_words(text)
    if not patterns.ANY_DIGIT.search(text):
        return None, None

    for regex, hint in ((patterns.QUANTITY_QTY, "qty"), (patterns.QUANTITY_HASH, "#")):
        match = regex.search(text) if hint in text else None
        if match:
            package = match.group(2)
            if package:
                return _number(match.group(1)), patterns.PACKAGE_UNIT[package]
            return _number(match.group(1)), "count" if is_drug else _service_unit(text, sessions)

    match = patterns.QUANTITY_COUNT.search(text) if "count" in text else None
    if match:
        return _number(match.group(1) or match.group(2)), "count"

    match = patterns.QUANTITY_DOSE_UNITS.search(text)
    if match:
        return _number(match.group(1)), "count"

    if "session" in text or "visit" in text or "treatment" in text or "appointment" in text:
        match = patterns.QUANTITY_SESSIONS.search(text)
        if match:
            return _number(match.group(1)), _service_unit(match.group(2))
        match = patterns.QUANTITY_SESSIONS_AFTER.search(text)
        if match:
            return _number(match.group(2)), _service_unit(match.group(1))

    if not is_drug:
        match = patterns.QUANTITY_FREQUENCY.search(text)
        if match:
            return _number(match.group(1)) * _number(match.group(2)), _session_unit(text)
        match = patterns.QUANTITY_WEEKLY.search(text) if "weekly" in text else None
        if match:
            return _number(match.group(1)), _session_unit(text)

    match = patterns.QUANTITY_TIMES.search(text)
    if match:
        return _number(match.group(1)), _service_unit(text, sessions) if not is_drug else "count"

    match = patterns.QUANTITY_MASS.search(text)
    if match:
        return _number(match.group(1)), patterns.MASS_UNIT[match.group(2)]

    match = patterns.QUANTITY_PACKAGE.search(text)
    if match:
        return _number(match.group(1)), patterns.PACKAGE_UNIT[match.group(2)]

    match = patterns.QUANTITY_DURATION.search(text)
    if match:
        return _number(match.group(1)), match.group(2)

    if is_drug:
        match = patterns.QUANTITY_TRAILING.search(text)
        if match:
            return _number(match.group(1)), "count"
    return None, None


def parse_refills(text: str) -> int | None:
    """Refills requested: "with 3 refills" -> 3, "Two refills of ..." -> 2, "no refills" -> 0."""
    if "refill" not in text and " rf" not in text:
        return None
    text = patterns.digits_for_number_words(text)
    if patterns.REFILLS_NONE.search(text):
        return 0
    for regex in (patterns.REFILLS_BEFORE, patterns.REFILLS_AFTER):
        match = regex.search(text)
        if match:
            return int(match.group(1))
    if patterns.REFILLS_ONE.search(text):
        return 1
    return None


def is_retrospective(text: str) -> bool:
    """True for "Retro ...", "Retrospective ...", "(DOS 11/18/16)", "date of service ...", "dispensed on"."""
    return patterns.RETROSPECTIVE.search(text) is not None
