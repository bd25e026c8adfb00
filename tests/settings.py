"""Test settings: the project's settings with fast hashing and files in a temporary folder."""

from __future__ import annotations

import os
import tempfile

os.environ.setdefault("DEBUG", "true")

from clinic.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MEDIA_ROOT = tempfile.mkdtemp(prefix="barrier-media-")
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
# WhiteNoise serves STATIC_ROOT and warns when it does not exist yet (before collectstatic).
os.makedirs(STATIC_ROOT, exist_ok=True)  # noqa: F405
