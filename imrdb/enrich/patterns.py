"""The regular expressions of the enrich stage, named and commented, in one place.

Every pattern here reads *lower-cased* text (see `normalize`). Treatment rules and body-region words
are data (data/lexicon/); these are the fixed grammar of amounts, strengths, forms and dates that a
curator should not need to touch.
"""

from __future__ import annotations

import re
import unicodedata

from .wordmatch import WordStartMatcher

# --------------------------------------------------------------------------- normalisation

# Typographic dashes, non-breaking spaces and the like, folded to ASCII before matching.
_TRANSLATE = str.maketrans(
    {
        "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2212": "-",
        "\u00a0": " ", "\u2009": " ", "\u202f": " ", "\u2018": "'", "\u2019": "'",
        "\u201c": '"', "\u201d": '"', "\u00b5": "u", "\u03bc": "u",
    }
)
WHITESPACE = re.compile(r"\s+")

# "Tylenol #3" / "Tylenol with codeine #4" name a product, not a quantity of 3: rewrite to "tylenol 3".
TYLENOL_NUMBER = re.compile(r"\btylenol\s*(?:(?:with|w/)\s*codeine\s*)?(?:no\.?\s*|#\s*)([34])\b")

# "1percent" / "5 percent" -> "1%": letters write percentages both ways.
PERCENT_WORD = re.compile(r"(\d)\s*percent\b")


def normalize(text: str) -> str:
    """Lower-case, ASCII dashes/spaces, single spaces: the form every pattern below reads."""
    if not text.isascii():
        text = text.translate(_TRANSLATE)
        text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    text = WHITESPACE.sub(" ", text).strip().lower()
    if "percent" in text:
        text = PERCENT_WORD.sub(r"\1%", text)
    if "tylenol" in text:
        text = TYLENOL_NUMBER.sub(r"tylenol \1", text)
    return text


# Word tokens for drug-name lookup: runs of letters or of digits ("omega-3" -> omega, 3;
# "b12" -> b, 12). Lexicon names are tokenised the same way, so "Omega-3" and "omega 3" agree.
NAME_TOKEN = re.compile(r"[a-z]+|\d+")

ANY_DIGIT = re.compile(r"\d")

# --------------------------------------------------------------------------- number words

_UNITS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "dozen": 12,
}
_TENS = {
    "twenty": 20, "thirty": 30, "forty": 40, "fourty": 40, "fifty": 50, "sixty": 60,
    "seventy": 70, "eighty": 80, "ninety": 90,
}
_NUMBER_WORD = "|".join(sorted([*_UNITS, *_TENS, "hundred"], key=len, reverse=True))
# A run of number words: "one hundred twenty", "twenty-one", "ninety".
NUMBER_WORDS = re.compile(
    rf"\b(?:once|twice|thrice|(?:{_NUMBER_WORD})(?:(?:[\s-]+(?:and[\s-]+)?)(?:{_NUMBER_WORD}))*)\b"
)
# "once/twice/thrice a week" read as "1/2/3 times a week".
_ONCE_TWICE = {"once": "1 times", "twice": "2 times", "thrice": "3 times"}


def _number_run_value(run: str) -> int:
    total, current = 0, 0
    for word in re.split(r"[\s-]+", run):
        if word == "and":
            continue
        if word == "hundred":
            current = max(current, 1) * 100
        elif word in _TENS:
            current += _TENS[word]
        else:
            current += _UNITS[word]
    return total + current


def _number_run_digits(match: re.Match[str]) -> str:
    run = match.group(0)
    return _ONCE_TWICE.get(run) or str(_number_run_value(run))


def digits_for_number_words(text: str) -> str:
    """'Twelve visits, twice a week' -> '12 visits, 2 times a week' (normalised text in and out)."""
    return NUMBER_WORDS.sub(_number_run_digits, text)


# --------------------------------------------------------------------------- strength

_NUM = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d*\.\d+|\d+"
# A chain of percentages as one strength, "4%-27.5%-0.0325%" (Lidopro) or "10%/5%".
STRENGTH_PERCENT_CHAIN = re.compile(rf"(?<![\w.])(?:{_NUM})\s*%(?:\s*[-/]\s*(?:{_NUM})\s*%)+")
# A number, or '/'- or '-'-joined numbers, with a unit: "350mg", "10/325 mg", "75-0.2mg",
# "10mcg/hr", "20%", "50,000 IU". Dates ("12/07/2016") have no unit and never match.
STRENGTH = re.compile(
    rf"(?<![\w.])(?P<num>(?:{_NUM})(?:\s*[/-]\s*(?:{_NUM}))*)\s*"
    r"(?P<unit>mg\s*/\s*(?:\d+\s*)?ml|mcg\s*/\s*(?:hr|h|hour)|mcg\s*/\s*ml|mg\s*/\s*(?:hr|h)|mg|mcg|ug|meq|iu|units?|%)"
    r"(?![a-z])"
)

