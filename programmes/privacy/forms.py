from django import forms
from django.utils.translation import gettext_lazy as _

from programmes.privacy.models import DataRequest

# -- The organisation admin's forms ----------------------------------------------------------


class DataRequestAnswerForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Close the request as"), widget=forms.RadioSelect,
        choices=[(DataRequest.Status.DONE, DataRequest.Status.DONE.label),
                 (DataRequest.Status.REFUSED, DataRequest.Status.REFUSED.label)])
    answer = forms.CharField(
        label=_("Answer"), max_length=3000, widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("The person reads this answer. Say what was done, or why the request is "
                    "refused."))
