"""Scoring throughput: 10,000 random intakes in one process, against a JSON round trip baseline.

The baseline, `json.loads(json.dumps(document))` of the same documents measured in the same run,
puts the figures in proportion on whatever machine runs them. Each figure is the best of a few
rounds, so a busy neighbour on a shared machine distorts it less. Prints figures; not a test.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable
from datetime import date
from typing import Any

from screening.instruments import current_instrument
from screening.samples import random_document
from screening.scoring import score_intake

COUNT = 10_000
ROUNDS = 3
SEED = 2026
TODAY = date(2026, 11, 24)
INSTRUMENT = current_instrument()


def best_seconds(
    work: Callable[[dict[str, Any]], object], documents: list[dict[str, Any]]
) -> float:
    best = float("inf")
    for _ in range(ROUNDS):
        started = time.perf_counter()
        for document in documents:
            work(document)
        best = min(best, time.perf_counter() - started)
    return best


def json_round_trip(document: dict[str, Any]) -> object:
    return json.loads(json.dumps(document))


def scoring(document: dict[str, Any]) -> object:
    return score_intake(document, INSTRUMENT)


def validation_and_scoring() -> Callable[[dict[str, Any]], object] | None:
    """Validation and scoring together, as an intake is submitted; None without validation."""
    try:
        from screening.validation import validate_intake

        validate_intake(random_document(random.Random(0)), today=TODAY)
    except (ImportError, NotImplementedError):
        return None

    def work(document: dict[str, Any]) -> object:
        if validate_intake(document, today=TODAY):
            raise ValueError("random_document produced an invalid document")
        return score_intake(document, INSTRUMENT)

    return work


def report(name: str, seconds: float, baseline: float) -> None:
    per_intake = seconds / COUNT * 1e6
    print(
        f"{name:<26} {seconds:8.3f} s total  {per_intake:8.1f} µs/intake  "
        f"{seconds / baseline:6.1f}x baseline"
    )


def main() -> None:
    rng = random.Random(SEED)
    documents = [random_document(rng) for _ in range(COUNT)]
    baseline = best_seconds(json_round_trip, documents)
    print(f"{COUNT} random intakes, best of {ROUNDS} rounds")
    report("json round trip (baseline)", baseline, baseline)
    report("scoring", best_seconds(scoring, documents), baseline)
    combined = validation_and_scoring()
    if combined is None:
        print("validation + scoring: screening.validation is not available")
    else:
        report("validation + scoring", best_seconds(combined, documents), baseline)


if __name__ == "__main__":
    main()
