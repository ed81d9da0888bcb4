"""For the platform's operators, when a data request reaches them outside the app:

    manage.py personal_data export --email E --organisation SLUG [--output FILE]
    manage.py personal_data erase --email E --organisation SLUG [--yes]

`export` writes everything the organisation holds about the person as JSON (standard output
unless --output); `erase` prints what erasure would do and erases after --yes or a typed "yes".
Both leave an entry in the organisation's audit trail."""

import json
from typing import Any

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from programmes.models import Organisation
from programmes.privacy.models import AuditEntry
from programmes.privacy.services import (
    audit_record,
    person_erase,
    person_erase_preview,
    personal_data_collect,
)


class Command(BaseCommand):
    help = "Export or erase one person's personal data in one organisation."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        export = actions.add_parser("export", help="Write the person's data as JSON.")
        erase = actions.add_parser("erase", help="Erase the person from the organisation.")
        for sub in (export, erase):
            sub.add_argument("--email", required=True)
            sub.add_argument("--organisation", required=True, help="the organisation's slug")
        export.add_argument("--output", help="a file to write (standard output by default)")
        erase.add_argument("--yes", action="store_true", help="erase without asking")

    def handle(self, *args: Any, **options: Any) -> None:
        organisation = Organisation.objects.filter(slug=options["organisation"]).first()
        if organisation is None:
            raise CommandError(f"No organisation has the address {options['organisation']!r}.")
        user = get_user_model().objects.filter(email__iexact=options["email"].strip()).first()
        # Memberships are the app above's; the registry names the model without importing it.
        membership = apps.get_model("participants", "Membership")
        if user is None or not membership.objects.for_org(organisation).filter(
                user=user).exists():
            raise CommandError(f"{options['email']} is not a member of {organisation.slug}.")
        if options["action"] == "export":
            self._export(organisation, user, options.get("output"))
        else:
            self._erase(organisation, user, yes=options["yes"])

    def _export(self, organisation: Organisation, user: Any, output: str | None) -> None:
        data = json.dumps(personal_data_collect(organisation=organisation, user=user),
                          ensure_ascii=False, indent=2)
        if output:
            with open(output, "w", encoding="utf-8") as file:
                file.write(data + "\n")
        else:
            self.stdout.write(data)
        audit_record(event=AuditEntry.Event.DATA_EXPORTED, organisation=organisation, obj=user,
                     detail={"by": "operator", "command": "personal_data export"})
        if output:
            self.stderr.write(f"Written to {output}.")

    def _erase(self, organisation: Organisation, user: Any, *, yes: bool) -> None:
        lines = person_erase_preview(organisation=organisation, user=user)
        self.stdout.write(f"Erasing {user.email} from {organisation.slug} would:")
        for line in lines:
            self.stdout.write(f"  {line.label}: {line.deleted} deleted, {line.anonymised} "
                              f"anonymised, {line.files} files deleted")
        if not lines:
            self.stdout.write("  (nothing but the membership's trail)")
        if not yes and input('Type "yes" to erase: ').strip().lower() != "yes":
            self.stdout.write("Nothing erased.")
            return
        person_erase(organisation=organisation, user=user)
        self.stdout.write(self.style.SUCCESS(f"{user.email} erased from {organisation.slug}."))
