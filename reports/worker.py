"""Worker start-up: warm WeasyPrint before the pool forks, and check its font subsetting."""

from __future__ import annotations

import logging
from typing import Any

from celery.signals import worker_init

logger = logging.getLogger(__name__)

HARFBUZZ_MISSING = (
    "HarfBuzz subsetting (libharfbuzz-subset0) is missing: WeasyPrint falls back to fontTools "
    "and every report renders markedly slower. Install libharfbuzz-subset0."
)


@worker_init.connect
def reports_worker_init(**kwargs: Any) -> None:
    """Import the renderer once in the parent, so every pool process starts warm."""
    from reports import pdf

    if not pdf.harfbuzz_subsetting_available():
        logger.warning(HARFBUZZ_MISSING)
    else:
        logger.info(
            "report renderer ready (WeasyPrint %s, HarfBuzz subsetting)", pdf.weasyprint.__version__
        )
