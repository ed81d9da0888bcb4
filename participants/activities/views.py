"""A project's activities and advisory board: the coordinator's pages (list, record, invite,
attendance, documents, the board), the invited person's answer, and "My activities"."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from participants.activities import selectors, services
from participants.activities.forms import (
    ATTENDANCE_CHOICES,
    ActivityFilter,
    ActivityForm,
    BoardMemberForm,
    DocumentForm,
    InviteForm,
)
from participants.activities.models import Activity
from participants.middleware import OrganisationRequest
from programmes import access
from programmes import selectors as programme_selectors
from programmes.models import AuditEntry
from programmes.privacy.services import audit_record
from programmes.requests import add_service_errors, form_data, ids_from, run_action

PAGE_SIZE = 25


def _followed_project(request: OrganisationRequest, slug: str):
    project = programme_selectors.project_for_member(actor=request.actor, slug=slug,
                                                     for_change=False)
    if not access.may(actor=request.actor, action="follow", obj=project):
        raise PermissionDenied
    return project


def activity_list(request: OrganisationRequest, org_slug: str, slug: str) -> HttpResponse:
    """A project's activities, filtered by kind and period, each with its counts."""
    project = _followed_project(request, slug)
    found = ActivityFilter(request.GET, queryset=selectors.project_activities(project=project))
    page = Paginator(found.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "participants/activity_list.html", {
        "project": project, "filter": found, "page": page,
        "may_manage": access.may(actor=request.actor, action="manage", obj=project),
    })


