from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from config.demo import load_demo, summary_lines


class Command(BaseCommand):
    help = (
        "Loads the real programmes (CEPOL, INTERPOL, College of Policing) and one demo sign-in "
        "per role per organisation, then prints the sign-ins. Safe to run again."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        # The demo accounts share a published password: never in a real deployment.
        if not settings.DEMO_DATA_ALLOWED:
            raise CommandError("Demo data is off in these settings (DEMO_DATA_ALLOWED).")
        summary = load_demo()
        for line in summary_lines(summary):
            self.stdout.write(line)
