"""The OpenAPI contract, fuzzed: every operation, anonymous and with a role token, in-process over WSGI.

Checks: no server error, no status code the schema does not document, and every
response (errors included) matches its documented content type, headers and schema.
Bounded by max_examples per operation so the suite stays fast.
"""

import collections
import json
import os

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from rest_framework.utils.encoders import JSONEncoder
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from claims import services
from claims.management.commands.create_token import issue_token
from tests import factories

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
MAX_EXAMPLES = 10
COVERAGE_PHASE = os.environ.get("FUZZ_COVERAGE", "0") == "1"
CASES = collections.Counter()


def _load_schema():
    """The schema /api/v1/schema/ serves, generated in-process, and the WSGI app to call."""
    raw = SchemaGenerator(patterns=None).get_schema(request=None, public=True)
    config = SchemathesisConfig.from_dict({"phases": {"coverage": {"enabled": COVERAGE_PHASE}}})
    loaded = schemathesis.openapi.from_dict(json.loads(json.dumps(raw, cls=JSONEncoder)), config=config)
    loaded.app = get_wsgi_application()
    return loaded


schema = _load_schema()
BASE_URL = "http://testserver"  # a host Django's test settings allow


@pytest.fixture(autouse=True)
def keep_the_test_connection():
    """As Django's test client does: the WSGI handler must not close the test's transaction."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def fuzz_data(db):
    """A little published data, so that some generated ids find rows."""
    fact_checker = factories.make_user("fuzz-fact-checker", role="fact-checker")
    for n in range(2):
        forecast = factories.make_forecast(
            published=True,
            claim_fields={
                "claimant": factories.make_actor(f"Claimant {n}"),
                "topics": [factories.make_topic()],
            },
        )
        services.verification_create(
            forecast=forecast,
            verdict="not_borne_out",
            rationale="It happened.",
            evidence=factories.EVIDENCE,
            created_by=fact_checker,
        )


@pytest.fixture
def editor_token(db):
    return issue_token(factories.make_user("fuzz-editor", role="editor"))


def request_savepoint():
    """Each generated request in a savepoint of its own, as each real request runs on its own:
    a request that ends in a database error (answered 4xx) cannot poison the next ones."""
    return transaction.atomic()


FUZZ_SETTINGS = hypothesis_settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)


@schema.parametrize()
@FUZZ_SETTINGS
def test_api_honours_its_contract_for_anonymous_callers(case, fuzz_data):
    CASES["anonymous", case.operation.label] += 1
    with request_savepoint():
        case.call_and_validate(base_url=BASE_URL, checks=CHECKS)


@schema.parametrize()
@FUZZ_SETTINGS
def test_api_honours_its_contract_for_an_editor_token(case, fuzz_data, editor_token):
    CASES["editor", case.operation.label] += 1
    with request_savepoint():
        case.call_and_validate(
            base_url=BASE_URL, headers={"Authorization": f"Token {editor_token}"}, checks=CHECKS
        )


@pytest.fixture(scope="module", autouse=True)
def report_case_counts():
    """Print how many operations and cases ran (visible with -s)."""
    yield
    for role in ("anonymous", "editor"):
        counts = {op: n for (r, op), n in CASES.items() if r == role}
        if counts:
            print(f"\nschemathesis {role}: {len(counts)} operations, {sum(counts.values())} cases")
