import django_filters
from django.utils.translation import gettext_lazy as _

from programmes.models import Call
from programmes.validators import CleanForm


class CallFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(label=_("Status"), choices=Call.Status.choices)
    role_sought = django_filters.ChoiceFilter(label=_("Role sought"),
                                              choices=Call.RoleSought.choices)

    class Meta:
        model = Call
        fields = ["status", "role_sought"]
        form = CleanForm
