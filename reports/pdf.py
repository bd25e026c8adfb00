"""HTML to PDF for the screening summary: WeasyPrint behind one restricted URL fetcher.

WeasyPrint is imported here, once per process (the import costs about half a second); the
worker imports this module before it forks its pool, so every child starts warm.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import weasyprint
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from weasyprint.text.ffi import harfbuzz_subset
from weasyprint.urls import URLFetcher, URLFetcherResponse

logger = logging.getLogger(__name__)

# Earlier versions let some references bypass the URL fetcher (security advisories).
MINIMUM_WEASYPRINT = (70, 0)
if tuple(int(part) for part in weasyprint.__version__.split(".")[:2]) < MINIMUM_WEASYPRINT:
    raise ImportError(f"reports need WeasyPrint >= 70, found {weasyprint.__version__}")

TEMPLATE = "reports/screening_summary.html"
ASSETS_DIR = Path(__file__).resolve().parent / "assets"
ASSET_SCHEME = "asset:"
ASSET_TYPES = {".css": "text/css", ".svg": "image/svg+xml", ".png": "image/png"}

# A tagged PDF for screen readers: PDF/UA-1 makes WeasyPrint write the structure tree, the
# title and the language.
PDF_VARIANT = "pdf/ua-1"


def _load_assets() -> dict[str, tuple[bytes, str]]:
    """The packaged assets by name, read once: nothing else is ever served to the renderer."""
    return {
        path.name: (path.read_bytes(), ASSET_TYPES[path.suffix])
        for path in sorted(ASSETS_DIR.iterdir())
        if path.is_file() and not path.is_symlink() and path.suffix in ASSET_TYPES
    }


ASSETS = _load_assets()
STYLESHEET = ASSETS["report.css"][0].decode()

# Without libharfbuzz-subset WeasyPrint subsets fonts with fontTools, which stamps every subset's
# `head.modified` with the clock: two renders of one context a second apart differed in the
# embedded fonts. fontTools takes that stamp from SOURCE_DATE_EPOCH when it is set (the
# reproducible-builds convention); any fixed value makes the output depend on the context only.
os.environ.setdefault("SOURCE_DATE_EPOCH", "0")


class AssetFetcher(URLFetcher):
    """Serves `asset:<name>` from the packaged assets; refuses every other URL.

    No network, no file://, no data:, no redirects: a reference injected into any text that
    reached the document would be refused here. Every request is recorded, for the tests.
    """

    def __init__(self) -> None:
        super().__init__(allowed_protocols=("asset",), allow_redirects=False, fail_on_errors=False)
        self.requested: list[str] = []
        self.refused: list[str] = []

    def fetch(self, url: str, headers: Mapping[str, str] | None = None) -> URLFetcherResponse:
        self.requested.append(url)
        asset = ASSETS.get(url[len(ASSET_SCHEME) :]) if url.startswith(ASSET_SCHEME) else None
        if asset is None:
            self.refused.append(url)
            logger.warning("report renderer refused to fetch %.120r", url)
            raise ValueError("only packaged report assets can be fetched")
        body, content_type = asset
        return URLFetcherResponse(url, body=body, headers={"Content-Type": content_type})


@dataclass
class RenderedPdf:
    content: bytes
    page_count: int
    html: str
    fetcher: AssetFetcher = field(repr=False)


def render_html(context: Mapping[str, Any]) -> str:
    """The final, self-contained HTML: the packaged stylesheet is inlined, nothing is linked."""
    return render_to_string(TEMPLATE, {**context, "stylesheet": mark_safe(STYLESHEET)})  # noqa: S308  # nosec B308 B703  # our own CSS file


def render(context: Mapping[str, Any], *, fetcher: AssetFetcher | None = None) -> RenderedPdf:
    """Render the summary; the same context always gives the same bytes."""
    fetcher = fetcher or AssetFetcher()
    html = render_html(context)
    document = weasyprint.HTML(string=html, url_fetcher=fetcher).render()
    attachments = []
    if context.get("result_json"):
        # Dated by the intake, not the clock, so a re-render is byte-identical.
        stamp = datetime.fromisoformat(context["completed_on_iso"]).replace(tzinfo=UTC)
        attachments.append(
            weasyprint.Attachment(
                string=context["result_json"],
                url_fetcher=fetcher,
                name="screening-result.json",
                description="The screening result document (JSON)",
                created=stamp,
                modified=stamp,
            )
        )
    content = document.write_pdf(pdf_variant=PDF_VARIANT, attachments=attachments)
    return RenderedPdf(content=content, page_count=len(document.pages), html=html, fetcher=fetcher)


def render_pdf(context: Mapping[str, Any]) -> bytes:
    return render(context).content


def harfbuzz_subsetting_available() -> bool:
    """Without libharfbuzz-subset WeasyPrint subsets fonts with fontTools, much slower."""
    return harfbuzz_subset is not None
