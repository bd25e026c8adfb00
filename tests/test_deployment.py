"""Production settings, the Dockerfile and docker-compose.yml, checked without a Docker engine."""

from __future__ import annotations

import ast
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from clinic import settings as project_settings

ROOT = Path(__file__).resolve().parent.parent
DOCKERFILE = ROOT / "Dockerfile"
COMPOSE_FILE = ROOT / "docker-compose.yml"
NGINX_DIR = ROOT / "deploy" / "nginx"
POSTGRES_DIR = ROOT / "deploy" / "postgres"
APP_SERVICES = ("migrate", "web", "worker", "beat")

PRODUCTION_ENV = {
    "DEBUG": "false",
    "SECRET_KEY": "s3cr3t-" + "".join(chr(ord("a") + i % 26) for i in range(60)),
    "ALLOWED_HOSTS": "clinic.example.org",
    "DATABASE_URL": "postgres://clinic:password@db.example.org:5432/clinic",
    "REDIS_URL": "redis://redis.example.org:6379/0",
}
# ${NAME:?message} makes compose refuse to start when NAME is unset or empty.
REQUIRED_INTERPOLATION = re.compile(r"\$\{(\w+):\?[^}]*\}")
ANY_INTERPOLATION = re.compile(r"\$\{(\w+)(?::?([-?+])([^}]*))?\}")
# What an operator sets on the host (or in .env); everything else takes the file's defaults.
HOST_ENV = {
    "SECRET_KEY": PRODUCTION_ENV["SECRET_KEY"],
    "ALLOWED_HOSTS": "clinic.example.org",
    "PUBLIC_BASE_URL": "https://clinic.example.org",
    "POSTGRES_PASSWORD": "password",
    "APP_DB_PASSWORD": "app-password",
    "SERVER_NAME": "clinic.example.org",
    "TLS_CERTIFICATES_DIR": "/srv/certs",
}


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run manage.py in a fresh process that sees only `env` (plus PATH and HOME)."""
    base = {name: os.environ[name] for name in ("PATH", "HOME", "LANG") if name in os.environ}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE_FILE.read_text())


def mounts(service: dict[str, Any]) -> dict[str, str]:
    """A service's volumes: target in the container -> source (a host path or a volume)."""
    parts = (re.fullmatch(r"(.+?):(/[^:]*)(?::ro|:rw)?", each) for each in service["volumes"])
    return {part[2]: part[1] for part in parts if part}


def interpolated(value: str) -> str:
    """A compose value as compose would expand it on a host that sets only HOST_ENV."""

    def expand(match: re.Match[str]) -> str:
        name, operator, default = match.groups()
        if HOST_ENV.get(name):
            return HOST_ENV[name]
        return default if operator == "-" else ""

    return ANY_INTERPOLATION.sub(expand, value)


def collectstatic_env_from_dockerfile() -> dict[str, str]:
    """The NAME=value assignments the Dockerfile puts before `manage.py collectstatic`."""
    joined = DOCKERFILE.read_text().replace("\\\n", " ")
    line = next(
        line
        for line in joined.splitlines()
        if line.startswith("RUN ") and "manage.py collectstatic" in line
    )
    words = shlex.split(line.removeprefix("RUN"))
    assignments = words[: words.index("python")]
    return dict(word.split("=", 1) for word in assignments)


