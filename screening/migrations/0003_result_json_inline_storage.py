"""PostgreSQL: keep each stored result document in its screening's row, compressed with lz4.

The screening list sends `result_json` verbatim, 25 rows a page. With PostgreSQL's default
storage a document of more than about 2 kB is compressed with pglz and moved to the TOAST
table, so every row of a page costs an index lookup there and a pglz decompression. Storage
MAIN keeps the compressed document in the row (out of line only when a row would not fit in
a page) and lz4 decompresses several times faster than pglz.

Only rows written from now on are stored this way (PostgreSQL does not rewrite a table for
either setting); older rows are read as before. Other databases: nothing to do.
"""

from django.db import migrations

TABLE = "screening_screening"


def lz4_available(cursor) -> bool:
    # PostgreSQL 14 and later, when built with lz4 (the Debian and Docker builds are).
    cursor.execute(
        "SELECT 1 FROM pg_settings WHERE name = 'default_toast_compression' "
        "AND 'lz4' = ANY(enumvals)"
    )
    return cursor.fetchone() is not None


def storage_set(apps, schema_editor, *, storage: str, lz4: bool) -> None:
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        statements = [f"ALTER TABLE {quote(TABLE)} ALTER COLUMN result_json SET STORAGE {storage}"]
        if lz4_available(cursor):
            compression = "lz4" if lz4 else "DEFAULT"
            statements += [
                f"ALTER TABLE {quote(TABLE)} ALTER COLUMN {column} SET COMPRESSION {compression}"
                for column in ("result_json", "result")
            ]
        for statement in statements:
            cursor.execute(statement)


def forwards(apps, schema_editor) -> None:
    storage_set(apps, schema_editor, storage="MAIN", lz4=True)


def backwards(apps, schema_editor) -> None:
    storage_set(apps, schema_editor, storage="EXTENDED", lz4=False)


class Migration(migrations.Migration):
    dependencies = [
        ("screening", "0002_screening_clinic_newest_index"),
    ]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
