"""Alarm notices through a real Redis and a real `celery worker` process sharing PostgreSQL.

The worker writes its emails to files (Django's file backend, EMAIL_URL=filemail://...), so
this process counts exactly what was sent. Each test runs its own redis-server on a spare
loopback port, which the outage test stops and starts again.

Run with DATABASE_URL=postgres://postgres@127.0.0.1:5432/<db>: the worker connects to pytest's
test database, and `transactional_db` commits what each test writes.
"""

from __future__ import annotations

import email
import os
import time
from collections.abc import Callable, Iterator
from email.message import Message
from pathlib import Path

import pytest

from clinic.models import Patient, User
from notifications.models import AlarmNotice
from notifications.services import alarm_notice_publish
from screening.services import intake_submit
from tests.notifications.conftest import alarm_document
from tests.reports.conftest import celery_broker
from tests.reports.test_worker import (  # noqa: F401 - fixtures
    RedisServer,
    Worker,
    own_redis,
    wait_for,
    worker_database,
)

pytestmark = [pytest.mark.services]

MESSAGE_SEPARATOR = b"\n" + b"-" * 79 + b"\n"


@pytest.fixture
def mail_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "mail"
    folder.mkdir()
    return folder


def sent_messages(folder: Path) -> list[Message]:
    """Every message the file backend wrote (one file per connection, messages separated)."""
    messages = []
    for path in sorted(folder.glob("*.log")):
        for chunk in path.read_bytes().split(MESSAGE_SEPARATOR):
            if chunk.strip():
                messages.append(email.message_from_bytes(chunk))
    return messages


@pytest.fixture
def notice_workers(
    worker_database: str,  # noqa: F811
    mail_folder: Path,
    tmp_path: Path,
) -> Iterator[Callable[..., Worker]]:
    """Start workers on the test database that write emails to `mail_folder`."""
    started: list[Worker] = []

    def start(redis_url: str, *, beat: bool = False, **extra: str) -> Worker:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "clinic.settings",
            "DEBUG": "true",
            "DATABASE_URL": worker_database,
            "REDIS_URL": redis_url,
            "MEDIA_ROOT": str(tmp_path / "media"),
            # An absolute path: the URL's path loses its first slash.
            "EMAIL_URL": f"filemail:///{mail_folder}",
            "PUBLIC_BASE_URL": "https://clinic.example.org",
            "LOG_LEVEL": "INFO",
            **extra,
        }
        worker = Worker(log=tmp_path / f"worker{len(started) + 1}.log", env=env, beat=beat)
        started.append(worker)
        worker.start()
        return worker

    yield start
    for worker in started:
        worker.stop()


def notice_sent(notice_id: int, *, timeout: float) -> AlarmNotice:
    return wait_for(
        lambda: AlarmNotice.objects.filter(pk=notice_id, status=AlarmNotice.Status.SENT).first(),
        timeout=timeout,
        what=f"alarm notice {notice_id} to be sent",
    )


def test_a_notice_published_twice_is_emailed_once_by_the_worker(
    notice_workers: Callable[..., Worker],
    own_redis: RedisServer,  # noqa: F811
    alarm_patient: Patient,
    staff: dict[str, User],
    mail_folder: Path,
) -> None:
    # given a worker with two processes, and a notice whose task is published twice
    worker = notice_workers(own_redis.url, TEST_CONCURRENCY="2")
    with celery_broker(own_redis.url):
        screening = intake_submit(patient=alarm_patient, document=alarm_document())
        notice = AlarmNotice.objects.get(screening=screening)
        assert alarm_notice_publish(notice_id=notice.pk)
    # when both deliveries have run
    notice = notice_sent(notice.pk, timeout=60)
    wait_for(
        lambda: f"alarm notice {notice.pk} not claimed" in worker.log(),
        timeout=30,
        what="the second delivery",
    )
    # then one email went out, to the clinic's staff, with the link
    [message] = sent_messages(mail_folder)
    assert notice.attempts == 1 and notice.recipient_count == 2
    assert sorted(message["To"].split(", ")) == ["ada@example.org", "pia@example.org"]
    body = message.get_payload(decode=True).decode()
    assert f"https://clinic.example.org/dashboard/screenings/{screening.pk}/" in body
    assert alarm_patient.family_name not in body + message["Subject"]
    assert worker.log().count(f"alarm notice {notice.pk} sent") == 1


def test_an_alarm_intake_accepted_while_redis_is_down_is_emailed_once_redis_is_back(
    notice_workers: Callable[..., Worker],
    own_redis: RedisServer,  # noqa: F811
    alarm_patient: Patient,
    staff: dict[str, User],
    mail_folder: Path,
) -> None:
    notice_workers(own_redis.url, beat=True, ALARM_NOTICE_SWEEP_INTERVAL="1")
    # given Redis stopped (no persistence: nothing survives)
    own_redis.stop()
    # when an intake with alarm features is submitted
    with celery_broker(own_redis.url):
        started = time.monotonic()
        screening = intake_submit(patient=alarm_patient, document=alarm_document())
        elapsed = time.monotonic() - started
    # then it is accepted quickly and the notice waits in the database
    assert elapsed < 5
    notice = AlarmNotice.objects.get(screening=screening)
    assert (notice.status, notice.enqueued_at) == (AlarmNotice.Status.PENDING, None)
    assert sent_messages(mail_folder) == []
    # and once Redis is back, the sweep gets it sent, once
    own_redis.start()
    notice = notice_sent(notice.pk, timeout=90)
    assert notice.attempts == 1
    assert len(sent_messages(mail_folder)) == 1
