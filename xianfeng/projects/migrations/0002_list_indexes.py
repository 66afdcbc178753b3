"""Indexes for the registry list (see bench/bench_list.py).

- (year, serial) on programme entries: a year's list in serial order reads one page, not the year.
- PostgreSQL only: a trigram GIN index on projects.search_text, so the list's substring search
  (``search_text LIKE '%term%'``, terms of three characters or more) uses an index instead of
  reading every project. SQLite has no such index; it keeps scanning, which is fine at its scale.
"""

from django.db import migrations, models

TRGM_INDEX = "project_search_text_trgm"


def create_trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    # pg_trgm is a trusted extension (PostgreSQL 13+): the database owner may create it.
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {TRGM_INDEX} ON projects_project USING gin (search_text gin_trgm_ops)"
    )


def drop_trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX IF EXISTS {TRGM_INDEX}")


class Migration(migrations.Migration):
    dependencies = [
        ("projects", "0001_initial"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="programmeentry",
            index=models.Index(fields=["year", "serial"], name="entry_year_serial_idx"),
        ),
        migrations.RunPython(create_trigram_index, drop_trigram_index, elidable=False),
    ]
