"""Scanned letters: OCR'd text cleaned and checked (tables of what Tesseract really read from the
scans benchmarks/make_scans.py makes of the dev letters), and a seed letter scanned by the test,
OCR'd and ingested for real."""

from __future__ import annotations

import io
import os
import random
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from imrdb import ocr
from imrdb.clean import clean_ocr, fix_label, normalize
from imrdb.letter import Letter, Reviewer
from imrdb.parse import check_dates, check_doubtful, check_reread, check_reviewer, parse_letter, read_ocr_header
from tests.conftest import ROOT, sample

OCR_MISSING = ocr.missing()
needs_ocr = pytest.mark.skipif(OCR_MISSING is not None, reason=f"OCR cannot run here: {OCR_MISSING} "
                               "(.ci/run installs it: pip install -e '.[test,ocr]')")
IMRDB = [sys.executable, "-m", "imrdb.cli"]


# -- cleaning: each line as Tesseract read it from a scan, and as the parser needs it ----------

CLEANED_LINES = [
    # a paragraph's full stop misread as a comma, before the blank line Tesseract ends a paragraph with;
    # a comma ending a line inside a paragraph stays
    ("appropriate method for weaning and terminating opioids for this patient, ,\n\nTabradol (unknown quantity): Upheld",
     "appropriate method for weaning and terminating opioids for this patient.\n\nTabradol (unknown quantity): Upheld"),
    ("appropriate method. for weaning and terminating opioids for this patient.,\n\nTabradol (unknown quantity): Upheld",
     "appropriate method. for weaning and terminating opioids for this patient.\n\nTabradol (unknown quantity): Upheld"),
    ("Right shoulder arthroscopy with subacromial decompression, acromioplasty,\nMumford, rotator cuff repair",
     "Right shoulder arthroscopy with subacromial decompression, acromioplasty,\nMumford, rotator cuff repair"),
    # ... nor the comma before a modified request's remaining item, after a blank line (fax)
    ("by the Claims Administrator. The remaining IMR eligible portion of the original request,\n\n"
     "7 Acupuncture 12 sessions is: Upheld",
     "by the Claims Administrator. The remaining IMR eligible portion of the original request,\n\n"
     "7 Acupuncture 12 sessions is: Upheld"),
    # "©" read for the C of a word in capitals; a mark after a section title
    ("‘ ©LINICAL CASE SUMMARY", "CLINICAL CASE SUMMARY"),
    ("CLINICAL CASE'SUMMARY™", "CLINICAL CASE SUMMARY"),
    ("CLINICAL CASE SUMMARY’ | oy ,", "CLINICAL CASE SUMMARY"),
    # a bar is a table rule, but not glued to an age's digit
    ("Date Assigned: | 11/18/2016", "Date Assigned: 11/18/2016"),
    ("The injured worker is a 5| year old female, who", "The injured worker is a 5| year old female, who"),
    # misread labels
    ("Certification(s)/Specialt y: Orthopedic Surgery, Sports Medicine", "Certification(s)/Specialty: Orthopedic Surgery, Sports Medicine"),
    ("Claims hiiviies guideline: Decision tiesedd on MTUS Chronic Pain Medical Treatment",
     "Claims Administrator guideline: Decision tiesedd on MTUS Chronic Pain Medical Treatment"),
    ("Claims Adininistrator guidellne: Decision based on MTUS Low-Back Complaiﬁts 2004.",
     "Claims Administrator guideline: Decision based on MTUS Low-Back Complaifits 2004."),
    ("MAXIMUS guidéline: Decision based on MTUS Neck and Upper Back Complaints 2004,",
     "MAXIMUS guideline: Decision based on MTUS Neck and Upper Back Complaints 2004,"),
    ("vClaims Administrator guideline: Decision based ori MTUS Neck and Upper Back Complaints",
     "Claims Administrator guideline: Decision based ori MTUS Neck and Upper Back Complaints"),
    ("- Decision rationale: The injured worker sustained a work related i injury on 10-12-16. The",
     "Decision rationale: The injured worker sustained a work related i injury on 10-12-16. The"),
    ("The Final Detefnlination was based on decisions for the disputed items/services set forth below:",
     "The Final Determination was based on decisions for the disputed items/services set forth below:"),
    ("Cemficauon(s)/Specralty: Physrcal Medicine & Rehabrlltatlon",
     "Certification(s)/Specialty: Physrcal Medicine & Rehabrlltatlon"),
    ("Certlficauon(e)/Spechty: Internal Medlcme", "Certification(s)/Specialty: Internal Medlcme"),
    # ... its ")/" lost or misread, its first letter too (then it must end in its colon)
    ("Gortification(s Specialty: Physical Medicine :& Rehabilitation, Pain ‘Management",
     "Certification(s)/Specialty: Physical Medicine :& Rehabilitation, Pain ‘Management"),
    ("Cortification(s\\ySpoctilty: Anesthesiology, Pain Management, Hospice & Palliative: Medicine.",
     "Certification(s)/Specialty: Anesthesiology, Pain Management, Hospice & Palliative: Medicine."),
    ("Certification of the records (see below) Specialist: none", "Certification of the records (see below) Specialist: none"),
    ("—e rationale: The MTUS states that unequivocal objective findings that identify specific",
     "Decision rationale: The MTUS states that unequivocal objective findings that identify specific"),
    ("The rationale: is given below", "The rationale: is given below"),
    # "rationale:" misread into no word, its colon lost (grey: the letter failed to parse); a guideline's words stay
    ("Decision satbineale With regard to the request for cyclobenzaprine, the CA MTUS states the",
     "Decision rationale: With regard to the request for cyclobenzaprine, the CA MTUS states the"),
    ("Decision based on MTUS Chronic Pain Medical Treatment 2016,", "Decision based on MTUS Chronic Pain Medical Treatment 2016,"),
    # section titles, with the marks around them
    ("IMR.ISSUES,DECISIONS AND RATIONALES °", "IMR ISSUES, DECISIONS AND RATIONALES"),
    ("IMR ISSUES, DECISIONS AND RATIONALES 7", "IMR ISSUES, DECISIONS AND RATIONALES"),
    ("- IMR ISSUES, DECISIONSAND RATIONALES", "IMR ISSUES, DECISIONS AND RATIONALES"),
    ("HOW THE IMR FINAL DETERMINATION WA‘S MADE", "HOW THE IMR FINAL DETERMINATION WAS MADE"),
    ("HOW. THE IMR FINAL DETERMINATION WAS MADE", "HOW THE IMR FINAL DETERMINATION WAS MADE"),
    # ... its first capital read as another of its shape, or lost, after marks
    ("| * GLINICAL CASE SUMMARY", "CLINICAL CASE SUMMARY"),
    ("@LINICAL CASE SUMMARY", "CLINICAL CASE SUMMARY"),
    ("\"  OLINICAL CASE SUMMARY", "CLINICAL CASE SUMMARY"),
    ("_ OW THE IMR FINAL DETERMINATION WAS MADE", "HOW THE IMR FINAL DETERMINATION WAS MADE"),
    ("'. $tate(s) of Licensure: California,North Carolina", "State(s) of Licensure: California,North Carolina"),
    # ... a word of it lost (grey)
    ("The Final — was: based on decisions for the disputed items/services set forth below:",
     "The Final Determination was based on decisions for the disputed items/services set forth below:"),
    # table rules and speckle read as marks
    ("Date Assigned: | 11/18/2016 Date of Injury: | 10/10/2016", "Date Assigned: 11/18/2016 Date of Injury: 10/10/2016"),
    ("Review determinations. '", "Review determinations."),
    ("Section(s): Special Studies. o : : _", "Section(s): Special Studies."),
    ("12004. | | | ,", "12004."),
    ("on Non-MTUS Cltallon ACOEM Occupational Medicine Practice Guidelines, 3rd ed., Low Back Disorders, pg. 607.. _",
     "on Non-MTUS Cltallon ACOEM Occupational Medicine Practice Guidelines, 3rd ed., Low Back Disorders, pg. 607."),
    ("~ The applicant is a 34-year-old male who has filed a claim for chronic low back pain (LBP)",
     "The applicant is a 34-year-old male who has filed a claim for chronic low back pain (LBP)"),
    ("“warrant imaging in patients who do not respond to treatment and would consider surgery an",
     "warrant imaging in patients who do not respond to treatment and would consider surgery an"),
    ("request for \"X-rays of right hip\" is not medically necessary. af",
     "request for \"X-rays of right hip\" is not medically necessary."),
    ("Given the above, the request for Fanatrex (unknown quantity) is not medically necessary. e%",
     "Given the above, the request for Fanatrex (unknown quantity) is not medically necessary."),
    ("Comprehensiye psychologica_l testing: Upheld", "Comprehensiye psychological testing: Upheld"),
    ("Om_eprazole: Upheld", "Omeprazole: Upheld"),
    # ... and what must stay as it is: a hard wrap ending in a word of one letter, a heading's colon
    ("in active clinical practice for more than five years and is currently working at least 24 hours a",
     "in active clinical practice for more than five years and is currently working at least 24 hours a"),
    ("Retrospective MRI of the lumbar spine with and without contrast :",
     "Retrospective MRI of the lumbar spine with and without contrast :"),
    ("#60 Norco 10/325mg", "#60 Norco 10/325mg"),
    ("Ibuprofen' 600mg #90 with 2 refill was the original request.", "Ibuprofen 600mg #90 with 2 refill was the original request."),
    ("the patients' views", "the patients' views"),
]


@pytest.mark.parametrize("read, cleaned", CLEANED_LINES)
def test_clean_ocr_line(read, cleaned):
    assert clean_ocr(read) == (cleaned, [])


PHRASES = [
    # what the parser reads by, misread: put right, with a warning
    ("CT of the head is not medlcally necessary.", "CT of the head is not medically necessary.",
     ["'medically necessary' read by OCR as 'medlcally necessary': put right"]),
    ("Associated surgical service; Cold therapy unit: Overturned", "Associated surgical service: Cold therapy unit: Overturned",
     ["'associated surgical service:' read by OCR as 'Associated surgical service;': put right"]),
    # a hyphen read for a space, a speck between the heading's colon and the decision's (fax)
    ("Associated surgical-service: Cold therapy unit: +: Upheld", "Associated surgical service: Cold therapy unit: Upheld",
     ["'associated surgical service:' read by OCR as 'Associated surgical-service:': put right"]),
    # a modified request's "original" misread into no word (grey); another word there is the letter's own
    ("Partial Hospitalization day treatment was the oxtiiaia request. The Claims Administrator authorized",
     "Partial Hospitalization day treatment was the original request. The Claims Administrator authorized",
     ["a modified request's 'was the original request' read by OCR as 'was the oxtiiaia request': put right"]),
    ("Physical therapy was the second request. The Claims Administrator",
     "Physical therapy was the second request. The Claims Administrator", []),
    # a rationale's last word wrapped onto a line of its own and misread (fax); a line break is no misreading
    ("request for Ketophene (unknown quantity). is not medically\n‘hecessarys\n\nKetophene (unknown quantity): Upheld",
     "request for Ketophene (unknown quantity). is not medically necessary.\n\nKetophene (unknown quantity): Upheld",
     ["a rationale's closing 'medically necessary.' read by OCR as 'medically hecessarys': put right"]),
    ("the request is not medically\nnecessary.", "the request is not medically necessary.", []),
    ("the request is not medically\nwarranted.\n\nMRI of the knee: Upheld",
     "the request is not medically\nwarranted.\n\nMRI of the knee: Upheld", []),
    ("case file, including all medical records; ‘", "case file, including all medical records:",
     ["'including all medical records:' read by OCR as 'including all medical records;': put right"]),
    # the full stop after the phrase is the sentence's, kept (fax: "request..The Claims", its stop read twice)
    ("One month supply of Trezix capsule 320.5/30/16mg was the original request..The Claims",
     "One month supply of Trezix capsule 320.5/30/16mg was the original request.The Claims", []),
    ("is not medlcally necessary.Tabradol (unknown quantity): Upheld",
     "is not medically necessary.Tabradol (unknown quantity): Upheld",
     ["'medically necessary' read by OCR as 'medlcally necessary': put right"]),
]


@pytest.mark.parametrize("read, cleaned, warnings", PHRASES)
def test_phrases_put_right(read, cleaned, warnings):
    assert clean_ocr(read) == (cleaned, warnings)


