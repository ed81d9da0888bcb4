"""Opens an organisation on the platform: the organisation and the invitation of its first admin,
who invites everyone else from the organisation's own pages. The platform's operators run it, so
that running an organisation day to day needs no superuser and no Django admin."""

from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from participants import services

# The option that carries each field the services check, to point at what to correct.
OPTION_OF_FIELD = {
    "name": "--name",
    "short_name": "--short-name",
    "slug": "--slug",
    "email": "--admin-email",
    "full_name": "--admin-name",
    "language": "--language",
}


def problems(error: ValidationError) -> str:
    if not hasattr(error, "error_dict"):
        return " ".join(error.messages)
    return " ".join(f"{OPTION_OF_FIELD.get(field, field)}: {' '.join(messages)}"
                    for field, messages in error.message_dict.items())


class Command(BaseCommand):
    help = (
        "Creates an organisation and invites its first admin by e-mail (sent by the Celery "
        "worker; the link is valid INVITATION_VALID_DAYS days). Nothing is created if any "
        "value is refused."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--name", required=True, help="full name of the organisation")
        parser.add_argument("--short-name", required=True,
                            help="short name, in menus and e-mail subjects")
        parser.add_argument("--slug", required=True,
                            help="address: the organisation's pages live under /<slug>/")
        parser.add_argument("--admin-email", required=True,
                            help="e-mail address of the first organisation admin")
        parser.add_argument("--admin-name", default="", help="their full name (optional)")
        parser.add_argument("--language", default=settings.LANGUAGE_CODE,
                            choices=[code for code, _name in settings.LANGUAGES],
                            help="language of the invitation (default: %(default)s)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            invitation = services.organisation_open(
                name=options["name"],
                short_name=options["short_name"],
                slug=options["slug"],
                admin_email=options["admin_email"],
                admin_name=options["admin_name"],
                language=options["language"],
            )
        except ValidationError as error:
            raise CommandError(f"Nothing was created. {problems(error)}") from error
        organisation = invitation.organisation
        self.stdout.write(
            f"Created {organisation.short_name} ({organisation.name}) at "
            f"{settings.SITE_URL}/{organisation.slug}/.\n"
            f"Invited {invitation.email} as its first organisation admin: the Celery worker "
            f"e-mails the link, valid until {invitation.expires_at:%Y-%m-%d %H:%M} UTC. After "
            f"accepting, they set up MFA and invite everyone else."
        )
