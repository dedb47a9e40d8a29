"""The parse stage: normalized text -> Letter, on the sample letters, real snippets and real PDFs."""

from __future__ import annotations

import re
import textwrap

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from imrdb.citations import _clause_fields, _clauses, _split_sources, _tidy, parse_guideline_text
from imrdb.clean import _has_markup, _line_starts_with_hash, labels_at_line_start, normalize, unwrap
from imrdb.errors import ParseError
from imrdb.evaluate import letter_facts
from imrdb import patterns as p
from imrdb.parse import (conclusion, decision_lines, injury_date_from_summary, parse_date, parse_letter,
                          read_reviewer)
from imrdb.sources import read_letter, SourceFile
from conftest import DEV_FACTS, REAL_DEV, sample


def parse_sample(prefix: str):
    source = read_letter(SourceFile(sample(prefix), "markdown" if prefix == "003" else "text"))
    return parse_letter(source.text, source.format)


# -- the sample letters, as a careful reader reads them ---------------------------------------

SEED_CASES = [
    # prefix, case number, injury, age, sex, specialties, states, outcome, [(description, decision)]
    ("000", None, "2002-07-30", None, "male", ("Occupational Medicine",), ("California",), "Upheld",
     [("SOMA 350MG #60", "Upheld")]),
    ("001", None, "2010-06-16", 47, "female", ("Pain Medicine",), ("Florida",), "Upheld",
     [("Percocet 10/325 mg 30", "Upheld"), ("Soma 350 mg #60", "Upheld"), ("Xanax 2 mg #90", "Upheld"),
      ("Valium 10 mg #30", "Upheld")]),
    ("002", None, "2001-09-10", 77, "female", ("Anesthesiology", "Pain Management"), ("California",),
     "Partially Overturned",
     [("Retro Norco 10/325mg #90", "Overturned"), ("Retro Soma 350mg #90", "Upheld"),
      ("Retro Ultram 50mg #12", "Overturned"), ("Retro medrol dose pack", "Upheld")]),
    ("003", "CM14-0039927", "2004-05-17", 39, "female", ("Internal Medicine",), ("California",), "Upheld",
     [("Carisoprodol 350mg TA #120 with 3 refills QTY:480", "Upheld")]),
    ("004", None, "2009-08-13", 60, "male", ("Physical Medicine & Rehabilitation",), ("California",), "Upheld",
     [("Carsoprodol 350 mg, ninety count", "Upheld"), ("Hydrocodone/APAP 10/325 mg, 120 count", "Upheld")]),
]


@pytest.mark.parametrize("prefix,case_number,injury,age,sex,specialties,states,outcome,items", SEED_CASES,
                         ids=[case[0] for case in SEED_CASES])
def test_sample_letters(prefix, case_number, injury, age, sex, specialties, states, outcome, items):
    letter = parse_sample(prefix)
    assert letter.case_number == case_number
    assert letter.date_of_injury == injury
    assert letter.patient_age == age
    assert letter.patient_sex == sex
    assert letter.reviewer.specialties == specialties
    assert letter.reviewer.licensure_states == states
    assert letter.outcome == outcome
    assert [(item.description, item.decision) for item in letter.items] == items
    assert all(item.rationale for item in letter.items)
    # every decision agrees with its rationale's conclusion in these letters
    assert [item.medically_necessary for item in letter.items] == [d == "Overturned" for _, d in items]


def test_sample_003_header_dates():
    letter = parse_sample("003")
    assert (letter.date_assigned, letter.date_of_injury, letter.decision_date, letter.ur_denial_date,
            letter.application_received, letter.priority) == (
        "2014-06-27", "2004-05-17", "2014-07-29", "2014-03-04", "2014-04-04", "Standard")
    assert letter.case_summary.startswith("The patient is a 39 year old female who sustained injury on 5/17/04.")
    assert "<b>" not in letter.letter_text and "**" not in letter.letter_text


def test_sample_002_citations():
    letter = parse_sample("002")
    soma = letter.items[1]
    reviewer = [(c.source, c.guideline, c.topic, c.pages) for c in soma.citations if c.role == "imr_reviewer"]
    assert reviewer == [
        ("MTUS", "Chronic Pain Medical Treatment Guidelines", "Carisoprodol (Soma)", "29"),
        ("ODG", "Pain", "Muscle relaxants (for pain)", None),
        ("CCR", "Title 8, California Code of Regulations", "9792.20", None),
    ]
    medrol = letter.items[3]
    # "did not base their decision on the MTUS" is not an MTUS citation
    assert [(c.role, c.source, c.guideline, c.topic) for c in medrol.citations] == [
        ("claims_administrator", "ODG", "Pain", None), ("imr_reviewer", "ACOEM", "Low Back Complaints", "Chapter 12"),
        # "ODG Pain Chapter, Oral corticosteroids; Low Back Chapter, Corticosteroids (...)": one row per chapter
        ("imr_reviewer", "ODG", "Pain", "Oral corticosteroids"),
        ("imr_reviewer", "ODG", "Low Back", "Corticosteroids (oral/parenteral/IM for low back pain)")]
    assert medrol.citations[1].pages == "308"


# -- snippets from real letters ----------------------------------------------------------------

