"""Slow clients do not starve others: nginx with deploy/nginx/proxy.conf in front of gunicorn.

docker-compose.yml runs gunicorn's sync workers behind nginx. Without a Docker engine, the
same property is tested here with the Debian nginx binary and a real gunicorn serving the
project on the loopback: clients that announce a request body and never send it hold nginx
connections only, while a normal request is still answered at once. Without the proxy the
same clients hold every worker (the control case), so the test can tell the two apart.

The same nginx writes its access log in the committed format of deploy/nginx/default.conf.template:
a request with a query and one to an intake link leave neither the values nor the token there.
"""

from __future__ import annotations

import http.client
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.services import require_service

ROOT = Path(__file__).resolve().parents[2]
PROXY_SNIPPET = ROOT / "deploy" / "nginx" / "proxy.conf"
SITE_TEMPLATE = ROOT / "deploy" / "nginx" / "default.conf.template"
WORKERS = 2
SLOW_CLIENTS = WORKERS + 1
ANSWER_WITHIN_SECONDS = 2.0
START_WITHIN_SECONDS = 60.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for_port(port: int, process: subprocess.Popen[bytes], name: str) -> None:
    deadline = time.monotonic() + START_WITHIN_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"{name} exited with {process.returncode}")
        with socket.socket() as client:
            if client.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    pytest.fail(f"{name} did not start within {START_WITHIN_SECONDS} s")


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


def site_access_log() -> tuple[str, str]:
    """The site's access log: its http-level statements (maps, log_format) and the format name
    that every server of deploy/nginx/default.conf.template logs with."""
    site = SITE_TEMPLATE.read_text()
    statements = re.findall(r"^(?:map\s.*?^\}|log_format\s.*?;)$", site, re.MULTILINE | re.DOTALL)
    formats = re.findall(r"^\s*access_log\s+\S+\s+(\S+);", site, re.MULTILINE)
    assert len(formats) == site.count("\nserver {"), "a server without the site's access log"
    [log_format] = set(formats)
    return "\n".join(statements), log_format


def nginx_config(directory: Path, *, listen: int, upstream: int) -> Path:
    """A minimal nginx in `directory` whose one server uses the committed proxy settings and
    writes the site's access log to `directory`/access.log."""
    user = "user root;\n" if os.geteuid() == 0 else ""
    log_statements, log_format = site_access_log()
    config = directory / "nginx.conf"
    config.write_text(
        f"""{user}worker_processes 1;
daemon off;
pid {directory}/nginx.pid;
error_log {directory}/error.log warn;
events {{ worker_connections 64; }}
http {{
{log_statements}
    client_body_temp_path {directory}/body;
    proxy_temp_path {directory}/proxy;
    fastcgi_temp_path {directory}/fastcgi;
    uwsgi_temp_path {directory}/uwsgi;
    scgi_temp_path {directory}/scgi;
    server {{
        listen 127.0.0.1:{listen};
        access_log {directory}/access.log {log_format};
        include {PROXY_SNIPPET};
        location / {{
            proxy_pass http://127.0.0.1:{upstream};
        }}
    }}
}}
"""
    )
    return config


def warm_up(port: int) -> None:
    """A first request to each worker: Django imports the URLconf and templates on it."""
    for _ in range(3):
        with ThreadPoolExecutor(max_workers=WORKERS) as pool:
            statuses = list(pool.map(lambda _: page_status(port, timeout=30), range(WORKERS)))
        assert statuses == [200] * WORKERS


