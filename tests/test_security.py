"""Deployment settings, the Content Security Policy, login lockout and the 503 when the database is gone."""

import os
import secrets
import subprocess
import sys
from http import HTTPStatus
from pathlib import Path

import pytest
from django.db import OperationalError
from django.db.backends.base.base import BaseDatabaseWrapper

from tests import factories

ROOT = Path(__file__).resolve().parents[1]


def test_check_deploy_reports_nothing_with_production_settings():
    env = {
        k: v
        for k, v in os.environ.items()
        # DJANGO_ALLOW_ASYNC_UNSAFE is set by the browser tests' live server, never in production.
        if k not in {"DEBUG", "DJANGO_SETTINGS_MODULE", "SECURE_SSL_REDIRECT", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    env |= {"SECRET_KEY": secrets.token_urlsafe(60), "ALLOWED_HOSTS": "claimledger.example.org"}
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_production_settings_refuse_to_start_without_a_secret_key():
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY", "DJANGO_SETTINGS_MODULE"}}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode != 0
    assert "SECRET_KEY is not set." in result.stderr


@pytest.mark.parametrize("path", ["/admin/login/", "/api/v1/", "/api/v1/docs/", "/api/v1/sources/"])
def test_every_page_carries_the_content_security_policy(client, db, path):
    response = client.get(path)
    assert response.status_code == HTTPStatus.OK
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "script-src 'self'" in policy
    assert "unsafe" not in policy.split("script-src")[1].split(";")[0]
    assert "frame-ancestors 'none'" in policy
    assert "object-src 'none'" in policy


def test_api_docs_page_has_no_inline_script_and_serves_its_start_up_script_as_a_file(client, db):
    page = client.get("/api/v1/docs/").content.decode()
    tags = [chunk.split(">")[0] for chunk in page.split("<script")[1:]]
    assert tags and all("src=" in tag for tag in tags)
    script = client.get("/api/v1/docs/?script=")
    assert script.status_code == HTTPStatus.OK
    assert script["Content-Type"].startswith("application/javascript")
    assert b"/api/v1/schema/" in script.content


def test_repeated_failed_logins_lock_the_account_and_a_forged_forwarded_for_does_not_help(client, db):
    factories.make_user("mallory-target", is_staff=True)
    for attempt in range(4):
        response = client.post(
            "/admin/login/",
            {"username": "mallory-target", "password": f"wrong-{attempt}"},
            HTTP_X_FORWARDED_FOR=f"10.0.0.{attempt}",
        )
        assert response.status_code == HTTPStatus.OK  # the form again, with an error
    fifth = client.post("/admin/login/", {"username": "mallory-target", "password": "wrong-5"})
    assert fifth.status_code == HTTPStatus.TOO_MANY_REQUESTS
    locked = client.post(
        "/admin/login/",
        {"username": "mallory-target", "password": "pw-for-tests-only"},
        HTTP_X_FORWARDED_FOR="10.9.9.9",
    )
    assert locked.status_code == HTTPStatus.TOO_MANY_REQUESTS


def test_api_answers_503_while_the_database_is_unreachable_and_recovers(anon_client, db, monkeypatch):
    factories.make_claim(published=True)

    def refuse(self):
        raise OperationalError('connection to server at "127.0.0.1", port 5432 failed: Connection refused')

    with monkeypatch.context() as patch:
        patch.setattr(BaseDatabaseWrapper, "ensure_connection", refuse)
        patch.setattr(BaseDatabaseWrapper, "cursor", lambda self: refuse(self))
        response = anon_client.get("/api/v1/claims/")
    assert response.status_code == HTTPStatus.SERVICE_UNAVAILABLE
    assert response["Retry-After"] == "30"
    assert response.json() == {
        "status": 503,
        "code": "database_unavailable",
        "message": "The database is unavailable right now; nothing was changed. Try again in a moment.",
    }
    assert anon_client.get("/api/v1/claims/").status_code == HTTPStatus.OK


def test_other_operational_errors_are_not_disguised_as_an_outage(anon_client, db, monkeypatch):
    from config.middleware import _is_connection_failure

    assert not _is_connection_failure(OperationalError("database is locked"))
    assert _is_connection_failure(OperationalError("could not connect to server"))
