# Written by hand on 2026-11-27: the score summaries' large columns are compressed with lz4
# instead of PostgreSQL's default pglz, where the server supports it.
#
# A track record reads one stored scope on every request (the most prolific claimant's is
# 215 KB, 31 KB compressed), and a verdict rewrites the counts (2.3 MB) and both scopes.
# Measured at a million claims, alternating: reading that scope took PostgreSQL 0.65-0.73 ms
# of CPU with pglz and 0.47-0.56 ms with lz4; writing the row 124-164 ms and 63-100 ms.
# Existing values are written again so that they are recompressed (an UPDATE that sets a
# column to itself keeps the stored value as it is). Elsewhere (SQLite, a PostgreSQL before
# 14 or built without lz4) nothing changes.

from django.db import migrations

TABLE = "claims_actorscoresummary"
# Each column's value written anew, so that it is compressed again.
COLUMNS = {"data": "data || ''", "records_all": "records_all || ''", "records_published": "records_published || ''"}


def _lz4_available(connection) -> bool:
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'"
        )
        row = cursor.fetchone()
    return bool(row and row[0])


def _set_compression(schema_editor, method: str, rewrite: bool) -> None:
    connection = schema_editor.connection
    if not _lz4_available(connection):
        return
    table = schema_editor.quote_name(TABLE)
    columns = ", ".join(f"ALTER COLUMN {schema_editor.quote_name(c)} SET COMPRESSION {method}" for c in COLUMNS)
    schema_editor.execute(f"ALTER TABLE {table} {columns}")
    if rewrite:
        assignments = ", ".join(f"{schema_editor.quote_name(c)} = {value}" for c, value in COLUMNS.items())
        schema_editor.execute(f"UPDATE {table} SET {assignments}")


def to_lz4(apps, schema_editor):
    _set_compression(schema_editor, "lz4", rewrite=True)


def to_default(apps, schema_editor):
    # Values already written with lz4 stay readable; new ones use the server's default again.
    _set_compression(schema_editor, "default", rewrite=False)


class Migration(migrations.Migration):
    dependencies = [("claims", "0008_score_summary_counts_as_text")]

    operations = [migrations.RunPython(to_lz4, to_default)]
