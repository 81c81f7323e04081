"""docker-compose.yml, Dockerfile and .env.example hold together (no Docker engine runs here)."""

import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
APP_VARS = {"DATABASE_URL", "CELERY_BROKER_URL", "CACHE_URL", "SECRET_KEY", "ALLOWED_HOSTS", "EMAIL_URL", "TIME_ZONE"}


@pytest.fixture(scope="module")
def compose():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_services_and_images(compose):
    services = compose["services"]
    assert set(services) >= {"db", "redis", "migrate", "web", "worker", "beat"}
    assert services["db"]["image"].startswith("postgres:15")
    assert services["redis"]["image"].startswith("redis:7")
    assert "gunicorn" in " ".join(services["web"].get("command", [])) or "gunicorn" in (ROOT / "Dockerfile").read_text()
    assert "worker" in " ".join(services["worker"]["command"])
    assert "beat" in " ".join(services["beat"]["command"])
    migrate = " ".join(services["migrate"]["command"])
    assert "migrate --noinput" in migrate and "setup_schedules" in migrate
    assert services["migrate"]["restart"] == "no"


@pytest.mark.parametrize("name", ["migrate", "web", "worker", "beat"])
def test_every_app_container_gets_the_production_variables(compose, name):
    env = compose["services"][name]["environment"]
    assert set(env) >= APP_VARS, APP_VARS - set(env)
    assert env["DEBUG"] == "0"
    assert "@db:5432/" in env["DATABASE_URL"] and env["CELERY_BROKER_URL"].startswith("redis://redis:6379")


@pytest.mark.parametrize("name", ["web", "worker", "beat"])
def test_app_containers_wait_for_migrations_and_healthy_backing_services(compose, name):
    deps = compose["services"][name]["depends_on"]
    assert deps["migrate"]["condition"] == "service_completed_successfully"
    assert deps["db"]["condition"] == deps["redis"]["condition"] == "service_healthy"


def test_healthchecks(compose):
    services = compose["services"]
    web = " ".join(services["web"]["healthcheck"]["test"])
    assert "/healthz" in web and "/readyz" in web
    for name in ("db", "redis", "worker", "beat"):
        assert services[name]["healthcheck"]["test"], name


def test_env_example_documents_every_variable_compose_reads():
    text = (ROOT / "docker-compose.yml").read_text()
    referenced = set(re.findall(r"\$\{([A-Z_]+)", text))
    example = (ROOT / ".env.example").read_text()
    documented = set(re.findall(r"^#?\s*([A-Z_]+)=", example, flags=re.M))
    assert referenced - documented == set()


def test_dockerfile(tmp_path):
    text = (ROOT / "Dockerfile").read_text()
    assert text.startswith("#") and "FROM python:3.11-slim" in text
    assert "pip install -r requirements.txt" in text
    assert "collectstatic --noinput" in text
    users = re.findall(r"^USER (\S+)", text, flags=re.M)
    assert users and users[-1] not in ("root", "0")
    assert "gunicorn autoloan_crm.wsgi:application" in text


def test_healthz_answers_probes_by_ip_over_http_in_production(client, settings):
    settings.ALLOWED_HOSTS = ["crm.example.com"]
    settings.SECURE_SSL_REDIRECT = True
    response = client.get("/healthz", HTTP_HOST="10.0.0.7:8000")
    assert response.status_code == 200
    assert client.get("/borrowers/", HTTP_HOST="10.0.0.7:8000").status_code == 400  # everything else is checked
