"""Settings for the clinic intake and screening backend, read from the environment.

One settings module for every environment (`DJANGO_SETTINGS_MODULE=clinic.settings`), in three
parts: `core` (apps, database, sign-in, sessions, the API, logging), `worker` (Celery and the
periodic sweeps) and `headers` (response headers, HTTPS in production).
"""

from clinic.settings.core import *  # noqa: F403
from clinic.settings.headers import *  # noqa: F403
from clinic.settings.worker import *  # noqa: F403
