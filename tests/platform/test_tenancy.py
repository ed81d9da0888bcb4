"""Tenant isolation that cannot be forgotten: a default manager that fails closed, rows that
take their organisation from their parent (and refuse another), a lint over every module of the
apps, and guardian's global permissions never crossing into object access."""

import ast
from datetime import timedelta
from pathlib import Path

import pytest
from django import forms
from django.apps import apps
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Prefetch
from django.urls import reverse
from django.utils import timezone

from matching.models import Meeting, Pairing
from participants.models import Invitation, Membership
from participants.selectors import actor_for
from programmes.access import projects_served
from programmes.models import Call, OrganisationMismatch, Project, TenantModel, ThematicArea
from programmes.querysets import UnscopedTenantRead
from tests.factories import (
    ApplicationFactory,
    InvitationFactory,
    NominationFactory,
    UserFactory,
    with_totp,
)
from tests.helpers import World, sign_in_with_mfa

ROOT = Path(__file__).resolve().parents[2]
# The four apps, the API above them, and the top floor that wires them together (the home
# pages, the demo loader).
APPS = ["programmes", "participants", "matching", "reporting", "api", "config"]

# Where a read may cross organisations through `Model.unscoped`, and why. A key is a module, or
# a module and a function (or class) in it. Tests (outside the apps) may name `unscoped` freely:
# they set up and inspect the rows of both organisations.
UNSCOPED_ALLOWED = {
    "programmes/privacy/services.py:_organisations_of":
        "a sign-in is the person's, whatever organisation they belong to: it is written in the "
        "trail of each of their organisations",
    "participants/receivers.py:account_close":
        "an erased person keeps their account while they belong to another organisation",
    "matching/reminders/services.py":
        "the reminder scan and sender run over every organisation's pairings, calls and "
        "reminders; each reminder carries its own organisation into what it sends",
    "matching/reminders/selectors.py:platform_reminder_health":
        "the platform's operators' health page counts every organisation's reminders at once, "
        "in Django's admin, which only superusers enter",
    "matching/calendar/selectors.py:calendar_events":
        "a person's calendar feed covers their own pairings and the activities they are invited "
        "to, in every organisation they belong to",
    "matching/management/commands/bench_reminders.py":
        "a benchmark on a database of its own, which clears the reminders it planned",
    "participants/selectors.py:invitation_by_token":
        "the invitation link names no organisation: the secret token finds the invitation, and "
        "with it the organisation",
    "participants/selectors.py:memberships_of_user":
        "a person's own roles in every organisation (the organisation switcher)",
    "participants/selectors.py:identity_providers":
        "a sign-in through an identity provider comes before anyone is signed in: allauth looks "
        "the provider up by its name, which names its organisation",
    "participants/selectors.py:password_refused":
        "a password sign-in is the person's, whatever organisation has them use its provider",
    "participants/selectors.py:mfa_required":
        "multi-factor authentication is per person, whatever organisation asks for it",
    "programmes/admin.py":
        "the admin is for the platform's superusers, who work across organisations",
    "config/demo.py:_backdate":
        "the demo loader backdates the rows it has just made, in several organisations",
    "programmes/models.py:TenantModel":
        "the base model checks a single-field unique across organisations (as the database "
        "does) and reads a parent's organisation to refuse a mismatch",
    "reporting/selectors.py:handed_in":
        "compliance and the reminder scan pass pairing ids they already hold, of one or of "
        "every organisation",
}
# Methods of `Model.objects` that read nothing, or start from the organisation.
OBJECTS_ALLOWED = {"for_org", "none", "create", "bulk_create"}
# Lookups that pin the organisation (as programmes/querysets.py reads them).
PINNING_KEYWORDS = {"organisation", "organisation_id", "organisation__in", "organisation_id__in",
                    "organisation__pk", "organisation__slug"}
PLAIN_MANAGERS = {"unscoped", "_base_manager"}


def tenant_model_names() -> set[str]:
    return {m.__name__ for m in apps.get_models() if issubclass(m, TenantModel)}


def app_modules() -> list[Path]:
    return sorted(path for app in APPS for path in (ROOT / app).rglob("*.py")
                  if "migrations" not in path.relative_to(ROOT).parts)


