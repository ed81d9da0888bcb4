"""The role switcher, members and invitations, accepting an invitation, the call page with its
nomination forms, nominations, applications and notifications."""

from typing import NamedTuple

from allauth.account.internal.flows.login import record_authentication
from allauth.account.utils import perform_login
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.core.validators import slug_re
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from participants import selectors, services
from participants.filters import ApplicationFilter, InvitationFilter, MemberFilter
from participants.forms import (
    ApplicationForm,
    DecisionForm,
    IdentityProviderForm,
    InvitationAcceptForm,
    InvitationForm,
    MembershipForm,
    NominationForm,
    SelfNominationForm,
    SubmitApplicationForm,
)
from participants.middleware import (
    ACTIVE_ROLE_SESSION_KEY,
    AuthenticatedRequest,
    OrganisationRequest,
)
from participants.models import Application
from programmes import access
from programmes.access import PROJECT_PERMISSION_OF_ROLE
from programmes.actor import Role
from programmes.models import WORKING_LANGUAGES, AuditEntry, Call
from programmes.privacy.forms import ProfileForm
from programmes.privacy.services import audit_record
from programmes.privacy.views import my_data_page
from programmes.requests import (
    add_service_errors,
    form_data,
    ids_from,
    run_action,
)
from programmes.selectors import call_for_member

PAGE_SIZE = 25


@login_required
def start(request: AuthenticatedRequest) -> HttpResponse:
    """Where signing in lands: the organisation's home, or a choice when there are several."""
    memberships = list(selectors.memberships_of_user(request.user))
    organisations = {m.organisation.slug: m.organisation for m in memberships}
    if len(organisations) == 1:
        return redirect("home", org_slug=next(iter(organisations)))
    return render(request, "participants/start.html", {
        "organisations": sorted(organisations.values(), key=lambda o: o.short_name),
    })