DECISIONS = [
    # a decision word misread: corrected, with a warning
    ("MRI of the right shoulder without contrast: Upﬁeld", "MRI of the right shoulder without contrast: Upheld",
     ["decision read by OCR as 'Upfield', taken as 'Upheld'"]),
    ("Lidocaine patch: Uphe1d", "Lidocaine patch: Upheld", ["decision read by OCR as 'Uphe1d', taken as 'Upheld'"]),
    ("Physical therapy x 6; 0verturned", "Physical therapy x 6: Overturned",
     ["decision read by OCR as '0verturned', taken as 'Overturned'"]),
    # fax: the colon read as a semicolon, specks after the word
    ("Facet joint injections L4-5, L5-S1; Upheld", "Facet joint injections L4-5, L5-S1: Upheld", []),
    ("MRI of the right Shoulde'r 'without contrast: Uphcld j", "MRI of the right Shoulde'r 'without contrast: Upheld",
     ["decision read by OCR as 'Uphcld', taken as 'Upheld'"]),
    ("times a week for 1 week is: Upheld a :", "times a week for 1 week is: Upheld", []),
    ("MRI of the lumbar spine: Up.held»", "MRI of the lumbar spine: Upheld", ["decision read by OCR as 'Up.held', taken as 'Upheld'"]),
    ("MRI without contrast of the right hip:,' Upheld", "MRI without contrast of the right hip: Upheld", []),
    # wrapped onto a line of its own, a speck after it; a line of its own after a colon that is no decision stays
    ("IMR eligible. The original request, one month supply of Trezix capsule 30.5/30/16mg is:\nUpheld :",
     "IMR eligible. The original request, one month supply of Trezix capsule 30.5/30/16mg is: Upheld", []),
    ("The original request, one month supply of Trezix capsule 30.5/30/16mg is:\n\n‘ Upheld ms ‘",
     "The original request, one month supply of Trezix capsule 30.5/30/16mg is: Upheld", []),
    # specks of three characters after it, a colon after it
    ("Acupuncture 12 sessions is: Upheld Los ;", "Acupuncture 12 sessions is: Upheld", []),
    ("rotator cuff repair and shoulder debridement: Overturned Hoof", "rotator cuff repair and shoulder debridement: Overturned", []),
    ("rotator cuff repair and shoulder.debridement: Overturned:", "rotator cuff repair and shoulder.debridement: Overturned", []),
    ("Decision based on MTUS Chronic Pain Medical Treatment Guidelines, Section(s):\nOpioids",
     "Decision based on MTUS Chronic Pain Medical Treatment Guidelines, Section(s):\nOpioids", []),
    # fax: a letter read with an accent
    ("The original request, Partial Hospitalization day treatment\nis: Ovérturned",
     "The original request, Partial Hospitalization day treatment\nis: Overturned",
     ["decision read by OCR as 'Ovérturned', taken as 'Overturned'"]),
    # a speck between the colon and the decision, after it, or after a colon that ends a line
    ("MRI of the left knee without contrast:. Upheld", "MRI of the left knee without contrast: Upheld", []),
    ("MRI of the left. shoulder: ‘ Upheld", "MRI of the left. shoulder: Upheld", []),
    ("Synapryn (unknown quantity); Upheld’", "Synapryn (unknown quantity): Upheld", []),
    ("5 %/Dextromethorphan: Upheld . . 7 ot", "5 %/Dextromethorphan: Upheld", []),
    ("The original request, one are supply of Trezix capsule 30.5/30/16mg is:.\nUpheld",
     "The original request, one are supply of Trezix capsule 30.5/30/16mg is: Upheld", []),
    # grey: a rationale's closing "medically necessary." misread, known by the heading after it; a known word stays
    ("it is now well beyond 72 hours and there are no red flags or deterioration noted. CT of the head\n"
     "is not medically wae\n\nNaproxen 550mg #60: Overturned",
     "it is now well beyond 72 hours and there are no red flags or deterioration noted. CT of the head\n"
     "is not medically necessary.\n\nNaproxen 550mg #60: Overturned",
     ["a rationale's closing 'medically necessary.' read by OCR as 'medically wae': put right"]),
    ("is not medically indicated\nNaproxen 550mg #60: Overturned", "is not medically indicated\nNaproxen 550mg #60: Overturned", []),
    # fax: a heading's colon lost, known by the previous item's conclusion on the line before (the speck stays)
    ("above, the request for Prilosec 20mg #90 is not medically necessary.\n\nPantoprazole sodium 20mg sai Upheld",
     "above, the request for Prilosec 20mg #90 is not medically necessary.\n\nPantoprazole sodium 20mg sai: Upheld", []),
    ("The request is not medically necessary.\nThe Claims Administrator's decision was Upheld",
     "The request is not medically necessary.\nThe Claims Administrator's decision was Upheld", []),
    # fax: a speck and a comma in a modified request's "was the original request."
    ("Acupuncture 18 sessions was, the original request, Acupuncture 6 sessions was authorized",
     "Acupuncture 18 sessions was the original request. Acupuncture 6 sessions was authorized",
     ["a modified request's 'was the original request.' read by OCR as 'was, the original request,': put right"]),
    ("Ibuprofen 600mg #90 with 2 refill was the original request. Ibuprofen 600mg #90 was authorized",
     "Ibuprofen 600mg #90 with 2 refill was the original request. Ibuprofen 600mg #90 was authorized", []),
    ("Ibuprofen 600mg #90 with 2 refill was the- original request. Ibuprofen 600mg #90 was authorized",
     "Ibuprofen 600mg #90 with 2 refill was the original request. Ibuprofen 600mg #90 was authorized",
     ["a modified request's 'was the original request.' read by OCR as 'was the- original request.': put right"]),
    ("by the Claims Administrator. 'The remaining IMR eligible portion of the original request,",
     "by the Claims Administrator. The remaining IMR eligible portion of the original request,", []),
    ("Ibuprofen 600mg #90 with 2 refill was the original request: Ibuprofen 600mg #90 was authorized",
     "Ibuprofen 600mg #90 with 2 refill was the original request. Ibuprofen 600mg #90 was authorized",
     ["a modified request's 'was the original request.' read by OCR as 'was the original request:': put right"]),
    ("leaving the original request IMR eligible: The original request, one month supply of Trezix",
     "leaving the original request IMR eligible. The original request, one month supply of Trezix",
     ["a mark OCR read for the full stop before a modified request's closing sentence put right (1 time(s))"]),
    # fax: a comma read for the full stop before a modified request's closing sentence
    ("by the Claims Administrator, The remaining IMR eligible portion of the original request,",
     "by the Claims Administrator. The remaining IMR eligible portion of the original request,",
     ["a mark OCR read for the full stop before a modified request's closing sentence put right (1 time(s))"]),
    ("Physical therapy two times a week for. three weeks for Jambar Upheld\n\nClaims Administrator guideline: Decision",
     "Physical therapy two times a week for. three weeks for Jambar: Upheld\n\nClaims Administrator guideline: Decision", []),
    # fax: the colon lost, the heading known by the item label after it
    ("Compi'ehehsive psychologlcal'testingi Upheld\nClaims Administrator guideline: Decision based on MTUS",
     "Compi'ehehsive psychologlcal'testingi: Upheld\nClaims Administrator guideline: Decision based on MTUS", []),
    # read right: unchanged, no warning
    ("MRI of the umbar without contrast: Upheld", "MRI of the umbar without contrast: Upheld", []),
    # a word like neither: left alone
    ("the claimant was: Unhappy", "the claimant was: Unhappy", []),
    # fax: a modified request's closing phrase misread, its comma lost; a space read after a decimal point
    ("IMR eligible. The original reauest one month supply of Trezix capsule 30.5/30/L6mg is:\nUpheld",
     "IMR eligible. The original request, one month supply of Trezix capsule 30.5/30/L6mg is: Upheld",
     ["'the original request' read by OCR as 'The original reauest': put right",
      "a modified request's 'The original request,' read by OCR without its comma (1 time(s)): comma put back"]),
    ("One month supply of Trezix capsule 320. 5/30/16mg was the original request.",
     "One month supply of Trezix capsule 320.5/30/16mg was the original request.",
     ["a space OCR read after a dose's decimal point dropped (1 time(s))"]),
    # a full stop read for the space after "was", a mark glued before the closing "is:" (fax)
    (". Acupuncture 18 sessions was.the original request. Acupuncture 6 sessions was authorized",
     "Acupuncture 18 sessions was the original request. Acupuncture 6 sessions was authorized",
     ["a modified request's 'was the original request.' read by OCR as 'was.the original request.': put right"]),
    ("original request, Two refills of Ibuprofen 600mg #90'is: Upheld",
     "original request, Two refills of Ibuprofen 600mg #90 is: Upheld", []),
    # the remaining portion's "request," misread (grey: the original request had been taken for the item)
    ("by the Claims Administrator. The remaining IMR eligible portion of the original mngeers :\n"
     "Acupuncture 12 sessions is: Upheld",
     "by the Claims Administrator. The remaining IMR eligible portion of the original request,\n"
     "Acupuncture 12 sessions is: Upheld",
     ["a modified request's 'The remaining IMR eligible portion of the original request,' read by OCR with its "
      "last word misread (1 time(s)): put right"]),
    # ... and what stays: a sentence that ends in a number, the original request's own sentence
    ("The request was dated 12/01/2016. 3 sessions were authorized.",
     "The request was dated 12/01/2016. 3 sessions were authorized.", []),
    ("The original request was for 12 sessions: Upheld", "The original request was for 12 sessions: Upheld", []),
]


@pytest.mark.parametrize("read, cleaned, warnings", DECISIONS)
def test_decision_words_corrected_only_when_unambiguous(read, cleaned, warnings):
    assert clean_ocr(read) == (cleaned, warnings)


def test_specks_before_the_issues_first_line_are_no_heading():
    # "IMR ISSUES, DECISIONS AND RATIONALES\nwt\nrnd\nThe Final Determination was based on ..." (grey)
    text = normalize(sample("001").read_text(), "text")
    intro = "The Final Determination was based on decisions for the disputed items/services set forth below:"
    assert intro in text
    scanned = parse_letter(text.replace(intro, "wt\nrnd\n" + intro), "pdf-ocr")
    assert [item.description for item in scanned.items] == [item.description for item in parse_letter(text).items]


def test_a_priority_read_with_a_dollar_sign():
    # fax: "_ Priority: '  $tandard Application 12/21/2016"
    letter = Letter()
    read_ocr_header(normalize(clean_ocr("Case Number: _ 'CM16-0245028\n\"Date Assigned: 01/04/2017 ‘Date of Injury: "
                                        "10/24/2016 i\n‘Decision Date: 01/27/2017 _ - UR Denial Date: = 12/13/2016\n\n"
                                        "_ Priority: '  $tandard Application 12/21/2016")[0], "pdf-ocr"), letter)
    assert letter.priority == "Standard"
    assert "priority read by OCR as '$tandard', taken as Standard" in letter.warnings


def test_a_lost_section_title_is_put_back_before_the_sentence_every_letter_starts_it_with():
    # grey: the header table's last line and the title "HOW THE IMR FINAL DETERMINATION WAS MADE" lost
    text = ("Decision Date: 02/06/2017 UR Denial Date: 11/30/2016\nPriority: ._ Standard Application 12/23/2016 7\n\n"
            "MAXIMUS Federal Services sent the complete case file to an expert reviewer. He/she has no\n")
    assert clean_ocr(text)[0].endswith("12/23/2016 7\n\nHOW THE IMR FINAL DETERMINATION WAS MADE\nMAXIMUS Federal "
                                       "Services sent the complete case file to an expert reviewer. He/she has no\n")
    # ... and with its title read, nothing is put in
    assert clean_ocr("HOW THE IMR FINAL DETERMINATION WAS MADE\n" + text)[0].count("HOW THE IMR") == 1


def test_page_numbers_and_page_breaks():
    text = "first page ends here\n2\n\f3\nsecond page\nmedically necessary."
    assert clean_ocr(text)[0] == "first page ends here\nsecond page\nmedically necessary."


def test_a_line_that_is_no_label_stays():
    assert fix_label("Decision based on MTUS Chronic Pain") == "Decision based on MTUS Chronic Pain"


# -- the header table, as OCR read it -----------------------------------------------------------

