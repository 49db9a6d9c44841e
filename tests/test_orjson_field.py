"""config.db.ORJSONField: stored and read as a JSONField would be, written by orjson."""

import json

import orjson
import pytest
from django.db import connection

from claims.models import ActorScoreSummary
from tests import factories

pytestmark = pytest.mark.django_db

DOCUMENT = {
    "claimant": {
        "cells": [[True, "very unlikely", 0.05, None, None, "borne_out", 3]],
        "topic": [[False, 7, 0.5, 0.4, 0.6, "not_borne_out", 1]],
        "recent": {"all": [9, 8], "published": []},
    },
    "author": {"note": 'Ünïcode — and "quotes"', "empty": {}, "nothing": None, "big": 2**53},
}


def _stored_text(pk) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT data FROM {ActorScoreSummary._meta.db_table} WHERE actor_id = %s", [pk])
        value = cursor.fetchone()[0]
    return value if isinstance(value, str) else json.dumps(value)


def test_a_document_is_stored_as_the_json_a_jsonfield_stores_and_read_back_equal():
    row = ActorScoreSummary.objects.create(actor=factories.make_actor(), data=DOCUMENT)
    assert json.loads(_stored_text(row.pk)) == DOCUMENT
    assert ActorScoreSummary.objects.get(pk=row.pk).data == DOCUMENT


def test_keys_that_are_not_strings_are_stored_as_strings_as_json_dumps_does():
    row = ActorScoreSummary.objects.create(actor=factories.make_actor(), data={1: "one", "two": {3: [4]}})
    assert ActorScoreSummary.objects.get(pk=row.pk).data == {"1": "one", "two": {"3": [4]}}


def test_lookups_into_the_document_still_work():
    row = ActorScoreSummary.objects.create(actor=factories.make_actor(), data=DOCUMENT)
    summaries = ActorScoreSummary.objects.filter(pk=row.pk)
    assert summaries.filter(data__claimant__recent__all__0=9).exists()
    assert summaries.values_list("data__author__note", flat=True).get() == DOCUMENT["author"]["note"]
    recent = summaries.values_list("data__claimant__recent", flat=True).get()
    assert recent == {"all": [9, 8], "published": []}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="elsewhere the field writes as JSONField does")
def test_on_postgresql_the_document_is_written_by_orjson():
    field = ActorScoreSummary._meta.get_field("data")
    adapted = field.get_db_prep_value(DOCUMENT, connection)
    assert adapted.dumps(adapted.obj) == orjson.dumps(DOCUMENT)
