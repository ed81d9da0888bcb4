from django.http import HttpRequest

from participants.models import Membership, User
from programmes.models import Organisation


class OrganisationRequest(HttpRequest):
    """What a view under /<org_slug>/ receives, once OrganisationMiddleware has run."""

    user: User
    organisation: Organisation
    membership: Membership
    memberships: list[Membership]
