from django import forms
from django.utils.translation import gettext_lazy as _

from matching.imports.check import MAX_BYTES
from programmes.validators import CleanTextForm


class UploadForm(CleanTextForm, forms.Form):
    file = forms.FileField(label=_("The template, filled in (XLSX or CSV)"))

    def clean_file(self):
        file = self.cleaned_data["file"]
        if file.size > MAX_BYTES:
            raise forms.ValidationError(_("The file is larger than %(size)s MB.")
                                        % {"size": MAX_BYTES // (1024 * 1024)})
        return file


class ConfirmForm(CleanTextForm, forms.Form):
    invite = forms.BooleanField(
        label=_("Invite the people the import creates"), required=False, initial=True,
        help_text=_("Each receives an invitation to choose their password. Leave it unticked "
                    "to invite them later."))
