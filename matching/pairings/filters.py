"""The pairing list's filters."""

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from matching.models import Pairing
from programmes.validators import CleanForm


class PairingFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Mentor or mentee"), method="search")
    project = django_filters.ChoiceFilter(label=_("Project"))
    status = django_filters.ChoiceFilter(label=_("Status"), choices=Pairing.Status.choices)

    class Meta:
        model = Pairing
        fields = ["q", "project", "status"]
        form = CleanForm

    def __init__(self, *args, projects: list[tuple[int, str]], **kwargs) -> None:
        """`projects`: (pk, name) of the projects this person may see, read once by the view,
        which names the rows' projects from them too. Only these can be chosen."""
        super().__init__(*args, **kwargs)
        self.filters["project"].extra["choices"] = projects

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(Q(mentor__full_name__icontains=value)
                               | Q(mentee__full_name__icontains=value))
