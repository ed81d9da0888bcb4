import io
from typing import cast

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from PIL import Image, UnidentifiedImageError

from programmes.models import Country, Project, ThematicArea
from programmes.validators import CleanTextForm
from reporting.charts import HEX_COLOUR
from reporting.indicators import PERCENT
from reporting.models import Competency, Feedback, Indicator, Progress, Report

RATINGS = [(1, _("1 (poor)")), (2, _("2")), (3, _("3")), (4, _("4")),
           (5, _("5 (excellent)"))]
LOGO_LIMIT = 500 * 1024


class ReportForm(CleanTextForm, forms.Form):
    """One field for each objective's progress (or result), then the kind's text fields. Every
    field may be empty while drafting; the service says what a submission still needs."""

    def __init__(self, *args, report: Report, seen: dict[str, str], autosave_url: str = "",
                 **kwargs) -> None:
        super().__init__(*args, **kwargs)
        interim = report.kind == Report.Kind.INTERIM
        for index, objective in enumerate(report.objectives):
            self.fields[f"progress_{index}"] = forms.CharField(
                label=objective["objective"], required=False,
                initial=objective["progress"], strip=False,
                help_text=_("Progress so far against this objective.") if interim
                else _("What came of this objective."),
                widget=forms.Textarea(attrs={"rows": 3, "dir": "auto"}))
            # Any value comes through (the service says which are steps of the scale), so that
            # a refused one is named next to its field like the autosave names it.
            self.fields[f"rating_{index}"] = forms.CharField(
                label=_("How far it got (objective %(n)s)") % {"n": index + 1},
                required=False,
                initial=str(objective.get("rating") or ""),
                widget=forms.RadioSelect(choices=[(str(value), label) for value, label
                                                  in Progress.choices]))
        # The objectives' fields come first, two each; the template heads the rest.
        self.objective_field_count = 2 * len(report.objectives)
        for name in Report.FIELDS[report.kind]:
            model_field = cast(models.TextField, Report._meta.get_field(name))
            self.fields[name] = forms.CharField(
                label=capfirst(model_field.verbose_name), required=False,
                initial=getattr(report, name), strip=False,
                widget=forms.Textarea(attrs={"rows": 4, "dir": "auto"}))

        self.text_names = list(self.fields)
        # Each field travels with the fingerprint of the text this page last had for it.
        for name in self.text_names:
            self.fields[f"seen_{name}"] = forms.CharField(
                required=False, initial=seen.get(name, ""), widget=forms.HiddenInput)
            if autosave_url:
                # It saves itself a moment after the person stops typing (htmx), with its own
                # fingerprint only, which the answer renews. Spelled data-hx-* so that the page
                # stays valid HTML (see templates/base.html).
                self.fields[name].widget.attrs.update({
                    "data-hx-post": autosave_url,
                    "data-hx-trigger": "change" if name.startswith("rating_")
                    else "input changed delay:800ms",
                    "data-hx-include": f"#id_seen_{name}", "data-hx-target": "#autosave-status",
                    "data-hx-swap": "innerHTML", "data-hx-sync": "this:queue last",
                })

    def values(self) -> dict[str, str]:
        return {name: self.cleaned_data[name] for name in self.text_names}

    def seen(self) -> dict[str, str]:
        return {name: self.cleaned_data[f"seen_{name}"] for name in self.text_names}


class ReviewForm(CleanTextForm, forms.Form):
    comments = forms.CharField(label=_("Comments for the pair"), required=False, max_length=5000,
                               widget=forms.Textarea(attrs={"rows": 3}))


class FeedbackForm(CleanTextForm, forms.ModelForm):
    satisfaction = forms.TypedChoiceField(label=_("Overall, how satisfied are you with the "
                                                  "programme?"), choices=RATINGS, coerce=int,
                                          widget=forms.RadioSelect)
    objectives_met = forms.TypedChoiceField(label=_("How far were your objectives met?"),
                                            choices=RATINGS, coerce=int,
                                            widget=forms.RadioSelect)
    support_received = forms.TypedChoiceField(
        label=_("How good was the support you received from the programme's team?"),
        choices=RATINGS, coerce=int, widget=forms.RadioSelect)
    would_recommend = forms.TypedChoiceField(
        label=_("Would you recommend the programme to a colleague?"),
        choices=[("yes", _("Yes")), ("no", _("No"))], coerce=lambda value: value == "yes",
        widget=forms.RadioSelect)

    class Meta:
        model = Feedback
        fields = ["satisfaction", "objectives_met", "support_received", "would_recommend",
                  "comments"]
        widgets = {"comments": forms.Textarea(attrs={"rows": 4, "dir": "auto"})}
        labels = {"comments": _("Anything else you want the programme's team to know")}


class ExportForm(CleanTextForm, forms.Form):
    """What to build from the dashboard: the highlights report, or a table of data."""

    choice = forms.ChoiceField(choices=[
        ("highlights:pdf", _("Highlights report (PDF)")),
        ("pairings:csv", _("Pairings (CSV)")), ("pairings:xlsx", _("Pairings (XLSX)")),
        ("meetings:csv", _("Meetings (CSV)")), ("meetings:xlsx", _("Meetings (XLSX)")),
        ("reports:csv", _("Reports (CSV)")), ("reports:xlsx", _("Reports (XLSX)")),
    ])

    def kind_and_format(self) -> tuple[str, str]:
        kind, format = self.cleaned_data["choice"].split(":")
        return kind, format


