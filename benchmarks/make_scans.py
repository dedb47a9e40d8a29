"""Make scanned and faxed copies of letters, for measuring OCR: image-only PDFs, never committed.

    python benchmarks/make_scans.py ../shared/real-letters/dev /tmp/scans

renders every page of every PDF under the first folder with pypdfium2 and degrades it two ways:

- grey/  200 dpi greyscale, skewed by up to 1 degree, speckled, saved as JPEG (quality 60)
- fax/   1-bit, 200 x 100 dpi (a fax's standard resolution: half the vertical), skewed, more noise
- mixed/ the digital PDF with every second page replaced by its grey scan (a text layer on some pages)

Each copy keeps its original's file name, so `imrdb evaluate /tmp/scans/grey dev-facts.json` scores it.
The degradation is seeded by the file name: the same letter always becomes the same scan. --seed N
makes another scan of the same letters (other skew, speckle and threshold), for tuning on more scans
of the tuning letters than one without looking at the held-out ones.
"""

from __future__ import annotations

import argparse
import io
import random
import sys
import zlib
from pathlib import Path

import pypdfium2 as pdfium
from PIL import Image, ImageFilter

GREY_DPI = 200
FAX_DPI = (200, 100)  # horizontal, vertical
KINDS = ("grey", "fax", "mixed")


def render(page: pdfium.PdfPage, dpi: int) -> Image.Image:
    """A page as a greyscale image at `dpi`."""
    return page.render(scale=dpi / 72, grayscale=True).to_pil().convert("L")


def speckle(image: Image.Image, rng: random.Random, dots: int, dark: float = 0.5) -> Image.Image:
    """Scatter `dots` one- or two-pixel specks over the page, `dark` of them black, the rest white."""
    pixels = image.load()
    width, height = image.size
    for _ in range(dots):
        x, y, size = rng.randrange(width - 2), rng.randrange(height - 2), rng.choice((1, 1, 2))
        value = rng.randrange(0, 90) if rng.random() < dark else 255
        for dx in range(size):
            for dy in range(size):
                pixels[x + dx, y + dy] = value
    return image


def skew(image: Image.Image, rng: random.Random, degrees: float) -> Image.Image:
    return image.rotate(rng.uniform(-degrees, degrees), resample=Image.BICUBIC, expand=False, fillcolor=255)


def grey_scan(page: pdfium.PdfPage, rng: random.Random) -> Image.Image:
    """200 dpi grey: a slight skew, a little blur and paper tone, speckle."""
    image = render(page, GREY_DPI)
    image = skew(image, rng, 1.0)
    image = image.filter(ImageFilter.GaussianBlur(0.6))
    image = image.point(lambda v: 40 + v * 205 // 255)  # toner is never black, paper never white
    return speckle(image, rng, dots=image.size[0] * image.size[1] // 2500)


def fax_scan(page: pdfium.PdfPage, rng: random.Random) -> Image.Image:
    """1-bit at 200 x 100 dpi: every second line dropped, skewed, noisier, thresholded."""
    image = render(page, FAX_DPI[0])
    image = skew(image, rng, 1.0)
    image = image.resize((image.size[0], image.size[1] * FAX_DPI[1] // FAX_DPI[0]), Image.BILINEAR)
    image = speckle(image, rng, dots=image.size[0] * image.size[1] // 800, dark=0.6)
    threshold = rng.randrange(150, 190)
    return image.point(lambda v: 255 if v > threshold else 0).convert("1")


def image_pdf(images: list[Image.Image], dpi: tuple[int, int], quality: int = 60) -> bytes:
    """An image-only PDF, one page per image, sized so each page keeps the original's size."""
    buffer = io.BytesIO()
    first, *rest = images
    options = {"quality": quality} if first.mode == "L" else {}  # JPEG for grey; 1-bit is CCITT G4
    first.save(buffer, "PDF", save_all=True, append_images=rest, dpi=dpi, **options)
    return buffer.getvalue()


def mixed_pdf(original: pdfium.PdfDocument, scanned: bytes) -> bytes:
    """The original with its even-numbered pages (2, 4, ...) replaced by their scans."""
    scans = pdfium.PdfDocument(scanned)
    mixed = pdfium.PdfDocument.new()
    for index in range(len(original)):
        source = scans if index % 2 == 1 else original
        mixed.import_pages(source, [index])
    buffer = io.BytesIO()
    mixed.save(buffer)
    return buffer.getvalue()


def make_scans(source: Path, target: Path, kinds: tuple[str, ...] = KINDS, seed: int = 0) -> int:
    """Write the scanned copies of every PDF under `source` into target/<kind>/; the pages made."""
    for kind in kinds:
        (target / kind).mkdir(parents=True, exist_ok=True)
    pages = 0
    for path in sorted(source.rglob("*.pdf")):
        rng = random.Random(zlib.crc32(path.name.encode()) + seed)
        document = pdfium.PdfDocument(path)
        grey = [grey_scan(document[index], rng) for index in range(len(document))]
        grey_bytes = image_pdf(grey, (GREY_DPI, GREY_DPI))
        if "grey" in kinds:
            (target / "grey" / path.name).write_bytes(grey_bytes)
        if "fax" in kinds:
            fax = [fax_scan(document[index], rng) for index in range(len(document))]
            (target / "fax" / path.name).write_bytes(image_pdf(fax, FAX_DPI))
        if "mixed" in kinds:
            (target / "mixed" / path.name).write_bytes(mixed_pdf(document, grey_bytes))
        pages += len(document)
        document.close()
    return pages


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("source", type=Path, help="folder of digital letter PDFs")
    parser.add_argument("target", type=Path, help="folder for the scans (outside the repository)")
    parser.add_argument("--kinds", default=",".join(KINDS), help="comma-separated: grey,fax,mixed")
    parser.add_argument("--seed", type=int, default=0, help="another degradation of the same letters (0: the usual one)")
    args = parser.parse_args(argv)
    pages = make_scans(args.source, args.target, tuple(args.kinds.split(",")), args.seed)
    print(f"{pages} pages scanned into {args.target}/{{{args.kinds}}}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
