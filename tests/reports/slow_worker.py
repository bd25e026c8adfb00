"""A Celery worker whose report renders take REPORTS_TEST_RENDER_DELAY seconds longer.

Test-only entry point (`python -m tests.reports.slow_worker -A clinic worker ...`): it leaves
the product untouched and gives a test time to kill a worker in the middle of a render.
"""

from __future__ import annotations

import os
import sys
import time
from typing import Any

from reports import pdf

RENDER_DELAY = float(os.environ.get("REPORTS_TEST_RENDER_DELAY", "0"))
_render = pdf.render


def slow_render(context: Any, **kwargs: Any) -> pdf.RenderedPdf:
    time.sleep(RENDER_DELAY)
    return _render(context, **kwargs)


if __name__ == "__main__":
    pdf.render = slow_render  # type: ignore[assignment]
    from celery.__main__ import main

    sys.argv[0] = "celery"
    sys.exit(main())
