"""The production shape: docker-compose.yml, the Dockerfile and the production settings.

There is no container engine on the test machines, so the compose file is checked as data (PyYAML) and the
settings are exercised the way a container starts them: a fresh interpreter with a controlled environment.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
APP_SERVICES = ("web", "worker", "beat")
PRODUCTION_SETTINGS = "pmo.settings.production"


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    data = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    assert isinstance(data, dict)
    return data


@pytest.fixture(scope="module")
def services(compose: dict[str, Any]) -> dict[str, Any]:
    result = compose["services"]
    assert isinstance(result, dict)
    return result


def command_words(service: dict[str, Any]) -> list[str]:
    command = service.get("command")
    if isinstance(command, str):
        return shlex.split(command)
    assert isinstance(command, list), "an application service must state its command"
    return [str(word) for word in command]


def environment(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment", {})
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {str(key): str(value) for key, value in env.items()}


# --- (a) docker-compose.yml ---------------------------------------------------------------------------------


def test_compose_has_the_five_processes(services: dict[str, Any]) -> None:
    assert {"web", "worker", "beat", "postgres", "redis"} <= set(services)


def test_web_runs_gunicorn_on_the_wsgi_application(services: dict[str, Any]) -> None:
    words = command_words(services["web"])
    assert words[0] == "gunicorn"
    assert "pmo.wsgi:application" in words


def test_worker_consumes_the_three_queues(services: dict[str, Any]) -> None:
    words = command_words(services["worker"])
    assert words[:4] == ["celery", "-A", "pmo", "worker"]
    queues_flag = words.index("-Q") if "-Q" in words else words.index("--queues")
    assert set(words[queues_flag + 1].split(",")) == {"default", "reports", "alerts"}


def test_beat_runs_exactly_once(services: dict[str, Any]) -> None:
    beat = services["beat"]
    assert command_words(beat)[:4] == ["celery", "-A", "pmo", "beat"]
    assert int((beat.get("deploy") or {}).get("replicas", 1)) == 1
    assert int(beat.get("scale", 1)) == 1
    assert (beat.get("deploy") or {}).get("mode", "replicated") == "replicated"


@pytest.mark.parametrize("name", APP_SERVICES)
def test_application_services_use_production_settings_and_real_services(services: dict[str, Any], name: str) -> None:
    env = environment(services[name])
    assert env["DJANGO_SETTINGS_MODULE"] == PRODUCTION_SETTINGS
    for variable in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY", "ALLOWED_HOSTS", "PUBLIC_BASE_URL"):
        assert env.get(variable), f"{name} must receive {variable}"
    # Without DATABASE_URL / REDIS_URL the settings would fall back to the embedded services in the container.
    assert env["DATABASE_URL"].startswith(("postgres://", "postgresql://"))
    assert "@postgres:" in env["DATABASE_URL"]
    assert env["REDIS_URL"].startswith("redis://redis:")


@pytest.mark.parametrize("variable", ["SECRET_KEY", "ALLOWED_HOSTS", "PUBLIC_BASE_URL"])
def test_required_settings_have_no_default(services: dict[str, Any], variable: str) -> None:
    """``${VAR:?message}``: compose refuses to start rather than run with a missing secret or host list."""
    for name in APP_SERVICES:
        assert re.fullmatch(rf"\$\{{{variable}:\?[^}}]+\}}", environment(services[name])[variable]), name


@pytest.mark.parametrize("name", APP_SERVICES)
def test_application_services_wait_for_healthy_backends_and_the_migration(services: dict[str, Any], name: str) -> None:
    depends_on = services[name]["depends_on"]
    assert depends_on["postgres"]["condition"] == "service_healthy"
    assert depends_on["redis"]["condition"] == "service_healthy"
    assert depends_on["migrate"]["condition"] == "service_completed_successfully"
    migrate = services["migrate"]
    assert command_words(migrate)[-3:] == ["manage.py", "migrate", "--noinput"]
    assert environment(migrate)["DATABASE_URL"] == environment(services[name])["DATABASE_URL"]
    assert migrate.get("restart", "no") == "no"


@pytest.mark.parametrize("name", ["postgres", "redis", "web"])
def test_healthchecks(services: dict[str, Any], name: str) -> None:
    test = services[name]["healthcheck"]["test"]
    assert isinstance(test, list)
    assert test[0] in {"CMD", "CMD-SHELL"}


def test_web_healthcheck_probes_readyz_as_the_proxy_would(services: dict[str, Any]) -> None:
    test = services["web"]["healthcheck"]["test"]
    assert test[:3] == ["CMD", "python", "-c"]
    probe = test[3]
    compile(probe, "<healthcheck>", "exec")
    assert "/readyz" in probe
    assert "X-Forwarded-Proto" in probe, "without it SECURE_SSL_REDIRECT answers the probe with a redirect"
    assert "ALLOWED_HOSTS" in probe, "without an allowed Host header Django answers the probe with 400"
    assert "$" not in probe, "compose would interpolate it"


def test_postgres_keeps_its_data_in_a_named_volume(compose: dict[str, Any], services: dict[str, Any]) -> None:
    postgres = services["postgres"]
    assert postgres["image"].startswith("postgres:16")
    mounts = {volume.split(":")[1]: volume.split(":")[0] for volume in postgres["volumes"]}
    assert mounts["/var/lib/postgresql/data"] in compose["volumes"]
    assert mounts["/docker-entrypoint-initdb.d"] == "./deploy/postgres-init"
    assert services["redis"]["image"].startswith("redis:7")


def test_application_connects_as_a_role_that_is_subject_to_rls(services: dict[str, Any]) -> None:
    """The application must not be the image's POSTGRES_USER: a superuser bypasses Row-Level Security."""
    postgres_env = environment(services["postgres"])
    superuser_default = re.fullmatch(r"\$\{POSTGRES_USER:-([^}]+)\}", postgres_env["POSTGRES_USER"])
    superuser = superuser_default.group(1) if superuser_default else postgres_env["POSTGRES_USER"]
    for name in (*APP_SERVICES, "migrate"):
        url = environment(services[name])["DATABASE_URL"]
        user = re.match(r"postgres(?:ql)?://([^:@/]+)[:@]", url)
        assert user, url
        assert user.group(1) not in {superuser, "postgres", "${POSTGRES_USER}"}
        assert user.group(1) == "pmo"
        assert "POSTGRES_PASSWORD" not in url

    init_script = (ROOT / "deploy" / "postgres-init" / "01-app-role.sh").read_text()
    create_role = re.search(r"CREATE ROLE pmo\b([^;]*);", init_script)
    assert create_role
    attributes = create_role.group(1).split()
    assert {"LOGIN", "NOSUPERUSER", "NOBYPASSRLS"} <= set(attributes)
    assert "SUPERUSER" not in attributes and "BYPASSRLS" not in attributes
    assert re.search(r"CREATE DATABASE pmo OWNER pmo\s*;", init_script)
    assert "PMO_DB_PASSWORD" in init_script
    assert os.access(ROOT / "deploy" / "postgres-init" / "01-app-role.sh", os.X_OK)
    assert environment(services["postgres"])["PMO_DB_PASSWORD"].startswith("${PMO_DB_PASSWORD:?")


