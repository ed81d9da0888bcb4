import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from matching.models import Pairing
from programmes.models import Country, Project, ThematicArea
from programmes.validators import CleanTextForm
from reporting.selectors import GROUP_LABELS, GROUPS


class DashboardForm(CleanTextForm, forms.Form):
    def clean(self) -> dict:
        super().clean()
        data = self.cleaned_data
        if data.get("start_from") and data.get("start_to") and \
                data["start_to"] < data["start_from"]:
            self.add_error("start_to", _("The end of the period comes before its start."))
        return data


class DashboardFilter(django_filters.FilterSet):
    """The dashboard's filters; the highlights report and the exports take the same ones."""

    start_from = django_filters.DateFilter(
        label=_("Starting from"), field_name="start_day", lookup_expr="gte",
        widget=forms.DateInput(attrs={"type": "date"}))
    start_to = django_filters.DateFilter(
        label=_("Starting until"), field_name="start_day", lookup_expr="lte",
        widget=forms.DateInput(attrs={"type": "date"}))
    group = django_filters.ChoiceFilter(label=_("Status"), method="in_group",
                                        choices=list(GROUP_LABELS.items()))
    country = django_filters.ModelChoiceFilter(
        label=_("Country (mentor or mentee)"), method="from_country",
        queryset=Country.objects.none())
    thematic_area = django_filters.ModelChoiceFilter(
        label=_("Thematic area"), field_name="mentee_application__thematic_area",
        queryset=ThematicArea.objects.none())

    class Meta:
        model = Pairing
        fields = ["start_from", "start_to", "group", "country", "thematic_area"]
        form = DashboardForm

    def __init__(self, *args, project: Project, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Choices from the project only: django-filter would list every organisation's areas.
        self.filters["country"].queryset = Country.objects.order_by("name")
        self.filters["thematic_area"].queryset = ThematicArea.objects.for_org(
            project.organisation).filter(project=project)

    def in_group(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(status__in=GROUPS[value])

    def from_country(self, queryset: QuerySet, name: str, value: Country) -> QuerySet:
        return queryset.filter(Q(mentee_application__country=value)
                               | Q(mentor_application__country=value))

    def applications(self, queryset: QuerySet) -> QuerySet:
        """The same filters on the project's applications: period (when they were submitted),
        country and thematic area; the status of a pairing does not apply to them."""
        if not self.is_valid():
            return queryset.none()
        data = self.form.cleaned_data
        if data.get("start_from"):
            queryset = queryset.filter(submitted_at__date__gte=data["start_from"])
        if data.get("start_to"):
            queryset = queryset.filter(submitted_at__date__lte=data["start_to"])
        if data.get("country"):
            queryset = queryset.filter(country=data["country"])
        if data.get("thematic_area"):
            queryset = queryset.filter(thematic_area=data["thematic_area"])
        return queryset
