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
from imrdb.parse import check_dates, check_doubtful, check_reviewer, parse_letter, read_ocr_header
from tests.conftest import ROOT, sample

OCR_MISSING = ocr.missing()
needs_ocr = pytest.mark.skipif(OCR_MISSING is not None, reason=f"OCR cannot run here: {OCR_MISSING} "
                               "(.ci/run installs it: pip install -e '.[test,ocr]')")
IMRDB = [sys.executable, "-m", "imrdb.cli"]


# -- cleaning: each line as Tesseract read it from a scan, and as the parser needs it ----------

CLEANED_LINES = [
    # misread labels
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
    ("—e rationale: The MTUS states that unequivocal objective findings that identify specific",
     "Decision rationale: The MTUS states that unequivocal objective findings that identify specific"),
    ("The rationale: is given below", "The rationale: is given below"),
    # section titles, with the marks around them
    ("IMR.ISSUES,DECISIONS AND RATIONALES °", "IMR ISSUES, DECISIONS AND RATIONALES"),
    ("- IMR ISSUES, DECISIONSAND RATIONALES", "IMR ISSUES, DECISIONS AND RATIONALES"),
    ("HOW THE IMR FINAL DETERMINATION WA‘S MADE", "HOW THE IMR FINAL DETERMINATION WAS MADE"),
    ("HOW. THE IMR FINAL DETERMINATION WAS MADE", "HOW THE IMR FINAL DETERMINATION WAS MADE"),
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
    ("Comprehensiye psychologica_l testing: Upheld", "Comprehensiye psychological testing: Upheld"),
    ("Om_eprazole: Upheld", "Omeprazole: Upheld"),
    # what the parser reads by
    ("CT of the head is not medlcally necessary.", "CT of the head is not medically necessary."),
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
    # fax: the colon lost, the heading known by the item label after it
    ("Compi'ehehsive psychologlcal'testingi Upheld\nClaims Administrator guideline: Decision based on MTUS",
     "Compi'ehehsive psychologlcal'testingi: Upheld\nClaims Administrator guideline: Decision based on MTUS", []),
    # read right: unchanged, no warning
    ("MRI of the umbar without contrast: Upheld", "MRI of the umbar without contrast: Upheld", []),
    # a word like neither: left alone
    ("the claimant was: Unhappy", "the claimant was: Unhappy", []),
]


@pytest.mark.parametrize("read, cleaned, warnings", DECISIONS)
def test_decision_words_corrected_only_when_unambiguous(read, cleaned, warnings):
    assert clean_ocr(read) == (cleaned, warnings)


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
    # ... but a lone "Date:" is no "Date of": the date of injury is not guessed from another label's
    ("Case Number: CM17-0019120\nDate Assigned: 01/31/2017 - 11/09/2016\nDecision Date: 02/24/2017 "
     "UR Denial Date: 01/25/2017\nPriority: Standard Application 01/30/2017 Received:",
     {"date_of_injury": None, "ur_denial_date": "2017-01-25"},
     ["date_of_injury: its label was not found in the OCR'd header"]),
]


@pytest.mark.parametrize("header, facts, warnings", HEADERS + HEADERS_READ_ON_SCANS)
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


# -- names checked against data/names -----------------------------------------------------------

REVIEWERS = [
    (("Family Practice",), ("Califomia",), ("Family Practice",), ("California",),
     ["state read by OCR as 'Califomia', taken as California"]),
    (("Preventive Med1cme Occupatlonal Medlcme",), ("Texas o",), ("Preventive Medicine", "Occupational Medicine"),
     ("Texas",), ["specialty read by OCR as 'Preventive Med1cme Occupatlonal Medlcme', taken as Preventive Medicine, "
                  "Occupational Medicine", "state read by OCR as 'Texas o', taken as Texas"]),
    (("Internal Medicine",), ("Texas Lo",), ("Internal Medicine",), ("Texas",),
     ["state read by OCR as 'Texas Lo', taken as Texas"]),
    (("Physical Medicme & Rehabllitauon Pain Management",), ("California", "Arizona"),
     ("Physical Medicine & Rehabilitation", "Pain Management"), ("California", "Arizona"),
     ["specialty read by OCR as 'Physical Medicme & Rehabllitauon Pain Management', taken as "
      "Physical Medicine & Rehabilitation, Pain Management"]),
    # not a known name, nor close to one: kept as read, with a warning
    (("Aerospace Medicine",), ("Ontario",), ("Aerospace Medicine",), ("Ontario",),
     ["specialty 'Aerospace Medicine' is not a known name (misread by OCR?)",
      "state 'Ontario' is not a known name (misread by OCR?)"]),
    # two known names about as close ("New Jersey"/"New York"? no: "New Yerk" is close to one): corrected
    (("Internal Medicine",), ("New Yerk",), ("Internal Medicine",), ("New York",),
     ["state read by OCR as 'New Yerk', taken as New York"]),
]


@pytest.mark.parametrize("specialties, states, want_specialties, want_states, warnings", REVIEWERS)
def test_reviewer_names_checked(specialties, states, want_specialties, want_states, warnings):
    found: list[str] = []
    reviewer = check_reviewer(Reviewer(specialties, states), found)
    assert (reviewer.specialties, reviewer.licensure_states) == (want_specialties, want_states)
    assert found == warnings


def test_a_speck_before_a_heading_is_not_part_of_the_description():
    # ": MRI of the right knee", '" Retrospective CT scan ...', ". CT scan of abdomen": specks OCR read before headings
    text = normalize(sample("003").read_text(), "markdown")
    heading = "Carisoprodol 350mg TA #120 with 3 refills QTY:480: Upheld"
    assert heading in text
    digital = parse_letter(text, "text")
    scanned = parse_letter(text.replace(heading, ": " + heading), "pdf-ocr")
    assert [item.description for item in scanned.items] == [item.description for item in digital.items]


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

