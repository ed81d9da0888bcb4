"""Home pages per role, the role switcher, members and invitations, and accepting an invitation."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.core.validators import slug_re
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from participants import selectors, services
from participants.filters import InvitationFilter, MemberFilter
from participants.forms import InvitationAcceptForm, InvitationForm, MembershipForm
from participants.models import PROJECT_PERMISSION_OF_ROLE, Invitation, Membership, Role
from programmes.middleware import ACTIVE_ROLE_SESSION_KEY
from programmes.models import Project
from programmes.permissions import projects_visible_to, require_role
from programmes.requests import OrganisationRequest, form_data

PAGE_SIZE = 25


@login_required
def start(request: HttpRequest) -> HttpResponse:
    """Where signing in lands: the organisation's home, or a choice when there are several."""
    memberships = list(selectors.memberships_of_user(request.user))
    organisations = {m.organisation.slug: m.organisation for m in memberships}
    if len(organisations) == 1:
        return redirect("home", org_slug=next(iter(organisations)))
    return render(request, "participants/start.html", {
        "organisations": sorted(organisations.values(), key=lambda o: o.short_name),
    })


def home(request: OrganisationRequest, org_slug: str) -> HttpResponse:
    """What each role needs to see first."""
    role = request.membership.role
    organisation = request.organisation
    context: dict = {"role": role}
    if role == Role.ADMIN:
        counts = dict(
            Membership.objects.for_org(organisation).values_list("role")
            .annotate(n=Count("pk")).values_list("role", "n")
        )
        context["role_rows"] = [(label, counts.get(value, 0)) for value, label in Role.choices]
        context["pending_invitations"] = (
            Invitation.objects.for_org(organisation).pending().select_related("country")[:5]
        )
        context["projects"] = Project.objects.for_org(organisation).annotate(
            thematic_area_count=Count("thematic_areas")
        )
    elif role in (Role.COORDINATOR, Role.FOCAL_POINT):
        projects = selectors.projects_of_membership(request.membership)
        context["projects"] = (
            Project.objects.for_org(organisation)
            .filter(pk__in=[p.pk for p in projects])
            .prefetch_related("thematic_areas")
        )
        if role == Role.COORDINATOR:
            context["focal_points"] = selectors.focal_points_of_projects(
                organisation=organisation, projects=projects
            )
    elif role == Role.OBSERVER:
        context["projects"] = projects_visible_to(request).prefetch_related("thematic_areas")
    else:
        context["projects"] = projects_visible_to(request)
    # Mentors and mentees share one page; what differs comes from the role.
    template = "participant" if role in (Role.MENTOR, Role.MENTEE) else role
    return render(request, f"participants/home_{template}.html", context)


@login_required
@require_POST
def role_switch(request: HttpRequest) -> HttpResponse:
    """The switcher: act in another role, possibly in another organisation."""
    org_slug, _sep, role = request.POST.get("membership", "").partition(":")
    if role not in Role.values or not slug_re.fullmatch(org_slug):
        raise Http404
    membership = (
        selectors.memberships_of_user(request.user)
        .filter(organisation__slug=org_slug, role=role)
        .first()
    )
    if membership is None:
        raise Http404
    key = ACTIVE_ROLE_SESSION_KEY.format(organisation_id=membership.organisation_id)
    request.session[key] = role
    messages.success(request, _("You are now acting as %(role)s at %(organisation)s.") % {
        "role": membership.get_role_display(), "organisation": membership.organisation,
    })
    return redirect("home", org_slug=org_slug)


def member_list(request: OrganisationRequest, org_slug: str) -> HttpResponse:
    require_role(request, Role.ADMIN)
    members = MemberFilter(request.GET, queryset=selectors.member_list(request=request))
    page = Paginator(members.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    projects = selectors.project_permissions(
        organisation=request.organisation, memberships=page.object_list
    )
    rows = [(membership, projects[membership.pk]) for membership in page.object_list]
    return render(request, "participants/member_list.html", {
        "filter": members, "page": page, "rows": rows,
    })


def member_edit(request: OrganisationRequest, org_slug: str, pk: int) -> HttpResponse:
    require_role(request, Role.ADMIN)
    membership = selectors.membership_for_admin(request=request, pk=pk, for_change=True)
    if membership.role not in PROJECT_PERMISSION_OF_ROLE:
        raise Http404  # nothing to edit: other roles have no projects and no country
    initial = {
        "country": membership.country,
        "projects": selectors.projects_of_membership(membership),
    }
    form = MembershipForm(form_data(request), initial=initial, membership=membership)
    if request.method == "POST" and form.is_valid():
        services.membership_update(
            acting_user=request.user,
            membership=membership,
            country=form.cleaned_data.get("country"),
            projects=list(form.cleaned_data.get("projects", [])),
        )
        messages.success(request, _("Membership of %(name)s saved.") % {"name": membership.user})
        return redirect("member_list", org_slug=org_slug)
    return render(request, "participants/member_form.html", {
        "form": form, "membership": membership,
    })


@require_POST
def member_remove(request: OrganisationRequest, org_slug: str, pk: int) -> HttpResponse:
    require_role(request, Role.ADMIN)
    membership = selectors.membership_for_admin(request=request, pk=pk, for_change=True)
    try:
        services.membership_remove(acting_user=request.user, membership=membership)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("%(name)s is no longer %(role)s here.") % {
            "name": membership.user, "role": membership.get_role_display(),
        })
    return redirect("member_list", org_slug=org_slug)


