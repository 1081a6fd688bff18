"""The example production set-up in deploy/: every setting documented, and a unit that stops gracefully."""

from __future__ import annotations

import configparser
import re
import secrets
from pathlib import Path

import pytest

from kis_estimator.cli import serving
from kis_estimator.settings import Settings

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
ENV_EXAMPLE = DEPLOY / "kis.env.example"
UNIT = DEPLOY / "kis-estimator.service"
SETTING_LINE = re.compile(r"^(?:# )?([A-Z][A-Z0-9_]*)=")


def test_the_env_example_lists_every_setting_each_with_a_comment() -> None:
    lines = ENV_EXAMPLE.read_text(encoding="utf-8").splitlines()
    listed: list[str] = []
    for number, line in enumerate(lines):
        match = SETTING_LINE.match(line)
        if match is None:
            continue
        listed.append(match.group(1))
        above = lines[number - 1] if number else ""
        assert above.startswith("# ") and not SETTING_LINE.match(above), (
            f"kis.env.example line {number + 1}: {match.group(1)} has no comment of its own above it"
        )
    settings = {name.upper() for name in Settings.model_fields}
    assert sorted(set(listed) & settings) == sorted(settings), (
        f"settings missing from kis.env.example: {sorted(settings - set(listed))}"
    )
    assert len(listed) == len(set(listed)), "a setting is listed twice"


def test_the_env_example_loads_as_a_production_configuration(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in Settings.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)
    settings = Settings(_env_file=ENV_EXAMPLE)  # type: ignore[call-arg]
    assert settings.app_env == "production"
    with pytest.raises(ValueError, match=r"EVIDENCE_SECRET.*placeholder"):
        settings.check_production()  # refused until CHANGE-ME is replaced
    settings.evidence_secret = secrets.token_urlsafe(48)
    settings.check_production()
    assert settings.database_url.startswith("postgresql://")
    assert settings.storage_url.startswith("s3://")
    assert settings.company_name == "KIS 분전반"


def test_the_systemd_unit_runs_kis_serve_and_outlasts_the_graceful_shutdown() -> None:
    unit = configparser.ConfigParser(interpolation=None, strict=False)
    unit.optionxform = str  # type: ignore[assignment,method-assign]
    unit.read(UNIT, encoding="utf-8")
    service = unit["Service"]
    assert re.fullmatch(
        r"\S+/kis serve --host 0\.0\.0\.0 --port 8000 --workers [1-9]\d*", service["ExecStart"]
    ), service["ExecStart"]
    assert service["EnvironmentFile"].startswith("/")
    assert service["Restart"] == "on-failure"
    assert service["KillSignal"] == "SIGTERM"
    timeout_s = int(service["TimeoutStopSec"])
    assert timeout_s > serving.GRACEFUL_S, f"systemd would SIGKILL before the {serving.GRACEFUL_S} s drain"
    assert unit["Install"]["WantedBy"] == "multi-user.target"
