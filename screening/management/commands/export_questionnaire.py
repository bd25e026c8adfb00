"""`manage.py export_questionnaire ID`: an instrument as a FHIR Questionnaire or as its definition."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from screening.fhir.questionnaire import questionnaire_resource
from screening.instruments import UnknownInstrument, get_instrument, latest_instrument
from screening.instruments.definition import Instrument


def definition_document(value: Any) -> Any:
    """The instrument's dataclasses as plain JSON values; each rule says which kind it is."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        document = {
            field.name: definition_document(getattr(value, field.name))
            for field in dataclasses.fields(value)
            if not field.metadata.get("code")  # formulas and profiles: code, not data
        }
        if type(value).__module__ == "screening.rules":
            return {"kind": type(value).__name__, **document}
        return document
    if isinstance(value, tuple | list):
        return [definition_document(part) for part in value]
    if isinstance(value, dict):
        return {key: definition_document(part) for key, part in value.items()}
    return value


class Command(BaseCommand):
    help = "Print an instrument as a FHIR R4 Questionnaire (default) or as its JSON definition."
    # Reads only the instrument registry: no database and no project checks are needed.
    requires_system_checks: list[str] = []

    def add_base_argument(self, parser: CommandParser, *args: Any, **kwargs: Any) -> None:
        # `--version` selects the instrument version here, not Django's version.
        if "--version" not in args:
            super().add_base_argument(parser, *args, **kwargs)

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("instrument", help="The instrument id, e.g. barrier-intake.")
        parser.add_argument(
            "--version", type=int, dest="instrument_version", help="Default: the latest."
        )
        parser.add_argument("--format", choices=["fhir", "json"], default="fhir")

    def handle(self, *args: Any, **options: Any) -> None:
        instrument = self.instrument(options["instrument"], options["instrument_version"])
        if options["format"] == "fhir":
            document = questionnaire_resource(instrument)
        else:
            document = definition_document(instrument)
        self.stdout.write(json.dumps(document, indent=2, ensure_ascii=False))

    def instrument(self, instrument_id: str, version: int | None) -> Instrument:
        try:
            if version is None:
                return latest_instrument(instrument_id)
            return get_instrument(instrument_id, version)
        except UnknownInstrument as error:
            raise CommandError(str(error)) from None