HEADERS = [
    # labels misread, the Application label split from its "Received:" around the date
    ("Case Number: CM16-0213037\nDate Assngned 11/09/2016 Date of Injury: 10/13/2016 -\n"
     "Decision Date: 12/09/2016 - UR Denial Date: 11/03/2016\n' Priority: Standard - appli.cat(i'on 11/03/2016\n"
     ". v : eceived: :",
     {"case_number": "CM16-0213037", "date_assigned": "2016-11-09", "date_of_injury": "2016-10-13",
      "decision_date": "2016-12-09", "ur_denial_date": "2016-11-03", "application_received": "2016-11-03",
      "priority": "Standard"}, []),
    ("Case Number: CM16-0240518\n'Date Assigned: - 12/19/2016 - - Date of Injury: 10/20/2016\n"
     "Decision Date: - 01/18/2017 ' _UR Denial Date: 11/15/2016\nPriority: Standard ' Application - 12/14/2016\nReceived:",
     {"case_number": "CM16-0240518", "date_assigned": "2016-12-19", "date_of_injury": "2016-10-20",
      "decision_date": "2017-01-18", "ur_denial_date": "2016-11-15", "application_received": "2016-12-14",
      "priority": "Standard"}, []),
    # fax: a separator read as "(", a stray mark, the slashes lost, "Prlonty"
    ("Case Number: CM16-0235724\n_Dat# Assigned: 12282016 DateofInjury: - 11/02/2016 -\n"
     "Decigion Date: 01(10/2017. o ~ UR Denial Date: -11/30/2016\nPrlonty _ Standard Application = 12/01/-2016\nReceived:",
     {"case_number": "CM16-0235724", "date_assigned": "2016-12-28", "date_of_injury": "2016-11-02",
      "decision_date": "2017-01-10", "ur_denial_date": "2016-11-30", "application_received": "2016-12-01",
      "priority": "Standard"},
     ["date_assigned read by OCR as '12282016', taken as 2016-12-28",
      "decision_date read by OCR as '01(10/2017', taken as 2017-01-10",
      "application_received read by OCR as '12/01/-2016', taken as 2016-12-01"]),
    # a speck in the case number: no case number of the shape, so none, and what was read
    ("Case Number: CM16-02357_2'4\nDate Assigned: 12/07/2016 Date of Injury: 10/17/2016\n"
     "Decision Date: 01/11/2017 UR Denial Date: 11/23/2016\nPriority: Standard Application 12/01/2016 Received:",
     {"case_number": None, "date_assigned": "2016-12-07", "decision_date": "2017-01-11"},
     ["no case number of the shape CMyy-nnnnnnn in the header (read: 'CM16-02357')"]),
    # labels lost in the table's shading: their dates are not guessed
    ("CM16-0213037 -]\n, 11/09/2016 10/13/2016 ;\nDecision Date: 12/09/2016 UR Denial Date: 11/03/2016\n"
     "Priority: Standard appli.cat(i'on 11/03/2016",
     {"case_number": "CM16-0213037", "date_assigned": None, "date_of_injury": None, "decision_date": "2016-12-09",
      "ur_denial_date": "2016-11-03", "application_received": "2016-11-03"},
     ["date_assigned: its label was not found in the OCR'd header",
      "date_of_injury: its label was not found in the OCR'd header"]),
    # the table read column by column: labels first, then the values, in the same order
    ("Case Number: CM16-0219557\nDate Assigned:\nDecision Date:\nPriority:\nCM16-0219557\n11/18/2016\n12/19/2016\n"
     "Standard\nDate of Injury: 10/10/2016\nUR Denial Date: 11/09/2016\nApplication Received: 11/14/2016",
     {"date_assigned": "2016-11-18", "decision_date": "2016-12-19", "date_of_injury": "2016-10-10",
      "priority": "Standard"},
     ["date_assigned taken from the OCR'd header by its place (the table read column by column)",
      "decision_date taken from the OCR'd header by its place (the table read column by column)"]),
    # a letter taken for a digit in the case number and in a date
    ("Case Number: CM16-O221706\nDate Assigned: 11/O9/2016 Date of Injury: 10/13/2016\n"
     "Decision Date: 12/09/2016 UR Denial Date: 11/03/2016\nPriority: Standard Application 11/03/2016 Received:",
     {"case_number": "CM16-0221706", "date_assigned": "2016-11-09"},
     ["case number read by OCR as 'CM16-O221706', taken as CM16-0221706",
      "date_assigned read by OCR as '11/O9/2016', taken as 2016-11-09"]),
    ("“Case Number: GM16-0240900 —- [\n\nDate Assigned: == 12/20/2016 _ Date ofinjury: 10/28/2016\n"
     "Decision Date: =: 01/18/2017 _UR Denial Date: 11/16/2016 |\nPriority: — Standard . Application 12/15/2016\n\n"
     "_ Received: .",
     {"case_number": "CM16-0240900"}, ["case number read by OCR as 'GM16-0240900', taken as CM16-0240900"]),
    # a stroke read between C and M; a space between the day's digits
    ("‘Case Number: CIM16-0235724 a\n\nDate Assigned: 12/12/2016 Date ofInjury: = 10/21/2016\n"
     "Decision Date: 01/09/2017 UR Denial Date: = 11/22/2016\nPriority: Standard ° ' Application 12/07/2016\nReceived:",
     {"case_number": "CM16-0235724"}, ["case number read by OCR as 'CIM16-0235724', taken as CM16-0235724"]),
    ("|Case Number: —_CM17-0006797. . |\n\n_ Date Assigned: 01/1 9/2017 Date of Injury: | 11/01/2016 _|\n\n"
     "Decision Date: 02/15/2017 UR Denial Date: 01/05/2017 _\nPriority: . Standard Application 01/10/2017\nReceived:",
     {"case_number": "CM17-0006797", "date_assigned": "2017-01-19"},
     ["date_assigned read by OCR as '01/1 9/2017', taken as 2017-01-19"]),
    # the C read as "€"; a space in the year
    ("Case Number: '- €M17-0005924 th '\nDate Assigned: ° 01/12/2017 ‘Date of Injury: | 11/09/2016\n\n"
     "‘Decision Date: = 02/13/2017 \"UR Denial Date: 12/19/2016\nPriority: Standard Application 01/05/2017 Received:",
     {"case_number": "CM17-0005924"}, ["case number read by OCR as '€M17-0005924', taken as CM17-0005924"]),
    ("Case Number: CM1 6-0247624\nDate Assigned: 12/30/2016 ' Date of Injury: 10/14/2016\n\n"
     "Decision Date: — 01/27/2017 _UR Denial Date: 12/16/2016\nPriority: Standard Application 12/22/2016 Received:",
     {"case_number": "CM16-0247624"}, []),
    # ... and a space in the seven digits: a digit split off (this letter's), or a speck read for one with one
    # lost; taken, with a warning to check it
    ("Case Number: CM16-021955 7\nDate Assigned: 11/18/2016 Date of Injury: 10/10/2016\n"
     "Decision Date: 12/19/2016 UR Denial Date: 11/09/2016\nPriority: Standard Application 11/14/2016 Received:",
     {"case_number": "CM16-0219557"}, ["case number read by OCR as 'CM16-021955 7', a space in its digits, taken as "
                                       "CM16-0219557: check it against the file"]),
    # the C read as "©"; one label lost, its date the one no label took (it keeps the order of the dates)
    ("Case Number: ~©M17-0007300\nDate Assigned: 01/13/2017 Date of Injury: = 11/13/2016\n"
     "Decision Date: 02/09/2017 UR Denial Date: 01/05/2017 a\nPriority: Standard 'Application 01/10/2017\nReceived:",
     {"case_number": "CM17-0007300"}, ["case number read by OCR as '©M17-0007300', taken as CM17-0007300"]),
    ("Case Number: CM16-0244053\nDaie -- 12/22/2016 Daie of Injury: 10/29/2016...\n"
     "Decision Baie - 01/26/2017, UR Denial Date: = 11/30/2016\nPriority: Standard Application 12/20/2016\nReceived:",
     {"date_assigned": "2016-12-22", "date_of_injury": "2016-10-29", "decision_date": "2017-01-26"},
     ["date_assigned taken from the OCR'd header as the one date no label took (its label was not found)"]),
    ("Case Number: = CM16-0246635\nDate Assigned: 01/11/2017 Date of Injury: = 10/16/2016\n"
     "Decision Date: 02/06/2017 . UR Denial Date: - 11/30/2016\nPriority: Standard. n enerail 12/23/2016",
     {"application_received": "2016-12-23"},
     ["application_received taken from the OCR'd header as the one date no label took (its label was not found)"]),
    # ... but not one that would break that order: left out
    ("Case Number: = CM16-0246635\nDate Assigned: 01/11/2017 Date of Injury: = 10/16/2016\n"
     "Decision Date: 02/06/2017 . UR Denial Date: - 11/30/2016\nPriority: Standard. n enerail 12/23/2018",
     {"application_received": None}, ["application_received: its label was not found in the OCR'd header"]),
    # a year with a digit too many (fax): no date
    ("Case Number: CM16-0231706\nDate Assigned: 12/07/2016 Date of Injury: 10/23/20186\n"
     "Decision Date: 01/05/2017 UR Denial Date: 11/29/2016\nPriority: Standard Application 12/01/2016 Received:",
     {"date_of_injury": None, "date_assigned": "2016-12-07"},
     ["date_of_injury: no date after its label in the OCR'd header"]),
]


# Headers as Tesseract read them from the dev letters' own scans (benchmarks/make_scans.py), one correction each.
HEADERS_READ_ON_SCANS = [
    # fax: the case number's C read as a copyright sign
    ("MAXIMUS |\nFederal Services {\" THIN!\nCase Number: _©M17-0011543 ‘| ; . | |\n"
     "Date Assigned: 01/20/2017 - Date of Injury: 10/26/2016 |\nDecision Date: 02/16/2017 UR Denial Date: 01/16/2017.\n"
     "Priority: ' Standard Application = 01/17/2017\nReceived:.",
     {"case_number": "CM17-0011543", "date_of_injury": "2016-10-26", "application_received": "2017-01-17"},
     ["case number read by OCR as '©M17-0011543', taken as CM17-0011543"]),
    # grey: the table read column by column, the case number after a degree sign
    ("_ Case Number:\nDate Assigned:\n\nDecision Date:\n\nPriority:\n\nMAXIMUS: <=\nFederal Services | at\n\n"
     "~ °©M17-0008479 |\n\n01/18/2017 Date of Injury: 10/18/2016\n02/15/2017 UR Denial Date: 12/19/2016 _|\n"
     "_ Standard Application 01/12/2017\n\nReceived:",
     {"case_number": "CM17-0008479", "date_assigned": "2017-01-18", "date_of_injury": "2016-10-18",
      "decision_date": "2017-02-15", "ur_denial_date": "2016-12-19", "application_received": "2017-01-12",
      "priority": "Standard"},
     ["case number read by OCR as '©M17-0008479', taken as CM17-0008479",
      "date_assigned taken from the OCR'd header by its place (the table read column by column)",
      "decision_date taken from the OCR'd header by its place (the table read column by column)"]),
    # grey: "Date of Injury:" read as "Date of ——", "UR Denial Date:" as "UR Denial"
    ("MAXIMUS| le\nFederal Services t fornia\n\n_ Case Number: CM17-0019120\n\n"
     "_ Date Assigned: 01/31/2017 - Date of —— 11/09/2016 i\nDecision Date: 02/24/2017 UR Denial 01/25/2017\n"
     "Priority: - Standard _ Application 01/30/2017\nReceived:",
     {"case_number": "CM17-0019120", "date_assigned": "2017-01-31", "date_of_injury": "2016-11-09",
      "decision_date": "2017-02-24", "ur_denial_date": "2017-01-25", "application_received": "2017-01-30"}, []),
    # ... but a lone "Date:" is no "Date of": no label is found for the date of injury, which takes the one
    # date no label took only because it keeps the dates' order (read_ocr_header), with that warning
    ("Case Number: CM17-0019120\nDate Assigned: 01/31/2017 - 11/09/2016\nDecision Date: 02/24/2017 "
     "UR Denial Date: 01/25/2017\nPriority: Standard Application 01/30/2017 Received:",
     {"date_of_injury": "2016-11-09", "ur_denial_date": "2017-01-25"},
     ["date_of_injury taken from the OCR'd header as the one date no label took (its label was not found)"]),
]

# A date OCR read as no date, or as one no letter can have: the one date a digit away that keeps the
# dates' order, else left out; each with a warning (headers of fax scans).
HEADER_DATES_MISREAD = [
    ("Case Number: CM16-0237163\nDate Assigned: 12/13/2016 ' Date of Injury: || 10/13/2016\n"
     "Decision Date: 01/10/2017 _. UR Denial Date: 11/22/2016 .\n“Priority: . Standard ; Application ‘42/09/2016\n"
     "= Received:",
     {"application_received": "2016-12-09"},
     ["application_received read by OCR as '42/09/2016', which is no date a letter can have: taken as 2016-12-09, "
      "the one date a digit away between ur_denial_date and date_assigned"]),
    ("Case Number: CM17-0002181\nDate Assigned: 01/06/2017 Date of Injury: 11/29/2016\n"
     "Decision Date: 02/02/2017 UR Denial Date: 12/16/2016\nPriority: Standard Application 01/03/2617\nReceived:",
     {"application_received": "2017-01-03"},
     ["application_received read by OCR as '01/03/2617', which is no date a letter can have: taken as 2017-01-03, "
      "the one date a digit away between ur_denial_date and date_assigned"]),
    # a digit of the month lost: "2/30/2016", Feb 30, is 12/30/2016 between the application and the decision (fax)
    ("_Case.Number: | CM16-0247624 : [- ;\n_Date Assigned: — 2/30/2016 ; _Date of Injury: = 10/14/2016\n"
     "Decision Date: = 01/27/2017 __. + UR Denjal Date: = 12/16/2016\n_ Priority: ‘Standard’ Application ° 12/27/2016\n\n"
     "| a _ Received: |",
     {"date_assigned": "2016-12-30"},
     ["date_assigned read by OCR as '2/30/2016', which is no date a letter can have: taken as 2016-12-30, "
      "the one date a digit away between application_received and decision_date"]),
    # two dates a digit away keep the order (01/12 and 01/22): left out
    ("Case Number: | | CM17-0005924 | >> _\n‘Date Assigned: 01/42/2017 ___ Date of Injury: 11/09/2016\n\n"
     "Decision Date: 02/13/2017, Ss. ‘UR Denial Date: = 12/19/2016\nPriority: Standard Application 01/09/2017\n"
     "_: Received:",
     {"date_assigned": None, "application_received": "2017-01-09"},
     ["date_assigned read by OCR as '01/42/2017', which is no date a letter can have: left out"]),
    # the last date of the order has nothing after it to bound it: left out
    ("Case Number: CM17-0005924\nDate Assigned: 01/12/2017 Date of Injury: 11/09/2016\n"
     "Decision Date: 02/43/2017 UR Denial Date: 12/19/2016\nPriority: Standard Application 01/09/2017\nReceived:",
     {"decision_date": None},
     ["decision_date read by OCR as '02/43/2017', which is no date a letter can have: left out"]),
]


# Case numbers as OCR read them on fresh fax and grey scans: the line, what is stored, the warning.
CASE_NUMBERS = [
    ("Case Number: Cm16-0245028", "CM16-0245028", ["case number read by OCR as 'Cm16-0245028', taken as CM16-0245028"]),
    ("_Case Number: _M17-0005924", "CM17-0005924", ["case number read by OCR as 'M17-0005924', taken as CM17-0005924"]),
    ("Case Number: _C©M16-0240900", "CM16-0240900", ["case number read by OCR as 'C©M16-0240900', taken as CM16-0240900"]),
    ("‘Case Number: ~ C©M17-0007142", "CM17-0007142", ["case number read by OCR as 'C©M17-0007142', taken as CM17-0007142"]),
    ("_Case Number: -| OM16-0235724 ss", "CM16-0235724", ["case number read by OCR as 'OM16-0235724', taken as CM16-0235724"]),
    ("Case Number: | _CM16-021 9557 ee l. ‘", "CM16-0219557",
     ["case number read by OCR as 'CM16-021 9557', a space in its digits, taken as CM16-0219557: check it against "
      "the file"]),
    ("‘Case Number: | CMi6-0231884 | oo", "CM16-0231884", ["case number read by OCR as 'CMi6-0231884', taken as CM16-0231884"]),
    # a space where a digit was lost (six digits), a garble: none, and what was read
    ("Case Number: CM16-021 955", None, ["no case number of the shape CMyy-nnnnnnn in the header (read: 'CM16-021')"]),
    ("Case Number: cot 6-0246635", None, ["no case number of the shape CMyy-nnnnnnn in the header"]),
]