# An opioid/acetaminophen strength written without a unit: "Hydrocodone/APAP 10/325 #120".
# The second number must be an acetaminophen dose, so dates ("12/07/2016") never match.
STRENGTH_APAP_FRACTION = re.compile(r"(?<![\w./])\d+(?:\.\d+)?\s*/\s*(?:300|325|500|650|750)(?![\w./%])(?!\s*(?:mg|mcg))")

# The acetaminophen part of a combination strength: "10/325 mg" (doses of 300, 325, 500, 650, 750 mg).
ACETAMINOPHEN_STRENGTH = re.compile(r"/\s*(?:300|325|500|650|750)\b")
# Spaces around the separators of a strength chain: "10 / 325" -> "10/325".
SPACES_AROUND_SEPARATORS = re.compile(r"\s*([/-])\s*")

# --------------------------------------------------------------------------- dosage forms

# Stated dosage forms, canonical name -> pattern; the first one mentioned in the text wins.
DOSAGE_FORMS: dict[str, str] = {
    "dose pack": r"\bdose ?pa(?:c)?k\b|\bdosepak\b|\bdose pack\b",
    "tablet": r"\btab(?:let)?s?\b|\bcaplets?\b|(?<=mg )ta\b|\bodt\b",
    "capsule": r"\bcap(?:sule)?s?\b|\bgel ?caps?\b|\bsoftgels?\b",
    "cream": r"\bcreams?\b",
    "ointment": r"\bointments?\b",
    "gel": r"\bgels?\b(?! ?(?:pack|one)\b)",
    "lotion": r"\blotions?\b",
    "patch": r"\bpatch(?:es)?\b|\btransdermal system\b",
    "suspension": r"\bsuspensions?\b",
    "solution": r"\bsolutions?\b|\bliquid\b|\belixir\b|\bsyrup\b",
    "spray": r"\bsprays?\b",
    "injection": r"\binjections?\b|\binjectable\b|\bvials?\b|\bim\b|\bintramuscular\b",
    "powder": r"\bpowders?\b|\bpackets?\b",
    "film": r"\b(?:buccal )?films?\b",
    "lozenge": r"\blozenges?\b|\btroches?\b",
    "suppository": r"\bsuppositor(?:y|ies)\b",
    "drops": r"\bdrops\b",
    "foam": r"\bfoam\b",
    "inhaler": r"\binhalers?\b",
    "kit": r"\bkits?\b",
}
DOSAGE_FORM = WordStartMatcher(list(DOSAGE_FORMS.values()))
DOSAGE_FORM_NAMES = tuple(DOSAGE_FORMS)

# Forms and words that make a drug item a topical (and so a topical analgesic or compound).
TOPICAL_FORMS = frozenset({"cream", "ointment", "gel", "lotion", "patch", "foam"})
TOPICAL_WORDS = re.compile(
    r"\btopical\w*|\btransdermal\b|\bcompound\w*|\bcream base\b|\blipoderm\b|\bversapro\b|\bpcca\b|%"
)

# --------------------------------------------------------------------------- quantity
# All quantity patterns read text that went through digits_for_number_words().

_QNUM = r"(\d+(?:\.\d+)?)"
# Package words a count may be given in: "#1 box", "QTY: 2 tubes", "1 container of".
_PACKAGE = r"box(?:es)?|bottles?|tubes?|containers?|jars?|kits?|packs?|cans?|vials?|pens?|cartons?"
PACKAGE_UNIT = {
    "box": "box", "boxes": "box", "bottle": "bottle", "bottles": "bottle", "tube": "tube",
    "tubes": "tube", "container": "container", "containers": "container", "jar": "jar", "jars": "jar",
    "kit": "kit", "kits": "kit", "pack": "pack", "packs": "pack", "can": "can", "cans": "can",
    "vial": "vial", "vials": "vial", "pen": "pen", "pens": "pen", "carton": "carton", "cartons": "carton",
}

