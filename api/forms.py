from django import forms
from django.utils.translation import gettext_lazy as _

from api.models import ApiToken
from programmes.validators import CleanForm

LIFETIMES = [(30, _("30 days")), (90, _("90 days")), (180, _("180 days")), (365, _("One year"))]


class TokenForm(CleanForm):
    name = forms.CharField(label=_("Name"), max_length=100,
                           help_text=_("What the token is for, e.g. “Donor reporting tool”."))
    scope = forms.ChoiceField(label=_("Access"), choices=ApiToken.Scope.choices,
                              initial=ApiToken.Scope.READ, widget=forms.RadioSelect,
                              help_text=_("Read and write lets the token log meetings for you."))
    days = forms.TypedChoiceField(label=_("Expires after"), choices=LIFETIMES, coerce=int,
                                  initial=90)
