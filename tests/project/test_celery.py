"""The Celery application as a web process uses it: tasks published by name."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[2]

# A fresh interpreter, as a gunicorn worker is: Django set up, no tasks module imported yet.
WEB_PROCESS = """
import json, os, sys
os.environ["DJANGO_SETTINGS_MODULE"] = "tests.settings"
import django
django.setup()
from celery.app.task import Task
sent = []
Task.delay = lambda self, *args, **kwargs: sent.append([self.name, list(args)])
from clinic.celery import task_publish
before = sorted(n for n in sys.modules if n.endswith(".tasks") and not n.startswith("asyncio"))
for name in (
    "reports.tasks.report_render_task",
    "notifications.tasks.alarm_notice_send_task",
    "clinic.tasks.webhook_deliver_task",
):
    task_publish(name, 7)
print(json.dumps({"before": before, "sent": sent}))
"""


def test_a_web_process_publishes_tasks_whose_modules_it_never_imported() -> None:
    completed = subprocess.run(
        [sys.executable, "-c", WEB_PROCESS],
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    outcome = json.loads(completed.stdout.strip().splitlines()[-1])
    assert outcome["before"] == []
    assert outcome["sent"] == [
        ["reports.tasks.report_render_task", [7]],
        ["notifications.tasks.alarm_notice_send_task", [7]],
        ["clinic.tasks.webhook_deliver_task", [7]],
    ]
