"""config.db.JSONTextField: a JSON document stored as text, the same value read back."""

import json

import orjson
import pytest
from django.core import serializers
from django.core.exceptions import ValidationError
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


def _stored(pk):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT data FROM {ActorScoreSummary._meta.db_table} WHERE actor_id = %s", [pk])
        return cursor.fetchone()[0]


def test_a_document_is_stored_as_compact_json_text_and_read_back_equal():
    row = ActorScoreSummary.objects.create(actor=factories.make_actor(), data=DOCUMENT)
    assert _stored(row.pk) == orjson.dumps(DOCUMENT).decode()
    assert json.loads(_stored(row.pk)) == DOCUMENT
    assert ActorScoreSummary.objects.get(pk=row.pk).data == DOCUMENT
    assert ActorScoreSummary.objects.filter(pk=row.pk).values_list("data", flat=True).get() == DOCUMENT


def test_keys_that_are_not_strings_are_stored_as_strings_as_json_dumps_does():
    row = ActorScoreSummary.objects.create(actor=factories.make_actor(), data={1: "one", "two": {3: [4]}})
    assert ActorScoreSummary.objects.get(pk=row.pk).data == {"1": "one", "two": {"3": [4]}}


def test_the_default_is_an_empty_document():
    row = ActorScoreSummary.objects.create(actor=factories.make_actor())
    assert _stored(row.pk) == "{}"
    assert ActorScoreSummary.objects.get(pk=row.pk).data == {}


def test_dumpdata_writes_the_document_and_loaddata_reads_it_back():
    row = ActorScoreSummary.objects.create(actor=factories.make_actor(), data=DOCUMENT)
    dumped = serializers.serialize("json", [row])
    assert json.loads(json.loads(dumped)[0]["fields"]["data"]) == DOCUMENT
    ActorScoreSummary.objects.filter(pk=row.pk).update(data={})
    [restored] = serializers.deserialize("json", dumped)
    restored.save()
    assert ActorScoreSummary.objects.get(pk=row.pk).data == DOCUMENT


def test_text_that_is_not_json_is_refused_with_what_is_wrong():
    field = ActorScoreSummary._meta.get_field("data")
    with pytest.raises(ValidationError) as refused:
        field.to_python("{not json")
    assert refused.value.messages[0].startswith("Not valid JSON: ")
