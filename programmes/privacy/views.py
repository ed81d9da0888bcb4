"""The privacy pages."""

from dataclasses import dataclass
from datetime import UTC
from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.core.paginator import Paginator
from django.db.models import Case, DateTimeField, F, IntegerField, Model, Value, When
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from programmes import access, cldr
from programmes.actor import Role
from programmes.privacy import services as privacy_services
from programmes.privacy.filters import AuditFilter, member_users
from programmes.privacy.forms import (
    DataRequestAnswerForm,
    DataRequestForm,
    ProfileForm,
    RetentionForm,
)
from programmes.privacy.models import AuditEntry, DataRequest
from programmes.privacy.record import processing_record
from programmes.privacy.retention import retention_due, retention_periods_set
from programmes.privacy.services import (
    data_request_make,
    data_requests_of,
    personal_data_collect,
    personal_data_tables,
)
from programmes.requests import ActorRequest, add_service_errors, form_data

# -- The person's own pages ----------------------------------------------------------------------


def my_data_page(request: ActorRequest, *, profile_form: ProfileForm | None = None,
                 request_form: DataRequestForm | None = None) -> HttpResponse:
    """The "My data" page, with its forms as given (bound, with their errors, after a refused
    change; participants' profile view renders it so too)."""
    actor = request.actor
    user = actor.user
    data = personal_data_collect(organisation=actor.organisation, user=user)
    roles = [(Role(held.role).label, held.country_id) for held in actor.memberships]
    bound = bool(profile_form and profile_form.is_bound) or bool(
        request_form and request_form.is_bound)
    return render(request, "privacy/my_data.html", {
        "sections": personal_data_tables(data),
        "roles": roles,
        "generated_at": timezone.now(),
        "profile_form": profile_form or ProfileForm(initial={
            "full_name": getattr(user, "full_name", ""),
            "language": getattr(user, "language", "en")}),
        "request_form": request_form or DataRequestForm(),
        "data_requests": data_requests_of(actor=actor),
    }, status=400 if bound else 200)


def my_data(request: ActorRequest, org_slug: str) -> HttpResponse:
    """Everything the organisation holds about the signed-in person, whatever their role."""
    return my_data_page(request)


@require_POST
def my_data_request(request: ActorRequest, org_slug: str) -> HttpResponse:
    form = DataRequestForm(request.POST)
    if form.is_valid():
        try:
            data_request_make(actor=request.actor, kind=form.cleaned_data["kind"],
                              message=form.cleaned_data["message"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Your request is sent to the organisation's "
                                        "administrators. They answer within a month."))
            return redirect("my_data", org_slug=org_slug)
    return my_data_page(request, request_form=form)


# -- The organisation admin's pages ----------------------------------------------------------
# Data requests and their answers, erasure, and the organisation's audit trail: admins only.

ADMIN_PAGE_SIZE = 25
AUDIT_PAGE_SIZE = 50


def _admin_requests(request: ActorRequest):
    open_first = Case(When(status=DataRequest.Status.OPEN, then=Value(0)), default=Value(1),
                      output_field=IntegerField())
    return (DataRequest.objects.for_org(request.organisation).select_related("requester")
            .order_by(open_first, F("due_on").asc(), "-created_at", "-pk"))


def _due(data_request: DataRequest) -> dict[str, Any]:
    days_left = (data_request.due_on - timezone.localdate()).days
    is_open = data_request.status == DataRequest.Status.OPEN
    return {"days_left": days_left, "overdue": is_open and days_left < 0,
            "days_late": -days_left, "is_open": is_open}