HEADER = """Case Number: CM17-0011543
Date Assigned: 01/20/2017 Date of Injury: 10/26/2016
Decision Date: 02/16/2017 UR Denial Date: 01/16/2017
Priority: Standard Application
Received:
01/17/2017
"""
HOW_BLOCK = """HOW THE IMR FINAL DETERMINATION WAS MADE
MAXIMUS Federal Services sent the complete case file to an expert reviewer.
The Expert Reviewer has the following credentials:
State(s) of Licensure: Iowa, Montana, California
Certification(s)/Specialty: Preventive Medicine, Occupational Medicine, Public Health &
General Preventive Medicine
"""
SUMMARY = """CLINICAL CASE SUMMARY
The expert reviewer developed the following clinical case summary based on a review of the
case file, including all medical records:
The applicant is a 33-year-old male who has filed a claim for neck and arm pain reportedly
associated with an industrial injury of October 26, 2016.
"""
ISSUES = "IMR ISSUES, DECISIONS AND RATIONALES\nThe Final Determination was based on decisions for the disputed items/services set forth below:\n"
RATIONALE_UPHELD = "Decision rationale: The request is not medically necessary.\n"
RATIONALE_OVERTURNED = "Decision rationale: The request is medically necessary.\n"
GUIDELINES = ("Claims Administrator guideline: Decision based on MTUS Low Back Complaints 2004.\n"
              "MAXIMUS guideline: Decision based on MTUS Low Back Complaints 2004, Section(s): Special Studies.\n")


def letter_with(items_text: str, header: str = HEADER, how: str = HOW_BLOCK, summary: str = SUMMARY):
    return parse_letter(header + how + summary + ISSUES + items_text, "pdf")


ITEM_CASES = [
    # (what it is, items text, expected [(description, decision, original, authorized)])
    ("plain heading", "MRI of the lumbar without contrast: Upheld\n" + GUIDELINES + RATIONALE_UPHELD,
     [("MRI of the lumbar without contrast", "Upheld", None, None)]),
    ("heading run into the label", "MRI of neck and right hand without contrast: UpheldClaims Administrator guideline: "
     "Decision based on MTUS Neck and Upper Back Complaints\n2004.\nMAXIMUS guideline: Decision based on MTUS.\n"
     + RATIONALE_UPHELD, [("MRI of neck and right hand without contrast", "Upheld", None, None)]),
    ("intro run into the heading", "MRI of the right knee without contrast: Overturned\n" + GUIDELINES + RATIONALE_OVERTURNED,
     [("MRI of the right knee without contrast", "Overturned", None, None)]),
    ("decision wrapped to its own line",
     "Physical therapy three times a week for two weeks for the cervical, thoracic, and lumbar: \nOverturned\n"
     + GUIDELINES + RATIONALE_OVERTURNED,
     [("Physical therapy three times a week for two weeks for the cervical, thoracic, and lumbar", "Overturned", None, None)]),
    ("heading wrapped over two lines",
     "Right Shoulder Arthroscopy with rotator cuff repair vs debridement, subacromial \n"
     "decompression/acromioplasty and possible proximal biceps tenodynovitis: Upheld\n" + GUIDELINES + RATIONALE_UPHELD,
     [("Right Shoulder Arthroscopy with rotator cuff repair vs debridement, subacromial decompression/acromioplasty "
       "and possible proximal biceps tenodynovitis", "Upheld", None, None)]),
    ("modified request",
     "Norco 10/325mg #60 was the original request. Norco 10/325mg #25 was authorized by the Claims Administrator. "
     "The remaining IMR eligible portion of the original request, Norco 10/325mg #35 is: Upheld\n" + GUIDELINES + RATIONALE_UPHELD,
     [("Norco 10/325mg #35", "Upheld", "Norco 10/325mg #60", "Norco 10/325mg #25")]),
    ("modified request run into the previous rationale, wrapped",
     "X-rays of right hip: Upheld\n" + GUIDELINES + "Decision rationale: the request for \"X-rays of right hip\" is not "
     "medically necessary.Acupuncture 18 sessions was the original request. Acupuncture 6 sessions was authorized \n"
     "by the Claims Administrator. The remaining IMR eligible portion of the original request, \n"
     "Acupuncture 12 sessions is: Upheld\n" + GUIDELINES + RATIONALE_UPHELD,
     [("X-rays of right hip", "Upheld", None, None),
      ("Acupuncture 12 sessions", "Upheld", "Acupuncture 18 sessions", "Acupuncture 6 sessions")]),
    ("modified request with a line ending in a full stop",
     "Physical therapy right knee 3 times a week for 3 weeks was the original request. Physical \n"
     "therapy right knee 3 times a week for 2 weeks was authorized by the Claims Administrator.\n"
     "The remaining IMR eligible portion of the original request, Physical therapy right knee 3 \n"
     "times a week for 1 week is: Upheld\n" + GUIDELINES + RATIONALE_UPHELD,
     [("Physical therapy right knee 3 times a week for 1 week", "Upheld",
       "Physical therapy right knee 3 times a week for 3 weeks", "Physical therapy right knee 3 times a week for 2 weeks")]),
    ("claims administrator authorized something else",
     "Partial Hospitalization day treatment was the original request. The Claims Administrator \n"
     "authorized an Evaluation only for a Partial Hospitalization day treatment, leaving the \n"
     "original request IMR eligible. The original request, Partial Hospitalization day treatment \n"
     "is: Overturned\n" + GUIDELINES + RATIONALE_OVERTURNED,
     [("Partial Hospitalization day treatment", "Overturned", "Partial Hospitalization day treatment",
       "an Evaluation only for a Partial Hospitalization day treatment")]),
    ("claims administrator modified the request to",
     "Norco 10/325mg #60 was the original request. The Claims Administrator modified the request to Norco 10/325mg #30. "
     "The remaining IMR eligible portion of the original request, Norco 10/325mg #30 is: Upheld\n" + GUIDELINES + RATIONALE_UPHELD,
     [("Norco 10/325mg #30", "Upheld", "Norco 10/325mg #60", "Norco 10/325mg #30")]),
    ("rationale that quotes a modified request, then a plain item",
     "Physical therapy for 6 sessions: Upheld\n" + GUIDELINES + "Decision rationale: Physical therapy for 12 sessions was the "
     "original request. The request is not medically necessary.\nUltram (tramadol) 50mg #90: Upheld\n" + GUIDELINES + RATIONALE_UPHELD,
     [("Physical therapy for 6 sessions", "Upheld", None, None), ("Ultram (tramadol) 50mg #90", "Upheld", None, None)]),
    ("heading re-flowed onto the rationale's last line",
     "MRI of the cervical spine: Upheld\n" + GUIDELINES + "Decision rationale: It is deemed that the request is not medically "
     "necessary, based on the records provided. EMG (electromyography)/NCV of the bilateral upper extremities: Overturned\n"
     + GUIDELINES + RATIONALE_OVERTURNED,
     [("MRI of the cervical spine", "Upheld", None, None),
      ("EMG (electromyography)/NCV of the bilateral upper extremities", "Overturned", None, None)]),
    ("abbreviation in a heading",
     "MRI of the knee: Upheld\n" + GUIDELINES + RATIONALE_UPHELD + "Consultation with Dr. Lee for the knee: Overturned\n"
     + GUIDELINES + RATIONALE_OVERTURNED,
     [("MRI of the knee", "Upheld", None, None), ("Consultation with Dr. Lee for the knee", "Overturned", None, None)]),
    ("running page header and footer inside an item",
     "MRI of the left hip: Upheld\n" + GUIDELINES + "Decision rationale: The applicant was given full range of motion with\n"
     "Page 2 of 3\nCase Number: CM17-0011543\nflexion and abduction. The request is not medically necessary\n"
     "Case Number: CM17-0011543\nCT scan of head: Overturned\n" + GUIDELINES + RATIONALE_OVERTURNED,
     [("MRI of the left hip", "Upheld", None, None), ("CT scan of head", "Overturned", None, None)]),
    ("page break mid-sentence in a rationale",
     "MRI of the left hip: Upheld\n" + GUIDELINES + "Decision rationale: The applicant was given full range of motion with\n"
     "flexion and abduction. The request is not medically necessary.\nCT scan of head: Overturned\n" + GUIDELINES + RATIONALE_OVERTURNED,
     [("MRI of the left hip", "Upheld", None, None), ("CT scan of head", "Overturned", None, None)]),
]


