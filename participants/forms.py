from django import forms
from django.contrib.auth import password_validation
from django.utils.translation import gettext_lazy as _

from participants.models import (
    LANGUAGE_CHOICES,
    PROJECT_PERMISSION_OF_ROLE,
    Invitation,
    Membership,
    Role,
    User,
)
from programmes.models import Country, Organisation, Project


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
                ) % {"country": country.name, "projects": ", ".join(outside)})


class InvitationForm(forms.Form):
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
        self.fields["projects"].queryset = Project.objects.for_org(organisation)

    def clean_email(self) -> str:
        return self.cleaned_data["email"].strip().lower()

    def clean(self) -> dict:
        data = super().clean()
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


class MembershipForm(forms.Form):
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
        self.fields["projects"].queryset = Project.objects.for_org(membership.organisation)
        if membership.role != Role.FOCAL_POINT:
            del self.fields["country"]
        if membership.role not in PROJECT_PERMISSION_OF_ROLE:
            del self.fields["projects"]

    def clean(self) -> dict:
        data = super().clean()
        if self.membership.role in PROJECT_PERMISSION_OF_ROLE:
            _check_role_scope(
                self, self.membership.role, data.get("country"), data.get("projects") or []
            )
        return data


class InvitationAcceptForm(forms.Form):
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
        data = super().clean()
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