def privacy_requests(request: ActorRequest, org_slug: str) -> HttpResponse:
    access.require_role(actor=request.actor, roles=[Role.ADMIN])
    page = Paginator(_admin_requests(request), ADMIN_PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [(data_request, _due(data_request)) for data_request in page.object_list]
    return render(request, "privacy/request_list.html", {"page": page, "rows": rows})


@require_http_methods(["GET", "POST"])
def privacy_request(request: ActorRequest, org_slug: str, pk: int) -> HttpResponse:
    access.require_role(actor=request.actor, roles=[Role.ADMIN])
    data_request = get_object_or_404(_admin_requests(request), pk=pk)
    form = DataRequestAnswerForm(form_data(request))
    if request.method == "POST" and form.is_valid():
        try:
            privacy_services.data_request_answer(
                actor=request.actor, data_request=data_request,
                status=form.cleaned_data["status"],
                answer=form.cleaned_data["answer"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The request is closed and the answer recorded."))
            return redirect("privacy_requests", org_slug=org_slug)
    requester_is_member = (data_request.requester_id is not None and member_users(
        request.organisation).filter(pk=data_request.requester_id).exists())
    return render(request, "privacy/request_detail.html", {
        "data_request": data_request, "due": _due(data_request), "form": form,
        "can_erase": (requester_is_member and data_request.kind == DataRequest.Kind.ERASURE
                      and data_request.status == DataRequest.Status.OPEN),
    })


@require_http_methods(["GET", "POST"])
def privacy_erase(request: ActorRequest, org_slug: str, user_id: int) -> HttpResponse:
    access.require_role(actor=request.actor, roles=[Role.ADMIN])
    person = get_object_or_404(member_users(request.organisation), pk=user_id)
    data_request = None
    asked = request.POST.get("request") or request.GET.get("request")
    if asked:
        if not asked.isdigit():
            raise Http404
        data_request = get_object_or_404(
            DataRequest.objects.for_org(request.organisation).filter(
                requester=person, kind=DataRequest.Kind.ERASURE), pk=int(asked))
    if person.pk == request.actor.user.pk:
        messages.error(request, _("You cannot erase yourself: ask another admin."))
        return redirect("member_list", org_slug=org_slug)
    if request.method == "POST":
        try:
            privacy_services.person_erase_by_admin(actor=request.actor, user=person,
                                                   data_request=data_request)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("The person is erased from the organisation."))
            if data_request is not None:
                return redirect("privacy_requests", org_slug=org_slug)
            return redirect("member_list", org_slug=org_slug)
    lines = privacy_services.person_erase_preview(organisation=request.organisation,
                                                  user=person)
    return render(request, "privacy/erase.html", {
        "person": person, "lines": lines, "data_request": data_request,
        "totals": {"deleted": sum(line.deleted for line in lines),
                   "anonymised": sum(line.anonymised for line in lines),
                   "files": sum(line.files for line in lines)},
    })


@dataclass
class AuditRow:
    entry: AuditEntry
    who: str
    erased: bool
    object: str
    changes: list[tuple[str, str, str]]


def _field(model: type[Model] | None, name: str) -> Any:
    try:
        return model._meta.get_field(name) if model else None
    except FieldDoesNotExist:  # a field since removed keeps its name
        return None


def _is_person(field: Any) -> bool:
    return bool(getattr(field, "is_relation", False)
                and field.related_model is get_user_model())


def _audit_value(value: Any, field: Any = None, people: dict[str, str] | None = None) -> str:
    if value is None or value == "" or value == "None":
        return "\N{EN DASH}"
    if value == privacy_services.ERASED_VALUE:
        return _("[erased]")
    if isinstance(value, list):
        return ", ".join(_audit_value(item, field, people) for item in value)
    if _is_person(field):
        return (people or {}).get(str(value), _("unknown"))
    if getattr(field, "is_relation", False) and field.related_model is not None:
        return f"{str(field.related_model._meta.verbose_name).capitalize()} #{value}"
    if isinstance(field, DateTimeField) and (moment := parse_datetime(str(value))):
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment, UTC)
        # Shown in the user's time zone, like the entry's own time.
        return cldr.moment(moment)
    return str(value)


def _people_named(entries: list[AuditEntry]) -> dict[str, str]:
    """The names of the people the page's changes point at, read in one query."""
    ids = set()
    for entry in entries:
        model = entry.content_type.model_class() if entry.content_type_id else None
        if isinstance(entry.changes, dict):
            for name, change in entry.changes.items():
                if _is_person(_field(model, name)) and isinstance(change, list | tuple):
                    ids |= {str(value) for value in change if str(value).isdigit()}
    if not ids:
        return {}
    named = {}
    for pk, full_name, email in get_user_model().objects.filter(pk__in=ids).values_list(
            "pk", "full_name", "email"):
        erased = email.endswith("@" + privacy_services.ERASED_DOMAIN)
        named[str(pk)] = _("erased participant") if erased else (full_name or email)
    return named


def _audit_row(entry: AuditEntry, people: dict[str, str]) -> AuditRow:
    actor = entry.actor
    erased = actor is not None and actor.email.endswith("@" + privacy_services.ERASED_DOMAIN)
    if erased:
        who = _("erased participant")
    elif actor is not None:
        who = actor.get_full_name() or actor.email
    else:
        who = entry.actor_email or _("unknown")
    model = entry.content_type.model_class() if entry.content_type_id else None
    if model is None or model is AuditEntry:
        shown = "\N{EN DASH}"
    else:
        kind = str(model._meta.verbose_name).capitalize()
        shown = f"{kind} #{entry.object_pk}" if entry.object_pk else kind
    changes = []
    if isinstance(entry.changes, dict):
        for name, change in entry.changes.items():
            field = _field(model, name)
            # The primary key and the reverse links auditlog copies say nothing of the change.
            if field is not None and (getattr(field, "primary_key", False)
                                      or not getattr(field, "concrete", True)):
                continue
            label = str(getattr(field, "verbose_name", name))
            if isinstance(change, dict):  # many-to-many: what was added or removed
                before, after = ("", change.get("objects")) if change.get(
                    "operation") == "add" else (change.get("objects"), "")
                field = None  # the objects are named already
            elif isinstance(change, list | tuple) and len(change) == 2:
                before, after = change
            else:
                before, after = "", change
            shown_before = _audit_value(before, field, people)
            shown_after = _audit_value(after, field, people)
            if shown_before != shown_after:
                changes.append((label, shown_before, shown_after))
    return AuditRow(entry=entry, who=who, erased=erased, object=shown, changes=changes)


def privacy_audit(request: ActorRequest, org_slug: str) -> HttpResponse:
    access.require_role(actor=request.actor, roles=[Role.ADMIN])
    entries = (AuditEntry.objects.for_org(request.organisation)
               .select_related("actor", "content_type").order_by("-timestamp", "-pk"))
    trail = AuditFilter(request.GET, queryset=entries, organisation=request.organisation)
    page = Paginator(trail.qs, AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))
    people = _people_named(list(page.object_list))
    return render(request, "privacy/audit.html", {
        "filter": trail, "page": page,
        "rows": [_audit_row(entry, people) for entry in page.object_list],
        "time_zone": timezone.get_current_timezone_name(),
    })


