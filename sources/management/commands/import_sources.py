"""python manage.py import_sources seeds/"""

import sys

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from sources.manifest import ManifestError, read_manifest
from sources.services import sources_import


class Command(BaseCommand):
    help = "Import (or update) the sources listed in DIRECTORY/manifest.json. All or nothing."

    def add_arguments(self, parser):
        parser.add_argument("directory", help="A directory holding manifest.json and the text files.")
        parser.add_argument("--no-progress", action="store_true", help="Do not show a progress bar.")

    def handle(self, *args, directory, no_progress, **options):
        try:
            entries = read_manifest(directory)
        except ManifestError as error:
            raise CommandError(f"Nothing was imported. {error}") from error
        with tqdm(
            total=len(entries),
            desc="Importing sources",
            unit="source",
            disable=no_progress or options["verbosity"] == 0,
            file=sys.stderr,
        ) as bar:
            counts = sources_import(entries=entries, progress=lambda entry: bar.update())
        self.stdout.write(
            f"{counts['created']} new, {counts['updated']} updated, {counts['unchanged']} unchanged"
        )