@pytest.mark.parametrize("line, number, warnings", CASE_NUMBERS)
def test_ocr_case_numbers(line, number, warnings):
    from imrdb.parse import read_ocr_case_number

    found: list[str] = []
    assert read_ocr_case_number(" ".join(clean_ocr(line)[0].split()), found.append) == number
    assert found == warnings


@pytest.mark.parametrize("header, facts, warnings", HEADERS + HEADERS_READ_ON_SCANS + HEADER_DATES_MISREAD)
def test_ocr_header(header, facts, warnings):
    letter = Letter()
    read_ocr_header(normalize(clean_ocr(header)[0], "pdf-ocr"), letter)
    assert {name: getattr(letter, name) for name in facts} == facts
    assert letter.warnings == warnings


def test_dates_out_of_order_are_warned_not_changed():
    # fax: "12/01/2016" read as "12/01/2018", a valid date after the decision
    letter = Letter(date_of_injury="2016-10-23", ur_denial_date="2016-11-29", application_received="2018-12-01",
                    date_assigned="2016-12-07", decision_date="2017-01-05")
    check_dates(letter)
    assert letter.application_received == "2018-12-01"
    assert letter.warnings == ["application_received 2018-12-01 is after date_assigned 2016-12-07: a date misread by OCR?"]


def test_header_values_read_with_low_confidence_are_warned():
    # words Tesseract read with low confidence on the scans of CM17-0001749 (grey) and CM17-0008479 (fax)
    letter = Letter(case_number="CM17-0001748", date_assigned="2017-01-06", decision_date="2017-02-16")
    check_doubtful(letter, ((" CM17-0001748", 58.0), ("02/16/2017", 19.0), ("7", 17.0), ("10-17-2016.", 55.0)))
    assert letter.warnings == [
        "case_number CM17-0001748 was read by OCR with a confidence of 58 (as ' CM17-0001748'): check it against the file",
        "decision_date 2017-02-16 was read by OCR with a confidence of 19 (as '02/16/2017'): check it against the file"]


# -- words put right (imrdb.spelling): real misreadings from the scans, and words that stay ---------

# The case number as read on the page, and read again from its crop at ocr.REREAD_SCALES: Tesseract's
# readings of the dev letters' scans (benchmarks/make_scans.py).
REREADS = [
    # grey CM17-0001749: the page misread a digit at confidence 77, both crops read it right
    ("CM17-0001748", ("CM17-0001749", "CM17-0001749"),
     ["case_number CM17-0001748 was read by OCR as CM17-0001749 from its own crop, enlarged: check it against the file"]),
    # fax CM17-0021656: the same, the crops with a speck after them
    ("CM17-0021658", ("CM17-0021656 _", "CM17-0021656_"),
     ["case_number CM17-0021658 was read by OCR as CM17-0021656 from its own crop, enlarged: check it against the file"]),
    # fax CM17-0005924: here the page was right and the crops wrong; the page's stays, doubted all the same
    ("CM17-0005924", ("CM17-0005024", "CM17-0005024"),
     ["case_number CM17-0005924 was read by OCR as CM17-0005024 from its own crop, enlarged: check it against the file"]),
    # agreeing readings, a mark before one of them (grey CM16-0213037): nothing to say
    ("CM16-0213037", ("_CM16-0213037", "CM16-0213037"), []),
    # one crop read no case number (grey CM17-0008519), or the two disagree: no doubt is shown either way
    ("CM17-0008519", ("", "CM17-0008519"), []),
    ("CM17-0020243", ("CM17-0020243", "CM17-0020248"), []),
]


@pytest.mark.parametrize("page, crops, warnings", REREADS)
def test_a_case_number_read_otherwise_from_its_own_crop_is_warned(page, crops, warnings):
    letter = Letter(case_number=page.strip("_"))
    check_reread(letter, ((page, crops),))
    assert letter.case_number == page.strip("_") and letter.warnings == warnings


@needs_ocr
def test_the_case_number_is_read_again_from_its_crop(scanned_seed):
    """The real engine on the seed letter's own scan: its case number read on the page and again from its
    crop at both scales, all three the letter's, so no warning."""
    from imrdb.patterns import OCR_WORD_MARKS
    from imrdb.sources import text_of

    folder, _, text = scanned_seed
    source = text_of((folder / "seed-scan.pdf").read_bytes(), "pdf", str(folder / "seed-scan.pdf"))
    number = parse_letter(text, "text").case_number
    assert number and len(source.ocr.rereads) >= 1
    page, crops = source.ocr.rereads[0]
    assert len(crops) == len(ocr.REREAD_SCALES)
    assert {reading.strip(OCR_WORD_MARKS) for reading in (page, *crops)} == {number}
    letter = parse_letter(source.text, source.format)
    check_reread(letter, source.ocr.rereads)
    assert letter.case_number == number and not [w for w in letter.warnings if "own crop" in w]


WORDS = [
    # letters of a like shape misread: "c" for "e", "y" for "v", "u" for "a"
    ("femalc", set(), "female"),
    ("Cyclobenzuprine", set(), "Cyclobenzaprine"),
    ("Nuprosyn", set(), "Naprosyn"),
    ("Comprehensiye", set(), "Comprehensive"),
    ("employcc", set(), "employee"),
    # a short word only to a word the letter uses elsewhere
    ("oid", {"old"}, "old"),
    ("ycar", {"year"}, "year"),
    ("yeur", {"year"}, "year"),
    ("oid", set(), None),
    ("sai", set(), None),
    # one edit of any kind only to a word the letter uses elsewhere ("umbar", with "lumbar" in the rationale)
    ("Jumbar", {"lumbar"}, "Lumbar"),
    ("umbar", {"lumbar"}, "lumbar"),
    ("umbar", set(), None),
    ("reauest", {"request"}, "request"),
    ("Cuntom", {"custom"}, "Custom"),
    # what stays: known words, a brand no list has, plurals, abbreviations, two words run together
    ("scan", {"scan"}, None),
    ("Synapryn", set(), None),
    ("opioids", {"opioid"}, None),
    ("NSAID", {"said"}, None),
    ("EMGINCS", set(), None),
    ("myositis", set(), None),
    ("Holter", set(), None),
    ("Ihave", {"have"}, None),
    ("L6mg", set(), None),
]


@pytest.mark.parametrize("read, used, right", WORDS)
def test_ocr_words_put_right_only_when_unambiguous(read, used, right):
    from imrdb.spelling import correct_word

    assert correct_word(read, frozenset(used)) == right


def test_no_word_of_a_digital_letter_is_put_right():
    from imrdb.spelling import correct_words, letter_words

    text = normalize(sample("003").read_text(), "markdown")
    assert correct_words(text, letter_words(text)) == (text, [])