@pytest.mark.parametrize("name,items_text,expected", ITEM_CASES, ids=[case[0] for case in ITEM_CASES])
def test_item_headings(name, items_text, expected):
    letter = letter_with(items_text)
    got = [(i.description, i.decision, i.original_request, i.authorized_request) for i in letter.items]
    assert got == expected


def test_header_wrapped_labels_and_block_credentials():
    letter = letter_with("MRI of the lumbar without contrast: Upheld\n" + GUIDELINES + RATIONALE_UPHELD)
    assert letter.case_number == "CM17-0011543"
    assert (letter.date_assigned, letter.date_of_injury, letter.decision_date, letter.ur_denial_date,
            letter.application_received, letter.priority) == (
        "2017-01-20", "2016-10-26", "2017-02-16", "2017-01-16", "2017-01-17", "Standard")
    assert letter.reviewer.specialties == ("Preventive Medicine", "Occupational Medicine",
                                           "Public Health & General Preventive Medicine")
    assert letter.reviewer.licensure_states == ("Iowa", "Montana", "California")
    assert (letter.patient_age, letter.patient_sex) == (33, "male")


REVIEWER_CASES = [
    ("The expert reviewer is Board Certified in Anesthesiology, has a subspecialty in Pain Management and is \n"
     "licensed to practice in California. He/she has been in active clinical practice",
     ("Anesthesiology", "Pain Management"), ("California",)),
    ("The expert reviewer is Board Certified in Physical Medicine and Rehabilitation and is licensed to practice in "
     "California, Texas and Florida.", ("Physical Medicine and Rehabilitation",), ("California", "Texas", "Florida")),
    ("The expert reviewer is Board Certified in Internal Medicine, Rheumatology and is licensed to practice in New York.",
     ("Internal Medicine", "Rheumatology"), ("New York",)),
    ("The Expert Reviewer has the following credentials:\nState(s) of Licensure: Texas,New York,California\n"
     "Certification(s)/Specialty: Physical Medicine & Rehabilitation, Pain Management, Occupational \nMedicine",
     ("Physical Medicine & Rehabilitation", "Pain Management", "Occupational Medicine"), ("Texas", "New York", "California")),
]


@pytest.mark.parametrize("how,specialties,states", REVIEWER_CASES)
def test_reviewer_credentials(how, specialties, states):
    reviewer = read_reviewer(normalize(how))
    assert reviewer.specialties == specialties
    assert reviewer.licensure_states == states


def test_board_certified_prose():
    how = ("MAXIMUS Federal Services sent the complete case file to an expert reviewer. The expert reviewer is BOARD "
           "CERTIFIED in Anesthesiology, has a subspecialty in Pain Management and is licensed to practice in California. "
           "He/she has been in active clinical practice")
    match = p.BOARD_CERTIFIED.search(how)
    assert (match.start(), match[1], match[2]) == (99, "Anesthesiology, has a subspecialty in Pain Management", "California")
    assert p.BOARD_CERTIFIED.search("no certification here") is None


