"""Guideline citations a researcher can group by: ODG chapters, MTUS guidelines and other sources from
the closed lists in data/lexicon/, one guideline per row. Tables over every lexicon row and over real
citation lines (a line each, quoted from letters)."""

from __future__ import annotations

import re
import shutil

import pytest

from imrdb import citations
from imrdb.citations import holds_two_guidelines, parse_guideline_text
from imrdb.enrich import LexiconError, load_lexicon, reload_lexicon
from imrdb.parse import parse_letter
from imrdb.sources import SourceFile, read_letter
from conftest import REAL_DEV, ROOT

LEXICON = load_lexicon()
ODG_CHAPTERS = {name.name for name in LEXICON.odg_chapters}
MTUS_GUIDELINES = {name.name for name in LEXICON.mtus_guidelines}


def read(line: str, role: str = "imr_reviewer") -> list[tuple]:
    return [(c.source, c.guideline, c.topic) for c in parse_guideline_text(line, role)]


# -- every lexicon row ---------------------------------------------------------------------------

ODG_VARIANTS = [(name, example) for name in LEXICON.odg_chapters for example in name.examples]
MTUS_VARIANTS = [(name, example) for name in LEXICON.mtus_guidelines for example in name.examples]
OTHER_VARIANTS = [(name, example) for name in LEXICON.other_sources for example in name.examples]


def test_the_closed_lists_are_the_published_ones():
    assert ODG_CHAPTERS == {
        "Ankle & Foot", "Burns", "Carpal Tunnel Syndrome", "Elbow", "Eye", "Fitness for Duty", "Forearm, Wrist & Hand",
        "Formulary", "Head", "Hernia", "Hip & Pelvis", "Knee & Leg", "Low Back", "Mental Illness & Stress",
        "Neck & Upper Back", "Pain", "Preface", "Pulmonary", "Shoulder", "Traumatic Brain Injury"}
    # the 12 the letters of 2016-2017 cite (and the Eye chapter), then the ACOEM chapters of the 2018 MTUS
    assert {"Chronic Pain Medical Treatment Guidelines", "Opioids Treatment Guidelines", "Acupuncture Medical Treatment Guidelines",
            "Postsurgical Treatment Guidelines", "General Approaches", "Neck and Upper Back Complaints", "Shoulder Complaints",
            "Elbow Disorders", "Forearm, Wrist, and Hand Complaints", "Low Back Complaints", "Knee Complaints",
            "Ankle and Foot Complaints", "Stress-Related Conditions"} < MTUS_GUIDELINES


@pytest.mark.parametrize("name,example", ODG_VARIANTS, ids=[f"{n.name}:{e}" for n, e in ODG_VARIANTS])
def test_every_odg_chapter_variant(name, example):
    assert re.fullmatch(name.pattern, example, re.IGNORECASE), f"{name.source}: {example!r} is not matched whole"
    if name.kind == "section":  # the words name a section the chapter holds: they stay the topic
        written = f"Non-MTUS Citation Official Disability Guidelines (ODG) {example}, MRI"
        assert read(f"Decision based on {written}.") == [("ODG", name.name, f"{example.removeprefix('ODG ')}, MRI")]
        return
    for written in (f"Non-MTUS Citation Official Disability Guidelines (ODG) {example}, MRI",
                    f"Non-MTUS Citation ODG {example} Chapter (Acute & Chronic): MRI",
                    f"Non-MTUS Citation Official Disability Guidelines, {example} (Online Version) - MRI",
                    f"Non-MTUS Citation Official Disability Guidelines (ODG) {example} section/ MRI"):
        assert read(f"Decision based on {written}.") == [("ODG", name.name, "MRI")], written


@pytest.mark.parametrize("name,example", MTUS_VARIANTS, ids=[f"{n.name}:{e}" for n, e in MTUS_VARIANTS])
def test_every_mtus_guideline_variant(name, example):
    assert re.fullmatch(name.pattern, example, re.IGNORECASE), f"{name.source}: {example!r} is not matched whole"
    assert read(f"Decision based on MTUS {example}, Special Studies.") == [("MTUS", name.name, "Special Studies")]


@pytest.mark.parametrize("name,example", OTHER_VARIANTS, ids=[f"{n.name}:{e}" for n, e in OTHER_VARIANTS])
def test_every_other_source_example(name, example):
    assert read(f"Decision based on Non-MTUS Citation {example}") == [("Other", name.name, None)]