HEADINGS = [
    # fax: a word of the modified request's phrase misread; a space beside a slash; "L" read for a dose's "1"
    ("Ibuprofen 600mg #90 with 2 refill was the original request. Ibuprofen 600mg #90 was authorized by the Claims "
     "Administrator. The remaining IMR eligible portion of the driginal request, Two refills of Ibuprofen 600mg #90 is",
     {"description": "Two refills of Ibuprofen 600mg #90", "original_request": "Ibuprofen 600mg #90 with 2 refill"},
     ["item 1 heading: 'driginal' read by OCR, taken as 'original'"]),
    ("One container of Flurbiprofen 10%, Cyclobenzaprine 3%, Gabapentin 6%, Lidocaine 5% /Dextromethorphan",
     {"description": "One container of Flurbiprofen 10%, Cyclobenzaprine 3%, Gabapentin 6%, Lidocaine 5%/Dextromethorphan"},
     ["item 1 heading: '5% /Dextromethorphan' read by OCR, taken as '5%/Dextromethorphan'"]),
    ("One month supply of Trezix capsule 320.5/30/16mg was the original request. The Claims Administrator authorized "
     "Trezix capsule 320.5/30/16mg #5, leaving the original request IMR eligible. The original request, one month "
     "supply of Trezix capsule 30.5/30/L6mg is",
     {"description": "one month supply of Trezix capsule 30.5/30/16mg"},
     ["item 1 heading: '30.5/30/L6mg' read by OCR, taken as '30.5/30/16mg'"]),
    ("Associated surgical service Shoulder Brace", {"description": "Associated surgical service: Shoulder Brace"},
     ["item 1 heading: 'Associated surgical service' read by OCR, taken as 'Associated surgical service:'"]),
    ("Associated surgical service: Shoulder: Brace", {"description": "Associated surgical service: Shoulder Brace"},
     ["item 1 heading: 'Shoulder:' read by OCR, taken as 'Shoulder'"]),
    ("MR{ of Left lower extremity without contrast", {"description": "MRI of Left lower extremity without contrast"},
     ["item 1 heading: 'MR{' read by OCR, taken as 'MRI'"]),
    ("Naproxen 550ing #60", {"description": "Naproxen 550mg #60"}, ["item 1 heading: '550ing' read by OCR, taken as '550mg'"]),
    ("Cyclobenzaprine 7.5my #60", {"description": "Cyclobenzaprine 7.5mg #60"},
     ["item 1 heading: '7.5my' read by OCR, taken as '7.5mg'"]),
    ("Ibuprofen 600mg #90 with 2'refill", {"description": "Ibuprofen 600mg #90 with 2 refill"},
     ["item 1 heading: \"2'refill\" read by OCR, taken as '2 refill'"]),
    ("Right Shoulder Arthroscopy with rotator cuff repair ys debridement",
     {"description": "Right Shoulder Arthroscopy with rotator cuff repair vs debridement"},
     ["item 1 heading: 'ys' read by OCR, taken as 'vs'"]),
    ("MRL of neck and right hand without contrast", {"description": "MRI of neck and right hand without contrast"},
     ["item 1 heading: 'MRL' read by OCR, taken as 'MRI'"]),
    ("MRI of the Lumbar spine without o contrast", {"description": "MRI of the Lumbar spine without contrast"},
     ["item 1 heading: 'without o' read by OCR, taken as 'without'"]),
    ("Physical therapy 2 x 6 for the lumbar spine", {"description": "Physical therapy 2 x 6 for the lumbar spine"}, []),
    ("Hot/cold:therapy wrap", {"description": "Hot/cold therapy wrap"},
     ["item 1 heading: 'Hot/cold:therapy' read by OCR, taken as 'Hot/cold therapy'"]),
    # a modified request's closing sentence alone, the lines before it lost (grey): the item that remains
    ("The remaining IMR eligible portion of the original request, Acupuncture 12 sessions is",
     {"description": "Acupuncture 12 sessions", "original_request": None}, []),
    # a hyphen or full stop read for the space beside a short word; a word split in two
    ("MRI-of the left hip", {"description": "MRI of the left hip"},
     ["item 1 heading: 'MRI-of' read by OCR, taken as 'MRI of'"]),
    ("Physical therapy two times a-week for three weeks for lumbar",
     {"description": "Physical therapy two times a week for three weeks for lumbar"},
     ["item 1 heading: 'a-week' read by OCR, taken as 'a week'"]),
    ("Acupuncture 3 times.a week for 2 weeks, neck, right hand and head",
     {"description": "Acupuncture 3 times a week for 2 weeks, neck, right hand and head"},
     ["item 1 heading: 'times.a' read by OCR, taken as 'times a'"]),
    ("Right Shoulder Arthroscopy with rotator cuff repair vs debridement, subacromial decompr ession/acromioplasty",
     {"description": "Right Shoulder Arthroscopy with rotator cuff repair vs debridement, subacromial "
                     "decompression/acromioplasty"},
     ["item 1 heading: 'decompr ession' read by OCR, taken as 'decompression'"]),
    ("Functional capacity. evaluation (FCE)", {"description": "Functional capacity evaluation (FCE)"},
     ["item 1 heading: 'capacity.' read by OCR, taken as 'capacity'"]),
    ("Physical therapy two times'a week for three weeks for lumbar",
     {"description": "Physical therapy two times a week for three weeks for lumbar"},
     ["item 1 heading: \"times'a\" read by OCR, taken as 'times a'"]),
    ("MRI of the left -hip", {"description": "MRI of the left hip"}, ["item 1 heading: '-hip' read by OCR, taken as 'hip'"]),
    ("Flector 1,3% transdermal patch", {"description": "Flector 1.3% transdermal patch"},
     ["item 1 heading: '1,3%' read by OCR, taken as '1.3%'"]),
    ("Pre-operative CBC $", {"description": "Pre-operative CBC"}, ["item 1 heading: 'CBC $' read by OCR, taken as 'CBC'"]),
    ("Associated surgical service: 'Cryotherapy unit, seven day use",
     {"description": "Associated surgical service: Cryotherapy unit, seven day use"},
     ["item 1 heading: \"'Cryotherapy\" read by OCR, taken as 'Cryotherapy'"]),
    ("Associated 'surgical service: Arc sling", {"description": "Associated surgical service: Arc sling"},
     ["item 1 heading: \"'surgical\" read by OCR, taken as 'surgical'"]),
    ("EMG (electromyography)/NCV {nerve conduction velocity) of the bilateral upper extremities",
     {"description": "EMG (electromyography)/NCV (nerve conduction velocity) of the bilateral upper extremities"},
     ["item 1 heading: '{nerve' read by OCR, taken as '(nerve'"]),
    ("NCV bilateral lower extremities QTY; 2", {"description": "NCV bilateral lower extremities QTY: 2"},
     ["item 1 heading: 'QTY;' read by OCR, taken as 'QTY:'"]),
    ("Facet joint injections L4-5, LS-S1", {"description": "Facet joint injections L4-5, L5-S1"},
     ["item 1 heading: 'LS-S1' read by OCR, taken as 'L5-S1'"]),
    ("MRi without contrast of the right hip", {"description": "MRI without contrast of the right hip"},
     ["item 1 heading: 'MRi' read by OCR, taken as 'MRI'"]),
    ("Cyclobenzaprine 5%. in cream base 240g", {"description": "Cyclobenzaprine 5% in cream base 240g"},
     ["item 1 heading: '5%.' read by OCR, taken as '5%'"]),
    ("Facet joint injections L4.5, L5-S1", {"description": "Facet joint injections L4-5, L5-S1"},
     ["item 1 heading: 'L4.5,' read by OCR, taken as 'L4-5,'"]),
    ("One container of Flurbiprofen 10%, Cyclobenzaprine 3%, Gabapentin 6%, Lidocaine 5 %/Dextromethorphan",
     {"description": "One container of Flurbiprofen 10%, Cyclobenzaprine 3%, Gabapentin 6%, Lidocaine 5%/Dextromethorphan"},
     ["item 1 heading: '5 %/Dextromethorphan' read by OCR, taken as '5%/Dextromethorphan'"]),
    ("Ibuprofen 600mg #90 with 2 refill was the original request. Ibuprofen 600mg #90 was authorized by the Claims "
     "Administrator. The remaining IMR eligible portion of the original request, Two refills of Ibuprofen 600mg #90) is",
     {"description": "Two refills of Ibuprofen 600mg #90"}, ["item 1 heading: '#90)' read by OCR, taken as '#90'"]),
    ("Cyclobenzaprine 5% in cream base.240g", {"description": "Cyclobenzaprine 5% in cream base 240g"},
     ["item 1 heading: 'base.240g' read by OCR, taken as 'base 240g'"]),
    ("Right shoulder arthroscopy with subacromial decompression, acromioplasty, Mumford, rotator cuff repair and "
     "shoulder.debridement",
     {"description": "Right shoulder arthroscopy with subacromial decompression, acromioplasty, Mumford, rotator cuff "
                     "repair and shoulder debridement"},
     ["item 1 heading: 'shoulder.debridement' read by OCR, taken as 'shoulder debridement'"]),
    ("Facet joint injections L4-5, L5-Si", {"description": "Facet joint injections L4-5, L5-S1"},
     ["item 1 heading: 'L5-Si' read by OCR, taken as 'L5-S1'"]),
    ("Acupuncture 3 times a week for'2 weeks, neck, right hand and head",
     {"description": "Acupuncture 3 times a week for 2 weeks, neck, right hand and head"},
     ["item 1 heading: \"for'2\" read by OCR, taken as 'for 2'"]),
    ("Partial Hospitalization day treatment was the original request. The Claims Administrator authorized an "
     "Evaluation only, leaving the original request IMR eligible. The original request, Partial Hospitalization "
     "day treatment: is", {"description": "Partial Hospitalization day treatment"}, []),
    ("Pre-aperative PT/PTT", {"description": "Pre-operative PT/PTT"},
     ["item 1 heading: 'aperative' read by OCR, taken as 'operative'"]),
    ("One container of Flurbiprofen 10%, Cyclobenzaprine 3%, Gabapentin 6%, Lidocaine $%/Dextromethorphan",
     {"description": "One container of Flurbiprofen 10%, Cyclobenzaprine 3%, Gabapentin 6%, Lidocaine 5%/Dextromethorphan"},
     ["item 1 heading: '$%/Dextromethorphan' read by OCR, taken as '5%/Dextromethorphan'"]),
    ("MRI of the left'shoulder", {"description": "MRI of the left shoulder"},
     ["item 1 heading: \"left'shoulder\" read by OCR, taken as 'left shoulder'"]),
    ("Acupuncture 3 times a week for 2 weeks, neck, right hand and head?",
     {"description": "Acupuncture 3 times a week for 2 weeks, neck, right hand and head"},
     ["item 1 heading: 'head?' read by OCR, taken as 'head'"]),
    ("Pre-operative PT/PT'T", {"description": "Pre-operative PT/PTT"},
     ["item 1 heading: \"PT/PT'T\" read by OCR, taken as 'PT/PTT'"]),
    # what stays: a spine level, hyphened words, a heading read right, a thousands comma, a quotation closed,
    # a parenthesis opened
    ("MRI of the lumbar spine L4/L5", {"description": "MRI of the lumbar spine L4/L5"}, []),
    ("MRI of the LS spine", {"description": "MRI of the LS spine"}, []),
    ("Pre-op labs: CBC", {"description": "Pre-op labs: CBC"}, []),
    ("Follow-up office visit times 2", {"description": "Follow-up office visit times 2"}, []),
    ("X-ray of the right knee", {"description": "X-ray of the right knee"}, []),
    ("Metformin 1,000mg #60", {"description": "Metformin 1,000mg #60"}, []),
    ("Request for 'Tapering' of opioids", {"description": "Request for 'Tapering' of opioids"}, []),
    ("MRI of the patient's left knee", {"description": "MRI of the patient's left knee"}, []),
    ("Functional capacity evaluation (FCE)", {"description": "Functional capacity evaluation (FCE)"}, []),
    ("Flurbiprofen 20% cream 1.5 oz", {"description": "Flurbiprofen 20% cream 1.5 oz"}, []),
    # fax: no description has an exclamation mark ("!" read for a 1, a speck after a word), a space inside a
    # parenthesis, a full stop between a lone digit and a word, a mark glued after a comma, an accent
    ("Acupuncture !2 sessions", {"description": "Acupuncture 12 sessions"},
     ["item 1 heading: '!2' read by OCR, taken as '12'"]),
    ("decompression/acromioplasty and possible proximal! biceps tenodynovitis",
     {"description": "decompression/acromioplasty and possible proximal biceps tenodynovitis"},
     ["item 1 heading: 'proximal!' read by OCR, taken as 'proximal'"]),
    ("Synapryn ( unknown quantity)", {"description": "Synapryn (unknown quantity)"},
     ["item 1 heading: '( unknown' read by OCR, taken as '(unknown'"]),
    ("Acupuncture 3.times a week for 2 weeks, neck, right hand and head",
     {"description": "Acupuncture 3 times a week for 2 weeks, neck, right hand and head"},
     ["item 1 heading: '3.times' read by OCR, taken as '3 times'"]),
    ("Cyclobenzaprine 3%, Gabapentin 6%,.Lidocaine 5%/Dextromethorphan",
     {"description": "Cyclobenzaprine 3%, Gabapentin 6%, Lidocaine 5%/Dextromethorphan"},
     ["item 1 heading: '6%,.Lidocaine' read by OCR, taken as '6%, Lidocaine'"]),
    ("Pré-operative BMP", {"description": "Pre-operative BMP"}, ["item 1 heading: 'Pré-operative' read by OCR, taken as 'Pre-operative'"]),
    ("Etodolaé", {"description": "Etodolac"}, ["item 1 heading: 'Etodolaé' read by OCR, taken as 'Etodolae'",
                                               "item 1 heading: 'Etodolae' read by OCR, taken as 'Etodolac'"]),
    # grey: a lone colon between two small words, "((", a spine level's 5 read twice, "S" for a dose's 5
    ("Acupuncture 3 times : a week for 2 weeks, neck, right hand and head",
     {"description": "Acupuncture 3 times a week for 2 weeks, neck, right hand and head"},
     ["item 1 heading: 'times :' read by OCR, taken as 'times'"]),
    ("EMG ((electromyography)/NCV (nerve conduction velocity) of the bilateral upper extremities",
     {"description": "EMG (electromyography)/NCV (nerve conduction velocity) of the bilateral upper extremities"},
     ["item 1 heading: '((electromyography)/NCV' read by OCR, taken as '(electromyography)/NCV'"]),
    ("Facet joint injections L4-5, LS5-S1", {"description": "Facet joint injections L4-5, L5-S1"},
     ["item 1 heading: 'LS5-S1' read by OCR, taken as 'L5-S1'"]),
    ("Cyclobenzaprine 7.Smg #60", {"description": "Cyclobenzaprine 7.5mg #60"},
     ["item 1 heading: '7.Smg' read by OCR, taken as '7.5mg'"]),
    ("Acupuncture 18.sessions", {"description": "Acupuncture 18 sessions"},
     ["item 1 heading: '18.sessions' read by OCR, taken as '18 sessions'"]),
    # fax: "MRT of", "a.week", "16me", "NCV. ("
    ("MRT of the left hip", {"description": "MRI of the left hip"}, ["item 1 heading: 'MRT' read by OCR, taken as 'MRI'"]),
    ("Acupuncture 3 times a.week for 2 weeks, neck, right hand and head",
     {"description": "Acupuncture 3 times a week for 2 weeks, neck, right hand and head"},
     ["item 1 heading: 'a.week' read by OCR, taken as 'a week'"]),
    ("one month supply of Trezix capsule 30.5/30/16me", {"description": "one month supply of Trezix capsule 30.5/30/16mg"},
     ["item 1 heading: '30.5/30/16me' read by OCR, taken as '30.5/30/16mg'"]),
    ("EMG (electromyography)/NCV. (nerve conduction velocity) of the bilateral upper extremities",
     {"description": "EMG (electromyography)/NCV (nerve conduction velocity) of the bilateral upper extremities"},
     ["item 1 heading: '(electromyography)/NCV.' read by OCR, taken as '(electromyography)/NCV'"]),
    # fax: a colon after a word before a small one, a space after a capital's hyphen, a full stop before a
    # quantity, an apostrophe before a parenthesis, "OTY" for "QTY"; a colon before a capital or a number stays
    ("Bilateral: hearing aids", {"description": "Bilateral hearing aids"},
     ["item 1 heading: 'Bilateral:' read by OCR, taken as 'Bilateral'"]),
    ("X- rays of right hip", {"description": "X-rays of right hip"}, ["item 1 heading: 'X- rays' read by OCR, taken as 'X-rays'"]),
    ("Naproxen 550mg.#60", {"description": "Naproxen 550mg #60"},
     ["item 1 heading: '550mg.#60' read by OCR, taken as '550mg #60'"]),
    ("Fanatrex'(unknown quantity)", {"description": "Fanatrex (unknown quantity)"},
     ["item 1 heading: \"Fanatrex'(unknown\" read by OCR, taken as 'Fanatrex (unknown'"]),
    ("NCV bilateral lower extremities OTY: 2", {"description": "NCV bilateral lower extremities QTY: 2"},
     ["item 1 heading: 'OTY:' read by OCR, taken as 'QTY:'"]),
    ("NCV bilateral lower extremities QTy: 2", {"description": "NCV bilateral lower extremities QTY: 2"},
     ["item 1 heading: 'QTy:' read by OCR, taken as 'QTY:'"]),
    ("Associated surgical service: Cold therapy unit", {"description": "Associated surgical service: Cold therapy unit"}, []),
    ("Decision 2.5mg x 3 (see notes)", {"description": "Decision 2.5mg x 3 (see notes)"}, []),
]


@pytest.mark.parametrize("heading, facts, warnings", HEADINGS)
def test_ocr_headings_put_right(heading, facts, warnings):
    from imrdb.letter import DisputedItem
    from imrdb.parse import ocr_heading_fixer, read_heading

    letter, item = Letter(), DisputedItem(position=1, description="", decision="Upheld")
    read_heading(ocr_heading_fixer(letter, "original request lumbar spine operative")(heading, 1), item)
    assert {name: getattr(item, name) for name in facts} == facts
    assert letter.warnings == warnings


