"""The forms of activities: the activity itself, invitations, attendance, documents and the
advisory board. Every choice of a person or a thematic area comes from the project."""

from pathlib import PurePath
from typing import cast

import django_filters
from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from participants.activities.models import DOCUMENT_MAX_BYTES, Activity, ActivityParticipant
from participants.forms import ActiveContent, active_content, open_pdf
from participants.models import User
from programmes.models import Country, Project, ThematicArea
from programmes.validators import CleanForm, CleanTextForm

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
# What may be attached, by the name's ending: the content type it is served with and the first
# bytes its content must start with (a renamed file of another kind is refused).
DOCUMENT_TYPES: dict[str, tuple[str, bytes]] = {
    ".pdf": ("application/pdf", b"%PDF-"),
    ".docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document",
              b"PK\x03\x04"),
    ".xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
              b"PK\x03\x04"),
    ".pptx": ("application/vnd.openxmlformats-officedocument.presentationml.presentation",
              b"PK\x03\x04"),
    ".png": ("image/png", b"\x89PNG\r\n\x1a\n"),
    ".jpg": ("image/jpeg", b"\xff\xd8\xff"),
    ".jpeg": ("image/jpeg", b"\xff\xd8\xff"),
}


class ActivityForm(CleanTextForm, forms.ModelForm):
    class Meta:
        model = Activity
        fields = ["kind", "title", "starts_on", "ends_on", "start_time", "online", "city",
                  "country", "thematic_areas", "description", "agenda", "minutes",
                  "decisions", "cancelled"]
        widgets = {
            "starts_on": DATE_INPUT, "ends_on": DATE_INPUT,
            "start_time": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "description": forms.Textarea(attrs={"rows": 3}),
            "agenda": forms.Textarea(attrs={"rows": 4}),
            "minutes": forms.Textarea(attrs={"rows": 6}),
            "decisions": forms.Textarea(attrs={"rows": 4}),
            "thematic_areas": forms.CheckboxSelectMultiple,
        }
        help_texts = {
            "city": _("Where it is held, unless it is online."),
            "agenda": _("For an advisory board meeting."),
            "decisions": _("For an advisory board meeting."),
        }

    def __init__(self, *args, project: Project, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["country"]).queryset = (
            Country.objects.order_by("name"))
        # The project's own areas, never another project's or organisation's.
        cast(forms.ModelMultipleChoiceField, self.fields["thematic_areas"]).queryset = (
            ThematicArea.objects.for_org(project.organisation).filter(project=project))

    def clean(self) -> dict:
        super().clean()
        data = self.cleaned_data
        if not data.get("online") and not (data.get("city") or "").strip() \
                and "city" not in self.errors:
            self.add_error("city", _("Say where it is held, or tick “held online”."))
        starts, ends = data.get("starts_on"), data.get("ends_on")
        if starts and ends and ends < starts:
            self.add_error("ends_on", _("The last day cannot come before the first."))
        return data


class InviteForm(CleanTextForm, forms.Form):
    people = forms.ModelMultipleChoiceField(
        label=_("People to invite"), queryset=User.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The project's mentors, mentees, focal points, coordinators, the "
                    "observers and the advisory board."))

    def __init__(self, *args, people: QuerySet[User], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelMultipleChoiceField, self.fields["people"]).queryset = people


class DocumentForm(CleanTextForm, forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    file = forms.FileField(
        label=_("File (PDF, Word, Excel, PowerPoint, PNG or JPEG; at most 10 MB)"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > DOCUMENT_MAX_BYTES:
            raise forms.ValidationError(_("The file is larger than 10 MB: send a smaller one."))
        suffix = PurePath(upload.name or "").suffix.lower()
        known = DOCUMENT_TYPES.get(suffix)
        head = upload.read(8)
        upload.seek(0)
        if known is None or not head.startswith(known[1]):
            raise forms.ValidationError(_(
                "Send a PDF, Word, Excel, PowerPoint, PNG or JPEG file (this one is not)."))
        if suffix == ".pdf":
            reader = open_pdf(upload)
            found = active_content(reader) if reader is not None else None
            upload.seek(0)
            if reader is None or found is ActiveContent.UNREADABLE:
                raise forms.ValidationError(_("This PDF cannot be read."))
            if found in (ActiveContent.SCRIPT, ActiveContent.ATTACHMENT):
                raise forms.ValidationError(_(
                    "The PDF holds JavaScript, actions or attached files. Save it as a plain "
                    "PDF (for instance with “Print to PDF”) and send that."))
        self.content_type = known[0]
        return upload


class BoardMemberForm(CleanTextForm, forms.Form):
    person = forms.ModelChoiceField(label=_("Person"), queryset=User.objects.none())
    country = forms.ModelChoiceField(label=_("Country represented"),
                                     queryset=Country.objects.none(), required=False)
    role = forms.CharField(label=_("Role and institution"), max_length=200, required=False,
                           help_text=_("For example: Director of the police training academy."))
    since = forms.DateField(label=_("Member since"), widget=DATE_INPUT)

    def __init__(self, *args, people: QuerySet[User], project: Project, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["person"]).queryset = people
        countries = project.partner_countries.all()
        cast(forms.ModelChoiceField, self.fields["country"]).queryset = (
            countries if countries.exists() else Country.objects.all()).order_by("name")


class ActivityFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=Activity.Kind.choices)
    start = django_filters.DateFilter(label=_("From"), field_name="ends_on", lookup_expr="gte",
                                      widget=DATE_INPUT)
    end = django_filters.DateFilter(label=_("Until"), field_name="starts_on", lookup_expr="lte",
                                    widget=DATE_INPUT)

    class Meta:
        model = Activity
        fields = ["kind", "start", "end"]
        form = CleanForm


ATTENDANCE_CHOICES = ActivityParticipant.Attended.choices