# "QTY:480", "qty 60", "Qty. #30" — the dispensed total, preferred over "#N".
QUANTITY_QTY = re.compile(rf"\bqty\.?\s*[:#]?\s*{_QNUM}(?:\s*({_PACKAGE})\b)?")
# "#60", "# 90", "#1 box".
QUANTITY_HASH = re.compile(rf"#\s*{_QNUM}(?:\s*({_PACKAGE})\b)?")
# "ninety count" (after number-word conversion "90 count"), "120 count", "count: 60".
QUANTITY_COUNT = re.compile(rf"\b{_QNUM}[\s-]*count\b|\bcount\s*(?:of\s*)?[:#]?\s*{_QNUM}")
# Dispensed units: "60 tablets", "30 patches" — but not a dose instruction ("1 tablet by mouth",
# "1-2 tabs every 6 hours").
QUANTITY_DOSE_UNITS = re.compile(
    rf"(?<![-\d.])(?<!to ){_QNUM}\s*(?:tab(?:let)?s?|caplets?|cap(?:sule)?s?|pills?|patch(?:es)?|lozenges?|"
    r"troches?|suppositor(?:y|ies)|films?|packets?|syringes?|ampules?)\b"
    r"(?!\s*(?:by mouth|orally|po\b|daily|every|q\s?\d|q\.?d|bid|tid|qid|qhs|prn|at bedtime|twice|"
    r"\d+ times|once|as needed|per day|a day|each|nightly|in the|up to))"
)
# "12 sessions", "six physical therapy visits", "8 chiropractic treatments".
QUANTITY_SESSIONS = re.compile(
    rf"(?<![-\d.]){_QNUM}\s+(?:[a-z/()&.-]+\s+){{0,4}}?(sessions?|visits?|treatments?|appointments?)\b"
)
# "sessions, 12", "visit times 2", "visits x 6", "sessions: 8".
QUANTITY_SESSIONS_AFTER = re.compile(
    rf"\b(sessions?|visits?|treatments?|appointments?)\s*(?:[,:#]|x|times)?\s*{_QNUM}\b(?!\s*(?:weeks?|wks?|days?|months?|/|times|x\b))"
)
# Frequency x duration: "3 times a week for 2 weeks", "2x4", "1 times 6", "3x/week x 4 weeks",
# "2 times weekly for 6 weeks".
QUANTITY_FREQUENCY = re.compile(
    rf"(?<![-\d.]){_QNUM}\s*(?:x|times)\s*(?:(?:a|per|/|each)\s*)?(?:week(?:ly)?|wk|w\b|month(?:ly)?)?\s*"
    rf"(?:for|x|times|over|,)?\s*(?:(?:the\s+)?(?:next\s+)?)?{_QNUM}\b(?!\s*(?:mg|mcg|%|sessions?|visits?|days?\b|hours?|months?))"
)
# "weekly for 6 weeks" -> 6.
QUANTITY_WEEKLY = re.compile(rf"\bweekly\s*(?:for|x)\s*{_QNUM}\s*(?:weeks?|wks?)\b")
# "times 3", "x 4" with no frequency before it.
QUANTITY_TIMES = re.compile(
    rf"(?<![\d.]\s)(?<![\d.])\b(?:times|x)\s*{_QNUM}\b(?!\s*(?:weeks?|wks?|days?|months?|hours?|hrs?|/|mg|mcg|%))"
)
# Mass or volume: "240g", "121gm", "120 grams", "4 oz".
QUANTITY_MASS = re.compile(rf"(?<![-\d.]){_QNUM}\s*(g|gm|gms|gr|grams?|ml|oz|ounces?)\b(?!\s*/)")
MASS_UNIT = {
    "g": "g", "gm": "g", "gms": "g", "gr": "g", "gram": "g", "grams": "g", "ml": "ml", "oz": "oz",
    "ounce": "oz", "ounces": "oz",
}
# "1 container of", "2 tubes".
QUANTITY_PACKAGE = re.compile(rf"(?<![-\d.]){_QNUM}\s+({_PACKAGE})\b")
# A supply or rental period: "seven day use", "30-day supply", "one month supply", "for one week",
# "80 hours" (functional restoration programs are authorised in hours).
QUANTITY_DURATION = re.compile(
    rf"(?<![-\d.]){_QNUM}[\s-]*(day|week|month|hour)s?\b(?!\s*(?:a|per|/)\s*(?:day|week)|\s*daily)"
)
# A bare count after the strength at the end of a drug item: "Percocet 10/325 mg 30".
QUANTITY_TRAILING = re.compile(rf"(?:mg|mcg|%|ml)\s*,?\s*{_QNUM}\s*$")

# --------------------------------------------------------------------------- refills

# "with 3 refills", "2 refills of", "with 2 refill", "3 RF".
REFILLS_BEFORE = re.compile(r"(?<![\d.])(\d+)\s*(?:x\s*)?(?:refills?|rfs?\b)")
# "refills: 2", "refill x3", "refills #2", "plus refills 3".
REFILLS_AFTER = re.compile(r"\brefills?\s*(?:[:#]|x)?\s*(\d+)\b")
# "a refill", "one refill" (number words already converted).
REFILLS_ONE = re.compile(r"\b(?:a|an|additional)\s+refill\b")
# "no refills", "without refills", "0 refills".
REFILLS_NONE = re.compile(r"\b(?:no|without|zero)\s+refills?\b")

# --------------------------------------------------------------------------- retrospective

# "Retro", "Retrospective", "Retroactive", "DOS: 11/11/2016", "(DOS 11/18/16)", "date of service",
# "dispensed on 12/1/2016".
RETROSPECTIVE = re.compile(
    r"\bretro(?:spective(?:ly)?|active(?:ly)?)?\b|\bdos\b|\bdates? of service\b|"
    r"\b(?:provided|dispensed|administered|performed|rendered|received|given|purchased) on\b"
)