DATE_CASES = [("06/27/2014", "2014-06-27"), ("10-13-16", "2016-10-13"), ("11-4-16", "2016-11-04"),
              ("July 30, 2002", "2002-07-30"), ("November 09, 2016", "2016-11-09"), ("9/10/01", "2001-09-10"),
              ("1/5/98", "1998-01-05"), ("Sept. 3, 2015", "2015-09-03"), ("13/45/2016", None), ("soon", None)]


@pytest.mark.parametrize("text,iso", DATE_CASES)
def test_parse_date(text, iso):
    assert parse_date(text) == iso


INJURY_CASES = [
    ("chronic low back pain reportedly associated with an industrial injury of July 30, 2002. Thus far", "2002-07-30"),
    ("a 47-year-old female who reported an injury on 06/16/2010 due to an unspecified mechanism", "2010-06-16"),
    ("this is a 77-year-old female with a 9/10/01 date of injury. At the time (6/11/14)", "2001-09-10"),
    ("a 60-year-old male, who sustained an industrial injury on August 13, 2009. He has", "2009-08-13"),
    ("a 53 year old male with a date of injury on 10-17-2016. The injured", "2016-10-17"),
    ("a now 55-year-old female with a history of an occupational claim from 11/02/2016. The", "2016-11-02"),
    ("a 42 year old male with an industrial injury date of 12-03-2016. Medical", "2016-12-03"),
    ("The applicant reports low back pain. A note of 4/1/14 is reviewed.", None),
]


@pytest.mark.parametrize("summary,iso", INJURY_CASES)
def test_injury_date_from_summary(summary, iso):
    assert injury_date_from_summary(summary) == iso


CONCLUSION_CASES = [
    ("Therefore, the request for Retro Norco 10/325mg #90 is medically necessary.", True),
    ("Given the above, the Percocet 10/325 mg 30 is not medically necessary.", False),
    ("The request for MRI of the lumbar without contrast is determined to not be medically necessary.", False),
    ("No, the request for electrodiagnostic testing was not medically necessary, medically appropriate, or indicated here.", False),
    ("As such, the request is medically necessary and appropriate.", True),
    ("The guidelines are silent.", None),
]


@pytest.mark.parametrize("rationale,expected", CONCLUSION_CASES)
def test_rationale_conclusion(rationale, expected):
    assert conclusion(rationale) is expected


NOT_LETTERS = [
    ("", "not an IMR final determination letter"),
    ("Dear claimant, your appointment is on Monday.", "not an IMR final determination letter"),
    (HEADER + HOW_BLOCK + SUMMARY, "cut off before its decisions"),
    (HEADER + HOW_BLOCK + SUMMARY + ISSUES, "cut off before its decisions"),
    (HEADER + HOW_BLOCK + SUMMARY + ISSUES + "MRI of the knee: Upheld\n", "no rationale"),
]


@pytest.mark.parametrize("text,reason", NOT_LETTERS)
def test_not_letters_raise_parse_error(text, reason):
    with pytest.raises(ParseError, match=reason):
        parse_letter(text)


def test_warnings_for_a_letter_that_looks_wrong():
    letter = letter_with("MRI of the knee: Upheld\nClaims Administrator guideline: Decision based on MTUS.\n"
                         "Decision rationale: The request is medically necessary.\n",
                         header=HEADER.replace("Decision Date: 02/16/2017", "Decision Date: 01/01/2017"),
                         summary=SUMMARY.replace("33-year-old", "7-year-old"))
    text = "\n".join(letter.warnings)
    assert "is Upheld but its rationale concludes it is medically necessary" in text
    assert "has no reviewer guideline citation" in text
    assert "decision date 2017-01-01 is before the application date 2017-01-17" in text
    assert "patient age 7 is outside 14-100" in text


# -- fast searches: the same matches as the plain patterns ------------------------------------

LABELS = ("Claims Administrator guideline: Decision based on MTUS.\nMAXIMUS guideline:\nDecision based on ODG. "
          "See Decision rationale: x\ndecision RATIONALE : The request")
RUNNING_HEADERS = ("Case Number: CM17-0011543\nDate Assigned: 01/20/2017\nflexion and abduction.\n"
                   "Case Number: CM17-0011543\nIMR Case Number CM17-0011543 x\ncase number:\nCM17-0011543")
LINE_START_CASES = [
    # (pattern, text, pos, endpos, [(start, end, matched text)])
    (p.ITEM_LABEL, LABELS, 0, len(LABELS), [
        (0, 32, "Claims Administrator guideline: "), (56, 74, "MAXIMUS guideline:"),
        (124, 145, "decision RATIONALE : ")]),  # "See Decision rationale:" does not start a line
    (p.ITEM_LABEL, LABELS, 1, len(LABELS), [(56, 74, "MAXIMUS guideline:"), (124, 145, "decision RATIONALE : ")]),
    (p.ITEM_LABEL, LABELS, 56, 80, [(56, 74, "MAXIMUS guideline:")]),  # a match at the start of the search
    (p.ITEM_LABEL, LABELS, 55, 70, []),  # a match must end by endpos
    (p.CASE_NUMBER_LINE, RUNNING_HEADERS, 0, len(RUNNING_HEADERS), [
        (0, 25, "Case Number: CM17-0011543"), (75, 100, "Case Number: CM17-0011543"),
        (132, 157, "case number:\nCM17-0011543")]),
]


@pytest.mark.parametrize("pattern,text,pos,endpos,expected", LINE_START_CASES)
def test_line_start_pattern_spans(pattern, text, pos, endpos, expected):
    spans = [(start, match.end(), text[start: match.end()]) for start, match in pattern.spans(text, pos, endpos)]
    assert spans == expected
    plain = pattern.at_line_start  # the "^" pattern, tried at every position
    assert [(start, end) for start, end, _ in spans] == [match.span() for match in plain.finditer(text, pos, endpos)]


