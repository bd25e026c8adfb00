"""Reading rendered PDFs back for assertions: text per page, metadata and every stream."""

from __future__ import annotations

from collections.abc import Iterator
from io import BytesIO

from pypdf import PdfReader
from pypdf.generic import StreamObject


def reader_of(content: bytes) -> PdfReader:
    return PdfReader(BytesIO(content))


def page_texts(content: bytes) -> list[str]:
    return [page.extract_text() for page in reader_of(content).pages]


def text_of(content: bytes) -> str:
    return "\n".join(page_texts(content))


def flat(text: str) -> str:
    """Text with line breaks and runs of spaces folded, for phrases a line may split."""
    return " ".join(text.split())


def decoded_streams(content: bytes) -> Iterator[bytes]:
    """Every stream of the file, decompressed: images, fonts, attachments, page content."""
    reader = reader_of(content)
    for number in range(1, int(reader.trailer["/Size"])):
        try:
            obj = reader.get_object(number)
        except Exception:  # noqa: BLE001 - a free or compressed-away object number
            continue
        if isinstance(obj, StreamObject):
            yield obj.get_data()
