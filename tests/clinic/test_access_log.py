"""Logs record paths and parameter names, never query values or intake links' private tokens."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest
from gunicorn.config import Config

from clinic.access_log import RedactingLogger, RedactUrls, redact_url

TOKEN = "AuKWPAJyhNcjx1zuBfo_S9FxDJ0XYjX0muteVfG44aY"
ROOT = Path(__file__).resolve().parents[2]


def gunicorn_lines(
    uri: str,
    *,
    referer: str = "-",
    log_format: str | None = None,
    headers: tuple[tuple[str, str], ...] = (),
    response_headers: tuple[tuple[str, str], ...] = (),
) -> list[str]:
    """The access log lines gunicorn's configured logger writes for one GET of `uri` with the
    request `headers` (in environ too, as `HTTP_*`) answered with `response_headers`."""
    config = Config()
    config.set("accesslog", "-")
    if log_format is not None:
        config.set("access_log_format", log_format)
    logger = RedactingLogger(config)
    records: list[str] = []
    handler = logging.Handler()
    handler.emit = lambda record: records.append(record.getMessage())  # type: ignore[method-assign]
    logger.access_log.addHandler(handler)
    path, _, query = uri.partition("?")
    request = SimpleNamespace(
        method="GET", path=path, query=query, uri=uri, version=(1, 1), headers=list(headers)
    )
    response = SimpleNamespace(
        status="200 OK", sent=0, headers=list(response_headers), response_length=0
    )
    environ = {
        "REMOTE_ADDR": "127.0.0.1",
        "REQUEST_METHOD": "GET",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "RAW_URI": uri,
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "HTTP_REFERER": referer,
        **{f"HTTP_{name.upper().replace('-', '_')}": value for name, value in headers},
    }
    logger.access(response, request, environ, SimpleNamespace(seconds=0, microseconds=1000))
    assert records, "gunicorn wrote no access log line"
    return records


def test_the_access_log_never_holds_an_intake_token() -> None:
    path = f"/intake/{TOKEN}/bloating/"

    lines = gunicorn_lines(path, referer=f"http://x{path}")

    assert "/intake/[token]/bloating/" in lines[0]
    assert all(TOKEN not in line for line in lines)


def test_a_patient_name_searched_for_stays_out_of_the_access_log() -> None:
    # given a search for a (synthetic) patient's name on the dashboard
    uri = "/dashboard/patients/?q=Quill&page=2"

    # when gunicorn logs it with its default (combined) format
    [line] = gunicorn_lines(uri)

    # then the path and the parameter names are there, the values are not
    assert '"GET /dashboard/patients/?q=[redacted]&page=[redacted] HTTP/1.1"' in line
    assert "Quill" not in line


def test_the_referer_keeps_its_path_and_loses_its_query_values() -> None:
    [line] = gunicorn_lines(
        "/dashboard/patients/7/",
        referer="https://clinic.example.org/dashboard/audit/?patient=EXT-1",
    )

    assert '"https://clinic.example.org/dashboard/audit/?patient=[redacted]"' in line
    assert "EXT-1" not in line


def test_the_intake_token_and_the_query_go_from_the_same_request_line() -> None:
    [line] = gunicorn_lines(f"/intake/{TOKEN}/review/?from=review")

    assert "/intake/[token]/review/?from=[redacted]" in line
    assert TOKEN not in line
    assert "from=review" not in line


def test_no_access_log_format_brings_the_values_back() -> None:
    # given a format that logs the bare query string, the path and the raw URI from environ
    log_format = "%(U)s %(q)s %({query_string}e)s %({raw_uri}e)s %({referer}i)s"

    [line] = gunicorn_lines(
        f"/admin/clinic/patient/?q=Quill&o={TOKEN}",
        referer=f"https://x/intake/{TOKEN}/",
        log_format=log_format,
    )

    assert "Quill" not in line
    assert TOKEN not in line
    assert "q=[redacted]&o=[redacted]" in line


SESSION = "sessionid=k3q9zv1x7m2c8w4t6y5u0p; csrftoken=Hs8dLq2Wm4Zx9Vb1"
BEARER = f"Bearer bik_{TOKEN}"


@pytest.mark.parametrize(
    "atom",
    [
        "%({cookie}i)s",
        "%({Cookie}i)s",
        "%({authorization}i)s",
        "%({AUTHORIZATION}i)s",
        "%({proxy-authorization}i)s",
        "%({set-cookie}o)s",
        "%({Set-Cookie}o)s",
        "%({http_cookie}e)s",
        "%({HTTP_AUTHORIZATION}e)s",
    ],
)
def test_no_access_log_format_brings_session_cookies_or_bearer_tokens(atom: str) -> None:
    # given a request with a session cookie and a bearer token, answered with a new session
    headers = (("Cookie", SESSION), ("Authorization", BEARER), ("Proxy-Authorization", BEARER))

    # when the access log format names one of those headers
    [line] = gunicorn_lines(
        "/api/v1/patients/",
        log_format=f"%(r)s {atom} %({{user-agent}}i)s",
        headers=(*headers, ("User-Agent", "practice-system/2.1")),
        response_headers=(("Set-Cookie", f"{SESSION}; HttpOnly"),),
    )

    # then the line holds its place as [redacted], and the other headers as they were
    assert line == "GET /api/v1/patients/ HTTP/1.1 [redacted] practice-system/2.1"
    assert TOKEN not in line and "k3q9zv1x7m2c8w4t6y5u0p" not in line


def test_gunicorns_error_log_of_a_failed_request_is_redacted_too() -> None:
    config = Config()
    logger = RedactingLogger(config)
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    logger.error_log.addHandler(handler)
    try:
        logger.exception("Error handling request %s", "/dashboard/patients/?q=Quill")
    finally:
        logger.error_log.removeHandler(handler)

    assert "/dashboard/patients/?q=[redacted]" in stream.getvalue()
    assert "Quill" not in stream.getvalue()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/dashboard/patients/", "/dashboard/patients/"),
        ("/dashboard/patients/?q=", "/dashboard/patients/?q=[redacted]"),
        ("/dashboard/patients/?Quill", "/dashboard/patients/?[redacted]"),
        ("/a/?next=/b/?q=Quill&x=1", "/a/?next=[redacted]&x=[redacted]"),
        ('"GET /a/?q=Quill HTTP/1.1" 200', '"GET /a/?q=[redacted] HTTP/1.1" 200'),
        ("Is this a question? Yes.", "Is this a question? Yes."),
        ("/accounts/reset/MQ/c4k2-5f1e9a/", "/accounts/reset/MQ/[token]/"),
    ],
)
def test_redact_url_keeps_paths_and_names_and_hides_every_value(text: str, expected: str) -> None:
    assert redact_url(text) == expected


@pytest.fixture
def console_output() -> Iterator[io.StringIO]:
    """What the settings' console handler writes while the test runs."""
    console = next(h for h in logging.getLogger().handlers if h.name == "console")
    assert isinstance(console, logging.StreamHandler)
    stream = io.StringIO()
    previous = console.setStream(stream)
    try:
        yield stream
    finally:
        console.setStream(previous)


