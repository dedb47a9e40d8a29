"""Find letter files and read each one to text: PDF with pypdfium2 (scanned pages by OCR, `ocr`),
text in any common encoding."""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from imrdb.errors import SourceError

# File endings searched for in folders, and the format each is read as.
FORMATS = {".pdf": "pdf", ".txt": "text", ".text": "text", ".md": "markdown", ".markdown": "markdown",
           ".html": "html", ".htm": "html"}
LETTER_SUFFIXES = tuple(FORMATS)  # what a folder is searched for
DEFAULT_MAX_BYTES = 50 * 1024 * 1024  # a real letter is 20-200 KB; anything this big is not one
# A page is a scan to OCR when an image covers much of it and its text layer holds almost nothing:
# a page of a letter carries 20-35 characters a square inch (the shortest dev page, 94 in all).
SCAN_IMAGE_COVER = 0.3  # of the page's area
MIN_TEXT_PER_SQUARE_INCH = 1.0  # characters, spaces not counted: under 94 on a Letter page
OCR_FORMATS = ("pdf-ocr", "pdf-mixed")  # every page with text read by OCR; some of them


def text_path(path: str | os.PathLike) -> str:
    """A path as text any database can store and any terminal can show. A file name that is not
    UTF-8 (an archive made on another system, "d\xe9cision.pdf" in Latin-1) reaches Python with its
    odd bytes as lone surrogates, which neither SQLite nor PostgreSQL accepts; they are written as
    \\xNN escapes instead, so the name stays unique and readable. Any other path is unchanged."""
    path = os.fspath(path)
    if path.isascii():
        return path
    try:
        path.encode("utf-8")
        return path
    except UnicodeEncodeError:
        return path.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


@dataclass(frozen=True)
class SourceFile:
    path: str | os.PathLike  # a str when found by find_letter_files: cheaper than a Path to make and to pickle
    format: str


@dataclass(frozen=True)
class OcrReading:
    """How a PDF's scanned pages were read."""

    engine: str  # "tesseract 5.5.4"
    confidence: float  # the engine's mean word confidence over those pages, 0-100
    pages: tuple[int, ...]  # which pages (1-based)
    page_count: int  # of the PDF's pages
    mixed: bool  # other pages had a text layer of their own
    doubtful: tuple[tuple[str, float], ...] = ()  # words with digits read with low confidence (ocr.OcrPage)
    rereads: tuple[tuple[str, tuple[str, ...]], ...] = ()  # case numbers read again from their crops (ocr.OcrPage)


LOW_OCR_CONFIDENCE = 80.0  # mean word confidence under which a letter's OCR'd pages are worth a look


def ocr_warning(reading: OcrReading | None) -> str | None:
    """A parse warning for a letter whose scanned pages OCR read with low confidence, else None."""
    if reading is None or reading.confidence >= LOW_OCR_CONFIDENCE:
        return None
    pages = ", ".join(str(page) for page in reading.pages)
    return (f"page(s) {pages} read by OCR ({reading.engine}) with a mean confidence of {reading.confidence:g}, "
            f"under {LOW_OCR_CONFIDENCE:g}: check this letter against its file")


@dataclass(frozen=True)
class SourceText:
    path: str | os.PathLike
    format: str
    sha256: str
    text: str
    ocr: OcrReading | None = None


def find_letter_files(paths: Iterable[str | os.PathLike]) -> Iterator[SourceFile]:
    """Yield letter files from files and folders (folders searched recursively, in sorted order).

    A path that does not exist raises SourceError before anything is yielded for it.
    """
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            for dirpath, dirnames, filenames in os.walk(path):
                dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
                folder = str(Path(dirpath))  # each file's path spelled as Path(folder) / name would spell it
                for name in sorted(filenames):
                    fmt = FORMATS.get(os.path.splitext(name)[1].lower())
                    if fmt and not name.startswith("."):
                        yield SourceFile(name if folder == "." else os.path.join(folder, name), fmt)
        elif path.exists():
            yield SourceFile(str(path), FORMATS.get(path.suffix.lower(), "text"))
        else:
            raise SourceError("no such file or folder", str(raw))


def read_bytes(path: str | os.PathLike, max_bytes: int = DEFAULT_MAX_BYTES) -> bytes:
    try:
        status = os.stat(path)
        if stat.S_ISDIR(status.st_mode):
            raise IsADirectoryError
        if not stat.S_ISREG(status.st_mode):  # opening a pipe would wait for a writer for ever
            raise SourceError("not a regular file (a pipe, socket or device)", str(path))
        if status.st_size > max_bytes:
            raise SourceError(f"file is {status.st_size:,} bytes, over the {max_bytes:,}-byte limit (--max-bytes)", str(path))
        with open(path, "rb") as handle:
            data = handle.read(max_bytes + 1)  # a file still growing is read no further than the limit
        if len(data) > max_bytes:
            raise SourceError(f"file grew past the {max_bytes:,}-byte limit while being read (--max-bytes)", str(path))
    except PermissionError:
        raise SourceError("permission denied: the file cannot be read", str(path)) from None
    except IsADirectoryError:
        raise SourceError("is a folder, not a file", str(path)) from None
    except FileNotFoundError:
        raise SourceError("no such file (it disappeared while reading)", str(path)) from None
    except OSError as exc:
        raise SourceError(f"cannot read file: {exc.strerror or exc}", str(path)) from None
    if not data.strip():
        raise SourceError("file is empty", str(path))
    return data


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_letter(source: SourceFile, max_bytes: int = DEFAULT_MAX_BYTES) -> SourceText:
    """Read one file to text. Raises SourceError with a reason a person can act on."""
    data = read_bytes(source.path, max_bytes)
    return text_of(data, source.format, source.path, sha256_of(data))


