"""Create the database cache table (throttle counters) as part of `migrate`.

The API's throttles keep their counters in the cache; with the default database cache a
deployment that ran `migrate` but not `createcachetable` answered every request with a
500. createcachetable is idempotent and does nothing for other cache backends.
"""

from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor):
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [("sources", "0003_dismissed_suggestions")]

    operations = [migrations.RunPython(create_cache_table, migrations.RunPython.noop, elidable=True)]
