"""`manage.py backup DESTINATION`: a consistent backup of the database and the private files, with
a manifest and checksums (config/backup.py; README "Backups")."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from config.backup import BackupError, backup_write


class Command(BaseCommand):
    help = ("Backs up the database and the private files to a new folder, to an archive (a "
            "name ending in .tar or .tar.gz), or into an existing folder under a name with the "
            "time.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("destination", type=Path)
        parser.add_argument("--archive", action="store_true",
                            help="into an existing folder: write a .tar.gz rather than a folder")
        parser.add_argument("--keep", type=int, default=None,
                            help="into an existing folder: keep only this many newest backups")

    def handle(self, *args: Any, destination: Path, archive: bool, keep: int | None,
               **options: Any) -> None:
        if keep is not None and keep < 1:
            raise CommandError("--keep must be 1 or more")
        try:
            written = backup_write(destination, archive=archive, keep=keep)
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"backup written: {written}")