@pytest.mark.parametrize("row,message", [
    ("Shoulder,shoulders?,chapter", "give at least one example"),
    ("Shoulder,(shoulder),chapter,Shoulder", "no capturing groups"),
    ("Shoulder,shoulder(,chapter,Shoulder", "bad pattern"),
    ("Shoulder,shoulder,topic,Shoulder", "kind 'topic'"),
    (",shoulder,chapter,Shoulder", "chapter and pattern are both required"),
])
def test_a_malformed_chapter_row_is_refused_naming_its_line(tmp_path, monkeypatch, row, message):
    folder = tmp_path / "lexicon"
    shutil.copytree(ROOT / "data" / "lexicon", folder)
    (folder / "odg_chapters.csv").write_text("chapter,pattern,kind,examples\n" + row + "\n")
    monkeypatch.setenv("IMRDB_LEXICON_DIR", str(folder))
    try:
        with pytest.raises(LexiconError, match=rf"odg_chapters\.csv:2: .*{re.escape(message)}"):
            reload_lexicon()
    finally:
        monkeypatch.delenv("IMRDB_LEXICON_DIR")
        reload_lexicon()


def test_a_curator_adds_a_chapter_spelling(tmp_path, monkeypatch):
    line = "Decision based on Non-MTUS Citation Official Disability Guidelines (ODG) Lumbosacral, Discography."
    assert read(line) == [("ODG", None, "Lumbosacral, Discography")]
    folder = tmp_path / "lexicon"
    shutil.copytree(ROOT / "data" / "lexicon", folder)
    with open(folder / "odg_chapters.csv", "a") as chapters:
        chapters.write("Low Back,lumbosacral,chapter,Lumbosacral\n")
    monkeypatch.setenv("IMRDB_LEXICON_DIR", str(folder))
    try:
        reload_lexicon()
        citations.clear_cache()
        assert read(line) == [("ODG", "Low Back", "Discography")]
    finally:
        monkeypatch.delenv("IMRDB_LEXICON_DIR")
        reload_lexicon()
        citations.clear_cache()


# -- real citation lines -------------------------------------------------------------------------

