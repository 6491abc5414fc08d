"""Docker cannot run on the development machines, so the deployment files are validated statically."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from common.settings import Settings
from hotline.cli import app as cli_app

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_services_present_with_images_and_healthchecks(compose):
    services = compose["services"]
    assert {"postgres", "api", "worker", "telegram", "rasa"} <= set(services)
    for name, service in services.items():
        assert service.get("image"), f"{name} has no image"
        assert "healthcheck" in service and service["healthcheck"]["test"], f"{name} has no healthcheck"
    assert services["rasa"]["profiles"] == ["rasa"]


def test_app_services_wait_for_healthy_postgres_and_use_env_file(compose):
    for name in ("api", "worker", "telegram"):
        service = compose["services"][name]
        assert service["env_file"] == ".env"
        depends = service["depends_on"]
        assert any(dep.get("condition") == "service_healthy" for dep in depends.values())
    assert compose["services"]["api"]["depends_on"]["postgres"]["condition"] == "service_healthy"


def test_build_files_exist(compose):
    assert (ROOT / "Dockerfile").is_file()
    rasa_build = compose["services"]["rasa"]["build"]
    assert (ROOT / rasa_build["dockerfile"]).is_file()
    assert "nlu/data/nlu.yml" in (ROOT / rasa_build["dockerfile"]).read_text()


@pytest.mark.parametrize("service", ["api", "worker", "telegram"])
def test_service_commands_are_real_cli_commands(compose, service):
    command = compose["services"][service]["command"]
    assert command[0] == "hotline"
    subcommand = []
    for word in command[1:]:
        if word.startswith("-"):
            break
        subcommand.append(word)
    result = CliRunner().invoke(cli_app, [*subcommand, "--help"])
    assert result.exit_code == 0, result.output


def test_env_example_documents_only_real_settings():
    fields = set(Settings.model_fields)
    names = re.findall(r"^(HOTLINE_[A-Z0-9_]+)=", (ROOT / ".env.example").read_text(), re.MULTILINE)
    assert names, "no HOTLINE_ settings documented"
    unknown = [name for name in names if name.removeprefix("HOTLINE_").lower() not in fields]
    assert not unknown, f".env.example names settings that do not exist: {unknown}"
    assert re.search(r"^DATABASE_URL=postgresql\+psycopg://", (ROOT / ".env.example").read_text(), re.MULTILINE)
