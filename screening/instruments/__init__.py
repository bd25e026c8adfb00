"""The registry of instruments by id and version."""

from __future__ import annotations

from screening.instruments import barrier_intake_v1
from screening.instruments.definition import Instrument

INSTRUMENTS: dict[tuple[str, int], Instrument] = {
    (instrument.id, instrument.version): instrument
    for instrument in (barrier_intake_v1.INSTRUMENT,)
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