LINES = [
    # (a guideline line as letters write it, [(source, guideline, topic)])
    ("Decision based on MTUS Low Back Complaints 2004, Section(s): Physical Methods, and Chronic Pain Medical "
     "Treatment 2009, Section(s): Epidural steroid injections (ESIs).",
     [("MTUS", "Low Back Complaints", "Physical Methods"),
      ("MTUS", "Chronic Pain Medical Treatment Guidelines", "Epidural steroid injections (ESIs)")]),
    ("Decision based on MTUS Neck and Upper Back Complaints 2004, Section(s): Special Studies, and Forearm, Wrist, and "
     "Hand Complaints 2004, Section(s): Special Studies.",
     [("MTUS", "Neck and Upper Back Complaints", "Special Studies"),
      ("MTUS", "Forearm, Wrist, and Hand Complaints", "Special Studies")]),
    ("Decision based on MTUS Acupuncture Treatment 2007, and Chronic Pain Medical Treatment 2016, Section(s): "
     "Low-Level Laser Therapy (LLLT).",
     [("MTUS", "Acupuncture Medical Treatment Guidelines", None),
      ("MTUS", "Chronic Pain Medical Treatment Guidelines", "Low-Level Laser Therapy (LLLT)")]),
    ("Decision based on MTUS Opioid Treatment 2016, Section(s): 3.3.9 Opioids for Chronic Pain and Chronic Opioid "
     "Treatment: Maintenance of Chronic Opioid Treatment.",
     [("MTUS", "Opioids Treatment Guidelines",
       "3.3.9 Opioids for Chronic Pain and Chronic Opioid Treatment: Maintenance of Chronic Opioid Treatment")]),
    ("Decision based on MTUS Chronic Pain Medical Treatment 2016, Section(s): Lidoderm (lidocaine patch).",
     [("MTUS", "Chronic Pain Medical Treatment Guidelines", "Lidoderm (lidocaine patch)")]),
    ("Decision based on MTUS Chronic Pain Medical Treatment 2016, Section(s): Topical analgesics.",
     [("MTUS", "Chronic Pain Medical Treatment Guidelines", "Topical analgesics")]),
    ("Decision based on Non-MTUS Citation Official Disability Guidelines (ODG), Forearm, Wrist, and hand (updated "
     "11/23/16), MRI's (magnetic resonance imaging)",
     [("ODG", "Forearm, Wrist & Hand", "MRI's (magnetic resonance imaging)")]),
    ("Decision based on Non-MTUS Citation Official Disability Guidelines (ODG) Low Back -Lumbar & Thoracic (Acute & "
     "Chronic) MRIs (magnetic resonance imaging)",
     [("ODG", "Low Back", "MRIs (magnetic resonance imaging)")]),
    ("Decision based on Non-MTUS Citation Official Disability Guidelines (ODG), Low Back & Thoracic chapter (Acute & "
     "Chronic), Preoperative testing, general",
     [("ODG", "Low Back", "Preoperative testing, general")]),
    ("Decision based on Non-MTUS Citation Official Disability Guidelines: Neck & Upper Back (Acute & Chronic) Magnetic "
     "resonance imaging (MRI), Indications for imaging",
     [("ODG", "Neck & Upper Back", "Magnetic resonance imaging (MRI), Indications for imaging")]),
    ("Decision based on Non-MTUS Citation Official Disability Guidelines (ODG) Neck & Upper Back (Extracorporeal shock "
     "wave therapy (ESWT))",
     [("ODG", "Neck & Upper Back", "Extracorporeal shock wave therapy (ESWT)")]),
    ("Decision based on Non-MTUS Citation Official Disability Guidelines (ODG) Head (trauma, headaches, etc., not "
     "including stress & mental disorders) Hearing aids",
     [("ODG", "Head", "Hearing aids")]),
    ("Decision based on Non-MTUS Citation Official Disability Guidelines (ODG) 2016 Shoulder Chapter: MR arthrogram",
     [("ODG", "Shoulder", "MR arthrogram")]),
    ("Decision based on Non-MTUS Citation ODG Guidelines, 14th Edition, 2016, Knee Chapter",
     [("ODG", "Knee & Leg", None)]),
    ("Decision based on Non-MTUS Citation Official Disability Guidelines (ODG) Neck section, Physical therapy",
     [("ODG", "Neck & Upper Back", "Physical therapy")]),
    ("Decision based on Non-MTUS Citation Official Disability Guidelines (ODG), Pain chapter (online version): "
     "Opioid-induced constipation treatment (OIC)",
     [("ODG", "Pain", "Opioid-induced constipation treatment (OIC)")]),
    ("Decision based on Non-MTUS Citation Official Disability Guidelines (ODG) Physical Therapy Guidelines",
     [("ODG", "Preface", "Physical Therapy Guidelines")]),
    ("Decision based on Non-MTUS Citation ODG Chiropractic guidelines", [("ODG", "Preface", "Chiropractic guidelines")]),
    ("Decision based on Non-MTUS Citation Official Disability Guidelines (ODG), Knee Official Disability Guidelines "
     "(ODG), Physical Therapy Guidelines",
     [("ODG", "Knee & Leg", "Physical Therapy Guidelines")]),
    ("Decision based on Non-MTUS Citation Official Disability Guidelines (ODG) Knee/ Transportation",
     [("ODG", "Knee & Leg", "Transportation")]),
    ("Decision based on Non-MTUS Citation Official Disability Guidelines (ODG) Knee & Leg, Platelet-rich plasma (PRP)",
     [("ODG", "Knee & Leg", "Platelet-rich plasma (PRP)")]),
    ("Decision based on Non-MTUS Citation Official Disability Guidelines (ODG) Knee & Leg, Knee brace",
     [("ODG", "Knee & Leg", "Knee brace")]),  # a topic's first word is not a second chapter
    ("Decision based on Non-MTUS Citation Official Disability Guidelines (ODG) Pain, Opioids for chronic pain",
     [("ODG", "Pain", "Opioids for chronic pain")]),
    ("Decision based on Non-MTUS Citation Official Disability Guidelines (ODG) MRI hand", [("ODG", None, "MRI hand")]),
    ("Decision based on Non-MTUS Citation Official Disability Guidelines (ODG)", [("ODG", None, None)]),
    ("Decision based on Non-MTUS Citation Official Disability Guidelines (ODG) Treatment in Workers' Compensation, "
     "2016 web-based edition.", [("ODG", None, None)]),
    # two chapters named: one row each
    ("Decision based on Non-MTUS Citation Official Disability Guidelines (ODG) Low Back and neck Chapter, Physical Therapy",
     [("ODG", "Low Back", "Physical Therapy"), ("ODG", "Neck & Upper Back", "Physical Therapy")]),
    ("Decision based on Non-MTUS Citation Official Disability Guidelines, Neck and Upper Back Chapter, Shoulder Chapter, "
     "Physical therapy",
     [("ODG", "Neck & Upper Back", "Physical therapy"), ("ODG", "Shoulder", "Physical therapy")]),
    # two chapters and a web page
    ("Decision based on Non-MTUS Citation Official Disability Guidelines (ODG) Knee/DME, Low Back Lumbar and Thoracic/"
     "Mattress selection and Other Medical Treatment Guidelines https://www.cms.gov/Regulations-and-Guidance/Guidance/"
     "Transmittals/downloads/R148CIM.pdf",
     [("ODG", "Knee & Leg", "DME"), ("ODG", "Low Back", "Mattress selection"), ("Other", "Medicare (CMS)", None)]),
    # an ODG chapter, then ACOEM
    ("Decision based on Non-MTUS Citation Official Disability Guidelines (ODG) Hips and Pelvis (Acute and Chronic), MRI "
     "(magnetic resonance imaging) and Other Medical Treatment Guidelines ACOEM Hip and Groin Disorders, Diagnostic "
     "Testing, MRI",
     [("ODG", "Hip & Pelvis", "MRI (magnetic resonance imaging)"),
      ("ACOEM", "Hip and Groin Disorders", "Diagnostic Testing, MRI")]),
    ("Decision based on Non-MTUS Citation Official Disability Guidelines (ODG) Low Back, MRI, Harris J. Occupational "
     "medicine practice guidelines, 2nd edition (2004).",
     [("ODG", "Low Back", "MRI"), ("ACOEM", None, None)]),
    # a web page and an UpToDate topic
    ("Decision based on Non-MTUS Citation What is an electrocardiogram? National Heart, Lung, and Blood Institute. "
     "http://www.nhlbi.nih.gov/health/health-topics/topics/ekg, accessed 02/18/2017, Benditt D, et al. Syncope in "
     "adults: Clinical manifestations and diagnostic evaluation. Topic 969, version 21.0. UpToDate, accessed 02/18/2017",
     [("Other", "web page", None), ("Other", "UpToDate", None)]),
    ("Decision based on Non-MTUS Citation http://www.drugs.com/famotidine.html", [("Other", "web page", None)]),
    ("Decision based on Non-MTUS Citation Centers for Medicare and Medicaid services, Physician Fee Schedule Search",
     [("Other", "Medicare (CMS)", None)]),
    ("Decision based on Non-MTUS Citation ACOEM Occupational Medicine Practice Guidelines, 3rd ed., Low Back "
     "Disorders, pg. 607", [("ACOEM", "Low Back Disorders", None)]),
    ("Decision based on MTUS (ACOEM Practice Guidelines) Low Back Disorders, Special Studies, and (ACOEM Practice "
     "Guidelines) Chronic Pain, Opioids for chronic pain.",
     [("MTUS", "Low Back Disorders", "Special Studies"), ("MTUS", "Chronic Pain", "Opioids for chronic pain")]),
    ("Decision based on MTUS ACOEM Chapter 11 Forearm, Wrist, and Hand Complaints Page(s): 270",
     [("ACOEM", "Forearm, Wrist, and Hand Complaints", "Chapter 11")]),
]


