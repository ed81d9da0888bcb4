"""Tenant isolation that cannot be forgotten: a lint over views and tasks, and guardian's global
permissions never crossing into object access."""

import re
from pathlib import Path

from django.apps import apps
from django.contrib.auth.models import Permission
from django.urls import reverse

from participants.selectors import actor_for
from programmes.access import projects_served
from programmes.models import Project, TenantModel
from tests.helpers import World

ROOT = Path(__file__).resolve().parents[2]
APPS = ["programmes", "participants", "matching", "reporting"]


def tenant_model_names() -> set[str]:
    return {m.__name__ for m in apps.get_models() if issubclass(m, TenantModel)}


def test_views_and_tasks_never_start_from_an_unscoped_queryset():
    names = "|".join(sorted(tenant_model_names()))
    unscoped = re.compile(
        rf"\b({names})\.objects\.(?!for_org\b)\w+\(|get_object_or_404\(\s*({names})\s*,"
    )
    offences = []
    for app in APPS:
        for module in ("views.py", "tasks.py", "exports.py"):  # exports run in a task
            path = ROOT / app / module
            if not path.exists():
                continue
            for number, line in enumerate(path.read_text().splitlines(), start=1):
                if unscoped.search(line):
                    offences.append(f"{app}/{module}:{number}: {line.strip()}")
    assert offences == [], "Start from Model.objects.for_org(request.organisation):\n" + "\n".join(
        offences
    )


def test_the_lint_knows_the_tenant_models():
    assert {"Project", "ThematicArea", "Membership", "Invitation"} <= tenant_model_names()


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
