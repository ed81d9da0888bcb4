import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from participants.models import Invitation, Membership, Role


class MemberFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Name or e-mail"), method="search")
    role = django_filters.ChoiceFilter(label=_("Role"), choices=Role.choices)

    class Meta:
        model = Membership
        fields = ["q", "role"]

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(
            Q(user__full_name__icontains=value) | Q(user__email__icontains=value)
        )


class InvitationFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(label=_("Status"), choices=Invitation.Status.choices)

    class Meta:
        model = Invitation
        fields = ["status"]