def activity_edit(request: OrganisationRequest, org_slug: str, slug: str | None = None,
                  pk: int | None = None) -> HttpResponse:
    """A coordinator records an activity, or changes one; bad input is shown next to its field
    and keeps what was typed."""
    activity: Activity | None = None
    if pk is not None:
        found = selectors.activity_for_member(actor=request.actor, pk=pk, for_change=True)
        activity, project = found, found.project
    else:
        project = programme_selectors.project_for_member(actor=request.actor, slug=slug or "",
                                                         for_change=True)
    initial = {"kind": request.GET.get("kind")} if activity is None and request.GET.get(
        "kind") in Activity.Kind.values else None
    form = ActivityForm(form_data(request), instance=activity, project=project, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.activity_save(
                actor=request.actor, project=project, activity=activity,
                fields={name: form.cleaned_data[name] for name in services.ACTIVITY_FIELDS},
                thematic_areas=form.cleaned_data["thematic_areas"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Activity saved."))
            return redirect("activity_detail", org_slug=org_slug, pk=saved.pk)
    return render(request, "participants/activity_form.html", {
        "project": project, "activity": activity, "form": form,
    }, status=400 if form.errors else 200)


def activity_detail(request: OrganisationRequest, org_slug: str, pk: int) -> HttpResponse:
    """The activity: what, when, where, its documents; for those who follow the project, who
    is invited and who attended; for an invited person, their answer."""
    activity = selectors.activity_for_member(actor=request.actor, pk=pk, for_change=False)
    follows = access.may(actor=request.actor, action="follow", obj=activity.project)
    return render(request, "participants/activity_detail.html", {
        "activity": activity, "project": activity.project,
        "may_manage": access.may(actor=request.actor, action="manage", obj=activity),
        "participants": selectors.activity_participants(activity) if follows else None,
        "documents": selectors.activity_documents(activity),
        "invitation": selectors.invitation_of(actor=request.actor, activity=activity),
        "open": not activity.cancelled and activity.ends_on >= timezone.localdate(),
        "begun": activity.starts_on <= timezone.localdate(),
        "attendance_choices": ATTENDANCE_CHOICES,
        "areas": list(activity.thematic_areas.all()),
    })


def activity_invite(request: OrganisationRequest, org_slug: str, pk: int) -> HttpResponse:
    """The coordinator invites people who take part in the project."""
    activity = selectors.activity_for_member(actor=request.actor, pk=pk, for_change=True)
    form = InviteForm(form_data(request),
                      people=selectors.invitable_people(project=activity.project))
    if request.method == "POST" and form.is_valid():
        try:
            made = services.participants_invite(actor=request.actor, activity=activity,
                                                people=form.cleaned_data["people"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("%(count)d people invited.") % {"count": len(made)})
            return redirect("activity_detail", org_slug=org_slug, pk=activity.pk)
    invited = {p.person_id for p in selectors.activity_participants(activity)}
    return render(request, "participants/activity_invite.html", {
        "activity": activity, "project": activity.project, "form": form, "invited": invited,
    }, status=400 if form.errors else 200)


@require_POST
def activity_attendance(request: OrganisationRequest, org_slug: str, pk: int) -> HttpResponse:
    """The coordinator's checklist: for each invitee, attended, did not attend, or not
    recorded."""
    activity = selectors.activity_for_member(actor=request.actor, pk=pk, for_change=True)
    attended = {}
    for invitation_id in ids_from([key.removeprefix("attended-") for key in request.POST
                                   if key.startswith("attended-")]):
        attended[invitation_id] = request.POST.get(f"attended-{invitation_id}", "")
    run_action(request, lambda: services.attendance_record(
        actor=request.actor, activity=activity, attended=attended), _("Attendance recorded."))
    return redirect("activity_detail", org_slug=org_slug, pk=activity.pk)


@require_POST
def activity_respond(request: OrganisationRequest, org_slug: str, pk: int) -> HttpResponse:
    """The invited person confirms or declines."""
    activity = selectors.activity_for_member(actor=request.actor, pk=pk, for_change=False)
    confirm = request.POST.get("answer") == "confirm"
    run_action(request, lambda: services.participant_respond(
        actor=request.actor, activity=activity, confirm=confirm),
        _("Thank you: you confirmed.") if confirm else _("Thank you: you declined."))
    return redirect("activity_detail", org_slug=org_slug, pk=activity.pk)


def document_add(request: OrganisationRequest, org_slug: str, pk: int) -> HttpResponse:
    activity = selectors.activity_for_member(actor=request.actor, pk=pk, for_change=True)
    form = DocumentForm(form_data(request), request.FILES or None)
    if request.method == "POST" and form.is_valid():
        services.document_add(actor=request.actor, activity=activity,
                              title=form.cleaned_data["title"], file=form.cleaned_data["file"],
                              content_type=form.content_type)
        messages.success(request, _("Document attached."))
        return redirect("activity_detail", org_slug=org_slug, pk=activity.pk)
    return render(request, "participants/activity_document_form.html", {
        "activity": activity, "project": activity.project, "form": form,
    }, status=400 if form.errors else 200)


def document_download(request: OrganisationRequest, org_slug: str, pk: int,
                      document_pk: int) -> HttpResponse:
    """A document goes to whoever sees the activity; each download is in the audit trail."""
    activity = selectors.activity_for_member(actor=request.actor, pk=pk, for_change=False)
    document = selectors.document_for_member(actor=request.actor, activity=activity,
                                             pk=document_pk)
    # Documents are at most 10 MB: read whole, so that no file handle outlives the request.
    try:
        with document.file.open("rb") as stored:
            response = HttpResponse(stored.read(), content_type=document.content_type)
    except FileNotFoundError:
        raise Http404 from None
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=document.download_name)
    audit_record(event=AuditEntry.Event.DOCUMENT_DOWNLOADED, organisation=request.organisation,
                 user=request.actor.user, obj=document, detail={"activity": activity.pk},
                 remote_addr=request.META.get("REMOTE_ADDR"))
    return response


@require_POST
def document_delete(request: OrganisationRequest, org_slug: str, pk: int,
                    document_pk: int) -> HttpResponse:
    activity = selectors.activity_for_member(actor=request.actor, pk=pk, for_change=True)
    document = selectors.document_for_member(actor=request.actor, activity=activity,
                                             pk=document_pk)
    services.document_delete(actor=request.actor, document=document)
    messages.success(request, _("Document removed."))
    return redirect("activity_detail", org_slug=org_slug, pk=activity.pk)


def my_activities(request: OrganisationRequest, org_slug: str) -> HttpResponse:
    """The activities the person is invited to here, with their answer."""
    page = Paginator(selectors.invitations_of(actor=request.actor), PAGE_SIZE).get_page(
        request.GET.get("page"))
    return render(request, "participants/my_activities.html", {
        "page": page, "today": timezone.localdate()})


def advisory_board(request: OrganisationRequest, org_slug: str, slug: str) -> HttpResponse:
    """The project's advisory board: its members, past and present, and its meetings. Its
    managers add members here."""
    project = _followed_project(request, slug)
    may_manage = access.may(actor=request.actor, action="manage", obj=project)
    if request.method == "POST" and not may_manage:
        raise PermissionDenied
    form = BoardMemberForm(form_data(request),
                           people=selectors.board_candidates(organisation=project.organisation),
                           project=project, initial={"since": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.board_member_add(actor=request.actor, project=project,
                                      person=data["person"], fields=data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("%(name)s joins the advisory board.") % {
                "name": data["person"]})
            return redirect("advisory_board", org_slug=org_slug, slug=project.slug)
    today = timezone.localdate()
    return render(request, "participants/advisory_board.html", {
        "project": project, "form": form, "may_manage": may_manage, "today": today,
        "members": list(selectors.board_members(project=project)),
        "meetings": list(selectors.project_activities(project=project).filter(
            kind=Activity.Kind.BOARD_MEETING)),
    }, status=400 if form.errors else 200)


@require_POST
def board_member_end(request: OrganisationRequest, org_slug: str, slug: str,
                     pk: int) -> HttpResponse:
    project = programme_selectors.project_for_member(actor=request.actor, slug=slug,
                                                     for_change=True)
    member = selectors.board_member_for_manager(actor=request.actor, project=project, pk=pk)
    run_action(request, lambda: services.board_member_end(actor=request.actor, member=member),
               _("Membership of the board ended."))
    return redirect("advisory_board", org_slug=org_slug, slug=project.slug)
