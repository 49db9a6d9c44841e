"""Tokens: stored hashed, expiring, revocable, listable and revocable by editors in the admin."""

import datetime as dt
from http import HTTPStatus

import pytest
from django.urls import reverse
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from claims.management.commands.create_token import issue_token

pytestmark = pytest.mark.django_db


def _client(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def _create_actor(client):
    return client.post("/api/v1/actors/", {"name": "Kremlin"}, format="json")


def test_only_a_hash_of_the_token_is_stored(editor):
    token = issue_token(editor)
    stored = AuthToken.objects.get(user=editor)
    assert token not in (stored.digest, stored.token_key)
    assert len(stored.digest) == 128


def test_a_token_expires(editor):
    token = issue_token(editor, days=1)
    assert _create_actor(_client(token)).status_code == HTTPStatus.CREATED
    AuthToken.objects.filter(user=editor).update(expiry=timezone.now() - dt.timedelta(seconds=1))
    response = _client(token).post("/api/v1/actors/", {"name": "NATO"}, format="json")
    assert response.status_code == HTTPStatus.UNAUTHORIZED
    assert response.json()["code"] == "authentication_failed"


def test_an_expired_or_revoked_token_is_refused_even_for_public_reads(editor):
    token = issue_token(editor)
    AuthToken.objects.filter(user=editor).delete()
    response = _client(token).get("/api/v1/actors/")
    assert response.status_code == HTTPStatus.UNAUTHORIZED
    assert response.json()["message"] == "Invalid token."


def test_tokens_expire_by_default(editor, settings):
    issue_token(editor)
    stored = AuthToken.objects.get(user=editor)
    expected = timezone.now() + dt.timedelta(days=settings.TOKEN_TTL_DAYS)
    assert abs(stored.expiry - expected) < dt.timedelta(minutes=1)


def test_an_editor_lists_and_revokes_tokens_in_the_admin(client, editor, annotator):
    issue_token(annotator)
    editor.is_staff = True
    editor.save()
    client.force_login(editor)
    listing = client.get(reverse("admin:knox_authtoken_changelist"))
    assert listing.status_code == HTTPStatus.OK
    assert "annie" in listing.content.decode()
    stored = AuthToken.objects.get(user=annotator)
    response = client.post(
        reverse("admin:knox_authtoken_changelist"),
        {"action": "delete_selected", "_selected_action": [stored.pk], "post": "yes"},
    )
    assert response.status_code == HTTPStatus.FOUND
    assert not AuthToken.objects.filter(user=annotator).exists()


def test_an_annotator_cannot_see_tokens_in_the_admin(client, annotator):
    annotator.is_staff = True
    annotator.save()
    client.force_login(annotator)
    assert client.get(reverse("admin:knox_authtoken_changelist")).status_code == HTTPStatus.FORBIDDEN
