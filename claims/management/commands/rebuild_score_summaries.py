"""Rebuild every actor's precomputed track-record counts (ActorScoreSummary) from scratch."""

from django.core.management.base import BaseCommand
from django.db import transaction

from claims import track_records
from claims.models import Actor, ActorScoreSummary


class Command(BaseCommand):
    help = "Recompute the score summary of every actor from the verified forecasts."

    def add_arguments(self, parser):
        parser.add_argument("--actor", type=int, action="append", help="Only this actor (repeatable).")

    def handle(self, *args, actor=None, **options):
        actor_ids = actor or list(Actor.objects.order_by("pk").values_list("pk", flat=True))
        with transaction.atomic():
            if not actor:
                ActorScoreSummary.objects.all().delete()
            for done, actor_id in enumerate(actor_ids, start=1):
                track_records.refresh_score_summaries([actor_id])
                if done % 500 == 0:
                    self.stdout.write(f"{done}/{len(actor_ids)} actors")
        self.stdout.write(self.style.SUCCESS(f"Rebuilt the score summaries of {len(actor_ids)} actor(s)."))
