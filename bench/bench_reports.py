"""Report rendering: the worker path against raw WeasyPrint, report sizes, throughput, memory.

Figures, each against a baseline measured in the same run:
1. enqueue-to-stored-PDF time of the report task (a real `celery worker`, one process), divided
   by a raw warm `weasyprint.HTML(string=...).write_pdf()` of the same final HTML, interleaved;
2. the largest possible report (every optional item, 30 foods, 2,000 characters in each text,
   notes, an earlier screening) divided by a minimal one, in this process, interleaved;
3. reports per second from one worker with two processes over 300 reports;
4. resident memory of a worker pool process after 300 reports divided by after 30.

Needs PostgreSQL (BENCH_DATABASE_URL, default the dev_reports database; it is flushed) and
Redis (BENCH_REDIS_URL, default DB 5 of the local server). Prints figures; not a test.
`python bench/bench_reports.py [sizes|latency|throughput]` runs one figure only.
"""

from __future__ import annotations

import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any

BASE_DIR = Path(__file__).resolve().parent.parent
DATABASE_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/dev_reports"
)
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/5")
MEDIA_ROOT = tempfile.mkdtemp(prefix="bench-reports-")
os.environ.update(
    DJANGO_SETTINGS_MODULE="clinic.settings",
    DEBUG="true",
    DATABASE_URL=DATABASE_URL,
    REDIS_URL=REDIS_URL,
    MEDIA_ROOT=MEDIA_ROOT,
    LOG_LEVEL="WARNING",
)
sys.path.insert(0, str(BASE_DIR))

import django  # noqa: E402

django.setup()

import redis  # noqa: E402
import weasyprint  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from clinic.models import Clinic, Patient  # noqa: E402
from reports import pdf  # noqa: E402
from reports.constants import TEMPLATE_VERSION  # noqa: E402
from reports.context import EarlierScreening, ReportPatient, report_context  # noqa: E402
from reports.models import Report  # noqa: E402
from reports.selectors import report_context_for  # noqa: E402
from reports.services import report_publish  # noqa: E402
from screening.instruments import get_instrument  # noqa: E402
from screening.samples import random_document, sample_document  # noqa: E402
from screening.scoring import score_intake  # noqa: E402
from screening.services import intake_build, screening_build  # noqa: E402

INSTRUMENT = get_instrument("barrier-intake", 1)
LATENCY_SAMPLES = 20
SIZE_ROUNDS = 7
THROUGHPUT_REPORTS = 300
MEMORY_EARLY = 30


def full_document() -> dict[str, Any]:
    """Every optional item answered, 30 foods, 2,000 characters in each free-text item."""
    foods: list[dict[str, Any]] = [
        {"food": code, "onset_year": 2026 - index % 9, "previously_tolerated": index % 2 == 0}
        for index, code in enumerate(
            ["dairy", "gluten", "egg", "soy", "corn", "tree_nuts", "peanuts", "fish"]
            + ["shellfish", "onion_garlic", "nightshades", "legumes", "citrus"]
        )
    ]
    foods += [
        {
            "food": "other",
            "name": f"Other food {n}",
            "onset_year": 2000 + n,
            "previously_tolerated": True,
        }
        for n in range(30 - len(foods))
    ]
    text = ("Bloating after meals, worse in the evening; tired all day. " * 40)[:2000]
    answers: dict[str, Any] = {
        "bloating.after_small_meals": 3,
        "bloating.after_water": 2,
        "bloating.persistent": 3,
        "sensitivities.foods": foods,
        "sensitivities.list_growing": 3,
        "sensitivities.elimination_tried": True,
        "sensitivities.elimination_relief": "temporary",
        "fatigue.unrefreshed": 3,
        "fatigue.brain_fog": 3,
        "skin.breakouts_with_gut": 2,
        "skin.eczema_flares": 2,
        "skin.diagnosed": ["atopic_dermatitis", "psoriasis", "rosacea", "acne"],
        "mood.mood_tracks_gut": 3,
        "mood.food_anxiety": 3,
        "mood.phq_interest": 2,
        "mood.phq_down": 1,
        "mood.gad_nervous": 2,
        "mood.gad_worry": 2,
        "immune.colds_per_year": 6,
        "immune.allergies_worse": 3,
        "immune.autoimmune": True,
        "red_flags.weight_loss": True,
        "red_flags.anaemia": True,
        "factors.antibiotic_courses_12m": 3,
        "factors.nsaid_use": 3,
        "factors.alcohol_units_week": 20,
        "factors.stress": 4,
        "factors.gi_infection_12m": True,
        "factors.smoking": True,
        "support.fibre_servings_day": 1,
        "support.polyphenol_foods": 0,
        "support.fermented_or_probiotic": False,
        "support.glutamine_or_zinc": False,
        "history.main_concern": text,
        "history.symptom_onset_year": 2024,
        "history.diagnoses": text,
        "history.medications": text,
    }
    return sample_document(answers=answers, birth_date="1960-03-04")