SECTIONS = (HEADER.splitlines()[0] + "\n" + HOW_BLOCK.splitlines()[0] + "\nMAXIMUS Federal Services\n"
            + SUMMARY.splitlines()[0] + "\nThe applicant\n" + ISSUES + "MRI: Upheld")
SECTION_CASES = [
    # (pattern, text, pos, (start, end) of the first match from pos)
    (p.SECTION_HOW, SECTIONS, 0, (26, 66)),
    (p.SECTION_HOW, SECTIONS, 26, (26, 66)),  # a title right at pos
    (p.SECTION_HOW, SECTIONS, 27, None),
    (p.SECTION_SUMMARY, SECTIONS, 66, (92, 113)),
    (p.SECTION_ISSUES, SECTIONS, 113, (128, 164)),
    (p.ISSUES_INTRO, SECTIONS, 164, (165, 261)),  # through the line break after the intro
    (p.SECTION_SUMMARY, "the following clinical case summary based on", 0, None),  # titles are upper case
]


@pytest.mark.parametrize("pattern,text,pos,expected", SECTION_CASES)
def test_line_start_pattern_search(pattern, text, pos, expected):
    assert pattern.search(text, pos) == expected
    plain = pattern.at_line_start.search(text, pos)
    assert (plain.span() if plain else None) == expected


def test_intro_run_into_the_first_heading():
    intro = "The Final Determination was based on decisions for the disputed items/services set forth below:"
    assert normalize(intro + "MRI of the right knee: Upheld") == intro + "\nMRI of the right knee: Upheld"
    assert normalize(intro + " \tMRI: Upheld") == intro + "\nMRI: Upheld"


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["Decision rationale:", "MAXIMUS guideline :", "Case Number: CM17-0011543", "\n",
                                 " ", "x", "claims administrator\nguideline:\t", "IMR "]), max_size=30),
       st.integers(0, 40), st.integers(0, 400))
def test_line_start_pattern_finds_what_the_plain_pattern_finds(pieces, pos, endpos):
    text = "".join(pieces)
    for pattern in (p.ITEM_LABEL, p.CASE_NUMBER_LINE):
        assert [(start, match.end()) for start, match in pattern.spans(text, pos, endpos)] == [
            match.span() for match in pattern.at_line_start.finditer(text, pos, endpos)]


LEADING_WORD_CASES = [
    # (pattern, text, spans of its matches)
    (p.CONCLUSION_END, "The request is not Medically Necessary. MRI of the knee: Upheld", [(19, 39)]),
    (p.CONCLUSION_END, "is MEDICALLY NECESSARY and medically appropriate\nX", [(3, 49)]),  # one sentence, one match
    (p.CONCLUSION_END, "medically necessary, per ODG", []),  # no sentence end
    (p.MEDICAL_NECESSITY, "is MEDICALLY NECESSARY and medically appropriate\nX", [(3, 22), (27, 48)]),
    (p.MEDICAL_NECESSITY, "premedically necessary; medically  indicated", [(24, 44)]),
    # not ASCII: searched by the pattern alone, which takes "İ" for "i" (lower-casing would not)
    (p.MEDICAL_NECESSITY, "MEDİCALLY necessary, medically necessary", [(0, 19), (21, 40)]),
]


@pytest.mark.parametrize("pattern,text,expected", LEADING_WORD_CASES)
def test_leading_word_pattern(pattern, text, expected):
    assert [match.span() for match in pattern.finditer(text)] == expected
    assert [match.span() for match in pattern.pattern.finditer(text)] == expected


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["medically", "MEDICALLY", "Medically", "mEdIcAlLy", " ", "\n", "necessary", "Necessary",
                                 "appropriate", ".", "x", "A", "not ", "ı", "\t"]), max_size=20),
       st.integers(0, 60), st.integers(0, 200))
def test_leading_word_pattern_finds_what_the_plain_pattern_finds(pieces, pos, endpos):
    text = "".join(pieces)
    for pattern in (p.CONCLUSION_END, p.MEDICAL_NECESSITY):
        expected = [match.span() for match in pattern.pattern.finditer(text, pos, endpos)]
        assert [match.span() for match in pattern.finditer(text, pos, endpos)] == expected
        assert [match.span() for match in pattern.finditer(text, pos, endpos, text.lower())] == expected


def test_leading_word_pattern_must_start_with_its_word():
    with pytest.raises(ValueError, match="must start with"):
        p.LeadingWordPattern("medically", r"\bnecessary")


NEGATION_CASES = [
    # (text before a conclusion, whether it negates it)
    ("Thus, the request is determined to be not ", True), ("The request is NOT ", True),
    ("The request isn't ", True), ("It cannot be considered ", True), ("Therefore, the request for Norco is ", False),
    ("Another ", False),  # "no" inside a word
    ("İt was never ", True),  # not ASCII: searched ignoring case in the text itself
]


@pytest.mark.parametrize("text,negated", NEGATION_CASES)
def test_negation_before(text, negated):
    assert bool(p.NEGATION_BEFORE.search(text, 0, len(text))) is negated
    assert bool(p.NEGATION_BEFORE.search(text, 0, len(text), text.lower())) is negated
    plain = re.compile(r"\b(?:not|non|no|n't|neither|nor|never|cannot|un)\b|n't\b", re.IGNORECASE)  # as it read
    assert bool(plain.search(text)) is negated