# A heading against the other places its letter says it again (imrdb.spelling.Copies), from real OCR output
# of fax scans: the heading, the letter's text elsewhere, what is stored, the warnings.
COPIES = [
    # the heading's word no known word, the copy's a known one near it: the copy's
    ("Cyclobenzaprine 5% in crear base 240g",
     'Given the above, the request for "Cyclobenzaprine 5% in cream base 240g" is not medically necessary.',
     "Cyclobenzaprine 5% in cream base 240g", ["item 1 heading: 'crear' read by OCR, taken as 'cream'"]),
    ("EMG (electromyography)/NCV (nerve conduction velocity) of the buaterel upper extremities",
     "Therefore, the request for EMG (electromyography)/NCV (nerve conduction velocity) of the bilateral upper\n"
     "extremities is not medically necessary.",
     "EMG (electromyography)/NCV (nerve conduction velocity) of the bilateral upper extremities",
     ["item 1 heading: 'buaterel' read by OCR, taken as 'bilateral'"]),
    # copies that read it two ways: the one read so more often; the letter's other uses break a tie
    ("EMGINCS of the bilateral upper extremities",
     "noncertified EMG-NCS of the bilateral upper extremities. :\nSection(s): Electrodiagnostic testing (EMG/NCS).\n"
     "In this situation, the EMG/NCS of the bilateral upper\nextremities is medically necessary.",
     "EMG/NCS of the bilateral upper extremities", ["item 1 heading: 'EMGINCS' read by OCR, taken as 'EMG/NCS'"]),
    ("EMGINCS of the bilateral upper extremities",
     "noncertified EMG-NCS of the bilateral upper extremities.\nthe EMG/NCS of the bilateral upper extremities is",
     "EMGINCS of the bilateral upper extremities", []),
    # both known and a letter or digit apart: which one OCR misread is not known; warned, left as read
    ("Bupropion HCL 130mg #90", 'Given the above, the request for "Bupropion HCL 150mg #90" is not medically necessary.',
     "Bupropion HCL 130mg #90",
     ["item 1 heading: '130mg' read by OCR, where the letter says it again '150mg': check it against the file"]),
    ("Associated surgical service: Are sling", 'the requested "Associated surgical service: Arc sling" is not',
     "Associated surgical service: Are sling",
     ["item 1 heading: 'Are' read by OCR, where the letter says it again 'Arc': check it against the file"]),
    # ... but where two copies read the other, and the letter reads the heading's word nowhere else: theirs (fax)
    ("Bilateral bearing aids", "The request for authorization is for bilateral hearing aids. The UR dated\n"
     "12-5-16 non-certified the request for bilateral hearing aids. .\nBilateral hearing aids is not medically necessary.",
     "Bilateral hearing aids", ["item 1 heading: 'bearing' read by OCR, taken as 'hearing'"]),
    ("MRI of peck and right hand without contrast", "requested: MRIs of neck and right hand without contrast, and 6\n"
     "the request for MRI of\nneck and right hand without contrast js not medically necessary.",
     "MRI of neck and right hand without contrast", ["item 1 heading: 'peck' read by OCR, taken as 'neck'"]),
    # a quantity's "#" read as a digit of its shape; a number read otherwise in a copy stays, warned
    ("Celecoxib 200mg 490", 'the request for "Celecoxib 200mg #90" is not medically necessary.',
     "Celecoxib 200mg #90", ["item 1 heading: '490' read by OCR, taken as '#90'"]),
    # ... and a unit's letter read as a digit of its shape (fax)
    ("Cyclobenzaprine 5% in cream base 2408",
     "form. Given the aboye, the request for’ ‘Cyclobenzaprine 5% in cream base 240g\" is not",
     "Cyclobenzaprine 5% in cream base 240g", ["item 1 heading: '2408' read by OCR, taken as '240g'"]),
    ("Celecoxib 200mg #60", 'the request for "Celecoxib 200mg #90" is not medically necessary.',
     "Celecoxib 200mg #60",
     ["item 1 heading: '#60' read by OCR, where the letter says it again '#90': check it against the file"]),
    # a number OCR lost of its unit ("%" for "5%"), and then the copy exact: the speck before it
    ("Cyclobenzaprine. % in cream base 240g",
     'Given the above, the request for "Cyclobenzaprine 5% in cream base 240g" is not medically necessary.',
     "Cyclobenzaprine 5% in cream base 240g", ["item 1 heading: '%' read by OCR, taken as '5%'",
                                               "item 1 heading: 'Cyclobenzaprine.' read by OCR, taken as 'Cyclobenzaprine'"]),
    # a number OCR lost of its unit ("%" for "5%")
    ("Cyclobenzaprine % in cream base 240g",
     'Given the above, the request for "Cyclobenzaprine 5% in cream base 240g" is not medically necessary.',
     "Cyclobenzaprine 5% in cream base 240g", ["item 1 heading: '%' read by OCR, taken as '5%'"]),
    # a speck after a word read as a mark that no copy has; a mark a copy has too stays
    ("Bupropion HCL, 150mg #90", 'Given the above, the request for “Bupropion HCL 150mg #90" is not medically necessary.',
     "Bupropion HCL 150mg #90", ["item 1 heading: 'HCL,' read by OCR, taken as 'HCL'"]),
    ("Acupuncture 3 times a week for 2 weeks, neck, right hand and head",
     "the request for Acupuncture 3 times a week for 2 weeks, neck, right hand and head is not medically necessary",
     "Acupuncture 3 times a week for 2 weeks, neck, right hand and head", []),
    ("EMG (electromyography)/NCV (nerve conduction velocity), of the bilateral upper extremities",
     "the requested EMG (electromyography)/NCV (nerve conduction velocity) of the bilateral upper extremities is",
     "EMG (electromyography)/NCV (nerve conduction velocity) of the bilateral upper extremities",
     ["item 1 heading: 'velocity),' read by OCR, taken as 'velocity)'"]),
    # a speck read as a character before the heading, which the copies of the rest do not have
    ("7 Deprizine (unknown quantity)",
     'Given the above, the request for "Deprizine (unknown quantity)" is not medically necessary.',
     "Deprizine (unknown quantity)", ["item 1 heading: '7 Deprizine' read by OCR, taken as 'Deprizine'"]),
    ("7 Pre-operative EKG", 'As such, the requested "Pre-\noperative EKG" is not medically necessary.',
     "Pre-operative EKG", ["item 1 heading: '7 Pre-operative' read by OCR, taken as 'Pre-operative'"]),
    ("2 Lidoderm patches", "the request for 2 Lidoderm patches is not medically necessary.", "2 Lidoderm patches", []),
    # an abbreviation the letter reads nowhere else, a confused letter from one it reads three times (fax);
    # not one it reads twice, nor one two letters away
    ("NCY bilateral lower extremities QTY: 2",
     "NCV studies. NCV testing is. The NCV of the lower extremities", "NCV bilateral lower extremities QTY: 2",
     ["item 1 heading: 'NCY' read by OCR, taken as 'NCV'"]),
    ("NCY bilateral lower extremities QTY: 2", "EMG/NCV studies. The NCV of the lower extremities",
     "NCY bilateral lower extremities QTY: 2", []),
    ("NCY bilateral lower extremities QTY: 2", "NSV studies. NSV testing is. The NSV of the lower extremities",
     "NCY bilateral lower extremities QTY: 2", []),
    # a word OCR read as marks only, where a copy reads a word there; never a decision word, which the
    # heading's own line reads after it, and a parenthesis the heading opens is closed (grey)
    ("MRI of - cervical spine without contrast",
     "program. On 11-3-16, utilization review determined MRI of the cervical spine without contrast\n",
     "MRI of the cervical spine without contrast", ["item 1 heading: '-' read by OCR, taken as 'the'"]),
    ("Dicopanol (unknown --", "request. Given the above, the request for Dicopanol (unknown quantity) is not medically",
     "Dicopanol (unknown quantity)", ["item 1 heading: '--' read by OCR, taken as 'quantity'",
                                      "item 1 heading: '(unknown quantity' read by OCR, taken as '(unknown quantity)'"]),
    # a number OCR read as marks only, where a copy reads a number; a copy's lone marks end its word before (grey)
    ("One container of Flurbiprofen 10%, Cyclobenzaprine 3%, Gabapentin =, Lidocaine 5%/Dextromethorphan",
     "As such, the request for one container of Flurbiprofen 10% , Cyclobenzaprine\n3% , Gabapentin 6% , Lidocaine "
     "5%/Dextromethorphan is not medically necessary.",
     "One container of Flurbiprofen 10%, Cyclobenzaprine 3%, Gabapentin 6%, Lidocaine 5%/Dextromethorphan",
     ["item 1 heading: '=,' read by OCR, taken as '6%,'"]),
    # a mark glued between two words, put right, parts a word misread from the number after it (fax)
    ("Celecoxih'200mg #90", 'request or ongoing treatment. Given the above, the request for Celecoxib 200mg #90 is-not',
     "Celecoxib 200mg #90", ["item 1 heading: \"Celecoxih'200mg\" read by OCR, taken as 'Celecoxih 200mg'",
                             "item 1 heading: 'Celecoxih' read by OCR, taken as 'Celecoxib'"]),
    # a modified request's item remaining, read against its own copies (the whole heading has none)
    ("Acupuncture 18 sessions was the original request. Acupuncture 6 sessions was authorized by the Claims "
     "Administrator. The remaining IMR eligible portion of the original request, 7 Acupuncture 12 sessions is",
     "response to therapy. Given the above, Acupuncture 12 sessions is not medically necessary.",
     "Acupuncture 12 sessions", ["item 1 heading: '7 Acupuncture' read by OCR, taken as 'Acupuncture'"]),
    # ... but never a number of the other part: the remaining item is not the one asked (grey)
    ("One month supply of Trezix capsule 320.5/30/16mg was the original request. The Claims Administrator authorized "
     "Trezix capsule 320.5/30/16mg #5, leaving the original request IMR eligible. The original request, one month "
     "supply of Trezix capsule 30.5/30/L6mg is",
     "for this injured worker. One month supply of Trezix capsule 320.5/30/16mg was the original\nrequest.",
     "one month supply of Trezix capsule 30.5/30/16mg", ["item 1 heading: '30.5/30/L6mg' read by OCR, taken as '30.5/30/16mg'"]),
    # what a digital letter has and stays: another word that begins alike, a hyphen left out, other marks,
    # another item's words, a plural, a heading too short to tell its copies
    ("MRI of the lumbosacral spine without contrast, 1.5 Tesla or higher only",
     "requested MRI of the lumbar spine without contrast, 1.5 Tesla or higher only.",
     "MRI of the lumbosacral spine without contrast, 1.5 Tesla or higher only", []),
    ("Pre-operative medical clearance", "The request for Preoperative medical clearance is medically necessary.",
     "Pre-operative medical clearance", []),
    ("Transportation to/from all medical appointments", "Transportation to-from all medical appointments is",
     "Transportation to/from all medical appointments", []),
    ("MRI of the right knee", "The request for MRI of the left knee is not medically necessary.",
     "MRI of the right knee", []),
    ("Trigger points impedance imaging (TPII)", "Trigger Point impedance imaging (TPII) is not recommended",
     "Trigger points impedance imaging (TPII)", []),
    ("Jambar brace", "the request for lumbar brace is not medically necessary", "Jambar brace", []),
]


@pytest.mark.parametrize("heading, elsewhere, description, warnings", COPIES)
def test_ocr_headings_read_against_their_copies(heading, elsewhere, description, warnings):
    from imrdb.letter import DisputedItem
    from imrdb.parse import ocr_heading_fixer, read_heading

    letter, item = Letter(), DisputedItem(position=1, description="", decision="Upheld")
    read_heading(ocr_heading_fixer(letter, f"{heading}: Upheld\n{elsewhere}")(heading, 1), item)
    assert (item.description, letter.warnings) == (description, warnings)


def test_sample_letters_read_as_ocr_keep_their_items():
    """The OCR checks of headings (copies, spelling, marks) put nothing right in letters printed right but
    the one typo a scan cannot tell from a misread, which is warned."""
    typos = {"004": ("Carsoprodol", "Carisoprodol")}
    for path in sorted(ROOT.glob("data/samples/*.txt")):
        digital = parse_letter(path.read_text(), "markdown")
        read = parse_letter(normalize(path.read_text(), "markdown"), "pdf-ocr")
        printed, taken = typos.get(path.name[:3], ("", ""))
        assert [item.description.replace(printed, taken) for item in digital.items] == \
               [item.description for item in read.items], path.name
        assert [warning for warning in read.warnings if "heading" in warning] == \
               ([f"item 1 heading: {printed!r} read by OCR, taken as {taken!r}"] if printed else []), path.name


PATIENTS = [
    ("The injured worker is a 51 year oid female, who sustained an industrial injury on October 28,", 51, "female",
     ["patient age read from the summary taking OCR's 'oid' as 'old'",
      "patient sex read from the summary taking OCR's 'oid' as 'old'"]),
    ("The injured worker is a 24 ycar old male with a date of injury on 11-09-2016, The injured", 24, "male",
     ["patient age read from the summary taking OCR's 'ycar' as 'year'",
      "patient sex read from the summary taking OCR's 'ycar' as 'year'"]),
    ("The injured worker is a 43 year old femalc, who sustained an industrial injury on 10-23-2016,", 43, "female",
     ["patient sex read from the summary taking OCR's 'femalc' as 'female'"]),
    ("The injured worker is ‘a 60 yeur.old male, who sustained an industrial injury on 10-20-2016.", 60, "male",
     ["patient age read from the summary taking OCR's 'yeur' as 'year', the mark '.' after 'year' as a space",
      "patient sex read from the summary taking OCR's 'yeur' as 'year', the mark '.' after 'year' as a space"]),
    ("According to medical records available for review, the injured worker is a 33. year old male, who", 33, "male",
     ["patient age read from the summary taking OCR's the mark '.' after '33' as a space",
      "patient sex read from the summary taking OCR's the mark '.' after '33' as a space"]),
    ("The injured worker is a 5! year old female, who sustained an industrial injury on October 28,", 51, "female",
     ["patient age read from the summary taking OCR's '5!' as '51'", "patient sex read from the summary taking OCR's '5!' as '51'"]),
    ("This case involves a now 58-ycar-old female with a history of an occupational claim from", 58, "female",
     ["patient age read from the summary taking OCR's 'ycar' as 'year'",
      "patient sex read from the summary taking OCR's 'ycar' as 'year'"]),
]


