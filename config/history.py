"""django-simple-history's HistoricalRecords, without reading the links of a row just inserted."""

from simple_history import models as simple_history_models


class HistoricalRecords(simple_history_models.HistoricalRecords):
    """The history of a model, with its many-to-many fields' links snapshotted into each record.

    django-simple-history reads every tracked many-to-many field's links for each new record,
    also for the record of a row's creation: a claim's subjects and topics, a source's authors,
    one statement each. A row just inserted has no links yet (links need the row; they are added
    after it, and each addition makes a record of its own, which does read them), so that
    record's snapshot is empty and its statements are skipped: a claim created through the API
    takes 13 statements instead of 15 (in process, bench/profile_request.py --post).
    """

    def create_historical_record_m2ms(self, history_instance, instance):
        if history_instance.history_type == "+":
            return
        super().create_historical_record_m2ms(history_instance, instance)
