"""The compliance table's filters."""

import django_filters
from django.utils.translation import gettext_lazy as _

from matching.models import Pairing
from programmes.models import Country, Project, ThematicArea
from programmes.validators import CleanForm


class ComplianceFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(label=_("Status"), choices=Pairing.Status.choices)
    country = django_filters.ModelChoiceFilter(
        label=_("Mentee's country"), field_name="mentee_application__country",
        queryset=Country.objects.none())
    thematic_area = django_filters.ModelChoiceFilter(
        label=_("Thematic area"), field_name="mentee_application__thematic_area",
        queryset=ThematicArea.objects.none())

    class Meta:
        model = Pairing
        fields = ["status", "country", "thematic_area"]
        form = CleanForm

    def __init__(self, *args, project: Project, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.filters["country"].queryset = Country.objects.order_by("name")
        self.filters["thematic_area"].queryset = ThematicArea.objects.for_org(
            project.organisation).filter(project=project)
