"""Copy the benchmark corpus from PostgreSQL into an SQLite file with the app's schema.

    DATABASE_URL=sqlite:////abs/path.sqlite3 python bench/sqlite_export.py POSTGRES_URL /abs/path.sqlite3

The schema comes from `manage.py migrate` on the SQLite file, so the API can serve it as is;
the rows are streamed table by table. An FTS5 index on claim statements is added for
Datasette's `_search` (the API's SQLite search does not use it).
"""

import os
import re
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
TABLES = [
    "claims_actor",
    "claims_topic",
    "sources_source",
    "sources_sourcerevision",
    "sources_source_authors",
    "sources_passage",
    "claims_claim",
    "claims_claim_subjects",
    "claims_claim_topics",
    "claims_forecast",
    "claims_verification",
]
CHUNK = 20_000


def _select_list(pg, table: str, wanted: list[str]) -> str:
    types = dict(
        pg.execute(
            "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = %s", [table]
        ).fetchall()
    )
    parts = []
    for column in wanted:
        kind = types[column]
        quoted = f'"{column}"'
        if kind == "timestamp with time zone":
            # Django's SQLite backend stores aware datetimes as naive UTC text.
            parts.append(f"to_char({quoted} AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US')")
        elif kind in ("date", "jsonb", "json"):
            parts.append(f"{quoted}::text")
        else:
            parts.append(quoted)
    return ", ".join(parts)


def export(pg_url: str, sqlite_path: Path) -> None:
    if sqlite_path.exists():
        sqlite_path.unlink()
    subprocess.run([sys.executable, "manage.py", "migrate", "--no-input", "-v0"], cwd=ROOT, check=True)
    lite = sqlite3.connect(sqlite_path)
    # The schema's CHECK constraints use REGEXP, which Django's SQLite backend provides.
    lite.create_function(
        "REGEXP", 2, lambda pattern, value: value is not None and re.search(pattern, value) is not None
    )
    lite.execute("PRAGMA journal_mode = OFF")
    lite.execute("PRAGMA synchronous = OFF")
    with psycopg.connect(pg_url) as pg:
        for table in TABLES:
            started = time.monotonic()
            lite_columns = [row[1] for row in lite.execute(f'PRAGMA table_info("{table}")')]
            pg_columns = {
                row[0]
                for row in pg.execute(
                    "SELECT column_name FROM information_schema.columns WHERE table_name = %s", [table]
                )
            }
            columns = [c for c in lite_columns if c in pg_columns]
            insert = (
                f'INSERT INTO "{table}" ({", ".join(f"{c!r}" for c in columns)}) '
                f"VALUES ({', '.join('?' * len(columns))})"
            ).replace("'", '"')
            rows = 0
            with pg.cursor(name=f"export_{table}") as cursor:
                cursor.itersize = CHUNK
                cursor.execute(f"SELECT {_select_list(pg, table, columns)} FROM {table} ORDER BY id")
                while batch := cursor.fetchmany(CHUNK):
                    lite.executemany(insert, batch)
                    rows += len(batch)
            lite.commit()
            print(f"{table}: {rows} rows in {time.monotonic() - started:.1f}s", file=sys.stderr)
    lite.execute(
        "CREATE VIRTUAL TABLE claims_claim_fts "
        "USING fts5(statement, content='claims_claim', content_rowid='id')"
    )
    lite.execute("INSERT INTO claims_claim_fts (claims_claim_fts) VALUES ('rebuild')")
    lite.commit()
    lite.execute("ANALYZE")
    lite.close()


if __name__ == "__main__":
    if len(sys.argv) != 3 or not os.environ.get("DATABASE_URL", "").startswith("sqlite:"):
        raise SystemExit(__doc__)
    export(sys.argv[1], Path(sys.argv[2]).resolve())