class TenancyLint(ast.NodeVisitor):
    """Finds, in one module: `<TenantModel>.objects.<read>(...)` that does not start from
    for_org (or pin the organisation in its keywords), `get_object_or_404(<TenantModel>, ...)`,
    and `.unscoped` or `._base_manager` outside the allow-list."""

    def __init__(self, module: str, tenant_models: set[str]) -> None:
        self.module = module
        self.tenant_models = tenant_models
        self.scope: list[str] = []
        self.offences: list[str] = []
        self.allowances: set[str] = set()

    def _where(self) -> str:
        return ".".join(self.scope) or "<module>"

    def _allowed(self) -> str | None:
        for key in (self.module, *(f"{self.module}:{'.'.join(self.scope[:n])}"
                                   for n in range(1, len(self.scope) + 1))):
            if key in UNSCOPED_ALLOWED:
                return key
        return None

    def _offence(self, node: ast.AST, what: str) -> None:
        self.offences.append(f"{self.module}:{node.lineno} ({self._where()}): {what}")

    def _enter(self, node: ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        self.scope.append(node.name)
        self.generic_visit(node)
        self.scope.pop()

    visit_ClassDef = visit_FunctionDef = visit_AsyncFunctionDef = _enter

    def visit_Attribute(self, node: ast.Attribute) -> None:
        if node.attr in PLAIN_MANAGERS:
            allowed = self._allowed()
            if allowed is None:
                self._offence(node, f"names the cross-tenant manager .{node.attr}")
            else:
                self.allowances.add(allowed)
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        if (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Attribute)
                and func.value.attr == "objects" and isinstance(func.value.value, ast.Name)
                and func.value.value.id in self.tenant_models
                and func.attr not in OBJECTS_ALLOWED
                and not {kw.arg for kw in node.keywords} & PINNING_KEYWORDS):
            self._offence(node, f"{func.value.value.id}.objects.{func.attr}(...) names no "
                                f"organisation")
        if (isinstance(func, ast.Name) and func.id in ("get_object_or_404", "get_list_or_404")
                and node.args and isinstance(node.args[0], ast.Name)
                and node.args[0].id in self.tenant_models):
            self._offence(node, f"{func.id}({node.args[0].id}, ...) reads every organisation")
        self.generic_visit(node)


def lint(source: str, module: str = "example.py") -> TenancyLint:
    checker = TenancyLint(module, tenant_model_names())
    checker.visit(ast.parse(source))
    return checker


def test_no_module_of_the_apps_reads_tenant_rows_without_their_organisation():
    offences, used = [], set()
    for path in app_modules():
        checker = lint(path.read_text(), str(path.relative_to(ROOT)))
        offences += checker.offences
        used |= checker.allowances
    assert offences == [], (
        "Start from Model.objects.for_org(organisation); a read that must cross organisations "
        "names Model.unscoped and gets a line in UNSCOPED_ALLOWED:\n" + "\n".join(offences))
    assert set(UNSCOPED_ALLOWED) - used == set(), "allowed, but no longer used"


def test_the_lint_finds_what_it_forbids_and_nothing_else():
    found = lint(
        "def view(request, pk):\n"
        "    a = Pairing.objects.get(pk=pk)\n"
        "    b = Meeting.objects.filter(pairing=a).count()\n"
        "    c = get_object_or_404(Project, slug='x')\n"
        "    d = Report.unscoped.all()\n"
        "    e = model._base_manager.all()\n"
        "    f = Pairing.objects.for_org(request.organisation).get(pk=pk)\n"
        "    g = Call.objects.get_or_create(organisation=request.organisation, title='t')\n"
        "    h = Country.objects.all()\n"
        "    i = Export.objects.create(organisation=request.organisation)\n"
        "    j = Project.objects.filter(organisation_id=request.organisation.pk)\n",
        "matching/views.py",
    ).offences
    assert [offence.split(":")[1].split(" ")[0] for offence in found] == [
        "2", "3", "4", "5", "6"]
    assert lint("def calendar_events(user):\n    return Pairing.unscoped.all()\n",
                "matching/calendar/selectors.py").offences == []
    assert lint("class TenantModel:\n    def check(self):\n        return self.unscoped\n",
                "programmes/models.py").offences == []


def test_the_lint_knows_the_tenant_models():
    assert {"Project", "ThematicArea", "Membership", "Invitation", "Pairing", "Meeting",
            "Report", "Export"} <= tenant_model_names()
    assert len(app_modules()) > 40


# --- The default manager fails closed --------------------------------------------------------

def test_a_read_that_names_no_organisation_raises(world: World):
    reads = [
        lambda: list(Project.objects.all()),
        lambda: Project.objects.get(pk=world.project.pk),
        lambda: Project.objects.count(),
        lambda: Project.objects.exists(),
        lambda: Project.objects.first(),
        lambda: len(Project.objects.filter(slug="topcop")),
        lambda: list(Project.objects.values_list("pk", flat=True)),
        lambda: list(Project.objects.iterator()),
        lambda: Project.objects.aggregate(n=Count("pk")),
        lambda: Project.objects.in_bulk([world.project.pk]),
        lambda: Project.objects.update(is_active=False),
        lambda: Project.objects.filter(slug="nothing").delete(),
        lambda: Project.objects.exclude(organisation=world.org).count(),
        lambda: (Project.objects.for_org(world.org) | Project.objects.all()).count(),
        lambda: list(Project.objects.for_org(world.org).union(Project.objects.all())),
        lambda: list(world.people["coordinator"].memberships.all()),  # a person crosses tenants
    ]
    for read in reads:
        with pytest.raises(UnscopedTenantRead, match=r"Project\.objects\.for_org|Membership"):
            read()
    assert Project.unscoped.filter(is_active=True).count() == 3  # nothing changed


