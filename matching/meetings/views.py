"""Logging and confirming meetings, and the coordinator's compliance table."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from matching.meetings import selectors, services
from matching.meetings.filters import ComplianceFilter
from matching.meetings.forms import MeetingForm
from matching.pairings import selectors as pairing_selectors
from participants.middleware import OrganisationRequest
from programmes import access
from programmes import selectors as programme_selectors
from programmes.requests import (
    add_service_errors,
    form_data,
    run_action,
)

PAGE_SIZE = 25


def meeting_edit(request: OrganisationRequest, org_slug: str, pk: int,
                 meeting_pk: int | None = None) -> HttpResponse:
    """Mentor or mentee logs a meeting, or corrects one; a refusal names the rule, next to its
    field, and keeps what was typed."""
    pairing = pairing_selectors.pairing_for_member(actor=request.actor, pk=pk, for_change=False)
    # The pair logs its meetings; others read them on the pairing.
    access.require(actor=request.actor, action="take_part", obj=pairing)
    meeting = (selectors.meeting_for_member(actor=request.actor, pairing=pairing, pk=meeting_pk)
               if meeting_pk else None)
    form = MeetingForm(form_data(request), instance=meeting,
                       initial={"day": timezone.localdate()} if meeting is None else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.meeting_save(actor=request.actor, pairing=pairing, meeting=meeting,
                                  fields={name: form.cleaned_data[name]
                                          for name in services.MEETING_FIELDS})
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Meeting saved: %(name)s is asked to confirm it.") % {
                "name": pairing.mentor if request.user.pk == pairing.mentee_id
                else pairing.mentee})
            return redirect("pairing_detail", org_slug=org_slug, pk=pairing.pk)
    return render(request, "matching/meeting_form.html", {
        "pairing": pairing, "form": form, "meeting": meeting, "project": pairing.project,
    }, status=400 if form.errors else 200)


@require_POST
def meeting_confirm(request: OrganisationRequest, org_slug: str, pk: int,
                    meeting_pk: int) -> HttpResponse:
    pairing = pairing_selectors.pairing_for_member(actor=request.actor, pk=pk, for_change=False)
    meeting = selectors.meeting_for_member(actor=request.actor, pairing=pairing, pk=meeting_pk)
    run_action(request, lambda: services.meeting_confirm(actor=request.actor,
                                                         meeting=meeting),
               _("Meeting confirmed."))
    return redirect("pairing_detail", org_slug=org_slug, pk=pairing.pk)


def compliance_table(request: OrganisationRequest, org_slug: str, slug: str) -> HttpResponse:
    """All pairings of a project and how each keeps the rhythm, those with the most late first."""
    project = programme_selectors.project_for_member(actor=request.actor, slug=slug,
                                                     for_change=False)
    if not access.may(actor=request.actor, action="follow", obj=project):
        raise PermissionDenied
    pairings = selectors.compliance_pairings(actor=request.actor, project=project)
    services.compliance_catch_up(project=project)
    found = ComplianceFilter(request.GET, queryset=pairings, project=project)
    page = Paginator(selectors.compliance_table(found.qs), PAGE_SIZE).get_page(
        request.GET.get("page"))
    return render(request, "matching/compliance_table.html", {
        "project": project, "filter": found, "page": page,
        "rows": selectors.compliance_rows(found.qs, page.object_list),
    })
