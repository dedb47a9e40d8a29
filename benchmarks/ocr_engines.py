"""Choose the OCR engine by measurement: the same scanned pages through each engine, in one run.

    python benchmarks/make_scans.py ../shared/real-letters/dev /tmp/scans
    OMP_THREAD_LIMIT=1 python benchmarks/ocr_engines.py /tmp/scans ../shared/real-letters/dev-facts.json --every 5

For each engine and each kind of scan (grey, fax) it renders every page of a sample of the letters
(every Nth by sorted file name), OCRs it, parses the letter from the OCR'd text and scores the facts
`imrdb evaluate` scores. Speed is pages a second on one core (render, preprocessing and OCR; the
engine made once, outside the timing). --save-text keeps each letter's OCR'd text, for tuning the
parser without reading the pages again.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_THREAD_LIMIT", "1")  # one core per engine, as in an ingest worker

import pypdfium2 as pdfium

from imrdb import ocr
from imrdb.errors import LetterError
from imrdb.evaluate import FACTS, load_facts, score
from imrdb.parse import parse_letter


def tesseract(tessdata: str | None = None, preprocess: bool = True):
    return ocr.Tesseract(tessdata, preprocess).read


def rapidocr():
    """RapidOCR (PP-OCRv4, ONNX; rapidocr-onnxruntime carries its models), its boxes set out in lines."""
    import numpy as np
    from rapidocr_onnxruntime import RapidOCR

    engine = RapidOCR(intra_op_num_threads=1, inter_op_num_threads=1)

    def read(image) -> ocr.OcrPage:
        boxes, _ = engine(np.asarray(image.convert("RGB")))
        return ocr.OcrPage(boxes_to_lines(boxes or []), 100 * sum(b[2] for b in boxes or []) / max(len(boxes or []), 1))

    return read


def boxes_to_lines(boxes: list) -> str:
    """Text boxes ([corners, text, score]) as lines: a box whose middle lies within the current line's
    height joins it; each line reads left to right."""
    placed = sorted(((min(p[1] for p in corners), max(p[1] for p in corners), min(p[0] for p in corners), text)
                     for corners, text, _ in boxes))
    lines: list[list] = []
    for top, bottom, left, text in placed:
        middle = (top + bottom) / 2
        if lines and lines[-1][0] <= middle <= lines[-1][1]:
            lines[-1][2].append((left, text))
        else:
            lines.append([top, bottom, [(left, text)]])
    return "\n".join(" ".join(text for _, text in sorted(words)) for _, _, words in lines)


ENGINES = {
    "tesseract (tessdata)": lambda args: tesseract(args.tessdata_best),
    "tesseract (tessdata_fast)": lambda args: tesseract(args.tessdata_fast),
    "tesseract (tessdata) without preprocessing": lambda args: tesseract(args.tessdata_best, preprocess=False),
    "rapidocr-onnxruntime": lambda args: rapidocr(),
}


def read_letter_pages(path: Path, read, dpi: int) -> tuple[str, float, int, float]:
    """OCR every page: (text, mean confidence, pages, seconds)."""
    document = pdfium.PdfDocument(path)
    texts, confidences, seconds = [], [], 0.0
    for index in range(len(document)):
        started = time.perf_counter()
        page = read(ocr.render(document[index], dpi))
        seconds += time.perf_counter() - started
        texts.append(page.text)
        confidences.append(page.confidence)
    document.close()
    return "\f".join(texts), sum(confidences) / len(confidences), len(texts), seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("scans", type=Path, help="folder made by make_scans.py (with grey/ and fax/)")
    parser.add_argument("facts", type=Path)
    parser.add_argument("--every", type=int, default=5, help="score every Nth letter by sorted file name")
    parser.add_argument("--kinds", default="grey,fax")
    parser.add_argument("--engines", default=",".join(ENGINES), help="comma-separated names from: " + ", ".join(ENGINES))
    parser.add_argument("--dpi", type=int, default=ocr.OCR_DPI)
    parser.add_argument("--tessdata-best", default=None, help="folder with tessdata's eng.traineddata")
    parser.add_argument("--tessdata-fast", default=None, help="folder with tessdata_fast's eng.traineddata")
    parser.add_argument("--save-text", type=Path, help="write each letter's OCR'd text here, per engine and kind")
    args = parser.parse_args(argv)
    facts = load_facts(args.facts)
    print("| engine | scans | letters | pages | facts right | pages/s (1 core) | mean confidence |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for name in args.engines.split(","):
        read = ENGINES[name](args)
        for kind in args.kinds.split(","):
            files = sorted((args.scans / kind).glob("*.pdf"))[:: args.every]
            letters, pages, seconds, confidences = [], 0, 0.0, []
            for path in files:
                text, confidence, count, spent = read_letter_pages(path, read, args.dpi)
                pages, seconds = pages + count, seconds + spent
                confidences.append(confidence)
                if args.save_text:
                    folder = args.save_text / name.replace(" ", "_").replace("(", "").replace(")", "").replace(",", "") / kind
                    folder.mkdir(parents=True, exist_ok=True)
                    (folder / (path.stem + ".txt")).write_text(text, encoding="utf-8")
                try:
                    letters.append((path.stem, parse_letter(text, "pdf-ocr", str(path))))
                except LetterError as error:
                    letters.append((path.stem, error))
            result = score(letters, facts)
            right = sum(result.agree.values())
            print(f"| {name} | {kind} | {len(files)} | {pages} | {right}/{result.letters * len(FACTS)} "
                  f"({100 * right / max(result.letters * len(FACTS), 1):.1f}%) | {pages / seconds:.2f} | "
                  f"{sum(confidences) / len(confidences):.1f} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