class TestProductionSettings:
    def test_the_deploy_check_passes_without_a_warning(self) -> None:
        completed = manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)

        assert completed.returncode == 0, completed.stderr
        assert "no issues" in completed.stdout

    def test_production_without_a_secret_key_stops_with_a_clear_error(self) -> None:
        env = {name: value for name, value in PRODUCTION_ENV.items() if name != "SECRET_KEY"}

        completed = manage("check", env=env)

        assert completed.returncode != 0
        assert "ImproperlyConfigured" in completed.stderr
        assert "SECRET_KEY" in completed.stderr.splitlines()[-1]

    @pytest.mark.parametrize("name", project_settings.REQUIRED_ENV)
    def test_production_names_each_missing_required_variable(self, name: str) -> None:
        env = {key: value for key, value in PRODUCTION_ENV.items() if key != name}

        completed = manage("check", env=env)

        assert completed.returncode != 0
        last_line = completed.stderr.strip().splitlines()[-1]
        assert "ImproperlyConfigured" in last_line
        assert name in last_line

    def test_production_refuses_a_short_secret_key(self) -> None:
        completed = manage("check", env={**PRODUCTION_ENV, "SECRET_KEY": "too-short"})

        assert completed.returncode != 0
        assert "SECRET_KEY must be at least 50 characters" in completed.stderr

    def test_the_required_variables_are_all_production_needs(self) -> None:
        env = {name: PRODUCTION_ENV[name] for name in project_settings.REQUIRED_ENV}

        completed = manage("check", env={**env, "DEBUG": "false"})

        assert completed.returncode == 0, completed.stderr

    def test_production_counts_requests_in_redis_shared_by_every_process(self) -> None:
        code = (
            "from django.conf import settings as s; "
            "print(repr((s.COUNTERS_REDIS_URL, s.COUNTERS_SOCKET_TIMEOUT)))"
        )
        printed = manage("shell", "-c", code, env=PRODUCTION_ENV)

        assert printed.returncode == 0, printed.stderr
        url, timeout = ast.literal_eval(printed.stdout.strip().splitlines()[-1])
        assert url == PRODUCTION_ENV["REDIS_URL"]
        assert 0 < timeout <= 1

    @pytest.mark.parametrize(
        ("setting", "options"),
        [
            ({}, {"server_side_binding": True, "prepare_threshold": 5}),
            ({"DATABASE_PREPARED_STATEMENTS": "false"}, {}),
        ],
    )
    def test_production_prepares_statements_unless_a_pooler_forbids_it(
        self, setting: dict[str, str], options: dict[str, object]
    ) -> None:
        code = (
            "from django.conf import settings as s; print(repr(s.DATABASES['default']['OPTIONS']))"
        )
        printed = manage("shell", "-c", code, env={**PRODUCTION_ENV, **setting})

        assert printed.returncode == 0, printed.stderr
        assert ast.literal_eval(printed.stdout.strip().splitlines()[-1]) == options

    def test_development_runs_without_any_secret(self) -> None:
        completed = manage("check", env={"DEBUG": "true"})

        assert completed.returncode == 0, completed.stderr


