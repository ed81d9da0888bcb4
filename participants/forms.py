import enum
from typing import cast

from django import forms
from django.contrib.auth import password_validation
from django.utils.translation import gettext_lazy as _
from pypdf import PdfReader
from pypdf.errors import PdfReadError
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject

from participants.models import (
    CV_MAX_BYTES,
    LANGUAGE_CHOICES,
    Application,
    ApplicationLanguage,
    IdentityProvider,
    Invitation,
    Membership,
    Role,
    User,
)
from participants.services import REASON_NEEDED, REASON_NEEDED_MESSAGE
from programmes.access import PROJECT_PERMISSION_OF_ROLE
from programmes.models import (
    WORKING_LANGUAGES,
    Call,
    Country,
    Organisation,
    Project,
    ThematicArea,
)
from programmes.validators import CleanTextForm


def _check_role_scope(form: forms.Form, role: str, country: Country | None, projects) -> None:
    """A coordinator serves some projects; a focal point serves projects for one country, which
    must be one those projects work with (a partner country, or an EU member state for mentors)."""
    if role in PROJECT_PERMISSION_OF_ROLE and not projects:
        form.add_error("projects", _("Choose at least one project for this role."))
    if role == Role.FOCAL_POINT:
        if country is None:
            form.add_error("country", _("A national focal point needs a country."))
        elif not country.is_eu_member:
            outside = [p.name for p in projects if country not in p.partner_countries.all()]
            if outside:
                form.add_error("country", _(
                    "%(country)s is neither a partner country of %(projects)s nor an EU member "
                    "state."
                ) % {"country": country, "projects": ", ".join(outside)})