@pytest.fixture(scope="module")
def gunicorn_port(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    """The project under gunicorn with two sync workers, as docker-compose.yml runs it."""
    port = free_port()
    database = tmp_path_factory.mktemp("slow-clients") / "db.sqlite3"
    env = {
        **os.environ,
        "DEBUG": "true",
        "DATABASE_URL": f"sqlite:///{database}",
        "REDIS_URL": "redis://127.0.0.1:1/0",
        "COUNTERS_REDIS_URL": "",
    }
    command = [
        *(sys.executable, "-m", "gunicorn", "clinic.wsgi:application"),
        f"--bind=127.0.0.1:{port}",
        f"--workers={WORKERS}",
        "--timeout=60",
    ]
    server = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        wait_for_port(port, server, "gunicorn")
        warm_up(port)
        yield port
    finally:
        stop(server)


@pytest.fixture(scope="module")
def nginx_directory(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """nginx's prefix: its configuration and its logs."""
    return tmp_path_factory.mktemp("nginx")


@pytest.fixture(scope="module")
def nginx_port(gunicorn_port: int, nginx_directory: Path) -> Iterator[int]:
    binary = shutil.which("nginx") or (
        "/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None
    )
    require_service("nginx", binary is not None, "no nginx binary (apt-get install nginx-light)")
    assert binary is not None
    directory = nginx_directory
    port = free_port()
    config = nginx_config(directory, listen=port, upstream=gunicorn_port)
    proxy = subprocess.Popen(
        [binary, "-p", str(directory), "-c", str(config), "-e", str(directory / "error.log")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port, proxy, "nginx")
        yield port
    finally:
        stop(proxy)


# With a CSRF cookie and no token header, Django's CSRF check reads the form body for the
# token: the worker waits for a body that never comes (without a cookie it would answer 403
# at once without reading it).
SLOW_REQUEST = (
    b"POST /accounts/login/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
    b"Cookie: csrftoken=" + b"a" * 32 + b"\r\n"
    b"Content-Type: application/x-www-form-urlencoded\r\n"
    b"Content-Length: 65536\r\n\r\nusername=x"
)


@contextmanager
def slow_body_clients(port: int, count: int) -> Iterator[list[socket.socket]]:
    """`count` connections that announce a body of 64 KiB, send 10 bytes of it and wait."""
    clients: list[socket.socket] = []
    try:
        for _ in range(count):
            client = socket.create_connection(("127.0.0.1", port), timeout=5)
            client.sendall(SLOW_REQUEST)
            clients.append(client)
        time.sleep(0.5)  # let gunicorn's workers (or nginx) accept them all
        yield clients
    finally:
        for client in clients:
            client.close()


def page_status(port: int, *, timeout: float) -> int | None:
    """The status of a plain GET, or None when it is not answered within `timeout` seconds."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as client:
            client.sendall(
                b"GET /accounts/login/ HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
            )
            status_line = client.recv(64).split(b"\r\n", 1)[0]
    except TimeoutError:
        return None
    return int(status_line.split()[1])


def normal_request_status(port: int) -> int | None:
    return page_status(port, timeout=ANSWER_WITHIN_SECONDS)


def test_slow_body_clients_behind_nginx_leave_other_requests_answered(nginx_port: int) -> None:
    # given more clients stalled mid-body than gunicorn has workers
    with slow_body_clients(nginx_port, SLOW_CLIENTS):
        # when another client asks for a page
        started = time.monotonic()
        status = normal_request_status(nginx_port)
        elapsed = time.monotonic() - started

    # then it is answered at once
    assert status == 200
    assert elapsed < ANSWER_WITHIN_SECONDS


def test_without_the_proxy_the_same_clients_starve_gunicorn(
    gunicorn_port: int, nginx_port: int
) -> None:
    """The control case: the harness does stall a bare gunicorn, so the test above can fail."""
    with slow_body_clients(gunicorn_port, SLOW_CLIENTS):
        assert normal_request_status(gunicorn_port) is None


INTAKE_TOKEN = "AuKWPAJyhNcjx1zuBfo_S9FxDJ0XYjX0muteVfG44aY"


def get(port: int, target: str, headers: dict[str, str]) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", target, headers=headers)
        return connection.getresponse().status
    finally:
        connection.close()


def access_log_lines(path: Path, count: int) -> list[str]:
    """The log's lines once it has `count` of them (nginx writes each when its request ends)."""
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        lines = path.read_text().splitlines() if path.exists() else []
        if len(lines) >= count:
            return lines
        time.sleep(0.1)
    pytest.fail(f"nginx's access log has fewer than {count} lines")


def test_nginxs_access_log_holds_paths_without_query_values_referers_or_intake_tokens(
    nginx_port: int, nginx_directory: Path
) -> None:
    # given the site's access log, and what it already holds
    log = nginx_directory / "access.log"
    before = len(log.read_text().splitlines()) if log.exists() else 0

    # when a search for a (synthetic) patient's name, with a Referer carrying a patient's id,
    # and a page of an intake link go through nginx
    get(
        nginx_port,
        "/dashboard/patients/?q=Quill&page=2",
        {"Referer": "https://clinic.example.org/dashboard/audit/?patient=EXT-1"},
    )
    get(
        nginx_port,
        f"/intake/{INTAKE_TOKEN}/welcome/?step=Quill",
        {"Referer": f"https://clinic.example.org/intake/{INTAKE_TOKEN}/"},
    )
    # and a password-reset link (a credential in its path)
    get(nginx_port, "/accounts/reset/MQ/c4k2-reset-token-5f1e9a/", {})

    # then the log records the paths, and neither a value, the Referer nor a token
    text = "\n".join(access_log_lines(log, before + 3)[before:])
    assert '"GET /dashboard/patients/?[redacted] HTTP/1.1"' in text
    assert '"GET /intake/[token]/welcome/?[redacted] HTTP/1.1"' in text
    assert '"GET /accounts/reset/MQ/[token]/ HTTP/1.1"' in text
    for secret in ("Quill", "page=2", "EXT-1", "audit", INTAKE_TOKEN, "reset-token"):
        assert secret not in text, secret
