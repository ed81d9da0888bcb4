"""`manage.py restore BACKUP`: restore a backup into an empty database and files folder, then
erase again everyone the ledger of erasures names (config/backup.py; README "Backups")."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from config.backup import BackupError, backup_restore


class Command(BaseCommand):
    help = ("Restores a backup (a folder or an archive written by `manage.py backup`) into an "
            "empty database and an empty files folder, and re-applies the erasures made since.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("backup", type=Path)

    def handle(self, *args: Any, backup: Path, **options: Any) -> None:
        try:
            restored = backup_restore(backup, say=self.stdout.write)
        except BackupError as error:
            raise CommandError(str(error)) from error
        outcomes = [again.outcome for again in restored.erasures]
        self.stdout.write(
            f"erasures in the ledger: {len(outcomes)}; erased again: {outcomes.count('erased')}, "
            f"already gone: {outcomes.count('gone')}, joined again after their erasure and "
            f"kept: {outcomes.count('came back')}")
        if restored.unreadable_ledger_lines:
            self.stderr.write(f"{restored.unreadable_ledger_lines} line(s) of the ledger of "
                              "erasures could not be read: look at it before serving")
        self.stdout.write("restored")
