"""The coordinator's matching page and its settings."""

from typing import cast

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from matching.proposals import engine, selectors, services
from matching.proposals.forms import MatchingForm, MatchingSettingsForm
from participants.middleware import OrganisationRequest
from programmes import selectors as programme_selectors
from programmes.requests import (
    add_service_errors,
    form_data,
    ids_from,
)


def matching_run(request: OrganisationRequest, org_slug: str, slug: str) -> HttpResponse:
    """The engine's proposals for the project's pool (or one call's shortlist), which the
    coordinator may change row by row before confirming them all."""
    project = programme_selectors.project_for_member(actor=request.actor, slug=slug,
                                                     for_change=True)
    calls = selectors.matching_calls(project)
    call = None
    call_pk = request.GET.get("call", "")
    if call_pk:
        # Anything but one of the project's mentee calls (a tampered value) is not found.
        ids = ids_from([call_pk])
        call = calls.filter(pk=ids[0]).first() if ids else None
        if call is None:
            raise Http404
    pool = selectors.matching_pool(project=project, call=call)
    result = engine.match(pool.mentees, pool.mentors, pool.rules,
                          area_names=pool.area_names, language_names=pool.language_names)
    form = MatchingForm(form_data(request), pool=pool, result=result,
                        check_url=request.get_full_path())
    if request.method == "POST" and form.is_valid() and request.POST.get("action") == "confirm":
        chosen = form.chosen()
        notes = {pk: form.cleaned_data[f"note_{pk}"] for pk in chosen}
        if not any(chosen.values()):
            form.add_error(None, _("Choose a mentor for at least one mentee."))
        else:
            try:
                pairings = services.matching_confirm(
                    actor=request.actor, project=project, call=call, chosen=chosen,
                    notes=notes,
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, ngettext(
                    "%(count)s pairing proposed: mentor and mentee are asked to accept it.",
                    "%(count)s pairings proposed: mentors and mentees are asked to accept them.",
                    len(pairings),
                ) % {"count": len(pairings)})
                return redirect(reverse("pairing_list", args=[org_slug]) + f"?project={project.pk}")
    template = "matching/matching.html"
    if request.htmx:
        template += "#matching-form"
    refused = request.method == "POST" and request.POST.get("action") == "confirm"
    return render(request, template, {
        "project": project, "calls": calls, "call": call, "pool": pool, "result": result,
        "form": form, "rows": form.rows(),
        "mentor_rows": [(a, cast(engine.Mentor, pool.mentor(a.pk)).capacity,
                         result.free_places.get(a.pk, 0)) for a in pool.mentor_applications()],
    }, status=400 if refused else 200)


def matching_settings(request: OrganisationRequest, org_slug: str, slug: str) -> HttpResponse:
    project = programme_selectors.project_for_member(actor=request.actor, slug=slug,
                                                     for_change=True)
    form = MatchingSettingsForm(form_data(request), instance=project)
    if request.method == "POST" and form.is_valid():
        services.matching_settings_update(actor=request.actor, project=form.save(commit=False),
                                          related_areas=form.related_areas())
        messages.success(request, _("Matching settings saved."))
        return redirect("matching_run", org_slug=org_slug, slug=project.slug)
    return render(request, "matching/matching_settings.html", {"form": form, "project": project})
