"""The Celery worker's settings (Redis broker, time limits) and the periodic sweeps (beat)."""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured

from clinic.settings.core import BROKER_SOCKET_TIMEOUT, REDIS_URL, TIME_ZONE, env

CELERY_BROKER_URL = REDIS_URL
CELERY_TASK_ALWAYS_EAGER: bool = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_WORKER_MAX_TASKS_PER_CHILD = env.int("CELERY_WORKER_MAX_TASKS_PER_CHILD", default=100)
CELERY_BROKER_CONNECTION_TIMEOUT = BROKER_SOCKET_TIMEOUT
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_timeout": BROKER_SOCKET_TIMEOUT,
    "socket_connect_timeout": BROKER_SOCKET_TIMEOUT,
    # Above the longest hard time limit of any task, so a running task is never redelivered.
    "visibility_timeout": env.int("BROKER_VISIBILITY_TIMEOUT", default=600),
    "max_retries": 1,
    # Look for messages of crashed workers every 10 s, not every 100 s (interval x throttle).
    "unacked_restore_interval": 10,
    "unacked_restore_throttle": 1,
}
CELERY_TIMEZONE = TIME_ZONE
# A pool process is replaced after this much resident memory (KiB), as well as after
# CELERY_WORKER_MAX_TASKS_PER_CHILD tasks: WeasyPrint's memory grows slowly across renders.
CELERY_WORKER_MAX_MEMORY_PER_CHILD = env.int("CELERY_WORKER_MAX_MEMORY_PER_CHILD", default=300_000)
# A request publishes at most twice, then gives up quickly: the data is committed already and
# the report sweep publishes what could not be sent.
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}

# Screening summary PDFs (reports app). A report left rendering longer than the hard time
# limit belongs to a lost worker: the sweep queues it again, up to REPORTS_MAX_ATTEMPTS.
REPORTS_SOFT_TIME_LIMIT = env.int("REPORTS_SOFT_TIME_LIMIT", default=60)
REPORTS_TIME_LIMIT = env.int("REPORTS_TIME_LIMIT", default=90)
REPORTS_MAX_ATTEMPTS = env.int("REPORTS_MAX_ATTEMPTS", default=5)
REPORTS_STALE_AFTER = env.int("REPORTS_STALE_AFTER", default=REPORTS_TIME_LIMIT + 30)
REPORTS_REQUEUE_AFTER = env.int("REPORTS_REQUEUE_AFTER", default=600)
REPORTS_SWEEP_INTERVAL = env.float("REPORTS_SWEEP_INTERVAL", default=60.0)
_visibility_timeout = CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
if not REPORTS_SOFT_TIME_LIMIT < REPORTS_TIME_LIMIT < REPORTS_STALE_AFTER < _visibility_timeout:
    raise ImproperlyConfigured(
        "need REPORTS_SOFT_TIME_LIMIT < REPORTS_TIME_LIMIT < REPORTS_STALE_AFTER"
        " < BROKER_VISIBILITY_TIMEOUT"
    )
CELERY_BEAT_SCHEDULE = {
    "reports-sweep": {
        "task": "reports.tasks.reports_sweep_task",
        "schedule": REPORTS_SWEEP_INTERVAL,
        "options": {"expires": REPORTS_SWEEP_INTERVAL},
    },
}
# Report files no report refers to (an erasure's delete that failed, a render that failed after
# storing its file), once older than REPORTS_STALE_AFTER (reports/files.py; counts in the log).
CELERY_BEAT_SCHEDULE["report-files-sweep"] = {
    "task": "reports.tasks.report_files_sweep_task",
    "schedule": 3600.0,
    "options": {"expires": 3600.0},
}

# Webhook deliveries that are due (retries, broker outages), and expired idempotency keys.
CELERY_BEAT_SCHEDULE["webhooks-sweep"] = {
    "task": "clinic.tasks.webhooks_sweep_task",
    "schedule": 30.0,
    "options": {"expires": 30.0},
}
CELERY_BEAT_SCHEDULE["idempotency-keys-purge"] = {
    "task": "clinic.tasks.idempotency_keys_purge_task",
    "schedule": 3600.0,
    "options": {"expires": 3600.0},
}
# Retention (clinic.retention, screening.erasure): erases the patients past their clinic's
# retention period (audited; counts in the log) and empties the drafts of expired invitations.
CELERY_BEAT_SCHEDULE["retention-sweep"] = {
    "task": "clinic.tasks.retention_sweep_task",
    "schedule": 86400.0,
    "options": {"expires": 3600.0},
}
# The shortest retention period a clinic may set (`Clinic.retention_days`, checked where it is
# set): the sweep erases every patient whose last intake is older, so 0 or 1 would erase them all.
RETENTION_MIN_DAYS: int = env.int("RETENTION_MIN_DAYS", default=365)
if RETENTION_MIN_DAYS < 1:
    raise ImproperlyConfigured("RETENTION_MIN_DAYS must be 1 or more")

# Alarm notices (notifications app): the email telling the practice that a screening with
# alarm features needs prompt review. A notice handed to the broker and not sent after
# ALARM_NOTICE_REQUEUE_AFTER seconds (its message lost) is published again; after
# ALARM_NOTICE_MAX_ATTEMPTS sends that failed it is marked failed.
ALARM_NOTICE_MAX_ATTEMPTS: int = env.int("ALARM_NOTICE_MAX_ATTEMPTS", default=5)
ALARM_NOTICE_REQUEUE_AFTER: int = env.int("ALARM_NOTICE_REQUEUE_AFTER", default=300)
ALARM_NOTICE_SWEEP_INTERVAL: float = env.float("ALARM_NOTICE_SWEEP_INTERVAL", default=30.0)
CELERY_BEAT_SCHEDULE["alarm-notices-sweep"] = {
    "task": "notifications.tasks.alarm_notices_sweep_task",
    "schedule": ALARM_NOTICE_SWEEP_INTERVAL,
    "options": {"expires": ALARM_NOTICE_SWEEP_INTERVAL},
}