def test_ssl_redirect_stays_configurable(services: dict[str, Any]) -> None:
    for name in APP_SERVICES:
        assert environment(services[name])["SECURE_SSL_REDIRECT"] == "${SECURE_SSL_REDIRECT:-true}"


# --- (b), (c) production settings ---------------------------------------------------------------------------

# Names the production settings read; the tests set them explicitly instead of inheriting the caller's values.
CONTROLLED = (
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "DJANGO_SETTINGS_MODULE",
    "DEBUG",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "CSRF_TRUSTED_ORIGINS",
)


def run_with_production_settings(args: list[str], **variables: str) -> subprocess.CompletedProcess[str]:
    """Run ``python <args>`` with production settings; of the CONTROLLED names, only ``variables`` are set.

    DATABASE_URL / REDIS_URL (or the embedded default when unset) are inherited: the settings must load.
    """
    env = {key: value for key, value in os.environ.items() if key not in CONTROLLED}
    env["DJANGO_SETTINGS_MODULE"] = PRODUCTION_SETTINGS
    env.update(variables)
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False
    )


SETUP = ["-c", "import django; django.setup()"]


def a_secret_key() -> str:
    return secrets.token_urlsafe(64)


def test_production_settings_load_with_a_secret_key_and_allowed_hosts() -> None:
    """The baseline for the refusals below: the same command succeeds when both are given."""
    result = run_with_production_settings(SETUP, SECRET_KEY=a_secret_key(), ALLOWED_HOSTS="pmo.example.com")
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    ("variables", "named"),
    [
        ({"ALLOWED_HOSTS": "pmo.example.com"}, "SECRET_KEY"),
        ({"ALLOWED_HOSTS": "pmo.example.com", "SECRET_KEY": ""}, "SECRET_KEY"),
        ({"ALLOWED_HOSTS": "pmo.example.com", "SECRET_KEY": "too-short-to-be-a-real-secret"}, "SECRET_KEY"),
        ({"SECRET_KEY": "__KEY__"}, "ALLOWED_HOSTS"),
        ({"SECRET_KEY": "__KEY__", "ALLOWED_HOSTS": " , "}, "ALLOWED_HOSTS"),
    ],
    ids=["no-secret-key", "empty-secret-key", "short-secret-key", "no-allowed-hosts", "blank-allowed-hosts"],
)
def test_production_settings_refuse_to_start_without(variables: dict[str, str], named: str) -> None:
    variables = {key: a_secret_key() if value == "__KEY__" else value for key, value in variables.items()}
    result = run_with_production_settings(SETUP, **variables)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert named in result.stderr