def test_lower_case_pattern_must_be_written_in_lower_case():
    with pytest.raises(ValueError, match="lower case"):
        p.LowerCasePattern(r"\bNot\b")


SENTENCE_END_CASES = [
    # (text, [(span, sentence end)])
    ("is not medically necessary.Acupuncture 18 sessions", [((26, 27), ".")]),
    ("Consultation with Dr. Lee for the knee. MRI: Upheld", [((38, 40), ". ")]),  # "Dr." ends no sentence
    ("per J. Smith, M.D. on 5/1. No. 5 was seen? Yes\n", [((25, 27), ". ")]),
    ("not medically necessary.\nEMG", [((23, 25), ".\n")]),
]


@pytest.mark.parametrize("text,expected", SENTENCE_END_CASES)
def test_sentence_end(text, expected):
    assert [(match.span(), match.group()) for match in p.SENTENCE_END.finditer(text)] == expected


RUN_IN_LABEL_CASES = [
    # (text, the same text with every label at the start of a line)
    ("MRI of neck without contrast: UpheldClaims Administrator guideline: Decision based on MTUS",
     "MRI of neck without contrast: Upheld\nClaims Administrator guideline: Decision based on MTUS"),
    ("Decision rationale: ok\nMAXIMUS guideline: x. Decision rationale: y",
     "Decision rationale: ok\nMAXIMUS guideline: x. \nDecision rationale: y"),
    ("medical records:CLINICAL CASE SUMMARY\nThe Final Determination was based on decisions",
     "medical records:\nCLINICAL CASE SUMMARY\nThe Final Determination was based on decisions"),
    ("credentials: State(s) of Licensure: Iowa", "credentials: \nState(s) of Licensure: Iowa"),
    ("no labels here", "no labels here"),
]


@pytest.mark.parametrize("text,expected", RUN_IN_LABEL_CASES)
def test_labels_at_line_start(text, expected):
    assert labels_at_line_start(text) == expected


def test_has_markup():
    # a line that starts with "#" may be a markdown heading: strip_markup then removes only real ones
    marked = ["<b>Case Number:</b> CM14-0039927", "**Decision rationale:**", "### CLINICAL CASE SUMMARY",
              "x\n## IMR ISSUES", "Norco\n#90"]
    plain = ["Norco 10/325mg #90: Upheld", "ODG <Pain> Opioids", "a * b", "plain text"]
    assert [text for text in marked + plain if _has_markup(text)] == marked


HASH_LINE_CASES = [
    ("# CLINICAL CASE SUMMARY", True), ("Norco 10/325mg\n#90", True), ("Norco 10/325mg #90\nSoma #60", False),
    ("no hash at all", False), ("", False),
]


@pytest.mark.parametrize("text,expected", HASH_LINE_CASES)
def test_line_starts_with_hash(text, expected):
    assert _line_starts_with_hash(text) is expected


UNWRAP_CASES = [
    ("The request is not\nmedically necessary.", "The request is not medically necessary."),
    ("\nThe request was non-\ncertified. \n", "The request was non-certified."),
    ("pages 20-\n22", "pages 20- 22"),  # a hyphen after a digit is no compound word
    ("two  spaces\n\nand a blank line", "two spaces and a blank line"),
    ("a\ttab\rand\x0bothers\x1cseparate", "a tab and others separate"),
    ("non\u00a0breaking space", "non breaking space"),
    ("", ""),
]


@pytest.mark.parametrize("text,expected", UNWRAP_CASES)
def test_unwrap(text, expected):
    assert unwrap(text) == expected
    assert unwrap(text) == " ".join(p.HYPHEN_BREAK.sub("-", text).split())


DECISION_CASES = [
    # (body, [(start, end, decision)]): the heading ends where the decision starts
    ("MRI of the knee: Upheld\nClaims", [(15, 23, "Upheld")]),
    ("SOMA 350MG #60 : Overturned.\nX", [(14, 28, "Overturned")]),  # the space before the colon is the decision's
    ("Norco 10/325mg #35 is:Upheld", [(21, 28, "Upheld")]),
    ("Office visit: upheld . \nMRI: Overturned", [(12, 23, "upheld"), (27, 39, "Overturned")]),
    ("Follow-up at 10:30 Upheld\n", []),
]


@pytest.mark.parametrize("body,expected", DECISION_CASES)
def test_decision_lines(body, expected):
    assert decision_lines(body) == expected
    with_space = re.compile("[ ]?" + p.DECISION_LINE.pattern, p.DECISION_LINE.flags)  # slower: tried at every space
    assert [(match.start(), match.end(), match[1]) for match in with_space.finditer(body)] == expected


# -- guideline citations: one clause at a time --------------------------------------------------

CLAUSE_CASES = [
    # (a clause of a guideline line, [(source, guideline, year, topic, pages)])
    ("MTUS Chronic Pain Treatment Guidelines Antidepressants for chronic pain, page 13 Page(s): 13-16",
     [("MTUS", "Chronic Pain Medical Treatment Guidelines", None, "Antidepressants for chronic pain", "13-16")]),
    ("Non-MTUS Citation Other Medical Treatment Guideline or Medical Evidence: Title 8, California Code of "
     "Regulations, section 9792.20",
     [("CCR", "Title 8, California Code of Regulations", None, "9792.20", None)]),
    ("Non-MTUS Citation Official Disability Guidelines (ODG) Pain, Benzodiazepines",
     [("ODG", "Pain", None, "Benzodiazepines", None)]),
    ("MTUS ACOEM Chapter 9 Shoulder Complaints Page(s): 207-209",
     [("ACOEM", "Shoulder Complaints", None, "Chapter 9", "207-209")]),
    ("Non-MTUS Citation", []),  # the label of a clause that cites nothing
    ("x", []),
]