class InvitationForm(CleanTextForm, forms.Form):
    email = forms.EmailField(label=_("E-mail address"), max_length=254)
    full_name = forms.CharField(label=_("Full name"), max_length=200, required=False)
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    language = forms.ChoiceField(
        label=_("Language of the invitation"), choices=LANGUAGE_CHOICES, initial="en"
    )
    country = forms.ModelChoiceField(
        label=_("Country"), queryset=Country.objects.all(), required=False,
        help_text=_("For a national focal point: the country they nominate for."),
    )
    projects = forms.ModelMultipleChoiceField(
        label=_("Projects"), queryset=Project.objects.none(), required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("For a coordinator or a national focal point: the projects they serve."),
    )

    def __init__(self, *args, organisation: Organisation, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.organisation = organisation
        cast(forms.ModelChoiceField, self.fields["projects"]).queryset = (
            Project.objects.for_org(organisation))

    def clean_email(self) -> str:
        return self.cleaned_data["email"].strip().lower()

    def clean(self) -> dict:
        super().clean()
        data = self.cleaned_data
        email, role = data.get("email"), data.get("role")
        if not email or not role:
            return data
        members = Membership.objects.for_org(self.organisation)
        if members.filter(user__email__iexact=email, role=role).exists():
            self.add_error("email", _(
                "%(email)s is already a member of this organisation as %(role)s."
            ) % {"email": email, "role": Role(role).label})
        elif Invitation.objects.for_org(self.organisation).pending().filter(
            email__iexact=email, role=role
        ).exists():
            self.add_error("email", _(
                "%(email)s already has a pending invitation as %(role)s: resend it from the list."
            ) % {"email": email, "role": Role(role).label})
        _check_role_scope(self, role, data.get("country"), data.get("projects") or [])
        return data


class MembershipForm(CleanTextForm, forms.Form):
    country = forms.ModelChoiceField(
        label=_("Country"), queryset=Country.objects.all(), required=False
    )
    projects = forms.ModelMultipleChoiceField(
        label=_("Projects"), queryset=Project.objects.none(), required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, membership: Membership, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.membership = membership
        cast(forms.ModelChoiceField, self.fields["projects"]).queryset = (
            Project.objects.for_org(membership.organisation))
        if membership.role != Role.FOCAL_POINT:
            del self.fields["country"]
        if membership.role not in PROJECT_PERMISSION_OF_ROLE:
            del self.fields["projects"]

    def clean(self) -> dict:
        super().clean()
        data = self.cleaned_data
        if self.membership.role in PROJECT_PERMISSION_OF_ROLE:
            _check_role_scope(
                self, self.membership.role, data.get("country"), data.get("projects") or []
            )
        return data


class InvitationAcceptForm(CleanTextForm, forms.Form):
    """A person new to the platform chooses their name and password."""

    full_name = forms.CharField(label=_("Full name"), max_length=200)
    password1 = forms.CharField(
        label=_("Password"), strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label=_("Password (again)"), strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, invitation: Invitation, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.invitation = invitation

    def clean(self) -> dict:
        super().clean()
        data = self.cleaned_data
        password1, password2 = data.get("password1"), data.get("password2")
        if password1 and password2 and password1 != password2:
            self.add_error("password2", _("The two passwords differ."))
        elif password1:
            candidate = User(email=self.invitation.email, full_name=data.get("full_name", ""))
            try:
                password_validation.validate_password(password1, candidate)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return data


class NominationForm(CleanTextForm, forms.Form):
    full_name = forms.CharField(label=_("Full name"), max_length=200)
    email = forms.EmailField(label=_("E-mail address"), max_length=254)
    agency = forms.CharField(label=_("Agency"), max_length=200)
    rank = forms.CharField(label=_("Rank or position"), max_length=120)
    thematic_area = forms.ModelChoiceField(label=_("Thematic area"),
                                           queryset=ThematicArea.objects.none())
    languages = forms.MultipleChoiceField(
        label=_("Working languages"), choices=WORKING_LANGUAGES,
        widget=forms.CheckboxSelectMultiple,
    )
    language = forms.ChoiceField(
        label=_("Language of the invitation"), choices=LANGUAGE_CHOICES, required=False,
        help_text=_("The candidate receives the invitation and the application in it."),
    )

    def __init__(self, *args, call: Call, language: str = "en", **kwargs) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["thematic_area"]).queryset = areas_of_call(call)
        self.fields["language"].initial = language
        # What the call's criteria need is asked now, so that the focal point learns at once
        # that a candidate cannot apply (the service checks the criteria).
        if call.female_only:
            self.fields["gender"] = forms.ChoiceField(
                label=_("Gender"), choices=[("", "---------"), *Application.Gender.choices],
                help_text=_("This call is for female officers only."),
            )
        if call.min_years_of_service:
            self.fields["years_of_service"] = forms.IntegerField(
                label=_("Years of service"), min_value=0, max_value=60,
                help_text=_("This call asks for at least %(years)s.")
                % {"years": call.min_years_of_service},
            )
        self.fields["language"] = self.fields.pop("language")  # last, after the criteria

    def clean_email(self) -> str:
        return self.cleaned_data["email"].strip().lower()


def areas_of_call(call: Call):
    """The areas a call asks for, or every area of its project when it names none."""
    wanted = call.thematic_areas.all()
    if wanted.exists():
        return wanted
    return ThematicArea.objects.for_org(call.organisation).filter(project=call.project_id)


class SelfNominationForm(CleanTextForm, forms.Form):
    country = forms.ModelChoiceField(label=_("Your country"), queryset=Country.objects.none())
    thematic_area = forms.ModelChoiceField(label=_("Thematic area"),
                                           queryset=ThematicArea.objects.none())

    def __init__(self, *args, call: Call, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["country"]).queryset = call.invited_countries.all()
        cast(forms.ModelChoiceField, self.fields["thematic_area"]).queryset = areas_of_call(call)


# The PDF's malformations pypdf may raise on while reading it (strict).
PDF_ERRORS = (PdfReadError, ValueError, KeyError, TypeError, AttributeError, RecursionError)


def open_pdf(upload) -> PdfReader | None:
    """By content, not by name: the file must start like a PDF and open as one, with pages.
    The reader, or None when it is not a PDF."""
    upload.seek(0)
    if upload.read(5) != b"%PDF-":
        return None
    upload.seek(0)
    try:
        reader = PdfReader(upload, strict=True)
        return reader if len(reader.pages) > 0 else None
    except PDF_ERRORS:
        return None
    finally:
        upload.seek(0)


class ActiveContent(enum.Enum):
    """What a CV may not carry: coordinators and focal points open it, and their PDF reader
    would run it."""

    SCRIPT = "script"  # JavaScript, or an action that runs when the file or a page opens
    ATTACHMENT = "attachment"  # an embedded file, or an annotation holding one
    UNREADABLE = "unreadable"  # an object pypdf cannot read: nothing can be vouched for


# Keys and names (anywhere in the document, after pypdf has decoded #xx escapes) that mean
# the one or the other. /AA holds additional actions (on opening a page, on a field...), /XFA
# a form with its own scripts; /Launch is an action that starts a program.
SCRIPT_KEYS = frozenset({"/JS", "/JavaScript", "/AA", "/XFA"})
SCRIPT_ACTIONS = frozenset({"/JavaScript", "/Launch"})
ATTACHMENT_KEYS = frozenset({"/EmbeddedFiles", "/EF"})
ATTACHMENT_TYPES = frozenset({"/EmbeddedFile", "/FileAttachment"})


def _name(dictionary: DictionaryObject, key: str) -> str | None:
    value = dictionary.get(key)
    if isinstance(value, IndirectObject):
        value = value.get_object()
    return value if isinstance(value, NameObject) else None


def active_content(reader: PdfReader) -> ActiveContent | None:
    """Walks every object the document reaches from its trailer (the catalogue with its
    /OpenAction and /Names, the pages, their annotations, the forms...) and answers the first
    active content found, or None."""
    seen: set[tuple[int, int]] = set()
    stack: list[object] = [reader.trailer]
    try:
        while stack:
            item = stack.pop()
            if isinstance(item, IndirectObject):
                if (item.idnum, item.generation) not in seen:
                    seen.add((item.idnum, item.generation))
                    stack.append(item.get_object())
            elif isinstance(item, DictionaryObject):
                if not SCRIPT_KEYS.isdisjoint(item) or _name(item, "/S") in SCRIPT_ACTIONS:
                    return ActiveContent.SCRIPT
                if not ATTACHMENT_KEYS.isdisjoint(item) or _name(item, "/Type") in \
                        ATTACHMENT_TYPES or _name(item, "/Subtype") in ATTACHMENT_TYPES:
                    return ActiveContent.ATTACHMENT
                stack.extend(item.values())
            elif isinstance(item, ArrayObject):
                stack.extend(item)
    except PDF_ERRORS:
        return ActiveContent.UNREADABLE
    return None


class AreasField(forms.ModelMultipleChoiceField):
    """Ids beyond the database's integer range are refused as invalid choices rather than
    reaching SQLite, which raises on them."""

    def _check_values(self, value):
        for pk in value:
            if str(pk).isdigit() and int(pk) >= 2**63:
                raise forms.ValidationError(self.error_messages["invalid_choice"],
                                            code="invalid_choice", params={"value": pk})
        return super()._check_values(value)


class ApplicationForm(CleanTextForm, forms.ModelForm):
    LANGUAGE_ROWS = 3

    expertise_areas = AreasField(
        label=_("Areas of expertise"), queryset=ThematicArea.objects.none(), required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    cv = forms.FileField(
        label=_("CV (PDF, at most 5 MB)"), required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf"}),
    )

    class Meta:
        model = Application
        fields = ["full_name", "agency", "rank", "gender", "years_of_service",
                  "years_of_experience", "mentee_capacity", "expertise_areas", "motivation",
                  "availability"]
        widgets = {"motivation": forms.Textarea(attrs={"rows": 5}),
                   "availability": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        application = self.instance
        cast(forms.ModelChoiceField, self.fields["expertise_areas"]).queryset = (
            ThematicArea.objects.for_org(application.organisation)
            .filter(project=application.call.project_id))
        self.fields["gender"].required = application.call.female_only
        if application.call.role_sought != "mentor":
            del self.fields["mentee_capacity"]  # only a mentor says how many mentees they take
        levels = [("", "—"), *ApplicationLanguage.Level.choices]
        current = list(application.languages.all()) if application.pk else []
        for index in range(self.LANGUAGE_ROWS):
            known = current[index] if index < len(current) else None
            self.fields[f"language_{index}"] = forms.ChoiceField(
                label=_("Working language %(n)s") % {"n": index + 1},
                choices=[("", "—"), *WORKING_LANGUAGES], required=False,
                initial=known.language if known else "",
            )
            self.fields[f"level_{index}"] = forms.ChoiceField(
                label=_("Level of language %(n)s") % {"n": index + 1}, choices=levels,
                required=False, initial=known.level if known else "",
            )

    def describe_stored_cv(self, element_id: str) -> None:
        """Screen readers hear, at the file input, the note that a CV is already stored."""
        self.fields["cv"].widget.attrs["aria-describedby"] = element_id

    def clean_cv(self):
        upload = self.cleaned_data.get("cv")
        if not upload:
            return None
        if upload.size > CV_MAX_BYTES:
            raise forms.ValidationError(_("The CV is larger than 5 MB: send a smaller PDF."))
        reader = open_pdf(upload)
        found = active_content(reader) if reader is not None else None
        upload.seek(0)  # the reader moved through the file; it is saved from the start
        if reader is None or found is ActiveContent.UNREADABLE:
            raise forms.ValidationError(_("The CV must be a PDF file (this one is not)."))
        if found is ActiveContent.SCRIPT:
            raise forms.ValidationError(_(
                "The CV holds JavaScript or actions that run when it is opened. Save it as a "
                "plain PDF (for instance with “Print to PDF”) and send that."))
        if found is ActiveContent.ATTACHMENT:
            raise forms.ValidationError(_(
                "The CV holds attached or embedded files. Save it as a plain PDF without "
                "them (for instance with “Print to PDF”) and send that."))
        return upload

    def clean(self) -> dict:
        super().clean()
        data = self.cleaned_data
        languages: dict[str, str] = {}
        for index in range(self.LANGUAGE_ROWS):
            code, level = data.get(f"language_{index}"), data.get(f"level_{index}")
            if code and not level:
                self.add_error(f"level_{index}", _("Give your level in this language."))
            elif level and not code:
                self.add_error(f"language_{index}", _("Choose the language of this level."))
            elif code in languages:
                self.add_error(f"language_{index}", _("This language is already listed."))
            elif code and level:
                languages[code] = level
        data["languages"] = languages
        return data


class SubmitApplicationForm(CleanTextForm, forms.Form):
    consent = forms.BooleanField(
        label=_("I consent to the processing of my personal data as described above."),
        error_messages={"required": _("Your consent is needed to submit the application.")},
    )


class DecisionForm(CleanTextForm, forms.Form):
    decision = forms.ChoiceField(label=_("Decision"), choices=[
        (Application.Status.SHORTLISTED, _("Shortlist")),
        (Application.Status.RESERVE, _("Keep in reserve")),
        (Application.Status.DECLINED, _("Decline")),
    ])
    reason = forms.CharField(
        label=_("Reason"), required=False, max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Needed to keep in reserve or to decline: the applicant and their focal "
                    "point receive it. When shortlisting, a note here is optional and stays "
                    "with the coordinators."))

    def clean(self) -> dict:
        data = super().clean() or {}
        if data.get("decision") in REASON_NEEDED and not data.get("reason", "").strip():
            self.add_error("reason", REASON_NEEDED_MESSAGE)
        return data


class IdentityProviderForm(CleanTextForm, forms.ModelForm):
    """The organisation's identity provider, as its admin connects it. The secret is never
    shown back: left blank, the stored one stays."""

    class Meta:
        model = IdentityProvider
        fields = ["name", "issuer", "client_id", "client_secret", "enabled", "password_allowed"]
        widgets = {"client_secret": forms.PasswordInput(render_value=False)}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        stored = self.instance.pk is not None
        self.fields["client_secret"].required = not stored
        if stored:
            self.fields["client_secret"].help_text = _(
                "A secret is stored; type a new one only to replace it.")
