"""Finding 1: no published signing key, no published password, no listening address open to the network."""
import re
import stat
from datetime import datetime, timedelta, timezone
from pathlib import Path

import jwt
import pytest

from app import create_app, load_secret_key
from app.config import ConfigurationError, secret_key_problem

ROOT = Path(__file__).resolve().parents[2]


def test_development_key_is_random_kept_under_instance_with_mode_600_and_stable(tmp_path):
    path = tmp_path / "instance" / "secret_key"
    first = load_secret_key(path)
    assert secret_key_problem(first) is None
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_secret_key(path) == first  # web, worker and beat read the same key
    assert load_secret_key(tmp_path / "other" / "secret_key") != first


def test_development_app_without_secret_key_uses_the_instance_key(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    app = create_app({"ENV": "development", "SECRET_KEY": None})
    kept = (Path(app.instance_path) / "secret_key").read_text().strip()
    assert app.config["SECRET_KEY"] == app.config["JWT_SECRET_KEY"] == kept
    assert "dev-secret-key" not in app.config["SECRET_KEY"]


def test_a_token_signed_with_the_once_published_key_is_refused(api, user):
    forged = jwt.encode({"sub": str(user.id), "type": "access", "fresh": False, "jti": "x",
                         "iat": datetime.now(timezone.utc), "nbf": datetime.now(timezone.utc),
                         "exp": datetime.now(timezone.utc) + timedelta(minutes=5)},
                        "dev-secret-key-change-me-not-for-production", algorithm="HS256")
    response = api.get("/users/me", headers={"Authorization": f"Bearer {forged}"})
    assert response.status_code == 401 and response.json["type"] == "UnauthorizedError"


@pytest.mark.parametrize("env", ["production", "staging", "prod"])
@pytest.mark.parametrize("key", [None, "short", "dev-secret-key-change-me-not-for-production",
                                 "test-secret-key-that-is-long-enough-1234"])
def test_every_environment_but_development_and_testing_refuses_a_missing_short_or_known_key(env, key):
    with pytest.raises(ConfigurationError, match="SECRET_KEY"):
        create_app({"ENV": env, "SECRET_KEY": key, "FRONTEND_ORIGINS": ["https://shop.example"]})


def test_an_unknown_environment_name_gets_production_settings():
    app = create_app({"ENV": "staging", "SECRET_KEY": "k" * 48, "FRONTEND_ORIGINS": ["https://shop.example"]})
    assert app.config["ENV"] == "staging" and app.config["SESSION_COOKIE_SECURE"] is True


def test_the_web_process_listens_on_loopback_unless_host_says_otherwise():
    web = next(line for line in (ROOT / "Procfile").read_text().splitlines() if line.startswith("web:"))
    assert "-b ${HOST:-127.0.0.1}:$PORT" in web
    assert '"${HOST:-127.0.0.1}:${PORT:-8000}:8000"' in (ROOT / "docker-compose.yml").read_text()


def _printed_logins(output: str) -> dict[str, str]:
    return {m.group(1): m.group(2) for m in re.finditer(r"^\s+(admin|store|agency)\s+\S+\s+(\S+)$", output, re.M)}


def test_demo_users_get_random_passwords_printed_once(app, api):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["seed", "demo"])
    assert first.exit_code == 0, first.output
    logins = _printed_logins(first.output)
    assert set(logins) == {"admin", "store", "agency"} and len(set(logins.values())) == 3
    for username, password in logins.items():
        assert api.post("/auth/login", json={"username": username, "password": password}).status_code == 200
        assert api.post("/auth/login", json={"username": username,
                                             "password": "demo-password-1"}).status_code == 401
    again = runner.invoke(args=["seed", "demo"])
    assert again.exit_code == 0 and not set(logins.values()) & set(again.output.split())


def test_a_chosen_demo_password_is_set_and_a_weak_one_refused(app, api):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["seed", "demo"]).exit_code == 0
    chosen = runner.invoke(args=["seed", "demo", "--demo-password", "my-own-demo-pass-7"])
    assert chosen.exit_code == 0, chosen.output
    assert api.post("/auth/login", json={"username": "admin", "password": "my-own-demo-pass-7"}).status_code == 200
    weak = runner.invoke(args=["seed", "demo", "--demo-password", "12345678"])
    assert weak.exit_code != 0 and "digits" in weak.output


def test_no_secret_or_published_password_is_written_in_the_code():
    offenders = []
    for path in list((ROOT / "app").rglob("*.py")) + [ROOT / "README.md", ROOT / ".env.example"]:
        text = path.read_text(encoding="utf-8")
        for needle in ("demo-password-1", "dev-secret-key-change-me"):
            if needle in text:
                offenders.append(f"{path.relative_to(ROOT)}: {needle}")
    assert offenders == []
