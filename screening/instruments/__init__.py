"""The registry of instruments by id and version.

Each released version is a folder `screening/instruments/<instrument>/v<N>/` whose package
exports `INSTRUMENT`; the registry finds them, so a new version adds a folder and touches
nothing else.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from screening.instruments.definition import Instrument

VERSION_PACKAGE = re.compile(r"v\d+")


def discovered_instruments() -> list[Instrument]:
    """`INSTRUMENT` of every `<instrument>/v<N>` package under this folder."""
    found = []
    for instrument_package in pkgutil.iter_modules([str(Path(__file__).parent)]):
        if not instrument_package.ispkg:
            continue
        folder = Path(__file__).parent / instrument_package.name
        for version in pkgutil.iter_modules([str(folder)]):
            if version.ispkg and VERSION_PACKAGE.fullmatch(version.name):
                module = importlib.import_module(
                    f"{__name__}.{instrument_package.name}.{version.name}"
                )
                found.append(module.INSTRUMENT)
    return found


INSTRUMENTS: dict[tuple[str, int], Instrument] = {
    (instrument.id, instrument.version): instrument for instrument in discovered_instruments()
}


class UnknownInstrument(LookupError):
    pass


def get_instrument(instrument_id: str, version: int) -> Instrument:
    try:
        return INSTRUMENTS[(instrument_id, version)]
    except KeyError:
        raise UnknownInstrument(
            f"unknown instrument {instrument_id!r} version {version!r}"
        ) from None


def latest_instrument(instrument_id: str) -> Instrument:
    versions = [key[1] for key in INSTRUMENTS if key[0] == instrument_id]
    if not versions:
        raise UnknownInstrument(f"unknown instrument {instrument_id!r}")
    return INSTRUMENTS[(instrument_id, max(versions))]


def current_instrument() -> Instrument:
    """The newest version of the instrument this deployment collects (samples and the demo)."""
    ids = sorted({instrument_id for instrument_id, _ in INSTRUMENTS})
    if len(ids) != 1:
        raise UnknownInstrument(f"no single current instrument among {ids}")
    return latest_instrument(ids[0])


def instrument_of(document: Mapping[str, Any]) -> Instrument:
    """The instrument version an intake or result document names."""
    return get_instrument(document["instrument"], document["version"])
