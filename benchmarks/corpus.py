#!/usr/bin/env python3
"""Synthetic California IMR final-determination letters, as text and as PDF.

Feeds the ingest benchmark and the query-scale database. Every letter comes with its
ground-truth facts in the shape of ``dev-facts.json`` entries, so a parser run over the
corpus can be scored exactly.

Usage::

    python benchmarks/corpus.py OUT_DIR --count N [--format txt|pdf|mixed] [--seed S]
                                [--start K] [--workers W]

    from benchmarks.corpus import generate, make_letter
    paths = generate("out", 1000, fmt="mixed", seed=0, start=0)
    text, facts = make_letter(random.Random(1), 17)

How the output mimics the real letters (MAXIMUS letters printed from Word and read with
pypdfium2):

* One layout drives both formats. Paragraphs are hard-wrapped by the real width of each
  word in 12 pt Times-Roman over a 6.5 in column (about 95 characters), then paginated
  at about 41 lines a page, so page breaks fall wherever the text is, mid-paragraph and
  mid-sentence included. The PDF places exactly these lines, so ``pypdfium2`` gives back
  exactly the "pdfium" text form below (checked by ``python benchmarks/corpus.py
  --self-check``).
* pdfium's quirks are reproduced, not cleaned up: wrapped lines keep their trailing
  space, lines end in CRLF within a page and pages are joined with a bare LF (as
  ``"\\n".join(page texts)`` gives), a line that ends in a hyphen after a letter is joined
  to the next line with U+FFFE and no line break ("non\\ufffesteroidal"), and the header
  table reads "Priority: Standard Application \\r\\nReceived: \\r\\n01/17/2017".
* Text letters come in three flavours chosen per letter: "pdfium" (byte-for-byte what
  extracting the PDF gives), "lf" (same lines, LF endings, real hyphens, no U+FFFE) and
  "crlf" (CRLF everywhere, real hyphens).

Case numbers are ``CM{yy}-{7 digits}`` with ``yy`` the year the application was received
and the 7 digits a bijection of the letter's index into 1000000..9999999 (above any real
MAXIMUS sequence, so synthetic letters never collide with real ones). They depend on the
index only: use distinct ``--start`` ranges, not seeds, for disjoint batches.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import re
import sys
import time
from bisect import bisect_right
from itertools import accumulate
from pathlib import Path

# --------------------------------------------------------------------------- layout

PAGE_W, PAGE_H = 612.0, 792.0  # US letter, points
MARGIN = 72.0
TEXT_W = PAGE_W - 2 * MARGIN  # 468 pt, as in the real letters
FONT_SIZE = 12.0
LEADING = 13.8
TOP_Y = 100.0  # first baseline, from the top of the page
BOTTOM_Y = PAGE_H - MARGIN  # last baseline allowed
HEADER_ROWS = (100.0, 113.0, 126.0, 139.0)  # baselines of the header table rows
HEADER_COL2 = 300.0  # second column of the header table
HEADER_COL3 = 396.0  # third column (the Application Received value)
FIRST_HEADING_Y = 178.0

# Times-Roman advance widths (1/1000 em) for ASCII 32..126, from the standard AFM.
_TIMES = [250, 333, 408, 500, 500, 833, 778, 180, 333, 333, 500, 564, 250, 333, 250, 278, 500, 500,
          500, 500, 500, 500, 500, 500, 500, 500, 278, 278, 564, 564, 564, 444, 921, 722, 667, 667,
          722, 611, 556, 722, 722, 333, 389, 722, 611, 889, 722, 722, 556, 722, 667, 556, 611, 722,
          722, 944, 722, 722, 611, 333, 278, 333, 469, 500, 333, 444, 500, 444, 500, 444, 333, 500,
          500, 278, 278, 500, 278, 778, 500, 500, 500, 500, 333, 389, 278, 500, 500, 722, 500, 500,
          444, 480, 200, 480, 541]
CHAR_W = {chr(32 + i): w for i, w in enumerate(_TIMES)}
CHAR_W["\xb0"] = 400
# Times-Bold, for the bold labels and item headings.
_TIMES_B = [250, 333, 555, 500, 500, 1000, 833, 278, 333, 333, 500, 570, 250, 333, 250, 278, 500, 500,
            500, 500, 500, 500, 500, 500, 500, 500, 333, 333, 570, 570, 570, 500, 930, 722, 667, 722,
            722, 667, 611, 778, 778, 389, 500, 778, 667, 944, 722, 778, 611, 778, 722, 556, 667, 722,
            722, 1000, 722, 722, 667, 333, 278, 333, 581, 500, 333, 500, 556, 444, 556, 444, 333, 500,
            556, 278, 333, 556, 278, 833, 556, 500, 556, 556, 444, 389, 333, 556, 500, 722, 500, 500,
            444, 394, 220, 394, 520]
CHAR_WB = {chr(32 + i): w for i, w in enumerate(_TIMES_B)}
SPACE_W = 250
LINE_UNITS = TEXT_W * 1000 / FONT_SIZE  # 39000 units of 1/1000 em at 12 pt
_WORD_W: dict[str, int] = {}
_WORD_WB: dict[str, int] = {}


def _word_w(word: str, bold: bool = False) -> int:
    cache = _WORD_WB if bold else _WORD_W
    w = cache.get(word)
    if w is None:
        get = (CHAR_WB if bold else CHAR_W).get
        w = sum(get(c, 500) for c in word)
        if len(cache) > 200_000:
            cache.clear()
        cache[word] = w
    return w


def wrap(text: str, nbold: int = 0) -> list[tuple[str, int]]:
    """Greedy Word-like wrap: break at spaces (the space stays at the end of the line) or
    after a hyphen inside a word; a line's width excludes its trailing space. The first
    nbold characters of text are bold. Returns (line, bold characters at its start).

    Word widths are summed once (itertools.accumulate) and each line end is found by
    bisection, so the Python-level work is per line, not per word."""
    words = text.split(" ")
    get = _WORD_W.get
    widths = list(map(get, words))
    if None in widths:
        widths = [w if w is not None else _word_w(words[i]) for i, w in enumerate(widths)]
    if nbold:
        off = 0
        for i, word in enumerate(words):
            if off >= nbold:
                break
            widths[i] = _word_w(word, True)
            off += len(word) + 1
    step = SPACE_W
    cum = list(accumulate((w + step for w in widths), initial=0))
    n = len(words)
    reach = LINE_UNITS + step
    lines: list[tuple[str, int]] = []
    a = 0
    adj = 0  # width removed from words[a] when it is the rest of a hyphen-broken word
    first = words[0] if n else ""
    start = 0  # character offset in text of the current line
    while True:
        if a > 0 and first == "" and a < n:  # a run of spaces at a line start is dropped
            start += 1
            a += 1
            adj = 0
            first = words[a] if a < n else ""
            continue
        base = cum[a] + adj
        b = bisect_right(cum, base + reach, a + 1) - 1
        if b <= a:
            b = a + 1
        if b >= n:
            line = " ".join([first] + words[a + 1:n])
            lines.append((line, min(len(line), max(0, nbold - start))))
            return lines
        nxt = words[b]
        if "-" in nxt[1:-1]:
            bold = nbold > 0 and _offset(words, b) < nbold
            room = LINE_UNITS - (cum[b] - base - step) - step
            cut = -1
            pos = nxt.find("-", 1)
            while 0 < pos < len(nxt) - 1:
                if nxt[pos - 1].isalnum() and nxt[pos + 1].isalnum() and _word_w(nxt[:pos + 1], bold) <= room:
                    cut = pos
                pos = nxt.find("-", pos + 1)
            if cut > 0:
                line = " ".join([first] + words[a + 1:b] + [nxt[:cut + 1]])
                lines.append((line, min(len(line), max(0, nbold - start))))
                start += len(line)
                rest = nxt[cut + 1:]
                adj = widths[b] - _word_w(rest, bold)
                a, first = b, rest
                continue
        line = " ".join([first] + words[a + 1:b]) + " "
        lines.append((line, min(len(line), max(0, nbold - start))))
        start += len(line)
        a, adj, first = b, 0, words[b]


def _offset(words: list[str], i: int) -> int:
    return sum(len(w) + 1 for w in words[:i])


class Layout:
    """Lines placed on pages. Each line is (y, kind, text, nbold) with kind "b" (body,
    Times, the first nbold characters bold) or "h" (centred bold heading). Page 1 also
    carries the header table."""

    __slots__ = ("pages", "header", "y")

    def __init__(self, header: list[tuple[str, str]]):
        self.header = header  # [(label, value), ...] 8 cells, see _header_cells
        self.pages: list[list[tuple[float, str, str, int]]] = [[]]
        self.y = FIRST_HEADING_Y - LEADING

    def _place(self, kind: str, text: str, gap: float, nbold: int = 0) -> None:
        y = self.y + gap + LEADING
        if y > BOTTOM_Y:
            self.pages.append([])
            y = TOP_Y
        self.pages[-1].append((y, kind, text, nbold))
        self.y = y

    def heading(self, text: str, gap: float = LEADING) -> None:
        self._place("h", text, gap)

    def para(self, lines: list[tuple[str, int]], gap: float) -> None:
        first = True
        for line, nb in lines:
            self._place("b", line, gap if first else 0.0, nb)
            first = False


def _join_page(texts: list[str], clean: bool, nl: str) -> str:
    """Join one page's lines as pdfium does (clean=False) or plainly (clean=True)."""
    if clean:
        return nl.join(t for t in texts)
    # pdfium also collapses runs of spaces into one.
    texts = [t.replace("  ", " ") if "  " in t else t for t in texts]
    out: list[str] = []
    n = len(texts)
    i = 0
    while i < n:
        t = texts[i]
        # pdfium: a line ending in '-' after a letter, followed by a line starting with a
        # letter or digit, is joined with U+FFFE (trailing spaces dropped).
        while i + 1 < n:
            s = t.rstrip(" ")
            nxt = texts[i + 1]
            if len(s) >= 2 and s[-1] == "-" and s[-2].isalpha() and nxt[:1].isalnum():
                t = s[:-1] + "\ufffe" + nxt
                i += 1
            else:
                break
        out.append(t)
        i += 1
    return "\r\n".join(out)


def render_text(layout: Layout, style: str = "pdfium") -> str:
    """The letter as text. "pdfium": what pypdfium2 extraction joined with "\\n" gives for
    the PDF of this layout; "lf"/"crlf": the same lines with plain hyphens and uniform
    line endings."""
    pages = []
    for pno, page in enumerate(layout.pages):
        texts = []
        if pno == 0:
            texts.extend(_header_text_lines(layout.header))
        texts.extend(t for _, _, t, _ in page)
        if style == "pdfium":
            pages.append(_join_page(texts, False, "\r\n"))
        elif style == "lf":
            pages.append(_join_page(texts, True, "\n"))
        else:
            pages.append(_join_page(texts, True, "\r\n"))
    return ("\r\n" if style == "crlf" else "\n").join(pages)


def _header_text_lines(h: list[tuple[str, str]]) -> list[str]:
    (l1, v1), (l2, v2), (l3, v3), (l4, v4), (l5, v5), (l6, v6), (l7, v7) = h
    return [
        f"{l1} {v1}",
        f"{l2} {v2} {l3} {v3}",
        f"{l4} {v4} {l5} {v5}",
        f"{l6} {v6} Application ",
        "Received: ",
        v7,
    ]


def render_pdf(layout: Layout, path: Path | str, when: dt.date) -> None:
    from fpdf import FPDF

    pdf = FPDF(unit="pt", format="letter")
    pdf.set_auto_page_break(False)
    pdf.set_creation_date(dt.datetime(when.year, when.month, when.day, 12, 0, tzinfo=dt.timezone.utc))
    pdf.set_creator("imrdb synthetic corpus (benchmarks/corpus.py)")
    for pno, page in enumerate(layout.pages):
        pdf.add_page()
        if pno == 0:
            _pdf_header(pdf, layout.header)
        font = None
        for y, kind, text, nb in page:
            if kind == "h":
                if font != "B":
                    pdf.set_font("Times", "B", FONT_SIZE)
                    font = "B"
                pdf.text((PAGE_W - pdf.get_string_width(text)) / 2, y, text)
                continue
            x = MARGIN
            if nb:
                if font != "B":
                    pdf.set_font("Times", "B", FONT_SIZE)
                    font = "B"
                bold = text[:nb]
                pdf.text(x, y, bold)
                if nb == len(text):
                    continue
                x += pdf.get_string_width(bold)
                text = text[nb:]
            if font != "R":
                pdf.set_font("Times", "", FONT_SIZE)
                font = "R"
            pdf.text(x, y, text)
    pdf.output(str(path))


def _pdf_header(pdf, h: list[tuple[str, str]]) -> None:
    (l1, v1), (l2, v2), (l3, v3), (l4, v4), (l5, v5), (l6, v6), (l7, v7) = h
    r1, r2, r3, r4 = HEADER_ROWS

    def cell(x: float, y: float, label: str, value: str | None) -> None:
        pdf.set_font("Helvetica", "B", 10.5)
        pdf.text(x, y, label + " ")
        if value is not None:
            x2 = x + pdf.get_string_width(label + " ")
            pdf.set_font("Helvetica", "", 10.5)
            pdf.text(x2, y, value)

    cell(MARGIN, r1, l1, v1)
    cell(MARGIN, r2, l2, v2)
    cell(HEADER_COL2, r2, l3, v3)
    cell(MARGIN, r3, l4, v4)
    cell(HEADER_COL2, r3, l5, v5)
    cell(MARGIN, r4, l6, v6)
    pdf.set_font("Helvetica", "B", 10.5)
    pdf.text(HEADER_COL2, r4, "Application ")
    pdf.text(HEADER_COL2, r4 + 13.0, "Received: ")
    pdf.set_font("Helvetica", "", 10.5)
    pdf.text(HEADER_COL3, r4, v7)


# --------------------------------------------------------------------------- vocabulary

NUM_WORDS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
             "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen",
             "eighteen", "nineteen", "twenty", "twenty-one", "twenty-two", "twenty-three",
             "twenty-four"]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December"]

SPECIALTY_PROFILES = [  # (weight, specialties in letter order)
    (18, ("Preventive Medicine", "Occupational Medicine")),
    (4, ("Preventive Medicine", "Occupational Medicine", "Medical Toxicology")),
    (2, ("Preventive Medicine", "Occupational Medicine", "Public Health & General Preventive Medicine")),
    (1, ("Preventive Medicine", "Occupational Medicine", "Family Practice")),
    (14, ("Family Practice",)),
    (3, ("Family Practice", "Sports Medicine")),
    (8, ("Physical Medicine & Rehabilitation",)),
    (6, ("Physical Medicine & Rehabilitation", "Pain Management")),
    (3, ("Physical Medicine & Rehabilitation", "Sports Medicine")),
    (1, ("Physical Medicine & Rehabilitation", "Pain Management", "Occupational Medicine")),
    (4, ("Anesthesiology", "Pain Management")),
    (2, ("Anesthesiology",)),
    (1, ("Anesthesiology", "Pain Management", "Hospice & Palliative Medicine")),
    (7, ("Internal Medicine",)),
    (1, ("Internal Medicine", "Rheumatology")),
    (1, ("Internal Medicine", "Hospice & Palliative Medicine")),
    (1, ("Internal Medicine", "Cardiovascular Disease")),
    (1, ("Internal Medicine", "Pulmonary Disease")),
    (6, ("Orthopedic Surgery",)),
    (3, ("Orthopedic Surgery", "Sports Medicine")),
    (1, ("Orthopedic Surgery", "Hand Surgery")),
    (1, ("Orthopedic Surgery", "Spine Surgery")),
    (2, ("Emergency Medicine",)),
    (3, ("Psychiatry",)),
    (1, ("Psychiatry", "Addiction Medicine")),
    (2, ("Psychology",)),
    (2, ("Neurology",)),
    (1, ("Neurology", "Clinical Neurophysiology")),
    (1, ("Neurological Surgery",)),
    (1, ("Surgery",)),
    (1, ("Plastic Surgery", "Hand Surgery")),
    (1, ("Chiropractic",)),
    (1, ("Acupuncture",)),
    (1, ("Podiatric Surgery",)),
    (1, ("Otolaryngology",)),
]
# What the prose credential style says for a primary specialty ("Board Certified in X").
STATES = ["Texas", "New York", "Florida", "Arizona", "Nevada", "Oregon", "Washington",
          "Pennsylvania", "New Jersey", "North Carolina", "South Carolina", "Virginia", "Maryland",
          "Ohio", "Illinois", "Michigan", "Georgia", "Massachusetts", "Connecticut", "Colorado",
          "Utah", "New Mexico", "Missouri", "Mississippi", "Montana", "Iowa", "Indiana",
          "West Virginia", "Tennessee", "Kentucky", "Louisiana", "Minnesota", "Wisconsin", "Hawaii",
          "Oklahoma", "Kansas", "Alabama", "Idaho", "Wyoming", "Delaware"]
