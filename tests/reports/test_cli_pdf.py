"""`manage.py screen INTAKE.json --pdf OUT.pdf`: the summary PDF without server, worker or database.

No test here has the database mark: pytest-django fails any that touches it.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings
from django.core.management import call_command

from reports.context import report_context
from reports.pdf import render_pdf
from screening.instruments import get_instrument
from screening.scoring import score_intake
from tests.reports.builders import full_document
from tests.reports.pdfs import flat, page_texts, text_of


def test_screen_writes_the_same_pdf_the_renderer_makes_from_the_document(tmp_path: Path) -> None:
    document = full_document(text='Bloating <b>after</b> meals & "always" on.')
    intake = tmp_path / "intake.json"
    intake.write_text(json.dumps(document))
    target = tmp_path / "summary.pdf"

    call_command("screen", str(intake), "--pdf", str(target), stdout=io.StringIO())

    result = score_intake(document, get_instrument("barrier-intake", 1))
    assert target.read_bytes() == render_pdf(report_context(document=document, result=result))
    text = flat(text_of(target.read_bytes()))
    assert 'Bloating <b>after</b> meals & "always" on.' in text
    assert "Alarm features: refer first" in text  # the document reports weight loss
    pages = page_texts(target.read_bytes())
    assert f"Page 1 of {len(pages)}" in pages[0]


def test_screen_renders_a_pdf_with_no_database_reachable(tmp_path: Path) -> None:
    intake = tmp_path / "intake.json"
    intake.write_text(json.dumps(full_document()))
    target = tmp_path / "summary.pdf"
    env = {
        **os.environ,
        "DEBUG": "true",
        "DJANGO_SETTINGS_MODULE": "clinic.settings",
        # Nothing listens on port 1: any query would fail the command.
        "DATABASE_URL": "postgres://nobody@127.0.0.1:1/none",
        "REDIS_URL": "redis://127.0.0.1:1/0",
    }
    completed = subprocess.run(
        [sys.executable, "manage.py", "screen", str(intake), "--pdf", str(target)],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        timeout=120,
    )
    assert completed.returncode == 0, completed.stderr.decode()
    assert json.loads(completed.stdout)["overall"]
    assert target.read_bytes().startswith(b"%PDF-")
