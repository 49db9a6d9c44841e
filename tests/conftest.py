"""Shared fixtures: role users, API clients with tokens, and the role groups."""

import pytest
from rest_framework.test import APIClient

from claims import roles, track_records
from claims.management.commands.create_token import issue_token
from config import page_statements
from tests import factories


@pytest.fixture(autouse=True)
def _nothing_kept_from_earlier_tests():
    """Each test starts without the page statements (config.page_statements) and the track
    records (claims.track_records) an earlier one kept."""
    page_statements.forget_all()
    track_records.forget_answers()


@pytest.fixture
def annotator(db):
    return factories.make_user("annie", role=roles.ANNOTATOR)


@pytest.fixture
def fact_checker(db):
    return factories.make_user("fred", role=roles.FACT_CHECKER)


@pytest.fixture
def editor(db):
    return factories.make_user("edna", role=roles.EDITOR)


@pytest.fixture
def anon_client():
    return APIClient()


def _token_client(user):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {issue_token(user)}")
    return client


@pytest.fixture
def annotator_client(annotator):
    return _token_client(annotator)


@pytest.fixture
def fact_checker_client(fact_checker):
    return _token_client(fact_checker)


@pytest.fixture
def editor_client(editor):
    return _token_client(editor)


@pytest.fixture
def token_client():
    """Make an API client authenticated with a fresh token for any user."""
    return _token_client