STATE_W = [30, 16, 10, 6, 5, 4, 4, 5, 6, 5, 3, 4, 4, 4, 3, 3, 3, 3, 2, 3, 2, 2, 2, 1, 1, 1, 2, 2, 2,
           1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]


def _reviewer_pool(n: int = 600) -> list[tuple[tuple[str, ...], tuple[str, ...]]]:
    """A fixed pool of reviewer profiles, so profiles recur across letters as real ones do."""
    r = random.Random("imrdb-reviewers-v1")
    weights = [w for w, _ in SPECIALTY_PROFILES]
    specs = [s for _, s in SPECIALTY_PROFILES]
    pool = []
    for _ in range(n):
        sp = r.choices(specs, weights)[0]
        k = r.choices((1, 2, 3), (55, 33, 12))[0]
        states: list[str] = []
        if r.random() < 0.8:
            states.append("California")
        while len(states) < k:
            s = r.choices(STATES, STATE_W)[0]
            if s not in states:
                states.append(s)
        if r.random() < 0.5:
            r.shuffle(states)
        pool.append((sp, tuple(states)))
    return pool


REVIEWERS = _reviewer_pool()
REVIEWER_W = [1.0 / (i + 3) ** 0.9 for i in range(len(REVIEWERS))]  # a few busy reviewers
REVIEWER_CW = [sum(REVIEWER_W[:i + 1]) for i in range(len(REVIEWER_W))]

# Body parts: (phrase, region key, side-able)
REGIONS = {
    "low_back": dict(ch="Low Back Complaints", no=12, odg="Low Back - Lumbar & Thoracic (Acute & Chronic)",
                     odg_short="Low Back", pages=["303-305", "308-310", "298-301", "300"], acoem3="Low Back Disorders"),
    "neck": dict(ch="Neck and Upper Back Complaints", no=8, odg="Neck and Upper Back (Acute & Chronic)",
                 odg_short="Neck and Upper Back", pages=["177-179", "181-183", "174"], acoem3="Cervical and Thoracic Spine Disorders"),
    "shoulder": dict(ch="Shoulder Complaints", no=9, odg="Shoulder (Acute & Chronic)", odg_short="Shoulder",
                     pages=["207-209", "209-210", "213"], acoem3="Shoulder Disorders"),
    "elbow": dict(ch="Elbow Disorders (Revised 2007)", no=10, odg="Elbow (Acute & Chronic)", odg_short="Elbow",
                  pages=["33-34", "42"], acoem3="Elbow Disorders"),
    "hand": dict(ch="Forearm, Wrist, and Hand Complaints", no=11, odg="Forearm, Wrist, & Hand (Acute & Chronic)",
                 odg_short="Forearm, Wrist & Hand", pages=["268-269", "270", "265"], acoem3="Hand, Wrist, and Forearm Disorders"),
    "knee": dict(ch="Knee Complaints", no=13, odg="Knee & Leg (Acute & Chronic)", odg_short="Knee & Leg",
                 pages=["341-343", "344-345", "346"], acoem3="Knee Disorders"),
    "ankle": dict(ch="Ankle and Foot Complaints", no=14, odg="Ankle & Foot (Acute & Chronic)", odg_short="Ankle & Foot",
                  pages=["372-374", "371"], acoem3="Ankle and Foot Disorders"),
    "hip": dict(ch=None, no=None, odg="Hip & Pelvis (Acute & Chronic)", odg_short="Hip & Pelvis",
                pages=[], acoem3="Hip and Groin Disorders"),
    "head": dict(ch=None, no=None, odg="Head", odg_short="Head", pages=[], acoem3="Traumatic Brain Injury"),
    "psych": dict(ch="Stress Related Conditions", no=15, odg="Mental Illness & Stress", odg_short="Mental Illness & Stress",
                  pages=["398", "405"], acoem3="Workplace Mental Health"),
}
PARTS = [  # (phrase, region, weight)
    ("lumbar spine", "low_back", 26), ("cervical spine", "neck", 14), ("thoracic spine", "low_back", 2),
    ("shoulder", "shoulder", 14), ("knee", "knee", 12), ("wrist", "hand", 5), ("hand", "hand", 3),
    ("elbow", "elbow", 3), ("hip", "hip", 4), ("ankle", "ankle", 3), ("foot", "ankle", 2),
    ("lumbosacral spine", "low_back", 2),
]
PARTS_CW = [sum(w for *_, w in PARTS[:i + 1]) for i in range(len(PARTS))]
_REGION_PARTS = {r: tuple(p for p, rr, _ in PARTS if rr == r) for _, r, _ in PARTS}
SIDED = {"shoulder", "knee", "wrist", "hand", "elbow", "hip", "ankle", "foot"}

DIAGNOSES = {
    "low_back": ["lumbar sprain/strain", "lumbar radiculopathy", "L5-S1 disc protrusion",
                 "lumbar degenerative disc disease", "lumbar facet arthropathy", "chronic low back pain",
                 "lumbar spinal stenosis", "L4-L5 disc herniation", "lumbar myofascial pain",
                 "status post lumbar fusion", "sacroiliac joint dysfunction"],
    "neck": ["cervical strain", "cervical radiculopathy", "C5-C6 disc herniation", "cervicalgia",
             "cervical degenerative disc disease", "cervical myofascial pain", "neck muscle strain"],
    "shoulder": ["shoulder impingement syndrome", "rotator cuff tear", "shoulder strain",
                 "adhesive capsulitis", "acromioclavicular joint arthrosis", "rotator cuff tendinitis",
                 "labral tear of the shoulder"],
    "knee": ["medial meniscus tear", "knee sprain", "patellofemoral syndrome", "knee osteoarthritis",
             "chondromalacia patella", "knee contusion", "internal derangement of the knee"],
    "hand": ["carpal tunnel syndrome", "de Quervain's tenosynovitis", "wrist sprain", "trigger finger",
             "hand contusion", "wrist tendinitis"],
    "elbow": ["lateral epicondylitis", "cubital tunnel syndrome", "medial epicondylitis"],
    "hip": ["hip strain", "trochanteric bursitis", "hip osteoarthritis", "hip contusion"],
    "ankle": ["ankle sprain", "plantar fasciitis", "foot contusion", "Achilles tendinitis"],
    "head": ["post-concussion syndrome", "post-traumatic headaches", "head contusion"],
    "psych": ["major depressive disorder", "generalized anxiety disorder", "insomnia",
              "adjustment disorder with mixed anxiety and depressed mood", "chronic pain syndrome"],
}
COMPLAINTS = {"low_back": "chronic low back pain", "neck": "chronic neck pain", "shoulder": "shoulder pain",
              "knee": "knee pain", "hand": "wrist and hand pain", "elbow": "elbow pain", "hip": "hip pain",
              "ankle": "ankle and foot pain", "head": "headaches", "psych": "psychological stress"}
MECHANISMS = ["lifting heavy boxes", "a slip and fall", "cumulative trauma", "a trip and fall",
              "repetitive work", "a motor vehicle accident", "pulling a pallet jack", "a fall from a ladder",
              "being struck by a falling object", "restraining a combative patient",
              "repetitive keyboarding", "loading a truck", "twisting while carrying a load",
              "pushing a heavy cart", "a fall down stairs", "catching a falling coworker"]
OCCUPATIONS = ["warehouse worker", "truck driver", "custodian", "correctional officer", "nurse",
               "cashier", "farm laborer", "bus driver", "police officer", "firefighter",
               "clerical worker", "machine operator", "caregiver", "teacher", "delivery driver",
               "construction worker", "housekeeper", "mechanic", "grocery clerk", "electrician"]
FINDINGS = {
    "low_back": ["a 3-mm disc protrusion at L4-L5 with mild neural foraminal narrowing",
                 "mild central canal stenosis at L5-S1", "multilevel degenerative disc disease",
                 "a 4-mm broad-based disc bulge at L5-S1 abutting the descending S1 nerve root",
                 "no acute fracture or subluxation"],
    "neck": ["a 2-mm disc bulge at C5-C6 without cord impingement", "multilevel cervical spondylosis",
             "mild foraminal narrowing at C6-C7", "straightening of the normal cervical lordosis"],
    "shoulder": ["a partial-thickness supraspinatus tear", "a full-thickness supraspinatus tear",
                 "acromioclavicular joint arthrosis with subacromial bursitis", "a SLAP tear"],
    "knee": ["a tear of the posterior horn of the medial meniscus", "tricompartmental osteoarthritis",
             "a joint effusion without internal derangement", "chondromalacia of the patella"],
    "hand": ["mild tenosynovitis", "no acute osseous abnormality", "a small ganglion cyst"],
    "elbow": ["common extensor tendinosis", "no acute abnormality"],
    "hip": ["mild degenerative changes of the hip joint", "a labral tear", "no acute fracture"],
    "ankle": ["a partial tear of the anterior talofibular ligament", "plantar fascia thickening"],
    "head": ["no acute intracranial abnormality"],
    "psych": ["elevated scores on the Beck Depression Inventory"],
}

# Drugs: (name, strengths, topic, typical quantities)
DRUGS = [
    ("Norco", ["10/325mg", "10/325 mg", "7.5/325mg", "5/325mg"], "opioid", [60, 90, 120, 180, 240]),
    ("Hydrocodone/APAP", ["10/325mg", "10/325 mg", "7.5/325mg"], "opioid", [60, 90, 120, 180]),
    ("Percocet", ["10/325mg", "5/325mg"], "opioid", [60, 90, 120]),
    ("Oxycodone", ["15mg", "10mg", "30mg"], "opioid", [60, 90, 120, 180]),
    ("OxyContin", ["20mg", "40mg", "10mg"], "opioid", [60, 90]),
    ("Tramadol", ["50mg", "50 mg"], "opioid", [60, 90, 120]),
    ("Tramadol ER", ["150mg", "100mg"], "opioid", [30, 60]),
    ("Ultram", ["50mg"], "opioid", [60, 90, 120]),
    ("Nucynta", ["50mg", "100mg"], "opioid", [60, 90]),
    ("Butrans patch", ["10mcg/hr", "5mcg/hr"], "opioid", [4, 8]),
    ("Fentanyl patch", ["25mcg/hr", "50mcg/hr"], "opioid", [10, 15]),
    ("Morphine sulfate ER", ["30mg", "15mg"], "opioid", [60, 90]),
    ("Tylenol with Codeine #3", ["300/30mg"], "opioid", [60, 90]),
    ("Soma", ["350mg", "350 mg"], "relaxant", [30, 60, 90, 120]),
    ("Carisoprodol", ["350mg"], "relaxant", [60, 90, 120]),
    ("Cyclobenzaprine", ["7.5mg", "10mg", "5mg"], "relaxant", [30, 60, 90]),
    ("Flexeril", ["10mg", "7.5mg"], "relaxant", [30, 60, 90]),
    ("Tizanidine", ["4mg", "2mg"], "relaxant", [60, 90, 120]),
    ("Zanaflex", ["4mg"], "relaxant", [60, 90]),
    ("Baclofen", ["10mg", "20mg"], "relaxant", [60, 90]),
    ("Methocarbamol", ["750mg", "500mg"], "relaxant", [60, 90]),
    ("Orphenadrine ER", ["100mg"], "relaxant", [60, 90]),
    ("Naproxen", ["550mg", "500mg"], "nsaid", [60, 90, 100]),
    ("Naproxen sodium", ["550mg"], "nsaid", [60, 90]),
    ("Anaprox DS", ["550mg"], "nsaid", [60]),
    ("Ibuprofen", ["800mg", "600mg"], "nsaid", [60, 90, 120]),
    ("Motrin", ["800mg", "600mg"], "nsaid", [60, 90]),
    ("Meloxicam", ["15mg", "7.5mg"], "nsaid", [30, 60]),
    ("Celebrex", ["200mg", "100mg"], "nsaid", [30, 60, 90]),
    ("Diclofenac sodium ER", ["100mg"], "nsaid", [30, 60, 90]),
    ("Voltaren", ["75mg", "100mg"], "nsaid", [60]),
    ("Etodolac", ["400mg", "500mg"], "nsaid", [60, 90]),
    ("Nabumetone", ["750mg", "500mg"], "nsaid", [60, 90]),
    ("Omeprazole", ["20mg", "20 mg", "40mg"], "ppi", [30, 60, 90]),
    ("Prilosec", ["20mg"], "ppi", [30, 60, 90]),
    ("Pantoprazole", ["20mg", "40mg"], "ppi", [30, 60]),
    ("Protonix", ["40mg", "20mg"], "ppi", [30, 60]),
    ("Ranitidine", ["150mg"], "ppi", [60]),
    ("Gabapentin", ["600mg", "300mg", "800mg"], "aed", [60, 90, 120, 180]),
    ("Neurontin", ["300mg", "600mg"], "aed", [90, 120]),
    ("Lyrica", ["75mg", "50mg", "150mg"], "aed", [60, 90]),
    ("Topiramate", ["50mg", "25mg"], "aed", [60]),
    ("Cymbalta", ["60mg", "30mg"], "antidepressant", [30, 60]),
    ("Duloxetine", ["30mg", "60mg"], "antidepressant", [30, 60]),
    ("Amitriptyline", ["25mg", "10mg"], "antidepressant", [30, 60]),
    ("Nortriptyline", ["25mg", "10mg"], "antidepressant", [30, 60]),
    ("Trazodone", ["50mg", "100mg"], "sleep", [30, 60]),
    ("Venlafaxine HCL ER", ["37.5mg", "75mg"], "antidepressant", [30, 60, 90]),
    ("Ambien", ["10mg", "5mg"], "sleep", [30]),
    ("Zolpidem", ["10mg", "5mg"], "sleep", [30]),
    ("Lunesta", ["3mg", "2mg"], "sleep", [30]),
    ("Xanax", ["1mg", "0.5mg", "2mg"], "benzo", [30, 60, 90]),
    ("Alprazolam", ["0.5mg", "1mg"], "benzo", [30, 60]),
    ("Valium", ["10mg", "5mg"], "benzo", [30, 60]),
    ("Klonopin", ["1mg", "0.5mg"], "benzo", [30, 60]),
    ("Lidoderm", ["5% patch", "5% patches"], "topical", [30, 60, 90]),
    ("Lidocaine", ["5% patches", "5% ointment"], "topical", [30, 60]),
    ("Flector", ["1.3% patch", "1.3% transdermal patch"], "topical", [30, 60]),
    ("Voltaren", ["1% gel"], "topical", [1, 2, 3]),
    ("Terocin", ["patches"], "topical", [10, 20, 30]),
    ("Menthoderm", ["gel 120gm"], "topical", [1, 2]),
    ("Docusate sodium", ["100mg"], "constipation", [60, 100]),
    ("Senokot-S", ["8.6/50mg"], "constipation", [60, 100]),
    ("Colace", ["100mg"], "constipation", [60]),
    ("Ondansetron", ["8mg", "4mg"], "antiemetic", [10, 20, 30]),
    ("Fioricet", ["50/325/40mg"], "headache", [30, 60, 120]),
    ("Sumatriptan", ["50mg", "100mg"], "headache", [9, 18]),
]
COMPOUNDS = [
    "Flurbiprofen 20%/Lidocaine 5% cream 180gm",
    "Flurbiprofen 10%, Cyclobenzaprine 3%, Gabapentin 6%, Lidocaine 5% cream 240gm",
    "Ketoprofen 20% in cream base 240g",
    "Cyclobenzaprine 5% in cream base 240g",
    "Gabapentin 10%/Amitriptyline 10%/Bupivacaine 5% in cream base 210gm",
    "Compound cream: Capsaicin 0.025%, Flurbiprofen 15%, Gabapentin 10%, Menthol 2%, Camphor 2% 180gm",
    "Flurbiprofen 10%/Dextromethorphan 5%/Lidocaine 5% cream 240gm",
    "Tramadol 8%/Gabapentin 10%/Menthol 2%/Camphor 2% cream 30gm",
    "Amitriptyline 4%/Dextromethorphan 10%/Tramadol 20% 240gm",
    "Deprizine (unknown quantity)", "Fanatrex (unknown quantity)", "Synapryn (unknown quantity)",
    "Tabradol (unknown quantity)", "Dicopanol (unknown quantity)", "Ketophene (unknown quantity)",
    "Synapryn 10mg/1ml oral suspension 500ml", "Tabradol 1mg/ml oral suspension 250ml",
    "Fanatrex 25mg/ml oral suspension 420ml", "Theramine #120", "Sentradine #60",
    "Medical food: Trepadone #120",
]
# Category weights for disputed items.
CATEGORIES = [("drug", 40), ("compound", 5), ("imaging", 14), ("electro", 5), ("therapy", 12),
              ("psych", 3), ("injection", 7), ("surgery", 4), ("periop", 2), ("dme", 7),
              ("consult", 5), ("program", 2), ("home_health", 1.5), ("transport", 1.5), ("lab", 3)]