@pytest.mark.parametrize("clause,expected", CLAUSE_CASES, ids=[case[0][:40] for case in CLAUSE_CASES])
def test_clause_citations(clause, expected):
    fields = _clause_fields(clause)
    assert [(source, guideline, year, topic, pages) for source, _, guideline, year, topic, pages in fields] == expected
    assert all(text == clause for _, text, *_ in fields)


CLAUSE_SPLIT_CASES = [
    # (guideline line, its clauses: "Decision based on" cut out, a cut before "Other Medical ... Evidence:")
    ("Decision based on MTUS Chronic Pain Treatment Guidelines Page(s): 13-16. Decision based on Non-MTUS Citation "
     "Other Medical Treatment Guideline or Medical Evidence: Title 8, California Code of Regulations, section 9792.20",
     ["", "MTUS Chronic Pain Treatment Guidelines Page(s): 13-16. ", "Non-MTUS Citation ",
      "Other Medical Treatment Guideline or Medical Evidence: Title 8, California Code of Regulations, section 9792.20"]),
    ("Decision based on Non-MTUS Citation Official Disability Guidelines (ODG) Pain; Other Medical Treatment Guideline "
     "or Medical Evidence: UpToDate",
     ["", "Non-MTUS Citation Official Disability Guidelines (ODG) Pain; ",
      "Other Medical Treatment Guideline or Medical Evidence: UpToDate"]),
    ("DECISION BASED ON MTUS.", ["", "MTUS."]),
    ("MTUS OtherMedical Treatment Guideline or Medical Evidence:", ["MTUS OtherMedical Treatment Guideline or Medical Evidence:"]),
]


@pytest.mark.parametrize("line,clauses", CLAUSE_SPLIT_CASES)
def test_guideline_line_clauses(line, clauses):
    assert _clauses(line) == clauses
    assert _clauses(line, line.lower()) == clauses


def test_sentences_that_cite_nothing_are_cut_out():
    line = ("The Claims Administrator did not cite any medical evidence for its decision. The Expert Reviewer based "
            "his/her decision on recommendations of the ODG. Decision based on ODG.")
    assert p.NON_CITATION_SENTENCE.sub(" ", line) == "    Decision based on ODG."


TIDY_CASES = [
    # (guideline or topic as written, tidied)
    ("Pain (Chronic), <Opioids>  , 74-80", "Pain (Chronic), Opioids , 74-80"),  # a page range stays
    ("Pain, Opioids, 74, 80", "Pain, Opioids"),
    (" Low Back\n Complaints 2004, 12 ", "Low Back Complaints"),
    ("Knee & Leg (Acute & Chronic", "Knee & Leg (Acute & Chronic)"),
    ("Section 2", "Section"), ("Chapter 12a", "Chapter 12a"), (";", None),
]


@pytest.mark.parametrize("value,expected", TIDY_CASES)
def test_tidy_guideline_names(value, expected):
    assert _tidy(value) == expected


def test_sources_split_only_where_each_part_names_a_guideline():
    assert _split_sources("ODG Pain; ACOEM Chapter 6") == ["ODG Pain", "ACOEM Chapter 6"]
    assert _split_sources("MTUS Low Back Complaints and ODG Low Back") == ["MTUS Low Back Complaints", "ODG Low Back"]
    assert _split_sources("Hand and Wrist Complaints") == ["Hand and Wrist Complaints"]
    assert _split_sources("ODG Pain, Opioids") == ["ODG Pain, Opioids"]


def test_a_guideline_line_cites_what_its_clauses_cite():
    line = ("Decision based on " + CLAUSE_CASES[0][0] + ". Decision based on " + CLAUSE_CASES[1][0])
    assert [(c.role, c.source, c.topic) for c in parse_guideline_text(line, "imr_reviewer")] == [
        ("imr_reviewer", "MTUS", "Antidepressants for chronic pain"), ("imr_reviewer", "CCR", "9792.20")]


# -- the 60 real letters ----------------------------------------------------------------------

# Where dev-facts.json disagrees with the letter itself. Each letter states "X was the original
# request", which the facts file's script missed; the values asserted are the letter's own words.
FACTS_FILE_ERRORS = {
    ("CM16-0231706", 0): "Chiropractic physiotherapy treatment 12 visits for the cervical spine and back followed by re-examination",
    ("CM17-0007300", 1): "One month supply of Trezix capsule 320.5/30/16mg",
    ("CM17-0009995", 0): "Retrospective Cyclobenzaprine 7.5mg #60, per 12/07/2016 order",
}


def _dev_letters():
    if not REAL_DEV.exists():
        return []
    return sorted(REAL_DEV.glob("*.pdf"))


@pytest.fixture(scope="module")
def parsed_dev_letters(dev_facts):
    letters = {}
    for path in _dev_letters():
        source = read_letter(SourceFile(path, "pdf"))
        letters[path.stem] = (source.text, parse_letter(source.text, "pdf", str(path)))
    return letters


def _compare(case, got, expected, header=True):
    names = ["patient_age", "patient_sex", "specialties", "licensure_states"]
    if header:
        names += ["case_number", "date_assigned", "date_of_injury", "decision_date", "ur_denial_date",
                  "application_received", "priority"]
    differences = [f"{name}: {got[name]!r} != {expected[name]!r}" for name in names if got[name] != expected[name]]
    if len(got["items"]) != len(expected["items"]):
        differences.append(f"items: {len(got['items'])} != {len(expected['items'])}")
    for index, (mine, theirs) in enumerate(zip(got["items"], expected["items"])):
        original = FACTS_FILE_ERRORS.get((case, index), theirs["original_request"])
        for key, want in (("description", theirs["description"]), ("decision", theirs["decision"]),
                          ("original_request", original)):
            if mine[key] != want:
                differences.append(f"item {index + 1} {key}: {mine[key]!r} != {want!r}")
    return differences


