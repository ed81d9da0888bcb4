"""Who is acting: a person, in one organisation, in one of the roles they hold there.

The middleware builds the actor once per request (participants.middleware); a Celery task, a
management command or a test builds one with participants.selectors.actor_for. Access helpers,
selectors and services take it, keyword-only, and never the HTTP request."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from programmes.models import Organisation


class Role(models.TextChoices):
    # In order of precedence: the first role a person holds is the one they land in.
    ADMIN = "admin", _("Organisation admin")
    COORDINATOR = "coordinator", _("Coordinator")
    FOCAL_POINT = "focal_point", _("National focal point")
    OBSERVER = "observer", _("Observer")
    MENTOR = "mentor", _("Mentor")
    MENTEE = "mentee", _("Mentee")


class HeldRole(Protocol):
    """A role held in the organisation (participants.models.Membership)."""

    pk: Any
    role: str
    country_id: str | None  # a country's code


# The person is a participants.models.User: people are defined in the layer above, which may
# write Actor[User]; a bare `Actor` leaves the person's type open.
@dataclass(eq=False)
class Actor[UserT: AbstractBaseUser]:
    user: UserT
    organisation: Organisation
    # Every role held in the organisation, in order of precedence, and the one acted in now.
    memberships: tuple[HeldRole, ...]
    membership: HeldRole
    # What the access helpers worked out once for this actor (the projects served, by
    # permission), so that a page asking several times reads guardian's table once. An actor
    # lives for one request or one task: one built after a change of projects sees the change.
    cache: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def role(self) -> str:
        return self.membership.role

    def holds(self, *roles: str) -> bool:
        """Whether any role the person holds here is one of these (a person holding several
        roles sees what each of them shows)."""
        return any(membership.role in roles for membership in self.memberships)

    def acting_as(self, role: str | None) -> Actor[UserT]:
        """The same person acting in another role they hold here (the switcher's choice);
        themselves for a role they do not hold."""
        chosen = next((m for m in self.memberships if m.role == role), None)
        if chosen is None or chosen is self.membership:
            return self
        return Actor(user=self.user, organisation=self.organisation,
                     memberships=self.memberships, membership=chosen)

    @property
    def countries(self) -> frozenset[str]:
        """The countries this person serves as a national focal point."""
        return frozenset(m.country_id for m in self.memberships
                         if m.role == Role.FOCAL_POINT and m.country_id)
