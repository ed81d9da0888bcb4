"""The pairing list's filters."""

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from matching.models import Pairing
from programmes.models import Project
from programmes.validators import CleanForm


class PairingFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Mentor or mentee"), method="search")
    project = django_filters.ModelChoiceFilter(label=_("Project"), queryset=Project.objects.none())
    status = django_filters.ChoiceFilter(label=_("Status"), choices=Pairing.Status.choices)

    class Meta:
        model = Pairing
        fields = ["q", "project", "status"]
        form = CleanForm

    def __init__(self, *args, projects: QuerySet[Project], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Choices from the request's organisation only (django-filter would list every project).
        self.filters["project"].queryset = projects

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(Q(mentor__full_name__icontains=value)
                               | Q(mentee__full_name__icontains=value))
