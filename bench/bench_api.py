"""API throughput and latency under gunicorn with PostgreSQL and bearer tokens.

Figures, each against a bare Django view (a constant JSON body through the same middleware,
settings and server) measured in the same run, interleaved round by round:
1. GET /api/v1/screenings/ (a page of 25) requests per second / bare view's;
2. POST /api/v1/intakes/ (validate, store, score, queue the report) requests per second / bare;
3. the screening list's p50/p95/p99 latency at 8 concurrent clients, with 100,000 screenings
   in the clinic (bulk-inserted once into a dedicated database and kept for later runs).

Needs PostgreSQL (BENCH_API_DATABASE_URL, default the bench_api database, created if missing)
and Redis (BENCH_API_REDIS_URL, default DB 6 of the local server: intakes publish their report
task there; the queue is emptied afterwards). The load comes from client processes on the same
machine, speaking plain HTTP/1.1 over new connections (gunicorn's sync workers close each one).
Run: .venv/bin/python bench/bench_api.py [--seconds 5] [--rounds 3] [--workers 5] [--cpu]
[--against DIR [--against-database URL]]
(`--cpu`: each round's CPU per request of the gunicorn and PostgreSQL processes, from /proc.
`--against DIR`: a second server runs the code of another checkout, e.g. a `git worktree` of an
earlier commit, on the same database; its bare view and list are measured in the same rounds,
in alternating order, and its list is divided by its own bare view. `--against-database URL`:
the other checkout's own database, for a checkout whose migrations differ; its own bench
module prepares and seeds it, and gives its server a token of its own.)
Prints figures; not a test. This module is also the bench server's WSGI entry point and URLconf;
the load side (server start and stop, raw requests, load workers, measurements, CPU readings)
is in `bench/load.py`.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

if __name__ == "__main__":
    # Run as a script: this checkout's packages, bench/ among them, come first on the path.
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.load import (
    BARE_PATH,
    DATABASE_URL,
    Scenario,
    against_database_token,
    cpu_seconds_by_process,
    free_port,
    measure,
    queue_empty,
    raw_request,
    rounds_of,
    server_environment,
    server_start,
    server_stop,
)

SCREENINGS = 100_000
PATIENTS = 1_000
DOCUMENT_TEMPLATES = 400
BATCH = 2_000
SEED = 2026
LIST_PATH = "/api/v1/screenings/?page_size=25"
INTAKE_PATH = "/api/v1/intakes/"
BARE_BODY = {"status": "ok", "service": "barrier-intake", "version": 1}


# The server side: gunicorn loads `wsgi_application()`; its URLconf is this module.


def bare_view(request: Any) -> Any:
    from django.http import JsonResponse

    return JsonResponse(BARE_BODY)


def __getattr__(name: str) -> Any:
    # The URLconf's patterns are built on first use, once Django is set up in the server.
    if name == "urlpatterns":
        from django.urls import include, path

        return [path("bench/bare/", bare_view), path("", include("clinic.urls"))]
    raise AttributeError(name)


def wsgi_application() -> Any:
    """The project's WSGI application with the bare view routed beside it."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic.settings")
    from django.conf import settings
    from django.core.wsgi import get_wsgi_application

    application = get_wsgi_application()
    settings.ROOT_URLCONF = "bench.bench_api"
    return application


# The bench side: database, data, server, load.


