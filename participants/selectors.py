"""Reads of people and memberships, and access to single objects."""

from collections.abc import Iterable

from django.db.models import Count, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from participants.eligibility import Candidate, Criteria, eligibility_problems
from participants.models import (
    MFA_ROLES,
    Application,
    IdentityProvider,
    Invitation,
    Membership,
    Nomination,
    Notification,
    User,
    hash_token,
)
from programmes import access
from programmes.access import NOMINATE, PROJECT_PERMISSION_OF_ROLE
from programmes.actor import Actor, Role
from programmes.models import Call, Country, Organisation, Project


def actor_for(*, user: User, organisation: Organisation | None = None,
              organisation_slug: str | None = None,
              memberships: Iterable[Membership] | None = None) -> Actor | None:
    """The person acting in an organisation, in the first role they hold there (by
    precedence); nobody when they hold none. The middleware builds one per request from the
    person's `memberships` it has already read (memberships_of_user); a task, a command or a
    test builds its own the same way, and without them it reads those of that organisation."""
    if memberships is not None:
        found = [m for m in memberships if (m.organisation_id == organisation.pk
                                            if organisation is not None
                                            else m.organisation.slug == organisation_slug)]
    else:
        found = list((Membership.objects.filter(user=user, organisation=organisation)
                      if organisation is not None else
                      Membership.objects.filter(user=user, organisation__slug=organisation_slug))
                     .select_related("organisation", "country"))
    held = sorted(found, key=lambda membership: membership.precedence)
    if not held:
        return None
    return Actor(user=user, organisation=held[0].organisation, memberships=tuple(held),
                 membership=held[0])


def mfa_required(*, user: User, memberships: Iterable[Membership] | None = None) -> bool:
    """Whether this person must have an authenticator app: the platform's superusers (the
    admin reaches every organisation) and every organisation admin and coordinator. The one
    rule: the middleware sends them to set it up before anything else, and the MFA adapter
    keeps them from removing it. `memberships`: all of the person's, when already read."""
    if user.is_superuser:
        return True
    if memberships is not None:
        return any(m.role in MFA_ROLES for m in memberships)
    return Membership.unscoped.filter(user=user, role__in=MFA_ROLES).exists()


def membership_for_admin(*, actor: Actor, pk: int, for_change: bool) -> Membership:
    # Only admins reach the member pages (the view checks the role); the scope is the
    # organisation either way, so another organisation's membership is a plain 404.
    return get_object_or_404(
        Membership.objects.for_org(actor.organisation).select_related("user", "country"), pk=pk
    )


def invitation_for_admin(*, actor: Actor, pk: int, for_change: bool) -> Invitation:
    invitations = Invitation.objects.for_org(actor.organisation)
    if for_change:
        invitations = invitations.filter(status=Invitation.Status.PENDING)
    return get_object_or_404(invitations, pk=pk)


def invitation_by_token(token: str) -> Invitation | None:
    """The token is its own scope: whoever holds the link may see that one invitation."""
    invitation = (
        Invitation.unscoped.select_related("organisation", "country")
        .filter(token_hash=hash_token(token))
        .first()
    )
    if invitation is None or not invitation.is_usable:
        return None
    return invitation


def project_permissions(
    *, organisation: Organisation, memberships: Iterable[Membership]
) -> dict[int, list[Project]]:
    """The projects each coordinator or focal point serves, keyed by membership id, read in one
    query whatever the number of memberships."""
    memberships = list(memberships)
    held = {role: access.projects_held(organisation_id=organisation.pk, perm=perm,
                                       user_ids=[m.user_id for m in memberships if m.role == role])
            for role, perm in PROJECT_PERMISSION_OF_ROLE.items()
            if any(m.role == role for m in memberships)}
    return {m.pk: held[m.role].get(m.user_id, []) if m.role in held else []
            for m in memberships}


def projects_of_membership(membership: Membership) -> list[Project]:
    return project_permissions(
        organisation=membership.organisation, memberships=[membership]
    )[membership.pk]


def memberships_of_user(user: User) -> QuerySet[Membership]:
    """Every role a person holds, in every organisation: their own, so not tenant-scoped.
    With each one's country, for the actor the middleware builds from them."""
    return Membership.unscoped.filter(user=user).select_related("organisation", "country")