CAT_NAMES = [c for c, _ in CATEGORIES]
CAT_W = [w for _, w in CATEGORIES]
CAT_CW = [sum(CAT_W[:i + 1]) for i in range(len(CAT_W))]


# --------------------------------------------------------------------------- helpers

def _fmt_date(d: dt.date, style: str) -> str:
    if style == "long":
        return f"{MONTHS[d.month - 1]} {d.day}, {d.year}"
    if style == "long0":
        return f"{MONTHS[d.month - 1]} {d.day:02d}, {d.year}"
    if style == "slash":
        return f"{d.month:02d}/{d.day:02d}/{d.year}"
    if style == "slash_short":
        return f"{d.month}/{d.day}/{d.year % 100:02d}"
    if style == "dash":
        return f"{d.month:02d}-{d.day:02d}-{d.year}"
    if style == "dash_short":
        return f"{d.month:02d}-{d.day:02d}-{d.year % 100:02d}"
    if style == "dash_nopad":
        return f"{d.month}-{d.day}-{d.year % 100:02d}"
    return d.isoformat()


def _hdr_date(d: dt.date) -> str:
    return f"{d.month:02d}/{d.day:02d}/{d.year}"


def _lc_first(s: str) -> str:
    """Lower-case the first letter unless the first word looks like an acronym or name."""
    if not s:
        return s
    w = s.split(" ", 1)[0]
    if len(w) > 1 and (w[1].isupper() or any(c.isdigit() for c in w)):
        return s
    if w in ("Norco", "Soma") or w[:1].isupper() and w.lower() not in _COMMON_LC:
        return s
    return s[0].lower() + s[1:]


_COMMON_LC = {"physical", "acupuncture", "chiropractic", "retro", "retrospective", "additional",
              "aquatic", "occupational", "massage", "home", "transportation", "functional",
              "pain", "orthopedic", "neurology", "psychological", "follow", "follow-up", "purchase",
              "lumbar", "cervical", "right", "left", "bilateral", "trigger", "medial", "series",
              "urine", "sleep", "genetic", "hospital", "front-wheeled", "shower", "cold", "hot/cold",
              "interferential", "continuous", "back", "knee", "one", "two", "three", "six", "twelve",
              "eight", "prospective", "unknown", "post-operative", "pre-operative", "pre-op",
              "assistant", "spinal", "repeat", "diagnostic", "bone", "x-rays", "x-ray", "ultrasound",
              "weight", "gym", "partial", "comprehensive", "cognitive", "group", "biofeedback",
              "psychotherapy", "psychiatric", "internal", "podiatry", "audiology", "bilateral",
              "extracorporeal", "work", "radiofrequency", "cortisone", "platelet-rich", "epidural",
              "anterior", "total", "arthroscopic", "compound", "medical", "magnetic"}


