from django import forms
from django.utils.translation import gettext_lazy as _

from programmes.models import Country, Organisation, Project, ThematicArea
from programmes.services import PROJECT_FIELDS, RULE_FIELDS

# /projects/new/ is the form for a new project: no project may take that address.
RESERVED_PROJECT_SLUGS = frozenset({"new"})


class ProjectForm(forms.ModelForm):
    partner_countries = forms.ModelMultipleChoiceField(
        queryset=Country.objects.all(), required=False,
        widget=forms.SelectMultiple(attrs={"size": 10}),
        label=_("Partner countries"),
        help_text=_("The countries whose officers the project serves (mentees' countries)."),
    )

    class Meta:
        model = Project
        fields = PROJECT_FIELDS
        help_texts = {"slug": _("Lower-case letters, digits and hyphens; used in addresses.")}

    def __init__(self, *args, organisation: Organisation, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.organisation = organisation
        if self.instance.pk:
            self.fields["partner_countries"].initial = list(self.instance.partner_countries.all())

    def _clean_unique_in_organisation(self, field: str, message: str):
        value = self.cleaned_data[field]
        clashes = Project.objects.for_org(self.organisation).filter(**{f"{field}__iexact": value})
        if self.instance.pk:
            clashes = clashes.exclude(pk=self.instance.pk)
        if clashes.exists():
            raise forms.ValidationError(message)
        return value

    def clean_slug(self) -> str:
        if self.cleaned_data["slug"] in RESERVED_PROJECT_SLUGS:
            raise forms.ValidationError(_("This address is reserved for the project pages."))
        return self._clean_unique_in_organisation(
            "slug", _("Another project of this organisation already uses this address.")
        )

    def clean_name(self) -> str:
        return self._clean_unique_in_organisation(
            "name", _("Another project of this organisation already has this name.")
        )


class RulesForm(forms.ModelForm):
    class Meta:
        model = Project
        fields = RULE_FIELDS

    def clean(self) -> dict:
        data = super().clean()
        shortest, longest = data.get("duration_min_months"), data.get("duration_max_months")
        if shortest and longest and shortest > longest:
            self.add_error(
                "duration_max_months",
                _("The longest duration cannot be shorter than the shortest (%(months)s months).")
                % {"months": shortest},
            )
        return data


class ThematicAreaForm(forms.Form):
    name = forms.CharField(label=_("New thematic area"), max_length=120)

    def __init__(self, *args, project: Project, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.project = project

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError(_("Give the thematic area a name."))
        existing = ThematicArea.objects.for_org(self.project.organisation).filter(
            project=self.project, name__iexact=name
        )
        if existing.exists():
            raise forms.ValidationError(_("This project already has that thematic area."))
        return name