def store_screening(patient: Patient, document: dict[str, Any], notes: str = "") -> Report:
    result = score_intake(document, INSTRUMENT)
    with transaction.atomic():
        intake = intake_build(patient=patient, document=document)
        intake.save()
        screening = screening_build(intake=intake, result=result)
        screening.practitioner_notes = notes
        screening.save()
    # The row as report_queue writes it, unpublished: the benchmark publishes when it starts
    # the clock.
    return Report.objects.create(
        clinic=patient.clinic, screening=screening, template_version=TEMPLATE_VERSION
    )


def patients(clinic: Clinic, count: int, prefix: str) -> list[Patient]:
    return [
        Patient.objects.create(
            clinic=clinic,
            external_id=f"{prefix}-{number:05d}",
            given_name="Bench",
            family_name=f"Patient {number}",
            birth_date="1970-01-01",
        )
        for number in range(count)
    ]


class Worker:
    def __init__(self, concurrency: int, log: Path) -> None:
        self.log = log
        command = [sys.executable, "-m", "celery", "-A", "clinic", "worker", "--loglevel", "INFO"]
        command += ["--concurrency", str(concurrency), "-n", f"bench{concurrency}@%h"]
        command += ["--without-gossip", "--without-mingle", "--without-heartbeat"]
        env = {**os.environ, "LOG_LEVEL": "INFO"}
        with log.open("wb") as output:
            self.process = subprocess.Popen(
                command,
                cwd=BASE_DIR,
                env=env,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + 60
        while " ready." not in log.read_text(errors="replace"):
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise RuntimeError(f"the worker did not start; see {log}")
            time.sleep(0.1)

    def pool_pids(self) -> list[int]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in children.read_text().split()]

    def stop(self) -> None:
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def wait_ready(report_ids: list[int], timeout: float = 600) -> None:
    deadline = time.monotonic() + timeout
    while Report.objects.filter(pk__in=report_ids, status=Report.Status.READY).count() < len(
        report_ids
    ):
        failed = Report.objects.filter(pk__in=report_ids, status=Report.Status.FAILED).first()
        if failed is not None:
            raise RuntimeError(f"report {failed.pk} failed: {failed.last_error}")
        if time.monotonic() > deadline:
            raise RuntimeError("reports did not get ready in time")
        # The worker records when it finished: a slow poll costs no precision, only CPU.
        time.sleep(0.05)


def enqueue_to_stored(report: Report) -> float:
    started = timezone.now()
    report_publish(report_id=report.pk)
    wait_ready([report.pk])
    finished: datetime = Report.objects.values_list("finished_at", flat=True).get(pk=report.pk)
    return (finished - started).total_seconds()


def raw_render(html: str) -> float:
    started = time.perf_counter()
    weasyprint.HTML(string=html).write_pdf()
    return time.perf_counter() - started


def figure_latency(clinic: Clinic, log_dir: Path) -> float:
    import random

    rng = random.Random(2026)
    reports = [
        store_screening(patient, random_document(rng))
        for patient in patients(clinic, LATENCY_SAMPLES + 3, "LATENCY")
    ]
    htmls = {report.pk: pdf.render_html(report_context_for(report=report)) for report in reports}
    worker = Worker(1, log_dir / "worker-latency.log")
    try:
        for report in reports[:3]:  # warm the worker's pool process and this process
            enqueue_to_stored(report)
            raw_render(htmls[report.pk])
        task_times, raw_times = [], []
        for report in reports[3:]:
            raw_times.append(raw_render(htmls[report.pk]))
            task_times.append(enqueue_to_stored(report))
    finally:
        worker.stop()
    in_worker = [
        int(line.rsplit("rendered in ", 1)[1].split()[0])
        for line in worker.log.read_text().splitlines()
        if "rendered in " in line
    ][3:]
    ratio = statistics.median(task_times) / statistics.median(raw_times)
    print(
        f"1. enqueue-to-stored-PDF {statistics.median(task_times) * 1000:.0f} ms, raw write_pdf "
        f"{statistics.median(raw_times) * 1000:.0f} ms (medians of {len(task_times)}): "
        f"ratio {ratio:.2f} (target <= 1.15); tagged PDF/UA render in the worker "
        f"{statistics.median(in_worker):.0f} ms"
    )
    return ratio


