"""The budget page's forms: a claim's review, and an exchange rate."""

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from matching.models import Meeting
from programmes.validators import CleanForm, currency_code


class ClaimReviewForm(CleanForm):
    decision = forms.ChoiceField(
        label=_("Decision"), widget=forms.RadioSelect,
        choices=[(Meeting.Claim.APPROVED, _("Approve as claimed")),
                 (Meeting.Claim.ADJUSTED, _("Adjust the amount")),
                 (Meeting.Claim.REFUSED, _("Refuse"))],
    )
    amount = forms.DecimalField(
        label=_("Amount approved"), required=False, max_digits=10, decimal_places=2,
        min_value=Decimal(0), help_text=_("In the claim's currency, when you adjust it."),
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 2}),
                           help_text=_("Why you adjust or refuse it: the pair reads it."))

    def clean(self) -> dict:
        super().clean()
        data = self.cleaned_data
        if data.get("decision") == Meeting.Claim.ADJUSTED and data.get("amount") is None \
                and "amount" not in self.errors:
            self.add_error("amount", _("Give the amount approved."))
        return data


class ExchangeRateForm(CleanForm):
    currency = forms.CharField(label=_("Currency"), max_length=3, min_length=3,
                               help_text=_("The ISO 4217 code, such as MAD."))
    rate = forms.DecimalField(label=_("Rate"), max_digits=18, decimal_places=8,
                              help_text=_("What one unit of this currency is worth in the "
                                          "budget's currency."))
    note = forms.CharField(label=_("Note"), required=False, max_length=300,
                           help_text=_("Where the rate comes from, and for which period."))

    def clean_currency(self) -> str:
        code = self.cleaned_data["currency"].strip().upper()
        currency_code(code)
        return code

    def clean_rate(self) -> Decimal:
        rate = self.cleaned_data["rate"]
        if rate <= 0:
            raise ValidationError(_("A rate is more than zero."))
        return rate
