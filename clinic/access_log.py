"""Logs without the private token of intake links.

The token is part of the path, so a plain access log (and Django's log of 4xx answers) would
record every patient's private link. Gunicorn loads `RedactingLogger` with
`--logger-class clinic.access_log.RedactingLogger`; the settings put `RedactIntakeTokens` on
Django's loggers. Settings configure logging before the apps are loaded: this module imports
no models.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from gunicorn.glogging import Logger

_INTAKE_PATH = re.compile(r"(/intake/)[^/\s?#\"']+")

# The atoms that can carry the path: request line, path, raw URI, referer.
PATH_ATOMS = ("r", "U", "{raw_uri}e", "f")


class RedactingLogger(Logger):
    def atoms(
        self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any
    ) -> dict[str, Any]:
        atoms: dict[str, Any] = super().atoms(resp, req, environ, request_time)
        for name in PATH_ATOMS:
            if isinstance(atoms.get(name), str):
                atoms[name] = redact_intake_path(atoms[name])
        return atoms


def redact_intake_path(text: str) -> str:
    return _INTAKE_PATH.sub(r"\1[token]", text)


class RedactIntakeTokens(logging.Filter):
    """Replaces the token of intake links in log messages (Django logs the path of 4xx)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "/intake/" in message:
            record.msg = redact_intake_path(message)
            record.args = ()
        return True