def test_reads_from_the_organisation_work(world: World):
    assert set(Project.objects.for_org(world.org)) == {world.project, world.other_project}
    assert Project.objects.for_org(world.org).active().get(slug="topcop") == world.other_project
    assert Project.objects.get(organisation=world.org, slug="topcop") == world.other_project
    assert Project.objects.filter(organisation__slug="interpol").get() == world.foreign_project
    assert Project.objects.filter(organisation__in=[world.other_org]).count() == 1
    assert (Project.objects.all() & Project.objects.for_org(world.other_org)).count() == 1
    assert Project.objects.for_org(None).count() == 0
    assert list(Project.objects.for_org(None)) == []
    assert list(Project.objects.none()) == []


def test_related_managers_and_prefetches_are_scoped_by_their_parent(world: World):
    area = world.project.thematic_areas.get()
    assert list(world.call.thematic_areas.all()) == [area]  # many-to-many
    assert list(area.calls.all()) == [world.call]
    projects = list(Project.objects.for_org(world.org).order_by("name").prefetch_related(
        "thematic_areas", Prefetch("calls", queryset=Call.objects.order_by("title"))))
    assert [list(p.thematic_areas.all()) for p in projects] == [[area], []]
    assert [list(p.calls.all()) for p in projects] == [[world.call], []]


def test_the_unscoped_manager_crosses_organisations(world: World):
    assert Project.unscoped.count() == 3
    assert set(Project.unscoped.active().values_list("organisation", flat=True)) == {
        world.org.pk, world.other_org.pk}
    assert Membership.unscoped.with_role("admin").count() == 2


def test_every_tenant_model_defaults_to_the_fail_closed_manager():
    for model in apps.get_models():
        if issubclass(model, TenantModel):
            assert model._default_manager.name == "objects", model
            assert model._default_manager.__class__ is model.objects.__class__
            assert type(model.unscoped.all()) is type(model.objects.all()), model
            assert not hasattr(model._base_manager.all(), "for_org"), model


def test_a_form_that_forgot_the_organisation_fails_loudly(world: World):
    form = forms.modelform_factory(Call, fields=["project"])()
    with pytest.raises(UnscopedTenantRead):
        form.as_p()


def test_single_field_uniques_are_checked_across_organisations(world: World):
    taken = InvitationFactory(organisation=world.other_org)
    again = Invitation(organisation=world.org, email="x@example.org", role="mentor",
                       token_hash=taken.token_hash, expires_at=taken.expires_at)
    with pytest.raises(ValidationError) as refused:
        again.full_clean()
    assert "token_hash" in refused.value.message_dict
    nomination = NominationFactory(call=world.call)
    application = ApplicationFactory(call=world.call, nomination=nomination)
    application.full_clean()  # its own one-to-one link is no clash
    second = ApplicationFactory.build(call=world.call, organisation=world.org,
                                      nomination=nomination)
    with pytest.raises(ValidationError) as refused:
        second.validate_unique()
    assert "nomination" in refused.value.message_dict


def test_the_admin_reads_across_organisations(world: World, client):
    superuser = UserFactory(email="root@platform.test", is_staff=True, is_superuser=True)
    sign_in_with_mfa(client, superuser, with_totp(superuser))
    invitation = InvitationFactory(organisation=world.other_org)
    pages = ["/admin/programmes/project/", f"/admin/programmes/project/{world.project.pk}/change/",
             "/admin/participants/membership/", "/admin/participants/invitation/",
             f"/admin/participants/invitation/{invitation.pk}/change/",
             "/admin/matching/pairing/"]
    for page in pages:
        assert client.get(page).status_code == 200, page
    assert "Momentum" in client.get("/admin/programmes/project/").text


# --- A row's organisation is its parent's ---------------------------------------------------

def test_a_child_takes_its_organisation_from_its_parent(world: World):
    area = ThematicArea(project=world.foreign_project, name="Cybercrime")
    area.save()
    assert area.organisation == world.other_org
    built = ThematicArea(project=world.project, name="Terrorism")
    built.full_clean()
    assert built.organisation_id == world.org.pk


