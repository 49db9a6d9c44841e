"""A JSON parser that turns every malformed body into a 400, including pathological nesting."""

import orjson
from django.conf import settings
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser as _JSONParser


class JSONParser(_JSONParser):
    """JSON bodies parsed with orjson.

    The standard library parser raises RecursionError on deeply nested input (a 500);
    orjson refuses it, and also refuses invalid UTF-8, NaN and Infinity, as ValueErrors.
    """

    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        body = stream.read(limit + 1) if stream is not None else b""
        if limit is not None and len(body) > limit:
            raise ParseError(f"The request body is larger than {limit} bytes; send less data per request.")
        if not body:
            raise ParseError("The request body is empty; send a JSON object.")
        try:
            return orjson.loads(body)
        except orjson.JSONDecodeError as error:
            reason = str(error)
            if "recursion" in reason.lower() or "depth limit" in reason.lower():
                reason = "it is nested too deeply"
            raise ParseError(f"The request body is not valid JSON: {reason}.") from error