class TestCompose:
    @pytest.mark.parametrize("service", APP_SERVICES)
    def test_every_app_process_gets_every_required_variable(self, service: str) -> None:
        environment = compose()["services"][service]["environment"]

        for name in project_settings.REQUIRED_ENV:
            value = str(environment.get(name, ""))
            assert value, f"{service} lacks {name}"
            for variable, _operator, _default in ANY_INTERPOLATION.findall(value):
                # A required value may come from the host only as ${NAME:?...}: loud when unset.
                assert REQUIRED_INTERPOLATION.search(value), (
                    f"{service}: {name} falls back to a default for ${{{variable}}}"
                )
        assert environment["DEBUG"] == "false"

    def test_the_compose_environment_passes_the_deploy_check(self) -> None:
        environment = compose()["services"]["web"]["environment"]
        env = {name: interpolated(str(value)) for name, value in environment.items()}

        completed = manage("check", "--deploy", "--fail-level", "WARNING", env=env)

        assert completed.returncode == 0, completed.stderr

    def test_web_worker_and_beat_run_one_image_built_once(self) -> None:
        services = compose()["services"]

        images = {services[name]["image"] for name in APP_SERVICES}
        builders = [name for name in APP_SERVICES if "build" in services[name]]

        assert len(images) == 1
        assert builders == ["web"]

    def test_the_processes_run_gunicorn_a_worker_and_one_beat(self) -> None:
        services = compose()["services"]

        assert services["web"]["command"][:2] == ["gunicorn", "clinic.wsgi:application"]
        assert services["worker"]["command"][:4] == ["celery", "-A", "clinic", "worker"]
        assert services["beat"]["command"][:4] == ["celery", "-A", "clinic", "beat"]
        assert "beat" not in " ".join(services["worker"]["command"])
        assert "-B" not in services["worker"]["command"]

    def test_redis_keeps_queued_messages_across_a_restart(self) -> None:
        redis = compose()["services"]["redis"]

        command = redis["command"]
        assert command[command.index("--appendonly") + 1] == "yes"
        assert any(volume.endswith(":/data") for volume in redis["volumes"])

    def test_web_and_worker_share_the_media_volume_for_reports(self) -> None:
        services = compose()["services"]

        assert set(services["web"]["volumes"]) == set(services["worker"]["volumes"])
        assert "MEDIA_ROOT" in services["worker"]["environment"]

    def test_the_database_is_postgresql_15(self) -> None:
        assert compose()["services"]["db"]["image"] == "postgres:15"

    def test_only_the_proxy_publishes_ports(self) -> None:
        services = compose()["services"]

        publishing = sorted(name for name, service in services.items() if service.get("ports"))

        assert publishing == ["proxy"]
        assert services["proxy"]["ports"] == ["80:80", "443:443"]

    def test_web_is_reachable_only_inside_the_compose_network(self) -> None:
        services = compose()["services"]

        assert services["web"]["expose"] == ["8000"]
        assert "network_mode" not in services["web"]
        assert "--bind=0.0.0.0:8000" in services["web"]["command"]

    def test_the_proxy_is_nginx_with_the_committed_config_and_certificates(self) -> None:
        proxy = compose()["services"]["proxy"]

        assert proxy["image"].startswith("nginx:")
        mounted = mounts(proxy)
        assert mounted["/etc/nginx/templates/default.conf.template"] == (
            "./deploy/nginx/default.conf.template"
        )
        assert mounted["/etc/nginx/barrier/proxy.conf"] == "./deploy/nginx/proxy.conf"
        assert REQUIRED_INTERPOLATION.match(mounted["/etc/nginx/certs"])
        assert REQUIRED_INTERPOLATION.match(proxy["environment"]["SERVER_NAME"])
        for source in ("./deploy/nginx/default.conf.template", "./deploy/nginx/proxy.conf"):
            assert (ROOT / source).is_file(), source

    def test_the_application_trusts_exactly_the_one_proxy_in_front(self) -> None:
        environment = compose()["services"]["web"]["environment"]

        assert environment["TRUSTED_PROXY_COUNT"] == "1"

    def test_a_variable_required_anywhere_is_required_wherever_it_is_used(self) -> None:
        text = COMPOSE_FILE.read_text()
        uses = ANY_INTERPOLATION.findall(text)

        required = {name for name, operator, _default in uses if operator == "?"}
        loose = {name for name, operator, _default in uses if name in required and operator != "?"}

        assert not loose, f"required, yet defaulted somewhere: {sorted(loose)}"
        # What an operator must set is what the header names and what these tests assume.
        assert required == set(HOST_ENV)
        header = text.split("\n\n", 1)[0]
        for name in required:
            assert f"{name}=" in header, name

    def test_only_the_migrate_job_connects_as_the_owner_of_the_tables(self) -> None:
        services = compose()["services"]
        db = services["db"]["environment"]
        owner = (db["POSTGRES_USER"], HOST_ENV["POSTGRES_PASSWORD"])
        application = (db["APP_DB_USER"], HOST_ENV["APP_DB_PASSWORD"])

        for name in APP_SERVICES:
            url = urlsplit(interpolated(str(services[name]["environment"]["DATABASE_URL"])))
            expected = owner if name == "migrate" else application
            assert (url.username, url.password, url.path) == (*expected, "/clinic"), name
        assert db["APP_DB_USER"] != db["POSTGRES_USER"]
        assert db["POSTGRES_DB"] == "clinic"

    def test_the_database_creates_the_application_role_when_it_first_starts(self) -> None:
        db = compose()["services"]["db"]
        mounted = mounts(db)
        script = POSTGRES_DIR / "create-app-role.sh"

        sql_target = re.search(r"--file\s+(\S+)", script.read_text())

        assert mounted["/docker-entrypoint-initdb.d/10-create-app-role.sh"] == (
            "./deploy/postgres/create-app-role.sh"
        )
        # Executed, not sourced, by the image's entrypoint: its `set -e` stays its own.
        assert os.access(script, os.X_OK)
        assert sql_target is not None
        assert mounted[sql_target.group(1)] == "./deploy/postgres/app-role.sql"
        assert (POSTGRES_DIR / "app-role.sql").is_file()
        # A .sql file in the initdb folder would run on its own, without its psql variables.
        assert all(target.endswith(".sh") for target in mounted if "initdb.d" in target)
        assert REQUIRED_INTERPOLATION.fullmatch(db["environment"]["APP_DB_PASSWORD"])


