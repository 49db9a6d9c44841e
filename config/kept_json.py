"""Data that keeps its JSON once written, for answers served again unchanged."""


class KeptJSON(dict):
    """A response's data (a dict) that keeps its JSON once config.api.ORJSONRenderer has written
    it: an answer remembered and served again as it is (claims.track_records) is written once,
    not on every request. The most prolific claimant's track record (225 KB) took 0.69 ms of a
    request's 2.45 ms of CPU to write. Whoever makes one must not change it afterwards."""

    __slots__ = ("json",)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.json: bytes | None = None