def test_a_child_of_another_organisation_than_its_parent_is_refused(world: World):
    with pytest.raises(OrganisationMismatch, match="project"):
        ThematicArea.objects.create(organisation=world.org, project=world.foreign_project,
                                    name="Cybercrime")
    mismatched = ThematicArea(organisation=world.org, project=world.foreign_project,
                              name="Cybercrime")
    with pytest.raises(ValidationError, match="another organisation"):
        mismatched.full_clean()
    # Moving a loaded row to a parent of another organisation, by id, is refused too.
    area = ThematicArea.objects.for_org(world.org).get(project=world.project)
    area.project_id = world.foreign_project.pk
    with pytest.raises(OrganisationMismatch):
        area.save()
    area.refresh_from_db()
    area.organisation = world.other_org
    with pytest.raises(OrganisationMismatch):
        area.save(update_fields=["organisation"])
    assert ThematicArea.unscoped.filter(organisation=world.other_org).count() == 0


def test_every_tenant_foreign_key_is_checked():
    checked = {(model.__name__, field.name) for model in apps.get_models()
               if issubclass(model, TenantModel) for field in model.tenant_foreign_keys()}
    assert {("Meeting", "pairing"), ("PlannedVisit", "plan"), ("Application", "call"),
            ("Application", "invitation"), ("Export", "project"), ("Reminder", "call"),
            ("Pairing", "mentor_application")} <= checked
    for model in apps.get_models():
        if issubclass(model, TenantModel):
            for name in model.tenant_parents:
                assert (model.__name__, name) in checked


def _foreign_key_rows(world: World) -> Pairing:
    mentee, mentor = UserFactory(), UserFactory()
    pairing = Pairing.objects.create(project=world.project, mentee=mentee, mentor=mentor)
    assert pairing.organisation == world.org
    Meeting.objects.create(pairing=pairing, day=timezone.localdate() - timedelta(days=1),
                           duration_minutes=60, topics="Assets", logged_by=mentee)
    return pairing


@pytest.mark.django_db(transaction=True)
def test_on_postgresql_the_database_refuses_a_mismatch_at_commit(world: World):
    if connection.vendor != "postgresql":
        pytest.skip("composite foreign keys are made on PostgreSQL only: set DATABASE_URL")
    pairing = _foreign_key_rows(world)
    for sql, params in [
        ("UPDATE matching_meeting SET organisation_id = %s WHERE pairing_id = %s",
         [world.other_org.pk, pairing.pk]),
        ("UPDATE matching_pairing SET organisation_id = %s WHERE id = %s",
         [world.other_org.pk, pairing.pk]),
        ("UPDATE programmes_thematicarea SET project_id = %s WHERE project_id = %s",
         [world.foreign_project.pk, world.project.pk]),
    ]:
        with (pytest.raises(IntegrityError, match="same_org"), transaction.atomic(),
              connection.cursor() as cursor):
            cursor.execute(sql, params)  # deferred: accepted until the commit
    assert Meeting.objects.for_org(world.org).filter(pairing=pairing).count() == 1
    # A parent left out (a nullable foreign key) is no mismatch; Django's cascade still works.
    with transaction.atomic():
        Pairing.objects.for_org(world.org).filter(pk=pairing.pk).delete()


def test_on_postgresql_every_tenant_foreign_key_has_its_composite_key(db):
    if connection.vendor != "postgresql":
        pytest.skip("composite foreign keys are made on PostgreSQL only: set DATABASE_URL")
    with connection.cursor() as cursor:
        cursor.execute("SELECT conname FROM pg_constraint WHERE contype = 'f' "
                       "AND conname LIKE '%%_same_org' AND condeferrable AND condeferred")
        made = {name for (name,) in cursor.fetchall()}
    wanted = {f"{model._meta.db_table}_{field.column}_same_org" for model in apps.get_models()
              if issubclass(model, TenantModel) for field in model.tenant_foreign_keys()}
    assert made == wanted


# --- Guardian ---------------------------------------------------------------------------------

def test_global_permissions_do_not_reach_any_project(world: World, client_as):
    """A model-level permission (as Django's admin grants) gives no project, in this
    organisation or another: only object permissions on the organisation's projects count."""
    person = world.people["coordinator"]
    person.user_permissions.add(Permission.objects.get(codename="coordinate_project"))
    person = type(person).objects.get(pk=person.pk)  # drop the permission cache
    assert person.has_perm("programmes.coordinate_project")

    actor = actor_for(user=person, organisation=world.org)
    assert list(projects_served(actor=actor, perm="programmes.coordinate_project")) == [
        world.project
    ]
    client = client_as(person)
    assert client.get(reverse("project_rules", args=["cepol", "topcop"])).status_code == 403
    assert client.get(reverse("project_rules", args=["cepol", "momentum"])).status_code == 404
    assert Project.objects.for_org(None).count() == 0
