import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from participants.models import Application, Invitation, Membership, Role
from programmes.models import Call, Country, ThematicArea
from programmes.validators import CleanForm


class MemberFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Name or e-mail"), method="search")
    role = django_filters.ChoiceFilter(label=_("Role"), choices=Role.choices)

    class Meta:
        model = Membership
        fields = ["q", "role"]
        form = CleanForm

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(
            Q(user__full_name__icontains=value) | Q(user__email__icontains=value)
        )


class InvitationFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(label=_("Status"), choices=Invitation.Status.choices)

    class Meta:
        model = Invitation
        fields = ["status"]
        form = CleanForm


class ApplicationFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Name, e-mail or agency"), method="search")
    country = django_filters.ModelChoiceFilter(label=_("Country"), queryset=Country.objects.none())
    thematic_area = django_filters.ModelChoiceFilter(label=_("Thematic area"),
                                                     queryset=ThematicArea.objects.none())
    status = django_filters.ChoiceFilter(label=_("Status"), choices=Application.Status.choices)
    sort = django_filters.OrderingFilter(
        label=_("Sort by"),
        fields=[("full_name", "name"), ("country__name", "country"),
                ("submitted_at", "submitted"), ("years_of_service", "service")],
        field_labels={"name": _("Name"), "country": _("Country"),
                      "submitted": _("Submitted"), "service": _("Years of service")},
    )

    class Meta:
        model = Application
        fields = ["q", "country", "thematic_area", "status"]
        form = CleanForm

    def __init__(self, *args, call: Call, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Choices come from the call, never from every organisation's rows.
        self.filters["country"].queryset = call.invited_countries.all()
        self.filters["thematic_area"].queryset = ThematicArea.objects.for_org(
            call.organisation
        ).filter(project=call.project_id)

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(Q(full_name__icontains=value) | Q(email__icontains=value)
                               | Q(agency__icontains=value))