def nginx_directives(text: str) -> dict[str, list[str]]:
    """Each directive of an nginx config with the arguments of every occurrence."""
    found: dict[str, list[str]] = {}
    for statement in re.sub(r"#[^\n]*", "", text).replace("{", ";").replace("}", ";").split(";"):
        words = statement.split(None, 1)
        if words:
            found.setdefault(words[0], []).append(words[1].strip() if len(words) > 1 else "")
    return found


class TestProxyConfig:
    def test_it_buffers_whole_requests_before_gunicorn_sees_them(self) -> None:
        directives = nginx_directives((NGINX_DIR / "proxy.conf").read_text())

        assert directives["proxy_request_buffering"] == ["on"]
        assert directives["proxy_buffering"] == ["on"]

    def test_it_times_out_slow_clients_well_before_gunicorn_would(self) -> None:
        directives = nginx_directives((NGINX_DIR / "proxy.conf").read_text())

        for name in ("client_header_timeout", "client_body_timeout"):
            [value] = directives[name]
            assert int(value.removesuffix("s")) <= 30, name

    def test_it_tells_the_application_the_client_address_and_scheme(self) -> None:
        headers = nginx_directives((NGINX_DIR / "proxy.conf").read_text())["proxy_set_header"]

        assert "X-Forwarded-For $proxy_add_x_forwarded_for" in headers
        assert "X-Forwarded-Proto $scheme" in headers
        assert "Host $host" in headers

    def test_the_site_terminates_tls_and_proxies_to_web_with_those_settings(self) -> None:
        site = (NGINX_DIR / "default.conf.template").read_text()
        directives = nginx_directives(site)

        assert "443 ssl" in directives["listen"]
        assert directives["ssl_certificate"] == ["/etc/nginx/certs/fullchain.pem"]
        assert directives["ssl_certificate_key"] == ["/etc/nginx/certs/privkey.pem"]
        assert "web:8000" in directives["server"]
        assert directives["proxy_pass"] == ["http://barrier_web"]
        assert directives["include"] == ["/etc/nginx/barrier/proxy.conf"]
        assert "return" in directives  # plain HTTP only redirects
        assert site.count("server_name ${SERVER_NAME};") == 2


class TestDockerfile:
    def test_it_builds_on_python_311_slim_bookworm(self) -> None:
        bases = re.findall(r"^FROM\s+(\S+)", DOCKERFILE.read_text(), re.MULTILINE)

        assert bases == ["python:3.11-slim-bookworm"]

    def test_it_installs_weasyprints_libraries_with_native_font_subsetting(self) -> None:
        text = DOCKERFILE.read_text()

        for package in ("libpango-1.0-0", "libpangoft2-1.0-0", "libharfbuzz-subset0"):
            assert re.search(rf"^\s+{re.escape(package)}\b", text, re.MULTILINE), package
        assert "fonts-dejavu-core" in text

    def test_it_runs_as_a_user_other_than_root(self) -> None:
        users = re.findall(r"^USER\s+(\S+)", DOCKERFILE.read_text(), re.MULTILINE)

        assert users
        assert users[-1] not in {"root", "0"}

    def test_it_serves_the_wsgi_application_with_gunicorn(self) -> None:
        cmd = re.findall(r"^CMD\s+(.+)$", DOCKERFILE.read_text(), re.MULTILINE)[-1]

        assert '"gunicorn", "clinic.wsgi:application"' in cmd

    def test_its_collectstatic_step_works_with_its_placeholder_settings(
        self, tmp_path: Path
    ) -> None:
        # given the very assignments the image build uses
        env = collectstatic_env_from_dockerfile()
        assert set(project_settings.REQUIRED_ENV) <= env.keys()

        # when
        completed = manage("collectstatic", "--noinput", env={**env, "STATIC_ROOT": str(tmp_path)})

        # then
        assert completed.returncode == 0, completed.stderr
        assert (tmp_path / "staticfiles.json").exists()

    def test_the_build_context_leaves_out_secrets_and_local_state(self) -> None:
        ignored = set((ROOT / ".dockerignore").read_text().split())

        assert {".git", ".venv", ".env", "var", "node_modules"} <= ignored
