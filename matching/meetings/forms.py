"""The meeting form: online or in person, the day, the topics, and for a visit where and the
cost claimed."""

from typing import cast

from django import forms
from django.utils.translation import gettext_lazy as _

from matching.models import Meeting
from matching.plans.forms import DATE_BOUNDS
from programmes.models import Country
from programmes.validators import CleanTextForm

CURRENCIES = ["EUR", "USD", "GBP", "CHF", "DZD", "EGP", "ILS", "JOD", "LBP", "LYD", "MAD", "TND",
              "AMD", "AZN", "GEL", "MDL", "UAH"]


class MeetingForm(CleanTextForm, forms.ModelForm):
    cost_currency = forms.ChoiceField(
        label=_("Currency"), required=False,
        choices=[("", "—"), *((code, code) for code in CURRENCIES)],
    )

    class Meta:
        model = Meeting
        fields = ["kind", "day", "duration_minutes", "topics", "notes", "city", "country",
                  "funded", "cost_amount", "cost_currency"]
        widgets = {
            "day": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "notes": forms.Textarea(attrs={"rows": 3}),
            "kind": forms.RadioSelect,
        }
        help_texts = {
            "city": _("For an in-person visit."),
            "funded": _("A visit paid by the programme: at most one in each period."),
            "cost_amount": _("For a funded visit: the travel and stay costs you claim."),
        }

    duration_minutes = forms.IntegerField(label=_("Duration (minutes)"), min_value=1,
                                          max_value=24 * 60)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["day"].validators += DATE_BOUNDS
        cast(forms.ModelChoiceField, self.fields["country"]).queryset = (
            Country.objects.order_by("name"))

    def clean(self) -> dict:
        super().clean()
        data = self.cleaned_data
        in_person = data.get("kind") == Meeting.Kind.IN_PERSON
        if in_person and not data.get("city") and "city" not in self.errors:
            self.add_error("city", _("Say where the visit took place."))
        if data.get("funded") and not in_person:
            # Said here, next to the box, before the model's own check says it at the top.
            self.add_error("funded", _("Only an in-person visit is funded."))
        return data