@login_required
@require_POST
def role_switch(request: AuthenticatedRequest) -> HttpResponse:
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
    access.require_role(actor=request.actor, roles=[Role.ADMIN])
    members = MemberFilter(request.GET, queryset=selectors.member_list(actor=request.actor))
    page = Paginator(members.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    projects = selectors.project_permissions(
        organisation=request.organisation, memberships=page.object_list
    )
    rows = [(membership, projects[membership.pk]) for membership in page.object_list]
    return render(request, "participants/member_list.html", {
        "filter": members, "page": page, "rows": rows,
    })


def identity_provider_edit(request: OrganisationRequest, org_slug: str) -> HttpResponse:
    """The organisation's admin connects its identity provider: what to give the provider
    (our SAML metadata, or the OpenID Connect return address), then what it gave them."""
    access.require_role(actor=request.actor, roles=[Role.ADMIN])
    provider = selectors.identity_provider_of(actor=request.actor)
    form = IdentityProviderForm(form_data(request), request.FILES or None, instance=provider)
    if request.method == "POST" and form.is_valid():
        try:
            services.identity_provider_save(actor=request.actor, values=form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The identity provider is saved."))
            return redirect("identity_provider_edit", org_slug=org_slug)
    return render(request, "participants/identity_provider_form.html", {
        "form": form, "provider": provider,
        "callback": request.build_absolute_uri(reverse(
            "openid_connect_callback", kwargs={"provider_id": f"sso-{org_slug}"})),
        # Ours, for a SAML provider: allauth serves the metadata once a SAML provider is saved.
        "saml_metadata_url": request.build_absolute_uri(reverse("saml_metadata", args=[org_slug])),
        "saml_acs": request.build_absolute_uri(reverse("saml_acs", args=[org_slug])),
    }, status=400 if form.is_bound else 200)


def member_edit(request: OrganisationRequest, org_slug: str, pk: int) -> HttpResponse:
    access.require_role(actor=request.actor, roles=[Role.ADMIN])
    membership = selectors.membership_for_admin(actor=request.actor, pk=pk, for_change=True)
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
    access.require_role(actor=request.actor, roles=[Role.ADMIN])
    membership = selectors.membership_for_admin(actor=request.actor, pk=pk, for_change=True)
    run_action(
        request,
        lambda: services.membership_remove(actor=request.actor, membership=membership),
        _("%(name)s is no longer %(role)s here.") % {
            "name": membership.user, "role": membership.get_role_display(),
        },
    )
    return redirect("member_list", org_slug=org_slug)


def invitation_list(request: OrganisationRequest, org_slug: str) -> HttpResponse:
    access.require_role(actor=request.actor, roles=[Role.ADMIN])
    invitations = InvitationFilter(
        request.GET, queryset=selectors.invitation_list(actor=request.actor)
    )
    page = Paginator(invitations.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "participants/invitation_list.html", {
        "filter": invitations, "page": page,
    })


def invitation_create(request: OrganisationRequest, org_slug: str) -> HttpResponse:
    access.require_role(actor=request.actor, roles=[Role.ADMIN])
    form = InvitationForm(form_data(request), organisation=request.organisation)
    if request.method == "POST" and form.is_valid():
        try:
            invitation = services.invitation_create(
                actor=request.actor,
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
    access.require_role(actor=request.actor, roles=[Role.ADMIN])
    invitation = selectors.invitation_for_admin(actor=request.actor, pk=pk, for_change=True)
    run_action(
        request,
        lambda: services.invitation_revoke(actor=request.actor, invitation=invitation),
        _("Invitation to %(email)s revoked.") % {"email": invitation.email},
    )
    return redirect("invitation_list", org_slug=org_slug)


@require_POST
def invitation_resend(request: OrganisationRequest, org_slug: str, pk: int) -> HttpResponse:
    access.require_role(actor=request.actor, roles=[Role.ADMIN])
    invitation = selectors.invitation_for_admin(actor=request.actor, pk=pk, for_change=True)
    run_action(
        request,
        lambda: services.invitation_resend(actor=request.actor, invitation=invitation),
        _("Invitation sent again to %(email)s.") % {"email": invitation.email},
    )
    return redirect("invitation_list", org_slug=org_slug)


def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    """The link in the invitation e-mail. A newcomer chooses a name and password and is signed
    in; someone who already has an account signs in first, then accepts."""
    invitation = selectors.invitation_by_token(token)
    if invitation is None:
        return render(request, "participants/invitation_invalid.html", status=404)
    existing = invitation.email_user()
    if existing is not None and existing.awaits_first_password:
        existing = None  # made by an import, never used: the newcomer's form sets its password
    signed_in = request.user.is_authenticated
    if existing is not None and not signed_in:
        return redirect(f"{reverse('account_login')}?next={request.path}")
    if request.user.is_authenticated and request.user.email.lower() != invitation.email:
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
        application = invitation.open_application()
        if application is not None:
            # A nominee goes straight on to the application they were invited to complete.
            home_url = reverse("application_edit", args=[membership.organisation.slug,
                                                         application.pk])
        if existing:
            messages.success(request, _("You joined %(organisation)s as %(role)s.") % {
                "organisation": membership.organisation, "role": membership.get_role_display(),
            })
            return redirect(home_url)
        # The link came to this address, and the person has just chosen their password: they
        # are signed in through allauth's own login (its stages, such as setting up MFA for
        # the roles that need it, come next), not asked to type it all again.
        messages.success(request, _("Your account is ready: welcome."))
        # The password they chose is how they authenticated: recorded as allauth records a
        # password sign-in, so that setting up MFA right after asks for it no second time
        # (allauth's internal flow; the version is pinned in pyproject.toml).
        record_authentication(request, membership.user, method="password",
                              email=invitation.email)
        return perform_login(request, membership.user, redirect_url=home_url,
                             email=invitation.email, signup=True)
    return render(request, "participants/invitation_accept.html", {
        "invitation": invitation, "form": form,
    })


# --- Calls ------------------------------------------------------------------------------------

def call_detail(request: OrganisationRequest, org_slug: str, pk: int) -> HttpResponse:
    call = call_for_member(actor=request.actor, pk=pk, for_change=False)
    return render(request, "programmes/call_detail.html", call_detail_context(request, call))


def call_detail_context(request: OrganisationRequest, call: Call) -> dict:
    """What the call page shows to this person: the counts to its managers, the places left
    and the nomination form to a focal point, the self-nomination form where allowed."""
    context = {
        "call": call,
        "invited_countries": call.invited_countries.all(),
        "thematic_areas": call.thematic_areas.all(),
        "can_manage": access.may(actor=request.actor, action="manage", obj=call),
        "language_names": dict(WORKING_LANGUAGES),
    }
    if context["can_manage"] or request.actor.holds(Role.OBSERVER, Role.ADMIN):
        context["country_rows"] = selectors.call_country_counts(call=call)
    focal_point = access.focal_point_membership_for(actor=request.actor, call=call)
    if focal_point is not None:
        context["focal_point"] = focal_point
        context["places_left"] = selectors.places_left(
            call=call, country=focal_point.country
        )
        context["nominations"] = selectors.nominations_of_focal_point(
            actor=request.actor).filter(call=call)
        context["nomination_form"] = NominationForm(
            call=call, language=request.actor.user.language)
    if (call.allow_self_nomination and call.accepts_nominations
            and request.actor.holds(call.role_sought)):
        context["self_nomination_form"] = SelfNominationForm(call=call)
    return context



# --- Nominations ------------------------------------------------------------------------------

@require_POST
def nomination_create(request: OrganisationRequest, org_slug: str, pk: int) -> HttpResponse:
    call = call_for_member(actor=request.actor, pk=pk, for_change=False)
    membership = access.focal_point_membership_for(actor=request.actor, call=call)
    if membership is None:
        raise PermissionDenied
    form = NominationForm(request.POST, call=call, language=request.actor.user.language)
    if form.is_valid():
        try:
            nomination = services.nomination_create(
                actor=request.actor, membership=membership, call=call, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _(
                "%(name)s is nominated and has been invited to complete the application."
            ) % {"name": nomination.full_name})
            return redirect("call_detail", org_slug=org_slug, pk=call.pk)
    return render(request, "programmes/call_detail.html", {
        **call_detail_context(request, call), "nomination_form": form,
    }, status=400)


@require_POST
def nomination_withdraw(request: OrganisationRequest, org_slug: str, pk: int) -> HttpResponse:
    nomination = selectors.nomination_for_focal_point(actor=request.actor, pk=pk)
    run_action(
        request,
        lambda: services.nomination_withdraw(actor=request.actor, nomination=nomination),
        _("The nomination of %(name)s is withdrawn.") % {"name": nomination.full_name},
    )
    return redirect("call_detail", org_slug=org_slug, pk=nomination.call_id)


def nomination_list(request: OrganisationRequest, org_slug: str) -> HttpResponse:
    access.require_role(actor=request.actor, roles=[Role.FOCAL_POINT])
    nominations = selectors.nominations_of_focal_point(actor=request.actor)
    page = Paginator(nominations, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "participants/nomination_list.html", {"page": page})


# --- Applications -----------------------------------------------------------------------------

@require_POST
def application_start(request: OrganisationRequest, org_slug: str, pk: int) -> HttpResponse:
    call = call_for_member(actor=request.actor, pk=pk, for_change=False)
    form = SelfNominationForm(request.POST, call=call)
    if form.is_valid():
        try:
            application = services.application_start(
                actor=request.actor, call=call, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return redirect("application_edit", org_slug=org_slug, pk=application.pk)
    return render(request, "programmes/call_detail.html", {
        **call_detail_context(request, call), "self_nomination_form": form,
    }, status=400)


class ChecklistItem(NamedTuple):
    done: bool
    text: str


def submission_checklist(problems: dict[str, str]) -> list[ChecklistItem]:
    """The "before you can submit" list: the call's criteria, then the CV, the motivation and
    the consent, each done or with what is still to do."""
    steps = {"cv": _("Your CV is stored."),
             "motivation": _("Your motivation is written."),
             "consent": _("You consent to the processing of your personal data.")}
    items = [ChecklistItem(False, text) for field, text in problems.items() if field not in steps]
    if not items:
        items.append(ChecklistItem(True, _("You meet the criteria of the call.")))
    items += [ChecklistItem(step not in problems, problems.get(step, done))
              for step, done in steps.items()]
    return items


def cv_filename(application: Application) -> str:
    # The stored file's own name is made up (cv_upload_to): the person sees this one.
    return f"CV {application.full_name}.pdf"


def stored_cv(application: Application) -> dict | None:
    if not application.cv:
        return None
    try:
        size: int | None = application.cv.size
    except OSError:  # the file is missing from the storage: its name is still shown
        size = None
    return {"name": cv_filename(application), "size": size}


@require_POST
def application_withdraw(request: OrganisationRequest, org_slug: str, pk: int) -> HttpResponse:
    application = selectors.application_for_applicant(actor=request.actor, pk=pk)
    run_action(
        request,
        lambda: services.application_withdraw(actor=request.actor, application=application),
        _("Your application is withdrawn."),
    )
    return redirect("application_edit", org_slug=org_slug, pk=application.pk)


def application_edit(request: OrganisationRequest, org_slug: str, pk: int) -> HttpResponse:
    """The candidate completes the application: saves as often as they like, then submits.
    A CV that passes its checks is stored at once, even when the rest of the page is refused:
    the browser will not send the file again."""
    application = selectors.application_for_applicant(actor=request.actor, pk=pk)
    editable = application.status == Application.Status.INVITED
    form = ApplicationForm(form_data(request), request.FILES or None, instance=application)
    submit_form = SubmitApplicationForm(form_data(request) if "submit" in request.POST else None)
    problems: dict[str, str] | None = None
    if request.method == "POST" and editable:
        form.is_valid()
        if form.cleaned_data.get("cv"):
            try:
                services.application_cv_store(actor=request.actor, application=application,
                                              cv=form.cleaned_data["cv"])
            except ValidationError as error:
                add_service_errors(form, error)
        if not form.errors:
            submitting = "submit" in request.POST
            try:
                services.application_save(
                    actor=request.actor, application=application,
                    fields={name: form.cleaned_data[name] for name in form.Meta.fields
                            if name in form.fields and name != "expertise_areas"},
                    languages=form.cleaned_data["languages"],
                    expertise_areas=list(form.cleaned_data["expertise_areas"]),
                    submit=submitting,
                    consent=submitting and submit_form.is_valid(),
                )
            except ValidationError as error:
                if hasattr(error, "error_dict"):
                    # What the submission found in what was typed: the list shows the same.
                    problems = {field: " ".join(texts)
                                for field, texts in error.message_dict.items()}
                    # The consent box shows its own message (submit_form is bound).
                    error = ValidationError({field: errors for field, errors
                                             in error.error_dict.items() if field != "consent"})
                add_service_errors(form, error)
            else:
                if submitting:
                    messages.success(request, _("Your application is submitted."))
                else:
                    messages.success(request, _("Your application is saved. Submit it when it "
                                                "is complete."))
                return redirect("application_edit", org_slug=org_slug, pk=application.pk)
    if editable and problems is None:
        # The draft with what the form took of the typing (the fields it refused keep their
        # saved value) and the stored CV; the consent box as the page shows it.
        problems = selectors.submission_problems(
            application, consent=submit_form.is_bound and submit_form.is_valid())
    application.refresh_from_db()
    if editable and application.cv:
        form.describe_stored_cv("cv-stored")
    return render(request, "participants/application_form.html", {
        "application": application, "form": form, "submit_form": submit_form,
        "editable": editable, "consent_version": services.CONSENT_VERSION,
        "checklist": submission_checklist(problems) if problems is not None else [],
        "stored_cv": stored_cv(application) if editable else None,
    }, status=400 if request.method == "POST" else 200)


def application_cv(request: OrganisationRequest, org_slug: str, pk: int) -> HttpResponse:
    application = selectors.application_for_cv(actor=request.actor, pk=pk)
    # CVs are at most 5 MB: read whole, so that no file handle outlives the request.
    try:
        with application.cv.open("rb") as cv:
            response = HttpResponse(cv.read(), content_type="application/pdf")
    except FileNotFoundError:
        raise Http404 from None
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=cv_filename(application)
    )
    audit_record(event=AuditEntry.Event.CV_DOWNLOADED, organisation=request.organisation,
                 user=request.actor.user, obj=application,
                 remote_addr=request.META.get("REMOTE_ADDR"))
    return response


def application_list(request: OrganisationRequest, org_slug: str, pk: int) -> HttpResponse:
    """The coordinator reviews a call's applications: filter, sort, count, decide."""
    call = call_for_member(actor=request.actor, pk=pk, for_change=True)
    applications = ApplicationFilter(request.GET, queryset=selectors.review_list(call=call),
                                     call=call)
    shown = applications.qs
    page = Paginator(shown, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "participants/application_list.html", {
        "call": call, "filter": applications, "page": page,
        "counts": selectors.review_counts(shown), "decision_form": DecisionForm(),
    })


def application_review(request: OrganisationRequest, org_slug: str, pk: int) -> HttpResponse:
    application = selectors.application_for_reviewer(actor=request.actor, pk=pk)
    form = DecisionForm(form_data(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.application_decide(actor=request.actor, application=application,
                                        **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Decision recorded; %(name)s has been told.") % {
                "name": application.full_name,
            })
            return redirect("application_list", org_slug=org_slug, pk=application.call_id)
    return render(request, "participants/application_review.html", {
        "application": application, "form": form,
        "languages": application.languages.all(),
        "expertise_areas": application.expertise_areas.all(),
        "history": application.status_changes.select_related("changed_by"),
        "eligibility": selectors.eligibility_of(application),
    }, status=400 if request.method == "POST" else 200)


@require_POST
def application_decide_many(request: OrganisationRequest, org_slug: str, pk: int) -> HttpResponse:
    """The same decision, with the same reason, for several applications at once."""
    call = call_for_member(actor=request.actor, pk=pk, for_change=True)
    form = DecisionForm(request.POST)
    chosen = selectors.review_list(call=call).filter(
        pk__in=ids_from(request.POST.getlist("application"))
    )
    if not form.is_valid() or not chosen:
        messages.error(request, _("Tick at least one application and choose a decision; give "
                                  "a reason to keep in reserve or to decline."))
        return redirect("application_list", org_slug=org_slug, pk=call.pk)
    decided, refused = 0, []
    for application in chosen:
        try:
            services.application_decide(actor=request.actor, application=application,
                                        **form.cleaned_data)
            decided += 1
        except ValidationError:
            refused.append(application.full_name)
    messages.success(request, ngettext("%(count)s decision recorded.",
                                       "%(count)s decisions recorded.", decided)
                     % {"count": decided})
    if refused:
        messages.error(request, _("Not decided (not submitted): %(names)s.") % {
            "names": ", ".join(refused),
        })
    return redirect("application_list", org_slug=org_slug, pk=call.pk)


def notification_list(request: OrganisationRequest, org_slug: str) -> HttpResponse:
    notifications = selectors.notifications_of(actor=request.actor)
    page = Paginator(notifications, PAGE_SIZE).get_page(request.GET.get("page"))
    response = render(request, "participants/notification_list.html", {"page": page})
    services.notifications_mark_read(user=request.user, organisation=request.organisation)
    return response


# --- The person's own data (the page is programmes/privacy's) -----------------------------------

@require_POST
def my_data_profile(request: OrganisationRequest, org_slug: str) -> HttpResponse:
    """The person corrects their name or preferred language from their "My data" page."""
    form = ProfileForm(request.POST)
    if form.is_valid():
        try:
            services.profile_update(actor=request.actor, full_name=form.cleaned_data["full_name"],
                                    language=form.cleaned_data["language"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Your details are saved."))
            return redirect("my_data", org_slug=org_slug)
    return my_data_page(request, profile_form=form)