def database_prepare() -> None:
    import psycopg

    name = DATABASE_URL.rsplit("/", 1)[1]
    admin_url = DATABASE_URL.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
        if not exists:
            connection.execute(f'CREATE DATABASE "{name}"')
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def data_seed(count: int) -> Any:
    """The bench clinic with `count` screenings (bulk-inserted once; kept between runs)."""
    from clinic.models import Clinic, Patient
    from screening.documents import document_sha256, result_json
    from screening.instruments import get_instrument
    from screening.models import Intake, Screening
    from screening.samples import random_document
    from screening.scoring import score_intake

    clinic, _ = Clinic.objects.get_or_create(slug="bench", defaults={"name": "Bench clinic"})
    missing_patients = PATIENTS - Patient.objects.filter(clinic=clinic).count()
    Patient.objects.bulk_create(
        Patient(
            clinic=clinic,
            external_id=f"BENCH-{index:06d}",
            given_name="Synthetic",
            family_name=f"Patient {index}",
            birth_date=date(1950, 1, 1) + timedelta(days=index * 11),
        )
        for index in range(PATIENTS - missing_patients, PATIENTS)
    )
    existing = Screening.objects.filter(clinic=clinic).count()
    if existing >= count:
        return clinic
    print(f"inserting {count - existing:,} screenings (once) ...", flush=True)
    started = time.perf_counter()
    rng = random.Random(SEED)
    instrument = get_instrument("barrier-intake", 1)
    templates = []
    for index in range(DOCUMENT_TEMPLATES):
        completed_on = date(2024, 1, 1) + timedelta(days=index * 2)
        document = random_document(rng, completed_on=completed_on)
        result = score_intake(document, instrument)
        templates.append((document, document_sha256(document), result, result_json(result)))
    patient_ids = list(Patient.objects.filter(clinic=clinic).values_list("pk", flat=True))
    remaining = count - existing
    while remaining > 0:
        size = min(BATCH, remaining)
        chosen = [(rng.choice(templates), rng.choice(patient_ids)) for _ in range(size)]
        intakes = Intake.objects.bulk_create(
            Intake(
                clinic=clinic,
                patient_id=patient_id,
                instrument=instrument.id,
                version=instrument.version,
                document=document,
                document_sha256=sha,
                completed_on=document["completed_on"],
                source=Intake.Source.DEMO,
            )
            for (document, sha, _, _), patient_id in chosen
        )
        Screening.objects.bulk_create(
            Screening(
                clinic=clinic,
                patient_id=intake.patient_id,
                intake=intake,
                engine=result["engine"],
                intake_sha256=intake.document_sha256,
                result=result,
                result_json=text,
                completed_on=intake.completed_on,
                overall=result["overall"],
                refer_first=result["refer_first"],
                pattern_codes="," + ",".join(p["code"] for p in result["patterns"]) + ","
                if result["patterns"]
                else "",
            )
            for intake, ((_, _, result, text), _) in zip(intakes, chosen, strict=True)
        )
        remaining -= size
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    print(f"... done in {time.perf_counter() - started:.0f} s", flush=True)
    return clinic


def client_token(clinic: Any) -> str:
    from django.utils import timezone

    from clinic.models import ApiClient
    from clinic.services import api_client_create

    # Earlier runs' clients are on the audit trail: revoked and renamed, never deleted.
    for client in ApiClient.objects.filter(clinic=clinic, name="bench"):
        ApiClient.objects.filter(pk=client.pk).update(
            name=f"bench (run {client.pk})", revoked_at=timezone.now()
        )
    return api_client_create(clinic=clinic, name="bench", scope=ApiClient.Scope.READ_WRITE)[1]


