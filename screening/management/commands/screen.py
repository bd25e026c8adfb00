"""`manage.py screen INTAKE.json`: validate and score one intake document, without a database."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from reports.context import report_context
from screening.documents import result_json
from screening.instruments.definition import Instrument
from screening.scoring import score_intake
from screening.summary import result_summary_text
from screening.validation import IntakeInvalid, ensure_valid, latest_possible_date

# The exit status of a document that cannot be screened, as with a usage error.
EXIT_INVALID = 2


def reject_constant(name: str) -> Any:
    # Python's json reads NaN and Infinity, which are not JSON; say so instead.
    raise ValueError(f"{name} is not a JSON value")


class Command(BaseCommand):
    help = (
        "Validate and score one intake document (a file, or - for standard input) and print "
        "the result document (json) or a summary for a person (text)."
    )
    # A pure computation: no database, and no project checks that could reach one.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("intake", help="Path of the intake JSON document, or - for stdin.")
        parser.add_argument("--format", choices=["json", "text"], default="json")
        parser.add_argument(
            "--pdf", metavar="OUT.pdf", help="Also render the screening summary PDF to this file."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        document = self.read_document(options["intake"])
        instrument = self.validated_instrument(document)
        result = score_intake(document, instrument)
        self.write_result(result, instrument, options["format"])
        if options["pdf"]:
            self.write_pdf(document, result, Path(options["pdf"]))

    def read_document(self, source: str) -> Any:
        try:
            text = sys.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8")
        except FileNotFoundError:
            raise CommandError(f"{source}: no such file", returncode=EXIT_INVALID) from None
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(f"{source}: cannot read: {error}", returncode=EXIT_INVALID) from None
        name = "standard input" if source == "-" else source
        try:
            return json.loads(text, parse_constant=reject_constant)
        except json.JSONDecodeError as error:
            raise CommandError(
                f"{name}: not valid JSON: {error.msg} (line {error.lineno}, column {error.colno})",
                returncode=EXIT_INVALID,
            ) from None
        except RecursionError:
            raise CommandError(
                f"{name}: not an intake document: nested too deeply", returncode=EXIT_INVALID
            ) from None
        except ValueError as error:
            raise CommandError(
                f"{name}: not valid JSON: {error}", returncode=EXIT_INVALID
            ) from None

    def validated_instrument(self, document: Any) -> Instrument:
        """The document's instrument; every problem on its own line of stderr otherwise."""
        try:
            return ensure_valid(document, today=latest_possible_date(timezone.now()))
        except IntakeInvalid as invalid:
            for problem in invalid.problems:
                self.stderr.write(f"{problem.item}: {problem.message}", style_func=str)
            count = len(invalid.problems)
            raise CommandError(
                f"the intake document is invalid ({count} problem{'s' if count != 1 else ''})",
                returncode=EXIT_INVALID,
            ) from None

    def write_result(self, result: dict[str, Any], instrument: Instrument, output: str) -> None:
        if output == "text":
            self.stdout.write(result_summary_text(result, instrument), ending="")
        else:
            self.stdout.write(result_json(result, indent=2))

    def write_pdf(self, document: Any, result: dict[str, Any], target: Path) -> None:
        """The same summary the worker renders, from the document alone (no database)."""
        from reports.pdf import render_pdf  # WeasyPrint loads only when a PDF is asked for

        content = render_pdf(report_context(document=document, result=result))
        try:
            target.write_bytes(content)
        except OSError as error:
            raise CommandError(f"{target}: cannot write: {error}") from None
