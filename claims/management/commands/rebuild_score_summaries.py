"""Rebuild every actor's precomputed track-record counts (ActorScoreSummary) from scratch."""

import sys

from django.core.management.base import BaseCommand
from django.db import transaction
from tqdm import tqdm

from claims import track_records
from claims.models import Actor, ActorScoreSummary


def rebuild_summaries(actor_ids: list[int], *, progress: bool, replace_all: bool = False) -> None:
    """Recompute these actors' score summaries in one transaction, with a progress bar on stderr;
    replace_all first deletes every summary (for a rebuild of all actors)."""
    with (
        transaction.atomic(),
        tqdm(
            total=len(actor_ids), desc="Score summaries", unit="actor", disable=not progress, file=sys.stderr
        ) as bar,
    ):
        if replace_all:
            ActorScoreSummary.objects.all().delete()
        track_records.refresh_score_summaries(actor_ids, progress=bar.update)


class Command(BaseCommand):
    help = "Recompute the score summary of every actor from the verified forecasts."

    def add_arguments(self, parser):
        parser.add_argument("--actor", type=int, action="append", help="Only this actor (repeatable).")
        parser.add_argument("--no-progress", action="store_true", help="Do not show a progress bar.")

    def handle(self, *args, actor=None, no_progress=False, **options):
        actor_ids = actor or list(Actor.objects.order_by("pk").values_list("pk", flat=True))
        rebuild_summaries(
            actor_ids, progress=not no_progress and options["verbosity"] > 0, replace_all=not actor
        )
        self.stdout.write(self.style.SUCCESS(f"Rebuilt the score summaries of {len(actor_ids)} actor(s)."))
