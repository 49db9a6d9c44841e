# The score summaries' counts move from jsonb to JSON text (config.db.JSONTextField): they are
# written and read whole, and as jsonb PostgreSQL parsed them on every write and wrote them out
# as text on every read. PostgreSQL converts the column in place (jsonb::text, and text::jsonb
# backwards); SQLite stored JSONField as text already.

import config.db
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("claims", "0007_score_summary_records_as_text")]

    operations = [
        migrations.AlterField(
            model_name="actorscoresummary",
            name="data",
            field=config.db.JSONTextField(default=dict),
        ),
    ]