# -- The organisation admin's settings: retention and the record of processing ------------
# The record's PDF is rendered by reporting (reporting/views.py: privacy_register_pdf), the
# layer that holds the PDF machinery.

# What the retention page lists ahead.
DUE_WITHIN_DAYS = 30


def privacy_retention(request: ActorRequest, org_slug: str) -> HttpResponse:
    access.require_role(actor=request.actor, roles=[Role.ADMIN])
    organisation = request.organisation
    form = RetentionForm(form_data(request), initial={
        "retain_declined_months": organisation.retain_declined_months,
        "retain_pairing_years": organisation.retain_pairing_years})
    if request.method == "POST" and form.is_valid():
        retention_periods_set(actor=request.actor, organisation=organisation,
                              declined_months=form.cleaned_data["retain_declined_months"],
                              pairing_years=form.cleaned_data["retain_pairing_years"])
        messages.success(request, _("Retention periods saved."))
        return redirect("privacy_retention", org_slug=org_slug)
    return render(request, "privacy/retention.html", {
        "form": form, "within_days": DUE_WITHIN_DAYS,
        "due": retention_due(organisation=organisation, on=timezone.localdate(),
                             within_days=DUE_WITHIN_DAYS),
    })


def privacy_register(request: ActorRequest, org_slug: str) -> HttpResponse:
    access.require_role(actor=request.actor, roles=[Role.ADMIN])
    return render(request, "privacy/register.html", {
        "sections": processing_record(organisation=request.organisation)})