def figure_sizes() -> float:
    earlier = sample_document(completed_on="2025-06-01")
    largest = report_context(
        document=full_document(),
        result=score_intake(full_document(), INSTRUMENT),
        patient=ReportPatient(
            name="Bench Largest Patient", birth_date="1960-03-04", external_id="X"
        ),
        clinic_name="Bench Clinic",
        earlier=EarlierScreening(
            completed_on="2025-06-01", result=score_intake(earlier, INSTRUMENT)
        ),
        practitioner_notes=("Discussed the food diary and the next steps. " * 120)[:5000],
    )
    minimal_document = sample_document(birth_date=None)
    minimal = report_context(
        document=minimal_document, result=score_intake(minimal_document, INSTRUMENT)
    )
    pdf.render(minimal)
    pdf.render(largest)
    large_times, small_times = [], []
    for _ in range(SIZE_ROUNDS):
        started = time.perf_counter()
        small = pdf.render(minimal)
        small_times.append(time.perf_counter() - started)
        started = time.perf_counter()
        large = pdf.render(largest)
        large_times.append(time.perf_counter() - started)
    ratio = statistics.median(large_times) / statistics.median(small_times)
    print(
        f"2. largest report {statistics.median(large_times) * 1000:.0f} ms ({large.page_count} "
        f"pages), minimal {statistics.median(small_times) * 1000:.0f} ms ({small.page_count} "
        f"pages): ratio {ratio:.2f} (target <= 2.2)"
    )
    return ratio


def figure_throughput_and_memory(clinic: Clinic, log_dir: Path) -> None:
    import random

    rng = random.Random(300)
    reports = [
        store_screening(patient, random_document(rng))
        for patient in patients(clinic, THROUGHPUT_REPORTS, "THROUGHPUT")
    ]
    worker = Worker(2, log_dir / "worker-throughput.log")
    try:
        started = time.monotonic()
        for report in reports:
            report_publish(report_id=report.pk)
        ids = [report.pk for report in reports]
        early_rss: list[float] = []
        while True:
            done = Report.objects.filter(pk__in=ids, status=Report.Status.READY).count()
            if not early_rss and done >= MEMORY_EARLY:
                early_rss = [rss_mib(pid) for pid in worker.pool_pids()]
            if done == len(ids):
                break
            time.sleep(0.05)
        elapsed = time.monotonic() - started
        late_rss = [rss_mib(pid) for pid in worker.pool_pids()]
        parent_rss = rss_mib(worker.process.pid)
    finally:
        worker.stop()
    print(
        f"3. {len(ids)} reports in {elapsed:.1f} s from one worker with two processes: "
        f"{len(ids) / elapsed:.2f} reports/s"
    )
    ratio = max(late_rss) / max(early_rss)
    print(
        f"4. pool process RSS after {MEMORY_EARLY} reports {max(early_rss):.0f} MiB, after "
        f"{len(ids)} {max(late_rss):.0f} MiB: ratio {ratio:.2f} (target <= 1.25, < 300 MiB); "
        f"worker parent {parent_rss:.0f} MiB"
    )


def main() -> None:
    only = sys.argv[1] if len(sys.argv) > 1 else ""
    print(
        f"WeasyPrint {weasyprint.__version__}, HarfBuzz subsetting "
        f"{'yes' if pdf.harfbuzz_subsetting_available() else 'NO (fontTools fallback)'}"
    )
    if only in ("", "sizes"):
        figure_sizes()
    if only == "sizes":
        return
    try:
        connection.ensure_connection()
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except Exception as error:  # noqa: BLE001
        print(f"figures 1, 3 and 4 skipped: PostgreSQL or Redis unreachable ({error})")
        return
    call_command("migrate", verbosity=0)
    call_command("flush", interactive=False, verbosity=0)
    redis.Redis.from_url(REDIS_URL).delete("celery", "unacked", "unacked_index")
    clinic = Clinic.objects.create(name="Bench Clinic", slug="bench-clinic")
    log_dir = Path(MEDIA_ROOT)
    try:
        if only in ("", "latency"):
            figure_latency(clinic, log_dir)
        if only in ("", "throughput"):
            figure_throughput_and_memory(clinic, log_dir)
    finally:
        shutil.rmtree(MEDIA_ROOT, ignore_errors=True)


if __name__ == "__main__":
    main()
