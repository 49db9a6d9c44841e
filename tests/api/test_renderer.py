"""The API's JSON renderer: orjson without the option for non-string keys, and with it when needed."""

import datetime as dt
from unittest import mock

import orjson

from config.api import ORJSONRenderer
from config.kept_json import KeptJSON


def test_renders_plain_data_compactly():
    data = {"id": 7, "name": "Kremlin", "scores": [0.105625, None], "at": dt.date(2026, 11, 27)}
    expected = b'{"id":7,"name":"Kremlin","scores":[0.105625,null],"at":"2026-11-27"}'
    assert ORJSONRenderer().render(data) == expected


def test_writes_keys_that_are_not_strings_as_strings_as_json_would():
    renderer = ORJSONRenderer()
    assert renderer.render({"bins": {1: 0.5, 2: None}}) == b'{"bins":{"1":0.5,"2":null}}'
    # The option stays with the response that needed it, not with the next one's renderer.
    assert not ORJSONRenderer.options & orjson.OPT_NON_STR_KEYS
    assert not ORJSONRenderer().options & orjson.OPT_NON_STR_KEYS


def test_kept_data_is_written_once_and_indented_copies_each_time():
    data = KeptJSON({"id": 7, "bins": {1: 0.5}})
    first = ORJSONRenderer().render(data, "application/json")
    assert first == b'{"id":7,"bins":{"1":0.5}}'
    with mock.patch("orjson.dumps", side_effect=AssertionError("written again")):
        assert ORJSONRenderer().render(data, "application/json") is first
    indented = ORJSONRenderer().render(data, "text/html")
    assert indented == orjson.dumps(dict(data), option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS)
    # Plain dicts are written each time.
    plain = {"id": 7}
    assert ORJSONRenderer().render(plain) is not ORJSONRenderer().render(plain)
