"""The forms of the pairing page: answering a proposal, and the coordinator's moves."""

from django import forms
from django.utils.translation import gettext_lazy as _

from matching.models import Pairing
from programmes.validators import CleanTextForm


class RespondForm(CleanTextForm, forms.Form):
    reason = forms.CharField(
        label=_("Reason (needed to decline)"), required=False, max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class MoveForm(CleanTextForm, forms.Form):
    to_status = forms.ChoiceField(label=_("Move to"), choices=Pairing.Status.choices)
    reason = forms.CharField(
        label=_("Reason (needed to end early)"), required=False, max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