# The phrase's every word as OCR may read it (fax scans): read loosely where the readings before found nothing.
PATIENTS_READ_LOOSELY = [
    ("The injured worker is a 24 yeat old male with a date of injury on | 1-09-2016, The injured", 24, "male",
     ["patient age read by OCR as '24 yeat old male': taken as 24",
      "patient sex read by OCR as '24 yeat old male': taken as male"]),
    ("The applicant is a 34-yedr-old male who has filed a claim for chronic low back pain (LBP)", 34, "male",
     ["patient age read by OCR as '34-yedr-old male': taken as 34",
      "patient sex read by OCR as '34-yedr-old male': taken as male"]),
    ("This case involves a now 39-yéar-old male with a history of an occupational claim from", 39, "male",
     ["patient age read by OCR as '39-yéar-old male': taken as 39",
      "patient sex read by OCR as '39-yéar-old male': taken as male"]),
    ("The applicant i is a 63- ~year-old male who has filed a claim for knee pain reportedly associated", 63, "male",
     ["patient age read by OCR as '63- ~year-old male': taken as 63",
      "patient sex read by OCR as '63- ~year-old male': taken as male"]),
    ("This case involves a now 39- “yeur- -old male with a history of an occupational claim from", 39, "male",
     ["patient age read by OCR as '39- \"yeur- -old male': taken as 39",
      "patient sex read by OCR as '39- \"yeur- -old male': taken as male"]),
    ("The injured worker is a 5| year old female, who sustained an industrial injury on October 28, |", 51, "female",
     ["patient age read from the summary taking OCR's '5|' as '51'",
      "patient sex read from the summary taking OCR's '5|' as '51'"]),
    # the age read right, the sex word one edit from "male"
    ("The'injured worker is a 60 year old mile, who sustained an industrial injury on 10-25-2016. The", 60, "male",
     ["patient sex read by OCR as '60 year old mile': taken as male"]),
    ("This case involves a now 39-yeur-old mule with a, history of an occupational claim from", 39, "male",
     ["patient age read from the summary taking OCR's 'yeur' as 'year'",
      "patient sex read by OCR as '39-yeur-old mule': taken as male"]),
    # a quote mark before the sex (fax)
    ("The injured worker is a’60 year old ‘male, who sustained an industrial injury. on 10-20-2016. The", 60, "male",
     ["patient sex read by OCR as \"60 year old 'male\": taken as male"]),
    # "old" read with another first letter, "i" read for an age's 1 (fax, grey)
    ("The injured worker is a 60 year éld male, who sustained an industrial injury on 10-20-2016. The", 60, "male",
     ["patient age read by OCR as '60 year éld male': taken as 60",
      "patient sex read by OCR as '60 year éld male': taken as male"]),
    ("The injured worker is a 24 year ald male with a date of injury on 11-09-2016. The injured", 24, "male",
     ["patient age read by OCR as '24 year ald male': taken as 24",
      "patient sex read by OCR as '24 year ald male': taken as male"]),
    ("The injured worker is a 63 year ld male who sustained an industrial injury on 11-30-2016. A", 63, "male",
     ["patient age read by OCR as '63 year ld male': taken as 63",
      "patient sex read by OCR as '63 year ld male': taken as male"]),
    ("The injured worker is a 5i year old female, who sustained an industrial injury on October 28,", 51, "female",
     ["patient age read from the summary taking OCR's '5i' as '51'",
      "patient sex read from the summary taking OCR's '5i' as '51'"]),
    # two letters OCR reads for an "m"; a mark between "old" and the sex (fax)
    ("Though the medical records were typed, it was blurry. The injured worker is a 60 year old inale, :", 60, "male",
     ["patient sex read by OCR as '60 year old inale': taken as male"]),
    ("~ The applicant is a 34-year-old niale who has filed a claim for chronic low back pain (LBP)", 34, "male",
     ["patient sex read by OCR as '34-year-old niale': taken as male"]),
    ("The injured worker is a 51, year old-fémale, who sustained an industrial injury on October 28,", 51, "female",
     ["patient age read from the summary taking OCR's the mark ',' after '51' as a space",
      "patient sex read by OCR as '51, year old-fémale': taken as female"]),
    ("' The applicant isa 34-year-old. male who has filed a claim for chronic low back pain (LBP)", 34, "male",
     ["patient sex read by OCR as '34-year-old. male': taken as male"]),
    # a letter glued to the age: a digit of it lost ("a4" for 41), so the sex alone
    ("This is a4 year old male with a date of injury on 10-11-2016,,A review of the medical records", None, "male",
     ["patient age read by OCR as 'a4 year old male': a digit may be misread, left out",
      "patient sex read by OCR as 'a4 year old male': taken as male"]),
    ("This is a4] your.old malé with a date of injury on 10-11-2016. A review of the medical records", None, "male",
     ["patient age read by OCR as 'a4] your.old malé': a digit may be misread, left out",
      "patient sex read by OCR as 'a4] your.old malé': taken as male"]),
    # ... or a mark OCR reads for a 1 glued after it ("4]" for 41, "6)" for 61: fax)
    ("This is a 4] year old male with-a date, of injury on 10-11-2016. A review of the medical records", None, "male",
     ["patient age read by OCR as '4] year old male': a digit may be misread, left out",
      "patient sex read by OCR as '4] year old male': taken as male"]),
    ("The injured worker is a 6) year old female who sustained a work related injury on November 11,", None, "female",
     ["patient age read by OCR as '6) year old female': a digit may be misread, left out",
      "patient sex read by OCR as '6) year old female': taken as female"]),
    # what stays unread: a word after "old" that is no word for a sex, a phrase read right coming first
    ("The injured worker is a 24 yeat old worker with a date of injury", 24, None,
     ["patient age read by OCR as '24 yeat old worker': taken as 24"]),
    ("The injured worker is a 51 year old, who was 3 yeat old mule in 1968", 51, None, []),
]


@pytest.mark.parametrize("summary, age, sex, warnings", PATIENTS_READ_LOOSELY)
def test_patient_read_loosely_where_nothing_else_reads_it(summary, age, sex, warnings):
    letter = parse_letter(f"CLINICAL CASE SUMMARY\n{summary}\nIMR ISSUES, DECISIONS AND RATIONALES\n"
                          "MRI of the lumbar spine: Upheld\nDecision rationale: It is not medically necessary.",
                          "pdf-ocr")
    assert (letter.patient_age, letter.patient_sex) == (age, sex)
    assert [warning for warning in letter.warnings if warning.startswith("patient")] == warnings


def test_an_age_glued_to_a_mark_ocr_reads_for_a_digit_is_left_out():
    from imrdb.parse import check_ocr_age, read_patient

    letter = Letter(case_summary="This is a $2 year old female with a date of i injury on 10-27-2016..A review of the")
    read_patient(letter)
    assert letter.patient_age == 2
    check_ocr_age(letter)
    assert (letter.patient_age, letter.patient_sex) == (None, "female")
    assert letter.warnings == ["patient age read by OCR as '$2': a digit may be misread, left out"]


def test_an_age_whose_digits_ocr_read_apart_is_both():
    from imrdb.parse import check_ocr_age, read_patient

    # grey: "a 5 1 year old female" read "1 year old female" by the pattern; a date's digits before one stay apart
    for summary, age, warnings in (
            ("The injured worker is a 5 1 year old female, who sustained an industrial injury on October 28,", 51,
             ["patient age read by OCR as '5 1': taken as 51"]),
            ("seen on 12/5 1 year old injury", None, ["patient age read by OCR as 1, no worker's age: left out"])):
        letter = Letter(case_summary=summary)
        read_patient(letter)
        check_ocr_age(letter)
        assert (letter.patient_age, letter.warnings) == (age, warnings)


def test_an_ocrd_age_that_is_no_workers_age_is_left_out():
    from imrdb.parse import check_ocr_age, read_ocr_patient, read_ocr_patient_loosely, read_patient

    # grey: "a 34-1 -year-old male" read as 1 by the pattern, and again by the loose reading
    letter = Letter(case_summary="The applicant is a 34-1 -year-old male who has filed a claim for chronic low back pain")
    read_patient(letter)
    assert letter.patient_age == 1
    check_ocr_age(letter)
    read_ocr_patient(letter, letter.case_summary)
    read_ocr_patient_loosely(letter)
    assert (letter.patient_age, letter.patient_sex) == (None, "male")
    assert letter.warnings == ["patient age read by OCR as 1, no worker's age: left out"]


@pytest.mark.parametrize("summary, age, sex, warnings", PATIENTS)
def test_patient_read_with_misread_words_put_right(summary, age, sex, warnings):
    from imrdb.parse import read_ocr_patient, read_patient

    letter = Letter(case_summary=summary)
    read_patient(letter)
    read_ocr_patient(letter, summary)
    assert (letter.patient_age, letter.patient_sex, letter.warnings) == (age, sex, warnings)


# -- names checked against data/names -----------------------------------------------------------

REVIEWERS = [
    (("Family Practice",), ("Califomia",), ("Family Practice",), ("California",),
     ["state read by OCR as 'Califomia', taken as California"]),
    (("Preventive Med1cme Occupatlonal Medlcme",), ("Texas o",), ("Preventive Medicine", "Occupational Medicine"),
     ("Texas",), ["specialty read by OCR as 'Preventive Med1cme Occupatlonal Medlcme', taken as Preventive Medicine, "
                  "Occupational Medicine", "state read by OCR as 'Texas o', taken as Texas"]),
    (("Internal Medicine",), ("Texas Lo",), ("Internal Medicine",), ("Texas",),
     ["state read by OCR as 'Texas Lo', taken as Texas"]),
    (("Preventive Medicine",), ("Texas “et",), ("Preventive Medicine",), ("Texas",),
     ["state read by OCR as 'Texas “et', taken as Texas"]),
    # a word that begins otherwise is another word, not the known name it is close to: "Preventive Medicine"
    # read as "hain Medicine" is no "Pain Medicine" (fax); a first letter split off is the word's
    (("hain Medicine", "Occupational Medicine"), ("Texas",), ("hain Medicine", "Occupational Medicine"), ("Texas",),
     ["specialty 'hain Medicine' is not a known name (misread by OCR?)"]),
    (("Family Practice",), ("New Y ork",), ("Family Practice",), ("New York",),
     ["state read by OCR as 'New Y ork', taken as New York"]),
    # one word of a name misread into no word, the others read: the one known name they leave (grey, fax);
    # not where several fit
    (("Preventive aeeemanit Occupational Medicine",), ("Texas",), ("Preventive Medicine", "Occupational Medicine"),
     ("Texas",), ["specialty read by OCR as 'Preventive aeeemanit Occupational Medicine', taken as Preventive "
                  "Medicine, Occupational Medicine"]),
    (("Preventive PISHICING", "Occupational Medicine"), ("Texas",), ("Preventive Medicine", "Occupational Medicine"),
     ("Texas",), ["specialty read by OCR as 'Preventive PISHICING', taken as Preventive Medicine"]),
    (("Preventive PaeEne",), ("Texas",), ("Preventive Medicine",), ("Texas",),
     ["specialty read by OCR as 'Preventive PaeEne', taken as Preventive Medicine"]),
    (("'Gcvapationsl Medicine",), ("Texas",), ("'Gcvapationsl Medicine",), ("Texas",),
     ["specialty \"'Gcvapationsl Medicine\" is not a known name (misread by OCR?)"]),
    (("Physical Medicme & Rehabllitauon Pain Management",), ("California", "Arizona"),
     ("Physical Medicine & Rehabilitation", "Pain Management"), ("California", "Arizona"),
     ["specialty read by OCR as 'Physical Medicme & Rehabllitauon Pain Management', taken as "
      "Physical Medicine & Rehabilitation, Pain Management"]),
    # two names run together, the second misread ("CaliforniaSouth Caralina")
    (("Family Practice",), ("CaliforniaSouth Caralina",), ("Family Practice",), ("California", "South Carolina"),
     ["state read by OCR as 'CaliforniaSouth Caralina', taken as California, South Carolina"]),
    # a speck read as a comma inside a name; "l" read for "I"
    (("Preventive", "Medicine", "Occupational Medicine"), ("lowa", "Montana", "California"),
     ("Preventive Medicine", "Occupational Medicine"), ("Iowa", "Montana", "California"),
     ["specialty read by OCR as 'Preventive, Medicine', taken as Preventive Medicine",
      "state read by OCR as 'lowa', taken as Iowa"]),
    # a comma read as a full stop, between names (not a speck's, nor one inside a name)
    (("Physical Medicine & Rehabilitation. Sports Medicine",), ("Texas", "California. Pte"),
     ("Physical Medicine & Rehabilitation", "Sports Medicine"), ("Texas", "California"),
     ["specialty read by OCR as 'Physical Medicine & Rehabilitation. Sports Medicine', taken as Physical Medicine & "
      "Rehabilitation, Sports Medicine", "state read by OCR as 'California. Pte', taken as California"]),
    (("Preventive. Medicine; Occupational Medicine",), ("California",), ("Preventive Medicine", "Occupational Medicine"),
     ("California",), ["specialty read by OCR as 'Preventive. Medicine; Occupational Medicine', taken as Preventive "
                       "Medicine, Occupational Medicine"]),
    (("Family Practice",), ("Texas", "New York.California"), ("Family Practice",), ("Texas", "New York", "California"),
     ["state read by OCR as 'New York.California', taken as New York, California"]),
    # not a known name, nor close to one: kept as read, with a warning
    (("Aerospace Medicine",), ("Ontario",), ("Aerospace Medicine",), ("Ontario",),
     ["specialty 'Aerospace Medicine' is not a known name (misread by OCR?)",
      "state 'Ontario' is not a known name (misread by OCR?)"]),
    # two known names about as close ("New Jersey"/"New York"? no: "New Yerk" is close to one): corrected
    (("Internal Medicine",), ("New Yerk",), ("Internal Medicine",), ("New York",),
     ["state read by OCR as 'New Yerk', taken as New York"]),
]


def test_a_certification_line_whose_label_ocr_misread_is_known_by_its_place():
    from imrdb.parse import read_reviewer

    # grey: the label read as "CHEESE np enny:", or not at all; the line after the licensure, before the blank line
    for line, specialties, warning in (
            ("CHEESE np enny: Physical Medicine & Rehabilitation, Sports Medicine",
             ("Physical Medicine & Rehabilitation", "Sports Medicine"),
             "the line after the licensure read as the certifications, its label read by OCR as 'CHEESE np enny:'"),
            ("anon Preventive Medicine, eae cane Medicine", ("Preventive Medicine", "eae cane Medicine"),
             "the line after the licensure read as the certifications, its label not read by OCR")):
        how, warnings = clean_ocr(f"_ State(s) of Licensure: Texas, New York\n{line}\n\nCLINICAL CASE SUMMARY\n")
        assert warnings == [warning]
        found: list[str] = []
        reviewer = check_reviewer(read_reviewer(how), found)
        assert (reviewer.specialties, reviewer.licensure_states) == (specialties, ("Texas", "New York"))
    # ... a blank line between (grey)
    how, warnings = clean_ocr("State(s) of Licensure: Texas\n\nCon RaOME Vo pOCemy: Preventive Medicine, Occupational "
                              "Medicine\n\nCLINICAL CASE SUMMARY\n")
    assert warnings == ["the line after the licensure read as the certifications, its label read by OCR as "
                        "'Con RaOME Vo pOCemy:'"]
    reviewer = read_reviewer(how)
    assert (reviewer.specialties, reviewer.licensure_states) == (("Preventive Medicine", "Occupational Medicine"), ("Texas",))
    for line, specialties, warning in ():
        assert warnings == [warning]
        found: list[str] = []
        reviewer = check_reviewer(read_reviewer(how), found)
        assert (reviewer.specialties, reviewer.licensure_states) == (specialties, ("Texas", "New York"))
    # a block with its label read: nothing taken by place
    how = "State(s) of Licensure: Texas\nCertification(s)/Specialty: Family Practice\n\nCLINICAL CASE SUMMARY\n"
    assert clean_ocr(how) == (how, [])