def text_of(data: bytes, source_format: str, path: Path | str = "", sha256: str = "",
            on_ocr_page: Callable[[], None] | None = None) -> SourceText:
    """A file's bytes as text, with the format it was read as: a PDF is a PDF whatever its name, and
    "pdf-ocr" or "pdf-mixed" when all or some of its pages were scans read by OCR (`on_ocr_page` is
    called after each such page)."""
    if source_format == "pdf" or data[:5] == b"%PDF-":
        text, ocr = pdf_text(data, path, on_ocr_page)
        fmt = "pdf" if ocr is None else "pdf-mixed" if ocr.mixed else "pdf-ocr"
        return SourceText(path, fmt, sha256, text, ocr)
    return SourceText(path, source_format, sha256, decode_text(data, path))


def is_scan(page, text: str) -> bool:
    """Whether a PDF page is a scanned image with no usable text layer (none, or a few stray characters)."""
    import pypdfium2.raw as pdfium_c

    width, height = page.get_size()
    if len(text) - text.count(" ") - text.count("\n") >= MIN_TEXT_PER_SQUARE_INCH * width * height / 72 ** 2:
        return False
    for image in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE], max_depth=2):
        left, bottom, right, top = image.get_bounds()
        if (right - left) * (top - bottom) >= SCAN_IMAGE_COVER * width * height:
            return True
    return False


def pdf_text(data: bytes, path: Path | str = "",
             on_ocr_page: Callable[[], None] | None = None) -> tuple[str, OcrReading | None]:
    """Text of every page, pages joined by a form feed (a page break can fall mid-sentence; cleaning
    makes it a line break), each scanned page read by OCR; and how those were read, if any were."""
    import pypdfium2 as pdfium

    if not data.lstrip()[:5] == b"%PDF-":
        raise SourceError("not a PDF file (no %PDF- header)", str(path))
    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        message = str(exc)
        if "password" in message.lower():
            raise SourceError("PDF is encrypted (password protected); decrypt it first", str(path)) from None
        raise SourceError(f"damaged or unreadable PDF ({message.strip().rstrip('.')})", str(path)) from None
    try:
        pages, scans = [], []
        for index in range(len(document)):
            page = document[index]
            textpage = page.get_textpage()
            text = textpage.get_text_range()
            textpage.close()
            if is_scan(page, text):
                scans.append(index)
            pages.append(text)
            page.close()
        ocr = _read_scans(document, pages, scans, path, on_ocr_page) if scans else None
    finally:
        document.close()
    text = "\f".join(pages)
    if not text.strip():
        if pages:
            raise SourceError(f"PDF has {len(pages)} page(s) but no text layer and no scanned page to OCR", str(path))
        raise SourceError("PDF has no pages", str(path))
    return text, ocr


def _read_scans(document, pages: list[str], scans: list[int], path: Path | str,
                on_ocr_page: Callable[[], None] | None) -> OcrReading:
    """OCR the scanned pages in place in `pages`; refuse the file when no OCR engine is installed."""
    from imrdb import ocr

    reason = ocr.missing()
    if reason is not None:
        which = "all" if len(scans) == len(pages) else f"{len(scans)} of"
        raise SourceError(f"{which} {len(pages)} page(s) are scans without a text layer and {reason}: "
                          f"{ocr.INSTALL_HINT}", str(path))
    mixed = any(text.strip() for index, text in enumerate(pages) if index not in scans)
    confidences, doubtful, rereads = [], [], []
    for index in scans:
        page = document[index]
        reading = ocr.read_page(page)
        page.close()
        pages[index] = reading.text
        confidences.append(reading.confidence)
        doubtful += reading.doubtful
        rereads += reading.rereads
        if on_ocr_page is not None:
            on_ocr_page()
    return OcrReading(ocr.engine_name(), round(sum(confidences) / len(confidences), 1),
                      tuple(index + 1 for index in scans), len(pages), mixed, tuple(doubtful), tuple(rereads))


def decode_text(data: bytes, path: Path | str = "") -> str:
    """UTF-8 (with or without a byte order mark), else Windows-1252, else Latin-1; binary is refused."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise SourceError("not readable text (broken UTF-16)", str(path)) from None
    if b"\x00" in data[:4096] or _control_ratio(data[:8192]) > 0.05:
        raise SourceError("not a text file (binary data)", str(path))
    for encoding in ("utf-8-sig", "cp1252", "latin-1"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise SourceError("not readable text", str(path))  # unreachable: latin-1 decodes any byte


_CONTROL = bytes(b for b in range(32) if b not in (9, 10, 12, 13))


def _control_ratio(sample: bytes) -> float:
    if not sample:
        return 0.0
    return (len(sample) - len(sample.translate(None, _CONTROL))) / len(sample)