@pytest.mark.parametrize("line,expected", LINES, ids=[line[18:70] for line, _ in LINES])
def test_real_citation_lines(line, expected):
    rows = parse_guideline_text(line, "imr_reviewer")
    assert [(c.source, c.guideline, c.topic) for c in rows] == expected
    for row in rows:
        assert not holds_two_guidelines(row.source, row.guideline, row.topic), row
        # what a row was read from gives that row again: `imrdb reprocess` reads stored texts
        assert (row.source, row.guideline, row.topic) in read(row.text)


TWO_GUIDELINES = [
    # (source, guideline, topic) as the reader of before stored them; each still names a second guideline
    ("MTUS", "Low Back Complaints", "Summary, and Chronic Pain Medical Treatment 2016, Section(s): Facet blocks"),
    ("MTUS", "Neck and Upper Back Complaints", "Special Studies, and Forearm, Wrist, and Hand Complaints"),
    ("ODG", "Neck and Upper Back", "Shoulder Chapter, Physical therapy"),
    ("ODG", "Low Back", "MRI, Harris J. Occupational medicine practice guidelines, 2nd edition (2004)"),
    ("ACOEM", "Official Disability Guidelines (ODG) Hips and Pelvis (Acute and Chronic)", "Diagnostic Testing, MRI"),
    ("ODG", "Knee/DME", "Low Back Lumbar and Thoracic/Mattress selection and Other Medical Treatment Guidelines https://x"),
]


