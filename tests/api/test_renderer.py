"""The API's JSON renderer: orjson without the option for non-string keys, and with it when needed."""

import datetime as dt

import orjson

from config.api import ORJSONRenderer


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