def test_runservers_request_lines_lose_their_query_values(console_output: io.StringIO) -> None:
    # when the development server logs a search, as django.core.servers.basehttp does
    logging.getLogger("django.server").info(
        '"%s" %s %s', "GET /dashboard/patients/?q=Quill HTTP/1.1", "200", "512"
    )

    # then the console holds the path and the parameter name only
    assert '"GET /dashboard/patients/?q=[redacted] HTTP/1.1" 200 512' in console_output.getvalue()
    assert "Quill" not in console_output.getvalue()


def test_any_logger_reaching_the_console_is_redacted(console_output: io.StringIO) -> None:
    logging.getLogger("django.security.DisallowedRedirect").warning(
        "Redirect to %s refused", f"/intake/{TOKEN}/?q=Quill"
    )

    assert "/intake/[token]/?q=[redacted]" in console_output.getvalue()
    assert TOKEN not in console_output.getvalue()
    assert "Quill" not in console_output.getvalue()


def test_the_filter_leaves_messages_without_urls_as_they_are() -> None:
    record = logging.LogRecord("clinic", logging.INFO, "", 0, "%s reports rendered", (3,), None)

    assert RedactUrls().filter(record)
    assert record.args == (3,)
    assert record.getMessage() == "3 reports rendered"


def test_the_deployment_files_use_the_redacting_logger() -> None:
    assert "clinic.access_log.RedactingLogger" in (ROOT / "Dockerfile").read_text()
    assert (
        "--logger-class=clinic.access_log.RedactingLogger"
        in (ROOT / "docker-compose.yml").read_text()
    )
