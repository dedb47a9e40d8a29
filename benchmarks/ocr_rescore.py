"""Re-score the parser on OCR'd text saved by `ocr_engines.py --save-text`, without reading the pages again.

    python benchmarks/ocr_engines.py /tmp/scans ../shared/real-letters/dev-facts.json --every 1 \
        --engines "tesseract (tessdata_fast)" --save-text /tmp/ocrtext
    python benchmarks/ocr_rescore.py /tmp/ocrtext/tesseract_tessdata_fast ../shared/real-letters/dev-facts.json

Each saved letter (its pages joined by a form feed, as `imrdb.sources.pdf_text` joins them) is parsed
as the ingest parses a scan, `parse_letter(text, "pdf-ocr", path)`, and scored as `imrdb evaluate`
scores it, keyed by its file name. The letters are split as the README's OCR figures are: the first
half by file name (tuning) and the second (held out), and all of them; --diff lists what disagrees in
the tuning half, --by-fact prints the README's table of each fact.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from imrdb.errors import LetterError
from imrdb.evaluate import FACTS, load_facts, score
from imrdb.parse import parse_letter


def parsed_letters(folder: Path) -> list[tuple[str, object]]:
    letters = []
    for path in sorted(folder.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        try:
            letters.append((path.stem, parse_letter(text, "pdf-ocr", str(path))))
        except LetterError as error:
            letters.append((path.stem, error))
    return letters


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("text", type=Path, help="an engine's folder under --save-text (with grey/ and fax/)")
    parser.add_argument("facts", type=Path)
    parser.add_argument("--kinds", default="grey,fax")
    parser.add_argument("--diff", action="store_true", help="list each disagreement and failure of the tuning half")
    parser.add_argument("--diff-held-out", action="store_true", help="... and of the held-out half")
    parser.add_argument("--by-fact", action="store_true", help="a table of each fact, held out, tuning and all, per kind")
    args = parser.parse_args(argv)
    facts = load_facts(args.facts)
    if args.by_fact:
        return print_by_fact(args, facts)
    print("| scans | tuning (first half) | held out (second half) | all |")
    print("|---|---:|---:|---:|")
    for kind in args.kinds.split(","):
        letters = [(stem, letter) for stem, letter in parsed_letters(args.text / kind) if stem in facts]
        half = len(letters) // 2
        cells = []
        for part in (letters[:half], letters[half:], letters):
            result = score(part, facts)
            right, total = sum(result.agree.values()), result.letters * len(FACTS)
            cells.append(f"{right}/{total} ({100 * right / max(total, 1):.1f}%)")
        print(f"| {kind} | " + " | ".join(cells) + " |", flush=True)
        if args.diff or args.diff_held_out:
            result = score(letters if args.diff_held_out else letters[:half], facts)
            for failure in result.failed:
                print(f"  {kind} FAILED {failure}")
            for case, name, expected, got in result.disagreements:
                if isinstance(expected, list) and isinstance(got, list) and len(expected) == len(got):
                    expected, got = zip(*[pair for pair in zip(expected, got) if pair[0] != pair[1]])
                print(f"  {kind} DIFF {case}{' (held out)' if case >= letters[half][0] else ''} {name}: "
                      f"expected {list(expected) if isinstance(expected, tuple) else expected!r} got "
                      f"{list(got) if isinstance(got, tuple) else got!r}")
    return 0


def print_by_fact(args, facts: dict) -> int:
    """The README's table: each fact right in how many letters, held out, tuning and all, per kind."""
    kinds = args.kinds.split(",")
    columns = []
    for kind in kinds:
        letters = [(stem, letter) for stem, letter in parsed_letters(args.text / kind) if stem in facts]
        half = len(letters) // 2
        columns += [(f"{kind} held out", score(letters[half:], facts)), (f"{kind} tuning", score(letters[:half], facts)),
                    (f"{kind} all", score(letters, facts))]
    print("| fact | " + " | ".join(name for name, _ in columns) + " |")
    print("|---|" + "---:|" * len(columns))
    for fact in FACTS:
        print(f"| {fact} | " + " | ".join(f"{result.agree[fact]}/{result.letters}" for _, result in columns) + " |")
    cells = []
    for _, result in columns:
        right, total = sum(result.agree.values()), result.letters * len(FACTS)
        cells.append(f"**{right}/{total} ({100 * right / max(total, 1):.1f}%)**")
    print("| all facts | " + " | ".join(cells) + " |")
    print("| letters that failed to parse | " + " | ".join(str(len(result.failed)) for _, result in columns) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
