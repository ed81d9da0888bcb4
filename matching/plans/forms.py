"""The activity plan form and its planned visits, and the coordinator's review."""

from datetime import date
from decimal import Decimal

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext_lazy as _

from programmes.validators import CleanTextForm

# Plans and visits fall in this century: a date far outside it is a typing slip (and would
# run the calendar past the year 9999).
DATE_BOUNDS = [MinValueValidator(date(2000, 1, 1)), MaxValueValidator(date(2099, 12, 31))]


class PlanForm(CleanTextForm, forms.Form):
    objectives = forms.CharField(
        label=_("Objectives"), max_length=5000, widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("What the mentee will be able to do at the end, and how you will work on it."),
    )
    start = forms.DateField(label=_("Start date"), validators=DATE_BOUNDS,
                            widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    duration_months = forms.IntegerField(label=_("Duration (months)"), min_value=1,
                                         max_value=60)
    online_meetings_per_month = forms.IntegerField(label=_("Online meetings a month"),
                                                   min_value=0, max_value=31)
    # Shown with the warning next to a start date that has passed: the pair keeps that date
    # knowingly, or chooses another.
    keep_past_start = forms.BooleanField(label=_("Keep this start date"), required=False)


class VisitForm(CleanTextForm, forms.Form):
    day = forms.DateField(label=_("Date"), validators=DATE_BOUNDS,
                          widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    place = forms.CharField(label=_("Place"), max_length=200,
                            help_text=_("City and country"))
    funded = forms.BooleanField(label=_("Funded visit"), required=False)
    estimated_cost = forms.DecimalField(
        label=_("Estimated cost"), required=False, max_digits=10, decimal_places=2,
        min_value=Decimal(0), help_text=_("For a funded visit, in the budget's currency."),
    )


class BaseVisitFormSet(forms.BaseFormSet):
    # Every row counts as new: a row left empty (or emptied) is simply no visit, and a row
    # that repeats the saved plan is still read, not skipped as "unchanged".
    def initial_form_count(self) -> int:
        return 0

    def add_fields(self, form: forms.Form, index: int | None) -> None:
        super().add_fields(form, index)
        form.fields["DELETE"].label = _("Remove this visit")


def visit_formset(data, visits: list[dict]) -> forms.BaseFormSet:
    """The plan's visits, with two empty rows to add more."""
    formset = forms.formset_factory(VisitForm, formset=BaseVisitFormSet, extra=len(visits) + 2,
                                    can_delete=True, max_num=24, validate_max=True)
    return formset(data, initial=None if data is not None else visits, prefix="visits")


class ReviewForm(CleanTextForm, forms.Form):
    comments = forms.CharField(
        label=_("Comments for the pair (needed to return the plan)"), required=False,
        max_length=5000, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("A plan whose start date has passed is approved only with a reason here."),
    )
