"""Gunicorn's access log records intake links without their private token."""

from __future__ import annotations

import logging
from types import SimpleNamespace

from gunicorn.config import Config

from clinic.access_log import RedactingLogger

TOKEN = "AuKWPAJyhNcjx1zuBfo_S9FxDJ0XYjX0muteVfG44aY"


def test_the_access_log_never_holds_an_intake_token(caplog: object) -> None:
    # given gunicorn's logger class configured as in the deployment files
    config = Config()
    config.set("accesslog", "-")
    logger = RedactingLogger(config)
    records: list[str] = []
    handler = logging.Handler()
    handler.emit = lambda record: records.append(record.getMessage())  # type: ignore[method-assign]
    logger.access_log.addHandler(handler)
    path = f"/intake/{TOKEN}/bloating/"
    request = SimpleNamespace(
        method="POST", path=path, query="", uri=path, version=(1, 1), headers=[]
    )
    response = SimpleNamespace(status="302 Found", sent=0, headers=[], response_length=0)
    environ = {
        "REMOTE_ADDR": "127.0.0.1",
        "REQUEST_METHOD": "POST",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "RAW_URI": path,
        "HTTP_REFERER": f"http://x{path}",
    }
    # when a request to an intake page is logged
    logger.access(response, request, environ, SimpleNamespace(seconds=0, microseconds=1000))
    # then the line is there, the token is not
    assert records and "/intake/[token]/bloating/" in records[0]
    assert all(TOKEN not in line for line in records)


def test_the_deployment_files_use_the_redacting_logger() -> None:
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    assert "clinic.access_log.RedactingLogger" in (root / "Dockerfile").read_text()
    assert (
        "--logger-class=clinic.access_log.RedactingLogger"
        in (root / "docker-compose.yml").read_text()
    )
