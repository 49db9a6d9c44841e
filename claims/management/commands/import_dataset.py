"""python manage.py import_dataset DIR — load an exported dataset into an empty database."""

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from claims.dataset import dataset_import


class Command(BaseCommand):
    help = "Import a dataset written by export_dataset into an empty database (checked against its manifest)."

    def add_arguments(self, parser):
        parser.add_argument("directory", type=Path)
        parser.add_argument("--no-progress", action="store_true", help="Do not show progress bars.")

    def handle(self, *args, directory, no_progress, **options):
        def progress(rows, name, total):
            return tqdm(rows, desc=name, total=total, unit="rows", disable=no_progress, file=self.stderr)

        try:
            counts = dataset_import(directory, progress=progress)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        self.stdout.write(
            f"Imported {', '.join(f'{n} {name}' for name, n in counts.items())} from {directory}."
        )
