import django_filters
from django import forms
from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from programmes.models import Organisation
from programmes.privacy import register
from programmes.privacy.models import AuditEntry
from programmes.validators import CleanForm


def member_users(organisation: Organisation) -> QuerySet:
    """The organisation's members, for a choice of person: never every account."""
    # Memberships are the app above's; the registry names the model without importing it.
    membership = apps.get_model("participants", "Membership")
    return get_user_model().objects.filter(
        pk__in=membership.objects.for_org(organisation).values("user")).order_by("full_name")


def object_kinds() -> list[tuple[int, str]]:
    """The kinds of object the trail follows: the models in the register."""
    models = [entry.model for entry in register.entries()]
    types = ContentType.objects.get_for_models(*models)
    return sorted(((types[model].pk, str(model._meta.verbose_name).capitalize())
                   for model in models), key=lambda choice: choice[1])


class AuditFilter(django_filters.FilterSet):
    actor = django_filters.ModelChoiceFilter(label=_("Person"),
                                             queryset=get_user_model().objects.none())
    kind = django_filters.ChoiceFilter(label=_("Object"), field_name="content_type",
                                       choices=[])
    object_id = django_filters.CharFilter(label=_("Object number"), field_name="object_pk")
    event = django_filters.ChoiceFilter(label=_("Kind"), choices=AuditEntry.Event.choices)
    # Days in the user's time zone: `__date` converts with the current zone.
    since = django_filters.DateFilter(label=_("From"), field_name="timestamp",
                                      lookup_expr="date__gte",
                                      widget=forms.DateInput(attrs={"type": "date"}))
    until = django_filters.DateFilter(label=_("To"), field_name="timestamp",
                                      lookup_expr="date__lte",
                                      widget=forms.DateInput(attrs={"type": "date"}))

    class Meta:
        model = AuditEntry
        fields = ["actor", "kind", "object_id", "event", "since", "until"]
        form = CleanForm

    def __init__(self, *args, organisation: Organisation, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Choices come from the organisation, never from every organisation's people.
        self.filters["actor"].queryset = member_users(organisation)
        self.filters["kind"].extra["choices"] = object_kinds()
