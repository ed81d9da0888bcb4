"""The forms of a person's own data page: correct what is theirs (their name and language, written
by participants.services.profile_update), and ask the organisation for the rest."""

from django import forms
from django.conf import settings
from django.utils.translation import get_language_info
from django.utils.translation import gettext_lazy as _

from programmes.privacy.models import DataRequest


def _languages() -> list[tuple[str, str]]:
    # Each language in its own name, as the language switcher shows them.
    return [(code, get_language_info(code)["name_local"]) for code, _name in settings.LANGUAGES]


class ProfileForm(forms.Form):
    full_name = forms.CharField(label=_("Full name"), max_length=200)
    language = forms.ChoiceField(
        label=_("Preferred language"), choices=_languages,
        help_text=_("The language of your e-mails and of the documents you download."))


class DataRequestForm(forms.Form):
    kind = forms.ChoiceField(label=_("What do you ask for?"), choices=DataRequest.Kind.choices,
                             widget=forms.RadioSelect)
    message = forms.CharField(
        label=_("Your message"), max_length=3000, required=False, widget=forms.Textarea(
            attrs={"rows": 4}),
        help_text=_("What should be corrected, or anything the organisation should know."))


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
