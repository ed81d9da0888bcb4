"""The forms of a person's own data page: correct what is theirs (their name and language, written
by participants.services.profile_update), and ask the organisation for the rest."""

from typing import cast

from django import forms
from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import get_language_info
from django.utils.translation import gettext_lazy as _

from programmes.models import Organisation
from programmes.privacy.models import DataRequest
from programmes.validators import CleanForm


def _languages() -> list[tuple[str, str]]:
    # Each language in its own name, as the language switcher shows them.
    return [(code, get_language_info(code)["name_local"]) for code, _name in settings.LANGUAGES]


class ProfileForm(CleanForm):
    full_name = forms.CharField(label=_("Full name"), max_length=200)
    language = forms.ChoiceField(
        label=_("Preferred language"), choices=_languages,
        help_text=_("The language of your e-mails and of the documents you download."))


class DataRequestForm(CleanForm):
    kind = forms.ChoiceField(label=_("What do you ask for?"), choices=DataRequest.Kind.choices,
                             widget=forms.RadioSelect)
    message = forms.CharField(
        label=_("Your message"), max_length=3000, required=False, widget=forms.Textarea(
            attrs={"rows": 4}),
        help_text=_("What should be corrected, or anything the organisation should know."))


# -- The organisation admin's forms ----------------------------------------------------------


class DataRequestAnswerForm(CleanForm):
    status = forms.ChoiceField(
        label=_("Close the request as"), widget=forms.RadioSelect,
        choices=[(DataRequest.Status.DONE, DataRequest.Status.DONE.label),
                 (DataRequest.Status.REFUSED, DataRequest.Status.REFUSED.label)])
    answer = forms.CharField(
        label=_("Answer"), max_length=3000, widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("The person reads this answer. Say what was done, or why the request is "
                    "refused."))


# -- The organisation's retention periods --------------------------------------------------

def _limits(name: str) -> tuple[int, int]:
    """The model's own limits, so that the form and the model say the same."""
    validators = cast(models.Field, Organisation._meta.get_field(name)).validators
    low = next(v.limit_value for v in validators if isinstance(v, MinValueValidator))
    high = next(v.limit_value for v in validators if isinstance(v, MaxValueValidator))
    return int(low), int(high)


class RetentionForm(CleanForm):
    """The two periods, within the model's limits (1 to 60 months, 1 to 30 years)."""

    retain_declined_months = forms.IntegerField(
        label=Organisation._meta.get_field("retain_declined_months").verbose_name,
        min_value=_limits("retain_declined_months")[0],
        max_value=_limits("retain_declined_months")[1])
    retain_pairing_years = forms.IntegerField(
        label=Organisation._meta.get_field("retain_pairing_years").verbose_name,
        min_value=_limits("retain_pairing_years")[0],
        max_value=_limits("retain_pairing_years")[1])