def _join_and(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + ", and " + items[-1] if len(items) > 2 else f"{items[0]} and {items[1]}"


def _pick_part(rng: random.Random, region: str | None = None) -> tuple[str, str]:
    """(phrase with side if any, region)."""
    if region is None:
        phrase, reg, _ = rng.choices(PARTS, cum_weights=PARTS_CW)[0]
    else:
        cands = [p for p in PARTS if p[1] == region] or [("hip", "hip", 1)]
        phrase, reg, _ = rng.choice(cands)
    if phrase in SIDED:
        side = rng.choices(("right", "left", "bilateral"), (45, 40, 15))[0]
        if side == "bilateral":
            phrase = {"knee": "bilateral knees", "shoulder": "bilateral shoulders", "wrist": "bilateral wrists",
                      "hand": "bilateral hands", "hip": "bilateral hips", "ankle": "bilateral ankles",
                      "foot": "bilateral feet", "elbow": "bilateral elbows"}[phrase]
        else:
            phrase = f"{side} {phrase}"
    return phrase, reg


# --------------------------------------------------------------------------- items

class Item:
    __slots__ = ("desc", "topic", "region", "part", "name", "orig", "auth", "mod_style", "decision")

    def __init__(self, desc, topic, region, part=None, name=None):
        self.desc = desc  # the disputed item as the heading states it
        self.topic = topic
        self.region = region
        self.part = part
        self.name = name or desc
        self.orig = None
        self.auth = None
        self.mod_style = None
        self.decision = None


def _qty_word(n: int) -> str:
    return NUM_WORDS[n] if n < len(NUM_WORDS) else {30: "thirty", 60: "sixty", 90: "ninety", 120: "one hundred twenty",
                                                    180: "one hundred eighty", 240: "two hundred forty"}.get(n, str(n))


def _drug_item(rng: random.Random, old: bool) -> Item:
    name, strengths, topic, qtys = rng.choice(DRUGS)
    s = rng.choice(strengths)
    q = rng.choice(qtys)
    region = "psych" if topic in ("sleep", "benzo", "antidepressant") and rng.random() < 0.5 else None
    form = rng.random()
    if form < 0.40:
        d = f"{name} {s} #{q}"
    elif form < 0.47:
        d = f"{name} {s}, #{q}"
    elif form < 0.55:
        r = rng.choice((1, 2, 3, 5))
        d = f"{name} {s} #{q} with {r} refill{'s' if r > 1 else ''}"
    elif form < 0.63:
        d = rng.choice((f"Retro {name} {s} #{q}", f"Retrospective {name} {s} #{q}",
                        f"Retrospective {name} {s} #{q} (DOS: {{dos}})",
                        f"Retrospective request for {name} {s} #{q} (DOS {{dos}})"))
    elif form < 0.67:
        d = f"{name} {s}, {_qty_word(q)} count" if q in (30, 60, 90, 120, 180, 240) else f"{name} {s} #{q}"
    elif form < 0.72:
        d = rng.choice((f"{name} {s} QTY: {q}", f"{name} {s} Qty {q}", f"{name} {s} QTY: {q}.00"))
    elif form < 0.75:
        r = rng.choice((1, 2, 3))
        d = f"{name} {s} TA #{q} with {r} refills QTY:{q * (r + 1)}"
    elif form < 0.81:
        d = name if rng.random() < 0.7 else f"{name} {s}"
    elif form < 0.84:
        d = rng.choice((f"{name} (unknown quantity)", f"Unknown prescription of {name}",
                        f"{name} {s} (quantity unspecified)"))
    elif form < 0.90:
        d = rng.choice((f"1 prescription of {name} {s} #{q}",
                        f"Prospective request for 1 prescription of {name} {s} #{q}"))
    elif form < 0.95:
        sig = rng.choice(("1 tab by mouth twice daily", "one tablet every 6 hours as needed", "1 PO BID",
                          "1 tab q6h PRN pain", "one by mouth at bedtime", "1 PO TID"))
        d = f"{name} {s} {sig} #{q}"
    else:
        d = f"{name} {s} #{q}"
    if old and rng.random() < 0.15:
        d = d.upper().replace("{DOS}", "{dos}")
    it = Item(d, topic, region, name=name)
    it.part = (s, q)
    return it


_REFILLS = re.compile(r" with (\d+) refills?$")


def _modify(rng: random.Random, it: Item, cat: str) -> None:
    """Turn an item into a modified request, if its wording allows."""
    d = it.desc
    style = "remaining" if rng.random() < 0.8 else "eligible"
    if cat == "drug" and "#" in d and " with " not in d and "QTY" not in d.upper() and "refill" not in d and " #3" not in d:
        head, _, q = d.rpartition("#")
        if not q.isdigit():
            return
        q = int(q)
        if q < 8:
            return
        a = rng.randint(max(1, q // 6), q - max(1, q // 6))
        it.orig = d
        it.auth = f"{head}#{a}"
        it.desc = f"{head}#{q - a}" if style == "remaining" else d
    elif cat == "drug" and _REFILLS.search(d):
        m = _REFILLS.search(d)
        head, r = d[:m.start()], int(m.group(1))
        it.orig = d
        it.auth = head
        it.desc = f"{NUM_WORDS[r].capitalize()} refill{'s' if r > 1 else ''} of {head}" if style == "remaining" else d
    elif it.mod_style == "sessions":
        n, fmt = it.part
        if n < 4:
            return
        a = rng.randint(max(1, n // 4), n - max(1, n // 4))
        it.orig = fmt(n)
        it.auth = fmt(a)
        rest = fmt(n - a)
        if rest.split(" ", 1)[0].lower() in NUM_WORDS:  # "three physical therapy visits ..." as in real letters
            rest = rest[0].lower() + rest[1:]
        it.desc = rest if style == "remaining" else it.orig
    else:
        return
    it.mod_style = style


def _sessions_item(rng: random.Random, old: bool) -> Item:
    part, region = _pick_part(rng)
    kind = rng.choices(("pt", "chiro", "acu", "aqua", "ot", "massage", "eswt", "work"), (50, 14, 16, 4, 5, 3, 4, 4))[0]
    topic = {"pt": "pt", "chiro": "chiro", "acu": "acupuncture", "aqua": "pt", "ot": "pt", "massage": "pt",
             "eswt": "eswt", "work": "program"}[kind]
    label = {"pt": "Physical therapy", "chiro": rng.choice(("Chiropractic treatment", "Chiropractic manipulation",
                                                              "Chiropractic physiotherapy treatment")),
             "acu": "Acupuncture", "aqua": "Aquatic therapy", "ot": "Occupational therapy", "massage": "Massage therapy",
             "eswt": "Extracorporeal shockwave therapy (ESWT)", "work": "Work hardening program"}[kind]
    f = rng.choice((1, 2, 2, 3, 3))
    w = rng.choice((2, 3, 4, 4, 6, 6, 8))
    form = rng.random()
    if kind in ("pt", "chiro", "acu", "ot") and form < 0.35:
        n_form = rng.choice((
            lambda n, f=f: f"{label} {f} times a week for {n} week{'s' if n != 1 else ''} for the {part}",
            lambda n, f=f: f"{label} {part} {f} times a week for {n} week{'s' if n != 1 else ''}",
            lambda n, f=f: f"{label} {f} times a week for {n} week{'s' if n != 1 else ''}, {part}",
        ))
        it = Item(n_form(w), topic, region, part=part, name=label.lower())
        it.part, it.mod_style = (w, n_form), "sessions"
        return it
    if kind in ("pt", "chiro", "ot") and form < 0.45:
        d = f"{label} {f}x{w} for the {part}" if rng.random() < 0.6 else f"{label} {f}x{w} {part}"
        return Item(d, topic, region, part=part, name=label.lower())
    n = rng.choice((4, 6, 6, 8, 8, 10, 12, 12, 18, 24)) if kind != "eswt" else rng.choice((3, 4, 5))
    if kind == "pt" and form < 0.55 and n < len(NUM_WORDS):
        fmt = lambda k, part=part: f"{NUM_WORDS[k].capitalize()} physical therapy visits for the {part}"
        it = Item(fmt(n), topic, region, part=part, name="physical therapy")
        it.part, it.mod_style = (n, fmt), "sessions"
        return it
    if kind == "eswt":
        d = f"{label} to the {part} x {n}"
        return Item(d, topic, region, part=part, name="shockwave therapy")
    templates = [
        lambda k: f"{label} {k} sessions",
        lambda k: f"{label} for {k} sessions",
        lambda k: f"{label} {k} visits for the {part}",
        lambda k: f"Additional {label.lower()} x {k} sessions for the {part}",
        lambda k: f"{label} {k} sessions, {part}",
        lambda k: f"Post-operative {label.lower()} {k} visits for the {part}",
        lambda k: f"{label} sessions {part} #{k}",
    ]
    fmt = rng.choice(templates)
    it = Item(fmt(n), topic, region, part=part, name=label.lower())
    it.part, it.mod_style = (n, fmt), "sessions"
    return it


def _make_item(rng: random.Random, cat: str, old: bool) -> Item:
    if cat == "drug":
        return _drug_item(rng, old)
    if cat == "compound":
        d = rng.choice(COMPOUNDS)
        if rng.random() < 0.15:
            d = "Retrospective " + d
        return Item(d, "compound", None, name="compounded medication")
    if cat == "imaging":
        mod = rng.choices(("mri", "ct", "xray", "us", "arthro", "bone"), (60, 10, 18, 5, 4, 3))[0]
        if mod == "arthro":
            part, region = _pick_part(rng, rng.choice(("shoulder", "hip", "knee")))
        else:
            part, region = _pick_part(rng)
        if rng.random() < 0.04:
            part, region = rng.choice((("head", "head"), ("brain", "head")))
        if mod == "mri":
            d = rng.choice((f"MRI of the {part}", f"MRI of the {part} without contrast",
                            f"MRI of the {part} without contrast", f"MRI (magnetic resonance imaging) of the {part}",
                            f"Magnetic resonance imaging (MRI) of the {part}", f"MRI {part}",
                            f"Repeat MRI of the {part}", f"MRI without contrast of the {part}",
                            f"MRI of the {part}, 1.5 Tesla or greater", f"MRI for {part} with contrast"))
            name = "MRI"
        elif mod == "ct":
            d = rng.choice((f"CT scan of the {part}", f"CT of the {part} without contrast", f"CT scan of {part}",
                            f"Computed tomography (CT) of the {part}"))
            name = "CT scan"
        elif mod == "xray":
            d = rng.choice((f"X-rays of the {part}", f"X-ray of the {part}, 3 views", f"X-rays {part}",
                            f"{part.capitalize()} x-rays", f"Repeat x-rays of the {part}", f"2 views of the {part} (x-ray)"))
            name = "x-rays"
        elif mod == "us":
            d = rng.choice((f"Ultrasound of the {part}", f"Diagnostic ultrasound of the {part}"))
            name = "ultrasound"
        elif mod == "arthro":
            d = f"MR arthrogram of the {part}"
            name = "MR arthrogram"
        else:
            d = rng.choice(("Bone scan", f"Bone scan of the {part}", "Whole body bone scan"))
            name = "bone scan"
        if rng.random() < 0.05:
            d = f"Retrospective {d[0].lower() + d[1:] if not d.startswith(('MRI', 'CT', 'MR ')) else d} (DOS: {{dos}})"
        return Item(d, "imaging" if mod != "xray" else "xray", region, part=part, name=name)
    if cat == "electro":
        upper = rng.random() < 0.5
        limb = "upper" if upper else "lower"
        side = rng.choices(("bilateral", "right", "left"), (60, 20, 20))[0]
        ab = {"bilateral": "B", "right": "R", "left": "L"}[side] + ("UE" if upper else "LE")
        d = rng.choice((f"EMG/NCS of the {side} {limb} extremities" if side == "bilateral" else f"EMG/NCS of the {side} {limb} extremity",
                        f"EMG/NCV of the {side} {limb} extremit{'ies' if side == 'bilateral' else 'y'}",
                        f"NCV {side} {limb} extremities QTY: 2" if side == "bilateral" else f"NCV of the {side} {limb} extremity",
                        f"EMG of the {side} {limb} extremit{'ies' if side == 'bilateral' else 'y'}",
                        f"NCS/EMG {ab}", f"EMG/NCV {ab}",
                        f"Electromyography (EMG) of the {side} {limb} extremit{'ies' if side == 'bilateral' else 'y'}",
                        f"Nerve conduction velocity (NCV) study of the {side} {limb} extremit{'ies' if side == 'bilateral' else 'y'}",
                        f"EMG (electromyography)/NCV (nerve conduction velocity) of the {side} {limb} extremit{'ies' if side == 'bilateral' else 'y'}"))
        return Item(d, "emg", "neck" if upper else "low_back", part=f"{side} {limb} extremities", name="electrodiagnostic testing")
    if cat == "therapy":
        return _sessions_item(rng, old)
    if cat == "psych":
        n = rng.choice((4, 6, 6, 8, 10, 12))
        fmt = rng.choice((lambda k: f"Cognitive behavioral therapy {k} sessions", lambda k: f"Psychotherapy {k} sessions",
                          lambda k: f"Biofeedback {k} sessions", lambda k: f"Group psychotherapy {k} sessions",
                          lambda k: f"Individual psychotherapy x {k} sessions"))
        if rng.random() < 0.4:
            d = rng.choice(("Psychological evaluation", "Comprehensive psychological testing", "Psychiatric consultation",
                            "Psychological consultation and testing", "Partial Hospitalization day treatment"))
            return Item(d, "psych", "psych", name="psychological care")
        it = Item(fmt(n), "psych", "psych", name="psychotherapy")
        it.part, it.mod_style = (n, fmt), "sessions"
        return it
    if cat == "injection":
        lv = rng.choice(("L4-L5", "L5-S1", "L4-5", "L3-L4", "L4-L5 and L5-S1", "L4-5, L5-S1"))
        cl = rng.choice(("C5-C6", "C6-C7", "C5-6", "C4-C5"))
        side = rng.choice(("right", "left", "bilateral"))
        jpart, jreg = _pick_part(rng, rng.choice(("shoulder", "knee", "hip", "wrist")))
        opts = [
            (f"Lumbar epidural steroid injection at {lv}", "esi", "low_back"),
            (f"{side.capitalize()} {lv} transforaminal epidural steroid injection", "esi", "low_back"),
            (f"Cervical epidural steroid injection {cl}", "esi", "neck"),
            (f"{side.capitalize()} {lv} facet joint injections", "facet", "low_back"),
            (f"Facet joint injections {lv}", "facet", "low_back"),
            (f"Medial branch block at {lv} {side}", "facet", "low_back"),
            (f"Radiofrequency ablation {side} {lv}", "facet", "low_back"),
            (f"Trigger point injections x {rng.choice((2, 3, 4, 6))}", "tpi", "low_back"),
            (f"Cortisone injection {jpart}", "joint_injection", jreg),
            (f"Steroid injection to the {jpart}", "joint_injection", jreg),
            (f"{jpart.capitalize()} Synvisc-One injection", "joint_injection", jreg),
            (f"Series of 3 Orthovisc injections {jpart}", "joint_injection", jreg),
            (f"Platelet-rich plasma (PRP) injection to the {jpart}", "joint_injection", jreg),
            (f"{side.capitalize()} sacroiliac joint injection", "joint_injection", "hip"),
            ("Toradol 60mg IM injection", "nsaid", None),
            ("Kenalog 40mg injection", "joint_injection", None),
            ("Vitamin B12 injection", "other", None),
        ]
        d, topic, region = rng.choice(opts)
        return Item(d, topic, region, name="injection")
    if cat == "surgery":
        opts = [
            ("right shoulder arthroscopy with subacromial decompression", "shoulder"),
            ("left shoulder arthroscopy with rotator cuff repair", "shoulder"),
            ("right knee arthroscopy with partial medial meniscectomy", "knee"),
            ("left knee arthroscopy with chondroplasty", "knee"),
            ("right carpal tunnel release", "hand"), ("left carpal tunnel release", "hand"),
            ("L4-L5 anterior/posterior lumbar fusion", "low_back"), ("lumbar laminectomy L4-5", "low_back"),
            ("L5-S1 microdiscectomy", "low_back"), ("anterior cervical discectomy and fusion C5-C6", "neck"),
            ("right total knee arthroplasty", "knee"), ("left trigger finger release", "hand"),
            ("spinal cord stimulator trial", "low_back"), ("right lateral epicondyle release", "elbow"),
            ("left ankle arthroscopy", "ankle"), ("right hip arthroscopy with labral repair", "hip"),
            ("right inguinal hernia repair", None),
        ]
        proc, region = rng.choice(opts)
        d = rng.choice((proc[0].upper() + proc[1:], proc[0].upper() + proc[1:], f"Outpatient {proc}",
                        f"{proc[0].upper() + proc[1:]} as an outpatient", f"Associated surgical service: {proc}"))
        return Item(d, "surgery", region, name="surgery")
    if cat == "periop":
        d = rng.choice(("Pre-operative medical clearance", "Pre-op chest x-ray", "Pre-operative EKG",
                        "Pre-operative labs: CBC, BMP, PT/PTT", "Assistant surgeon",
                        "Post-operative cold therapy unit rental x 7 days", "Post-operative abduction pillow sling",
                        "Post-operative DVT compression unit", "Associated surgical service: Post-operative sling",
                        "Associated surgical service: 2 day inpatient stay", "Continuous passive motion (CPM) machine rental x 21 days",
                        "Post-operative crutches"))
        part, region = _pick_part(rng)
        return Item(d, "periop", region, part=part, name="perioperative service")
    if cat == "dme":
        part, region = _pick_part(rng)
        opts = [("TENS unit", "tens"), ("TENS unit 30 day rental", "tens"), ("Purchase of a TENS unit with supplies", "tens"),
                ("TENS unit and supplies for home use", "tens"), ("Interferential unit rental x 30 days", "tens"),
                ("H-wave device purchase", "tens"), ("Home H-wave device", "tens"),
                ("Lumbar support brace", "brace"), ("Back support", "brace"), (f"{part.capitalize()} brace", "brace"),
                ("LSO back brace", "brace"), (f"{part.capitalize()} splint", "brace"), ("Cervical pillow", "dme"),
                ("Hot/cold therapy wrap", "dme"), ("Cold therapy unit", "dme"), ("Hospital bed", "dme"),
                ("Shower chair", "dme"), ("Front-wheeled walker", "dme"), ("Cane", "dme"), ("Orthopedic mattress", "dme"),
                ("Home exercise kit", "dme"), ("Custom orthotics", "dme"), ("Electric heating pad", "dme"),
                ("Motorized scooter", "dme"), ("Hospital bed for an unspecified rental", "dme")]
        d, topic = rng.choice(opts)
        return Item(d, topic, region if topic != "tens" else None, part=part, name=d.lower())
    if cat == "consult":
        part, region = _pick_part(rng)
        opts = [("Pain management consultation", "consult"), (f"Orthopedic surgeon consultation for the {part}", "consult"),
                ("Neurology consultation", "consult"), ("Internal medicine consultation", "consult"),
                ("Functional capacity evaluation (FCE)", "fce"), ("Functional capacity evaluation", "fce"),
                ("Follow-up visit with pain management", "consult"), ("Spine surgeon referral", "consult"),
                ("Podiatry consultation", "consult"), ("Follow up office visit", "consult"),
                ("Referral to a hand surgeon", "consult"), ("Ophthalmology evaluation", "consult"),
                ("Consultation with a sleep specialist", "consult"), ("Office visit with the primary treating physician", "consult")]
        d, topic = rng.choice(opts)
        if d == "Follow up office visit" and rng.random() < 0.6:
            n = rng.choice((2, 3, 4, 6))
            fmt = lambda k: f"Follow up office visit times {k}"
            it = Item(fmt(n), topic, region, part=part, name="follow-up visits")
            it.part, it.mod_style = (n, fmt), "sessions"
            return it
        return Item(d, topic, region, part=part, name=d.lower())
    if cat == "program":
        d = rng.choice(("Functional restoration program 80 hours", "Functional restoration program x 160 hours",
                        "HELP interdisciplinary pain program evaluation", "Multidisciplinary evaluation for a functional restoration program",
                        "Weight loss program", "Gym membership 6 months", "Gym membership with pool access x 1 year",
                        "Home exercise program", "Detoxification program", "Work conditioning 12 visits"))
        return Item(d, "program", None, name="program")
    if cat == "home_health":
        h = rng.choice((2, 3, 4, 6, 8))
        dd = rng.choice((3, 5, 7))
        w = rng.choice((4, 6, 8, 12))
        d = rng.choice((f"Home health care {h} hours a day, {dd} days a week for {w} weeks",
                        f"Home health aide {h} hours per day", "Home health nursing evaluation",
                        f"Home assistance {h} hours per day {dd} days per week", "In-home care assistance"))
        return Item(d, "home_health", None, name="home health services")
    if cat == "transport":
        d = rng.choice(("Transportation to and from all medical appointments", "Transportation to/from all medical appointments",
                        "Round trip transportation to physical therapy appointments", f"Medical transportation for {rng.choice((6, 8, 12))} visits",
                        "Non-emergency medical transportation"))
        return Item(d, "transport", None, name="transportation")
    # lab
    d = rng.choice(("Urine drug screen", "Urine toxicology screen", "Retrospective urine drug screen (DOS: {dos})",
                    "CBC, CMP and hepatic panel", "Sleep study", "Genetic testing for narcotic risk",
                    "Cytokine DNA testing", "Bilateral hearing aids", "Audiology evaluation", "Electrocardiogram QTY: 3",
                    "Urine drug testing, 12 panel", "Random urine drug screens x 4"))
    return Item(d, "lab", None, name="testing")


# --------------------------------------------------------------------------- citations

CP_SECTIONS = {  # topic -> [(section, old 2009 page refs)]
    "opioid": [("Opioids, criteria for use", "76-80"), ("Opioids, on-going management", "78"),
               ("Opioids for chronic pain", "80-82"), ("Opioids, long-term assessment", "88-89"),
               ("Tramadol (Ultram)", "93-94")],
    "relaxant": [("Muscle relaxants (for pain)", "63-66"), ("Carisoprodol (Soma)", "29"),
                 ("Cyclobenzaprine (Flexeril)", "41-42"), ("Antispasticity/Antispasmodic drugs", "66")],
    "nsaid": [("NSAIDs (non-steroidal anti-inflammatory drugs)", "67-73"), ("NSAIDs, specific drug list & adverse effects", "70-73"),
              ("Anti-inflammatory medications", "22")],
    "ppi": [("NSAIDs, GI symptoms & cardiovascular risk", "68-69"), ("Proton Pump Inhibitors (PPIs)", "68-69")],
    "aed": [("Antiepilepsy drugs (AEDs)", "16-22"), ("Gabapentin (Neurontin)", "18-19"), ("Pregabalin (Lyrica)", "19-20")],
    "antidepressant": [("Antidepressants for chronic pain", "13-16"), ("Duloxetine (Cymbalta)", "43-44")],
    "sleep": [("Insomnia treatment", "60"), ("Antidepressants for chronic pain", "13-16")],
    "benzo": [("Benzodiazepines", "24")],
    "topical": [("Topical analgesics", "111-113"), ("Lidoderm (lidocaine patch)", "56-57"), ("Topical Analgesics", "111-113")],
    "compound": [("Topical analgesics", "111-113"), ("Compound drugs", "111"), ("Medical food", "60")],
    "constipation": [("Opioid-induced constipation treatment", "77"), ("Initiating Therapy", "77")],
    "antiemetic": [("Antiemetics (for opioid nausea)", "79")],
    "headache": [("Barbiturate-containing analgesic agents (BCAs)", "23"), ("Triptans", "60")],
    "pt": [("Physical medicine treatment", "98-99"), ("Physical Medicine", "98-99"), ("Aquatic therapy", "22"),
           ("Massage therapy", "60")],
    "chiro": [("Manual therapy & manipulation", "58-60")],
    "eswt": [("Extracorporeal shockwave therapy (ESWT)", "123")],
    "psych": [("Psychological treatment", "101-102"), ("Psychological evaluations", "100-101"),
              ("Behavioral interventions", "23"), ("Biofeedback", "24-25")],
    "esi": [("Epidural steroid injections (ESIs)", "46")],
    "tpi": [("Trigger point injections", "122")],
    "tens": [("TENS, chronic pain (transcutaneous electrical nerve stimulation)", "114-116"),
             ("Interferential Current Stimulation (ICS)", "118-120"), ("H-wave stimulation (HWT)", "117-118")],
    "program": [("Functional restoration programs (FRPs)", "49"), ("Chronic pain programs (functional restoration programs)", "30-34"),
                ("Work conditioning, work hardening", "125-126")],
    "home_health": [("Home health services", "51")],
    "lab": [("Drug testing", "43"), ("Urine drug testing", "43"), ("Opioids, steps to avoid misuse/addiction", "94-95")],
    "emg": [("Electrodiagnostic testing (EMG/NCS)", "-")],
}
ACOEM_SECTIONS = {  # topics cited from the body-part (ACOEM 2004) chapters
    "imaging": ["Special Studies", "Special Studies", "Summary", "Diagnostic Criteria"],
    "xray": ["Special Studies", "Diagnostic Criteria"],
    "emg": ["Special Studies", "Diagnostic Criteria"],
    "surgery": ["Surgical Considerations", "Surgical Considerations", "Referral for Surgery"],
    "facet": ["Initial Care", "Physical Methods"], "joint_injection": ["Initial Care", "Summary"],
    "brace": ["Initial Care", "Physical Methods"], "dme": ["Initial Care", "Physical Methods"],
    "consult": ["Follow-up Visits", "Summary"], "pt": ["Physical Methods", "Initial Care"],
    "periop": ["Surgical Considerations"],
}
ODG_TOPICS = {
    "imaging": ["MRI (magnetic resonance imaging)", "Magnetic resonance imaging (MRI)", "MRIs (magnetic resonance imaging)",
                "CT (computed tomography)", "Indications for imaging", "Ultrasound, diagnostic", "Bone scan"],
    "xray": ["Radiography (x-rays)", "X-Ray", "Radiographs"],
    "emg": ["EMGs (electromyography)", "Nerve conduction studies (NCS)", "Electrodiagnostic studies (EDS)"],
    "pt": ["Physical therapy", "Physical therapy guidelines", "Aquatic therapy"],
    "chiro": ["Manipulation", "Chiropractic guidelines"], "acupuncture": ["Acupuncture"],
    "surgery": ["Surgery for impingement syndrome", "Diagnostic arthroscopy", "Meniscectomy", "Fusion (spinal)",
                "Discectomy/laminectomy", "Carpal tunnel release surgery (CTR)", "Knee joint replacement"],
    "periop": ["Preoperative testing, general", "Preoperative lab testing", "Preoperative electrocardiogram (ECG)",
               "Surgical assistant", "Continuous-flow cryotherapy", "Postoperative abduction pillow sling",
               "Continuous passive motion (CPM)", "Venous thrombosis", "Hospital length of stay (LOS)"],
    "brace": ["Back brace, post operative (fusion)", "Lumbar supports", "Knee brace", "Splints"],
    "dme": ["Durable medical equipment (DME)", "Cold/heat packs", "Mattress selection", "Walking aids (canes, crutches, braces, orthoses, & walkers)",
            "Heat therapy", "Pillow"],
    "tens": ["TENS (transcutaneous electrical nerve stimulation)", "Interferential current stimulation (ICS)", "H-wave stimulation (HWT)"],
    "facet": ["Facet joint diagnostic blocks (injections)", "Facet joint radiofrequency neurotomy", "Facet joint intra-articular injections (therapeutic blocks)"],
    "joint_injection": ["Hyaluronic acid injections", "Platelet-rich plasma (PRP)", "Steroid injections", "Corticosteroid injections", "Sacroiliac joint blocks"],
    "consult": ["Office visits", "Evaluation and management (E&M)", "Referrals"],
    "fce": ["Functional capacity evaluation (FCE)", "Fitness for duty"],
    "opioid": ["Opioids", "Opioids, specific drug list", "Opioids for chronic pain"],
    "relaxant": ["Muscle relaxants (for pain)", "Carisoprodol (Soma)", "Cyclobenzaprine (Flexeril)"],
    "nsaid": ["NSAIDs (non-steroidal anti-inflammatory drugs)", "Anti-inflammatory medications"],
    "ppi": ["Proton pump inhibitors (PPIs)"], "aed": ["Anti-epilepsy drugs (AEDs) for pain"],
    "antidepressant": ["Antidepressants for chronic pain"],
    "sleep": ["Insomnia treatment", "Zolpidem (Ambien)", "Eszopicolone (Lunesta)"],
    "benzo": ["Benzodiazepines"], "topical": ["Topical analgesics", "Lidoderm (lidocaine patch)"],
    "compound": ["Compound drugs", "Topical analgesics, compounded", "Medical food"],
    "constipation": ["Opioid-induced constipation treatment"], "antiemetic": ["Antiemetics (for opioid nausea)"],
    "headache": ["Barbiturate-containing analgesic agents (BCAs)", "Triptans"],
    "psych": ["Cognitive therapy for depression", "Psychotherapy guidelines", "Psychological evaluations", "Biofeedback"],
    "esi": ["Epidural steroid injections (ESIs), therapeutic"], "tpi": ["Trigger point injections"],
    "eswt": ["Extracorporeal shock wave therapy (ESWT)"],
    "program": ["Functional restoration programs (FRPs)", "Gym memberships", "Work conditioning, work hardening",
                "Lifestyle (diet & exercise) modifications"],
    "home_health": ["Home health services"], "transport": ["Transportation (to & from appointments)"],
    "lab": ["Urine drug testing (UDT)", "Polysomnography", "Genetic testing for potential opioid abuse",
            "Cytokine DNA testing for pain", "Hearing aids", "Preoperative lab testing"],
    "other": ["Vitamin B12", "Injections with anaesthetics and/or steroids"],
}
TOPIC_PAIN_DEFAULT = {"opioid", "relaxant", "nsaid", "ppi", "aed", "antidepressant", "sleep", "benzo", "topical",
                      "compound", "constipation", "antiemetic", "headache", "tens", "program", "home_health",
                      "transport", "lab", "tpi", "esi", "other"}
NON_MTUS_OTHER = [
    "http://www.drugs.com/famotidine.html",
    "Aetna Clinical Policy Bulletin: Weight Reduction Medications and Programs",
    "Medicare National Coverage Determinations Manual, Chapter 1, Part 4, Section 280.1",
    "ACOEM Occupational Medicine Practice Guidelines, 3rd ed., {acoem3}, pg. {pg}",
    "ACOEM Guidelines, Chapter 7, Independent Medical Examinations and Consultations, page 127",
    "Official Disability Guidelines (ODG) Treatment in Workers' Compensation, {odgyear} web-based edition",
    "UpToDate: Evaluation of the adult with chronic musculoskeletal pain",
    "American College of Radiology Appropriateness Criteria",
]


def _odg(rng: random.Random, topic: str, region: str | None, mode: str) -> str:
    reg = REGIONS[region] if region in REGIONS and topic not in TOPIC_PAIN_DEFAULT else None
    chapter = (reg["odg"] if rng.random() < 0.5 else reg["odg_short"]) if reg else rng.choice(("Pain (Chronic)", "Pain", "Pain"))
    t = rng.choice(ODG_TOPICS.get(topic, ODG_TOPICS["other"]))
    form = rng.random()
    if form < 0.35:
        return f"Official Disability Guidelines (ODG) {chapter}, {t}"
    if form < 0.55:
        return f"Official Disability Guidelines (ODG), {chapter}"
    if form < 0.70:
        return f"Official Disability Guidelines, {chapter}, {t}"
    if form < 0.80:
        return f"Official Disability Guidelines: {chapter} - {t}"
    if form < 0.88:
        return f"ODG {chapter}, {t}"
    if mode == "old" and form < 0.95:
        return f"Official Disability Guidelines (ODG) <{chapter}>, <{t}>"
    return f"Official Disability Guidelines (ODG) {chapter} Chapter, {t}"


def _mtus(rng: random.Random, topic: str, region: str | None, mode: str) -> str | None:
    """One MTUS citation for the topic, in the era's wording, or None if the MTUS is silent."""
    reg = REGIONS.get(region) if region else None
    if topic == "acupuncture":
        return "MTUS Acupuncture Treatment 2007" if mode != "old" else "MTUS Acupuncture Medical Treatment Guidelines"
    if topic in ("pt", "periop") and rng.random() < 0.2 and reg and reg["ch"]:
        part = {"shoulder": "Shoulder", "knee": "Knee", "low_back": "Low Back", "neck": "Neck & Upper Back",
                "hand": "Carpal Tunnel Syndrome", "elbow": "Elbow", "ankle": "Ankle & Foot"}.get(region, "General")
        return f"MTUS Postsurgical Treatment 2009, Section(s): {part}"
    use_cp = topic in CP_SECTIONS and (topic in TOPIC_PAIN_DEFAULT or not (reg and reg["ch"]) or rng.random() < 0.35)
    if mode == "acoem" and rng.random() < 0.6:
        ch = reg["acoem3"] if reg and topic not in TOPIC_PAIN_DEFAULT else "Chronic Pain"
        sec = rng.choice(CP_SECTIONS[topic])[0] if topic in CP_SECTIONS else rng.choice(ACOEM_SECTIONS.get(topic, ["Summary"]))
        return f"MTUS (ACOEM Practice Guidelines) {ch}, {sec}"
    if use_cp:
        sec, pages = rng.choice(CP_SECTIONS[topic])
        if topic == "opioid" and mode in ("2016", "acoem") and rng.random() < 0.45:
            return "MTUS Opioid Treatment 2016, Section(s): " + rng.choice((
                "3.3 Opioids for Chronic Pain and Chronic Opioid Treatment: Initiating and Monitoring Chronic Opioid Treatment",
                "3.3.9 Opioids for Chronic Pain and Chronic Opioid Treatment: Maintenance of Chronic Opioid Treatment",
                "4.1 Tapering Opioids: Indications for Tapering Opioids",
                "1.4 Opioids for Acute Pain: Opioids for Post-operative Pain",
                "3.3.7.2 Opioids for Chronic Pain and Chronic Opioid Treatment: Monitoring Effectiveness of Chronic Opioid Treatment: Clinically Meaningful Improvement of Pain and Function"))
        if mode == "old":
            if pages == "-":
                return f"MTUS Chronic Pain Medical Treatment Guidelines, {sec}"
            return rng.choice((f"MTUS Chronic Pain Treatment Guidelines {sec} Page(s): {pages}",
                               f"MTUS Chronic Pain Treatment Guidelines {sec}, page {pages.split('-')[0]} Page(s): {pages}",
                               f"MTUS Chronic Pain Treatment Guidelines Page(s): {pages}"))
        year = {"2009": "2009", "2016": "2016", "acoem": "2016"}[mode]
        g = " Guidelines" if rng.random() < 0.3 else ""
        secs = sec
        if rng.random() < 0.2 and len(CP_SECTIONS[topic]) > 1:
            secs = ", ".join(s for s, _ in rng.sample(CP_SECTIONS[topic], 2))
        return f"MTUS Chronic Pain Medical Treatment {year}{g}, Section(s): {secs}"
    if not (reg and reg["ch"]):
        return None
    sec = rng.choice(ACOEM_SECTIONS.get(topic, ["Summary", "Initial Care"]))
    if mode == "old":
        pages = rng.choice(reg["pages"]) if reg["pages"] else "1"
        return rng.choice((f"MTUS ACOEM Chapter {reg['no']} {reg['ch']} Page(s): {pages}",
                           f"MTUS ACOEM {reg['ch']} Page(s): {pages}",
                           f"MTUS ACOEM Practice Guidelines, {reg['ch']}, Page(s): {pages}"))
    y = "" if "2007" in reg["ch"] else " 2004"
    if rng.random() < 0.15:
        return f"MTUS {reg['ch']}{y}"
    return f"MTUS {reg['ch']}{y}, Section(s): {sec}"


def _guideline(rng: random.Random, who: str, topic: str, region: str | None, mode: str, odg_year: int) -> str:
    """The "Claims Administrator guideline:" / "MAXIMUS guideline:" paragraph body."""
    actor = "The Claims Administrator" if who == "ca" else "The Expert Reviewer"
    if rng.random() < (0.07 if who == "ca" else 0.025):
        return f"{actor} did not cite any medical evidence for its decision."
    mt = _mtus(rng, topic, region, mode)
    if mt is None or rng.random() < 0.12:
        other = _odg(rng, topic, region, mode) if rng.random() < 0.85 else rng.choice(NON_MTUS_OTHER)
        other = other.replace("{acoem3}", REGIONS.get(region or "low_back", REGIONS["low_back"])["acoem3"]).replace(
            "{pg}", str(rng.randint(20, 900))).replace("{odgyear}", str(odg_year))
        if mode == "old" and rng.random() < 0.4:
            lead = f"{actor} did not base their decision on the MTUS. " if who == "ca" else ""
            return f"{lead}Decision based on Non-MTUS Citation {other}"
        nm = "Non-MTUS Citation " if rng.random() < 0.93 else "Non-MTUS "
        return (f"{actor} based their decision on recommendation(s) outside of the MTUS Guidelines. "
                f"Decision based on {nm}{other}.")
    s = f"Decision based on {mt}."
    if rng.random() < 0.12 and mode != "old":
        mt2 = _mtus(rng, rng.choice(("pt", "opioid", "nsaid", "imaging")), region, mode)
        if mt2 and mt2 != mt and mt2.startswith("MTUS "):
            s = f"Decision based on {mt}, and {mt2[5:]}."
    if rng.random() < 0.45:
        other = _odg(rng, topic, region, mode)
        s += f" Decision based on Non-MTUS Citation {other}."
    if mode == "old" and who == "ir" and rng.random() < 0.35:
        s += (" Decision based on Non-MTUS Citation Other Medical Treatment Guideline or Medical Evidence: "
              "Title 8, California Code of Regulations, section 9792.20")
    return s


# --------------------------------------------------------------------------- prose

GL_SENT = {
    "opioid": [
        "The {src} recommend ongoing review and documentation of pain relief, functional status, appropriate medication use, and side effects for patients on chronic opioid therapy.",
        "Satisfactory response to treatment may be indicated by the patient's decreased pain, increased level of function, or improved quality of life.",
        "Pain assessment should include current pain, least reported pain over the period since the last assessment, average pain, intensity of pain after taking the opioid, how long it takes for pain relief, and how long pain relief lasts.",
        "The {src} state that opioids should be discontinued if there is no overall improvement in function, unless there are extenuating circumstances.",
        "Ongoing management requires documentation of the \"4 A's\": analgesia, activities of daily living, adverse side effects, and aberrant drug-taking behaviors.",
        "Long-term users of opioids should be regularly reassessed, and the lowest possible dose should be prescribed to improve pain and function.",
    ],
    "relaxant": [
        "The {src} recommend non-sedating muscle relaxants with caution as a second-line option for short-term treatment of acute exacerbations in patients with chronic low back pain.",
        "Efficacy appears to diminish over time, and prolonged use of some medications in this class may lead to dependence.",
        "Carisoprodol is not recommended and is not indicated for long-term use; its primary metabolite is meprobamate, a schedule IV controlled substance.",
        "Cyclobenzaprine is recommended as an option, using a short course of therapy, and the effect is greatest in the first 4 days of treatment.",
        "In most low back pain cases, muscle relaxants show no benefit beyond NSAIDs in pain and overall improvement.",
    ],
    "nsaid": [
        "The {src} recommend NSAIDs at the lowest dose for the shortest period in patients with moderate to severe pain.",
        "NSAIDs are recommended as an option for short-term symptomatic relief of chronic low back pain.",
        "There is no evidence of long-term effectiveness of NSAIDs for pain or function.",
        "Clinicians should weigh the indications for NSAIDs against both gastrointestinal and cardiovascular risk factors.",
    ],
    "ppi": [
        "The {src} recommend a proton pump inhibitor for patients at intermediate or high risk for gastrointestinal events who are taking NSAIDs.",
        "Risk factors include age over 65 years, a history of peptic ulcer, GI bleeding or perforation, concurrent use of aspirin, corticosteroids, and/or an anticoagulant, or high dose/multiple NSAID use.",
        "Treatment of dyspepsia secondary to NSAID therapy should include stopping the NSAID, switching to a different NSAID, or considering H2-receptor antagonists or a proton pump inhibitor.",
        "Patients with no risk factor and no cardiovascular disease do not require a proton pump inhibitor.",
    ],
    "aed": [
        "The {src} recommend antiepilepsy drugs for neuropathic pain due to nerve damage.",
        "A good response to the use of an antiepilepsy drug has been defined as a 50% reduction in pain, and a moderate response as a 30% reduction.",
        "After initiation of treatment there should be documentation of pain relief and improvement in function as well as documentation of side effects incurred with use.",
        "Gabapentin has been shown to be effective for the treatment of diabetic painful neuropathy and postherpetic neuralgia and has been considered a first-line treatment for neuropathic pain.",
    ],
    "antidepressant": [
        "The {src} recommend antidepressants for chronic pain as a first-line option for neuropathic pain, and as a possibility for non-neuropathic pain.",
        "Assessment of treatment efficacy should include not only pain outcomes, but also an evaluation of function, changes in use of other analgesic medication, sleep quality and duration, and psychological assessment.",
        "Tricyclic antidepressants are generally considered a first-line agent unless they are ineffective, poorly tolerated, or contraindicated.",
    ],
    "sleep": [
        "The {src} recommend that treatment of insomnia be based on the etiology, and that pharmacological agents be used only after careful evaluation of potential causes of sleep disturbance.",
        "Zolpidem is a prescription short-acting non-benzodiazepine hypnotic, which is approved for the short-term (usually two to six weeks) treatment of insomnia.",
        "Failure of sleep disturbance to resolve in a 7 to 10 day period may indicate a psychiatric and/or medical illness.",
    ],
    "benzo": [
        "The {src} state that benzodiazepines are not recommended for long-term use because long-term efficacy is unproven and there is a risk of dependence.",
        "Most guidelines limit use of benzodiazepines to 4 weeks.",
        "Tolerance to hypnotic effects develops rapidly, and tolerance to anxiolytic effects occurs within months.",
    ],
    "topical": [
        "The {src} state that topical analgesics are largely experimental in use with few randomized controlled trials to determine efficacy or safety.",
        "Topical analgesics are primarily recommended for neuropathic pain when trials of antidepressants and anticonvulsants have failed.",
        "Topical lidocaine may be recommended for localized peripheral pain after there has been evidence of a trial of first-line therapy such as a tricyclic or SNRI antidepressant or an AED such as gabapentin or Lyrica.",
        "Topical NSAIDs are recommended for osteoarthritis and tendinitis, in particular that of the knee and elbow or other joints that are amenable to topical treatment.",
    ],
    "compound": [
        "The {src} state that any compounded product that contains at least one drug (or drug class) that is not recommended is not recommended.",
        "Topical analgesics are largely experimental in use with few randomized controlled trials to determine efficacy or safety.",
        "Gabapentin is not recommended for topical use, as there is no peer-reviewed literature to support its use.",
        "Muscle relaxants such as cyclobenzaprine are not recommended for topical application.",
        "The {src} do not recommend compound drugs as a first line therapy.",
    ],
    "constipation": [
        "The {src} recommend prophylactic treatment of constipation when opioid therapy is initiated.",
        "Opioid-induced constipation is a common adverse effect of long-term opioid use.",
    ],
    "antiemetic": ["The {src} do not recommend antiemetics for nausea and vomiting secondary to chronic opioid use.",
                   "Ondansetron is FDA-approved for nausea and vomiting secondary to chemotherapy and radiation treatment, and for postoperative use."],
    "headache": ["The {src} do not recommend barbiturate-containing analgesic agents for chronic pain, as the potential for drug dependence is high.",
                 "Triptans are recommended for migraine sufferers."],
    "imaging": [
        "The {src} state that unequivocal objective findings that identify specific nerve compromise on the neurologic examination are sufficient evidence to warrant imaging in patients who do not respond to treatment and who would consider surgery an option.",
        "Criteria for ordering imaging studies include emergence of a red flag, physiologic evidence of tissue insult or neurologic dysfunction, failure to progress in a strengthening program intended to avoid surgery, and clarification of the anatomy prior to an invasive procedure.",
        "Special studies are not needed to evaluate most complaints until after a period of conservative care and observation.",
        "Repeat MRI is not routinely recommended, and should be reserved for a significant change in symptoms and/or findings suggestive of significant pathology.",
        "MRI is recommended for patients with subacute or chronic radicular pain syndromes lasting at least 4 to 6 weeks in whom the symptoms are not trending towards improvement.",
        "Magnetic resonance imaging may be indicated to evaluate for a suspected rotator cuff tear or labral pathology when conservative care has failed.",
    ],
    "xray": [
        "The {src} state that radiographs should not be recommended in patients with pain in the absence of red flags for serious pathology, even if the pain has persisted for at least 6 weeks.",
        "Plain films are recommended to rule out fracture after acute trauma.",
        "Routine x-rays are not indicated in the absence of red flags.",
    ],
    "emg": [
        "The {src} state that electromyography, including H-reflex tests, may be useful to identify subtle, focal neurologic dysfunction in patients with symptoms lasting more than three or four weeks.",
        "Nerve conduction studies are not recommended for the lower extremities when a patient is presumed to have symptoms on the basis of radiculopathy.",
        "Electromyography and nerve conduction studies are separate studies and should not necessarily be done together.",
        "Electrodiagnostic studies are not necessary if radiculopathy is already clinically obvious.",
        "Appropriate electrodiagnostic studies may help differentiate between carpal tunnel syndrome and other conditions, such as cervical radiculopathy.",
    ],
    "pt": [
        "The {src} recommend 9 to 10 visits over 8 weeks for myalgia and myositis, and 8 to 10 visits over 4 weeks for neuralgia, neuritis, and radiculitis.",
        "Patients are instructed and expected to continue active therapies at home as an extension of the treatment process in order to maintain improvement levels.",
        "Physical medicine treatment should allow for fading of treatment frequency, from up to 3 visits per week to 1 or less, plus active self-directed home physical medicine.",
        "Active therapy is based on the philosophy that therapeutic exercise and/or activity are beneficial for restoring flexibility, strength, endurance, function, range of motion, and can alleviate discomfort.",
    ],
    "chiro": [
        "The {src} recommend manual therapy and manipulation for chronic pain if caused by musculoskeletal conditions, with a trial of 6 visits over 2 weeks.",
        "With evidence of objective functional improvement, a total of up to 18 visits over 6 to 8 weeks may be supported.",
        "Elective or maintenance care is not medically necessary, and recurrences or flare-ups require re-evaluation of treatment success.",
    ],
    "acupuncture": [
        "The {src} state that acupuncture is used as an option when pain medication is reduced or not tolerated, and may be used as an adjunct to physical rehabilitation and/or surgical intervention to hasten functional recovery.",
        "The time to produce functional improvement is 3 to 6 treatments, with a frequency of 1 to 3 times per week and an optimum duration of 1 to 2 months.",
        "Acupuncture treatments may be extended if functional improvement is documented as defined in Section 9792.20(f).",
    ],
    "eswt": ["The {src} state that extracorporeal shockwave therapy is not recommended for most musculoskeletal conditions, with the possible exception of calcifying tendinitis of the shoulder.",
             "The available evidence does not support the effectiveness of ultrasound or shock wave for treating low back pain."],
    "psych": [
        "The {src} recommend psychological treatment for appropriately identified patients during treatment for chronic pain.",
        "An initial trial of 3 to 4 psychotherapy visits over 2 weeks is recommended, with up to 6 to 10 visits over 5 to 6 weeks with evidence of objective functional improvement.",
        "Psychological evaluations are generally accepted, well-established diagnostic procedures not only with selected use in pain problems, but also with more widespread use in chronic pain populations.",
    ],
    "esi": [
        "The {src} recommend epidural steroid injections as an option for treatment of radicular pain, defined as pain in a dermatomal distribution with corroborative findings of radiculopathy.",
        "Radiculopathy must be documented by physical examination and corroborated by imaging studies and/or electrodiagnostic testing.",
        "Repeat blocks should be based on continued objective documented pain and functional improvement, including at least 50% pain relief with associated reduction of medication use for six to eight weeks.",
        "The patient must be initially unresponsive to conservative treatment (exercises, physical methods, NSAIDs and muscle relaxants).",
    ],
    "facet": [
        "The {src} state that invasive techniques such as facet joint injections are of questionable merit.",
        "Facet joint diagnostic blocks are limited to patients with low back pain that is non-radicular and at no more than two levels bilaterally.",
        "There should be documentation of failure of conservative treatment including home exercise, physical therapy, and NSAIDs for at least 4 to 6 weeks prior to the procedure.",
    ],
    "tpi": ["The {src} recommend trigger point injections only for myofascial pain syndrome with limited lasting value, and not for radicular pain.",
            "Documentation of circumscribed trigger points with evidence upon palpation of a twitch response as well as referred pain is required."],
    "joint_injection": [
        "The {src} state that invasive techniques have limited proven value, but that a corticosteroid injection may be considered if pain with elevation significantly limits activity.",
        "Hyaluronic acid injections are recommended as a possible option for severe osteoarthritis of the knee for patients who have not responded adequately to recommended conservative treatments.",
        "Platelet-rich plasma injections are under study, and the evidence is insufficient to support their routine use.",
    ],
    "surgery": [
        "The {src} state that referral for surgical consultation is indicated for patients who have activity limitation for more than four months, plus existence of a surgical lesion.",
        "Surgical consideration requires failure to increase range of motion and strength of the musculature around the joint even after exercise programs.",
        "There should be clear clinical and imaging evidence of a lesion that has been shown to benefit in both the short and long term from surgical repair.",
        "Conservative care, including cortisone injections and therapy, can be carried out for 3 to 6 months before considering surgery.",
    ],
    "periop": [
        "The {src} state that preoperative testing should be guided by the patient's clinical history, comorbidities, and physical examination findings.",
        "Electrocardiography is recommended for patients undergoing high-risk surgery and those undergoing intermediate-risk surgery who have additional risk factors.",
        "Postoperative use of continuous-flow cryotherapy is generally limited to 7 days, including home use.",
        "If the associated surgical procedure is not medically necessary, then the associated services are also not medically necessary.",
    ],
    "brace": ["The {src} state that lumbar supports have not been shown to have any lasting benefit beyond the acute phase of symptom relief.",
              "A brace can be used for patellar instability, anterior cruciate ligament tear, or medial collateral ligament instability, although its benefits may be more emotional than medical."],
    "dme": ["The {src} recommend durable medical equipment generally if there is a medical need and if the device or system meets Medicare's definition of durable medical equipment.",
            "At-home local applications of heat or cold are as effective as those performed by therapists.",
            "Most bathroom and toilet supplies do not customarily serve a medical purpose and are primarily used for convenience in the home."],
    "tens": [
        "The {src} do not recommend TENS as a primary treatment modality, but a one-month home-based TENS trial may be considered as a noninvasive conservative option if used as an adjunct to a program of evidence-based functional restoration.",
        "Documentation of pain of at least three months duration and evidence that other appropriate pain modalities have been tried and failed is required.",
        "A treatment plan including the specific short- and long-term goals of treatment with the TENS unit should be submitted.",
    ],
    "consult": ["The {src} state that a referral may be appropriate if the practitioner is uncomfortable with the line of inquiry, with treating a particular cause of delayed recovery, or has difficulty obtaining information or agreement to a treatment plan.",
                "The need for a clinical office visit with a health care provider is individualized based upon a review of the patient concerns, signs and symptoms, clinical stability, and reasonable physician judgment.",
                "Consultation is designed to aid in the diagnosis, prognosis, and therapeutic management of a patient."],
    "fce": ["The {src} recommend considering a functional capacity evaluation when necessary to translate medical impairment into functional limitations and determine work capability.",
            "A functional capacity evaluation is not recommended if the sole purpose is to determine a worker's effort or compliance, or if the worker has returned to work and an ergonomic assessment has not been arranged."],
    "program": [
        "The {src} recommend functional restoration programs where there is access to programs with proven successful outcomes, for patients with conditions that put them at risk of delayed recovery.",
        "Criteria include an adequate and thorough evaluation, failure of previous methods of treating chronic pain, and significant loss of ability to function independently resulting from the chronic pain.",
        "Gym memberships are not recommended as a medical prescription unless a documented home exercise program with periodic assessment and revision has not been effective and there is a need for equipment.",
    ],
    "home_health": ["The {src} recommend home health services only for otherwise recommended medical treatment for patients who are homebound, on a part-time or intermittent basis, generally up to no more than 35 hours per week.",
                    "Medical treatment does not include homemaker services like shopping, cleaning, and laundry, and personal care given by home health aides like bathing, dressing, and using the bathroom when this is the only care needed."],
    "transport": ["The {src} recommend transportation for medically necessary transportation to appointments in the same community for patients with disabilities preventing them from self-transport.",
                  "Transportation is not covered for patients who are able to drive or use public transportation."],
    "lab": ["The {src} recommend urine drug testing as an option to assess for the use or the presence of illegal drugs, and as a step before initiating opioid therapy.",
            "Patients at low risk of addiction or aberrant behavior should be tested within six months of initiation of therapy and on a yearly basis thereafter.",
            "Genetic testing for potential opioid abuse is not recommended, as current research is experimental in terms of testing for this."],
    "other": ["The {src} do not address this request specifically, so other evidence-based guidelines were consulted.",
              "Treatment must be based on documented objective findings and a specific clinical rationale."],
}
GL_SRC = ["California MTUS Guidelines", "CA MTUS guidelines", "MTUS Guidelines", "California MTUS 2016 Chronic Pain Guidelines",
          "Official Disability Guidelines", "ACOEM Guidelines", "MTUS/ACOEM Guidelines", "guidelines",
          "MTUS Chronic Pain Medical Treatment Guidelines", "ODG"]
NEG = [  # case facts that do not support the request ({x} = item name, {p} = part)
    ("There was a lack of documentation of objective functional improvement with prior use of {x}.", "MEDS pt chiro acupuncture tens psych program"),
    ("There is no documentation of pain relief in terms of VAS with use of the medication, or of objective functional improvement to include activities of daily living.", "MEDS"),
    "The documentation submitted for review did not provide a clear rationale for the request.",
    "There was no evidence that {who} had trialed and failed conservative care, including physical therapy and NSAIDs, prior to this request.",
    "Physical examination revealed no evidence of red flag conditions that would warrant the requested service.",
    "The attending provider did not clearly state how the results of the request would influence or alter the treatment plan.",
    ("The request as submitted did not specify a frequency or duration of use.", "MEDS dme tens home_health"),
    "It was not clearly stated how long {who} had been utilizing this treatment, or what benefit had been obtained from it.",
    "{Who} remained off of work, on total temporary disability, suggesting a lack of functional improvement despite ongoing treatment.",
    "Ongoing complaints of pain rated {n}/10 were reported, without any evidence of meaningful improvement.",
    ("The treating physician did not document any neurologic deficits in the {p} on the most recent examination.", "imaging emg esi surgery xray"),
    ("The records reviewed did not contain a recent urine drug screen, a signed opioid agreement, or a CURES report.", "opioid"),
    ("{Who} had already received {k} sessions of treatment, without documented objective improvement.", "pt chiro acupuncture psych program eswt"),
    "There were no exceptional factors noted within the documentation that would support deviation from the guideline recommendations.",
    "The clinical notes submitted for review were handwritten, partially illegible, and did not clearly describe {his} current status.",
    "The progress note of {d} was largely a template note and did not describe any new findings.",
    "It was unclear if this was a first-time request or a request for continued treatment.",
    "The request exceeds the guideline recommendations, and no rationale for exceeding them was provided.",
    ("Prior imaging of the {p} was reportedly unremarkable, and no change in the clinical picture was described.", "imaging xray surgery emg"),
    "{His} work status was not clearly reported, and no return-to-work goals were described.",
]
POS = [
    ("The documentation supports that {who} has had a significant reduction in pain, from {n}/10 to {m}/10, with this treatment.", "MEDS pt chiro acupuncture esi facet tens"),
    "The treating physician documented objective functional improvement, including the ability to perform activities of daily living and to continue working modified duty.",
    ("There is documentation of a signed opioid agreement, consistent urine drug screens, and a CURES report without evidence of aberrant behavior.", "opioid"),
    ("Physical examination documented focal neurologic deficits in the {p}, including decreased sensation and diminished reflexes.", "imaging emg esi surgery"),
    "{Who} has failed an adequate course of conservative treatment, including physical therapy, medications, and activity modification.",
    "The request is within the guideline recommendations, and a clear rationale for the request was provided.",
    ("{Who} has not had any prior treatment of this type for the {p}, and a trial is reasonable.", "pt chiro acupuncture tens joint_injection esi facet psych"),
    "The attending provider documented a clear treatment plan with specific goals.",
    "{His} symptoms have persisted for more than six weeks despite conservative treatment.",
    ("Red flag findings were documented, including progressive weakness in the {p}.", "imaging xray emg surgery consult"),
    "{Who} has returned to work, and the treatment has facilitated continued employment.",
    ("The documentation submitted demonstrates that {who} is at intermediate risk for gastrointestinal events.", "ppi"),
    "The progress note of {d} describes a clear clinical indication for this request.",
]
CASE_NEUTRAL = [
    "Based on the clinical information submitted for review, {who} continued to report {c}.",
    "According to the progress report dated {d}, {who} presented with {c} rated {n}/10.",
    "In this case, {who} has been diagnosed with {dx}.",
    "The medical records provided for review indicate {who} is being treated for {dx}.",
    "The treating provider requested {x} on {d}.",
    "{Who} was seen on {d} with ongoing complaints of {c}.",
    "Review of the records indicates that {his} medications included {meds}.",
]
CONCL_NEG = [
    "Therefore, the request for {X} is not medically necessary.",
    "Therefore, the request was not medically necessary.",
    "Given the above, the request for {X} is not medically necessary.",
    "Given the above, the request for \"{X}\" is not medically necessary.",
    "As such, the request is not medically necessary.",
    "The request is not medically necessary.",
    "Therefore, based on guidelines and a review of the evidence, the request for {X} is not medically necessary.",
    "Consequently, the {X} is not medically necessary.",
    "Based on the clinical information in the medical record and the peer-reviewed evidence-based guidelines, {x} is not medically necessary.",
    "Given the lack of documentation, the request for {X} is not medically necessary at this time.",
    "Therefore, the current request IS NOT medically necessary.",
    "Thus, the request for {x} is determined to be not medically necessary.",
]
CONCL_POS = [
    "Therefore, the request for {X} is medically necessary.",
    "Therefore, the request is medically necessary.",
    "Given the above, the request for {X} is medically necessary.",
    "As such, the request is medically necessary.",
    "Therefore, based on guidelines and a review of the evidence, the request for {X} is medically necessary.",
    "The request for {X} is supported by the guidelines and is medically necessary.",
    "Based on the clinical information in the medical record and the peer-reviewed evidence-based guidelines, {x} is medically necessary.",
    "Guidelines have been met; therefore, {x} is medically necessary.",
    "Therefore, the request for {X} is medically necessary and appropriate.",
]
GENERIC_GL = [
    "MTUS-Definitions identifies that any treatment intervention should not be continued in the absence of functional benefit or improvement as a reduction in work restrictions; an increase in activity tolerance; and/or a reduction in the use of medications or medical services.",
    "Title 8, California Code of Regulations, section 9792.20 defines functional improvement as either a clinically significant improvement in activities of daily living or a reduction in work restrictions as measured during the history and physical exam.",
    "The treating physician is expected to document the patient's response to treatment at each visit, including pain levels, function, and side effects.",
    "Evidence-based guidelines require that the need for the requested service be established by a clear description of objective findings.",
    "Within the medical information available for review, there is documentation of diagnoses of {dx}.",
    "The strength of evidence hierarchy places the MTUS above other guidelines when the MTUS addresses the condition at issue.",
    "Where the MTUS is silent, the Official Disability Guidelines were consulted as the most relevant evidence-based guideline.",
]
CASE_EXTRA = [
    "In this case, {who} is {mo} months status post injury.",
    "The most recent progress report, dated {d}, documented {c} rated {n}/10.",
    "{Who} reported {c} radiating to the {limb}.",
    "There is documentation of {finding} on prior imaging.",
    "The records indicate {who} has been treated with {meds}.",
    "It is noted that {he} is working with restrictions.",
    "A request for authorization dated {d} was reviewed.",
    "The mechanism of injury was reported as {mech}.",
]
OPIOID_ADDENDUM = (
    "This decision addresses the medical necessity of opioids as they have been prescribed to this patient. "
    "This medical necessity decision should not be interpreted as a recommendation to stop long-term opioids "
    "abruptly and the patient is advised to speak with their treating physician. The treating physician and the "
    "patient are advised to consult the MTUS Opioids Treatment Guidelines (\"Tapering opioids\"), and if necessary, "
    "other relevant guidelines, regarding the most appropriate method for weaning and terminating opioids for this patient.")

MED_TOPICS = "opioid relaxant nsaid ppi aed antidepressant sleep benzo topical compound constipation antiemetic headache"
PAIN_DESC = ["constant", "intermittent", "sharp", "dull, aching", "burning", "stabbing", "throbbing", "radiating"]
EXAM = [
    "tenderness to palpation over the {p} with muscle spasm", "decreased range of motion of the {p} secondary to pain",
    "deep tendon reflexes of 2+ and symmetric", "guarding with palpable trigger points",
    "full range of motion with pain at end range", "intact sensation and strength throughout",
]
EXAM_BY_REGION = {
    "low_back": ["a positive straight leg raise on the {side} at 45 degrees", "decreased sensation in the L5 dermatome",
                 "motor strength of 4/5 in the {side} lower extremity", "an antalgic gait", "a positive FABER test"],
    "neck": ["a negative Spurling's test", "a positive Spurling's test on the {side}", "decreased sensation in the C6 dermatome",
             "motor strength of 4/5 in the {side} upper extremity"],
    "shoulder": ["a positive Neer's and Hawkins' test", "a positive empty can test", "flexion limited to 120 degrees"],
    "knee": ["a positive McMurray's test", "medial joint line tenderness", "a mild effusion", "crepitus with range of motion"],
    "hand": ["positive Tinel's and Phalen's signs", "a positive Finkelstein's test", "decreased grip strength"],
    "elbow": ["tenderness over the lateral epicondyle", "pain with resisted wrist extension"],
    "hip": ["pain with internal rotation of the hip", "tenderness over the greater trochanter", "an antalgic gait"],
    "ankle": ["tenderness over the anterior talofibular ligament", "tenderness at the plantar fascia insertion", "an antalgic gait"],
    "head": ["a normal neurologic examination", "a flat affect"], "psych": ["a depressed mood and constricted affect", "a flat affect"],
}
TREATMENTS = ["medications", "physical therapy", "chiropractic care", "acupuncture", "home exercises",
              "activity modification", "work restrictions", "diagnostic imaging", "a TENS unit", "epidural steroid injections",
              "psychotherapy", "a lumbar brace", "ice and heat", "a functional restoration program",
              "electrodiagnostic testing", "trigger point injections", "modified duty"]
MED_NAMES = ["Norco", "tramadol", "Flexeril", "Motrin", "naproxen", "gabapentin", "omeprazole", "Lidoderm patches",
             "Soma", "Ambien", "Cymbalta", "Percocet", "Tylenol", "meloxicam", "tizanidine", "Celebrex"]


class Ctx:
    """Per-letter context for prose: dates, patient, formats."""
    __slots__ = ("rng", "sex", "age", "injury", "ur", "visits", "voice", "dfmt", "regions", "dx", "who", "he", "his", "verb")


def _date_between(rng: random.Random, a: dt.date, b: dt.date) -> dt.date:
    span = (b - a).days
    return a + dt.timedelta(days=rng.randint(0, max(0, span)))


class _Vals(dict):
    """Placeholder values for _fill, drawn only when a template asks for them."""

    __slots__ = ("ctx", "item", "reg")

    def __missing__(self, key: str):
        ctx, item, rng = self.ctx, self.item, self.ctx.rng
        reg = self.reg
        if key == "p":
            v = item.part if item and isinstance(item.part, str) else rng.choice(_REGION_PARTS.get(reg, ("lumbar spine",)))
        elif key == "side":
            v = rng.choice(("right", "left"))
        elif key == "derm":
            v = rng.choice(("L5", "S1", "C6", "C7", "L4", "L5-S1"))
        elif key == "limb":
            v = rng.choice(("right lower extremity", "left lower extremity", "right upper extremity", "bilateral lower extremities"))
        elif key == "n":
            v = rng.randint(4, 9)
        elif key == "m":
            v = max(1, self["n"] - rng.randint(2, 4))
        elif key == "k":
            v = rng.choice((6, 8, 12, 18, 24))
        elif key == "d":
            v = _fmt_date(rng.choice(ctx.visits), ctx.dfmt)
        elif key == "c":
            v = COMPLAINTS.get(reg, "pain")
        elif key == "dx":
            dxs = DIAGNOSES.get(reg, DIAGNOSES["low_back"])
            v = _join_and(rng.sample(dxs, min(2, len(dxs))))
        elif key == "meds":
            v = _join_and(rng.sample(MED_NAMES, rng.randint(2, 4)))
        elif key == "x":
            v = item.name if item else "the request"
        elif key == "X":
            v = item.desc if item else "the request"
        elif key == "src":
            v = rng.choice(GL_SRC)
        elif key in ("who", "he", "his"):
            v = getattr(ctx, key)
        elif key in ("Who", "His"):
            v = getattr(ctx, key.lower()).capitalize()
        elif key == "finding":
            v = rng.choice(FINDINGS.get(reg, FINDINGS["low_back"]))
        elif key == "mech":
            v = rng.choice(MECHANISMS)
        elif key == "mo":
            v = max(1, (ctx.ur - ctx.injury).days // 30)
        else:
            raise KeyError(key)
        self[key] = v
        return v


def _fill(ctx: Ctx, s: str, item: Item | None = None) -> str:
    if "{" not in s:
        return s
    vals = _Vals()
    vals.ctx, vals.item = ctx, item
    vals.reg = (item.region if item and item.region else None) or ctx.rng.choice(ctx.regions)
    return s.format_map(vals)


def _summary(ctx: Ctx, items: list[Item], mods: list[Item]) -> list[str]:
    """Clinical case summary paragraphs."""
    rng, who, he, his = ctx.rng, ctx.who, ctx.he, ctx.his
    v = ctx.voice
    inj = _fmt_date(ctx.injury, ctx.dfmt)
    reg0 = ctx.regions[0]
    dx = _join_and(rng.sample(DIAGNOSES[reg0], min(len(DIAGNOSES[reg0]), rng.randint(1, 3))))
    complaint = COMPLAINTS[reg0]
    sexw = ctx.sex
    age = ctx.age
    if v == "applicant":
        occ = rng.choice(OCCUPATIONS)
        first = rng.choice((
            f"The applicant is a {age}-year-old {sexw} who has filed a claim for {complaint} reportedly associated with an industrial injury of {inj}.",
            f"The applicant is a represented {age}-year-old {sexw} {occ} who has filed a claim for {complaint} reportedly associated with an industrial injury of {inj}.",
            f"The applicant is a {age}-year-old {sexw} who has filed a claim for {complaint} and {COMPLAINTS[rng.choice(ctx.regions)]} reportedly associated with an industrial injury of {inj}."))
    elif v == "iw":
        first = rng.choice((
            f"The injured worker is a {age} year old {sexw}, who sustained an industrial injury on {inj}.",
            f"The injured worker is a {age} year old {sexw} who sustained an industrial injury on {inj}.",
            f"The injured worker is a {age}-year-old {sexw} who reported an injury on {inj} due to {rng.choice(MECHANISMS)}.",
            f"According to medical records available for review, the injured worker is a {age} year old {sexw}, who sustained an industrial injury on {inj}.",
            f"This is a {age} year old {sexw} with a date of injury on {inj}.",
            f"The injured worker is a {age} year old {sexw} with an industrial injury date of {inj}."))
    elif v == "case":
        first = f"This case involves a now {age}-year-old {sexw} with a history of an occupational claim from {inj}."
    else:  # patient
        first = rng.choice((
            f"The patient is a {age} year old {sexw} who sustained injury on {inj}.",
            f"According to the records made available for review, this is a {age}-year-old {sexw} with a {inj} date of injury.",
            f"The patient is a {age}-year-old {sexw} who reported an injury on {inj} while {rng.choice(('lifting', 'working', 'bending', 'carrying a load', 'climbing stairs'))}."))
    if rng.random() < 0.03:
        first = rng.choice(("Though the medical records were typed, they were blurry. ",
                            "The records were voluminous and were reviewed in their entirety. ")) + first
    sents = [first]
    pool: list[str] = []
    if v == "case":
        pool += [f"The mechanism of injury is detailed as {rng.choice(MECHANISMS)}.",
                 f"The current diagnosis is documented as {dx}.",
                 f"Past treatments were noted to include {_join_and(rng.sample(TREATMENTS, 3))}."]
    elif v == "iw":
        pool += [f"The injured worker is undergoing treatment for {dx}.",
                 f"Treatment to date has included {_join_and(rng.sample(TREATMENTS, rng.randint(2, 5)))}.",
                 f"Mechanism of injury occurred when the injured worker was {rng.choice(('lifting a heavy box', 'struck by a falling object', 'pulling a cart', 'restraining a patient', 'climbing a ladder'))}.",
                 f"Current work status is {rng.choice(('unclear', 'modified duty', 'temporarily totally disabled', 'working with restrictions', 'not working'))}."]
    else:
        pool += [f"{who.capitalize()} has been diagnosed with {dx}.",
                 f"Thus far, {who} has been treated with the following: {'; '.join(rng.sample(TREATMENTS, rng.randint(3, 5)))}.",
                 f"Prior treatment has included {_join_and(rng.sample(TREATMENTS, rng.randint(2, 4)))}."]
    rng.shuffle(pool)
    visit_sents: list[str] = []
    for vd in sorted(rng.sample(ctx.visits, min(len(ctx.visits), max(1, round(rng.randint(1, 4) * ctx.verb))))):
        d = _fmt_date(vd, ctx.dfmt)
        r = rng.choice(ctx.regions)
        visit_sents.append(rng.choice((
            f"On {d}, {who} reported {rng.choice(PAIN_DESC)} {COMPLAINTS[r]} rated {rng.randint(3, 10)}/10.",
            f"A progress note dated {d} noted complaints of {COMPLAINTS[r]}, rated {rng.randint(3, 10)}/10 without medications and {rng.randint(2, 7)}/10 with medications.",
            f"According to a progress report dated {d}, {who} reported {COMPLAINTS[r]} with associated numbness and tingling.",
            f"In a clinical progress note of {d}, {who} was described as {rng.choice(('having persistent pain', 'improving slowly', 'unchanged', 'worse since the last visit'))}.")))
        exams = EXAM + EXAM_BY_REGION.get(r, []) * 2
        visit_sents.append("Physical examination revealed " + _join_and(list(dict.fromkeys(
            _fill(ctx, e) for e in rng.sample(exams, rng.randint(1, 3))))) + ".")
        if rng.random() < 0.5:
            visit_sents.append(rng.choice((
                f"An MRI of the {rng.choice([p for p, rr, _ in PARTS if rr == r] or ['lumbar spine'])} dated {d} reportedly showed {rng.choice(FINDINGS[r])}.",
                f"Medications included {_join_and(rng.sample(MED_NAMES, rng.randint(2, 5)))}.",
                f"The treatment plan included {_join_and([_lc_first(i.desc) for i in rng.sample(items, min(2, len(items)))])}.",
                f"{he.capitalize()} was returned to {rng.choice(('modified duty', 'regular duty', 'full duty'))} work.",
                f"Work restrictions were imposed, including a {rng.choice((10, 15, 20, 25))}-pound lifting limitation.",
                f"{who.capitalize()} was placed off of work, on total temporary disability.",
                f"{his.capitalize()} work status was not clearly reported.",
                f"{who.capitalize()} had completed {rng.choice((6, 8, 12, 18))} sessions of physical therapy with {rng.choice(('minimal', 'some', 'no', 'temporary'))} benefit.")))
    target = max(2, round(rng.choice((2, 3, 4, 5, 6, 8, 10, 12)) * ctx.verb))
    sents += pool[:max(1, target // 3)]
    sents += visit_sents[:target]
    # the UR sentence(s)
    ur = _fmt_date(ctx.ur, ctx.dfmt)
    req = _join_and([_lc_first(i.orig or i.desc) for i in items])
    sents.append(rng.choice((
        f"In a utilization review report dated {ur}, the claims administrator failed to approve a request for {req}.",
        f"On {ur}, Utilization Review non-certified a request for {req}.",
        f"The original utilization review dated {ur} denied the request for {req}.",
        f"The UR dated {ur} non-certified the request for {req}.",
        f"On {ur}, the request for {req} was denied by utilization review.")))
    for m in mods:
        sents.append(rng.choice((
            f"{m.orig} was the original request. {m.auth} was authorized by the Claims Administrator.",
            f"The request for {_lc_first(m.orig)} was modified to {_lc_first(m.auth)}.",
            f"Utilization review modified the request for {_lc_first(m.orig)} to allow {_lc_first(m.auth)}.")))
    if v == "applicant" and rng.random() < 0.6:
        sents.append(rng.choice(("The applicant's attorney subsequently appealed.", "The applicant subsequently appealed.")))
    # split into paragraphs
    paras: list[list[str]] = [[]]
    for i, s in enumerate(sents):
        paras[-1].append(s)
        if len(paras[-1]) >= 6 and i < len(sents) - 2 and rng.random() < 0.25:
            paras.append([])
    out = []
    for p in paras:
        if rng.random() < 0.04 and len(p) > 1:  # missing space after a period, as in real letters
            j = rng.randrange(1, len(p))
            p[j - 1] = p[j - 1] + p.pop(j)
        out.append(" ".join(p))
    return out


def _rationale(ctx: Ctx, it: Item, era: str) -> str:
    rng = ctx.rng
    upheld = it.decision == "Upheld"
    sents: list[str] = []
    gl = GL_SENT.get(it.topic) or GL_SENT["other"]
    verb = ctx.verb
    k = max(1, min(len(gl), round(rng.choice((1, 1, 2, 2, 3, 4)) * verb)))
    sents += [_fill(ctx, s, it) for s in rng.sample(gl, k)]
    if rng.random() < 0.2 * verb:
        sents.append(_fill(ctx, rng.choice(GENERIC_GL), it))
    bank = [b if isinstance(b, str) else b[0] for b in (NEG if upheld else POS)
            if isinstance(b, str) or it.topic in b[1].replace("MEDS", MED_TOPICS).split()]
    n_case = max(1, round(rng.choice((1, 2, 2, 3, 3, 4, 5, 6)) * verb))
    case = rng.sample(bank, min(len(bank), n_case))
    if rng.random() < 0.5:
        case.insert(0, rng.choice(CASE_NEUTRAL))
    if n_case > 3:
        case[1:1] = rng.sample(CASE_EXTRA, min(len(CASE_EXTRA), n_case // 3))
    sents += [_fill(ctx, s, it) for s in case]
    if upheld and not it.region and rng.random() < 0.2:
        sents.append(_fill(ctx, "Medical necessity for {x} has not been established.", it))
    name_for_concl = it.desc
    concl = rng.choice(CONCL_NEG if upheld else CONCL_POS)
    concl = concl.replace("{X}", "\x00X").replace("{x}", "\x00x")
    concl = concl.replace("\x00X", name_for_concl).replace("\x00x", _lc_first(it.desc) if rng.random() < 0.5 else it.name)
    if it.mod_style == "remaining" and rng.random() < 0.4:
        concl = (f"Given the above, the remaining IMR eligible portion of the original request, {it.desc}, "
                 f"is {'not ' if upheld else ''}medically necessary.")
    elif it.mod_style == "eligible" and rng.random() < 0.4:
        concl = f"Therefore, the original request, {it.desc}, is {'not ' if upheld else ''}medically necessary."
    # Opening variants seen in real letters: the verdict first.
    r = rng.random()
    if r < 0.07:
        sents.insert(0, f"{'No' if upheld else 'Yes'}, the request for {_lc_first(it.desc)} was {'not ' if upheld else ''}medically necessary, medically appropriate, or indicated here.")
    elif r < 0.12:
        sents.insert(0, f"The request for {_lc_first(it.desc)} is {'not ' if upheld else ''}medically necessary.")
    elif r < 0.17:
        sents.insert(0, f"The current request is for {it.desc}.")
    sents.append(concl)
    if upheld and it.topic == "opioid" and era in ("2016", "acoem") and rng.random() < 0.5:
        sents.append(OPIOID_ADDENDUM)
    return " ".join(sents)


# --------------------------------------------------------------------------- letter

CASE_SEQ_MUL = 4_567_891  # coprime with 9_000_000
CASE_SEQ_ADD = 2_345_678
BOILER_A = ("MAXIMUS Federal Services sent the complete case file to an expert reviewer. He/she has no "
            "affiliation with the employer, employee, providers or the claims administrator.")
BOILER_B = ("He/she has been in active clinical practice for more than five years and is currently working at "
            "least 24 hours a week in active practice. The expert reviewer was selected based on his/her "
            "clinical experience, education, background, and expertise in the same or similar specialties that "
            "evaluate and/or treat the medical condition and disputed items/{svc}. He/she is familiar with "
            "governing laws and regulations, including the strength of evidence hierarchy that applies to "
            "Independent Medical Review determinations.")
DATE_START = dt.date(2014, 1, 15)
DATE_END = dt.date(2026, 12, 31)


def case_number(index: int, app_received: dt.date) -> str:
    if not 0 <= index < 9_000_000:
        raise ValueError("letter index must be in 0..8999999")
    seq = 1_000_000 + (index * CASE_SEQ_MUL + CASE_SEQ_ADD) % 9_000_000
    return f"CM{app_received.year % 100:02d}-{seq:07d}"


def _dates(rng: random.Random, age: int, expedited: bool):
    decision = DATE_START + dt.timedelta(days=rng.randint(0, (DATE_END - DATE_START).days))
    if expedited:
        assigned = decision - dt.timedelta(days=rng.randint(1, 4))
        received = assigned - dt.timedelta(days=rng.randint(1, 3))
    else:
        assigned = decision - dt.timedelta(days=rng.choice((rng.randint(14, 30), rng.randint(20, 34), rng.randint(25, 45))))
        lag = rng.randint(2, 12) if decision.year >= 2015 else rng.choice((rng.randint(3, 20), rng.randint(20, 95)))
        received = assigned - dt.timedelta(days=lag)
    ur = received - dt.timedelta(days=rng.choice((rng.randint(1, 9), rng.randint(1, 30))))
    r = rng.random()
    if r < 0.35:
        lag = rng.randint(14, 120)
    elif r < 0.75:
        lag = rng.randint(120, 3 * 365)
    else:
        lag = rng.randint(3 * 365, 15 * 365)
    lag = min(lag, max(14, (age - 17) * 365))
    injury = ur - dt.timedelta(days=lag)
    return injury, ur, received, assigned, decision


def _era(decision: dt.date, rng: random.Random) -> str:
    y = decision.year
    if y <= 2014:
        return "old"
    if y == 2015:
        return "old" if rng.random() < 0.45 else "2009"
    if y == 2016:
        return "2009" if decision.month <= 6 and rng.random() < 0.7 else "2016"
    if y == 2017:
        return "2016"
    return "acoem" if rng.random() < 0.5 else "2016"


def build_letter(rng: random.Random, index: int) -> tuple[Layout, dict]:
    """The letter's layout and facts; make_letter renders the text from the layout."""
    sex = "male" if rng.random() < 0.56 else "female"
    age = min(80, max(18, int(rng.gauss(47, 11))))
    expedited = rng.random() < 0.04
    injury, ur, received, assigned, decision = _dates(rng, age, expedited)
    era = _era(decision, rng)
    old = era == "old"
    cn = case_number(index, received)
    specs, states = rng.choices(REVIEWERS, cum_weights=REVIEWER_CW)[0]
    prose_creds = old and rng.random() < 0.9
    if prose_creds:
        specs = specs[:2]
        states = states[:1] if rng.random() < 0.8 else states[:2]

    # Items.
    n_items = rng.choices((1, 2, 3, 4, 5, 6), (50, 22, 12, 8, 5, 3))[0]
    items: list[Item] = []
    seen = set()
    tries = 0
    while len(items) < n_items and tries < 40:
        tries += 1
        cat = rng.choices(CAT_NAMES, cum_weights=CAT_CW)[0]
        it = _make_item(rng, cat, old)
        if it.desc.lower() in seen:
            continue
        if rng.random() < 0.15:
            _modify(rng, it, cat)
        if "{dos}" in it.desc or (it.orig and "{dos}" in it.orig):
            dos = _fmt_date(_date_between(rng, injury + dt.timedelta(days=1), ur - dt.timedelta(days=1)) if (ur - injury).days > 2 else injury, "slash")
            it.desc = it.desc.replace("{dos}", dos)
            if it.orig:
                it.orig = it.orig.replace("{dos}", dos)
                it.auth = it.auth.replace("{dos}", dos)
        seen.add(it.desc.lower())
        p_up = 0.56
        if it.topic == "compound":
            p_up = 0.88
        elif it.mod_style:
            p_up = 0.75
        it.decision = "Upheld" if rng.random() < p_up else "Overturned"
        items.append(it)

    # Prose context.
    ctx = Ctx()
    ctx.rng = rng
    ctx.sex, ctx.age, ctx.injury, ctx.ur = sex, age, injury, ur
    lo = injury + dt.timedelta(days=1)
    hi = ur - dt.timedelta(days=1)
    ctx.visits = sorted({_date_between(rng, max(lo, hi - dt.timedelta(days=400)), hi) for _ in range(10)}) if hi > lo else [ur]
    ctx.voice = rng.choices(("applicant", "iw", "case", "patient"), (25, 45, 15, 15))[0]
    ctx.dfmt = {"applicant": rng.choice(("long", "long")), "iw": rng.choice(("dash", "dash_short", "dash", "long", "long0", "dash_nopad")),
                "case": "slash", "patient": rng.choice(("slash", "slash_short"))}[ctx.voice]
    regs = [i.region for i in items if i.region and i.region in DIAGNOSES]
    ctx.regions = list(dict.fromkeys(regs)) or [rng.choice(("low_back", "neck", "shoulder", "knee"))]
    ctx.dx = None
    ctx.verb = min(3.5, max(0.5, rng.lognormvariate(0.15, 0.45)))  # how wordy this reviewer is
    ctx.who = {"applicant": "the applicant", "iw": "the injured worker", "case": "the patient", "patient": "the patient"}[ctx.voice]
    ctx.he, ctx.his = ("he", "his") if sex == "male" else ("she", "her")
    mods = [i for i in items if i.orig]

    # Layout.
    header = [("Case Number:", cn), ("Date Assigned:", _hdr_date(assigned)), ("Date of Injury:", _hdr_date(injury)),
              ("Decision Date:", _hdr_date(decision)), ("UR Denial Date:", _hdr_date(ur)),
              ("Priority:", "Expedited" if expedited else "Standard"), ("Application Received:", _hdr_date(received))]
    lay = Layout(header)

    def para(text: str, gap: float = 6.9, end_space: float = 0.03, nbold: int = 0) -> None:
        lines = wrap(text, nbold)
        if len(lines) > 1 and rng.random() < 0.06:
            # now and then a wrapped line lost its trailing space in the source PDF
            j = rng.randrange(0, len(lines) - 1)
            t, nb = lines[j]
            if t.endswith(" ") and nb < len(t):
                lines[j] = (t[:-1], nb)
        if rng.random() < end_space:
            t, nb = lines[-1]
            lines[-1] = (t + " ", nb)
        lay.para(lines, gap)

    lay.heading("HOW THE IMR FINAL DETERMINATION WAS MADE", gap=0.0)
    if prose_creds:
        if len(specs) > 1:
            cred = f"The expert reviewer is Board Certified in {specs[0]}, has a subspecialty in {specs[1]} and is licensed to practice in {' and '.join(states)}."
        else:
            cred = f"The expert reviewer is Board Certified in {specs[0]} and is licensed to practice in {' and '.join(states)}."
        para(f"{BOILER_A} {cred} {BOILER_B.format(svc='services')}", gap=LEADING * 0.5, end_space=0.3)
    else:
        para(f"{BOILER_A} {BOILER_B.format(svc='Service' if not old else 'services')}", gap=LEADING * 0.5, end_space=0.1)
        sep = "," if rng.random() < 0.6 else ", "
        para("The Expert Reviewer has the following credentials:", gap=LEADING)
        para(f"State(s) of Licensure: {sep.join(states)}", gap=0.0)
        para(f"Certification(s)/Specialty: {', '.join(specs)}", gap=0.0)
    lay.heading("CLINICAL CASE SUMMARY", gap=LEADING)
    para("The expert reviewer developed the following clinical case summary based on a review of the "
         "case file, including all medical records:", gap=LEADING * 0.5)
    for p in _summary(ctx, items, mods):
        para(p, gap=LEADING)
    lay.heading("IMR ISSUES, DECISIONS AND RATIONALES", gap=LEADING)
    para(f"The Final Determination was based on decisions for the disputed items/services set forth below:",
         gap=LEADING * 0.5, end_space=0.05)
    odg_year = max(2013, decision.year - rng.randint(0, 2))
    colon = ":  " if old and rng.random() < 0.3 else ": "
    for it in items:
        if it.mod_style == "remaining":
            head = (f"{it.orig} was the original request. {it.auth} was authorized by the Claims Administrator. "
                    f"The remaining IMR eligible portion of the original request, {it.desc} is: {it.decision}")
        elif it.mod_style == "eligible":
            auth = f"an Evaluation only for a {_lc_first(it.orig)}" if rng.random() < 0.3 else it.auth
            head = (f"{it.orig} was the original request. The Claims Administrator authorized {auth}, leaving the "
                    f"original request IMR eligible. The original request, {it.desc} is: {it.decision}")
        else:
            head = f"{it.desc}{colon}{it.decision}"
        para(head, gap=LEADING, end_space=0.02, nbold=len(head) - len(it.decision))
        para("Claims Administrator guideline: " + _guideline(rng, "ca", it.topic, it.region, era, odg_year), gap=0.0,
             end_space=0.12, nbold=32)
        para("MAXIMUS guideline: " + _guideline(rng, "ir", it.topic, it.region, era, odg_year), gap=0.0,
             end_space=0.12, nbold=19)
        para("Decision rationale: " + _rationale(ctx, it, era), gap=0.0, end_space=0.03, nbold=20)

    facts = {
        "application_received": received.isoformat(),
        "case_number": cn,
        "date_assigned": assigned.isoformat(),
        "date_of_injury": injury.isoformat(),
        "decision_date": decision.isoformat(),
        "items": [{"decision": it.decision, "description": it.desc, "original_request": it.orig} for it in items],
        "licensure_states": list(states),
        "patient_age": age,
        "patient_sex": sex,
        "priority": "Expedited" if expedited else "Standard",
        "specialties": list(specs),
        "ur_denial_date": ur.isoformat(),
    }
    return lay, facts


def make_letter(rng: random.Random, index: int, style: str = "pdfium") -> tuple[str, dict]:
    """One synthetic letter: (text, facts). The text is, by default, exactly what pypdfium2
    extracts from the PDF of the same letter (pages joined with "\\n"); style "lf" or
    "crlf" gives the same lines with plain hyphens and uniform line endings."""
    lay, facts = build_letter(rng, index)
    return render_text(lay, style), facts


# --------------------------------------------------------------------------- corpus

def _letter_rng(seed: int, index: int) -> random.Random:
    return random.Random(f"imrdb-corpus:{seed}:{index}")


def _fmt_for(fmt: str, seed: int, index: int) -> tuple[str, str]:
    """(file format, text style) for one letter, independent of its content."""
    r = random.Random(f"imrdb-corpus-fmt:{seed}:{index}")
    x = r.random()
    style = "pdfium" if x < 0.5 else ("lf" if x < 0.85 else "crlf")
    if fmt == "mixed":
        return ("pdf" if r.random() < 0.5 else "txt"), style
    return fmt, style


def _write_one(out_dir: Path, fmt: str, seed: int, index: int) -> tuple[str, dict]:
    lay, facts = build_letter(_letter_rng(seed, index), index)
    kind, style = _fmt_for(fmt, seed, index)
    cn = facts["case_number"]
    if kind == "pdf":
        path = out_dir / f"{cn}.pdf"
        render_pdf(lay, path, dt.date.fromisoformat(facts["decision_date"]))
    else:
        path = out_dir / f"{cn}.txt"
        with open(path, "w", encoding="utf-8", newline="") as fh:
            fh.write(render_text(lay, style))
    return str(path), facts


def _write_chunk(args: tuple[str, str, int, int, int]) -> list[tuple[str, dict]]:
    out_dir, fmt, seed, lo, hi = args
    od = Path(out_dir)
    return [_write_one(od, fmt, seed, i) for i in range(lo, hi)]


class _FactsWriter:
    """Streams facts.json as a JSON object keyed by case number, one entry per line.
    With append=True it reopens a facts.json it wrote earlier and adds entries before the
    closing brace, without reading the whole file."""

    def __init__(self, path: Path, append: bool):
        self.n = 0
        if append and path.exists() and path.stat().st_size >= 2:
            self.fh = open(path, "r+b")
            end = self.fh.seek(0, os.SEEK_END)
            start = max(0, end - 64)
            self.fh.seek(start)
            tail = self.fh.read()
            cut = start + tail.rindex(b"}")
            self.fh.seek(cut)
            self.fh.truncate()
            # Is there any entry already? (A file holding only "{\n}" has none.)
            self.fh.seek(max(0, cut - 64))
            before = self.fh.read().rstrip()
            self.n = 0 if before.endswith(b"{") and cut <= 3 else 1
            self.fh.seek(0, os.SEEK_END)
            while self.fh.tell() > 1:
                self.fh.seek(-1, os.SEEK_END)
                if self.fh.read(1) in (b"\n", b" "):
                    self.fh.seek(-1, os.SEEK_END)
                    self.fh.truncate()
                else:
                    break
        else:
            self.fh = open(path, "wb")
            self.fh.write(b"{")

    def add(self, facts: dict) -> None:
        line = ("," if self.n else "") + "\n" + json.dumps(facts["case_number"]) + ": " + json.dumps(facts, sort_keys=True)
        self.fh.write(line.encode("utf-8"))
        self.n += 1

    def close(self) -> None:
        self.fh.write(b"\n}\n")
        self.fh.close()


def generate(out_dir, count: int, fmt: str = "txt", seed: int = 0, start: int = 0, workers: int = 1,
             progress: bool = False) -> list[Path]:
    """Write letters start..start+count-1 into out_dir as CASE_NUMBER.txt / .pdf and their
    facts into out_dir/facts.json (a fresh file when start == 0, otherwise appended to an
    existing one). Returns the paths written, in index order. Letter k is the same whatever
    the batch it is generated in and whatever the worker count."""
    if fmt not in ("txt", "pdf", "mixed"):
        raise ValueError("fmt must be txt, pdf or mixed")
    od = Path(out_dir)
    od.mkdir(parents=True, exist_ok=True)
    writer = _FactsWriter(od / "facts.json", append=start > 0)
    paths: list[Path] = []
    chunk = 50 if fmt == "txt" else 10
    tasks = [(str(od), fmt, seed, lo, min(lo + chunk, start + count)) for lo in range(start, start + count, chunk)]
    t0 = time.perf_counter()
    done = 0
    try:
        if workers and workers > 1:
            import multiprocessing as mp
            with mp.Pool(workers) as pool:
                results = pool.imap(_write_chunk, tasks)
                for res in results:
                    for p, f in res:
                        paths.append(Path(p))
                        writer.add(f)
                    done += len(res)
                    if progress and done % 2000 < len(res):
                        print(f"  {done}/{count} letters, {done / (time.perf_counter() - t0):.0f}/s", file=sys.stderr)
        else:
            for t in tasks:
                res = _write_chunk(t)
                for p, f in res:
                    paths.append(Path(p))
                    writer.add(f)
                done += len(res)
                if progress and done % 2000 < len(res):
                    print(f"  {done}/{count} letters, {done / (time.perf_counter() - t0):.0f}/s", file=sys.stderr)
    finally:
        writer.close()
    return paths


def self_check(n: int = 30, seed: int = 0) -> int:
    """Render n letters as PDF, extract them with pypdfium2 and compare with the "pdfium"
    text rendering. Returns the number of mismatches."""
    import tempfile

    import pypdfium2

    bad = 0
    with tempfile.TemporaryDirectory() as td:
        for i in range(n):
            lay, facts = build_letter(_letter_rng(seed, i), i)
            p = Path(td) / "x.pdf"
            render_pdf(lay, p, dt.date.fromisoformat(facts["decision_date"]))
            pdf = pypdfium2.PdfDocument(str(p))
            got = "\n".join(pdf[k].get_textpage().get_text_range() for k in range(len(pdf)))
            pdf.close()
            want = render_text(lay, "pdfium")
            if got != want:
                bad += 1
                import difflib
                diff = list(difflib.unified_diff(want.splitlines(), got.splitlines(), lineterm="", n=0))[:12]
                print(f"letter {i} ({facts['case_number']}): PDF text differs\n  " + "\n  ".join(map(repr, diff)), file=sys.stderr)
    return bad


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Generate synthetic IMR decision letters with ground-truth facts.")
    ap.add_argument("out_dir", nargs="?", help="directory to write letters and facts.json into")
    ap.add_argument("--count", type=int, default=100)
    ap.add_argument("--format", dest="fmt", choices=("txt", "pdf", "mixed"), default="txt")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--start", type=int, default=0, help="index of the first letter (for incremental batches)")
    ap.add_argument("--workers", type=int, default=1, help="processes to use (0 = all CPUs)")
    ap.add_argument("--self-check", action="store_true", help="check that PDF extraction equals the pdfium text form")
    a = ap.parse_args(argv)
    if a.self_check:
        bad = self_check(a.count if a.count != 100 else 30, a.seed)
        print(f"self-check: {bad} mismatching letters", file=sys.stderr)
        return 1 if bad else 0
    if not a.out_dir:
        ap.error("out_dir is required")
    workers = a.workers if a.workers > 0 else (os.cpu_count() or 1)
    t0 = time.perf_counter()
    paths = generate(a.out_dir, a.count, a.fmt, a.seed, a.start, workers=workers, progress=a.count >= 5000)
    el = time.perf_counter() - t0
    print(f"wrote {len(paths)} letters ({a.fmt}) to {a.out_dir} in {el:.1f}s "
          f"({len(paths) / el if el else 0:.0f} letters/s, {workers} worker{'s' if workers > 1 else ''})", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