def test_every_dev_fact_agrees(dev_facts, parsed_dev_letters):
    assert len(parsed_dev_letters) == len(dev_facts) == 60
    problems = {}
    for case, (_, letter) in parsed_dev_letters.items():
        differences = _compare(case, letter_facts(letter), dev_facts[case])
        if differences:
            problems[case] = differences
    assert problems == {}


def test_dev_letters_read_as_ocr_keep_every_fact(dev_facts, parsed_dev_letters):
    """The text of a letter printed right, parsed as an OCR'd letter is: no check or correction for OCR's
    errors (header, names, spelling, a heading's copies) changes a fact."""
    problems = {}
    for case, (text, _) in parsed_dev_letters.items():
        differences = _compare(case, letter_facts(parse_letter(text, "pdf-ocr")), dev_facts[case])
        if differences:
            problems[case] = differences
    assert len(parsed_dev_letters) == 60 and problems == {}


def to_double_spaced(text: str) -> str:
    """The style of seeds 000-002: no header, hard-wrapped lines each followed by a blank line."""
    body = text[text.index("HOW THE IMR"):]
    return "".join(f" {line} \n\n" for line in body.replace("\r\n", "\n").split("\n"))


def to_markdown(text: str, letter) -> str:
    """The style of seed 003: a <b> header block, ### titles, **bold** labels, unwrapped paragraphs."""
    body = text[text.index("HOW THE IMR"):].replace("\r\n", "\n")
    header = (f"<b>Case Number:</b>\t{letter.case_number}\t\t\n"
              f"<b>Date Assigned:</b>\t{_us(letter.date_assigned)}\t<b>Date of Injury:</b>\t{_us(letter.date_of_injury)}\n"
              f"<b>Decision Date:</b>\t{_us(letter.decision_date)}\t<b>UR Denial Date:</b>\t{_us(letter.ur_denial_date)}\n"
              f"<b>Priority:</b>\t{letter.priority}\t<b>Application Received:</b>\t{_us(letter.application_received)}\n\n")
    body = re.sub(r"^(HOW THE IMR FINAL DETERMINATION WAS MADE|CLINICAL CASE SUMMARY|IMR ISSUES, DECISIONS AND RATIONALES)\s*$",
                  r"\n### \1\n", body, flags=re.M)
    body = re.sub(r"^(Claims Administrator guideline:|MAXIMUS guideline:|Decision rationale:)", r"\n**\1**", body, flags=re.M)
    return header + body


def _us(iso: str) -> str:
    year, month, day = iso.split("-")
    return f"{month}/{day}/{year}"


def test_dev_letters_rewritten_in_the_seed_styles(dev_facts, parsed_dev_letters):
    problems = {}
    for case, (text, letter) in parsed_dev_letters.items():
        double = parse_letter(to_double_spaced(text), "text")
        markdown = parse_letter(to_markdown(text, letter), "markdown")
        windows = parse_letter(("\ufeff" + text.replace("\n", "\r\n")).encode("utf-8").decode("utf-8"), "text")
        for style, parsed, header in (("double-spaced", double, False), ("markdown", markdown, True),
                                      ("crlf+bom", windows, True)):
            differences = _compare(case, letter_facts(parsed), dev_facts[case], header=header)
            if differences:
                problems[f"{case} {style}"] = differences
    assert problems == {}


_PARAGRAPH_START = re.compile(
    r"(Claims Administrator guideline:|MAXIMUS guideline:|Decision rationale:|HOW THE|CLINICAL CASE|IMR ISSUES|"
    r"The Final Determination|Case Number|Date Assigned|Decision Date|Priority|State\(s\)|Certification|"
    r"The Expert Reviewer has|The expert reviewer developed)")


def reflow(text: str, width: int) -> str:
    """Re-wrap a letter at another width, headings run on into the rationale before them (harsher than any PDF)."""
    paragraphs, current = [], []
    for line in text.replace("\r\n", "\n").split("\n"):
        if _PARAGRAPH_START.match(line) or (current and re.match(r"(HOW THE|CLINICAL CASE|IMR ISSUES)", current[-1])):
            if current:
                paragraphs.append(" ".join(current))
            current = []
        current.append(line.strip())
    paragraphs.append(" ".join(current))
    return "\n".join(textwrap.fill(paragraph, width) for paragraph in paragraphs)


@pytest.mark.parametrize("width", [50, 75, 140, 100_000])
def test_dev_letters_reflowed_at_any_width(dev_facts, parsed_dev_letters, width):
    problems = {}
    for case, (text, _) in parsed_dev_letters.items():
        differences = _compare(case, letter_facts(parse_letter(reflow(text, width), "text")), dev_facts[case])
        if differences:
            problems[case] = differences
    assert problems == {}


@pytest.mark.skipif(not DEV_FACTS.exists(), reason="real dev letters not present in ../shared")
def test_every_dev_item_has_a_rationale_and_reviewer_citation(parsed_dev_letters):
    for case, (_, letter) in parsed_dev_letters.items():
        for item in letter.items:
            assert item.rationale, (case, item.position)
            assert any(c.role == "imr_reviewer" for c in item.citations) or "did not cite" in letter.letter_text, (case, item.position)