def focal_points_of_projects(
    *, organisation: Organisation, projects: list[Project]
) -> list[Membership]:
    """The focal points who nominate for any of these projects, by country."""
    users = set().union(*access.holders(projects=projects, perm=NOMINATE).values())
    return list(
        Membership.objects.for_org(organisation).with_role("focal_point")
        .filter(user__in=users).select_related("user", "country")
        .order_by("country__name", "user__full_name")
    )


def member_list(*, actor: Actor) -> QuerySet[Membership]:
    return Membership.objects.for_org(actor.organisation).select_related("user", "country")


def invitation_list(*, actor: Actor) -> QuerySet[Invitation]:
    return (
        Invitation.objects.for_org(actor.organisation)
        .select_related("country")
        .prefetch_related("projects")
    )


# --- Calls, nominations and applications ------------------------------------------------------

def focal_points_for_call(*, call: Call) -> list[Membership]:
    """The focal points who nominate for the call's project from one of its invited countries."""
    users = access.holders(projects=[call.project_id], perm=NOMINATE)[call.project_id]
    return list(
        Membership.objects.for_org(call.organisation).with_role("focal_point")
        .filter(user__in=users, country__in=call.invited_countries.all())
        .select_related("user", "country")
    )


# A nomination holds one of its country's places while it stands and its application is still
# in play: a nominee withdrawn by the focal point, who withdraws, or whom the coordinator declines
# (found ineligible, say) gives the place back while the call takes nominations.
PLACE_RETURNED = (Application.Status.DECLINED, Application.Status.WITHDRAWN)


def nominations_holding_places(call: Call) -> QuerySet[Nomination]:
    return Nomination.objects.for_org(call.organisation).filter(
        call=call, status=Nomination.Status.NOMINATED
    ).exclude(application__status__in=PLACE_RETURNED)


def places_left(*, call: Call, country: Country) -> int:
    taken = nominations_holding_places(call).filter(country=country).count()
    return max(call.places_per_country - taken, 0)


def criteria_of(call: Call) -> Criteria:
    return Criteria(
        invited_country_codes=frozenset(call.invited_countries.values_list("code", flat=True)),
        thematic_area_ids=frozenset(call.thematic_areas.values_list("pk", flat=True)),
        min_years_of_service=call.min_years_of_service,
        working_languages=frozenset(call.working_languages),
        female_only=call.female_only,
    )


def eligibility_of(application: Application) -> dict[str, str]:
    candidate = Candidate(
        country_code=application.country_id,
        thematic_area_id=application.thematic_area_id,
        years_of_service=application.years_of_service,
        gender=application.gender,
        languages=frozenset(application.languages.values_list("language", flat=True)),
    )
    return eligibility_problems(candidate, criteria_of(application.call))


def submission_problems(application: Application, *, consent: bool) -> dict[str, str]:
    """What still stops the application from being submitted, field name → what to do; empty
    when it can go. The submission refuses on these, and the page's "before you can submit"
    list shows the same, so that the two cannot disagree."""
    problems = eligibility_of(application)
    if not application.cv:
        problems["cv"] = _("Attach your CV as a PDF.")
    if not application.motivation.strip():
        problems["motivation"] = _("Tell the coordinator why you apply.")
    if not consent:
        problems["consent"] = _("Your consent is needed to submit the application.")
    return problems

def application_for_applicant(*, actor: Actor, pk: int) -> Application:
    """The candidate's own application; anyone else's answers like a missing one."""
    return get_object_or_404(
        Application.objects.for_org(actor.organisation).filter(applicant_id=actor.user.pk)
        .select_related("call__project", "country", "thematic_area"),
        pk=pk,
    )


def nominations_of_focal_point(*, actor: Actor) -> QuerySet[Nomination]:
    """A focal point follows their country's nominees, in the projects they serve."""
    membership = next((m for m in actor.memberships if m.role == Role.FOCAL_POINT), None)
    if membership is None or membership.country_id is None:
        return Nomination.objects.none()
    served = access.projects_served(actor=actor, perm=NOMINATE)
    return (
        Nomination.objects.for_org(actor.organisation)
        .filter(country_id=membership.country_id, call__project__in=served)
        .select_related("call", "thematic_area", "application")
        .order_by("-created_at")
    )