def test_deploy_check_passes_without_warnings() -> None:
    result = run_with_production_settings(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        SECRET_KEY=a_secret_key(),
        ALLOWED_HOSTS="pmo.example.com",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


# --- (d) Dockerfile -----------------------------------------------------------------------------------------


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs with continuation lines joined and comments dropped."""
    text = (ROOT / "Dockerfile").read_text()
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
    joined = re.sub(r"\\\n", " ", "\n".join(lines))
    instructions = []
    for line in joined.splitlines():
        if line.strip():
            keyword, _, arguments = line.strip().partition(" ")
            instructions.append((keyword.upper(), arguments.strip()))
    return instructions


def test_dockerfile_runs_gunicorn_with_production_settings_as_a_non_root_user() -> None:
    instructions = dockerfile_instructions()
    keywords = [keyword for keyword, _ in instructions]
    assert instructions[0] == ("FROM", "python:3.11-slim")

    cmd = [arguments for keyword, arguments in instructions if keyword == "CMD"][-1]
    words = json.loads(cmd)  # exec form: a JSON array
    assert isinstance(words, list)
    assert words[0] == "gunicorn"
    assert "pmo.wsgi:application" in words
    assert "0.0.0.0:8000" in words

    env = " ".join(arguments for keyword, arguments in instructions if keyword == "ENV")
    assert f"DJANGO_SETTINGS_MODULE={PRODUCTION_SETTINGS}" in env

    users = [arguments for keyword, arguments in instructions if keyword == "USER"]
    assert users, "the image must not run as root"
    assert users[-1] not in {"root", "0", "0:0"}
    assert keywords.index("USER") < keywords.index("CMD")
    assert ("EXPOSE", "8000") in instructions


def test_dockerfile_builds_what_the_runtime_needs() -> None:
    runs = [arguments for keyword, arguments in dockerfile_instructions() if keyword == "RUN"]
    text = "\n".join(runs)
    for package in ("libpango-1.0-0", "libpangoft2-1.0-0", "libharfbuzz0b", "fonts-noto-cjk"):
        assert package in text
    assert "pip install ." in text
    assert "pybabel compile -d locale -D django" in text
    collectstatic = next(run for run in runs if "collectstatic" in run)
    # Build-time dummies only on that RUN line, never baked into the image's environment.
    assert "SECRET_KEY=" in collectstatic and "ALLOWED_HOSTS=" in collectstatic
    env = " ".join(arguments for keyword, arguments in dockerfile_instructions() if keyword == "ENV")
    assert "SECRET_KEY" not in env and "ALLOWED_HOSTS" not in env


def test_dockerignore_keeps_local_state_out_of_the_image() -> None:
    ignored = {line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines() if line.strip()}
    for entry in (".venv", ".local", ".git", "staticfiles", "test-artifacts", "media", ".env"):
        assert entry in ignored
    assert {"__pycache__", "**/__pycache__"} & ignored
