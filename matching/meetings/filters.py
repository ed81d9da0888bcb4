"""The compliance table's filters."""

import django_filters
from django.utils.translation import gettext_lazy as _

from matching.models import Pairing
from programmes.models import Country, Project, ThematicArea
from programmes.validators import CleanForm


class ComplianceFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(label=_("Status"), choices=Pairing.Status.choices)
    country = django_filters.ChoiceFilter(label=_("Mentee's country"),
                                          field_name="mentee_application__country")
    thematic_area = django_filters.ChoiceFilter(label=_("Thematic area"),
                                                field_name="mentee_application__thematic_area")

    class Meta:
        model = Pairing
        fields = ["status", "country", "thematic_area"]
        form = CleanForm

    def __init__(self, *args, project: Project, **kwargs) -> None:
        """The choices are read as (key, name) pairs, not as models: the countries, and this
        project's thematic areas only."""
        super().__init__(*args, **kwargs)
        self.filters["country"].extra["choices"] = list(
            Country.objects.order_by("name").values_list("code", "name"))
        self.filters["thematic_area"].extra["choices"] = list(
            ThematicArea.objects.for_org(project.organisation).filter(project=project)
            .values_list("pk", "name"))