def intake_bodies(clinic: Any, count: int = 50) -> list[bytes]:
    from django.utils import timezone

    from clinic.models import Patient
    from screening.samples import random_document

    rng = random.Random(SEED + 1)
    today = timezone.localdate()
    patient_ids = list(Patient.objects.filter(clinic=clinic).values_list("pk", flat=True)[:count])
    bodies = []
    for patient_id in patient_ids:
        document = random_document(rng, completed_on=today)
        # Without a birth date of its own the patient record's is used: a random one would
        # differ from the record's and be refused (400).
        document.pop("patient", None)
        bodies.append(json.dumps({"patient": patient_id, "document": document}).encode())
    return bodies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="per measurement")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=4, help="clients for throughput")
    # gunicorn's recommendation: (2 x cores) + 1 sync workers.
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1)
    parser.add_argument("--screenings", type=int, default=SCREENINGS)
    parser.add_argument(
        "--cpu", action="store_true", help="also print CPU per request of gunicorn and PostgreSQL"
    )
    parser.add_argument(
        "--against", type=Path, help="another checkout: its bare view and list in the same rounds"
    )
    parser.add_argument(
        "--against-database",
        default=DATABASE_URL,
        help="the other checkout's own database, when its migrations differ from these "
        "(prepared and seeded by its own code); default: the same database",
    )
    options = parser.parse_args()

    os.environ.update(server_environment())
    import django

    django.setup()
    database_prepare()
    clinic = data_seed(options.screenings)
    token = client_token(clinic)
    bodies = intake_bodies(clinic)
    from django.db import connection

    connection.close()

    port = free_port()
    bare = "bare Django view"
    scenarios = [
        Scenario(bare, port, [raw_request(port, "GET", BARE_PATH, token)], 200, bare),
        Scenario(
            "GET screening list (25)",
            port,
            [raw_request(port, "GET", LIST_PATH, token)],
            200,
            bare,
        ),
        Scenario(
            "POST intake",
            port,
            [raw_request(port, "POST", INTAKE_PATH, token, body) for body in bodies],
            201,
            bare,
        ),
    ]
    others: list[Scenario] = []
    if options.against:
        other_port, label = free_port(), f"[{options.against.name}]"
        other_token = token
        if options.against_database != DATABASE_URL:
            other_token = against_database_token(
                options.against, options.against_database, options.screenings
            )
        others = [
            Scenario(
                f"{scenario.name} {label}",
                other_port,
                [
                    request.replace(f":{port}".encode(), f":{other_port}".encode(), 1).replace(
                        token.encode(), other_token.encode(), 1
                    )
                    for request in scenario.requests
                ],
                scenario.expected_status,
                f"{bare} {label}",
            )
            for scenario in scenarios[:2]
        ]
    print(
        f"gunicorn: {options.workers} sync workers; PostgreSQL {DATABASE_URL.rsplit('/', 1)[1]}; "
        f"{options.screenings:,} screenings; {options.rounds} rounds x {options.seconds:g} s; "
        f"{options.concurrency} clients",
        flush=True,
    )
    servers = [server_start(port, options.workers)]
    try:
        if others:
            servers.append(
                server_start(
                    others[0].port, options.workers, options.against, options.against_database
                )
            )
        # Warm every worker and path once before measuring.
        for scenario in scenarios + others:
            measure(scenario, options.concurrency, 1.0)
        rates: dict[str, list[float]] = {scenario.name: [] for scenario in scenarios + others}
        failures = 0
        for number, scenario in rounds_of(scenarios, others, options.rounds):
            before = cpu_seconds_by_process() if options.cpu else {}
            result = measure(scenario, options.concurrency, options.seconds)
            rates[scenario.name].append(result.requests_per_second)
            failures += result.failures
            cpu = ""
            if options.cpu:
                after, count = cpu_seconds_by_process(), len(result.latencies)
                cpu = "".join(
                    f"  {name} {(after[name] - before[name]) / count * 1000:.2f} ms/req"
                    for name in ("gunicorn", "postgres")
                )
            print(
                f"  round {number + 1}: {scenario.name:34} {result.requests_per_second:8.1f} req/s"
                f"  p95 {result.percentile(0.95):6.1f} ms{cpu}",
                flush=True,
            )
        latency = measure(scenarios[1], 8, options.seconds * 2)
        bare_latency = measure(scenarios[0], 8, options.seconds)
        failures += latency.failures + bare_latency.failures
    finally:
        for server in servers:
            server_stop(server)
        queue_empty()

    print("\nrequests per second (median of rounds) and ratio to the bare view (per round):")
    for scenario in scenarios + others:
        ratios = [
            rate / base
            for rate, base in zip(rates[scenario.name], rates[scenario.baseline], strict=True)
        ]
        print(
            f"  {scenario.name:34} {statistics.median(rates[scenario.name]):8.1f} req/s"
            f"   ratio {statistics.median(ratios):.3f}"
            f"  (rounds: {', '.join(f'{ratio:.3f}' for ratio in ratios)})"
        )
    print(
        f"\nscreening list at 8 concurrent clients, {options.screenings:,} screenings: "
        f"p50 {latency.percentile(0.50):.1f} ms, p95 {latency.percentile(0.95):.1f} ms, "
        f"p99 {latency.percentile(0.99):.1f} ms ({latency.requests_per_second:.0f} req/s); "
        f"bare view p95 {bare_latency.percentile(0.95):.1f} ms"
    )
    print(f"unexpected status codes: {failures}")
    list_ratio = statistics.median(
        rate / base for rate, base in zip(rates[scenarios[1].name], rates[bare], strict=True)
    )
    intake_ratio = statistics.median(
        rate / base for rate, base in zip(rates[scenarios[2].name], rates[bare], strict=True)
    )
    if failures:
        # Refused requests are cheap: the ratios of such a run say nothing about the targets.
        print("targets: not judged (requests were answered with unexpected status codes)")
        sys.exit(1)
    print(
        "targets: list >= 0.20 of bare: "
        f"{'met' if list_ratio >= 0.20 else 'NOT met'}; intake >= 0.08 of bare: "
        f"{'met' if intake_ratio >= 0.08 else 'NOT met'}; list p95 <= 50 ms: "
        f"{'met' if latency.percentile(0.95) <= 50 else 'NOT met'}"
    )


if __name__ == "__main__":
    main()
