"""The OpenAPI schema is valid and the docs page loads nothing from another host."""

import re
from http import HTTPStatus

import yaml
from openapi_spec_validator import validate


def test_schema_is_valid_openapi_3(anon_client, db):
    response = anon_client.get("/api/v1/schema/")
    assert response.status_code == HTTPStatus.OK
    schema = yaml.safe_load(response.content)
    assert schema["openapi"].startswith("3.")
    validate(schema)
    for path in [
        "/api/v1/sources/",
        "/api/v1/passages/{id}/annotation/",
        "/api/v1/forecasts/{id}/verifications/",
    ]:
        assert path in schema["paths"]


def test_docs_page_loads_its_assets_from_this_server_only(anon_client, db):
    response = anon_client.get("/api/v1/docs/")
    assert response.status_code == HTTPStatus.OK
    page = response.content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert any("swagger-ui" in asset for asset in assets)
    assert [a for a in assets if re.match(r"^(https?:)?//", a)] == []
