"""Gunicorn's access log without the private token of intake links.

The token is part of the path, so a plain access log would record every patient's private
link. Gunicorn loads this class with `--logger-class clinic.access_log.RedactingLogger`.
"""

from __future__ import annotations

from typing import Any

from gunicorn.glogging import Logger

from clinic.invitations import redact_intake_path

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
