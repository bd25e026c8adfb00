"""Logs without query values or the private token of intake links.

Query strings carry what staff type (a patient's name in `?q=`, an external id in `?patient=`)
and the path of an intake link carries its token, in the request line, the path and the
Referer alike. `redact_url` is the one redaction: parameter names stay, every value becomes
`[redacted]`, every intake token `[token]`. Headers that carry credentials (session cookies, bearer
tokens: `CREDENTIAL_ATOMS`) are logged as `[redacted]` whole. Gunicorn loads `RedactingLogger` with
`--logger-class clinic.access_log.RedactingLogger`; the settings put `RedactUrls` on Django's
loggers (the paths of 4xx answers, runserver's request lines). nginx has its own format
(deploy/nginx/default.conf.template). Settings configure logging before the apps are loaded:
this module imports no models.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from gunicorn.glogging import Logger

REDACTED = "[redacted]"
_INTAKE_PATH = re.compile(r"(/intake/)[^/\s?#\"']+")
# A password-reset link: /accounts/reset/<uidb64>/<token>/ (a credential, like an intake link).
_RESET_PATH = re.compile(r"(/accounts/reset/[^/\s?#\"']+/)[^/\s?#\"']+")
# From a `?` to the end of the URL: a space or the quote around it in a log line.
_QUERY = re.compile(r"\?([^\s\"]*)")

# The atoms that hold a bare query string, without its `?`.
QUERY_ATOMS = frozenset({"q", "{query_string}e"})
# The atoms of headers that carry credentials: the session and CSRF cookies, API clients' bearer
# tokens, as request headers (`%({cookie}i)s`), response headers (`%({set-cookie}o)s`) and their
# WSGI environ names (`%({http_cookie}e)s`). Gunicorn lowercases the names of all of them.
CREDENTIAL_ATOMS = frozenset(
    {
        "{cookie}i",
        "{authorization}i",
        "{proxy-authorization}i",
        "{set-cookie}o",
        "{http_cookie}e",
        "{http_authorization}e",
        "{http_proxy_authorization}e",
    }
)


class RedactingLogger(Logger):
    """Gunicorn's logger whose every text atom (request line, path, query, Referer, headers,
    environ) goes through the redaction, and whose credential headers are `[redacted]` whole, so
    that no access log format can bring values or secrets back."""

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        # Its error log names the request too ("Error handling request /path?query").
        if not any(isinstance(known, RedactUrls) for known in self.error_log.filters):
            self.error_log.addFilter(RedactUrls())

    def atoms(
        self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any
    ) -> dict[str, Any]:
        atoms: dict[str, Any] = super().atoms(resp, req, environ, request_time)
        for name, value in atoms.items():
            if name.lower() in CREDENTIAL_ATOMS:
                atoms[name] = REDACTED
            elif isinstance(value, str):
                atoms[name] = redact_query(value) if name in QUERY_ATOMS else redact_url(value)
        return atoms


def redact_url(text: str) -> str:
    """`text` (a URL, a path, a request line, a log message) without intake tokens and with
    every query value replaced: `/intake/[token]/welcome/?q=[redacted]&page=[redacted]`."""
    if "?" not in text and "/intake/" not in text and "/accounts/reset/" not in text:
        return text
    return _QUERY.sub(lambda query: "?" + redact_query(query.group(1)), redact_intake_path(text))


def redact_query(query: str) -> str:
    """A query string with its parameter names and without their values; a parameter without
    `=` could be a value itself and is replaced whole."""
    if not query:
        return query
    return "&".join(
        f"{name}={REDACTED}" if found else (REDACTED if name else "")
        for name, found, _ in (parameter.partition("=") for parameter in query.split("&"))
    )


def redact_intake_path(text: str) -> str:
    """`text` with the tokens of intake links and password-reset links as `[token]`."""
    return _RESET_PATH.sub(r"\1[token]", _INTAKE_PATH.sub(r"\1[token]", text))


class RedactUrls(logging.Filter):
    """Applies `redact_url` to log messages (Django logs the path of 4xx answers, runserver the
    request line with its query)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact_url(message)
        if redacted != message:
            record.msg = redacted
            record.args = ()
        return True