def invitation_list(request: OrganisationRequest, org_slug: str) -> HttpResponse:
    require_role(request, Role.ADMIN)
    invitations = InvitationFilter(
        request.GET, queryset=selectors.invitation_list(request=request)
    )
    page = Paginator(invitations.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "participants/invitation_list.html", {
        "filter": invitations, "page": page,
    })


def invitation_create(request: OrganisationRequest, org_slug: str) -> HttpResponse:
    require_role(request, Role.ADMIN)
    form = InvitationForm(form_data(request), organisation=request.organisation)
    if request.method == "POST" and form.is_valid():
        try:
            invitation = services.invitation_create(
                acting_user=request.user,
                organisation=request.organisation,
                email=form.cleaned_data["email"],
                full_name=form.cleaned_data["full_name"],
                language=form.cleaned_data["language"],
                role=form.cleaned_data["role"],
                country=form.cleaned_data["country"],
                projects=list(form.cleaned_data["projects"]),
            )
        except ValidationError as error:
            # A rule the form could not see (e.g. another admin invited the same person a
            # moment ago): shown like any other error.
            form.add_error(None, error)
        else:
            messages.success(request, _("Invitation sent to %(email)s.") % {
                "email": invitation.email,
            })
            return redirect("invitation_list", org_slug=org_slug)
    return render(request, "participants/invitation_form.html", {
        "form": form, "valid_days": settings.INVITATION_VALID_DAYS,
    })


@require_POST
def invitation_revoke(request: OrganisationRequest, org_slug: str, pk: int) -> HttpResponse:
    require_role(request, Role.ADMIN)
    invitation = selectors.invitation_for_admin(request=request, pk=pk, for_change=True)
    try:
        services.invitation_revoke(acting_user=request.user, invitation=invitation)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Invitation to %(email)s revoked.") % {
            "email": invitation.email,
        })
    return redirect("invitation_list", org_slug=org_slug)


@require_POST
def invitation_resend(request: OrganisationRequest, org_slug: str, pk: int) -> HttpResponse:
    require_role(request, Role.ADMIN)
    invitation = selectors.invitation_for_admin(request=request, pk=pk, for_change=True)
    try:
        services.invitation_resend(acting_user=request.user, invitation=invitation)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Invitation sent again to %(email)s.") % {
            "email": invitation.email,
        })
    return redirect("invitation_list", org_slug=org_slug)


def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    """The link in the invitation e-mail. A newcomer chooses a name and password, then signs in;
    someone who already has an account signs in first, then accepts."""
    invitation = selectors.invitation_by_token(token)
    if invitation is None:
        return render(request, "participants/invitation_invalid.html", status=404)
    existing = invitation.email_user()
    signed_in = request.user.is_authenticated
    if existing is not None and not signed_in:
        return redirect(f"{reverse('account_login')}?next={request.path}")
    if signed_in and request.user.email.lower() != invitation.email:
        return render(request, "participants/invitation_accept.html", {
            "invitation": invitation, "wrong_account": True,
        }, status=403)
    form = None if existing else InvitationAcceptForm(
        form_data(request), invitation=invitation,
        initial={"full_name": invitation.full_name},
    )
    if request.method == "POST" and (form is None or form.is_valid()):
        try:
            membership = services.invitation_accept(
                invitation=invitation,
                user=existing,
                full_name=form.cleaned_data["full_name"] if form else "",
                password=form.cleaned_data["password1"] if form else "",
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("start")
        home_url = reverse("home", kwargs={"org_slug": membership.organisation.slug})
        if existing:
            messages.success(request, _("You joined %(organisation)s as %(role)s.") % {
                "organisation": membership.organisation, "role": membership.get_role_display(),
            })
            return redirect(home_url)
        messages.success(request, _("Your account is ready. Sign in to continue."))
        return redirect(f"{reverse('account_login')}?next={home_url}")
    return render(request, "participants/invitation_accept.html", {
        "invitation": invitation, "form": form,
    })