def test_a_block_read_out_of_order_ends_at_the_line_before_both():
    from imrdb.parse import read_reviewer

    how = ("State(s) of Licensure; California\nCertification(s)/Specialty: Occupational Medicine\n"
           "The Expert Reviewer has the following credentials:")
    reviewer = read_reviewer(clean_ocr(how)[0])
    assert (reviewer.specialties, reviewer.licensure_states) == (("Occupational Medicine",), ("California",))


@pytest.mark.parametrize("specialties, states, want_specialties, want_states, warnings", REVIEWERS)
def test_reviewer_names_checked(specialties, states, want_specialties, want_states, warnings):
    found: list[str] = []
    reviewer = check_reviewer(Reviewer(specialties, states), found)
    assert (reviewer.specialties, reviewer.licensure_states) == (want_specialties, want_states)
    assert found == warnings


@pytest.mark.parametrize("speck", [": ", "© ", "7\n", "' ' a\n", "_ .\n' "])
def test_a_speck_before_a_heading_is_not_part_of_the_description(speck):
    # ": MRI of the right knee", '" Retrospective CT scan ...', ". CT scan of abdomen", "© Ketoprofen 20% in
    # cream base 240g": specks OCR read before headings; a line of them ("7\nRight Shoulder Arthroscopy",
    # "' ' a\nCustom touch back heat therapy pad")
    text = normalize(sample("003").read_text(), "markdown")
    heading = "Carisoprodol 350mg TA #120 with 3 refills QTY:480: Upheld"
    assert heading in text
    digital = parse_letter(text, "text")
    scanned = parse_letter(text.replace(heading, speck + heading), "pdf-ocr")
    assert [item.description for item in scanned.items] == [item.description for item in digital.items]


def test_a_conclusion_that_lost_its_last_word_is_no_part_of_the_next_heading():
    text = normalize(sample("003").read_text(), "markdown")
    heading = "Carisoprodol 350mg TA #120 with 3 refills QTY:480: Upheld"
    for cut in ('Given the above, the request for "Functional capacity evaluation (FCE)" is not medically\n',
                "support the requested patch. As such, the request is not\nmedically wc i\n"):
        scanned = parse_letter(text.replace(heading, cut + heading), "pdf-ocr")
        assert scanned.items[0].description == "Carisoprodol 350mg TA #120 with 3 refills QTY:480"


def test_a_speck_read_as_a_full_stop_inside_a_heading_does_not_start_it():
    # in OCR'd text a heading starts a line: a stop and a space before a number inside it are a speck
    text = normalize(sample("003").read_text(), "markdown")
    heading = "Carisoprodol 350mg TA #120 with 3 refills QTY:480: Upheld"
    read = text.replace(heading, "Cyclobenzaprine 5% in cream base. 240g: Upheld")
    assert parse_letter(read, "pdf-ocr").items[0].description == "Cyclobenzaprine 5% in cream base. 240g"
    from imrdb import patterns as p

    # in re-flowed text a sentence may end there ("... medically necessary. 12 sessions of PT: Upheld")
    assert p.SENTENCE_END.search("in cream base. 240g") and not p.OCR_SENTENCE_END.search("in cream base. 240g")


def test_a_decision_ocr_could_not_read_is_taken_from_the_rationale():
    # "Flector 1.3% transdermal patch: phen", "...Lidocaine 5% /Dextromethorphan: oe": decisions OCR lost (grey)
    text = normalize(sample("001").read_text(), "text")
    digital = parse_letter(text, "text")
    scanned = parse_letter(text.replace("Soma 350 mg #60: Upheld", "Soma 350 mg #60: phen"), "pdf-ocr")
    assert [(item.description, item.decision) for item in scanned.items] == \
        [(item.description, item.decision) for item in digital.items]
    assert "item 2 decision read by OCR as 'phen': taken as Upheld from its rationale's conclusion " \
        "(medically necessary: False)" in scanned.warnings
    for read in ("Soma 350 mg #60: il nial", "Soma 350 mg #60; Mpiees"):  # a semicolon read for its colon too
        scanned = parse_letter(text.replace("Soma 350 mg #60: Upheld", read), "pdf-ocr")
        assert [(item.description, item.decision) for item in scanned.items] == \
            [(item.description, item.decision) for item in digital.items]
    # its colon lost too, the word too far from a decision to be taken for one ("... without contrast
    # Overtinnent |", fax), before the item's first label
    text2 = normalize(sample("002").read_text(), "text")
    assert "Retro Norco 10/325mg #90: Overturned\nClaims Administrator guideline:" in text2
    scanned = parse_letter(text2.replace("Retro Norco 10/325mg #90: Overturned", "Retro Norco 10/325mg #90 Overtinnent |"),
                           "pdf-ocr")
    assert [(item.description, item.decision) for item in scanned.items] == \
        [(item.description, item.decision) for item in parse_letter(text2, "text").items]
    assert any(warning.startswith("item 1 decision read by OCR as 'Overtinnent': taken as Overturned")
               for warning in scanned.warnings)
    # ... but a speck's line with a colon right after a decision, before that item's first label, is no item
    # ("...without contrast: Upheld\n\npayin:\nClaims Administrator guideline:", fax)
    scanned = parse_letter(text2.replace("Retro Norco 10/325mg #90: Overturned\n",
                                         "Retro Norco 10/325mg #90: Overturned\n\npayin:\n"), "pdf-ocr")
    assert [(item.description, item.decision) for item in scanned.items] == \
        [(item.description, item.decision) for item in parse_letter(text2, "text").items]
    # nothing read after its colon, before a blank line and the item's first label ("MRI for lumbar — with
    # contrast: —", its mark cleaned away: grey)
    scanned = parse_letter(text.replace("Soma 350 mg #60: Upheld\n", "Soma 350 mg #60: —\n\n"), "pdf-ocr")
    assert [(item.description, item.decision) for item in scanned.items] == \
        [(item.description, item.decision) for item in digital.items]
    assert "item 2 decision not read by OCR: taken as Upheld from its rationale's conclusion (medically necessary: " \
        "False)" in scanned.warnings
    # known words after a colon are a heading's own ("Associated surgical service: Shoulder Brace"), no decision
    scanned = parse_letter(text.replace("Soma 350 mg #60: Upheld", "Associated surgical service: Shoulder Brace"),
                           "pdf-ocr")
    assert len(scanned.items) == 3 and not any("decision read by OCR" in warning for warning in scanned.warnings)
    # a rationale that concludes nothing: the item is left out, not guessed
    vague = text.replace("Soma 350 mg #60: Upheld", "Soma 350 mg #60: oe").replace(
        "Given the above, the Soma 350 mg #60 is not\nmedically necessary.", "Given the above, it is not supported.")
    scanned = parse_letter(vague, "pdf-ocr")
    assert [item.description for item in scanned.items] == ["Percocet 10/325 mg 30", "Xanax 2 mg #90", "Valium 10 mg #30"]
    assert any(warning.startswith("a heading's decision read by OCR as 'oe', and its rationale concludes nothing")
               for warning in scanned.warnings)


def test_digital_letters_are_not_touched_by_ocr_checks():
    text = sample("003").read_text()
    assert parse_letter(text, "markdown").warnings == []


# -- a seed letter, scanned by the test, OCR'd for real ----------------------------------------


def _seed_pdf(text: str) -> bytes:
    """The seed letter as a digital PDF (fpdf2), one line of the normalized letter a line."""
    from fpdf import FPDF

    pdf = FPDF(format="letter")
    pdf.set_auto_page_break(True, margin=20)
    pdf.add_page()
    pdf.set_font("Helvetica", size=12)
    for line in text.split("\n"):
        pdf.multi_cell(0, 7, line.encode("latin-1", "replace").decode("latin-1"), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def _scan(page, rng: random.Random):
    """A page as a 200 dpi grey scan: skewed half a degree, speckled, JPEG."""
    from PIL import Image

    image = page.render(scale=200 / 72, grayscale=True).to_pil().convert("L")
    image = image.rotate(rng.uniform(-0.7, 0.7), resample=Image.BICUBIC, fillcolor=255)
    pixels = image.load()
    for _ in range(image.size[0] * image.size[1] // 3000):
        pixels[rng.randrange(image.size[0]), rng.randrange(image.size[1])] = rng.choice((0, 255))
    return image


def _image_pdf(images) -> bytes:
    buffer = io.BytesIO()
    images[0].save(buffer, "PDF", save_all=True, append_images=images[1:], resolution=200, quality=60)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def scanned_seed(tmp_path_factory):
    """Seed letter 003 printed to PDF, each page scanned: (the image-only PDF, a PDF whose second
    page is the scan, the page count, the seed's own text)."""
    pytest.importorskip("fpdf")
    import pypdfium2 as pdfium

    text = normalize(sample("003").read_text(), "markdown")
    digital = pdfium.PdfDocument(_seed_pdf(text))
    rng = random.Random(3)
    scanned = _image_pdf([_scan(digital[index], rng) for index in range(len(digital))])
    mixed = pdfium.PdfDocument.new()
    mixed.import_pages(digital, [0])
    mixed.import_pages(pdfium.PdfDocument(scanned), list(range(1, len(digital))))
    buffer = io.BytesIO()
    mixed.save(buffer)
    folder = tmp_path_factory.mktemp("scans")
    (folder / "seed-scan.pdf").write_bytes(scanned)
    (folder / "seed-mixed.pdf").write_bytes(buffer.getvalue())
    return folder, len(digital), text


def _cases(db: Path) -> dict[str, dict]:
    connection = sqlite3.connect(db)
    connection.row_factory = sqlite3.Row
    rows = {Path(row["source_path"]).name: dict(row) for row in connection.execute("select * from cases")}
    items = connection.execute("select c.source_path, i.description, i.decision from disputed_items i "
                               "join cases c on c.id = i.case_id order by c.id, i.position").fetchall()
    for path, description, decision in items:
        rows[Path(path).name].setdefault("items", []).append((description, decision))
    connection.close()
    return rows


@needs_ocr
@pytest.mark.parametrize("name, source_format, text_pages", [("seed-scan.pdf", "pdf-ocr", 0),
                                                            ("seed-mixed.pdf", "pdf-mixed", 1)])
def test_scanned_seed_letter_is_ocrd_and_ingested(scanned_seed, tmp_path, name, source_format, text_pages):
    folder, pages, text = scanned_seed
    digital = parse_letter(text, "text")
    db = tmp_path / "imr.db"
    result = subprocess.run(IMRDB + ["ingest", str(folder / name), "--db", str(db), "--workers", "2"],
                            capture_output=True, text=True, cwd=ROOT, timeout=280)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("1 ingested, 0 unchanged, 0 duplicate, 0 replaced, 0 failed")
    case = _cases(db)[name]
    assert (case["source_format"], case["ocr_pages"]) == (source_format, pages - text_pages)
    assert case["ocr_engine"].startswith("tesseract 5.") and 60 < case["ocr_confidence"] <= 100
    assert case["case_number"] == digital.case_number == "CM14-0039927"
    assert (case["date_assigned"], case["date_of_injury"], case["decision_date"], case["ur_denial_date"],
            case["application_received"]) == ("2014-06-27", "2004-05-17", "2014-07-29", "2014-03-04", "2014-04-04")
    assert case["priority"] == "Standard"
    assert [decision for _, decision in case["items"]] == [item.decision for item in digital.items]
    assert [description for description, _ in case["items"]] == [item.description for item in digital.items]
    # OCR'd text is searchable like any other letter's
    connection = sqlite3.connect(db)
    found = connection.execute("select count(*) from cases_fts where cases_fts match 'baclofen'").fetchone()[0]
    connection.close()
    assert found == 1


@needs_ocr
def test_without_ocr_a_scan_is_refused_in_one_line_and_read_on_the_next_run(scanned_seed, tmp_path):
    folder, pages, _ = scanned_seed
    letters = tmp_path / "letters"
    letters.mkdir()
    (letters / "seed-scan.pdf").write_bytes((folder / "seed-scan.pdf").read_bytes())
    (letters / "digital.txt").write_text(sample("001").read_text())
    # tesserocr made unimportable, as where the [ocr] extra is not installed
    shadow = tmp_path / "no-ocr"
    (shadow / "tesserocr").mkdir(parents=True)
    (shadow / "tesserocr" / "__init__.py").write_text("raise ImportError('tesserocr is not installed')\n")
    db = tmp_path / "imr.db"
    environment = {**os.environ, "PYTHONPATH": f"{shadow}{os.pathsep}{ROOT}"}
    first = subprocess.run(IMRDB + ["ingest", str(letters), "--db", str(db)], capture_output=True, text=True,
                           cwd=ROOT, timeout=120, env=environment)
    assert first.returncode == 1
    assert first.stdout.startswith("1 ingested, 0 unchanged, 0 duplicate, 0 replaced, 1 failed")
    assert first.stderr.splitlines() == [
        f"failed: {letters / 'seed-scan.pdf'}: all {pages} page(s) are scans without a text layer and no OCR engine "
        "is installed: install the OCR extra (pip install 'imrdb[ocr]') and run again"]
    second = subprocess.run(IMRDB + ["ingest", str(letters), "--db", str(db)], capture_output=True, text=True,
                            cwd=ROOT, timeout=280)
    assert second.returncode == 0, second.stderr
    assert second.stdout.startswith("1 ingested, 1 unchanged, 0 duplicate, 0 replaced, 0 failed")
    assert _cases(db)["seed-scan.pdf"]["source_format"] == "pdf-ocr"

