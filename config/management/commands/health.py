"""`manage.py health`: the readiness checks of /readyz, for an operator or a container's health
check; exits 1 when one fails."""

from django.core.management.base import BaseCommand, CommandError

from config import health


class Command(BaseCommand):
    help = "Checks the database, the cache, the broker, the data folder and the reminder scan."

    def handle(self, *args: object, **options: object) -> None:
        checks = health.readiness()
        for check in checks:
            self.stdout.write(f"{'ok  ' if check.ok else 'FAIL'} {check.name}: {check.detail}")
        failed = [check.name for check in checks if not check.ok]
        if failed:
            raise CommandError(f"not ready: {', '.join(failed)}")
