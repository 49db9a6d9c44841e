"""python manage.py export_dataset DIR — one JSONL file per resource plus manifest.json."""

from pathlib import Path

from django.core.management.base import BaseCommand
from tqdm import tqdm

from claims.dataset import dataset_export


class Command(BaseCommand):
    help = "Export the dataset to DIR: one JSONL file per resource and a manifest with counts and sha256."

    def add_arguments(self, parser):
        parser.add_argument("directory", type=Path)
        parser.add_argument("--no-progress", action="store_true", help="Do not show progress bars.")

    def handle(self, *args, directory, no_progress, **options):
        def progress(rows, name, total):
            return tqdm(rows, desc=name, total=total, unit="rows", disable=no_progress, file=self.stderr)

        manifest = dataset_export(directory, progress=progress)
        counts = ", ".join(f"{entry['count']} {name}" for name, entry in manifest["resources"].items())
        self.stdout.write(f"Exported {counts} to {directory}.")
