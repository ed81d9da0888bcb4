from typing import TYPE_CHECKING, cast

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from programmes.models import (
    WORKING_LANGUAGES,
    Call,
    Country,
    Organisation,
    Project,
    ThematicArea,
)
from programmes.services import BUDGET_FIELDS, PROJECT_FIELDS, RULE_FIELDS
from programmes.validators import CleanTextForm

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# /projects/new/ is the form for a new project: no project may take that address.
RESERVED_PROJECT_SLUGS = frozenset({"new"})


class ProjectForm(CleanTextForm, forms.ModelForm):
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

    def _clean_unique_in_organisation(self, field: str, message: "StrOrPromise"):
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


class RulesForm(CleanTextForm, forms.ModelForm):
    class Meta:
        model = Project
        fields = [*RULE_FIELDS, *BUDGET_FIELDS]

    def clean_budget_currency(self) -> str:
        return self.cleaned_data["budget_currency"].strip().upper()

    def clean(self) -> dict:
        super().clean()
        data = self.cleaned_data
        shortest, longest = data.get("duration_min_months"), data.get("duration_max_months")
        if shortest and longest and shortest > longest:
            self.add_error(
                "duration_max_months",
                _("The longest duration cannot be shorter than the shortest (%(months)s months).")
                % {"months": shortest},
            )
        return data


class ThematicAreaForm(CleanTextForm, forms.Form):
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


class CallForm(CleanTextForm, forms.ModelForm):
    working_languages = forms.MultipleChoiceField(
        label=_("Working languages"), choices=WORKING_LANGUAGES, required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("A candidate must work in at least one of them. None: any language."),
    )
    invited_countries = forms.ModelMultipleChoiceField(
        label=_("Invited countries"), queryset=Country.objects.all(), required=False,
        widget=forms.SelectMultiple(attrs={"size": 10}),
        help_text=_("Leave empty to invite the project's partner countries (for mentees) or "
                    "the EU member states (for mentors)."),
    )
    thematic_areas = forms.ModelMultipleChoiceField(
        label=_("Thematic areas wanted"), queryset=ThematicArea.objects.none(), required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Leave empty to accept every area of the project."),
    )

    class Meta:
        model = Call
        fields = ["project", "title", "role_sought", "invited_countries", "thematic_areas",
                  "min_years_of_service", "working_languages", "female_only",
                  "places_per_country", "deadline", "allow_self_nomination"]
        widgets = {"deadline": forms.DateTimeInput(attrs={"type": "datetime-local"},
                                                   format="%Y-%m-%dT%H:%M")}

    def __init__(self, *args, projects, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["project"]).queryset = projects
        organisation_areas = ThematicArea.objects.filter(
            project__in=projects, organisation__in=projects.values("organisation"))
        thematic_areas = cast(forms.ModelMultipleChoiceField, self.fields["thematic_areas"])
        thematic_areas.queryset = organisation_areas.select_related("project")
        # Each area's label names its project (a label for this form only, set on the instance).
        thematic_areas.label_from_instance = (  # type: ignore[method-assign]
            lambda area: f"{area.name} ({area.project.name})"  # type: ignore[assignment]
        )
        if self.instance.pk:
            self.fields["project"].disabled = True
            self.fields["role_sought"].disabled = True

    def clean_deadline(self):
        deadline = self.cleaned_data["deadline"]
        if deadline <= timezone.now():
            raise forms.ValidationError(_("The deadline must be in the future."))
        return deadline

    def clean(self) -> dict:
        super().clean()
        data = self.cleaned_data
        project = data.get("project")
        areas = data.get("thematic_areas") or []
        if project and any(area.project_id != project.pk for area in areas):
            self.add_error("thematic_areas",
                           _("Choose thematic areas of %(project)s only.") % {"project": project})
        invited = data.get("invited_countries") or []
        role = data.get("role_sought") or getattr(self.instance, "role_sought", None)
        if project and invited and role == Call.RoleSought.MENTOR and project.mentors_from_eu_only:
            outside = [str(country) for country in invited if not country.is_eu_member]
            if outside:
                self.add_error("invited_countries", _(
                    "%(project)s takes mentors from EU member states only, not from %(countries)s."
                ) % {"project": project, "countries": ", ".join(outside)})
        if (project and invited and role == Call.RoleSought.MENTEE
                and project.mentees_from_partner_countries_only):
            partners = set(project.partner_countries.all())
            outside = [str(country) for country in invited if country not in partners]
            if outside:
                self.add_error("invited_countries", _(
                    "%(project)s takes mentees from its partner countries only, not from "
                    "%(countries)s."
                ) % {"project": project, "countries": ", ".join(outside)})
        if project and not data.get("invited_countries") and data.get("role_sought"):
            data["invited_countries"] = default_invited_countries(project, data["role_sought"])
            if not data["invited_countries"]:
                self.add_error("invited_countries", _(
                    "The project has no partner countries: choose the countries to invite."
                ))
        return data


def default_invited_countries(project: Project, role_sought: str) -> list[Country]:
    """As the programmes do: partner countries nominate mentees, EU member states mentors."""
    if role_sought == Call.RoleSought.MENTOR:
        return list(Country.objects.filter(is_eu_member=True))
    return list(project.partner_countries.all())