@pytest.mark.parametrize("source,guideline,topic", TWO_GUIDELINES)
def test_rows_that_hold_two_guidelines_are_found(source, guideline, topic):
    assert holds_two_guidelines(source, guideline, topic)


@pytest.mark.parametrize("source,guideline,topic", [
    ("ODG", "Knee & Leg", "Knee brace"), ("ODG", "Pain", "Opioids for chronic pain"),
    ("MTUS", "Neck and Upper Back Complaints", "Special Studies"), ("CCR", "Title 8, California Code of Regulations", "9792.20"),
    ("ODG", "Low Back", "Preoperative lab testing and Preoperative testing, general"),
])
def test_rows_of_one_guideline_are_not(source, guideline, topic):
    assert not holds_two_guidelines(source, guideline, topic)


# -- the 60 real letters -------------------------------------------------------------------------

@pytest.fixture(scope="module")
def dev_citations(dev_facts):
    rows = []
    for path in sorted(REAL_DEV.glob("*.pdf")):
        letter = parse_letter(read_letter(SourceFile(path, "pdf")).text, "pdf", str(path))
        rows += [citation for item in letter.items for citation in item.citations]
    return rows


def test_dev_letters_meet_the_targets(dev_citations):
    odg = [c for c in dev_citations if c.source == "ODG"]
    mtus = [c for c in dev_citations if c.source == "MTUS"]
    assert len(odg) >= 100 and len(mtus) >= 190
    assert {c.guideline for c in odg} <= ODG_CHAPTERS | {None}
    assert sum(c.guideline is None for c in odg) <= 0.10 * len(odg)
    assert {c.guideline for c in mtus} <= MTUS_GUIDELINES
    assert [c for c in dev_citations if holds_two_guidelines(c.source, c.guideline, c.topic)] == []
    assert not [c for c in dev_citations if c.topic and re.search(r"Section\(s\)|^Topic\b|Online Version", c.topic, re.I)]


def test_dev_citations_read_again_from_their_texts_are_the_same(dev_citations):
    """`imrdb reprocess` reads a stored row's text again: it must give that row back (a text two ODG
    chapters were read from gives both, and reprocess reads it once)."""
    for citation in dev_citations:
        again = parse_guideline_text(citation.text, citation.role)
        assert citation in again and all(row.text == citation.text for row in again), citation


@pytest.mark.parametrize("line", [
    "Decision based on Non-MTUS Citation Official Disability Guidelines (ODG) " + "Low Back and " * 5000,
    "Decision based on MTUS Low Back Complaints 2004" + ", and Knee Complaints 2004" * 3000,
    "Decision based on Non-MTUS Citation " + "," * 50000 + " x",
    "Decision based on Non-MTUS Citation ODG Pain, " + "Harris J. " * 5000,
    "Decision based on Non-MTUS Citation ODG " + "(" * 20000 + "Pain" + ")" * 20000,
    "Decision based on Non-MTUS Citation Official Disability Guidelines " + "Web Version 2016 " * 5000,
], ids=["chapters", "mtus", "commas", "authors", "parentheses", "editions"])
def test_pathological_citation_lines_are_read(line):
    """Each pattern is bounded: lines built to make them backtrack are read (the test's time limit
    fails one that would not finish), and still give rows of one guideline each."""
    rows = parse_guideline_text(line, "imr_reviewer")
    assert rows and all(row.source in {"MTUS", "ODG", "Other", "ACOEM"} for row in rows)