def application_for_reviewer(*, actor: Actor, pk: int) -> Application:
    """Coordinators of the call's project and organisation admins review applications."""
    application = get_object_or_404(
        Application.objects.for_org(actor.organisation)
        .select_related("call__project", "country", "thematic_area", "nomination__nominated_by",
                        "applicant"),
        pk=pk,
    )
    access.require(actor=actor, action="review", obj=application)
    return application


def application_for_cv(*, actor: Actor, pk: int) -> Application:
    """The CV goes to its owner and to those who review the application, nobody else."""
    application = get_object_or_404(
        Application.objects.for_org(actor.organisation).select_related("call__project"), pk=pk
    )
    access.require(actor=actor, action="read_cv", obj=application)
    if not application.cv:
        raise Http404
    return application


def nomination_for_focal_point(*, actor: Actor, pk: int) -> Nomination:
    """Another country's nomination answers like a missing one."""
    return get_object_or_404(nominations_of_focal_point(actor=actor), pk=pk)


def review_list(*, call: Call) -> QuerySet[Application]:
    return (
        Application.objects.for_org(call.organisation).filter(call=call)
        .select_related("country", "thematic_area")
        .order_by("country__name", "full_name")
    )


def review_counts(applications: QuerySet[Application]) -> dict[str, list[tuple[str, int]]]:
    """Counts per country and per thematic area of the applications shown."""
    by = {}
    for key, field in (("countries", "country__name"), ("themes", "thematic_area__name")):
        by[key] = list(
            applications.order_by().values_list(field).annotate(n=Count("pk"))
            .order_by(field).values_list(field, "n")
        )
    return by


def notifications_of(*, actor: Actor) -> QuerySet[Notification]:
    return Notification.objects.for_org(actor.organisation).filter(user_id=actor.user.pk)


def applications_of(*, actor: Actor) -> QuerySet[Application]:
    """The person's own applications in this organisation."""
    return (
        Application.objects.for_org(actor.organisation).filter(applicant_id=actor.user.pk)
        .select_related("call").order_by("-created_at")
    )


def call_country_counts(*, call: Call) -> list[dict]:
    """Per invited country: nominations made, places left and applications submitted."""
    nominated = dict(
        nominations_holding_places(call)
        .values_list("country").annotate(n=Count("pk")).values_list("country", "n")
    )
    submitted = dict(
        Application.objects.for_org(call.organisation)
        .filter(call=call).exclude(status__in=["invited", "withdrawn"])
        .values_list("country").annotate(n=Count("pk")).values_list("country", "n")
    )
    return [
        {"country": country, "nominated": nominated.get(country.pk, 0),
         "places_left": max(call.places_per_country - nominated.get(country.pk, 0), 0),
         "submitted": submitted.get(country.pk, 0)}
        for country in call.invited_countries.all()
    ]


# Set in the session when the identity provider says it asked for a second factor (the id
# token's "amr" claim holds "mfa", RFC 8176): that sign-in counts as one with MFA.
PROVIDER_MFA = "sso_mfa"


def identity_providers(*, provider_id: str | None = None,
                       client_id: str | None = None) -> list[IdentityProvider]:
    """The organisations' identity providers that members may sign in with (for allauth,
    which asks across organisations before anyone is signed in); `provider_id`: one of them
    ("sso-<organisation slug>")."""
    rows = IdentityProvider.unscoped.filter(enabled=True).select_related("organisation")
    if provider_id is not None:
        rows = rows.filter(organisation__slug=provider_id.removeprefix("sso-"))
    if client_id is not None:
        rows = rows.filter(client_id=client_id)
    return list(rows.order_by("organisation__name"))


def identity_provider_of(*, actor: Actor) -> IdentityProvider | None:
    return IdentityProvider.objects.for_org(actor.organisation).first()


def password_refused(*, user: User) -> bool:
    """Whether this person may no longer sign in with a password: an organisation of theirs
    has them sign in only through its identity provider."""
    organisations = Membership.unscoped.filter(user=user).values("organisation")
    return IdentityProvider.unscoped.filter(
        organisation__in=organisations, enabled=True, password_allowed=False).exists()