class ColourInput(forms.TextInput):
    """A colour picker. HTML allows neither maxlength nor required on it (it always holds a
    colour), so it renders without them; the form field still checks both. Its value can only
    be a colour: a refused one (no browser sends it) is not put back beside its error."""

    input_type = "color"

    def format_value(self, value: object) -> str | None:
        text = super().format_value(value)
        return text if text and HEX_COLOUR.fullmatch(text) else None

    def use_required_attribute(self, initial: object) -> bool:
        return False

    def build_attrs(self, base_attrs: dict, extra_attrs: dict | None = None) -> dict:
        attrs = super().build_attrs(base_attrs, extra_attrs)
        attrs.pop("maxlength", None)
        return attrs


class BrandingForm(CleanTextForm, forms.Form):
    colour = forms.CharField(label=_("Colour of headings and charts"), max_length=7,
                             widget=ColourInput)
    logo = forms.FileField(label=_("Logo (PNG or JPEG, at most 500 KB)"), required=False)
    remove_logo = forms.BooleanField(label=_("Remove the logo"), required=False)

    def clean_logo(self) -> tuple[bytes, str] | None:
        upload = self.cleaned_data.get("logo")
        if not upload:
            return None
        if upload.size > LOGO_LIMIT:
            raise ValidationError(_("The logo is larger than 500 KB."))
        content = upload.read()
        try:
            with Image.open(io.BytesIO(content)) as image:
                image.verify()
                kind = image.format
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
            raise ValidationError(_("This file is not a PNG or JPEG image.")) from error
        if kind not in ("PNG", "JPEG"):
            raise ValidationError(_("This file is not a PNG or JPEG image."))
        return content, f"image/{kind.lower()}"


class CompleteForm(CleanTextForm, forms.Form):
    reason = forms.CharField(
        label=_("Why without all the feedback"), max_length=2000, required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class CompetencyForm(CleanTextForm, forms.ModelForm):
    class Meta:
        model = Competency
        fields = ["name", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2, "dir": "auto"}),
                   "name": forms.TextInput(attrs={"dir": "auto"})}
        help_texts = {"description": _("What it covers, as the participants will read it "
                                       "when they rate themselves.")}


SCORES = [(1, _("1 (beginner)")), (2, _("2")), (3, _("3")), (4, _("4")),
          (5, _("5 (expert)"))]


class SelfAssessmentForm(CleanTextForm, forms.Form):
    """A score from 1 to 5 for each competency the project asks. Every score may be missing
    here: the service names each one missing next to its competency."""

    comments = forms.CharField(
        label=_("Anything you want to add (optional)"), required=False, max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3, "dir": "auto"}))

    def __init__(self, *args, competencies: list[Competency], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.competencies = competencies
        # Any value comes through, so that every problem (a score missing, one off the scale)
        # is named at once next to its competency, by the service.
        scores = {f"score_{c.pk}": forms.CharField(
            label=c.name, help_text=c.description, required=False,
            widget=forms.RadioSelect(choices=[(str(value), label) for value, label in SCORES]))
            for c in competencies}
        self.fields = {**scores, "comments": self.fields["comments"]}

    def scores(self) -> dict[int, int | None]:
        """Each competency's score; None when missing, 0 (refused) when not a number."""
        typed = {c.pk: self.cleaned_data.get(f"score_{c.pk}") or "" for c in self.competencies}
        return {pk: (int(text) if text.isdigit() else 0) if text else None
                for pk, text in typed.items()}


class IndicatorForm(CleanTextForm, forms.ModelForm):
    class Meta:
        model = Indicator
        fields = ["metric", "reference", "target", "period_start", "period_end"]
        widgets = {"period_start": forms.DateInput(attrs={"type": "date"}),
                   "period_end": forms.DateInput(attrs={"type": "date"})}

    def clean(self) -> dict:
        super().clean()
        data = self.cleaned_data
        start, end = data.get("period_start"), data.get("period_end")
        if start and end and end < start:
            self.add_error("period_end", _("The end of the period comes before its start."))
        target = data.get("target")
        if target is not None and data.get("metric", "") in PERCENT and target > 100:
            self.add_error("target", _("This indicator is a share: its target is at most 100 "
                                       "(per cent)."))
        return data


class DonorReportForm(CleanTextForm, forms.Form):
    """The period the donor report covers, and the filters it states."""

    period_start = forms.DateField(label=_("Period from"),
                                   widget=forms.DateInput(attrs={"type": "date"}))
    period_end = forms.DateField(label=_("Period until"),
                                 widget=forms.DateInput(attrs={"type": "date"}))
    country = forms.ModelChoiceField(label=_("Country (mentor or mentee)"), required=False,
                                     queryset=Country.objects.none())
    thematic_area = forms.ModelChoiceField(label=_("Thematic area"), required=False,
                                           queryset=ThematicArea.objects.none())

    def __init__(self, *args, project: Project, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["country"]).queryset = \
            Country.objects.order_by("name")
        cast(forms.ModelChoiceField, self.fields["thematic_area"]).queryset = \
            ThematicArea.objects.for_org(project.organisation).filter(project=project)

    def clean(self) -> dict:
        super().clean()
        data = self.cleaned_data
        start, end = data.get("period_start"), data.get("period_end")
        if start and end and end < start:
            self.add_error("period_end", _("The end of the period comes before its start."))
        return data
