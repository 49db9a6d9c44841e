"""Per-process stores of at most so many entries (config.page_statements, claims.track_records)."""


def put_bounded(store: dict, lock, key, value, bound: int) -> None:
    """Put the entry in the store, dropping the oldest entries first to keep at most `bound`."""
    with lock:
        store.pop(key, None)
        while len(store) >= bound:
            del store[next(iter(store))]
        store[key] = value
